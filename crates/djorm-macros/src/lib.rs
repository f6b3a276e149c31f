//! The procedural macros of djorm: `#[derive(Model)]`, `#[derive(Choices)]` and `q!`.
//!
//! Each macro parses its input into a small description, validates it with errors that point
//! at the offending attribute, and expands to code that calls only djorm's public API and its
//! `__private` support module. Users depend on `djorm`, which re-exports these.

use proc_macro::TokenStream;

mod choices;
mod model;
mod q;

/// Derives `djorm::Model` for a struct: metadata, row decoding, typed field paths
/// (`Post::title()`), a `Default` built from field defaults, and registration with the
/// model registry. See the `djorm` crate documentation for every option.
#[proc_macro_derive(Model, attributes(djorm))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    model::expand(input).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Derives `djorm::Choices` and `djorm::FieldType` for a fieldless enum, so it can be a model
/// field with Django's `choices`. Variants are stored as their snake_case name unless
/// `#[djorm(value = "...")]` says otherwise; `#[djorm(label = "...")]` sets the label.
#[proc_macro_derive(Choices, attributes(djorm))]
pub fn derive_choices(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    choices::expand(input).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Django's keyword lookups, checked at compile time:
/// `q!(Post, title__icontains = "django", created_at__year = 2023)` expands to
/// `Post::title().icontains("django") & Post::created_at().year().exact(2023)`, so a misspelt
/// field or a value of the wrong type is a compile error.
#[proc_macro]
pub fn q(input: TokenStream) -> TokenStream {
    q::expand(input.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}
