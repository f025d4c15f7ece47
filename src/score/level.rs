//! Level rules: which level a firm reaches and exactly what is short of the next one.

use super::ScenarioGrade;
use crate::model::{Model, ScenarioCondition};
use crate::text::Text;
use serde::Serialize;

/// Tolerance for comparing a computed score with a threshold (40.0 must count as 40).
const EPS: f64 = 1e-9;

/// What a firm lacks for one level: each condition of the rule, with the scenarios that fall short named.
#[derive(Debug, Clone, Serialize, PartialEq)]
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
#[derive(Debug, Clone, Serialize, PartialEq)]
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
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScenarioRef {
    pub id: String,
    pub title: Text,
    pub grade: u8,
    pub constrained: bool,
}

impl LevelGap {
    /// Every condition met.
    pub fn is_met(&self) -> bool {
        self.points_short <= 0.0
            && self
                .scenarios
                .as_ref()
                .is_none_or(|s| s.short == 0 && s.constrained_short == 0)
    }
}

/// Measure a firm against one level's rule.
pub fn gap(
    model: &Model,
    level: u8,
    group: &str,
    score: f64,
    scenarios: &[ScenarioGrade],
) -> Option<LevelGap> {
    let rule = model.level_rule(level)?;
    let (min_score, condition) = rule.effective(group);
    let points_short = min_score.map_or(0.0, |m| {
        let short = m - score;
        if short > EPS {
            super::round6(short)
        } else {
            0.0
        }
    });
    let scenarios = condition.map(|c| {
        let graded: Vec<(&ScenarioGrade, u8)> = scenarios
            .iter()
            .filter_map(|s| s.grade.map(|g| (s, g)))
            .collect();
        let have = graded.iter().filter(|(_, g)| *g >= c.at_or_above).count() as u32;
        let constrained_have = graded
            .iter()
            .filter(|(s, g)| s.constrained && *g >= c.at_or_above)
            .count() as u32;
        let mut below: Vec<ScenarioRef> = graded
            .iter()
            .filter(|(_, g)| *g < c.at_or_above)
            .map(|(s, g)| ScenarioRef {
                id: s.id.clone(),
                title: s.title.clone(),
                grade: *g,
                constrained: s.constrained,
            })
            .collect();
        // Nearest first: highest grade, constrained before guiding, then model order (stable sort).
        below.sort_by_key(|r| (std::cmp::Reverse(r.grade), !r.constrained));
        ScenarioShortfall {
            condition: c,
            have,
            short: c.at_least.saturating_sub(have),
            constrained_have,
            constrained_short: c.constrained_at_least.saturating_sub(constrained_have),
            constrained_below: below.iter().filter(|r| r.constrained).cloned().collect(),
            below,
        }
    });
    Some(LevelGap {
        level,
        name: rule.name.clone(),
        min_score,
        points_short,
        scenarios,
    })
}

/// The level reached (0 = none) and the gap to the next level (`None` at the top).
pub fn determine(
    model: &Model,
    group: &str,
    score: f64,
    scenarios: &[ScenarioGrade],
) -> (u8, Option<LevelGap>) {
    let reached = model
        .levels
        .iter()
        .rev()
        .find(|r| gap(model, r.level, group, score, scenarios).is_some_and(|g| g.is_met()))
        .map_or(0, |r| r.level);
    let next = model
        .levels
        .iter()
        .find(|r| r.level > reached)
        .and_then(|r| gap(model, r.level, group, score, scenarios));
    (reached, next)
}

/// Shortfall of one level's rule from counts alone: (points short, scenarios short, constrained short).
pub fn shortfall_quick(
    model: &Model,
    level: u8,
    group: &str,
    score: f64,
    scenarios: &[(bool, Option<u8>)],
) -> Option<(f64, u32, u32)> {
    let rule = model.level_rule(level)?;
    let (min_score, condition) = rule.effective(group);
    let points = min_score.map_or(0.0, |m| if m - score > EPS { m - score } else { 0.0 });
    let (short, constrained_short) = condition.map_or((0, 0), |c| {
        let have = scenarios
            .iter()
            .filter(|(_, g)| g.is_some_and(|g| g >= c.at_or_above))
            .count() as u32;
        let constrained = scenarios
            .iter()
            .filter(|(k, g)| *k && g.is_some_and(|g| g >= c.at_or_above))
            .count() as u32;
        (
            c.at_least.saturating_sub(have),
            c.constrained_at_least.saturating_sub(constrained),
        )
    });
    Some((points, short, constrained_short))
}

/// The level reached, from counts alone (same rule as [`determine`]).
pub fn reached_quick(
    model: &Model,
    group: &str,
    score: f64,
    scenarios: &[(bool, Option<u8>)],
) -> u8 {
    model
        .levels
        .iter()
        .rev()
        .find(|r| {
            shortfall_quick(model, r.level, group, score, scenarios)
                .is_some_and(|(p, s, c)| p <= 0.0 && s == 0 && c == 0)
        })
        .map_or(0, |r| r.level)
}
