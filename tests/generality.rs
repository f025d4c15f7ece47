//! The model format expresses other published methods: OWASP SAMM and the EU EDIH DMA,
//! each checked against a worked example computed by hand (tests/fixtures/answers/*.expected.md);
//! aggregation follows each model's shape (levels, dimensions, indicators), also for a made-up model
//! with six levels and nine dimensions (tests/fixtures/models/six-nine.yaml).

use smedx::model;
use smedx::score::{Assessment, NodeScore};
use smedx::source_file::SourceFile;
use std::path::Path;

fn run(model_file: &str, answers_file: &str) -> Assessment {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let loaded =
        model::load_model(&SourceFile::read(&root.join("models").join(model_file)).unwrap());
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let m = loaded.model.unwrap();
    let (a, diags) = smedx::assess(
        &m,
        &SourceFile::read(&root.join("answers").join(answers_file)).unwrap(),
    );
    assert!(diags.is_empty(), "{diags:#?}");
    a.unwrap()
}

fn find<'a>(nodes: &'a [NodeScore], id: &str) -> &'a NodeScore {
    find_opt(nodes, id).unwrap_or_else(|| panic!("no node {id}"))
}

fn find_opt<'a>(nodes: &'a [NodeScore], id: &str) -> Option<&'a NodeScore> {
    nodes.iter().find_map(|n| {
        if n.id == id {
            Some(n)
        } else {
            find_opt(&n.children, id)
        }
    })
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-6)
}

#[test]
fn owasp_samm_matches_the_hand_computation() {
    let a = run("owasp-samm.yaml", "samm-example.yaml");
    // Practice = Σ over 3 levels of the mean of the two streams; function = mean of practices; overall = mean.
    for (id, expected) in [
        ("strategy-metrics", 0.875),
        ("policy-compliance", 1.5),
        ("secure-build", 2.125),
        ("secure-deployment", 1.0),
        ("governance", 1.1875),
        ("implementation", 1.5625),
    ] {
        let n = find(&a.dimensions, id);
        assert!(
            close(n.score, expected),
            "{id}: {:?} != {expected}",
            n.score
        );
    }
    assert!((a.level_score - 1.375).abs() < 1e-9, "{}", a.level_score);
    assert_eq!(a.level_score_max, 3.0);
    assert_eq!(a.level, 1);
    assert!((a.next_level.unwrap().points_short - 0.625).abs() < 1e-9);
}

#[test]
fn edih_dma_matches_the_hand_computation() {
    let a = run("edih-dma.yaml", "edih-example.yaml");
    for (id, expected) in [
        ("digital-business-strategy", 55.0),
        ("digital-readiness", 52.5),
        ("human-centric-digitalisation", 37.5),
        ("data-management", 50.0),
        ("automation-ai", 12.5),
        ("green-digitalisation", 40.0),
    ] {
        assert!(close(find(&a.dimensions, id).score, expected), "{id}");
    }
    // Overall = mean of the six dimensions.
    assert!((a.level_score - 41.25).abs() < 1e-9);
    assert_eq!(a.level, 2, "Average: 26–50");
    assert!((a.next_level.unwrap().points_short - 9.75).abs() < 1e-9);
}

// ---------------------------------------------------------------------------------------------
// Aggregation follows the model's shape: its levels, dimensions and indicators.
// Quartiles are nearest-rank at the 0.1 resolution of `src/aggregate/stats.rs`; means round to 2.
// ---------------------------------------------------------------------------------------------

fn fixture_model(file: &str) -> model::Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/models")
        .join(file);
    let loaded = model::load_model(&SourceFile::read(&path).unwrap());
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    loaded.model.unwrap()
}

/// Aggregate sheets given as JSON (one JSON Lines file each round), every group shown.
fn aggregate(
    m: &model::Model,
    name: &str,
    current: &[serde_json::Value],
    previous: &[serde_json::Value],
) -> smedx::aggregate::Summary {
    use smedx::aggregate::{DemandSources, Options, Source};
    let dir = std::env::temp_dir().join(format!("smedx-generality-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |file: &str, sheets: &[serde_json::Value]| {
        let path = dir.join(file);
        let text: String = sheets.iter().map(|s| format!("{s}\n")).collect();
        std::fs::write(&path, text).unwrap();
        vec![Source(path)]
    };
    let (now, before) = (write("now.jsonl", current), write("before.jsonl", previous));
    let mut errors = Vec::new();
    let s = smedx::aggregate::aggregate(
        m,
        DemandSources {
            catalog: None,
            policies: &[],
        },
        &now,
        if previous.is_empty() { &[] } else { &before },
        &Options {
            by: vec![],
            min_group: 1,
            named: false,
            follow_links: false,
        },
        &mut |e| errors.push(e),
        &|_| {},
    );
    std::fs::remove_dir_all(&dir).ok();
    assert!(errors.is_empty(), "{errors:?}");
    s
}

fn sheet(m: &model::Model, name: &str, answers: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"model": m.id, "model_version": m.version, "profile": {"name": name}, "answers": answers})
}

