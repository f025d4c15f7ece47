//! `smedx aggregate` and `smedx simulate` end to end, against figures computed independently here.
//!
//! Every firm of a fixture is scored by the library (`smedx::assess`: the `Assessment` a firm's report
//! shows, not the aggregation's records); counts, level distributions, the share at 二级 and above,
//! means and nearest-rank quartiles (at the 0.1 resolution `src/aggregate/stats.rs` documents) are
//! then recomputed in this file and compared with what the real binary writes.
//!
//! - (a) statistics, overall and per province / industry / size, dimensions, indicators, scenarios;
//! - (b) small-cell suppression in JSON, HTML and XLSX; no firm name or code without `--named`;
//!   `--named --previous` lists the firms that went down;
//! - (c) two rounds of simulated firms: matching, the transition matrix, firms seen only once;
//! - (d) corrupt lines in the middle of a JSON Lines file (also across a chunk boundary), `--strict`;
//! - (e) `simulate`: deterministic, synthetic, valid;
//! - (f) inputs mixed in one run: a folder of YAML sheets, JSON Lines of scored results, single files;
//! - (g) `--benchmark`: peer groups with percentiles and suppression.
//!
//! The tests at the end (section "Regressions") pin down defects found while writing these tests;
//! all are fixed, none is ignored: each keeps its defect from coming back.

use assert_cmd::Command;
use calamine::{Reader, Xlsx, open_workbook};
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use smedx::aggregate::{DemandSources, Options, RecordError, Source};
use smedx::model::{ItemSpec, Model};
use smedx::source_file::SourceFile;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

const EXAMPLES: &str = "questionnaires/examples";

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn model() -> &'static Model {
    smedx::model::bundled("sme-dx-2024").expect("the bundled model loads")
}

