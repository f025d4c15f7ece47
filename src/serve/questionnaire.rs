//! The questionnaire in the browser: a draft is an answer sheet as JSON (the format `smedx score`
//! reads); form posts update it page by page, and pages are views of it.

use crate::answers::{self, AnswerSheet};
use crate::diag::{Diagnostic, Location};
use crate::model::item::Input;
use crate::model::{Children, Item, ItemKind, ItemSpec, Model, Node};
use crate::source_file::SourceFile;
use crate::text::{Lang, Text};
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

pub(super) fn section<'a>(draft: &'a mut Value, key: &str) -> &'a mut Map<String, Value> {
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

/// A number when the text is one (full-width digits and the unit allowed: `３６`, `45%`), else the
/// text (the checker then names the mistake).
fn number_or_text(s: &str, unit: &str) -> Value {
    let t = s.trim();
    match crate::text::typed_number(t, &[(unit, 1.0)]) {
        Some(n) => json!(n),
        None => json!(t),
    }
}

pub(super) fn values<'a>(
    form: &'a [(String, String)],
    name: &str,
) -> impl Iterator<Item = &'a str> {
    let name = name.to_string();
    form.iter()
        .filter(move |(k, _)| *k == name)
        .map(|(_, v)| v.as_str())
}

pub(super) fn first<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    values(form, name).map(str::trim).find(|v| !v.is_empty())
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

/// Save one dimension page into the draft: an item left blank is removed (unanswered). Recorded
/// figures (`f:item:figure`) and a note (`note:item`) make the long form `{answer, data, note}`.
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
                Input::Number { ratio, unit, .. } => {
                    let num = first(form, &format!("n:{}", item.id));
                    let den = first(form, &format!("d:{}", item.id));
                    match (ratio, num, den) {
                        (Some(_), Some(n), Some(d)) => Some(
                            json!({"numerator": number_or_text(n, ""), "denominator": number_or_text(d, "")}),
                        ),
                        _ => first(form, &name).map(|v| number_or_text(v, unit)),
                    }
                }
                Input::One => first(form, &name).map(|v| json!(v)),
            }
        };
        let data: Map<String, Value> = item
            .fields
            .iter()
            .filter_map(|f| {
                let typed = first(form, &format!("f:{}:{}", item.id, f.id))?;
                Some((
                    f.id.clone(),
                    number_or_text(typed, f.unit.as_deref().unwrap_or("")),
                ))
            })
            .collect();
        let note = first(form, &format!("note:{}", item.id));
        let answer = if data.is_empty() && note.is_none() {
            answer
        } else {
            let mut long = Map::new();
            if let Some(a) = answer {
                long.insert("answer".into(), a);
            }
            if !data.is_empty() {
                long.insert("data".into(), Value::Object(data));
            }
            if let Some(n) = note {
                long.insert("note".into(), json!(n));
            }
            Some(Value::Object(long))
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
    // Unanswered items as blank entries: a missing answer is then reported where its item stands,
    // so it points at its page and question (blank entries of items that do not apply are ignored).
    let mut draft = draft.clone();
    let answers = section(&mut draft, "answers");
    for item in &model.items {
        answers.entry(item.id.clone()).or_insert(Value::Null);
    }
    let text = serde_json::to_string_pretty(&draft).unwrap_or_default();
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
    /// Points the choice earns (`3.75`); `None` when the item scores nothing.
    pub points: Option<String>,
    /// A band's interval in plain words (`超过 10%，不超过 20%`).
    pub range: Option<Text>,
}

/// A recorded-not-scored figure asked beside a question.
#[derive(Debug, Serialize)]
pub struct FigureView {
    pub id: String,
    pub label: Text,
    pub unit: String,
    pub value: String,
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
    /// The most the item earns; `None` when it scores nothing (a scenario).
    pub points: Option<String>,
    /// A multiple choice whose title does not already say so.
    pub say_multi: bool,
    /// Band: the number entered, and the raw figures when the item takes them.
    pub value: String,
    pub ratio: Option<(Text, Text)>,
    pub numerator: String,
    pub denominator: String,
    pub figures: Vec<FigureView>,
    pub note: String,
    /// Problems of the answer given (not "unanswered"), said beside the question.
    pub problems: Vec<Text>,
}

