//! Diagnostics: stable codes, `file:line:col`, human and JSON output from the same data.

pub mod code;

use serde::Serialize;
use std::collections::HashMap;
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
        let line = self.location.pos().line;
        let line_text = source
            .filter(|_| line > 0)
            .and_then(|text| text.lines().nth(line as usize - 1));
        self.render_with_line(line_text)
    }

    /// Human form with `line_text`, the diagnostic's source line when known, cut to a window
    /// around the column so that a long line is not repeated whole.
    pub fn render_with_line(&self, line_text: Option<&str>) -> String {
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
        if let Some(line_text) = line_text.filter(|_| line > 0) {
            let number = line.to_string();
            let pad = " ".repeat(number.len());
            let (shown, caret_at) = source_window(line_text.trim_end_matches('\r'), column);
            let _ = writeln!(
                out,
                "{pad} |\n{number} | {shown}\n{pad} | {}^",
                " ".repeat(caret_at)
            );
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "   = help: {help}");
        }
        out
    }
}

/// Characters of a source line shown on each side of the column a diagnostic points at.
const WINDOW_CHARS: usize = 60;

/// The part of `line` shown under a diagnostic: at most [`WINDOW_CHARS`] characters either side
/// of `column` (1-based, in characters), with `…` where it was cut; and the terminal cells before
/// the caret.
fn source_window(line: &str, column: u32) -> (String, usize) {
    let at = column.saturating_sub(1) as usize;
    let from = at.saturating_sub(WINDOW_CHARS);
    let mut shown = String::new();
    let mut caret_at = 0;
    if from > 0 {
        shown.push('…');
        caret_at += 1;
    }
    let mut chars = line.chars().skip(from);
    for (i, c) in chars.by_ref().take(at - from + WINDOW_CHARS).enumerate() {
        if i < at - from {
            caret_at += display_width(c);
        }
        shown.push(c);
    }
    if chars.next().is_some() {
        shown.push('…');
    }
    (shown, caret_at)
}

/// Where each line of a text starts, built once per file so that quoting the line of every
/// diagnostic costs a lookup, not a scan of the text.
#[derive(Debug)]
pub struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str) -> LineIndex<'t> {
        let mut starts = Vec::new();
        if !text.is_empty() {
            starts.push(0);
            starts.extend(
                text.bytes()
                    .enumerate()
                    .filter(|&(i, b)| b == b'\n' && i + 1 < text.len())
                    .map(|(i, _)| i + 1),
            );
        }
        LineIndex { text, starts }
    }

    /// Line `line` (1-based) without its line break, as `str::lines` gives it.
    pub fn line(&self, line: u32) -> Option<&'t str> {
        let i = (line as usize).checked_sub(1)?;
        let start = *self.starts.get(i)?;
        let end = self.starts.get(i + 1).map_or(self.text.len(), |&e| e - 1);
        let text = &self.text[start..end];
        let text = text.strip_suffix('\n').unwrap_or(text);
        Some(text.strip_suffix('\r').unwrap_or(text))
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

/// Diagnostics shown per file unless the command line says otherwise (`--max-diagnostics`).
pub const DEFAULT_MAX_PER_FILE: usize = 200;

static MAX_PER_FILE: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(DEFAULT_MAX_PER_FILE);

/// Show at most `n` diagnostics per file from now on (0: no limit); the rest are counted.
pub fn set_max_per_file(n: usize) {
    MAX_PER_FILE.store(n, std::sync::atomic::Ordering::Relaxed);
}