/// The answers of a YAML fixture as JSON.
fn fixture_answers(file: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/answers")
        .join(file);
    let yaml: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    yaml["answers"].clone()
}

fn mean_of(m: &smedx::aggregate::MeasureSummary) -> f64 {
    m.distribution.mean.unwrap()
}

#[test]
fn samm_aggregates_with_its_own_three_levels() {
    let m = fixture_model("owasp-samm.yaml");
    let all = |option: &str| {
        let ids = m
            .items
            .iter()
            .map(|i| (i.id.clone(), serde_json::json!(option)));
        serde_json::Value::Object(ids.collect())
    };
    // Example (samm-example.expected.md): governance 1.1875, implementation 1.5625, overall 1.375 → level 1.
    // All `most` (fraction 1): every practice 3, every function 3, overall 3 → level 3.
    // All `none`: 0 everywhere → no level (level 1 needs 1).
    let s = aggregate(
        &m,
        "samm",
        &[
            sheet(&m, "example", fixture_answers("samm-example.yaml")),
            sheet(&m, "most", all("most")),
            sheet(&m, "none", all("none")),
        ],
        &[],
    );
    // Levels 0–3, one slot each (the model has three levels): none → 0, example → 1, most → 3.
    assert_eq!(s.overall.levels, Some(vec![1, 1, 0, 1]));
    assert_eq!(s.level_names.len(), 4);
    assert_eq!(s.level_names[3].zh, "三级");
    // Level 2 and above: only `most`, 1 of 3 = 0.3333.
    assert!(close(s.overall.share_level2_plus, 0.3333));
    // Overall: (1.375 + 3 + 0) / 3 = 1.458333 → 1.46; sorted 0, 1.375 (bin 1.4), 3: median 1.4.
    let score = s.overall.score.as_ref().unwrap();
    assert_eq!(
        (score.mean, score.median, score.max),
        (Some(1.46), Some(1.4), None),
        "a publication shows no maximum"
    );
    // Governance: (1.1875 + 3 + 0) / 3 = 1.395833 → 1.4; implementation (1.5625 + 3 + 0) / 3 → 1.52.
    let dims: Vec<(&str, f64)> = s
        .dimensions
        .iter()
        .map(|d| (d.id.as_str(), mean_of(d)))
        .collect();
    assert_eq!(dims, [("governance", 1.4), ("implementation", 1.52)]);
    // Strategy and Metrics: (0.875 + 3 + 0) / 3 = 1.291667 → 1.29 (four practices in all).
    assert_eq!(s.indicators.len(), 4);
    assert_eq!(mean_of(&s.indicators[0]), 1.29);
}

#[test]
fn edih_aggregates_with_its_four_bands_and_six_dimensions() {
    let m = fixture_model("edih-dma.yaml");
    // Every multi item: all options but the exclusive one (fractions add up to 1); every single item:
    // its last option (fraction 1). Every dimension 100, overall 100 → level 4 (Advanced, ≥ 76).
    let mut full = serde_json::Map::new();
    let mut nothing = serde_json::Map::new();
    for item in &m.items {
        let (top, bottom) = match &item.spec {
            model::ItemSpec::Multi { options, .. } => (
                serde_json::json!(
                    options
                        .iter()
                        .filter(|o| !o.exclusive)
                        .map(|o| &o.id)
                        .collect::<Vec<_>>()
                ),
                serde_json::json!([options.iter().find(|o| o.exclusive).unwrap().id]),
            ),
            model::ItemSpec::Single { options } => (
                serde_json::json!(options.last().unwrap().id),
                serde_json::json!(options[0].id),
            ),
            other => panic!("the fixture has no {:?} item", other.kind()),
        };
        full.insert(item.id.clone(), top);
        nothing.insert(item.id.clone(), bottom);
    }
    // `nothing`: every item at fraction 0 → overall 0, still level 1 (Basic needs 0 points).
    // Example (edih-example.expected.md): 55, 52.5, 37.5, 50, 12.5, 40 → 41.25 → level 2 (≥ 26).
    let s = aggregate(
        &m,
        "edih",
        &[
            sheet(&m, "full", serde_json::Value::Object(full)),
            sheet(&m, "nothing", serde_json::Value::Object(nothing)),
            sheet(&m, "example", fixture_answers("edih-example.yaml")),
        ],
        &[],
    );
    assert_eq!(s.overall.levels, Some(vec![0, 1, 1, 0, 1]));
    assert_eq!(s.level_names[4].en, "Advanced");
    // Level 2 and above: example and full, 2 of 3.
    assert!(close(s.overall.share_level2_plus, 0.6667));
    // (100 + 0 + 41.25) / 3 = 47.083 → 47.08.
    assert_eq!(s.overall.score.as_ref().unwrap().mean, Some(47.08));
    // Per dimension (100 + 0 + example) / 3: 51.67, 50.83, 45.83, 50, 37.5, 46.67.
    let means: Vec<f64> = s.dimensions.iter().map(mean_of).collect();
    assert_eq!(means, [51.67, 50.83, 45.83, 50.0, 37.5, 46.67]);
    assert!(
        s.indicators.is_empty(),
        "EDIH dimensions hold items directly"
    );
}

