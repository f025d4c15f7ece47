//! Reads bounded by the bytes read, non-regular files refused, workbook and CSV limits, and
//! diagnostics that scale: each test runs the real binary on an input that used to grow memory,
//! hang or flood standard error, and checks it now ends quickly with a clear diagnostic.

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    took: Duration,
}

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_smedx"))
}

/// Run smedx with `stdin` (a file) and a deadline: a run past it is killed and the test fails.
fn smedx_with(args: &[&str], stdin: Option<&Path>) -> Run {
    let mut cmd = std::process::Command::new(bin());
    cmd.current_dir(crate_root())
        .args(args)
        .env("LANG", "en_US.UTF-8")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match stdin {
        Some(p) => cmd.stdin(std::fs::File::open(p).unwrap()),
        None => cmd.stdin(Stdio::null()),
    };
    let start = Instant::now();
    let child = cmd.spawn().expect("smedx runs");
    let pid = child.id();
    // Read both pipes while waiting, so that a child writing much is not blocked on a full pipe.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let deadline = Duration::from_secs(60);
    let Ok(out) = rx.recv_timeout(deadline) else {
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status();
        panic!("smedx {args:?} did not end within {deadline:?}");
    };
    let out = out.unwrap();
    let run = Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: start.elapsed(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "smedx {args:?} panicked:\n{}",
        run.stderr
    );
    run
}

