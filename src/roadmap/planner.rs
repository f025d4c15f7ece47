//! The planner: rank steps by value toward the target × feasibility / cost, respect prerequisites and
//! the budget, order them into phases, and project each phase by re-scoring the answers.

use super::catalog::{Catalog, Effort, Lift, LiftTarget, Solution};
use super::policies::Policies;
use crate::answers::{Answer, AnswerSheet, AnswerValue};
use crate::model::SizeClass;
use crate::model::{ItemSpec, Model};
use crate::score::{Assessment, LevelGap, QuickScore, quick_score, score, shortfall_quick};
use crate::text::Text;
use serde::Serialize;

/// What to plan for: the plan stage's options, passed through the pipeline unchanged.
#[derive(Debug, Clone, Default)]
pub struct PlanRequest {
    /// Target level (default: the next one).
    pub target: Option<u8>,
    /// Yearly budget for the enterprise's share, CNY (default: the profile's digital budget).
    pub budget: Option<f64>,
}

/// Catalog product or talent step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    Product,
    Talent,
}

/// How a yearly cost is shared, CNY.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct CostSplit {
    pub list: f64,
    pub platform_discount: f64,
    pub subsidy: f64,
    pub enterprise: f64,
}

impl CostSplit {
    fn add(&mut self, o: &CostSplit) {
        self.list += o.list;
        self.platform_discount += o.platform_discount;
        self.subsidy += o.subsidy;
        self.enterprise += o.enterprise;
    }
}

/// One step of the roadmap.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// 1-based position in the roadmap.
    pub number: usize,
    pub id: String,
    pub kind: StepKind,
    pub name: Text,
    pub description: Text,
    /// Why this step: what it lifts and what the target needs.
    pub reason: Text,
    /// What it lifts, in words.
    pub lifts: Vec<Text>,
    /// Every lift of the product (what adopting it makes true).
    pub lift_specs: Vec<Lift>,
    /// The lifts that change this firm's answers, given the steps before it.
    pub effective_lifts: Vec<Lift>,
    /// 1 = 0–3 months, 2 = 3–12, 3 = 12–24.
    pub phase: u8,
    /// Yearly list cost range for the firm's size, CNY.
    pub cost_range: [f64; 2],
    pub cost_year: u16,
    /// Split of the middle of the range.
    pub cost: CostSplit,
    pub subsidy_example: bool,
    pub weeks_to_value: u32,
    pub effort: Effort,
    pub free_trial: bool,
    pub requires: Vec<String>,
    /// Why it is 小/快/轻/准.
    pub why: Text,
    pub source: Option<String>,
}

/// A phase with the projected result after it, computed by re-scoring.
#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    pub index: u8,
    pub months: [u8; 2],
    pub title: Text,
    pub steps: Vec<String>,
    pub cost: CostSplit,
    pub projected_score: f64,
    pub projected_level: u8,
    pub projected_level_name: Text,
}

/// The plan for one firm.
#[derive(Debug, Clone, Serialize)]
pub struct Roadmap {
    pub target_level: u8,
    pub target_name: Text,
    pub budget: Option<f64>,
    /// Does the last phase reach the target?
    pub reaches_target: bool,
    /// The level the plan reaches (= target when reached; else the best reachable).
    pub final_level: u8,
    pub final_level_name: Text,
    pub final_score: f64,
    /// What remains short of the target after every step (when not reached).
    pub remaining_gap: Option<LevelGap>,
    pub steps: Vec<Step>,
    pub phases: Vec<Phase>,
    pub total: CostSplit,
    pub policies: Vec<String>,
    pub conditions: Vec<Text>,
    /// Why the plan stops where it does, in words.
    pub note: Text,
}

const PHASES: [([u8; 2], &str, &str); 3] = [
    (
        [0, 3],
        "第一阶段（0–3 个月）：见效快的订阅式工具",
        "Phase 1 (0–3 months): quick subscription tools",
    ),
    (
        [3, 12],
        "第二阶段（3–12 个月）：关键场景系统上线",
        "Phase 2 (3–12 months): key scenario systems",
    ),
    (
        [12, 24],
        "第三阶段（12–24 个月）：集成与数据驱动",
        "Phase 3 (12–24 months): integration and data-driven work",
    ),
];

