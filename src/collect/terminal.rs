//! The guided terminal questionnaire behind `smedx assess`: the profile, then item by item with
//! progress (`12/41`), help and evidence on request (`?`), back (`<`), items that do not apply to
//! the firm skipped, a review at the end. Region and industry are found by name (`? 瑞安`), and the
//! region inside the 统一社会信用代码 is offered as the default. Line-based, so it works in any
//! terminal, over SSH and with screen readers.
//!
//! Every answer goes through the same path as a workbook cell (a [`Record`] → the value tree →
//! the sheet checker), so the terminal accepts exactly what the files accept. The progress file is
//! an answer sheet written after every answer (to a temporary file, then renamed), so Ctrl-C or a
//! closed terminal loses nothing and `--resume` continues from it.

use super::answer_yaml;
use super::cells::{CellValue, Place, today};
use super::flat::{Column, Record};
use crate::answers::{Answer, AnswerSheet, AnswerValue, check_sheet, load_sheet};
use crate::answers::{FieldKind, names, profile_fields};
use crate::diag::Diagnostic;
use crate::model::item::{Input, Words, na_word};
use crate::model::{Item, ItemSpec, Model, WrittenValue};
use crate::source_file::SourceFile;
use crate::text::{Lang, tr};
use crate::yaml_value::{Node, Value, format_number};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// How a session ended.
#[derive(Debug)]
pub enum Ending {
    /// Every applicable item answered, reviewed and checked; the file holds the final sheet.
    Done(Box<AnswerSheet>),
    /// Input ended or the user quit; the progress file holds what was answered.
    Stopped,
}

/// Why a progress file cannot be resumed.
#[derive(Debug)]
pub struct ResumeError(pub Vec<Diagnostic>);

/// A questionnaire session over any input and output (a terminal in the binary, buffers in tests).
pub struct Session<'a, R, W> {
    model: &'a Model,
    /// The model with every item optional, to check answers one at a time.
    lenient: Model,
    lang: Lang,
    input: R,
    out: W,
    path: PathBuf,
    /// Profile fields as typed, by key.
    profile: BTreeMap<&'static str, String>,
    answers: BTreeMap<String, Answer>,
}

/// The answer a person gave, before it is checked.
enum Reply {
    Text(String),
    Back,
    Help,
    Quit,
    Keep,
}

/// Why the questionnaire stopped before the end.
enum Halt {
    /// The input ended (Ctrl-D, a closed terminal) or the person quit.
    Eof,
    /// Reading or writing failed.
    Io(std::io::Error),
}

impl From<std::io::Error> for Halt {
    fn from(e: std::io::Error) -> Halt {
        Halt::Io(e)
    }
}

impl<'a, R: BufRead, W: Write> Session<'a, R, W> {
    /// A new session saving to `path`.
    pub fn new(model: &'a Model, lang: Lang, input: R, out: W, path: &Path) -> Self {
        let mut lenient = model.clone();
        for item in &mut lenient.items {
            item.required = false;
        }
        Session {
            model,
            lenient,
            lang,
            input,
            out,
            path: path.to_path_buf(),
            profile: BTreeMap::new(),
            answers: BTreeMap::new(),
        }
    }

