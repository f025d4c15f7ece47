//! Tables with one enterprise per row — a smedx CSV batch, an ODK Central or KoboToolbox export
//! (CSV or XLSX) — turned into records: headers are matched to profile fields and items, a row of
//! titles under the header is skipped, blank rows are skipped.
//!
//! Header names accepted: the smedx CSV names (`name`, `network-connectivity`,
//! `funding.note`, `equipment-digitisation-rate.numerator`, `funding.data.digital-investment`) and
//! the XLSForm names ([`super::xlsform::FormNames`]), with any group path in front as the exports
//! write it (`foundation/network_connectivity_grp/network_connectivity` from Kobo,
//! `foundation-network_connectivity_grp-network_connectivity` from ODK Central). Kobo's extra
//! columns for each choice of a multiple choice (`…/network_connectivity/B`, 1 or 0) are read as ticks.

use super::cells::{CellValue, Place};
use super::flat::{Column, Record};
use super::xlsform::FormNames;
use crate::diag::{Arg, Diagnostic};
use crate::model::Model;
use crate::model::item::Input;
use crate::text::Lang;
use std::collections::HashMap;

/// A row of a table; `line` is 1-based (the line in a CSV file, the row number in a sheet).
#[derive(Debug, Clone)]
pub struct TableRow {
    pub line: u32,
    pub cells: Vec<CellValue>,
}

/// A table read from a CSV file or a workbook sheet.
#[derive(Debug, Clone)]
pub struct Table {
    pub file: String,
    /// The sheet, for a workbook.
    pub sheet: Option<String>,
    pub rows: Vec<TableRow>,
    /// Numbers may be written `12,5` (semicolon-separated files).
    pub decimal_comma: bool,
    /// What was left unread past the limits on rows and columns: one diagnostic for each.
    pub cut: Vec<Diagnostic>,
}

/// The records of a table and the problems of its header.
#[derive(Debug)]
pub struct Batch {
    pub records: Vec<Record>,
    /// The 1-based line of each record.
    pub lines: Vec<u32>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Columns of exports that are not answers: ODK Central's and Kobo's metadata, our calculation.
const META_COLUMNS: &[&str] = &[
    "SubmissionDate",
    "KEY",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
    "start",
    "end",
    "today",
    "deviceid",
    "username",
    "instanceID",
    "instanceName",
    "industry_code",
    "industry_group",
];

impl Table {
    /// A table from a sheet's non-empty cells (row, col 0-based, in row order). Columns right of
    /// the header's last name are ignored, and the grid is refused when it would be far larger than
    /// any real batch (a few cells spread over a million rows and columns).
    pub fn from_cells(
        file: &str,
        sheet: &str,
        cells: &[(u32, u32, CellValue)],
    ) -> Result<Table, Diagnostic> {
        let limits = crate::source_file::Limits::get();
        let max_columns = usize::try_from(limits.columns).unwrap_or(usize::MAX);
        let max_rows = usize::try_from(limits.rows).unwrap_or(usize::MAX);
        let first_row = cells.first().map_or(0, |(r, _, _)| *r);
        let full_width = cells
            .iter()
            .filter(|(r, _, _)| *r == first_row)
            .map(|(_, c, _)| *c as usize + 1)
            .max()
            .unwrap_or(0);
        let width = full_width.min(max_columns);
        let mut cut = Vec::new();
        if full_width > width {
            cut.push(super::csv::too_many_columns(
                file,
                first_row + 1,
                full_width,
                max_columns,
            ));
        }
        let mut rows: Vec<TableRow> = Vec::new();
        for (r, c, v) in cells {
            let c = *c as usize;
            if c >= width {
                continue;
            }
            if rows.last().is_none_or(|last| last.line != r + 1) {
                let max_cells = usize::try_from(limits.cells).unwrap_or(usize::MAX);
                if rows.len().saturating_mul(width) > max_cells.saturating_mul(4) {
                    return Err(Diagnostic::error("workbook-too-large")
                        .arg("file", file)
                        .quoted("sheet", sheet)
                        .in_file(file));
                }
                if rows.len() > max_rows {
                    cut.push(
                        Diagnostic::error("too-many-rows")
                            .arg("file", file)
                            .arg("limit", max_rows)
                            .arg("line", r + 1)
                            .in_file(file),
                    );
                    break;
                }
                rows.push(TableRow {
                    line: r + 1,
                    cells: Vec::new(),
                });
            }
            let row = rows.last_mut().expect("pushed above");
            if row.cells.len() <= c {
                row.cells.resize(c + 1, CellValue::Empty);
            }
            row.cells[c] = v.clone();
        }
        Ok(Table {
            file: file.to_string(),
            sheet: Some(sheet.to_string()),
            rows,
            decimal_comma: false,
            cut,
        })
    }

