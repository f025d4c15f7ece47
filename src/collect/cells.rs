//! Cells and where they are: a workbook cell (`设备系统!D7`) or a field of a CSV file (`batch.csv:4:9`).
//!
//! The sheet checker reports positions as `line:column`. A collected answer has no lines, so every
//! cell that goes into the value tree gets a ticket ([`Places::pos`]): a synthetic position whose line
//! is an index into a table of places. [`Places::locate`] turns a diagnostic's ticket back into the
//! cell it came from. For workbooks the cell goes into the diagnostic's `file` field
//! (`问卷.xlsx:设备系统!D7`, line and column 0); for CSV files line and column are the real ones.

use crate::diag::{Diagnostic, Location, Pos, quote_sheet};

/// The value of one cell, as read from a workbook or a delimited file.
#[derive(Debug, Clone, PartialEq)]
pub enum CellValue {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// A date cell, as `YYYY-MM-DD`.
    Date(String),
    /// A spreadsheet error such as `#N/A` or `#DIV/0!`.
    Error(String),
}

impl CellValue {
    /// Text trimmed; empty text is [`CellValue::Empty`].
    pub fn text(s: &str) -> CellValue {
        let t = s.trim();
        if t.is_empty() {
            CellValue::Empty
        } else {
            CellValue::Text(t.to_string())
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, CellValue::Empty)
    }

    /// The value as text, as a person would read it in the cell.
    pub fn as_text(&self) -> Option<String> {
        match self {
            CellValue::Empty => None,
            CellValue::Text(s) | CellValue::Date(s) | CellValue::Error(s) => Some(s.clone()),
            CellValue::Number(n) => Some(crate::yaml_value::format_number(*n)),
            CellValue::Bool(b) => Some(b.to_string()),
        }
    }
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A workbook cell; row and column 0-based.
    Cell { sheet: String, row: u32, col: u32 },
    /// A whole sheet (one that is missing from the workbook).
    Sheet(String),
    /// A field of a delimited text file; line and column 1-based, and the column's header.
    Field {
        line: u32,
        column: u32,
        header: Option<String>,
    },
    /// The file as a whole.
    File,
}

/// The table of places behind synthetic positions, for one input file.
#[derive(Debug, Clone)]
pub struct Places {
    file: String,
    places: Vec<Place>,
}

impl Places {
    pub fn new(file: &str) -> Places {
        Places {
            file: file.to_string(),
            places: Vec::new(),
        }
    }

    /// The file name diagnostics are reported against.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// A ticket for `place`, to use as a node's position.
    pub fn pos(&mut self, place: Place) -> Pos {
        self.places.push(place);
        Pos {
            line: u32::try_from(self.places.len()).unwrap_or(u32::MAX),
            column: 1,
        }
    }

    /// The place a ticket stands for.
    pub fn place(&self, pos: Pos) -> Option<&Place> {
        (pos.line as usize)
            .checked_sub(1)
            .and_then(|i| self.places.get(i))
    }

    /// Put a diagnostic at the cell its ticket stands for.
    pub fn locate(&self, d: Diagnostic) -> Diagnostic {
        let place = self.place(d.location.pos()).cloned().unwrap_or(Place::File);
        let location = place.location(&self.file);
        d.located(location)
    }
}

impl Place {
    /// A line of a text input with no column headers (the terminal's synthetic records).
    pub fn line(line: u32) -> Place {
        Place::Field {
            line,
            column: 1,
            header: None,
        }
    }

    /// The diagnostic location of this place in `file`.
    pub fn location(&self, file: &str) -> Location {
        let file = file.to_string();
        match self {
            Place::Cell { sheet, row, col } => Location::Cell {
                file,
                sheet: sheet.clone(),
                cell: Some(format!("{}{}", column_letters(*col), row + 1)),
            },
            Place::Sheet(sheet) => Location::Cell {
                file,
                sheet: sheet.clone(),
                cell: None,
            },
            Place::Field {
                line,
                column,
                header,
            } => Location::Field {
                file,
                line: *line,
                column: *column,
                header: header.clone(),
            },
            Place::File => Location::File { file },
        }
    }
}

/// `设备系统!D7`; a sheet name with spaces or punctuation is quoted as Excel does: `'Digital foundation'!D7`.
pub fn cell_ref(sheet: &str, row: u32, col: u32) -> String {
    format!("{}!{}{}", quote_sheet(sheet), column_letters(col), row + 1)
}

/// Column letters of a 0-based column: 0 → A, 25 → Z, 26 → AA.
pub fn column_letters(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        out.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

/// `YYYY-MM-DD` of a spreadsheet date serial (1900 system, or 1904 when `is_1904`).
pub fn date_from_serial(serial: f64, is_1904: bool) -> Option<String> {
    if !serial.is_finite() || !(0.0..3_000_000.0).contains(&serial) {
        return None;
    }
    // Serial 25569 is 1970-01-01 in the 1900 system (which counts a 29 February 1900 that never was).
    let days = serial.floor() as i64 + if is_1904 { 1462 } else { 0 } - 25569;
    let (y, m, d) = civil_from_days(days);
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// Today's date (UTC), `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days(i64::try_from(secs / 86_400).unwrap_or(0));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_count_like_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(3), "D");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn cell_references() {
        assert_eq!(cell_ref("设备系统", 6, 3), "设备系统!D7");
        assert_eq!(
            cell_ref("Digital foundation", 6, 3),
            "'Digital foundation'!D7"
        );
    }

    #[test]
    fn date_serials() {
        assert_eq!(date_from_serial(46154.0, false).unwrap(), "2026-05-12");
        assert_eq!(date_from_serial(25569.0, false).unwrap(), "1970-01-01");
        assert_eq!(date_from_serial(44692.0, true).unwrap(), "2026-05-12");
        assert!(date_from_serial(f64::NAN, false).is_none());
        assert!(date_from_serial(-3.0, false).is_none());
    }

    #[test]
    fn tickets_locate_diagnostics() {
        let mut places = Places::new("问卷.xlsx");
        let p = places.pos(Place::Cell {
            sheet: "设备系统".into(),
            row: 6,
            col: 3,
        });
        let d = places.locate(Diagnostic::error("x").in_file("问卷.xlsx").at(p));
        assert_eq!(d.location(), "问卷.xlsx:设备系统!D7");
        let mut csv = Places::new("b.csv");
        let p = csv.pos(Place::Field {
            line: 4,
            column: 9,
            header: None,
        });
        assert_eq!(
            csv.locate(Diagnostic::error("x").at(p)).location(),
            "b.csv:4:9"
        );
    }
}
