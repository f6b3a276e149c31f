//! `q!(Model, field__transform__lookup = value, ...)`.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Token, Type};

/// True for djorm's own lookups, which the typed field paths have methods for. The names come
/// from the registry's definitions; anything else after the field is a transform or a field
/// of a related model, called as a method (a transform an application registered through an
/// extension trait works too).
fn is_builtin_lookup(name: &str) -> bool {
    djorm_sql::vocabulary::LOOKUPS.iter().any(|l| l.name == name)
}

struct Lookup {
    path: Ident,
    value: Expr,
}

impl Parse for Lookup {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let path = input.call(Ident::parse_any_ident)?;
        input.parse::<Token![=]>()?;
        Ok(Lookup { path, value: input.parse()? })
    }
}

trait ParseAnyIdent {
    fn parse_any_ident(input: ParseStream<'_>) -> syn::Result<Ident>;
}

impl ParseAnyIdent for Ident {
    fn parse_any_ident(input: ParseStream<'_>) -> syn::Result<Ident> {
        syn::ext::IdentExt::parse_any(input)
    }
}

struct QInput {
    model: Type,
    lookups: Punctuated<Lookup, Token![,]>,
}

impl Parse for QInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let model: Type = input.parse()?;
        input.parse::<Token![,]>()?;
        let lookups = Punctuated::parse_terminated(input)?;
        Ok(QInput { model, lookups })
    }
}

fn lookup_call(model: &Type, lookup: &Lookup) -> syn::Result<TokenStream> {
    let text = lookup.path.to_string();
    let span = lookup.path.span();
    let parts: Vec<&str> = text.split("__").collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(syn::Error::new(span, format!("`{text}` is not a lookup: use `field__lookup`, as Django does")));
    }
    let (segments, lookup_name) = match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() && is_builtin_lookup(last) => (rest, *last),
        _ => (parts.as_slice(), "exact"),
    };
    let field = Ident::new(segments[0], span);
    let transforms = segments[1..].iter().map(|t| Ident::new(t, span));
    let value = &lookup.value;
    let target = quote! { <#model>::#field()#(.#transforms())* };
    Ok(match lookup_name {
        "in" => quote! { #target.in_(#value) },
        "range" => quote! {{
            let (low, high) = ::djorm::__private::IntoBounds::into_bounds(#value);
            #target.range(low, high)
        }},
        name => {
            let method = Ident::new(name, Span::call_site().located_at(span));
            quote! { #target.#method(#value) }
        }
    })
}

pub fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let input: QInput = syn::parse2(input)?;
    if input.lookups.is_empty() {
        return Ok(quote! { ::djorm::Q::all() });
    }
    let calls = input.lookups.iter().map(|l| lookup_call(&input.model, l)).collect::<syn::Result<Vec<_>>>()?;
    // One lookup is the condition itself: no list of one to allocate and walk.
    if let [call] = calls.as_slice() {
        return Ok(quote! { ::djorm::Q::from(#call) });
    }
    Ok(quote! { ( ::djorm::Q::all() #(& #calls)* ) })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn expanded(input: TokenStream) -> String {
        expand(input).unwrap().to_string().split_whitespace().collect()
    }

    #[test]
    fn a_path_becomes_typed_calls_ending_in_its_lookup() {
        let out = expanded(quote! { Post, title__icontains = "x" });
        assert!(out.contains("<Post>::title().icontains(\"x\")"), "{out}");
        // A last name that is not a lookup is a transform or a related field, then exact.
        let out = expanded(quote! { Post, created_at__year = 2024 });
        assert!(out.contains("<Post>::created_at().year().exact(2024)"), "{out}");
        let out = expanded(quote! { Post, author__name = "Ann" });
        assert!(out.contains("<Post>::author().name().exact(\"Ann\")"), "{out}");
        let out = expanded(quote! { Post, id__in = [1, 2] });
        assert!(out.contains("<Post>::id().in_([1,2])"), "{out}");
        assert_eq!(expanded(quote! { Post, }), "::djorm::Q::all()");
        let out = expanded(quote! { Post, id = 1 });
        assert_eq!(out, "::djorm::Q::from(<Post>::id().exact(1))");
        let out = expanded(quote! { Post, id = 1, title = "x" });
        assert!(out.starts_with("(::djorm::Q::all()&<Post>::id().exact(1)&"), "{out}");
    }

    #[test]
    fn a_malformed_path_is_a_compile_error_naming_it() {
        let err = expand(quote! { Post, title____x = 1 }).unwrap_err();
        assert!(err.to_string().contains("`title____x` is not a lookup"), "{err}");
    }
}
