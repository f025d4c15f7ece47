//! The SQL both storage backends run, written once: the schema migrations, every query of the
//! [`Storage`] trait and the mapping of rows to its types. A backend ([`Backend`]) gives only its
//! connections and transactions, how it records the schema version, and its spelling of a few
//! words: the SQL here is written in PostgreSQL's types with SQLite's `?N` placeholders, and each
//! backend's [`Sql`] rewrites what it spells differently ([`respell`]).

use super::storage::{
    ApiToken, DraftLinks, IDEMPOTENCY_SECONDS, IdempotencyKey, IdempotentOutcome,
    MAX_RECOVERY_ENTRIES, NewSubmission, OfficeUser, RecoveryEntry, RecoveryKey, Storage,
    StoredSubmission, SubmissionFilter,
};
use anyhow::Context;
use std::borrow::Cow;

/// A value bound to a `?N` placeholder.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Param<'a> {
    Null,
    Int(i64),
    Text(&'a str),
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(s: &'a str) -> Self {
        Param::Text(s)
    }
}

impl<'a> From<&'a String> for Param<'a> {
    fn from(s: &'a String) -> Self {
        Param::Text(s)
    }
}

impl<'a> From<&'a Option<String>> for Param<'a> {
    fn from(s: &'a Option<String>) -> Self {
        s.as_deref().map_or(Param::Null, Param::Text)
    }
}

impl From<i64> for Param<'_> {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}

impl From<u32> for Param<'_> {
    fn from(v: u32) -> Self {
        Param::Int(v.into())
    }
}

impl From<Option<i64>> for Param<'_> {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Param::Null, Param::Int)
    }
}

/// A column's value as read.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) enum Value {
    #[default]
    Null,
    Int(i64),
    Text(String),
}

/// One row as read, its values taken out column by column.
#[derive(Debug)]
pub(crate) struct Row(pub(crate) Vec<Value>);

impl Row {
    fn take(&mut self, i: usize) -> Value {
        self.0.get_mut(i).map_or(Value::Null, std::mem::take)
    }

    pub(crate) fn opt_text(&mut self, i: usize) -> anyhow::Result<Option<String>> {
        match self.take(i) {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s)),
            Value::Int(v) => anyhow::bail!("column {i}: text expected, found the number {v}"),
        }
    }

    pub(crate) fn text(&mut self, i: usize) -> anyhow::Result<String> {
        self.opt_text(i)?
            .with_context(|| format!("column {i}: text expected, found NULL"))
    }

    pub(crate) fn opt_int(&mut self, i: usize) -> anyhow::Result<Option<i64>> {
        match self.take(i) {
            Value::Null => Ok(None),
            Value::Int(v) => Ok(Some(v)),
            Value::Text(_) => anyhow::bail!("column {i}: number expected, found text"),
        }
    }

    pub(crate) fn int(&mut self, i: usize) -> anyhow::Result<i64> {
        self.opt_int(i)?
            .with_context(|| format!("column {i}: number expected, found NULL"))
    }

    fn version(&mut self, i: usize) -> anyhow::Result<u32> {
        Ok(u32::try_from(self.int(i)?)?)
    }
}

