//! `smedx export`: the model in another tool's format — XLSForm for ODK Collect and KoboToolbox.

use super::template::write_binary;
use super::{DiagFormat, Outcome, Written, print_report};
use crate::collect::xlsform;
use crate::diag::Report;
use crate::model;
use crate::text::Lang;
use anyhow::Context;
use std::path::PathBuf;

/// Target format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// XLSForm (survey / choices / settings), for ODK Collect, ODK Central and KoboToolbox.
    Xlsform,
}

/// Export the model as a form for field-survey tools.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Format of the export (default: from the extension of --output, else xlsform).
    #[arg(long, short, value_enum)]
    format: Option<ExportFormat>,
    /// Write to this file, e.g. form.xlsx (default: standard output when it is not a terminal).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Model: a bundled id or a model file.
    #[arg(long, short, default_value = model::DEFAULT_MODEL_ID)]
    model: String,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    force: bool,
}

/// What `smedx export` writes, by `--format` and by the extension of `-o`.
const FORMATS: &[Written<ExportFormat>] = &[Written {
    format: ExportFormat::Xlsform,
    name: "xlsform",
    extensions: &["xlsx"],
}];

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let format = match super::checked_format("export", args.output.as_deref(), args.format, FORMATS)
    {
        Ok(f) => f.unwrap_or(ExportFormat::Xlsform),
        Err(outcome) => return Ok(outcome),
    };
    let mut report = Report::default();
    let Some(model) = model::resolve_into(&args.model, &mut report) else {
        print_report(&report, DiagFormat::Human);
        return Ok(Outcome::Invalid);
    };
    let inputs: Vec<&std::path::Path> = super::model_file(Some(&args.model)).into_iter().collect();
    let output = match super::checked_output(args.output.as_deref(), args.force, &inputs) {
        Ok(o) => o,
        Err(outcome) => return Ok(outcome),
    };

    match format {
        ExportFormat::Xlsform => {
            let bytes = xlsform::write(&model, Lang::ui()).context("cannot write the XLSForm")?;
            write_binary(&output, &bytes, "xlsx")?;
        }
    }
    Ok(Outcome::Ok)
}
