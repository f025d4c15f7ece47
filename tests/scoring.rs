//! Table-driven tests of every item kind and of the level-rule edges, through the public API.

use smedx::model::{self, Model};
use smedx::score::Assessment;
use smedx::source_file::SourceFile;

/// A small model with one item of every kind, N/A, a weighted dimension and a separate dimension.
const KINDS: &str = r#"
id: kinds
version: "1"
title: {zh: 题型测试, en: Item kinds}
total: 60
industry_groups:
  - {id: m, title: {zh: 制造业, en: Manufacturing}, codes: [C]}
  - {id: o, title: {zh: 其他, en: Other}, default: true}
dimensions:
  - id: d1
    title: {zh: 一, en: One}
    points: 40
    items:
      - id: single
        kind: single
        points: 10
        title: {zh: 单选, en: Single}
        options:
          - {id: A, label: {zh: 无, en: None}, fraction: 0}
          - {id: B, label: {zh: 部分, en: Some}, fraction: 0.5}
          - {id: C, label: {zh: 全部, en: All}, fraction: 1}
      - id: multi
        kind: multi
        points: 10
        title: {zh: 多选, en: Multi}
        options:
          - {id: A, label: {zh: 无, en: None}, fraction: 0, exclusive: true}
          - {id: B, label: {zh: 乙, en: B}, fraction: 0.4}
          - {id: C, label: {zh: 丙, en: C}, fraction: 0.4}
          - {id: D, label: {zh: 丁, en: D}, fraction: 0.4}
      - id: band
        kind: band
        points: 10
        title: {zh: 比率, en: Rate}
        unit: "%"
        min: 0
        max: 100
        ratio: {numerator: {zh: 分子, en: Part}, denominator: {zh: 分母, en: Whole}}
        allow_na: true
        bands:
          - {id: A, range: "[0, 10]", fraction: 0}
          - {id: B, range: "(10, 50]", fraction: 0.5}
          - {id: C, range: "(50, 100]", fraction: 1}
      - id: trend
        kind: trend
        points: 10
        better_when: lower
        title: {zh: 能耗, en: Energy}
  - id: d2
    title: {zh: 二, en: Two}
    points: 20
    combine: weighted_mean
    items:
      - id: w1
        kind: single
        weight: 3
        title: {zh: 权重三, en: Weight three}
        options:
          - {id: A, label: {zh: 否, en: No}, fraction: 0}
          - {id: B, label: {zh: 是, en: Yes}, fraction: 1}
      - id: w2
        kind: single
        weight: 1
        title: {zh: 权重一, en: Weight one}
        options:
          - {id: A, label: {zh: 否, en: No}, fraction: 0}
          - {id: B, label: {zh: 是, en: Yes}, fraction: 1}
  - id: scen
    title: {zh: 场景, en: Scenarios}
    points: 0
    items:
      - {id: s1, kind: scenario, constrained: true, title: {zh: 场一, en: S1}, levels: &lv [{level: 1, description: {zh: 一, en: one}}, {level: 2, description: {zh: 二, en: two}}, {level: 3, description: {zh: 三, en: three}}, {level: 4, description: {zh: 四, en: four}}]}
      - {id: s2, kind: scenario, constrained: true, title: {zh: 场二, en: S2}, levels: *lv}
      - {id: s3, kind: scenario, title: {zh: 场三, en: S3}, levels: *lv, applies_to: {industry_groups: [m]}}
  - id: eco
    title: {zh: 生态, en: Ecosystem}
    points: 10
    counts_toward_level: false
    items:
      - id: eco-item
        kind: single
        points: 10
        title: {zh: 平台, en: Platform}
        options:
          - {id: A, label: {zh: 无, en: None}, fraction: 0}
          - {id: B, label: {zh: 有, en: Yes}, fraction: 1}
levels:
  - {level: 1, name: {zh: 一级, en: Level 1}, min_score: 20, scenarios: {at_least: 2, constrained_at_least: 1}}
  - level: 2
    name: {zh: 二级, en: Level 2}
    min_score: 40
    scenarios: {at_least: 3, constrained_at_least: 2}
    overrides:
      - {industry_groups: [o], scenarios: {at_least: 2, constrained_at_least: 2}}
"#;

fn kinds() -> Model {
    let loaded = model::load_model(&SourceFile::from_text("kinds.yaml", KINDS));
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    loaded.model.unwrap()
}

fn assess(model: &Model, industry: &str, answers: &str) -> Assessment {
    let text = format!(
        "model: {}\nprofile:\n  name: 测试企业\n  industry: {industry}\n  employees: 50\n  revenue: 1000\nanswers:\n{answers}",
        model.id
    );
    let (a, diags) = smedx::assess(model, &SourceFile::from_text("t.yaml", &text));
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:#?}\n{text}");
    a.unwrap()
}

fn item(a: &Assessment, id: &str) -> (f64, Option<f64>) {
    let i = a.items.iter().find(|i| i.id == id).unwrap();
    (i.score, i.fraction)
}

