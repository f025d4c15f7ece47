//! The Parquet options `smedx aggregate --export` and `smedx dump --format parquet` share: the round
//! label and the salt of the firm key (names and credit codes only with `--named`).

use crate::aggregate::export::{ExportSettings, ParquetExport};
use crate::diag::Diagnostic;
use crate::text::{Lang, tr};
use std::path::{Path, PathBuf};

/// The fewest bytes a salt may have: credit codes are few enough to be tried one by one.
const MIN_SALT_BYTES: usize = 16;

/// Options of a Parquet export.
#[derive(Debug, Clone, clap::Args)]
pub struct ParquetArgs {
    /// Round label written on every row of the Parquet file (default: the year of each firm's assessed_on).
    #[arg(long)]
    round: Option<String>,
    /// File holding the salt of `firm_key`, a salted hash of the credit code that joins rounds
    /// without naming firms (keep it like a password; use the same file for every round).
    #[arg(long, value_name = "FILE")]
    salt_file: Option<PathBuf>,
    /// The salt as text (prefer --salt-file: a command line can be seen by other users).
    #[arg(long, conflicts_with = "salt_file")]
    salt: Option<String>,
}

impl ParquetArgs {
    /// The salt file, an input no output may overwrite.
    pub fn inputs(&self) -> Option<&Path> {
        self.salt_file.as_deref()
    }

    /// The export's settings, or the diagnostic that refuses them.
    pub fn settings(&self, named: bool) -> Result<ExportSettings, Box<Diagnostic>> {
        let (salt, source) = match (&self.salt_file, &self.salt) {
            (Some(path), _) => {
                let bytes = std::fs::read(path).map_err(|e| {
                    Box::new(
                        Diagnostic::error("file-unreadable")
                            .arg("file", path.display().to_string())
                            .arg("reason", e.to_string()),
                    )
                })?;
                // A trailing newline is no part of the salt (files written by `echo` or an editor).
                let end = bytes
                    .iter()
                    .rposition(|b| !b.is_ascii_whitespace())
                    .map_or(0, |i| i + 1);
                (Some(bytes[..end].to_vec()), path.display().to_string())
            }
            (None, Some(text)) => (Some(text.trim().as_bytes().to_vec()), "--salt".to_string()),
            (None, None) => (None, String::new()),
        };
        if let Some(s) = &salt
            && s.len() < MIN_SALT_BYTES
        {
            return Err(Box::new(
                Diagnostic::error("salt-too-short")
                    .arg("source", source)
                    .arg("count", s.len())
                    .arg("min", MIN_SALT_BYTES),
            ));
        }
        Ok(ExportSettings {
            named,
            salt,
            round: self
                .round
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string),
        })
    }
}

/// A note when the file will carry no firm key at all: rounds cannot be joined firm by firm.
pub fn note_without_key(settings: &ExportSettings) {
    if settings.salt.is_none() && !settings.named {
        to_stderr!(
            "{}",
            tr(
                Lang::ui(),
                "注意：未给出 --salt-file，Parquet 文件中没有企业标识（firm_key），各轮数据无法按企业关联。",
                "Note: no --salt-file, so the Parquet file has no firm key (firm_key); rounds cannot be joined firm by firm."
            )
        );
    }
}

/// Start an export whose temporary file sits beside `target` (the current folder for standard output).
pub fn start(
    model: &crate::model::Model,
    settings: ExportSettings,
    target: Option<&Path>,
) -> anyhow::Result<ParquetExport> {
    let dir = target
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = if dir.is_dir() {
        dir.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    ParquetExport::new(model, settings, &dir)
}
