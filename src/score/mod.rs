//! Scoring (pure): points per item, indicator and dimension; the level; what is short of the next one.

pub mod engine;
mod level;

pub use engine::{
    Counted, Scores, evaluate, evaluate_counted, evaluate_counted_into, evaluate_flat_into,
};
pub use level::{
    LevelGap, ScenarioRef, ScenarioShortfall, Shortfall, gap as level_gap, measure, shortfall,
};

use crate::answers::{AnswerSheet, AnswerValue, Profile};
use crate::model::{Children, Item, ItemKind, ItemSpec, Model, Node};
use crate::text::Text;
use serde::Serialize;

/// The full result of scoring one enterprise against one model.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Assessment {
    pub model: ModelRef,
    pub profile: Profile,
    /// Title of the firm's industry group (the id is `profile.industry_group`).
    pub industry_group: Text,
    /// The level score (基础分): dimensions that count toward the level, combined.
    pub level_score: f64,
    pub level_score_max: f64,
    /// 0 = no level (未达一级).
    pub level: u8,
    pub level_name: Text,
    /// What is short of the next level; `None` at the top level.
    pub next_level: Option<LevelGap>,
    pub dimensions: Vec<NodeScore>,
    pub items: Vec<ItemScore>,
    pub scenarios: Vec<ScenarioGrade>,
}

/// Which model (and version) produced a result.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, schemars::JsonSchema)]
pub struct ModelRef {
    pub id: String,
    pub version: String,
    pub title: Text,
}

/// Score of a dimension or indicator.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct NodeScore {
    pub id: String,
    pub title: Text,
    /// `None` when nothing below applies (all N/A).
    pub score: Option<f64>,
    pub max: f64,
    pub counts_toward_level: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<NodeScore>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
}

/// How an item stands in a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Answered,
    /// Answered `na`: left out of the denominator.
    NotApplicableAnswer,
    /// The model says it does not apply to this firm's industry or size.
    NotApplicable,
    /// Optional and left blank: scores 0.
    Unanswered,
}

/// Score of one item.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ItemScore {
    pub id: String,
    pub title: Text,
    pub kind: ItemKind,
    pub dimension: String,
    pub parent: String,
    pub status: ItemStatus,
    pub score: f64,
    pub max: f64,
    /// Share of the item's points earned; `None` when it does not count.
    pub fraction: Option<f64>,
    /// The answer in words (option labels, the number, the grade).
    pub answer: Text,
    /// The assessor's note on the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Recorded-not-scored figures.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub data: std::collections::BTreeMap<String, f64>,
}

/// A scenario's grade, for level rules and the scenario grid.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ScenarioGrade {
    pub id: String,
    pub title: Text,
    pub group: Option<String>,
    pub constrained: bool,
    /// `None` when the scenario does not apply or was answered `na`.
    pub grade: Option<u8>,
}

/// Round to 6 decimals: results are shown to 2–4 and compared with thresholds exactly.
pub(crate) fn round6(x: f64) -> f64 {
    round(x * 1e6) / 1e6
}

/// [`f64::round`] (half away from zero), the same result for every input, without the call into
/// the C library that `round` compiles to on a baseline x86-64 target: scoring and aggregation
/// round several times per sheet. At or above 2^52 (and for NaN and infinities) `x` is already
/// whole. Below it, adding and taking away 2^52 rounds `|x|` to the nearest whole number exactly
/// (a tie to the even one), and a tie that went down is taken up.
#[inline]
pub(crate) fn round(x: f64) -> f64 {
    const WHOLE: f64 = 4_503_599_627_370_496.0; // 2^52
    let a = x.abs();
    if a.is_nan() || a >= WHOLE {
        return x;
    }
    let near = (a + WHOLE) - WHOLE;
    // Without branches: which way a value rounds is as good as random, and a processor that
    // guesses a branch wrong loses more time than the arithmetic costs. `copysign` keeps the
    // sign of zero as `f64::round` does (-0.3 rounds to -0.0).
    (near + f64::from(u8::from(a - near == 0.5))).copysign(x)
}

/// Fraction of an item's points an answer earns.
pub fn item_fraction(item: &Item, value: &AnswerValue) -> Option<f64> {
    item.fraction(value)
}

