//! The profile page of the web questionnaire: the fields of the profile table as inputs (the region
//! chosen province → city → county with plain selects, the industry from a searchable list of
//! GB/T 4754 大类), forgiving input (`45人`, full-width digits, an industry by its name), and each
//! problem said beside its field in the visitor's language.

use super::questionnaire::{first, section, values};
use crate::answers::reference::{Division, reference};
use crate::answers::{
    FieldKind, ProfileField, names, normalise_industry, profile_field, profile_fields,
};
use crate::diag::{Diagnostic, Location};
use crate::model::Model;
use crate::text::{Text, format_number};
use serde::Serialize;
use serde_json::{Value, json};

/// A value read differently from how it was typed (`45人` → 45), said beside the field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Normalised {
    pub field: String,
    pub typed: String,
    pub stored: String,
}

/// A problem, or a remark, shown beside a profile field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldNote {
    pub field: String,
    pub error: bool,
    /// A value read differently from how it was typed, said so (not a problem).
    pub saved: bool,
    pub text: Text,
}

/// Save the profile page into the draft: the asked fields of the profile table. Numbers may carry
/// their unit and full-width digits, the industry may be named, the region chosen from selects;
/// what was read differently from how it was typed is returned, to be said beside the field.
pub fn apply_profile(draft: &mut Value, form: &[(String, String)]) -> Vec<Normalised> {
    let mut read = Vec::new();
    let profile = section(draft, "profile");
    for f in profile_fields().iter().filter(|f| f.asked) {
        let key = f.id.as_str();
        let mut normalised = |typed: &str, stored: String| {
            if typed != stored {
                read.push(Normalised {
                    field: key.into(),
                    typed: typed.into(),
                    stored: stored.clone(),
                });
            }
            stored
        };
        let value = match (f.kind, key) {
            (FieldKind::List, _) => {
                let other = format!("{key}_other");
                // Ticked words; a list without offered words is one text field, split like a cell.
                let mut words: Vec<String> = if f.choices().is_empty() {
                    values(form, key)
                        .flat_map(crate::collect::flat::split_list)
                        .collect()
                } else {
                    values(form, key).map(|w| f.entries(w).concat()).collect()
                };
                words.extend(
                    first(form, &other)
                        .map(crate::collect::flat::split_list)
                        .unwrap_or_default(),
                );
                words.retain(|w| !w.trim().is_empty());
                (!words.is_empty()).then(|| json!(words))
            }
            (FieldKind::Number, _) => first(form, key).map(|t| match t.parse::<f64>() {
                Ok(n) if n.is_finite() => json!(n),
                _ => match f.typed_number(t) {
                    Some(n) => {
                        normalised(t, format_number(n));
                        json!(n)
                    }
                    // Kept as typed: the checker names the mistake beside the field.
                    None => json!(t),
                },
            }),
            (_, "industry") => first(form, key).map(|t| match industry_of(t) {
                Some(code) => json!(normalised(t, code)),
                None => json!(t),
            }),
            (_, "region") => region_of(form).map(|t| match region_code(&t) {
                Some(code) => json!(normalised(&t, code)),
                None => json!(t),
            }),
            // Codes stay text: a region or industry code is never a number.
            _ => first(form, key).map(|v| json!(v)),
        };
        match value {
            Some(v) => profile.insert(key.into(), v),
            None => profile.remove(key),
        };
    }
    // Offered beside a credit code that fails its check digit: the assessor confirms it.
    if first(form, "credit_code_verified_shown").is_some() {
        if values(form, "credit_code_verified").any(|v| v == "yes") {
            profile.insert("credit_code_verified".into(), json!(true));
        } else {
            profile.remove("credit_code_verified");
        }
    }
    read
}

