//! `smedx score`: score an answer sheet and print the level, points, scenarios and what is short.

use super::{
    DiagFormat, Outcome, Written, checked_format, checked_output, load_checked_sheet, model_file,
    print_report,
};
use crate::diag::Report;
use crate::text::Lang;
use anyhow::Context;
use std::path::PathBuf;

/// Result format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ScoreFormat {
    /// A readable summary for the terminal.
    #[default]
    Table,
    /// The full assessment, for other systems.
    Json,
    /// The full assessment as YAML.
    Yaml,
}

/// Score one enterprise's answer sheet.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The answer sheet (YAML or JSON), e.g. example.yaml from `smedx init --example -o example.yaml`.
    answers: PathBuf,
    /// Model: a bundled id or a model file (default: the sheet's `model:`, else sme-dx-2024).
    #[arg(long, short)]
    model: Option<String>,
    /// Output format (default: from the extension of --output — .txt, .json, .yaml — else table).
    #[arg(long, short, value_enum)]
    format: Option<ScoreFormat>,
    /// Format of diagnostics (printed to standard error).
    #[arg(long, value_enum, default_value_t)]
    diagnostics: DiagFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Overwrite the output file if it exists (never an input).
    #[arg(long)]
    force: bool,
}

/// What `smedx score` writes, by `--format` and by the extension of `-o`.
const FORMATS: &[Written<ScoreFormat>] = &[
    Written {
        format: ScoreFormat::Table,
        name: "table",
        extensions: &["txt"],
    },
    Written {
        format: ScoreFormat::Json,
        name: "json",
        extensions: &["json"],
    },
    Written {
        format: ScoreFormat::Yaml,
        name: "yaml",
        extensions: &["yaml", "yml"],
    },
];

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let format = match checked_format("score", args.output.as_deref(), args.format, FORMATS) {
        Ok(f) => f.unwrap_or_default(),
        Err(outcome) => return Ok(outcome),
    };
    let inputs: Vec<&std::path::Path> = [
        Some(args.answers.as_path()),
        model_file(args.model.as_deref()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let output = match checked_output(args.output.as_deref(), args.force, &inputs) {
        Ok(o) => o,
        Err(outcome) => return Ok(outcome),
    };
    let mut report = Report::default();
    let loaded = load_checked_sheet(&args.answers, args.model.as_deref(), &mut report);
    print_report(&report, args.diagnostics);
    let Some((model, sheet)) = loaded.and_then(|l| l.sheet.map(|s| (l.model, s))) else {
        return Ok(Outcome::Invalid);
    };
    let assessment = crate::score::score(&model, &sheet);
    let text = match format {
        ScoreFormat::Table => super::table::render(&assessment, Lang::ui()),
        ScoreFormat::Json => {
            serde_json::to_string_pretty(&assessment).context("cannot serialise the assessment")?
                + "\n"
        }
        ScoreFormat::Yaml => {
            serde_saphyr::to_string(&assessment).context("cannot serialise the assessment")?
        }
    };
    output.write(text.as_bytes())?;
    Ok(Outcome::Ok)
}