// ---------------------------------------------------------------------------------------------
// Running the binary, temp dirs
// ---------------------------------------------------------------------------------------------

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_smedx(args: &[&str]) -> Run {
    let out = Command::cargo_bin("smedx")
        .expect("the smedx binary is built")
        .current_dir(crate_root())
        .env("RUST_BACKTRACE", "0")
        .args(args)
        .output()
        .expect("smedx runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Run smedx; it must not panic and must exit with `expect`.
fn smedx(args: &[&str], expect: i32) -> Run {
    let run = run_smedx(args);
    assert!(
        !run.stderr.contains("panicked"),
        "smedx {args:?} panicked:\n{}",
        run.stderr
    );
    assert_eq!(
        run.code, expect,
        "smedx {args:?} exit status\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    run
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "smedx-aggregate-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_string()
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.0.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Fixture firms: the sample sheets with a new identity and shifted answers
// ---------------------------------------------------------------------------------------------

/// One fixture firm: which sample it starts from, who it is, how its answers are shifted.
#[derive(Clone)]
struct Spec {
    base: &'static str,
    name: String,
    code: String,
    region: &'static str,
    /// "micro" / "small" / "medium": staff and money figures that give this class; None keeps the sample's.
    size: Option<&'static str>,
    /// Added to every plain scenario grade and option index (clamped).
    delta: i32,
    tags: Vec<&'static str>,
}

fn credit_code(region: &str, n: usize) -> String {
    smedx::answers::credit_code::with_check_digit(&format!("91{region}MA{n:07}"))
        .expect("a well-formed credit code")
}

fn spec(
    i: usize,
    base: &'static str,
    region: &'static str,
    size: Option<&'static str>,
    delta: i32,
    tags: &[&'static str],
) -> Spec {
    Spec {
        base,
        name: format!("测试企业{i:03}有限公司"),
        code: credit_code(region, 4000 + i),
        region,
        size,
        delta,
        tags: tags.to_vec(),
    }
}

/// Shift an answer scalar (a scenario grade or a single-choice option id) of `item` by `delta`.
fn shift(item: &smedx::model::Item, value: &str, delta: i32) -> Option<String> {
    match &item.spec {
        ItemSpec::Scenario { .. } => {
            let g: i32 = value.parse().ok()?;
            Some((g + delta).clamp(0, 4).to_string())
        }
        ItemSpec::Single { options } => {
            let i = options.iter().position(|o| o.id == value)? as i32;
            let j = (i + delta).clamp(0, options.len() as i32 - 1) as usize;
            Some(options[j].id.clone())
        }
        _ => None,
    }
}

/// The sheet text of a fixture firm.
fn sheet_text(s: &Spec) -> String {
    let base = std::fs::read_to_string(crate_root().join(EXAMPLES).join(s.base)).unwrap();
    let items: HashMap<&str, &smedx::model::Item> =
        model().items.iter().map(|i| (i.id.as_str(), i)).collect();
    let (employees, revenue, assets) = match s.size {
        Some("micro") => (Some(12), Some(380), Some(260)),
        Some("small") => (Some(85), Some(6000), Some(4800)),
        Some("medium") => (Some(450), Some(30000), Some(21000)),
        _ => (None, None, None),
    };
    let mut out = String::new();
    let mut in_answers = false;
    for line in base.lines() {
        let mut line = line.to_string();
        if line.starts_with("answers:") {
            in_answers = true;
        }
        let field = |l: &str, key: &str| l.starts_with(&format!("  {key}:"));
        if !in_answers {
            if field(&line, "name") {
                line = format!("  name: {}", s.name);
            } else if field(&line, "credit_code") {
                line = format!("  credit_code: {}", s.code);
            } else if field(&line, "region") {
                line = format!("  region: \"{}\"", s.region);
            } else if field(&line, "tags") {
                line = format!("  tags: [{}]", s.tags.join(", "));
            } else if let (true, Some(v)) = (field(&line, "employees"), employees) {
                line = format!("  employees: {v}");
            } else if let (true, Some(v)) = (field(&line, "revenue"), revenue) {
                line = format!("  revenue: {v}");
            } else if let (true, Some(v)) = (field(&line, "assets"), assets) {
                line = format!("  assets: {v}");
            }
        } else if let Some(rest) = line.strip_prefix("  ")
            && let Some((id, value)) = rest.split_once(": ")
            && let Some(item) = items.get(id)
        {
            let value = value.split(" #").next().unwrap().trim();
            if let Some(inner) = value
                .strip_prefix("{answer: ")
                .and_then(|v| v.split_once(','))
            {
                if let Some(new) = shift(item, inner.0.trim(), s.delta) {
                    line = format!("  {id}: {{answer: {new},{}", inner.1);
                }
            } else if let Some(new) = shift(item, value, s.delta) {
                line = format!("  {id}: {new}");
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// A firm as scored by the library: the per-firm reference.
#[derive(Debug, Clone)]
struct Firm {
    name: String,
    code: Option<String>,
    province: Option<String>,
    industry: Option<String>,
    size: Option<String>,
    tags: Vec<String>,
    level: u8,
    score: f64,
    /// Every dimension, model order.
    dims: Vec<Option<f64>>,
    /// Indicator id → score.
    indicators: BTreeMap<String, Option<f64>>,
    /// Scenario id → grade (None: not counted).
    scenarios: Vec<(String, Option<u8>)>,
    /// Constrained scenarios short of the next level (when the constrained count is short).
    constrained_short: Vec<String>,
}

fn reference(name: &str, text: &str) -> Firm {
    let (assessment, diags) = smedx::assess(model(), &SourceFile::from_text(name, text));
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{name} is not a valid sheet: {errors:?}");
    let a = assessment.unwrap_or_else(|| panic!("{name} was not scored"));
    let profile = serde_json::to_value(&a.profile).unwrap();
    let industry = a.profile.industry.as_ref().map(|c| {
        if c.starts_with('C') && c.len() >= 3 {
            c[..3].to_string()
        } else {
            c[..1].to_string()
        }
    });
    let constrained_short = a
        .next_level
        .as_ref()
        .and_then(|g| g.scenarios.as_ref())
        .filter(|s| s.constrained_short > 0)
        .map(|s| s.constrained_below.iter().map(|r| r.id.clone()).collect())
        .unwrap_or_default();
    Firm {
        name: a.profile.name.clone(),
        code: a.profile.credit_code.clone(),
        province: a.profile.region.as_ref().map(|r| r[..2].to_string()),
        industry,
        size: profile["size_class"].as_str().map(str::to_string),
        tags: a.profile.tags.clone(),
        level: a.level,
        score: a.level_score,
        dims: a.dimensions.iter().map(|d| d.score).collect(),
        indicators: a
            .dimensions
            .iter()
            .flat_map(|d| d.children.iter().map(|c| (c.id.clone(), c.score)))
            .collect(),
        scenarios: a
            .scenarios
            .iter()
            .map(|s| (s.id.clone(), s.grade))
            .collect(),
        constrained_short,
    }
}

/// Write the fixture's sheets as YAML files into `dir/sub`; the firms as scored by the library.
fn write_sheets(dir: &TempDir, sub: &str, specs: &[Spec]) -> Vec<Firm> {
    specs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let text = sheet_text(s);
            let path = dir.write(&format!("{sub}/firm{i:02}.yaml"), &text);
            reference(&path, &text)
        })
        .collect()
}

/// A fixture row: number, sample, region, size class (None: the sample's), answer shift, tags.
type Row = (
    usize,
    &'static str,
    &'static str,
    Option<&'static str>,
    i32,
    &'static [&'static str],
);

fn specs(rows: &[Row]) -> Vec<Spec> {
    rows.iter()
        .map(|(i, base, region, size, delta, tags)| {
            let base = match *base {
                "auto" => "auto-parts-machining.yaml",
                "elec" => "electronics-assembler.yaml",
                "food" => "food-processor.yaml",
                "furn" => "furniture-workshop.yaml",
                "logi" => "logistics-services.yaml",
                other => panic!("no sample {other}"),
            };
            spec(*i, base, region, *size, *delta, tags)
        })
        .collect()
}

/// Twelve firms over three provinces (5 / 4 / 3), five industries and three size classes.
fn twelve() -> Vec<Spec> {
    const ZJTX: &[&str] = &["专精特新"];
    specs(&[
        (1, "auto", "330381", None, 0, ZJTX),
        (2, "auto", "330106", Some("micro"), -2, &[]),
        (3, "elec", "330523", None, 1, ZJTX),
        (4, "furn", "330523", None, 2, &[]),
        (5, "food", "330381", Some("medium"), -1, ZJTX),
        (6, "food", "320583", None, 0, &[]),
        (7, "logi", "320583", None, 1, &[]),
        (8, "elec", "320282", Some("small"), -1, &[]),
        (9, "furn", "320282", Some("small"), 0, &[]),
        (10, "logi", "410108", Some("micro"), -2, &[]),
        (11, "auto", "410108", Some("medium"), 1, ZJTX),
        (12, "food", "410108", None, 2, &[]),
    ])
}

// ---------------------------------------------------------------------------------------------
// Statistics computed here
// ---------------------------------------------------------------------------------------------

/// The 0.1-resolution bin of a value (as in stats.rs: nearest tenth, clamped to [0, max]).
fn bin(x: f64, max: f64) -> i64 {
    ((x / 0.1).round().max(0.0) as i64).min((max / 0.1).round() as i64)
}

/// The q-quantile by the nearest-rank method (rank = max(1, ⌈q·n⌉)) at 0.1 resolution.
fn nearest_rank(values: &[f64], q: f64, max: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut bins: Vec<i64> = values.iter().map(|x| bin(*x, max)).collect();
    bins.sort_unstable();
    let rank = ((q * values.len() as f64).ceil() as usize).max(1);
    Some(bins[rank - 1] as f64 / 10.0)
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn close(json: &Value, want: Option<f64>, tol: f64, what: &str) {
    match want {
        None => assert!(json.is_null(), "{what}: expected null, got {json}"),
        Some(w) => {
            let got = json
                .as_f64()
                .unwrap_or_else(|| panic!("{what}: expected {w}, got {json}"));
            assert!(
                (got - w).abs() <= tol,
                "{what}: expected {w} (± {tol}), got {got}"
            );
        }
    }
}

/// A distribution object (n, mean, min, q1, median, q3, max) against values, as published (without
/// `--named`): no min or max.
fn check_distribution(d: &Value, values: &[f64], max: f64, what: &str) {
    assert!(
        d["min"].is_null() && d["max"].is_null(),
        "{what}: a publication shows no min or max: {d}"
    );
    assert_eq!(d["n"].as_u64(), Some(values.len() as u64), "{what}: n");
    close(
        &d["mean"],
        mean(values),
        0.005 + 1e-9,
        &format!("{what}: mean"),
    );
    for (key, q) in [("q1", 0.25), ("median", 0.5), ("q3", 0.75)] {
        close(
            &d[key],
            nearest_rank(values, q, max),
            1e-9,
            &format!("{what}: {key}"),
        );
    }
}

/// A group of the summary (overall or one breakdown group) against its firms.
fn check_group(g: &Value, firms: &[&Firm], what: &str) {
    let n = firms.len();
    assert_eq!(g["suppressed"], Value::Bool(false), "{what}: suppressed");
    assert_eq!(g["n"].as_u64(), Some(n as u64), "{what}: n");
    let mut levels = [0u64; 5];
    for f in firms {
        levels[usize::from(f.level.min(4))] += 1;
    }
    let got: Vec<u64> = g["levels"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no levels in {g}"))
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect();
    assert_eq!(got, levels, "{what}: level distribution");
    let share = firms.iter().filter(|f| f.level >= 2).count() as f64 / n as f64;
    close(
        &g["share_level2_plus"],
        Some(share),
        0.00005 + 1e-12,
        &format!("{what}: share ≥ 二级"),
    );
    let scores: Vec<f64> = firms.iter().map(|f| f.score).collect();
    check_distribution(
        &g["score"],
        &scores,
        model().score_points,
        &format!("{what}: score"),
    );
    let means = g["dimension_means"].as_array().unwrap();
    assert_eq!(means.len(), model().dimensions.len(), "{what}: dimensions");
    for (i, d) in model().dimensions.iter().enumerate() {
        let vals: Vec<f64> = firms.iter().filter_map(|f| f.dims[i]).collect();
        close(
            &means[i],
            mean(&vals),
            0.005 + 1e-9,
            &format!("{what}: mean of {}", d.id),
        );
    }
}

fn group_key(f: &Firm, by: &str) -> Vec<String> {
    match by {
        "province" => f.province.clone().into_iter().collect(),
        "industry" => f.industry.clone().into_iter().collect(),
        "size" => f.size.clone().into_iter().collect(),
        "tag" => f.tags.clone(),
        other => panic!("no key for {other}"),
    }
}

fn breakdown<'a>(summary: &'a Value, by: &str) -> &'a [Value] {
    summary["breakdowns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["by"] == by)
        .unwrap_or_else(|| panic!("no breakdown by {by}"))["groups"]
        .as_array()
        .unwrap()
}

fn find_group<'a>(summary: &'a Value, by: &str, key: &str) -> &'a Value {
    breakdown(summary, by)
        .iter()
        .find(|g| g["key"] == key)
        .unwrap_or_else(|| panic!("no {by} group {key}"))
}

/// Every figure of a summary written with `--min-group k` against the firms.
fn check_summary(s: &Value, firms: &[Firm], bys: &[&str], k: usize) {
    assert_eq!(s["records"].as_u64(), Some(firms.len() as u64), "records");
    assert_eq!(s["skipped"].as_u64(), Some(0), "skipped");
    assert_eq!(s["min_group"].as_u64(), Some(k as u64));
    let all: Vec<&Firm> = firms.iter().collect();
    check_group(&s["overall"], &all, "overall");
    for by in bys {
        let mut groups: BTreeMap<String, Vec<&Firm>> = BTreeMap::new();
        for f in firms {
            for key in group_key(f, by) {
                groups.entry(key).or_default().push(f);
            }
        }
        let keys: Vec<&str> = breakdown(s, by)
            .iter()
            .map(|g| g["key"].as_str().unwrap())
            .collect();
        assert_eq!(
            keys,
            groups.keys().map(String::as_str).collect::<Vec<_>>(),
            "groups by {by}"
        );
        for (key, members) in &groups {
            let g = find_group(s, by, key);
            if members.len() < k {
                assert_suppressed(g, &format!("{by} {key}"));
            } else {
                check_group(g, members, &format!("{by} {key}"));
            }
        }
    }
    // Dimensions with points, overall.
    let dims = s["dimensions"].as_array().unwrap();
    let with_points: Vec<(usize, &smedx::model::Node)> = model()
        .dimensions
        .iter()
        .enumerate()
        .filter(|(_, d)| d.points > 0.0)
        .collect();
    assert_eq!(dims.len(), with_points.len());
    for (m, (i, d)) in dims.iter().zip(with_points) {
        assert_eq!(m["id"], d.id.as_str());
        let vals: Vec<f64> = firms.iter().filter_map(|f| f.dims[i]).collect();
        check_distribution(
            &m["distribution"],
            &vals,
            d.points,
            &format!("dimension {}", d.id),
        );
    }
    // Indicators.
    let indicators = s["indicators"].as_array().unwrap();
    assert!(!indicators.is_empty());
    for m in indicators {
        let id = m["id"].as_str().unwrap();
        let vals: Vec<f64> = firms.iter().filter_map(|f| f.indicators[id]).collect();
        check_distribution(
            &m["distribution"],
            &vals,
            m["max"].as_f64().unwrap(),
            &format!("indicator {id}"),
        );
    }
    // Scenarios: grade counts, N/A, mean grade, constrained short of the next level.
    let scenarios = s["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), model().scenarios().count());
    for (j, x) in scenarios.iter().enumerate() {
        let id = x["id"].as_str().unwrap();
        let mut grades = [0u64; 5];
        let mut na = 0u64;
        for f in firms {
            assert_eq!(f.scenarios[j].0, id);
            match f.scenarios[j].1 {
                Some(g) => grades[usize::from(g.min(4))] += 1,
                None => na += 1,
            }
        }
        let got: Vec<u64> = x["grades"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap())
            .collect();
        assert_eq!(got, grades, "scenario {id}: grades");
        assert_eq!(x["not_applicable"].as_u64(), Some(na), "scenario {id}: N/A");
        let counted: u64 = grades.iter().sum();
        let weighted: u64 = grades.iter().enumerate().map(|(g, c)| g as u64 * c).sum();
        close(
            &x["mean_grade"],
            (counted > 0).then(|| weighted as f64 / counted as f64),
            0.005 + 1e-9,
            &format!("scenario {id}: mean grade"),
        );
        let short = firms
            .iter()
            .filter(|f| f.constrained_short.iter().any(|c| c == id))
            .count() as u64;
        assert_eq!(
            x["short_of_next_level"].as_u64(),
            Some(short),
            "scenario {id}: firms short of the next level"
        );
    }
}

fn assert_suppressed(g: &Value, what: &str) {
    assert_eq!(g["suppressed"], Value::Bool(true), "{what}: suppressed");
    for key in [
        "n",
        "levels",
        "share_level2_plus",
        "score",
        "dimension_means",
    ] {
        assert!(g[key].is_null(), "{what}: `{key}` shown: {}", g[key]);
    }
}

// ---------------------------------------------------------------------------------------------
// (a) Statistics against values computed here
// ---------------------------------------------------------------------------------------------

#[test]
fn fixture_firms_are_valid_and_varied() {
    let dir = TempDir::new("fixture");
    let firms = write_sheets(&dir, "sheets", &twelve());
    assert_eq!(firms.len(), 12);
    let levels: std::collections::BTreeSet<u8> = firms.iter().map(|f| f.level).collect();
    assert!(levels.len() >= 3, "levels spread: {levels:?}");
    let sizes: std::collections::BTreeSet<_> = firms.iter().map(|f| f.size.clone()).collect();
    assert_eq!(sizes.len(), 3, "size classes: {sizes:?}");
    let scores: std::collections::BTreeSet<i64> =
        firms.iter().map(|f| bin(f.score, 100.0)).collect();
    assert!(scores.len() >= 9, "level scores are varied: {scores:?}");
}

#[test]
fn statistics_match_independent_computation() {
    let dir = TempDir::new("stats");
    let firms = write_sheets(&dir, "sheets", &twelve());
    let out = dir.path("s.json");
    smedx(
        &[
            "aggregate",
            &dir.path("sheets"),
            "--by",
            "province,industry,size,tag",
            "--min-group",
            "1",
            "-o",
            &out,
        ],
        0,
    );
    let s = read_json(&out);
    check_summary(&s, &firms, &["province", "industry", "size", "tag"], 1);
    // Group counts of the fixture, as designed.
    assert_eq!(find_group(&s, "province", "33")["n"], 5);
    assert_eq!(find_group(&s, "province", "32")["n"], 4);
    assert_eq!(find_group(&s, "province", "41")["n"], 3);
    assert_eq!(find_group(&s, "tag", "专精特新")["n"], 4);
}

#[test]
fn statistics_with_the_default_minimum_group_suppress_only_small_groups() {
    let dir = TempDir::new("stats5");
    let firms = write_sheets(&dir, "sheets", &twelve());
    let out = dir.path("s.json");
    smedx(
        &[
            "aggregate",
            &dir.path("sheets"),
            "--by",
            "province,industry,size",
            "-o",
            &out,
        ],
        0,
    );
    let s = read_json(&out);
    check_summary(&s, &firms, &["province", "industry", "size"], 5);
    assert_suppressed(find_group(&s, "province", "32"), "province 32");
    assert_eq!(find_group(&s, "province", "33")["n"], 5);
}

#[test]
fn the_library_gives_the_same_summary_as_the_binary() {
    let dir = TempDir::new("lib");
    write_sheets(&dir, "sheets", &twelve());
    let out = dir.path("s.json");
    smedx(
        &[
            "aggregate",
            &dir.path("sheets"),
            "--by",
            "province,size",
            "--min-group",
            "3",
            "--no-demand",
            "-o",
            &out,
        ],
        0,
    );
    let cli = read_json(&out);
    let options = Options {
        by: vec![
            smedx::aggregate::Breakdown::Province,
            smedx::aggregate::Breakdown::Size,
        ],
        min_group: 3,
        named: false,
        follow_links: false,
        region: None,
        industry: None,
        roster: None,
        export: None,
    };
    let mut errors: Vec<RecordError> = Vec::new();
    let lib = smedx::aggregate::aggregate(
        model(),
        DemandSources {
            catalog: None,
            policies: &[],
        },
        &[Source(dir.0.join("sheets"))],
        &[],
        &options,
        &mut |e| errors.push(e),
        &|_| {},
    );
    assert!(errors.is_empty(), "{errors:?}");
    let lib = serde_json::to_value(&lib).unwrap();
    for key in [
        "records",
        "overall",
        "breakdowns",
        "dimensions",
        "scenarios",
        "peers",
    ] {
        assert_eq!(lib[key], cli[key], "{key}");
    }
}

// ---------------------------------------------------------------------------------------------
// (b) Suppression in every format; names only with --named
// ---------------------------------------------------------------------------------------------

/// Eight firms: six in 浙江 (33), two in 河南 (41).
fn six_and_two() -> Vec<Spec> {
    specs(&[
        (21, "auto", "330381", None, 0, &[]),
        (22, "elec", "330523", None, 0, &[]),
        (23, "food", "330106", None, -1, &[]),
        (24, "furn", "330523", None, 1, &[]),
        (25, "logi", "330381", Some("small"), 0, &[]),
        (26, "auto", "330106", Some("medium"), 2, &[]),
        (27, "food", "410108", None, 0, &[]),
        (28, "elec", "410108", Some("small"), -2, &[]),
    ])
}

/// The rows of the HTML table under the `<h3>` titled `heading`: each row's cells as text.
fn html_table(html: &Html, heading: &str) -> Vec<Vec<String>> {
    let h3 = Selector::parse("h3").unwrap();
    let tr = Selector::parse("tr").unwrap();
    let cell = Selector::parse("td, th").unwrap();
    let head = html
        .select(&h3)
        .find(|h| h.text().collect::<String>().trim() == heading)
        .unwrap_or_else(|| panic!("no <h3>{heading}</h3>"));
    let table = head
        .next_siblings()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "table")
        .unwrap_or_else(|| panic!("no table after <h3>{heading}</h3>"));
    table
        .select(&tr)
        .map(|r| {
            r.select(&cell)
                .map(|c| c.text().collect::<String>().trim().to_string())
                .collect()
        })
        .collect()
}

/// Every cell of every worksheet, as text, by sheet name.
fn xlsx_cells(path: &str) -> BTreeMap<String, Vec<Vec<String>>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    wb.worksheets()
        .into_iter()
        .map(|(name, range)| {
            let rows = range
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect();
            (name, rows)
        })
        .collect()
}

fn row_of<'a>(rows: &'a [Vec<String>], title: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r.first().is_some_and(|c| c == title))
        .unwrap_or_else(|| panic!("no row {title} in {rows:?}"))
}

#[test]
fn a_small_group_is_suppressed_in_json_html_and_xlsx() {
    let dir = TempDir::new("suppress");
    let firms = write_sheets(&dir, "sheets", &six_and_two());
    let sheets = dir.path("sheets");
    let base = [
        "aggregate",
        &sheets,
        "--by",
        "province",
        "--min-group",
        "5",
        "--lang",
        "en",
        "-o",
    ];
    let (json, html, xlsx) = (dir.path("s.json"), dir.path("s.html"), dir.path("s.xlsx"));
    for out in [&json, &html, &xlsx] {
        let mut args = base.to_vec();
        args.push(out);
        smedx(&args, 0);
    }
    // JSON.
    let s = read_json(&json);
    let big: Vec<&Firm> = firms
        .iter()
        .filter(|f| f.province.as_deref() == Some("33"))
        .collect();
    assert_eq!(big.len(), 6);
    let small = find_group(&s, "province", "41");
    assert_suppressed(small, "province 41");
    // With one group hidden, the other could be subtracted from the total: it is hidden too.
    let big_group = find_group(&s, "province", "33");
    assert_suppressed(big_group, "province 33 (secondary suppression)");
    assert_eq!(s["overall"]["n"], 8, "the total stays");
    let titles: Vec<String> = [big_group, small]
        .iter()
        .map(|g| g["title"]["en"].as_str().unwrap().to_string())
        .collect();

    // HTML: each row says suppressed and carries none of the group's figures.
    let page = Html::parse_document(&std::fs::read_to_string(&html).unwrap());
    let rows = html_table(&page, "Province");
    for title in &titles {
        let row = row_of(&rows, title);
        let text = row[1..].join(" ");
        assert!(text.contains("suppressed"), "{row:?}");
        assert!(
            !text.chars().any(|c| c.is_ascii_digit()),
            "the suppressed row shows figures: {row:?}"
        );
    }

    // XLSX.
    let cells = xlsx_cells(&xlsx);
    let sheet = cells
        .get("Province")
        .unwrap_or_else(|| panic!("no Province sheet: {:?}", cells.keys()));
    for title in &titles {
        let row = row_of(sheet, title);
        assert!(row[1].contains("suppressed"), "{row:?}");
        assert!(
            row[2..].iter().all(|c| c.is_empty()),
            "the suppressed row shows figures: {row:?}"
        );
    }
    let overview = &cells["Overview"];
    assert_eq!(row_of(overview, "Firms")[1], "8");
    let _ = big;
}

#[test]
fn the_benchmark_file_suppresses_small_peer_groups_too() {
    let dir = TempDir::new("suppress-bench");
    write_sheets(&dir, "sheets", &six_and_two());
    let bench = dir.path("bench.json");
    smedx(
        &[
            "aggregate",
            &dir.path("sheets"),
            "--min-group",
            "2",
            "--benchmark",
            &bench,
            "-o",
            &dir.path("s.json"),
        ],
        0,
    );
    let b = read_json(&bench);
    for p in b["peers"].as_array().unwrap() {
        if p["n"].is_null() {
            assert!(p["level_score"].is_null(), "{p}");
            assert_eq!(p["dimensions"], Value::Array(vec![]), "{p}");
        } else {
            assert!(p["n"].as_u64().unwrap() >= 2, "{p}");
        }
    }
}

fn firm_identities(firms: &[Firm]) -> Vec<String> {
    firms
        .iter()
        .flat_map(|f| [Some(f.name.clone()), f.code.clone()])
        .flatten()
        .collect()
}

/// A previous round of the eight firms: two of them higher then (so they went down since).
fn previous_round(dir: &TempDir) -> (Vec<Firm>, Vec<Firm>) {
    let current = write_sheets(dir, "current", &six_and_two());
    let mut earlier = six_and_two();
    earlier[0].delta += 2;
    earlier[6].delta += 2;
    let previous = write_sheets(dir, "previous", &earlier);
    (current, previous)
}

fn went_down(current: &[Firm], previous: &[Firm]) -> Vec<String> {
    let prev: HashMap<_, _> = previous.iter().map(|f| (f.code.clone(), f.level)).collect();
    current
        .iter()
        .filter(|f| prev.get(&f.code).is_some_and(|p| f.level < *p))
        .map(|f| f.name.clone())
        .collect()
}

#[test]
fn no_firm_name_or_code_appears_without_named() {
    let dir = TempDir::new("anon");
    let (current, previous) = previous_round(&dir);
    assert!(!went_down(&current, &previous).is_empty());
    let mut texts: Vec<(String, String)> = Vec::new();
    for (out, lang) in [
        ("s.json", "zh"),
        ("s.html", "zh"),
        ("s-en.html", "en"),
        ("s.xlsx", "zh"),
    ] {
        let run = smedx(
            &[
                "aggregate",
                &dir.path("current"),
                "--previous",
                &dir.path("previous"),
                "--min-group",
                "1",
                "--lang",
                lang,
                "--benchmark",
                &dir.path("bench.json"),
                "--force",
                "-o",
                &dir.path(out),
            ],
            0,
        );
        texts.push((format!("{out} stderr"), run.stderr));
        let text = if out.ends_with(".xlsx") {
            format!("{:?}", xlsx_cells(&dir.path(out)))
        } else {
            std::fs::read_to_string(dir.path(out)).unwrap()
        };
        texts.push((out.to_string(), text));
    }
    texts.push((
        "bench.json".into(),
        std::fs::read_to_string(dir.path("bench.json")).unwrap(),
    ));
    let run = smedx(
        &[
            "aggregate",
            &dir.path("current"),
            "--previous",
            &dir.path("previous"),
            "--min-group",
            "1",
        ],
        0,
    );
    texts.push(("terminal summary".into(), run.stdout));
    let s = read_json(&dir.path("s.json"));
    assert!(s["rounds"]["went_down"].as_u64().unwrap() >= 1);
    assert!(s["rounds"].get("went_down_firms").is_none());
    for id in firm_identities(&current) {
        for (what, text) in &texts {
            assert!(!text.contains(&id), "{id} appears in {what}");
        }
    }
}

#[test]
fn named_lists_the_firms_that_went_down() {
    let dir = TempDir::new("named");
    let (current, previous) = previous_round(&dir);
    let down = went_down(&current, &previous);
    assert!(!down.is_empty(), "the fixture has firms that went down");
    for out in ["s.json", "s.html"] {
        smedx(
            &[
                "aggregate",
                &dir.path("current"),
                "--previous",
                &dir.path("previous"),
                "--named",
                "-o",
                &dir.path(out),
            ],
            0,
        );
    }
    let s = read_json(&dir.path("s.json"));
    let r = &s["rounds"];
    assert_eq!(r["matched"], 8);
    assert_eq!(r["went_down"].as_u64(), Some(down.len() as u64));
    let mut listed: Vec<String> = r["went_down_firms"]
        .as_array()
        .expect("went_down_firms with --named")
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    listed.sort();
    let mut want = down.clone();
    want.sort();
    assert_eq!(listed, want);
    for f in r["went_down_firms"].as_array().unwrap() {
        let firm = current.iter().find(|c| c.name == f["name"]).unwrap();
        let before = previous.iter().find(|p| p.code == firm.code).unwrap();
        assert_eq!(f["credit_code"].as_str(), firm.code.as_deref());
        assert_eq!(f["from"].as_u64(), Some(u64::from(before.level)));
        assert_eq!(f["to"].as_u64(), Some(u64::from(firm.level)));
    }
    let html = std::fs::read_to_string(dir.path("s.html")).unwrap();
    for f in current.iter().filter(|f| down.contains(&f.name)) {
        assert!(html.contains(&f.name), "{} not listed in the HTML", f.name);
        assert!(html.contains(f.code.as_deref().unwrap()));
    }
    // Firms that did not go down are not named.
    for f in current.iter().filter(|f| !down.contains(&f.name)) {
        assert!(!html.contains(&f.name), "{} named in the HTML", f.name);
    }
}

// ---------------------------------------------------------------------------------------------
// (c) Two rounds
// ---------------------------------------------------------------------------------------------

/// The firms of a JSON Lines file, scored line by line by the library (code → level, score).
fn score_lines(path: &str) -> Vec<Firm> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| reference(&format!("{path}:{}", i + 1), l))
        .collect()
}

