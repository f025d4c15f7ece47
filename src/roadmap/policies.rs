//! Cost-sharing policies: "企业出一点、平台让一点、政府补一点", national default and regional files.
//!
//! A region's file is the one place for that region's facts: pilot status, subsidy rules (shares, caps
//! per step and per firm, the condition of payment), training-subsidy amounts and notes. Every fact has a
//! period of validity; [`Policies::for_region`] keeps only those valid on the report date.

use super::catalog::Lift;
use crate::diag::Diagnostic;
use crate::source_file::SourceFile;
use crate::text::Text;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Is `as_of` (YYYY-MM-DD) inside [from, until]? Missing ends are open.
fn valid(from: &Option<String>, until: &Option<String>, as_of: &str) -> bool {
    from.as_deref().is_none_or(|f| f <= as_of) && until.as_deref().is_none_or(|u| as_of <= u)
}

/// How the list cost of one subsidy category is shared.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Share {
    /// Fraction of the list cost the platform or provider takes off.
    pub platform_discount: f64,
    /// Fraction of the subsidised spend (one-off part plus the first year) the government pays.
    pub subsidy: f64,
    /// Most the subsidy pays per firm and step, CNY.
    #[serde(default)]
    pub subsidy_cap: Option<f64>,
    /// The rate is an example an office must set.
    #[serde(default)]
    pub example: bool,
    pub source: String,
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_until: Option<String>,
}

/// A note shown with the roadmap.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub zh: String,
    pub en: String,
    pub source: String,
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_until: Option<String>,
}

/// A per-firm subsidy cap that depends on the level the firm reaches (中山: 二级 ≤ 30万 …).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelCap {
    pub level: u8,
    pub cap: f64,
}

/// How and when the subsidy reaches the firm.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubsidyRule {
    /// The subsidy is paid only once the firm is assessed at this level (after acceptance).
    #[serde(default)]
    pub pays_at_level: Option<u8>,
    /// Most the firm receives in total, by the level reached; below the lowest listed level, nothing.
    #[serde(default)]
    pub firm_caps: Vec<LevelCap>,
    /// Most the firm receives in total whatever its level.
    #[serde(default)]
    pub firm_cap: Option<f64>,
    /// The condition of payment, said beside every subsidy figure.
    pub condition: Text,
    #[serde(default)]
    pub example: bool,
    pub source: String,
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_until: Option<String>,
}

impl SubsidyRule {
    /// The per-firm cap at `level`: the rule's flat cap and its level cap, whichever is lower.
    pub fn firm_cap_at(&self, level: u8) -> f64 {
        let by_level = if self.firm_caps.is_empty() {
            f64::INFINITY
        } else {
            self.firm_caps
                .iter()
                .filter(|c| c.level <= level)
                .map(|c| c.cap)
                .fold(0.0, f64::max)
        };
        by_level.min(self.firm_cap.unwrap_or(f64::INFINITY))
    }
}

/// Pilot-city facts (财建〔2023〕117号 and later batches).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pilot {
    pub city: Text,
    /// 1, 2 or 3; none when not confirmed.
    #[serde(default)]
    pub batch: Option<u8>,
    /// Pilot sub-industries as GB/T 4754 code prefixes (C17, C3670); empty when not gathered.
    #[serde(default)]
    pub sub_industries: Vec<String>,
    /// Share of above-scale SMEs of each pilot sub-industry to reach `target_level`.
    #[serde(default)]
    pub target_share: Option<f64>,
    /// The level the pilot pays at and aims for (二级).
    pub target_level: u8,
    /// Funds, in words (central award, local money).
    #[serde(default)]
    pub funds: Option<Text>,
    pub source: String,
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_until: Option<String>,
}

impl Pilot {
    /// Does a firm of `industry` (C3670) fall in a pilot sub-industry? Unknown lists count as yes.
    pub fn covers(&self, industry: Option<&str>) -> bool {
        self.sub_industries.is_empty()
            || industry.is_some_and(|i| {
                self.sub_industries
                    .iter()
                    .any(|s| i.starts_with(s.as_str()))
            })
    }
}

