//! `smedx schema`: print the JSON Schema (draft-07) of model files or answer sheets.

use super::{Outcome, checked_output};
use anyhow::Context;
use std::path::PathBuf;

/// Which file kind.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Kind {
    /// Assessment model files (`--model` of every command).
    Model,
    /// Answer sheets; with --model, each item's allowed answers are listed.
    Answers,
    /// Solution catalogs (`smedx report --catalog`).
    Catalog,
    /// Cost-sharing policies (`smedx report --policies`).
    Policies,
    /// Roadmap planner tuning (`smedx report --tuning`).
    Tuning,
    /// The OpenAPI 3.1 document of `smedx serve`'s JSON API (for --model, default sme-dx-2024).
    Openapi,
}

/// Print a JSON Schema (draft-07) that yaml-language-server and other editors understand.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(value_enum)]
    kind: Kind,
    /// For answer sheets: spell out the answers of this model's items (a bundled id or a file).
    #[arg(long, short)]
    model: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Overwrite the output file if it exists (never an input).
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    // The one format written: an -o that names another is refused before any work.
    if let Err(outcome) = super::checked_format(
        "schema",
        args.output.as_deref(),
        None,
        &[super::Written {
            format: (),
            name: "json",
            extensions: &["json"],
        }],
    ) {
        return Ok(outcome);
    }
    let inputs: Vec<&std::path::Path> = super::model_file(args.model.as_deref())
        .into_iter()
        .collect();
    let output = match checked_output(args.output.as_deref(), args.force, &inputs) {
        Ok(o) => o,
        Err(outcome) => return Ok(outcome),
    };
    let value = match args.kind {
        Kind::Model => crate::schema::model_schema(),
        Kind::Catalog => crate::schema::catalog_schema(),
        Kind::Policies => crate::schema::policies_schema(),
        Kind::Tuning => crate::schema::tuning_schema(),
        Kind::Openapi => {
            let spec = args
                .model
                .as_deref()
                .unwrap_or(crate::model::DEFAULT_MODEL_ID);
            match super::resolve_model(spec) {
                Some(m) => crate::serve::openapi::document(&m),
                None => return Ok(Outcome::Invalid),
            }
        }
        Kind::Answers => {
            let model = match &args.model {
                Some(spec) => match super::resolve_model(spec) {
                    Some(m) => Some(m),
                    None => return Ok(Outcome::Invalid),
                },
                None => None,
            };
            crate::schema::answers_schema(model.as_ref())
        }
    };
    let text = serde_json::to_string_pretty(&value).context("cannot serialise the schema")? + "\n";
    output.write(text.as_bytes())?;
    Ok(Outcome::Ok)
}
