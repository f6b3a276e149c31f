//! Parsing `#[djorm(...)]` on a model struct and its fields, with spanned errors.

use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, Ident, LitBool, LitInt, LitStr, Token};

/// Options on the struct (Django's `class Meta`).
#[derive(Default)]
pub struct ModelAttrs {
    pub app: Option<String>,
    pub name: Option<String>,
    pub db_table: Option<String>,
    pub ordering: Vec<String>,
    pub verbose_name: Option<String>,
    pub verbose_name_plural: Option<String>,
    /// `str = "field"`: the field that names an object (Django's `__str__`).
    pub str_field: Option<String>,
    pub indexes: Vec<(Option<String>, Vec<String>)>,
    pub uniques: Vec<(String, Vec<String>)>,
    pub checks: Vec<(String, Vec<(Ident, Expr)>)>,
    /// `manager(name = "published", get_queryset = path[, use_in_migrations])`, in declaration
    /// order.
    pub managers: Vec<ManagerAttr>,
}

/// Options on one field (Django's field arguments).
#[derive(Default)]
pub struct FieldAttrs {
    pub primary_key: bool,
    pub max_length: Option<(u32, proc_macro2::Span)>,
    pub max_digits: Option<u32>,
    pub decimal_places: Option<u32>,
    pub blank: bool,
    pub null: Option<proc_macro2::Span>,
    pub default: Option<Expr>,
    pub unique: bool,
    pub db_index: Option<bool>,
    pub verbose_name: Option<String>,
    pub help_text: Option<String>,
    pub db_column: Option<String>,
    pub auto_now: bool,
    pub auto_now_add: bool,
    pub editable: Option<bool>,
    pub special: Option<(Special, proc_macro2::Span)>,
    pub on_delete: Option<Ident>,
    pub related_name: Option<String>,
    pub related_query_name: Option<String>,
    pub to_field: Option<String>,
    pub through: Option<syn::Path>,
    pub symmetrical: Option<bool>,
    pub m2m_db_table: Option<String>,
    /// `auto_field = "AutoField"`: the class of an `AutoId` key (Django's AutoField,
    /// SmallAutoField, BigAutoField), with its span.
    pub auto_field: Option<(String, proc_macro2::Span)>,
}

/// A text field with its own validation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Special {
    Email,
    Url,
    Slug,
}

const MODEL_OPTIONS: &str =
    "app, name, db_table, ordering, verbose_name, verbose_name_plural, str, index(...), unique(...), check(...), manager(...)";
const FIELD_OPTIONS: &str = "primary_key, max_length, max_digits, decimal_places, blank, null, default, unique, \
     db_index, verbose_name, help_text, db_column, auto_now, auto_now_add, editable, email, url, slug, on_delete, \
     related_name, related_query_name, to_field, through, symmetrical, db_table, auto_field";

fn string_list(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<String>> {
    let value = meta.value()?;
    let content;
    syn::bracketed!(content in value);
    let items = content.parse_terminated(|p| p.parse::<LitStr>(), Token![,])?;
    Ok(items.into_iter().map(|l| l.value()).collect())
}

fn string(meta: &ParseNestedMeta<'_>) -> syn::Result<String> {
    Ok(meta.value()?.parse::<LitStr>()?.value())
}

fn number(meta: &ParseNestedMeta<'_>) -> syn::Result<u32> {
    meta.value()?.parse::<LitInt>()?.base10_parse()
}

/// `flag` or `flag = true/false`.
fn flag(meta: &ParseNestedMeta<'_>) -> syn::Result<bool> {
    if meta.input.peek(Token![=]) {
        Ok(meta.value()?.parse::<LitBool>()?.value)
    } else {
        Ok(true)
    }
}

fn djorm_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("djorm"))
}

pub fn parse_model(attrs: &[Attribute]) -> syn::Result<ModelAttrs> {
    let mut out = ModelAttrs::default();
    for attr in djorm_attrs(attrs) {
        attr.parse_nested_meta(|meta| {
            let path = &meta.path;
            if path.is_ident("app") {
                out.app = Some(string(&meta)?);
            } else if path.is_ident("name") {
                out.name = Some(string(&meta)?);
            } else if path.is_ident("db_table") {
                out.db_table = Some(string(&meta)?);
            } else if path.is_ident("ordering") {
                out.ordering = string_list(&meta)?;
            } else if path.is_ident("verbose_name") {
                out.verbose_name = Some(string(&meta)?);
            } else if path.is_ident("verbose_name_plural") {
                out.verbose_name_plural = Some(string(&meta)?);
            } else if path.is_ident("str") {
                out.str_field = Some(string(&meta)?);
            } else if path.is_ident("index") {
                let (mut name, mut fields) = (None, Vec::new());
                meta.parse_nested_meta(|inner| {
                    if inner.path.is_ident("fields") {
                        fields = string_list(&inner)?;
                    } else if inner.path.is_ident("name") {
                        name = Some(string(&inner)?);
                    } else {
                        return Err(inner.error("unknown index option; expected `fields = [...]` or `name = \"...\"`"));
                    }
                    Ok(())
                })?;
                if fields.is_empty() {
                    return Err(meta.error("an index needs `fields = [\"field\", ...]`"));
                }
                out.indexes.push((name, fields));
            } else if path.is_ident("unique") {
                let (mut name, mut fields) = (None, Vec::new());
                meta.parse_nested_meta(|inner| {
                    if inner.path.is_ident("fields") {
                        fields = string_list(&inner)?;
                    } else if inner.path.is_ident("name") {
                        name = Some(string(&inner)?);
                    } else {
                        return Err(
                            inner.error("unknown unique option; expected `fields = [...]` and `name = \"...\"`")
                        );
                    }
                    Ok(())
                })?;
                let name = name.ok_or_else(|| meta.error("a UniqueConstraint needs `name = \"...\"`, as in Django"))?;
                out.uniques.push((name, fields));
            } else if path.is_ident("manager") {
                let (mut name, mut get_queryset, mut use_in_migrations) = (None, None, false);
                meta.parse_nested_meta(|inner| {
                    if inner.path.is_ident("name") {
                        name = Some(string(&inner)?);
                    } else if inner.path.is_ident("get_queryset") {
                        get_queryset = Some(inner.value()?.parse::<syn::Path>()?);
                    } else if inner.path.is_ident("use_in_migrations") {
                        use_in_migrations = true;
                    } else {
                        return Err(inner.error(
                            "unknown manager option; expected `name = \"...\"`, `get_queryset = path::to::fn` or \
                             `use_in_migrations`",
                        ));
                    }
                    Ok(())
                })?;
                match (name, get_queryset) {
                    (Some(name), Some(get_queryset)) => {
                        out.managers.push(ManagerAttr { name, get_queryset, use_in_migrations })
                    }
                    _ => return Err(meta.error("a manager needs `name = \"...\"` and `get_queryset = path::to::fn`")),
                }
            } else if path.is_ident("check") {
                let (mut name, mut lookups) = (None, Vec::new());
                meta.parse_nested_meta(|inner| {
                    if inner.path.is_ident("name") {
                        name = Some(string(&inner)?);
                    } else {
                        let ident = inner.path.require_ident()?.clone();
                        lookups.push((ident, inner.value()?.parse::<Expr>()?));
                    }
                    Ok(())
                })?;
                let name = name.ok_or_else(|| meta.error("a CheckConstraint needs `name = \"...\"`, as in Django"))?;
                out.checks.push((name, lookups));
            } else {
                let given = path.get_ident().map(ToString::to_string).unwrap_or_default();
                return Err(meta.error(format!("unknown model option `{given}`; expected one of: {MODEL_OPTIONS}")));
            }
            Ok(())
        })?;
    }
    Ok(out)
}

