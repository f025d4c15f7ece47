//! The [`Storage`] trait on PostgreSQL, for several `smedx serve` instances on one database: every
//! piece of shared state (drafts and their links, submissions, office users, sessions) is in the
//! database, so a request may reach any instance. Writes are transactions acknowledged after their
//! commit (PostgreSQL's `synchronous_commit` must stay `on`, its default).
//!
//! The client is the synchronous `postgres` crate: the handlers call the storage from
//! `spawn_blocking` threads (see [`super::blocking`]), where that crate's own small runtime may
//! block; it must never be called on an async worker.

use super::storage_sql::{Backend, Param, Row, Sql, Value, migrate, respell};
use anyhow::Context;
use postgres::types::{ToSql, Type};
use postgres::{Client, GenericClient, NoTls};
use std::sync::{Condvar, Mutex};

/// Connections one instance keeps open at most; more concurrent calls wait for one. Two instances
/// use 32 of PostgreSQL's default 100.
pub const POOL_SIZE: usize = 16;

/// Is `db` (the `--db` argument) a PostgreSQL URL rather than a SQLite file?
pub fn is_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
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
        migrate(&storage).with_context(|| {
            format!("无法准备数据库 / cannot prepare database {}", storage.place)
        })?;
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

/// The words of the shared SQL PostgreSQL spells differently: its placeholders are `$N`.
const SPELLING: &[(&str, &str)] = &[("?", "$")];

/// A value for a parameter of the type PostgreSQL inferred for it (an integer column may be
/// `INTEGER` or `BIGINT`; a number out of an `INTEGER`'s range matches no row).
fn bind<'a>(p: &Param<'a>, ty: &Type) -> Box<dyn ToSql + Sync + 'a> {
    let narrow = |v: i64| i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX });
    match (*p, ty) {
        (Param::Null, &Type::INT4) => Box::new(None::<i32>),
        (Param::Null, &Type::INT8) => Box::new(None::<i64>),
        (Param::Null, _) => Box::new(None::<&str>),
        (Param::Int(v), &Type::INT4) => Box::new(narrow(v)),
        (Param::Int(v), _) => Box::new(v),
        (Param::Text(s), _) => Box::new(s),
    }
}

/// A client or transaction running the shared SQL.
struct Pg<'a, C>(&'a mut C);

impl<C: GenericClient> Pg<'_, C> {
    /// The statement prepared, with the parameters' values of the types it takes.
    fn prepare<'p>(
        &mut self,
        sql: &str,
        params: &[Param<'p>],
    ) -> anyhow::Result<(postgres::Statement, Vec<Box<dyn ToSql + Sync + 'p>>)> {
        let statement = self.0.prepare(&respell(sql, SPELLING))?;
        let values = params
            .iter()
            .zip(statement.params())
            .map(|(p, ty)| bind(p, ty))
            .collect();
        Ok((statement, values))
    }
}

fn refs<'a, 'p>(values: &'a [Box<dyn ToSql + Sync + 'p>]) -> Vec<&'a (dyn ToSql + Sync + 'p)> {
    values.iter().map(|v| &**v).collect()
}

impl<C: GenericClient> Sql for Pg<'_, C> {
    fn execute(&mut self, sql: &str, params: &[Param<'_>]) -> anyhow::Result<u64> {
        let (statement, values) = self.prepare(sql, params)?;
        Ok(self.0.execute(&statement, &refs(&values))?)
    }

    fn query_each(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
        f: &mut dyn FnMut(Row) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        use postgres::fallible_iterator::FallibleIterator;
        let (statement, values) = self.prepare(sql, params)?;
        // Rows as they arrive, not a vector of all of them.
        let mut rows = self.0.query_raw(&statement, refs(&values))?;
        while let Some(r) = rows.next()? {
            let value = |i: usize| -> anyhow::Result<Value> {
                let int = |v: Option<i64>| v.map_or(Value::Null, Value::Int);
                Ok(match *r.columns()[i].type_() {
                    Type::INT4 => int(r.try_get::<_, Option<i32>>(i)?.map(i64::from)),
                    Type::INT8 => int(r.try_get(i)?),
                    _ => r
                        .try_get::<_, Option<String>>(i)?
                        .map_or(Value::Null, Value::Text),
                })
            };
            f(Row((0..r.len())
                .map(value)
                .collect::<anyhow::Result<_>>()?))?;
        }
        Ok(())
    }

    fn batch(&mut self, sql: &str) -> anyhow::Result<()> {
        Ok(self.0.batch_execute(&respell(sql, SPELLING))?)
    }
}

impl Backend for PgStorage {
    // Two instances submitting for one firm, or retrying one key, at once take turns, so versions
    // stay 1, 2, 3… and a retry waits for the first to commit and then finds its key.
    const LOCK_FIRM: Option<&'static str> =
        Some("SELECT pg_advisory_xact_lock(hashtextextended(?1, 0))");
    const LOCK_KEY: Option<&'static str> =
        Some("SELECT pg_advisory_xact_lock(hashtextextended(?1 || ' ' || ?2, 1))");

    fn run<T>(&self, f: impl FnOnce(&mut dyn Sql) -> anyhow::Result<T>) -> anyhow::Result<T> {
        f(&mut Pg(&mut *self.client()?))
    }

    fn transaction<T>(
        &self,
        f: impl FnOnce(&mut dyn Sql) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let out = f(&mut Pg(&mut tx))?;
        tx.commit()?;
        Ok(out)
    }

    /// The table `smedx_schema` records how many migrations ran; instances starting at once wait
    /// for each other's migration.
    fn schema_version(tx: &mut dyn Sql) -> anyhow::Result<usize> {
        tx.execute("SELECT pg_advisory_xact_lock(?1)", &[MIGRATION_LOCK.into()])?;
        tx.batch("CREATE TABLE IF NOT EXISTS smedx_schema (version INTEGER NOT NULL)")?;
        let done = tx
            .query_opt("SELECT MAX(version) FROM smedx_schema", &[])?
            .map(|mut r| r.opt_int(0))
            .transpose()?
            .flatten();
        Ok(usize::try_from(done.unwrap_or(0)).unwrap_or(0))
    }

    fn set_schema_version(tx: &mut dyn Sql, version: usize) -> anyhow::Result<()> {
        tx.execute("DELETE FROM smedx_schema", &[])?;
        let version = i64::try_from(version)?;
        tx.execute(
            "INSERT INTO smedx_schema (version) VALUES (?1)",
            &[version.into()],
        )?;
        Ok(())
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
    use crate::serve::storage::{Storage, SubmissionFilter, contract};
    use crate::serve::storage_sql::{MIGRATIONS, Step};

    fn with_storage(test: fn(&dyn Storage)) {
        if let Some(db) = TestSchema::new() {
            test(&db.storage());
        }
    }

    crate::serve::storage::contract_tests!(with_storage);

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
