//! Diagnostics of the real `smedx` binary on broken inputs (`tests/fixtures/broken/*`).
//!
//! Every fixture holds one kind of problem (a few hold several, to show they are all reported at
//! once). For each, `smedx validate PATH` is run from the crate root, so the paths in the output are
//! relative and stable, and its exit status, standard error and standard output are snapshotted.
//!
//! Snapshots (in `tests/snapshots/diagnostics/`): `INSTA_UPDATE=always cargo test --test diagnostics`
//! (or `cargo insta review`).
//!
//! Why not `insta::glob!`: it needs insta's `glob` feature, which Cargo.toml does not enable (and its
//! `globset` dependency is not in the lock file). `for_each_fixture` does what `glob!` does for one
//! directory — `input_file` and `snapshot_suffix` are set the same way, so the snapshot files are
//! named `diagnostics__NAME@FIXTURE.snap` exactly as `glob!` would name them, and failures are
//! collected and reported at the end. With `insta = { version = "1", features = ["glob"] }` the
//! helper can be replaced by `insta::glob!("fixtures/broken/*", |path| ...)` without renaming a
//! snapshot.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

const FIXTURES: &str = "tests/fixtures/broken";

/// Fixtures with warnings only (or nothing at all): `validate` must exit 0.
const PASSING: &[&str] = &[
    "answers-bom-crlf-valid.yaml",
    "answers-not-applicable.yaml",
    "model-levels-not-monotonic.yaml",
    "model-missing-translation.yaml",
];

/// Fixtures whose `--format json` output is snapshotted too.
const JSON_SNAPSHOTS: &[&str] = &[
    "answers-gbk.yaml",
    "answers-json-one-error.json",
    "answers-out-of-range.yaml",
    "model-five-mistakes.yaml",
];

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Run smedx in English (`LANG=en_US.UTF-8`): most tests here read the English output.
fn smedx(args: &[&str]) -> Run {
    smedx_in("en_US.UTF-8", args)
}

/// Run smedx with the locale `LANG=locale` (and no `LC_ALL`/`LC_MESSAGES` to override it).
fn smedx_in(locale: &str, args: &[&str]) -> Run {
    let out = Command::cargo_bin("smedx")
        .expect("the smedx binary is built")
        .current_dir(crate_root())
        .env("LANG", locale)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .args(args)
        .output()
        .expect("smedx runs");
    let run = Run {
        code: out
            .status
            .code()
            .expect("smedx exited normally, not by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stdout.contains("panicked") && !run.stderr.contains("panicked"),
        "smedx {args:?} panicked:\n{}{}",
        run.stdout,
        run.stderr
    );
    assert_ne!(run.code, 101, "smedx {args:?} panicked:\n{}", run.stderr);
    run
}

/// Every fixture file, sorted, as a path relative to the crate root (`tests/fixtures/broken/x.yaml`).
fn fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(crate_root().join(FIXTURES))
        .expect("tests/fixtures/broken exists")
        .map(|e| {
            e.expect("readable entry")
                .file_name()
                .into_string()
                .unwrap()
        })
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    assert!(
        names.len() >= 14,
        "expected at least 14 fixtures, found {names:?}"
    );
    names
        .into_iter()
        .map(|n| format!("{FIXTURES}/{n}"))
        .collect()
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap()
}

fn expected_code(path: &str) -> i32 {
    if PASSING.contains(&file_name(path)) {
        0
    } else {
        2
    }
}

/// Like `insta::glob!("fixtures/broken/*", f)`: run `f` on every fixture with the snapshot suffix and
/// input file set, and fail at the end with every fixture that failed.
fn for_each_fixture(mut f: impl FnMut(&str)) {
    let mut failed = Vec::new();
    for path in fixtures() {
        let mut settings = insta::Settings::clone_current();
        settings.set_input_file(crate_root().join(&path));
        settings.set_snapshot_suffix(file_name(&path));
        settings.set_prepend_module_to_snapshot(true);
        // A folder of their own, so tidying other tests' snapshots cannot remove them.
        settings.set_snapshot_path(crate_root().join("tests/snapshots/diagnostics"));
        let result =
            settings.bind(|| std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&path))));
        if result.is_err() {
            failed.push(path);
        }
    }
    assert!(failed.is_empty(), "failed for: {failed:#?}");
}

