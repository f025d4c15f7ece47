//! Enterprise profile (企业画像): fields, validation, derived size class and industry group.

use super::SizeClass;
use super::credit_code;
use super::profile_fields::{FieldKind, ProfileField, profile_field, profile_fields, split_list};
use super::reference::{Metrics, reference};
use crate::diag::{Arg, Diagnostic, Pos};
use crate::model::Model;
use crate::text::Text;
use crate::yaml_value::{Node, Value};
use serde::Serialize;
use serde_json::Value as JsonValue;
use std::collections::BTreeMap;

/// Who was assessed. Derived fields (`size_class`, `industry_group`) come from the data files.
/// Read from the fields of [`profile_fields`]; a field no code reads stays in `other`.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Profile {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<String>,
    /// 6-digit 行政区划代码.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// GB/T 4754-2017 code, normalised with its 门类 letter (C2110).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employees: Option<f64>,
    /// 营业收入, 万元.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revenue: Option<f64>,
    /// 资产总额, 万元.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assets: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessed_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessor: Option<String>,
    /// 万元/年.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digital_budget: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub it_staff: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub existing_systems: Vec<String>,
    /// Stated pain points (痛点), as written; the roadmap matches them against its vocabulary.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pain_points: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Generated data, not a real firm.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub synthetic: bool,
    /// Fields of the table that no code reads by name, as written.
    #[serde(flatten)]
    pub other: BTreeMap<String, JsonValue>,
    /// Derived from industry, employees, revenue, assets (2011 划型 rules).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_class: Option<SizeClass>,
    /// Derived from the industry code by the model's `industry_groups`.
    pub industry_group: String,
}

impl Profile {
    /// Set a field of the profile table to a checked value; one no code reads goes to `other`.
    fn set(&mut self, id: &str, v: JsonValue) {
        let text = |v: JsonValue| v.as_str().map(str::to_string);
        let list = |v: JsonValue| match v {
            JsonValue::Array(l) => l.into_iter().filter_map(text).collect(),
            _ => Vec::new(),
        };
        match id {
            "name" => self.name = text(v).unwrap_or_default(),
            "credit_code" => self.credit_code = text(v),
            "region" => self.region = text(v),
            "industry" => self.industry = text(v),
            "employees" => self.employees = v.as_f64(),
            "revenue" => self.revenue = v.as_f64(),
            "assets" => self.assets = v.as_f64(),
            "assessed_on" => self.assessed_on = text(v),
            "assessor" => self.assessor = text(v),
            "digital_budget" => self.digital_budget = v.as_f64(),
            "it_staff" => self.it_staff = v.as_f64(),
            "existing_systems" => self.existing_systems = list(v),
            "pain_points" => self.pain_points = list(v),
            "tags" => self.tags = list(v),
            "synthetic" => self.synthetic = v == JsonValue::Bool(true),
            "credit_code_verified" => {} // a confirmation, not part of the profile
            other => {
                self.other.insert(other.to_string(), v);
            }
        }
    }

    /// The value of a profile field, as the sheet would hold it (`Null` when not given).
    pub fn get(&self, id: &str) -> JsonValue {
        let mut all = serde_json::to_value(self).unwrap_or_default();
        all.get_mut(id).map(JsonValue::take).unwrap_or_default()
    }
}

pub(super) struct ProfileReader<'a> {
    pub file: &'a str,
    /// The sheet's text, to recover codes written as bare numbers (0610, 9133…) exactly.
    pub text: &'a str,
    pub diags: &'a mut Vec<Diagnostic>,
}

