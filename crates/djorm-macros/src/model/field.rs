//! One struct field: its options, validation against its type, and its `FieldMeta`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Type;

use super::attrs::{FieldAttrs, Special};
use super::kinds::{type_name, Role};

/// A parsed struct field.
pub struct FieldInfo {
    pub ident: syn::Ident,
    pub ty: Type,
    pub attrs: FieldAttrs,
    pub role: Role,
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
        // chrono::TimeDelta (alias chrono::Duration) or std::time::Duration.
        "TimeDelta" | "Duration" => "DurationField",
        "Uuid" => "UUIDField",
        "Value" | "JsonValue" => "JSONField",
        "Vec" => "BinaryField",
        "AutoId" => "BigAutoField",
        "ForeignKey" => "ForeignKey",
        "OneToOne" => "OneToOneField",
        _ => return None,
    })
}

/// A `default = ...` as an expression of the field's type: a string literal becomes the
/// field's text (also for `Option<String>`), anything else is used as written.
pub fn default_value(expr: &syn::Expr, ty: &Type) -> TokenStream {
    match expr {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(_), .. }) => {
            quote! { <#ty as ::djorm::__private::DefaultFromStr>::default_from_str(#expr) }
        }
        other => quote! { #other },
    }
}

impl FieldInfo {
    /// The field class from the type and the text options (`email`, `url`, `slug`,
    /// `max_length`).
    fn kind_tokens(&self, special: Option<Special>) -> TokenStream {
        let ty = &self.ty;
        match special {
            Some(Special::Email) => quote! { ::djorm::FieldKind::EmailField },
            Some(Special::Url) => quote! { ::djorm::FieldKind::URLField },
            Some(Special::Slug) => quote! { ::djorm::FieldKind::SlugField },
            None if self.attrs.max_length.is_some() => quote! {
                if matches!(<#ty as ::djorm::FieldType>::KIND, ::djorm::FieldKind::TextField) {
                    ::djorm::FieldKind::CharField
                } else {
                    <#ty as ::djorm::FieldType>::KIND
                }
            },
            None => quote! { <#ty as ::djorm::FieldType>::KIND },
        }
    }

    /// Checks the options against the type, with errors pointing at the option.
    pub fn validate(&self) -> syn::Result<()> {
        let (name, is_option) = type_name(&self.ty);
        let a = &self.attrs;
        if let Some((_, span)) = a.max_length {
            if let Some(kind) = non_text_kind(&name) {
                return Err(syn::Error::new(
                    span,
                    format!("max_length is only valid on text fields (String); `{name}` maps to {kind}"),
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
        if (a.auto_now || a.auto_now_add) && !matches!(name.as_str(), "DateTime" | "NaiveDate" | "NaiveTime") {
            return Err(syn::Error::new_spanned(
                &self.ty,
                "auto_now and auto_now_add are only valid on DateTime<Utc>, NaiveDate or NaiveTime fields",
            ));
        }
        if (a.max_digits.is_some() || a.decimal_places.is_some()) && name != "Decimal" {
            return Err(syn::Error::new_spanned(
                &self.ty,
                "max_digits and decimal_places are only valid on Decimal fields",
            ));
        }
        if let Some((class, span)) = &a.auto_field {
            if name != "AutoId" {
                return Err(syn::Error::new(
                    *span,
                    format!("auto_field is only valid on an AutoId key, not on `{name}`"),
                ));
            }
            if !matches!(class.as_str(), "AutoField" | "SmallAutoField" | "BigAutoField") {
                return Err(syn::Error::new(
                    *span,
                    format!("auto_field is AutoField, SmallAutoField or BigAutoField, not `{class}`"),
                ));
            }
        }
        let relation_only = a.on_delete.is_some() || a.related_name.is_some() || a.to_field.is_some();
        match &self.role {
            Role::Key { .. } => {
                let Some(rule) = &a.on_delete else {
                    return Err(syn::Error::new_spanned(
                        &self.ty,
                        "a ForeignKey/OneToOne needs on_delete (Cascade, Protect, SetNull, SetDefault, Restrict or DoNothing), as Django requires",
                    ));
                };
                if rule == "SetNull" && !is_option {
                    return Err(syn::Error::new(
                        rule.span(),
                        "on_delete = SetNull needs a nullable key: make the field `Option<ForeignKey<..>>`",
                    ));
                }
                if rule == "SetDefault" && a.default.is_none() {
                    return Err(syn::Error::new(
                        rule.span(),
                        "on_delete = SetDefault needs a `default = ...` on the field",
                    ));
                }
            }
            Role::ManyToMany { .. } => {
                if a.on_delete.is_some() {
                    return Err(syn::Error::new_spanned(&self.ty, "a ManyToMany field takes no on_delete"));
                }
            }
            Role::Reverse { .. } => {
                if relation_only || a.through.is_some() {
                    return Err(syn::Error::new_spanned(
                        &self.ty,
                        "a Reverse side takes no options: declare related_name/on_delete on the ForeignKey or ManyToMany of the other model, and name this field after its related_name",
                    ));
                }
            }
            Role::State => {}
            Role::Column => {
                if relation_only || a.through.is_some() || a.symmetrical.is_some() {
                    return Err(syn::Error::new_spanned(
                        &self.ty,
                        "on_delete, related_name, to_field, through and symmetrical are only valid on relation fields",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The `ModelMeta.fields` entry of a column field.
    pub fn field_meta(&self, is_pk: bool) -> TokenStream {
        let a = &self.attrs;
        let ty = &self.ty;
        let name = self.ident.to_string();
        let is_key = matches!(self.role, Role::Key { .. });
        let column = a.db_column.clone().unwrap_or_else(|| if is_key { format!("{name}_id") } else { name.clone() });
        let kind = match (a.special.map(|s| s.0), &a.auto_field) {
            (_, Some((class, _))) => {
                let class = format_ident!("{}", class);
                quote! { ::djorm::FieldKind::#class }
            }
            (special, None) => self.kind_tokens(special),
        };
        let max_length = match (a.max_length, a.special.map(|s| s.0)) {
            (Some((n, _)), _) => quote! { ::core::option::Option::Some(#n) },
            (None, Some(Special::Email)) => quote! { ::core::option::Option::Some(254u32) },
            (None, Some(Special::Url)) => quote! { ::core::option::Option::Some(200u32) },
            (None, Some(Special::Slug)) => quote! { ::core::option::Option::Some(50u32) },
            (None, None) => quote! { <#ty as ::djorm::FieldType>::IMPLIED_MAX_LENGTH },
        };
        let opt_u32 = |v: Option<u32>| match v {
            Some(n) => quote! { ::core::option::Option::Some(#n) },
            None => quote! { ::core::option::Option::None },
        };
        let opt_str = |v: &Option<String>| match v {
            Some(s) => quote! { ::core::option::Option::Some(#s) },
            None => quote! { ::core::option::Option::None },
        };
        let (max_digits, decimal_places) = (opt_u32(a.max_digits), opt_u32(a.decimal_places));
        let auto = a.auto_now || a.auto_now_add;
        let blank = a.blank || auto || is_pk;
        let editable = a.editable.unwrap_or(!auto);
        let one_to_one = matches!(self.role, Role::Key { one_to_one: true, .. });
        let unique = a.unique || is_pk || one_to_one;
        let db_index = a.db_index.unwrap_or(matches!(a.special, Some((Special::Slug, _))) || (is_key && !one_to_one));
        let verbose_name = a.verbose_name.clone().unwrap_or_else(|| name.replace('_', " "));
        let help_text = a.help_text.clone().unwrap_or_default();
        let (auto_now, auto_now_add) = (a.auto_now, a.auto_now_add);
        let default = match a.default.as_ref().map(|e| (e, default_value(e, ty))) {
            Some((written, expr)) => {
                let f = format_ident!("__djorm_default_{}", self.ident);
                // A call gives a new value each time (`Utc::now()`): migrations name it.
                let kind = if matches!(written, syn::Expr::Call(_) | syn::Expr::MethodCall(_) | syn::Expr::Macro(_)) {
                    let name: String = quote!(#written).to_string().chars().filter(|c| !c.is_whitespace()).collect();
                    quote! { ::djorm::FieldDefault::Callable { make: #f, name: #name } }
                } else {
                    quote! { ::djorm::FieldDefault::Call(#f) }
                };
                quote! {{
                    fn #f() -> ::djorm::Value {
                        let value: #ty = #expr;
                        ::djorm::FieldType::to_value(&value)
                    }
                    ::core::option::Option::Some(#kind)
                }}
            }
            None => quote! { ::core::option::Option::None },
        };
        let relation = match &self.role {
            Role::Key { target, one_to_one } => {
                let rule = a.on_delete.clone().unwrap_or_else(|| format_ident!("Cascade"));
                let (related_name, related_query_name, to_field) =
                    (opt_str(&a.related_name), opt_str(&a.related_query_name), opt_str(&a.to_field));
                quote! {
                    ::core::option::Option::Some(::djorm::RelationMeta {
                        one_to_one: #one_to_one,
                        target: ::djorm::ModelRef::Static(<#target as ::djorm::Model>::meta),
                        on_delete: ::djorm::OnDelete::#rule,
                        related_name: #related_name,
                        related_query_name: #related_query_name,
                        to_field: #to_field,
                    })
                }
            }
            _ => quote! { ::core::option::Option::None },
        };
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
                relation: #relation,
            }
        }
    }

    /// The `ModelMeta.many_to_many` entry of a ManyToMany field.
    pub fn many_to_many_meta(&self) -> Option<TokenStream> {
        let Role::ManyToMany { target } = &self.role else { return None };
        let a = &self.attrs;
        let name = self.ident.to_string();
        let opt_str = |v: &Option<String>| match v {
            Some(s) => quote! { ::core::option::Option::Some(#s) },
            None => quote! { ::core::option::Option::None },
        };
        let (related_name, related_query_name, db_table) =
            (opt_str(&a.related_name), opt_str(&a.related_query_name), opt_str(&a.m2m_db_table));
        let through = match &a.through {
            Some(path) => {
                quote! { ::core::option::Option::Some(::djorm::ModelRef::Static(<#path as ::djorm::Model>::meta)) }
            }
            None => quote! { ::core::option::Option::None },
        };
        let symmetrical = a.symmetrical.unwrap_or(true);
        Some(quote! {
            ::djorm::ManyToManyMeta {
                name: #name,
                target: ::djorm::ModelRef::Static(<#target as ::djorm::Model>::meta),
                related_name: #related_name,
                related_query_name: #related_query_name,
                through: #through,
                db_table: #db_table,
                symmetrical: #symmetrical,
            }
        })
    }
}
