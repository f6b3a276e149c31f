//! `#[derive(Choices)]` for fieldless enums: Django's TextChoices, or its IntegerChoices when
//! every variant has an integer discriminant (`Heart = 2`).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, LitStr};

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(ch.to_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

fn spaced(name: &str) -> String {
    let snake = snake_case(name).replace('_', " ");
    let mut chars = snake.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => snake,
    }
}

/// An integer discriminant (`Heart = 2`, `Low = -1`), for IntegerChoices.
fn discriminant(expr: &syn::Expr) -> syn::Result<i64> {
    match expr {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. }) => i.base10_parse(),
        syn::Expr::Unary(syn::ExprUnary { op: syn::UnOp::Neg(_), expr, .. }) => discriminant(expr).map(|v| -v),
        other => Err(syn::Error::new_spanned(other, "an IntegerChoices discriminant must be an integer literal")),
    }
}

pub fn expand(input: DeriveInput) -> syn::Result<TokenStream> {
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new_spanned(&input.ident, "Choices can only be derived for an enum of unit variants"));
    };
    let ident = &input.ident;
    let mut variants = Vec::new();
    let mut values = Vec::new();
    let mut labels = Vec::new();
    // Discriminants on every variant make Django's IntegerChoices (stored as integers); none,
    // its TextChoices.
    let numbered = data.variants.iter().filter(|v| v.discriminant.is_some()).count();
    if numbered != 0 && numbered != data.variants.len() {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "give every variant an integer discriminant (IntegerChoices) or none (TextChoices)",
        ));
    }
    let integer = numbered != 0;
    let mut numbers = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            return Err(syn::Error::new_spanned(variant, "a Choices variant cannot carry data"));
        }
        let mut value = match &variant.discriminant {
            Some((_, expr)) => {
                let n = discriminant(expr)?;
                if i32::try_from(n).is_err() {
                    return Err(syn::Error::new_spanned(
                        expr,
                        "an IntegerChoices value must fit an IntegerField (32 bits)",
                    ));
                }
                numbers.push(n as i32);
                n.to_string()
            }
            None => snake_case(&variant.ident.to_string()),
        };
        let mut label = spaced(&variant.ident.to_string());
        for attr in variant.attrs.iter().filter(|a| a.path().is_ident("djorm")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("value") && integer {
                    return Err(meta.error("an IntegerChoices variant's value is its discriminant"));
                } else if meta.path.is_ident("value") {
                    value = meta.value()?.parse::<LitStr>()?.value();
                } else if meta.path.is_ident("label") {
                    label = meta.value()?.parse::<LitStr>()?.value();
                } else {
                    return Err(meta.error("unknown Choices option; expected `value = \"...\"` or `label = \"...\"`"));
                }
                Ok(())
            })?;
        }
        variants.push(&variant.ident);
        values.push(value);
        labels.push(label);
    }
    let field_type = if integer {
        quote! {
            impl ::djorm::FieldType for #ident {
                const KIND: ::djorm::FieldKind = ::djorm::FieldKind::IntegerField;
                const CHOICES: &'static [(&'static str, &'static str)] = <Self as ::djorm::Choices>::CHOICES;
                fn to_value(&self) -> ::djorm::Value {
                    ::djorm::Value::I32(match self { #(Self::#variants => #numbers,)* })
                }
                fn from_value(value: ::djorm::Value) -> ::djorm::Result<Self> {
                    match value.as_i64() {
                        #(::core::option::Option::Some(n) if n == #numbers as i64 => ::core::result::Result::Ok(Self::#variants),)*
                        _ => ::core::result::Result::Err(::djorm::Error::Decode(::std::format!("{:?} as {}", value, stringify!(#ident)))),
                    }
                }
            }
        }
    } else {
        quote! {
            impl ::djorm::FieldType for #ident {
                const KIND: ::djorm::FieldKind = ::djorm::FieldKind::CharField;
                const CHOICES: &'static [(&'static str, &'static str)] = <Self as ::djorm::Choices>::CHOICES;
                const IMPLIED_MAX_LENGTH: ::core::option::Option<u32> =
                    ::djorm::longest_choice(<Self as ::djorm::Choices>::CHOICES);
                fn to_value(&self) -> ::djorm::Value {
                    ::djorm::Value::String(::std::string::ToString::to_string(::djorm::Choices::value(self)))
                }
                fn from_value(value: ::djorm::Value) -> ::djorm::Result<Self> {
                    match &value {
                        ::djorm::Value::String(s) => <Self as ::djorm::Choices>::from_stored(s).ok_or_else(|| {
                            ::djorm::Error::Decode(::std::format!("'{}' as {}", s, stringify!(#ident)))
                        }),
                        other => ::core::result::Result::Err(::djorm::Error::Decode(::std::format!("{:?} as {}", other, stringify!(#ident)))),
                    }
                }
            }
        }
    };
    Ok(quote! {
        impl ::djorm::Choices for #ident {
            const CHOICES: &'static [(&'static str, &'static str)] = &[#((#values, #labels)),*];
            fn value(&self) -> &'static str {
                match self { #(Self::#variants => #values,)* }
            }
            fn label(&self) -> &'static str {
                match self { #(Self::#variants => #labels,)* }
            }
            fn from_stored(value: &str) -> ::core::option::Option<Self> {
                match value { #(#values => ::core::option::Option::Some(Self::#variants),)* _ => ::core::option::Option::None }
            }
        }

        #field_type

        ::djorm::__comparable!(#ident => #ident);
    })
}
