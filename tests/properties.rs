//! Property tests of the scoring engine: better answers never lower a score, scores stay within
//! their maximum, the level agrees with the gap to the next one; and no text fed to the loaders
//! makes them panic.

use proptest::prelude::*;
use smedx::answers::{Answer, AnswerSheet, AnswerValue, Profile, Trend};
use smedx::model::{self, Item, ItemSpec, Model};
use smedx::score::{Assessment, NodeScore, evaluate, score, shortfall};
use smedx::source_file::SourceFile;
use std::collections::BTreeMap;

fn bundled() -> &'static Model {
    model::bundled("sme-dx-2024").unwrap()
}

/// An answer for `item` chosen by `seed`; `None` leaves it unanswered.
fn answer_for(item: &Item, seed: u32) -> Option<AnswerValue> {
    if item.allow_na && seed.is_multiple_of(11) {
        return Some(AnswerValue::NotApplicable);
    }
    Some(match &item.spec {
        ItemSpec::Single { options } => AnswerValue::Choice {
            option: options[seed as usize % options.len()].id.clone(),
        },
        ItemSpec::Multi { options, .. } => {
            let picked: Vec<String> = options
                .iter()
                .enumerate()
                .filter(|(i, o)| !o.exclusive && seed >> (i % 31) & 1 == 1)
                .map(|(_, o)| o.id.clone())
                .collect();
            if picked.is_empty() {
                AnswerValue::Choices {
                    options: vec![options[0].id.clone()],
                }
            } else {
                AnswerValue::Choices { options: picked }
            }
        }
        ItemSpec::Band { .. } => AnswerValue::Number {
            value: f64::from(seed % 101),
            numerator: None,
            denominator: None,
        },
        ItemSpec::Scenario { .. } => AnswerValue::Grade {
            grade: (seed % 5) as u8,
        },
        ItemSpec::Trend { .. } => AnswerValue::Trend {
            trend: [Trend::Worse, Trend::Flat, Trend::Better][seed as usize % 3],
        },
    })
}

/// The same answer made better, if it can be.
fn improve(item: &Item, value: &AnswerValue, seed: u32) -> Option<AnswerValue> {
    match (&item.spec, value) {
        (ItemSpec::Single { options }, AnswerValue::Choice { option }) => {
            let now = options.iter().find(|o| &o.id == option)?.fraction;
            options
                .iter()
                .filter(|o| o.fraction > now)
                .nth(seed as usize % options.len().max(1))
                .or_else(|| options.iter().find(|o| o.fraction > now))
                .map(|o| AnswerValue::Choice {
                    option: o.id.clone(),
                })
        }
        (ItemSpec::Multi { options, .. }, AnswerValue::Choices { options: chosen }) => {
            let mut chosen: Vec<String> = chosen
                .iter()
                .filter(|c| options.iter().any(|o| &o.id == *c && !o.exclusive))
                .cloned()
                .collect();
            let extra = options
                .iter()
                .find(|o| !o.exclusive && !chosen.contains(&o.id))?;
            chosen.push(extra.id.clone());
            Some(AnswerValue::Choices { options: chosen })
        }
        (ItemSpec::Band { .. }, AnswerValue::Number { value, .. }) if *value < 100.0 => {
            Some(AnswerValue::Number {
                value: (value + f64::from(seed % 50 + 1)).min(100.0),
                numerator: None,
                denominator: None,
            })
        }
        (ItemSpec::Scenario { .. }, AnswerValue::Grade { grade }) if *grade < 4 => {
            Some(AnswerValue::Grade { grade: grade + 1 })
        }
        (
            ItemSpec::Trend { .. },
            AnswerValue::Trend {
                trend: Trend::Worse,
            },
        ) => Some(AnswerValue::Trend { trend: Trend::Flat }),
        (ItemSpec::Trend { .. }, AnswerValue::Trend { trend: Trend::Flat }) => {
            Some(AnswerValue::Trend {
                trend: Trend::Better,
            })
        }
        _ => None,
    }
}

