//! `smedx serve` over HTTP: a real server process on 127.0.0.1, the firm's whole path, the office
//! dashboard, each security rule, and kill -9 survival.

mod serve_support;

use serve_support::{Client, Server, complete_assessment};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("smedx-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn smedx(args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_smedx"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn add_user(db: &std::path::Path, name: &str, region: &str) {
    let out = smedx(
        &[
            "user",
            "add",
            "--region",
            region,
            "--db",
            db.to_str().unwrap(),
            name,
        ],
        "s3cret-password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn login(c: &mut Client, name: &str) {
    assert_eq!(c.get("/office/login").status, 200);
    let r = c.post(
        "/office/login",
        &[("name", name), ("password", "s3cret-password")],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let cookie = r.header("set-cookie").unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
}

#[test]
fn a_firm_completes_the_questionnaire_and_gets_its_report_and_downloads() {
    let dir = temp_dir("path");
    let db = dir.join("smedx.db");
    let server = Server::start(&db, &[]);
    let mut c = Client::new(server.addr);
    let token = complete_assessment(&mut c, "<script>alert(1)</script>恒锐", "510104");
    assert_eq!(token.len(), 32, "128-bit link");

    let done = c.get(&format!("/r/{token}"));
    assert_eq!(done.status, 200);
    let html = done.text();
    assert!(
        html.contains("&lt;script&gt;") && !html.contains("<script>alert"),
        "escaped"
    );
    assert!(
        done.header("content-security-policy")
            .unwrap()
            .contains("default-src 'none'")
    );
    assert_eq!(done.header("referrer-policy"), Some("no-referrer"));

    let report = c.get(&format!("/r/{token}/report.html"));
    assert_eq!(report.status, 200);
    let report = report.text();
    assert!(report.contains("<svg") && !report.contains("<script>alert"));
    for (file, magic) in [
        ("answers.yaml", &b"model: sme-dx-2024"[..]),
        ("answers.json", b"{"),
        ("answers.xlsx", b"PK"),
    ] {
        let r = c.get(&format!("/r/{token}/{file}"));
        assert_eq!(r.status, 200, "{file}");
        assert!(r.body.starts_with(magic), "{file}");
    }
    // An edit makes a new version; the first is kept.
    let r = c.post(&format!("/d/{token}/submit"), &[]);
    assert_eq!(r.status, 303);
    assert!(c.get(&format!("/r/{token}")).text().contains("第2"));

    // Another visitor without the link sees nothing.
    let mut stranger = Client::new(server.addr);
    assert_eq!(stranger.get(&format!("/r/{}", "0".repeat(32))).status, 404);
    assert_eq!(stranger.get("/d/not-a-token/profile").status, 404);
    drop(server);

    // Everything dumps in the format `smedx aggregate` reads.
    let all = dir.join("all.jsonl");
    let out = smedx(
        &[
            "dump",
            "--db",
            db.to_str().unwrap(),
            "--all-versions",
            "-o",
            all.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&all).unwrap().lines().count(), 2);
    let out = smedx(
        &["aggregate", all.to_str().unwrap(), "--min-group", "1"],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("企业数： 2"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn office_users_see_their_region_only() {
    let dir = temp_dir("office");
    let db = dir.join("smedx.db");
    add_user(&db, "chengdu", "510100");
    let server = Server::start(&db, &["--min-group", "1"]);
    let mut firm = Client::new(server.addr);
    complete_assessment(&mut firm, "成都一号", "510104");
    complete_assessment(&mut firm, "贵阳一号", "520102");

    let mut c = Client::new(server.addr);
    assert_eq!(c.get("/office").status, 303, "login first");
    assert_eq!(c.get("/office/summary.json").status, 303);
    let r = c.post(
        "/office/login",
        &[("name", "chengdu"), ("password", "wrong")],
    );
    assert_eq!(r.status, 401);
    login(&mut c, "chengdu");
    let dash = c.get("/office");
    assert_eq!(dash.status, 200);
    let json = c.get("/office/summary.json");
    assert_eq!(json.status, 200);
    let summary: serde_json::Value = serde_json::from_slice(&json.body).unwrap();
    assert_eq!(summary["records"], 1, "only the Chengdu firm");
    // Cross-region reads are refused.
    assert_eq!(c.get("/office?region=520100").status, 403);
    assert_eq!(c.get("/office/summary.json?region=52").status, 403);
    assert_eq!(c.get("/office/summary.json?region=510104").status, 200);
    for ext in ["html", "xlsx"] {
        assert_eq!(
            c.get(&format!("/office/summary.{ext}?size=small")).status,
            200
        );
    }
    assert_eq!(c.post("/office/logout", &[]).status, 303);
    assert_eq!(c.get("/office").status, 303);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn security_rules_are_enforced() {
    let dir = temp_dir("security");
    let db = dir.join("smedx.db");
    let server = Server::start(&db, &["--rate-limit", "3"]);
    let mut c = Client::new(server.addr);
    let home = c.get("/");
    let csrf_cookie = home.header("set-cookie").unwrap();
    assert!(csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Strict"));

    // CSRF: a form without the token, or with another, is refused.
    let r = c.request("POST", "/start", Some(""));
    assert_eq!(r.status, 403);
    let r = c.request("POST", "/start", Some(&format!("csrf={}", "a".repeat(32))));
    assert_eq!(r.status, 403);
    let mut no_cookie = Client::new(server.addr);
    let r = no_cookie.request(
        "POST",
        "/start",
        Some(&format!("csrf={}", c.cookies["smedx_csrf"])),
    );
    assert_eq!(r.status, 403, "the cookie must come with the token");

    // Oversize bodies are refused.
    let big = format!(
        "csrf={}&name={}",
        c.cookies["smedx_csrf"],
        "x".repeat(200_000)
    );
    assert_eq!(c.request("POST", "/start", Some(&big)).status, 413);

    // The rate limit: 3 per minute per IP.
    let statuses: Vec<u16> = (0..5).map(|_| c.post("/start", &[]).status).collect();
    assert_eq!(statuses, [303, 303, 303, 429, 429]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_acknowledged_submission_survives_kill_9() {
    let dir = temp_dir("kill9");
    let db = dir.join("smedx.db");
    let server = Server::start(&db, &[]);
    let mut c = Client::new(server.addr);
    let token = complete_assessment(&mut c, "断电测试", "330381");
    // SIGKILL right after the acknowledgement: no shutdown, no checkpoint.
    server.kill9();
    let server = Server::start(&db, &[]);
    let mut c = Client::new(server.addr);
    let r = c.get(&format!("/r/{token}"));
    assert_eq!(r.status, 200);
    assert!(r.text().contains("断电测试"));
    let _ = std::fs::remove_dir_all(&dir);
}