/// A titled group of questions (an indicator, or a scenario group).
#[derive(Debug, Serialize)]
pub struct GroupView {
    pub title: Text,
    pub help: Option<Text>,
    pub items: Vec<ItemView>,
}

/// Questions of a page left out because of the firm's industry, and why.
#[derive(Debug, Serialize)]
pub struct HiddenView {
    /// The industry as the profile gives it (`C3670`), when it is a valid code.
    pub industry: Option<String>,
    pub industry_name: Option<Text>,
    /// The firm's industry group (`生产性服务业`).
    pub group: Text,
    pub items: Vec<HiddenItem>,
}

/// One question left out: its title and the industry groups it is asked of.
#[derive(Debug, Serialize)]
pub struct HiddenItem {
    pub title: Text,
    pub groups: Text,
}

/// A page: its groups of questions, what the industry hides, what ★ means when it is used.
#[derive(Debug, Serialize)]
pub struct PageView {
    pub groups: Vec<GroupView>,
    pub hidden: Option<HiddenView>,
    /// Per level, how many scenarios and ★ scenarios it needs, for the firm's industry group.
    pub star: Vec<Text>,
}

fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => crate::yaml_value::format_number(n.as_f64().unwrap_or(0.0)),
        _ => String::new(),
    }
}

fn points_of(item: &Item, fraction: f64) -> Option<String> {
    (item.points > 0.0)
        .then(|| crate::text::format_number((fraction * item.points * 1000.0).round() / 1000.0))
}

fn item_view(item: &Item, stored: Option<&Value>) -> ItemView {
    // The long form `{answer, data, note}`; raw figures `{numerator, denominator}` are an answer.
    let long = stored.and_then(Value::as_object).filter(|m| {
        ["answer", "data", "note"]
            .iter()
            .any(|k| m.contains_key(*k))
    });
    let answer = match long {
        Some(m) => m.get("answer"),
        None => stored,
    };
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
    let bands = match &item.spec {
        ItemSpec::Band { bands, .. } => bands.as_slice(),
        _ => &[],
    };
    let figures = item
        .fields
        .iter()
        .map(|f| FigureView {
            id: f.id.clone(),
            label: f.label.clone(),
            unit: f.unit.clone().unwrap_or_default(),
            value: text_of(long.and_then(|m| m.get("data")).and_then(|d| d.get(&f.id))),
        })
        .collect();
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
                points: points_of(item, w.fraction),
                range: bands
                    .iter()
                    .find(|b| b.id == w.id)
                    .map(|b| b.range.plain(unit.as_deref().unwrap_or(""))),
                value: w.id,
                label: w.label,
                help: w.help,
            })
            .collect(),
        points: points_of(item, 1.0),
        say_multi: item.spec.kind() == ItemKind::Multi && !item.title.zh.contains("多选"),
        unit,
        value: String::new(),
        ratio,
        numerator: String::new(),
        denominator: String::new(),
        figures,
        note: text_of(long.and_then(|m| m.get("note"))),
        problems: Vec::new(),
    };
    // A band's label that only restates its interval (`[0-10%]`) is not shown twice.
    for o in &mut view.options {
        if o.range.is_some() && !o.label.zh.chars().any(|c| c.is_alphabetic()) {
            o.label = Text::default();
        }
    }
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

/// The industry code of the draft's profile when it is a valid one (`C3670`).
fn draft_industry(draft: &Value) -> Option<String> {
    let typed = draft.pointer("/profile/industry").and_then(Value::as_str)?;
    answers::normalise_industry(typed).ok()
}

