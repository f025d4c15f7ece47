//! Where the web self-assessment keeps drafts, submissions, office users and sessions: one small
//! [`Storage`] trait, so that a PostgreSQL backend can follow without touching the handlers, and its
//! SQLite implementation (WAL, `synchronous=FULL`: a commit that returned is on disk).

use anyhow::Context;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::Mutex;

/// A submitted answer sheet as stored: one version of one firm's assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSubmission {
    /// The firm's link token (its identity; no account).
    pub firm: String,
    /// 1 for the first submission, +1 for each edit.
    pub version: u32,
    pub model_id: String,
    pub model_version: String,
    /// 6-digit region code, industry code and size class from the checked profile (for filters).
    pub region: Option<String>,
    pub industry: Option<String>,
    pub size: Option<String>,
    /// The answer sheet as JSON, in the format `smedx score` and `smedx aggregate` read.
    pub sheet: String,
    /// Unix seconds.
    pub submitted_at: i64,
}

/// What a new submission carries; the version is assigned by the storage.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub model_id: String,
    pub model_version: String,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub size: Option<String>,
    pub sheet: String,
}

/// Which submissions an office view reads. Prefixes match the start of the stored code.
#[derive(Debug, Clone, Default)]
pub struct SubmissionFilter {
    pub region_prefix: String,
    pub industry_prefix: String,
    pub size: Option<String>,
    /// Every version, not only each firm's latest.
    pub all_versions: bool,
}

/// An office user: who may see which region.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeUser {
    pub name: String,
    /// Region-code prefix the user is scoped to ("" = the whole country).
    pub region_prefix: String,
    /// Argon2 PHC string.
    pub password_hash: String,
}

/// The storage interface the handlers use. Calls block; the server runs them off the async workers.
pub trait Storage: Send + Sync {
    /// Create an empty draft under a fresh token.
    fn create_draft(&self, token: &str, sheet: &str, now: i64) -> anyhow::Result<()>;
    /// The draft's sheet JSON, if the token exists.
    fn draft(&self, token: &str) -> anyhow::Result<Option<String>>;
    /// Replace the draft's sheet; false when there is no such draft.
    fn save_draft(&self, token: &str, sheet: &str, now: i64) -> anyhow::Result<bool>;
    /// Store a new version of the firm's submission; returns it once the transaction committed.
    fn submit(&self, firm: &str, s: &NewSubmission, now: i64) -> anyhow::Result<u32>;
    /// The firm's latest submission.
    fn latest(&self, firm: &str) -> anyhow::Result<Option<StoredSubmission>>;
    /// Submissions matching `filter`, oldest first.
    fn submissions(&self, filter: &SubmissionFilter) -> anyhow::Result<Vec<StoredSubmission>>;
    /// Add an office user, or replace its password and region.
    fn put_user(&self, user: &OfficeUser) -> anyhow::Result<()>;
    fn user(&self, name: &str) -> anyhow::Result<Option<OfficeUser>>;
    fn create_session(&self, token: &str, user: &str, expires: i64) -> anyhow::Result<()>;
    /// The user of a session that has not expired.
    fn session_user(&self, token: &str, now: i64) -> anyhow::Result<Option<OfficeUser>>;
    fn delete_session(&self, token: &str) -> anyhow::Result<()>;
}

/// Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE drafts (
    token TEXT PRIMARY KEY,
    sheet TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    firm TEXT NOT NULL,
    version INTEGER NOT NULL,
    model_id TEXT NOT NULL,
    model_version TEXT NOT NULL,
    region TEXT,
    industry TEXT,
    size TEXT,
    sheet TEXT NOT NULL,
    submitted_at INTEGER NOT NULL,
    UNIQUE (firm, version)
);
CREATE INDEX submissions_region ON submissions (region);
CREATE TABLE users (
    name TEXT PRIMARY KEY,
    region_prefix TEXT NOT NULL,
    password_hash TEXT NOT NULL
);
CREATE TABLE sessions (
    token TEXT PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);
"#];

/// SQLite storage: one connection behind a mutex (SQLite writes one transaction at a time anyway).
pub struct SqliteStorage {
    conn: Mutex<Connection>,
}

