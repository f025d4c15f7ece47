//! End-to-end tests of the real `smedx` binary: help, init, validate, schema, score, exit statuses.
//!
//! Exit statuses: 0 ok (warnings at most), 2 invalid input, 1 internal error.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn smedx(args: &[&str]) -> Run {
    let out = Command::cargo_bin("smedx")
        .expect("the smedx binary is built")
        .current_dir(crate_root())
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
        "smedx {args:?} panicked:\n{}",
        run.stderr
    );
    run
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "smedx-cli-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_string()
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A complete, valid answer sheet for the bundled model (a micro furniture maker, level 1).
const VALID_SHEET: &str = r#"model: sme-dx-2024
model_version: "2024.1"
profile:
  name: 示例家具工作室
  credit_code: 91110000600037341L
  region: "330106"
  industry: C2110
  employees: 12
  revenue: 380
  assessed_on: 2026-11-20
  assessor: 李工
answers:
  network-connectivity: [B, C]
  equipment-digitisation-rate: {numerator: 3, denominator: 20}
  equipment-networking-rate: 25
  data-collection-coverage: [B, D, N]
  info-system-coverage: C
  network-security: [B, C]
  data-security: [A]
  digital-planning: B
  management-mechanisms: [A]
  talent: [B]
  funding: 5
  energy-per-revenue: {answer: lower, data: {energy-last-year: 12.5}, note: 电费单}
  product-pass-rate: flat
  revenue-per-employee: better
  cost-per-revenue: same
  product-design: 1
  process-design: 1
  marketing: 2
  after-sales: 1
  production-planning: 1
  production-control: 1
  quality-management: 1
  equipment-management: 0
  safety-production: 1
  energy-management: 0
  procurement: 1
  warehousing-logistics: 1
  finance: 2
  hr: 1
  collaboration: 2
  decision-support: 0
  eco-platform: B
  eco-supply-chain: [B]
  eco-cluster: [A]
  eco-public-service: [C]
  eco-cross-border: na
"#;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

// ---- help ---------------------------------------------------------------------------------------

#[test]
fn top_level_help_lists_every_subcommand() {
    let run = smedx(&["--help"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for sub in ["validate", "score", "schema", "init"] {
        assert!(
            run.stdout.contains(sub),
            "`{sub}` missing from:\n{}",
            run.stdout
        );
    }
    let version = smedx(&["--version"]);
    assert_eq!(version.code, 0);
    assert!(version.stdout.starts_with("smedx "), "{}", version.stdout);
}

#[test]
fn help_of_every_subcommand_mentions_its_arguments() {
    let cases: &[(&str, &[&str])] = &[
        (
            "validate",
            &["<FILES>", "--model", "--format", "human", "json"],
        ),
        (
            "score",
            &[
                "<ANSWERS>",
                "--model",
                "--format",
                "table",
                "json",
                "yaml",
                "--lang",
                "--diagnostics",
                "--output",
            ],
        ),
        (
            "schema",
            &["<KIND>", "model", "answers", "--model", "--output"],
        ),
        ("init", &["--output", "--model", "--lang", "--force"]),
    ];
    for (sub, words) in cases {
        for help in [
            vec![*sub, "--help", "--lang", "en"],
            vec!["--lang=en", "help", *sub],
        ] {
            let run = smedx(&help);
            assert_eq!(run.code, 0, "smedx {help:?}: {}", run.stderr);
            assert!(run.stdout.contains("Usage: smedx"), "{}", run.stdout);
            for w in *words {
                assert!(
                    run.stdout.contains(w),
                    "`smedx {}` does not mention `{w}`:\n{}",
                    help.join(" "),
                    run.stdout
                );
            }
        }
    }
}

#[test]
fn usage_errors_exit_2() {
    let run = smedx(&["validate"]);
    assert_eq!(run.code, 2, "validate needs a file: {}", run.stderr);
    let run = smedx(&["frobnicate"]);
    assert_eq!(run.code, 2);
    let run = smedx(&["score", "x.yaml", "--format", "xml"]);
    assert_eq!(run.code, 2);
}

// ---- init ---------------------------------------------------------------------------------------

#[test]
fn init_writes_a_sheet_that_validate_reports_as_unanswered() {
    let dir = TempDir::new("init");
    let sheet = dir.path("answers.yaml");
    let run = smedx(&["init", "-o", &sheet]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "", "with -o nothing goes to standard output");
    let text = std::fs::read_to_string(&sheet).unwrap();
    assert!(
        text.starts_with("# yaml-language-server: $schema="),
        "{text}"
    );
    assert!(text.contains("model: sme-dx-2024"), "{text}");
    for item in [
        "network-connectivity:",
        "equipment-digitisation-rate:",
        "decision-support:",
        "eco-cross-border:",
    ] {
        assert!(text.contains(item), "`{item}` missing from the blank sheet");
    }

    let human = smedx(&["validate", &sheet, "--lang", "en"]);
    assert_eq!(
        human.code, 2,
        "a blank sheet is not valid: {}",
        human.stderr
    );
    assert!(
        human.stderr.contains("error[missing-answer]"),
        "{}",
        human.stderr
    );

    let run = smedx(&["validate", "--format", "json", &sheet]);
    assert_eq!(run.code, 2);
    let diags = json(&run.stdout);
    let codes: Vec<&str> = diags
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"missing-answer"), "{codes:?}");
    assert!(
        codes.contains(&"missing-field"),
        "the blank profile has no name: {codes:?}"
    );
    assert!(
        !codes
            .iter()
            .any(|c| c.starts_with("yaml") || *c == "wrong-type" || *c == "unknown-item"),
        "the blank sheet must parse cleanly and name only real items: {codes:?}"
    );
}

