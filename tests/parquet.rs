//! The Parquet export: `smedx aggregate --export` and `smedx dump --format parquet` write one row per
//! counted firm with typed columns and the schema version; names only with `--named`, otherwise a
//! salted firm key that joins rounds; and DuckDB running the queries of docs/analysis.md over the
//! file reproduces the figures of `smedx aggregate` (`scripts/parquet-compare.py`).
//!
//! The DuckDB test needs the Python package (`.ci/install-duckdb.sh`); in CI (`CI` set) it fails
//! rather than skips when DuckDB is missing.

use assert_cmd::Command;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::path::{Path, PathBuf};

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run smedx; it must exit with `expect`. Standard error is returned.
fn smedx(args: &[&str], expect: i32) -> String {
    let out = Command::cargo_bin("smedx")
        .expect("the smedx binary is built")
        .env("RUST_BACKTRACE", "0")
        .args(args)
        .output()
        .expect("smedx runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(expect),
        "smedx {args:?}\nstderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The file's column names, row count and key–value metadata.
struct Read {
    columns: Vec<String>,
    rows: usize,
    meta: Vec<(String, String)>,
    batches: Vec<arrow_array::RecordBatch>,
}

fn read(path: &Path) -> Read {
    let file = std::fs::File::open(path).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let meta = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|kv| (kv.key, kv.value.unwrap_or_default()))
        .collect();
    let columns = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let batches: Vec<_> = builder.build().unwrap().map(Result::unwrap).collect();
    Read {
        columns,
        rows: batches.iter().map(|b| b.num_rows()).sum(),
        meta,
        batches,
    }
}

impl Read {
    fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A text column's values over all batches.
    fn text(&self, column: &str) -> Vec<Option<String>> {
        use arrow_array::Array;
        let mut out = Vec::new();
        for b in &self.batches {
            let a = b.column_by_name(column).expect(column);
            let a = a
                .as_any()
                .downcast_ref::<arrow_array::StringArray>()
                .expect("a text column");
            for i in 0..a.len() {
                out.push((!a.is_null(i)).then(|| a.value(i).to_string()));
            }
        }
        out
    }
}

fn simulate(dir: &Path, n: u32) -> PathBuf {
    let firms = dir.join("firms.jsonl");
    smedx(
        &[
            "simulate",
            "-n",
            &n.to_string(),
            "--seed",
            "7",
            "-o",
            s(&firms),
        ],
        0,
    );
    firms
}

fn salt(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn summary(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_export_has_a_typed_row_per_counted_firm_and_no_names_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let firms = simulate(dir.path(), 300);
    // Three firms twice: only the later record of each counts, so the export restarts after the
    // first pass and must hold 300 rows, not 303.
    let text = std::fs::read_to_string(&firms).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let repeated: Vec<&str> = lines[..3].to_vec();
    lines.extend(repeated);
    std::fs::write(&firms, lines.join("\n") + "\n").unwrap();
    let salt_a = salt(
        dir.path(),
        "salt-a.txt",
        "a salt of this office, kept safe\n",
    );
    let out = dir.path().join("summary.json");
    let export = dir.path().join("firms.parquet");
    smedx(
        &[
            "aggregate",
            s(&firms),
            "-o",
            s(&out),
            "--export",
            s(&export),
            "--salt-file",
            s(&salt_a),
        ],
        0,
    );
    let sum = summary(&out);
    assert_eq!(sum["records"], 300);
    assert_eq!(sum["duplicates"], 3);
    let file = read(&export);
    assert_eq!(file.rows, 300);
    assert_eq!(file.meta("smedx.schema_version"), Some("2"));
    assert_eq!(file.meta("smedx.model_id"), Some("sme-dx-2024"));
    assert_eq!(file.meta("smedx.named"), Some("false"));
    for c in [
        "round",
        "firm_key",
        "region_name",
        "industry_name",
        "size_class",
        "above_scale",
        "score",
        "level",
        "points_short",
        "dim_foundation",
        "ind_equipment_systems",
    ] {
        assert!(file.columns.contains(&c.to_string()), "no column {c}");
    }
    assert!(file.columns.iter().any(|c| c.starts_with("scn_")));
    assert!(!file.columns.contains(&"name".to_string()));
    assert!(!file.columns.contains(&"credit_code".to_string()));
    // No credit code appears anywhere in the file; each firm has its own key.
    let bytes = std::fs::read(&export).unwrap();
    let code = text
        .split("\"credit_code\":\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap()
        .to_string();
    assert_eq!(code.len(), 18);
    assert!(!bytes.windows(18).any(|w| w == code.as_bytes()));
    let keys = file.text("firm_key");
    let distinct: std::collections::HashSet<_> = keys.iter().flatten().collect();
    assert_eq!(distinct.len(), 300);
    assert!(
        file.text("round")
            .iter()
            .all(|r| r.as_deref().is_some_and(|r| r.len() == 4))
    );

    // The same salt gives the same keys in another round's file; another salt other keys.
    let again = dir.path().join("again.parquet");
    smedx(
        &[
            "aggregate",
            s(&firms),
            "--export",
            s(&again),
            "--salt-file",
            s(&salt_a),
            "--round",
            "2026 第二轮",
        ],
        0,
    );
    let again = read(&again);
    assert_eq!(again.text("firm_key"), keys);
    assert!(
        again
            .text("round")
            .iter()
            .all(|r| r.as_deref() == Some("2026 第二轮"))
    );
    let other = dir.path().join("other.parquet");
    let salt_b = salt(dir.path(), "salt-b.txt", "another office's salt, kept safe");
    smedx(
        &[
            "aggregate",
            s(&firms),
            "--export",
            s(&other),
            "--salt-file",
            s(&salt_b),
        ],
        0,
    );
    let other = read(&other);
    assert!(
        other
            .text("firm_key")
            .iter()
            .zip(&keys)
            .all(|(a, b)| a != b)
    );
}

#[test]
fn names_only_with_named_and_a_short_salt_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let firms = simulate(dir.path(), 20);
    let named = dir.path().join("named.parquet");
    let note = smedx(
        &[
            "aggregate",
            s(&firms),
            "--export",
            s(&named),
            "--named",
            "--lang",
            "en",
        ],
        0,
    );
    assert!(!note.contains("no --salt-file"), "{note}");
    let file = read(&named);
    assert_eq!(file.rows, 20);
    assert!(!file.columns.contains(&"firm_key".to_string()));
    let codes = file.text("credit_code");
    assert!(
        codes
            .iter()
            .all(|c| c.as_ref().is_some_and(|c| c.len() == 18))
    );
    assert!(file.text("name").iter().all(|n| n.is_some()));

    // Without a salt and without --named: no key at all, and the user is told.
    let bare = dir.path().join("bare.parquet");
    let note = smedx(
        &["aggregate", s(&firms), "--export", s(&bare), "--lang", "en"],
        0,
    );
    assert!(note.contains("no --salt-file"), "{note}");
    let file = read(&bare);
    for c in ["firm_key", "name", "credit_code"] {
        assert!(!file.columns.contains(&c.to_string()), "{c}");
    }

    let short = salt(dir.path(), "short.txt", "abc\n");
    let refused = dir.path().join("refused.parquet");
    let err = smedx(
        &[
            "aggregate",
            s(&firms),
            "--export",
            s(&refused),
            "--salt-file",
            s(&short),
            "--lang",
            "en",
        ],
        2,
    );
    assert!(err.contains("salt-too-short"), "{err}");
    assert!(err.contains("3 byte"), "{err}");
    assert!(!refused.exists());
    // An existing export is kept without --force.
    let err = smedx(&["aggregate", s(&firms), "--export", s(&named)], 2);
    assert!(err.contains("output-exists"), "{err}");
}

#[test]
fn dump_writes_the_stored_submissions_scored() {
    use smedx::serve::storage::{NewSubmission, SqliteStorage, Storage};
    let dir = tempfile::tempdir().unwrap();
    let firms = simulate(dir.path(), 12);
    let db = dir.path().join("smedx.db");
    let storage = SqliteStorage::open(&db).unwrap();
    for (i, line) in std::fs::read_to_string(&firms).unwrap().lines().enumerate() {
        let sub = NewSubmission {
            model_id: "sme-dx-2024".into(),
            model_version: "2024.1".into(),
            region: None,
            industry: None,
            size: None,
            sheet: line.to_string(),
        };
        storage
            .submit(&format!("firm-{i}"), &sub, 1_780_000_000)
            .unwrap();
    }
    // A submission of another model is left out, and said so.
    let other = NewSubmission {
        model_id: "another-model".into(),
        model_version: "1".into(),
        region: None,
        industry: None,
        size: None,
        sheet: "{}".into(),
    };
    storage.submit("firm-other", &other, 1_780_000_000).unwrap();
    drop(storage);
    let out = dir.path().join("dump.parquet");
    let salt = salt(dir.path(), "salt.txt", "a salt of this office, kept safe");
    let said = smedx(
        &[
            "dump",
            "--db",
            s(&db),
            "--format",
            "parquet",
            "-o",
            s(&out),
            "--salt-file",
            s(&salt),
            "--lang",
            "en",
        ],
        0,
    );
    assert!(said.contains("Wrote 12 scored firm(s)"), "{said}");
    assert!(said.contains("1 submission(s) of other models"), "{said}");
    let file = read(&out);
    assert_eq!(file.rows, 12);
    // The same firms through aggregate give the same keys and levels.
    let agg = dir.path().join("agg.parquet");
    smedx(
        &[
            "aggregate",
            s(&firms),
            "--export",
            s(&agg),
            "--salt-file",
            s(&salt),
        ],
        0,
    );
    let agg = read(&agg);
    let mut a = file.text("firm_key");
    let mut b = agg.text("firm_key");
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

#[test]
fn above_scale_is_the_office_classification_of_its_headline() {
    use arrow_array::{Array, BooleanArray, Int8Array};
    let dir = tempfile::tempdir().unwrap();
    let firms = simulate(dir.path(), 600);
    // Declared tags win over revenue either way; a firm without revenue is not known.
    let text = std::fs::read_to_string(&firms).unwrap();
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut sheet: serde_json::Value = serde_json::from_str(line).unwrap();
        let profile = sheet["profile"].as_object_mut().unwrap();
        match i % 10 {
            0 => {
                profile.insert("tags".into(), serde_json::json!(["规下"]));
                profile.insert("revenue".into(), serde_json::json!(90000));
            }
            1 => {
                profile.insert("tags".into(), serde_json::json!(["专精特新", "规上"]));
                profile.insert("revenue".into(), serde_json::json!(10));
            }
            2 => {
                profile.remove("revenue");
            }
            _ => {}
        }
        lines.push(sheet.to_string());
    }
    std::fs::write(&firms, lines.join("\n") + "\n").unwrap();
    let out = dir.path().join("summary.json");
    let export = dir.path().join("firms.parquet");
    smedx(
        &[
            "aggregate",
            s(&firms),
            "-o",
            s(&out),
            "--export",
            s(&export),
        ],
        0,
    );
    let file = read(&export);
    let sizes = file.text("size_class");
    let (mut scale, mut levels) = (Vec::new(), Vec::new());
    for b in &file.batches {
        let a = b.column_by_name("above_scale").unwrap();
        let a = a.as_any().downcast_ref::<BooleanArray>().unwrap();
        scale.extend((0..a.len()).map(|i| (!a.is_null(i)).then(|| a.value(i))));
        let l = b.column_by_name("level").unwrap();
        let l = l.as_any().downcast_ref::<Int8Array>().unwrap();
        levels.extend((0..l.len()).map(|i| l.value(i)));
    }
    // The headline counts SMEs (large firms apart); its target is 二级.
    let count = |want: Option<bool>| {
        let smes = scale
            .iter()
            .zip(&levels)
            .zip(&sizes)
            .filter(|((x, _), size)| **x == want && size.as_deref() != Some("large"));
        let n = smes.clone().count() as u64;
        (n, smes.filter(|((_, l), _)| **l >= 2).count() as u64)
    };
    let head = &summary(&out)["headline"]["all"];
    let (above, above_at) = count(Some(true));
    let (below, below_at) = count(Some(false));
    let (unknown, _) = count(None);
    assert!(
        above >= 60 && below >= 60 && unknown >= 60,
        "{above} {below} {unknown}"
    );
    assert_eq!(head["above_scale"]["n"], above);
    assert_eq!(head["above_scale"]["at_target"], above_at);
    assert_eq!(head["below_scale"]["n"], below);
    assert_eq!(head["below_scale"]["at_target"], below_at);
    assert_eq!(head["unknown_scale"], unknown);
    // The declared tag won: every firm tagged 规下 (with a revenue far above any threshold) is
    // below, every one tagged 规上 (with almost none) above.
    for (i, x) in scale.iter().enumerate() {
        match i % 10 {
            0 => assert_eq!(*x, Some(false), "row {i}"),
            1 => assert_eq!(*x, Some(true), "row {i}"),
            2 => assert_eq!(*x, None, "row {i}"),
            _ => {}
        }
    }
}

/// `python3` with the duckdb package, if installed.
fn duckdb_python() -> bool {
    let found = std::process::Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "the duckdb Python package is missing in CI: .ci/install-duckdb.sh installs it"
        );
        eprintln!("SKIPPED: python3 -c 'import duckdb' failed; run .ci/install-duckdb.sh");
    }
    found
}

