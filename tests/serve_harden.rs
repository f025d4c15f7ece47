//! `smedx serve` hardening, on a real server process: local-only redirects, timeouts, private
//! files, the office users' lifecycle, bounded drafts, start-up checks and what a publication shows.

mod serve_support;

use serve_support::{Backend, Client, Db, Server, complete_assessment};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A test's own folder, removed when the test ends (after its server, which is declared later and
/// so dropped first).
struct TempDir(tempfile::TempDir);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        self.0.path()
    }
}

fn temp_dir(name: &str) -> TempDir {
    TempDir(
        tempfile::Builder::new()
            .prefix(&format!("smedx-harden-{name}-"))
            .tempdir()
            .unwrap(),
    )
}

fn smedx(args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_smedx"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that reads no password may exit before the write: a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn user(db: &Path, args: &[&str], password: &str) -> std::process::Output {
    let mut all = vec!["user"];
    all.extend_from_slice(args);
    all.extend(["--db", db.to_str().unwrap()]);
    smedx(&all, &format!("{password}\n"))
}

fn login(c: &mut Client, name: &str, password: &str) -> u16 {
    assert_eq!(c.get("/office/login").status, 200);
    c.post("/office/login", &[("name", name), ("password", password)])
        .status
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn redirects_go_to_local_paths_only(backend: Backend) {
    let dir = temp_dir(&format!("redirect-{backend:?}"));
    let Some(db) = Db::new(backend, &dir) else {
        return;
    };
    let server = Server::start(&db, &[]);
    let mut c = Client::new(server.addr);
    for evil in [
        "/%09/evil.example/x",
        "//evil.example",
        "/%5Cevil.example",
        "%2F%2Fevil.example",
        "https://evil.example",
        "/%0D%0ASet-Cookie:%20x=1",
        "/%20/evil.example",
    ] {
        let r = c.get(&format!("/lang/en?next={evil}"));
        assert_eq!(r.status, 303, "{evil}");
        assert_eq!(r.header("location"), Some("/"), "{evil}");
    }
    let r = c.get("/lang/zh?next=%2Frecover");
    assert_eq!(r.header("location"), Some("/recover"));
}

#[test]
fn an_idle_half_request_is_closed_while_others_are_served() {
    let dir = temp_dir("idle");
    let server = Server::start(
        &dir.join("smedx.db"),
        &["--header-timeout", "1", "--idle-timeout", "2"],
    );
    let mut idle = TcpStream::connect(server.addr).unwrap();
    idle.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let started = Instant::now();
    let mut c = Client::new(server.addr);
    assert_eq!(c.get("/").status, 200, "served beside the idle connection");
    let mut buf = Vec::new();
    let read = idle.read_to_end(&mut buf);
    let waited = started.elapsed();
    assert!(
        read.is_ok(),
        "closed by the server, not by our read timeout: {read:?}"
    );
    assert!(
        !String::from_utf8_lossy(&buf).contains("200 OK"),
        "{}",
        String::from_utf8_lossy(&buf)
    );
    assert!(
        waited >= Duration::from_millis(800) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
}

#[test]
fn a_connection_cap_queues_clients_until_a_slot_frees() {
    let dir = temp_dir("cap");
    let server = Server::start(
        &dir.join("smedx.db"),
        &["--max-connections", "2", "--header-timeout", "2"],
    );
    let mut held: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr).unwrap();
            s.write_all(b"GET / HTTP/1.1\r\n").unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let mut c = Client::new(server.addr);
    assert_eq!(c.get("/").status, 200);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(1000),
        "served only once a held connection timed out: {waited:?}"
    );
    held.clear();
}

/// Entries under `root` that a user other than the owner could read: a world-readable file
/// reached through world-searchable folders only.
fn world_readable(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(root) else {
        return found;
    };
    for e in entries.flatten() {
        let Ok(meta) = std::fs::symlink_metadata(e.path()) else {
            continue; // removed meanwhile
        };
        let m = meta.permissions().mode();
        if meta.is_dir() {
            if m & 0o001 != 0 {
                found.extend(world_readable(&e.path()));
            }
        } else if m & 0o004 != 0 {
            found.push(e.path());
        }
    }
    found
}

