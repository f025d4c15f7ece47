//! The roadmap planner against every sample answer sheet, several targets and budgets.
//!
//! For each sample, target (default; current + 2 when that is at most 四级) and budget (none = the
//! profile's digital budget; 1万元; 5万元), the roadmap must:
//!
//! - (a) order prerequisites: every `requires` of a step is a step listed before it in the same or an
//!   earlier phase, or is already met by the answers (its lifts change nothing on the ORIGINAL sheet);
//! - (b) stay within the budget (the enterprise's share, summed over the steps);
//! - (c) project honestly: re-scoring the original sheet with each phase's lifts applied gives the
//!   phase's projected score and level, and the last one is the final score and level;
//! - (d) say whether the target is reached (`reaches_target` ⇔ final level ≥ target) and explain
//!   when it is not;
//! - (e) split every cost so the parts add up to the list cost, none negative.
//!
//! Then three cases: the auto-parts shop (stuck at 一级 on constrained scenarios) is lifted to 二级 by
//! raising one of them; a firm already at 四级 gets no step; Hangzhou's policy applies to 3301xx only.
//!
//! Beyond that: the same checks over every target 1–4 and budgets from 0 to plenty; the planner is
//! deterministic; `apply_lifts` reports changes truthfully and is idempotent; a step's reason never
//! claims a raise it does not make ("由 2 级提升到 2 级").

use smedx::answers::{Answer, AnswerSheet, AnswerValue, Trend};
use smedx::model::{ItemSpec, Model};
use smedx::roadmap::{
    self, Catalog, PlanRequest, Policies, Policy, Roadmap, apply_lifts, bundled_catalog,
    bundled_policies, plan,
};
use smedx::score::{Assessment, score};
use smedx::source_file::SourceFile;
use std::path::Path;
use std::sync::OnceLock;

const EXAMPLES: &str = "questionnaires/examples";
const EPS: f64 = 1e-6;
/// The report date of the tests (the samples were assessed in October 2026).
const AS_OF: &str = "2026-10-15";

fn model() -> &'static Model {
    smedx::model::bundled("sme-dx-2024").expect("the bundled model loads")
}

/// The bundled catalog, loaded once.
fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let (catalog, diags) = bundled_catalog(model());
        assert!(
            diags.iter().all(|d| !d.is_error()),
            "bundled catalog: {diags:?}"
        );
        catalog.expect("the bundled catalog loads")
    })
}

fn policy_files() -> Vec<Policy> {
    let (files, diags) = bundled_policies();
    assert!(diags.is_empty(), "bundled policies: {diags:?}");
    files
}

/// Every sample file name, sorted.
fn samples() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(EXAMPLES);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("the examples folder exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert!(
        names.len() >= 5,
        "expected the five samples, found {names:?}"
    );
    names
}

/// The checked sheet of a sample.
fn sheet(file: &str) -> AnswerSheet {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(EXAMPLES)
        .join(file);
    let source = SourceFile::read(&path).unwrap_or_else(|d| panic!("{file}: {d:?}"));
    let node = smedx::answers::load_sheet(&source).unwrap_or_else(|d| panic!("{file}: {d:?}"));
    let checked = smedx::answers::check_sheet(model(), &node, &source);
    checked
        .sheet
        .unwrap_or_else(|| panic!("{file}: {:?}", checked.diagnostics))
}

fn plan_for(sheet: &AnswerSheet, req: &PlanRequest) -> (Assessment, Roadmap) {
    let m = model();
    let assessment = score(m, sheet);
    let policies = Policies::for_region(&policy_files(), sheet.profile.region.as_deref(), AS_OF);
    let roadmap = plan(m, sheet, &assessment, catalog(), &policies, req);
    (assessment, roadmap)
}

/// The cases of the matrix: (label, request).
fn requests(current: u8) -> Vec<(String, PlanRequest)> {
    let mut targets = vec![None];
    if current + 2 <= 4 {
        targets.push(Some(current + 2));
    }
    let mut out = Vec::new();
    for t in targets {
        for b in [None, Some(10_000.0), Some(50_000.0)] {
            out.push((
                format!("target {t:?}, budget {b:?}"),
                PlanRequest {
                    target: t,
                    budget: b,
                    as_of: None,
                },
            ));
        }
    }
    out
}

/// Record a failed check and go on, so one run lists every problem of the matrix.
macro_rules! ensure {
    ($problems:expr, $cond:expr, $($fmt:tt)+) => {
        let ok: bool = $cond;
        if !ok {
            $problems.push(format!($($fmt)+));
        }
    };
}

macro_rules! ensure_eq {
    ($problems:expr, $a:expr, $b:expr, $($fmt:tt)+) => {
        if $a != $b {
            $problems.push(format!("{}: {:?} != {:?}", format!($($fmt)+), $a, $b));
        }
    };
}

