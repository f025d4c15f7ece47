//! Level rules: which level a firm reaches and exactly what is short of the next one.

use super::ScenarioGrade;
use crate::model::{FlatRule, Model, ScenarioCondition};
use crate::text::Text;
use serde::Serialize;

/// Tolerance for comparing a computed score with a threshold (40.0 must count as 40).
const EPS: f64 = 1e-9;

/// What a firm lacks for one level: each condition of the rule, with the scenarios that fall short named.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct LevelGap {
    pub level: u8,
    pub name: Text,
    /// Threshold of the level score, if the rule has one.
    pub min_score: Option<f64>,
    /// Points still missing (0 when the threshold is met).
    pub points_short: f64,
    /// Scenario conditions and shortfalls, if the rule counts scenarios.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenarios: Option<ScenarioShortfall>,
}

/// The scenario part of a level gap.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct ScenarioShortfall {
    pub condition: ScenarioCondition,
    /// Scenarios graded at or above `condition.at_or_above`.
    pub have: u32,
    pub short: u32,
    pub constrained_have: u32,
    pub constrained_short: u32,
    /// Applicable scenarios below the grade, highest grade first (the nearest to lift).
    pub below: Vec<ScenarioRef>,
    /// The constrained ones among `below`.
    pub constrained_below: Vec<ScenarioRef>,
}

/// A scenario named in a gap.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct ScenarioRef {
    pub id: String,
    pub title: Text,
    pub grade: u8,
    pub constrained: bool,
}

/// What one level's rule still lacks, as counts: the core of [`gap`] and of [`reached`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shortfall {
    /// Points missing (0 when the threshold is met or there is none).
    pub points: f64,
    /// Scenarios graded at or above the rule's grade, and how many more are needed.
    pub have: u32,
    pub short: u32,
    /// The same for constrained scenarios.
    pub constrained_have: u32,
    pub constrained_short: u32,
}

impl Shortfall {
    /// Every condition met.
    pub fn is_met(&self) -> bool {
        self.points <= 0.0 && self.short == 0 && self.constrained_short == 0
    }
}

/// Measure (constrained, grade) scenarios and a level score against one level's rule.
pub fn shortfall(
    model: &Model,
    level: u8,
    group: &str,
    score: f64,
    scenarios: &[(bool, Option<u8>)],
) -> Option<Shortfall> {
    let (min_score, condition) = model.level_rule(level)?.effective(group);
    Some(measure(min_score, condition, score, scenarios))
}

/// [`shortfall`] against a rule's threshold and scenario condition.
pub fn measure(
    min_score: Option<f64>,
    condition: Option<ScenarioCondition>,
    score: f64,
    scenarios: &[(bool, Option<u8>)],
) -> Shortfall {
    let points = min_score.map_or(0.0, |m| {
        let short = m - score;
        if short > EPS {
            super::round6(short)
        } else {
            0.0
        }
    });
    let (mut have, mut constrained_have) = (0, 0);
    if let Some(c) = condition {
        // Counted without branches: a firm's grades are as good as random to the processor.
        for (constrained, grade) in scenarios {
            let at = u32::from(grade.is_some_and(|g| g >= c.at_or_above));
            have += at;
            constrained_have += at & u32::from(*constrained);
        }
    }
    Shortfall {
        points,
        have,
        short: condition.map_or(0, |c| c.at_least.saturating_sub(have)),
        constrained_have,
        constrained_short: condition.map_or(0, |c| {
            c.constrained_at_least.saturating_sub(constrained_have)
        }),
    }
}

/// The level reached (0 = none): the highest level whose rule is met, of `rules` as they hold
/// for the firm's group, highest first ([`crate::model::Flat::rules`]).
pub fn reached(rules: &[FlatRule], score: f64, scenarios: &[(bool, Option<u8>)]) -> u8 {
    rules
        .iter()
        .find(|r| measure(r.min_score, r.scenarios, score, scenarios).is_met())
        .map_or(0, |r| r.level)
}

/// Measure a firm against one level's rule, naming the scenarios that fall short.
pub fn gap(
    model: &Model,
    level: u8,
    group: &str,
    score: f64,
    scenarios: &[ScenarioGrade],
) -> Option<LevelGap> {
    let rule = model.level_rule(level)?;
    let (min_score, condition) = rule.effective(group);
    let states: Vec<(bool, Option<u8>)> =
        scenarios.iter().map(|s| (s.constrained, s.grade)).collect();
    let short = shortfall(model, level, group, score, &states)?;
    let scenarios = condition.map(|c| {
        let mut below: Vec<ScenarioRef> = scenarios
            .iter()
            .filter_map(|s| s.grade.filter(|g| *g < c.at_or_above).map(|g| (s, g)))
            .map(|(s, g)| ScenarioRef {
                id: s.id.clone(),
                title: s.title.clone(),
                grade: g,
                constrained: s.constrained,
            })
            .collect();
        // Nearest first: highest grade, constrained before guiding, then model order (stable sort).
        below.sort_by_key(|r| (std::cmp::Reverse(r.grade), !r.constrained));
        ScenarioShortfall {
            condition: c,
            have: short.have,
            short: short.short,
            constrained_have: short.constrained_have,
            constrained_short: short.constrained_short,
            constrained_below: below.iter().filter(|r| r.constrained).cloned().collect(),
            below,
        }
    });
    Some(LevelGap {
        level,
        name: rule.name.clone(),
        min_score,
        points_short: short.points,
        scenarios,
    })
}
