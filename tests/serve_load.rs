//! Load on loopback (run by `scripts/load-serve.sh`, ignored in `cargo test`): simulated SMEs walk
//! the whole questionnaire and submit, concurrently, for a fixed time; a server is killed with
//! SIGKILL, and every acknowledged submission is read back. On SQLite: one instance, killed at the
//! end and restarted. On PostgreSQL (`SMEDX_TEST_PG`): two instances on one database, one killed
//! midway; its clients go on with the other, as a proxy would send them.

mod serve_support;

use serve_support::{Backend, Client, Db, Server, complete_assessment};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
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

/// Every loopback client is one IP: the per-IP limits are off, as behind a proxy that limits.
const UNLIMITED: &[&str] = &[
    "--rate-limit",
    "0",
    "--save-limit",
    "0",
    "--max-drafts-per-ip",
    "0",
];

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("smedx-serve-load-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What the simulated SMEs did.
#[derive(Default)]
struct Run {
    /// Edit tokens of the submissions the server acknowledged (303 to the firm's page).
    acked: Vec<String>,
    /// (is a submission, time to the whole response) of every request.
    timings: Vec<(bool, Duration)>,
    /// Assessments that failed on a live instance.
    failures: u64,
    /// Assessments cut off by the killed instance (not acknowledged, so nothing is owed).
    interrupted: u64,
}

/// `clients` SMEs for `secs` seconds; client `i` uses `addrs[i % addrs.len()]`, or the last
/// address once `killed` is set. `midway` runs on this thread halfway through.
fn drive(
    clients: u64,
    secs: u64,
    addrs: &[SocketAddr],
    killed: Arc<AtomicBool>,
    midway: impl FnOnce(),
) -> Run {
    let run: Arc<Mutex<Run>> = Arc::default();
    let start = Instant::now();
    let end = start + Duration::from_secs(secs);
    let threads: Vec<_> = (0..clients as usize)
        .map(|i| {
            let (run, killed) = (run.clone(), killed.clone());
            let (mine, last) = (addrs[i % addrs.len()], *addrs.last().unwrap());
            std::thread::spawn(move || {
                while Instant::now() < end {
                    let was_killed = killed.load(Ordering::SeqCst);
                    let addr = if was_killed { last } else { mine };
                    let mut c = Client::new(addr);
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        complete_assessment(&mut c, &format!("负载企业{i}"), "510104")
                    }));
                    let mut run = run.lock().unwrap();
                    run.timings.extend(
                        c.timings
                            .iter()
                            .map(|(what, d)| (what.ends_with("/submit"), *d)),
                    );
                    match result {
                        Ok(token) => run.acked.push(token),
                        Err(_) if addr != last && killed.load(Ordering::SeqCst) => {
                            run.interrupted += 1
                        }
                        Err(_) => run.failures += 1,
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(secs) / 2);
    midway();
    for t in threads {
        t.join().unwrap();
    }
    let elapsed = start.elapsed();
    let run = std::mem::take(&mut *run.lock().unwrap());
    let mut all: Vec<Duration> = run.timings.iter().map(|(_, d)| *d).collect();
    let mut submits: Vec<Duration> = run
        .timings
        .iter()
        .filter(|(s, _)| *s)
        .map(|(_, d)| *d)
        .collect();
    all.sort();
    submits.sort();
    println!(
        "clients {clients}, {:.1} s: {} assessments submitted and acknowledged, {} failed, {} cut off by the kill; {} requests, {:.0} requests/s",
        elapsed.as_secs_f64(),
        run.acked.len(),
        run.failures,
        run.interrupted,
        all.len(),
        all.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "every request: p50 {:?} p99 {:?}; submit: p50 {:?} p99 {:?}",
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        percentile(&submits, 0.5),
        percentile(&submits, 0.99)
    );
    run
}

/// How many of the acknowledged submissions `addr` does not show as submitted.
fn missing(addr: SocketAddr, acked: &[String]) -> usize {
    let mut c = Client::new(addr);
    acked
        .iter()
        .filter(|token| {
            let page = c.get(&format!("/d/{token}"));
            page.status != 200 || !page.text().contains("已提交第")
        })
        .count()
}

/// Time the office's summary over every stored submission: an office user of the whole country
/// is added with `smedx user add`, logs in on `addr` and asks for `/office/summary.json`.
fn time_office_summary(db: &Db, addr: SocketAddr) -> Duration {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_smedx"))
        .args(["user", "add", "--region", "000000", "--db"])
        .arg(&**db)
        .arg("nation")
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"s3cret-password\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    let mut c = Client::new(addr);
    assert_eq!(c.get("/office/login").status, 200);
    let r = c.post(
        "/office/login",
        &[("name", "nation"), ("password", "s3cret-password")],
    );
    assert_eq!(r.status, 303);
    let started = Instant::now();
    let r = c.get("/office/summary.json");
    let took = started.elapsed();
    assert_eq!(r.status, 200);
    let summary: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    println!(
        "office summary over {} firms' latest submissions: {took:?}",
        summary["records"]
    );
    took
}

#[test]
#[ignore = "load test: run scripts/load-serve.sh"]
fn concurrent_smes_submit_and_every_acknowledged_submission_is_stored() {
    let clients = env_or("SMEDX_LOAD_CLIENTS", 100).min(500);
    let secs = env_or("SMEDX_LOAD_SECS", 30).min(600);
    let dir = temp_dir("sqlite");
    let db = Db::new(Backend::Sqlite, &dir).unwrap();
    let server = Server::start(&db, UNLIMITED);
    let run = drive(clients, secs, &[server.addr], Arc::default(), || {});

    // No shutdown: SIGKILL, restart, and read every acknowledged submission back.
    server.kill9();
    let server = Server::start(&db, UNLIMITED);
    let lost = missing(server.addr, &run.acked);
    println!(
        "after kill -9 and restart: {} of {} acknowledged submissions read back, lost {lost}",
        run.acked.len() - lost,
        run.acked.len()
    );
    time_office_summary(&db, server.addr);
    assert_eq!(lost, 0);
    assert_eq!(run.failures, 0);
    assert!(!run.acked.is_empty());
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "load test: run scripts/load-serve.sh with SMEDX_TEST_PG set"]
fn two_instances_on_postgresql_one_killed_midway_lose_no_acknowledged_submission() {
    assert!(
        std::env::var_os("SMEDX_TEST_PG").is_some(),
        "set SMEDX_TEST_PG (see .ci/install-postgres.sh)"
    );
    let clients = env_or("SMEDX_LOAD_CLIENTS", 100).min(500);
    let secs = env_or("SMEDX_LOAD_SECS", 30).min(600);
    let dir = temp_dir("postgres");
    let db = Db::new(Backend::Postgres, &dir).unwrap();
    let a = Server::start(&db, UNLIMITED);
    let b = Server::start(&db, UNLIMITED);
    let killed = Arc::new(AtomicBool::new(false));
    let flag = killed.clone();
    let a_addr = a.addr;
    let run = drive(clients, secs, &[a.addr, b.addr], killed, move || {
        // New assessments go to B from now on (the proxy takes A out); those under way on A
        // are cut off.
        flag.store(true, Ordering::SeqCst);
        a.kill9();
        println!("instance A ({a_addr}) killed with SIGKILL midway");
    });

    // Every acknowledged submission, whichever instance took it, is read back through the
    // survivor, and through the killed one restarted.
    let lost = missing(b.addr, &run.acked);
    let a = Server::start(&db, UNLIMITED);
    let lost_a = missing(a.addr, &run.acked);
    println!(
        "after kill -9 of one instance: {} of {} acknowledged submissions read back through the survivor, lost {lost}; through the restarted instance, lost {lost_a}",
        run.acked.len() - lost,
        run.acked.len()
    );
    let (rows, bytes, sheet): (i64, i64, f64) = {
        let row = db.query_one(
            "SELECT COUNT(*), pg_total_relation_size('submissions'), AVG(OCTET_LENGTH(sheet))::FLOAT8 FROM submissions",
        );
        (row.get(0), row.get(1), row.get(2))
    };
    println!(
        "storage: {rows} submissions, {} bytes each on disk with indexes (sheet JSON {sheet:.0} bytes)",
        bytes / rows.max(1)
    );
    time_office_summary(&db, b.addr);
    assert_eq!((lost, lost_a), (0, 0));
    assert_eq!(run.failures, 0);
    assert!(run.acked.len() > clients as usize);
    drop((a, b));
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}
