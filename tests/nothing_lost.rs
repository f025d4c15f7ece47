//! Nothing lost on the command line (issue 12, items 1, 2, 5, 6), each class of failure found by a
//! hostile-input run reproduced against the real binary:
//!
//! - outputs: an existing file needs `--force`, an input is never overwritten (not even with it,
//!   not through a link), a failed write leaves the old file, `-o` without a known type is refused;
//! - output errors: a closed pipe ends quietly with status 0, a full device is exit 1 with a message
//!   naming the output, a failing standard error is no panic;
//! - folders: links to folders not followed by default, a link loop counts each firm once, a
//!   folder's workbook and CSV are read, other files listed as skipped, a missing input is exit 2,
//!   a JSON Lines BOM keeps the first record, a credit code twice counts once (the latest assessment);
//! - templates: a template linked to a file outside the `--templates` folder is refused.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;

fn smedx() -> Command {
    Command::cargo_bin("smedx").expect("the smedx binary is built")
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("questionnaires/examples")
        .join(name)
}

/// A copy of an example sheet in `dir`.
fn copy_example(dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::copy(example(name), &to).expect("the example copies");
    to
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn summary(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("the summary was written"))
        .expect("the summary is JSON")
}

// --- Outputs --------------------------------------------------------------------------------------

#[test]
fn score_refuses_to_write_over_its_own_answer_sheet_even_with_force_and_through_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = copy_example(dir.path(), "auto-parts-machining.yaml");
    let before = std::fs::read(&sheet).unwrap();
    let link = dir.path().join("result.yaml");
    std::os::unix::fs::symlink(&sheet, &link).unwrap();
    for (out, force) in [(&sheet, false), (&sheet, true), (&link, true)] {
        let mut cmd = smedx();
        cmd.arg("score").arg(&sheet).arg("-o").arg(out);
        if force {
            cmd.arg("--force");
        }
        let run = cmd.output().unwrap();
        assert_eq!(run.status.code(), Some(2), "{}", stderr_of(&run));
        assert!(
            stderr_of(&run).contains("output-is-input"),
            "{}",
            stderr_of(&run)
        );
        assert_eq!(
            std::fs::read(&sheet).unwrap(),
            before,
            "the answer sheet survives"
        );
    }
}

#[test]
fn aggregate_errors_file_pointing_at_the_input_leaves_the_input_whole() {
    let dir = tempfile::tempdir().unwrap();
    let lines = dir.path().join("m.jsonl");
    let sim = smedx()
        .args(["simulate", "-n", "20", "-o"])
        .arg(&lines)
        .output()
        .unwrap();
    assert!(sim.status.success(), "{}", stderr_of(&sim));
    let before = std::fs::read(&lines).unwrap();
    let run = smedx()
        .arg("aggregate")
        .arg(&lines)
        .arg("--errors")
        .arg(&lines)
        .arg("--force")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2), "{}", stderr_of(&run));
    assert!(stderr_of(&run).contains("output-is-input"));
    assert_eq!(std::fs::read(&lines).unwrap(), before, "the input survives");
}

#[test]
fn every_writing_command_needs_force_to_replace_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = example("auto-parts-machining.yaml");
    let existing = dir.path().join("existing");
    let runs: Vec<Vec<String>> = vec![
        vec!["score".into(), sheet.display().to_string()],
        vec!["report".into(), sheet.display().to_string()],
        vec!["schema".into(), "answers".into()],
        vec!["simulate".into(), "-n".into(), "3".into()],
        vec!["init".into()],
        vec!["template".into(), "--format".into(), "csv".into()],
    ];
    for args in runs {
        std::fs::write(&existing, "keep me").unwrap();
        let run = smedx()
            .args(&args)
            .arg("-o")
            .arg(&existing)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "{args:?}: {}", stderr_of(&run));
        assert!(stderr_of(&run).contains("output-exists"), "{args:?}");
        assert_eq!(
            std::fs::read_to_string(&existing).unwrap(),
            "keep me",
            "{args:?}"
        );
        let run = smedx()
            .args(&args)
            .arg("-o")
            .arg(&existing)
            .arg("--force")
            .output()
            .unwrap();
        assert!(run.status.success(), "{args:?}: {}", stderr_of(&run));
        assert_ne!(
            std::fs::read_to_string(&existing).unwrap(),
            "keep me",
            "{args:?}"
        );
    }
    // Nothing but the output is left in the folder: no temporary file.
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1);
}

