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
    /// The firm's identity ([`DraftLinks::firm`]; no account).
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

/// A draft's identity and its two links: separate capabilities, each 128 random bits.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftLinks {
    /// The firm's identity in the submissions, never a link. A draft made before the links were
    /// split keeps its first link token here (that token is also its edit link until recovered).
    pub firm: String,
    /// Opens the questionnaire: read, edit and submit (`/d/<edit>/…`).
    pub edit: String,
    /// Opens the latest submission's report and downloads, nothing else (`/r/<report>`).
    pub report: String,
}

/// A stored 取回码: the hash that may recover one draft's edit link.
#[derive(Debug, Clone, PartialEq)]
pub struct RecoveryEntry {
    pub firm: String,
    /// Argon2 PHC string of the normalised code.
    pub code_hash: String,
}

/// Where a 取回码 is looked up: the credit code and the code's first characters (its selector),
/// stored in clear so that an attempt checks about one hash, and so that drafts someone else starts
/// under the same credit code cannot crowd a firm's own 取回码 out of the look-up.
#[derive(Debug, Clone, PartialEq)]
pub struct RecoveryKey {
    pub credit_code: String,
    pub selector: String,
}

/// At most this many drafts are tried for one key (newest 取回码 first), so an attempt costs a
/// bounded number of hash checks.
pub const MAX_RECOVERY_ENTRIES: usize = 8;

// --- JSON API: region-scoped tokens and idempotency keys ----------------------------------------

/// An API token of `smedx token`: a public id and a secret known only as its hash.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiToken {
    /// Public part of the token (16 hex digits), shown by `smedx token list`.
    pub id: String,
    /// Region-code prefix the token submits for and reads ("" = the whole country).
    pub region_prefix: String,
    /// Free text naming the platform the token was given to.
    pub label: String,
    /// Hash of the secret part ([`super::auth::hash_api_secret`]).
    pub secret_hash: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; a revoked token opens nothing.
    pub revoked_at: Option<i64>,
}

/// An API submission under an idempotency key: the first request with a key stores the
/// submission; a retry within the key's lifetime gets the same firm and version back.
#[derive(Debug, Clone, PartialEq)]
pub struct IdempotencyKey {
    /// The token that sent the request (keys are per token).
    pub token_id: String,
    /// The `Idempotency-Key` header as sent.
    pub key: String,
    /// Hash of the request body, so a key reused for a different body is told apart.
    pub request_hash: String,
}

/// What [`Storage::submit_idempotent`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct IdempotentOutcome {
    pub firm: String,
    pub version: u32,
    /// The request hash stored with the key (differs from the request's when the key was reused).
    pub request_hash: String,
    /// True when the key was seen before and nothing was stored.
    pub replayed: bool,
}

/// How long an idempotency key is kept, in seconds.
pub const IDEMPOTENCY_SECONDS: i64 = 24 * 3600;

