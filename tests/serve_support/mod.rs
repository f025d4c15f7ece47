//! A real `smedx serve` process on 127.0.0.1 and a minimal HTTP/1.1 client for the serve tests.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A server process; killed when dropped.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Server {
    /// Start `smedx serve` on an ephemeral loopback port with `db` and extra arguments.
    pub fn start(db: &Path, extra: &[&str]) -> Server {
        Server::start_env(db, extra, &[])
    }

    /// [`Server::start`] with environment variables set for the server process.
    pub fn start_env(db: &Path, extra: &[&str], env: &[(&str, &Path)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_smedx"))
            .args(["serve", "--addr", "127.0.0.1:0", "--db"])
            .arg(db)
            .args(extra)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn smedx serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read the address line");
        let addr = line
            .trim()
            .rsplit("http://")
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Server { child, addr }
    }

    /// SIGKILL: no chance to flush anything.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response, whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A browser-like client: keeps cookies, one connection per request.
pub struct Client {
    pub addr: SocketAddr,
    pub cookies: HashMap<String, String>,
    /// (method and path, time to the whole response) of every request made.
    pub timings: Vec<(String, Duration)>,
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn form(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl Client {
    pub fn new(addr: SocketAddr) -> Client {
        Client {
            addr,
            cookies: HashMap::new(),
            timings: Vec::new(),
        }
    }

    pub fn request(&mut self, method: &str, path: &str, body: Option<&str>) -> Resp {
        let started = std::time::Instant::now();
        let mut s = TcpStream::connect(self.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        if !cookie.is_empty() {
            req.push_str(&format!("Cookie: {}\r\n", cookie.join("; ")));
        }
        if let Some(b) = body {
            req.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                b.len()
            ));
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes()).unwrap();
        if let Some(b) = body {
            // The server may answer (413) before reading everything: a failed write is fine.
            let _ = s.write_all(b.as_bytes());
        }
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete response head");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.lines();
        let status: u16 = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        for (k, v) in &headers {
            if k.eq_ignore_ascii_case("set-cookie")
                && let Some((name, rest)) = v.split_once('=')
            {
                let value = rest.split(';').next().unwrap_or("").to_string();
                if value.is_empty() {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_string(), value);
                }
            }
        }
        self.timings
            .push((format!("{method} {path}"), started.elapsed()));
        Resp {
            status,
            headers,
            body: raw[split + 4..].to_vec(),
        }
    }

    pub fn get(&mut self, path: &str) -> Resp {
        self.request("GET", path, None)
    }

    /// POST a form with this client's CSRF token added.
    pub fn post(&mut self, path: &str, pairs: &[(&str, &str)]) -> Resp {
        let mut all: Vec<(String, String)> = vec![(
            "csrf".into(),
            self.cookies.get("smedx_csrf").cloned().unwrap_or_default(),
        )];
        all.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self.request("POST", path, Some(&form(&all)))
    }
}

/// The first value offered for every answer field of a questionnaire page, and 50 for numbers.
pub fn first_answers(html: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for tag in html.split("<input").skip(1) {
        let tag = tag.split('>').next().unwrap_or("");
        let attr = |a: &str| {
            tag.split(&format!("{a}=\""))
                .nth(1)
                .and_then(|r| r.split('"').next())
                .map(str::to_string)
        };
        let (Some(name), Some(kind)) = (attr("name"), attr("type")) else {
            continue;
        };
        if !name.starts_with("a:") || out.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let value = if kind == "text" {
            "50".to_string()
        } else {
            attr("value").unwrap_or_default()
        };
        if value == "na" {
            continue;
        }
        out.push((name, value));
    }
    out
}

/// Walk the whole questionnaire as a browser would and submit; returns the firm's edit token.
pub fn complete_assessment(c: &mut Client, name: &str, region: &str) -> String {
    assert_eq!(c.get("/").status, 200);
    let r = c.post("/start", &[]);
    assert_eq!(r.status, 303, "{}", r.text());
    let loc = r.header("location").unwrap().to_string();
    let token = loc.split('/').nth(2).unwrap().to_string();
    let r = c.post(
        &loc,
        &[
            ("name", name),
            ("region", region),
            ("industry", "C3670"),
            ("employees", "85"),
            ("revenue", "6000"),
            ("go", "next"),
        ],
    );
    assert_eq!(r.status, 303);
    let mut next = r.header("location").unwrap().to_string();
    while next.contains("/page/") {
        let page = c.get(&next);
        assert_eq!(page.status, 200, "{next}");
        let answers = first_answers(&page.text());
        let pairs: Vec<(&str, &str)> = answers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = c.post(&next, &pairs);
        assert_eq!(r.status, 303);
        next = r.header("location").unwrap().to_string();
    }
    assert_eq!(next, format!("/d/{token}/review"));
    let review = c.get(&next);
    assert_eq!(review.status, 200);
    let r = c.post(&format!("/d/{token}/submit"), &[]);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location").unwrap(), format!("/d/{token}"));
    token
}

/// The report token the firm's page (behind the edit token) shows.
pub fn report_token(c: &mut Client, edit: &str) -> String {
    let page = c.get(&format!("/d/{edit}"));
    assert_eq!(page.status, 200);
    let text = page.text();
    let at = text
        .find("/r/")
        .expect("the firm's page shows a report link")
        + 3;
    let token = text[at..at + 32].to_string();
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    assert_ne!(token, edit);
    token
}

/// Which storage a serve test runs against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A test's database: a SQLite file in the test's folder, or a fresh schema in the PostgreSQL
/// database `SMEDX_TEST_PG` names (dropped at the end). Derefs to the `--db` argument.
pub struct Db {
    arg: std::path::PathBuf,
    postgres: Option<(String, String)>,
}

impl Db {
    /// None, with a note, for PostgreSQL when `SMEDX_TEST_PG` is unset outside CI; in CI (`CI`
    /// set) a missing URL fails the test (.ci/install-postgres.sh prints it).
    pub fn new(backend: Backend, dir: &Path) -> Option<Db> {
        if backend == Backend::Sqlite {
            return Some(Db {
                arg: dir.join("smedx.db"),
                postgres: None,
            });
        }
        let Ok(url) = std::env::var("SMEDX_TEST_PG") else {
            assert!(
                std::env::var_os("CI").is_none(),
                "SMEDX_TEST_PG is unset in CI: .ci/install-postgres.sh prints it"
            );
            eprintln!("note: SMEDX_TEST_PG unset, the PostgreSQL variant is skipped");
            return None;
        };
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).unwrap();
        let schema: String = std::iter::once("t_".to_string())
            .chain(bytes.iter().map(|b| format!("{b:02x}")))
            .collect();
        let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("SMEDX_TEST_PG");
        c.batch_execute(&format!("CREATE SCHEMA {schema}")).unwrap();
        let sep = if url.contains('?') { '&' } else { '?' };
        let arg = format!("{url}{sep}options=-c%20search_path%3D{schema}");
        Some(Db {
            arg: arg.into(),
            postgres: Some((url, schema)),
        })
    }

    /// Run one SQL statement with `$1` bound to `value`, on either backend.
    pub fn execute(&self, sql: &str, value: &str) {
        match &self.postgres {
            None => {
                rusqlite::Connection::open(&self.arg)
                    .unwrap()
                    .execute(sql, [value])
                    .unwrap();
            }
            Some(_) => {
                let mut c =
                    postgres::Client::connect(self.arg.to_str().unwrap(), postgres::NoTls).unwrap();
                c.execute(sql, &[&value]).unwrap();
            }
        }
    }
}

