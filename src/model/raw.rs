//! The model file as written: serde types that keep source positions, before any check.

use crate::text::Text;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;

/// How a node combines its children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// Children's points add up to the node's points.
    #[default]
    Sum,
    /// The node's fraction is the plain mean of its children's fractions.
    Mean,
    /// The node's fraction is the mean of its children's fractions weighted by their `weight`.
    WeightedMean,
}

/// The kind of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// One option; the option's fraction of the item's points.
    Single,
    /// Several options; fractions summed and capped; an exclusive option ("无") stands alone.
    Multi,
    /// A number mapped to a fraction by declared intervals.
    Band,
    /// A business scenario graded 0–4.
    Scenario,
    /// Worse / flat / better = 0 / 0.5 / 1.
    Trend,
}

/// Which observed change counts as an improvement for a trend item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BetterWhen {
    Lower,
    Higher,
}

/// An assessment model (评估模型).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    /// Stable id, kebab-case; recorded in every result.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// Version text; recorded in every result. Quote it: "2024.1".
    #[schemars(with = "String")]
    pub version: Spanned<String>,
    pub title: Text,
    /// Where the numbers come from.
    #[serde(default)]
    pub source: Option<String>,
    /// Declared points of the level score; lint checks the dimensions add up to it.
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub total: Option<Spanned<f64>>,
    /// How the dimensions that count toward the level combine.
    #[serde(default)]
    pub score: Option<RawScoreSpec>,
    /// Industry groups for applicability, from GB/T 4754-2017 code prefixes.
    #[serde(default)]
    pub industry_groups: Vec<RawIndustryGroup>,
    /// The tree: dimensions → indicators → items.
    pub dimensions: Vec<RawNode>,
    /// Level rules, any order; checked from the highest down.
    #[serde(default)]
    pub levels: Vec<RawLevelRule>,
}

/// How dimensions combine into the level score.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScoreSpec {
    #[serde(default)]
    pub combine: Option<Combine>,
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub points: Option<Spanned<f64>>,
}

/// An industry group: firms whose GB/T 4754 code starts with one of `codes`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawIndustryGroup {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub title: Text,
    /// 门类 letters, or 门类 + digits (C36, G595). Longest prefix wins.
    #[serde(default)]
    pub codes: Vec<String>,
    /// The group for codes no other group claims (exactly one).
    #[serde(default)]
    pub default: bool,
}

/// Which firms a node or item applies to. Omitted = all.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawApplicability {
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub industry_groups: Option<Vec<Spanned<String>>>,
    /// medium | small | micro | large
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub sizes: Option<Vec<Spanned<String>>>,
}

/// A dimension or indicator: either child `indicators` or `items`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawNode {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub title: Text,
    #[serde(default)]
    pub help: Option<Text>,
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub points: Option<Spanned<f64>>,
    /// Weight within a `weighted_mean` parent.
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub weight: Option<Spanned<f64>>,
    #[serde(default)]
    pub combine: Option<Combine>,
    /// false = scored and shown separately; does not change the level (default true).
    #[serde(default)]
    pub counts_toward_level: Option<bool>,
    #[serde(default)]
    pub applies_to: Option<RawApplicability>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub indicators: Option<Vec<RawNode>>,
    #[serde(default)]
    pub items: Option<Vec<RawItem>>,
}

