//! `reports/` holds the rendered reports of the samples (HTML and Markdown, Chinese), committed so they
//! can be read without building. This test fails when one is stale, missing, or has no sample.
//!
//! Regenerate: `SMEDX_UPDATE_REPORTS=1 cargo test --test reports_fresh`

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const EXAMPLES: &str = "questionnaires/examples";
const REPORTS: &str = "reports";
const FORMATS: [&str; 2] = ["html", "md"];

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn updating() -> bool {
    std::env::var("SMEDX_UPDATE_REPORTS").is_ok_and(|v| v == "1")
}

/// Sample stems, sorted.
fn samples() -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(crate_root().join(EXAMPLES))
        .expect("the examples folder exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".yaml").map(str::to_string))
        .collect();
    stems.sort();
    assert!(!stems.is_empty(), "no sample in {EXAMPLES}");
    stems
}

/// `smedx report questionnaires/examples/STEM.yaml --format FORMAT` (Chinese, the defaults).
fn render(stem: &str, format: &str) -> String {
    let path = format!("{EXAMPLES}/{stem}.yaml");
    let out = Command::cargo_bin("smedx")
        .expect("the smedx binary is built")
        .current_dir(crate_root())
        .args([
            "report",
            &path,
            "--format",
            format,
            "--lang",
            "zh",
            "--as-of",
            "2026-10-20",
        ])
        .output()
        .expect("smedx runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "smedx report {path} --format {format} ({:?}):\n{stderr}",
        out.status.code()
    );
    String::from_utf8(out.stdout).expect("UTF-8 report")
}

/// First differing line, for the failure message.
fn first_difference(a: &str, b: &str) -> String {
    for (n, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}:\n  committed: {x}\n  now:       {y}", n + 1);
        }
    }
    format!(
        "lengths differ: committed {} lines, now {} lines",
        a.lines().count(),
        b.lines().count()
    )
}

#[test]
fn committed_reports_match_the_samples() {
    let dir = crate_root().join(REPORTS);
    let stems = samples();
    let mut problems = Vec::new();
    let mut written = Vec::new();
    for stem in &stems {
        for format in FORMATS {
            let now = render(stem, format);
            let file: PathBuf = dir.join(format!("{stem}.{format}"));
            if updating() {
                std::fs::create_dir_all(&dir).unwrap();
                if std::fs::read_to_string(&file).ok().as_deref() != Some(now.as_str()) {
                    std::fs::write(&file, &now).unwrap();
                    written.push(file.display().to_string());
                }
                continue;
            }
            match std::fs::read_to_string(&file) {
                Ok(committed) if committed == now => {}
                Ok(committed) => problems.push(format!(
                    "{REPORTS}/{stem}.{format} is stale; {}",
                    first_difference(&committed, &now)
                )),
                Err(e) => problems.push(format!("{REPORTS}/{stem}.{format}: {e}")),
            }
        }
    }
    // Reports whose sample is gone.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some((stem, ext)) = name.rsplit_once('.') else {
                continue;
            };
            if FORMATS.contains(&ext) && name != "README.md" && !stems.iter().any(|s| s == stem) {
                if updating() {
                    std::fs::remove_file(e.path()).unwrap();
                    written.push(format!("removed {}", e.path().display()));
                } else {
                    problems.push(format!(
                        "{REPORTS}/{name} has no sample {EXAMPLES}/{stem}.yaml"
                    ));
                }
            }
        }
    }
    if updating() {
        eprintln!("SMEDX_UPDATE_REPORTS=1: {written:#?}");
        return;
    }
    assert!(
        problems.is_empty(),
        "{}\n\nRegenerate with: SMEDX_UPDATE_REPORTS=1 cargo test --test reports_fresh",
        problems.join("\n")
    );
}
