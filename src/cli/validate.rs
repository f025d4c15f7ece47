//! `smedx validate`: check model files and answer sheets, reporting every problem at once.

use super::{DiagFormat, Outcome, load_checked_sheet, print_report};
use crate::diag::Report;
use crate::model;
use crate::source_file::SourceFile;
use crate::text::Lang;
use crate::yaml_value::Node;
use std::path::PathBuf;

/// Check files. A file with `dimensions:` is a model; anything else is an answer sheet.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model files and/or answer sheets (YAML or JSON).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Model to check answer sheets against: a bundled id or a file (default: the sheet's `model:`).
    #[arg(long, short)]
    model: Option<String>,
    /// Output format of the diagnostics.
    #[arg(long, value_enum, default_value_t)]
    format: DiagFormat,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let mut report = Report::default();
    let mut summaries = Vec::new();
    for path in &args.files {
        let before = report.error_count();
        // Workbooks and CSV batches are answer sheets read by `collect`.
        if crate::collect::FileKind::of(path).is_some() {
            if let Some(loaded) = load_checked_sheet(path, args.model.as_deref(), &mut report)
                && loaded.sheet.is_some()
                && report.error_count() == before
            {
                summaries.push(format!(
                    "ok: {} — answer sheet for {} {}",
                    path.display(),
                    loaded.model.id,
                    loaded.model.version
                ));
            }
            continue;
        }
        let source = match SourceFile::read(path) {
            Ok(s) => s,
            Err(d) => {
                report.extend([d]);
                continue;
            }
        };
        // A model has `dimensions`; a sheet has `profile` or `answers`. A file with neither but a
        // model's `id`/`version` is a model with a misspelt key, better linted as one.
        let is_model = source.parse_yaml::<Node>().ok().is_some_and(|n| {
            n.get("dimensions").is_some()
                || (n.get("profile").is_none()
                    && n.get("answers").is_none()
                    && n.get("id").is_some()
                    && n.get("version").is_some())
        });
        if is_model {
            report.add_source(&source.name, &source.text);
            let loaded = model::load_model(&source);
            report.extend(loaded.diagnostics);
            if let Some(m) = loaded.model {
                let (name, id, version) = (&source.name, &m.id, &m.version);
                let (items, levels) = (m.items.len(), m.levels.len());
                summaries.push(match Lang::ui() {
                    Lang::Zh => format!(
                        "通过：{name} — 模型 {id} {version}（{items} 道题，{levels} 个等级）"
                    ),
                    Lang::En => format!(
                        "ok: {name} — model {id} {version} ({items} items, {levels} levels)"
                    ),
                });
            }
        } else if let Some(loaded) = load_checked_sheet(path, args.model.as_deref(), &mut report)
            && loaded.sheet.is_some()
            && report.error_count() == before
        {
            let (name, id, version) = (&source.name, &loaded.model.id, &loaded.model.version);
            summaries.push(match Lang::ui() {
                Lang::Zh => format!("通过：{name} — 按模型 {id} {version} 作答的答卷"),
                Lang::En => format!("ok: {name} — answer sheet for {id} {version}"),
            });
        }
    }
    match args.format {
        DiagFormat::Json => to_stdout!("{}", report.render_json())?,
        DiagFormat::Human => {
            print_report(&report, DiagFormat::Human);
            let mut text = String::new();
            for s in &summaries {
                text.push_str(s);
                text.push('\n');
            }
            super::write_stdout(&text)?;
        }
    }
    Ok(if report.has_errors() {
        Outcome::Invalid
    } else {
        Outcome::Ok
    })
}
