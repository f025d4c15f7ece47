//! Diagnostics: stable codes, `file:line:col`, human and JSON output from the same data.

pub mod code;

use crate::text::{Lang, Text, tr};
use serde::Serialize;
use serde::ser::SerializeMap as _;
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

/// A value a message template fills in: as written, quoted, or a phrase in both languages.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// Shown as is (a file name, a number, a reason from a library).
    Plain(String),
    /// Something the user wrote or must write: “…” in Chinese, `…` in English.
    Quoted(String),
    /// A phrase in both languages (an item's title, a kind of value).
    Text(Text),
}

impl Arg {
    /// The value as shown in `lang`.
    pub fn get(&self, lang: Lang) -> String {
        match self {
            Arg::Plain(s) => s.clone(),
            Arg::Quoted(s) => match lang {
                Lang::Zh => format!("“{s}”"),
                Lang::En => format!("`{s}`"),
            },
            Arg::Text(t) => t.get(lang).to_string(),
        }
    }
}

impl Arg {
    /// A “did you mean” hint: the closest known name, else the allowed names (when any).
    pub fn suggestion<'a>(near: Option<&str>, allowed: impl IntoIterator<Item = &'a str>) -> Arg {
        let allowed: Vec<&str> = allowed.into_iter().collect();
        match near {
            Some(near) => Arg::Text(Text {
                zh: format!("是不是“{near}”？"),
                en: format!("did you mean `{near}`?"),
            }),
            None if allowed.is_empty() => Arg::Plain(String::new()),
            None => Arg::Text(Text {
                zh: format!("可用的有：{}", allowed.join("、")),
                en: format!("allowed: {}", allowed.join(", ")),
            }),
        }
    }

    /// Phrases in both languages, joined as each language writes lists.
    pub fn texts(texts: &[Text]) -> Arg {
        Arg::Text(Text {
            zh: texts
                .iter()
                .map(|t| t.get(Lang::Zh))
                .collect::<Vec<_>>()
                .join("、"),
            en: texts
                .iter()
                .map(|t| t.get(Lang::En))
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// A list of names, joined as each language writes lists.
    pub fn list<'a>(names: impl IntoIterator<Item = &'a str>) -> Arg {
        let names: Vec<&str> = names.into_iter().collect();
        Arg::Text(Text {
            zh: names.join("、"),
            en: names.join(", "),
        })
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Plain(s.to_string())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Plain(s)
    }
}

impl From<&String> for Arg {
    fn from(s: &String) -> Arg {
        Arg::Plain(s.clone())
    }
}

impl From<Text> for Arg {
    fn from(t: Text) -> Arg {
        Arg::Text(t)
    }
}

impl From<&Text> for Arg {
    fn from(t: &Text) -> Arg {
        Arg::Text(t.clone())
    }
}

macro_rules! arg_from_number {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Arg {
                Arg::Plain(n.to_string())
            }
        }
    )*};
}
arg_from_number!(u8, u32, u64, usize, i64);

impl From<f64> for Arg {
    fn from(n: f64) -> Arg {
        Arg::Plain(crate::text::format_number(n))
    }
}

/// One problem found in an input file: a stable kebab-case code, the named arguments its message
/// and help are filled with (the texts themselves are in the registry, `src/diag/codes.yaml`), and
/// where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    /// Which of the code's wordings (`variants` in the registry), when not its main one.
    pub variant: Option<&'static str>,
    /// Named arguments of the code's templates, in the order given.
    pub args: Vec<(&'static str, Arg)>,
    /// Boxed: most diagnostics travel in `Result`s, which stay small.
    pub location: Box<Location>,
}