const BASE: &str = "  single: A\n  multi: [A]\n  band: 0\n  trend: worse\n  w1: A\n  w2: A\n  s1: 0\n  s2: 0\n  s3: 0\n  eco-item: A\n";

fn with(overrides: &[(&str, &str)]) -> String {
    BASE.lines()
        .map(|l| {
            let key = l.trim().split(':').next().unwrap();
            match overrides.iter().find(|(k, _)| *k == key) {
                Some((k, v)) => format!("  {k}: {v}\n"),
                None => format!("{l}\n"),
            }
        })
        .collect()
}

#[test]
fn every_item_kind_scores_its_fraction() {
    let m = kinds();
    let cases: &[(&str, &str, f64)] = &[
        ("single", "A", 0.0),
        ("single", "B", 5.0),
        ("single", "C", 10.0),
        ("multi", "[A]", 0.0),
        ("multi", "[B]", 4.0),
        ("multi", "[B, C]", 8.0),
        ("multi", "[B, C, D]", 10.0), // 1.2 capped at 1
        ("band", "10", 0.0),          // [0, 10] includes 10
        ("band", "10.5", 5.0),
        ("band", "50", 5.0),
        ("band", "100", 10.0),
        ("band", "C", 10.0),                              // a band id
        ("band", "{numerator: 3, denominator: 4}", 10.0), // 75 %
        ("band", "{numerator: 1, denominator: 10}", 0.0), // exactly 10 %
        ("trend", "better", 10.0),
        ("trend", "flat", 5.0),
        ("trend", "worse", 0.0),
        ("trend", "lower", 10.0), // better_when: lower
        ("trend", "higher", 0.0),
        ("trend", "C", 10.0), // platform letters A/B/C = worse/flat/better
        ("trend", "B", 5.0),
        ("trend", "{answer: same, note: 与上年持平}", 5.0),
    ];
    for (id, answer, expected) in cases {
        let a = assess(&m, "C2110", &with(&[(id, answer)]));
        assert_eq!(item(&a, id).0, *expected, "{id}: {answer}");
    }
}

#[test]
fn weighted_mean_uses_weights() {
    let m = kinds();
    let a = assess(&m, "C2110", &with(&[("w1", "B")]));
    let d2 = a.dimensions.iter().find(|d| d.id == "d2").unwrap();
    assert_eq!(d2.score, Some(15.0)); // 3/4 of 20
    let a = assess(&m, "C2110", &with(&[("w2", "B")]));
    assert_eq!(
        a.dimensions.iter().find(|d| d.id == "d2").unwrap().score,
        Some(5.0)
    );
}

#[test]
fn na_leaves_the_denominator() {
    let m = kinds();
    // single C (10) + band na: d1 = 10 / 30 of the applicable points × 40.
    let a = assess(&m, "C2110", &with(&[("single", "C"), ("band", "na")]));
    let d1 = a.dimensions.iter().find(|d| d.id == "d1").unwrap();
    assert!(
        (d1.score.unwrap() - 40.0 / 3.0).abs() < 1e-5,
        "{:?}",
        d1.score
    );
    assert_eq!(item(&a, "band"), (0.0, None));
}

#[test]
fn separate_dimension_does_not_change_the_level_score() {
    let m = kinds();
    let a = assess(&m, "C2110", &with(&[("eco-item", "B")]));
    let b = assess(&m, "C2110", &with(&[]));
    assert_eq!(a.level_score, b.level_score);
    assert_eq!(
        a.dimensions.iter().find(|d| d.id == "eco").unwrap().score,
        Some(10.0)
    );
}

#[test]
fn level_rules_and_gaps() {
    let m = kinds();
    // 20 points exactly: single C + multi [B, C, D] = 20 → meets level 1 points.
    let a = assess(
        &m,
        "C2110",
        &with(&[
            ("single", "C"),
            ("multi", "[B, C, D]"),
            ("s1", "1"),
            ("s3", "1"),
        ]),
    );
    assert_eq!(a.level_score, 20.0);
    assert_eq!(a.level, 1);
    let gap = a.next_level.unwrap();
    assert_eq!(gap.level, 2);
    assert_eq!(gap.points_short, 20.0);
    let s = gap.scenarios.unwrap();
    assert_eq!(
        (s.have, s.short, s.constrained_have, s.constrained_short),
        (0, 3, 0, 2)
    );
    assert_eq!(
        s.constrained_below
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        ["s1", "s2"],
        "higher grade first"
    );

    // Points without the constrained scenario: no level.
    let a = assess(
        &m,
        "C2110",
        &with(&[("single", "C"), ("multi", "[B, C, D]"), ("s3", "2")]),
    );
    assert_eq!(a.level, 0);
    assert_eq!(a.level_name.zh, "未达一级");
    let s = a.next_level.unwrap().scenarios.unwrap();
    assert_eq!((s.have, s.constrained_have, s.constrained_short), (1, 0, 1));
}

