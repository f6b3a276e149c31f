//! `#[derive(Model)]`: parse, validate, expand.

mod attrs;
mod field;
mod kinds;

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields};

use field::{default_value, FieldInfo};
use kinds::Role;

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

fn parse_fields(input: &DeriveInput) -> syn::Result<Vec<FieldInfo>> {
    let ident = &input.ident;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(ident, "Model can only be derived for a struct with named fields"));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(ident, "Model can only be derived for a struct with named fields"));
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(&input.generics, "a Model cannot have generic parameters"));
    }
    let mut fields: Vec<FieldInfo> = Vec::new();
    for f in &named.named {
        let Some(field_ident) = f.ident.clone() else { continue };
        let role = kinds::role(&f.ty);
        if matches!(role, Role::State) {
            if let Some(attr) = f.attrs.iter().find(|a| a.path().is_ident("djorm")) {
                return Err(syn::Error::new_spanned(
                    attr,
                    "an InstanceState field takes no options: it is not a column, only what the instance knows about itself",
                ));
            }
            if fields.iter().any(|f| matches!(f.role, Role::State)) {
                return Err(syn::Error::new_spanned(&f.ty, "a model has at most one InstanceState field"));
            }
        }
        let info = FieldInfo { ident: field_ident, ty: f.ty.clone(), attrs: attrs::parse_field(&f.attrs)?, role };
        info.validate()?;
        fields.push(info);
    }
    Ok(fields)
}