#[test]
fn private_data_stays_private_at_rest() {
    let dir = temp_dir("private");
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o777)).unwrap();
    let db = dir.join("smedx.db");
    let server = Server::start_env(&db, &["--min-group", "1"], &[("TMPDIR", &tmp)]);
    let mut firm = Client::new(server.addr);
    complete_assessment(&mut firm, "恒锐精密", "510104");
    for f in ["smedx.db", "smedx.db-wal", "smedx.db-shm"] {
        assert_eq!(
            mode(&dir.join(f)) & 0o077,
            0,
            "{f} is {:o}",
            mode(&dir.join(f))
        );
    }

    assert!(
        user(&db, &["add", "--region", "510000", "u"], "s3cret-password")
            .status
            .success()
    );
    let mut c = Client::new(server.addr);
    assert_eq!(login(&mut c, "u", "s3cret-password"), 303);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watch = {
        let (stop, tmp) = (stop.clone(), tmp.clone());
        std::thread::spawn(move || {
            let mut seen = std::collections::BTreeSet::new();
            let mut scans = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                seen.extend(world_readable(&tmp));
                scans += 1;
            }
            (seen, scans)
        })
    };
    for _ in 0..5 {
        for ext in ["json", "xlsx", "html"] {
            assert_eq!(c.get(&format!("/office/summary.{ext}")).status, 200);
        }
        assert_eq!(c.get("/office").status, 200);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (seen, scans) = watch.join().unwrap();
    assert!(scans > 0);
    assert!(seen.is_empty(), "world-readable during a summary: {seen:?}");
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().flatten().collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

fn a_new_password_or_removal_ends_the_users_sessions(backend: Backend) {
    let dir = temp_dir(&format!("users-{backend:?}"));
    let Some(db) = Db::new(backend, &dir) else {
        return;
    };
    let server = Server::start(&db, &[]);
    for name in ["ana", "bo"] {
        let out = user(&db, &["add", "--region", "510100", name], "s3cret-password");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let list = user(&db, &["list"], "");
    assert_eq!(
        String::from_utf8_lossy(&list.stdout),
        "ana\t5101*\nbo\t5101*\n"
    );

    let (mut a, mut b) = (Client::new(server.addr), Client::new(server.addr));
    assert_eq!(login(&mut a, "ana", "s3cret-password"), 303);
    assert_eq!(login(&mut b, "bo", "s3cret-password"), 303);
    assert_eq!(a.get("/office").status, 200);
    assert_eq!(b.get("/office").status, 200);

    let out = user(&db, &["passwd", "ana"], "another-password");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(a.get("/office").status, 303, "the old session ends");
    assert_eq!(
        login(&mut a, "ana", "s3cret-password"),
        401,
        "old password refused"
    );
    assert_eq!(login(&mut a, "ana", "another-password"), 303);
    assert_eq!(a.get("/office").status, 200);
    assert_eq!(b.get("/office").status, 200, "another user's session stays");

    assert!(user(&db, &["remove", "bo"], "").status.success());
    assert_eq!(
        b.get("/office").status,
        303,
        "a removed user's session ends"
    );
    assert_ne!(login(&mut b, "bo", "s3cret-password"), 303);
    let again = user(&db, &["remove", "bo"], "");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("no-such-user"));
    let short = user(&db, &["passwd", "ana"], "short");
    assert!(!short.status.success());
}

fn start_draft(c: &mut Client) -> (u16, String) {
    assert_eq!(c.get("/").status, 200);
    let r = c.post("/start", &[]);
    let loc = r.header("location").unwrap_or("").to_string();
    (r.status, loc)
}

fn drafts_are_bounded(backend: Backend) {
    let dir = temp_dir(&format!("drafts-{backend:?}"));
    let Some(db) = Db::new(backend, &dir) else {
        return;
    };
    let server = Server::start(
        &db,
        &[
            "--max-drafts-per-ip",
            "2",
            "--save-limit",
            "4",
            "--draft-days",
            "1",
        ],
    );
    let mut c = Client::new(server.addr);
    let (s1, old) = start_draft(&mut c);
    let (s2, profile) = start_draft(&mut c);
    assert_eq!((s1, s2), (303, 303));
    let (s3, _) = start_draft(&mut c);
    assert_eq!(s3, 503, "a third live draft from one client");

    let long = "a".repeat(60_000);
    let r = c.post(&profile, &[("name", &long), ("go", "stay")]);
    assert_eq!(r.status, 413, "a 60 KB company name");
    assert!(r.text().contains("过长"), "{}", r.text());
    let with = |employees| {
        [
            ("name", "恒锐"),
            ("region", "510104"),
            ("industry", "C3670"),
            ("employees", employees),
            ("revenue", "6000"),
            ("go", "next"),
        ]
    };
    let r = c.post(&profile, &with("2.5"));
    assert_eq!(r.status, 422, "2.5 people");
    let r = c.post(&profile, &with("3"));
    assert_eq!(r.status, 303, "3 people: {}", r.text());
    let r = c.post(&profile, &[("go", "stay")]);
    assert_ne!(r.status, 429);
    let r = c.post(&profile, &[("go", "stay")]);
    assert_eq!(r.status, 429, "the fifth save within a minute");
    drop(server);

    // A draft not edited for longer than --draft-days goes when the server starts.
    let token = old.split('/').nth(2).unwrap().to_string();
    db.execute(
        "UPDATE drafts SET updated_at = 0 WHERE edit_token = $1",
        &token,
    );
    let server = Server::start(&db, &[]);
    let mut c = Client::new(server.addr);
    assert_eq!(c.get(&old).status, 404, "the expired draft is gone");
    assert_eq!(c.get(&profile).status, 200, "a recent draft stays");
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn a_damaged_or_read_only_database_is_refused_at_start() {
    let dir = temp_dir("startcheck");
    let bad = dir.join("bad.db");
    std::fs::write(&bad, vec![b'x'; 8192]).unwrap();
    let out = smedx(
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--db",
            bad.to_str().unwrap(),
        ],
        "",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains(bad.to_str().unwrap()) && err.contains("备份"),
        "{err}"
    );

    // Root writes whatever the permissions say, so the read-only case needs another user.
    if running_as_root() {
        return;
    }
    let db = dir.join("smedx.db");
    drop(Server::start(&db, &[]));
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o400)).unwrap();
    let out = smedx(
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--db",
            db.to_str().unwrap(),
        ],
        "",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains(db.to_str().unwrap()) && err.contains("不可写"),
        "{err}"
    );
}