/// `six-nine.yaml`: nine dimensions of 10 points (d1–d8 one single item a/b/c = 0/5/10 points,
/// d9 a constrained scenario, grade g → 2.5 g points); level score = the sum (0–90); levels
/// 1–6 at 10, 25, 40, 55, 70, 85 points, level 6 also needs the scenario at grade 4.
fn six_nine_sheet(
    m: &model::Model,
    name: &str,
    code: &str,
    options: &str,
    grade: u8,
) -> serde_json::Value {
    let mut answers = serde_json::Map::new();
    for (i, o) in options.chars().enumerate() {
        answers.insert(format!("q{}", i + 1), serde_json::json!(o.to_string()));
    }
    answers.insert("s9".into(), serde_json::json!(grade));
    let mut s = sheet(m, name, serde_json::Value::Object(answers));
    let code =
        smedx::answers::credit_code::with_check_digit(&format!("91110105MA000000{code}")).unwrap();
    s["profile"]["credit_code"] = serde_json::json!(code);
    s
}

#[test]
fn a_model_with_six_levels_and_nine_dimensions_aggregates_by_its_shape() {
    let m = fixture_model("six-nine.yaml");
    let firms = |f1_grade: u8| {
        vec![
            // F1: all c (80) + grade 4 (10) = 90 → level 6 (≥ 85 and the scenario at 4).
            six_nine_sheet(&m, "F1", "1", "cccccccc", f1_grade),
            // F2: all c (80) + grade 2 (5) = 85 → ≥ 85 but the scenario is short → level 5.
            six_nine_sheet(&m, "F2", "2", "cccccccc", 2),
            // F3: 4 × c = 40, grade 0 → level 3 (≥ 40).
            six_nine_sheet(&m, "F3", "3", "ccccaaaa", 0),
            // F4: 8 × b = 40, grade 2 = 5 → 45 → level 3.
            six_nine_sheet(&m, "F4", "4", "bbbbbbbb", 2),
            // F5: nothing → 0 → no level.
            six_nine_sheet(&m, "F5", "5", "aaaaaaaa", 0),
            // F6: 2 × c = 20, grade 4 = 10 → 30 → level 2 (≥ 25).
            six_nine_sheet(&m, "F6", "6", "ccaaaaaa", 4),
        ]
    };
    // The previous round: the same firms, F1 with the scenario at grade 2 (85 points, level 5).
    let s = aggregate(&m, "six-nine", &firms(4), &firms(2));
    // Levels 0–6: F5 | – | F6 | F3 F4 | – | F2 | F1.
    assert_eq!(s.overall.levels, Some(vec![1, 0, 1, 2, 0, 1, 1]));
    assert_eq!(s.level_names.len(), 7);
    assert_eq!(s.level_names[6].zh, "六级");
    // Level 2 and above: all but F5, 5 of 6 = 0.8333.
    assert!(close(s.overall.share_level2_plus, 0.8333));
    // Scores 90, 85, 40, 45, 0, 30: mean 290 / 6 = 48.33; sorted 0 30 40 45 85 90:
    // q1 = rank ⌈1.5⌉ = 2 → 30, median rank 3 → 40, q3 rank ⌈4.5⌉ = 5 → 85.
    let score = s.overall.score.as_ref().unwrap();
    assert_eq!(
        (
            score.mean,
            score.min,
            score.q1,
            score.median,
            score.q3,
            score.max
        ),
        (Some(48.33), None, Some(30.0), Some(40.0), Some(85.0), None),
        "no minimum or maximum in a publication"
    );
    // Nine dimensions, the ninth included. d1: 10 10 10 5 0 10 → 7.5; d5: 10 10 0 5 0 0 → 4.17;
    // d9 (2.5 × grade): 10 5 0 5 0 10 → 5.
    assert_eq!(s.dimensions.len(), 9);
    let means: Vec<f64> = s.dimensions.iter().map(mean_of).collect();
    assert_eq!(means, [7.5, 7.5, 5.83, 5.83, 4.17, 4.17, 4.17, 4.17, 5.0]);
    let d = s.overall.dimension_means.as_ref().unwrap();
    assert_eq!(d.len(), 9);
    // The scenario: grade 0 F3 F5, grade 2 F2 F4, grade 4 F1 F6; mean (2 + 2 + 4 + 4) / 6 = 2.
    assert_eq!(s.scenarios[0].grades, [2, 0, 2, 0, 2]);
    assert_eq!(s.scenarios[0].mean_grade, Some(2.0));
    // Two rounds, matched by credit code: only F1 moved, level 5 → 6, +5 points, all on d9.
    let r = s.rounds.as_ref().unwrap();
    assert_eq!(
        (r.matched, r.only_current, r.only_previous, r.went_down),
        (6, 0, 0, 0)
    );
    assert_eq!(r.transitions.len(), 7);
    assert_eq!(r.transitions[5][6], Some(1));
    assert_eq!(r.transitions[6][6], Some(0));
    assert_eq!(r.transitions[3][3], Some(2));
    // Mean change: 5 / 6 = 0.83, on the ninth dimension only.
    assert_eq!(r.mean_change_score, Some(0.83));
    assert_eq!(r.mean_change_dimensions.len(), 9);
    assert_eq!(r.mean_change_dimensions[8], Some(0.83));
    assert_eq!(r.mean_change_dimensions[0], Some(0.0));
    // The office report shows every level, in HTML and in the workbook.
    let html = smedx::report::office::render_html(&s, smedx::text::Lang::Zh).unwrap();
    assert!(
        html.contains("六级") && html.contains("五级"),
        "level names in the office report"
    );
    let xlsx = std::env::temp_dir().join(format!("smedx-six-nine-{}.xlsx", std::process::id()));
    smedx::report::office::write_xlsx(&s, smedx::text::Lang::Zh, &xlsx).unwrap();
    std::fs::remove_file(&xlsx).ok();
}

