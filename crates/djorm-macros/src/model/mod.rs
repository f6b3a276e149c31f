//! `#[derive(Model)]`: parse, validate, expand.

mod attrs;

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::{Data, DeriveInput, Fields, GenericArgument, PathArguments, Type};

use attrs::{FieldAttrs, Special};

/// The last path segment of a type and, for `Option<T>`, the inner type's.
fn type_name(ty: &Type) -> (String, bool) {
    if let Type::Path(p) = ty {
        if let Some(last) = p.path.segments.last() {
            if last.ident == "Option" {
                if let PathArguments::AngleBracketed(args) = &last.arguments {
                    if let Some(GenericArgument::Type(inner)) = args.args.first() {
                        return (type_name(inner).0, true);
                    }
                }
            }
            return (last.ident.to_string(), false);
        }
    }
    (String::new(), false)
}

/// Rust types djorm maps to a non-text Django field, with that field's class name.
fn non_text_kind(name: &str) -> Option<&'static str> {
    Some(match name {
        "i16" => "SmallIntegerField",
        "i32" => "IntegerField",
        "i64" => "BigIntegerField",
        "u32" => "PositiveIntegerField",
        "f64" | "f32" => "FloatField",
        "bool" => "BooleanField",
        "Decimal" => "DecimalField",
        "DateTime" => "DateTimeField",
        "NaiveDate" => "DateField",
        "NaiveTime" => "TimeField",
        "Uuid" => "UUIDField",
        "Value" | "JsonValue" => "JSONField",
        "Vec" => "BinaryField",
        "AutoId" => "BigAutoField",
        _ => return None,
    })
}

fn camel_to_spaces(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.extend(ch.to_lowercase());
    }
    out
}

/// A `default = ...` as an expression of the field's type: a string literal becomes the
/// field's text (also for `Option<String>`), anything else is used as written.
fn default_value(expr: &syn::Expr, ty: &Type) -> TokenStream {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(_),
            ..
        }) => {
            quote! { <#ty as ::djorm::__private::DefaultFromStr>::default_from_str(#expr) }
        }
        other => quote! { #other },
    }
}

struct FieldInfo {
    ident: syn::Ident,
    ty: Type,
    attrs: FieldAttrs,
}

fn validate(field: &FieldInfo) -> syn::Result<()> {
    let (name, is_option) = type_name(&field.ty);
    let a = &field.attrs;
    if let Some((_, span)) = a.max_length {
        if let Some(kind) = non_text_kind(&name) {
            return Err(syn::Error::new(
                span,
                format!(
                    "max_length is only valid on text fields (String); `{name}` maps to {kind}"
                ),
            ));
        }
    }
    if let Some(span) = a.null {
        if !is_option {
            return Err(syn::Error::new(
                span,
                "null = true needs an `Option<T>` field: djorm spells Django's null=True as `Option<T>`",
            ));
        }
    }
    if let Some((special, span)) = a.special {
        if name != "String" {
            let which = match special {
                Special::Email => "email",
                Special::Url => "url",
                Special::Slug => "slug",
            };
            return Err(syn::Error::new(
                span,
                format!("`{which}` is only valid on a String field, not on `{name}`"),
            ));
        }
    }
    if (a.auto_now || a.auto_now_add)
        && !matches!(name.as_str(), "DateTime" | "NaiveDate" | "NaiveTime")
    {
        return Err(syn::Error::new_spanned(
            &field.ty,
            "auto_now and auto_now_add are only valid on DateTime<Utc>, NaiveDate or NaiveTime fields",
        ));
    }
    if (a.max_digits.is_some() || a.decimal_places.is_some()) && name != "Decimal" {
        return Err(syn::Error::new_spanned(
            &field.ty,
            "max_digits and decimal_places are only valid on Decimal fields",
        ));
    }
    Ok(())
}