fn parse_json(run: &Run) -> Vec<Value> {
    match serde_json::from_str::<Value>(&run.stdout) {
        Ok(Value::Array(items)) => items,
        other => panic!(
            "`--format json` did not print a JSON array ({other:?}):\n{}",
            run.stdout
        ),
    }
}

#[test]
fn validate_human() {
    for_each_fixture(|path| {
        let run = smedx(&["validate", path, "--lang", "en"]);
        assert_eq!(
            run.code,
            expected_code(path),
            "exit status of `smedx validate {path}`:\n{}{}",
            run.stderr,
            run.stdout
        );
        let output = format!(
            "exit: {}\n--- stderr\n{}--- stdout\n{}",
            run.code, run.stderr, run.stdout
        );
        insta::assert_snapshot!("validate_human", output);
    });
}

/// The same runs in Chinese (`LANG=zh_CN.UTF-8`), snapshotted beside the English ones.
#[test]
fn validate_human_in_chinese() {
    for_each_fixture(|path| {
        let run = smedx_in("zh_CN.UTF-8", &["validate", path]);
        assert_eq!(run.code, expected_code(path), "{}", run.stderr);
        let output = format!(
            "exit: {}\n--- stderr\n{}--- stdout\n{}",
            run.code, run.stderr, run.stdout
        );
        insta::assert_snapshot!("validate_human_zh", output);
    });
}