/// A training subsidy amount a region sets (财社〔2023〕181号 leaves amounts to the provinces).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrainingSubsidy {
    /// CNY per person and time.
    pub per_person: f64,
    #[serde(default)]
    pub example: bool,
    pub source: String,
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_until: Option<String>,
}

/// A talent step (training, certification) shown as a 保障措施.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TalentStep {
    pub id: String,
    pub name: Text,
    pub description: Text,
    pub lifts: Vec<Lift>,
    /// CNY per person, [low, high].
    pub cost_per_person: [f64; 2],
    /// Who may receive the subsidy (181号 第五条、第六条).
    #[serde(default)]
    pub qualifies: Option<Text>,
    /// What must be shown to claim it (a certificate).
    #[serde(default)]
    pub condition: Option<Text>,
    #[serde(default)]
    pub max_times_per_person: Option<u32>,
    pub source: String,
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_until: Option<String>,
}

/// A policies file.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub id: String,
    pub title: Text,
    /// Region-code prefix it applies to ("3301"); none for the national default.
    #[serde(default)]
    pub region: Option<String>,
    pub source: String,
    #[serde(default)]
    pub pilot: Option<Pilot>,
    #[serde(default)]
    pub shares: BTreeMap<String, Share>,
    #[serde(default)]
    pub subsidy_rule: Option<SubsidyRule>,
    #[serde(default)]
    pub training_subsidies: BTreeMap<String, TrainingSubsidy>,
    #[serde(default)]
    pub conditions: Vec<Condition>,
    #[serde(default)]
    pub talent: Vec<TalentStep>,
}

/// The bundled policies files.
pub const BUNDLED_POLICIES: &[(&str, &str)] = &[
    (
        "questionnaires/policies/national.yaml",
        include_str!("../../questionnaires/policies/national.yaml"),
    ),
    (
        "questionnaires/policies/hangzhou-330100.yaml",
        include_str!("../../questionnaires/policies/hangzhou-330100.yaml"),
    ),
    (
        "questionnaires/policies/zhongshan-442000.yaml",
        include_str!("../../questionnaires/policies/zhongshan-442000.yaml"),
    ),
    (
        "questionnaires/policies/suzhou-320500.yaml",
        include_str!("../../questionnaires/policies/suzhou-320500.yaml"),
    ),
    (
        "questionnaires/policies/sichuan-510000.yaml",
        include_str!("../../questionnaires/policies/sichuan-510000.yaml"),
    ),
];

/// The policies in force for a firm on a date: national overlaid by the matching regions.
#[derive(Debug, Clone, Serialize)]
pub struct Policies {
    /// Ids of the files applied, national first.
    pub applied: Vec<String>,
    pub titles: Vec<Text>,
    /// The report date the facts were chosen for (YYYY-MM-DD).
    pub as_of: String,
    pub pilot: Option<Pilot>,
    pub shares: BTreeMap<String, Share>,
    pub subsidy_rule: Option<SubsidyRule>,
    pub training_subsidies: BTreeMap<String, TrainingSubsidy>,
    pub conditions: Vec<Condition>,
    pub talent: Vec<TalentStep>,
}

