//! Stage 2, select: greedy choice of steps. A step's priority is (fit + progress) × feasibility /
//! cost: fit = stated pain points it relieves and how well it suits the firm's division; progress =
//! what the target level still needs (constrained scenarios weigh most). Measures are chosen apart.

use super::super::tuning::Tuning;
use super::candidates::Candidate;
use super::{Progress, apply_lifts, rescore};
use crate::answers::{AnswerSheet, AnswerValue};
use crate::model::Model;

/// What the select stage chose.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    /// Candidate indices of roadmap steps, prerequisites before their dependants.
    pub steps: Vec<usize>,
    /// Candidate indices of measures (保障措施).
    pub measures: Vec<usize>,
    /// A step that would have helped did not fit the budget.
    pub budget_blocked: bool,
}

/// Missing prerequisites of `i` (depth first), then `i`; false if one cannot be had.
pub(crate) fn bundle(
    i: usize,
    cands: &[Candidate],
    chosen: &[usize],
    out: &mut Vec<usize>,
    depth: usize,
) -> bool {
    if depth > 8 {
        return false;
    }
    let have = |id: &str, out: &[usize]| chosen.iter().chain(out).any(|&j| cands[j].id == id);
    for r in &cands[i].requires {
        if have(r, out) {
            continue;
        }
        match cands.iter().position(|c| c.id == *r && !c.measure) {
            Some(p) => {
                if !bundle(p, cands, chosen, out, depth + 1) {
                    return false;
                }
            }
            None => return false,
        }
    }
    if !cands[i].requires_any.is_empty()
        && !cands[i].or_system_met
        && !cands[i].requires_any.iter().any(|r| have(r, out))
    {
        // The first data source that suits the firm.
        let Some(p) = cands[i]
            .requires_any
            .iter()
            .find_map(|r| cands.iter().position(|c| c.id == *r && !c.measure))
        else {
            return false;
        };
        if !bundle(p, cands, chosen, out, depth + 1) {
            return false;
        }
    }
    if !out.contains(&i) {
        out.push(i);
    }
    true
}

fn grades_ok(c: &Candidate, sheet: &AnswerSheet) -> bool {
    c.requires_grade
        .iter()
        .all(|(s, g)| match sheet.answers.get(s).map(|a| &a.value) {
            Some(AnswerValue::Grade { grade }) => grade >= g,
            _ => *g == 0,
        })
}

/// Fit of a candidate to the firm: stated pains relieved, favoured or specific division.
pub(crate) fn fit(c: &Candidate, t: &Tuning) -> f64 {
    let w = &t.weights;
    c.pains.len() as f64 * w.pain_point
        + if c.favoured { w.favoured_division } else { 0.0 }
        + if c.division_specific { w.division } else { 0.0 }
}

