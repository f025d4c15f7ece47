//! The [`Storage`] trait on PostgreSQL, for several `smedx serve` instances on one database: every
//! piece of shared state (drafts and their links, submissions, office users, sessions) is in the
//! database, so a request may reach any instance. Writes are transactions acknowledged after their
//! commit (PostgreSQL's `synchronous_commit` must stay `on`, its default).
//!
//! The client is the synchronous `postgres` crate: the handlers call the storage from
//! `spawn_blocking` threads (see [`super::blocking`]), where that crate's own small runtime may
//! block; it must never be called on an async worker.

use super::storage::{
    ApiToken, DraftLinks, IDEMPOTENCY_SECONDS, IdempotencyKey, IdempotentOutcome,
    MAX_RECOVERY_ENTRIES, NewSubmission, OfficeUser, RecoveryEntry, RecoveryKey, Storage,
    StoredSubmission, SubmissionFilter,
};
use anyhow::Context;
use postgres::{Client, NoTls, Row, Transaction};
use std::sync::{Condvar, Mutex};

/// Connections one instance keeps open at most; more concurrent calls wait for one. Two instances
/// use 32 of PostgreSQL's default 100.
pub const POOL_SIZE: usize = 16;

/// Is `db` (the `--db` argument) a PostgreSQL URL rather than a SQLite file?
pub fn is_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// One step of a schema migration, as in the SQLite backend.
enum Step {
    Sql(&'static str),
    Rust(fn(&mut Transaction) -> anyhow::Result<()>),
}

/// The same schema versions as the SQLite backend's migrations 1 to 4, recorded in the table
/// `smedx_schema`. A released migration is never edited; a change is a new one in both backends.
const MIGRATIONS: &[&[Step]] = &[
    &[Step::Sql(
        r#"
CREATE TABLE drafts (
    token TEXT PRIMARY KEY,
    sheet TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE submissions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm TEXT NOT NULL,
    version INTEGER NOT NULL,
    model_id TEXT NOT NULL,
    model_version TEXT NOT NULL,
    region TEXT,
    industry TEXT,
    size TEXT,
    sheet TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
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
    user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);
"#,
    )],
    // 2: separate report and edit links, and the 取回码 (as SQLite's migration 2).
    &[
        Step::Sql(
            r#"
ALTER TABLE drafts RENAME COLUMN token TO firm;
ALTER TABLE drafts ADD COLUMN edit_token TEXT;
ALTER TABLE drafts ADD COLUMN report_token TEXT;
ALTER TABLE drafts ADD COLUMN credit_code TEXT;
ALTER TABLE drafts ADD COLUMN recovery_selector TEXT;
ALTER TABLE drafts ADD COLUMN recovery_hash TEXT;
ALTER TABLE drafts ADD COLUMN recovery_set_at BIGINT;
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
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE TABLE api_idempotency (
    token_id TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    firm TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (token_id, key)
);
CREATE INDEX api_idempotency_created_at ON api_idempotency (created_at);
"#,
    )],
];

/// Migration 2: a fresh report token for every draft that has none.
fn give_drafts_report_tokens(tx: &mut Transaction) -> anyhow::Result<()> {
    let firms: Vec<String> = tx
        .query("SELECT firm FROM drafts WHERE report_token IS NULL", &[])?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for firm in firms {
        let token = super::auth::random_token()?;
        tx.execute(
            "UPDATE drafts SET report_token = $2 WHERE firm = $1",
            &[&firm, &token],
        )?;
    }
    Ok(())
}

/// Serialises migrations of instances starting at once (`pg_advisory_xact_lock` key).
const MIGRATION_LOCK: i64 = 0x736d_6564_785f_6d69; // "smedx_mi"

/// PostgreSQL storage: a small pool of connections.
pub struct PgStorage {
    config: postgres::Config,
    /// What the log and error messages call the database (never the password).
    place: String,
    idle: Mutex<Pool>,
    freed: Condvar,
}

struct Pool {
    idle: Vec<Client>,
    /// Connections open, idle or lent.
    open: usize,
}

/// A connection lent from the pool; returned when dropped unless it broke.
struct Lent<'a> {
    storage: &'a PgStorage,
    client: Option<Client>,
}