impl Db {
    /// One row of a query on the PostgreSQL database (panics on SQLite).
    pub fn query_one(&self, sql: &str) -> postgres::Row {
        assert!(self.postgres.is_some(), "a PostgreSQL query");
        let mut c = postgres::Client::connect(self.arg.to_str().unwrap(), postgres::NoTls).unwrap();
        c.query_one(sql, &[]).unwrap()
    }
}

impl Db {
    /// The first column of every row of a query returning text, on either backend.
    pub fn texts(&self, sql: &str) -> Vec<String> {
        match &self.postgres {
            None => {
                let c = rusqlite::Connection::open(&self.arg).unwrap();
                let mut stmt = c.prepare(sql).unwrap();
                stmt.query_map([], |r| r.get(0))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            }
            Some(_) => {
                let mut c =
                    postgres::Client::connect(self.arg.to_str().unwrap(), postgres::NoTls).unwrap();
                c.query(sql, &[])
                    .unwrap()
                    .iter()
                    .map(|r| r.get(0))
                    .collect()
            }
        }
    }
}

impl std::ops::Deref for Db {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.arg
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some((url, schema)) = &self.postgres
            && let Ok(mut c) = postgres::Client::connect(url, postgres::NoTls)
        {
            let _ = c.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
        }
    }
}

/// Run each named test `fn name(backend: Backend)` twice: `on_sqlite::name` and `on_postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(#[test]
            fn $name() {
                super::$name(super::serve_support::Backend::Sqlite)
            })*
        }
        mod on_postgres {
            $(#[test]
            fn $name() {
                super::$name(super::serve_support::Backend::Postgres)
            })*
        }
    };
}
