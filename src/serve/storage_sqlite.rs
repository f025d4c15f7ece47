//! The [`Storage`](super::storage::Storage) trait on SQLite (WAL, `synchronous=FULL`: a commit
//! that returned is on disk): one connection, its transactions and SQLite's spelling of the shared
//! SQL (`storage_sql`).

use super::storage_sql::{Backend, Param, Row, Sql, Value, migrate, respell};
use anyhow::Context;
use rusqlite::Connection;
use rusqlite::types::{ToSqlOutput, ValueRef};
use std::path::Path;
use std::sync::Mutex;

/// The words of the shared SQL SQLite spells differently (its schema keeps the names it was
/// created with: the session's column is `user`).
const SPELLING: &[(&str, &str)] = &[
    (
        "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "INTEGER PRIMARY KEY AUTOINCREMENT",
    ),
    ("BIGINT", "INTEGER"),
    ("user_name", "user"),
];

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

    fn setup(conn: Connection) -> anyhow::Result<SqliteStorage> {
        // WAL lets readers run beside the writer; FULL syncs the WAL on every commit, so an
        // acknowledged submission survives a crash or power loss.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let storage = SqliteStorage {
            conn: Mutex::new(conn),
        };
        migrate(&storage)?;
        Ok(storage)
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

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Param::Null => ToSqlOutput::Owned(rusqlite::types::Value::Null),
            Param::Int(v) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(v)),
            Param::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

/// A connection or transaction running the shared SQL.
struct Lite<'a>(&'a Connection);

impl Sql for Lite<'_> {
    fn execute(&mut self, sql: &str, params: &[Param<'_>]) -> anyhow::Result<u64> {
        let n = self
            .0
            .execute(&respell(sql, SPELLING), rusqlite::params_from_iter(params))?;
        Ok(n as u64)
    }

    fn query_each(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
        f: &mut dyn FnMut(Row) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut stmt = self.0.prepare(&respell(sql, SPELLING))?;
        let columns = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        while let Some(r) = rows.next()? {
            let values = (0..columns).map(|i| {
                Ok(match r.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Text(t) => Value::Text(std::str::from_utf8(t)?.to_string()),
                    other => anyhow::bail!("column {i}: unexpected {:?}", other.data_type()),
                })
            });
            f(Row(values.collect::<anyhow::Result<_>>()?))?;
        }
        Ok(())
    }

    fn batch(&mut self, sql: &str) -> anyhow::Result<()> {
        Ok(self.0.execute_batch(&respell(sql, SPELLING))?)
    }
}

impl Backend for SqliteStorage {
    // One connection, and every transaction IMMEDIATE: a writer excludes every other.
    const LOCK_FIRM: Option<&'static str> = None;
    const LOCK_KEY: Option<&'static str> = None;

    fn run<T>(&self, f: impl FnOnce(&mut dyn Sql) -> anyhow::Result<T>) -> anyhow::Result<T> {
        f(&mut Lite(&self.conn()))
    }

    fn transaction<T>(
        &self,
        f: impl FnOnce(&mut dyn Sql) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&mut Lite(&tx))?;
        tx.commit()?;
        Ok(out)
    }

    /// `PRAGMA user_version` records how many migrations ran.
    fn schema_version(tx: &mut dyn Sql) -> anyhow::Result<usize> {
        let mut row = tx
            .query_opt("PRAGMA user_version", &[])?
            .context("no user_version")?;
        Ok(usize::try_from(row.int(0)?).unwrap_or(usize::MAX))
    }

    fn set_schema_version(tx: &mut dyn Sql, version: usize) -> anyhow::Result<()> {
        tx.batch(&format!("PRAGMA user_version = {version}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::storage::{Storage, contract};
    use crate::serve::storage_sql::{MIGRATIONS, Step};

    fn with_storage(test: fn(&dyn Storage)) {
        test(&SqliteStorage::in_memory().unwrap());
    }

    crate::serve::storage::contract_tests!(with_storage);

    #[test]
    fn migration_keeps_old_links_for_editing_and_adds_report_tokens() {
        let mut conn = Connection::open_in_memory().unwrap();
        let Step::Sql(v1) = MIGRATIONS[0][0] else {
            panic!("migration 1 is SQL")
        };
        let tx = conn.transaction().unwrap();
        let mut sql = Lite(&tx);
        sql.batch(v1).unwrap();
        for t in ["a".repeat(32), "b".repeat(32)] {
            sql.execute(
                "INSERT INTO drafts (token, sheet, created_at, updated_at) VALUES (?1, '{}', 1, 1)",
                &[(&t).into()],
            )
            .unwrap();
        }
        sql.batch(&format!(
            "INSERT INTO submissions (firm, version, model_id, model_version, sheet, submitted_at)
             VALUES ('{}', 1, 'm', '1', '{{}}', 1); PRAGMA user_version = 1;",
            "a".repeat(32)
        ))
        .unwrap();
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

    #[test]
    fn the_schema_is_the_one_sqlite_databases_were_created_with() {
        let s = SqliteStorage::in_memory().unwrap();
        let conn = s.conn();
        let sql = |name: &str| -> String {
            conn.query_row(
                "SELECT sql FROM sqlite_master WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert!(sql("sessions").contains("user TEXT NOT NULL REFERENCES users (name)"));
        assert!(sql("submissions").contains("id INTEGER PRIMARY KEY AUTOINCREMENT"));
        assert!(sql("drafts").contains("created_at INTEGER NOT NULL"));
        assert!(!sql("api_tokens").contains("BIGINT"));
    }
}