pub fn expand(input: DeriveInput) -> syn::Result<TokenStream> {
    let ident = &input.ident;
    let model = attrs::parse_model(&input.attrs)?;
    let fields = parse_fields(&input)?;
    let columns: Vec<&FieldInfo> = fields.iter().filter(|f| f.role.is_column()).collect();
    let pk_index = match columns.iter().position(|f| f.attrs.primary_key) {
        Some(i) => i,
        None => columns.iter().position(|f| f.ident == "id").ok_or_else(|| {
            syn::Error::new_spanned(
                ident,
                "a model needs a primary key: add `pub id: AutoId` (Django's implicit id) or mark a field `#[djorm(primary_key)]`",
            )
        })?,
    };
    let field_names: Vec<String> =
        fields.iter().filter(|f| !matches!(f.role, Role::State)).map(|f| f.ident.to_string()).collect();
    for (spec, what) in model
        .ordering
        .iter()
        .map(|s| (s, "ordering"))
        .chain(model.indexes.iter().flat_map(|(_, f)| f.iter().map(|s| (s, "index"))))
        .chain(model.uniques.iter().flat_map(|(_, f)| f.iter().map(|s| (s, "unique constraint"))))
        .chain(model.str_field.iter().map(|s| (s, "str")))
    {
        let name = spec.trim_start_matches('-').split("__").next().unwrap_or_default();
        if name != "?" && name != "pk" && !field_names.iter().any(|f| f == name) {
            return Err(syn::Error::new_spanned(
                ident,
                format!("{what} refers to the nonexistent field '{name}'. Choices are: {}", field_names.join(", ")),
            ));
        }
    }

    // `name` lets two Rust structs stand for one model (versions of it in tests and tools).
    let object_name = model.name.clone().unwrap_or_else(|| ident.to_string());
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
    let verbose_name = model.verbose_name.clone().unwrap_or_else(|| camel_to_spaces(&object_name));
    let verbose_name_plural = model.verbose_name_plural.clone().unwrap_or_else(|| format!("{verbose_name}s"));
    let ordering = &model.ordering;
    let str_field = match &model.str_field {
        Some(f) => quote::quote!(Some(#f)),
        None => quote::quote!(None),
    };
    let field_metas = columns.iter().enumerate().map(|(i, f)| f.field_meta(i == pk_index));
    let m2m_metas = fields.iter().filter_map(FieldInfo::many_to_many_meta);
    let indexes = model.indexes.iter().map(|(name, fields)| {
        let name = match name {
            Some(n) => quote! { ::core::option::Option::Some(#n) },
            None => quote! { ::core::option::Option::None },
        };
        quote! { ::djorm::IndexMeta { name: #name, fields: &[#(#fields),*] } }
    });
    let uniques = model
        .uniques
        .iter()
        .map(|(name, fields)| quote! { ::djorm::UniqueMeta { name: #name, fields: &[#(#fields),*] } });
    let manager_metas = model.managers.iter().map(|m| {
        let (name, get_queryset, use_in_migrations) = (&m.name, &m.get_queryset, m.use_in_migrations);
        quote! {
            ::djorm::ManagerMeta { name: #name, get_queryset: #get_queryset, use_in_migrations: #use_in_migrations }
        }
    });
    // Each manager but `objects` (which every model has) is a method of the model.
    let manager_methods = model.managers.iter().map(|m| &m.name).filter(|name| *name != "objects").map(|name| {
        let method = format_ident!("{}", name);
        let doc = format!("The `{name}` manager's rows (a Django manager's `get_queryset()`).");
        quote! {
            #[doc = #doc]
            #[allow(dead_code)]
            pub fn #method() -> ::djorm::QuerySet<Self> {
                ::djorm::QuerySet::from_untyped(
                    <Self as ::djorm::Model>::meta().manager(#name).unwrap_or_else(|| ::djorm::DynQuerySet::new(<Self as ::djorm::Model>::meta())),
                )
            }
        }
    });
    let checks = model.checks.iter().map(|(name, lookups)| {
        let lookups = lookups.iter().map(|(path, value)| quote! { #path = #value });
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

    let pk_ident = &columns[pk_index].ident;
    let pk_ty = &columns[pk_index].ty;
    let column_idents: Vec<_> = columns.iter().map(|f| &f.ident).collect();
    let column_indexes: Vec<usize> = (0..columns.len()).collect();
    let column_names: Vec<String> = columns.iter().map(|f| f.ident.to_string()).collect();
    let column_types: Vec<_> = columns.iter().map(|f| &f.ty).collect();
    let field_inits = fields.iter().map(|f| {
        let id = &f.ident;
        let ty = &f.ty;
        if f.role.is_column() {
            let name = id.to_string();
            quote! { #id: row.read::<#ty>().map_err(|e| ::djorm::__private::in_field(e, #object_name, #name))? }
        } else if matches!(f.role, Role::State) {
            quote! { #id: ::djorm::InstanceState::loaded(row.database()) }
        } else {
            quote! { #id: ::core::default::Default::default() }
        }
    });
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
        match f.attrs.default.as_ref().map(|e| default_value(e, &f.ty)) {
            Some(expr) => quote_spanned! { id.span()=> #id: #expr },
            None => quote! { #id: ::core::default::Default::default() },
        }
    });
    // The key is only computed for a model with related managers; the last one takes the key
    // itself, the others a clone.
    let pk_for_binds = if fields.iter().any(|f| matches!(f.role, Role::ManyToMany { .. } | Role::Reverse { .. })) {
        quote! { let pk = ::djorm::Model::pk_value(self); }
    } else {
        quote! {}
    };
    // Managers and keys learn the database the instance is on, when it remembers one.
    let state_field = fields.iter().find(|f| matches!(f.role, Role::State)).map(|f| &f.ident);
    let db_for_binds = match state_field {
        Some(state) => quote! { let db = self.#state.db(); },
        None => quote! { let db: ::core::option::Option<&'static str> = ::core::option::Option::None; },
    };
    let state_methods = state_field.map(|state| {
        quote! {
            fn instance_state(&self) -> ::core::option::Option<&::djorm::InstanceState> {
                ::core::option::Option::Some(&self.#state)
            }

            fn instance_state_mut(&mut self) -> ::core::option::Option<&mut ::djorm::InstanceState> {
                ::core::option::Option::Some(&mut self.#state)
            }
        }
    });
    let key_database_pushes = fields.iter().filter(|f| matches!(f.role, Role::Key { .. })).map(|f| {
        let id = &f.ident;
        let name = id.to_string();
        let target = f.role.target();
        let push = quote! {
            if let ::core::option::Option::Some(db) = key.database() {
                out.push(::djorm::relations::KeyDatabase {
                    field: #name,
                    target: <#target as ::djorm::Model>::meta(),
                    db,
                    key: ::djorm::FieldType::to_value(&key.id),
                });
            }
        };
        if kinds::type_name(&f.ty).1 {
            quote! { if let ::core::option::Option::Some(key) = &self.#id { #push } }
        } else {
            quote! { { let key = &self.#id; #push } }
        }
    });
    let last_container = fields.iter().rposition(|f| matches!(f.role, Role::ManyToMany { .. } | Role::Reverse { .. }));
    let binds = fields.iter().enumerate().filter_map(|(index, f)| {
        let id = &f.ident;
        let name = id.to_string();
        match &f.role {
            Role::ManyToMany { .. } | Role::Reverse { .. } => {
                let pk = if Some(index) == last_container { quote!(pk) } else { quote!(pk.clone()) };
                Some(quote! {
                    self.#id.bind(::djorm::relations::Binding { owner: Self::meta(), name: #name, pk: #pk, db });
                })
            }
            Role::Key { .. } if kinds::type_name(&f.ty).1 => {
                let to_field = f.attrs.to_field.as_deref().unwrap_or("pk");
                Some(quote! {
                    if let ::core::option::Option::Some(key) = &mut self.#id {
                        key.set_origin(&::djorm::relations::KeyOrigin { model: #object_name, field: #name, to_field: #to_field });
                        key.adopt_database(db);
                    }
                })
            }
            Role::Key { .. } => {
                let to_field = f.attrs.to_field.as_deref().unwrap_or("pk");
                Some(quote! {
                    self.#id.set_origin(&::djorm::relations::KeyOrigin { model: #object_name, field: #name, to_field: #to_field });
                    self.#id.adopt_database(db);
                })
            }
            Role::Column | Role::State => None,
        }
    });
    // Django's guard: a key to an object that was never saved would store NULL.
    let unsaved_checks = fields.iter().filter(|f| matches!(f.role, Role::Key { .. })).map(|f| {
        let id = &f.ident;
        let name = id.to_string();
        quote! {
            if ::djorm::FieldType::is_unsaved_reference(&self.#id) {
                return ::core::option::Option::Some(#name);
            }
        }
    });
    let related_arms = fields.iter().filter_map(|f| {
        let id = &f.ident;
        let name = id.to_string();
        let target = f.role.target()?;
        Some(match &f.role {
            Role::Key { .. } if kinds::type_name(&f.ty).1 => quote! {
                #name => {
                    let object = ::djorm::__private::related_one::<#target>(related)?;
                    if let ::core::option::Option::Some(key) = &mut self.#id { key.set_cached_shared(object); }
                    ::core::result::Result::Ok(())
                }
            },
            Role::Key { .. } | Role::Reverse { one: true, .. } => quote! {
                #name => {
                    self.#id.set_cached_shared(::djorm::__private::related_one::<#target>(related)?);
                    ::core::result::Result::Ok(())
                }
            },
            _ => quote! {
                #name => {
                    self.#id.set_cached_shared(::djorm::__private::related_vec::<#target>(related)?);
                    ::core::result::Result::Ok(())
                }
            },
        })
    });
    let paths_ident = format_ident!("{}Paths", ident);
    let path_methods = fields.iter().filter(|f| !matches!(f.role, Role::State)).map(|f| {
        let id = &f.ident;
        let ty = &f.ty;
        let name = id.to_string();
        let doc = format!("The `{name}` field, for typed lookups, ordering and updates.");
        match f.role.target() {
            Some(target) => quote! {
                #[doc = #doc]
                pub fn #id(&self) -> ::djorm::RelatedPath<R, #target> {
                    ::djorm::RelatedPath::new(::std::format!("{}{}", self.prefix, #name))
                }
            },
            None => quote! {
                #[doc = #doc]
                pub fn #id(&self) -> ::djorm::Field<R, #ty> {
                    ::djorm::Field::with_path(::std::format!("{}{}", self.prefix, #name))
                }
            },
        }
    });
    let accessors = fields.iter().filter(|f| !matches!(f.role, Role::State)).map(|f| {
        let id = &f.ident;
        let ty = &f.ty;
        let name = id.to_string();
        let doc = format!("The `{name}` field, for typed lookups, ordering and updates.");
        match f.role.target() {
            Some(target) => quote! {
                #[doc = #doc]
                #[allow(dead_code)]
                pub fn #id() -> ::djorm::RelatedPath<#ident, #target> { ::djorm::RelatedPath::new(#name.to_owned()) }
            },
            None => quote! {
                #[doc = #doc]
                #[allow(dead_code)]
                pub fn #id() -> ::djorm::Field<#ident, #ty> { ::djorm::Field::new(#name) }
            },
        }
    });
    // A key to another field than the primary key holds that field's type: checked here, so
    // `to_field = "email"` on a `ForeignKey<Person>` (an integer key) does not compile.
    let to_field_checks = fields.iter().filter_map(|f| {
        let (Role::Key { target, .. }, Some(to_field)) = (&f.role, &f.attrs.to_field) else { return None };
        let ty = &f.ty;
        let to_field = syn::Ident::new(to_field, f.ident.span());
        Some(quote_spanned! {ty.span()=>
            const _: () = {
                #[allow(dead_code)]
                fn key_type_matches_to_field() {
                    ::djorm::__private::key_matches_to_field::<<#ty as ::djorm::__private::KeyField>::Key, _>(
                        <#target>::#to_field(),
                    );
                }
            };
        })
    });
    let paths_doc = format!("Typed paths to the fields of [`{object_name}`], reached through relations.");

    Ok(quote! {
        #[doc = #paths_doc]
        #[allow(dead_code)]
        pub struct #paths_ident<R> {
            prefix: ::std::string::String,
            _root: ::core::marker::PhantomData<fn() -> R>,
        }

        #[allow(dead_code)]
        impl<R> #paths_ident<R> {
            #(#path_methods)*
        }

        impl ::djorm::Model for #ident {
            type Pk = #pk_ty;
            type Paths<R> = #paths_ident<R>;

            fn paths<R>(prefix: ::std::string::String) -> Self::Paths<R> {
                #paths_ident { prefix, _root: ::core::marker::PhantomData }
            }

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
                    str_field: #str_field,
                    indexes: &[#(#indexes),*],
                    unique_constraints: &[#(#uniques),*],
                    check_constraints: &[#(#checks),*],
                    many_to_many: &[#(#m2m_metas),*],
                    managers: &[#(#manager_metas),*],
                    vtable: ::djorm::__private::ModelVTable {
                        decode: |row| {
                            ::core::result::Result::Ok(::std::sync::Arc::new(<#ident as ::djorm::Model>::from_row(row)?)
                                as ::std::sync::Arc<dyn ::core::any::Any + ::core::marker::Send + ::core::marker::Sync>)
                        },
                        decode_groups: ::djorm::__private::decode_groups::<#ident>,
                        elements_mut: ::djorm::__private::elements_mut::<#ident>,
                        into_singles: ::djorm::__private::into_singles::<#ident>,
                        field_values: |object| {
                            object.downcast_ref::<#ident>().map(::djorm::Model::field_values).unwrap_or_default()
                        },
                        field_value: |object, index| match object.downcast_ref::<#ident>() {
                            ::core::option::Option::Some(object) => ::djorm::Model::field_value(object, index),
                            ::core::option::Option::None => ::djorm::Value::Null,
                        },
                        set_related: |object, name, related| match object.downcast_mut::<#ident>() {
                            ::core::option::Option::Some(object) => ::djorm::Model::set_related(object, name, related),
                            ::core::option::Option::None => ::core::result::Result::Err(::djorm::Error::Decode(
                                ::std::format!("not a {}", #object_name),
                            )),
                        },
                    },
                };
                &META
            }

            fn from_row(row: &mut ::djorm::backend::RowReader<'_>) -> ::djorm::Result<Self> {
                let mut object = Self { #(#field_inits,)* };
                ::djorm::Model::bind_relations(&mut object);
                ::core::result::Result::Ok(object)
            }

            fn field_values(&self) -> ::std::vec::Vec<::djorm::Value> {
                ::std::vec![#(::djorm::FieldType::to_value(&self.#column_idents)),*]
            }

            #[inline]
            fn field_value(&self, index: usize) -> ::djorm::Value {
                match index {
                    #(#column_indexes => ::djorm::FieldType::to_value(&self.#column_idents),)*
                    _ => ::djorm::Value::Null,
                }
            }

            fn pk(&self) -> Self::Pk {
                ::core::clone::Clone::clone(&self.#pk_ident)
            }

            fn set_pk_value(&mut self, value: ::djorm::Value) -> ::djorm::Result<()> {
                self.#pk_ident = <#pk_ty as ::djorm::FieldType>::from_value(value)?;
                ::djorm::Model::bind_relations(self);
                ::core::result::Result::Ok(())
            }

            fn set_value(&mut self, field: &str, value: ::djorm::Value) -> ::djorm::Result<()> {
                match field {
                    #(#column_names => {
                        self.#column_idents = <#column_types as ::djorm::FieldType>::from_value(value)?;
                        ::core::result::Result::Ok(())
                    })*
                    "pk" => ::djorm::Model::set_pk_value(self, value),
                    other => ::core::result::Result::Err(::djorm::Error::field(::std::format!(
                        "{} has no field '{}'", #object_name, other
                    ))),
                }
            }

            #[allow(unused_variables)]
            fn bind_relations(&mut self) {
                #pk_for_binds
                #db_for_binds
                #(#binds)*
            }

            #state_methods

            #[allow(unused_mut)]
            fn key_databases(&self) -> ::std::vec::Vec<::djorm::relations::KeyDatabase> {
                let mut out = ::std::vec::Vec::new();
                #(#key_database_pushes)*
                out
            }

            #[allow(unused_variables, unreachable_code)]
            fn set_related(&mut self, name: &str, related: ::djorm::Related) -> ::djorm::Result<()> {
                match name {
                    #(#related_arms)*
                    other => ::core::result::Result::Err(::djorm::Error::field(::std::format!(
                        "{} has no relation field '{}' to hold related objects (declare it, e.g. `pub {}: Reverse<..>`)",
                        #object_name, other, other
                    ))),
                }
            }

            fn unsaved_relation(&self) -> ::core::option::Option<&'static str> {
                #(#unsaved_checks)*
                ::core::option::Option::None
            }

            #[allow(unused_variables)]
            fn pre_save(&mut self, adding: bool) {
                #(#now_assignments)*
                if adding {
                    #(#add_assignments)*
                }
            }
        }

        impl #ident {
            /// The default manager (Django's `objects`): the first declared manager's rows, else
            /// every row.
            #[allow(dead_code)]
            pub fn objects() -> ::djorm::QuerySet<Self> {
                <Self as ::djorm::Model>::objects()
            }

            #(#manager_methods)*

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
            ::djorm::apps::ModelRegistration { meta: <#ident as ::djorm::Model>::meta }
        }

        #(#to_field_checks)*
    })
}
