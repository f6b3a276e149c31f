//! What a struct field is, from its Rust type: a column, a key to another model, a
//! many-to-many field, or the reverse side of a relation.

use syn::{GenericArgument, PathArguments, Type};

/// The role of a field.
#[derive(Clone)]
pub enum Role {
    /// A plain column.
    Column,
    /// `ForeignKey<T>` or `OneToOne<T>` (maybe in `Option`): a key column.
    Key { target: Type, one_to_one: bool },
    /// `ManyToMany<T>`: a join table, no column.
    ManyToMany { target: Type },
    /// `Reverse<T>` / `ReverseOne<T>`: the other side of a relation declared on `T`.
    Reverse { target: Type, one: bool },
    /// `InstanceState`: the database the instance came from (Django's `_state`), no column.
    State,
}

impl Role {
    /// True when the field is a column of the table.
    pub fn is_column(&self) -> bool {
        matches!(self, Role::Column | Role::Key { .. })
    }

    /// The related model, for relation roles.
    pub fn target(&self) -> Option<&Type> {
        match self {
            Role::Column | Role::State => None,
            Role::Key { target, .. } | Role::ManyToMany { target } | Role::Reverse { target, .. } => Some(target),
        }
    }
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) => p.path.segments.last(),
        _ => None,
    }
}

fn first_generic(segment: &syn::PathSegment) -> Option<&Type> {
    match &segment.arguments {
        PathArguments::AngleBracketed(args) => args.args.iter().find_map(|a| match a {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    }
}

/// The last path segment of a type and, for `Option<T>`, the inner type's; and whether it was
/// wrapped in `Option`.
pub fn type_name(ty: &Type) -> (String, bool) {
    match last_segment(ty) {
        Some(last) if last.ident == "Option" => match first_generic(last) {
            Some(inner) => (type_name(inner).0, true),
            None => ("Option".into(), false),
        },
        Some(last) => (last.ident.to_string(), false),
        None => (String::new(), false),
    }
}

/// Classifies a field by its type.
pub fn role(ty: &Type) -> Role {
    let mut current = ty;
    if let Some(last) = last_segment(ty) {
        if last.ident == "Option" {
            if let Some(inner) = first_generic(last) {
                current = inner;
            }
        }
    }
    let Some(last) = last_segment(current) else { return Role::Column };
    if last.ident == "InstanceState" && std::ptr::eq(current, ty) {
        return Role::State;
    }
    let Some(target) = first_generic(last).cloned() else { return Role::Column };
    match last.ident.to_string().as_str() {
        "ForeignKey" => Role::Key { target, one_to_one: false },
        "OneToOne" => Role::Key { target, one_to_one: true },
        "ManyToMany" => Role::ManyToMany { target },
        "Reverse" => Role::Reverse { target, one: false },
        "ReverseOne" => Role::Reverse { target, one: true },
        _ => Role::Column,
    }
}