impl std::ops::Deref for Lent<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client.as_ref().expect("lent until dropped")
    }
}

impl std::ops::DerefMut for Lent<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client.as_mut().expect("lent until dropped")
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        let mut pool = self.storage.pool();
        match self.client.take() {
            Some(c) if !c.is_closed() => pool.idle.push(c),
            _ => pool.open -= 1,
        }
        self.storage.freed.notify_one();
    }
}

impl PgStorage {
    /// Connect to the database at `url` and migrate it.
    pub fn open(url: &str) -> anyhow::Result<PgStorage> {
        let config: postgres::Config = url.parse().map_err(|e| {
            anyhow::anyhow!(
                "PostgreSQL 地址无法解析：{e}\n   = 提示：形如 postgres://用户@主机/数据库 或 \
                 postgres://用户@%2Fvar%2Frun%2Fpostgresql/数据库（Unix 套接字）\n\
                 cannot parse the PostgreSQL URL: {e}\n   = help: postgres://user@host/database, \
                 or postgres://user@%2Fvar%2Frun%2Fpostgresql/database for a Unix socket"
            )
        })?;
        Self::with_config(config)
    }

    fn with_config(config: postgres::Config) -> anyhow::Result<PgStorage> {
        let hosts: Vec<String> = config
            .get_hosts()
            .iter()
            .map(|h| match h {
                postgres::config::Host::Tcp(h) => h.clone(),
                #[cfg(unix)]
                postgres::config::Host::Unix(p) => p.display().to_string(),
            })
            .collect();
        let place = format!(
            "{}/{}",
            hosts.join(","),
            config.get_dbname().or(config.get_user()).unwrap_or("")
        );
        let storage = PgStorage {
            config,
            place,
            idle: Mutex::new(Pool {
                idle: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
        };
        let mut c = storage.client()?;
        migrate(&mut c).with_context(|| {
            format!("无法准备数据库 / cannot prepare database {}", storage.place)
        })?;
        drop(c);
        Ok(storage)
    }

    fn pool(&self) -> std::sync::MutexGuard<'_, Pool> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A connection from the pool, or a new one while fewer than [`POOL_SIZE`] are open.
    fn client(&self) -> anyhow::Result<Lent<'_>> {
        let mut pool = self.pool();
        loop {
            while let Some(c) = pool.idle.pop() {
                if c.is_closed() {
                    pool.open -= 1;
                } else {
                    return Ok(Lent {
                        storage: self,
                        client: Some(c),
                    });
                }
            }
            if pool.open < POOL_SIZE {
                pool.open += 1;
                drop(pool);
                return match self.config.connect(NoTls) {
                    Ok(c) => Ok(Lent {
                        storage: self,
                        client: Some(c),
                    }),
                    Err(e) => {
                        self.pool().open -= 1;
                        self.freed.notify_one();
                        Err(anyhow::anyhow!(
                            "无法连接 PostgreSQL 数据库 {p}：{e}\n   = 提示：请检查数据库是否运行、\
                             地址与用户是否正确\ncannot connect to PostgreSQL database {p}: {e}\n   \
                             = help: check that the server runs and the URL and user are right",
                            p = self.place
                        ))
                    }
                };
            }
            pool = self.freed.wait(pool).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// Apply the migrations not yet applied, each in one transaction, under a lock that other
/// instances starting at the same time wait for.
fn migrate(c: &mut Client) -> anyhow::Result<()> {
    for (i, steps) in MIGRATIONS.iter().enumerate() {
        let mut tx = c.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS smedx_schema (version INTEGER NOT NULL)")?;
        let done: Option<i32> = tx
            .query_opt("SELECT MAX(version) FROM smedx_schema", &[])?
            .and_then(|r| r.get(0));
        let done = usize::try_from(done.unwrap_or(0)).unwrap_or(0);
        if done > MIGRATIONS.len() {
            anyhow::bail!(
                "数据库由更新版本的 smedx 写入（架构 {done}，本程序只认识到 {}）\n\
                 the database was written by a newer smedx (schema {done}, this one knows {})",
                MIGRATIONS.len(),
                MIGRATIONS.len()
            );
        }
        if done > i {
            continue;
        }
        for step in *steps {
            match step {
                Step::Sql(sql) => tx.batch_execute(sql).map_err(anyhow::Error::from),
                Step::Rust(f) => f(&mut tx),
            }
            .with_context(|| format!("migration {}", i + 1))?;
        }
        let version = i32::try_from(i + 1).unwrap_or(i32::MAX);
        tx.execute("DELETE FROM smedx_schema", &[])?;
        tx.execute(
            "INSERT INTO smedx_schema (version) VALUES ($1)",
            &[&version],
        )?;
        tx.commit()?;
    }
    Ok(())
}

const SUBMISSION_COLUMNS: &str =
    "firm, version, model_id, model_version, region, industry, size, sheet, submitted_at";

fn row_submission(r: &Row) -> anyhow::Result<StoredSubmission> {
    let version: i32 = r.try_get(1)?;
    Ok(StoredSubmission {
        firm: r.try_get(0)?,
        version: u32::try_from(version)?,
        model_id: r.try_get(2)?,
        model_version: r.try_get(3)?,
        region: r.try_get(4)?,
        industry: r.try_get(5)?,
        size: r.try_get(6)?,
        sheet: r.try_get(7)?,
        submitted_at: r.try_get(8)?,
    })
}

fn office_user(r: &Row) -> anyhow::Result<OfficeUser> {
    Ok(OfficeUser {
        name: r.try_get(0)?,
        region_prefix: r.try_get(1)?,
        password_hash: r.try_get(2)?,
    })
}

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

/// Store the next version of the firm's submission in `tx`; its version.
fn insert_submission(
    tx: &mut Transaction,
    firm: &str,
    s: &NewSubmission,
    now: i64,
) -> anyhow::Result<i32> {
    // Two instances submitting for one firm at once take turns, so versions stay 1, 2, 3…
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
        &[&firm],
    )?;
    let version: i32 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM submissions WHERE firm = $1",
            &[&firm],
        )?
        .try_get(0)?;
    tx.execute(
        &format!(
            "INSERT INTO submissions ({SUBMISSION_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ),
        &[
            &firm,
            &version,
            &s.model_id,
            &s.model_version,
            &s.region,
            &s.industry,
            &s.size,
            &s.sheet,
            &now,
        ],
    )?;
    Ok(version)
}

const API_TOKEN_COLUMNS: &str = "id, region_prefix, label, secret_hash, created_at, revoked_at";

fn api_token(r: &Row) -> anyhow::Result<ApiToken> {
    Ok(ApiToken {
        id: r.try_get(0)?,
        region_prefix: r.try_get(1)?,
        label: r.try_get(2)?,
        secret_hash: r.try_get(3)?,
        created_at: r.try_get(4)?,
        revoked_at: r.try_get(5)?,
    })
}

/// Drafts whose firm never submitted.
const OPEN: &str = "NOT EXISTS (SELECT 1 FROM submissions s WHERE s.firm = drafts.firm)";

impl Storage for PgStorage {
    fn create_draft(
        &self,
        links: &DraftLinks,
        sheet: &str,
        now: i64,
        client: &str,
    ) -> anyhow::Result<()> {
        self.client()?.execute(
            "INSERT INTO drafts (firm, edit_token, report_token, sheet, created_at, updated_at,
                created_ip)
             VALUES ($1, $2, $3, $4, $5, $5, $6)",
            &[
                &links.firm,
                &links.edit,
                &links.report,
                &sheet,
                &now,
                &client,
            ],
        )?;
        Ok(())
    }

    fn open_drafts(&self, client: &str) -> anyhow::Result<(u64, u64)> {
        let row = self.client()?.query_one(
            &format!(
                "SELECT COUNT(*) FILTER (WHERE created_ip = $1), COUNT(*) FROM drafts WHERE {OPEN}"
            ),
            &[&client],
        )?;
        let (mine, all): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
        Ok((mine.max(0) as u64, all.max(0) as u64))
    }

    fn sweep_drafts(&self, before: i64) -> anyhow::Result<u64> {
        Ok(self.client()?.execute(
            &format!("DELETE FROM drafts WHERE updated_at < $1 AND {OPEN}"),
            &[&before],
        )?)
    }

    fn draft(&self, edit: &str) -> anyhow::Result<Option<String>> {
        let row = self
            .client()?
            .query_opt("SELECT sheet FROM drafts WHERE edit_token = $1", &[&edit])?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    fn save_draft(&self, edit: &str, sheet: &str, now: i64) -> anyhow::Result<bool> {
        let n = self.client()?.execute(
            "UPDATE drafts SET sheet = $2, updated_at = $3 WHERE edit_token = $1",
            &[&edit, &sheet, &now],
        )?;
        Ok(n == 1)
    }

    fn links(&self, edit: &str) -> anyhow::Result<Option<DraftLinks>> {
        let row = self.client()?.query_opt(
            "SELECT firm, edit_token, report_token FROM drafts WHERE edit_token = $1",
            &[&edit],
        )?;
        row.map(|r| {
            Ok(DraftLinks {
                firm: r.try_get(0)?,
                edit: r.try_get(1)?,
                report: r.try_get(2)?,
            })
        })
        .transpose()
    }

    fn report_firm(&self, report: &str) -> anyhow::Result<Option<String>> {
        let row = self.client()?.query_opt(
            "SELECT firm FROM drafts WHERE report_token = $1",
            &[&report],
        )?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    fn set_recovery(
        &self,
        edit: &str,
        key: &RecoveryKey,
        code_hash: &str,
        now: i64,
    ) -> anyhow::Result<bool> {
        let n = self.client()?.execute(
            "UPDATE drafts SET credit_code = $2, recovery_selector = $3, recovery_hash = $4,
                recovery_set_at = $5
             WHERE edit_token = $1",
            &[&edit, &key.credit_code, &key.selector, &code_hash, &now],
        )?;
        Ok(n == 1)
    }

    fn recovery_credit_code(&self, firm: &str) -> anyhow::Result<Option<String>> {
        let row = self.client()?.query_opt(
            "SELECT credit_code FROM drafts WHERE firm = $1 AND recovery_hash IS NOT NULL",
            &[&firm],
        )?;
        Ok(row
            .map(|r| r.try_get::<_, Option<String>>(0))
            .transpose()?
            .flatten())
    }

    fn recovery_entries(&self, key: &RecoveryKey) -> anyhow::Result<Vec<RecoveryEntry>> {
        let limit = MAX_RECOVERY_ENTRIES as i64;
        self.client()?
            .query(
                "SELECT firm, recovery_hash FROM drafts
                 WHERE credit_code = $1 AND recovery_selector = $2 AND recovery_hash IS NOT NULL
                 ORDER BY recovery_set_at DESC LIMIT $3",
                &[&key.credit_code, &key.selector, &limit],
            )?
            .iter()
            .map(|r| {
                Ok(RecoveryEntry {
                    firm: r.try_get(0)?,
                    code_hash: r.try_get(1)?,
                })
            })
            .collect()
    }

    fn replace_edit_link(&self, firm: &str, edit: &str) -> anyhow::Result<bool> {
        let n = self.client()?.execute(
            "UPDATE drafts SET edit_token = $2 WHERE firm = $1",
            &[&firm, &edit],
        )?;
        Ok(n == 1)
    }

    fn submit(&self, firm: &str, s: &NewSubmission, now: i64) -> anyhow::Result<u32> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let version = insert_submission(&mut tx, firm, s, now)?;
        tx.commit()?;
        Ok(u32::try_from(version)?)
    }

    fn latest(&self, firm: &str) -> anyhow::Result<Option<StoredSubmission>> {
        let row = self.client()?.query_opt(
            &format!(
                "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE firm = $1
                 ORDER BY version DESC LIMIT 1"
            ),
            &[&firm],
        )?;
        row.as_ref().map(row_submission).transpose()
    }

    fn each_submission(
        &self,
        filter: &SubmissionFilter,
        f: &mut dyn FnMut(StoredSubmission) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        use postgres::fallible_iterator::FallibleIterator;
        let latest_only = if filter.all_versions {
            ""
        } else {
            "AND version = (SELECT MAX(version) FROM submissions s2 WHERE s2.firm = submissions.firm)"
        };
        let sql = format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions
             WHERE COALESCE(region, '') LIKE $1 ESCAPE '\\'
               AND COALESCE(industry, '') LIKE $2 ESCAPE '\\'
               AND ($3::TEXT IS NULL OR size = $3)
               {latest_only}
             ORDER BY id"
        );
        let (region, industry) = (
            starts_with_pattern(&filter.region_prefix),
            starts_with_pattern(&filter.industry_prefix),
        );
        let params: [&(dyn postgres::types::ToSql + Sync); 3] = [&region, &industry, &filter.size];
        let mut client = self.client()?;
        // Rows as they arrive, not a vector of all of them.
        let mut rows = client.query_raw(&sql, params)?;
        while let Some(row) = rows.next()? {
            f(row_submission(&row)?)?;
        }
        Ok(())
    }

    fn put_user(&self, user: &OfficeUser) -> anyhow::Result<()> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        // A new password or region ends every session opened under the old one.
        tx.execute("DELETE FROM sessions WHERE user_name = $1", &[&user.name])?;
        tx.execute(
            "INSERT INTO users (name, region_prefix, password_hash) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET region_prefix = $2, password_hash = $3",
            &[&user.name, &user.region_prefix, &user.password_hash],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn users(&self) -> anyhow::Result<Vec<OfficeUser>> {
        self.client()?
            .query(
                "SELECT name, region_prefix, password_hash FROM users ORDER BY name",
                &[],
            )?
            .iter()
            .map(office_user)
            .collect()
    }

    fn remove_user(&self, name: &str) -> anyhow::Result<bool> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        tx.execute("DELETE FROM sessions WHERE user_name = $1", &[&name])?;
        let n = tx.execute("DELETE FROM users WHERE name = $1", &[&name])?;
        tx.commit()?;
        Ok(n == 1)
    }

    fn user(&self, name: &str) -> anyhow::Result<Option<OfficeUser>> {
        let row = self.client()?.query_opt(
            "SELECT name, region_prefix, password_hash FROM users WHERE name = $1",
            &[&name],
        )?;
        row.as_ref().map(office_user).transpose()
    }

    fn create_session(&self, token: &str, user: &str, expires: i64) -> anyhow::Result<()> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        tx.execute(
            "DELETE FROM sessions WHERE expires_at < $1",
            &[&(expires - super::SESSION_SECONDS)],
        )?;
        tx.execute(
            "INSERT INTO sessions (token, user_name, expires_at) VALUES ($1, $2, $3)",
            &[&token, &user, &expires],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn session_user(&self, token: &str, now: i64) -> anyhow::Result<Option<OfficeUser>> {
        let row = self.client()?.query_opt(
            "SELECT u.name, u.region_prefix, u.password_hash FROM sessions s
             JOIN users u ON u.name = s.user_name WHERE s.token = $1 AND s.expires_at > $2",
            &[&token, &now],
        )?;
        row.as_ref().map(office_user).transpose()
    }

    fn delete_session(&self, token: &str) -> anyhow::Result<()> {
        self.client()?
            .execute("DELETE FROM sessions WHERE token = $1", &[&token])?;
        Ok(())
    }

    // --- JSON API ---

    fn add_api_token(&self, t: &ApiToken) -> anyhow::Result<()> {
        self.client()?.execute(
            "INSERT INTO api_tokens (id, region_prefix, label, secret_hash, created_at, revoked_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &t.id,
                &t.region_prefix,
                &t.label,
                &t.secret_hash,
                &t.created_at,
                &t.revoked_at,
            ],
        )?;
        Ok(())
    }

    fn api_token(&self, id: &str) -> anyhow::Result<Option<ApiToken>> {
        let row = self.client()?.query_opt(
            &format!("SELECT {API_TOKEN_COLUMNS} FROM api_tokens WHERE id = $1"),
            &[&id],
        )?;
        row.as_ref().map(api_token).transpose()
    }

    fn api_tokens(&self) -> anyhow::Result<Vec<ApiToken>> {
        self.client()?
            .query(
                &format!("SELECT {API_TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id"),
                &[],
            )?
            .iter()
            .map(api_token)
            .collect()
    }

    fn revoke_api_token(&self, id: &str, now: i64) -> anyhow::Result<bool> {
        let n = self.client()?.execute(
            "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            &[&id, &now],
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
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        // A retry reaching another instance at the same moment waits for the first to commit and
        // then finds its key; submissions for one firm take turns as in `submit`.
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1 || ' ' || $2, 1))",
            &[&key.token_id, &key.key],
        )?;
        tx.execute(
            "DELETE FROM api_idempotency WHERE token_id = $1 AND key = $2 AND created_at <= $3",
            &[&key.token_id, &key.key, &(now - IDEMPOTENCY_SECONDS)],
        )?;
        if let Some(r) = tx.query_opt(
            "SELECT firm, version, request_hash FROM api_idempotency
             WHERE token_id = $1 AND key = $2",
            &[&key.token_id, &key.key],
        )? {
            let version: i32 = r.try_get(1)?;
            return Ok(IdempotentOutcome {
                firm: r.try_get(0)?,
                version: u32::try_from(version)?,
                request_hash: r.try_get(2)?,
                replayed: true,
            });
        }
        let version = insert_submission(&mut tx, firm, s, now)?;
        tx.execute(
            "INSERT INTO api_idempotency (token_id, key, request_hash, firm, version, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &key.token_id,
                &key.key,
                &key.request_hash,
                &firm,
                &version,
                &now,
            ],
        )?;
        tx.commit()?;
        Ok(IdempotentOutcome {
            firm: firm.to_string(),
            version: u32::try_from(version)?,
            request_hash: key.request_hash.clone(),
            replayed: false,
        })
    }

    fn sweep_idempotency(&self, before: i64) -> anyhow::Result<u64> {
        Ok(self.client()?.execute(
            "DELETE FROM api_idempotency WHERE created_at < $1",
            &[&before],
        )?)
    }

    fn submission(&self, firm: &str, version: u32) -> anyhow::Result<Option<StoredSubmission>> {
        let version = i32::try_from(version).unwrap_or(i32::MAX);
        let row = self.client()?.query_opt(
            &format!(
                "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE firm = $1 AND version = $2"
            ),
            &[&firm, &version],
        )?;
        row.as_ref().map(row_submission).transpose()
    }
}