fn smedx(args: &[&str]) -> Run {
    smedx_with(args, None)
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "smedx-bounded-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const SAMPLE: &str = "questionnaires/examples/auto-parts-machining.yaml";

#[cfg(unix)]
fn mkfifo(path: &str) -> bool {
    std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
#[cfg(unix)]
fn a_device_is_refused_at_once() {
    let run = smedx(&["score", "/dev/zero"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("[not-a-regular-file]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("/dev/zero is a device"),
        "{}",
        run.stderr
    );
    assert!(run.took < Duration::from_secs(20), "took {:?}", run.took);
}

#[test]
#[cfg(unix)]
fn a_model_that_is_a_device_is_refused() {
    let run = smedx(&["score", SAMPLE, "--model", "/dev/zero"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("[not-a-regular-file]"),
        "{}",
        run.stderr
    );
}

#[test]
#[cfg(unix)]
fn endless_standard_input_stops_at_the_limit() {
    // Before, the limit was judged from metadata: /dev/zero on standard input grew past 2 GB.
    let run = smedx_with(
        &["score", "-", "--max-file-mib", "2"],
        Some(Path::new("/dev/zero")),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("[file-too-large]"), "{}", run.stderr);
    assert!(
        run.stderr.contains("<stdin> has more than 2097152 bytes"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_answer_sheet_is_read_from_standard_input() {
    let piped = smedx_with(
        &["score", "-", "--format", "json"],
        Some(&crate_root().join(SAMPLE)),
    );
    let named = smedx(&["score", SAMPLE, "--format", "json"]);
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    assert_eq!(piped.stdout, named.stdout);
}

#[test]
#[cfg(unix)]
fn a_policies_file_linked_to_a_device_is_refused() {
    let dir = TempDir::new("policies");
    let folder = dir.path("policies");
    std::fs::create_dir(&folder).unwrap();
    std::os::unix::fs::symlink("/dev/zero", Path::new(&folder).join("zero.yaml")).unwrap();
    let out = dir.path("r.html");
    let run = smedx(&["report", SAMPLE, "--policies", &folder, "-o", &out]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("[not-a-regular-file]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("zero.yaml is a device"),
        "{}",
        run.stderr
    );
}

#[test]
#[cfg(unix)]
fn a_fifo_does_not_hang_score_or_aggregate() {
    let dir = TempDir::new("fifo");
    let fifo = dir.path("sheet.yaml");
    let lines = dir.path("batch.jsonl");
    if !mkfifo(&fifo) || !mkfifo(&lines) {
        eprintln!("mkfifo is not available; skipped");
        return;
    }
    // Nobody writes to the FIFOs: opening one to read would wait forever.
    let run = smedx(&["score", &fifo]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("is a FIFO"), "{}", run.stderr);
    let errors = dir.path("errors.txt");
    let run = smedx(&["aggregate", &lines, "--errors", &errors]);
    assert!(run.took < Duration::from_secs(30), "took {:?}", run.took);
    assert!(
        std::fs::read_to_string(&errors)
            .unwrap()
            .contains("is a FIFO"),
        "{}",
        run.stderr
    );
}

/// The workbook fixture with one more part: `pad` MiB of zeros, which deflate to a few KiB.
fn padded_workbook(dir: &TempDir, pad_mib: usize) -> String {
    let bytes =
        std::fs::read(crate_root().join("tests/fixtures/collect/wrong-option.xlsx")).unwrap();
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).unwrap();
        let name = part.name().unwrap().to_string();
        let mut data = Vec::new();
        part.read_to_end(&mut data).unwrap();
        out.start_file(name, options).unwrap();
        out.write_all(&data).unwrap();
    }
    out.start_file("xl/media/padding.bin", options).unwrap();
    out.write_all(&vec![0u8; pad_mib << 20]).unwrap();
    let path = dir.path("padded.xlsx");
    std::fs::write(&path, out.finish().unwrap().into_inner()).unwrap();
    path
}

#[test]
fn workbook_parts_are_limited_by_the_bytes_they_inflate_to() {
    let dir = TempDir::new("zip");
    let path = padded_workbook(&dir, 3);
    assert!(std::fs::metadata(&path).unwrap().len() < 200 << 10);
    // One part over the limit for one part.
    let run = smedx(&["score", &path, "--max-part-mib", "2"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("[unpacked-too-large]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("xl/media/padding.bin"),
        "{}",
        run.stderr
    );
    // All parts together over the limit for a workbook.
    let run = smedx(&[
        "score",
        &path,
        "--max-unpacked-mib",
        "2",
        "--max-part-mib",
        "8",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("its parts unpack to more than 2097152 bytes"),
        "{}",
        run.stderr
    );
    // The defaults read it: the diagnostics are the workbook's own.
    let run = smedx(&["score", &path]);
    assert!(!run.stderr.contains("unpacked-too-large"), "{}", run.stderr);
    assert!(run.stderr.contains("[unknown-option]"), "{}", run.stderr);
}

#[test]
fn a_header_of_a_million_columns_gives_one_diagnostic() {
    let dir = TempDir::new("wide");
    let path = dir.path("wide.csv");
    let mut header = String::from("name,industry");
    for i in 0..1_000_000 {
        header.push_str(&format!(",c{i}"));
    }
    std::fs::write(&path, format!("{header}\n华兴机械,C3670\n")).unwrap();
    let run = smedx(&["import", &path, "--out-dir", &dir.path("out")]);
    assert_eq!(run.code, 2, "{}", &run.stderr[..run.stderr.len().min(2000)]);
    assert_eq!(run.stderr.matches("[too-many-columns]").count(), 1);
    assert!(
        run.stderr
            .contains("line 1 has 1000002 columns; only the first 10000 are read"),
        "{}",
        &run.stderr[..run.stderr.len().min(2000)]
    );
    // Unknown columns are warned about, at most --max-diagnostics of them.
    assert!(run.stderr.len() < 200_000, "{} bytes", run.stderr.len());
}

#[test]
fn rows_past_the_limit_are_one_diagnostic() {
    let dir = TempDir::new("rows");
    let path = dir.path("rows.csv");
    let mut text = String::from("name,industry\n");
    for i in 0..50 {
        text.push_str(&format!("企业{i},C3670\n"));
    }
    std::fs::write(&path, text).unwrap();
    let run = smedx(&[
        "import",
        &path,
        "--out-dir",
        &dir.path("out"),
        "--max-rows",
        "10",
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr.matches("[too-many-rows]").count(),
        1,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("rows.csv has more than 10 rows; the rows from line 12 on are not read"),
        "{}",
        run.stderr
    );
}

/// The sample sheet's profile with `n` unknown items as its answers, all on one line.
fn sheet_with_unknown_items(dir: &TempDir, n: usize) -> String {
    let text = std::fs::read_to_string(crate_root().join(SAMPLE)).unwrap();
    let (head, _) = text.split_once("answers:\n").unwrap();
    let unknown: Vec<String> = (0..n).map(|i| format!("zz-unknown-{i}: A")).collect();
    let path = dir.path("unknown.yaml");
    std::fs::write(
        &path,
        format!("{head}answers: {{{}}}\n", unknown.join(", ")),
    )
    .unwrap();
    path
}

/// The counts of the tally line `N error(s), M warning(s)`.
fn tally(stderr: &str) -> usize {
    let line = stderr.lines().rfind(|l| l.ends_with("warning(s)")).unwrap();
    line.split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn diagnostics_of_a_long_line_are_capped_and_windowed() {
    let dir = TempDir::new("diag");
    let path = sheet_with_unknown_items(&dir, 1500);
    // Before, every diagnostic repeated the whole line: 5,000 items gave 556 MB of standard error.
    let run = smedx(&["score", &path]);
    assert_eq!(run.code, 2);
    // The unknown items come first; missing answers follow and are left out with the rest.
    assert_eq!(run.stderr.matches("[unknown-item]").count(), 200);
    let errors = tally(&run.stderr);
    assert!(errors > 1500, "{errors}");
    let more = format!("… and {} more diagnostic(s) in", errors - 200);
    assert!(
        run.stderr.contains(&more),
        "{}",
        &run.stderr[run.stderr.len().saturating_sub(2000)..]
    );
    let longest = run.stderr.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(longest < 200, "a line of {longest} characters");
    assert!(run.stderr.len() < 150_000, "{} bytes", run.stderr.len());
    // The cap is a flag; 0 shows every diagnostic.
    let all = smedx(&["score", &path, "--max-diagnostics", "0"]);
    assert_eq!(all.stderr.matches("[unknown-item]").count(), 1500);
    assert!(!all.stderr.contains("more diagnostic(s)"));
    // JSON: the shown ones, then one entry saying how many were left out.
    let json = smedx(&[
        "score",
        &path,
        "--diagnostics",
        "json",
        "--max-diagnostics",
        "10",
    ]);
    let diags: serde_json::Value = serde_json::from_str(&json.stderr).unwrap();
    let diags = diags.as_array().unwrap();
    assert_eq!(diags.len(), 11);
    assert_eq!(diags[10]["code"], "more-diagnostics");
    let more = format!("and {} more", errors - 10);
    assert!(diags[10]["message"].as_str().unwrap().contains(&more));
}

#[test]
fn the_caret_points_into_the_window() {
    let dir = TempDir::new("window");
    let path = sheet_with_unknown_items(&dir, 300);
    let run = smedx(&["score", &path, "--max-diagnostics", "150"]);
    // The 150th unknown item sits far right on its line; its window starts with `…`.
    let block = run
        .stderr
        .split("\n\n")
        .find(|b| b.contains("`zz-unknown-149`"))
        .unwrap();
    let lines: Vec<&str> = block.lines().collect();
    let source = lines.iter().find(|l| l.contains(" | …")).expect(block);
    let caret = lines.iter().find(|l| l.trim_end().ends_with('^')).unwrap();
    let col = caret.chars().count() - 1;
    let under: String = source.chars().skip(col).take(15).collect();
    assert_eq!(under, "zz-unknown-149:", "{block}");
}