impl Policies {
    /// Overlay the files that apply to `region`, national (no region) first, then by prefix length;
    /// keep only the facts valid on `as_of`.
    pub fn for_region(files: &[Policy], region: Option<&str>, as_of: &str) -> Policies {
        let mut applicable: Vec<&Policy> = files
            .iter()
            .filter(|p| match (&p.region, region) {
                (None, _) => true,
                (Some(prefix), Some(r)) => r.starts_with(prefix.as_str()),
                (Some(_), None) => false,
            })
            .collect();
        applicable.sort_by_key(|p| p.region.as_ref().map_or(0, String::len));
        let mut out = Policies {
            applied: Vec::new(),
            titles: Vec::new(),
            as_of: as_of.to_string(),
            pilot: None,
            shares: BTreeMap::new(),
            subsidy_rule: None,
            training_subsidies: BTreeMap::new(),
            conditions: Vec::new(),
            talent: Vec::new(),
        };
        for p in applicable {
            out.applied.push(p.id.clone());
            out.titles.push(p.title.clone());
            if let Some(pilot) = p
                .pilot
                .as_ref()
                .filter(|x| valid(&x.valid_from, &x.valid_until, as_of))
            {
                out.pilot = Some(pilot.clone());
            }
            for (k, s) in &p.shares {
                if valid(&s.valid_from, &s.valid_until, as_of) {
                    out.shares.insert(k.clone(), s.clone());
                }
            }
            if let Some(r) = p
                .subsidy_rule
                .as_ref()
                .filter(|r| valid(&r.valid_from, &r.valid_until, as_of))
            {
                out.subsidy_rule = Some(r.clone());
            }
            for (k, t) in &p.training_subsidies {
                if valid(&t.valid_from, &t.valid_until, as_of) {
                    out.training_subsidies.insert(k.clone(), t.clone());
                }
            }
            out.conditions.extend(
                p.conditions
                    .iter()
                    .filter(|c| valid(&c.valid_from, &c.valid_until, as_of))
                    .cloned(),
            );
            for t in p
                .talent
                .iter()
                .filter(|t| valid(&t.valid_from, &t.valid_until, as_of))
            {
                out.talent.retain(|x| x.id != t.id);
                out.talent.push(t.clone());
            }
        }
        out
    }

    /// Split a list cost: (platform discount, subsidy before the per-firm cap). `subsidised` is the
    /// part of the list the subsidy rate applies to (the one-off part and the first year).
    pub fn split(&self, category: &str, list: f64, subsidised: f64) -> (f64, f64) {
        let Some(share) = self.shares.get(category) else {
            return (0.0, 0.0);
        };
        let discount = (share.platform_discount.clamp(0.0, 1.0) * list).round();
        let subsidy = (share.subsidy.clamp(0.0, 1.0) * subsidised)
            .min(share.subsidy_cap.unwrap_or(f64::INFINITY))
            .round()
            .min(list - discount)
            .max(0.0);
        (discount, subsidy)
    }
}

/// Parse policies files.
pub fn load(sources: &[SourceFile]) -> (Vec<Policy>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for s in sources {
        match s.parse_yaml::<Policy>() {
            Ok(p) => {
                for (cat, share) in &p.shares {
                    let bad = |x: f64| !(0.0..=1.0).contains(&x);
                    if bad(share.platform_discount)
                        || bad(share.subsidy)
                        || share.platform_discount + share.subsidy > 1.0 + 1e-9
                    {
                        let d = Diagnostic::error("bad-share")
                            .quoted("category", cat.to_string())
                            .quoted("policy", &p.id);
                        diags.push(d.in_file(&s.name));
                    }
                }
                let dates = p
                    .shares
                    .values()
                    .flat_map(|x| [&x.valid_from, &x.valid_until])
                    .chain(
                        p.conditions
                            .iter()
                            .flat_map(|x| [&x.valid_from, &x.valid_until]),
                    )
                    .chain(
                        p.talent
                            .iter()
                            .flat_map(|x| [&x.valid_from, &x.valid_until]),
                    )
                    .chain(
                        p.training_subsidies
                            .values()
                            .flat_map(|x| [&x.valid_from, &x.valid_until]),
                    )
                    .chain(
                        p.subsidy_rule
                            .iter()
                            .flat_map(|x| [&x.valid_from, &x.valid_until]),
                    )
                    .chain(p.pilot.iter().flat_map(|x| [&x.valid_from, &x.valid_until]))
                    .flatten();
                for d in dates {
                    if !is_date(d) {
                        let d = Diagnostic::error("bad-date")
                            .variant("policy")
                            .quoted("date", d)
                            .quoted("policy", &p.id);
                        diags.push(d.in_file(&s.name));
                    }
                }
                out.push(p);
            }
            Err(d) => diags.push(d),
        }
    }
    (out, diags)
}