/// Whether to offer "checked against the licence" beside the credit code, and its state: when the
/// code fails its check digit, or was confirmed before.
fn verify_offer(draft: &Value) -> Option<bool> {
    let verified = draft.pointer("/profile/credit_code_verified") == Some(&Value::Bool(true));
    let fails = matches!(
        crate::answers::credit_code::validate(&typed(draft, "credit_code")),
        Err(crate::answers::credit_code::CreditCodeError::CheckDigit { .. })
    );
    (fails || verified).then_some(verified)
}

/// The region the form gives: the code or name typed when it was changed, else the deepest of the
/// province → city → county selects that lies inside the one above it.
fn region_of(form: &[(String, String)]) -> Option<String> {
    let typed = first(form, "region");
    if typed.is_some() && typed != first(form, "region_was") {
        return typed.map(str::to_string);
    }
    let mut chosen: Option<&str> = None;
    for name in ["region_p", "region_c", "region_d"] {
        let Some(code) = first(form, name) else {
            break;
        };
        let inside = chosen
            .and_then(names::region_prefix)
            .is_none_or(|p| code.starts_with(p));
        if !inside || names::region(code).is_none() {
            break;
        }
        chosen = Some(code);
    }
    chosen.or(typed).map(str::to_string)
}

/// A region as typed: a 6-digit code, or the name of one region (`瑞安市`, `浙江省温州市瑞安市`).
fn region_code(text: &str) -> Option<String> {
    let t = text.trim();
    if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
        return Some(t.to_string());
    }
    let named: Vec<names::Region> = names::search_regions(t, 20)
        .into_iter()
        .filter(|r| r.name == t || r.full_name == t)
        .collect();
    match named.as_slice() {
        [one] => Some(one.code.clone()),
        _ => None,
    }
}

/// The full name of a region code (`浙江省温州市瑞安市`).
pub fn region_name(code: &str) -> Option<Text> {
    let name = names::region(code)?.full_name;
    Some(Text::new(&name, &name))
}

/// A 大类 with its 门类 letter: `C36`.
fn division_code(d: &Division) -> String {
    let letter = d
        .code
        .parse::<u8>()
        .ok()
        .and_then(|n| reference().section_of_division(n))
        .map_or("", |s| s.letter.as_str());
    format!("{letter}{}", d.code)
}

/// Every 大类 as the industry list offers it: `C36 汽车制造业`.
pub fn industry_choices(lang: crate::text::Lang) -> Vec<String> {
    reference()
        .divisions
        .iter()
        .map(|d| format!("{} {}", division_code(d), d.title.get(lang)))
        .collect()
}

/// An industry as typed: a GB/T 4754 code (`C3670`, `3670`), a list entry (`C36 汽车制造业`), or the
/// name of a 大类 or 门类, whole or a part of one name only (`汽车`).
pub fn industry_of(text: &str) -> Option<String> {
    let t = text.trim();
    if let Ok(code) = normalise_industry(t) {
        return Some(code);
    }
    let r = reference();
    let named = |name: &str| {
        let name = name.trim();
        r.divisions
            .iter()
            .find(|d| d.title.zh == name || d.title.en.eq_ignore_ascii_case(name))
            .map(division_code)
            .or_else(|| {
                r.sections
                    .iter()
                    .find(|s| s.title.zh == name || s.title.en.eq_ignore_ascii_case(name))
                    .map(|s| s.letter.clone())
            })
    };
    // `C36 汽车制造业`, `C3670（汽车制造业）`: the code, when the rest names its 大类.
    if let Some((code, rest)) = t.split_once([' ', '（', '(', '·']) {
        let rest = rest.trim_matches([' ', '（', '）', '(', ')', '·']);
        if let Ok(code) = normalise_industry(code)
            && (rest.is_empty() || named(rest).is_some_and(|n| code.starts_with(&n)))
        {
            return Some(code);
        }
    }
    if let Some(code) = named(t) {
        return Some(code);
    }
    if t.chars().count() < 2 {
        return None;
    }
    let mut containing = r.divisions.iter().filter(|d| d.title.zh.contains(t));
    match (containing.next(), containing.next()) {
        (Some(d), None) => Some(division_code(d)),
        _ => None,
    }
}