/// Every distribution object (one with a median) in a published JSON.
fn distributions(v: &serde_json::Value, out: &mut Vec<serde_json::Value>) {
    match v {
        serde_json::Value::Object(m) => {
            if m.contains_key("median") {
                out.push(v.clone());
            }
            m.values().for_each(|x| distributions(x, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| distributions(x, out)),
        _ => {}
    }
}

fn published_outputs_show_no_minimum_or_maximum(backend: Backend) {
    let dir = temp_dir(&format!("publish-{backend:?}"));
    let Some(db) = Db::new(backend, &dir) else {
        return;
    };
    let server = Server::start(&db, &["--min-group", "2"]);
    let mut firm = Client::new(server.addr);
    complete_assessment(&mut firm, "甲", "510104");
    let mut firm = Client::new(server.addr);
    complete_assessment(&mut firm, "乙", "510104");
    assert!(
        user(&db, &["add", "--region", "510000", "u"], "s3cret-password")
            .status
            .success()
    );
    let mut c = Client::new(server.addr);
    assert_eq!(login(&mut c, "u", "s3cret-password"), 303);
    let r = c.get("/office/summary.json");
    assert_eq!(r.status, 200);
    let json: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let mut found = Vec::new();
    distributions(&json, &mut found);
    assert!(!found.is_empty());
    for d in &found {
        assert!(d["min"].is_null() && d["max"].is_null(), "{d}");
        if d["n"].as_u64().unwrap_or(0) >= 2 {
            assert!(d["q1"].is_number(), "quartiles for a group of k: {d}");
        }
    }

    // The CLI's aggregate without --named publishes the same way; with --named it keeps them.
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("questionnaires/examples");
    let published = dir.join("published.json");
    let out = Command::new(env!("CARGO_BIN_EXE_smedx"))
        .args([
            "aggregate",
            samples.to_str().unwrap(),
            "--min-group",
            "1",
            "-o",
        ])
        .arg(&published)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&published).unwrap()).unwrap();
    let mut found = Vec::new();
    distributions(&json, &mut found);
    assert!(!found.is_empty());
    assert!(
        found
            .iter()
            .all(|d| d["min"].is_null() && d["max"].is_null())
    );
}

on_both_backends!(
    redirects_go_to_local_paths_only,
    a_new_password_or_removal_ends_the_users_sessions,
    drafts_are_bounded,
    published_outputs_show_no_minimum_or_maximum,
);