/// A connection or a transaction of one backend: the shared SQL in, rows out.
pub(crate) trait Sql {
    /// Run one statement; how many rows it changed.
    fn execute(&mut self, sql: &str, params: &[Param<'_>]) -> anyhow::Result<u64>;
    /// Run one query, giving `f` its rows one at a time as the database reads them; an error of
    /// `f` stops it.
    fn query_each(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
        f: &mut dyn FnMut(Row) -> anyhow::Result<()>,
    ) -> anyhow::Result<()>;
    /// Run statements without parameters (migrations).
    fn batch(&mut self, sql: &str) -> anyhow::Result<()>;

    /// Run one query; its rows.
    fn query(&mut self, sql: &str, params: &[Param<'_>]) -> anyhow::Result<Vec<Row>> {
        let mut rows = Vec::new();
        self.query_each(sql, params, &mut |r| {
            rows.push(r);
            Ok(())
        })?;
        Ok(rows)
    }

    /// The query's first row, if any.
    fn query_opt(&mut self, sql: &str, params: &[Param<'_>]) -> anyhow::Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

/// `sql` with each word of `spelling` replaced by the backend's own, in order.
pub(crate) fn respell<'a>(sql: &'a str, spelling: &[(&str, &str)]) -> Cow<'a, str> {
    let mut out = Cow::Borrowed(sql);
    for (from, to) in spelling {
        if out.contains(from) {
            out = Cow::Owned(out.replace(from, to));
        }
    }
    out
}

/// What a database gives the shared SQL.
pub(crate) trait Backend: Send + Sync {
    /// Run at the start of a transaction that stores a firm's next version (`?1`: the firm), so
    /// two writers for one firm take turns; None where a transaction already excludes every other
    /// writer.
    const LOCK_FIRM: Option<&'static str>;
    /// The same for an idempotency key (`?1`: token id, `?2`: key).
    const LOCK_KEY: Option<&'static str>;
    /// Run `f` on a connection, each statement on its own.
    fn run<T>(&self, f: impl FnOnce(&mut dyn Sql) -> anyhow::Result<T>) -> anyhow::Result<T>;
    /// Run `f` in one transaction, committed when it returns `Ok`.
    fn transaction<T>(
        &self,
        f: impl FnOnce(&mut dyn Sql) -> anyhow::Result<T>,
    ) -> anyhow::Result<T>;
    /// How many migrations the database has had (in a migration's transaction; may lock out
    /// other instances migrating at once).
    fn schema_version(tx: &mut dyn Sql) -> anyhow::Result<usize>;
    fn set_schema_version(tx: &mut dyn Sql, version: usize) -> anyhow::Result<()>;

    /// One statement on its own; how many rows it changed.
    fn execute(&self, sql: &str, params: &[Param<'_>]) -> anyhow::Result<u64> {
        self.run(|c| c.execute(sql, params))
    }
    /// One query on its own; its rows.
    fn query(&self, sql: &str, params: &[Param<'_>]) -> anyhow::Result<Vec<Row>> {
        self.run(|c| c.query(sql, params))
    }
    /// One query on its own; its first row, if any.
    fn query_opt(&self, sql: &str, params: &[Param<'_>]) -> anyhow::Result<Option<Row>> {
        self.run(|c| c.query_opt(sql, params))
    }
}

/// One step of a schema migration: SQL, or Rust where the database cannot do it (secure random
/// tokens).
pub(crate) enum Step {
    Sql(&'static str),
    Rust(fn(&mut dyn Sql) -> anyhow::Result<()>),
}

/// Schema migrations, applied in order, each in one transaction. A released migration is never
/// edited; a change is a new one. (Words SQLite spells differently: `BIGINT`, the identity column
/// and `user_name`, the column SQLite calls `user`.)
pub(crate) const MIGRATIONS: &[&[Step]] = &[
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

/// Migration 2: a fresh report token for every draft that has none (from the system's randomness,
/// as every other token, not the database's).
fn give_drafts_report_tokens(tx: &mut dyn Sql) -> anyhow::Result<()> {
    for mut row in tx.query("SELECT firm FROM drafts WHERE report_token IS NULL", &[])? {
        let firm = row.text(0)?;
        let token = super::auth::random_token()?;
        tx.execute(
            "UPDATE drafts SET report_token = ?2 WHERE firm = ?1",
            &[(&firm).into(), (&token).into()],
        )?;
    }
    Ok(())
}

/// Apply the migrations not yet applied, each in one transaction.
pub(crate) fn migrate<B: Backend>(backend: &B) -> anyhow::Result<()> {
    for (i, steps) in MIGRATIONS.iter().enumerate() {
        backend.transaction(|tx| {
            let done = B::schema_version(tx)?;
            if done > MIGRATIONS.len() {
                anyhow::bail!(
                    "数据库由更新版本的 smedx 写入（架构 {done}，本程序只认识到 {n}）\n\
                     the database was written by a newer smedx (schema {done}, this one knows {n})",
                    n = MIGRATIONS.len()
                );
            }
            if done > i {
                return Ok(());
            }
            for step in *steps {
                match step {
                    Step::Sql(sql) => tx.batch(sql),
                    Step::Rust(f) => f(tx),
                }
                .with_context(|| format!("migration {}", i + 1))?;
            }
            B::set_schema_version(tx, i + 1)
        })?;
    }
    Ok(())
}

const SUBMISSION_COLUMNS: &str =
    "firm, version, model_id, model_version, region, industry, size, sheet, submitted_at";

fn submission(mut r: Row) -> anyhow::Result<StoredSubmission> {
    Ok(StoredSubmission {
        firm: r.text(0)?,
        version: r.version(1)?,
        model_id: r.text(2)?,
        model_version: r.text(3)?,
        region: r.opt_text(4)?,
        industry: r.opt_text(5)?,
        size: r.opt_text(6)?,
        sheet: r.text(7)?,
        submitted_at: r.int(8)?,
    })
}

const USER_COLUMNS: &str = "name, region_prefix, password_hash";

fn office_user(mut r: Row) -> anyhow::Result<OfficeUser> {
    Ok(OfficeUser {
        name: r.text(0)?,
        region_prefix: r.text(1)?,
        password_hash: r.text(2)?,
    })
}

const API_TOKEN_COLUMNS: &str = "id, region_prefix, label, secret_hash, created_at, revoked_at";

fn api_token(mut r: Row) -> anyhow::Result<ApiToken> {
    Ok(ApiToken {
        id: r.text(0)?,
        region_prefix: r.text(1)?,
        label: r.text(2)?,
        secret_hash: r.text(3)?,
        created_at: r.int(4)?,
        revoked_at: r.opt_int(5)?,
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

/// Drafts whose firm never submitted.
const OPEN: &str = "NOT EXISTS (SELECT 1 FROM submissions s WHERE s.firm = drafts.firm)";

/// Store the next version of the firm's submission in `tx`; its version.
fn insert_submission<B: Backend>(
    tx: &mut dyn Sql,
    firm: &str,
    s: &NewSubmission,
    now: i64,
) -> anyhow::Result<u32> {
    if let Some(lock) = B::LOCK_FIRM {
        tx.execute(lock, &[firm.into()])?;
    }
    let version = tx
        .query_opt(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM submissions WHERE firm = ?1",
            &[firm.into()],
        )?
        .context("no next version")?
        .version(0)?;
    tx.execute(
        &format!(
            "INSERT INTO submissions ({SUBMISSION_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        ),
        &[
            firm.into(),
            version.into(),
            (&s.model_id).into(),
            (&s.model_version).into(),
            (&s.region).into(),
            (&s.industry).into(),
            (&s.size).into(),
            (&s.sheet).into(),
            now.into(),
        ],
    )?;
    Ok(version)
}

/// Every backend is a [`Storage`] through the shared SQL.
impl<B: Backend> Storage for B {
    fn create_draft(
        &self,
        links: &DraftLinks,
        sheet: &str,
        now: i64,
        client: &str,
    ) -> anyhow::Result<()> {
        self.execute(
            "INSERT INTO drafts (firm, edit_token, report_token, sheet, created_at, updated_at,
                    created_ip)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
            &[
                (&links.firm).into(),
                (&links.edit).into(),
                (&links.report).into(),
                sheet.into(),
                now.into(),
                client.into(),
            ],
        )
        .map(drop)
    }

    fn open_drafts(&self, client: &str) -> anyhow::Result<(u64, u64)> {
        let sql = format!(
            "SELECT COALESCE(SUM(CASE WHEN created_ip = ?1 THEN 1 ELSE 0 END), 0), COUNT(*)
             FROM drafts WHERE {OPEN}"
        );
        let mut row = self
            .run(|c| c.query_opt(&sql, &[client.into()]))?
            .context("no count")?;
        let (mine, all) = (row.int(0)?, row.int(1)?);
        Ok((mine.max(0) as u64, all.max(0) as u64))
    }

    fn sweep_drafts(&self, before: i64) -> anyhow::Result<u64> {
        self.execute(
            &format!("DELETE FROM drafts WHERE updated_at < ?1 AND {OPEN}"),
            &[before.into()],
        )
    }

    fn draft(&self, edit: &str) -> anyhow::Result<Option<String>> {
        self.query_opt(
            "SELECT sheet FROM drafts WHERE edit_token = ?1",
            &[edit.into()],
        )?
        .map(|mut r| r.text(0))
        .transpose()
    }

    fn save_draft(&self, edit: &str, sheet: &str, now: i64) -> anyhow::Result<bool> {
        Ok(self.execute(
            "UPDATE drafts SET sheet = ?2, updated_at = ?3 WHERE edit_token = ?1",
            &[edit.into(), sheet.into(), now.into()],
        )? == 1)
    }

    fn links(&self, edit: &str) -> anyhow::Result<Option<DraftLinks>> {
        let sql = "SELECT firm, edit_token, report_token FROM drafts WHERE edit_token = ?1";
        self.query_opt(sql, &[edit.into()])?
            .map(|mut r| {
                Ok(DraftLinks {
                    firm: r.text(0)?,
                    edit: r.text(1)?,
                    report: r.text(2)?,
                })
            })
            .transpose()
    }

    fn report_firm(&self, report: &str) -> anyhow::Result<Option<String>> {
        let sql = "SELECT firm FROM drafts WHERE report_token = ?1";
        self.query_opt(sql, &[report.into()])?
            .map(|mut r| r.text(0))
            .transpose()
    }

    fn set_recovery(
        &self,
        edit: &str,
        key: &RecoveryKey,
        code_hash: &str,
        now: i64,
    ) -> anyhow::Result<bool> {
        Ok(self.execute(
            "UPDATE drafts SET credit_code = ?2, recovery_selector = ?3, recovery_hash = ?4,
                    recovery_set_at = ?5
                 WHERE edit_token = ?1",
            &[
                edit.into(),
                (&key.credit_code).into(),
                (&key.selector).into(),
                code_hash.into(),
                now.into(),
            ],
        )? == 1)
    }

    fn recovery_credit_code(&self, firm: &str) -> anyhow::Result<Option<String>> {
        let sql = "SELECT credit_code FROM drafts WHERE firm = ?1 AND recovery_hash IS NOT NULL";
        Ok(self
            .run(|c| c.query_opt(sql, &[firm.into()]))?
            .map(|mut r| r.opt_text(0))
            .transpose()?
            .flatten())
    }

    fn recovery_entries(&self, key: &RecoveryKey) -> anyhow::Result<Vec<RecoveryEntry>> {
        let limit = MAX_RECOVERY_ENTRIES as i64;
        self.query(
            "SELECT firm, recovery_hash FROM drafts
                 WHERE credit_code = ?1 AND recovery_selector = ?2 AND recovery_hash IS NOT NULL
                 ORDER BY recovery_set_at DESC LIMIT ?3",
            &[
                (&key.credit_code).into(),
                (&key.selector).into(),
                limit.into(),
            ],
        )?
        .into_iter()
        .map(|mut r| {
            Ok(RecoveryEntry {
                firm: r.text(0)?,
                code_hash: r.text(1)?,
            })
        })
        .collect()
    }

    fn replace_edit_link(&self, firm: &str, edit: &str) -> anyhow::Result<bool> {
        Ok(self.execute(
            "UPDATE drafts SET edit_token = ?2 WHERE firm = ?1",
            &[firm.into(), edit.into()],
        )? == 1)
    }

    fn submit(&self, firm: &str, s: &NewSubmission, now: i64) -> anyhow::Result<u32> {
        self.transaction(|tx| insert_submission::<B>(tx, firm, s, now))
    }

    fn latest(&self, firm: &str) -> anyhow::Result<Option<StoredSubmission>> {
        let sql = format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE firm = ?1
             ORDER BY version DESC LIMIT 1"
        );
        self.query_opt(&sql, &[firm.into()])?
            .map(submission)
            .transpose()
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
               AND (CAST(?3 AS TEXT) IS NULL OR size = ?3)
               {latest_only}
             ORDER BY id"
        );
        let (region, industry) = (
            starts_with_pattern(&filter.region_prefix),
            starts_with_pattern(&filter.industry_prefix),
        );
        // Rows as they arrive, not a vector of all of them (`smedx dump` of millions).
        self.run(|c| {
            c.query_each(
                &sql,
                &[(&region).into(), (&industry).into(), (&filter.size).into()],
                &mut |row| f(submission(row)?),
            )
        })
    }

    fn put_user(&self, user: &OfficeUser) -> anyhow::Result<()> {
        self.transaction(|tx| {
            // A new password or region ends every session opened under the old one.
            tx.execute(
                "DELETE FROM sessions WHERE user_name = ?1",
                &[(&user.name).into()],
            )?;
            tx.execute(
                &format!(
                    "INSERT INTO users ({USER_COLUMNS}) VALUES (?1, ?2, ?3)
                     ON CONFLICT (name) DO UPDATE SET region_prefix = ?2, password_hash = ?3"
                ),
                &[
                    (&user.name).into(),
                    (&user.region_prefix).into(),
                    (&user.password_hash).into(),
                ],
            )
        })?;
        Ok(())
    }

    fn users(&self) -> anyhow::Result<Vec<OfficeUser>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY name");
        self.query(&sql, &[])?
            .into_iter()
            .map(office_user)
            .collect()
    }

    fn remove_user(&self, name: &str) -> anyhow::Result<bool> {
        let n = self.transaction(|tx| {
            tx.execute("DELETE FROM sessions WHERE user_name = ?1", &[name.into()])?;
            tx.execute("DELETE FROM users WHERE name = ?1", &[name.into()])
        })?;
        Ok(n == 1)
    }

    fn user(&self, name: &str) -> anyhow::Result<Option<OfficeUser>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE name = ?1");
        self.query_opt(&sql, &[name.into()])?
            .map(office_user)
            .transpose()
    }

    fn create_session(&self, token: &str, user: &str, expires: i64) -> anyhow::Result<()> {
        self.transaction(|tx| {
            tx.execute(
                "DELETE FROM sessions WHERE expires_at < ?1",
                &[(expires - super::SESSION_SECONDS).into()],
            )?;
            tx.execute(
                "INSERT INTO sessions (token, user_name, expires_at) VALUES (?1, ?2, ?3)",
                &[token.into(), user.into(), expires.into()],
            )
        })?;
        Ok(())
    }

    fn session_user(&self, token: &str, now: i64) -> anyhow::Result<Option<OfficeUser>> {
        let sql = "SELECT u.name, u.region_prefix, u.password_hash FROM sessions s
                   JOIN users u ON u.name = s.user_name WHERE s.token = ?1 AND s.expires_at > ?2";
        self.query_opt(sql, &[token.into(), now.into()])?
            .map(office_user)
            .transpose()
    }

    fn delete_session(&self, token: &str) -> anyhow::Result<()> {
        self.execute("DELETE FROM sessions WHERE token = ?1", &[token.into()])
            .map(drop)
    }

    // --- JSON API ---

    fn add_api_token(&self, t: &ApiToken) -> anyhow::Result<()> {
        self.execute(
            &format!(
                "INSERT INTO api_tokens ({API_TOKEN_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
            ),
            &[
                (&t.id).into(),
                (&t.region_prefix).into(),
                (&t.label).into(),
                (&t.secret_hash).into(),
                t.created_at.into(),
                t.revoked_at.into(),
            ],
        )
        .map(drop)
    }

    fn api_token(&self, id: &str) -> anyhow::Result<Option<ApiToken>> {
        let sql = format!("SELECT {API_TOKEN_COLUMNS} FROM api_tokens WHERE id = ?1");
        self.query_opt(&sql, &[id.into()])?
            .map(api_token)
            .transpose()
    }

    fn api_tokens(&self) -> anyhow::Result<Vec<ApiToken>> {
        let sql = format!("SELECT {API_TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id");
        self.query(&sql, &[])?.into_iter().map(api_token).collect()
    }

    fn revoke_api_token(&self, id: &str, now: i64) -> anyhow::Result<bool> {
        Ok(self.execute(
            "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            &[id.into(), now.into()],
        )? == 1)
    }

    fn submit_idempotent(
        &self,
        firm: &str,
        s: &NewSubmission,
        key: &IdempotencyKey,
        now: i64,
    ) -> anyhow::Result<IdempotentOutcome> {
        let token_and_key = [(&key.token_id).into(), (&key.key).into()];
        self.transaction(|tx| {
            // A retry reaching another instance at the same moment waits for the first to commit
            // and then finds its key.
            if let Some(lock) = B::LOCK_KEY {
                tx.execute(lock, &token_and_key)?;
            }
            tx.execute(
                "DELETE FROM api_idempotency WHERE token_id = ?1 AND key = ?2 AND created_at <= ?3",
                &[
                    token_and_key[0],
                    token_and_key[1],
                    (now - IDEMPOTENCY_SECONDS).into(),
                ],
            )?;
            let seen = tx.query_opt(
                "SELECT firm, version, request_hash FROM api_idempotency
                 WHERE token_id = ?1 AND key = ?2",
                &token_and_key,
            )?;
            if let Some(mut r) = seen {
                return Ok(IdempotentOutcome {
                    firm: r.text(0)?,
                    version: r.version(1)?,
                    request_hash: r.text(2)?,
                    replayed: true,
                });
            }
            let version = insert_submission::<B>(tx, firm, s, now)?;
            tx.execute(
                "INSERT INTO api_idempotency (token_id, key, request_hash, firm, version, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                &[
                    token_and_key[0],
                    token_and_key[1],
                    (&key.request_hash).into(),
                    firm.into(),
                    version.into(),
                    now.into(),
                ],
            )?;
            Ok(IdempotentOutcome {
                firm: firm.to_string(),
                version,
                request_hash: key.request_hash.clone(),
                replayed: false,
            })
        })
    }

    fn sweep_idempotency(&self, before: i64) -> anyhow::Result<u64> {
        self.execute(
            "DELETE FROM api_idempotency WHERE created_at < ?1",
            &[before.into()],
        )
    }

    fn submission(&self, firm: &str, version: u32) -> anyhow::Result<Option<StoredSubmission>> {
        let sql = format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE firm = ?1 AND version = ?2"
        );
        self.query_opt(&sql, &[firm.into(), version.into()])?
            .map(submission)
            .transpose()
    }
}