/// YYYY-MM-DD with plausible month and day.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s.chars()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && matches!(s[5..7].parse::<u8>(), Ok(1..=12))
        && matches!(s[8..10].parse::<u8>(), Ok(1..=31))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(id: &str, region: Option<&str>, subsidy: f64) -> Policy {
        Policy {
            id: id.into(),
            title: Text::new(id, id),
            region: region.map(str::to_string),
            source: "s".into(),
            pilot: None,
            shares: BTreeMap::from([(
                "software".into(),
                Share {
                    platform_discount: 0.1,
                    subsidy,
                    subsidy_cap: Some(5000.0),
                    example: true,
                    source: "s".into(),
                    valid_from: None,
                    valid_until: None,
                },
            )]),
            subsidy_rule: None,
            training_subsidies: BTreeMap::new(),
            conditions: vec![Condition {
                zh: format!("{id} 注"),
                en: format!("{id} note"),
                source: "s".into(),
                valid_from: None,
                valid_until: Some("2024-12-31".into()),
            }],
            talent: Vec::new(),
        }
    }

    #[test]
    fn regional_file_overrides_national() {
        let files = [
            policy("national", None, 0.3),
            policy("hz", Some("3301"), 0.4),
        ];
        let p = Policies::for_region(&files, Some("330106"), "2024-06-01");
        assert_eq!(p.applied, ["national", "hz"]);
        assert_eq!(p.split("software", 10_000.0, 10_000.0), (1000.0, 4000.0));
        let p = Policies::for_region(&files, Some("510104"), "2024-06-01");
        assert_eq!(p.split("software", 10_000.0, 10_000.0), (1000.0, 3000.0));
        // The per-step cap holds.
        assert_eq!(
            p.split("software", 100_000.0, 100_000.0),
            (10_000.0, 5000.0)
        );
        // Unknown category: the firm pays all.
        assert_eq!(p.split("other", 100.0, 100.0), (0.0, 0.0));
    }

    #[test]
    fn expired_notes_are_dropped_and_others_kept() {
        let files = [policy("national", None, 0.3), policy("sc", Some("51"), 0.3)];
        let before = Policies::for_region(&files, Some("510104"), "2024-12-31");
        assert_eq!(before.conditions.len(), 2);
        let after = Policies::for_region(&files, Some("510104"), "2025-01-01");
        assert!(after.conditions.is_empty());
        // A firm elsewhere never sees the Sichuan note.
        let other = Policies::for_region(&files, Some("330106"), "2024-06-01");
        assert!(other.conditions.iter().all(|c| !c.zh.starts_with("sc")));
    }

    #[test]
    fn level_caps_apply_by_the_level_reached() {
        let rule = SubsidyRule {
            pays_at_level: Some(2),
            firm_caps: vec![
                LevelCap {
                    level: 2,
                    cap: 300_000.0,
                },
                LevelCap {
                    level: 3,
                    cap: 600_000.0,
                },
                LevelCap {
                    level: 4,
                    cap: 1_000_000.0,
                },
            ],
            firm_cap: None,
            condition: Text::default(),
            example: false,
            source: "s".into(),
            valid_from: None,
            valid_until: None,
        };
        assert_eq!(rule.firm_cap_at(1), 0.0);
        assert_eq!(rule.firm_cap_at(2), 300_000.0);
        assert_eq!(rule.firm_cap_at(3), 600_000.0);
        assert_eq!(rule.firm_cap_at(4), 1_000_000.0);
        assert!(is_date("2025-12-31") && !is_date("2025-13-01") && !is_date("20251231"));
    }
}
