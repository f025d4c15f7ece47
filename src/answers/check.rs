//! Answer checks: every problem of a sheet at once, each with a place and a stable code.

use super::profile::ProfileReader;
use super::raw::{RawAnswer, RawMap, RawSheet};
use super::{Answer, AnswerSheet, AnswerValue};
use crate::diag::{Arg, Diagnostic, Location};
use crate::model::{Item, Model, Written};
use crate::source_file::SourceFile;
use crate::text::{Text, closest};
use crate::yaml_value::Node;
use std::collections::BTreeMap;

/// The result of checking a sheet: the sheet when there was no error, and every diagnostic.
pub struct Checked {
    pub sheet: Option<AnswerSheet>,
    pub diagnostics: Vec<Diagnostic>,
}

pub use crate::model::item::TREND_WORDS;

/// Parse a sheet file into a value tree (YAML or JSON).
pub fn load_sheet(source: &SourceFile) -> Result<Node, Diagnostic> {
    source.parse_yaml::<Node>()
}

/// The model id a sheet names, if any (to pick the model before checking).
pub fn model_named(sheet: &Node) -> Option<String> {
    sheet.get("model")?.value.as_text()
}

struct SheetChecker<'a> {
    file: &'a str,
    diags: Vec<Diagnostic>,
}

impl SheetChecker<'_> {
    fn push(&mut self, d: Diagnostic, at: &Location) {
        self.diags.push(d.in_file(self.file).at(at.clone()));
    }

    fn extend(&mut self, diags: &[Diagnostic]) {
        let file = self.file;
        self.diags
            .extend(diags.iter().map(|d| d.clone().in_file(file)));
    }

    /// Interpret one answer for `item`; `None` after reporting when it does not fit.
    fn answer(&mut self, item: &Item, raw: &RawAnswer) -> Option<Answer> {
        self.extend(&raw.problems);
        let data = raw.data.as_ref().map(|d| self.data(item, d));
        self.extend(&raw.value_problems);
        let value = self.value(item, raw.value.as_ref()?)?;
        let note = raw.note.clone();
        Some(Answer {
            value,
            note,
            data: data.unwrap_or_default(),
        })
    }

    fn data(&mut self, item: &Item, data: &RawMap) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        let entries = match data {
            RawMap::Entries { entries, .. } => entries,
            RawMap::Other(w) => {
                let d = Diagnostic::error("wrong-type")
                    .variant("data")
                    .arg("item", &item.id)
                    .arg("title", &item.title)
                    .arg("found", w.kind());
                self.push(d, &w.at);
                return out;
            }
        };
        for e in entries {
            if !item.fields.iter().any(|f| f.id == e.key) {
                let known = item.fields.iter().map(|f| f.id.as_str());
                let d = Diagnostic::error("unknown-field")
                    .variant(if item.fields.is_empty() {
                        "no_data"
                    } else {
                        "data"
                    })
                    .quoted("key", &*e.key)
                    .arg("item", &item.id)
                    .arg("title", &item.title)
                    .arg("hint", Arg::suggestion(None, known));
                self.push(d, &e.key_at);
                continue;
            }
            match e.value.as_number() {
                Some(n) => {
                    out.insert(e.key.to_string(), n);
                }
                None if e.value.value == crate::model::WrittenValue::Blank => {}
                None => {
                    let d = Diagnostic::error("wrong-type")
                        .variant("figure")
                        .quoted("key", &*e.key)
                        .arg("item", &item.id)
                        .arg("title", &item.title)
                        .arg("found", e.value.kind());
                    self.push(d, &e.value.at);
                }
            }
        }
        out
    }

    fn value(&mut self, item: &Item, written: &Written) -> Option<AnswerValue> {
        let mut diags = Vec::new();
        let value = item.check(written, &mut diags);
        self.extend(&diags);
        value
    }
}

/// One answer written plainly (a value, not the long form), checked as [`check_sheet`] checks it:
/// its value when no error is found. Aggregation checks each way an item is answered once.
pub(crate) fn check_plain(item: &Item, node: &Node) -> Option<AnswerValue> {
    let mut c = SheetChecker {
        file: "",
        diags: Vec::new(),
    };
    let mut diags = Vec::new();
    let written = super::raw::written(node, &mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return None;
    }
    let value = c.value(item, &written);
    value.filter(|_| !c.diags.iter().any(Diagnostic::is_error))
}

/// Check a parsed sheet against a model. Errors leave `sheet` empty; warnings do not.
pub fn check_sheet(model: &Model, sheet: &Node, source: &SourceFile) -> Checked {
    match RawSheet::read(sheet) {
        Ok(raw) => check_raw(model, &raw, &source.name, &source.text),
        Err(d) => Checked {
            sheet: None,
            diagnostics: vec![d.in_file(&source.name)],
        },
    }
}