pub fn parse_field(attrs: &[Attribute]) -> syn::Result<FieldAttrs> {
    let mut out = FieldAttrs::default();
    for attr in djorm_attrs(attrs) {
        attr.parse_nested_meta(|meta| {
            let path = &meta.path;
            let span = path.get_ident().map_or_else(proc_macro2::Span::call_site, Ident::span);
            if path.is_ident("primary_key") {
                out.primary_key = flag(&meta)?;
            } else if path.is_ident("max_length") {
                out.max_length = Some((number(&meta)?, span));
            } else if path.is_ident("max_digits") {
                out.max_digits = Some(number(&meta)?);
            } else if path.is_ident("decimal_places") {
                out.decimal_places = Some(number(&meta)?);
            } else if path.is_ident("blank") {
                out.blank = flag(&meta)?;
            } else if path.is_ident("null") {
                if flag(&meta)? {
                    out.null = Some(span);
                }
            } else if path.is_ident("default") {
                out.default = Some(meta.value()?.parse()?);
            } else if path.is_ident("unique") {
                out.unique = flag(&meta)?;
            } else if path.is_ident("db_index") {
                out.db_index = Some(flag(&meta)?);
            } else if path.is_ident("verbose_name") {
                out.verbose_name = Some(string(&meta)?);
            } else if path.is_ident("help_text") {
                out.help_text = Some(string(&meta)?);
            } else if path.is_ident("db_column") {
                out.db_column = Some(string(&meta)?);
            } else if path.is_ident("auto_field") {
                out.auto_field = Some((string(&meta)?, span));
            } else if path.is_ident("auto_now") {
                out.auto_now = flag(&meta)?;
            } else if path.is_ident("auto_now_add") {
                out.auto_now_add = flag(&meta)?;
            } else if path.is_ident("editable") {
                out.editable = Some(flag(&meta)?);
            } else if path.is_ident("email") {
                out.special = Some((Special::Email, span));
            } else if path.is_ident("url") {
                out.special = Some((Special::Url, span));
            } else if path.is_ident("slug") {
                out.special = Some((Special::Slug, span));
            } else if path.is_ident("on_delete") {
                let ident: Ident = meta.value()?.parse()?;
                const RULES: &[&str] = &["Cascade", "Protect", "SetNull", "SetDefault", "Restrict", "DoNothing"];
                if !RULES.contains(&ident.to_string().as_str()) {
                    return Err(syn::Error::new(
                        ident.span(),
                        "on_delete must be one of Cascade, Protect, SetNull, SetDefault, Restrict, DoNothing",
                    ));
                }
                out.on_delete = Some(ident);
            } else if path.is_ident("related_name") {
                out.related_name = Some(string(&meta)?);
            } else if path.is_ident("related_query_name") {
                out.related_query_name = Some(string(&meta)?);
            } else if path.is_ident("to_field") {
                out.to_field = Some(string(&meta)?);
            } else if path.is_ident("through") {
                out.through = Some(meta.value()?.parse()?);
            } else if path.is_ident("symmetrical") {
                out.symmetrical = Some(flag(&meta)?);
            } else if path.is_ident("db_table") {
                out.m2m_db_table = Some(string(&meta)?);
            } else {
                let given = path.get_ident().map(ToString::to_string).unwrap_or_default();
                return Err(meta.error(format!("unknown field option `{given}`; expected one of: {FIELD_OPTIONS}")));
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// One `manager(...)` of a model.
pub struct ManagerAttr {
    /// `name = "published"`.
    pub name: String,
    /// `get_queryset = path::to::fn`.
    pub get_queryset: syn::Path,
    /// `use_in_migrations`: recorded in migration files (Django's `Manager.use_in_migrations`).
    pub use_in_migrations: bool,
}
