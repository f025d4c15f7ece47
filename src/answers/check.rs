//! Answer checks: every problem of a sheet at once, each with a place and a stable code.

use super::profile::ProfileReader;
use super::raw::{RawAnswer, RawSheet};
use super::{Answer, AnswerSheet, AnswerValue};
use crate::diag::{Arg, Diagnostic, Pos};
use crate::model::{Item, Model, Written, WrittenValue};
use crate::source_file::SourceFile;
use crate::text::{Text, closest};
use crate::yaml_value::{Node, Value};
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
    RawSheet::read(sheet, &mut Vec::new())?.model_id()
}

struct SheetChecker<'a> {
    file: &'a str,
    diags: Vec<Diagnostic>,
}

impl SheetChecker<'_> {
    fn push(&mut self, d: Diagnostic, pos: Pos) {
        self.diags.push(d.in_file(self.file).at(pos));
    }

    /// Interpret one answer for `item`; `None` after reporting when it does not fit.
    fn answer(&mut self, item: &Item, raw: &RawAnswer) -> Option<Answer> {
        let problems = raw.problems.iter().cloned();
        self.diags.extend(problems.map(|d| d.in_file(self.file)));
        let data = raw.data.map(|d| self.data(item, d));
        let value = self.value(item, raw.value?)?;
        let note = raw.note.clone();
        Some(Answer {
            value,
            note,
            data: data.unwrap_or_default(),
        })
    }

    fn data(&mut self, item: &Item, node: &Node) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        let Value::Map(entries) = &node.value else {
            let d = Diagnostic::error("wrong-type")
                .variant("data")
                .arg("item", &item.id)
                .arg("title", &item.title)
                .arg("found", node.value.kind());
            self.push(d, node.pos);
            return out;
        };
        for (k, v) in entries {
            if !item.fields.iter().any(|f| f.id == k.name) {
                let known = item.fields.iter().map(|f| f.id.as_str());
                let d = Diagnostic::error("unknown-field")
                    .variant(if item.fields.is_empty() {
                        "no_data"
                    } else {
                        "data"
                    })
                    .quoted("key", &k.name)
                    .arg("item", &item.id)
                    .arg("title", &item.title)
                    .arg("hint", Arg::suggestion(None, known));
                self.push(d, k.pos);
                continue;
            }
            match v.value.as_number() {
                Some(n) => {
                    out.insert(k.name.clone(), n);
                }
                None if v.value == Value::Null => {}
                None => {
                    let d = Diagnostic::error("wrong-type")
                        .variant("figure")
                        .quoted("key", &k.name)
                        .arg("item", &item.id)
                        .arg("title", &item.title)
                        .arg("found", v.value.kind());
                    self.push(d, v.pos);
                }
            }
        }
        out
    }

    fn value(&mut self, item: &Item, node: &Node) -> Option<AnswerValue> {
        let written = self.written(node);
        let mut diags = Vec::new();
        let value = item.check(&written, &mut diags);
        self.diags
            .extend(diags.into_iter().map(|d| d.in_file(self.file)));
        value
    }

    /// A value tree as an answer as written; unknown keys of raw figures are reported here.
    fn written(&mut self, node: &Node) -> Written {
        let value = match &node.value {
            Value::String(s) => WrittenValue::Text(s.clone()),
            Value::Number(n) => WrittenValue::Number(*n),
            Value::List(items) => {
                WrittenValue::List(items.iter().map(|n| self.written(n)).collect())
            }
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
                        self.push(d, k.pos);
                    }
                }
                let mut figure = |name| node.get(name).map(|n| Box::new(self.written(n)));
                WrittenValue::Ratio {
                    numerator: figure("numerator"),
                    denominator: figure("denominator"),
                }
            }
            other => WrittenValue::Other(other.kind()),
        };
        Written::new(node.pos, value)
    }
}

/// Check a parsed sheet against a model. Errors leave `sheet` empty; warnings do not.
pub fn check_sheet(model: &Model, sheet: &Node, source: &SourceFile) -> Checked {
    let file = source.name.as_str();
    let mut c = SheetChecker {
        file,
        diags: Vec::new(),
    };
    let raw = RawSheet::read(sheet, &mut c.diags);
    c.diags = c.diags.drain(..).map(|d| d.in_file(file)).collect();
    let Some(raw) = raw else {
        return c.done(None);
    };
    let named = raw.model_id();
    if let (Some(id), Some(at)) = (&named, &raw.model)
        && *id != model.id
    {
        let d = Diagnostic::warning("model-mismatch")
            .quoted("sheet_model", id)
            .quoted("model", &model.id);
        c.push(d, at.pos);
    }
    if let Some(at) = &raw.model_version
        && let Some(v) = at.value.as_text()
        && v != model.version
        && named.is_none_or(|id| id == model.id)
    {
        let d = Diagnostic::warning("model-mismatch")
            .variant("version")
            .arg("sheet_version", v)
            .quoted("model", &model.id)
            .arg("version", &model.version);
        c.push(d, at.pos);
    }
    let profile = ProfileReader {
        file,
        text: &source.text,
        diags: &mut c.diags,
    }
    .read(raw.profile, raw.pos, model);
    let problems = raw.answers_problems.iter().cloned();
    c.diags.extend(problems.map(|d| d.in_file(file)));
    let (group, size) = (profile.industry_group.clone(), profile.size_class);
    let mut answers = BTreeMap::new();
    let mut blank: BTreeMap<&str, Pos> = BTreeMap::new();
    let mut suggested: Vec<&str> = Vec::new();
    let mut seen = vec![false; model.items.len()];
    for a in &raw.answers {
        let key = &a.item;
        let Some(index) = model.item_index(&key.name) else {
            let near = closest(&key.name, model.items.iter().map(|i| i.id.as_str()));
            suggested.extend(near);
            let d = Diagnostic::error("unknown-item")
                .quoted("item", &key.name)
                .quoted("model", &model.id)
                .arg("hint", Arg::suggestion(near, []));
            c.push(d, key.pos);
            continue;
        };
        let item = &model.items[index];
        if std::mem::replace(&mut seen[index], true) {
            let d = Diagnostic::error("duplicate-answer")
                .arg("item", &item.id)
                .arg("title", &item.title);
            c.push(d, key.pos);
            continue;
        }
        if a.blank {
            blank.insert(&key.name, key.pos);
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
            c.push(d, key.pos);
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
            c.push(d, at.unwrap_or(raw.answers_pos));
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