fn append_line(path: &str, line: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    writeln!(f, "{}", line.trim_end()).unwrap();
}

#[test]
fn two_rounds_match_by_credit_code() {
    const N: usize = 300;
    let dir = TempDir::new("rounds");
    let (r1, r2) = (dir.path("r1.jsonl"), dir.path("r2.jsonl"));
    let n = N.to_string();
    smedx(&["simulate", "--count", &n, "--seed", "11", "-o", &r1], 0);
    smedx(
        &[
            "simulate", "--count", &n, "--seed", "11", "--round", "2", "-o", &r2,
        ],
        0,
    );
    // One firm only in the previous round, one only in the current.
    let only_prev = smedx(&["simulate", "--count", "1", "--seed", "424242"], 0).stdout;
    let only_cur = smedx(
        &[
            "simulate", "--count", "1", "--seed", "515151", "--round", "2",
        ],
        0,
    )
    .stdout;
    append_line(&r1, &only_prev);
    append_line(&r2, &only_cur);

    let (prev, cur) = (score_lines(&r1), score_lines(&r2));
    assert_eq!((prev.len(), cur.len()), (N + 1, N + 1));
    let prev_by: HashMap<String, &Firm> =
        prev.iter().map(|f| (f.code.clone().unwrap(), f)).collect();
    assert_eq!(prev_by.len(), N + 1, "credit codes are unique");
    let mut matrix = [[0u64; 5]; 5];
    let (mut matched, mut down, mut change) = (0u64, 0u64, 0.0);
    for f in &cur {
        if let Some(p) = prev_by.get(f.code.as_ref().unwrap()) {
            matched += 1;
            matrix[usize::from(p.level)][usize::from(f.level)] += 1;
            change += f.score - p.score;
            down += u64::from(f.level < p.level);
        }
    }
    assert_eq!(matched, N as u64);
    // The second round is more mature on the whole, with a few going back.
    assert!(change > 0.0);

    for k in [1u64, 5] {
        let out = dir.path(&format!("rounds-{k}.json"));
        smedx(
            &[
                "aggregate",
                &r2,
                "--previous",
                &r1,
                "--min-group",
                &k.to_string(),
                "--no-demand",
                "-o",
                &out,
            ],
            0,
        );
        let s = read_json(&out);
        let r = &s["rounds"];
        assert_eq!(r["matched"].as_u64(), Some(N as u64), "k={k}");
        assert_eq!(r["only_current"], 1, "k={k}");
        assert_eq!(r["only_previous"], 1, "k={k}");
        assert_eq!(r["went_down"].as_u64(), Some(down), "k={k}");
        close(
            &r["mean_change_score"],
            Some(change / matched as f64),
            0.005 + 1e-4,
            "mean change",
        );
        let got = r["transitions"].as_array().unwrap();
        assert_eq!(got.len(), 5);
        let mut sum = 0;
        for (i, row) in got.iter().enumerate() {
            let row = row.as_array().unwrap();
            assert_eq!(row.len(), 5);
            for (j, c) in row.iter().enumerate() {
                let want = matrix[i][j];
                if want == 0 || want >= k {
                    assert_eq!(c.as_u64(), Some(want), "k={k}: transitions[{i}][{j}]");
                    sum += want;
                } else {
                    assert!(
                        c.is_null(),
                        "k={k}: transitions[{i}][{j}] = {c} not suppressed"
                    );
                }
            }
        }
        if k == 1 {
            assert_eq!(
                sum, matched,
                "the transition matrix sums to the matched count"
            );
        }
        // The round-2 summary itself matches the round-2 firms.
        check_group(&s["overall"], &cur.iter().collect::<Vec<_>>(), "round 2");
    }
}

