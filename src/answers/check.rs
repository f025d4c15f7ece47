//! Answer checks: every problem of a sheet at once, each with a place and a stable code.

use super::profile::ProfileReader;
use super::raw::{RawAnswer, RawSheet};
use super::{Answer, AnswerSheet, AnswerValue, Trend};
use crate::diag::{Diagnostic, Pos};
use crate::model::{BetterWhen, Item, ItemSpec, Model};
use crate::source_file::SourceFile;
use crate::text::closest;
use crate::yaml_value::{Node, Value, format_number};
use std::collections::BTreeMap;

/// The result of checking a sheet: the sheet when there was no error, and every diagnostic.
pub struct Checked {
    pub sheet: Option<AnswerSheet>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Every word a trend answer may be (also listed in the answers schema).
pub const TREND_WORDS: &[&str] = &[
    "better", "flat", "same", "worse", "lower", "higher", "改善", "变好", "持平", "不变", "恶化",
    "变差", "降低", "下降", "减少", "增加", "提高", "上升", "A", "B", "C", "a", "b", "c",
];

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
        if let Value::String(s) = &node.value
            && is_na(s)
        {
            if item.allow_na {
                return Some(AnswerValue::NotApplicable);
            }
            self.err(
                "na-not-allowed",
                node.pos,
                format!("`{}` may not be answered `na`", item.id),
                "choose one of its options; the model does not allow N/A for this item".into(),
            );
            return None;
        }
        match &item.spec {
            ItemSpec::Single { options } => {
                let text = self.scalar(item, node, "one option id")?;
                if options.iter().any(|o| o.id == text) {
                    Some(AnswerValue::Choice { option: text })
                } else {
                    self.unknown_option(
                        item,
                        node.pos,
                        &text,
                        options.iter().map(|o| o.id.clone()),
                    );
                    None
                }
            }
            ItemSpec::Multi { options, .. } => {
                let nodes: Vec<&Node> = match &node.value {
                    Value::List(items) => items.iter().collect(),
                    Value::String(_) | Value::Number(_) => vec![node],
                    other => {
                        self.err(
                            "wrong-type",
                            node.pos,
                            format!(
                                "`{}` is {}, expected a list of option ids",
                                item.id,
                                other.kind()
                            ),
                            "write a list: [B, D]".into(),
                        );
                        return None;
                    }
                };
                let mut chosen: Vec<String> = Vec::new();
                let mut ok = true;
                for n in nodes {
                    let Some(text) = self.scalar(item, n, "an option id") else {
                        ok = false;
                        continue;
                    };
                    if !options.iter().any(|o| o.id == text) {
                        self.unknown_option(
                            item,
                            n.pos,
                            &text,
                            options.iter().map(|o| o.id.clone()),
                        );
                        ok = false;
                    } else if chosen.contains(&text) {
                        self.warn(
                            "duplicate-option",
                            n.pos,
                            format!("option `{text}` of `{}` is listed twice", item.id),
                            "list each option once".into(),
                        );
                    } else {
                        chosen.push(text);
                    }
                }
                if let Some(ex) = options
                    .iter()
                    .find(|o| o.exclusive && chosen.contains(&o.id))
                    && chosen.len() > 1
                {
                    self.err(
                        "exclusive-option",
                        node.pos,
                        format!(
                            "`{}` chooses `{}` ({}) together with other options",
                            item.id, ex.id, ex.label.zh
                        ),
                        format!(
                            "`{}` means none of the others; choose it alone or remove it",
                            ex.id
                        ),
                    );
                    ok = false;
                }
                if chosen.is_empty() && ok {
                    self.err(
                        "missing-answer",
                        node.pos,
                        format!("`{}` is an empty list", item.id),
                        "choose at least one option (the \"无\" option when none applies)".into(),
                    );
                    ok = false;
                }
                ok.then_some(AnswerValue::Choices { options: chosen })
            }
            ItemSpec::Band {
                min,
                max,
                ratio,
                bands,
                unit,
                ..
            } => {
                if let (Value::Map(_), Some(ratio)) = (&node.value, ratio) {
                    return self.ratio_answer(item, node, ratio.scale, *min, *max);
                }
                if let Value::String(s) = &node.value
                    && let Some(b) = bands.iter().find(|b| b.id == *s)
                {
                    return Some(AnswerValue::Band { band: b.id.clone() });
                }
                let Some(value) = node.value.as_number() else {
                    let hint = if ratio.is_some() {
                        " or {numerator: .., denominator: ..}"
                    } else {
                        ""
                    };
                    self.err(
                        "wrong-type",
                        node.pos,
                        format!(
                            "`{}` is {}, expected a number{}",
                            item.id,
                            describe(&node.value),
                            unit.as_deref()
                                .map(|u| format!(" in {u}"))
                                .unwrap_or_default()
                        ),
                        format!(
                            "write a number{hint}, or one of the band ids {}",
                            Self::option_list(bands.iter().map(|b| b.id.clone()))
                        ),
                    );
                    return None;
                };
                self.in_range(item, node.pos, value, *min, *max)?;
                self.in_some_band(item, node.pos, value)?;
                Some(AnswerValue::Number {
                    value,
                    numerator: None,
                    denominator: None,
                })
            }
            ItemSpec::Scenario { .. } => {
                let grade = node
                    .value
                    .as_number()
                    .filter(|g| g.fract() == 0.0 && (0.0..=4.0).contains(g));
                match grade {
                    Some(g) => Some(AnswerValue::Grade { grade: g as u8 }),
                    None => {
                        self.err("out-of-range", node.pos, format!("scenario `{}` is graded {}, expected a whole number 0–4", item.id, describe(&node.value)), "0 = not started, 1–4 = the level whose description fits (see `smedx init` comments)".into());
                        None
                    }
                }
            }
            ItemSpec::Trend { better_when } => {
                let text = self.scalar(item, node, "better, flat or worse")?;
                let trend = match (text.to_lowercase().as_str(), better_when) {
                    // The MIIT platform's options of every trend item are A worse, B flat, C better.
                    ("better" | "改善" | "变好" | "c", _) => Some(Trend::Better),
                    ("flat" | "same" | "持平" | "不变" | "b", _) => Some(Trend::Flat),
                    ("worse" | "恶化" | "变差" | "a", _) => Some(Trend::Worse),
                    ("lower" | "降低" | "下降" | "减少", BetterWhen::Lower)
                    | ("higher" | "增加" | "提高" | "上升", BetterWhen::Higher) => {
                        Some(Trend::Better)
                    }
                    ("lower" | "降低" | "下降" | "减少", BetterWhen::Higher)
                    | ("higher" | "增加" | "提高" | "上升", BetterWhen::Lower) => {
                        Some(Trend::Worse)
                    }
                    _ => None,
                };
                if trend.is_none() {
                    let better = match better_when {
                        BetterWhen::Lower => "lower",
                        BetterWhen::Higher => "higher",
                    };
                    self.err("unknown-option", node.pos, format!("`{text}` is not a trend answer for `{}`", item.id), format!("write better, flat or worse (or the observed change: lower, same, higher; here `{better}` is the improvement)"));
                }
                trend.map(|trend| AnswerValue::Trend { trend })
            }
        }
    }

    fn ratio_answer(
        &mut self,
        item: &Item,
        node: &Node,
        scale: f64,
        min: Option<f64>,
        max: Option<f64>,
    ) -> Option<AnswerValue> {
        let num = node.get("numerator");
        let den = node.get("denominator");
        if let Value::Map(entries) = &node.value {
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
        }
        let (Some(num), Some(den)) = (num, den) else {
            self.err(
                "missing-field",
                node.pos,
                format!(
                    "raw figures of `{}` need both `numerator` and `denominator`",
                    item.id
                ),
                "write {numerator: 12, denominator: 40}".into(),
            );
            return None;
        };
        let (Some(n), Some(d)) = (num.value.as_number(), den.value.as_number()) else {
            self.err(
                "wrong-type",
                node.pos,
                format!("raw figures of `{}` must be numbers", item.id),
                "write {numerator: 12, denominator: 40}".into(),
            );
            return None;
        };
        if d <= 0.0 || n < 0.0 {
            self.err("out-of-range", den.pos, format!("raw figures of `{}` are {n}/{d}; the denominator must be above 0 and the numerator 0 or more", item.id), "a firm with no such devices answers `na` where allowed".into());
            return None;
        }
        if n > d {
            self.err(
                "out-of-range",
                num.pos,
                format!(
                    "`{}`: numerator {} is larger than denominator {}",
                    item.id,
                    format_number(n),
                    format_number(d)
                ),
                "the part cannot exceed the whole; check the counts".into(),
            );
            return None;
        }
        let value = n / d * scale;
        self.in_range(item, node.pos, value, min, max)?;
        self.in_some_band(item, node.pos, value)?;
        Some(AnswerValue::Number {
            value,
            numerator: Some(n),
            denominator: Some(d),
        })
    }

    fn in_range(
        &mut self,
        item: &Item,
        pos: Pos,
        value: f64,
        min: Option<f64>,
        max: Option<f64>,
    ) -> Option<()> {
        if min.is_some_and(|m| value < m) || max.is_some_and(|m| value > m) {
            let range = format!(
                "{}–{}",
                min.map_or("".into(), format_number),
                max.map_or("".into(), format_number)
            );
            self.err(
                "out-of-range",
                pos,
                format!("`{}` is {}, outside {range}", item.id, format_number(value)),
                format!("give a number within {range}"),
            );
            return None;
        }
        Some(())
    }

    fn in_some_band(&mut self, item: &Item, pos: Pos, value: f64) -> Option<()> {
        if let ItemSpec::Band { bands, .. } = &item.spec
            && !bands.iter().any(|b| b.range.contains(value))
        {
            self.err(
                "out-of-range",
                pos,
                format!(
                    "`{}` is {}, which no band of the model covers",
                    item.id,
                    format_number(value)
                ),
                format!(
                    "bands: {}",
                    Self::option_list(bands.iter().map(|b| b.range.to_string()))
                ),
            );
            return None;
        }
        Some(())
    }

    fn scalar(&mut self, item: &Item, node: &Node, expected: &str) -> Option<String> {
        match &node.value {
            Value::String(s) => Some(s.trim().to_string()),
            Value::Number(_) => node.value.as_text(),
            other => {
                self.err(
                    "wrong-type",
                    node.pos,
                    format!("`{}` is {}, expected {expected}", item.id, other.kind()),
                    "see the item's options in `smedx init` output".into(),
                );
                None
            }
        }
    }

    fn unknown_option(
        &mut self,
        item: &Item,
        pos: Pos,
        text: &str,
        ids: impl Iterator<Item = String>,
    ) {
        let ids: Vec<String> = ids.collect();
        self.err(
            "unknown-option",
            pos,
            format!("`{text}` is not an option of `{}`", item.id),
            format!("choose one of {}", ids.join(", ")),
        );
    }
}

/// Words meaning "does not apply".
pub fn is_na(s: &str) -> bool {
    let t = s.trim();
    t.eq_ignore_ascii_case("na") || t.eq_ignore_ascii_case("n/a") || t == "不适用"
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{s}`"),
        Value::Number(n) => format!("`{}`", format_number(*n)),
        other => other.kind().to_string(),
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