impl Diagnostic {
    pub fn error(code: &'static str) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            variant: None,
            args: Vec::new(),
            location: Box::default(),
        }
    }

    pub fn warning(code: &'static str) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code)
        }
    }

    /// Worded as the registry's variant `name` of the code.
    pub fn variant(mut self, name: &'static str) -> Self {
        self.variant = Some(name);
        self
    }

    /// Fills `{name}` in the code's message and help with `value`.
    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    /// Fills `{name}` with text the user wrote or must write, quoted in the language shown.
    pub fn quoted(self, name: &'static str, value: impl Into<String>) -> Self {
        self.arg(name, Arg::Quoted(value.into()))
    }

    /// The argument `name` as given, if any.
    pub fn get_arg(&self, name: &str) -> Option<&Arg> {
        self.args.iter().find(|(n, _)| *n == name).map(|(_, a)| a)
    }

    /// The questionnaire item the problem is about (its id, the `item` argument), for links.
    pub fn item(&self) -> Option<&str> {
        match self.get_arg("item")? {
            Arg::Plain(s) | Arg::Quoted(s) => Some(s),
            Arg::Text(_) => None,
        }
    }

    /// The message in the process language.
    pub fn message(&self) -> String {
        self.message_in(Lang::ui())
    }

    /// The help in the process language, when the code has one.
    pub fn help(&self) -> Option<String> {
        self.help_in(Lang::ui())
    }

    /// The message in `lang`, from the registry's template for the code.
    pub fn message_in(&self, lang: Lang) -> String {
        let Some(entry) = code::registry().get(self.code) else {
            return self.code.to_string();
        };
        let variant = self.variant.and_then(|v| entry.variants.get(v));
        let template = variant.and_then(|v| v.message.as_ref());
        self.fill(template.unwrap_or(&entry.message).get(lang), lang)
    }

    /// The help in `lang`, in the route's own terms: the template for a workbook or CSV field when
    /// the diagnostic points at one, for a web form field when it is on a form, else the YAML one.
    pub fn help_in(&self, lang: Lang) -> Option<String> {
        self.help_on(lang, &self.location)
    }

    /// The help as a plain sentence, for the web form and the terminal, which ask for one field at
    /// a time (no YAML syntax, no cell references).
    pub fn help_as_sentence(&self, lang: Lang) -> Option<String> {
        let form = Location::Form {
            page: String::new(),
            field: String::new(),
        };
        self.help_on(lang, &form)
    }

    fn help_on(&self, lang: Lang, location: &Location) -> Option<String> {
        let entry = code::registry().get(self.code)?;
        let variant = self.variant.and_then(|v| entry.variants.get(v));
        let pick = |sheet: Option<&'static Text>, form: Option<&'static Text>| match location {
            Location::Cell { .. } | Location::Field { .. } => sheet,
            Location::Form { .. } => form,
            _ => None,
        };
        let template = variant
            .and_then(|v| pick(v.help_sheet.as_ref(), v.help_form.as_ref()))
            .or_else(|| variant.and_then(|v| v.help.as_ref()))
            .or_else(|| pick(entry.help_sheet.as_ref(), entry.help_form.as_ref()))
            .unwrap_or(&entry.help);
        Some(self.fill(template.get(lang), lang)).filter(|h| !h.is_empty())
    }

    /// The template with every `{name}` replaced by its argument; `{place}` is where the diagnostic
    /// points in words (“单元格 D37”). A name without an argument stays as written (tests catch it).
    fn fill(&self, template: &str, lang: Lang) -> String {
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let name = after
                .split_once('}')
                .map(|(n, _)| n)
                .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            match name {
                Some(name) => {
                    let value = match self.get_arg(name) {
                        Some(a) => a.get(lang),
                        None if name == "place" => self.place(lang),
                        None => format!("{{{name}}}"),
                    };
                    out.push_str(&value);
                    rest = &after[name.len() + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        match lang {
            Lang::Zh => tighten_quotes(&out),
            Lang::En => out,
        }
    }

    /// Where the diagnostic points, in words: “工作表“设备系统”的 D37 单元格”, “第 4 行“员工人数”列”, “第 3 行”.
    pub fn place(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match &*self.location {
            Location::Cell {
                sheet,
                cell: Some(cell),
                ..
            } => match zh {
                true => format!("工作表“{sheet}”的 {cell} 单元格"),
                false => format!("cell {cell} of sheet “{sheet}”"),
            },
            Location::Cell { sheet, .. } => match zh {
                true => format!("工作表“{sheet}”"),
                false => format!("sheet “{sheet}”"),
            },
            Location::Field {
                line,
                header: Some(h),
                ..
            } => match zh {
                true => format!("第 {line} 行的“{h}”列"),
                false => format!("column “{h}” of row {line}"),
            },
            Location::Field { line, column, .. } => match zh {
                true => format!("第 {line} 行第 {column} 列"),
                false => format!("row {line}, column {column}"),
            },
            Location::Text { line, .. } => match zh {
                true => format!("第 {line} 行"),
                false => format!("line {line}"),
            },
            Location::Form { .. } => tr(lang, "这一项", "this field").to_string(),
            Location::File { file } => file.clone(),
            Location::Nowhere => tr(lang, "命令行", "the command line").to_string(),
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

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col`, `file:Sheet!D7`, a form field, or the file; leaving out what is unknown.
    pub fn location(&self) -> String {
        self.location_in(Lang::ui())
    }

    /// [`Diagnostic::location`] in `lang`.
    pub fn location_in(&self, lang: Lang) -> String {
        match &*self.location {
            Location::Nowhere => tr(lang, "（命令行）", "(command line)").to_string(),
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
        self.render_in(source, Lang::ui())
    }

    /// [`Diagnostic::render`] in `lang`.
    pub fn render_in(&self, source: Option<&str>, lang: Lang) -> String {
        let kind = match self.severity {
            Severity::Error => tr(lang, "错误", "error"),
            Severity::Warning => tr(lang, "警告", "warning"),
        };
        let mut out = format!(
            "{kind}[{}]: {}\n  --> {}\n",
            self.code,
            self.message_in(lang),
            self.location_in(lang)
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
        if let Some(help) = self.help_in(lang) {
            let _ = writeln!(out, "   = {}{help}", tr(lang, "提示：", "help: "));
        }
        out
    }
}

/// Chinese sets no space between a quoted value and the words around it: `代码 “X” 有误` is
/// written `代码“X”有误` (a space stays next to Latin letters and digits).
fn tighten_quotes(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let wide = |c: Option<&char>| c.is_some_and(|c| !c.is_ascii());
    chars
        .iter()
        .enumerate()
        .filter(|&(i, &c)| {
            let (before, after) = (
                i.checked_sub(1).and_then(|j| chars.get(j)),
                chars.get(i + 1),
            );
            let drop = c == ' '
                && ((after == Some(&'“') && wide(before)) || (before == Some(&'”') && wide(after)));
            !drop
        })
        .map(|(_, c)| *c)
        .collect()
}

/// JSON form: `severity`, `code`, `message` and `help` in the process language, `location`, and
/// `args` (each argument as shown in that language), so a program can use the parts.
impl Serialize for Diagnostic {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let lang = Lang::ui();
        let help = self.help_in(lang);
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("severity", &self.severity)?;
        map.serialize_entry("code", self.code)?;
        map.serialize_entry("message", &self.message_in(lang))?;
        if let Some(help) = &help {
            map.serialize_entry("help", help)?;
        }
        map.serialize_entry("location", &*self.location)?;
        if !self.args.is_empty() {
            let args: serde_json::Map<String, serde_json::Value> = self
                .args
                .iter()
                .map(|(n, a)| {
                    let value = match a {
                        Arg::Quoted(s) => s.clone(),
                        a => a.get(lang),
                    };
                    (n.to_string(), serde_json::Value::String(value))
                })
                .collect();
            map.serialize_entry("args", &args)?;
        }
        map.end()
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
        self.render_human_in(Lang::ui())
    }

    /// [`Report::render_human`] in `lang`.
    pub fn render_human_in(&self, lang: Lang) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            let source = self
                .sources
                .iter()
                .find(|(f, _)| f == d.file())
                .map(|(_, t)| t.as_str());
            out.push_str(&d.render_in(source, lang));
            out.push('\n');
        }
        if !self.diagnostics.is_empty() {
            let (errors, warnings) = (self.error_count(), self.warning_count());
            let _ = match lang {
                Lang::Zh => writeln!(out, "{errors} 个错误，{warnings} 个警告"),
                Lang::En => writeln!(out, "{errors} error(s), {warnings} warning(s)"),
            };
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
        let d = Diagnostic::error("x")
            .in_file("a.yaml")
            .at(Pos { line: 1, column: 5 });
        let text = d.render_in(Some("名称: 值"), Lang::En);
        assert!(text.contains("1 | 名称: 值\n  |       ^"), "{text}");
    }

    #[test]
    fn location_forms() {
        let d = Diagnostic::error("x");
        assert_eq!(d.location_in(Lang::En), "(command line)");
        assert_eq!(d.clone().in_file("f").location(), "f");
        assert_eq!(
            d.in_file("f").at(Pos { line: 3, column: 4 }).location(),
            "f:3:4"
        );
    }
}
