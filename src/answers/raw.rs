//! The answer sheet as written: its parts typed, each value with its place beside it (a line and
//! column of a YAML or JSON file, a workbook cell, a field of a CSV file), before any check against
//! a model. Every route fills it: [`RawSheet::read`] from a parsed YAML or JSON file, the collectors
//! from cells (the `collect` module); [`super::check_raw`] then checks it against the model, so every
//! route gets the same checks. The answers schema is derived from these types.

use crate::diag::{Arg, Diagnostic, Location};
use crate::model::{Written, WrittenValue};
use crate::text::closest;
use crate::yaml_value::{Node, Value};
use schemars::JsonSchema;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// An answer sheet (YAML or JSON).
#[derive(Debug, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawSheet<'a> {
    /// Id of the model the sheet answers.
    #[schemars(with = "Option<String>")]
    pub model: Option<Written>,
    /// Version of that model, as text: "2024.1".
    #[schemars(with = "Option<String>")]
    pub model_version: Option<Written>,
    /// Enterprise profile (企业画像); its fields are those of the profile table.
    #[schemars(with = "BTreeMap<String, Node>")]
    pub profile: Option<RawMap<'a>>,
    /// Item id → answer: an option id, a list of ids, a number, a band id,
    /// `{numerator, denominator}`, a grade 0–4, a trend word or `na`; or the long form
    /// `{answer, note, data}`. In the order written; an item answered twice is reported.
    #[schemars(with = "BTreeMap<String, Node>")]
    pub answers: Vec<RawAnswer<'a>>,
    /// Where the sheet starts.
    #[schemars(skip)]
    pub at: Location,
    /// The `answers:` key, where unanswered items are reported.
    #[schemars(skip)]
    pub answers_at: Location,
    /// Problems of the sheet's keys, reported first.
    #[schemars(skip)]
    pub problems: Vec<Diagnostic>,
    /// Problems of the `answers:` mapping as a whole, reported after the profile's.
    #[schemars(skip)]
    pub answers_problems: Vec<Diagnostic>,
}

/// A mapping as written (the profile, an answer's figures), or what was written in its place.
#[derive(Debug, Clone)]
pub enum RawMap<'a> {
    Entries {
        at: Location,
        entries: Vec<RawEntry<'a>>,
    },
    Other(Written),
}

/// One key of a mapping and its value, each with its place.
#[derive(Debug, Clone)]
pub struct RawEntry<'a> {
    pub key: Cow<'a, str>,
    pub key_at: Location,
    pub value: Written,
}

/// One answer as written: the value, a note and recorded figures beside it.
#[derive(Debug, Clone)]
pub struct RawAnswer<'a> {
    /// The item id as written, and where.
    pub item: Cow<'a, str>,
    pub item_at: Location,
    /// The answer itself; `None` when the long form has no `answer`, or when left blank.
    pub value: Option<Written>,
    /// Left blank (`item-id:` with nothing after it): unanswered.
    pub blank: bool,
    pub note: Option<String>,
    /// `data:` of the long form: figure id → number (checked against the item's fields).
    pub data: Option<RawMap<'a>>,
    /// Problems of the long form's keys, reported when the item is one the sheet may answer.
    pub problems: Vec<Diagnostic>,
    /// Problems inside the value (unknown keys of raw figures), reported after the figures'.
    pub value_problems: Vec<Diagnostic>,
}

impl<'a> RawAnswer<'a> {
    /// An answer in the short form (`value` `None`: left blank) or, with a note or figures, the
    /// long form, whose missing `answer` is a problem at `at`.
    pub fn new(
        item: &'a str,
        item_at: Location,
        value: Option<Written>,
        note: Option<String>,
        data: Option<RawMap<'a>>,
        at: Location,
    ) -> RawAnswer<'a> {
        let long = note.is_some() || data.is_some();
        let mut problems = Vec::new();
        if long && value.is_none() {
            let d = Diagnostic::error("missing-answer")
                .variant("long_form")
                .arg("item", item);
            problems.push(d.at(at));
        }
        RawAnswer {
            item: Cow::Borrowed(item),
            item_at,
            blank: !long && value.is_none(),
            value,
            note,
            data,
            problems,
            value_problems: Vec::new(),
        }
    }
}

/// Top-level keys of an answer sheet.
const SHEET_KEYS: &[&str] = &["model", "model_version", "profile", "answers"];