/// The storage interface the handlers use. Calls block; the server runs them off the async workers.
pub trait Storage: Send + Sync {
    /// Create an empty draft with its identity and links, started by `client` (an IP address).
    fn create_draft(
        &self,
        links: &DraftLinks,
        sheet: &str,
        now: i64,
        client: &str,
    ) -> anyhow::Result<()>;
    /// Drafts never submitted: (those `client` started, all).
    fn open_drafts(&self, client: &str) -> anyhow::Result<(u64, u64)>;
    /// Delete the drafts never submitted and last edited before `before`; how many went.
    fn sweep_drafts(&self, before: i64) -> anyhow::Result<u64>;
    /// The draft's sheet JSON, if the edit token exists.
    fn draft(&self, edit: &str) -> anyhow::Result<Option<String>>;
    /// Replace the draft's sheet; false when there is no such draft.
    fn save_draft(&self, edit: &str, sheet: &str, now: i64) -> anyhow::Result<bool>;
    /// The identity and links of the draft this edit token opens.
    fn links(&self, edit: &str) -> anyhow::Result<Option<DraftLinks>>;
    /// The firm whose report this report token opens.
    fn report_firm(&self, report: &str) -> anyhow::Result<Option<String>>;
    /// Store a 取回码 hash for the draft (replacing any earlier one) under the key it is looked up
    /// by; false when there is no such draft.
    fn set_recovery(
        &self,
        edit: &str,
        key: &RecoveryKey,
        code_hash: &str,
        now: i64,
    ) -> anyhow::Result<bool>;
    /// The credit code the firm's current 取回码 recovers with, if it has one.
    fn recovery_credit_code(&self, firm: &str) -> anyhow::Result<Option<String>>;
    /// The 取回码 hashes stored under a key, newest first, at most [`MAX_RECOVERY_ENTRIES`].
    fn recovery_entries(&self, key: &RecoveryKey) -> anyhow::Result<Vec<RecoveryEntry>>;
    /// Give the firm's draft a new edit link; the old one stops working. False when no such firm.
    fn replace_edit_link(&self, firm: &str, edit: &str) -> anyhow::Result<bool>;
    /// Store a new version of the firm's submission; returns it once the transaction committed.
    fn submit(&self, firm: &str, s: &NewSubmission, now: i64) -> anyhow::Result<u32>;
    /// The firm's latest submission.
    fn latest(&self, firm: &str) -> anyhow::Result<Option<StoredSubmission>>;
    /// Submissions matching `filter`, oldest first.
    fn submissions(&self, filter: &SubmissionFilter) -> anyhow::Result<Vec<StoredSubmission>> {
        let mut all = Vec::new();
        self.each_submission(filter, &mut |s| {
            all.push(s);
            Ok(())
        })?;
        Ok(all)
    }
    /// Submissions matching `filter`, oldest first, given to `f` one at a time as the database
    /// reads them (so `smedx dump` of millions holds one at a time); an error of `f` stops it.
    fn each_submission(
        &self,
        filter: &SubmissionFilter,
        f: &mut dyn FnMut(StoredSubmission) -> anyhow::Result<()>,
    ) -> anyhow::Result<()>;
    /// Add an office user, or replace its password and region; the user's sessions end.
    fn put_user(&self, user: &OfficeUser) -> anyhow::Result<()>;
    /// Every office user, by name.
    fn users(&self) -> anyhow::Result<Vec<OfficeUser>>;
    /// Remove an office user and its sessions; false when there is no such user.
    fn remove_user(&self, name: &str) -> anyhow::Result<bool>;
    fn user(&self, name: &str) -> anyhow::Result<Option<OfficeUser>>;
    fn create_session(&self, token: &str, user: &str, expires: i64) -> anyhow::Result<()>;
    /// The user of a session that has not expired.
    fn session_user(&self, token: &str, now: i64) -> anyhow::Result<Option<OfficeUser>>;
    fn delete_session(&self, token: &str) -> anyhow::Result<()>;

    // --- JSON API (one block, simple SQL: tables `api_tokens`, `api_idempotency`) ---

    /// Store a new API token.
    fn add_api_token(&self, token: &ApiToken) -> anyhow::Result<()>;
    /// The token with this public id, revoked or not.
    fn api_token(&self, id: &str) -> anyhow::Result<Option<ApiToken>>;
    /// Every token, oldest first.
    fn api_tokens(&self) -> anyhow::Result<Vec<ApiToken>>;
    /// Revoke a token; false when there is no such token or it was revoked already.
    fn revoke_api_token(&self, id: &str, now: i64) -> anyhow::Result<bool>;
    /// In one transaction: when `key` was stored after `now - IDEMPOTENCY_SECONDS`, return what it
    /// stored (`replayed`); otherwise store the submission as a new version of `firm` (version 1
    /// for a new firm) and the key with it.
    fn submit_idempotent(
        &self,
        firm: &str,
        s: &NewSubmission,
        key: &IdempotencyKey,
        now: i64,
    ) -> anyhow::Result<IdempotentOutcome>;
    /// Delete idempotency keys stored before `before`; how many went.
    fn sweep_idempotency(&self, before: i64) -> anyhow::Result<u64>;
    /// One version of a firm's submission.
    fn submission(&self, firm: &str, version: u32) -> anyhow::Result<Option<StoredSubmission>>;
}

/// Open the storage `--db` names: a PostgreSQL URL (`postgres://…`) or a SQLite file.
pub fn open(db: &Path) -> anyhow::Result<std::sync::Arc<dyn Storage>> {
    match db.to_str() {
        Some(url) if super::storage_pg::is_url(url) => Ok(std::sync::Arc::new(
            super::storage_pg::PgStorage::open(url)?,
        )),
        _ => Ok(std::sync::Arc::new(SqliteStorage::open(db)?)),
    }
}