// ---------------------------------------------------------------------------------------------
// (d) Corrupt lines
// ---------------------------------------------------------------------------------------------

/// Lines of a clean simulated file with bad ones inserted after line `at` (1-based line numbers of
/// the bad ones, with their expected codes).
fn corrupt_file(
    dir: &TempDir,
    name: &str,
    count: usize,
    at: usize,
) -> (String, String, Vec<(u64, &'static str)>) {
    let clean = dir.path(&format!("{name}.clean.jsonl"));
    smedx(
        &[
            "simulate",
            "--count",
            &count.to_string(),
            "--seed",
            "5",
            "-o",
            &clean,
        ],
        0,
    );
    let bytes = std::fs::read(&clean).unwrap();
    let lines: Vec<&[u8]> = bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), count);
    let mut wrong_option: Value = serde_json::from_slice(lines[1]).unwrap();
    wrong_option["answers"]["digital-planning"] = Value::from("Z");
    let mut unknown_item: Value = serde_json::from_slice(lines[2]).unwrap();
    unknown_item["answers"]["no-such-item"] = Value::from(2);
    let bad: Vec<(Vec<u8>, Option<&'static str>)> = vec![
        (
            br#"{"model": "sme-dx-2024", "profile": {"name": "#.to_vec(),
            Some("json-syntax"),
        ),
        (
            wrong_option.to_string().into_bytes(),
            Some("unknown-option"),
        ),
        (b"".to_vec(), None),
        (unknown_item.to_string().into_bytes(), Some("unknown-item")),
        (
            b"{\"model\":\"sme-dx-2024\",\"profile\":{\"name\":\"\xff\xfe\"}}".to_vec(),
            Some("*"),
        ),
    ];
    let mut out: Vec<u8> = Vec::new();
    let mut expected = Vec::new();
    let mut line_no = 0u64;
    let mut push = |out: &mut Vec<u8>, l: &[u8]| {
        out.extend_from_slice(l);
        out.push(b'\n');
        line_no += 1;
        line_no
    };
    for l in &lines[..at] {
        push(&mut out, l);
    }
    for (l, code) in &bad {
        let n = push(&mut out, l);
        if let Some(code) = code {
            expected.push((n, *code));
        }
    }
    for l in &lines[at..] {
        push(&mut out, l);
    }
    let path = dir.path(&format!("{name}.jsonl"));
    std::fs::write(&path, out).unwrap();
    (path, clean, expected)
}

