//! Answer checks: every problem of a sheet at once, each with a place and a stable code.

use super::profile::ProfileReader;
use super::raw::{RawAnswer, RawSheet};
use super::{Answer, AnswerSheet, AnswerValue};
use crate::diag::{Diagnostic, Pos};
use crate::model::{Item, Model, Written, WrittenValue};
use crate::source_file::SourceFile;
use crate::text::closest;
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
    fn err(&mut self, code: &'static str, pos: Pos, msg: String, help: String) {
        self.diags.push(
            Diagnostic::error(code, msg)
                .in_file(self.file)
                .at(pos)
                .help(help),
        );
    }

    fn warn(&mut self, code: &'static str, pos: Pos, msg: String, help: String) {
        self.diags.push(
            Diagnostic::warning(code, msg)
                .in_file(self.file)
                .at(pos)
                .help(help),
        );
    }

    fn option_list(options: impl Iterator<Item = String>) -> String {
        options.collect::<Vec<_>>().join(", ")
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
            self.err(
                "wrong-type",
                node.pos,
                format!(
                    "`data` of `{}` is {}, expected a mapping of figures",
                    item.id,
                    node.value.kind()
                ),
                "write `data: {field-id: 12.5}`".into(),
            );
            return out;
        };
        for (k, v) in entries {
            if !item.fields.iter().any(|f| f.id == k.name) {
                let known = Self::option_list(item.fields.iter().map(|f| f.id.clone()));
                let help = if known.is_empty() {
                    format!("item `{}` records no figures; remove `data`", item.id)
                } else {
                    format!("fields of `{}`: {known}", item.id)
                };
                self.err(
                    "unknown-field",
                    k.pos,
                    format!("`{}` is not a field of `{}`", k.name, item.id),
                    help,
                );
                continue;
            }
            match v.value.as_number() {
                Some(n) => {
                    out.insert(k.name.clone(), n);
                }
                None if v.value == Value::Null => {}
                None => self.err(
                    "wrong-type",
                    v.pos,
                    format!(
                        "field `{}` of `{}` is {}, expected a number",
                        k.name,
                        item.id,
                        v.value.kind()
                    ),
                    "write a plain number".into(),
                ),
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
                        self.err(
                            "unknown-field",
                            k.pos,
                            format!("`{}` is not a key of raw figures", k.name),
                            "use `numerator` and `denominator`".into(),
                        );
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
        let msg = format!(
            "the sheet was written for model `{id}` but is checked against `{}`",
            model.id
        );
        c.warn(
            "model-mismatch",
            at.pos,
            msg,
            "pass the right model with --model, or correct `model:`".into(),
        );
    }
    if let Some(at) = &raw.model_version
        && let Some(v) = at.value.as_text()
        && v != model.version
        && named.is_none_or(|id| id == model.id)
    {
        let msg = format!(
            "the sheet was written for version {v} of `{}`; this is version {}",
            model.id, model.version
        );
        c.warn(
            "model-mismatch",
            at.pos,
            msg,
            "check that the item ids still mean the same; re-run `smedx init` for a fresh sheet"
                .into(),
        );
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
            let hint = near.map_or_else(
                || "`smedx init` lists the item ids of the model".to_string(),
                |s| format!("did you mean `{s}`?"),
            );
            let msg = format!("`{}` is not an item of model `{}`", key.name, model.id);
            c.err("unknown-item", key.pos, msg, hint);
            continue;
        };
        let item = &model.items[index];
        if std::mem::replace(&mut seen[index], true) {
            let msg = format!("`{}` is answered twice", key.name);
            c.err(
                "duplicate-answer",
                key.pos,
                msg,
                "keep one answer per item".into(),
            );
            continue;
        }
        if a.blank {
            blank.insert(&key.name, key.pos);
            continue; // left blank: treated as unanswered below
        }
        if !item.applies_to.applies(&group, size) {
            let group_title = model
                .industry_group(&group)
                .map_or(group.clone(), |g| g.title.zh.clone());
            let msg = format!(
                "`{}` does not apply to this firm ({group_title}); its answer is ignored",
                item.id
            );
            c.warn(
                "not-applicable",
                key.pos,
                msg,
                "remove the answer, or check `profile.industry` if the firm's industry is wrong"
                    .into(),
            );
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
            let na = if item.allow_na {
                " (or `na` if it does not apply)"
            } else {
                ""
            };
            c.err(
                "missing-answer",
                blank
                    .get(item.id.as_str())
                    .copied()
                    .unwrap_or(raw.answers_pos),
                format!("`{}` ({}) is not answered", item.id, item.title.zh),
                format!("answer it{na}; `smedx init` shows its options"),
            );
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
