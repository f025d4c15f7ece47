//! Diagnostics: stable codes, `file:line:col`, human and JSON output from the same data.

pub mod code;

use crate::text::{Lang, Text, tr};
use serde::Serialize;
use serde::ser::SerializeMap as _;
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

/// A line and column of a text file whose name is given later ([`Diagnostic::in_file`]); an unknown
/// position is no place at all.
impl From<Pos> for Location {
    fn from(pos: Pos) -> Location {
        if pos.is_known() {
            Location::Text {
                file: String::new(),
                line: pos.line,
                column: pos.column,
            }
        } else {
            Location::Nowhere
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
    /// a time (no YAML syntax, no cell references: a value quoted in English is in “ ”, not in
    /// backticks).
    pub fn help_as_sentence(&self, lang: Lang) -> Option<String> {
        let form = Location::Form {
            page: String::new(),
            field: String::new(),
        };
        let mut help = self.help_on(lang, &form)?;
        let mut open = true;
        while let Some(at) = help.find('`') {
            help.replace_range(at..at + 1, if open { "“" } else { "”" });
            open = !open;
        }
        Some(help)
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

    /// At `place`: a line and column of the diagnostic's text file, or a location such as a
    /// workbook cell; in the diagnostic's file (given before or after) unless the place names one.
    pub fn at(mut self, place: impl Into<Location>) -> Self {
        let file = self.file().to_string();
        *self.location = place.into();
        if self.file().is_empty() && !file.is_empty() {
            self = self.in_file(&file);
        }
        self
    }

    /// In `file`: keeps a line and column, a cell or a field already given.
    pub fn in_file(mut self, file: &str) -> Self {
        let name = file.to_string();
        match &mut *self.location {
            Location::Text { file, .. }
            | Location::Cell { file, .. }
            | Location::Field { file, .. } => {
                *file = name;
            }
            other => *other = Location::File { file: name },
        }
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
        let line = self.location.pos().line;
        let line_text = source
            .filter(|_| line > 0)
            .and_then(|text| LineIndex::new(text).line(line));
        self.render_with_line_in(line_text, lang)
    }

    /// Human form with `line_text`, the diagnostic's source line when known, cut to a window
    /// around the column so that a long line is not repeated whole.
    pub fn render_with_line_in(&self, line_text: Option<&str>, lang: Lang) -> String {
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
        if let Some(help) = self.help_in(lang) {
            let _ = writeln!(out, "   = {}{help}", tr(lang, "提示：", "help: "));
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
        self.render_human_in(Lang::ui())
    }

    /// [`Report::render_human`] in `lang`.
    pub fn render_human_in(&self, lang: Lang) -> String {
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
            out.push_str(&d.render_with_line_in(line, lang));
            out.push('\n');
        }
        for (file, k) in &left_out {
            let _ = writeln!(out, "{}\n", left_out_line(file, *k, lang));
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

    /// JSON output: an array of the diagnostics shown, at most [`max_per_file`] per file; for a
    /// file with more, a last entry `more-diagnostics` says how many were left out.
    pub fn render_json(&self) -> String {
        let (mut shown, left_out) = self.shown();
        let more: Vec<Diagnostic> = left_out
            .iter()
            .map(|(file, k)| {
                let d = Diagnostic::warning("more-diagnostics")
                    .arg("file", shown_file(file))
                    .arg("count", *k)
                    .arg("max", max_per_file());
                if file.is_empty() { d } else { d.in_file(file) }
            })
            .collect();
        shown.extend(&more);
        serde_json::to_string_pretty(&shown).unwrap_or_else(|_| "[]".into())
    }
}

/// The file named in `… and K more`: the command line when the diagnostics name no file.
fn shown_file(file: &str) -> &str {
    if file.is_empty() {
        "(command line)"
    } else {
        file
    }
}

/// `… and K more` for a file whose diagnostics were cut, in `lang` (the registry's `more-diagnostics`).
fn left_out_line(file: &str, k: usize, lang: Lang) -> String {
    Diagnostic::warning("more-diagnostics")
        .arg("file", shown_file(file))
        .arg("count", k)
        .arg("max", max_per_file())
        .message_in(lang)
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
            Diagnostic::error("unknown-item")
                .quoted("item", format!("item{i}"))
                .in_file("a.yaml")
                .at(Pos { line: i, column: 1 })
        }));
        report.extend([Diagnostic::warning("unknown-item")
            .quoted("item", "other")
            .in_file("b.yaml")]);
        let out = report.render_human_in(Lang::En);
        assert_eq!(
            out.matches("error[unknown-item]").count(),
            DEFAULT_MAX_PER_FILE
        );
        assert!(out.contains("300"), "{out}");
        assert!(out.contains("200 | k199: v"), "{out}");
        assert!(out.contains("warning[unknown-item]"), "{out}");
        assert!(out.ends_with("500 error(s), 1 warning(s)\n"), "{out}");
        let json: serde_json::Value = serde_json::from_str(&report.render_json()).unwrap();
        let json = json.as_array().unwrap();
        assert_eq!(json.len(), DEFAULT_MAX_PER_FILE + 2);
        assert_eq!(json.last().unwrap()["code"], "more-diagnostics");
        assert_eq!(json.last().unwrap()["location"]["file"], "a.yaml");
    }
}