    fn t(&self, zh: &'static str, en: &'static str) -> &'static str {
        tr(self.lang, zh, en)
    }

    /// Continue from a progress file (or any answer sheet): valid answers are kept, others asked again.
    pub fn resume(&mut self, file: &Path) -> Result<usize, ResumeError> {
        let source = SourceFile::read(file).map_err(|d| ResumeError(vec![d]))?;
        let node = load_sheet(&source).map_err(|d| ResumeError(vec![d]))?;
        if let Some(Node {
            value: Value::Map(entries),
            ..
        }) = node.get("profile")
        {
            for (k, v) in entries {
                let Some(field) = profile_fields().iter().find(|f| f.id == k.name) else {
                    continue;
                };
                let text = match &v.value {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => format_number(*n),
                    Value::Bool(b) => (if *b { "yes" } else { "no" }).to_string(),
                    Value::List(items) => items
                        .iter()
                        .filter_map(|i| i.value.as_text())
                        .collect::<Vec<_>>()
                        .join("、"),
                    _ => continue,
                };
                if !text.trim().is_empty()
                    && self.check_profile_field(field.id.as_str(), &text).is_ok()
                {
                    self.profile.insert(field.id.as_str(), text);
                }
            }
        }
        let mut dropped = Vec::new();
        if let Some(Node {
            value: Value::Map(entries),
            ..
        }) = node.get("answers")
        {
            for (k, v) in entries {
                if v.value == Value::Null || self.model.item(&k.name).is_none() {
                    continue;
                }
                let sheet = Node {
                    pos: node.pos,
                    value: Value::Map(vec![
                        (key("profile"), self.profile_node()),
                        (
                            key("answers"),
                            Node {
                                pos: v.pos,
                                value: Value::Map(vec![(k.clone(), v.clone())]),
                            },
                        ),
                    ]),
                };
                let checked = check_sheet(&self.lenient, &sheet, &source);
                match checked.sheet.and_then(|s| s.answers.get(&k.name).cloned()) {
                    Some(a) => {
                        self.answers.insert(k.name.clone(), a);
                    }
                    None => {
                        dropped.extend(checked.diagnostics.into_iter().filter(|d| d.is_error()))
                    }
                }
            }
        }
        if !dropped.is_empty() {
            let _ = writeln!(
                self.out,
                "{}",
                self.t(
                    "以下答案有误，将重新询问：",
                    "These answers have errors and will be asked again:"
                )
            );
            for d in &dropped {
                let (at, message) = (d.location_in(self.lang), d.message_in(self.lang));
                let _ = writeln!(self.out, "  {at}: {message}");
            }
        }
        Ok(self.answers.len())
    }

    /// Run to the end, or until the input ends.
    pub fn run(&mut self) -> std::io::Result<Ending> {
        match self.run_inner() {
            Ok(ending) => Ok(ending),
            Err(Halt::Eof) => {
                self.save()?;
                Ok(Ending::Stopped)
            }
            Err(Halt::Io(e)) => Err(e),
        }
    }

    fn run_inner(&mut self) -> Result<Ending, Halt> {
        let names_missing = !self.profile.contains_key("name");
        if names_missing {
            self.ask_profile()?;
        }
        loop {
            let order = self.applicable();
            self.show_skipped(&order)?;
            let mut at = order
                .iter()
                .position(|&i| !self.answers.contains_key(&self.model.items[i].id));
            while let Some(k) = at {
                match self.ask_item(order[k], k, order.len())? {
                    Step::Next => {
                        at = (k + 1..order.len())
                            .find(|&j| !self.answers.contains_key(&self.model.items[order[j]].id))
                            .or_else(|| {
                                (0..order.len()).find(|&j| {
                                    let item = &self.model.items[order[j]];
                                    item.required && !self.answers.contains_key(&item.id)
                                })
                            });
                    }
                    Step::Back => at = Some(k.saturating_sub(1)),
                    Step::Quit => {
                        self.save()?;
                        return Ok(Ending::Stopped);
                    }
                }
            }
            match self.review(&order)? {
                Some(sheet) => return Ok(Ending::Done(Box::new(sheet))),
                None => continue,
            }
        }
    }

    fn read_line(&mut self) -> Result<String, Halt> {
        self.out.flush()?;
        let mut line = String::new();
        match self.input.read_line(&mut line) {
            Ok(0) => Err(Halt::Eof),
            Ok(_) => Ok(line.trim().to_string()),
            Err(e) => Err(Halt::Io(e)),
        }
    }

    fn reply(&mut self) -> Result<Reply, Halt> {
        let line = self.read_line()?;
        Ok(match line.as_str() {
            "" => Reply::Keep,
            "?" | "？" => Reply::Help,
            "<" | "《" => Reply::Back,
            "q" | "Q" | "退出" => Reply::Quit,
            _ => Reply::Text(line),
        })
    }

    /// Write the progress file: to a temporary file, then renamed over the old one.
    pub fn save(&self) -> std::io::Result<()> {
        let text = self.progress_yaml();
        let tmp = self.path.with_extension("yaml.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, &self.path)
    }

    fn progress_yaml(&self) -> String {
        let mut out = format!(
            "# smedx assess: {} {}/{}.\n# {} smedx assess --resume {}\n",
            self.t("进度", "progress"),
            self.answers.len(),
            self.applicable().len(),
            self.t("继续：", "Continue with:"),
            self.path.display()
        );
        out.push_str(&format!(
            "model: {}\nmodel_version: {:?}\nprofile:\n",
            self.model.id, self.model.version
        ));
        for field in profile_fields() {
            let Some(text) = self.profile.get(field.id.as_str()) else {
                continue;
            };
            let value = match field.kind {
                FieldKind::Number => match text.trim().parse::<f64>() {
                    Ok(n) if n.is_finite() => format_number(n),
                    _ => quoted(text),
                },
                FieldKind::List => format!(
                    "[{}]",
                    super::flat::split_list(text)
                        .iter()
                        .map(|s| quoted(s))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                FieldKind::Flag => (super::flat::tick_word(text) == Some(true)).to_string(),
                _ => quoted(text),
            };
            out.push_str(&format!("  {}: {value}\n", field.id.as_str()));
        }
        out.push_str("answers:\n");
        for item in &self.model.items {
            if let Some(a) = self.answers.get(&item.id) {
                out.push_str(&format!(
                    "  {}: {}\n",
                    item.id,
                    answer_yaml::answer_yaml(item, a)
                ));
            }
        }
        out
    }

    /// The profile as a value tree, positions unknown.
    fn profile_node(&self) -> Node {
        let mut record = Record::new(Place::File);
        let has_name = self.profile.contains_key("name");
        if !has_name {
            record.push(Column::Profile(0), CellValue::Text("-".into()), Place::File);
        }
        for (f, field) in profile_fields().iter().enumerate() {
            if let Some(text) = self.profile.get(field.id.as_str()) {
                record.push(Column::Profile(f), CellValue::text(text), Place::File);
            }
        }
        let mut places = super::cells::Places::new("");
        let (node, _) = super::flat::record_to_node(&self.lenient, &record, &mut places);
        let mut profile = node.get("profile").cloned().unwrap_or(Node {
            pos: crate::diag::Pos::UNKNOWN,
            value: Value::Map(Vec::new()),
        });
        strip_positions(&mut profile);
        profile
    }

    /// The profile so far with `key` set to `text`, checked: the problems of that field.
    fn check_profile_field(
        &self,
        key: &'static str,
        text: &str,
    ) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
        let mut record = Record::new(Place::line(9));
        let mut fields: BTreeMap<&'static str, String> = self.profile.clone();
        fields.insert(key, text.to_string());
        if !fields.contains_key("name") {
            fields.insert("name", "-".into());
        }
        for (f, field) in profile_fields().iter().enumerate() {
            if let Some(t) = fields.get(field.id.as_str()) {
                let line = if field.id.as_str() == key { 2 } else { 1 };
                record.push(Column::Profile(f), CellValue::text(t), Place::line(line));
            }
        }
        let checked = super::check_record(&self.lenient, &record, "");
        // Warnings about other fields (no industry yet, size not derivable yet) wait for the summary.
        let mine: Vec<Diagnostic> = checked
            .diagnostics
            .into_iter()
            .filter(|d| {
                d.line() == 2
                    && (d.is_error() || !matches!(d.code, "missing-field" | "size-unknown"))
            })
            .collect();
        if mine.iter().any(Diagnostic::is_error) {
            Err(mine)
        } else {
            Ok(mine)
        }
    }

    /// Check one item's answer with the profile: the answer, or the problems.
    fn check_answer(
        &self,
        i: usize,
        cells: Vec<(Column, CellValue)>,
    ) -> Result<(Option<Answer>, Vec<Diagnostic>), Vec<Diagnostic>> {
        let mut record = Record::new(Place::line(9));
        for (f, field) in profile_fields().iter().enumerate() {
            if let Some(t) = self.profile.get(field.id.as_str()) {
                record.push(Column::Profile(f), CellValue::text(t), Place::line(1));
            }
        }
        for (c, v) in cells {
            record.push(c, v, Place::line(2));
        }
        let checked = super::check_record(&self.lenient, &record, "");
        let mine: Vec<Diagnostic> = checked
            .diagnostics
            .into_iter()
            .filter(|d| d.line() == 2)
            .collect();
        if mine.iter().any(Diagnostic::is_error) {
            return Err(mine);
        }
        let answer = checked
            .sheet
            .and_then(|s| s.answers.get(&self.model.items[i].id).cloned());
        Ok((answer, mine))
    }

    fn show_problems(&mut self, diags: &[Diagnostic]) -> std::io::Result<()> {
        for d in diags {
            let mark = if d.is_error() { "✗" } else { "!" };
            writeln!(self.out, "  {mark} {}", d.message_in(self.lang))?;
            if let Some(h) = d.help_as_sentence(self.lang) {
                writeln!(self.out, "    {h}")?;
            }
        }
        Ok(())
    }

    fn ask_profile(&mut self) -> Result<(), Halt> {
        writeln!(
            self.out,
            "\n{}",
            self.t("== 企业信息 ==", "== Enterprise profile ==")
        )?;
        writeln!(
            self.out,
            "{}",
            self.t(
                "（回车保留方括号中的值或跳过选填项；q 保存并退出）",
                "(Enter keeps the value in brackets or skips an optional field; q saves and quits)"
            )
        )?;
        if !self.profile.contains_key("assessed_on") {
            self.profile.insert("assessed_on", today());
        }
        for field in profile_fields().iter().filter(|f| f.asked) {
            let id = field.id.as_str();
            loop {
                let current = self.profile.get(id).cloned();
                // The region inside the 统一社会信用代码, offered until a region is set.
                let suggested = current.is_none().then(|| self.suggested(id)).flatten();
                let required = field.required;
                for (n, w) in field.choices().iter().enumerate() {
                    write!(self.out, "  {}. {}", n + 1, w.title.get(self.lang))?;
                }
                if !field.choices().is_empty() {
                    writeln!(self.out)?;
                }
                let offered = match (&current, &suggested) {
                    (Some(c), _) => format!(" [{}]", self.named(id, c)),
                    (None, Some(s)) => format!(
                        " [{}{}]",
                        self.named(id, s),
                        self.t("，取自统一社会信用代码", ", from the credit code")
                    ),
                    (None, None) => String::new(),
                };
                // The help of a required field says so.
                let search = if searchable(id) {
                    self.t("；? 加名称可搜索", "; ? and a name searches")
                } else {
                    ""
                };
                write!(
                    self.out,
                    "{}（{}{search}）{offered} > ",
                    field.title(self.lang),
                    field.help(self.lang),
                )?;
                let entered = match self.reply()? {
                    Reply::Quit => {
                        self.save()?;
                        return Err(Halt::Eof);
                    }
                    Reply::Keep => match suggested {
                        Some(s) => s,
                        None if required && current.is_none() => {
                            writeln!(self.out, "  {}", self.t("必填。", "Required."))?;
                            continue;
                        }
                        None => break,
                    },
                    Reply::Help | Reply::Back => {
                        writeln!(self.out, "  {}", field.help(self.lang))?;
                        if !searchable(id) {
                            continue;
                        }
                        let prompt = if id == "region" {
                            self.t(
                                "按名称搜索（如 瑞安；回车返回）> ",
                                "Search by name (e.g. 瑞安; Enter goes back) > ",
                            )
                        } else {
                            self.t(
                                "按名称搜索（如 通用设备；回车返回）> ",
                                "Search by name (e.g. 通用设备 or furniture; Enter goes back) > ",
                            )
                        };
                        write!(self.out, "  {prompt}")?;
                        let query = self.read_line()?;
                        match self.search_and_pick(id, &query)? {
                            Some(code) => code,
                            None => continue,
                        }
                    }
                    // `? 瑞安` searches; so does a name where a code is asked (`瑞安市`).
                    Reply::Text(text) if searchable(id) && !code_like(id, &text) => {
                        let query = text.trim_start_matches(['?', '？']);
                        match self.search_and_pick(id, query)? {
                            Some(code) => code,
                            None if text.starts_with(['?', '？']) => continue,
                            None => text,
                        }
                    }
                    Reply::Text(text) => text,
                };
                let text = if entered == "-" {
                    String::new()
                } else {
                    entered
                };
                let text = picked_words(field, &text);
                if text.is_empty() {
                    self.profile.remove(id);
                    break;
                }
                match self.check_profile_field(id, &text) {
                    Ok(warnings) => {
                        self.show_problems(&warnings)?;
                        if searchable(id) {
                            writeln!(self.out, "  → {}", self.named(id, &text))?;
                        }
                        self.profile.insert(id, text);
                        self.save()?;
                        break;
                    }
                    Err(problems) => {
                        self.show_problems(&problems)?;
                        if searchable(id) {
                            writeln!(
                                self.out,
                                "  {}",
                                self.t(
                                    "输入 ? 加名称可按名称搜索，如 ? 瑞安",
                                    "Type ? and a name to search by name, e.g. ? 瑞安"
                                )
                            )?;
                        }
                    }
                }
            }
        }
        // What follows from the profile.
        let sheet = self.profile_summary();
        writeln!(self.out, "→ {sheet}")?;
        self.save()?;
        Ok(())
    }

    /// A default for a field not yet set: the region code inside the 统一社会信用代码 (characters
    /// 3–8), when the table knows it.
    fn suggested(&self, id: &str) -> Option<String> {
        if id != "region" {
            return None;
        }
        let credit = self.profile.get("credit_code")?;
        let code = names::region_of_credit_code(credit)?;
        names::region(code).map(|_| code.to_string())
    }

    /// A region or industry code with its name (`330381 浙江省温州市瑞安市`); other values as typed.
    fn named(&self, id: &str, value: &str) -> String {
        match id {
            "region" => match names::region(value) {
                Some(r) => format!("{} {}", value.trim(), r.full_name),
                None => value.to_string(),
            },
            "industry" => match names::industry(value) {
                Some(i) => format!("{} {}", i.code, i.label().get(self.lang)),
                None => value.to_string(),
            },
            _ => value.to_string(),
        }
    }

    /// Search regions or industries by name and let the person pick one by number; a province or
    /// prefecture picked opens the list of what lies below it. `None` when nothing was found or picked.
    fn search_and_pick(&mut self, id: &str, query: &str) -> Result<Option<String>, Halt> {
        const SHOWN: usize = 9;
        let query = query.trim();
        if query.is_empty() {
            return Ok(None);
        }
        // (code, name, whether it has divisions below it)
        let mut options: Vec<(String, String, bool)> = if id == "region" {
            names::search_regions(query, SHOWN)
                .into_iter()
                .map(|r| (r.code, r.full_name, r.has_children))
                .collect()
        } else {
            names::search_industries(query, SHOWN)
                .into_iter()
                .map(|i| (i.code.clone(), i.label().get(self.lang).to_string(), false))
                .collect()
        };
        if options.is_empty() {
            match self.lang {
                Lang::Zh => writeln!(self.out, "  没有找到“{query}”，可换个说法或直接输入代码。")?,
                Lang::En => writeln!(
                    self.out,
                    "  Nothing found for “{query}”; try other words or type the code."
                )?,
            }
            return Ok(None);
        }
        // The division whose subdivisions are listed: it can be picked itself as 0.
        let mut whole: Option<(String, String)> = None;
        loop {
            if let Some((code, name)) = &whole {
                writeln!(
                    self.out,
                    "  0. {code} {name}{}",
                    self.t("（整个地区）", " (all of it)")
                )?;
            }
            for (n, (code, name, _)) in options.iter().enumerate() {
                writeln!(self.out, "  {}. {code} {name}", n + 1)?;
            }
            write!(
                self.out,
                "  {}",
                self.t(
                    "选择编号（回车返回）> ",
                    "Pick a number (Enter goes back) > "
                )
            )?;
            let line = self.read_line()?;
            if line.is_empty() {
                return Ok(None);
            }
            let picked = match line.parse::<usize>() {
                Ok(0) => whole.clone().map(|(code, _)| (code, false)),
                Ok(n) => options
                    .get(n - 1)
                    .map(|(code, _, more)| (code.clone(), *more)),
                Err(_) => None,
            };
            match picked {
                Some((code, false)) => return Ok(Some(code)),
                Some((code, true)) => {
                    let name = names::region_name(&code);
                    options = names::regions_under(&code)
                        .into_iter()
                        .map(|r| (r.code, r.full_name, r.has_children))
                        .collect();
                    whole = Some((code, name));
                }
                None => writeln!(
                    self.out,
                    "  {}",
                    self.t("没有这个编号。", "No such number.")
                )?,
            }
        }
    }

    fn profile_summary(&self) -> String {
        let profile = self.checked_profile();
        let group = self
            .model
            .industry_group(&profile.0)
            .map_or(profile.0.clone(), |g| g.title.get(self.lang).to_string());
        let size = profile
            .1
            .map_or(self.t("规模未知", "size unknown").to_string(), |s| {
                s.label(self.lang).to_string()
            });
        format!(
            "{}: {group}; {}: {size}",
            self.t("行业组", "industry group"),
            self.t("规模", "size")
        )
    }

    /// The industry group and size class of the profile so far.
    fn checked_profile(&self) -> (String, Option<crate::answers::SizeClass>) {
        let mut record = Record::new(Place::File);
        for (f, field) in profile_fields().iter().enumerate() {
            if let Some(t) = self.profile.get(field.id.as_str()) {
                record.push(Column::Profile(f), CellValue::text(t), Place::File);
            }
        }
        let mut places = super::cells::Places::new("");
        let (node, _) = super::flat::record_to_node(&self.lenient, &record, &mut places);
        // Without a valid profile (no name yet), the group still follows from the industry code.
        match check_sheet(&self.lenient, &node, &SourceFile::from_text("", "")).sheet {
            Some(s) => (s.profile.industry_group, s.profile.size_class),
            None => {
                let code = self
                    .profile
                    .get("industry")
                    .map(|c| c.trim().to_ascii_uppercase());
                (
                    self.model.industry_group_of(code.as_deref()).to_string(),
                    None,
                )
            }
        }
    }

    /// Items that apply to the firm, in model order.
    fn applicable(&self) -> Vec<usize> {
        let (group, size) = self.checked_profile();
        (0..self.model.items.len())
            .filter(|&i| self.model.items[i].applies_to.applies(&group, size))
            .collect()
    }

    fn show_skipped(&mut self, order: &[usize]) -> std::io::Result<()> {
        let skipped = self.model.items.len() - order.len();
        if skipped > 0 {
            match self.lang {
                Lang::Zh => writeln!(self.out, "（{skipped} 题不适用于本企业，已跳过）")?,
                Lang::En => writeln!(
                    self.out,
                    "({skipped} items do not apply to this firm and are skipped)"
                )?,
            }
        }
        Ok(())
    }

    fn path_of(&self, item: &Item) -> String {
        fn find(
            nodes: &[crate::model::Node],
            id: &str,
            path: &mut Vec<String>,
            lang: Lang,
        ) -> bool {
            for n in nodes {
                path.push(n.title.get(lang).to_string());
                if n.id == id {
                    return true;
                }
                if let crate::model::Children::Nodes(children) = &n.children
                    && find(children, id, path, lang)
                {
                    return true;
                }
                path.pop();
            }
            false
        }
        let mut path = Vec::new();
        find(&self.model.dimensions, &item.parent, &mut path, self.lang);
        path.join(" › ")
    }

    fn show_item(&mut self, i: usize, k: usize, total: usize) -> std::io::Result<()> {
        let item = &self.model.items[i];
        let lang = self.lang;
        let points = if item.points > 0.0 {
            match lang {
                Lang::Zh => format!("（{} 分）", format_number(item.points)),
                Lang::En => format!(" ({} points)", format_number(item.points)),
            }
        } else {
            String::new()
        };
        writeln!(self.out, "\n[{}/{total}] {}", k + 1, self.path_of(item))?;
        writeln!(self.out, "{}{points}", item.title.get(lang))?;
        if let Some(remark) = item.remark() {
            writeln!(self.out, "  {}", remark.get(lang))?;
        }
        for w in item.words() {
            let alone = if w.exclusive {
                tr(lang, "（只能单独选）", " (alone only)")
            } else {
                ""
            };
            let label = match w.label.get(lang) {
                same if same == w.id => String::new(),
                label => format!(". {label}"),
            };
            writeln!(self.out, "  {}{label}{alone}{}", w.id, item.word_points(&w))?;
        }
        let how = item.how();
        let syntax = match item.input() {
            Input::One => tr(lang, "：填一个", ": one of them"),
            Input::Many => tr(
                lang,
                "：填选项，用空格分隔，如 B C",
                ": ids separated by spaces, e.g. B C",
            ),
            Input::Number { ratio: Some(r), .. } => &match lang {
                Lang::Zh => format!("，或填 {}/{}，如 36/62", r.numerator.zh, r.denominator.zh),
                Lang::En => format!(", or {}/{}, e.g. 36/62", r.numerator.en, r.denominator.en),
            },
            Input::Number { .. } => "",
        };
        writeln!(self.out, "{}{syntax}", how.get(lang))?;
        let na = if item.allow_na {
            tr(lang, "；不适用填 na", "; na if it does not apply")
        } else {
            ""
        };
        writeln!(
            self.out,
            "{}{na}",
            tr(
                lang,
                "? 说明和佐证材料；< 上一题；答案后加 # 备注；q 保存退出",
                "? help and evidence; < back; add # and a note after the answer; q save and quit"
            )
        )?;
        Ok(())
    }

    fn show_help(&mut self, i: usize) -> std::io::Result<()> {
        let item = &self.model.items[i];
        let lang = self.lang;
        if let Some(h) = &item.help {
            writeln!(self.out, "{} {}", tr(lang, "说明：", "Help:"), h.get(lang))?;
        }
        if !item.evidence.is_empty() {
            writeln!(self.out, "{}", tr(lang, "佐证材料：", "Evidence:"))?;
            for e in &item.evidence {
                writeln!(self.out, "  • {}", e.get(lang))?;
            }
        }
        if let ItemSpec::Scenario { levels, .. } = &item.spec {
            for l in levels.iter().filter(|l| !l.evidence.is_empty()) {
                let ev: Vec<&str> = l.evidence.iter().map(|e| e.get(lang)).collect();
                writeln!(
                    self.out,
                    "  {} {}: {}",
                    tr(lang, "等级", "level"),
                    l.level,
                    ev.join(tr(lang, "；", "; "))
                )?;
            }
        }
        if item.help.is_none() && item.evidence.is_empty() {
            writeln!(
                self.out,
                "{}",
                tr(lang, "本题没有更多说明。", "No more help for this item.")
            )?;
        }
        Ok(())
    }

    fn ask_item(&mut self, i: usize, k: usize, total: usize) -> Result<Step, Halt> {
        self.show_item(i, k, total)?;
        let id = self.model.items[i].id.clone();
        loop {
            let current = self
                .answers
                .get(&id)
                .map(|a| display_answer(&self.model.items[i], a, self.lang));
            match &current {
                Some(c) => write!(self.out, "[{c}] > ")?,
                None => write!(self.out, "> ")?,
            }
            let reply = self.reply()?;
            let text = match reply {
                Reply::Quit => return Ok(Step::Quit),
                Reply::Back => return Ok(Step::Back),
                Reply::Help => {
                    self.show_help(i)?;
                    continue;
                }
                Reply::Keep if current.is_some() => return Ok(Step::Next),
                Reply::Keep if !self.model.items[i].required => {
                    writeln!(
                        self.out,
                        "  {}",
                        self.t("（选填，已跳过）", "(optional, skipped)")
                    )?;
                    return Ok(Step::Next);
                }
                Reply::Keep => {
                    writeln!(
                        self.out,
                        "  {}",
                        self.t("本题必答。", "This item must be answered.")
                    )?;
                    continue;
                }
                Reply::Text(t) => t,
            };
            let cells = self.typed_cells(i, &text);
            match self.check_answer(i, cells.clone()) {
                Err(problems) => self.show_problems(&problems)?,
                Ok((None, warnings)) => {
                    self.show_problems(&warnings)?;
                    return Ok(Step::Next);
                }
                Ok((Some(answer), warnings)) => {
                    self.show_problems(&warnings)?;
                    let answer = self.ask_figures(i, cells, answer)?;
                    self.answers.insert(id.clone(), answer);
                    self.save()?;
                    return Ok(Step::Next);
                }
            }
        }
    }

    /// Ask the recorded figures of an item, keeping those already given.
    fn ask_figures(
        &mut self,
        i: usize,
        mut cells: Vec<(Column, CellValue)>,
        mut answer: Answer,
    ) -> Result<Answer, Halt> {
        let fields = self.model.items[i].fields.clone();
        if fields.is_empty() || answer.value == AnswerValue::NotApplicable {
            return Ok(answer);
        }
        let previous = self
            .answers
            .get(&self.model.items[i].id)
            .map(|a| a.data.clone())
            .unwrap_or_default();
        for (f, field) in fields.iter().enumerate() {
            loop {
                let unit = field
                    .unit
                    .as_deref()
                    .map(|u| super::xlsx::unit_suffix(u, self.lang))
                    .unwrap_or_default();
                let current = previous
                    .get(&field.id)
                    .map(|v| format!(" [{}]", format_number(*v)));
                write!(
                    self.out,
                    "  {}{}{unit}{}{} > ",
                    self.t("记录：", "Record: "),
                    field.label.get(self.lang),
                    current.clone().unwrap_or_default(),
                    self.t("（可回车跳过）", " (Enter to skip)")
                )?;
                let line = self.read_line()?;
                let text = if line.is_empty() {
                    match previous.get(&field.id) {
                        Some(v) => format_number(*v),
                        None => break,
                    }
                } else {
                    line
                };
                let mut trial = cells.clone();
                trial.push((Column::Data(i, f), CellValue::text(&text)));
                match self.check_answer(i, trial.clone()) {
                    Ok((Some(a), _)) => {
                        cells = trial;
                        answer = a;
                        break;
                    }
                    Ok((None, _)) => break,
                    Err(problems) => self.show_problems(&problems)?,
                }
            }
        }
        Ok(answer)
    }

    /// What was typed, as the cells of a record: `B C # note`, `36/62`, `na`.
    fn typed_cells(&self, i: usize, text: &str) -> Vec<(Column, CellValue)> {
        let item = &self.model.items[i];
        let (answer, note) = match text.split_once(['#', '＃']) {
            Some((a, n)) => (a.trim(), Some(n.trim())),
            None => (text.trim(), None),
        };
        let mut cells = vec![(Column::Answer(i), CellValue::text(answer))];
        if let Some(n) = note.filter(|n| !n.is_empty()) {
            cells.push((Column::Note(i), CellValue::text(n)));
        }
        // Keep figures recorded before, when the answer is changed.
        if let Some(prev) = self.answers.get(&item.id) {
            for (f, field) in item.fields.iter().enumerate() {
                if let Some(v) = prev.data.get(&field.id) {
                    cells.push((Column::Data(i, f), CellValue::Number(*v)));
                }
            }
        }
        cells
    }

    /// The review: every answer, then change any, or finish. `Some` when the sheet is complete and checked.
    fn review(&mut self, order: &[usize]) -> Result<Option<AnswerSheet>, Halt> {
        loop {
            writeln!(self.out, "\n{}", self.t("== 核对答案 ==", "== Review =="))?;
            for (k, &i) in order.iter().enumerate() {
                let item = &self.model.items[i];
                let answer = self
                    .answers
                    .get(&item.id)
                    .map_or(self.t("（未答）", "(not answered)").to_string(), |a| {
                        display_answer(item, a, self.lang)
                    });
                let title: String = item.title.get(self.lang).chars().take(28).collect();
                writeln!(self.out, "{:>3}. {title}  →  {answer}", k + 1)?;
            }
            write!(
                self.out,
                "{} > ",
                self.t(
                    "输入题号修改，p 修改企业信息，回车完成",
                    "Type a number to change it, p for the profile, Enter to finish"
                )
            )?;
            match self.reply()? {
                Reply::Keep => {
                    self.save()?;
                    let source = SourceFile::from_text(
                        &self.path.display().to_string(),
                        &self.progress_yaml(),
                    );
                    let node = load_sheet(&source)
                        .map_err(|d| Halt::Io(std::io::Error::other(d.message_in(self.lang))))?;
                    let checked = check_sheet(self.model, &node, &source);
                    match checked.sheet {
                        Some(sheet) => {
                            let header = vec![
                                self.t("由 smedx assess 填写", "Written with smedx assess")
                                    .to_string(),
                            ];
                            let text = answer_yaml::sheet_yaml(self.model, &sheet, &header);
                            let tmp = self.path.with_extension("yaml.tmp");
                            std::fs::write(&tmp, text)?;
                            std::fs::rename(&tmp, &self.path)?;
                            return Ok(Some(sheet));
                        }
                        None => {
                            let problems: Vec<Diagnostic> = checked
                                .diagnostics
                                .into_iter()
                                .filter(|d| d.is_error())
                                .collect();
                            self.show_problems(&problems)?;
                            return Ok(None);
                        }
                    }
                }
                Reply::Text(t) if t == "p" || t == "P" => {
                    self.ask_profile()?;
                    return Ok(None);
                }
                Reply::Text(t) => match t.parse::<usize>() {
                    Ok(n) if (1..=order.len()).contains(&n) => {
                        let i = order[n - 1];
                        if let Step::Quit = self.ask_item(i, n - 1, order.len())? {
                            self.save()?;
                            return Err(Halt::Eof);
                        }
                    }
                    _ => writeln!(
                        self.out,
                        "  {}",
                        self.t("请输入题号。", "Type an item number.")
                    )?,
                },
                Reply::Quit => {
                    self.save()?;
                    return Err(Halt::Eof);
                }
                Reply::Help | Reply::Back => {}
            }
        }
    }
}

