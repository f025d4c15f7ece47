//! `smedx serve` over HTTP: a real server process on 127.0.0.1, the firm's whole path, the office
//! dashboard, each security rule, and kill -9 survival.

mod serve_support;

use serve_support::{Backend, Client, Db, Resp, Server, complete_assessment, report_token};
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

fn a_firm_completes_the_questionnaire_and_gets_its_report_and_downloads(backend: Backend) {
    let dir = temp_dir(&format!("path-{backend:?}"));
    let Some(db) = Db::new(backend, &dir) else {
        return;
    };
    let server = Server::start(&db, &[]);
    let mut c = Client::new(server.addr);
    let token = complete_assessment(&mut c, "<script>alert(1)</script>恒锐", "510104");
    assert_eq!(token.len(), 32, "128-bit link");
    let report = report_token(&mut c, &token);

    let done = c.get(&format!("/r/{report}"));
    assert_eq!(done.status, 200);
    let html = done.text();
    for file in ["report.pdf", "report.docx"] {
        assert!(
            html.contains(&format!("/r/{report}/{file}")),
            "no {file} link"
        );
    }
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

    let full = c.get(&format!("/r/{report}/report.html"));
    assert_eq!(full.status, 200);
    let full = full.text();
    assert!(full.contains("<svg") && !full.contains("<script>alert"));
    for (file, magic) in [
        ("answers.yaml", &b"model: sme-dx-2024"[..]),
        ("answers.json", b"{"),
        ("answers.xlsx", b"PK"),
        ("report.pdf", b"%PDF-"),
        ("report.docx", b"PK"),
    ] {
        let r = c.get(&format!("/r/{report}/{file}"));
        assert_eq!(r.status, 200, "{file}");
        assert!(r.body.starts_with(magic), "{file}");
    }
    // An edit makes a new version; the first is kept.
    let r = c.post(&format!("/d/{token}/submit"), &[]);
    assert_eq!(r.status, 303);
    assert!(c.get(&format!("/r/{report}")).text().contains("第2"));

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

fn office_users_see_their_region_only(backend: Backend) {
    let dir = temp_dir(&format!("office-{backend:?}"));
    let Some(db) = Db::new(backend, &dir) else {
        return;
    };
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
    // The summary as PDF and Word, offered on the dashboard.
    let dash = dash.text();
    for (ext, magic) in [("pdf", &b"%PDF-"[..]), ("docx", b"PK")] {
        assert!(
            dash.contains(&format!("/office/summary.{ext}?")),
            "no {ext} link"
        );
        let r = c.get(&format!("/office/summary.{ext}"));
        assert_eq!(r.status, 200, "{ext}");
        assert!(r.body.starts_with(magic), "{ext}");
    }
    assert_eq!(c.post("/office/logout", &[]).status, 303);
    assert_eq!(c.get("/office").status, 303);
    let _ = std::fs::remove_dir_all(&dir);
}

fn security_rules_are_enforced(backend: Backend) {
    let dir = temp_dir(&format!("security-{backend:?}"));
    let Some(db) = Db::new(backend, &dir) else {
        return;
    };
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

fn an_acknowledged_submission_survives_kill_9(backend: Backend) {
    let dir = temp_dir(&format!("kill9-{backend:?}"));
    let Some(db) = Db::new(backend, &dir) else {
        return;
    };
    let server = Server::start(&db, &[]);
    let mut c = Client::new(server.addr);
    let token = complete_assessment(&mut c, "断电测试", "330381");
    // SIGKILL right after the acknowledgement: no shutdown, no checkpoint.
    server.kill9();
    let server = Server::start(&db, &[]);
    let mut c = Client::new(server.addr);
    let report = report_token(&mut c, &token);
    let r = c.get(&format!("/r/{report}"));
    assert_eq!(r.status, 200);
    assert!(r.text().contains("断电测试"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every route that reads or changes a draft, as (method, path under `/d/<token>`).
/// Submit comes first, while the draft is complete (the other posts send empty pages).
const EDIT_ROUTES: &[(&str, &str)] = &[
    ("POST", "/submit"),
    ("GET", ""),
    ("GET", "/profile"),
    ("POST", "/profile"),
    ("GET", "/page/1"),
    ("POST", "/page/1"),
    ("GET", "/page/4"),
    ("POST", "/page/4"),
    ("GET", "/review"),
    ("POST", "/recovery-code"),
];

fn the_report_link_opens_no_edit_page_and_the_edit_link_opens_them_all(backend: Backend) {
    let dir = temp_dir(&format!("links-{backend:?}"));
    let Some(db) = Db::new(backend, &dir) else {
        return;
    };
    let server = Server::start(&db, &["--rate-limit", "0"]);
    let mut c = Client::new(server.addr);
    let edit = complete_assessment(&mut c, "分权测试", "330381");
    let report = report_token(&mut c, &edit);
    assert_ne!(report, edit);

    // The firm's page names both links and what each allows, Chinese first.
    let page = c.get(&format!("/d/{edit}")).text();
    for want in [
        format!("/d/{edit}</code>"),
        format!("/r/{report}</code>"),
        "编辑链接".to_string(),
        "报告链接（只读".to_string(),
        "不能：打开问卷、修改或提交".to_string(),
    ] {
        assert!(page.contains(&want), "the firm's page lacks {want}");
    }

    let send = |c: &mut Client, method: &str, path: &str| -> Resp {
        if method == "GET" {
            c.get(path)
        } else {
            c.post(path, &[("go", "stay")])
        }
    };
    for (method, route) in EDIT_ROUTES {
        let r = send(&mut c, method, &format!("/d/{report}{route}"));
        assert!(
            matches!(r.status, 403 | 404),
            "{method} /d/<report>{route} gave {}",
            r.status
        );
    }
    let versions_before = c.get(&format!("/r/{report}")).text();
    assert!(versions_before.contains("第1"), "nothing was resubmitted");

    for (method, route) in EDIT_ROUTES {
        let r = send(&mut c, method, &format!("/d/{edit}{route}"));
        // No credit code in this draft: making a 取回码 is refused with a reason, not a 404.
        let want: &[u16] = match (*method, *route) {
            ("GET", _) => &[200],
            // `go=stay` on the profile saves and redirects back to the page (post/redirect/get);
            // a profile refused on save is shown again with its problems (200).
            (_, "/profile") => &[200, 303],
            (_, "/recovery-code") => &[422],
            _ => &[303],
        };
        assert!(
            want.contains(&r.status),
            "{method} /d/<edit>{route} gave {}: {}",
            r.status,
            r.text()
        );
    }

    // The report page and its downloads never carry the edit link.
    let report_page = c.get(&format!("/r/{report}")).text();
    assert!(report_page.contains("第2") && report_page.contains("只读"));
    for path in ["", "/report.html", "/answers.json", "/answers.yaml"] {
        let r = c.get(&format!("/r/{report}{path}"));
        assert_eq!(r.status, 200, "{path}");
        assert!(!r.text().contains(&edit), "{path} shows the edit link");
        assert!(!r.text().contains("/d/"), "{path} links to an edit page");
    }
    // Neither is the edit token a report link.
    assert_eq!(c.get(&format!("/r/{edit}")).status, 404);
    assert_eq!(c.get(&format!("/r/{edit}/report.html")).status, 404);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A schema-1 database, as `smedx serve` wrote it before the links were split.
const SCHEMA_1: &str = r#"
CREATE TABLE drafts (token TEXT PRIMARY KEY, sheet TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE submissions (id INTEGER PRIMARY KEY AUTOINCREMENT, firm TEXT NOT NULL, version INTEGER NOT NULL,
    model_id TEXT NOT NULL, model_version TEXT NOT NULL, region TEXT, industry TEXT, size TEXT,
    sheet TEXT NOT NULL, submitted_at INTEGER NOT NULL, UNIQUE (firm, version));
CREATE INDEX submissions_region ON submissions (region);
CREATE TABLE users (name TEXT PRIMARY KEY, region_prefix TEXT NOT NULL, password_hash TEXT NOT NULL);
CREATE TABLE sessions (token TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL);
PRAGMA user_version = 1;
"#;

#[test]
fn an_old_database_keeps_its_links_for_editing_and_gets_report_links() {
    // A firm that submitted under the schema-2 server, copied into a schema-1 database as the old
    // server would have stored it: its one link token was both the identity and the link.
    let dir = temp_dir("migrate");
    let fresh = dir.join("fresh.db");
    let server = Server::start(&fresh, &["--rate-limit", "0"]);
    let mut c = Client::new(server.addr);
    let edit = complete_assessment(&mut c, "旧库企业", "330381");
    drop(server);
    let new = rusqlite::Connection::open(&fresh).unwrap();
    let (firm, draft): (String, String) = new
        .query_row(
            "SELECT firm, sheet FROM drafts WHERE edit_token = ?1",
            [&edit],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let submitted: String = new
        .query_row(
            "SELECT sheet FROM submissions WHERE firm = ?1",
            [&firm],
            |r| r.get(0),
        )
        .unwrap();

    let old_db = dir.join("old.db");
    let old = rusqlite::Connection::open(&old_db).unwrap();
    old.execute_batch(SCHEMA_1).unwrap();
    let old_link = "5a".repeat(16);
    let unsubmitted = "c3".repeat(16);
    for token in [&old_link, &unsubmitted] {
        old.execute(
            // Edited now: a draft untouched for longer than --draft-days is swept at start.
            "INSERT INTO drafts (token, sheet, created_at, updated_at)
             VALUES (?1, ?2, CAST(strftime('%s', 'now') AS INTEGER), CAST(strftime('%s', 'now') AS INTEGER))",
            [token, &draft],
        )
        .unwrap();
    }
    old.execute(
        "INSERT INTO submissions (firm, version, model_id, model_version, region, industry, size, sheet, submitted_at)
         VALUES (?1, 1, 'sme-dx-2024', '1', '330381', 'C3670', 'small', ?2, 1)",
        [&old_link, &submitted],
    )
    .unwrap();
    drop(old);

    let server = Server::start(&old_db, &["--rate-limit", "0"]);
    let mut c = Client::new(server.addr);
    // The old link still edits, and is not a report link (it was both before).
    assert_eq!(c.get(&format!("/d/{old_link}/profile")).status, 200);
    assert_eq!(c.get(&format!("/r/{old_link}")).status, 404);
    let report = report_token(&mut c, &old_link);
    let r = c.get(&format!("/r/{report}"));
    assert_eq!(r.status, 200);
    assert!(r.text().contains("旧库企业") && r.text().contains("第1"));
    // A draft never submitted also got its own report link, which waits for a submission.
    let other = report_token(&mut c, &unsubmitted);
    assert_ne!(other, report);
    assert_eq!(c.get(&format!("/r/{other}")).status, 404);
    // Editing and submitting with the old link adds version 2 to the same firm.
    assert_eq!(c.post(&format!("/d/{old_link}/submit"), &[]).status, 303);
    assert!(c.get(&format!("/r/{report}")).text().contains("第2"));
    drop(server);
    let version: i64 = rusqlite::Connection::open(&old_db)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    // Migrated through every version since (3 records who started a draft, 4 adds the API's
    // tokens and idempotency keys).
    assert_eq!(version, 4);
    let _ = std::fs::remove_dir_all(&dir);
}

const CREDIT_CODE: &str = "91330381MA2H8C3NXF";

/// The 取回码 on a page that has just made one.
fn shown_code(html: &str) -> String {
    let marker = "class=\"big code\">";
    let at = html.find(marker).expect("a 取回码 is shown") + marker.len();
    html[at..].split('<').next().unwrap().to_string()
}

/// A draft named `name` with the credit code, and a 取回码 made for it: (edit link, 取回码).
fn draft_with_recovery_code(c: &mut Client, name: &str) -> (String, String) {
    c.get("/");
    let r = c.post("/start", &[]);
    let edit = r
        .header("location")
        .unwrap()
        .split('/')
        .nth(2)
        .unwrap()
        .to_string();
    let r = c.post(
        &format!("/d/{edit}/profile"),
        &[("name", name), ("credit_code", CREDIT_CODE), ("go", "stay")],
    );
    assert_eq!(
        r.status, 303,
        "saved, and redirected back to the profile page"
    );
    let before = c.get(&format!("/d/{edit}")).text();
    assert!(
        before.contains("生成取回码"),
        "the firm's page offers a 取回码"
    );
    let made = c.post(&format!("/d/{edit}/recovery-code"), &[]);
    assert_eq!(made.status, 200);
    let code = shown_code(&made.text());
    assert!(made.text().contains("只显示这一次"));
    // Shown once: the firm's page afterwards says one exists but not what it is.
    let after = c.get(&format!("/d/{edit}")).text();
    assert!(after.contains("已生成取回码") && !after.contains(&code));
    (edit, code)
}

fn recover(c: &mut Client, credit: &str, code: &str) -> Resp {
    c.get("/recover");
    c.post("/recover", &[("credit_code", credit), ("code", code)])
}

fn a_recovery_code_recovers_the_edit_link_and_guessing_is_limited(backend: Backend) {
    let dir = temp_dir(&format!("recover-{backend:?}"));
    let Some(db) = Db::new(backend, &dir) else {
        return;
    };
    let server = Server::start(&db, &["--rate-limit", "0"]);
    let mut firm = Client::new(server.addr);
    let (edit, code) = draft_with_recovery_code(&mut firm, "取回测试");
    assert_eq!(code.len(), 14, "{code}");
    let report = report_token(&mut firm, &edit);
    // Someone else starts drafts under the same credit code, with 取回码 of their own, later: they
    // do not crowd the firm's own 取回码 out.
    let mut other = Client::new(server.addr);
    for i in 0..10 {
        draft_with_recovery_code(&mut other, &format!("冒用{i}"));
    }
    let mut c = Client::new(server.addr);
    assert!(c.get("/recover").text().contains("找回编辑链接"));

    // A wrong code, and an unknown credit code, get the same answer: no oracle.
    let wrong = recover(&mut c, CREDIT_CODE, "0000-0000-0000");
    assert_eq!(wrong.status, 403);
    assert!(wrong.text().contains("统一社会信用代码或取回码不正确"));
    assert!(!wrong.text().contains("/d/"));
    let unknown = recover(&mut c, "91110108MA00AAAA0A", "0000-0000-0000");
    assert_eq!(unknown.status, 403);
    assert_eq!(unknown.text(), wrong.text());
    let shape = recover(&mut c, "9133", "0000-0000-0000");
    assert_eq!(shape.status, 422);
    assert!(shape.text().contains("18 位"));

    // The right code, typed in lower case without dashes: a new edit link; the old one is dead.
    let typed = code.replace('-', " ").to_lowercase();
    let ok = recover(&mut c, &CREDIT_CODE.to_lowercase(), &typed);
    assert_eq!(ok.status, 200, "{}", ok.text());
    let text = ok.text();
    let at = text.find("href=\"/d/").unwrap() + 9;
    let new_edit = text[at..at + 32].to_string();
    assert_ne!(new_edit, edit);
    assert!(
        text.contains(&format!("/r/{report}")),
        "the report link is unchanged"
    );
    assert_eq!(c.get(&format!("/d/{edit}/profile")).status, 404);
    let profile = c.get(&format!("/d/{new_edit}/profile"));
    assert_eq!(profile.status, 200);
    assert!(profile.text().contains("取回测试"), "the same draft");
    assert_eq!(report_token(&mut c, &new_edit), report);

    // Guessing is limited per credit code, from any address: 10 an hour; 2 used so far.
    let statuses: Vec<u16> = (0..9)
        .map(|_| recover(&mut c, CREDIT_CODE, "0000-0000-0000").status)
        .collect();
    assert_eq!(statuses, [403, 403, 403, 403, 403, 403, 403, 403, 429]);
    assert_eq!(
        recover(&mut c, CREDIT_CODE, &code).status,
        429,
        "even the right code waits"
    );
    assert_eq!(
        recover(&mut c, "91110108MA00AAAA0A", "0000-0000-0000").status,
        403,
        "another credit code has its own allowance"
    );
    drop(server);

    // And per address: --rate-limit 2 allows two attempts a minute, whatever the credit code.
    let server = Server::start(&db, &["--rate-limit", "2"]);
    let mut c = Client::new(server.addr);
    let statuses: Vec<u16> = [
        "91110108MA00AAAA0A",
        "91110108MA00BBBB0B",
        "91110108MA00CCCC0C",
    ]
    .iter()
    .map(|credit| recover(&mut c, credit, "0000-0000-0000").status)
    .collect();
    assert_eq!(statuses, [403, 403, 429]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pdf_and_word_downloads_are_rate_limited_and_pages_are_not() {
    let dir = temp_dir("documents");
    let db = dir.join("smedx.db");
    let server = Server::start(&db, &["--rate-limit", "3"]);
    let mut c = Client::new(server.addr);
    // The limit is checked before the link is looked up, so an unknown link counts too (and answers
    // at once, where a real document takes seconds to lay out in a debug build).
    let unknown = "0".repeat(32);
    let statuses: Vec<u16> = [
        "report.pdf",
        "report.docx",
        "report.pdf",
        "report.docx",
        "report.pdf",
    ]
    .iter()
    .map(|file| c.get(&format!("/r/{unknown}/{file}")).status)
    .collect();
    assert_eq!(statuses, [404, 404, 404, 429, 429]);
    for file in ["report.html", "answers.yaml"] {
        assert_eq!(c.get(&format!("/r/{unknown}/{file}")).status, 404, "{file}");
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

on_both_backends!(
    a_firm_completes_the_questionnaire_and_gets_its_report_and_downloads,
    office_users_see_their_region_only,
    security_rules_are_enforced,
    an_acknowledged_submission_survives_kill_9,
    the_report_link_opens_no_edit_page_and_the_edit_link_opens_them_all,
    a_recovery_code_recovers_the_edit_link_and_guessing_is_limited,
);

/// Two instances on one PostgreSQL database are one service: a firm's links, a form's CSRF cookie
/// and an office session work whichever instance a request reaches; `dump` and `user` read the
/// same database by its URL.
#[test]
fn two_instances_on_one_postgresql_database_behave_as_one() {
    let dir = temp_dir("two-instances");
    let Some(db) = Db::new(Backend::Postgres, &dir) else {
        return;
    };
    add_user(&db, "chengdu", "510100");
    let a = Server::start(&db, &["--min-group", "1", "--rate-limit", "0"]);
    let b = Server::start(&db, &["--min-group", "1", "--rate-limit", "0"]);

    // Submitted on A; the firm's page and its report open on B, the report link on A again.
    let mut c = Client::new(a.addr);
    let edit = complete_assessment(&mut c, "双实例一号", "510104");
    c.addr = b.addr;
    let report = report_token(&mut c, &edit);
    c.addr = a.addr;
    assert_eq!(c.get(&format!("/r/{report}")).status, 200);

    // A draft started on A is saved on B with the CSRF cookie A set.
    let r = c.post("/start", &[]);
    assert_eq!(r.status, 303);
    let profile = r.header("location").unwrap().to_string();
    c.addr = b.addr;
    let r = c.post(
        &profile,
        &[
            ("name", "双实例二号"),
            ("region", "510104"),
            ("industry", "C3670"),
            ("employees", "85"),
            ("revenue", "6000"),
            ("go", "next"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    c.addr = a.addr;
    assert!(
        c.get(&profile).text().contains("双实例二号"),
        "A reads B's save"
    );

    // An office session opened on A is valid on B; logging out on B ends it on A.
    let mut office = Client::new(a.addr);
    login(&mut office, "chengdu");
    office.addr = b.addr;
    let json = office.get("/office/summary.json");
    assert_eq!(json.status, 200);
    let summary: serde_json::Value = serde_json::from_slice(&json.body).unwrap();
    assert_eq!(summary["records"], 1);
    assert_eq!(office.post("/office/logout", &[]).status, 303);
    office.addr = a.addr;
    assert_eq!(
        office.get("/office").status,
        303,
        "the session ended everywhere"
    );

    let url = db.to_str().unwrap();
    let dump = smedx(&["dump", "--db", url], "");
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let lines = String::from_utf8(dump.stdout).unwrap();
    assert_eq!(lines.lines().count(), 1);
    assert!(lines.contains("双实例一号"));
    let users = smedx(&["user", "list", "--db", url], "");
    assert!(String::from_utf8_lossy(&users.stdout).starts_with("chengdu\t5101"));
    let _ = std::fs::remove_dir_all(&dir);
}