/// Choose steps, then measures. `costs[i]` is candidate i's enterprise share over the plan's years.
pub(crate) fn select(
    model: &Model,
    sheet: &AnswerSheet,
    cands: &[Candidate],
    costs: &[f64],
    t: &Tuning,
    target: u8,
    budget: Option<f64>,
) -> Selection {
    let mut sel = Selection::default();
    let limit = budget.map(|b| b * f64::from(t.years));
    let mut spent = 0.0;
    let mut state = sheet.clone();
    let mut now = rescore(model, &state, target, &t.weights);
    for pass_measures in [false, true] {
        let max = if pass_measures {
            t.max_measures
        } else {
            t.max_steps
        };
        loop {
            let taken = if pass_measures {
                &sel.measures
            } else {
                &sel.steps
            };
            if taken.len() >= max {
                break;
            }
            let mut best: Option<(f64, Vec<usize>, AnswerSheet, Progress)> = None;
            for i in 0..cands.len() {
                if cands[i].measure != pass_measures
                    || sel.steps.contains(&i)
                    || sel.measures.contains(&i)
                {
                    continue;
                }
                let mut b = Vec::new();
                if !bundle(i, cands, &sel.steps, &mut b, 0) || b.len() + taken.len() > max {
                    continue;
                }
                let mut trial = state.clone();
                let mut ok = true;
                let mut changed = false;
                for &k in &b {
                    ok &= grades_ok(&cands[k], &trial);
                    changed |= apply_lifts(model, &mut trial, &cands[k].lifts);
                }
                if !ok || !changed {
                    continue;
                }
                let after = rescore(model, &trial, target, &t.weights);
                let progress = (now.distance - after.distance)
                    + t.weights.score_gain * (after.score - now.score);
                // Past the target only what relieves a stated pain or suits the division is added.
                let fit: f64 = fit(&cands[i], t);
                let reached = now.level >= target;
                if fit <= 0.0 && (progress <= 1e-9 || reached) {
                    continue;
                }
                let cost: f64 = b.iter().map(|&k| costs[k]).sum();
                if limit.is_some_and(|l| spent + cost > l + 1e-6) {
                    sel.budget_blocked |= !reached;
                    continue;
                }
                let n = b.len() as f64;
                let feas = b
                    .iter()
                    .map(|&k| t.feasibility.of(cands[k].effort))
                    .product::<f64>()
                    .powf(1.0 / n);
                let priority = (fit + progress.max(0.0)) * feas / (1.0 + cost / t.cost_scale);
                if best.as_ref().is_none_or(|(p, ..)| priority > *p + 1e-12) {
                    best = Some((priority, b, trial, after));
                }
            }
            let Some((_, b, trial, after)) = best else {
                break;
            };
            for k in b {
                spent += costs[k];
                if cands[k].measure {
                    sel.measures.push(k);
                } else {
                    sel.steps.push(k);
                }
            }
            state = trial;
            now = after;
        }
    }
    sel
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roadmap::Policies;
    use crate::roadmap::planner::candidates::candidates;

    fn firm() -> AnswerSheet {
        let text = include_str!("../../../questionnaires/examples/logistics-services.yaml");
        let model = crate::model::bundled("sme-dx-2024").expect("bundled model");
        let source = crate::source_file::SourceFile::from_text("logistics-services.yaml", text);
        let node = crate::answers::load_sheet(&source).expect("sample parses");
        crate::answers::check_sheet(model, &node, &source)
            .sheet
            .expect("sample checks")
    }

    #[test]
    fn a_stated_pain_point_ranks_its_product_first() {
        let model = crate::model::bundled("sme-dx-2024").expect("bundled model");
        let (catalog, _) = crate::roadmap::bundled_catalog(model);
        let catalog = catalog.expect("catalog");
        let policies = Policies::for_region(&[], None, "2026-01-01");
        let t = Tuning::bundled();
        let mut sheet = firm();
        sheet.profile.pain_points = vec!["油耗高".into()];
        sheet.profile.existing_systems = vec!["北斗".into()];
        let cands = candidates(model, &sheet, &catalog, &policies);
        let costs = vec![0.0; cands.len()];
        let sel = select(model, &sheet, &cands, &costs, &t, 2, None);
        assert_eq!(cands[sel.steps[0]].id, "fuel-monitoring");
        assert!(sel.steps.iter().all(|&i| !cands[i].measure));
        assert!(sel.measures.iter().all(|&i| cands[i].measure));
    }

    #[test]
    fn data_prerequisites_come_first_and_a_running_system_meets_them() {
        let model = crate::model::bundled("sme-dx-2024").expect("bundled model");
        let (catalog, _) = crate::roadmap::bundled_catalog(model);
        let catalog = catalog.expect("catalog");
        let policies = Policies::for_region(&[], None, "2026-01-01");
        let mut sheet = firm();
        sheet.profile.existing_systems.clear();
        let cands = candidates(model, &sheet, &catalog, &policies);
        let bi = cands
            .iter()
            .position(|c| c.id == "bi-analytics")
            .expect("BI suits");
        let mut b = Vec::new();
        assert!(bundle(bi, &cands, &[], &mut b, 0));
        assert_eq!(b.len(), 2, "BI comes with a system that produces its data");
        assert_eq!(b[1], bi);
        sheet.profile.existing_systems = vec!["ERP".into()];
        let cands = candidates(model, &sheet, &catalog, &policies);
        let bi = cands
            .iter()
            .position(|c| c.id == "bi-analytics")
            .expect("BI suits");
        let mut b = Vec::new();
        assert!(bundle(bi, &cands, &[], &mut b, 0));
        assert_eq!(b, [bi], "a running ERP gives BI its data");
    }
}
