//! Stage 3, phase: order the chosen steps into phases. A step starts no earlier than its effort allows
//! and after its prerequisites; each phase holds at most the firm's capacity (by size class) and at
//! most `heavy_per_phase` heavy projects; what does not fit moves later, or beyond the last phase.

use super::super::catalog::Effort;
use super::super::tuning::Tuning;
use super::candidates::Candidate;
use crate::model::SizeClass;

/// (candidate index, phase 1-based), phase `tuning.phases.len() + 1` meaning "deferred".
pub(crate) fn phase(
    cands: &[Candidate],
    steps: &[usize],
    t: &Tuning,
    size: Option<SizeClass>,
) -> Vec<(usize, u8)> {
    let n = t.phases.len();
    let capacity = t.capacity(size);
    let mut load = vec![0usize; n + 2];
    let mut heavy = vec![0usize; n + 2];
    let mut out: Vec<(usize, u8)> = Vec::with_capacity(steps.len());
    for &i in steps {
        let c = &cands[i];
        let mut earliest = usize::from(t.earliest_phase.of(c.effort)).max(1);
        if let Some(p) = t.pain_relief_earliest_phase
            && !c.pains.is_empty()
            && c.effort != Effort::High
        {
            earliest = earliest.min(usize::from(p).max(1));
        }
        if c.weeks > t.slow_weeks {
            earliest = earliest.max(2);
        }
        // After every prerequisite already placed (a data source, a lower grade).
        for (j, p) in &out {
            let d = &cands[*j];
            if c.requires.contains(&d.id) || c.requires_any.contains(&d.id) {
                earliest = earliest.max(usize::from(*p) + 1);
            }
        }
        let is_heavy = c.effort == Effort::High;
        let mut p = earliest.min(n + 1);
        while p <= n && (load[p] >= capacity || is_heavy && heavy[p] >= t.heavy_per_phase) {
            p += 1;
        }
        load[p] += 1;
        if is_heavy {
            heavy[p] += 1;
        }
        out.push((i, p as u8));
    }
    // By phase; within a phase in the order chosen (prerequisites first).
    out.sort_by_key(|(_, p)| *p);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Text;

    fn cand(id: &str, effort: Effort, requires: &[&str]) -> Candidate<'static> {
        Candidate {
            id: id.into(),
            measure: false,
            name: Text::new(id, id),
            description: Text::default(),
            lifts: Vec::new(),
            requires: requires.iter().map(|r| r.to_string()).collect(),
            requires_any: Vec::new(),
            or_system_met: false,
            requires_grade: Vec::new(),
            one_off: [0.0, 0.0],
            yearly: [0.0, 0.0],
            category: "cloud".into(),
            weeks: 2,
            effort,
            free_trial: false,
            why: Text::default(),
            pains: Vec::new(),
            favoured: false,
            division_specific: false,
            solution: None,
            talent: None,
        }
    }

    #[test]
    fn capacity_and_heavy_limits_hold_and_the_rest_is_deferred() {
        let t = Tuning::bundled();
        let cands = vec![
            cand("a", Effort::Low, &[]),
            cand("b", Effort::Low, &[]),
            cand("c", Effort::Low, &[]),
            cand("h1", Effort::High, &[]),
            cand("h2", Effort::High, &[]),
            cand("d", Effort::Medium, &["a"]),
        ];
        let steps: Vec<usize> = (0..cands.len()).collect();
        let micro = phase(&cands, &steps, &t, Some(SizeClass::Micro));
        let deferred = t.phases.len() as u8 + 1;
        for p in 1..deferred {
            assert!(micro.iter().filter(|(_, x)| *x == p).count() <= t.capacity.micro);
        }
        assert!(micro.iter().any(|(_, p)| *p == deferred), "{micro:?}");
        let medium = phase(&cands, &steps, &t, Some(SizeClass::Medium));
        for p in 1..=deferred {
            let here: Vec<usize> = medium
                .iter()
                .filter(|(_, x)| *x == p)
                .map(|(i, _)| *i)
                .collect();
            if p < deferred {
                assert!(here.len() <= t.capacity.medium);
            }
            assert!(
                here.iter()
                    .filter(|&&i| cands[i].effort == Effort::High)
                    .count()
                    <= t.heavy_per_phase
            );
        }
        // A dependant comes after its prerequisite's phase.
        let pa = medium.iter().find(|(i, _)| *i == 0).unwrap().1;
        let pd = medium.iter().find(|(i, _)| *i == 5).unwrap().1;
        assert!(pd > pa);
    }

    #[test]
    fn a_step_that_relieves_a_stated_pain_may_start_in_the_first_phase() {
        let t = Tuning::bundled();
        let mut pain = cand("pain", Effort::Medium, &[]);
        pain.pains = vec!["volatile-orders".into()];
        let mut heavy = cand("heavy", Effort::High, &[]);
        heavy.pains = vec!["volatile-orders".into()];
        let cands = vec![cand("plain", Effort::Medium, &[]), pain, heavy];
        let placed = phase(&cands, &[0, 1, 2], &t, Some(SizeClass::Large));
        let at = |id: &str| placed.iter().find(|(i, _)| cands[*i].id == id).unwrap().1;
        assert_eq!(at("pain"), 1, "{placed:?}");
        assert_eq!(at("plain"), 2, "a medium step without a stated pain waits");
        assert_eq!(at("heavy"), 3, "a heavy step waits whatever it relieves");
        let mut without = t.clone();
        without.pain_relief_earliest_phase = None;
        let placed = phase(&cands, &[0, 1, 2], &without, Some(SizeClass::Large));
        assert_eq!(placed.iter().find(|(i, _)| *i == 1).unwrap().1, 2);
    }
}
