//! Diagnostics: stable codes, `file:line:col`, human and JSON output from the same data.

pub mod code;

use serde::Serialize;
use std::fmt::Write as _;

/// How serious a diagnostic is. Errors make the input invalid (exit status 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A place in a source file (1-based line and column, in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    pub const UNKNOWN: Pos = Pos { line: 0, column: 0 };

    /// Position of a value that serde-saphyr located.
    pub fn of(loc: serde_saphyr::Location) -> Pos {
        Pos {
            line: u32::try_from(loc.line()).unwrap_or(u32::MAX),
            column: u32::try_from(loc.column()).unwrap_or(u32::MAX),
        }
    }

    pub fn is_known(self) -> bool {
        self.line > 0
    }
}

/// Where a diagnostic points. JSON output tags it with `kind`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Location {
    /// Nothing to point at (a command-line argument).
    #[default]
    Nowhere,
    /// A file as a whole.
    File { file: String },
    /// A place in a text file (YAML, JSON); line and column 1-based, in characters.
    Text {
        file: String,
        line: u32,
        column: u32,
    },
    /// A workbook cell such as `D7`, or a whole sheet when `cell` is absent.
    Cell {
        file: String,
        sheet: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        cell: Option<String>,
    },
    /// A field of a delimited file: its 1-based line (row) and column, and the column's header.
    Field {
        file: String,
        line: u32,
        column: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        header: Option<String>,
    },
    /// A field of a web form page.
    Form { page: String, field: String },
}

impl Location {
    /// The file the location is in (empty when none).
    pub fn file(&self) -> &str {
        match self {
            Location::Nowhere | Location::Form { .. } => "",
            Location::File { file }
            | Location::Text { file, .. }
            | Location::Cell { file, .. }
            | Location::Field { file, .. } => file,
        }
    }

    /// Line and column in a text or delimited file; zero elsewhere.
    pub fn pos(&self) -> Pos {
        match *self {
            Location::Text { line, column, .. } | Location::Field { line, column, .. } => {
                Pos { line, column }
            }
            _ => Pos::UNKNOWN,
        }
    }
}

/// One problem found in an input file, with a stable kebab-case code and a hint on how to fix it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Boxed: most diagnostics travel in `Result`s, which stay small.
    pub location: Box<Location>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            help: None,
            location: Box::default(),
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// At a line and column of the diagnostic's text file (of its file when given before or after).
    pub fn at(mut self, pos: Pos) -> Self {
        let file = self.file().to_string();
        *self.location = if pos.is_known() {
            Location::Text {
                file,
                line: pos.line,
                column: pos.column,
            }
        } else if file.is_empty() {
            Location::Nowhere
        } else {
            Location::File { file }
        };
        self
    }

    /// In `file`: keeps a line and column already given.
    pub fn in_file(mut self, file: &str) -> Self {
        *self.location = match *self.location {
            Location::Text { line, column, .. } => Location::Text {
                file: file.to_string(),
                line,
                column,
            },
            _ => Location::File {
                file: file.to_string(),
            },
        };
        self
    }

    /// At `location`.
    pub fn located(mut self, location: Location) -> Self {
        *self.location = location;
        self
    }

    /// The file the diagnostic is in (empty when none).
    pub fn file(&self) -> &str {
        self.location.file()
    }

    /// The line in a text or delimited file; 0 elsewhere.
    pub fn line(&self) -> u32 {
        self.location.pos().line
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col`, `file:Sheet!D7`, a form field, or the file; leaving out what is unknown.
    pub fn location(&self) -> String {
        match &*self.location {
            Location::Nowhere => String::from("(command line)"),
            Location::File { file } => file.clone(),
            Location::Text { file, line, column }
            | Location::Field {
                file, line, column, ..
            } => {
                let file = if file.is_empty() { "<input>" } else { file };
                format!("{file}:{line}:{column}")
            }
            Location::Cell { file, sheet, cell } => {
                let sheet = quote_sheet(sheet);
                match cell {
                    Some(cell) => format!("{file}:{sheet}!{cell}"),
                    None => format!("{file}:{sheet}"),
                }
            }
            Location::Form { page, field } => format!("{page}#{field}"),
        }
    }

    /// Human form, rustc-like, with the source line and a caret when `source` is given.
    pub fn render(&self, source: Option<&str>) -> String {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut out = format!(
            "{kind}[{}]: {}\n  --> {}\n",
            self.code,
            self.message,
            self.location()
        );
        let Pos { line, column } = match *self.location {
            Location::Text { .. } => self.location.pos(),
            _ => Pos::UNKNOWN,
        };
        if let Some(text) = source.filter(|_| line > 0)
            && let Some(line_text) = text.lines().nth(line as usize - 1)
        {
            let number = line.to_string();
            let pad = " ".repeat(number.len());
            let line = line_text.trim_end_matches('\r');
            let caret_at: usize = line
                .chars()
                .take(column.saturating_sub(1) as usize)
                .map(display_width)
                .sum();
            let _ = writeln!(
                out,
                "{pad} |\n{number} | {line}\n{pad} | {}^",
                " ".repeat(caret_at)
            );
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "   = help: {help}");
        }
        out
    }
}

/// A sheet name as Excel writes it in a reference: quoted when it has spaces or punctuation.
pub fn quote_sheet(sheet: &str) -> String {
    let plain = sheet
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '.');
    if plain {
        sheet.to_string()
    } else {
        format!("'{}'", sheet.replace('\'', "''"))
    }
}

/// Terminal cells a character takes: CJK and full-width forms take two.
pub(crate) fn display_width(c: char) -> usize {
    match c as u32 {
        0x1100..=0x115F
        | 0x2E80..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

/// All diagnostics of a run, with the source texts needed to show them.
#[derive(Debug, Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    sources: Vec<(String, String)>,
}

impl Report {
    pub fn add_source(&mut self, file: &str, text: &str) {
        self.sources.push((file.to_string(), text.to_string()));
    }

    pub fn extend(&mut self, diags: impl IntoIterator<Item = Diagnostic>) {
        self.diagnostics.extend(diags);
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.diagnostics.len() - self.error_count()
    }

    /// Human output: every diagnostic, then a one-line tally.
    pub fn render_human(&self) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            let source = self
                .sources
                .iter()
                .find(|(f, _)| f == d.file())
                .map(|(_, t)| t.as_str());
            out.push_str(&d.render(source));
            out.push('\n');
        }
        if !self.diagnostics.is_empty() {
            let _ = writeln!(
                out,
                "{} error(s), {} warning(s)",
                self.error_count(),
                self.warning_count()
            );
        }
        out
    }

    /// JSON output: an array of diagnostics.
    pub fn render_json(&self) -> String {
        serde_json::to_string_pretty(&self.diagnostics).unwrap_or_else(|_| "[]".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_accounts_for_wide_characters() {
        let d = Diagnostic::error("x", "m")
            .in_file("a.yaml")
            .at(Pos { line: 1, column: 5 });
        let text = d.render(Some("名称: 值"));
        assert!(text.contains("1 | 名称: 值\n  |       ^"), "{text}");
    }

    #[test]
    fn location_forms() {
        let d = Diagnostic::error("x", "m");
        assert_eq!(d.location(), "(command line)");
        assert_eq!(d.clone().in_file("f").location(), "f");
        assert_eq!(
            d.in_file("f").at(Pos { line: 3, column: 4 }).location(),
            "f:3:4"
        );
    }
}