/// A question. Which keys apply depends on `kind`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawItem {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    #[schemars(with = "ItemKind")]
    pub kind: Spanned<ItemKind>,
    pub title: Text,
    #[serde(default)]
    pub help: Option<Text>,
    /// 佐证材料: what an assessor should see.
    #[serde(default)]
    pub evidence: Vec<Text>,
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub points: Option<Spanned<f64>>,
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub weight: Option<Spanned<f64>>,
    #[serde(default)]
    pub applies_to: Option<RawApplicability>,
    /// May the answer be `na` (not applicable)? Default false.
    #[serde(default)]
    pub allow_na: bool,
    /// Must the sheet answer it? Default true.
    #[serde(default)]
    pub required: Option<bool>,
    #[serde(default)]
    pub note: Option<String>,
    /// Recorded-not-scored figures.
    #[serde(default)]
    pub fields: Vec<RawField>,
    /// single, multi
    #[serde(default)]
    pub options: Option<Vec<RawOption>>,
    /// multi: the most the summed fractions may reach (default 1).
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub cap: Option<Spanned<f64>>,
    /// band: unit of the number, e.g. "%".
    #[serde(default)]
    pub unit: Option<String>,
    /// band: smallest valid number.
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub min: Option<Spanned<f64>>,
    /// band: largest valid number.
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub max: Option<Spanned<f64>>,
    /// band: accept raw figures numerator / denominator.
    #[serde(default)]
    pub ratio: Option<RawRatio>,
    /// band: true when a lower number is better.
    #[serde(default)]
    pub descending: bool,
    #[serde(default)]
    pub bands: Option<Vec<RawBand>>,
    /// scenario: group label.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub group: Option<Spanned<String>>,
    /// scenario: 约束性 (counts toward the constrained condition of level rules).
    #[serde(default)]
    pub constrained: bool,
    /// scenario: the four level descriptions.
    #[serde(default)]
    pub levels: Option<Vec<RawScenarioLevel>>,
    /// trend: which observed change is the improvement.
    #[serde(default)]
    pub better_when: Option<BetterWhen>,
}

/// An option of a single or multi item.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOption {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub label: Text,
    /// Share of the item's points, 0–1.
    #[schemars(with = "f64")]
    pub fraction: Spanned<f64>,
    /// multi: this option ("无") must stand alone.
    #[serde(default)]
    pub exclusive: bool,
    #[serde(default)]
    pub help: Option<Text>,
}

/// An interval of a band item.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBand {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// Interval notation: "[0, 10]", "(10, 20]".
    #[schemars(with = "String")]
    pub range: Spanned<String>,
    #[schemars(with = "f64")]
    pub fraction: Spanned<f64>,
    #[serde(default)]
    pub label: Option<Text>,
}

/// Raw figures of a band item.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRatio {
    pub numerator: Text,
    pub denominator: Text,
    /// value = numerator / denominator × scale (default 100).
    #[serde(default)]
    pub scale: Option<f64>,
}

/// One grade of a scenario.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScenarioLevel {
    #[schemars(with = "u8")]
    pub level: Spanned<u8>,
    pub description: Text,
    #[serde(default)]
    pub evidence: Vec<Text>,
}

/// A recorded-not-scored figure of an item.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawField {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub label: Text,
    #[serde(default)]
    pub unit: Option<String>,
}

/// A maturity level's conditions.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLevelRule {
    #[schemars(with = "u8")]
    pub level: Spanned<u8>,
    pub name: Text,
    #[serde(default)]
    pub summary: Option<Text>,
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub min_score: Option<Spanned<f64>>,
    #[serde(default)]
    pub scenarios: Option<RawScenarioCondition>,
    #[serde(default)]
    pub overrides: Vec<RawLevelOverride>,
}

/// Counts of scenarios a level needs.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScenarioCondition {
    /// Grade counted (default: the rule's level).
    #[serde(default)]
    #[schemars(with = "Option<u8>")]
    pub at_or_above: Option<Spanned<u8>>,
    #[serde(default)]
    #[schemars(with = "Option<u32>")]
    pub at_least: Option<Spanned<u32>>,
    #[serde(default)]
    #[schemars(with = "Option<u32>")]
    pub constrained_at_least: Option<Spanned<u32>>,
}

/// A level rule's variant for some industry groups.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLevelOverride {
    #[schemars(with = "Vec<String>")]
    pub industry_groups: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub min_score: Option<Spanned<f64>>,
    #[serde(default)]
    pub scenarios: Option<RawScenarioCondition>,
}