impl<'a> RawSheet<'a> {
    /// The parts of a parsed sheet, with every problem of shape (positions only: the checker
    /// names the file). `Err` when the sheet is not a mapping at all.
    pub fn read(sheet: &'a Node) -> Result<RawSheet<'a>, Diagnostic> {
        let Value::Map(top) = &sheet.value else {
            return Err(Diagnostic::error("wrong-type")
                .variant("sheet")
                .arg("found", sheet.value.kind())
                .at(sheet.pos));
        };
        let mut raw = RawSheet {
            at: sheet.pos.into(),
            answers_at: sheet.pos.into(),
            ..RawSheet::default()
        };
        let text = |n: &Node| {
            let t = n.value.as_text()?;
            Some(Written::new(n.pos, WrittenValue::Text(t)))
        };
        for (k, v) in top {
            match k.name.as_str() {
                "model" => raw.model = text(v),
                "model_version" => raw.model_version = text(v),
                "profile" => raw.profile = Some(map(v)),
                "answers" => {
                    raw.answers_at = k.pos.into();
                    raw.answers = answers(v, &mut raw.answers_problems);
                }
                other => {
                    let near = closest(other, SHEET_KEYS.iter().copied());
                    raw.problems.push(
                        Diagnostic::error("unknown-field")
                            .variant("sheet")
                            .quoted("key", other)
                            .arg("hint", Arg::suggestion(near, SHEET_KEYS.iter().copied()))
                            .at(k.pos),
                    );
                }
            }
        }
        if sheet.get("answers").is_none() {
            raw.answers_problems.push(
                Diagnostic::error("missing-field")
                    .variant("answers")
                    .at(sheet.pos),
            );
        }
        Ok(raw)
    }

    /// The model id the sheet names, as text.
    pub fn model_id(&self) -> Option<String> {
        match &self.model.as_ref()?.value {
            WrittenValue::Text(t) => Some(t.clone()),
            _ => None,
        }
    }
}

fn answers<'a>(node: &'a Node, diags: &mut Vec<Diagnostic>) -> Vec<RawAnswer<'a>> {
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| answer(&k.name, k.pos.into(), v))
            .collect(),
        Value::Null => Vec::new(),
        other => {
            diags.push(
                Diagnostic::error("wrong-type")
                    .variant("answers")
                    .arg("found", other.kind())
                    .at(node.pos),
            );
            Vec::new()
        }
    }
}

/// One entry of `answers:`, short or long form (`{answer: …, note: …, data: {…}}`; band raw
/// figures are a mapping too, told apart by their keys).
fn answer<'a>(item: &'a str, item_at: Location, node: &'a Node) -> RawAnswer<'a> {
    let long = ["answer", "note", "data"]
        .iter()
        .any(|k| node.get(k).is_some());
    let (Value::Map(entries), true) = (&node.value, long) else {
        let mut problems = Vec::new();
        let value = (node.value != Value::Null).then(|| written(node, &mut problems));
        let mut raw = RawAnswer::new(item, item_at, value, None, None, node.pos.into());
        raw.value_problems = problems;
        return raw;
    };
    let (mut value, mut note, mut data) = (None, None, None);
    let (mut problems, mut value_problems) = (Vec::new(), Vec::new());
    for (k, v) in entries {
        match k.name.as_str() {
            "answer" => value = Some(written(v, &mut value_problems)),
            "note" => note = v.value.as_text(),
            "data" => data = Some(map(v)),
            other => problems.push(
                Diagnostic::error("unknown-field")
                    .variant("long_form")
                    .quoted("key", other)
                    .arg("item", item)
                    .at(k.pos),
            ),
        }
    }
    if value.is_none() {
        problems.push(
            Diagnostic::error("missing-answer")
                .variant("long_form")
                .arg("item", item)
                .at(node.pos),
        );
    }
    RawAnswer {
        item: Cow::Borrowed(item),
        item_at,
        value,
        blank: false,
        note,
        data,
        problems,
        value_problems,
    }
}

/// A mapping as written, or what stands in its place.
fn map(node: &Node) -> RawMap<'_> {
    let Value::Map(entries) = &node.value else {
        return RawMap::Other(written(node, &mut Vec::new()));
    };
    let entries = entries
        .iter()
        .map(|(k, v)| RawEntry {
            key: Cow::Borrowed(&k.name),
            key_at: k.pos.into(),
            value: written(v, &mut Vec::new()),
        })
        .collect();
    RawMap::Entries {
        at: node.pos.into(),
        entries,
    }
}

/// A value as written; unknown keys of raw figures are problems in `diags`.
pub(crate) fn written(node: &Node, diags: &mut Vec<Diagnostic>) -> Written {
    let value = match &node.value {
        Value::Null => WrittenValue::Blank,
        Value::Bool(b) => WrittenValue::Bool(*b),
        Value::String(s) => WrittenValue::Text(s.clone()),
        Value::Number(n) => WrittenValue::Number(*n),
        Value::List(items) => WrittenValue::List(items.iter().map(|n| written(n, diags)).collect()),
        Value::Map(entries)
            if entries
                .iter()
                .any(|(k, _)| k.name == "numerator" || k.name == "denominator") =>
        {
            for (k, _) in entries {
                if k.name != "numerator" && k.name != "denominator" {
                    let d = Diagnostic::error("unknown-field")
                        .variant("ratio")
                        .quoted("key", &k.name);
                    diags.push(d.at(k.pos));
                }
            }
            let mut figure = |name| node.get(name).map(|n| Box::new(written(n, diags)));
            WrittenValue::Ratio {
                numerator: figure("numerator"),
                denominator: figure("denominator"),
            }
        }
        other @ Value::Map(_) => WrittenValue::Other(other.kind()),
    };
    Written::new(node.pos, value)
}