fn field_meta(model: &syn::Ident, field: &FieldInfo, is_pk: bool) -> TokenStream {
    let a = &field.attrs;
    let ty = &field.ty;
    let name = field.ident.to_string();
    let column = a.db_column.clone().unwrap_or_else(|| name.clone());
    let kind = match a.special.map(|s| s.0) {
        Some(Special::Email) => quote! { ::djorm::FieldKind::EmailField },
        Some(Special::Url) => quote! { ::djorm::FieldKind::URLField },
        Some(Special::Slug) => quote! { ::djorm::FieldKind::SlugField },
        None if a.max_length.is_some() => quote! {
            if matches!(<#ty as ::djorm::FieldType>::KIND, ::djorm::FieldKind::TextField) {
                ::djorm::FieldKind::CharField
            } else {
                <#ty as ::djorm::FieldType>::KIND
            }
        },
        None => quote! { <#ty as ::djorm::FieldType>::KIND },
    };
    let max_length = match (a.max_length, a.special.map(|s| s.0)) {
        (Some((n, _)), _) => quote! { ::core::option::Option::Some(#n) },
        (None, Some(Special::Email)) => quote! { ::core::option::Option::Some(254u32) },
        (None, Some(Special::Url)) => quote! { ::core::option::Option::Some(200u32) },
        (None, Some(Special::Slug)) => quote! { ::core::option::Option::Some(50u32) },
        (None, None) => quote! { <#ty as ::djorm::FieldType>::IMPLIED_MAX_LENGTH },
    };
    let opt = |v: Option<u32>| match v {
        Some(n) => quote! { ::core::option::Option::Some(#n) },
        None => quote! { ::core::option::Option::None },
    };
    let max_digits = opt(a.max_digits);
    let decimal_places = opt(a.decimal_places);
    let auto = a.auto_now || a.auto_now_add;
    let blank = a.blank || auto || is_pk;
    let editable = a.editable.unwrap_or(!auto);
    let unique = a.unique || is_pk;
    let db_index = a
        .db_index
        .unwrap_or(matches!(a.special, Some((Special::Slug, _))));
    let verbose_name = a
        .verbose_name
        .clone()
        .unwrap_or_else(|| name.replace('_', " "));
    let help_text = a.help_text.clone().unwrap_or_default();
    let (auto_now, auto_now_add) = (a.auto_now, a.auto_now_add);
    let default_expr = a.default.as_ref().map(|e| default_value(e, ty));
    let default = match &default_expr {
        Some(expr) => {
            let f = format_ident!("__djorm_default_{}", field.ident);
            quote! {{
                fn #f() -> ::djorm::Value {
                    let value: #ty = #expr;
                    ::djorm::FieldType::to_value(&value)
                }
                ::core::option::Option::Some(#f as fn() -> ::djorm::Value)
            }}
        }
        None => quote! { ::core::option::Option::None },
    };
    let _ = model;
    quote! {
        ::djorm::FieldMeta {
            name: #name,
            column: #column,
            kind: #kind,
            null: <#ty as ::djorm::FieldType>::NULLABLE,
            blank: #blank,
            primary_key: #is_pk,
            unique: #unique,
            db_index: #db_index,
            max_length: #max_length,
            max_digits: #max_digits,
            decimal_places: #decimal_places,
            choices: <#ty as ::djorm::FieldType>::CHOICES,
            verbose_name: #verbose_name,
            help_text: #help_text,
            default: #default,
            auto_now: #auto_now,
            auto_now_add: #auto_now_add,
            editable: #editable,
        }
    }
}

pub fn expand(input: DeriveInput) -> syn::Result<TokenStream> {
    let ident = &input.ident;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            ident,
            "Model can only be derived for a struct with named fields",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(
            ident,
            "Model can only be derived for a struct with named fields",
        ));
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "a Model cannot have generic parameters",
        ));
    }
    let model = attrs::parse_model(&input.attrs)?;
    let mut fields = Vec::new();
    for f in &named.named {
        let Some(field_ident) = f.ident.clone() else {
            continue;
        };
        let info = FieldInfo {
            ident: field_ident,
            ty: f.ty.clone(),
            attrs: attrs::parse_field(&f.attrs)?,
        };
        validate(&info)?;
        fields.push(info);
    }
    let pk_index = match fields.iter().position(|f| f.attrs.primary_key) {
        Some(i) => i,
        None => fields.iter().position(|f| f.ident == "id").ok_or_else(|| {
            syn::Error::new_spanned(
                ident,
                "a model needs a primary key: add `pub id: AutoId` (Django's implicit id) or mark a field `#[djorm(primary_key)]`",
            )
        })?,
    };
    let field_names: Vec<String> = fields.iter().map(|f| f.ident.to_string()).collect();
    for (spec, what) in model
        .ordering
        .iter()
        .map(|s| (s, "ordering"))
        .chain(
            model
                .indexes
                .iter()
                .flat_map(|(_, f)| f.iter().map(|s| (s, "index"))),
        )
        .chain(
            model
                .uniques
                .iter()
                .flat_map(|(_, f)| f.iter().map(|s| (s, "unique constraint"))),
        )
    {
        let name = spec.trim_start_matches('-');
        if name != "?" && name != "pk" && !field_names.iter().any(|f| f == name) {
            return Err(syn::Error::new_spanned(
                ident,
                format!(
                    "{what} refers to the nonexistent field '{name}'. Choices are: {}",
                    field_names.join(", ")
                ),
            ));
        }
    }

    let object_name = ident.to_string();
    let lower = object_name.to_lowercase();
    let app_label = match &model.app {
        Some(app) => quote! { #app },
        None => quote! { env!("CARGO_CRATE_NAME") },
    };
    let db_table = match (&model.db_table, &model.app) {
        (Some(t), _) => quote! { #t },
        (None, Some(app)) => {
            let t = format!("{app}_{lower}");
            quote! { #t }
        }
        (None, None) => {
            let suffix = format!("_{lower}");
            quote! { concat!(env!("CARGO_CRATE_NAME"), #suffix) }
        }
    };
    let verbose_name = model
        .verbose_name
        .clone()
        .unwrap_or_else(|| camel_to_spaces(&object_name));
    let verbose_name_plural = model
        .verbose_name_plural
        .clone()
        .unwrap_or_else(|| format!("{verbose_name}s"));
    let ordering = &model.ordering;
    let field_metas = fields
        .iter()
        .enumerate()
        .map(|(i, f)| field_meta(ident, f, i == pk_index));
    let indexes = model.indexes.iter().map(|(name, fields)| {
        let name = match name {
            Some(n) => quote! { ::core::option::Option::Some(#n) },
            None => quote! { ::core::option::Option::None },
        };
        quote! { ::djorm::IndexMeta { name: #name, fields: &[#(#fields),*] } }
    });
    let uniques = model.uniques.iter().map(
        |(name, fields)| quote! { ::djorm::UniqueMeta { name: #name, fields: &[#(#fields),*] } },
    );
    let checks = model.checks.iter().map(|(name, lookups)| {
        let lookups = lookups
            .iter()
            .map(|(path, value)| quote! { #path = #value });
        quote! {
            ::djorm::CheckMeta {
                name: #name,
                condition: {
                    fn condition() -> ::djorm::Q { ::djorm::q!(#ident, #(#lookups),*) }
                    condition
                },
            }
        }
    });

    let idents: Vec<_> = fields.iter().map(|f| &f.ident).collect();
    let types: Vec<_> = fields.iter().map(|f| &f.ty).collect();
    let pk_ident = &fields[pk_index].ident;
    let pk_ty = &fields[pk_index].ty;
    let now_assignments = fields.iter().filter(|f| f.attrs.auto_now).map(|f| {
        let id = &f.ident;
        quote! { self.#id = ::djorm::__private::Now::now(); }
    });
    let add_assignments = fields.iter().filter(|f| f.attrs.auto_now_add).map(|f| {
        let id = &f.ident;
        quote! { self.#id = ::djorm::__private::Now::now(); }
    });
    let defaults = fields.iter().map(|f| {
        let id = &f.ident;
        match &f.attrs.default.as_ref().map(|e| default_value(e, &f.ty)) {
            Some(expr) => quote_spanned! { id.span()=> #id: #expr },
            None => quote! { #id: ::core::default::Default::default() },
        }
    });
    let accessors = fields.iter().map(|f| {
        let id = &f.ident;
        let ty = &f.ty;
        let name = id.to_string();
        let doc = format!("The `{name}` field, for typed lookups, ordering and updates.");
        quote! {
            #[doc = #doc]
            #[allow(dead_code)]
            pub fn #id() -> ::djorm::Field<#ident, #ty> { ::djorm::Field::new(#name) }
        }
    });

    Ok(quote! {
        impl ::djorm::Model for #ident {
            fn meta() -> &'static ::djorm::ModelMeta {
                static META: ::djorm::ModelMeta = ::djorm::ModelMeta {
                    app_label: #app_label,
                    object_name: #object_name,
                    db_table: #db_table,
                    fields: &[#(#field_metas),*],
                    pk_index: #pk_index,
                    ordering: &[#(#ordering),*],
                    verbose_name: #verbose_name,
                    verbose_name_plural: #verbose_name_plural,
                    indexes: &[#(#indexes),*],
                    unique_constraints: &[#(#uniques),*],
                    check_constraints: &[#(#checks),*],
                };
                &META
            }

            fn from_row(row: &mut ::djorm::RowReader<'_>) -> ::djorm::Result<Self> {
                ::core::result::Result::Ok(Self { #(#idents: row.read::<#types>()?,)* })
            }

            fn field_values(&self) -> ::std::vec::Vec<::djorm::Value> {
                ::std::vec![#(::djorm::FieldType::to_value(&self.#idents)),*]
            }

            fn pk_value(&self) -> ::djorm::Value {
                ::djorm::FieldType::to_value(&self.#pk_ident)
            }

            fn set_pk_value(&mut self, value: ::djorm::Value) -> ::djorm::Result<()> {
                self.#pk_ident = <#pk_ty as ::djorm::FieldType>::from_value(value)?;
                ::core::result::Result::Ok(())
            }

            fn pre_save(&mut self, adding: bool) {
                #(#now_assignments)*
                if adding {
                    #(#add_assignments)*
                }
            }
        }

        impl #ident {
            /// The default manager (Django's `objects`): a QuerySet over every row.
            #[allow(dead_code)]
            pub fn objects() -> ::djorm::QuerySet<Self> {
                ::djorm::QuerySet::new()
            }

            /// The primary key, for typed lookups (`pk`).
            #[allow(dead_code)]
            pub fn pk() -> ::djorm::Field<#ident, #pk_ty> { ::djorm::Field::new("pk") }

            #(#accessors)*
        }

        impl ::core::default::Default for #ident {
            /// A new, unsaved instance with every field at its `default` (or the type's default).
            fn default() -> Self {
                Self { #(#defaults,)* }
            }
        }

        ::djorm::__private::inventory::submit! {
            ::djorm::ModelRegistration { meta: <#ident as ::djorm::Model>::meta }
        }
    })
}