/// One step of a schema migration: SQL, or Rust where the database cannot do it (secure random
/// tokens).
enum Step {
    Sql(&'static str),
    Rust(fn(&rusqlite::Transaction) -> anyhow::Result<()>),
}

/// Schema migrations, applied in order, each in one transaction; `PRAGMA user_version` records
/// how many ran. A released migration is never edited; a change is a new one.
const MIGRATIONS: &[&[Step]] = &[
    &[Step::Sql(
        r#"
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
"#,
    )],
    // 2: separate report and edit links, and the 取回码. The old link token stays the firm's
    // identity and its edit link; each draft gets a new report token.
    &[
        Step::Sql(
            r#"
ALTER TABLE drafts RENAME COLUMN token TO firm;
ALTER TABLE drafts ADD COLUMN edit_token TEXT;
ALTER TABLE drafts ADD COLUMN report_token TEXT;
ALTER TABLE drafts ADD COLUMN credit_code TEXT;
ALTER TABLE drafts ADD COLUMN recovery_selector TEXT;
ALTER TABLE drafts ADD COLUMN recovery_hash TEXT;
ALTER TABLE drafts ADD COLUMN recovery_set_at INTEGER;
UPDATE drafts SET edit_token = firm;
"#,
        ),
        Step::Rust(give_drafts_report_tokens),
        Step::Sql(
            r#"
CREATE UNIQUE INDEX drafts_edit_token ON drafts (edit_token);
CREATE UNIQUE INDEX drafts_report_token ON drafts (report_token);
CREATE INDEX drafts_recovery ON drafts (credit_code, recovery_selector);
"#,
        ),
    ],
    // 3: who started a draft (for the cap per client) and an index for sweeping old drafts.
    &[Step::Sql(
        r#"
ALTER TABLE drafts ADD COLUMN created_ip TEXT;
CREATE INDEX drafts_created_ip ON drafts (created_ip);
CREATE INDEX drafts_updated_at ON drafts (updated_at);
"#,
    )],
    // 4: API tokens of `smedx token` (secret hashed) and the JSON API's idempotency keys.
    &[Step::Sql(
        r#"
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    region_prefix TEXT NOT NULL,
    label TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE TABLE api_idempotency (
    token_id TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    firm TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (token_id, key)
);
CREATE INDEX api_idempotency_created_at ON api_idempotency (created_at);
"#,
    )],
];

/// Migration 2: a fresh report token for every draft that has none (from the system's randomness,
/// as every other token, not SQLite's `randomblob`).
fn give_drafts_report_tokens(tx: &rusqlite::Transaction) -> anyhow::Result<()> {
    let firms: Vec<String> = tx
        .prepare("SELECT firm FROM drafts WHERE report_token IS NULL")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut set = tx.prepare("UPDATE drafts SET report_token = ?2 WHERE firm = ?1")?;
    for firm in firms {
        set.execute(params![firm, super::auth::random_token()?])?;
    }
    Ok(())
}

/// SQLite storage: one connection behind a mutex (SQLite writes one transaction at a time anyway).
pub struct SqliteStorage {
    conn: Mutex<Connection>,
}

impl SqliteStorage {
    /// Open (creating if needed) and migrate the database at `path`.
    /// The file and its `-wal` and `-shm` companions are readable by the owner only; a database that
    /// cannot be written or fails `PRAGMA quick_check` is refused.
    pub fn open(path: &Path) -> anyhow::Result<SqliteStorage> {
        private_file(path)?;
        let conn = Connection::open(path)
            .with_context(|| format!("无法打开数据库 / cannot open database {}", path.display()))?;
        if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true) {
            anyhow::bail!(
                "数据库 {p} 不可写：请检查该文件及其所在文件夹的权限（运行 smedx 的用户需可读写）。\n\
                 database {p} cannot be written: give the user running smedx read and write access \
                 to the file and its folder",
                p = path.display()
            );
        }
        let checked: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .unwrap_or_else(|e| e.to_string());
        if checked != "ok" {
            anyhow::bail!(
                "数据库 {p} 已损坏（quick_check：{checked}）：请停止服务，从备份恢复该文件后再启动。\n\
                 database {p} is damaged (quick_check: {checked}): stop, restore the file from a \
                 backup and start again",
                p = path.display()
            );
        }
        let storage = Self::setup(conn).with_context(|| {
            format!(
                "无法准备数据库 / cannot prepare database {}",
                path.display()
            )
        })?;
        for suffix in ["-wal", "-shm"] {
            let mut companion = path.as_os_str().to_owned();
            companion.push(suffix);
            private_file_if_present(Path::new(&companion))?;
        }
        Ok(storage)
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
        for (i, steps) in MIGRATIONS.iter().enumerate().skip(done) {
            let tx = conn.transaction()?;
            for step in *steps {
                match step {
                    Step::Sql(sql) => tx.execute_batch(sql).map_err(anyhow::Error::from),
                    Step::Rust(f) => f(&tx),
                }
                .with_context(|| format!("migration {}", i + 1))?;
            }
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

/// Create `path` readable and writable by its owner only, whatever the umask; an existing file
/// loses any group and other permission it had.
#[cfg(unix)]
fn private_file(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            return Err(e).with_context(|| {
                format!("无法创建数据库 / cannot create database {}", path.display())
            });
        }
    }
    private_file_if_present(path)
}

#[cfg(not(unix))]
fn private_file(_: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// Take group and other permissions away from `path` if it exists (the umask can give them).
fn private_file_if_present(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))
                    .with_context(|| {
                        format!("cannot restrict the permissions of {}", path.display())
                    })?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
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
    fn create_draft(
        &self,
        links: &DraftLinks,
        sheet: &str,
        now: i64,
        client: &str,
    ) -> anyhow::Result<()> {
        self.conn().execute(
            "INSERT INTO drafts (firm, edit_token, report_token, sheet, created_at, updated_at,
                created_ip)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
            params![links.firm, links.edit, links.report, sheet, now, client],
        )?;
        Ok(())
    }

    fn open_drafts(&self, client: &str) -> anyhow::Result<(u64, u64)> {
        const OPEN: &str = "NOT EXISTS (SELECT 1 FROM submissions s WHERE s.firm = drafts.firm)";
        let conn = self.conn();
        let mine: i64 = conn.query_row(
            &format!("SELECT COUNT(*) FROM drafts WHERE created_ip = ?1 AND {OPEN}"),
            [client],
            |r| r.get(0),
        )?;
        let all: i64 = conn.query_row(
            &format!("SELECT COUNT(*) FROM drafts WHERE {OPEN}"),
            [],
            |r| r.get(0),
        )?;
        Ok((mine.max(0) as u64, all.max(0) as u64))
    }

    fn sweep_drafts(&self, before: i64) -> anyhow::Result<u64> {
        let n = self.conn().execute(
            "DELETE FROM drafts WHERE updated_at < ?1
               AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.firm = drafts.firm)",
            [before],
        )?;
        Ok(n as u64)
    }

    fn draft(&self, edit: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT sheet FROM drafts WHERE edit_token = ?1",
                [edit],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn save_draft(&self, edit: &str, sheet: &str, now: i64) -> anyhow::Result<bool> {
        let n = self.conn().execute(
            "UPDATE drafts SET sheet = ?2, updated_at = ?3 WHERE edit_token = ?1",
            params![edit, sheet, now],
        )?;
        Ok(n == 1)
    }

    fn links(&self, edit: &str) -> anyhow::Result<Option<DraftLinks>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT firm, edit_token, report_token FROM drafts WHERE edit_token = ?1",
                [edit],
                |r| {
                    Ok(DraftLinks {
                        firm: r.get(0)?,
                        edit: r.get(1)?,
                        report: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    fn report_firm(&self, report: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT firm FROM drafts WHERE report_token = ?1",
                [report],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn set_recovery(
        &self,
        edit: &str,
        key: &RecoveryKey,
        code_hash: &str,
        now: i64,
    ) -> anyhow::Result<bool> {
        let n = self.conn().execute(
            "UPDATE drafts SET credit_code = ?2, recovery_selector = ?3, recovery_hash = ?4,
                recovery_set_at = ?5
             WHERE edit_token = ?1",
            params![edit, key.credit_code, key.selector, code_hash, now],
        )?;
        Ok(n == 1)
    }

    fn recovery_credit_code(&self, firm: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT credit_code FROM drafts WHERE firm = ?1 AND recovery_hash IS NOT NULL",
                [firm],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    fn recovery_entries(&self, key: &RecoveryKey) -> anyhow::Result<Vec<RecoveryEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT firm, recovery_hash FROM drafts
             WHERE credit_code = ?1 AND recovery_selector = ?2 AND recovery_hash IS NOT NULL
             ORDER BY recovery_set_at DESC LIMIT ?3",
        )?;
        let limit = MAX_RECOVERY_ENTRIES as i64;
        let rows = stmt.query_map(params![key.credit_code, key.selector, limit], |r| {
            Ok(RecoveryEntry {
                firm: r.get(0)?,
                code_hash: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn replace_edit_link(&self, firm: &str, edit: &str) -> anyhow::Result<bool> {
        let n = self.conn().execute(
            "UPDATE drafts SET edit_token = ?2 WHERE firm = ?1",
            params![firm, edit],
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

    fn each_submission(
        &self,
        filter: &SubmissionFilter,
        f: &mut dyn FnMut(StoredSubmission) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
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
        for row in rows {
            f(row?)?;
        }
        Ok(())
    }

    fn put_user(&self, user: &OfficeUser) -> anyhow::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        // A new password or region ends every session opened under the old one.
        tx.execute("DELETE FROM sessions WHERE user = ?1", [&user.name])?;
        tx.execute(
            "INSERT INTO users (name, region_prefix, password_hash) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET region_prefix = ?2, password_hash = ?3",
            params![user.name, user.region_prefix, user.password_hash],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn users(&self) -> anyhow::Result<Vec<OfficeUser>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT name, region_prefix, password_hash FROM users ORDER BY name")?;
        let rows = stmt.query_map([], office_user)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn remove_user(&self, name: &str) -> anyhow::Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM sessions WHERE user = ?1", [name])?;
        let n = tx.execute("DELETE FROM users WHERE name = ?1", [name])?;
        tx.commit()?;
        Ok(n == 1)
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

    // --- JSON API ---

    fn add_api_token(&self, t: &ApiToken) -> anyhow::Result<()> {
        self.conn().execute(
            "INSERT INTO api_tokens (id, region_prefix, label, secret_hash, created_at, revoked_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                t.id,
                t.region_prefix,
                t.label,
                t.secret_hash,
                t.created_at,
                t.revoked_at
            ],
        )?;
        Ok(())
    }

    fn api_token(&self, id: &str) -> anyhow::Result<Option<ApiToken>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {API_TOKEN_COLUMNS} FROM api_tokens WHERE id = ?1"),
                [id],
                api_token,
            )
            .optional()?)
    }

    fn api_tokens(&self) -> anyhow::Result<Vec<ApiToken>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {API_TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id"
        ))?;
        let rows = stmt.query_map([], api_token)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn revoke_api_token(&self, id: &str, now: i64) -> anyhow::Result<bool> {
        let n = self.conn().execute(
            "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id, now],
        )?;
        Ok(n == 1)
    }

    fn submit_idempotent(
        &self,
        firm: &str,
        s: &NewSubmission,
        key: &IdempotencyKey,
        now: i64,
    ) -> anyhow::Result<IdempotentOutcome> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "DELETE FROM api_idempotency WHERE token_id = ?1 AND key = ?2 AND created_at <= ?3",
            params![key.token_id, key.key, now - IDEMPOTENCY_SECONDS],
        )?;
        let seen: Option<(String, u32, String)> = tx
            .query_row(
                "SELECT firm, version, request_hash FROM api_idempotency
                 WHERE token_id = ?1 AND key = ?2",
                params![key.token_id, key.key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        if let Some((firm, version, request_hash)) = seen {
            return Ok(IdempotentOutcome {
                firm,
                version,
                request_hash,
                replayed: true,
            });
        }
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
        tx.execute(
            "INSERT INTO api_idempotency (token_id, key, request_hash, firm, version, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![key.token_id, key.key, key.request_hash, firm, version, now],
        )?;
        tx.commit()?;
        Ok(IdempotentOutcome {
            firm: firm.to_string(),
            version,
            request_hash: key.request_hash.clone(),
            replayed: false,
        })
    }

    fn sweep_idempotency(&self, before: i64) -> anyhow::Result<u64> {
        let n = self.conn().execute(
            "DELETE FROM api_idempotency WHERE created_at < ?1",
            [before],
        )?;
        Ok(n as u64)
    }

    fn submission(&self, firm: &str, version: u32) -> anyhow::Result<Option<StoredSubmission>> {
        Ok(self
            .conn()
            .query_row(
                &format!(
                    "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE firm = ?1 AND version = ?2"
                ),
                params![firm, version],
                row_submission,
            )
            .optional()?)
    }
}

const API_TOKEN_COLUMNS: &str = "id, region_prefix, label, secret_hash, created_at, revoked_at";

/// An API token from a row of [`API_TOKEN_COLUMNS`].
fn api_token(r: &rusqlite::Row) -> rusqlite::Result<ApiToken> {
    Ok(ApiToken {
        id: r.get(0)?,
        region_prefix: r.get(1)?,
        label: r.get(2)?,
        secret_hash: r.get(3)?,
        created_at: r.get(4)?,
        revoked_at: r.get(5)?,
    })
}

/// An office user from a row of (name, region_prefix, password_hash).
fn office_user(r: &rusqlite::Row) -> rusqlite::Result<OfficeUser> {
    Ok(OfficeUser {
        name: r.get(0)?,
        region_prefix: r.get(1)?,
        password_hash: r.get(2)?,
    })
}

/// The behaviour every backend must have, as functions over `&dyn Storage`: the SQLite tests below
/// and the PostgreSQL ones call them.
#[cfg(test)]
pub(crate) mod contract {
    use super::*;

    pub(crate) fn sub(region: &str, industry: &str) -> NewSubmission {
        NewSubmission {
            model_id: "m".into(),
            model_version: "1".into(),
            region: Some(region.into()),
            industry: Some(industry.into()),
            size: Some("small".into()),
            sheet: "{}".into(),
        }
    }

    pub(crate) fn edits_make_new_versions_and_filters_read_the_latest(s: &dyn Storage) {
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

    pub(crate) fn links(firm: &str) -> DraftLinks {
        DraftLinks {
            firm: firm.into(),
            edit: format!("{firm}-edit"),
            report: format!("{firm}-report"),
        }
    }

    pub(crate) fn drafts_save_and_sessions_expire(s: &dyn Storage) {
        s.create_draft(&links("t"), "{}", 1, "ip").unwrap();
        assert!(s.save_draft("t-edit", "{\"a\":1}", 2).unwrap());
        assert!(!s.save_draft("nope", "{}", 2).unwrap());
        assert_eq!(s.draft("t-edit").unwrap().as_deref(), Some("{\"a\":1}"));
        // The identity and the report token open no draft.
        assert!(s.draft("t").unwrap().is_none() && s.draft("t-report").unwrap().is_none());
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

    fn key(credit_code: &str, selector: &str) -> RecoveryKey {
        RecoveryKey {
            credit_code: credit_code.into(),
            selector: selector.into(),
        }
    }

    pub(crate) fn links_are_separate_and_the_edit_link_can_be_replaced(s: &dyn Storage) {
        s.create_draft(&links("f"), "{}", 1, "ip").unwrap();
        assert_eq!(s.links("f-edit").unwrap(), Some(links("f")));
        assert!(s.links("f-report").unwrap().is_none());
        assert_eq!(s.report_firm("f-report").unwrap().as_deref(), Some("f"));
        assert!(s.report_firm("f-edit").unwrap().is_none());

        assert_eq!(s.recovery_credit_code("f").unwrap(), None);
        assert!(
            s.set_recovery("f-edit", &key("91330381MA2HXXXX1X", "7K"), "h1", 5)
                .unwrap()
        );
        assert!(
            !s.set_recovery("nope", &key("91330381MA2HXXXX1X", "7K"), "h", 5)
                .unwrap()
        );
        assert_eq!(
            s.recovery_credit_code("f").unwrap().as_deref(),
            Some("91330381MA2HXXXX1X")
        );
        let entries = s
            .recovery_entries(&key("91330381MA2HXXXX1X", "7K"))
            .unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(
            (entries[0].firm.as_str(), entries[0].code_hash.as_str()),
            ("f", "h1")
        );
        for other in [
            key("91330381MA2HXXXX2X", "7K"),
            key("91330381MA2HXXXX1X", "7M"),
        ] {
            assert!(s.recovery_entries(&other).unwrap().is_empty(), "{other:?}");
        }

        assert!(s.replace_edit_link("f", "f-edit2").unwrap());
        assert!(
            s.draft("f-edit").unwrap().is_none(),
            "the old edit link stops working"
        );
        assert_eq!(s.draft("f-edit2").unwrap().as_deref(), Some("{}"));
        assert_eq!(s.report_firm("f-report").unwrap().as_deref(), Some("f"));
    }

    pub(crate) fn old_unsubmitted_drafts_are_swept_and_counted_per_client(s: &dyn Storage) {
        s.create_draft(&links("old"), "{}", 10, "1.1.1.1").unwrap();
        s.create_draft(&links("sent"), "{}", 10, "1.1.1.1").unwrap();
        s.create_draft(&links("new"), "{}", 10, "2.2.2.2").unwrap();
        assert!(s.save_draft("new-edit", "{}", 500).unwrap());
        s.submit("sent", &sub("510104", "C3670"), 11).unwrap();
        assert_eq!(s.open_drafts("1.1.1.1").unwrap(), (1, 2));
        assert_eq!(s.sweep_drafts(100).unwrap(), 1);
        assert!(s.draft("old-edit").unwrap().is_none());
        assert!(
            s.draft("sent-edit").unwrap().is_some(),
            "a submitted firm keeps its links"
        );
        assert!(s.draft("new-edit").unwrap().is_some(), "edited recently");
        assert_eq!(s.open_drafts("1.1.1.1").unwrap(), (0, 1));
    }

    pub(crate) fn a_new_password_or_removal_ends_the_users_sessions(s: &dyn Storage) {
        let u = |h: &str| OfficeUser {
            name: "u".into(),
            region_prefix: "51".into(),
            password_hash: h.into(),
        };
        s.put_user(&u("h1")).unwrap();
        s.create_session("k1", "u", 100).unwrap();
        s.put_user(&u("h2")).unwrap();
        assert!(s.session_user("k1", 50).unwrap().is_none());
        s.create_session("k2", "u", 100).unwrap();
        assert_eq!(s.users().unwrap(), vec![u("h2")]);
        assert!(s.remove_user("u").unwrap() && !s.remove_user("u").unwrap());
        assert!(s.session_user("k2", 50).unwrap().is_none());
        assert!(s.users().unwrap().is_empty());
    }

    fn token(id: &str, region: &str) -> ApiToken {
        ApiToken {
            id: id.into(),
            region_prefix: region.into(),
            label: "platform".into(),
            secret_hash: "h".into(),
            created_at: 1,
            revoked_at: None,
        }
    }

    pub(crate) fn api_tokens_are_listed_and_revoked_once(s: &dyn Storage) {
        s.add_api_token(&token("t1", "51")).unwrap();
        s.add_api_token(&token("t2", "")).unwrap();
        assert!(
            s.add_api_token(&token("t1", "52")).is_err(),
            "ids are unique"
        );
        assert_eq!(s.api_tokens().unwrap().len(), 2);
        assert!(s.revoke_api_token("t1", 9).unwrap());
        assert!(!s.revoke_api_token("t1", 10).unwrap(), "already revoked");
        assert!(!s.revoke_api_token("nope", 10).unwrap());
        assert_eq!(s.api_token("t1").unwrap().unwrap().revoked_at, Some(9));
        assert_eq!(s.api_token("t2").unwrap().unwrap().revoked_at, None);
    }

    pub(crate) fn a_retried_submission_is_stored_once_while_its_key_lives(s: &dyn Storage) {
        let key = |k: &str, h: &str| IdempotencyKey {
            token_id: "t1".into(),
            key: k.into(),
            request_hash: h.into(),
        };
        let first = s
            .submit_idempotent("f", &sub("510104", "C3670"), &key("k", "h1"), 100)
            .unwrap();
        assert_eq!((first.version, first.replayed), (1, false));
        let again = s
            .submit_idempotent("g", &sub("510104", "C3670"), &key("k", "h2"), 200)
            .unwrap();
        assert!(again.replayed);
        assert_eq!(
            (
                again.firm.as_str(),
                again.version,
                again.request_hash.as_str()
            ),
            ("f", 1, "h1")
        );
        assert!(
            s.latest("g").unwrap().is_none(),
            "nothing stored on a retry"
        );
        // Another token's key of the same name is its own.
        let other = IdempotencyKey {
            token_id: "t2".into(),
            ..key("k", "h1")
        };
        assert!(
            !s.submit_idempotent("h", &sub("52", "C"), &other, 200)
                .unwrap()
                .replayed
        );
        // After 24 hours the key is forgotten: a new submission is stored.
        let late = 100 + IDEMPOTENCY_SECONDS;
        let later = s
            .submit_idempotent("f", &sub("510104", "C3670"), &key("k", "h1"), late)
            .unwrap();
        assert_eq!((later.version, later.replayed), (2, false));
        assert_eq!(s.submission("f", 1).unwrap().unwrap().submitted_at, 100);
        assert_eq!(s.sweep_idempotency(late).unwrap(), 1, "t2's old key");
        assert_eq!(s.sweep_idempotency(late).unwrap(), 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_tokens_are_listed_and_revoked_once() {
        contract::api_tokens_are_listed_and_revoked_once(&SqliteStorage::in_memory().unwrap());
    }

    #[test]
    fn a_retried_submission_is_stored_once_while_its_key_lives() {
        contract::a_retried_submission_is_stored_once_while_its_key_lives(
            &SqliteStorage::in_memory().unwrap(),
        );
    }

    #[test]
    fn edits_make_new_versions_and_filters_read_the_latest() {
        contract::edits_make_new_versions_and_filters_read_the_latest(
            &SqliteStorage::in_memory().unwrap(),
        );
    }

    #[test]
    fn drafts_save_and_sessions_expire() {
        contract::drafts_save_and_sessions_expire(&SqliteStorage::in_memory().unwrap());
    }

    #[test]
    fn links_are_separate_and_the_edit_link_can_be_replaced() {
        contract::links_are_separate_and_the_edit_link_can_be_replaced(
            &SqliteStorage::in_memory().unwrap(),
        );
    }

    #[test]
    fn old_unsubmitted_drafts_are_swept_and_counted_per_client() {
        contract::old_unsubmitted_drafts_are_swept_and_counted_per_client(
            &SqliteStorage::in_memory().unwrap(),
        );
    }

    #[test]
    fn a_new_password_or_removal_ends_the_users_sessions() {
        contract::a_new_password_or_removal_ends_the_users_sessions(
            &SqliteStorage::in_memory().unwrap(),
        );
    }

    #[test]
    fn migration_keeps_old_links_for_editing_and_adds_report_tokens() {
        let mut conn = Connection::open_in_memory().unwrap();
        let Step::Sql(v1) = MIGRATIONS[0][0] else {
            panic!("migration 1 is SQL")
        };
        let tx = conn.transaction().unwrap();
        tx.execute_batch(v1).unwrap();
        for t in ["a".repeat(32), "b".repeat(32)] {
            tx.execute(
                "INSERT INTO drafts (token, sheet, created_at, updated_at) VALUES (?1, '{}', 1, 1)",
                [&t],
            )
            .unwrap();
        }
        tx.execute(
            &format!("INSERT INTO submissions ({SUBMISSION_COLUMNS}) VALUES (?1, 1, 'm', '1', NULL, NULL, NULL, '{{}}', 1)"),
            ["a".repeat(32)],
        )
        .unwrap();
        tx.pragma_update(None, "user_version", 1).unwrap();
        tx.commit().unwrap();

        let s = SqliteStorage::setup(conn).unwrap();
        let a = s
            .links(&"a".repeat(32))
            .unwrap()
            .expect("the old link edits");
        let b = s.links(&"b".repeat(32)).unwrap().unwrap();
        assert_eq!(a.firm, "a".repeat(32));
        assert!(super::super::auth::is_token(&a.report) && a.report != a.edit);
        assert_ne!(a.report, b.report);
        assert!(
            s.report_firm(&a.edit).unwrap().is_none(),
            "the old link is no report link"
        );
        let firm = s.report_firm(&a.report).unwrap().unwrap();
        assert_eq!(s.latest(&firm).unwrap().unwrap().version, 1);
        // Migrating again changes nothing.
        let again = SqliteStorage::setup(s.conn.into_inner().unwrap()).unwrap();
        assert_eq!(again.links(&"a".repeat(32)).unwrap(), Some(a));
    }
}