#[test]
fn init_in_english_is_the_same_sheet_with_english_comments() {
    let zh = smedx(&["init"]);
    let en = smedx(&["init", "--lang", "en"]);
    assert_eq!(zh.code, 0);
    assert_eq!(en.code, 0);
    assert!(
        en.stdout.contains("How to fill"),
        "{}",
        &en.stdout[..400.min(en.stdout.len())]
    );
    let keys = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
            .map(|l| l.split('#').next().unwrap().trim_end().to_string())
            .collect()
    };
    assert_eq!(keys(&zh.stdout), keys(&en.stdout));
    // Every asked profile field, the lists with the words of their vocabulary.
    let line = |key: &str| zh.stdout.lines().find(|l| l.trim_start().starts_with(key));
    assert!(line("pain_points:").is_some_and(|l| l.contains("交期不准、库存积压")));
    assert!(line("existing_systems:").is_some_and(|l| l.contains("财务软件、ERP")));
    assert!(
        en.stdout
            .contains("Unreliable delivery dates, Excess inventory")
    );
}

#[test]
fn init_to_stdout_matches_init_to_a_file() {
    let dir = TempDir::new("init-stdout");
    let file = dir.path("a.yaml");
    assert_eq!(smedx(&["init", "-o", &file]).code, 0);
    let out = smedx(&["init"]);
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout, std::fs::read_to_string(&file).unwrap());
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let dir = TempDir::new("init-force");
    let sheet = dir.write("answers.yaml", "model: sme-dx-2024\n# my work\n");
    let run = smedx(&["init", "-o", &sheet]);
    assert_ne!(run.code, 0, "init must refuse to overwrite");
    assert!(
        run.stderr.contains("--force"),
        "the message says how: {}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&sheet).unwrap(),
        "model: sme-dx-2024\n# my work\n",
        "the file is untouched"
    );
    let run = smedx(&["init", "-o", &sheet, "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        std::fs::read_to_string(&sheet)
            .unwrap()
            .contains("answers:")
    );
}

#[test]
fn defect_init_refusal_is_invalid_input_not_internal_error() {
    let dir = TempDir::new("init-exit");
    let sheet = dir.write("answers.yaml", "x: 1\n");
    assert_eq!(smedx(&["init", "-o", &sheet]).code, 2);
}

// ---- schema -------------------------------------------------------------------------------------

fn assert_draft_07(v: &Value) {
    let s = v["$schema"].as_str().expect("\"$schema\" is a string");
    assert!(s.contains("draft-07"), "$schema is {s}");
    jsonschema::validator_for(v).expect("the schema itself is a valid JSON Schema");
}

