//! `reports/` holds the rendered reports of the samples (HTML, Markdown and PDF, Chinese), committed so
//! they can be read without building. This test fails when one is stale, missing, or has no sample.
//! PDFs are compared by their text (`pdftotext`, whitespace removed), not their bytes: fonts and
//! their versions differ between machines.
//!
//! Regenerate: `SMEDX_UPDATE_REPORTS=1 cargo test --test reports_fresh`

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const EXAMPLES: &str = "questionnaires/examples";
const REPORTS: &str = "reports";
const FORMATS: [&str; 3] = ["html", "md", "pdf"];

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

/// `smedx report questionnaires/examples/STEM.yaml --format FORMAT` (Chinese, the defaults), as bytes.
fn render(stem: &str, format: &str) -> Vec<u8> {
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
    out.stdout
}

/// What is compared: the text itself for HTML and Markdown; for a PDF the text `pdftotext` reads
/// from it, one line per line of the page, without spaces (line breaks and spacing follow the font).
fn comparable(format: &str, bytes: &[u8]) -> String {
    if format != "pdf" {
        return String::from_utf8(bytes.to_vec()).expect("UTF-8 report");
    }
    let mut child = std::process::Command::new("pdftotext")
        .args(["-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("pdftotext (poppler-utils, installed by .ci/run) reads the PDF");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(bytes).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "pdftotext fails on a report");
    let text: String = String::from_utf8_lossy(&out.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    // One line per 60 characters, so a difference is shown where it is.
    text.chars()
        .collect::<Vec<_>>()
        .chunks(60)
        .map(|c| c.iter().collect::<String>() + "\n")
        .collect()
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
            let bytes = render(stem, format);
            let now = comparable(format, &bytes);
            let file: PathBuf = dir.join(format!("{stem}.{format}"));
            let committed = std::fs::read(&file).map(|b| comparable(format, &b));
            if updating() {
                std::fs::create_dir_all(&dir).unwrap();
                if committed.ok().as_deref() != Some(now.as_str()) {
                    std::fs::write(&file, &bytes).unwrap();
                    written.push(file.display().to_string());
                }
                continue;
            }
            match committed {
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