#[test]
fn industry_overrides_and_applicability() {
    let m = kinds();
    // A non-manufacturer: s3 does not apply, level 2 needs only 2 scenarios (both constrained).
    let answers = with(&[
        ("single", "C"),
        ("multi", "[B, C, D]"),
        ("band", "100"),
        ("trend", "better"),
        ("s1", "2"),
        ("s2", "2"),
    ]);
    let answers: String = answers
        .lines()
        .filter(|l| !l.trim_start().starts_with("s3"))
        .map(|l| format!("{l}\n"))
        .collect();
    let a = assess(&m, "F5110", &answers);
    assert_eq!(a.profile.industry_group, "o");
    assert_eq!(a.level, 2);
    assert_eq!(
        a.scenarios.iter().find(|s| s.id == "s3").unwrap().grade,
        None
    );
    // The same answers for a manufacturer (s3 graded 0) fall short: 3 scenarios needed.
    let a = assess(
        &m,
        "C2110",
        &with(&[
            ("single", "C"),
            ("multi", "[B, C, D]"),
            ("band", "100"),
            ("trend", "better"),
            ("s1", "2"),
            ("s2", "2"),
        ]),
    );
    assert_eq!(a.level, 1);
    assert_eq!(a.next_level.unwrap().scenarios.unwrap().short, 1);
}

// ---- edges on the bundled MIIT model ----

/// Answers worth exactly 40.0 points on the bundled model, everything else at its lowest.
fn bundled_answers(scenarios: &[(&str, u8)]) -> String {
    let mut s = String::from(
        "  network-connectivity: [B, C, D, E]\n  equipment-digitisation-rate: E\n  equipment-networking-rate: E\n  \
         data-collection-coverage: [A]\n  info-system-coverage: E\n  network-security: [B, C, D, E]\n  data-security: [B, C, D, E]\n  \
         digital-planning: A\n  management-mechanisms: [A]\n  talent: [A]\n  funding: A\n  energy-per-revenue: worse\n  \
         product-pass-rate: worse\n  revenue-per-employee: worse\n  cost-per-revenue: worse\n  \
         eco-platform: A\n  eco-supply-chain: [A]\n  eco-cluster: [A]\n  eco-public-service: [A]\n  eco-cross-border: A\n",
    );
    let m = model::bundled("sme-dx-2024").unwrap();
    for sc in m.scenarios() {
        let g = scenarios
            .iter()
            .find(|(id, _)| *id == sc.id)
            .map_or(0, |(_, g)| *g);
        s.push_str(&format!("  {}: {g}\n", sc.id));
    }
    s
}

#[test]
fn exactly_forty_points_with_three_constrained_is_level_two() {
    let m = model::bundled("sme-dx-2024").unwrap();
    let sc = [
        ("product-design", 2),
        ("marketing", 2),
        ("finance", 2),
        ("hr", 2),
        ("collaboration", 2),
        ("decision-support", 2),
    ];
    let a = assess(m, "C3670", &bundled_answers(&sc));
    assert_eq!(a.level_score, 40.0);
    assert_eq!(a.level, 2, "40.0 meets 二级's ≥ 40");
    assert_eq!(a.level_name.zh, "二级");
}

#[test]
fn six_scenarios_at_two_with_two_constrained_stay_at_one() {
    let m = model::bundled("sme-dx-2024").unwrap();
    let sc = [
        ("product-design", 2),
        ("marketing", 2),
        ("process-design", 2),
        ("hr", 2),
        ("collaboration", 2),
        ("decision-support", 2),
        ("finance", 1),
    ];
    let a = assess(m, "C3670", &bundled_answers(&sc));
    assert_eq!(a.level_score, 40.0);
    assert_eq!(a.level, 1);
    let gap = a.next_level.unwrap();
    assert_eq!(gap.points_short, 0.0);
    let s = gap.scenarios.unwrap();
    assert_eq!(
        (s.have, s.short, s.constrained_have, s.constrained_short),
        (6, 0, 2, 1)
    );
    assert_eq!(
        s.constrained_below.first().map(|r| r.id.as_str()),
        Some("finance"),
        "the nearest constrained scenario comes first"
    );
    assert_eq!(s.constrained_below.len(), 8);
}

#[test]
fn a_point_below_forty_is_not_level_two() {
    let m = model::bundled("sme-dx-2024").unwrap();
    let sc = [
        ("product-design", 2),
        ("marketing", 2),
        ("finance", 2),
        ("hr", 2),
        ("collaboration", 2),
        ("decision-support", 2),
    ];
    let answers = bundled_answers(&sc).replace(
        "network-security: [B, C, D, E]",
        "network-security: [B, C, D]",
    );
    let a = assess(m, "C3670", &answers);
    assert_eq!(a.level_score, 38.75);
    assert_eq!(a.level, 1);
    assert_eq!(a.next_level.unwrap().points_short, 1.25);
}

#[test]
fn every_result_records_the_model() {
    let m = model::bundled("sme-dx-2024").unwrap();
    let a = assess(m, "C3670", &bundled_answers(&[]));
    assert_eq!(
        (a.model.id.as_str(), a.model.version.as_str()),
        ("sme-dx-2024", "2024.1")
    );
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["model"]["id"], "sme-dx-2024");
}
