//! The questionnaire in the browser: a draft is an answer sheet as JSON (the format `smedx score`
//! reads); form posts update it page by page, and pages are views of it.

use crate::answers::{self, AnswerSheet, FieldKind};
use crate::diag::{Diagnostic, Location};
use crate::model::item::Input;
use crate::model::{Children, Item, ItemKind, Model, Node};
use crate::source_file::SourceFile;
use crate::text::Text;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// A blank draft for `model`, dated `today`.
pub fn new_draft(model: &Model, today: &str) -> Value {
    json!({
        "model": model.id,
        "model_version": model.version,
        "profile": {"assessed_on": today},
        "answers": {},
    })
}

fn section<'a>(draft: &'a mut Value, key: &str) -> &'a mut Map<String, Value> {
    if !draft.is_object() {
        *draft = json!({});
    }
    let Value::Object(top) = draft else {
        unreachable!("made an object above")
    };
    let entry = top.entry(key).or_insert_with(|| json!({}));
    if !entry.is_object() {
        *entry = json!({});
    }
    match entry {
        Value::Object(m) => m,
        _ => unreachable!("made an object above"),
    }
}

/// A number when the text is one, else the text (the checker then names the mistake).
fn number_or_text(s: &str) -> Value {
    let t = s.trim();
    match t.parse::<f64>() {
        Ok(n) if n.is_finite() => json!(n),
        _ => json!(t),
    }
}

fn values<'a>(form: &'a [(String, String)], name: &str) -> impl Iterator<Item = &'a str> {
    let name = name.to_string();
    form.iter()
        .filter(move |(k, _)| *k == name)
        .map(|(_, v)| v.as_str())
}

fn first<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    values(form, name).map(str::trim).find(|v| !v.is_empty())
}

/// Save the profile page into the draft: the asked fields of the profile table.
pub fn apply_profile(draft: &mut Value, form: &[(String, String)]) {
    let profile = section(draft, "profile");
    for f in answers::profile_fields().iter().filter(|f| f.asked) {
        let key = f.id.as_str();
        let value = match f.kind {
            FieldKind::List => {
                let other = format!("{key}_other");
                let mut words: Vec<String> =
                    values(form, key).map(|w| f.entries(w).concat()).collect();
                words.extend(
                    first(form, &other)
                        .map(crate::collect::flat::split_list)
                        .unwrap_or_default(),
                );
                words.retain(|w| !w.trim().is_empty());
                (!words.is_empty()).then(|| json!(words))
            }
            FieldKind::Number => first(form, key).map(number_or_text),
            // Codes stay text: a region or industry code is never a number.
            _ => first(form, key).map(|v| json!(v)),
        };
        match value {
            Some(v) => profile.insert(key.into(), v),
            None => profile.remove(key),
        };
    }
}

/// Every item of a dimension, in model order.
pub fn dimension_items(model: &Model, dim: &Node) -> Vec<usize> {
    fn walk(n: &Node, out: &mut Vec<usize>) {
        match &n.children {
            Children::Items(items) => out.extend(items.iter().copied()),
            Children::Nodes(nodes) => nodes.iter().for_each(|c| walk(c, out)),
        }
    }
    let _ = model;
    let mut out = Vec::new();
    walk(dim, &mut out);
    out
}

/// Save one dimension page into the draft: an item left blank is removed (unanswered).
pub fn apply_dimension(model: &Model, dim: &Node, draft: &mut Value, form: &[(String, String)]) {
    let answers = section(draft, "answers");
    for i in dimension_items(model, dim) {
        let item = &model.items[i];
        let name = format!("a:{}", item.id);
        let answer = if values(form, &name).any(|v| v == "na") && item.allow_na {
            Some(json!("na"))
        } else {
            match item.input() {
                Input::Many => {
                    let chosen: Vec<&str> = values(form, &name).filter(|v| !v.is_empty()).collect();
                    (!chosen.is_empty()).then(|| json!(chosen))
                }
                Input::Number { ratio, .. } => {
                    let num = first(form, &format!("n:{}", item.id));
                    let den = first(form, &format!("d:{}", item.id));
                    match (ratio, num, den) {
                        (Some(_), Some(n), Some(d)) => Some(
                            json!({"numerator": number_or_text(n), "denominator": number_or_text(d)}),
                        ),
                        _ => first(form, &name).map(number_or_text),
                    }
                }
                Input::One => first(form, &name).map(|v| json!(v)),
            }
        };
        match answer {
            Some(a) => {
                answers.insert(item.id.clone(), a);
            }
            None => {
                answers.remove(&item.id);
            }
        }
    }
}