/// What to do after an item.
enum Step {
    Next,
    Back,
    Quit,
}

fn key(name: &str) -> crate::yaml_value::Key {
    crate::yaml_value::Key {
        pos: crate::diag::Pos::UNKNOWN,
        name: name.to_string(),
    }
}

fn strip_positions(node: &mut Node) {
    node.pos = crate::diag::Pos::UNKNOWN;
    match &mut node.value {
        Value::List(items) => items.iter_mut().for_each(strip_positions),
        Value::Map(entries) => {
            for (k, v) in entries {
                k.pos = crate::diag::Pos::UNKNOWN;
                strip_positions(v);
            }
        }
        _ => {}
    }
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// An answer as shown in the review: `B, C`, `36/62 = 58.06 %`, `改善`, `不适用`, with its note.
pub fn display_answer(item: &Item, a: &Answer, lang: Lang) -> String {
    let unit = match item.input() {
        Input::Number { unit, .. } => unit,
        _ => "",
    };
    let words = Words::Short(lang);
    let written = item.written(&a.value, words);
    let value = match (&written, &a.value) {
        (WrittenValue::NotApplicable, _) => na_word(words).to_string(),
        (WrittenValue::Ratio { .. }, AnswerValue::Number { value, .. }) => {
            format!("{written} = {}{unit}", crate::text::points(*value))
        }
        (WrittenValue::Number(_), _) => format!("{written}{unit}"),
        _ => written.to_string(),
    };
    match &a.note {
        Some(n) => format!("{value} # {n}"),
        None => value,
    }
}

/// Fields a person may find by name instead of typing the code.
fn searchable(id: &str) -> bool {
    matches!(id, "region" | "industry")
}

/// Whether a reply is meant as a code (checked as typed) rather than a name to search for:
/// digits for a region, a GB/T 4754 code shape (`C3484`, `3484`, `C`) for an industry.
fn code_like(id: &str, text: &str) -> bool {
    let t = text.trim();
    if t.starts_with(['?', '？']) {
        return false;
    }
    match id {
        "region" => t.chars().all(|c| c.is_ascii_digit()),
        _ => {
            let mut chars = t.chars();
            let rest = match t.chars().next() {
                Some(c) if c.is_ascii_alphabetic() => {
                    chars.next();
                    chars.as_str()
                }
                _ => t,
            };
            rest.chars().all(|c| c.is_ascii_digit()) && rest.len() <= 4
        }
    }
}

/// A reply to a list field with offered words: numbers (`1 3`, `1、3`) pick words, the rest is kept.
fn picked_words(field: &crate::answers::ProfileField, text: &str) -> String {
    let word = |t: &str| {
        let n = t.parse::<usize>().ok()?.checked_sub(1)?;
        field.choices().get(n).map(|w| w.title.zh.clone())
    };
    let numbers: Vec<&str> = text.split_whitespace().collect();
    if field.choices().is_empty() || numbers.is_empty() {
        return text.to_string();
    }
    if numbers.iter().all(|t| word(t).is_some()) {
        return numbers
            .iter()
            .filter_map(|t| word(t))
            .collect::<Vec<_>>()
            .join("、");
    }
    let parts = super::flat::split_list(text);
    parts
        .into_iter()
        .map(|t| word(&t).unwrap_or(t))
        .collect::<Vec<_>>()
        .join("、")
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_pick_offered_words_and_the_rest_is_kept() {
        let field = crate::answers::profile_field("pain_points").unwrap();
        assert_eq!(super::picked_words(field, "1 2"), "交期不准、库存积压");
        assert_eq!(super::picked_words(field, "2、缺订单"), "库存积压、缺订单");
        assert_eq!(super::picked_words(field, "99"), "99");
        let name = crate::answers::profile_field("name").unwrap();
        assert_eq!(super::picked_words(name, "1 2"), "1 2");
    }
}