#[test]
fn aggregate_output_without_a_known_type_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("noext");
    let run = smedx()
        .arg("aggregate")
        .arg(example("auto-parts-machining.yaml"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2), "{}", stderr_of(&run));
    assert!(
        stderr_of(&run).contains("output-type"),
        "{}",
        stderr_of(&run)
    );
    assert!(
        run.stdout.is_empty(),
        "no summary on standard output instead"
    );
}

#[test]
fn aggregate_output_inside_an_input_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    copy_example(dir.path(), "auto-parts-machining.yaml");
    let run = smedx()
        .arg("aggregate")
        .arg(dir.path())
        .arg("-o")
        .arg(dir.path().join("summary.json"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2), "{}", stderr_of(&run));
    assert!(stderr_of(&run).contains("output-is-input"));
}

// --- Output errors ----------------------------------------------------------------------------------

#[test]
fn a_full_device_is_exit_1_with_a_message_naming_the_output() {
    let sheet = example("auto-parts-machining.yaml");
    // `-o /dev/full`.
    let run = smedx()
        .arg("score")
        .arg(&sheet)
        .args(["-o", "/dev/full"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1), "{}", stderr_of(&run));
    assert!(stderr_of(&run).contains("/dev/full"), "{}", stderr_of(&run));
    assert!(!stderr_of(&run).contains("panicked"));
    // `>/dev/full`.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let run = std::process::Command::new(assert_cmd::cargo::cargo_bin("smedx"))
        .arg("validate")
        .arg(&sheet)
        .arg(example("furniture-workshop.yaml"))
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1), "{}", stderr_of(&run));
    assert!(
        stderr_of(&run).contains("standard output"),
        "{}",
        stderr_of(&run)
    );
    assert!(!stderr_of(&run).contains("panicked"));
}

#[test]
fn a_failing_standard_error_is_no_panic() {
    // `score x 2>/dev/full`: the diagnostic cannot be shown, the status still says what happened.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let run = std::process::Command::new(assert_cmd::cargo::cargo_bin("smedx"))
        .args(["score", "does-not-exist.yaml"])
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
}

/// Run smedx with its standard output a pipe whose reader has gone away.
fn with_closed_pipe(args: &[&str]) -> (Option<i32>, String) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("smedx"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (out.status.code(), stderr_of(&out))
}

#[test]
fn a_closed_pipe_ends_quietly_with_status_0() {
    let a = example("auto-parts-machining.yaml");
    let b = example("furniture-workshop.yaml");
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    for args in [
        vec!["validate", a, b],
        vec!["simulate", "-n", "2000"],
        vec!["explain"],
        vec!["score", a],
    ] {
        let (code, stderr) = with_closed_pipe(&args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("error"), "{args:?}: {stderr}");
    }
}

// --- Folders --------------------------------------------------------------------------------------

fn aggregate_json(inputs: &[&Path], extra: &[&str]) -> (std::process::Output, Option<Value>) {
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("s.json");
    let run = smedx()
        .arg("aggregate")
        .args(inputs)
        .args(["--min-group", "1", "--errors"])
        .arg(out_dir.path().join("errors.txt"))
        .arg("-o")
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    let value = out.exists().then(|| summary(&out));
    (run, value)
}

#[test]
fn a_folder_link_loop_counts_each_firm_once() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    copy_example(&sub, "auto-parts-machining.yaml");
    std::os::unix::fs::symlink(dir.path(), sub.join("loop")).unwrap();
    std::os::unix::fs::symlink(&sub, dir.path().join("again")).unwrap();
    // Not followed by default, and listed as skipped.
    let (run, s) = aggregate_json(&[dir.path()], &[]);
    assert!(run.status.success(), "{}", stderr_of(&run));
    let s = s.unwrap();
    assert_eq!(s["records"], 1);
    assert!(
        stderr_of(&run).contains("--follow-links"),
        "{}",
        stderr_of(&run)
    );
    // Followed on request, each folder once.
    let (run, s) = aggregate_json(&[dir.path()], &["--follow-links"]);
    assert!(run.status.success(), "{}", stderr_of(&run));
    assert_eq!(s.unwrap()["records"], 1);
}

#[test]
fn a_folders_workbook_and_csv_are_read_and_other_files_listed() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = example("auto-parts-machining.yaml");
    for (format, name) in [("xlsx", "q.xlsx"), ("csv", "batch.csv")] {
        let run = smedx()
            .args(["template", "--format", format, "--answers"])
            .arg(&sheet)
            .arg("-o")
            .arg(dir.path().join(name))
            .output()
            .unwrap();
        assert!(run.status.success(), "{}", stderr_of(&run));
    }
    std::fs::write(dir.path().join("notes.txt"), "not a sheet").unwrap();
    let (run, s) = aggregate_json(&[dir.path()], &["--strict"]);
    assert!(run.status.success(), "{}", stderr_of(&run));
    let s = s.unwrap();
    // The same firm from two files: both read, one counted.
    assert_eq!(s["records"], 1, "{s}");
    assert_eq!(s["duplicates"], 1);
    let skipped = s["skipped_files"].as_array().unwrap();
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0]["file"].as_str().unwrap().ends_with("notes.txt"));
    assert!(stderr_of(&run).contains("notes.txt"), "{}", stderr_of(&run));
}

