//! `graph_models` (django-extensions' command, which Django teams use to see their schema): the
//! models' entity-relationship diagram, as Graphviz DOT or as a Mermaid `erDiagram`, with each
//! model's fields (Django's field class, primary and foreign keys) and an arrow per relation —
//! foreign keys, one-to-one keys and many-to-many fields, labelled with the field's name.
//! `--output diagram.svg` renders the DOT with Graphviz's `dot`.

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use djorm::ModelMeta;

use super::io;
use crate::args::{Cli, Command, GraphFormat};
use crate::error::{CommandError, Result};
use crate::Project;

pub(crate) fn run(cli: &Cli, project: &Project, out: &mut dyn Write) -> Result<ExitCode> {
    let Command::GraphModels { apps, format, output } = &cli.command else { return Ok(ExitCode::from(2)) };
    let all = match project.models.clone() {
        Some(models) => models,
        None => super::shell::models_from_migrations(cli)?,
    };
    let models: Vec<&'static ModelMeta> =
        all.into_iter().filter(|m| apps.is_empty() || apps.iter().any(|a| a == m.app_label)).collect();
    if models.is_empty() {
        return Err(CommandError::Usage(match apps.is_empty() {
            true => "No models to draw: the binary has none and there are no migration files.".into(),
            false => format!("No models in app(s): {}.", apps.join(", ")),
        }));
    }
    let svg = output.as_ref().is_some_and(|p| p.extension().is_some_and(|e| e == "svg"));
    let text = match (format, svg) {
        (GraphFormat::Mermaid, false) => mermaid(&models),
        (GraphFormat::Mermaid, true) => {
            return Err(CommandError::Usage("SVG is drawn from DOT: use --format dot with an .svg output.".into()))
        }
        (GraphFormat::Dot, _) => dot(&models),
    };
    match output {
        None => out.write_all(text.as_bytes()).map_err(io)?,
        Some(path) if svg => render_svg(&text, path)?,
        Some(path) => std::fs::write(path, text).map_err(io)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Renders DOT to SVG with Graphviz's `dot`.
fn render_svg(dot_text: &str, path: &std::path::Path) -> Result<()> {
    let mut child = std::process::Command::new("dot")
        .arg("-Tsvg")
        .arg("-o")
        .arg(path)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| {
            CommandError::Usage(format!(
                "Graphviz's `dot` could not be run ({e}): install it (Debian: apt install graphviz), or write \
                 --format dot to a .dot file and render it elsewhere."
            ))
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(dot_text.as_bytes()).map_err(io)?;
    }
    let status = child.wait().map_err(io)?;
    if !status.success() {
        return Err(CommandError::Usage(format!("`dot -Tsvg` failed ({status})")));
    }
    Ok(())
}

/// One relation arrow: from a model to another, by a field, of a kind.
struct Edge {
    from: &'static ModelMeta,
    to: &'static ModelMeta,
    field: &'static str,
    kind: EdgeKind,
    null: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum EdgeKind {
    ForeignKey,
    OneToOne,
    ManyToMany,
}

fn edges(models: &[&'static ModelMeta]) -> Vec<Edge> {
    let mut edges = Vec::new();
    for &model in models {
        for field in model.fields {
            if let Some(relation) = &field.relation {
                let kind = if relation.one_to_one { EdgeKind::OneToOne } else { EdgeKind::ForeignKey };
                edges.push(Edge { from: model, to: relation.target.get(), field: field.name, kind, null: field.null });
            }
        }
        for m2m in model.many_to_many {
            let to = m2m.target.get();
            edges.push(Edge { from: model, to, field: m2m.name, kind: EdgeKind::ManyToMany, null: true });
        }
    }
    edges
}

/// A field's line in a model's box: its name (the column's for a key), its Django class, and
/// what kind of key it is.
fn field_line(field: &djorm::FieldMeta) -> (String, &'static str, Option<&'static str>) {
    let key = match () {
        _ if field.primary_key => Some("PK"),
        _ if field.relation.is_some() => Some("FK"),
        _ if field.unique => Some("UK"),
        _ => None,
    };
    (field.attname().into_owned(), field.kind.name(), key)
}

/// An identifier Graphviz and Mermaid both accept for a model: `blog_Post`.
fn node(meta: &ModelMeta) -> String {
    format!("{}_{}", meta.app_label, meta.object_name)
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The diagram in Graphviz's DOT: a table per model, an arrow per relation.
pub(crate) fn dot(models: &[&'static ModelMeta]) -> String {
    let mut out = String::from(
        "digraph models {\n  rankdir=LR;\n  graph [fontname=\"Helvetica\"];\n  node [shape=plain, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n",
    );
    for &model in models {
        let _ = write!(
            out,
            "  \"{}\" [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" cellpadding=\"4\">\n    <tr><td bgcolor=\"#dde4ee\"><b>{}</b><br/><font point-size=\"8\">{}</font></td></tr>\n",
            node(model),
            html(&model.label()),
            html(model.db_table)
        );
        for field in model.fields {
            let (name, class, key) = field_line(field);
            let key = key.map_or(String::new(), |k| format!(" <i>{k}</i>"));
            let _ = writeln!(out, "    <tr><td align=\"left\">{}: {class}{key}</td></tr>", html(&name));
        }
        for m2m in model.many_to_many {
            let _ = writeln!(out, "    <tr><td align=\"left\">{}: ManyToManyField</td></tr>", html(m2m.name));
        }
        out.push_str("  </table>>];\n");
    }
    for edge in edges(models) {
        let style = match edge.kind {
            EdgeKind::ForeignKey => format!("label=\"{} (FK)\"", edge.field),
            EdgeKind::OneToOne => format!("label=\"{} (1:1)\", arrowhead=tee", edge.field),
            EdgeKind::ManyToMany => format!("label=\"{} (M2M)\", dir=both, style=dashed", edge.field),
        };
        let _ = writeln!(out, "  \"{}\" -> \"{}\" [{style}];", node(edge.from), node(edge.to));
    }
    out.push_str("}\n");
    out
}

/// The diagram as a Mermaid `erDiagram` (GitHub and most Markdown viewers draw it).
pub(crate) fn mermaid(models: &[&'static ModelMeta]) -> String {
    let mut out = String::from("erDiagram\n");
    for &model in models {
        let _ = writeln!(out, "    {} {{", node(model));
        for field in model.fields {
            let (name, class, key) = field_line(field);
            let key = key.map_or(String::new(), |k| format!(" {k}"));
            let _ = writeln!(out, "        {class} {name}{key}");
        }
        out.push_str("    }\n");
    }
    for edge in edges(models) {
        // Crow's feet read from `from` to `to`: many posts to one author, at most one profile
        // per user, many to many.
        let shape = match (edge.kind, edge.null) {
            (EdgeKind::ForeignKey, false) => "}o--||",
            (EdgeKind::ForeignKey, true) => "}o--o|",
            (EdgeKind::OneToOne, false) => "|o--||",
            (EdgeKind::OneToOne, true) => "|o--o|",
            (EdgeKind::ManyToMany, _) => "}o--o{",
        };
        let _ = writeln!(out, "    {} {shape} {} : \"{}\"", node(edge.from), node(edge.to), edge.field);
    }
    out
}
