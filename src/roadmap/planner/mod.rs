//! The planner, in four stages with their own tests: [`candidates`] (what fits the firm) →
//! [`select`] (fit and pain first, then what the target still needs, then cost) → [`phase`] (capacity
//! per phase by size class) → [`explain`] (reasons, costs, subsidies, re-scored projections, notes).

mod apply;
mod candidates;
mod explain;
mod phase;
mod select;

pub use apply::apply_lifts;
pub use explain::{CostSplit, Investment, Phase, Roadmap, Step, StepKind};

use super::catalog::Catalog;
use super::policies::Policies;
use super::tuning::{Tuning, Weights};
use crate::answers::AnswerSheet;
use crate::model::Model;
use crate::score::Assessment;
use crate::text::Text;

/// What to plan for.
#[derive(Debug, Clone, Default)]
pub struct PlanRequest {
    /// Target level (default: the next one; 二级 in a pilot region that pays at 二级).
    pub target: Option<u8>,
    /// Yearly budget for the enterprise's share, CNY (default: the profile's digital budget).
    pub budget: Option<f64>,
    /// The date whose valid policy facts apply, `YYYY-MM-DD` (default: today).
    pub as_of: Option<String>,
}

/// A re-scored sheet: its level, level score and distance to the target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Progress {
    pub level: u8,
    pub score: f64,
    /// Lower is closer: points short, scenarios short and constrained scenarios short, weighted.
    pub distance: f64,
}

/// The one place the planner re-scores answers (the scoring engine plugs in here).
pub(crate) fn rescore(model: &Model, sheet: &AnswerSheet, target: u8, w: &Weights) -> Progress {
    let q = crate::score::evaluate(model, sheet);
    let distance = if q.level >= target {
        0.0
    } else {
        crate::score::shortfall(
            model,
            target,
            &sheet.profile.industry_group,
            q.level_score,
            &q.scenarios,
        )
        .map_or(0.0, |s| {
            s.points * w.points
                + f64::from(s.short) * w.scenario
                + f64::from(s.constrained_short) * w.constrained
        })
    };
    Progress {
        level: q.level,
        score: q.level_score,
        distance,
    }
}

/// The target level and why it was chosen.
pub(crate) fn choose_target(
    model: &Model,
    sheet: &AnswerSheet,
    current: &Assessment,
    policies: &Policies,
    requested: Option<u8>,
) -> (u8, Text) {
    let top = model.levels.last().map_or(0, |r| r.level).max(1);
    if let Some(t) = requested {
        let t = t.clamp(1, top);
        return (
            t,
            Text::new("按指定目标等级规划。", "Planned for the requested level."),
        );
    }
    let next = (current.level + 1).min(top);
    if let Some(p) = policies
        .pilot
        .as_ref()
        .filter(|p| current.level < p.target_level && p.target_level > next)
        .filter(|p| p.covers(sheet.profile.industry.as_deref()))
    {
        let name = model
            .level_rule(p.target_level)
            .map_or_else(Text::default, |r| r.name.clone());
        return (
            p.target_level.min(top),
            Text::new(
                &format!(
                    "{}是中小企业数字化转型试点城市，补助在达到{}后拨付，故目标定为{}（{}）。",
                    p.city.zh, name.zh, name.zh, p.source
                ),
                &format!(
                    "{} is an SME digital-transformation pilot city that pays once a firm reaches {}, so the target is {} ({}).",
                    p.city.en, name.en, name.en, p.source
                ),
            ),
        );
    }
    (
        next,
        Text::new("目标为下一等级。", "The target is the next level."),
    )
}

/// Plan steps toward the target level with the bundled tuning. Pure: same inputs, same roadmap.
pub fn plan(
    model: &Model,
    sheet: &AnswerSheet,
    current: &Assessment,
    catalog: &Catalog,
    policies: &Policies,
    req: &PlanRequest,
) -> Roadmap {
    plan_with(
        model,
        sheet,
        current,
        catalog,
        policies,
        req,
        &Tuning::bundled(),
    )
}

/// Plan with the given tuning: candidates → select → phase → explain.
pub fn plan_with(
    model: &Model,
    sheet: &AnswerSheet,
    current: &Assessment,
    catalog: &Catalog,
    policies: &Policies,
    req: &PlanRequest,
    tuning: &Tuning,
) -> Roadmap {
    let (target, target_reason) = choose_target(model, sheet, current, policies, req.target);
    let budget = req
        .budget
        .or(sheet.profile.digital_budget.map(|w| w * 10_000.0));
    let cands = candidates::candidates(model, sheet, catalog, policies);
    let costs = explain::list_costs(&cands, sheet, policies, tuning);
    let chosen = select::select(model, sheet, &cands, &costs, tuning, target, budget);
    let phased = phase::phase(&cands, &chosen.steps, tuning, sheet.profile.size_class);
    explain::explain(
        model,
        sheet,
        current,
        catalog,
        &cands,
        &chosen,
        &phased,
        policies,
        tuning,
        explain::Goal {
            target,
            target_reason,
            budget,
        },
    )
}
