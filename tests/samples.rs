//! The sample answer sheets in `questionnaires/examples/`: each checks clean and scores as its comment
//! block says (the hand computation is written at the top of every sample).
//!
//! - Through the library: no diagnostic at all (not even a warning), and the expected level, level
//!   score, dimension scores, industry group and size class from the table below.
//! - The auto-parts shop: the gap to 二级 names exactly the constrained scenarios below grade 2.
//! - Through the real binary: `smedx score FILE` (table, zh) for every sample, `--lang en` for one and
//!   `--format json` for one, snapshotted.
//!
//! Snapshots: `INSTA_UPDATE=always cargo test --test samples` (or `cargo insta review`), then read the
//! `.snap` files against the hand computations in the samples.

use assert_cmd::Command;
use smedx::answers::SizeClass;
use smedx::score::Assessment;
use smedx::source_file::SourceFile;
use std::path::Path;

const EXAMPLES: &str = "questionnaires/examples";

/// What a sample must score, computed by hand (see the comment block of each file).
struct Expected {
    file: &'static str,
    group: &'static str,
    size: SizeClass,
    /// 0 = 未达一级.
    level: u8,
    level_score: f64,
    /// foundation, management, outcomes (count toward the level), ecosystem (separate).
    dimensions: [f64; 4],
}

const EXPECTED: &[Expected] = &[
    Expected {
        file: "auto-parts-machining.yaml",
        group: "manufacturing",
        size: SizeClass::Small,
        level: 1,
        level_score: 50.8,
        dimensions: [21.05, 11.25, 18.5, 8.0],
    },
    Expected {
        file: "coatings-chemicals.yaml",
        group: "manufacturing",
        size: SizeClass::Medium,
        level: 1,
        level_score: 50.8,
        dimensions: [21.05, 11.25, 18.5, 8.0],
    },
    Expected {
        file: "electronics-assembler.yaml",
        group: "manufacturing",
        size: SizeClass::Medium,
        level: 3,
        level_score: 75.6,
        dimensions: [41.35, 15.75, 18.5, 13.0],
    },
    Expected {
        file: "food-cold-chain.yaml",
        group: "manufacturing",
        size: SizeClass::Small,
        level: 1,
        level_score: 50.8,
        dimensions: [21.05, 11.25, 18.5, 8.0],
    },
    Expected {
        // energy-per-revenue na: outcomes = 11.5 / 13 × 20; eco-cross-border na: ecosystem = 5.25 / 18 × 20.
        file: "food-processor.yaml",
        group: "manufacturing",
        size: SizeClass::Small,
        level: 2,
        level_score: 57.142308,
        dimensions: [28.2, 11.25, 17.692308, 5.833333],
    },
    Expected {
        file: "furniture-workshop.yaml",
        group: "manufacturing",
        size: SizeClass::Micro,
        level: 0,
        level_score: 25.4,
        dimensions: [12.4, 3.0, 10.0, 3.25],
    },
    Expected {
        file: "garment-oem.yaml",
        group: "manufacturing",
        size: SizeClass::Small,
        level: 1,
        level_score: 50.8,
        dimensions: [21.05, 11.25, 18.5, 8.0],
    },
    Expected {
        file: "it-services.yaml",
        group: "producer-services",
        size: SizeClass::Micro,
        level: 1,
        level_score: 49.992308,
        dimensions: [21.05, 11.25, 17.692308, 8.0],
    },
    Expected {
        // product-pass-rate na: outcomes = 10 / 13 × 20.
        file: "logistics-services.yaml",
        group: "producer-services",
        size: SizeClass::Small,
        level: 2,
        level_score: 55.584615,
        dimensions: [28.95, 11.25, 15.384615, 9.5],
    },
    Expected {
        file: "plastics-moulding.yaml",
        group: "manufacturing",
        size: SizeClass::Small,
        level: 1,
        level_score: 50.8,
        dimensions: [21.05, 11.25, 18.5, 8.0],
    },
    Expected {
        file: "textile-dyeing.yaml",
        group: "manufacturing",
        size: SizeClass::Medium,
        level: 1,
        level_score: 50.8,
        dimensions: [21.05, 11.25, 18.5, 8.0],
    },
];

/// The auto-parts shop's constrained scenarios below grade 2 (all at grade 1), in model order.
const AUTO_PARTS_CONSTRAINED_BELOW_2: &[&str] = &[
    "product-design",
    "marketing",
    "production-control",
    "equipment-management",
    "safety-production",
    "energy-management",
    "procurement",
    "warehousing-logistics",
];

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