/// Han characters in a line, not counting what is quoted from the file (after `|`).
fn has_han(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// `LANG=zh_CN.UTF-8 smedx score` on every broken fixture speaks Chinese: every diagnostic's
/// heading, message and hint, the tally, and no argument left unfilled. English is the same run
/// with `LANG=en_US.UTF-8`, and `C` (no language) is Chinese.
#[test]
fn score_speaks_the_language_of_the_locale() {
    for path in fixtures() {
        for locale in ["zh_CN.UTF-8", "C"] {
            let run = smedx_in(locale, &["score", &path]);
            let diag_lines: Vec<&str> = run
                .stderr
                .lines()
                .filter(|l| {
                    l.starts_with("错误[") || l.starts_with("警告[") || l.contains("= 提示：")
                })
                .collect();
            if run.code == 2 {
                assert!(!diag_lines.is_empty(), "{path} ({locale}):\n{}", run.stderr);
                assert!(
                    run.stderr.contains("个错误，"),
                    "{path}: no Chinese tally:\n{}",
                    run.stderr
                );
            }
            for line in &diag_lines {
                // The parser's own words (yaml-syntax, wrong-type from the schema) are quoted
                // after a Chinese lead; everything else is Chinese.
                assert!(has_han(line), "{path} ({locale}): not Chinese: {line}");
            }
            for heading in ["error[", "warning[", "help:", "error(s)"] {
                assert!(
                    !run.stderr.contains(heading),
                    "{path} ({locale}): English `{heading}`:\n{}",
                    run.stderr
                );
            }
            assert_no_unfilled_argument(&path, &run.stderr);
        }
        let run = smedx_in("en_US.UTF-8", &["score", &path]);
        assert!(
            !run.stderr.contains("错误["),
            "{path}: Chinese in English output:\n{}",
            run.stderr
        );
        assert_no_unfilled_argument(&path, &run.stderr);
    }
}

/// A `{name}` left in a message or hint is an argument the call site did not give.
fn assert_no_unfilled_argument(path: &str, text: &str) {
    for piece in text.split('{').skip(1) {
        let name = piece.split('}').next().unwrap_or_default();
        let unfilled = piece.contains('}')
            && !name.is_empty()
            && name.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        assert!(!unfilled, "{path}: `{{{name}}}` was not filled in:\n{text}");
    }
}

#[test]
fn validate_json_snapshots() {
    for_each_fixture(|path| {
        if !JSON_SNAPSHOTS.contains(&file_name(path)) {
            return;
        }
        let run = smedx(&["validate", "--format", "json", path]);
        assert_eq!(run.code, expected_code(path));
        assert_eq!(run.stderr, "", "JSON mode prints nothing on standard error");
        let output = run.stdout;
        insta::assert_snapshot!("validate_json", output);
    });
}

/// The JSON form of every fixture: well formed, consistent with the exit status and the human
/// output, and every position inside the file.
#[test]
fn json_agrees_with_human_output_and_positions_are_in_the_file() {
    for path in fixtures() {
        let json = smedx(&["validate", "--format", "json", &path]);
        let human = smedx(&["validate", &path]);
        assert_eq!(
            json.code, human.code,
            "{path}: JSON and human exit status differ"
        );
        let diags = parse_json(&json);
        let errors = diags.iter().filter(|d| d["severity"] == "error").count();
        assert_eq!(
            json.code == 2,
            errors > 0,
            "{path}: exit {} with {errors} errors",
            json.code
        );
        if !diags.is_empty() {
            let tally = format!("{errors} error(s), {} warning(s)", diags.len() - errors);
            assert!(
                human.stderr.contains(&tally),
                "{path}: human output lacks `{tally}`:\n{}",
                human.stderr
            );
        }
        let bytes = std::fs::read(crate_root().join(&path)).unwrap();
        let line_count = bytes.split(|&b| b == b'\n').count() as u64;
        for d in &diags {
            let code = d["code"].as_str().expect("code is a string");
            assert!(
                !code.is_empty()
                    && code
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{path}: code `{code}` is not kebab-case"
            );
            assert!(
                matches!(d["severity"].as_str(), Some("error" | "warning")),
                "{path}: {d}"
            );
            assert!(
                !d["message"].as_str().unwrap_or_default().is_empty(),
                "{path}: empty message in {d}"
            );
            assert!(
                d["help"].as_str().is_some_and(|h| !h.is_empty()),
                "{path}: diagnostic `{code}` has no help on how to fix it"
            );
            // A text file's problem is at a line and column inside it, or at the file as a whole.
            let at = &d["location"];
            match at["kind"].as_str() {
                Some("text") => {
                    let line = at["line"].as_u64().unwrap();
                    let column = at["column"].as_u64().unwrap();
                    assert!(
                        line >= 1 && line <= line_count && column >= 1,
                        "{path}: `{code}` at {line}:{column}, the file has {line_count} lines"
                    );
                }
                Some("file") => assert!(at["file"].as_str().is_some(), "{path}: {at}"),
                _ => panic!("{path}: `{code}` is at {at}, not in the text file"),
            }
        }
    }
}

/// The main code (and place) each fixture must report. Positions are 1-based line:column.
#[test]
fn each_fixture_reports_its_problem_where_it_is() {
    // (fixture, code, line, column); line 0 = anywhere / not located.
    let expected: &[(&str, &str, u64, u64)] = &[
        (
            "answers-bad-credit-code.yaml",
            "credit-code-check-digit",
            6,
            16,
        ),
        ("answers-bad-region.yaml", "bad-region", 7, 11),
        ("answers-empty.yaml", "wrong-type", 0, 0),
        ("answers-exclusive-option.yaml", "exclusive-option", 19, 21),
        ("answers-full-width-colon.yaml", "yaml-syntax", 9, 3),
        ("answers-gbk.yaml", "wrong-encoding", 5, 0),
        ("answers-number-with-unit.yaml", "wrong-type", 9, 14),
        ("answers-number-with-unit.yaml", "wrong-type", 10, 12),
        ("answers-json-one-error.json", "unknown-option", 43, 7),
        ("answers-list-not-mapping.yaml", "wrong-type", 2, 1),
        ("answers-missing-required.yaml", "missing-answer", 0, 0),
        ("answers-na-not-allowed.yaml", "na-not-allowed", 18, 25),
        ("answers-not-applicable.yaml", "not-applicable", 32, 3),
        ("answers-out-of-range.yaml", "out-of-range", 16, 30),
        ("answers-out-of-range.yaml", "out-of-range", 15, 44),
        ("answers-scenario-grade-7.yaml", "out-of-range", 31, 14),
        ("answers-unknown-item.yaml", "unknown-item", 14, 3),
        ("answers-unknown-option.yaml", "unknown-option", 18, 25),
        ("answers-utf16.yaml", "wrong-encoding", 0, 0),
        ("model-alias-bomb.yaml", "yaml-too-complex", 0, 0),
        (
            "model-bands-not-monotonic.yaml",
            "bands-not-monotonic",
            20,
            28,
        ),
        ("model-bands-overlap.yaml", "bands-overlap", 19, 28),
        ("model-duplicate-ids.yaml", "duplicate-id", 17, 13),
        ("model-duplicate-ids.yaml", "duplicate-id", 24, 9),
        ("model-duplicate-ids.yaml", "duplicate-option", 23, 18),
        ("model-five-mistakes.yaml", "invalid-id", 18, 13),
        ("model-five-mistakes.yaml", "fraction-out-of-range", 24, 56),
        ("model-five-mistakes.yaml", "unknown-industry-group", 29, 40),
        ("model-five-mistakes.yaml", "points-do-not-sum", 16, 13),
        ("model-five-mistakes.yaml", "threshold-unreachable", 38, 16),
        ("model-level-rule-empty.yaml", "level-rule-empty", 18, 12),
        ("model-level-rule-empty.yaml", "level-rule-empty", 20, 12),
        (
            "model-levels-not-monotonic.yaml",
            "levels-not-monotonic",
            0,
            0,
        ),
        (
            "model-missing-translation.yaml",
            "missing-translation",
            10,
            13,
        ),
        (
            "model-missing-translation.yaml",
            "missing-translation",
            16,
            18,
        ),
        ("model-points-do-not-sum.yaml", "points-do-not-sum", 9, 13),
        ("model-points-do-not-sum.yaml", "points-do-not-sum", 5, 8),
        ("model-unknown-key.yaml", "unknown-field", 12, 9),
        ("model-wrong-type.yaml", "", 12, 17),
        ("model-yaml-syntax.yaml", "yaml-syntax", 15, 0),
    ];
    let all = fixtures();
    for path in &all {
        assert!(
            expected.iter().any(|(f, ..)| *f == file_name(path))
                || file_name(path) == "answers-bom-crlf-valid.yaml",
            "{path} has no expectation in this table"
        );
    }
    for (fixture, code, line, column) in expected {
        let path = format!("{FIXTURES}/{fixture}");
        let diags = parse_json(&smedx(&["validate", "--format", "json", &path]));
        let found = diags.iter().any(|d| {
            (code.is_empty() || d["code"] == *code)
                && (*line == 0 || d["location"]["line"] == *line)
                && (*column == 0 || d["location"]["column"] == *column)
        });
        assert!(
            found,
            "{fixture}: expected `{code}` at {line}:{column}, got {}",
            serde_json::to_string_pretty(&diags).unwrap()
        );
    }
}

#[test]
fn all_problems_of_a_file_are_reported_at_once() {
    let run = smedx(&[
        "validate",
        "--format",
        "json",
        &format!("{FIXTURES}/model-five-mistakes.yaml"),
    ]);
    let diags = parse_json(&run);
    let errors = diags.iter().filter(|d| d["severity"] == "error").count();
    assert!(errors >= 5, "five mistakes, {errors} errors: {diags:#?}");

    let run = smedx(&[
        "validate",
        "--format",
        "json",
        &format!("{FIXTURES}/answers-missing-required.yaml"),
    ]);
    let missing: Vec<(String, String)> = parse_json(&run)
        .into_iter()
        .filter(|d| d["code"] == "missing-answer")
        .map(|d| {
            let item = d["args"]["item"].as_str().unwrap().to_string();
            (item, d["message"].as_str().unwrap().to_string())
        })
        .collect();
    for item in ["digital-planning", "talent", "hr", "eco-platform"] {
        let found = missing.iter().find(|(i, _)| i == item);
        // The message names the question by its title; the id is kept as data.
        assert!(
            found.is_some_and(
                |(_, m)| !m.contains(&format!("`{item}`")) && m.ends_with("is not answered")
            ),
            "{item} not reported missing by its title: {missing:#?}"
        );
    }
}

#[test]
fn several_files_in_one_run_report_every_file() {
    let a = format!("{FIXTURES}/answers-unknown-option.yaml");
    let b = format!("{FIXTURES}/model-bands-overlap.yaml");
    let c = format!("{FIXTURES}/answers-bom-crlf-valid.yaml");
    let run = smedx(&["validate", "--format", "json", &a, &b, &c]);
    assert_eq!(run.code, 2);
    let files: Vec<String> = parse_json(&run)
        .iter()
        .map(|d| d["location"]["file"].as_str().unwrap().to_string())
        .collect();
    assert!(files.contains(&a) && files.contains(&b), "{files:?}");
    assert!(
        !files.contains(&c),
        "the valid file has no diagnostics: {files:?}"
    );
}

#[test]
fn did_you_mean_for_a_mistyped_item() {
    let run = smedx(&["validate", &format!("{FIXTURES}/answers-unknown-item.yaml")]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("did you mean `network-connectivity`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn bom_and_crlf_sheet_is_valid() {
    let path = format!("{FIXTURES}/answers-bom-crlf-valid.yaml");
    let raw = std::fs::read(crate_root().join(&path)).unwrap();
    assert!(
        raw.starts_with(b"\xEF\xBB\xBF"),
        "the fixture keeps its BOM"
    );
    assert!(
        raw.windows(2).any(|w| w == b"\r\n"),
        "the fixture keeps CRLF"
    );
    let run = smedx(&["validate", &path, "--lang", "en"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    assert!(
        run.stdout
            .contains("ok: tests/fixtures/broken/answers-bom-crlf-valid.yaml"),
        "{}",
        run.stdout
    );
    let scored = smedx(&["score", "--format", "json", &path]);
    assert_eq!(scored.code, 0, "{}", scored.stderr);
}

#[test]
fn encodings_are_named() {
    let gbk = smedx(&["validate", &format!("{FIXTURES}/answers-gbk.yaml")]);
    assert_eq!(gbk.code, 2);
    assert!(
        gbk.stderr.contains("error[wrong-encoding]") && gbk.stderr.contains("GBK"),
        "{}",
        gbk.stderr
    );
    assert!(
        gbk.stderr.contains("iconv"),
        "the help says how to convert: {}",
        gbk.stderr
    );
    let utf16 = smedx(&["validate", &format!("{FIXTURES}/answers-utf16.yaml")]);
    assert_eq!(utf16.code, 2);
    assert!(utf16.stderr.contains("UTF-16"), "{}", utf16.stderr);
}

// ---- temporary files (std only) ----------------------------------------------------------------

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "smedx-diagnostics-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_file_over_16_mib_is_refused() {
    let dir = TempDir::new("large");
    let path = dir.0.join("huge.yaml");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(16 * 1024 * 1024 + 1).unwrap(); // sparse: cheap to make, refused before reading
    drop(f);
    let p = path.to_str().unwrap();
    let run = smedx(&["validate", "--format", "json", p]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let diags = parse_json(&run);
    assert!(
        diags.iter().any(|d| d["code"] == "file-too-large"),
        "{diags:#?}"
    );
    let human = smedx(&["validate", p]);
    assert_eq!(human.code, 2);
    assert!(
        human.stderr.contains("error[file-too-large]"),
        "{}",
        human.stderr
    );
    let score = smedx(&["score", p]);
    assert_eq!(score.code, 2);
    assert!(score.stderr.contains("file-too-large"), "{}", score.stderr);
    // Exactly 16 MiB is not too large (it fails later, for another reason).
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(16 * 1024 * 1024).unwrap();
    drop(f);
    let run = smedx(&["validate", p]);
    assert!(!run.stderr.contains("file-too-large"), "{}", run.stderr);
}

// ---- regressions ---------------------------------------------------------------------------------
// Defects found while writing these tests, all fixed since; each `defect_…` test states the behaviour
// expected now, so the defect cannot come back. None is ignored: they run with the rest.

/// A valid sheet, as a template for the regression tests below.
fn valid_sheet() -> String {
    let text = std::fs::read_to_string(
        crate_root()
            .join(FIXTURES)
            .join("answers-bom-crlf-valid.yaml"),
    )
    .unwrap();
    text.trim_start_matches('\u{feff}').replace("\r\n", "\n")
}

fn json_diags_for(dir: &TempDir, name: &str, text: &str) -> (Run, Vec<Value>) {
    let p = dir.write(name, text);
    let run = smedx(&["validate", "--format", "json", &p]);
    let diags = parse_json(&run);
    (run, diags)
}

#[test]
fn defect_unquoted_numeric_credit_code_is_kept_exactly() {
    // 913301061234567006 is a valid 统一社会信用代码 (check digit 6).
    let dir = TempDir::new("credit");
    let text = valid_sheet().replace("91110000600037341L", "913301061234567006");
    let (run, diags) = json_diags_for(&dir, "sheet.yaml", &text);
    assert_eq!(run.code, 0, "{diags:#?}");
}

#[test]
fn defect_unquoted_industry_code_with_leading_zero_is_not_silently_changed() {
    let dir = TempDir::new("industry");
    let text = valid_sheet().replace("industry: C2110", "industry: 0610");
    let p = dir.write("sheet.yaml", &text);
    let run = smedx(&["score", "--format", "json", "--diagnostics", "json", &p]);
    let v: Value = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
    let industry = v["profile"]["industry"].as_str().unwrap_or("");
    let diags: Value = serde_json::from_str(&run.stderr).unwrap_or(Value::Null);
    let named = diags
        .as_array()
        .into_iter()
        .flatten()
        .any(|d| d["message"].as_str().unwrap_or("").contains("610"));
    assert!(
        industry == "B0610" || named,
        "0610 (煤炭开采和洗选) was read as `{industry}` without a word about it"
    );
}

#[test]
fn defect_scenario_grade_message_shows_the_value() {
    let run = smedx(&[
        "validate",
        &format!("{FIXTURES}/answers-scenario-grade-7.yaml"),
    ]);
    assert!(run.stderr.contains("graded `7`"), "{}", run.stderr);
}

#[test]
fn defect_missing_answer_points_at_the_blank_entry() {
    // `talent:` is left blank on line 22 of the fixture.
    let run = smedx(&[
        "validate",
        "--format",
        "json",
        &format!("{FIXTURES}/answers-missing-required.yaml"),
    ]);
    let diags = parse_json(&run);
    let talent = diags
        .iter()
        .find(|d| d["args"]["item"] == "talent")
        .unwrap();
    assert_eq!(
        (
            talent["location"]["line"].as_u64(),
            talent["location"]["column"].as_u64()
        ),
        (Some(22), Some(3))
    );
}

#[test]
fn defect_wrong_type_in_model_is_wrong_type() {
    let run = smedx(&[
        "validate",
        "--format",
        "json",
        &format!("{FIXTURES}/model-wrong-type.yaml"),
    ]);
    let diags = parse_json(&run);
    assert_eq!(diags[0]["code"], "wrong-type", "{diags:#?}");
}

#[test]
fn defect_level_warnings_are_located() {
    let run = smedx(&[
        "validate",
        "--format",
        "json",
        &format!("{FIXTURES}/model-levels-not-monotonic.yaml"),
    ]);
    for d in parse_json(&run) {
        assert!(d["location"]["line"].as_u64().unwrap() > 0, "{d}");
    }
}

#[test]
fn defect_model_without_dimensions_is_still_checked_as_a_model() {
    let dir = TempDir::new("nodims");
    let text =
        std::fs::read_to_string(crate_root().join(FIXTURES).join("model-bands-overlap.yaml"))
            .unwrap()
            .replace("\ndimensions:", "\ndimension:");
    let (_, diags) = json_diags_for(&dir, "model.yaml", &text);
    assert!(
        diags.len() <= 3,
        "{} diagnostics, e.g. {}",
        diags.len(),
        diags[0]
    );
    assert!(
        diags.iter().all(|d| d["code"] != "missing-answer"),
        "a model is not an answer sheet: {diags:#?}"
    );
}

#[test]
fn defect_alias_bomb_message_is_clean() {
    let run = smedx(&["validate", &format!("{FIXTURES}/model-alias-bomb.yaml")]);
    assert!(
        run.stderr.contains("error[yaml-too-complex]"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("Nodes {"), "{}", run.stderr);
    assert!(!run.stderr.contains("(used\n"), "{}", run.stderr);
}

#[test]
fn defect_gbk_column_is_the_first_non_ascii_character() {
    // Line 5 is `  name: 示例家具工作室`; 示 (GBK CA BE) is column 9.
    let run = smedx(&[
        "validate",
        "--format",
        "json",
        &format!("{FIXTURES}/answers-gbk.yaml"),
    ]);
    let d = &parse_json(&run)[0];
    assert_eq!(
        (
            d["location"]["line"].as_u64(),
            d["location"]["column"].as_u64()
        ),
        (Some(5), Some(9)),
        "{d}"
    );
}