/// A fresh schema in the database `SMEDX_TEST_PG` names, dropped at the end (tests). None, with a
/// note, when the variable is unset outside CI; in CI (`CI` set) a missing URL fails the test.
#[cfg(test)]
pub(crate) struct TestSchema {
    config: postgres::Config,
    name: String,
}

#[cfg(test)]
impl TestSchema {
    pub(crate) fn new() -> Option<TestSchema> {
        let Ok(url) = std::env::var("SMEDX_TEST_PG") else {
            assert!(
                std::env::var_os("CI").is_none(),
                "SMEDX_TEST_PG is unset in CI: .ci/install-postgres.sh prints it"
            );
            eprintln!("note: SMEDX_TEST_PG unset, the PostgreSQL variant is skipped");
            return None;
        };
        let mut config: postgres::Config = url.parse().expect("SMEDX_TEST_PG is a URL");
        let name = format!("t_{}", super::auth::random_token().unwrap());
        let mut c = config.connect(NoTls).expect("connect to SMEDX_TEST_PG");
        c.batch_execute(&format!("CREATE SCHEMA {name}")).unwrap();
        config.options(&format!("-c search_path={name}"));
        Some(TestSchema { config, name })
    }

    pub(crate) fn storage(&self) -> PgStorage {
        PgStorage::with_config(self.config.clone()).unwrap()
    }