/// Apply lifts to a copy of the answers; returns whether anything changed.
pub fn apply_lifts(model: &Model, sheet: &mut AnswerSheet, lifts: &[Lift]) -> bool {
    let group = sheet.profile.industry_group.clone();
    let size = sheet.profile.size_class;
    let mut changed = false;
    for l in lifts {
        let id = l.scenario.as_ref().or(l.item.as_ref());
        let Some(item) = id.and_then(|i| model.item(i)) else {
            continue;
        };
        if !item.applies_to.applies(&group, size) {
            continue;
        }
        let current = sheet.answers.get(&item.id).map(|a| a.value.clone());
        if current == Some(AnswerValue::NotApplicable) {
            continue;
        }
        let new = match (&item.spec, &l.to, &l.add, current) {
            (ItemSpec::Scenario { .. }, Some(LiftTarget::Number(g)), _, cur) => {
                let now = match cur {
                    Some(AnswerValue::Grade { grade }) => grade,
                    _ => 0,
                };
                let to = g.clamp(0.0, 4.0) as u8;
                (to > now).then_some(AnswerValue::Grade { grade: to })
            }
            (ItemSpec::Multi { options, .. }, _, Some(add), cur) => {
                let mut chosen: Vec<String> = match cur {
                    Some(AnswerValue::Choices { options }) => options,
                    _ => Vec::new(),
                };
                chosen.retain(|c| options.iter().any(|o| &o.id == c && !o.exclusive));
                let before = chosen.len();
                for a in add {
                    if !chosen.contains(a) && options.iter().any(|o| &o.id == a && !o.exclusive) {
                        chosen.push(a.clone());
                    }
                }
                (chosen.len() > before).then_some(AnswerValue::Choices { options: chosen })
            }
            (ItemSpec::Single { options }, Some(LiftTarget::Option(to)), _, cur) => {
                let now = match &cur {
                    Some(AnswerValue::Choice { option }) => options
                        .iter()
                        .find(|o| &o.id == option)
                        .map_or(0.0, |o| o.fraction),
                    _ => 0.0,
                };
                options
                    .iter()
                    .find(|o| &o.id == to)
                    .filter(|o| o.fraction > now)
                    .map(|o| AnswerValue::Choice {
                        option: o.id.clone(),
                    })
            }
            (ItemSpec::Band { bands, .. }, Some(LiftTarget::Number(v)), _, cur) => {
                let now = match &cur {
                    Some(AnswerValue::Number { value, .. }) => Some(*value),
                    Some(AnswerValue::Band { band }) => {
                        bands.iter().find(|b| &b.id == band).map(|b| b.range.lo)
                    }
                    _ => None,
                };
                now.is_none_or(|n| *v > n).then_some(AnswerValue::Number {
                    value: *v,
                    numerator: None,
                    denominator: None,
                })
            }
            _ => None,
        };
        if let Some(v) = new {
            let note = sheet.answers.get(&item.id).and_then(|a| a.note.clone());
            let data = sheet
                .answers
                .get(&item.id)
                .map(|a| a.data.clone())
                .unwrap_or_default();
            sheet.answers.insert(
                item.id.clone(),
                Answer {
                    value: v,
                    note,
                    data,
                },
            );
            changed = true;
        }
    }
    changed
}

/// A candidate step before ranking.
struct Candidate<'a> {
    id: String,
    kind: StepKind,
    name: Text,
    description: Text,
    lifts: Vec<Lift>,
    requires: Vec<String>,
    requires_grade: Vec<(String, u8)>,
    cost_range: [f64; 2],
    cost_year: u16,
    category: String,
    weeks: u32,
    effort: Effort,
    free_trial: bool,
    why: Text,
    source: Option<String>,
    solution: Option<&'a Solution>,
}

/// How far a firm is from the target: lower is closer. Points count one each, scenarios more.
fn quick_distance(model: &Model, q: &QuickScore, group: &str, target: u8) -> f64 {
    if q.level >= target {
        return 0.0;
    }
    shortfall_quick(model, target, group, q.level_score, &q.scenarios).map_or(
        0.0,
        |(points, short, constrained)| {
            points + f64::from(short) * 6.0 + f64::from(constrained) * 8.0
        },
    )
}

fn gap_to(model: &Model, a: &Assessment, target: u8) -> Option<LevelGap> {
    if a.level >= target {
        return None;
    }
    crate::score::level_gap(
        model,
        target,
        &a.profile.industry_group,
        a.level_score,
        &a.scenarios,
    )
}

