//! `smedx dump`: every stored submission as JSON Lines, the format `smedx aggregate` reads, or
//! scored as one Parquet row per firm for DuckDB, Spark or Trino.

use super::Outcome;
use crate::serve::storage::{self, SubmissionFilter};
use crate::text::Lang;
use std::path::PathBuf;

/// Write the submissions of a `smedx serve` database as JSON Lines (one answer sheet per line).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Database of `smedx serve`: a SQLite file or a postgres:// URL.
    #[arg(long, default_value = "smedx.db")]
    db: PathBuf,
    /// Write to this file (default: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Every version of every firm, not only each firm's latest (which is what aggregation wants).
    #[arg(long)]
    all_versions: bool,
    /// Overwrite the output file if it exists (never an input).
    #[arg(long)]
    force: bool,
    /// Output format: jsonl (answer sheets, for `smedx aggregate`; the default) or parquet (one scored
    /// row per firm); from -o's extension when not given.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Model: a bundled id or a model file (parquet scores with it; other models' submissions are left out).
    #[arg(long, short, default_value = crate::model::DEFAULT_MODEL_ID)]
    model: String,
    /// Write firm names and credit codes into the Parquet file (default: only the salted firm_key).
    #[arg(long)]
    named: bool,
    #[command(flatten)]
    parquet: super::parquet::ParquetArgs,
}

/// What `smedx dump` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One answer sheet per line (JSON Lines).
    Jsonl,
    /// One scored firm per row (Parquet).
    Parquet,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    // The format from --format or -o's extension; a contradiction is refused before any work.
    let format = match super::checked_format(
        "dump",
        args.output.as_deref(),
        args.format,
        &[
            super::Written {
                format: Format::Jsonl,
                name: "jsonl",
                extensions: &["jsonl", "ndjson"],
            },
            super::Written {
                format: Format::Parquet,
                name: "parquet",
                extensions: &["parquet"],
            },
        ],
    ) {
        Ok(f) => f.unwrap_or(Format::Jsonl),
        Err(outcome) => return Ok(outcome),
    };
    let is_url = args
        .db
        .to_str()
        .is_some_and(crate::serve::storage_pg::is_url);
    if !is_url && !args.db.is_file() {
        let d = crate::diag::Diagnostic::error("file-unreadable").variant("database");
        return super::refuse(d.arg("file", args.db.display().to_string()));
    }
    let mut inputs = vec![args.db.as_path()];
    inputs.extend(args.parquet.inputs());
    inputs.extend(super::model_file(Some(&args.model)));
    let output = match super::checked_output(args.output.as_deref(), args.force, &inputs) {
        Ok(o) => o,
        Err(outcome) => return Ok(outcome),
    };
    let storage = storage::open(&args.db)?;
    let filter = SubmissionFilter {
        all_versions: args.all_versions,
        ..Default::default()
    };
    if format == Format::Parquet {
        return parquet(&args, &output, storage.as_ref(), &filter);
    }
    // One submission at a time from the database to the output: memory stays flat.
    let mut n = 0u64;
    output.write_with(|w| {
        storage.each_submission(&filter, &mut |s| {
            // Stored compact, so one sheet is one line.
            w.write_all(s.sheet.as_bytes())?;
            w.write_all(b"\n")?;
            n += 1;
            Ok(())
        })
    })?;
    let place = super::output::shown_as(args.output.as_deref(), Lang::ui());
    to_stderr!(
        "{}",
        match Lang::ui() {
            Lang::Zh => format!("已写入 {n} 份提交的答卷：{place}。"),
            Lang::En => format!("Wrote {n} submitted answer sheet(s) to {place}."),
        }
    );
    Ok(Outcome::Ok)
}

/// The submissions of the model scored, one Parquet row each, read and written one at a time.
fn parquet(
    args: &Args,
    output: &super::Output,
    storage: &dyn crate::serve::storage::Storage,
    filter: &SubmissionFilter,
) -> anyhow::Result<Outcome> {
    let settings = match args.parquet.settings(args.named) {
        Ok(s) => s,
        Err(d) => {
            let mut report = crate::diag::Report::default();
            report.extend([*d]);
            super::print_report(&report, super::DiagFormat::Human);
            return Ok(Outcome::Invalid);
        }
    };
    let Some(model) = super::resolve_model(&args.model) else {
        return Ok(Outcome::Invalid);
    };
    super::parquet::note_without_key(&settings);
    let export = super::parquet::start(&model, settings, output.path())?;
    let place = args.db.display().to_string();
    let (mut other_models, mut bad, mut i) = (0u64, 0u64, 0u64);
    storage.each_submission(filter, &mut |s| {
        i += 1;
        if s.model_id != model.id {
            other_models += 1;
            return Ok(());
        }
        match crate::aggregate::export::score_sheet(&model, &place, i, &s.sheet) {
            Ok(r) => export.push(&r),
            Err(e) => {
                bad += 1;
                if bad <= 20 {
                    // The firm's id is a capability of its links: not printed.
                    to_stderr!("  {place} #{i}: [{}] {}", e.code, e.message);
                }
            }
        }
        Ok(())
    })?;
    let mut rows = 0;
    output.write_with(|w| {
        rows = export.finish(w)?;
        Ok(())
    })?;
    let lang = Lang::ui();
    let place = super::output::shown_as(args.output.as_deref(), lang);
    to_stderr!(
        "{}",
        match lang {
            Lang::Zh => format!(
                "已写入 {rows} 家企业的评分结果（Parquet）：{place}。{}{}",
                if other_models > 0 {
                    format!("{other_models} 份其他模型的提交未写入（用 --model 选择）。")
                } else {
                    String::new()
                },
                if bad > 0 {
                    format!("{bad} 份提交无法评分，未写入。")
                } else {
                    String::new()
                }
            ),
            Lang::En => format!(
                "Wrote {rows} scored firm(s) as Parquet to {place}.{}{}",
                if other_models > 0 {
                    format!(
                        " {other_models} submission(s) of other models left out (choose with --model)."
                    )
                } else {
                    String::new()
                },
                if bad > 0 {
                    format!(" {bad} submission(s) could not be scored and were left out.")
                } else {
                    String::new()
                }
            ),
        }
    );
    Ok(Outcome::Ok)
}
