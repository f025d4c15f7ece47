//! Answer checks: every problem of a sheet at once, each with a place and a stable code.

use super::profile::ProfileReader;
use super::{Answer, AnswerSheet, AnswerValue};
use crate::diag::{Diagnostic, Pos};
use crate::model::{Item, Model, Written, WrittenValue};
use crate::source_file::SourceFile;
use crate::text::closest;
use crate::yaml_value::{Key, Node, Value};
use std::collections::BTreeMap;

/// The result of checking a sheet: the sheet when there was no error, and every diagnostic.
pub struct Checked {
    pub sheet: Option<AnswerSheet>,
    pub diagnostics: Vec<Diagnostic>,
}

pub use crate::model::item::TREND_WORDS;

/// Top-level keys of an answer sheet.
const SHEET_KEYS: &[&str] = &["model", "model_version", "profile", "answers"];

/// Parse a sheet file into a value tree (YAML or JSON).
pub fn load_sheet(source: &SourceFile) -> Result<Node, Diagnostic> {
    source.parse_yaml::<Node>()
}

/// The model id a sheet names, if any (to pick the model before checking).
pub fn model_named(sheet: &Node) -> Option<String> {
    sheet.get("model").and_then(|n| n.value.as_text())
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
    fn answer(&mut self, item: &Item, node: &Node) -> Option<Answer> {
        // Long form: {answer: ..., note: ..., data: {...}} (band raw figures are also a mapping).
        let mut note = None;
        let mut data = BTreeMap::new();
        let mut value_node = node;
        let long_form = node.get("answer").is_some()
            || node.get("note").is_some()
            || node.get("data").is_some();
        if let (Value::Map(entries), true) = (&node.value, long_form) {
            let mut answer = None;
            for (k, v) in entries {
                match k.name.as_str() {
                    "answer" => answer = Some(v),
                    "note" => note = v.value.as_text(),
                    "data" => data = self.data(item, v),
                    other => self.err(
                        "unknown-field",
                        k.pos,
                        format!("`{other}` is not a key of a long-form answer"),
                        "use `answer`, `note` and `data`".into(),
                    ),
                }
            }
            match answer {
                Some(a) => value_node = a,
                None => {
                    self.err(
                        "missing-answer",
                        node.pos,
                        format!(
                            "the answer to `{}` has `note`/`data` but no `answer`",
                            item.id
                        ),
                        "add `answer:` with the choice".into(),
                    );
                    return None;
                }
            }
        }
        let value = self.value(item, value_node)?;
        Some(Answer { value, note, data })
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
    let Value::Map(top) = &sheet.value else {
        c.err(
            "wrong-type",
            sheet.pos,
            format!(
                "the answer sheet is {}, expected a mapping with `profile:` and `answers:`",
                sheet.value.kind()
            ),
            "start from `smedx init -o answers.yaml`".into(),
        );
        return Checked {
            sheet: None,
            diagnostics: c.diags,
        };
    };
    for (k, _) in top {
        if !SHEET_KEYS.contains(&k.name.as_str()) {
            let hint = closest(&k.name, SHEET_KEYS.iter().copied()).map_or_else(
                || format!("allowed keys: {}", SHEET_KEYS.join(", ")),
                |s| format!("did you mean `{s}`?"),
            );
            c.err(
                "unknown-field",
                k.pos,
                format!("`{}` is not a key of an answer sheet", k.name),
                hint,
            );
        }
    }
    if let Some(named) = sheet.get("model")
        && let Some(id) = named.value.as_text()
        && id != model.id
    {
        c.warn(
            "model-mismatch",
            named.pos,
            format!(
                "the sheet was written for model `{id}` but is checked against `{}`",
                model.id
            ),
            "pass the right model with --model, or correct `model:`".into(),
        );
    }
    if let Some(v) = sheet
        .get("model_version")
        .and_then(|n| n.value.as_text().map(|t| (t, n.pos)))
        && v.0 != model.version
        && sheet
            .get("model")
            .and_then(|n| n.value.as_text())
            .is_none_or(|id| id == model.id)
    {
        c.warn(
            "model-mismatch",
            v.1,
            format!(
                "the sheet was written for version {} of `{}`; this is version {}",
                v.0, model.id, model.version
            ),
            "check that the item ids still mean the same; re-run `smedx init` for a fresh sheet"
                .into(),
        );
    }
    let profile = ProfileReader {
        file,
        text: &source.text,
        diags: &mut c.diags,
    }
    .read(sheet.get("profile"), sheet.pos, model);
    let group = profile.industry_group.clone();
    let size = profile.size_class;

    let mut answers = BTreeMap::new();
    let empty = Vec::new();
    let entries: &Vec<(Key, Node)> = match sheet.get("answers") {
        None => {
            c.err(
                "missing-field",
                sheet.pos,
                "the sheet has no `answers:`".into(),
                "add `answers:` with one line per item; `smedx init` lists them all".into(),
            );
            &empty
        }
        Some(Node {
            value: Value::Map(e),
            ..
        }) => e,
        Some(Node {
            value: Value::Null, ..
        }) => &empty,
        Some(n) => {
            c.err(
                "wrong-type",
                n.pos,
                format!(
                    "`answers` is {}, expected a mapping of item id → answer",
                    n.value.kind()
                ),
                "write `item-id: answer` lines under `answers:`".into(),
            );
            &empty
        }
    };
    let answers_key = top
        .iter()
        .find(|(k, _)| k.name == "answers")
        .map_or(sheet.pos, |(k, _)| k.pos);
    let mut blank: BTreeMap<&str, crate::diag::Pos> = BTreeMap::new();
    let mut suggested: Vec<&str> = Vec::new();
    let mut seen = vec![false; model.items.len()];
    for (key, node) in entries {
        let Some(item) = model.item(&key.name) else {
            let near = closest(&key.name, model.items.iter().map(|i| i.id.as_str()));
            suggested.extend(near);
            let hint = near.map_or_else(
                || "`smedx init` lists the item ids of the model".to_string(),
                |s| format!("did you mean `{s}`?"),
            );
            c.err(
                "unknown-item",
                key.pos,
                format!("`{}` is not an item of model `{}`", key.name, model.id),
                hint,
            );
            continue;
        };
        let index = model.item_index(&key.name).unwrap_or(0);
        if seen[index] {
            c.err(
                "duplicate-answer",
                key.pos,
                format!("`{}` is answered twice", key.name),
                "keep one answer per item".into(),
            );
            continue;
        }
        seen[index] = true;
        if node.value == Value::Null {
            blank.insert(&key.name, key.pos);
            continue; // left blank: treated as unanswered below
        }
        if !item.applies_to.applies(&group, size) {
            let group_title = model
                .industry_group(&group)
                .map_or(group.clone(), |g| g.title.zh.clone());
            c.warn(
                "not-applicable",
                key.pos,
                format!(
                    "`{}` does not apply to this firm ({group_title}); its answer is ignored",
                    item.id
                ),
                "remove the answer, or check `profile.industry` if the firm's industry is wrong"
                    .into(),
            );
            continue;
        }
        if let Some(a) = c.answer(item, node) {
            answers.insert(item.id.clone(), a);
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
                blank.get(item.id.as_str()).copied().unwrap_or(answers_key),
                format!("`{}` ({}) is not answered", item.id, item.title.zh),
                format!("answer it{na}; `smedx init` shows its options"),
            );
        }
    }
    let has_errors = c.diags.iter().any(Diagnostic::is_error);
    let result = AnswerSheet {
        model: model.id.clone(),
        model_version: model.version.clone(),
        profile,
        answers,
    };
    Checked {
        sheet: (!has_errors).then_some(result),
        diagnostics: c.diags,
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