impl ProfileReader<'_> {
    fn push(&mut self, d: Diagnostic, pos: Pos) {
        self.diags.push(d.in_file(self.file).at(pos));
    }

    /// `d` about profile field `field` (its key as `key`, its title as `field`), at `pos`.
    fn push_field(&mut self, d: Diagnostic, field: &ProfileField, pos: Pos) {
        let d = d.arg("key", &field.id).arg("field", &field.title);
        self.push(d, pos);
    }

    fn text(&mut self, node: &Node, field: &ProfileField) -> Option<String> {
        match &node.value {
            Value::Null => None,
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(s.trim().to_string()),
            Value::Number(_) => raw_scalar(self.text, node.pos).or_else(|| node.value.as_text()),
            Value::Bool(_) => node.value.as_text(),
            other => {
                let d = Diagnostic::error("wrong-type")
                    .variant("profile_text")
                    .arg("found", other.kind());
                self.push_field(d, field, node.pos);
                None
            }
        }
    }

    /// One field's value as written, checked against its kind; `None` when blank or wrong.
    fn field(&mut self, field: &ProfileField, node: &Node) -> Option<JsonValue> {
        match field.kind {
            FieldKind::Text | FieldKind::Code | FieldKind::Date => {
                self.text(node, field).map(JsonValue::from)
            }
            FieldKind::Number => match node.value.as_number() {
                _ if node.value == Value::Null => None,
                Some(n) if field.whole && n.fract() != 0.0 => {
                    let d = Diagnostic::error("wrong-type")
                        .variant("whole_number")
                        .arg("found", n)
                        .arg("unit", field.unit.clone().unwrap_or_default())
                        .arg("example", n.round());
                    self.push_field(d, field, node.pos);
                    None
                }
                Some(n) if field.min.is_none_or(|m| n >= m) => Some(JsonValue::from(n)),
                _ => {
                    let unit = field.unit.clone().unwrap_or_default();
                    // `45人`, `６０００万元`: a number as people type it, which YAML cannot take.
                    let typed = match &node.value {
                        Value::String(s) => field.typed_number(s).map(|n| (s, n)),
                        _ => None,
                    };
                    let variant = match typed {
                        Some((s, _)) if s.chars().any(|c| ('０'..='９').contains(&c)) => {
                            "full_width_digits"
                        }
                        Some(_) => "number_with_unit",
                        None => "profile_number",
                    };
                    let example = typed.map_or(120.0, |(_, n)| n);
                    let d = Diagnostic::error("wrong-type")
                        .variant(variant)
                        .arg("found", describe(&node.value))
                        .arg("unit", unit)
                        .arg("example", example);
                    self.push_field(d, field, node.pos);
                    None
                }
            },
            FieldKind::List => match &node.value {
                Value::Null => None,
                Value::List(items) => Some(
                    items
                        .iter()
                        .filter_map(|i| self.text(i, field))
                        .collect::<Vec<_>>()
                        .into(),
                ),
                Value::String(s) => Some(split_list(s).into()),
                other => {
                    let d = Diagnostic::error("wrong-type")
                        .variant("profile_list")
                        .arg("found", other.kind());
                    self.push_field(d, field, node.pos);
                    None
                }
            },
            FieldKind::Flag => match node.value {
                Value::Bool(b) => Some(b.into()),
                Value::Null => None,
                _ => {
                    let d = Diagnostic::error("wrong-type")
                        .variant("profile_flag")
                        .arg("found", describe(&node.value));
                    self.push_field(d, field, node.pos);
                    None
                }
            },
        }
    }

    /// Read and check the `profile:` mapping.
    pub fn read(&mut self, node: Option<&Node>, sheet_pos: Pos, model: &Model) -> Profile {
        let mut p = Profile::default();
        let Some(node) = node else {
            self.push(Diagnostic::error("missing-profile"), sheet_pos);
            p.industry_group = model.industry_group_of(None).to_string();
            return p;
        };
        let Value::Map(entries) = &node.value else {
            let d = Diagnostic::error("wrong-type")
                .variant("profile")
                .arg("found", node.value.kind());
            self.push(d, node.pos);
            p.industry_group = model.industry_group_of(None).to_string();
            return p;
        };
        let mut verified = false;
        for (key, value) in entries {
            let Some(field) = profile_field(&key.name) else {
                let ids = profile_fields().iter().map(|f| f.id.as_str());
                let near = crate::text::closest(&key.name, ids.clone());
                let d = Diagnostic::error("unknown-field")
                    .variant("profile")
                    .quoted("key", &key.name)
                    .arg("hint", Arg::suggestion(near, ids));
                self.push(d, key.pos);
                continue;
            };
            if let Some(v) = self.field(field, value) {
                verified |= field.id == "credit_code_verified" && v == JsonValue::Bool(true);
                p.set(&field.id, v);
            }
        }
        let pos_of = |key: &str| node.get(key).map_or(node.pos, |n| n.pos);
        let (industry_pos, credit_pos) = (pos_of("industry"), pos_of("credit_code"));
        if p.name.is_empty() {
            self.push(Diagnostic::error("missing-field").variant("name"), node.pos);
        }
        // Credit code.
        if let Some(code) = p.credit_code.clone() {
            match credit_code::validate(&code) {
                Ok(normal) => p.credit_code = Some(normal),
                Err(e @ credit_code::CreditCodeError::CheckDigit { .. }) => {
                    let d = match verified {
                        true => Diagnostic::warning("credit-code-check-digit").variant("verified"),
                        false => Diagnostic::error("credit-code-check-digit"),
                    };
                    self.push(d.quoted("code", &code).arg("reason", e.text()), credit_pos);
                }
                Err(e) => {
                    let d = Diagnostic::error("bad-credit-code")
                        .quoted("code", &code)
                        .arg("reason", e.text());
                    self.push(d, credit_pos);
                }
            }
        }
        // Region.
        if let Some(region) = &p.region {
            let ok = region.len() == 6 && region.chars().all(|c| c.is_ascii_digit());
            let pos = pos_of("region");
            if !ok {
                self.push(
                    Diagnostic::error("bad-region").quoted("region", region),
                    pos,
                );
            } else if reference().province(&region[..2]).is_none() {
                let d = Diagnostic::error("bad-region")
                    .variant("province")
                    .quoted("region", region)
                    .quoted("province", &region[..2]);
                self.push(d, pos);
            }
        }
        // Industry.
        match p.industry.clone() {
            Some(code) => match normalise_industry(&code) {
                Ok(normal) => p.industry = Some(normal),
                Err(why) => {
                    let d = Diagnostic::error("bad-industry-code")
                        .quoted("code", &code)
                        .arg("reason", why);
                    self.push(d, industry_pos);
                    p.industry = None;
                }
            },
            None if model.industry_groups.len() <= 1 => {}
            None => {
                let default = model.industry_group_of(None);
                let group = model
                    .industry_group(default)
                    .map_or(Text::new(default, default), |g| g.title.clone());
                let d = Diagnostic::warning("missing-field")
                    .variant("industry")
                    .arg("group", group);
                self.push(d, node.pos);
            }
        }
        p.industry_group = model.industry_group_of(p.industry.as_deref()).to_string();
        // Size class.
        if let Some(code) = &p.industry
            && let Some(sector) = reference().sector_of(code)
        {
            let m = Metrics {
                employees: p.employees,
                revenue: p.revenue,
                assets: p.assets,
            };
            p.size_class = sector.classify(&m);
            if p.size_class.is_none() {
                let needed = [&sector.medium, &sector.small, &sector.sme_below]
                    .iter()
                    .flat_map(|b| b.metric_names())
                    .fold(Vec::new(), |mut acc, n| {
                        if !acc.contains(&n) {
                            acc.push(n);
                        }
                        acc
                    });
                let needed: Vec<Text> = needed
                    .iter()
                    .map(|n| profile_field(n).map_or(Text::new(n, n), |f| f.title.clone()))
                    .collect();
                let d = Diagnostic::warning("size-unknown")
                    .arg("sector", &sector.title)
                    .arg("needed", Arg::texts(&needed));
                self.push(d, node.pos);
            }
        }
        if let Some(date) = &p.assessed_on
            && !valid_date(date)
        {
            let pos = pos_of("assessed_on");
            self.push(Diagnostic::error("bad-date").quoted("date", date), pos);
        }
        p
    }
}

