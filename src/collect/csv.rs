//! CSV batches: one row per enterprise, one column per item. The template has the header and a
//! second row of titles; reading accepts UTF-8 with or without BOM, comma, semicolon or tab, and
//! says clearly when a file looks GBK-encoded (what Excel on Chinese Windows writes as "CSV").

use super::cells::CellValue;
use super::flat::{CellStyle, Column, sheet_cells};
use super::tabular::{Table, TableRow};
use crate::answers::AnswerSheet;
use crate::answers::profile_fields;
use crate::diag::Diagnostic;
use crate::model::{ItemSpec, Model};
use crate::source_file::SourceFile;
use crate::text::Lang;
use std::collections::BTreeMap;

/// How answers are written into CSV cells: ids, `B C` for several options.
pub const CELL_STYLE: CellStyle = CellStyle {
    ticks: false,
    labels: None,
    applicable_column: false,
};

/// The columns of a CSV template: the profile, then per item its answer, the two counts of a
/// ratio and the recorded figures.
pub fn template_columns(model: &Model) -> Vec<Column> {
    let mut columns: Vec<Column> = profile_fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| f.asked)
        .map(|(i, _)| Column::Profile(i))
        .collect();
    for (i, item) in model.items.iter().enumerate() {
        columns.push(Column::Answer(i));
        if matches!(item.spec, ItemSpec::Band { ratio: Some(_), .. }) {
            columns.extend([Column::Numerator(i), Column::Denominator(i)]);
        }
        columns.extend((0..item.fields.len()).map(|f| Column::Data(i, f)));
    }
    columns
}

/// A CSV file with the header, a row of titles in `lang`, and one row per sheet. Columns the
/// template lacks but a sheet uses (notes, flags) are added. Starts with a BOM so that Excel
/// opens it as UTF-8.
pub fn write(model: &Model, lang: Lang, sheets: &[AnswerSheet]) -> String {
    let rows: Vec<BTreeMap<Column, CellValue>> = sheets
        .iter()
        .map(|s| sheet_cells(model, s, CELL_STYLE).into_iter().collect())
        .collect();
    let mut columns = template_columns(model);
    let mut extra: Vec<Column> = rows
        .iter()
        .flat_map(|r| r.keys().copied())
        .filter(|c| !columns.contains(c))
        .collect();
    extra.sort();
    extra.dedup();
    for c in extra {
        // Keep an item's columns together: after the item's last column.
        let at = match c.item() {
            Some(i) => columns
                .iter()
                .rposition(|x| x.item() == Some(i))
                .map_or(columns.len(), |p| p + 1),
            None => columns
                .iter()
                .rposition(|x| matches!(x, Column::Profile(_)))
                .map_or(0, |p| p + 1),
        };
        columns.insert(at, c);
    }
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let header: Vec<String> = columns.iter().map(|c| c.csv_name(model)).collect();
    let titles: Vec<String> = columns.iter().map(|c| c.title(model, lang)).collect();
    // Writing to memory cannot fail.
    let _ = w.write_record(&header);
    let _ = w.write_record(&titles);
    for row in &rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| row.get(c).and_then(CellValue::as_text).unwrap_or_default())
            .collect();
        let _ = w.write_record(&cells);
    }
    let body = String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default();
    format!("\u{feff}{body}")
}

/// Read a delimited file into a table.
pub fn read(name: &str, bytes: Vec<u8>) -> Result<Table, Diagnostic> {
    let source = SourceFile::decode(name, bytes).map_err(|d| {
        if d.code == "wrong-encoding" && d.variant != Some("nul") {
            d.variant("csv")
        } else {
            d
        }
    })?;
    let delimiter = sniff_delimiter(&source.text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(source.text.as_bytes());
    let limits = crate::source_file::Limits::get();
    let max_rows = usize::try_from(limits.rows).unwrap_or(usize::MAX);
    let max_columns = usize::try_from(limits.columns).unwrap_or(usize::MAX);
    let mut rows = Vec::new();
    let mut cut = Vec::new();
    let mut widest: Option<(u32, usize)> = None;
    for result in reader.records() {
        let record = result.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            Diagnostic::error("csv-syntax")
                .arg("file", name)
                .arg("reason", e.to_string())
                .in_file(name)
                .at(crate::diag::Pos {
                    line: u32::try_from(line).unwrap_or(u32::MAX),
                    column: 1,
                })
        })?;
        let line = record
            .position()
            .map_or(0, |p| u32::try_from(p.line()).unwrap_or(u32::MAX));
        if record.len() > max_columns && widest.is_none_or(|(_, n)| record.len() > n) {
            widest = Some((line, record.len()));
        }
        // The header and one row per firm; past the limit, one diagnostic and nothing more read.
        if rows.len() > max_rows {
            cut.push(
                Diagnostic::error("too-many-rows")
                    .arg("file", name)
                    .arg("limit", max_rows)
                    .arg("line", line)
                    .in_file(name)
                    .at(crate::diag::Pos { line, column: 1 }),
            );
            break;
        }
        rows.push(TableRow {
            line,
            cells: record
                .iter()
                .take(max_columns)
                .map(CellValue::text)
                .collect(),
        });
    }
    if let Some((line, count)) = widest {
        cut.insert(0, too_many_columns(name, line, count, max_columns));
    }
    Ok(Table {
        file: name.to_string(),
        sheet: None,
        rows,
        decimal_comma: delimiter == b';',
        cut,
    })
}

/// One diagnostic for every column past the limit (the widest row is named).
pub(crate) fn too_many_columns(name: &str, line: u32, count: usize, max: usize) -> Diagnostic {
    Diagnostic::error("too-many-columns")
        .arg("file", name)
        .arg("line", line)
        .arg("count", count)
        .arg("limit", max)
        .in_file(name)
        .at(crate::diag::Pos { line, column: 1 })
}

/// The delimiter of the first line, outside quotes: the most frequent of comma, semicolon and tab.
fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for c in first.chars() {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in counts.iter_mut() {
                if c == char::from(*d) {
                    *n += 1;
                }
            }
        }
    }
    counts
        .iter()
        .max_by_key(|(d, n)| (*n, *d == b','))
        .map_or(b',', |(d, _)| *d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_sniffed() {
        assert_eq!(sniff_delimiter("a,b,c\n"), b',');
        assert_eq!(sniff_delimiter("a;b;\"c,d\"\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\n"), b'\t');
        assert_eq!(sniff_delimiter(""), b',');
    }

    #[test]
    fn gbk_files_are_named() {
        let (bytes, _, _) = encoding_rs::GBK.encode("name,industry\n华兴机械,C3670\n");
        let d = read("b.csv", bytes.into_owned()).unwrap_err();
        assert_eq!(d.code, "wrong-encoding");
        let (zh, en) = (d.message_in(Lang::Zh), d.message_in(Lang::En));
        assert!(zh.contains("GBK") && zh.contains("不是 UTF-8"), "{zh}");
        assert!(en.contains("GBK"), "{en}");
        assert!(d.help_in(Lang::Zh).unwrap().contains("CSV UTF-8"));
        assert!(d.help_in(Lang::En).unwrap().contains("CSV UTF-8"));
    }
}