    pub(crate) fn client(&self) -> Client {
        self.config.connect(NoTls).unwrap()
    }
}

#[cfg(test)]
impl Drop for TestSchema {
    fn drop(&mut self) {
        if let Ok(mut c) = self.config.connect(NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::storage::contract;

    macro_rules! contract_tests {
        ($($name:ident),*) => {$(
            #[test]
            fn $name() {
                if let Some(db) = TestSchema::new() {
                    contract::$name(&db.storage());
                }
            }
        )*};
    }

    contract_tests!(
        edits_make_new_versions_and_filters_read_the_latest,
        drafts_save_and_sessions_expire,
        links_are_separate_and_the_edit_link_can_be_replaced,
        old_unsubmitted_drafts_are_swept_and_counted_per_client,
        a_new_password_or_removal_ends_the_users_sessions,
        api_tokens_are_listed_and_revoked_once,
        a_retried_submission_is_stored_once_while_its_key_lives
    );

    #[test]
    fn two_instances_migrate_at_once_and_number_one_firms_versions_in_turn() {
        let Some(db) = TestSchema::new() else { return };
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| db.storage());
            let b = s.spawn(|| db.storage());
            (a.join().unwrap(), b.join().unwrap())
        });
        let version: i32 = db
            .client()
            .query_one("SELECT version FROM smedx_schema", &[])
            .unwrap()
            .get(0);
        assert_eq!(version as usize, MIGRATIONS.len());
        let versions: Vec<u32> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..12)
                .map(|i| {
                    let st: &PgStorage = if i % 2 == 0 { &a } else { &b };
                    s.spawn(move || {
                        st.submit("f", &contract::sub("510104", "C3670"), i)
                            .unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut sorted = versions.clone();
        sorted.sort();
        assert_eq!(sorted, (1..=12).collect::<Vec<u32>>());
        // What one instance wrote, the other reads.
        assert_eq!(b.latest("f").unwrap().unwrap().version, 12);
        assert_eq!(
            a.submissions(&SubmissionFilter {
                all_versions: true,
                ..Default::default()
            })
            .unwrap()
            .len(),
            12
        );
    }

    #[test]
    fn migration_keeps_old_links_for_editing_and_adds_report_tokens() {
        let Some(db) = TestSchema::new() else { return };
        let mut c = db.client();
        let Step::Sql(v1) = MIGRATIONS[0][0] else {
            panic!("migration 1 is SQL")
        };
        c.batch_execute(v1).unwrap();
        c.batch_execute(
            "CREATE TABLE smedx_schema (version INTEGER NOT NULL);
             INSERT INTO smedx_schema VALUES (1);",
        )
        .unwrap();
        for t in ["a".repeat(32), "b".repeat(32)] {
            c.execute(
                "INSERT INTO drafts (token, sheet, created_at, updated_at) VALUES ($1, '{}', 1, 1)",
                &[&t],
            )
            .unwrap();
        }
        let s = db.storage();
        let a = s
            .links(&"a".repeat(32))
            .unwrap()
            .expect("the old link edits");
        let b = s.links(&"b".repeat(32)).unwrap().unwrap();
        assert!(super::super::auth::is_token(&a.report) && a.report != a.edit);
        assert_ne!(a.report, b.report);
        assert_eq!(s.report_firm(&a.report).unwrap(), Some("a".repeat(32)));
        drop(s);
        // Opening again migrates nothing and keeps the links.
        assert_eq!(db.storage().links(&"a".repeat(32)).unwrap(), Some(a));
    }

    #[test]
    fn a_database_from_a_newer_smedx_is_refused() {
        let Some(db) = TestSchema::new() else { return };
        drop(db.storage());
        db.client()
            .batch_execute("UPDATE smedx_schema SET version = 99")
            .unwrap();
        let e = PgStorage::with_config(db.config.clone()).err().unwrap();
        assert!(format!("{e:#}").contains("schema 99"), "{e:#}");
    }

    #[test]
    fn an_unreachable_server_is_a_clear_error() {
        let e = PgStorage::open("postgres://nobody@127.0.0.1:1/none")
            .err()
            .unwrap();
        let text = format!("{e:#}");
        assert!(
            text.contains("无法连接 PostgreSQL 数据库 127.0.0.1/none") && !text.contains("panick"),
            "{text}"
        );
        let e = PgStorage::open("postgres://a@b/c?sslmode=nonsense")
            .err()
            .unwrap();
        assert!(format!("{e:#}").contains("PostgreSQL 地址无法解析"));
    }
}