/// Check and score one sample through the library, asserting that the check reports nothing.
fn assess(file: &str) -> Assessment {
    let model = smedx::model::bundled("sme-dx-2024").expect("the bundled model loads");
    let path = crate_root().join(EXAMPLES).join(file);
    let source = SourceFile::read(&path).unwrap_or_else(|d| panic!("{file}: {d:?}"));
    let node = smedx::answers::load_sheet(&source).unwrap_or_else(|d| panic!("{file}: {d:?}"));
    let checked = smedx::answers::check_sheet(model, &node, &source);
    assert!(
        checked.diagnostics.is_empty(),
        "{file}: expected no diagnostics, got:\n{}",
        checked
            .diagnostics
            .iter()
            .map(|d| d.render(Some(&source.text)))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let sheet = checked
        .sheet
        .unwrap_or_else(|| panic!("{file}: no sheet without errors"));
    smedx::score::score(model, &sheet)
}

#[test]
fn every_sample_is_in_the_table() {
    let mut found: Vec<String> = std::fs::read_dir(crate_root().join(EXAMPLES))
        .expect("questionnaires/examples exists")
        .map(|e| {
            e.expect("readable entry")
                .file_name()
                .into_string()
                .unwrap()
        })
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml") || n.ends_with(".json"))
        .collect();
    found.sort();
    let listed: Vec<&str> = EXPECTED.iter().map(|e| e.file).collect();
    assert_eq!(
        found, listed,
        "every sample needs a row in EXPECTED (and a table snapshot below)"
    );
}

#[test]
fn samples_check_clean_and_score_as_computed_by_hand() {
    for e in EXPECTED {
        let a = assess(e.file);
        assert_eq!(
            a.profile.industry_group, e.group,
            "{}: industry group",
            e.file
        );
        assert_eq!(a.profile.size_class, Some(e.size), "{}: size class", e.file);
        assert!(
            close(a.level_score, e.level_score),
            "{}: level score {} (hand computation {})",
            e.file,
            a.level_score,
            e.level_score
        );
        assert_eq!(a.level, e.level, "{}: level ({})", e.file, a.level_name.zh);
        let dims: Vec<(&str, Option<f64>)> = a
            .dimensions
            .iter()
            .filter(|d| d.max > 0.0)
            .map(|d| (d.id.as_str(), d.score))
            .collect();
        let ids = ["foundation", "management", "outcomes", "ecosystem"];
        for (i, id) in ids.iter().enumerate() {
            let got = dims.iter().find(|(d, _)| d == id).and_then(|(_, s)| *s);
            assert!(
                got.is_some_and(|g| close(g, e.dimensions[i])),
                "{}: dimension {id} scored {got:?} (hand computation {})",
                e.file,
                e.dimensions[i]
            );
        }
    }
}

#[test]
fn auto_parts_gap_names_the_constrained_scenarios_below_grade_2() {
    let a = assess("auto-parts-machining.yaml");
    assert_eq!(a.level, 1);
    let gap = a.next_level.expect("a gap to 二级");
    assert_eq!(gap.level, 2);
    assert_eq!(gap.points_short, 0.0, "the points are enough for 二级");
    let s = gap.scenarios.expect("二级 counts scenarios");
    assert_eq!(s.condition.at_or_above, 2);
    assert_eq!(
        (s.have, s.short),
        (6, 0),
        "six scenarios at grade ≥ 2 are enough"
    );
    assert_eq!(
        (s.constrained_have, s.constrained_short),
        (2, 1),
        "two constrained at grade ≥ 2, one short"
    );
    let mut named: Vec<&str> = s.constrained_below.iter().map(|r| r.id.as_str()).collect();
    named.sort_unstable();
    let mut expected = AUTO_PARTS_CONSTRAINED_BELOW_2.to_vec();
    expected.sort_unstable();
    assert_eq!(named, expected);
    // The same set, derived from the scenario grades of the result.
    let mut derived: Vec<&str> = a
        .scenarios
        .iter()
        .filter(|g| g.constrained && g.grade.is_some_and(|g| g < 2))
        .map(|g| g.id.as_str())
        .collect();
    derived.sort_unstable();
    assert_eq!(named, derived);
    assert!(
        s.constrained_below
            .iter()
            .all(|r| r.constrained && r.grade == 1)
    );
}

/// `smedx score` run from the crate root; must succeed with nothing on standard error.
fn smedx_score(file: &str, extra: &[&str]) -> String {
    let path = format!("{EXAMPLES}/{file}");
    let out = Command::cargo_bin("smedx")
        .expect("the smedx binary is built")
        .current_dir(crate_root())
        .arg("score")
        .arg(&path)
        .args(extra)
        .output()
        .expect("smedx runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "smedx score {path} {extra:?} failed ({:?}):\n{stderr}",
        out.status.code()
    );
    assert!(
        stderr.is_empty(),
        "smedx score {path} {extra:?} printed diagnostics:\n{stderr}"
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn snapshot(name: &str, file: &str, extra: &[&str]) {
    let stdout = smedx_score(file, extra);
    let command = format!("smedx score {EXAMPLES}/{file} {}", extra.join(" "));
    insta::with_settings!({ description => command.trim_end(), omit_expression => true }, {
        insta::assert_snapshot!(name, stdout);
    });
}

#[test]
fn table_furniture_workshop() {
    snapshot("table_furniture-workshop", "furniture-workshop.yaml", &[]);
}

#[test]
fn table_auto_parts_machining() {
    snapshot(
        "table_auto-parts-machining",
        "auto-parts-machining.yaml",
        &[],
    );
}

#[test]
fn table_electronics_assembler() {
    snapshot(
        "table_electronics-assembler",
        "electronics-assembler.yaml",
        &[],
    );
}

#[test]
fn table_logistics_services() {
    snapshot("table_logistics-services", "logistics-services.yaml", &[]);
}

#[test]
fn table_food_processor() {
    snapshot("table_food-processor", "food-processor.yaml", &[]);
}

#[test]
fn table_en_food_processor() {
    snapshot(
        "table_en_food-processor",
        "food-processor.yaml",
        &["--lang", "en"],
    );
}

#[test]
fn json_logistics_services() {
    let stdout = smedx_score("logistics-services.yaml", &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    assert_eq!(v["level"], 2);
    assert_eq!(v["profile"]["industry_group"], "producer-services");
    snapshot(
        "json_logistics-services",
        "logistics-services.yaml",
        &["--format", "json"],
    );
}