fn check_errors_file(errors: &str, file: &str, expected: &[(u64, &str)]) {
    let text = std::fs::read_to_string(errors).unwrap_or_else(|e| panic!("{errors}: {e}"));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), expected.len(), "errors file:\n{text}");
    for ((line, code), got) in expected.iter().zip(&lines) {
        let loc = format!("{file}:{line}: ");
        assert!(got.starts_with(&loc), "expected {loc}…, got {got}");
        if *code != "*" {
            assert!(
                got.contains(&format!("[{code}]")),
                "expected [{code}] in {got}"
            );
        } else {
            assert!(
                got[loc.len()..].starts_with('[') && got.contains("] "),
                "no code in {got}"
            );
        }
    }
}

#[test]
fn corrupt_lines_are_skipped_counted_and_listed() {
    let dir = TempDir::new("corrupt");
    let (path, clean, expected) = corrupt_file(&dir, "firms", 40, 17);
    assert_eq!(expected.len(), 4);
    let (out, errors) = (dir.path("s.json"), dir.path("errors.txt"));
    let run = smedx(
        &[
            "aggregate",
            &path,
            "-o",
            &out,
            "--errors",
            &errors,
            "--lang",
            "en",
        ],
        0,
    );
    assert!(
        run.stderr.contains("4 bad record(s) skipped"),
        "stderr states the count: {}",
        run.stderr
    );
    let s = read_json(&out);
    assert_eq!(s["records"], 40);
    assert_eq!(s["skipped"], 4, "the empty line is not a record");
    check_errors_file(&errors, &path, &expected);
    // The bad lines changed nothing else.
    let clean_out = dir.path("clean.json");
    smedx(&["aggregate", &clean, "-o", &clean_out], 0);
    let c = read_json(&clean_out);
    for key in ["overall", "breakdowns", "dimensions", "scenarios", "demand"] {
        assert_eq!(s[key], c[key], "{key}");
    }
    // The HTML summary states the count too.
    let html = dir.path("s.html");
    smedx(&["aggregate", &path, "-o", &html, "--lang", "en"], 0);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("4 bad records skipped"),
        "HTML states the skipped count"
    );
    assert!(
        std::fs::metadata(format!("{html}.errors.txt")).is_ok(),
        "the default errors file sits next to the output"
    );
}