    /// Where a cell is.
    pub fn place(&self, line: u32, col: usize) -> Place {
        let col = u32::try_from(col).unwrap_or(u32::MAX);
        match &self.sheet {
            Some(sheet) => Place::Cell {
                sheet: sheet.clone(),
                row: line.saturating_sub(1),
                col,
            },
            None => Place::Field {
                line,
                column: col.saturating_add(1),
                header: (self.rows.first())
                    .and_then(|h| h.cells.get(col as usize)?.as_text())
                    .map(|h| h.trim_start_matches('\u{feff}').trim().to_string()),
            },
        }
    }

    fn diag(&self, d: Diagnostic, place: &Place) -> Diagnostic {
        d.located(place.location(&self.file))
    }

    /// The model named in a `model` column of the first data row.
    pub fn model_named(&self) -> Option<String> {
        let header = self.rows.first()?;
        let col = header
            .cells
            .iter()
            .position(|c| c.as_text().as_deref() == Some("model"))?;
        self.rows.get(1)?.cells.get(col)?.as_text()
    }

    /// Match the header to the model and make one record per non-blank row.
    pub fn records(&self, model: &Model) -> Batch {
        let mut batch = Batch {
            records: Vec::new(),
            lines: Vec::new(),
            diagnostics: self.cut.clone(),
        };
        let Some(header) = self.rows.first() else {
            batch.diagnostics.push(
                Diagnostic::error("empty-file")
                    .arg("file", &self.file)
                    .in_file(&self.file),
            );
            return batch;
        };
        let names = ColumnNames::new(model);
        let mut columns: Vec<Option<Column>> = Vec::new();
        let mut seen: HashMap<Column, usize> = HashMap::new();
        for (c, cell) in header.cells.iter().enumerate() {
            let h = cell.as_text().unwrap_or_default();
            let h = h.trim_start_matches('\u{feff}').trim();
            let column = names.resolve(model, h);
            let place = self.place(header.line, c);
            match column {
                Some(col) => {
                    if let Some(first) = seen.get(&col) {
                        batch.diagnostics.push(
                            self.diag(
                                Diagnostic::error("duplicate-column")
                                    .quoted("column", h)
                                    .arg("first", first + 1),
                                &place,
                            ),
                        );
                        columns.push(None);
                        continue;
                    }
                    seen.insert(col, c);
                }
                None if h.is_empty() || is_meta(h) => {}
                None => {
                    let near = crate::text::closest(h, model.items.iter().map(|i| i.id.as_str()));
                    batch.diagnostics.push(
                        self.diag(
                            Diagnostic::warning("unknown-column")
                                .quoted("column", h)
                                .quoted("model", &model.id)
                                .arg("hint", Arg::suggestion(near, [])),
                            &place,
                        ),
                    );
                }
            }
            columns.push(column);
        }
        if columns.iter().all(Option::is_none) {
            batch.diagnostics.push(self.diag(
                Diagnostic::error("unknown-header").arg("file", &self.file),
                &self.place(header.line, 0),
            ));
            return batch;
        }
        let missing: Vec<crate::text::Text> = model
            .items
            .iter()
            .enumerate()
            .filter(|(i, item)| {
                item.required
                    && !columns.iter().flatten().any(|c| {
                        c.item() == Some(*i) && !matches!(c, Column::Note(_) | Column::Data(..))
                    })
            })
            .map(|(_, item)| item.title.clone())
            .collect();
        if !missing.is_empty() {
            batch.diagnostics.push(
                self.diag(
                    Diagnostic::warning("missing-column")
                        .arg("count", missing.len())
                        .arg("items", Arg::texts(&missing)),
                    &self.place(header.line, 0),
                ),
            );
        }
        let mut data = &self.rows[1..];
        if let Some(second) = data.first()
            && is_title_row(model, &columns, second)
        {
            data = &data[1..];
        }
        for row in data {
            let mut record = Record::new(self.place(row.line, 0));
            record.decimal_comma = self.decimal_comma;
            for (c, column) in columns.iter().enumerate() {
                let Some(column) = column else { continue };
                let value = row.cells.get(c).cloned().unwrap_or(CellValue::Empty);
                let value = names.translate_choices(model, *column, value);
                record.push(*column, value, self.place(row.line, c));
            }
            if record.is_blank() {
                continue;
            }
            batch.lines.push(row.line);
            batch.records.push(record);
        }
        batch
    }
}

fn is_meta(h: &str) -> bool {
    let last = h.rsplit(['/', '-', ':']).next().unwrap_or(h);
    h.starts_with('_')
        || h.starts_with("meta")
        || META_COLUMNS.contains(&h)
        || META_COLUMNS.contains(&last)
}

/// Is this row the titles under the header (`smedx template --format csv` writes one)?
fn is_title_row(model: &Model, columns: &[Option<Column>], row: &TableRow) -> bool {
    let mut filled = 0;
    let mut titles = 0;
    for (c, column) in columns.iter().enumerate() {
        let Some(text) = row.cells.get(c).and_then(CellValue::as_text) else {
            continue;
        };
        filled += 1;
        if let Some(column) = column
            && [Lang::Zh, Lang::En]
                .iter()
                .any(|l| column.title(model, *l).trim() == text.trim())
        {
            titles += 1;
        }
    }
    filled > 0 && titles * 2 >= filled
}

/// Longest header name looked up: group paths of exports are a few dozen characters.
const MAX_HEADER_BYTES: usize = 1024;

/// Every header name smedx reads, for one model.
struct ColumnNames {
    names: HashMap<String, Column>,
    form: FormNames,
}

impl ColumnNames {
    fn new(model: &Model) -> ColumnNames {
        let form = FormNames::new(model);
        let mut names: HashMap<String, Column> = HashMap::new();
        for (column, name) in form.all(model) {
            names.insert(name, column);
        }
        // The free text beside a multiple choice of the profile (XLSForm `…_other`).
        for (f, field) in crate::answers::profile_fields().iter().enumerate() {
            names.insert(format!("{}_other", field.id), Column::Profile(f));
        }
        let mut csv = vec![Column::Model, Column::ModelVersion];
        csv.extend((0..crate::answers::profile_fields().len()).map(Column::Profile));
        for (i, item) in model.items.iter().enumerate() {
            csv.extend([
                Column::Answer(i),
                Column::Note(i),
                Column::Applicable(i),
                Column::Numerator(i),
                Column::Denominator(i),
            ]);
            csv.extend((0..item.fields.len()).map(|f| Column::Data(i, f)));
        }
        for c in csv {
            names.insert(c.csv_name(model), c);
        }
        ColumnNames { names, form }
    }