/// The questions of one dimension that apply to the draft's firm, grouped by indicator, with the
/// questions the firm's industry leaves out and what ★ means.
pub fn dimension_view(model: &Model, dim: &Node, draft: &Value) -> PageView {
    let industry = draft_industry(draft);
    let group = model.industry_group_of(industry.as_deref()).to_string();
    let answers = draft.get("answers");
    let applies = |item: &&Item| item.applies_to.applies(&group, None);
    let view_of = |indices: &[usize]| -> Vec<ItemView> {
        indices
            .iter()
            .map(|&i| &model.items[i])
            .filter(applies)
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
    let mut groups: Vec<GroupView> = groups.into_iter().filter(|g| !g.items.is_empty()).collect();
    // What is wrong with an answer given, beside its question ("unanswered" waits for the review).
    let (_, diags) = check(model, draft);
    for it in groups.iter_mut().flat_map(|g| g.items.iter_mut()) {
        it.problems = diags
            .iter()
            .filter(|d| d.code != "missing-answer")
            .filter(|d| matches!(&*d.location, Location::Form { field, .. } if *field == it.id))
            .map(form_wording)
            .collect();
    }
    let group_title = |id: &str| {
        model
            .industry_group(id)
            .map_or_else(|| Text::new(id, id), |g| g.title.clone())
    };
    let hidden: Vec<HiddenItem> = dimension_items(model, dim)
        .into_iter()
        .map(|i| &model.items[i])
        .filter(|item| !applies(item))
        .map(|item| {
            let names: Vec<Text> = item
                .applies_to
                .industry_groups
                .iter()
                .flatten()
                .map(|g| group_title(g))
                .collect();
            let join = |lang| {
                names
                    .iter()
                    .map(|t| t.get(lang).to_string())
                    .collect::<Vec<_>>()
            };
            HiddenItem {
                title: item.title.clone(),
                groups: Text {
                    zh: join(Lang::Zh).join("、"),
                    en: join(Lang::En).join(", "),
                },
            }
        })
        .collect();
    let hidden = (!hidden.is_empty()).then(|| HiddenView {
        industry_name: industry
            .as_deref()
            .and_then(super::profile_form::industry_name),
        industry,
        group: group_title(&group),
        items: hidden,
    });
    let starred = groups.iter().flat_map(|g| &g.items).any(|i| i.constrained);
    let star = if starred {
        star_rules(model, &group)
    } else {
        Vec::new()
    };
    PageView {
        groups,
        hidden,
        star,
    }
}

/// What ★ means, from the level rules for the firm's industry group: per level, the scenarios it
/// needs at or above that grade and how many of them must be ★ (constrained) scenarios.
pub fn star_rules(model: &Model, group: &str) -> Vec<Text> {
    model
        .levels
        .iter()
        .filter_map(|rule| {
            let (score, scenarios) = rule.effective(group);
            let s = scenarios?;
            let score_zh = score.map_or(String::new(), |m| format!("总分不低于 {} 分，且", crate::text::points(m)));
            let score_en = score.map_or(String::new(), |m| format!("a score of at least {} and ", crate::text::points(m)));
            Some(Text {
                zh: format!(
                    "{}：{}至少 {} 个场景达到 {} 级，其中 ★ 场景至少 {} 个",
                    rule.name.zh, score_zh, s.at_least, s.at_or_above, s.constrained_at_least
                ),
                en: format!(
                    "{}: {score_en}at least {} scenarios at grade {} or above, of which at least {} ★",
                    rule.name.en, s.at_least, s.at_or_above, s.constrained_at_least
                ),
            })
        })
        .collect()
}

/// A code's title from the registry, as a sentence (`题目未作答。`).
pub fn code_title(code: &str) -> Text {
    crate::diag::code::registry()
        .get(code)
        .map(|c| Text {
            zh: format!("{}。", c.title.zh),
            en: format!("{}.", c.title.en),
        })
        .unwrap_or_else(|| Text::new("请更正。", "Please correct it."))
}

/// A checker's problem on a form field as the form says it beside the field: the registry's help
/// for a form (`help_form` in `src/diag/codes.yaml`), else the code's title.
pub fn form_wording(d: &Diagnostic) -> Text {
    match (d.help_as_sentence(Lang::Zh), d.help_as_sentence(Lang::En)) {
        (Some(zh), Some(en)) => Text { zh, en },
        _ => code_title(d.code),
    }
}

#[cfg(test)]
mod tests {
    use super::super::profile_form::apply_profile;
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
            for g in dimension_view(model, dim, &draft).groups {
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
        let first = &shown.groups[0].items[0];
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
        // A percentage over 100 is said beside its question when the page is shown again.
        apply_dimension(
            model,
            dim,
            &mut draft,
            &form(&[("a:equipment-digitisation-rate", "150")]),
        );
        let page = dimension_view(model, dim, &draft);
        let item = page
            .groups
            .iter()
            .flat_map(|g| &g.items)
            .find(|it| it.id == "equipment-digitisation-rate")
            .unwrap();
        assert_eq!(item.problems.len(), 1, "{:?}", item.problems);
        assert_eq!(item.problems[0].zh, "请填写 0–100 之间的数字。");
    }

    #[test]
    fn recorded_figures_and_notes_make_the_long_form_and_are_shown_again() {
        let model = crate::model::bundled("sme-dx-2024").unwrap();
        let i = model.item_index("funding").unwrap();
        let dim = model
            .dimensions
            .iter()
            .find(|d| dimension_items(model, d).contains(&i))
            .unwrap();
        let mut draft = new_draft(model, "2026-01-01");
        apply_dimension(
            model,
            dim,
            &mut draft,
            &form(&[
                ("a:funding", "１２%"),
                ("f:funding:digital-investment", "90万元/年"),
                ("note:funding", "含云服务订阅"),
            ]),
        );
        assert_eq!(
            draft["answers"]["funding"],
            json!({"answer": 12.0, "data": {"digital-investment": 90.0}, "note": "含云服务订阅"})
        );
        let (_, diags) = check(model, &draft);
        assert!(
            !diags.iter().any(
                |d| matches!(&*d.location, Location::Form { field, .. } if field == "funding")
            ),
            "{diags:?}"
        );
        let shown = dimension_view(model, dim, &draft);
        let item = shown
            .groups
            .iter()
            .flat_map(|g| &g.items)
            .find(|it| it.id == "funding")
            .unwrap();
        assert_eq!(
            (item.value.as_str(), item.note.as_str()),
            ("12", "含云服务订阅")
        );
        assert_eq!(item.figures[0].value, "90");
        assert!(item.problems.is_empty());
        // Points per band, the interval in plain words, the restating label dropped.
        let b = &item.options[1];
        assert_eq!(b.points.as_deref(), Some("1.875"));
        assert_eq!(b.range.as_ref().unwrap().zh, "超过 10%，不超过 20%");
        assert!(b.label.zh.is_empty());
    }

    #[test]
    fn a_page_says_which_questions_the_industry_hides_and_what_the_star_means() {
        let model = crate::model::bundled("sme-dx-2024").unwrap();
        let scenarios = model
            .dimensions
            .iter()
            .find(|d| {
                dimension_items(model, d)
                    .iter()
                    .any(|&i| model.items[i].constrained())
            })
            .unwrap();
        let mut draft = new_draft(model, "2026-01-01");
        draft["profile"]["industry"] = json!("F51");
        let page = dimension_view(model, scenarios, &draft);
        let hidden = page
            .hidden
            .expect("wholesale hides manufacturing scenarios");
        assert_eq!(hidden.industry.as_deref(), Some("F51"));
        assert_eq!(hidden.group.zh, "生产性服务业");
        assert!(!hidden.items.is_empty() && hidden.items.iter().all(|h| h.groups.zh == "制造业"));
        let shown: usize = page.groups.iter().map(|g| g.items.len()).sum();
        assert_eq!(
            shown + hidden.items.len(),
            dimension_items(model, scenarios).len()
        );
        assert_eq!(page.star.len(), model.levels.len());
        assert!(
            page.star[1].zh.contains("★ 场景至少"),
            "{}",
            page.star[1].zh
        );
        // A manufacturer sees every scenario; a wrong industry is no industry.
        draft["profile"]["industry"] = json!("C3670");
        assert!(dimension_view(model, scenarios, &draft).hidden.is_none());
        draft["profile"]["industry"] = json!("五金");
        let page = dimension_view(model, scenarios, &draft);
        assert!(page.hidden.is_some_and(|h| h.industry.is_none()));
    }
}