#[test]
fn strict_fails_and_writes_no_summary() {
    let dir = TempDir::new("strict");
    let (path, _, expected) = corrupt_file(&dir, "firms", 12, 6);
    for out in ["s.json", "s.html", "s.xlsx"] {
        let (out, errors, bench) = (
            dir.path(out),
            dir.path("errors.txt"),
            dir.path("bench.json"),
        );
        smedx(
            &[
                "aggregate",
                &path,
                "--strict",
                "-o",
                &out,
                "--errors",
                &errors,
                "--benchmark",
                &bench,
            ],
            2,
        );
        assert!(!Path::new(&out).exists(), "{out} written despite --strict");
        assert!(
            !Path::new(&bench).exists(),
            "benchmark written despite --strict"
        );
        check_errors_file(&errors, &path, &expected);
    }
    // A clean file passes --strict.
    let clean = dir.path("firms.clean.jsonl");
    smedx(
        &["aggregate", &clean, "--strict", "-o", &dir.path("ok.json")],
        0,
    );
}

#[test]
fn line_numbers_hold_across_chunk_boundaries() {
    // Records are handed to the workers 8192 at a time: put bad lines around the boundary.
    let dir = TempDir::new("chunks");
    let (path, _, expected) = corrupt_file(&dir, "firms", 8200, 8190);
    let errors = dir.path("errors.txt");
    let out = dir.path("s.json");
    smedx(
        &[
            "aggregate",
            &path,
            "--no-demand",
            "-o",
            &out,
            "--errors",
            &errors,
        ],
        0,
    );
    let s = read_json(&out);
    assert_eq!(
        (s["records"].as_u64(), s["skipped"].as_u64()),
        (Some(8200), Some(4))
    );
    check_errors_file(&errors, &path, &expected);
}

// ---------------------------------------------------------------------------------------------
// (e) simulate
// ---------------------------------------------------------------------------------------------

#[test]
fn simulate_is_deterministic_and_synthetic() {
    let dir = TempDir::new("simulate");
    let sim = |seed: &str, count: &str, name: &str| {
        let p = dir.path(name);
        smedx(&["simulate", "--count", count, "--seed", seed, "-o", &p], 0);
        std::fs::read(&p).unwrap()
    };
    let a = sim("42", "200", "a.jsonl");
    let b = sim("42", "200", "b.jsonl");
    let c = sim("43", "200", "c.jsonl");
    assert_eq!(a, b, "same seed, same bytes");
    assert_ne!(a, c, "another seed, another file");
    // Standard output gives the same bytes as -o.
    let stdout = run_smedx(&["simulate", "--count", "200", "--seed", "42"]);
    assert_eq!(stdout.stdout.as_bytes(), a.as_slice());
    // Firm i is the same whatever the count.
    let more = sim("42", "250", "more.jsonl");
    assert!(more.starts_with(&a));

    let text = String::from_utf8(a).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 200);
    let mut codes = std::collections::HashSet::new();
    for l in &lines {
        let v: Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["profile"]["synthetic"], Value::Bool(true), "{l}");
        assert_eq!(v["model"], "sme-dx-2024");
        assert!(codes.insert(v["profile"]["credit_code"].as_str().unwrap().to_string()));
    }
    // Seeds differ line by line, not just somewhere.
    let other = String::from_utf8(c).unwrap();
    let same = lines
        .iter()
        .zip(other.lines())
        .filter(|(x, y)| *x == y)
        .count();
    assert_eq!(same, 0, "lines identical across seeds");
}