fn sheet(m: &Model, group: &str, answers: BTreeMap<String, Answer>) -> AnswerSheet {
    AnswerSheet {
        model: m.id.clone(),
        model_version: m.version.clone(),
        profile: Profile {
            name: "P".into(),
            industry_group: group.into(),
            ..Profile::default()
        },
        answers,
    }
}

fn random_answers(m: &Model, seeds: &[u32]) -> BTreeMap<String, Answer> {
    m.items
        .iter()
        .zip(seeds.iter().cycle())
        .filter(|(_, s)| **s % 17 != 1)
        .filter_map(|(i, s)| answer_for(i, *s).map(|v| (i.id.clone(), Answer::plain(v))))
        .collect()
}

fn flatten(nodes: &[NodeScore], out: &mut Vec<(String, Option<f64>, f64)>) {
    for n in nodes {
        out.push((n.id.clone(), n.score, n.max));
        flatten(&n.children, out);
    }
}

fn node_scores(a: &Assessment) -> Vec<(String, Option<f64>, f64)> {
    let mut out = Vec::new();
    flatten(&a.dimensions, &mut out);
    out
}

const GROUPS: [&str; 3] = ["manufacturing", "producer-services", "other"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn scores_stay_within_their_maximum(seeds in prop::collection::vec(any::<u32>(), 36), g in 0usize..3) {
        let m = bundled();
        let a = score(m, &sheet(m, GROUPS[g], random_answers(m, &seeds)));
        prop_assert!(a.level_score >= 0.0 && a.level_score <= a.level_score_max + 1e-9);
        for (id, s, max) in node_scores(&a) {
            if let Some(s) = s {
                prop_assert!(s >= 0.0 && s <= max + 1e-9, "{} = {} > {}", id, s, max);
            }
        }
        for i in &a.items {
            prop_assert!(i.score >= 0.0 && i.score <= i.max + 1e-9, "{}", i.id);
        }
        prop_assert!(a.level <= 4);
    }

    #[test]
    fn a_better_answer_never_lowers_any_score(seeds in prop::collection::vec(any::<u32>(), 36), pick in any::<usize>(), bump in any::<u32>(), g in 0usize..3) {
        let m = bundled();
        let answers = random_answers(m, &seeds);
        let applicable: Vec<&Item> = m.items.iter().filter(|i| answers.get(&i.id).is_some_and(|a| a.value != AnswerValue::NotApplicable)).collect();
        prop_assume!(!applicable.is_empty());
        let item = applicable[pick % applicable.len()];
        let Some(better) = improve(item, &answers[&item.id].value, bump) else { return Ok(()); };
        let mut improved = answers.clone();
        improved.insert(item.id.clone(), Answer::plain(better));
        let before = score(m, &sheet(m, GROUPS[g], answers));
        let after = score(m, &sheet(m, GROUPS[g], improved));
        prop_assert!(after.level_score + 1e-9 >= before.level_score, "{}: {} -> {}", item.id, before.level_score, after.level_score);
        prop_assert!(after.level >= before.level);
        for ((id, b, _), (_, a, _)) in node_scores(&before).into_iter().zip(node_scores(&after)) {
            if let (Some(b), Some(a)) = (b, a) {
                prop_assert!(a + 1e-9 >= b, "{} fell from {} to {}", id, b, a);
            }
        }
    }

    #[test]
    fn the_level_is_the_highest_whose_rule_is_met_and_the_gap_says_why(seeds in prop::collection::vec(any::<u32>(), 36), g in 0usize..3) {
        let m = bundled();
        let a = score(m, &sheet(m, GROUPS[g], random_answers(m, &seeds)));
        let states: Vec<(bool, Option<u8>)> = a.scenarios.iter().map(|s| (s.constrained, s.grade)).collect();
        let met = |level: u8| shortfall(m, level, GROUPS[g], a.level_score, &states).is_some_and(|s| s.is_met());
        prop_assert!(a.level == 0 || met(a.level), "level {} is not met", a.level);
        for r in m.levels.iter().filter(|r| r.level > a.level) {
            prop_assert!(!met(r.level), "level {} is met but {} was given", r.level, a.level);
        }
        let top = m.levels.last().unwrap().level;
        prop_assert_eq!(a.next_level.is_none(), a.level == top);
        if let Some(gap) = &a.next_level {
            // The gap names what is missing: points, or scenarios with as many named below the grade.
            prop_assert_eq!(gap.level, a.level + 1);
            let lacking = gap.scenarios.as_ref().is_some_and(|s| s.short > 0 || s.constrained_short > 0);
            prop_assert!(gap.points_short > 0.0 || lacking);
            if let Some(s) = &gap.scenarios {
                prop_assert_eq!(s.have + s.below.len() as u32, states.iter().filter(|(_, g)| g.is_some()).count() as u32);
                prop_assert!(s.constrained_below.iter().all(|r| r.constrained && r.grade < s.condition.at_or_above));
            }
            if let Some(min) = gap.min_score {
                prop_assert!((gap.points_short - (min - a.level_score).max(0.0)).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn the_assessment_shows_the_engines_numbers(seeds in prop::collection::vec(any::<u32>(), 36), g in 0usize..3) {
        let m = bundled();
        let sheet = sheet(m, GROUPS[g], random_answers(m, &seeds));
        let numbers = evaluate(m, &sheet);
        let a = score(m, &sheet);
        prop_assert_eq!((numbers.level_score, numbers.level), (a.level_score, a.level));
        let shown: Vec<Option<f64>> = node_scores(&a).into_iter().map(|(_, s, _)| s).collect();
        prop_assert_eq!(&numbers.nodes, &shown);
        for (i, (status, fraction)) in a.items.iter().zip(&numbers.items) {
            prop_assert_eq!(i.status, *status);
            prop_assert_eq!(i.fraction, fraction.map(|f| (f * 1e6).round() / 1e6));
        }
    }

    #[test]
    fn arbitrary_text_never_panics_the_loaders(text in "\\PC{0,400}") {
        let src = SourceFile::from_text("fuzz.yaml", &text);
        let _ = model::load_model(&src);
        let _ = smedx::assess(bundled(), &src);
    }

    #[test]
    fn yaml_shaped_noise_never_panics_the_loaders(
        keys in prop::collection::vec(prop::sample::select(vec!["id", "version", "title", "dimensions", "items", "kind", "points", "options", "bands", "levels", "profile", "answers", "model", "name", "industry", "credit_code", "network-connectivity", "scenario", "-", "&a", "*a", "[", "{", "na"]), 0..40),
        values in prop::collection::vec(prop::sample::select(vec!["1", "-3", "1e999", "x", "[A, B]", "{numerator: 1, denominator: 0}", "\"(10, 20]\"", "~", "\u{202e}", "<script>", "", "C2110", "9", "[]", "{}"]), 0..40),
        indent in prop::collection::vec(0usize..4, 0..40),
    ) {
        let mut text = String::new();
        for (i, k) in keys.iter().enumerate() {
            let pad = "  ".repeat(indent.get(i).copied().unwrap_or(0));
            let v = values.get(i).copied().unwrap_or("");
            text.push_str(&format!("{pad}{k}: {v}\n"));
        }
        let src = SourceFile::from_text("noise.yaml", &text);
        let _ = model::load_model(&src);
        let _ = smedx::assess(bundled(), &src);
    }
}

#[test]
fn random_bytes_never_panic_the_decoder() {
    let mut runner = proptest::test_runner::TestRunner::default();
    runner
        .run(&prop::collection::vec(any::<u8>(), 0..300), |bytes| {
            if let Ok(src) = SourceFile::decode("b", bytes) {
                let _ = smedx::assess(bundled(), &src);
            }
            Ok(())
        })
        .unwrap();
}
