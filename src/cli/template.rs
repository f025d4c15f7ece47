//! `smedx template`: a questionnaire to fill outside smedx — an Excel workbook for one enterprise,
//! or a CSV batch with one row per enterprise — blank or filled from answer sheets.

use super::{DiagFormat, Outcome, Output, Written, load_checked_sheet, print_report};
use crate::collect::{csv, xlsx};
use crate::diag::{Diagnostic, Report};
use crate::model;
use crate::text::Lang;
use anyhow::Context;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Kind of questionnaire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TemplateFormat {
    /// An Excel workbook for one enterprise: drop-downs, number ranges, help and evidence beside each question.
    Xlsx,
    /// A CSV batch: a header, a row of titles, one row per enterprise.
    Csv,
}

/// Write a questionnaire workbook (xlsx) or a CSV batch template.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// xlsx (one enterprise, to fill in Excel, WPS or LibreOffice) or csv (one row per enterprise);
    /// default: from the extension of --output.
    #[arg(long, short, value_enum, required_unless_present = "output")]
    format: Option<TemplateFormat>,
    /// Write to this file (default: standard output, when it is not a terminal for xlsx).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Model: a bundled id or a model file.
    #[arg(long, short, default_value = model::DEFAULT_MODEL_ID)]
    model: String,
    /// Fill in from these answer sheets (a workbook takes one; a CSV batch gets one row each).
    #[arg(long = "answers", num_args = 1..)]
    answers: Vec<PathBuf>,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    force: bool,
}

/// What `smedx template` writes, by `--format` and by the extension of `-o`.
const FORMATS: &[Written<TemplateFormat>] = &[
    Written {
        format: TemplateFormat::Xlsx,
        name: "xlsx",
        extensions: &["xlsx"],
    },
    Written {
        format: TemplateFormat::Csv,
        name: "csv",
        extensions: &["csv"],
    },
];

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let lang = Lang::ui();
    // Without --format, -o has an extension (clap requires one of them); a name without one is xlsx.
    let format =
        match super::checked_format("template", args.output.as_deref(), args.format, FORMATS) {
            Ok(f) => f.unwrap_or(TemplateFormat::Xlsx),
            Err(outcome) => return Ok(outcome),
        };
    let mut report = Report::default();
    let Some(model) = model::resolve_into(&args.model, &mut report) else {
        print_report(&report, DiagFormat::Human);
        return Ok(Outcome::Invalid);
    };
    let mut inputs: Vec<&Path> = args.answers.iter().map(PathBuf::as_path).collect();
    inputs.extend(super::model_file(Some(&args.model)));
    let output = match super::checked_output(args.output.as_deref(), args.force, &inputs) {
        Ok(o) => o,
        Err(outcome) => return Ok(outcome),
    };

    if format == TemplateFormat::Xlsx && args.answers.len() > 1 {
        report.extend([Diagnostic::error("too-many-sheets").arg("count", args.answers.len())]);
        print_report(&report, DiagFormat::Human);
        return Ok(Outcome::Invalid);
    }
    let mut sheets = Vec::new();
    for path in &args.answers {
        let loaded = load_checked_sheet(path, Some(&args.model), &mut report);
        if let Some(sheet) = loaded.and_then(|l| l.sheet) {
            sheets.push(sheet);
        }
    }
    if report.has_errors() {
        print_report(&report, DiagFormat::Human);
        return Ok(Outcome::Invalid);
    }
    print_report(&report, DiagFormat::Human);
    match format {
        TemplateFormat::Csv => {
            output.write(csv::write(&model, lang, &sheets).as_bytes())?;
        }
        TemplateFormat::Xlsx => {
            let filled = sheets
                .first()
                .map(|s| crate::collect::flat::sheet_cells(&model, s, xlsx::cell_style(lang)))
                .unwrap_or_default();
            let bytes = xlsx::write(&model, lang, &filled).context("cannot write the workbook")?;
            write_binary(&output, &bytes, "xlsx")?;
        }
    }
    Ok(Outcome::Ok)
}

/// Write a binary file, or to standard output when it is not a terminal.
pub(crate) fn write_binary(output: &Output, bytes: &[u8], what: &str) -> anyhow::Result<()> {
    if output.path().is_none() && std::io::stdout().is_terminal() {
        anyhow::bail!("an {what} file is not for the terminal: give -o FILE.{what}");
    }
    output.write(bytes)
}
