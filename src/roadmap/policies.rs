//! Cost-sharing policies: "企业出一点、平台让一点、政府补一点", national default and regional files.

use super::catalog::Lift;
use crate::diag::Diagnostic;
use crate::source_file::SourceFile;
use crate::text::Text;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How the list cost of one subsidy category is shared.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Share {
    /// Fraction of the list cost the platform or provider takes off.
    pub platform_discount: f64,
    /// Fraction of the list cost the government pays.
    pub subsidy: f64,
    /// Most the subsidy pays per firm and step, CNY.
    #[serde(default)]
    pub subsidy_cap: Option<f64>,
    /// The rate is an example an office must set.
    #[serde(default)]
    pub example: bool,
    pub source: String,
}

/// A condition shown with the roadmap.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub zh: String,
    pub en: String,
    pub source: String,
}

/// A talent step (training, subsidies) for weak management items.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TalentStep {
    pub id: String,
    pub name: Text,
    pub description: Text,
    pub lifts: Vec<Lift>,
    /// CNY per person, [low, high].
    pub cost_per_person: [f64; 2],
    /// CNY per person, paid by the subsidy.
    #[serde(default)]
    pub subsidy_per_person: Option<f64>,
    #[serde(default)]
    pub max_times_per_person: Option<u32>,
    pub source: String,
    #[serde(default)]
    pub example: bool,
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
    pub shares: BTreeMap<String, Share>,
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
];

/// The policies in force for a firm: the national default overlaid by the longest-matching region.
#[derive(Debug, Clone, Serialize)]
pub struct Policies {
    /// Ids of the files applied, national first.
    pub applied: Vec<String>,
    pub titles: Vec<Text>,
    pub shares: BTreeMap<String, Share>,
    pub conditions: Vec<Condition>,
    pub talent: Vec<TalentStep>,
}

impl Policies {
    /// Overlay the files that apply to `region`: national (no region) first, then by prefix length.
    pub fn for_region(files: &[Policy], region: Option<&str>) -> Policies {
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
            shares: BTreeMap::new(),
            conditions: Vec::new(),
            talent: Vec::new(),
        };
        for p in applicable {
            out.applied.push(p.id.clone());
            out.titles.push(p.title.clone());
            out.shares.extend(p.shares.clone());
            out.conditions.extend(p.conditions.clone());
            for t in &p.talent {
                out.talent.retain(|x| x.id != t.id);
                out.talent.push(t.clone());
            }
        }
        out
    }

    /// Split a list cost: (platform discount, subsidy, enterprise).
    pub fn split(&self, category: &str, list: f64) -> (f64, f64, f64) {
        let Some(share) = self.shares.get(category) else {
            return (0.0, 0.0, list);
        };
        let discount = (share.platform_discount.clamp(0.0, 1.0) * list).round();
        let subsidy = (share.subsidy.clamp(0.0, 1.0) * list)
            .min(share.subsidy_cap.unwrap_or(f64::INFINITY))
            .round();
        let subsidy = subsidy.min(list - discount);
        (discount, subsidy, list - discount - subsidy)
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
                        diags.push(Diagnostic::error("bad-share", format!("shares of `{cat}` in `{}` are outside 0–1 or add up to more than 1", p.id)).in_file(&s.name).help("write fractions: subsidy: 0.3 means 30 % of the list cost"));
                    }
                }
                out.push(p);
            }
            Err(d) => diags.push(d),
        }
    }
    (out, diags)
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
            shares: BTreeMap::from([(
                "software".into(),
                Share {
                    platform_discount: 0.1,
                    subsidy,
                    subsidy_cap: Some(5000.0),
                    example: true,
                    source: "s".into(),
                },
            )]),
            conditions: Vec::new(),
            talent: Vec::new(),
        }
    }

    #[test]
    fn regional_file_overrides_national() {
        let files = [
            policy("national", None, 0.3),
            policy("hz", Some("3301"), 0.4),
        ];
        let p = Policies::for_region(&files, Some("330106"));
        assert_eq!(p.applied, ["national", "hz"]);
        assert_eq!(p.split("software", 10_000.0), (1000.0, 4000.0, 5000.0));
        let p = Policies::for_region(&files, Some("510104"));
        assert_eq!(p.split("software", 10_000.0), (1000.0, 3000.0, 6000.0));
        // The cap holds.
        assert_eq!(p.split("software", 100_000.0), (10_000.0, 5000.0, 85_000.0));
        // Unknown category: the firm pays all.
        assert_eq!(p.split("other", 100.0), (0.0, 0.0, 100.0));
    }
}