/// Check a sheet as written, from any route, against a model: every problem at its place, in
/// `file`. `text` is the sheet's text when it has one (to read codes written as bare numbers
/// exactly). Errors leave `sheet` empty; warnings do not.
pub fn check_raw(model: &Model, raw: &RawSheet, file: &str, text: &str) -> Checked {
    let mut c = SheetChecker {
        file,
        diags: Vec::new(),
    };
    c.extend(&raw.problems);
    let named = raw.model_id();
    if let (Some(id), Some(at)) = (&named, &raw.model)
        && *id != model.id
    {
        let d = Diagnostic::warning("model-mismatch")
            .quoted("sheet_model", id)
            .quoted("model", &model.id);
        c.push(d, &at.at);
    }
    if let Some(at) = &raw.model_version
        && let Some(v) = at.as_text()
        && v != model.version
        && named.is_none_or(|id| id == model.id)
    {
        let d = Diagnostic::warning("model-mismatch")
            .variant("version")
            .arg("sheet_version", v)
            .quoted("model", &model.id)
            .arg("version", &model.version);
        c.push(d, &at.at);
    }
    let profile = ProfileReader {
        file,
        text,
        diags: &mut c.diags,
    }
    .read(raw.profile.as_ref(), &raw.at, model);
    c.extend(&raw.answers_problems);
    let (group, size) = (profile.industry_group.clone(), profile.size_class);
    let mut answers = BTreeMap::new();
    let mut blank: BTreeMap<&str, &Location> = BTreeMap::new();
    let mut suggested: Vec<&str> = Vec::new();
    let mut seen = vec![false; model.items.len()];
    for a in &raw.answers {
        let Some(index) = model.item_index(&a.item) else {
            let near = closest(&a.item, model.items.iter().map(|i| i.id.as_str()));
            suggested.extend(near);
            let d = Diagnostic::error("unknown-item")
                .quoted("item", &*a.item)
                .quoted("model", &model.id)
                .arg("hint", Arg::suggestion(near, []));
            c.push(d, &a.item_at);
            continue;
        };
        let item = &model.items[index];
        if std::mem::replace(&mut seen[index], true) {
            let d = Diagnostic::error("duplicate-answer")
                .arg("item", &item.id)
                .arg("title", &item.title);
            c.push(d, &a.item_at);
            continue;
        }
        if a.blank {
            blank.insert(&a.item, &a.item_at);
            continue; // left blank: treated as unanswered below
        }
        if !item.applies_to.applies(&group, size) {
            let group_title = model
                .industry_group(&group)
                .map_or(Text::new(&group, &group), |g| g.title.clone());
            let d = Diagnostic::warning("not-applicable")
                .arg("item", &item.id)
                .arg("title", &item.title)
                .arg("group", group_title);
            c.push(d, &a.item_at);
            continue;
        }
        if let Some(answer) = c.answer(item, a) {
            answers.insert(item.id.clone(), answer);
        }
    }
    for (index, item) in model.items.iter().enumerate() {
        if item.required
            && item.applies_to.applies(&group, size)
            && !answers.contains_key(&item.id)
            && !suggested.contains(&item.id.as_str())
            // Given but invalid: already reported where it stands.
            && (!seen[index] || blank.contains_key(item.id.as_str()))
        {
            let d = Diagnostic::error("missing-answer")
                .variant(if item.allow_na {
                    "na_allowed"
                } else {
                    "required"
                })
                .arg("item", &item.id)
                .arg("title", &item.title);
            let at = blank.get(item.id.as_str()).copied();
            c.push(d, at.unwrap_or(&raw.answers_at));
        }
    }
    c.done(Some(AnswerSheet {
        model: model.id.clone(),
        model_version: model.version.clone(),
        profile,
        answers,
    }))
}

impl SheetChecker<'_> {
    /// The result: the sheet when no error was found, and every diagnostic.
    fn done(self, sheet: Option<AnswerSheet>) -> Checked {
        let has_errors = self.diags.iter().any(Diagnostic::is_error);
        Checked {
            sheet: sheet.filter(|_| !has_errors),
            diagnostics: self.diags,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_names() {
        assert_eq!(
            closest(
                "netwrok-connectivity",
                ["network-connectivity", "talent"].into_iter()
            ),
            Some("network-connectivity")
        );
        assert_eq!(closest("zzz", ["network-connectivity"].into_iter()), None);
    }
}
