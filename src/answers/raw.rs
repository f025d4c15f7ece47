//! The answer sheet as written: its parts typed, each with its place, before any check against a
//! model. [`RawSheet::read`] reports problems of shape; [`super::check_sheet`] then checks the parts
//! against the model. The answers schema is derived from these types.

use crate::diag::{Arg, Diagnostic, Pos};
use crate::text::closest;
use crate::yaml_value::{Key, Node, Value};
use schemars::JsonSchema;
use std::collections::BTreeMap;

/// An answer sheet (YAML or JSON).
#[derive(Debug, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawSheet<'a> {
    /// Id of the model the sheet answers.
    #[schemars(with = "Option<String>")]
    pub model: Option<&'a Node>,
    /// Version of that model, as text: "2024.1".
    #[schemars(with = "Option<String>")]
    pub model_version: Option<&'a Node>,
    /// Enterprise profile (企业画像); its fields are those of the profile table.
    #[schemars(with = "BTreeMap<String, Node>")]
    pub profile: Option<&'a Node>,
    /// Item id → answer: an option id, a list of ids, a number, a band id,
    /// `{numerator, denominator}`, a grade 0–4, a trend word or `na`; or the long form
    /// `{answer, note, data}`. In the order written; an item answered twice is reported.
    #[schemars(with = "BTreeMap<String, Node>")]
    pub answers: Vec<RawAnswer<'a>>,
    /// Where the sheet starts.
    #[schemars(skip)]
    pub pos: Pos,
    /// The `answers:` key, where unanswered items are reported.
    #[schemars(skip)]
    pub answers_pos: Pos,
    /// Problems of the `answers:` mapping as a whole, reported after the profile's.
    #[schemars(skip)]
    pub answers_problems: Vec<Diagnostic>,
}

/// One answer as written: the value, a note and recorded figures beside it.
#[derive(Debug)]
pub struct RawAnswer<'a> {
    /// The item id as written.
    pub item: &'a Key,
    /// The answer itself; `None` when the long form has no `answer`, `Null` when left blank.
    pub value: Option<&'a Node>,
    /// Left blank (`item-id:` with nothing after it): unanswered.
    pub blank: bool,
    pub note: Option<String>,
    /// `data:` of the long form: figure id → number (checked against the item's fields).
    pub data: Option<&'a Node>,
    /// Problems of the long form's keys, reported when the item is one the sheet may answer.
    pub problems: Vec<Diagnostic>,
}

/// Top-level keys of an answer sheet.
const SHEET_KEYS: &[&str] = &["model", "model_version", "profile", "answers"];

impl<'a> RawSheet<'a> {
    /// The sheet's parts, with every problem of shape in `diags` (positions only: the checker
    /// names the file). `None` when the sheet is not a mapping at all.
    pub fn read(sheet: &'a Node, diags: &mut Vec<Diagnostic>) -> Option<RawSheet<'a>> {
        let Value::Map(top) = &sheet.value else {
            diags.push(
                Diagnostic::error("wrong-type")
                    .variant("sheet")
                    .arg("found", sheet.value.kind())
                    .at(sheet.pos),
            );
            return None;
        };
        let mut raw = RawSheet {
            pos: sheet.pos,
            answers_pos: sheet.pos,
            ..RawSheet::default()
        };
        for (k, v) in top {
            match k.name.as_str() {
                "model" => raw.model = Some(v),
                "model_version" => raw.model_version = Some(v),
                "profile" => raw.profile = Some(v),
                "answers" => {
                    raw.answers_pos = k.pos;
                    raw.answers = answers(v, &mut raw.answers_problems);
                }
                other => {
                    let near = closest(other, SHEET_KEYS.iter().copied());
                    diags.push(
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
        Some(raw)
    }

    /// The model id the sheet names, as text.
    pub fn model_id(&self) -> Option<String> {
        self.model.as_ref().and_then(|n| n.value.as_text())
    }
}

fn answers<'a>(node: &'a Node, diags: &mut Vec<Diagnostic>) -> Vec<RawAnswer<'a>> {
    match &node.value {
        Value::Map(entries) => entries.iter().map(|(k, v)| answer(k, v)).collect(),
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
fn answer<'a>(item: &'a Key, node: &'a Node) -> RawAnswer<'a> {
    let mut raw = RawAnswer {
        item,
        value: Some(node),
        blank: node.value == Value::Null,
        note: None,
        data: None,
        problems: Vec::new(),
    };
    let long = ["answer", "note", "data"]
        .iter()
        .any(|k| node.get(k).is_some());
    let Value::Map(entries) = &node.value else {
        return raw;
    };
    if !long {
        return raw;
    }
    raw.value = None;
    for (k, v) in entries {
        match k.name.as_str() {
            "answer" => raw.value = Some(v),
            "note" => raw.note = v.value.as_text(),
            "data" => raw.data = Some(v),
            other => raw.problems.push(
                Diagnostic::error("unknown-field")
                    .variant("long_form")
                    .quoted("key", other)
                    .arg("item", &item.name)
                    .at(k.pos),
            ),
        }
    }
    if raw.value.is_none() {
        raw.problems.push(
            Diagnostic::error("missing-answer")
                .variant("long_form")
                .arg("item", &item.name)
                .at(node.pos),
        );
    }
    raw
}