/// Diagnostics shown per file; the rest are counted in one line (`… and K more`).
pub fn max_per_file() -> usize {
    match MAX_PER_FILE.load(std::sync::atomic::Ordering::Relaxed) {
        0 => usize::MAX,
        n => n,
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

    /// The diagnostics shown, at most [`max_per_file`] per file in the order found, and per file
    /// whose diagnostics were cut, the number left out.
    fn shown(&self) -> (Vec<&Diagnostic>, Vec<(&str, usize)>) {
        let max = max_per_file();
        let mut per_file: HashMap<&str, usize> = HashMap::new();
        let mut shown = Vec::new();
        let mut order: Vec<&str> = Vec::new();
        for d in &self.diagnostics {
            let n = per_file.entry(d.file()).or_insert_with(|| {
                order.push(d.file());
                0
            });
            *n += 1;
            if *n <= max {
                shown.push(d);
            }
        }
        let left_out = order
            .into_iter()
            .filter_map(|f| Some((f, per_file[f].checked_sub(max).filter(|k| *k > 0)?)))
            .collect();
        (shown, left_out)
    }

    /// Human output: the diagnostics (at most [`max_per_file`] per file, then how many more), then
    /// a one-line tally of all of them. Each file's lines are indexed once.
    pub fn render_human(&self) -> String {
        let mut out = String::new();
        let mut indexes: HashMap<&str, LineIndex> = HashMap::new();
        for (file, text) in &self.sources {
            indexes
                .entry(file.as_str())
                .or_insert_with(|| LineIndex::new(text));
        }
        let (shown, left_out) = self.shown();
        for d in shown {
            let line = match *d.location {
                Location::Text { line, .. } => {
                    indexes.get(d.file()).and_then(|index| index.line(line))
                }
                _ => None,
            };
            out.push_str(&d.render_with_line(line));
            out.push('\n');
        }
        for (file, k) in &left_out {
            let _ = writeln!(out, "{}\n", left_out_line(file, *k));
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

    /// JSON output: an array of the diagnostics shown, at most [`max_per_file`] per file; for a
    /// file with more, a last entry `more-diagnostics` says how many were left out.
    pub fn render_json(&self) -> String {
        let (mut shown, left_out) = self.shown();
        let more: Vec<Diagnostic> = left_out
            .iter()
            .map(|(file, k)| {
                let d = Diagnostic::warning("more-diagnostics", left_out_line(file, *k))
                    .help("fix the problems shown and run again, or raise --max-diagnostics");
                if file.is_empty() { d } else { d.in_file(file) }
            })
            .collect();
        shown.extend(&more);
        serde_json::to_string_pretty(&shown).unwrap_or_else(|_| "[]".into())
    }
}

/// `… and K more` for a file whose diagnostics were cut.
fn left_out_line(file: &str, k: usize) -> String {
    let max = max_per_file();
    let file = if file.is_empty() {
        "(command line)"
    } else {
        file
    };
    match crate::text::Lang::ui() {
        crate::text::Lang::Zh => format!(
            "…… {file} 还有 {k} 条诊断未显示（每个文件最多显示 {max} 条；--max-diagnostics 可调整）"
        ),
        crate::text::Lang::En => format!(
            "… and {k} more diagnostic(s) in {file} (at most {max} are shown per file; --max-diagnostics changes it)"
        ),
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

    #[test]
    fn line_index_gives_the_lines_str_lines_gives() {
        for text in [
            "",
            "a",
            "a\n",
            "a\r\nb",
            "a\n\nb\n",
            "\n",
            "名称: 值\r\n  x: 1\n",
        ] {
            let index = LineIndex::new(text);
            let expected: Vec<&str> = text.lines().collect();
            for n in 1..=expected.len() + 1 {
                assert_eq!(
                    index.line(n as u32),
                    expected.get(n - 1).copied(),
                    "line {n} of {text:?}"
                );
            }
            assert_eq!(index.line(0), None);
        }
    }

    #[test]
    fn a_long_line_is_cut_to_a_window_around_the_column() {
        let line: String = (0..1000)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let (shown, caret_at) = source_window(&line, 501);
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert_eq!(shown.chars().count(), 2 * WINDOW_CHARS + 2);
        // The caret is under the character at column 501.
        assert_eq!(shown.chars().nth(caret_at), line.chars().nth(500));
        // A short line is shown whole.
        assert_eq!(source_window("名称: 值", 5), ("名称: 值".to_string(), 6));
    }

    #[test]
    fn each_file_shows_at_most_the_cap_then_how_many_more() {
        let mut report = Report::default();
        let text: String = (0..500).map(|i| format!("k{i}: v\n")).collect();
        report.add_source("a.yaml", &text);
        report.extend((1..=500).map(|i| {
            Diagnostic::error("unknown-item", format!("item {i}"))
                .in_file("a.yaml")
                .at(Pos { line: i, column: 1 })
        }));
        report.extend([Diagnostic::warning("unknown-item", "other").in_file("b.yaml")]);
        let out = report.render_human();
        assert_eq!(
            out.matches("error[unknown-item]").count(),
            DEFAULT_MAX_PER_FILE
        );
        assert!(out.contains("300"), "{out}");
        assert!(out.contains("200 | k199: v"), "{out}");
        assert!(out.contains("warning[unknown-item]: other"), "{out}");
        assert!(out.ends_with("500 error(s), 1 warning(s)\n"), "{out}");
        let json: serde_json::Value = serde_json::from_str(&report.render_json()).unwrap();
        let json = json.as_array().unwrap();
        assert_eq!(json.len(), DEFAULT_MAX_PER_FILE + 2);
        assert_eq!(json.last().unwrap()["code"], "more-diagnostics");
        assert_eq!(json.last().unwrap()["location"]["file"], "a.yaml");
    }
}