/// (a) Every prerequisite of a step is listed before it, in the same or an earlier phase, or the
/// firm already met it before the plan (its lifts change nothing on the original answers).
fn check_prerequisites(
    label: &str,
    sheet: &AnswerSheet,
    _current: &Assessment,
    _req: &PlanRequest,
    r: &Roadmap,
    problems: &mut Vec<String>,
) {
    let m = model();
    let cat = catalog();
    let vocab = roadmap::vocabulary::bundled();
    let runs =
        roadmap::vocabulary::match_terms(&sheet.profile.existing_systems, &vocab.systems).ids;
    let has_system = |id: &str| {
        cat.get(id)
            .and_then(|e| e.system.as_ref())
            .is_some_and(|s| runs.contains(s))
    };
    for (k, step) in r.steps.iter().enumerate() {
        let Some(entry) = cat.get(&step.id) else {
            continue;
        };
        // A data prerequisite: one of `requires_any` listed in an earlier phase, or a system running.
        if !entry.requires_any.is_empty() {
            let met = entry.or_systems.iter().any(|s| runs.contains(s))
                || entry.requires_any.iter().any(|id| {
                    has_system(id)
                        || r.steps[..k]
                            .iter()
                            .any(|s| &s.id == id && s.phase < step.phase)
                });
            ensure!(
                problems,
                met,
                "{label}: `{}` needs data from one of {:?}, none listed before it or running",
                step.id,
                entry.requires_any
            );
        }
        for req_id in &entry.requires {
            if has_system(req_id) {
                continue;
            }
            let before = r.steps[..k]
                .iter()
                .find(|s| &s.id == req_id && s.phase <= step.phase);
            if before.is_some() {
                continue;
            }
            let Some(pre) = cat.get(req_id) else {
                problems.push(format!("{label}: `{req_id}` is not in the catalog"));
                continue;
            };
            let mut copy = sheet.clone();
            let changes = apply_lifts(m, &mut copy, &pre.lifts);
            let listed_after = r.steps[k..].iter().any(|s| &s.id == req_id);
            ensure!(
                problems,
                !changes,
                "{label}: step `{}` (phase {}) requires `{req_id}`, which is neither listed before it \
                 in the same or an earlier phase (listed later: {listed_after}) nor already met by \
                 the answers (its lifts change the original sheet)",
                step.id,
                step.phase
            );
        }
    }
}

