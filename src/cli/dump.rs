//! `smedx dump`: every stored submission as JSON Lines, the format `smedx aggregate` reads.

use super::Outcome;
use crate::serve::storage::{self, SubmissionFilter};
use crate::text::{Lang, tr};
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
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    // The one format written: an -o that names another is refused before any work.
    if let Err(outcome) = super::checked_format(
        "dump",
        args.output.as_deref(),
        None,
        &[super::Written {
            format: (),
            name: "jsonl",
            extensions: &["jsonl", "ndjson"],
        }],
    ) {
        return Ok(outcome);
    }
    let is_url = args
        .db
        .to_str()
        .is_some_and(crate::serve::storage_pg::is_url);
    if !is_url && !args.db.is_file() {
        let db = args.db.display();
        match crate::text::Lang::ui() {
            crate::text::Lang::Zh => to_stderr!(
                "错误[file-unreadable]：{db} 处没有数据库\n   = 提示：请给出 `smedx serve` 使用的 --db"
            ),
            crate::text::Lang::En => to_stderr!(
                "error[file-unreadable]: no database at {db}\n   = help: give the --db of `smedx serve`"
            ),
        }
        return Ok(Outcome::Invalid);
    }
    let inputs = [args.db.as_path()];
    let output = match super::checked_output(args.output.as_deref(), args.force, &inputs) {
        Ok(o) => o,
        Err(outcome) => return Ok(outcome),
    };
    let storage = storage::open(&args.db)?;
    let subs = storage.submissions(&SubmissionFilter {
        all_versions: args.all_versions,
        ..Default::default()
    })?;
    let mut text = String::new();
    for s in &subs {
        // Stored compact, so one sheet is one line.
        text.push_str(&s.sheet);
        text.push('\n');
    }
    output.write(text.as_bytes())?;
    let n = subs.len();
    let place = match &args.output {
        Some(p) => p.display().to_string(),
        None => tr(Lang::ui(), "标准输出", "standard output").to_string(),
    };
    to_stderr!(
        "{}",
        match Lang::ui() {
            Lang::Zh => format!("已写入 {n} 份提交的答卷：{place}。"),
            Lang::En => format!("Wrote {n} submitted answer sheet(s) to {place}."),
        }
    );
    Ok(Outcome::Ok)
}