/// Check the draft as `smedx validate` would: the sheet when it has no error, and every diagnostic.
pub fn check(model: &Model, draft: &Value) -> (Option<AnswerSheet>, Vec<Diagnostic>) {
    let text = serde_json::to_string_pretty(draft).unwrap_or_default();
    let source = SourceFile::from_text("draft.json", &text);
    match answers::load_sheet(&source) {
        Ok(node) => {
            let checked = answers::check_sheet(model, &node, &source);
            let on_form = |d: Diagnostic| match form_location(model, &text, d.line() as usize) {
                Some(at) => d.located(at),
                None => d,
            };
            let diags = checked.diagnostics.into_iter().map(on_form).collect();
            (checked.sheet, diags)
        }
        Err(d) => (None, vec![d]),
    }
}

/// The form page and field of a line of the pretty-printed draft: the `profile` or `answers`
/// entry (indented 4) the line belongs to, under its section (indented 2).
fn form_location(model: &Model, draft: &str, line: usize) -> Option<Location> {
    let mut field = None;
    for l in draft
        .lines()
        .take(line)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        let key = |indent: usize| {
            let rest = l.strip_prefix(&" ".repeat(indent))?.strip_prefix('"')?;
            rest.split('"').next()
        };
        field = field.or_else(|| key(4));
        if let Some(section) = key(2) {
            let field = field?.to_string();
            let page = match section {
                "profile" => "profile".to_string(),
                "answers" => {
                    let i = model.item_index(&field)?;
                    let on_page = |d: &Node| dimension_items(model, d).contains(&i);
                    format!("page/{}", model.dimensions.iter().position(on_page)? + 1)
                }
                _ => return None,
            };
            return Some(Location::Form { page, field });
        }
    }
    None
}

/// One choice shown on a page.
#[derive(Debug, Serialize)]
pub struct OptionView {
    pub value: String,
    pub label: Text,
    pub help: Option<Text>,
    pub checked: bool,
}

/// One question shown on a page.
#[derive(Debug, Serialize)]
pub struct ItemView {
    pub id: String,
    pub title: Text,
    pub help: Option<Text>,
    pub evidence: Vec<Text>,
    pub kind: ItemKind,
    pub constrained: bool,
    pub allow_na: bool,
    pub na: bool,
    pub options: Vec<OptionView>,
    pub unit: Option<String>,
    /// Band: the number entered, and the raw figures when the item takes them.
    pub value: String,
    pub ratio: Option<(Text, Text)>,
    pub numerator: String,
    pub denominator: String,
}

/// A titled group of questions (an indicator, or a scenario group).
#[derive(Debug, Serialize)]
pub struct GroupView {
    pub title: Text,
    pub help: Option<Text>,
    pub items: Vec<ItemView>,
}

fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => crate::yaml_value::format_number(n.as_f64().unwrap_or(0.0)),
        _ => String::new(),
    }
}

fn item_view(item: &Item, answer: Option<&Value>) -> ItemView {
    let na = matches!(answer, Some(Value::String(s)) if s == "na");
    let chosen: Vec<String> = match answer {
        Some(Value::Array(list)) => list.iter().map(|v| text_of(Some(v))).collect(),
        Some(v) => vec![text_of(Some(v))],
        None => Vec::new(),
    };
    let (unit, ratio) = match item.input() {
        Input::Number { unit, ratio, .. } => (
            Some(unit.to_string()).filter(|u| !u.is_empty()),
            ratio.map(|r| (r.numerator.clone(), r.denominator.clone())),
        ),
        _ => (None, None),
    };
    let mut view = ItemView {
        id: item.id.clone(),
        title: item.title.clone(),
        help: item.help.clone(),
        evidence: item.evidence.clone(),
        kind: item.spec.kind(),
        constrained: item.constrained(),
        allow_na: item.allow_na,
        na,
        options: item
            .words()
            .into_iter()
            .map(|w| OptionView {
                checked: chosen.contains(&w.id),
                value: w.id,
                label: w.label,
                help: w.help,
            })
            .collect(),
        unit,
        value: String::new(),
        ratio,
        numerator: String::new(),
        denominator: String::new(),
    };
    if let (Input::Number { .. }, false, Some(v)) = (item.input(), na, answer) {
        match v {
            Value::Object(m) => {
                view.numerator = text_of(m.get("numerator"));
                view.denominator = text_of(m.get("denominator"));
            }
            other => view.value = text_of(Some(other)),
        }
    }
    view
}