/// Build the tree of node scores from the engine's pre-order list.
fn node_scores(
    model: &Model,
    nodes: &[Node],
    scores: &mut impl Iterator<Item = Option<f64>>,
) -> Vec<NodeScore> {
    nodes
        .iter()
        .map(|node| {
            let score = scores.next().flatten();
            let (children, items) = match &node.children {
                Children::Nodes(ns) => (node_scores(model, ns, scores), Vec::new()),
                Children::Items(idx) => (
                    Vec::new(),
                    idx.iter().map(|&i| model.items[i].id.clone()).collect(),
                ),
            };
            NodeScore {
                id: node.id.clone(),
                title: node.title.clone(),
                score,
                max: node.points,
                counts_toward_level: node.counts_toward_level,
                children,
                items,
            }
        })
        .collect()
}

/// Score an answer sheet against its model, with every text a report shows. Pure: same inputs,
/// same result. The numbers come from [`engine::evaluate`].
pub fn score(model: &Model, sheet: &AnswerSheet) -> Assessment {
    let numbers = engine::evaluate(model, sheet);
    let group = sheet.profile.industry_group.as_str();
    let items: Vec<ItemScore> = model
        .items
        .iter()
        .zip(&numbers.items)
        .map(|(item, &(status, fraction))| {
            let answer = sheet.answers.get(&item.id);
            ItemScore {
                id: item.id.clone(),
                title: item.title.clone(),
                kind: item.spec.kind(),
                dimension: item.dimension.clone(),
                parent: item.parent.clone(),
                status,
                score: round6(fraction.unwrap_or(0.0) * item.points),
                max: item.points,
                fraction: fraction.map(round6),
                answer: if status == ItemStatus::NotApplicable {
                    Text::new("不适用于本企业", "does not apply to this firm")
                } else {
                    item.display(answer.map(|a| &a.value))
                },
                note: answer.and_then(|a| a.note.clone()),
                data: answer.map(|a| a.data.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let scenarios: Vec<ScenarioGrade> = model
        .scenarios()
        .zip(&numbers.scenarios)
        .map(|(item, &(constrained, grade))| ScenarioGrade {
            id: item.id.clone(),
            title: item.title.clone(),
            group: match &item.spec {
                ItemSpec::Scenario { group, .. } => group.clone(),
                _ => None,
            },
            constrained,
            grade,
        })
        .collect();
    let level = numbers.level;
    let next_level = model
        .levels
        .iter()
        .find(|r| r.level > level)
        .and_then(|r| level::gap(model, r.level, group, numbers.level_score, &scenarios));
    let level_name = model
        .level_rule(level)
        .map(|r| r.name.clone())
        .unwrap_or_else(|| Text::new("未达一级", "below level 1"));
    Assessment {
        model: ModelRef {
            id: model.id.clone(),
            version: model.version.clone(),
            title: model.title.clone(),
        },
        profile: sheet.profile.clone(),
        industry_group: model
            .industry_group(group)
            .map_or_else(|| Text::new(group, group), |g| g.title.clone()),
        level_score: numbers.level_score,
        level_score_max: model.score_points,
        level,
        level_name,
        next_level,
        dimensions: node_scores(model, &model.dimensions, &mut numbers.nodes.iter().copied()),
        items,
        scenarios,
    }
}

#[cfg(test)]
mod tests {
    use super::round;
    use proptest::prelude::*;

    #[test]
    fn round_agrees_with_the_standard_round_at_the_edges() {
        let edges = [
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            -0.3,
            0.49999999999999994,
            -0.49999999999999994,
            4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            -4_503_599_627_370_495.5,
            4_503_599_627_370_494.5,
            2_251_799_813_685_247.5,
            1.4999999999999998,
            2.5000000000000004,
            0.5000000000000001,
            -3.5,
            5e-324,
            -5e-324,
            9.007_199_254_740_993e15,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for x in edges {
            assert_eq!(round(x).to_bits(), x.round().to_bits(), "{x:e}");
        }
        assert!(round(f64::NAN).is_nan());
        // Every half and its neighbours: the ties go away from zero, the rest to the nearest.
        for k in -20_000i32..20_000 {
            let x = f64::from(k) / 2.0;
            for y in [x, x.next_up(), x.next_down()] {
                assert_eq!(round(y).to_bits(), y.round().to_bits(), "{y:e}");
            }
        }
    }

    proptest! {
        #[test]
        fn round_agrees_with_the_standard_round(bits in any::<u64>(), scaled in -1e9f64..1e9) {
            let x = f64::from_bits(bits);
            if !x.is_nan() {
                prop_assert_eq!(round(x).to_bits(), x.round().to_bits());
            }
            let y = scaled / 7.0;
            prop_assert_eq!(round(y).to_bits(), y.round().to_bits());
        }
    }
}
