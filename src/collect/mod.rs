//! Collecting answers where people already work: an Excel workbook made from the model, CSV batches,
//! XLSForm for ODK Collect and KoboToolbox, and a guided terminal questionnaire.
//!
//! Every route ends in the value tree the YAML loader produces ([`flat::record_to_node`]), so the
//! one sheet checker ([`crate::answers::check_sheet`]) checks everything, and its diagnostics are put
//! back at the cell they came from ([`cells::Places`]): `问卷.xlsx:设备系统!D7` for a workbook (the
//! cell is in the diagnostic's `file`, line and column 0), `batch.csv:4:9` for a CSV file.

pub mod answer_yaml;
pub mod cells;
pub mod csv;
pub mod flat;
pub mod tabular;
pub mod terminal;
pub mod xlsform;
pub mod xlsx;

pub use flat::{Column, Record};

use crate::answers::{AnswerSheet, check_sheet};
use crate::diag::{Diagnostic, Report};
use crate::model::{self, Model};
use crate::source_file::SourceFile;
use cells::Places;
use std::path::Path;

/// A record checked against a model: the sheet when it has no error, and its diagnostics, located.
#[derive(Debug)]
pub struct CheckedRecord {
    pub sheet: Option<AnswerSheet>,
    pub diagnostics: Vec<Diagnostic>,
}

impl CheckedRecord {
    pub fn error_codes(&self) -> Vec<&'static str> {
        let mut codes: Vec<&'static str> = Vec::new();
        for d in self.diagnostics.iter().filter(|d| d.is_error()) {
            if !codes.contains(&d.code) {
                codes.push(d.code);
            }
        }
        codes
    }
}

/// Check one record: build its value tree, run the sheet checker, put every diagnostic at its cell.
/// Items reported absent by the reader (a deleted sheet) are not reported again one by one.
pub fn check_record(model: &Model, record: &Record, file: &str) -> CheckedRecord {
    let mut places = Places::new(file);
    let (node, mut diags) = flat::record_to_node(model, record, &mut places);
    let checked = check_sheet(model, &node, &SourceFile::from_text(file, ""));
    diags.extend(checked.diagnostics);
    let has_errors = diags.iter().any(Diagnostic::is_error);
    let diagnostics = diags
        .into_iter()
        .filter(|d| {
            let place = places.place(d.location.pos());
            !(d.code == "missing-answer"
                && place.is_some_and(|p| record.absent.iter().any(|(_, a)| a == p)))
        })
        .map(|d| places.locate(d))
        .collect();
    CheckedRecord {
        sheet: if has_errors { None } else { checked.sheet },
        diagnostics,
    }
}

/// How a file is read, judged by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `.xlsx`, `.xlsm`, `.xls`, `.ods`.
    Workbook,
    /// `.csv`, `.tsv`.
    Delimited,
}

impl FileKind {
    pub fn of(path: &Path) -> Option<FileKind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "xlsx" | "xlsm" | "xls" | "ods" => Some(FileKind::Workbook),
            "csv" | "tsv" => Some(FileKind::Delimited),
            _ => None,
        }
    }
}

/// What a collected file holds.
#[derive(Debug)]
pub enum Collected {
    /// A questionnaire workbook written by `smedx template --format xlsx`: one enterprise.
    Questionnaire(xlsx::Questionnaire),
    /// A table with one enterprise per row: a CSV batch, or an ODK/KoboToolbox export.
    Table(tabular::Table),
}

/// Read a workbook or a delimited file. A file that cannot be read at all is one diagnostic.
pub fn read(path: &Path) -> Result<Collected, Diagnostic> {
    let name = path.display().to_string();
    match FileKind::of(path) {
        Some(FileKind::Workbook) => {
            let bytes = crate::source_file::read_limited(path)?;
            xlsx::read(&name, &bytes)
        }
        Some(FileKind::Delimited) => {
            let bytes = crate::source_file::read_limited(path)?;
            csv::read(&name, bytes).map(Collected::Table)
        }
        None => Err(Diagnostic::error("unknown-file-kind")
            .arg("file", &name)
            .in_file(&name)),
    }
}

/// The model answers are checked against: `--model`, else the model the file names when it is
/// bundled, else the default. A named model that is not bundled is an error at `at` (the `model:`
/// key, when the file has positions). Diagnostics of a model file go into `report`.
pub fn choose_model(
    model_arg: Option<&str>,
    named: Option<&str>,
    file: &str,
    at: crate::diag::Pos,
    report: &mut Report,
) -> Option<Model> {
    if model_arg.is_none()
        && let Some(id) = named.filter(|id| model::bundled(id).is_none())
    {
        report.extend([Diagnostic::error("unknown-model")
            .variant("named")
            .arg("file", file)
            .quoted("model", id)
            .in_file(file)
            .at(at)]);
        return None;
    }
    let spec = model_arg
        .or(named)
        .unwrap_or(model::DEFAULT_MODEL_ID)
        .to_string();
    model::resolve_into(&spec, report)
}

/// Load one enterprise's answers from a workbook or a one-row CSV file and check them, for
/// `smedx score 问卷.xlsx`. `None` when nothing could be checked; the diagnostics are in `report`.
pub fn load_checked(
    path: &Path,
    model_arg: Option<&str>,
    report: &mut Report,
) -> Option<(Model, Option<AnswerSheet>)> {
    let name = path.display().to_string();
    let collected = match read(path) {
        Ok(c) => c,
        Err(d) => {
            report.extend([d]);
            return None;
        }
    };
    match collected {
        Collected::Questionnaire(q) => {
            let model = choose_model(
                model_arg,
                q.model_named.as_deref(),
                &name,
                crate::diag::Pos::UNKNOWN,
                report,
            )?;
            let (record, reader_diags) = q.record(&model);
            report.extend(reader_diags);
            let checked = check_record(&model, &record, &name);
            report.extend(checked.diagnostics);
            let sheet = checked.sheet.filter(|_| !report.has_errors());
            Some((model, sheet))
        }
        Collected::Table(table) => {
            let model = choose_model(
                model_arg,
                table.model_named().as_deref(),
                &name,
                crate::diag::Pos::UNKNOWN,
                report,
            )?;
            let batch = table.records(&model);
            report.extend(batch.diagnostics);
            match batch.records.as_slice() {
                [one] => {
                    let checked = check_record(&model, one, &name);
                    report.extend(checked.diagnostics);
                    let sheet = checked.sheet.filter(|_| !report.has_errors());
                    Some((model, sheet))
                }
                many => {
                    report.extend([Diagnostic::error("batch-file")
                        .arg("file", &name)
                        .arg("count", many.len())
                        .in_file(&name)]);
                    Some((model, None))
                }
            }
        }
    }
}

/// A file name for a firm's answer sheet: its row and name, without characters file systems refuse.
pub fn sheet_file_name(index: usize, firm: Option<&str>) -> String {
    let name: String = firm
        .unwrap_or("")
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("_")
        .chars()
        .take(60)
        .collect();
    let name = name.trim_matches('.');
    if name.is_empty() {
        format!("{index:03}.yaml")
    } else {
        format!("{index:03}-{name}.yaml")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firm_file_names_are_safe() {
        assert_eq!(
            sheet_file_name(2, Some("瑞安市恒锐汽车部件有限公司")),
            "002-瑞安市恒锐汽车部件有限公司.yaml"
        );
        assert_eq!(sheet_file_name(7, Some("a/b: c")), "007-a_b__c.yaml");
        assert_eq!(sheet_file_name(12, Some("..")), "012.yaml");
        assert_eq!(sheet_file_name(3, None), "003.yaml");
    }
}