#[test]
fn simulated_sheets_pass_validate() {
    let dir = TempDir::new("sim-valid");
    let path = dir.path("f.jsonl");
    smedx(
        &["simulate", "--count", "400", "--seed", "9", "-o", &path],
        0,
    );
    let text = std::fs::read_to_string(&path).unwrap();
    // A sample of lines as single files, through `smedx validate`.
    let mut files = Vec::new();
    for (i, l) in text.lines().enumerate().step_by(20) {
        files.push(dir.write(&format!("sheet{i:03}.json"), l));
    }
    let mut args = vec!["validate"];
    args.extend(files.iter().map(String::as_str));
    let run = smedx(&args, 0);
    assert!(!run.stdout.contains("error"), "{}", run.stdout);
    // Every line, through the library: nothing skipped, all synthetic.
    let mut errors = Vec::new();
    let s = smedx::aggregate::aggregate(
        model(),
        DemandSources {
            catalog: None,
            policies: &[],
        },
        &[Source(PathBuf::from(&path))],
        &[],
        &Options {
            by: vec![],
            min_group: 5,
            named: false,
            follow_links: false,
            region: None,
            industry: None,
            roster: None,
            export: None,
        },
        &mut |e| errors.push(e),
        &|_| {},
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!((s.records, s.skipped, s.synthetic), (400, 0, 400));
    // Realistic: several levels, regions, industries and sizes.
    let levels = s.overall.levels.unwrap();
    assert!(levels.iter().filter(|c| **c > 0).count() >= 3, "{levels:?}");
}

#[test]
fn simulated_levels_match_the_full_scorer() {
    // The aggregation scores with the fast path; the per-firm reference is the full scorer.
    let dir = TempDir::new("sim-levels");
    let path = dir.path("f.jsonl");
    smedx(
        &["simulate", "--count", "150", "--seed", "77", "-o", &path],
        0,
    );
    let out = dir.path("s.json");
    smedx(
        &[
            "aggregate",
            &path,
            "--by",
            "province,industry,size,tag",
            "--min-group",
            "1",
            "-o",
            &out,
        ],
        0,
    );
    let firms = score_lines(&path);
    check_summary(
        &read_json(&out),
        &firms,
        &["province", "industry", "size", "tag"],
        1,
    );
}

// ---------------------------------------------------------------------------------------------
// (f) Inputs of every kind in one run
// ---------------------------------------------------------------------------------------------

/// `smedx score --format json` of a sheet, on one line.
fn scored_line(path: &str) -> String {
    let run = smedx(&["score", "--format", "json", path], 0);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    serde_json::to_string(&v).unwrap()
}

#[test]
fn folders_scored_results_and_single_files_mix_in_one_run() {
    let dir = TempDir::new("mixed");
    let list = twelve();
    // Six sheets in a folder (one of them nested), four as scored results, two single files
    // (a YAML sheet and a simulated JSON sheet).
    let folder = write_sheets(&dir, "folder", &list[..5]);
    let nested = write_sheets(&dir, "folder/nested", &list[5..6]);
    let scored_sheets = write_sheets(&dir, "to-score", &list[6..10]);
    let singles = write_sheets(&dir, "singles", &list[10..11]);
    let results: Vec<String> = (0..4)
        .map(|i| scored_line(&dir.path(&format!("to-score/firm{i:02}.yaml"))))
        .collect();
    let results_path = dir.write("results.jsonl", &(results.join("\n") + "\n"));
    let yaml_single = dir.path("singles/firm00.yaml");
    // A single JSON sheet: one simulated firm.
    let json_line = smedx(&["simulate", "--count", "1", "--seed", "8"], 0).stdout;
    let json_single = dir.write("single.json", &json_line);
    let firms: Vec<Firm> = folder
        .into_iter()
        .chain(nested)
        .chain(scored_sheets)
        .chain(singles)
        .chain([reference(&json_single, &json_line)])
        .collect();
    assert_eq!(firms.len(), 12);
    let out = dir.path("s.json");
    smedx(
        &[
            "aggregate",
            &dir.path("folder"),
            &results_path,
            &yaml_single,
            &json_single,
            "--by",
            "province,industry,size",
            "--min-group",
            "1",
            "-o",
            &out,
        ],
        0,
    );
    let s = read_json(&out);
    check_summary(&s, &firms, &["province", "industry", "size"], 1);
}

#[test]
fn scored_results_give_the_same_statistics_as_their_sheets() {
    let dir = TempDir::new("scored");
    write_sheets(&dir, "sheets", &twelve());
    let lines: Vec<String> = (0..12)
        .map(|i| scored_line(&dir.path(&format!("sheets/firm{i:02}.yaml"))))
        .collect();
    let results = dir.write("results.jsonl", &(lines.join("\n") + "\n"));
    let run = |input: &str, out: &str| {
        let out = dir.path(out);
        smedx(
            &[
                "aggregate",
                input,
                "--by",
                "province,city,county,industry,size,tag",
                "--min-group",
                "2",
                "-o",
                &out,
            ],
            0,
        );
        read_json(&out)
    };
    let a = run(&dir.path("sheets"), "a.json");
    let b = run(&results, "b.json");
    for key in [
        "records",
        "overall",
        "breakdowns",
        "dimensions",
        "indicators",
        "scenarios",
        "weakest_constrained",
        "peers",
    ] {
        assert_eq!(a[key], b[key], "{key}");
    }
}

// ---------------------------------------------------------------------------------------------
// (g) Peer benchmark
// ---------------------------------------------------------------------------------------------

#[test]
fn benchmark_has_peer_percentiles_and_suppression() {
    let dir = TempDir::new("bench");
    // The twelve firms plus five more small C36 firms, so one peer group is large.
    let mut list = twelve();
    for (i, d) in [(31, -1), (32, 0), (33, 1), (34, 2), (35, -2)] {
        list.push(spec(i, "auto-parts-machining.yaml", "330381", None, d, &[]));
    }
    let firms = write_sheets(&dir, "sheets", &list);
    let bench = dir.path("bench.json");
    smedx(
        &[
            "aggregate",
            &dir.path("sheets"),
            "--benchmark",
            &bench,
            "-o",
            &dir.path("s.json"),
        ],
        0,
    );
    let b = read_json(&bench);
    assert_eq!(b["min_group"], 5);
    assert_eq!(b["firms"].as_u64(), Some(firms.len() as u64));
    assert_eq!(b["model"]["id"], "sme-dx-2024");
    let mut peers: BTreeMap<(String, String), Vec<&Firm>> = BTreeMap::new();
    for f in &firms {
        peers
            .entry((f.industry.clone().unwrap(), f.size.clone().unwrap()))
            .or_default()
            .push(f);
    }
    let got = b["peers"].as_array().unwrap();
    assert_eq!(got.len(), peers.len(), "{got:?}");
    let mut shown = 0;
    for ((industry, size), members) in &peers {
        let p = got
            .iter()
            .find(|p| p["industry"] == industry.as_str() && p["size"] == size.as_str())
            .unwrap_or_else(|| panic!("no peer group {industry} {size}"));
        if members.len() < 5 {
            assert!(p["n"].is_null(), "{p}");
            assert!(p["level_score"].is_null(), "{p}");
            assert_eq!(p["dimensions"], Value::Array(vec![]));
            continue;
        }
        shown += 1;
        assert_eq!(p["n"].as_u64(), Some(members.len() as u64));
        let pct = |values: &[f64], max: f64, obj: &Value, what: &str| {
            for (key, q) in [
                ("p10", 0.1),
                ("p25", 0.25),
                ("p50", 0.5),
                ("p75", 0.75),
                ("p90", 0.9),
            ] {
                close(
                    &obj[key],
                    nearest_rank(values, q, max),
                    1e-9,
                    &format!("{industry} {size} {what} {key}"),
                );
            }
        };
        let scores: Vec<f64> = members.iter().map(|f| f.score).collect();
        pct(&scores, 100.0, &p["level_score"], "level score");
        let dims = p["dimensions"].as_array().unwrap();
        let with_points: Vec<_> = model()
            .dimensions
            .iter()
            .enumerate()
            .filter(|(_, d)| d.points > 0.0)
            .collect();
        assert_eq!(dims.len(), with_points.len());
        for (pair, (i, d)) in dims.iter().zip(with_points) {
            assert_eq!(pair[0], d.id.as_str());
            let vals: Vec<f64> = members.iter().filter_map(|f| f.dims[i]).collect();
            pct(&vals, d.points, &pair[1], &d.id);
        }
    }
    assert_eq!(shown, 1, "exactly the C36 small group reaches five firms");
    // The summary carries the same peer groups, and a report can use the file.
    let s = read_json(&dir.path("s.json"));
    assert_eq!(s["peers"], b["peers"]);
    let sheet = dir.path("sheets/firm00.yaml");
    let run = smedx(
        &[
            "report",
            &sheet,
            "--benchmark",
            &bench,
            "-o",
            &dir.path("r.html"),
        ],
        0,
    );
    assert!(!run.stderr.contains("no peer group"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// Regressions: defects found while writing these tests, all fixed (none is ignored)
// ---------------------------------------------------------------------------------------------

/// A scored result whose profile says `industry: ""`, `industry: 制造` or `region: 北京` is aggregated
/// without a crash (`Breakdown::keys` in src/aggregate/mod.rs once sliced bytes of unchecked text; it
/// now keys only 6-digit regions and non-empty ASCII industry codes, so such a firm is left out of
/// that breakdown).
#[test]
fn odd_profiles_in_scored_results_are_bad_records_not_crashes() {
    let dir = TempDir::new("bug-slice");
    let sheet = dir.write(
        "s.yaml",
        &sheet_text(&spec(1, "furniture-workshop.yaml", "330523", None, 0, &[])),
    );
    let good: Value = serde_json::from_str(&scored_line(&sheet)).unwrap();
    for (key, value) in [("industry", ""), ("industry", "制造"), ("region", "北京")] {
        let mut bad = good.clone();
        bad["profile"][key] = Value::from(value);
        let path = dir.write("r.jsonl", &format!("{good}\n{bad}\n"));
        let run = run_smedx(&["aggregate", &path, "-o", &dir.path("s.json"), "--force"]);
        assert!(
            !run.stderr.contains("panicked") && run.code == 0,
            "{key}: {value:?}: exit {}\n{}",
            run.code,
            run.stderr
        );
    }
}

#[test]
fn a_credit_code_twice_in_one_round_does_not_break_matching() {
    let dir = TempDir::new("bug-dup");
    let one = smedx(&["simulate", "--count", "1", "--seed", "3"], 0).stdout;
    let prev = dir.write("prev.jsonl", &one);
    let cur = dir.write("cur.jsonl", &format!("{one}{one}"));
    let out = dir.path("s.json");
    let run = run_smedx(&[
        "aggregate",
        &cur,
        "--previous",
        &prev,
        "--min-group",
        "1",
        "-o",
        &out,
    ]);
    assert!(
        run.code == 0 && !run.stderr.contains("panicked"),
        "exit {}: {}",
        run.code,
        run.stderr
    );
    let s = read_json(&out);
    let only_previous = s["rounds"]["only_previous"].as_u64().unwrap();
    assert!(only_previous <= 1, "only_previous = {only_previous}");
}

#[test]
fn a_breakdown_named_twice_counts_each_firm_once() {
    let dir = TempDir::new("bug-by");
    let path = dir.path("f.jsonl");
    smedx(
        &["simulate", "--count", "30", "--seed", "1", "-o", &path],
        0,
    );
    let out = dir.path("s.json");
    smedx(
        &[
            "aggregate",
            &path,
            "--by",
            "size,size",
            "--min-group",
            "1",
            "-o",
            &out,
        ],
        0,
    );
    let s = read_json(&out);
    for b in s["breakdowns"].as_array().unwrap() {
        let total: u64 = b["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["n"].as_u64().unwrap())
            .sum();
        assert_eq!(total, 30, "firms counted per size breakdown");
    }
    smedx(
        &[
            "aggregate",
            &path,
            "--by",
            "size,size",
            "-o",
            &dir.path("s.xlsx"),
        ],
        0,
    );
}

#[test]
fn a_tag_written_twice_counts_the_firm_once() {
    let dir = TempDir::new("bug-tag");
    let one = smedx(&["simulate", "--count", "1", "--seed", "3"], 0).stdout;
    let mut v: Value = serde_json::from_str(&one).unwrap();
    v["profile"]["tags"] = serde_json::json!(["专精特新", "专精特新"]);
    let path = dir.write("f.jsonl", &format!("{v}\n"));
    let out = dir.path("s.json");
    smedx(
        &[
            "aggregate",
            &path,
            "--by",
            "tag",
            "--min-group",
            "1",
            "-o",
            &out,
        ],
        0,
    );
    let s = read_json(&out);
    assert_eq!(s["records"], 1);
    assert_eq!(find_group(&s, "tag", "专精特新")["n"], 1);
}

#[test]
fn suppressed_transition_cells_read_less_than_k_in_html() {
    let dir = TempDir::new("bug-lt");
    let (r1, r2) = (dir.path("r1.jsonl"), dir.path("r2.jsonl"));
    smedx(&["simulate", "--count", "30", "--seed", "2", "-o", &r1], 0);
    smedx(
        &[
            "simulate", "--count", "30", "--seed", "2", "--round", "2", "-o", &r2,
        ],
        0,
    );
    let html = dir.path("s.html");
    smedx(
        &[
            "aggregate",
            &r2,
            "--previous",
            &r1,
            "--lang",
            "en",
            "-o",
            &html,
        ],
        0,
    );
    let page = Html::parse_document(&std::fs::read_to_string(&html).unwrap());
    let td = Selector::parse("td").unwrap();
    let cells: Vec<String> = page
        .select(&td)
        .map(|c| c.text().collect::<String>())
        .filter(|t| t.contains("lt;") || t.starts_with('<'))
        .collect();
    assert!(!cells.is_empty(), "some transition cell is suppressed");
    for c in cells {
        assert_eq!(c, "<5", "a suppressed cell reads {c:?}");
    }
}

#[test]
fn a_suppressed_total_hides_every_per_firm_figure() {
    let dir = TempDir::new("bug-total");
    let firms = write_sheets(&dir, "sheets", &six_and_two()[..1]);
    let out = dir.path("s.json");
    smedx(&["aggregate", &dir.path("sheets"), "-o", &out], 0);
    let s = read_json(&out);
    assert_suppressed(&s["overall"], "overall");
    // With one firm, the dimension "distribution" is that firm's scores.
    let foundation = firms[0].dims[0].unwrap();
    for m in s["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .chain(s["indicators"].as_array().unwrap())
    {
        assert!(
            m["distribution"]["max"].is_null(),
            "{} shows {} (the firm's foundation score is {foundation})",
            m["id"],
            m["distribution"]
        );
    }
    for x in s["scenarios"].as_array().unwrap() {
        let total: u64 = x["grades"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap_or(0))
            .sum();
        assert_eq!(total, 0, "scenario {} shows the firm's grade", x["id"]);
    }
}

#[test]
fn a_clean_run_leaves_no_stale_errors_file() {
    let dir = TempDir::new("bug-stale");
    let (path, clean, _) = corrupt_file(&dir, "firms", 10, 5);
    let (out, errors) = (dir.path("s.json"), dir.path("errors.txt"));
    smedx(&["aggregate", &path, "-o", &out, "--errors", &errors], 0);
    assert!(Path::new(&errors).exists());
    // Replacing the outputs of the first run takes --force (smedx never replaces a file unasked).
    smedx(
        &[
            "aggregate",
            &clean,
            "-o",
            &out,
            "--errors",
            &errors,
            "--force",
        ],
        0,
    );
    let left = std::fs::read_to_string(&errors).unwrap_or_default();
    assert!(
        left.trim().is_empty(),
        "after a clean run the errors file still lists:\n{left}"
    );
}

// ---------------------------------------------------------------------------------------------
// CSV batches as input
// ---------------------------------------------------------------------------------------------

#[test]
fn csv_batches_are_aggregated_and_bad_rows_listed() {
    let m = model();
    let mut sheets = Vec::new();
    for name in [
        "auto-parts-machining",
        "electronics-assembler",
        "food-processor",
    ] {
        let src =
            SourceFile::read(&crate_root().join(EXAMPLES).join(format!("{name}.yaml"))).unwrap();
        let node = smedx::answers::load_sheet(&src).unwrap();
        sheets.push(smedx::answers::check_sheet(m, &node, &src).sheet.unwrap());
    }
    let mut csv = smedx::collect::write_csv(m, smedx::text::Lang::Zh, &sheets);
    // A row with a wrong option: the first data row again, its info-system answer replaced.
    let rows: Vec<&str> = csv.lines().collect();
    let header: Vec<&str> = rows[0].trim_start_matches('\u{feff}').split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "info-system-coverage")
        .unwrap();
    let data_row = rows
        .iter()
        .position(|r| r.contains("91330381MA2H8C3NXF"))
        .unwrap();
    let mut bad: Vec<String> = rows[data_row].split(',').map(str::to_string).collect();
    bad[col] = "Z".into();
    csv.push_str(&bad.join(","));
    csv.push('\n');
    let dir = TempDir::new("csv");
    let file = dir.write("batch.csv", &csv);
    let out = dir.path("s.json");
    let errors = dir.path("errors.txt");
    smedx(
        &[
            "aggregate",
            &file,
            "--min-group",
            "1",
            "-o",
            &out,
            "--errors",
            &errors,
        ],
        0,
    );
    let s = read_json(&out);
    assert_eq!(s["records"], 3);
    assert_eq!(s["skipped"], 1);
    let listed = std::fs::read_to_string(&errors).unwrap();
    assert!(
        listed.contains("batch.csv:") && listed.contains("unknown-option"),
        "{listed}"
    );
    // The same three firms read from their YAML sheets give the same figures.
    let yaml_dir = TempDir::new("csv-yaml");
    for name in [
        "auto-parts-machining",
        "electronics-assembler",
        "food-processor",
    ] {
        yaml_dir.write(
            &format!("{name}.yaml"),
            &std::fs::read_to_string(crate_root().join(EXAMPLES).join(format!("{name}.yaml")))
                .unwrap(),
        );
    }
    // Outside the input folder: a summary inside it would be read back as an input.
    let out2 = dir.path("s2.json");
    smedx(
        &[
            "aggregate",
            yaml_dir.0.to_str().unwrap(),
            "--min-group",
            "1",
            "-o",
            &out2,
        ],
        0,
    );
    let s2 = read_json(&out2);
    assert_eq!(s["overall"], s2["overall"]);
    assert_eq!(s["dimensions"], s2["dimensions"]);
}

#[test]
fn an_overlong_line_is_refused_without_stopping_the_run() {
    let dir = TempDir::new("long-line");
    let path = dir.path("f.jsonl");
    smedx(&["simulate", "--count", "6", "--seed", "3", "-o", &path], 0);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.insert(3, format!("{{\"x\": \"{}\"}}", "a".repeat(3 << 20)));
    let file = dir.write("g.jsonl", &(lines.join("\n") + "\n"));
    let out = dir.path("s.json");
    let errors = dir.path("e.txt");
    smedx(
        &[
            "aggregate",
            &file,
            "--min-group",
            "1",
            "-o",
            &out,
            "--errors",
            &errors,
        ],
        0,
    );
    let s = read_json(&out);
    assert_eq!(
        (s["records"].as_u64(), s["skipped"].as_u64()),
        (Some(6), Some(1))
    );
    let listed = std::fs::read_to_string(&errors).unwrap();
    assert!(
        listed.contains("g.jsonl:4:") && listed.contains("bytes long"),
        "{listed}"
    );
}

/// The office summary names regions to county level and industries by 门类 and 大类, in Chinese and
/// in English (which keeps the Chinese names), never a province name with a bare code.
#[test]
fn the_office_summary_names_regions_and_industries() {
    let dir = TempDir::new("names");
    for (out, lang) in [("s.html", "zh"), ("s-en.html", "en"), ("s.json", "zh")] {
        smedx(
            &[
                "aggregate",
                EXAMPLES,
                "--by",
                "province,city,county,industry",
                "--min-group",
                "1",
                "--lang",
                lang,
                "-o",
                &dir.path(out),
            ],
            0,
        );
        let text = std::fs::read_to_string(dir.path(out)).unwrap();
        for name in [
            "浙江省温州市瑞安市",
            "浙江省温州市",
            "江苏省苏州市昆山市",
            "广东省中山市",
            "36 汽车制造业",
        ] {
            assert!(text.contains(name), "{out}: no {name}");
        }
        assert!(
            !text.contains("浙江省3303") && !text.contains("江苏省3205"),
            "{out}: a province with a bare code"
        );
        assert!(
            !text.contains("已撤销或未知"),
            "{out}: every sample's code is known"
        );
    }
}

/// A line that is not UTF-8 is listed in the reader's language: Chinese under a Chinese locale,
/// English under an English one.
#[test]
fn a_line_that_is_not_utf8_is_listed_in_the_readers_language() {
    let dir = TempDir::new("not-utf8-line");
    let path = dir.path("bad.jsonl");
    std::fs::write(&path, b"{\"answers\": \xff}\n").unwrap();
    let listed = |locale: &str| {
        let out = Command::cargo_bin("smedx")
            .expect("the smedx binary is built")
            .env("RUST_BACKTRACE", "0")
            .env("LC_ALL", locale)
            .args(["aggregate", path.as_str(), "-o"])
            .arg(dir.path(&format!("{locale}.json")))
            .output()
            .expect("smedx runs");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let zh = listed("zh_CN.UTF-8");
    assert!(
        zh.contains("[wrong-encoding] 这一行不是 UTF-8 文本"),
        "{zh}"
    );
    let en = listed("en_US.UTF-8");
    assert!(
        en.contains("[wrong-encoding] this line is not UTF-8 text"),
        "{en}"
    );
}
