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

/// One problem found in an input file, with a stable kebab-case code and a hint on how to fix it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            help: None,
            file: String::new(),
            line: 0,
            column: 0,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn at(mut self, pos: Pos) -> Self {
        self.line = pos.line;
        self.column = pos.column;
        self
    }

    pub fn in_file(mut self, file: &str) -> Self {
        self.file = file.to_string();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col`, leaving out what is unknown.
    pub fn location(&self) -> String {
        match (self.file.is_empty(), self.line) {
            (true, 0) => String::from("(command line)"),
            (false, 0) => self.file.clone(),
            (true, _) => format!("<input>:{}:{}", self.line, self.column),
            (false, _) => format!("{}:{}:{}", self.file, self.line, self.column),
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
        if let Some(text) = source.filter(|_| self.line > 0)
            && let Some(line) = text.lines().nth(self.line as usize - 1)
        {
            let number = self.line.to_string();
            let pad = " ".repeat(number.len());
            let line = line.trim_end_matches('\r');
            let caret_at: usize = line
                .chars()
                .take(self.column.saturating_sub(1) as usize)
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
                .find(|(f, _)| *f == d.file)
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