    /// The column a header names: the whole name, else its longest known tail after a group path.
    fn resolve(&self, model: &Model, header: &str) -> Option<Column> {
        // Every tail of a header is looked up: a header longer than any real one is no column.
        if header.len() > MAX_HEADER_BYTES {
            return None;
        }
        if let Some(c) = self.names.get(header) {
            return Some(*c);
        }
        let tails = header
            .char_indices()
            .filter(|(_, c)| matches!(c, '/' | '-' | ':'))
            .map(|(at, _)| &header[at + 1..]);
        for tail in tails {
            if let Some(c) = self.names.get(tail) {
                return Some(*c);
            }
        }
        // Kobo: one column per choice of a multiple choice, `…/question/choice`.
        let (question, choice) = header.rsplit_once('/')?;
        let Some(Column::Answer(i)) = self.resolve(model, question) else {
            return None;
        };
        let options = match model.items[i].input() {
            Input::Many => model.items[i].words(),
            _ => return None,
        };
        (0..options.len())
            .find(|&o| {
                options[o].id == choice || self.form.choice_name(model, i, o) == Some(choice)
            })
            .map(|o| Column::Tick(i, o))
    }

    /// XLSForm choice names back to option ids, where they differ.
    fn translate_choices(&self, model: &Model, column: Column, value: CellValue) -> CellValue {
        let Column::Answer(i) = column else {
            return value;
        };
        let CellValue::Text(text) = &value else {
            return value;
        };
        let options = model.items[i].words();
        if (0..options.len())
            .all(|o| self.form.choice_name(model, i, o) == Some(options[o].id.as_str()))
        {
            return value;
        }
        let ids: Vec<String> = super::flat::split_choices(text)
            .into_iter()
            .map(|t| {
                (0..options.len())
                    .find(|&o| self.form.choice_name(model, i, o) == Some(t))
                    .map_or(t.to_string(), |o| options[o].id.clone())
            })
            .collect();
        CellValue::Text(ids.join(" "))
    }
}