fn describe(v: &Value) -> Arg {
    match v {
        Value::String(s) => Arg::Quoted(s.clone()),
        Value::Number(n) => Arg::Quoted(crate::yaml_value::format_number(*n)),
        other => Arg::Text(other.kind()),
    }
}

/// The plain scalar as written at `pos`: a code such as `0610` or `913301061234567006` must not
/// go through a float.
fn raw_scalar(text: &str, pos: Pos) -> Option<String> {
    let line = text.lines().nth((pos.line as usize).checked_sub(1)?)?;
    let rest: String = line
        .chars()
        .skip(pos.column.saturating_sub(1) as usize)
        .collect();
    let token: String = rest
        .chars()
        .take_while(|c| !matches!(c, ',' | ']' | '}' | '#' | ' ' | '\t' | '\r'))
        .collect();
    let token = token.trim().trim_matches('"').to_string();
    (!token.is_empty()
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+')))
    .then_some(token)
}

/// Normalise a GB/T 4754 code: `2110`, `c2110`, `C21`, `C` → with its 门类 letter; else why not.
pub fn normalise_industry(code: &str) -> Result<String, Text> {
    let code = code.trim().to_ascii_uppercase();
    let (letter, digits) = match code.chars().next() {
        Some(c) if c.is_ascii_uppercase() => (Some(c.to_string()), &code[1..]),
        _ => (None, code.as_str()),
    };
    let why = |zh: String, en: String| Text { zh, en };
    if digits.len() > 4 || !digits.chars().all(|c| c.is_ascii_digit()) || (digits.len() == 1) {
        return Err(Text::new(
            "不是 GB/T 4754 行业代码（门类字母和/或 2–4 位数字）",
            "is not a GB/T 4754 code (a 门类 letter and/or 2–4 digits)",
        ));
    }
    let r = reference();
    if digits.is_empty() {
        let letter = letter.ok_or_else(|| Text::new("是空的", "is empty"))?;
        return r.section(&letter).map(|_| letter.clone()).ok_or_else(|| {
            why(
                format!("写的门类“{letter}”不存在"),
                format!("names 门类 `{letter}`, which does not exist"),
            )
        });
    }
    let division: u8 = digits[..2]
        .parse()
        .map_err(|_| Text::new("没有大类", "has no 大类"))?;
    if !r.divisions.iter().any(|d| d.code == digits[..2]) {
        let d = &digits[..2];
        return Err(why(
            format!("写的大类 {d} 在 GB/T 4754-2017 中不存在"),
            format!("names 大类 {d}, which GB/T 4754-2017 does not have"),
        ));
    }
    let section = r.section_of_division(division).ok_or_else(|| {
        why(
            format!("写的大类 {division} 不属于任何门类"),
            format!("names 大类 {division}, which belongs to no 门类"),
        )
    })?;
    if let Some(l) = letter
        && l != section.letter
    {
        let (d, s, t) = (&digits[..2], &section.letter, &section.title.zh);
        return Err(why(
            format!("写的是门类 {l}，但大类 {d} 属于门类 {s}（{t}）"),
            format!("says 门类 {l} but 大类 {d} belongs to 门类 {s} ({t})"),
        ));
    }
    Ok(format!("{}{digits}", section.letter))
}

fn valid_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (
        parts[0].parse::<u32>(),
        parts[1].parse::<u32>(),
        parts[2].parse::<u32>(),
    ) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2200).contains(&y) && (1..=days).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn industry_codes_normalise() {
        assert_eq!(normalise_industry("2110").unwrap(), "C2110");
        assert_eq!(normalise_industry("c2110").unwrap(), "C2110");
        assert_eq!(normalise_industry("G5990").unwrap(), "G5990");
        assert_eq!(normalise_industry("F").unwrap(), "F");
        assert!(
            normalise_industry("G2110")
                .unwrap_err()
                .zh
                .contains("门类 C")
        );
        assert!(normalise_industry("9").is_err());
        assert!(normalise_industry("C99999").is_err());
        assert!(normalise_industry("Z").is_err());
    }

    #[test]
    fn list_fields_take_a_list_or_one_string_split_like_a_cell() {
        let text = "profile:\n  name: x\n  pain_points: 交期不准、缺订单\n  existing_systems: [ERP]\n  tags: 7\nanswers:\n";
        let src = crate::source_file::SourceFile::from_text("t.yaml", text);
        let node = crate::answers::load_sheet(&src).unwrap();
        let m = crate::model::bundled("sme-dx-2024").unwrap();
        let mut diags = Vec::new();
        let p = ProfileReader {
            file: "t.yaml",
            text,
            diags: &mut diags,
        }
        .read(node.get("profile"), Pos::UNKNOWN, m);
        assert_eq!(p.pain_points, ["交期不准", "缺订单"]);
        assert_eq!(p.existing_systems, ["ERP"]);
        assert!(
            diags.iter().any(|d| d.code == "wrong-type"
                && d.get_arg("key") == Some(&crate::diag::Arg::Plain("tags".into()))),
            "{diags:?}"
        );
        assert_eq!(
            p.get("pain_points"),
            serde_json::json!(["交期不准", "缺订单"])
        );
    }

    #[test]
    fn dates() {
        assert!(valid_date("2024-02-29"));
        assert!(!valid_date("2023-02-29"));
        assert!(!valid_date("2026-13-01"));
        assert!(!valid_date("20261120"));
    }
}