/// 大类 whose names share the most telling characters with `text`, for "did you mean" (at most 3).
pub fn industry_suggestions(text: &str) -> Vec<String> {
    const COMMON: &str = "业制造品和及其他、的与服务加工产";
    let wanted: Vec<char> = text.chars().filter(|c| !COMMON.contains(*c)).collect();
    // Most shared characters first, then the name that starts with them, then the shorter name.
    let mut scored: Vec<(usize, usize, usize, String)> = reference()
        .divisions
        .iter()
        .filter_map(|d| {
            let title: Vec<char> = d.title.zh.chars().collect();
            let shared = wanted.iter().filter(|c| title.contains(c)).count();
            let at = title.iter().position(|c| wanted.contains(c))?;
            let label = format!("{} {}", division_code(d), d.title.zh);
            Some((shared, at, title.len(), label))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    scored.into_iter().take(3).map(|(.., l)| l).collect()
}

/// The name of an industry code: `C 制造业 / 36 汽车制造业`.
pub fn industry_name(code: &str) -> Option<Text> {
    names::industry(code).map(|i| i.label())
}

/// The profile as the draft holds it: each field's text as typed or stored.
fn typed(draft: &Value, id: &str) -> String {
    match draft.pointer(&format!("/profile/{id}")) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => format_number(n.as_f64().unwrap_or(0.0)),
        Some(Value::Array(l)) => l
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("、"),
        _ => String::new(),
    }
}

/// Every problem of the profile, by field, worded for the web form: required fields left blank,
/// the checker's diagnostics on profile fields, an industry that hides questions, a size class
/// that cannot be derived.
pub fn field_notes(model: &Model, draft: &Value, diags: &[Diagnostic]) -> Vec<FieldNote> {
    let mut notes = Vec::new();
    let mut note = |field: &str, error: bool, zh: String, en: String| {
        let n = FieldNote {
            field: field.into(),
            error,
            saved: false,
            text: Text { zh, en },
        };
        if !notes.contains(&n) {
            notes.push(n);
        }
    };
    for f in profile_fields()
        .iter()
        .filter(|f| f.asked && f.required && typed(draft, &f.id).is_empty())
    {
        note(
            &f.id,
            true,
            format!("请填写{}。", f.title.zh),
            format!("Fill in the {}.", f.title.en.to_lowercase()),
        );
    }
    for d in diags {
        if let Location::Form { page, field } = &*d.location
            && page == "profile"
            && profile_field(field).is_some()
        {
            let Text { mut zh, mut en } = super::questionnaire::form_wording(d);
            let hints = match d.code {
                "bad-industry-code" => industry_suggestions(&typed(draft, field)),
                _ => Vec::new(),
            };
            if !hints.is_empty() {
                zh += &format!("是否是：{}？", hints.join("、"));
                en += &format!(" Did you mean: {}?", hints.join(", "));
            }
            note(field, d.is_error(), zh, en);
        }
    }
    if typed(draft, "industry").is_empty() && model.industry_groups.len() > 1 {
        let group = model
            .industry_group(model.industry_group_of(None))
            .map(|g| g.title.clone())
            .unwrap_or_default();
        note(
            "industry",
            false,
            format!(
                "未填写行业：问卷将按“{}”显示题目，部分题目可能不符合贵企业的情况。",
                group.zh
            ),
            format!(
                "No industry yet: the questions of “{}” are shown, some may not fit your firm.",
                group.en
            ),
        );
    }
    if diags.iter().any(|d| d.code == "size-unknown") {
        // The metrics the firm's sector sizes by (工信部联企业〔2011〕300号), those left blank.
        let sector = normalise_industry(&typed(draft, "industry"))
            .ok()
            .and_then(|code| reference().sector_of(&code));
        let needed: Vec<&str> = sector.map_or_else(Vec::new, |s| {
            [&s.medium, &s.small, &s.sme_below]
                .iter()
                .flat_map(|b| b.metric_names())
                .collect()
        });
        let missing: Vec<&ProfileField> = ["employees", "revenue", "assets"]
            .iter()
            .filter(|id| needed.contains(id))
            .filter_map(|id| profile_field(id))
            .filter(|f| typed(draft, &f.id).is_empty())
            .collect();
        if let Some(f) = missing.first() {
            let names = |zh: bool| {
                missing
                    .iter()
                    .map(|f| {
                        if zh {
                            f.title.zh.clone()
                        } else {
                            f.title.en.clone()
                        }
                    })
                    .collect::<Vec<_>>()
            };
            note(
                &f.id,
                false,
                format!(
                    "无法判定企业规模：贵企业所在行业还需要{}。",
                    names(true).join("、")
                ),
                format!(
                    "The size class cannot be derived: your industry also needs {}.",
                    names(false).join(", ")
                ),
            );
        }
    }
    notes
}

/// A remark beside a field whose value was read differently from how it was typed.
pub fn normalised_note(n: &Normalised) -> FieldNote {
    let (zh, en) = match n.field.as_str() {
        "industry" => {
            let name = industry_name(&n.stored).unwrap_or_else(|| Text::new(&n.stored, &n.stored));
            (
                format!("已按行业 {} 保存。", name.zh),
                format!("Saved as industry {}.", name.en),
            )
        }
        "region" => {
            let name = region_name(&n.stored).unwrap_or_default();
            (
                format!("已按地区 {} {} 保存。", n.stored, name.zh),
                format!("Saved as region {} {}.", n.stored, name.en),
            )
        }
        _ => {
            let unit = profile_field(&n.field)
                .and_then(|f| f.unit.clone())
                .unwrap_or_default();
            (
                format!("已按 {} {} 保存。", n.stored, unit.zh),
                format!("Saved as {} {}.", n.stored, unit.en),
            )
        }
    };
    FieldNote {
        field: n.field.clone(),
        error: false,
        saved: true,
        text: Text { zh, en },
    }
}

/// One offered word of a list field.
#[derive(Debug, Serialize)]
pub struct ChoiceView {
    pub id: String,
    pub title: Text,
    pub checked: bool,
}

/// One entry of a select.
#[derive(Debug, Serialize)]
pub struct PlaceView {
    pub code: String,
    pub title: Text,
    pub selected: bool,
}

/// One field of the profile page.
#[derive(Debug, Serialize)]
pub struct FieldView {
    pub key: String,
    pub title: Text,
    pub help: Text,
    /// How it is asked: `text`, `number`, `date`, `list`, `industry`, `region`.
    pub widget: &'static str,
    /// The free text (for a list, what is not an offered word).
    pub value: String,
    pub unit: Option<Text>,
    pub required: bool,
    pub choices: Vec<ChoiceView>,
    /// The region's selects, coarse to fine; a level appears once the one above is chosen.
    pub places: Vec<Vec<PlaceView>>,
    /// The name of the industry or region code held (`C 制造业 / 36 汽车制造业`).
    pub named: Option<Text>,
    /// The credit code's "checked against the licence" box, when offered, and whether it is ticked.
    pub verify: Option<bool>,
    pub notes: Vec<FieldNote>,
}

/// Every asked field of the profile table as the page shows it, with its notes.
pub fn fields_view(draft: &Value, notes: &[FieldNote]) -> Vec<FieldView> {
    profile_fields()
        .iter()
        .filter(|f| f.asked)
        .map(|f| {
            let (value, chosen) = match draft.pointer(&format!("/profile/{}", f.id)) {
                Some(Value::Array(l)) => {
                    let l: Vec<&str> = l.iter().filter_map(Value::as_str).collect();
                    // Offered words are ticked; the rest is the free text.
                    let (words, other): (Vec<&str>, Vec<&str>) = l
                        .iter()
                        .partition(|t| f.choices().iter().any(|w| w.matches(t)));
                    (other.join("、"), words)
                }
                _ => (typed(draft, &f.id), vec![]),
            };
            let choices = f
                .choices()
                .iter()
                .map(|w| ChoiceView {
                    id: w.id.clone(),
                    title: w.title.clone(),
                    checked: chosen.iter().any(|t| w.matches(t)),
                })
                .collect();
            let widget = match (f.kind, f.id.as_str()) {
                (_, "industry") => "industry",
                (_, "region") => "region",
                (FieldKind::Number, _) => "number",
                (FieldKind::Date, _) => "date",
                (FieldKind::List, _) => "list",
                _ => "text",
            };
            let named = match widget {
                "industry" => normalise_industry(&value)
                    .ok()
                    .and_then(|c| industry_name(&c)),
                "region" => region_code(&value).and_then(|c| region_name(&c)),
                _ => None,
            };
            let places = if widget == "region" {
                region_places(&value)
            } else {
                Vec::new()
            };
            FieldView {
                key: f.id.clone(),
                title: f.title.clone(),
                help: f.help.clone(),
                widget,
                value,
                unit: f.unit.clone(),
                required: f.required,
                choices,
                places,
                named,
                verify: (f.id == "credit_code")
                    .then(|| verify_offer(draft))
                    .flatten(),
                notes: notes.iter().filter(|n| n.field == f.id).cloned().collect(),
            }
        })
        .collect()
}

/// The region selects for a code: provinces, then the chosen province's cities (or its counties,
/// for 北京, 天津, 上海, 重庆), then the chosen city's counties; a level appears once the one above
/// is chosen.
fn region_places(code: &str) -> Vec<Vec<PlaceView>> {
    let code = region_code(code).unwrap_or_default();
    let mut levels = Vec::new();
    let mut parent = String::new();
    while levels.len() < 3 {
        let children = names::regions_under(&parent);
        if children.is_empty() {
            break;
        }
        let holds = |r: &names::Region| {
            !code.is_empty() && names::region_prefix(&r.code).is_some_and(|p| code.starts_with(p))
        };
        let chosen = children.iter().find(|r| holds(r)).cloned();
        levels.push(
            children
                .into_iter()
                .map(|r| PlaceView {
                    selected: holds(&r),
                    title: Text::new(&r.name, &r.name),
                    code: r.code,
                })
                .collect(),
        );
        match chosen {
            Some(r) if r.has_children => parent = r.code,
            _ => break,
        }
    }
    levels
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
    fn industries_are_found_by_code_or_name() {
        assert_eq!(industry_of("c3670").as_deref(), Some("C3670"));
        assert_eq!(industry_of("C36 汽车制造业").as_deref(), Some("C36"));
        assert_eq!(industry_of("C3670（汽车制造业）").as_deref(), Some("C3670"));
        assert_eq!(industry_of("汽车制造业").as_deref(), Some("C36"));
        assert_eq!(
            industry_of("家具").as_deref(),
            Some("C21"),
            "the one 大类 named so"
        );
        assert_eq!(industry_of("制造"), None, "many 大类 hold it");
        assert_eq!(industry_of("五金"), None);
        assert_eq!(
            industry_suggestions("五金").first().map(String::as_str),
            Some("C33 金属制品业")
        );
    }

    #[test]
    fn numbers_with_units_and_named_industries_are_saved_normalised() {
        let model = crate::model::bundled("sme-dx-2024").unwrap();
        let mut draft = super::super::questionnaire::new_draft(model, "2026-05-12");
        let read = apply_profile(
            &mut draft,
            &form(&[
                ("name", "甲"),
                ("employees", "45人"),
                ("it_staff", "２ people"),
                ("revenue", "６０００万元"),
                ("industry", "五金"),
                ("region_p", "330000"),
            ]),
        );
        assert_eq!(draft["profile"]["employees"], json!(45.0));
        assert_eq!(draft["profile"]["revenue"], json!(6000.0));
        assert_eq!(draft["profile"]["it_staff"], json!(2.0));
        assert_eq!(
            draft["profile"]["industry"],
            json!("五金"),
            "kept to be shown"
        );
        assert_eq!(draft["profile"]["region"], json!("330000"));
        // Step by step: the city and county selects inside the province chosen.
        let mut step = draft.clone();
        let selects = [
            ("region_p", "330000"),
            ("region_c", "330300"),
            ("region_d", "330381"),
        ];
        apply_profile(&mut step, &form(&selects));
        assert_eq!(step["profile"]["region"], json!("330381"));
        let shown = fields_view(&step, &[]);
        let region = shown.iter().find(|f| f.key == "region").unwrap();
        assert_eq!(region.places.len(), 3);
        let picked: Vec<&str> = region
            .places
            .iter()
            .filter_map(|l| l.iter().find(|p| p.selected).map(|p| p.code.as_str()))
            .collect();
        assert_eq!(picked, ["330000", "330300", "330381"]);
        assert_eq!(region.named.as_ref().unwrap().zh, "浙江省温州市瑞安市");
        // A credit code failing its check digit is offered the assessor's confirmation.
        let code = [("credit_code", "91330381MA2H8C3NX1")];
        apply_profile(&mut step, &form(&code));
        let offered = |d: &Value| {
            let shown = fields_view(d, &[]);
            shown
                .iter()
                .find(|f| f.key == "credit_code")
                .unwrap()
                .verify
        };
        assert_eq!(offered(&step), Some(false));
        let ticked = [
            ("credit_code", "91330381MA2H8C3NX1"),
            ("credit_code_verified_shown", "1"),
            ("credit_code_verified", "yes"),
        ];
        apply_profile(&mut step, &form(&ticked));
        assert_eq!(step["profile"]["credit_code_verified"], json!(true));
        assert_eq!(offered(&step), Some(true));
        // A county of another province is not taken with the province changed.
        let moved = [("region_p", "510000"), ("region_c", "330300")];
        apply_profile(&mut step, &form(&moved));
        assert_eq!(step["profile"]["region"], json!("510000"));
        let fields: Vec<&str> = read.iter().map(|n| n.field.as_str()).collect();
        assert_eq!(fields, ["employees", "revenue", "it_staff"]);
        assert_eq!(normalised_note(&read[0]).text.zh, "已按 45 人 保存。");

        let (_, diags) = super::super::questionnaire::check(model, &draft);
        let notes = field_notes(model, &draft, &diags);
        let industry = notes.iter().find(|n| n.field == "industry").unwrap();
        assert!(industry.error);
        assert!(
            industry.text.zh.starts_with("找不到行业“五金”：")
                && industry.text.zh.contains("是否是：C33 金属制品业"),
            "{}",
            industry.text.zh
        );
        // A size class that cannot be derived names only the sector's missing metrics.
        let mut leasing = draft.clone();
        leasing["profile"]["industry"] = json!("L72");
        leasing["profile"]["employees"] = json!(150.0);
        let (_, diags) = super::super::questionnaire::check(model, &leasing);
        let notes = field_notes(model, &leasing, &diags);
        let size = notes
            .iter()
            .find(|n| n.text.zh.starts_with("无法判定"))
            .unwrap();
        assert_eq!(
            (size.field.as_str(), size.text.zh.as_str()),
            (
                "assets",
                "无法判定企业规模：贵企业所在行业还需要资产总额（万元）。"
            )
        );
        // The region typed again wins over the selects; a typed name is read.
        let mut again = draft.clone();
        apply_profile(
            &mut again,
            &form(&[
                ("region", "四川省"),
                ("region_was", "330000"),
                ("region_p", "330000"),
            ]),
        );
        assert_eq!(again["profile"]["region"], json!("510000"));
    }
}