impl SqliteStorage {
    /// Open (creating if needed) and migrate the database at `path`.
    pub fn open(path: &Path) -> anyhow::Result<SqliteStorage> {
        let conn = Connection::open(path)
            .with_context(|| format!("cannot open database {}", path.display()))?;
        Self::setup(conn).with_context(|| format!("cannot prepare database {}", path.display()))
    }

    /// A private in-memory database (tests).
    pub fn in_memory() -> anyhow::Result<SqliteStorage> {
        Self::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> anyhow::Result<SqliteStorage> {
        // WAL lets readers run beside the writer; FULL syncs the WAL on every commit, so an
        // acknowledged submission survives a crash or power loss.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let done: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let done = usize::try_from(done).unwrap_or(usize::MAX);
        if done > MIGRATIONS.len() {
            anyhow::bail!(
                "the database was written by a newer smedx (schema {done}, this one knows {})",
                MIGRATIONS.len()
            );
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)
                .with_context(|| format!("migration {}", i + 1))?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
            tx.commit()?;
        }
        Ok(SqliteStorage {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a transaction half-applied (SQLite rolls
        // back), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn row_submission(r: &rusqlite::Row) -> rusqlite::Result<StoredSubmission> {
    Ok(StoredSubmission {
        firm: r.get(0)?,
        version: r.get(1)?,
        model_id: r.get(2)?,
        model_version: r.get(3)?,
        region: r.get(4)?,
        industry: r.get(5)?,
        size: r.get(6)?,
        sheet: r.get(7)?,
        submitted_at: r.get(8)?,
    })
}

const SUBMISSION_COLUMNS: &str =
    "firm, version, model_id, model_version, region, industry, size, sheet, submitted_at";

/// `LIKE` pattern matching values that start with `prefix` (wildcards in it escaped).
fn starts_with_pattern(prefix: &str) -> String {
    let mut p = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

impl Storage for SqliteStorage {
    fn create_draft(&self, token: &str, sheet: &str, now: i64) -> anyhow::Result<()> {
        self.conn().execute(
            "INSERT INTO drafts (token, sheet, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
            params![token, sheet, now],
        )?;
        Ok(())
    }

    fn draft(&self, token: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT sheet FROM drafts WHERE token = ?1", [token], |r| {
                r.get(0)
            })
            .optional()?)
    }

    fn save_draft(&self, token: &str, sheet: &str, now: i64) -> anyhow::Result<bool> {
        let n = self.conn().execute(
            "UPDATE drafts SET sheet = ?2, updated_at = ?3 WHERE token = ?1",
            params![token, sheet, now],
        )?;
        Ok(n == 1)
    }

    fn submit(&self, firm: &str, s: &NewSubmission, now: i64) -> anyhow::Result<u32> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: u32 = tx.query_row(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM submissions WHERE firm = ?1",
            [firm],
            |r| r.get(0),
        )?;
        tx.execute(
            &format!("INSERT INTO submissions ({SUBMISSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
            params![
                firm,
                version,
                s.model_id,
                s.model_version,
                s.region,
                s.industry,
                s.size,
                s.sheet,
                now
            ],
        )?;
        tx.commit()?;
        Ok(version)
    }

    fn latest(&self, firm: &str) -> anyhow::Result<Option<StoredSubmission>> {
        Ok(self
            .conn()
            .query_row(
                &format!(
                    "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE firm = ?1 ORDER BY version DESC LIMIT 1"
                ),
                [firm],
                row_submission,
            )
            .optional()?)
    }

    fn submissions(&self, filter: &SubmissionFilter) -> anyhow::Result<Vec<StoredSubmission>> {
        let latest_only = if filter.all_versions {
            ""
        } else {
            "AND version = (SELECT MAX(version) FROM submissions s2 WHERE s2.firm = submissions.firm)"
        };
        let sql = format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions
             WHERE COALESCE(region, '') LIKE ?1 ESCAPE '\\'
               AND COALESCE(industry, '') LIKE ?2 ESCAPE '\\'
               AND (?3 IS NULL OR size = ?3)
               {latest_only}
             ORDER BY id"
        );
        let conn = self.conn();
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(
            params![
                starts_with_pattern(&filter.region_prefix),
                starts_with_pattern(&filter.industry_prefix),
                filter.size
            ],
            row_submission,
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn put_user(&self, user: &OfficeUser) -> anyhow::Result<()> {
        self.conn().execute(
            "INSERT INTO users (name, region_prefix, password_hash) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET region_prefix = ?2, password_hash = ?3",
            params![user.name, user.region_prefix, user.password_hash],
        )?;
        Ok(())
    }

    fn user(&self, name: &str) -> anyhow::Result<Option<OfficeUser>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT name, region_prefix, password_hash FROM users WHERE name = ?1",
                [name],
                office_user,
            )
            .optional()?)
    }

