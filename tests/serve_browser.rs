//! End to end in headless Chromium: a real `smedx serve` on 127.0.0.1, and
//! `tests/e2e/serve_e2e.py` (Selenium driving Debian's `chromium` through `chromedriver`) fills in
//! the questionnaire by clicking and typing, submits, and checks the report page.
//!
//! `.ci/install-browser-test.sh` installs Chromium, chromedriver, a CJK font and Selenium; in CI
//! (`CI` set) a missing piece fails the test instead of skipping it.

mod serve_support;

use serve_support::Server;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What the script exits with when Selenium, chromedriver or Chromium is missing.
const MISSING: i32 = 77;
/// Longest the browser walk may take (it takes about 15 s).
const TIMEOUT: Duration = Duration::from_secs(240);

/// `why` names what is missing and how to install it.
fn skip_or_fail(why: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{why}\n(CI is set: the headless-browser test must run, not be skipped)"
    );
    eprintln!("SKIPPED the headless-browser test: {why}");
}

#[test]
fn a_firm_fills_in_the_questionnaire_in_headless_chromium_and_reaches_its_report() {
    let dir = std::env::temp_dir().join(format!("smedx-serve-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let server = Server::start(&dir.join("smedx.db"), &[]);
    let url = format!("http://{}", server.addr);
    let script: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "e2e", "serve_e2e.py"]
        .iter()
        .collect();
    let (out, err, artifacts) = (
        dir.join("stdout.txt"),
        dir.join("stderr.txt"),
        dir.join("artifacts"),
    );

    let started = Instant::now();
    let child = Command::new("python3")
        .arg(&script)
        .arg(&url)
        .env("E2E_ARTIFACTS", &artifacts)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return skip_or_fail(&format!(
                "python3 cannot be started ({e}): install python3, then run \
                 `bash .ci/install-browser-test.sh` (as root)"
            ));
        }
    };
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the browser walk took over {TIMEOUT:?}; its output is in {}",
                dir.display()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(server);
    let stdout = std::fs::read_to_string(&out).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err).unwrap_or_default();

    if status.code() == Some(MISSING) {
        let _ = std::fs::remove_dir_all(&dir);
        return skip_or_fail(stderr.trim().trim_start_matches("SKIP: "));
    }
    assert!(
        status.success(),
        "the browser walk failed ({status}) after {:.1} s\n{stdout}{stderr}\
         (screenshot and HTML of the failing page, when taken, in {})",
        started.elapsed().as_secs_f64(),
        artifacts.display()
    );
    eprint!("{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}