#[test]
fn schema_model_is_draft_07_json() {
    let run = smedx(&["schema", "model"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_draft_07(&json(&run.stdout));
}

#[test]
fn schema_answers_is_draft_07_json_with_and_without_a_model() {
    for args in [
        vec!["schema", "answers"],
        vec!["schema", "answers", "--model", "sme-dx-2024"],
    ] {
        let run = smedx(&args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert_draft_07(&json(&run.stdout));
    }
}

#[test]
fn schema_output_option_writes_the_same_json() {
    let dir = TempDir::new("schema-out");
    let file = dir.path("model.schema.json");
    assert_eq!(smedx(&["schema", "model", "-o", &file]).code, 0);
    assert_eq!(
        json(&std::fs::read_to_string(&file).unwrap()),
        json(&smedx(&["schema", "model"]).stdout)
    );
}

/// YAML → JSON with smedx's own parser options (YAML 1.2 booleans: option id `N` stays text).
fn yaml_to_json(text: &str) -> Value {
    serde_saphyr::from_str_with_options::<Value>(text, smedx::source_file::yaml_options())
        .expect("YAML parses")
}

#[test]
fn bundled_model_satisfies_the_model_schema() {
    let schema = json(&smedx(&["schema", "model"]).stdout);
    let validator = jsonschema::validator_for(&schema).unwrap();
    let model = yaml_to_json(
        &std::fs::read_to_string(crate_root().join("questionnaires/sme-dx-2024.yaml")).unwrap(),
    );
    let errors: Vec<String> = validator
        .iter_errors(&model)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn answers_schema_of_the_model_accepts_a_valid_sheet_and_rejects_a_bad_option() {
    let schema = json(&smedx(&["schema", "answers", "--model", "sme-dx-2024"]).stdout);
    let validator = jsonschema::validator_for(&schema).unwrap();
    let good = yaml_to_json(VALID_SHEET);
    let errors: Vec<String> = validator
        .iter_errors(&good)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "a sheet smedx accepts is refused by its schema: {errors:#?}"
    );
    let bad =
        yaml_to_json(&VALID_SHEET.replace("info-system-coverage: C", "info-system-coverage: F"));
    assert!(!validator.is_valid(&bad), "option F does not exist");
}

#[test]
fn schema_with_an_unknown_model_exits_2() {
    let run = smedx(&["schema", "answers", "--model", "no-such-model"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unknown-model"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
}

// ---- score --------------------------------------------------------------------------------------

#[test]
fn score_of_a_missing_file_exits_2_with_file_unreadable() {
    let run = smedx(&["score", "no/such/answers.yaml", "--lang", "en"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("error[file-unreadable]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("no/such/answers.yaml"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");

    let run = smedx(&["score", "--diagnostics", "json", "no/such/answers.yaml"]);
    assert_eq!(run.code, 2);
    let diags = json(&run.stderr);
    assert_eq!(diags[0]["code"], "file-unreadable", "{diags}");
}

#[test]
fn validate_of_a_missing_file_or_a_folder_exits_2_with_file_unreadable() {
    for path in ["no/such/answers.yaml", "tests"] {
        let run = smedx(&["validate", "--format", "json", path]);
        assert_eq!(run.code, 2, "{path}");
        assert_eq!(
            json(&run.stdout)[0]["code"],
            "file-unreadable",
            "{path}: {}",
            run.stdout
        );
    }
}

#[test]
fn score_json_of_a_valid_sheet() {
    let dir = TempDir::new("score");
    let sheet = dir.write("answers.yaml", VALID_SHEET);
    let run = smedx(&["score", "--format", "json", &sheet]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "", "a valid sheet has no diagnostics");
    let v = json(&run.stdout);
    assert_eq!(v["model"]["id"], "sme-dx-2024");
    assert_eq!(v["model"]["version"], "2024.1");
    assert!(v["level"].is_u64(), "level: {}", v["level"]);
    let score = v["level_score"].as_f64().expect("level_score is a number");
    assert!((0.0..=100.0).contains(&score), "{score}");
    // Hand check: 8.5 + 2.1 + 5 + 2.5 (foundation) + 3 (management) + 15 (outcomes) = 36.1 → level 1.
    assert!((score - 36.1).abs() < 1e-6, "level_score {score}");
    assert_eq!(v["level"], 1);
    assert_eq!(v["profile"]["industry"], "C2110");
    assert_eq!(v["profile"]["size_class"], "micro");
    assert_eq!(v["profile"]["industry_group"], "manufacturing");
}

#[test]
fn score_formats_agree() {
    let dir = TempDir::new("score-formats");
    let sheet = dir.write("answers.yaml", VALID_SHEET);
    let j = json(&smedx(&["score", "--format", "json", &sheet]).stdout);
    let y = smedx(&["score", "--format", "yaml", &sheet]);
    assert_eq!(y.code, 0, "{}", y.stderr);
    let y = yaml_to_json(&y.stdout);
    assert_eq!(y["level"], j["level"]);
    assert_eq!(y["level_score"].as_f64(), j["level_score"].as_f64());
    assert_eq!(y["model"]["id"], j["model"]["id"]);
    let t = smedx(&["score", &sheet]);
    assert_eq!(t.code, 0);
    assert!(
        t.stdout.contains("一级") && t.stdout.contains("36.1"),
        "{}",
        t.stdout
    );
    let t = smedx(&["score", "--lang", "en", &sheet]);
    assert!(t.stdout.contains("Level 1"), "{}", t.stdout);
    let out = dir.path("result.json");
    let run = smedx(&["score", "--format", "json", "-o", &out, &sheet]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, "");
    assert_eq!(json(&std::fs::read_to_string(&out).unwrap()), j);
}

#[test]
fn score_of_an_invalid_sheet_prints_no_result() {
    let dir = TempDir::new("score-invalid");
    let sheet = dir.write(
        "answers.yaml",
        &VALID_SHEET.replace("marketing: 2", "marketing: 9"),
    );
    let run = smedx(&["score", "--format", "json", &sheet, "--lang", "en"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "", "no result for an invalid sheet");
    assert!(run.stderr.contains("error[out-of-range]"), "{}", run.stderr);
}

#[test]
fn validate_a_valid_sheet_exits_0() {
    let dir = TempDir::new("validate-ok");
    let sheet = dir.write("answers.yaml", VALID_SHEET);
    let run = smedx(&["validate", &sheet, "--lang", "en"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("ok:") && run.stdout.contains("sme-dx-2024 2024.1"),
        "{}",
        run.stdout
    );
    let run = smedx(&["validate", "--format", "json", &sheet]);
    assert_eq!(json(&run.stdout), Value::Array(vec![]));
}

#[test]
fn validate_the_bundled_model_file() {
    let run = smedx(&[
        "validate",
        "questionnaires/sme-dx-2024.yaml",
        "--lang",
        "en",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("model sme-dx-2024 2024.1"),
        "{}",
        run.stdout
    );
    let zh = smedx(&[
        "validate",
        "questionnaires/sme-dx-2024.yaml",
        "--lang",
        "zh",
    ]);
    assert!(
        zh.stdout
            .contains("通过：questionnaires/sme-dx-2024.yaml — 模型 sme-dx-2024 2024.1（"),
        "{}",
        zh.stdout
    );
}

// ---- --model ------------------------------------------------------------------------------------

#[test]
fn an_unknown_model_id_exits_2_with_unknown_model() {
    let dir = TempDir::new("model");
    let sheet = dir.write("answers.yaml", VALID_SHEET);
    for args in [
        vec!["validate", "--model", "no-such-model", sheet.as_str()],
        vec!["score", "--model", "no-such-model", sheet.as_str()],
        vec!["init", "--model", "no-such-model"],
    ] {
        let run = smedx(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("unknown-model") || run.stdout.contains("unknown-model"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("sme-dx-2024"),
            "the help lists the bundled ids: {}",
            run.stderr
        );
    }
    let run = smedx(&[
        "validate",
        "--format",
        "json",
        "--model",
        "no-such-model",
        &sheet,
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(json(&run.stdout)[0]["code"], "unknown-model");
}

#[test]
fn a_sheet_naming_an_unbundled_model_exits_2_with_unknown_model() {
    let dir = TempDir::new("sheet-model");
    let sheet = dir.write(
        "answers.yaml",
        &VALID_SHEET.replace("model: sme-dx-2024", "model: sme-dx-2031"),
    );
    let run = smedx(&["validate", "--format", "json", &sheet]);
    assert_eq!(run.code, 2);
    let d = &json(&run.stdout)[0];
    assert_eq!(d["code"], "unknown-model");
    assert_eq!(
        (
            d["location"]["line"].as_u64(),
            d["location"]["column"].as_u64()
        ),
        (Some(1), Some(8)),
        "{d}"
    );
}

#[test]
fn a_model_file_given_with_model() {
    let run = smedx(&[
        "validate",
        "--model",
        "questionnaires/sme-dx-2024.yaml",
        "tests/fixtures/broken/answers-bom-crlf-valid.yaml",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn defect_unknown_model_is_not_located_at_input() {
    let run = smedx(&[
        "score",
        "--model",
        "no-such-model",
        "tests/fixtures/broken/answers-bom-crlf-valid.yaml",
    ]);
    assert!(run.stderr.contains("unknown-model"), "{}", run.stderr);
    assert!(!run.stderr.contains("<input>"), "{}", run.stderr);
}

#[test]
fn defect_answers_schema_accepts_what_the_checker_accepts() {
    let text = VALID_SHEET
        .replace("{answer: lower,", "{answer: 降低,")
        .replace("eco-cross-border: na", "eco-cross-border: 不适用")
        .replace("data-security: [A]", "data-security: A");
    let dir = TempDir::new("schema-vs-checker");
    let sheet = dir.write("answers.yaml", &text);
    assert_eq!(
        smedx(&["validate", &sheet]).code,
        0,
        "smedx accepts these answers"
    );
    let schema = json(&smedx(&["schema", "answers", "--model", "sme-dx-2024"]).stdout);
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&yaml_to_json(&text))
        .map(|e| format!("{}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema refuses: {errors:?}");
}
