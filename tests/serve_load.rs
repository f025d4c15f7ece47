//! Load on loopback (run by `scripts/load-serve.sh`, ignored in `cargo test`): simulated SMEs walk
//! the whole questionnaire and submit, concurrently, for a fixed time; then the server is killed
//! with SIGKILL, restarted, and every acknowledged submission is read back.

mod serve_support;

use serve_support::{Client, Server, complete_assessment};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[test]
#[ignore = "load test: run scripts/load-serve.sh"]
fn concurrent_smes_submit_and_every_acknowledged_submission_is_stored() {
    let clients = env_or("SMEDX_LOAD_CLIENTS", 100).min(500);
    let secs = env_or("SMEDX_LOAD_SECS", 30).min(600);
    let dir = std::env::temp_dir().join(format!("smedx-serve-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("load.db");
    let server = Server::start(&db, &["--rate-limit", "0"]);
    let addr = server.addr;
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let timings: Arc<Mutex<Vec<(bool, Duration)>>> = Arc::default();
    let failures: Arc<Mutex<u64>> = Arc::default();
    let end = Instant::now() + Duration::from_secs(secs);
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let (acked, failures, timings) = (acked.clone(), failures.clone(), timings.clone());
            std::thread::spawn(move || {
                while Instant::now() < end {
                    let mut c = Client::new(addr);
                    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        complete_assessment(&mut c, &format!("负载企业{i}"), "510104")
                    }));
                    timings.lock().unwrap().extend(
                        c.timings
                            .iter()
                            .map(|(what, d)| (what.ends_with("/submit"), *d)),
                    );
                    match run {
                        Ok(token) => acked.lock().unwrap().push(token),
                        Err(_) => *failures.lock().unwrap() += 1,
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    let timings = std::mem::take(&mut *timings.lock().unwrap());
    let mut all: Vec<Duration> = timings.iter().map(|(_, d)| *d).collect();
    let mut submits: Vec<Duration> = timings
        .iter()
        .filter(|(s, _)| *s)
        .map(|(_, d)| *d)
        .collect();
    all.sort();
    submits.sort();
    println!(
        "clients {clients}, {secs} s: {} assessments submitted and acknowledged, {} failed; {} requests, {:.0} requests/s",
        acked.len(),
        failures.lock().unwrap(),
        all.len(),
        all.len() as f64 / secs as f64
    );
    println!(
        "every request: p50 {:?} p99 {:?}; submit: p50 {:?} p99 {:?}",
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        percentile(&submits, 0.5),
        percentile(&submits, 0.99)
    );

    // No shutdown: SIGKILL, restart, and read every acknowledged submission back.
    server.kill9();
    let server = Server::start(&db, &["--rate-limit", "0"]);
    let mut c = Client::new(server.addr);
    let mut missing = 0;
    for token in &acked {
        let page = c.get(&format!("/d/{token}"));
        if page.status != 200 || !page.text().contains("已提交第") {
            missing += 1;
        }
    }
    println!(
        "after kill -9 and restart: {} of {} acknowledged submissions read back",
        acked.len() - missing,
        acked.len()
    );
    assert_eq!(missing, 0);
    assert_eq!(*failures.lock().unwrap(), 0);
    assert!(!acked.is_empty());
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
