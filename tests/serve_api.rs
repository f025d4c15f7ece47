//! The JSON API of `smedx serve` end to end: a real server, tokens made by `smedx token`, raw HTTP.

mod serve_support;

use serde_json::{Value, json};
use serve_support::{Backend, Db, Server};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn smedx(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_smedx"))
        .args(args)
        .env("SMEDX_LANG", "en")
        .output()
        .unwrap()
}

/// `smedx token add`: the token printed on standard output.
fn add_token(db: &Path, region: &str) -> String {
    let out = smedx(&[
        "token",
        "add",
        "--region",
        region,
        "--db",
        db.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The problem's code, checking it is a problem document with both languages.
    fn code(&self) -> &str {
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.body
        );
        assert_eq!(self.body["status"], self.status);
        assert!(
            self.body["message"]["zh"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        assert!(
            self.body["message"]["en"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        self.body["code"].as_str().unwrap()
    }
}

fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        req.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    if let Some(b) = body {
        let _ = s.write_all(b);
    }
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let body = serde_json::from_slice(&raw[split + 4..]).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        body,
    }
}

struct Api {
    addr: SocketAddr,
}

impl Api {
    fn get(&self, path: &str, token: &str) -> Resp {
        let auth = format!("Bearer {token}");
        request(self.addr, "GET", path, &[("Authorization", &auth)], None)
    }
    fn submit(&self, token: &str, sheet: &Value, key: Option<&str>) -> Resp {
        self.send("POST", "/api/v1/assessments", token, sheet, key)
    }
    fn resubmit(&self, id: &str, token: &str, sheet: &Value) -> Resp {
        self.send(
            "PUT",
            &format!("/api/v1/assessments/{id}"),
            token,
            sheet,
            None,
        )
    }
    fn send(
        &self,
        method: &str,
        path: &str,
        token: &str,
        sheet: &Value,
        key: Option<&str>,
    ) -> Resp {
        let auth = format!("Bearer {token}");
        let mut headers = vec![
            ("Authorization", auth.as_str()),
            ("Content-Type", "application/json"),
        ];
        if let Some(k) = key {
            headers.push(("Idempotency-Key", k));
        }
        let body = serde_json::to_vec_pretty(sheet).unwrap();
        request(self.addr, method, path, &headers, Some(&body))
    }
}

fn example(name: &str) -> (PathBuf, Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("questionnaires/examples")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let sheet =
        serde_saphyr::from_str_with_options(&text, smedx::source_file::yaml_options()).unwrap();
    (path, sheet)
}

fn submissions(db: &Db) -> i64 {
    db.texts("SELECT CAST(COUNT(*) AS TEXT) FROM submissions")[0]
        .parse()
        .unwrap()
}

fn temp_db(name: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("smedx-api-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("smedx.db");
    (dir, db)
}

fn a_token_submits_and_reads_its_own_region_only(backend: Backend) {
    let (dir, _) = temp_db(&format!("regions-{backend:?}"));
    let Some(db) = Db::new(backend, &dir) else {
        return;
    };
    let zhejiang = add_token(&db, "330000");
    let jiangsu = add_token(&db, "320000");
    assert!(zhejiang.starts_with("smx_") && zhejiang != jiangsu);
    let server = Server::start(&db, &[]);
    let api = Api { addr: server.addr };
    let (path, ruian) = example("auto-parts-machining.yaml"); // 330381
    let (_, changzhou) = example("coatings-chemicals.yaml"); // 320412

    // No token, a wrong one: refused before anything is read.
    let r = request(api.addr, "GET", "/api/v1/regions/330000/summary", &[], None);
    assert_eq!((r.status, r.code()), (401, "api-token"));
    // The right id with another secret.
    let last = if zhejiang.ends_with('a') { "b" } else { "a" };
    let forged = format!("{}{last}", &zhejiang[..zhejiang.len() - 1]);
    assert_eq!(
        api.get("/api/v1/regions/330000/summary", &forged).status,
        401
    );

    // The result is the same JSON as `smedx score --format json`.
    let r = api.submit(&zhejiang, &ruian, None);
    assert_eq!(r.status, 201, "{}", r.body);
    let cli = smedx(&["score", path.to_str().unwrap(), "--format", "json"]);
    let expected: Value = serde_json::from_slice(&cli.stdout).unwrap();
    assert_eq!(r.body["assessment"], expected);
    assert_eq!(r.body["version"], 1);
    assert_eq!(r.body["region"], "330381");
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(
        r.header("location"),
        Some(format!("/api/v1/assessments/{id}").as_str())
    );

    // Submitting for another region is refused and stores nothing.
    let r = api.submit(&zhejiang, &changzhou, None);
    assert_eq!((r.status, r.code()), (403, "api-region"));
    assert!(r.body["message"]["zh"].as_str().unwrap().contains("320412"));
    assert_eq!(submissions(&db), 1);

    // Reading: the own region's token reads it; another region's gets "not found".
    let r = api.get(&format!("/api/v1/assessments/{id}"), &zhejiang);
    assert_eq!(r.status, 200);
    assert_eq!(r.body["assessment"], expected);
    let r = api.get(&format!("/api/v1/assessments/{id}"), &jiangsu);
    assert_eq!((r.status, r.code()), (404, "api-not-found"));
    assert_eq!(r.body.get("assessment"), None);
    assert_eq!(
        api.get("/api/v1/assessments/nope", &zhejiang).code(),
        "api-not-found"
    );

    // Re-assessment: a new version of the same firm, by a token of its region, within it.
    let mut later = ruian.clone();
    later["profile"]["assessed_on"] = json!("2027-06-30");
    assert_eq!(api.resubmit(&id, &jiangsu, &later).code(), "api-region");
    let mut moved = later.clone();
    moved["profile"]["region"] = json!("320412");
    // Another region's token cannot add a version to this firm, not even one of its own region.
    assert_eq!(api.resubmit(&id, &jiangsu, &moved).code(), "api-not-found");
    assert_eq!(api.resubmit(&id, &zhejiang, &moved).code(), "api-region");
    let r = api.resubmit(&id, &zhejiang, &later);
    assert_eq!((r.status, &r.body["id"]), (201, &json!(id)), "{}", r.body);
    assert_eq!(r.body["version"], 2);
    let r = api.get(&format!("/api/v1/assessments/{id}"), &zhejiang);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["assessment"]["profile"]["assessed_on"], "2027-06-30");
    assert_eq!(submissions(&db), 2);

    // Summaries: another region's is refused; a county inside the own region is allowed.
    let r = api.get("/api/v1/regions/330000/summary", &jiangsu);
    assert_eq!((r.status, r.code()), (403, "api-region"));
    let r = api.get("/api/v1/regions/000000/summary", &jiangsu);
    assert_eq!(r.status, 403, "the whole country is wider than a province");
    let r = api.get("/api/v1/regions/330381/summary", &zhejiang);
    assert_eq!(r.status, 200, "{}", r.body);
    // One firm: below k = 5 the group is suppressed, no figure of it shown.
    assert_eq!(r.body["overall"]["suppressed"], true);
    assert_eq!(r.body["overall"]["score"], Value::Null);
    // Four more firms (the summary counts firms by credit code) moved to 瑞安市.
    for name in [
        "electronics-assembler.yaml",
        "furniture-workshop.yaml",
        "plastics-moulding.yaml",
        "textile-dyeing.yaml",
    ] {
        let (_, mut sheet) = example(name);
        sheet["profile"]["region"] = json!("330381");
        let r = api.submit(&zhejiang, &sheet, None);
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let r = api.get("/api/v1/regions/330000/summary?industry=C", &zhejiang);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["overall"]["n"], 5);
    assert!(
        r.body["overall"]["score"]["q1"].is_number(),
        "quartiles at k"
    );
    let r = api.get("/api/v1/regions/330000/summary?size=huge", &zhejiang);
    assert_eq!((r.status, r.code()), (400, "api-request"));
    let r = api.get("/api/v1/regions/33/summary", &zhejiang);
    assert_eq!((r.status, r.code()), (400, "api-request"));

    // A revoked token opens nothing.
    let id_of = |t: &str| t[4..20].to_string();
    let out = smedx(&[
        "token",
        "revoke",
        &id_of(&jiangsu),
        "--db",
        db.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let r = api.submit(&jiangsu, &changzhou, None);
    assert_eq!((r.status, r.code()), (401, "api-token"));
    let out = smedx(&[
        "token",
        "revoke",
        &id_of(&jiangsu),
        "--db",
        db.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "revoked already");
    let list = smedx(&["token", "list", "--db", db.to_str().unwrap()]);
    let list = String::from_utf8(list.stdout).unwrap();
    assert!(list.contains(&id_of(&zhejiang)) && list.contains("revoked@"));
    assert!(
        !list.contains(&zhejiang[21..]),
        "the secret is never shown again"
    );
    let stored = db.texts("SELECT secret_hash FROM api_tokens").join(",");
    assert!(!stored.contains(&zhejiang[21..]), "only the hash is stored");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

fn a_retried_submission_is_stored_once(backend: Backend) {
    let (dir, _) = temp_db(&format!("idempotency-{backend:?}"));
    let Some(db) = Db::new(backend, &dir) else {
        return;
    };
    let token = add_token(&db, "330000");
    let server = Server::start(&db, &[]);
    let api = Api { addr: server.addr };
    let (_, sheet) = example("auto-parts-machining.yaml");
    let first = api.submit(&token, &sheet, Some("order-7-firm-A"));
    assert_eq!(first.status, 201);
    assert_eq!(first.header("idempotency-replayed"), None);
    let again = api.submit(&token, &sheet, Some("order-7-firm-A"));
    assert_eq!(again.status, 201);
    assert_eq!(again.header("idempotency-replayed"), Some("true"));
    assert_eq!(again.body, first.body, "the retry gets the first result");
    assert_eq!(submissions(&db), 1);
    // The same key with another sheet is a client's mistake: refused, nothing stored.
    let mut other = sheet.clone();
    other["profile"]["region"] = json!("330302");
    let r = api.submit(&token, &other, Some("order-7-firm-A"));
    assert_eq!((r.status, r.code()), (422, "idempotency-conflict"));
    // A new key is a new submission.
    assert_eq!(
        api.submit(&token, &other, Some("order-7-firm-B")).status,
        201
    );
    assert_eq!(submissions(&db), 2);
    let r = api.submit(&token, &sheet, Some("has space"));
    assert_eq!((r.status, r.code()), (400, "api-request"));
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_requests_get_problem_documents_with_places_and_limits_hold() {
    let (dir, _) = temp_db("problems");
    let db = Db::new(Backend::Sqlite, &dir).unwrap();
    let token = add_token(&db, "000000");
    let server = Server::start(&db, &["--api-rate-limit", "12"]);
    let api = Api { addr: server.addr };
    let auth = format!("Bearer {token}");

    // Every problem of a sheet, each with its line and column in the body.
    let (_, mut sheet) = example("auto-parts-machining.yaml");
    sheet["answers"]["info-system-coverage"] = json!("Z");
    sheet["profile"]["credit_code"] = json!("91330381MA2H8C3NXA");
    let r = api.submit(&token, &sheet, None);
    assert_eq!(r.status, 422);
    let errors = r.body["errors"].as_array().unwrap();
    let codes: Vec<&str> = errors.iter().filter_map(|e| e["code"].as_str()).collect();
    assert!(codes.contains(&"unknown-option"), "{}", r.body);
    assert!(codes.contains(&"credit-code-check-digit"), "{}", r.body);
    assert_eq!(
        r.code(),
        codes[0],
        "the first problem is also the document's"
    );
    assert!(
        errors
            .iter()
            .all(|e| e["location"]["line"].as_u64() > Some(1))
    );

    // Not JSON, not declared as JSON, too large.
    let r = request(
        api.addr,
        "POST",
        "/api/v1/assessments",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        Some(b"profile: {name: x}\n"),
    );
    assert_eq!((r.status, r.code()), (422, "api-request"));
    assert_eq!(r.body["location"]["line"], 1);
    let r = request(
        api.addr,
        "POST",
        "/api/v1/assessments",
        &[("Authorization", &auth), ("Content-Type", "text/plain")],
        Some(b"{}"),
    );
    assert_eq!((r.status, r.code()), (415, "api-request"));
    let big = format!("{{\"x\": \"{}\"}}", "a".repeat(70 * 1024));
    let r = request(
        api.addr,
        "POST",
        "/api/v1/assessments",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        Some(big.as_bytes()),
    );
    assert_eq!((r.status, r.code()), (413, "api-limit"));
    assert_eq!(submissions(&db), 0);

    // The OpenAPI document is served without a token and equals the committed one.
    let r = request(api.addr, "GET", "/api/openapi.json", &[], None);
    assert_eq!(r.status, 200);
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/openapi.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(r.body, committed);

    // The rate limit is per token: 12 a minute, 4 used above (a few more may have refilled).
    let mut statuses = Vec::new();
    for _ in 0..16 {
        statuses.push(api.get("/api/v1/regions/33/summary", &token).status);
    }
    let allowed = statuses.iter().filter(|&&s| s == 400).count();
    assert!((8..=10).contains(&allowed), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429));
    let r = api.get("/api/v1/regions/330000/summary", &token);
    assert_eq!((r.status, r.code()), (429, "api-limit"));
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

on_both_backends!(
    a_token_submits_and_reads_its_own_region_only,
    a_retried_submission_is_stored_once,
);