    fn create_session(&self, token: &str, user: &str, expires: i64) -> anyhow::Result<()> {
        let conn = self.conn();
        conn.execute(
            "DELETE FROM sessions WHERE expires_at < ?1",
            [expires - super::SESSION_SECONDS],
        )?;
        conn.execute(
            "INSERT INTO sessions (token, user, expires_at) VALUES (?1, ?2, ?3)",
            params![token, user, expires],
        )?;
        Ok(())
    }

    fn session_user(&self, token: &str, now: i64) -> anyhow::Result<Option<OfficeUser>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT u.name, u.region_prefix, u.password_hash FROM sessions s
                 JOIN users u ON u.name = s.user WHERE s.token = ?1 AND s.expires_at > ?2",
                params![token, now],
                office_user,
            )
            .optional()?)
    }

    fn delete_session(&self, token: &str) -> anyhow::Result<()> {
        self.conn()
            .execute("DELETE FROM sessions WHERE token = ?1", [token])?;
        Ok(())
    }
}

/// An office user from a row of (name, region_prefix, password_hash).
fn office_user(r: &rusqlite::Row) -> rusqlite::Result<OfficeUser> {
    Ok(OfficeUser {
        name: r.get(0)?,
        region_prefix: r.get(1)?,
        password_hash: r.get(2)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(region: &str, industry: &str) -> NewSubmission {
        NewSubmission {
            model_id: "m".into(),
            model_version: "1".into(),
            region: Some(region.into()),
            industry: Some(industry.into()),
            size: Some("small".into()),
            sheet: "{}".into(),
        }
    }

    #[test]
    fn edits_make_new_versions_and_filters_read_the_latest() {
        let s = SqliteStorage::in_memory().unwrap();
        assert_eq!(s.submit("a", &sub("510104", "C3670"), 1).unwrap(), 1);
        assert_eq!(s.submit("a", &sub("510104", "C3670"), 2).unwrap(), 2);
        assert_eq!(s.submit("b", &sub("520102", "F5100"), 3).unwrap(), 1);
        assert_eq!(s.latest("a").unwrap().unwrap().version, 2);
        let f = |region: &str, all| SubmissionFilter {
            region_prefix: region.into(),
            all_versions: all,
            ..Default::default()
        };
        assert_eq!(s.submissions(&f("", false)).unwrap().len(), 2);
        assert_eq!(s.submissions(&f("", true)).unwrap().len(), 3);
        assert_eq!(s.submissions(&f("5101", true)).unwrap().len(), 2);
        assert_eq!(s.submissions(&f("52", false)).unwrap()[0].firm, "b");
        // A LIKE wildcard in a filter is a literal character, not "anything".
        assert!(s.submissions(&f("5_", false)).unwrap().is_empty());
    }

    #[test]
    fn drafts_save_and_sessions_expire() {
        let s = SqliteStorage::in_memory().unwrap();
        s.create_draft("t", "{}", 1).unwrap();
        assert!(s.save_draft("t", "{\"a\":1}", 2).unwrap());
        assert!(!s.save_draft("nope", "{}", 2).unwrap());
        assert_eq!(s.draft("t").unwrap().as_deref(), Some("{\"a\":1}"));
        s.put_user(&OfficeUser {
            name: "u".into(),
            region_prefix: "5101".into(),
            password_hash: "h".into(),
        })
        .unwrap();
        s.create_session("k", "u", 100).unwrap();
        assert_eq!(s.session_user("k", 50).unwrap().unwrap().name, "u");
        assert!(s.session_user("k", 100).unwrap().is_none());
        s.delete_session("k").unwrap();
        assert!(s.session_user("k", 50).unwrap().is_none());
    }
}