#[test]
fn a_missing_input_is_exit_2() {
    let (run, s) = aggregate_json(&[Path::new("no/such/folder")], &[]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr_of(&run));
    assert!(s.is_none());
    assert!(stderr_of(&run).contains("no/such/folder"));
}

#[test]
fn a_json_lines_bom_keeps_the_first_record() {
    let dir = tempfile::tempdir().unwrap();
    let plain = smedx().args(["simulate", "-n", "3"]).output().unwrap();
    let lines = dir.path().join("bom.jsonl");
    let mut text = b"\xEF\xBB\xBF".to_vec();
    text.extend(&plain.stdout);
    std::fs::write(&lines, text).unwrap();
    let (run, s) = aggregate_json(&[&lines], &[]);
    assert!(run.status.success(), "{}", stderr_of(&run));
    let s = s.unwrap();
    assert_eq!(s["records"], 3);
    assert_eq!(s["skipped"], 0);
}

/// A copy of `name` with another credit code and assessment date.
fn restamped(dir: &Path, name: &str, code: &str, date: &str) -> PathBuf {
    let text = std::fs::read_to_string(example(name)).unwrap();
    let text: String = text
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("credit_code:") {
                format!("  credit_code: {code}")
            } else if l.trim_start().starts_with("assessed_on:") {
                format!("  assessed_on: {date}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let to = dir.join(name);
    std::fs::write(&to, text + "\n").unwrap();
    to
}

fn level_score(sheet: &Path) -> f64 {
    let run = smedx()
        .arg("score")
        .arg(sheet)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&run.stdout).unwrap();
    v["level_score"].as_f64().unwrap()
}

#[test]
fn a_credit_code_twice_in_a_round_counts_once_the_latest_assessment() {
    const CODE: &str = "91330381MA2H8C3NXF";
    for (auto_date, furniture_date) in [("2026-05-12", "2026-03-18"), ("2026-05-12", "2026-12-01")]
    {
        let dir = tempfile::tempdir().unwrap();
        let auto = restamped(dir.path(), "auto-parts-machining.yaml", CODE, auto_date);
        let furniture = restamped(dir.path(), "furniture-workshop.yaml", CODE, furniture_date);
        let latest = if furniture_date > auto_date {
            &furniture
        } else {
            &auto
        };
        let (run, s) = aggregate_json(&[dir.path()], &[]);
        assert!(run.status.success(), "{}", stderr_of(&run));
        let s = s.unwrap();
        assert_eq!(s["records"], 1, "{s}");
        assert_eq!(s["duplicates"], 1);
        let mean = s["overall"]["score"]["mean"].as_f64().unwrap();
        assert!(
            (mean - level_score(latest)).abs() < 0.01,
            "the latest assessment counts: {mean} vs {}",
            level_score(latest)
        );
        // The record left out is named by its place; its code only with --named.
        let left_out = if latest == &auto { &furniture } else { &auto };
        let shown = left_out.file_name().unwrap().to_str().unwrap();
        assert!(stderr_of(&run).contains(shown), "{}", stderr_of(&run));
        assert!(!stderr_of(&run).contains(CODE), "{}", stderr_of(&run));
    }
}

// --- Templates ------------------------------------------------------------------------------------

#[test]
fn a_template_linked_outside_its_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "TOP-SECRET-LINE").unwrap();
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).unwrap();
    std::os::unix::fs::symlink(&secret, templates.join("header.html")).unwrap();
    let run = smedx()
        .arg("report")
        .arg(example("auto-parts-machining.yaml"))
        .arg("--templates")
        .arg(&templates)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2), "{}", stderr_of(&run));
    assert!(stderr_of(&run).contains("template-outside-folder"));
    assert!(!String::from_utf8_lossy(&run.stdout).contains("TOP-SECRET-LINE"));
    // The loader itself refuses, whoever calls it.
    let env = smedx::report::environment(Some(templates.clone()), smedx::text::Lang::En);
    let Err(err) = env.get_template("header.html") else {
        panic!("a template linked outside its folder was loaded");
    };
    assert!(
        err.to_string().contains("outside the templates folder"),
        "{err}"
    );
}