fn compare(export: &Path, summary: &Path) -> (bool, String) {
    let out = std::process::Command::new("python3")
        .arg(crate_root().join("scripts/parquet-compare.py"))
        .arg(export)
        .arg(summary)
        .arg(crate_root().join("docs/analysis.md"))
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn duckdb_over_the_export_gives_the_figures_of_aggregate() {
    if !duckdb_python() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let firms = simulate(dir.path(), 3000);
    let out = dir.path().join("summary.json");
    let export = dir.path().join("firms.parquet");
    smedx(
        &[
            "aggregate",
            s(&firms),
            "-o",
            s(&out),
            "--export",
            s(&export),
        ],
        0,
    );
    let (ok, text) = compare(&export, &out);
    assert!(ok, "{text}");
    let compared: u32 = text
        .split("figures compared: ")
        .nth(1)
        .and_then(|t| t.split(';').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    // Levels, headline, provinces, sizes, 13 dimensions and indicators, 16 scenarios.
    assert!(compared > 100, "{text}");
    assert!(text.contains("different: 0"), "{text}");

    // The comparison sees a figure that is off by one bin.
    let mut changed = summary(&out);
    let median = changed["overall"]["score"]["median"].as_f64().unwrap();
    changed["overall"]["score"]["median"] =
        serde_json::json!(((median * 10.0).round() + 1.0) / 10.0);
    let wrong = dir.path().join("wrong.json");
    std::fs::write(&wrong, changed.to_string()).unwrap();
    let (ok, text) = compare(&export, &wrong);
    assert!(!ok, "{text}");
    assert!(text.contains("MISMATCH score median"), "{text}");
}