/// Check (b)–(e) on one roadmap, and its shape.
fn check_roadmap(
    label: &str,
    sheet: &AnswerSheet,
    current: &Assessment,
    req: &PlanRequest,
    r: &Roadmap,
    problems: &mut Vec<String>,
) {
    let m = model();

    // Target: the request's, else the next level (二级 in a pilot region that pays at 二级).
    match req.target {
        Some(t) => {
            ensure_eq!(problems, r.target_level, t, "{label}: target level");
        }
        None => {
            ensure!(
                problems,
                r.target_level == (current.level + 1).min(4)
                    || r.target_level == 2 && current.level == 0,
                "{label}: target level {} for a firm at {}",
                r.target_level,
                current.level
            );
        }
    }

    // Steps are listed by phase, each at most once.
    ensure!(
        problems,
        r.steps.windows(2).all(|w| w[0].phase <= w[1].phase),
        "{label}: steps out of phase order"
    );
    let mut ids: Vec<&str> = r.steps.iter().map(|s| s.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    ensure_eq!(
        problems,
        ids.len(),
        r.steps.len(),
        "{label}: a step appears twice"
    );

    // (b) budget: the requested one, or the profile's digital budget (万元) when none is given.
    let budget = req
        .budget
        .or(sheet.profile.digital_budget.map(|w| w * 10_000.0));
    ensure_eq!(problems, r.budget, budget, "{label}: budget in the roadmap");
    // Before any subsidy (it is paid after acceptance), the firm's outlay stays within the budget
    // over the plan's years.
    let outlay: f64 = r
        .steps
        .iter()
        .chain(&r.measures)
        .map(|s| s.cost.list - s.cost.platform_discount)
        .sum();
    if let Some(b) = budget {
        let years = f64::from(r.investment.years);
        ensure!(
            problems,
            outlay <= b * years + EPS,
            "{label}: the enterprise lays out {outlay} over {years} years, over the budget {b} a year"
        );
    }

    // (c) re-score phase by phase (measures start at once).
    let mut projected = sheet.clone();
    for s in &r.measures {
        apply_lifts(m, &mut projected, &s.lift_specs);
    }
    let mut last = current.clone();
    let mut phase_steps = 0;
    for ph in &r.phases {
        let in_phase: Vec<_> = r.steps.iter().filter(|s| s.phase == ph.index).collect();
        ensure_eq!(
            problems,
            ph.steps,
            in_phase.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
            "{label}: phase {} lists other steps than those of its phase",
            ph.index
        );
        ensure!(
            problems,
            !in_phase.is_empty() || ph.index == 1 && !r.measures.is_empty(),
            "{label}: empty phase {}",
            ph.index
        );
        phase_steps += in_phase.len();
        for s in &in_phase {
            apply_lifts(m, &mut projected, &s.lift_specs);
        }
        last = score(m, &projected);
        ensure!(
            problems,
            (ph.projected_score - last.level_score).abs() < EPS,
            "{label}: phase {} projects {} but re-scores to {}",
            ph.index,
            ph.projected_score,
            last.level_score
        );
        ensure_eq!(
            problems,
            ph.projected_level,
            last.level,
            "{label}: phase {} projected level",
            ph.index
        );
        ensure_eq!(
            problems,
            ph.projected_level_name,
            last.level_name,
            "{label}"
        );
    }
    ensure_eq!(
        problems,
        phase_steps,
        r.steps.len(),
        "{label}: a step in no phase"
    );
    ensure!(
        problems,
        r.phases.windows(2).all(|w| w[0].index < w[1].index),
        "{label}: phases out of order"
    );
    ensure!(
        problems,
        (r.final_score - last.level_score).abs() < EPS,
        "{label}: final score {} but the last re-score is {}",
        r.final_score,
        last.level_score
    );
    ensure_eq!(problems, r.final_level, last.level, "{label}: final level");
    ensure_eq!(problems, r.final_level_name, last.level_name, "{label}");
    // A plan never makes a firm worse.
    ensure!(
        problems,
        r.final_level >= current.level,
        "{label}: final level drops"
    );
    ensure!(
        problems,
        r.final_score + EPS >= current.level_score,
        "{label}: final score drops"
    );

    // (d) target reached or explained.
    ensure_eq!(
        problems,
        r.reaches_target,
        r.final_level >= r.target_level,
        "{label}: reaches_target {} with final level {} and target {}",
        r.reaches_target,
        r.final_level,
        r.target_level
    );
    if !r.reaches_target {
        ensure!(
            problems,
            !r.note.zh.is_empty() && !r.note.en.is_empty(),
            "{label}: target not reached and no note: {:?}",
            r.note
        );
        ensure!(
            problems,
            r.remaining_gap.is_some(),
            "{label}: target not reached and no remaining gap"
        );
    } else {
        ensure!(
            problems,
            r.remaining_gap.is_none(),
            "{label}: reached, yet a gap"
        );
    }

    // (e) cost splits.
    let split_ok = |problems: &mut Vec<String>, what: &str, c: &roadmap::CostSplit| {
        for (name, v) in [
            ("list", c.list),
            ("platform_discount", c.platform_discount),
            ("subsidy", c.subsidy),
            ("enterprise", c.enterprise),
        ] {
            ensure!(
                problems,
                v >= -EPS && v.is_finite(),
                "{label}: {what}: {name} is {v}"
            );
        }
        ensure!(
            problems,
            (c.list - (c.platform_discount + c.subsidy + c.enterprise)).abs() < EPS,
            "{label}: {what}: {c:?} does not add up"
        );
    };
    for s in r.steps.iter().chain(&r.measures) {
        split_ok(problems, &format!("step `{}`", s.id), &s.cost);
        ensure!(
            problems,
            (s.cost.list - (s.cost.one_off + s.cost.yearly * s.years)).abs() < EPS
                && s.one_off_range[0] <= s.cost.one_off + EPS
                && s.cost.one_off <= s.one_off_range[1] + EPS
                && s.yearly_range[0] <= s.cost.yearly + EPS
                && s.cost.yearly <= s.yearly_range[1] + EPS,
            "{label}: step `{}` list {} is not one-off {} + yearly {} × {} within {:?} / {:?}",
            s.id,
            s.cost.list,
            s.cost.one_off,
            s.cost.yearly,
            s.years,
            s.one_off_range,
            s.yearly_range
        );
    }
    let mut total = roadmap::CostSplit::default();
    for ph in &r.phases {
        split_ok(problems, &format!("phase {}", ph.index), &ph.cost);
        let sum: f64 = r
            .steps
            .iter()
            .filter(|s| s.phase == ph.index)
            .chain(r.measures.iter().filter(|_| ph.index == 1))
            .map(|s| s.cost.enterprise)
            .sum();
        ensure!(
            problems,
            (ph.cost.enterprise - sum).abs() < EPS,
            "{label}: phase {} cost is not the sum of its steps",
            ph.index
        );
        total.list += ph.cost.list;
        total.platform_discount += ph.cost.platform_discount;
        total.subsidy += ph.cost.subsidy;
        total.enterprise += ph.cost.enterprise;
    }
    split_ok(problems, "total", &r.total);
    ensure!(
        problems,
        (r.total.list - total.list).abs() < EPS
            && (r.total.enterprise - total.enterprise).abs() < EPS
            && (r.total.subsidy - total.subsidy).abs() < EPS,
        "{label}: the total {:?} is not the sum of the phases {total:?}",
        r.total
    );
}

type Check = fn(&str, &AnswerSheet, &Assessment, &PlanRequest, &Roadmap, &mut Vec<String>);

/// Run `check` on the roadmap of every sample, target and budget; fail with every problem found.
fn over_matrix(check: Check) {
    let mut cases = 0;
    let mut problems = Vec::new();
    for file in samples() {
        let s = sheet(&file);
        let current = score(model(), &s);
        for (label, req) in requests(current.level) {
            let label = format!("{file} ({label})");
            let (a, r) = plan_for(&s, &req);
            check(&label, &s, &a, &req, &r, &mut problems);
            cases += 1;
        }
    }
    assert!(cases >= 5 * 3, "only {cases} cases ran");
    assert!(
        problems.is_empty(),
        "{} problem(s) in {cases} roadmaps:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn prerequisites_come_first_or_are_already_met() {
    over_matrix(check_prerequisites);
}

#[test]
fn every_sample_target_and_budget_gives_a_consistent_roadmap() {
    over_matrix(check_roadmap);
}

/// The planner is pure: the same inputs give the same roadmap.
#[test]
fn planning_is_deterministic() {
    for file in samples() {
        let s = sheet(&file);
        let req = PlanRequest {
            target: None,
            budget: None,
            as_of: None,
        };
        let a = serde_json::to_value(plan_for(&s, &req).1).unwrap();
        let b = serde_json::to_value(plan_for(&s, &req).1).unwrap();
        assert_eq!(a, b, "{file}: two plans differ");
    }
}

/// (f) The auto-parts shop has points and scenarios for 二级 but only two constrained scenarios at
/// grade 2: its roadmap must raise one of the constrained scenarios below 2 and reach 二级.
#[test]
fn auto_parts_roadmap_lifts_a_constrained_scenario_and_reaches_level_2() {
    let s = sheet("auto-parts-machining.yaml");
    let (a, r) = plan_for(
        &s,
        &PlanRequest {
            target: None,
            budget: None,
            as_of: None,
        },
    );
    assert_eq!(a.level, 1);
    assert_eq!(r.target_level, 2);
    let below: Vec<String> = a
        .next_level
        .as_ref()
        .and_then(|g| g.scenarios.as_ref())
        .map(|s| s.constrained_below.iter().map(|x| x.id.clone()).collect())
        .expect("the gap to 二级 counts scenarios");
    assert!(!below.is_empty());
    let lifted: Vec<&str> = r
        .steps
        .iter()
        .flat_map(|st| st.lift_specs.iter())
        .filter(|l| {
            matches!(l.to, Some(roadmap::LiftTarget::Number(g)) if g >= 2.0)
                && l.scenario.as_ref().is_some_and(|id| below.contains(id))
        })
        .filter_map(|l| l.scenario.as_deref())
        .collect();
    assert!(
        !lifted.is_empty(),
        "no step lifts one of {below:?} to grade 2; steps: {:?}",
        r.steps.iter().map(|s| &s.id).collect::<Vec<_>>()
    );
    assert!(r.reaches_target, "{:?}", r.note);
    assert_eq!(r.final_level, 2);
    assert!(r.note.zh.is_empty(), "reached, yet a note: {:?}", r.note);
    // And the re-scored sheet agrees.
    let mut after = s.clone();
    for st in &r.steps {
        apply_lifts(model(), &mut after, &st.lift_specs);
    }
    assert_eq!(score(model(), &after).level, 2);
}

/// The best answer to every item that applies to the firm.
fn top_answers(m: &Model, sheet: &mut AnswerSheet) {
    let group = sheet.profile.industry_group.clone();
    let size = sheet.profile.size_class;
    for item in &m.items {
        if !item.applies_to.applies(&group, size) {
            continue;
        }
        let best = |opts: &[smedx::model::Choice]| {
            opts.iter()
                .max_by(|a, b| a.fraction.total_cmp(&b.fraction))
                .map(|o| o.id.clone())
                .unwrap()
        };
        let value = match &item.spec {
            ItemSpec::Single { options } => AnswerValue::Choice {
                option: best(options),
            },
            ItemSpec::Multi { options, .. } => AnswerValue::Choices {
                options: options
                    .iter()
                    .filter(|o| !o.exclusive)
                    .map(|o| o.id.clone())
                    .collect(),
            },
            ItemSpec::Band { bands, .. } => AnswerValue::Band {
                band: bands
                    .iter()
                    .max_by(|a, b| a.fraction.total_cmp(&b.fraction))
                    .unwrap()
                    .id
                    .clone(),
            },
            ItemSpec::Scenario { .. } => AnswerValue::Grade { grade: 4 },
            ItemSpec::Trend { .. } => AnswerValue::Trend {
                trend: Trend::Better,
            },
        };
        sheet.answers.insert(item.id.clone(), Answer::plain(value));
    }
}

/// (g) A firm at 四级 needs nothing: an empty roadmap that reaches its target.
#[test]
fn a_firm_at_level_4_gets_an_empty_roadmap() {
    let m = model();
    for file in samples() {
        let mut s = sheet(&file);
        top_answers(m, &mut s);
        let a = score(m, &s);
        assert_eq!(a.level, 4, "{file}: the crafted sheet is at 四级");
        for target in [None, Some(4), Some(3)] {
            for budget in [None, Some(0.0)] {
                let req = PlanRequest {
                    target,
                    budget,
                    as_of: None,
                };
                let label = format!("{file} at 四级 (target {target:?}, budget {budget:?})");
                let (a, r) = plan_for(&s, &req);
                assert!(r.steps.is_empty(), "{label}: steps {:?}", r.steps);
                assert!(r.phases.is_empty(), "{label}: phases");
                assert!(r.reaches_target, "{label}: not reached");
                assert_eq!(r.final_level, 4, "{label}");
                assert!((r.final_score - a.level_score).abs() < EPS, "{label}");
                assert_eq!(r.total.list, 0.0, "{label}");
                assert!(r.remaining_gap.is_none(), "{label}");
            }
        }
    }
}

/// (h) Hangzhou's file applies to region codes starting 3301 and raises the software subsidy to
/// 40 % of the list cost with no platform discount; elsewhere the national 30 % and 10 % apply.
#[test]
fn hangzhou_policy_applies_to_3301_only() {
    let files = policy_files();
    for region in ["330106", "330100", "330110"] {
        let p = Policies::for_region(&files, Some(region), AS_OF);
        assert_eq!(p.applied, ["national", "hangzhou-330100"], "{region}");
        let sw = &p.shares["software"];
        assert_eq!(sw.subsidy, 0.4, "{region}");
        assert_eq!(sw.platform_discount, 0.0, "{region}");
        assert_eq!(p.split("software", 10_000.0, 10_000.0), (0.0, 4_000.0));
        // Categories Hangzhou does not name stay national.
        assert_eq!(p.shares["service"].subsidy, 0.5, "{region}");
        assert!(
            p.conditions.iter().any(|c| c.zh.starts_with("杭州")),
            "{region}: Hangzhou's conditions shown"
        );
    }
    for region in [Some("510104"), Some("330381"), Some("330523"), None] {
        let p = Policies::for_region(&files, region, AS_OF);
        assert!(
            p.applied.iter().all(|a| a != "hangzhou-330100"),
            "{region:?}"
        );
        assert_eq!(p.shares["software"].subsidy, 0.3, "{region:?}");
        assert_eq!(p.split("software", 10_000.0, 10_000.0), (1_000.0, 3_000.0));
        assert!(
            !p.conditions.iter().any(|c| c.zh.starts_with("杭州")),
            "{region:?}"
        );
    }
}

/// (h) Through the planner: the same firm moved to Hangzhou gets 40 % on its software and cloud
/// steps, and the roadmap names the Hangzhou file; in Chengdu (510104) it does not.
#[test]
fn hangzhou_subsidy_reaches_the_roadmap() {
    let req = PlanRequest {
        target: Some(3),
        budget: None,
        as_of: None,
    };
    let mut hz = sheet("auto-parts-machining.yaml");
    hz.profile.region = Some("330106".into());
    let mut cd = hz.clone();
    cd.profile.region = Some("510104".into());
    let (_, r_hz) = plan_for(&hz, &req);
    let (_, r_cd) = plan_for(&cd, &req);
    assert_eq!(r_hz.policies, ["national", "hangzhou-330100"]);
    assert_eq!(r_cd.policies, ["national", "sichuan-510000"]);
    let cat = catalog();
    let mut checked = 0;
    for (r, subsidy, discount) in [(&r_hz, 0.4, 0.0), (&r_cd, 0.3, 0.1)] {
        for s in &r.steps {
            let Some(e) = cat.get(&s.id) else { continue };
            if e.subsidy_category != "software" && e.subsidy_category != "cloud" {
                continue;
            }
            let list = s.cost.list;
            let granted = s.cost.subsidy + s.cost.subsidy_conditional;
            assert!(
                granted <= subsidy * (s.cost.one_off + s.cost.yearly) + 0.5001,
                "{}: subsidy {granted} over share {subsidy} of the first year's spend",
                s.id,
            );
            assert!(
                (s.cost.platform_discount - (discount * list).round()).abs() < 0.5001,
                "{}: discount {} of list {list}",
                s.id,
                s.cost.platform_discount
            );
            checked += 1;
        }
    }
    assert!(checked >= 2, "no software or cloud step to check");
}

/// Helper check: `apply_lifts` reports a change exactly when the sheet changes, and is idempotent.
#[test]
fn apply_lifts_reports_changes_and_is_idempotent() {
    let m = model();
    let cat = catalog();
    for file in samples() {
        let s = sheet(&file);
        for e in &cat.entries {
            let mut once = s.clone();
            let changed = apply_lifts(m, &mut once, &e.lifts);
            assert_eq!(
                changed,
                once.answers != s.answers,
                "{file}: `{}` reports {changed}",
                e.id.value
            );
            let mut twice = once.clone();
            assert!(
                !apply_lifts(m, &mut twice, &e.lifts),
                "{file}: `{}` changes the sheet twice",
                e.id.value
            );
            assert_eq!(twice.answers, once.answers);
            // Lifting never lowers the score.
            assert!(
                score(m, &once).level_score + EPS >= score(m, &s).level_score,
                "{file}: `{}` lowers the score",
                e.id.value
            );
        }
    }
}

/// `(from, to)` of every "由 A 级提升到 B 级" in a reason.
fn claimed_raises(reason: &str) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for (i, _) in reason.match_indices("由 ") {
        let rest: Vec<char> = reason[i + "由 ".len()..].chars().collect();
        let tail: String = rest
            .iter()
            .skip(1)
            .take(" 级提升到 ".chars().count())
            .collect();
        if tail != " 级提升到 " {
            continue;
        }
        let from = rest[0].to_digit(10);
        let to = rest
            .get(1 + " 级提升到 ".chars().count())
            .and_then(|c| c.to_digit(10));
        if let (Some(a), Some(b)) = (from, to) {
            out.push((a, b));
        }
    }
    out
}

/// A step's reason only claims raises it makes: "由 2 级提升到 2 级" or "由 3 级提升到 2 级" is not a
/// reason. (The scenario lifts of a step that is bought as a prerequisite may change nothing; then
/// they should not be presented as raises.)
#[test]
fn reasons_only_claim_real_raises() {
    let mut problems = Vec::new();
    for file in samples() {
        let s = sheet(&file);
        let current = score(model(), &s);
        for (label, req) in requests(current.level) {
            let (_, r) = plan_for(&s, &req);
            for step in &r.steps {
                for (from, to) in claimed_raises(&step.reason.zh) {
                    if from >= to {
                        problems.push(format!(
                            "{file} ({label}): step `{}` says {:?}",
                            step.id, step.reason.zh
                        ));
                    }
                }
            }
        }
    }
    problems.dedup();
    assert!(
        problems.is_empty(),
        "{} reason(s) claim a raise that is none:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn claimed_raises_parses_reasons() {
    assert_eq!(
        claimed_raises(
            "约束性场景「设备管理」由 1 级提升到 2 级；场景「售后」由 2 级提升到 2 级，服务于达到二级。"
        ),
        [(1, 2), (2, 2)]
    );
    assert!(claimed_raises("提升「x」得分").is_empty());
}

/// Wider than the brief's matrix: every target 1–4 and budgets from nothing to plenty.
#[test]
fn every_target_and_many_budgets_give_consistent_roadmaps() {
    let mut problems = Vec::new();
    let mut cases = 0;
    for file in samples() {
        let s = sheet(&file);
        let current = score(model(), &s);
        for target in 1..=4u8 {
            for budget in [0.0, 1_000.0, 20_000.0, 200_000.0, 1e9] {
                let req = PlanRequest {
                    target: Some(target),
                    budget: Some(budget),
                    as_of: None,
                };
                let label = format!("{file} (target {target}, budget {budget})");
                let (a, r) = plan_for(&s, &req);
                check_prerequisites(&label, &s, &a, &req, &r, &mut problems);
                check_roadmap(&label, &s, &a, &req, &r, &mut problems);
                if budget == 0.0 {
                    ensure!(
                        problems,
                        r.steps.iter().all(|st| st.cost.enterprise <= EPS),
                        "{label}: a step the firm pays for with no budget"
                    );
                }
                if target <= current.level {
                    // Past the target, only steps for the firm's stated pains or industry remain.
                    ensure!(
                        problems,
                        r.reaches_target
                            && r.steps
                                .iter()
                                .chain(&r.measures)
                                .all(|m| !m.relieves.is_empty()
                                    || r.steps.iter().any(|d| d.requires.contains(&m.id))
                                    || catalog()
                                        .get(&m.id)
                                        .is_some_and(|e| !e.favoured_divisions.is_empty()
                                            || !e.divisions.is_empty())),
                        "{label}: already at the target, yet not reached or a step that relieves no stated pain"
                    );
                }
                cases += 1;
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) in {cases} roadmaps:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The ids after `key` in a sample's comments ("# roadmap-first-three: a, b"; "# roadmap-first: a" is step 1).
fn expectation(file: &str, key: &str) -> Vec<String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(EXAMPLES)
            .join(file),
    )
    .unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix(&format!("# {key}:")))
        .flat_map(|l| l.split(','))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Every sample states what a consultant expects among its first three steps and what must never
/// appear; no heavy product reaches a micro firm; measures never rank among the steps.
#[test]
fn samples_meet_the_consultants_expectations() {
    let req = PlanRequest {
        target: None,
        budget: None,
        as_of: None,
    };
    let heavy = [
        "agv-amr",
        "product-digital-twin",
        "visual-inspection",
        "industrial-network-5g",
    ];
    let mut problems = Vec::new();
    let files = samples();
    assert!(
        files.len() >= 11,
        "five samples and six new firms: {files:?}"
    );
    for file in files {
        let first = expectation(&file, "roadmap-first-three");
        let never = expectation(&file, "roadmap-never");
        let lead = expectation(&file, "roadmap-first");
        assert!(
            !first.is_empty() && !never.is_empty(),
            "{file}: no expectations in its comments"
        );
        let s = sheet(&file);
        let (_, r) = plan_for(&s, &req);
        let ids: Vec<&str> = r.steps.iter().map(|x| x.id.as_str()).collect();
        for id in &lead {
            ensure!(
                problems,
                ids.first() == Some(&id.as_str()),
                "{file}: `{id}` is not step 1 of {ids:?}"
            );
        }
        for id in &first {
            ensure!(
                problems,
                ids.iter().take(3).any(|x| x == id),
                "{file}: `{id}` not among the first three of {ids:?}"
            );
        }
        for id in &never {
            ensure!(
                problems,
                !ids.contains(&id.as_str()),
                "{file}: `{id}` proposed: {ids:?}"
            );
        }
        for st in &r.steps {
            ensure!(
                problems,
                st.kind == roadmap::StepKind::Product,
                "{file}: measure `{}` among the steps",
                st.id
            );
            let entry = catalog().get(&st.id);
            ensure!(
                problems,
                entry.is_some_and(|e| !e.measure),
                "{file}: `{}` is a measure",
                st.id
            );
        }
        if s.profile.size_class == Some(smedx::model::SizeClass::Micro) {
            for h in heavy {
                ensure!(
                    problems,
                    !ids.contains(&h),
                    "{file}: heavy `{h}` for a micro firm"
                );
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Steps that only change an answer (visits, plans, meetings) never rank in the first three, for any
/// sample, target or budget.
#[test]
fn measures_never_rank_in_the_first_three() {
    for file in samples() {
        let s = sheet(&file);
        let a = score(model(), &s);
        for (label, req) in requests(a.level) {
            let (_, r) = plan_for(&s, &req);
            for st in r.steps.iter().take(3) {
                let e = catalog().get(&st.id).expect("a catalog product");
                assert!(
                    !e.measure,
                    "{file} {label}: measure `{}` in the first three",
                    st.id
                );
            }
        }
    }
}

/// `--target 4` on the auto-parts sample: the catalog's ceiling, not the budget, is the limit, and
/// the note gives the highest reachable score and level.
#[test]
fn auto_parts_target_4_names_the_catalog_ceiling() {
    let s = sheet("auto-parts-machining.yaml");
    let (_, r) = plan_for(
        &s,
        &PlanRequest {
            target: Some(4),
            budget: None,
            as_of: None,
        },
    );
    assert!(!r.reaches_target);
    assert!(
        r.note.zh.contains("目录") && r.note.zh.contains(&smedx::text::points(r.ceiling_score)),
        "{}",
        r.note.zh
    );
    assert!(!r.note.zh.contains("预算"), "{}", r.note.zh);
}

/// A policy fact past its period is not quoted; a region's note reaches only that region's firms.
#[test]
fn expired_policy_is_not_quoted() {
    let s = sheet("it-services.yaml");
    let files = policy_files();
    let note = |as_of: &str, region: &str| {
        Policies::for_region(&files, Some(region), as_of)
            .conditions
            .iter()
            .any(|c| c.source.contains("执行期限至2024年12月31日"))
    };
    assert!(
        note("2024-10-01", "510107"),
        "in force in 2024 for a Sichuan firm"
    );
    assert!(!note("2026-10-15", "510107"), "expired in 2026");
    assert!(!note("2024-10-01", "330381"), "never for a Zhejiang firm");
    let (_, r) = plan_for(
        &s,
        &PlanRequest {
            target: None,
            budget: None,
            as_of: None,
        },
    );
    assert!(
        r.conditions
            .iter()
            .all(|c| !c.zh.contains("2024年12月31日")),
        "{:?}",
        r.conditions
    );
}

/// The catalog's ceiling counts only products whose prerequisites the firm can have: a software firm is
/// offered no stock-keeping system, so purchasing on top of one (e-procurement) does not lift its
/// ceiling, and the report says 二级 is out of the catalog's reach rather than blaming capacity.
#[test]
fn the_ceiling_counts_only_products_whose_prerequisites_fit() {
    let s = sheet("it-services.yaml");
    let (_, r) = plan_for(
        &s,
        &PlanRequest {
            target: None,
            budget: None,
            as_of: None,
        },
    );
    assert_eq!(r.target_level, 2);
    assert!(r.ceiling_level < 2, "ceiling {}", r.ceiling_level);
    assert!(r.note.zh.contains("达不到二级"), "{}", r.note.zh);
    assert_eq!(r.steps[0].id, "project-ticket-management");
}

/// A step planned after an earlier phase already reached the target does not claim to serve reaching
/// it ("服务于达到二级" on a step past 二级 reads as padding the plan).
#[test]
fn steps_past_the_target_do_not_claim_to_serve_it() {
    let req = PlanRequest {
        target: None,
        budget: None,
        as_of: None,
    };
    let mut checked = 0;
    for file in samples() {
        let (_, r) = plan_for(&sheet(&file), &req);
        let reached_in = r
            .phases
            .iter()
            .find(|p| p.projected_level >= r.target_level)
            .map(|p| p.index);
        let Some(reached_in) = reached_in else {
            continue;
        };
        for st in r.steps.iter().filter(|s| s.phase > reached_in) {
            checked += 1;
            assert!(
                !st.reason.zh.contains("服务于达到") && !st.reason.en.contains("toward "),
                "{file}: step {} `{}` after phase {reached_in}: {}",
                st.number,
                st.id,
                st.reason.zh
            );
        }
    }
    assert!(checked > 0, "some sample plans steps past its target");
}

/// A firm in a region without its own policy file never reads another city's or province's documents
/// (issue 10 item 5): the national file's examples are labelled as such and cite no local rule.
#[test]
fn a_region_without_a_file_reads_no_other_citys_documents() {
    let s = sheet("logistics-services.yaml");
    assert_eq!(s.profile.region.as_deref(), Some("371302"));
    let files = policy_files();
    assert!(
        files
            .iter()
            .filter_map(|f| f.region.as_deref())
            .all(|r| !"371302".starts_with(r)),
        "the test needs a region without its own file"
    );
    let (_, r) = plan_for(
        &s,
        &PlanRequest {
            target: None,
            budget: None,
            as_of: None,
        },
    );
    let text = serde_json::to_string(&r).expect("a roadmap serialises");
    for foreign in [
        "东工信",
        "中工信",
        "厦工信",
        "川办发",
        "杭州",
        "东莞",
        "中山",
        "四川",
        "厦门",
        "天台",
        "山西",
    ] {
        assert!(!text.contains(foreign), "`{foreign}` quoted to a 临沂 firm");
    }
    // The same holds for the national file itself, whatever the firm.
    let national = Policies::for_region(&files, None, AS_OF);
    let text = format!(
        "{:?}{:?}",
        national.conditions,
        serde_json::to_string(&r.conditions).unwrap()
    );
    assert!(
        !text.contains("东工信") && !text.contains("中工信"),
        "{text}"
    );
}

/// No subsidy exceeds its cap per step or per firm, and every total adds up when recomputed.
#[test]
fn subsidies_stay_within_caps_and_totals_add_up() {
    let files = policy_files();
    for file in samples() {
        let s = sheet(&file);
        let p = Policies::for_region(&files, s.profile.region.as_deref(), AS_OF);
        for target in [None, Some(3), Some(4)] {
            let (_, r) = plan_for(
                &s,
                &PlanRequest {
                    target,
                    budget: None,
                    as_of: None,
                },
            );
            let mut sum = roadmap::CostSplit::default();
            for st in r.steps.iter().chain(&r.measures) {
                let granted = st.cost.subsidy + st.cost.subsidy_conditional;
                if let Some(cap) = catalog()
                    .get(&st.id)
                    .and_then(|e| p.shares.get(&e.subsidy_category))
                    .and_then(|sh| sh.subsidy_cap)
                {
                    assert!(
                        granted <= cap + EPS,
                        "{file}: `{}` subsidy {granted} over its cap {cap}",
                        st.id
                    );
                }
                assert!(
                    (st.cost.list
                        - st.cost.platform_discount
                        - st.cost.subsidy
                        - st.cost.enterprise)
                        .abs()
                        < EPS
                );
                sum.list += st.cost.list;
                sum.subsidy += st.cost.subsidy;
                sum.subsidy_conditional += st.cost.subsidy_conditional;
                sum.enterprise += st.cost.enterprise;
            }
            assert!((sum.list - r.total.list).abs() < 1e-3, "{file}: list total");
            assert!(
                (sum.enterprise - r.total.enterprise).abs() < 1e-3,
                "{file}: enterprise total"
            );
            assert!(
                (sum.subsidy - r.total.subsidy).abs() < 1e-3,
                "{file}: subsidy total"
            );
            let product_subsidy: f64 = r
                .steps
                .iter()
                .chain(
                    r.measures
                        .iter()
                        .filter(|m| m.kind != roadmap::StepKind::Talent),
                )
                .map(|m| m.cost.subsidy + m.cost.subsidy_conditional)
                .sum();
            if let Some(cap) = r.investment.firm_cap {
                assert!(
                    product_subsidy <= cap + EPS,
                    "{file}: {product_subsidy} over the per-firm cap {cap}"
                );
            }
            if let Some(last) = r.phases.last() {
                assert!(
                    (last.cumulative.enterprise - r.total.enterprise).abs() < 1e-3,
                    "{file}: cumulative"
                );
            }
        }
    }
}

/// 中山 caps the firm's total by the level reached (二级 ≤ 30万): the electronics firm moved there
/// never receives more, whatever it buys.
#[test]
fn zhongshan_caps_the_firm_by_the_level_reached() {
    let mut s = sheet("electronics-assembler.yaml");
    s.profile.region = Some("442000".into());
    let (_, r) = plan_for(
        &s,
        &PlanRequest {
            target: Some(4),
            budget: None,
            as_of: None,
        },
    );
    assert!(r.policies.contains(&"zhongshan-442000".to_string()));
    let cap = match r.final_level {
        4 => 1_000_000.0,
        3 => 600_000.0,
        2 => 300_000.0,
        _ => 0.0,
    };
    assert_eq!(r.investment.firm_cap, Some(cap));
    assert!(r.total.subsidy <= cap + EPS, "{}", r.total.subsidy);
}

/// Training lines cite 财社〔2023〕181号 and say who qualifies.
#[test]
fn training_lines_cite_181_and_name_who_qualifies() {
    let mut seen = 0;
    for file in samples() {
        let s = sheet(&file);
        for target in [None, Some(4)] {
            let (_, r) = plan_for(
                &s,
                &PlanRequest {
                    target,
                    budget: None,
                    as_of: None,
                },
            );
            for m in r
                .measures
                .iter()
                .filter(|m| m.kind == roadmap::StepKind::Talent)
            {
                if m.id == "manager-digital-training" || m.id == "benchmark-visits" {
                    continue;
                }
                seen += 1;
                assert!(
                    m.subsidy_source.contains("181号"),
                    "{file}: `{}` cites {}",
                    m.id,
                    m.subsidy_source
                );
                let q = m.qualifies.as_ref().expect("who qualifies");
                assert!(q.zh.contains("六类人员"), "{file}: {}", q.zh);
                assert!(
                    m.subsidy_note.zh.contains("181号"),
                    "{file}: {}",
                    m.subsidy_note.zh
                );
            }
        }
    }
    assert!(seen > 0, "no training line in any sample");
}

/// A subsidy paid at a level (中山: 未达二级不予补助) is advanced by the firm until the phase that
/// reaches the level: before it, the phase's `subsidy_pending` is every level-bound subsidy so far and
/// the firm's cash out is the cumulative price less platform discounts (and training subsidies);
/// from that phase on nothing is pending.
#[test]
fn subsidy_is_advanced_until_the_phase_that_reaches_the_level_of_payment() {
    let s = sheet("food-cold-chain.yaml");
    let (current, r) = plan_for(
        &s,
        &PlanRequest {
            target: None,
            budget: None,
            as_of: None,
        },
    );
    assert!(r.investment.subsidy_payable);
    let pays_at = 2;
    assert!(current.level < pays_at, "the sample starts below 二级");
    let mut before = 0;
    let mut reached = false;
    for ph in &r.phases {
        let talent: f64 = if ph.index == 1 {
            (r.measures.iter())
                .filter(|m| m.kind == roadmap::StepKind::Talent)
                .map(|m| m.cost.subsidy)
                .sum()
        } else {
            0.0
        };
        reached |= ph.projected_level >= pays_at;
        if reached {
            assert_eq!(ph.subsidy_pending, 0.0, "phase {}", ph.index);
        } else {
            before += 1;
            let c = &ph.cumulative;
            assert!(
                (ph.subsidy_pending - (c.subsidy - talent)).abs() < EPS,
                "phase {}: pending {} of {}",
                ph.index,
                ph.subsidy_pending,
                c.subsidy
            );
            assert!(
                (c.enterprise + ph.subsidy_pending - (c.list - c.platform_discount - talent)).abs()
                    < EPS
            );
        }
    }
    assert!(
        before >= 1 && reached,
        "phases before and at 二级: {before}"
    );
    // A firm already at the level of payment advances nothing.
    let (current, r) = plan_for(
        &sheet("logistics-services.yaml"),
        &PlanRequest {
            target: None,
            budget: None,
            as_of: None,
        },
    );
    assert!(current.level >= pays_at);
    assert!(r.phases.iter().all(|ph| ph.subsidy_pending == 0.0));
}

/// "为「X」提供数据或前提" names only steps that come later: a step cannot prepare one already done.
#[test]
fn a_step_prepares_only_later_steps() {
    let req = PlanRequest {
        target: None,
        budget: None,
        as_of: None,
    };
    for file in samples() {
        let (_, r) = plan_for(&sheet(&file), &req);
        for (k, st) in r.steps.iter().enumerate() {
            let Some(named) = st.reason.zh.split("为「").nth(1) else {
                continue;
            };
            let named = named.split("」提供数据或前提").next().unwrap();
            for earlier in &r.steps[..k] {
                assert!(
                    !named.split('、').any(|n| n == earlier.name.zh),
                    "{file}: step {} `{}` prepares the earlier `{}`",
                    st.number,
                    st.id,
                    earlier.id
                );
            }
        }
    }
}

/// Every stated pain is answered: a step or measure relieves it, or a note says why not (a system in
/// use covers it, a fitting product was left out, or the catalog has none).
#[test]
fn every_stated_pain_is_relieved_or_explained() {
    let req = PlanRequest {
        target: None,
        budget: None,
        as_of: None,
    };
    let mut explained = 0;
    for file in samples() {
        let s = sheet(&file);
        let (_, r) = plan_for(&s, &req);
        for pain in &r.pain_points {
            let relieved = r
                .steps
                .iter()
                .chain(&r.measures)
                .any(|st| st.reason.zh.contains(&pain.zh));
            let noted = r
                .notes
                .iter()
                .any(|n| n.zh.contains(&format!("「{}」", pain.zh)));
            assert!(
                relieved || noted,
                "{file}: pain {} neither relieved nor explained",
                pain.zh
            );
            explained += usize::from(noted);
        }
    }
    assert!(
        explained >= 3,
        "the samples have unrelieved pains: {explained}"
    );
    let (_, r) = plan_for(&sheet("logistics-services.yaml"), &req);
    assert!(
        r.notes
            .iter()
            .any(|n| n.zh.contains("车辆空驶率高") && n.zh.contains("TMS")),
        "{:?}",
        r.notes
    );
}