fn size_ok(sizes: &[String], size: Option<SizeClass>) -> bool {
    sizes.is_empty() || size.is_none_or(|s| sizes.iter().any(|x| SizeClass::parse(x) == Some(s)))
}

/// Plan steps toward the target level. Pure: same inputs, same roadmap.
///
/// When the target cannot be reached (budget, catalog), lower targets are planned too and the plan
/// that reaches the highest level is shown, still measured against the requested target.
pub fn plan(
    model: &Model,
    sheet: &AnswerSheet,
    current: &Assessment,
    catalog: &Catalog,
    policies: &Policies,
    req: &PlanRequest,
) -> Roadmap {
    let top = model.levels.last().map_or(0, |r| r.level);
    let target = req.target.unwrap_or(current.level + 1).clamp(1, top.max(1));
    let first = plan_for(model, sheet, current, catalog, policies, req, target);
    if first.reaches_target {
        return first;
    }
    let mut best = first;
    for lower in (current.level + 1..target).rev() {
        let alt = plan_for(model, sheet, current, catalog, policies, req, lower);
        if alt.final_level > best.final_level {
            // Keep the requested target and its explanation; take the better steps.
            let a = score(model, &{
                let mut s = sheet.clone();
                for step in &alt.steps {
                    apply_lifts(model, &mut s, &step.lift_specs);
                }
                s
            });
            best = Roadmap {
                target_level: best.target_level,
                target_name: best.target_name.clone(),
                remaining_gap: gap_to(model, &a, target),
                note: best.note.clone(),
                reaches_target: false,
                ..alt
            };
        }
        if best.final_level >= lower {
            break;
        }
    }
    best
}