#[test]
fn lint_says_when_a_dimension_is_too_large_for_the_two_round_comparison() {
    // Two dimensions: 1000 points (over the 655.35 the previous round's hundredths hold) and 100.
    let text = "id: big\nversion: \"1\"\ntitle: {zh: 大, en: Big}\ndimensions:\n".to_string()
        + &["wide", "narrow"]
            .iter()
            .zip([1000, 100])
            .map(|(id, p)| format!("  - id: {id}\n    title: {{zh: 维, en: Dim}}\n    points: {p}\n    items:\n      - id: {id}-q\n        kind: single\n        points: {p}\n        title: {{zh: 问, en: Q}}\n        options:\n          - {{id: A, label: {{zh: 无, en: None}}, fraction: 0}}\n          - {{id: B, label: {{zh: 有, en: Yes}}, fraction: 1}}\n"))
            .collect::<String>()
        + "levels:\n  - level: 1\n    name: {zh: 一级, en: Level 1}\n    min_score: 10\n";
    let loaded = model::load_model(&SourceFile::from_text("big.yaml", &text));
    assert!(
        loaded.model.is_some(),
        "a warning, not an error: {:#?}",
        loaded.diagnostics
    );
    let warned: Vec<_> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.code == "points-too-large")
        .collect();
    assert_eq!(warned.len(), 1, "{:#?}", loaded.diagnostics);
    // Placed at `points: 1000` (line 7) and naming the limit.
    assert_eq!(warned[0].line(), 7);
    let message = warned[0].message_in(smedx::text::Lang::En);
    assert!(
        message.contains("`wide`") && message.contains("655.35"),
        "{message}"
    );
}

#[test]
fn a_large_scale_gets_coarser_histogram_bins() {
    // 0–1e9 points: at most 10,000 bins, i.e. bins of 100,000 points; a value shows at its bin.
    let mut h = smedx::aggregate::stats::Hist::new(1e9);
    h.add(123_456_789.0);
    assert_eq!(h.quantile(0.5), Some(123_500_000.0));
}

/// An id is a key of every answer sheet: one too long for a YAML key (found by the loaders' fuzz
/// harness: a sheet simulated from such a model could not be read back) is refused by lint.
#[test]
fn an_overlong_item_id_is_refused_by_lint() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models/six-nine.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let loaded = |text: &str| model::load_model(&SourceFile::from_text("six-nine.yaml", text));
    assert!(loaded(&text).model.is_some(), "the fixture itself is valid");
    let long = "q".repeat(129);
    let broken = text.replacen("- id: q1\n", &format!("- id: {long}\n"), 1);
    assert_ne!(broken, text);
    let result = loaded(&broken);
    assert!(result.model.is_none());
    assert!(
        result.diagnostics.iter().any(|d| d.code == "invalid-id"
            && d.message_in(smedx::text::Lang::En)
                .contains("129 characters")),
        "{:?}",
        result.diagnostics
    );
    let fits = text.replacen("- id: q1\n", &format!("- id: {}\n", "q".repeat(128)), 1);
    assert!(loaded(&fits).model.is_some(), "128 characters are allowed");
}