/// The questions of one dimension that apply to the draft's firm, grouped by indicator.
pub fn dimension_view(model: &Model, dim: &Node, draft: &Value) -> Vec<GroupView> {
    // The code as typed (`C3670`); the checker normalises other spellings at review.
    let industry = draft
        .pointer("/profile/industry")
        .and_then(Value::as_str)
        .map(|c| c.trim().to_ascii_uppercase());
    let group = model.industry_group_of(industry.as_deref()).to_string();
    let answers = draft.get("answers");
    let view_of = |indices: &[usize]| -> Vec<ItemView> {
        indices
            .iter()
            .map(|&i| &model.items[i])
            .filter(|item| item.applies_to.applies(&group, None))
            .map(|item| item_view(item, answers.and_then(|a| a.get(&item.id))))
            .collect()
    };
    let groups: Vec<GroupView> = match &dim.children {
        Children::Items(items) => vec![GroupView {
            title: dim.title.clone(),
            help: dim.help.clone(),
            items: view_of(items),
        }],
        Children::Nodes(nodes) => nodes
            .iter()
            .map(|n| GroupView {
                title: n.title.clone(),
                help: n.help.clone(),
                items: view_of(&dimension_items(model, n)),
            })
            .collect(),
    };
    groups.into_iter().filter(|g| !g.items.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn problems_of_the_draft_point_at_their_page_and_field() {
        let model = crate::model::bundled("sme-dx-2024").unwrap();
        let mut draft = new_draft(model, "2026-05-12");
        let form_words = [
            ("name", "甲"),
            ("employees", "-3"),
            ("pain_points", "late-delivery"),
            ("pain_points_other", "缺订单、 "),
        ];
        apply_profile(&mut draft, &form(&form_words));
        assert_eq!(
            draft["profile"]["pain_points"],
            json!(["交期不准", "缺订单"])
        );
        let (item, page) = (
            &model.items[0],
            dimension_items(model, &model.dimensions[1]),
        );
        assert!(!page.contains(&0), "the first item is on the first page");
        draft["answers"][&item.id] = json!("no-such-option");
        let (_, diags) = check(model, &draft);
        let at = |code: &str| {
            diags
                .iter()
                .find(|d| d.code == code)
                .map(|d| (*d.location).clone())
        };
        let form_at = |page: &str, field: &str| Location::Form {
            page: page.into(),
            field: field.into(),
        };
        assert_eq!(at("wrong-type"), Some(form_at("profile", "employees")));
        assert_eq!(at("unknown-option"), Some(form_at("page/1", &item.id)));
    }

    #[test]
    fn a_filled_sample_round_trips_through_the_pages() {
        let model = crate::model::bundled("sme-dx-2024").unwrap();
        let mut draft = new_draft(model, "2026-05-12");
        apply_profile(
            &mut draft,
            &form(&[
                ("name", "测试<b>企业</b>"),
                ("region", "510104"),
                ("industry", "C3670"),
                ("employees", "85"),
                ("revenue", "6000"),
            ]),
        );
        // Answer every applicable item with its first choice (or a number) on its page.
        for dim in &model.dimensions {
            let mut f = Vec::new();
            for g in dimension_view(model, dim, &draft) {
                for it in g.items {
                    let v = match it.kind {
                        ItemKind::Band => "50".to_string(),
                        ItemKind::Scenario => "2".to_string(),
                        _ => it.options[0].value.clone(),
                    };
                    f.push((format!("a:{}", it.id), v));
                }
            }
            apply_dimension(model, dim, &mut draft, &f);
        }
        let (sheet, diags) = check(model, &draft);
        let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        let sheet = sheet.unwrap();
        assert_eq!(sheet.profile.name, "测试<b>企业</b>");
        assert_eq!(sheet.profile.region.as_deref(), Some("510104"));
        // The page shows what was saved.
        let dim = &model.dimensions[0];
        let shown = dimension_view(model, dim, &draft);
        let first = &shown[0].items[0];
        assert!(first.options.iter().any(|o| o.checked) || !first.value.is_empty());
        // Clearing a page removes its answers.
        apply_dimension(model, dim, &mut draft, &[]);
        let (sheet, _) = check(model, &draft);
        assert!(sheet.is_none(), "unanswered required items are errors");
    }

    #[test]
    fn na_and_ratio_answers() {
        let model = crate::model::bundled("sme-dx-2024").unwrap();
        let dim = &model.dimensions[0];
        let mut draft = new_draft(model, "2026-01-01");
        apply_dimension(
            model,
            dim,
            &mut draft,
            &form(&[
                ("a:equipment-digitisation-rate", ""),
                ("n:equipment-digitisation-rate", "36"),
                ("d:equipment-digitisation-rate", "62"),
                ("a:equipment-networking-rate", "na"),
            ]),
        );
        let a = &draft["answers"];
        assert_eq!(
            a["equipment-digitisation-rate"],
            json!({"numerator": 36.0, "denominator": 62.0})
        );
        assert_eq!(a["equipment-networking-rate"], json!("na"));
    }
}