fn plan_for(
    model: &Model,
    sheet: &AnswerSheet,
    current: &Assessment,
    catalog: &Catalog,
    policies: &Policies,
    req: &PlanRequest,
    target: u8,
) -> Roadmap {
    let target_name = model.level_rule(target).map_or_else(
        || Text::new(&format!("{target} 级"), &format!("level {target}")),
        |r| r.name.clone(),
    );
    let budget = req
        .budget
        .or(sheet.profile.digital_budget.map(|w| w * 10_000.0));
    let group = sheet.profile.industry_group.as_str();
    let size = sheet.profile.size_class;

    // Candidates: catalog products that suit the firm, then talent steps where management is weak.
    let mut candidates: Vec<Candidate> = catalog
        .entries
        .iter()
        .filter(|e| e.industries.is_empty() || e.industries.iter().any(|g| g == group))
        .filter(|e| size_ok(&e.sizes, size))
        .map(|e| Candidate {
            id: e.id.value.clone(),
            kind: StepKind::Product,
            name: e.name.clone(),
            description: e.description.clone(),
            lifts: e.lifts.clone(),
            requires: e.requires.clone(),
            requires_grade: e
                .requires_grade
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
            cost_range: e.cost.for_size(size),
            cost_year: e.cost_year,
            category: e.subsidy_category.clone(),
            weeks: e.weeks_to_value,
            effort: e.effort,
            free_trial: e.free_trial,
            why: e.why.clone(),
            source: None,
            solution: Some(e),
        })
        .collect();
    let people = sheet.profile.it_staff.unwrap_or(0.0).max(2.0);
    for t in &policies.talent {
        candidates.push(Candidate {
            id: t.id.clone(),
            kind: StepKind::Talent,
            name: t.name.clone(),
            description: t.description.clone(),
            lifts: t.lifts.clone(),
            requires: Vec::new(),
            requires_grade: Vec::new(),
            cost_range: [t.cost_per_person[0] * people, t.cost_per_person[1] * people],
            cost_year: 0,
            category: "training".into(),
            weeks: 4,
            effort: Effort::Low,
            free_trial: false,
            why: Text::new(
                &format!("按 {people} 人计；{}", t.description.zh),
                &format!("for {people} people; {}", t.description.en),
            ),
            source: Some(t.source.clone()),
            solution: None,
        });
    }

    let split = |c: &Candidate| -> CostSplit {
        let list = ((c.cost_range[0] + c.cost_range[1]) / 2.0).round();
        let (platform_discount, mut subsidy, _) = policies.split(&c.category, list);
        if c.kind == StepKind::Talent
            && let Some(t) = policies.talent.iter().find(|t| t.id == c.id)
            && let Some(per) = t.subsidy_per_person
        {
            // Training subsidies are paid per person: the training cap applies to each person.
            let cap = policies
                .shares
                .get("training")
                .and_then(|s| s.subsidy_cap)
                .unwrap_or(f64::INFINITY);
            subsidy = (per.min(cap) * people).min(list - platform_discount);
        }
        CostSplit {
            list,
            platform_discount,
            subsidy,
            enterprise: list - platform_discount - subsidy,
        }
    };

    let mut state = sheet.clone();
    let mut now = quick_score(model, &state);
    let mut chosen: Vec<(usize, u8)> = Vec::new(); // candidate index, phase
    let mut spent = 0.0;
    let mut note = Text::default();
    let mut budget_blocked = false;
    // Greedy: at each round take the bundle (a step and its missing prerequisites) with the best
    // value × feasibility / cost; stop when the target is reached or nothing helps.
    for _round in 0..candidates.len() {
        if now.level >= target {
            break;
        }
        let dist_now = quick_distance(model, &now, group, target);
        let mut best: Option<(f64, Vec<usize>, AnswerSheet, QuickScore)> = None;
        for i in 0..candidates.len() {
            if chosen.iter().any(|(j, _)| *j == i) {
                continue;
            }
            // The bundle: missing prerequisites first (transitively), then the step.
            let mut bundle: Vec<usize> = Vec::new();
            // A prerequisite the firm met before the plan (its lifts change nothing) is not bought again.
            let met = |j: usize| !apply_lifts(model, &mut sheet.clone(), &candidates[j].lifts);
            if !collect_bundle(i, &candidates, &chosen, &mut bundle, 0, &met) {
                continue;
            }
            let mut trial = state.clone();
            let mut ok = true;
            for &b in &bundle {
                let grades_ok = candidates[b].requires_grade.iter().all(|(s, g)| {
                    match trial.answers.get(s).map(|a| &a.value) {
                        Some(AnswerValue::Grade { grade }) => grade >= g,
                        _ => *g == 0,
                    }
                });
                ok &= grades_ok;
                apply_lifts(model, &mut trial, &candidates[b].lifts);
            }
            if !ok {
                continue;
            }
            let after = quick_score(model, &trial);
            let dist_after = quick_distance(model, &after, group, target);
            let gain = dist_now - dist_after + 0.05 * (after.level_score - now.level_score);
            if gain <= 1e-9 {
                continue;
            }
            let cost: f64 = bundle
                .iter()
                .map(|&b| split(&candidates[b]).enterprise)
                .sum();
            if budget.is_some_and(|b| spent + cost > b + 1e-6) {
                budget_blocked = true;
                continue;
            }
            let feas: f64 = bundle
                .iter()
                .map(|&b| candidates[b].effort.feasibility())
                .product::<f64>()
                .powf(1.0 / bundle.len() as f64);
            let priority = gain * feas / (1.0 + cost / 10_000.0);
            if best.as_ref().is_none_or(|(p, ..)| priority > *p + 1e-12) {
                best = Some((priority, bundle, trial, after));
            }
        }
        let Some((_, bundle, trial, after)) = best else {
            break;
        };
        for b in bundle {
            spent += split(&candidates[b]).enterprise;
            chosen.push((b, 0));
        }
        state = trial;
        now = after;
    }

    // Phases: by weeks to value and effort; never before a prerequisite.
    for k in 0..chosen.len() {
        let c = &candidates[chosen[k].0];
        let mut phase = match (c.effort, c.weeks) {
            (Effort::Low, w) if w <= 8 => 1,
            (Effort::High, _) => 3,
            (_, w) if w > 26 => 3,
            _ => 2,
        };
        for r in &c.requires {
            if let Some((_, p)) = chosen[..k].iter().find(|(j, _)| candidates[*j].id == *r) {
                phase = phase.max(*p);
            }
        }
        chosen[k].1 = phase;
    }
    chosen.sort_by_key(|(_, p)| *p); // stable: prerequisites stay before dependants

    // Steps in order, each described by what it really changes on top of the steps before it.
    let mut running = sheet.clone();
    let mut steps: Vec<Step> = Vec::with_capacity(chosen.len());
    for &(i, phase) in &chosen {
        let c = &candidates[i];
        let mut effective = Vec::new();
        let mut lifts = Vec::new();
        for l in &c.lifts {
            let before = running.clone();
            if apply_lifts(model, &mut running, std::slice::from_ref(l)) {
                lifts.push(describe_change(model, l, &before, &running));
                effective.push(l.clone());
            }
        }
        let example = policies.shares.get(&c.category).is_some_and(|s| s.example)
            || c.kind == StepKind::Talent;
        let target_name = model
            .level_rule(target)
            .map_or_else(Text::default, |r| r.name.clone());
        let needed_by: Vec<&str> = chosen
            .iter()
            .map(|(j, _)| &candidates[*j])
            .filter(|d| d.requires.contains(&c.id))
            .map(|d| d.name.zh.as_str())
            .collect();
        let reason = if lifts.is_empty() {
            Text::new(
                &format!("作为「{}」的前提。", needed_by.join("、")),
                &format!("a prerequisite of {}.", needed_by.join(", ")),
            )
        } else {
            Text::new(
                &format!(
                    "{}，服务于达到{}。",
                    lifts
                        .iter()
                        .map(|t| t.zh.as_str())
                        .collect::<Vec<_>>()
                        .join("；"),
                    target_name.zh
                ),
                &format!(
                    "{}; toward {}.",
                    lifts
                        .iter()
                        .map(|t| t.en.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                    target_name.en
                ),
            )
        };
        steps.push(Step {
            number: steps.len() + 1,
            id: c.id.clone(),
            kind: c.kind,
            name: c.name.clone(),
            description: c.description.clone(),
            reason,
            lifts,
            lift_specs: c.lifts.clone(),
            effective_lifts: effective,
            phase,
            cost_range: c.cost_range,
            cost_year: c.cost_year,
            cost: split(c),
            subsidy_example: example,
            weeks_to_value: c.weeks,
            effort: c.effort,
            free_trial: c.free_trial,
            requires: c.requires.clone(),
            why: c.why.clone(),
            source: c
                .source
                .clone()
                .or_else(|| c.solution.map(|s| s.cost_basis.zh.clone())),
        });
    }

    // Projections: re-score the answers with the steps of each phase applied.
    let mut projected = sheet.clone();
    let mut phases = Vec::new();
    let mut total = CostSplit::default();
    for (idx, (months, zh, en)) in PHASES.iter().enumerate() {
        let index = idx as u8 + 1;
        let in_phase: Vec<&Step> = steps.iter().filter(|s| s.phase == index).collect();
        if in_phase.is_empty() {
            continue;
        }
        let mut cost = CostSplit::default();
        for s in &in_phase {
            apply_lifts(model, &mut projected, &s.lift_specs);
            cost.add(&s.cost);
        }
        total.add(&cost);
        let a = score(model, &projected);
        phases.push(Phase {
            index,
            months: *months,
            title: Text::new(zh, en),
            steps: in_phase.iter().map(|s| s.id.clone()).collect(),
            cost,
            projected_score: a.level_score,
            projected_level: a.level,
            projected_level_name: a.level_name.clone(),
        });
    }
    let last = score(model, &projected);
    let reaches_target = last.level >= target;
    let remaining_gap = gap_to(model, &last, target);
    if current.level >= target {
        note = Text::new(
            "企业已达到目标等级，无需新增步骤。",
            "The firm is already at the target level; no step is needed.",
        );
    } else if !reaches_target {
        note = if budget_blocked {
            Text::new(
                &format!(
                    "在每年 {} 元的预算内无法达到{}；路线图给出预算内可达的最好结果。",
                    crate::text::format_yuan(budget.unwrap_or(0.0)),
                    target_name.zh
                ),
                &format!(
                    "{} cannot be reached within the yearly budget of CNY {}; the roadmap shows the best reachable.",
                    target_name.en,
                    crate::text::format_yuan(budget.unwrap_or(0.0))
                ),
            )
        } else {
            Text::new(
                &format!(
                    "目录中的产品不足以达到{}；路线图给出可达的最好结果，其余差距需定制方案。",
                    target_name.zh
                ),
                &format!(
                    "The catalog's products do not reach {}; the roadmap shows the best reachable; the rest needs tailored work.",
                    target_name.en
                ),
            )
        };
    }
    Roadmap {
        target_level: target,
        target_name,
        budget,
        reaches_target,
        final_level: last.level,
        final_level_name: last.level_name,
        final_score: last.level_score,
        remaining_gap,
        steps,
        phases,
        total,
        policies: policies.applied.clone(),
        conditions: policies
            .conditions
            .iter()
            .map(|c| Text::new(&c.zh, &c.en))
            .collect(),
        note,
    }
}

/// Missing prerequisites of candidate `i` (depth first), then `i`; false if one is unavailable.
fn collect_bundle(
    i: usize,
    candidates: &[Candidate],
    chosen: &[(usize, u8)],
    out: &mut Vec<usize>,
    depth: usize,
    met: &dyn Fn(usize) -> bool,
) -> bool {
    if depth > 8 {
        return false;
    }
    for r in &candidates[i].requires {
        if chosen.iter().any(|(j, _)| candidates[*j].id == *r)
            || out.iter().any(|j| candidates[*j].id == *r)
        {
            continue;
        }
        match candidates.iter().position(|c| c.id == *r) {
            Some(p) if met(p) => {}
            Some(p) => {
                if !collect_bundle(p, candidates, chosen, out, depth + 1, met) {
                    return false;
                }
            }
            None => return false, // the prerequisite does not suit this firm
        }
    }
    if !out.contains(&i) {
        out.push(i);
    }
    true
}

/// "约束性场景「设备管理」1 级 → 2 级" or "「信息系统覆盖」B 单个环节 → C 多个环节".
fn describe_change(model: &Model, l: &Lift, before: &AnswerSheet, after: &AnswerSheet) -> Text {
    let id = l
        .scenario
        .as_ref()
        .or(l.item.as_ref())
        .cloned()
        .unwrap_or_default();
    let Some(item) = model.item(&id) else {
        return Text::new(&id, &id);
    };
    let show = |s: &AnswerSheet| item.display(s.answers.get(&id).map(|a| &a.value));
    let (from, to) = (show(before), show(after));
    match &item.spec {
        ItemSpec::Scenario { constrained, .. } => Text::new(
            &format!(
                "{}「{}」{} → {}",
                if *constrained {
                    "约束性场景"
                } else {
                    "场景"
                },
                item.title.zh,
                from.zh,
                to.zh
            ),
            &format!(
                "{} scenario '{}' {} → {}",
                if *constrained {
                    "constrained"
                } else {
                    "guiding"
                },
                item.title.en,
                from.en,
                to.en
            ),
        ),
        ItemSpec::Multi { options, .. } => {
            let chosen = |s: &AnswerSheet| match s.answers.get(&id).map(|a| &a.value) {
                Some(AnswerValue::Choices { options }) => options.clone(),
                _ => Vec::new(),
            };
            let had = chosen(before);
            let added: Vec<&crate::model::Choice> = options
                .iter()
                .filter(|o| chosen(after).contains(&o.id) && !had.contains(&o.id))
                .collect();
            Text::new(
                &format!(
                    "「{}」增加 {}",
                    item.title.zh,
                    added
                        .iter()
                        .map(|o| format!("{} {}", o.id, o.label.zh))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
                &format!(
                    "'{}' adds {}",
                    item.title.en,
                    added
                        .iter()
                        .map(|o| format!("{} {}", o.id, o.label.en))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        }
        ItemSpec::Single { options } => {
            let id_of = |s: &AnswerSheet| match s.answers.get(&id).map(|a| &a.value) {
                Some(AnswerValue::Choice { option }) => option.clone(),
                _ => "—".to_string(),
            };
            let new = options.iter().find(|o| o.id == id_of(after));
            Text::new(
                &format!(
                    "「{}」{} → {} {}",
                    item.title.zh,
                    id_of(before),
                    id_of(after),
                    new.map_or("", |o| o.label.zh.as_str())
                ),
                &format!(
                    "'{}' {} → {} {}",
                    item.title.en,
                    id_of(before),
                    id_of(after),
                    new.map_or("", |o| o.label.en.as_str())
                ),
            )
        }
        _ => Text::new(
            &format!("「{}」{} → {}", item.title.zh, from.zh, to.zh),
            &format!("'{}' {} → {}", item.title.en, from.en, to.en),
        ),
    }
}
