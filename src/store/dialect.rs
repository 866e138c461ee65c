//! What really differs between SQLite and PostgreSQL, and nothing else: connecting, how a write transaction
//! begins, row-lock suffixes, error classification, migrations (kept per backend) and the durability check.
//!
//! SQLite: one file in WAL mode with `synchronous=FULL`, so a commit is on disk before the response that
//! reports it; write transactions start with `BEGIN IMMEDIATE`, so they run one at a time and a read inside
//! one can decide a later write.
//!
//! PostgreSQL, for several replicas on one database: transactions run at READ COMMITTED (set explicitly,
//! whatever the server's default); where a decision depends on what a transaction read, it locks a row first —
//! the scope's row when invitations are created, the invitation when it is accepted, the user when its
//! memberships change, the service account when a token is issued. Each path takes its locks in one order
//! (project before org, both before invitations; invitation, then user, then memberships), so they do not
//! deadlock one another. The server is refused if `fsync`, `synchronous_commit` or `full_page_writes` is off.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Connection, Executor};

use super::{StoreError, redact_password};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// How long a request waits for a connection before it is answered 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections per PostgreSQL replica; replicas × this must stay below the server's `max_connections`.
const POSTGRES_CONNECTIONS: u32 = 8;
/// SQLite serves reads from several connections; writes take turns on the file's one write lock.
const SQLITE_CONNECTIONS: u32 = 4;

/// Run on every SQLite connection: WAL, durable commits, waiting (not failing) on the write lock, foreign keys.
const SQLITE_PRAGMAS: &str =
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON";

/// How strongly a read row is locked until the transaction ends (PostgreSQL only: SQLite's write transaction
/// already excludes every other writer).
#[derive(Debug, Clone, Copy)]
pub enum RowLock {
    /// Others may not change or delete the row.
    Update,
    /// Others may not change the row, but may still insert rows that reference it (foreign-key checks pass).
    NoKeyUpdate,
}

impl Dialect {
    pub fn of_url(url: &str) -> Option<Dialect> {
        if url.starts_with("sqlite:") {
            Some(Dialect::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Dialect::Postgres)
        } else {
            None
        }
    }

    /// The file a `sqlite:` URL names, if any (not for in-memory databases).
    fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
        let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or_default();
        (!path.is_empty() && !path.starts_with(":memory:")).then(|| std::path::PathBuf::from(path))
    }

    pub(super) async fn connect(self, url: &str) -> anyhow::Result<AnyPool> {
        sqlx::any::install_default_drivers();
        match self {
            Dialect::Sqlite => {
                // Created if missing, like the embedded default store should be.
                let url = if url.contains("mode=") {
                    url.to_string()
                } else {
                    format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
                };
                let options = AnyConnectOptions::from_str(&url)?;
                Ok(AnyPoolOptions::new()
                    .max_connections(SQLITE_CONNECTIONS)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(SQLITE_PRAGMAS).await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?)
            }
            Dialect::Postgres => {
                let mut parsed = url::Url::parse(url)?;
                parsed.query_pairs_mut().append_pair("application_name", "atlas-invites");
                let options = AnyConnectOptions::from_url(&parsed)?;
                // One connection first: a pool that cannot connect reports only a timeout, not why.
                let server = redact_password(&format!(
                    "{}:{}",
                    parsed.host_str().unwrap_or("localhost"),
                    parsed.port().unwrap_or(5432)
                ));
                tokio::time::timeout(ACQUIRE_TIMEOUT, options.connect())
                    .await
                    .map_err(|_| anyhow::anyhow!("PostgreSQL at {server} did not answer within {ACQUIRE_TIMEOUT:?}"))?
                    .map_err(|e| anyhow::anyhow!("cannot connect to PostgreSQL at {server}: {e}"))?
                    .close()
                    .await?;
                Ok(AnyPoolOptions::new()
                    .max_connections(POSTGRES_CONNECTIONS)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_with(options)
                    .await?)
            }
        }
    }

    /// The statement that opens a write transaction.
    pub fn begin_write(self) -> &'static str {
        match self {
            // The write lock up front: a deferred transaction that reads and then writes gets SQLITE_BUSY at
            // once instead of waiting for busy_timeout.
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN ISOLATION LEVEL READ COMMITTED",
        }
    }

    /// The suffix that locks the rows a SELECT reads until the transaction ends, if this database needs one.
    pub fn lock_suffix(self, lock: RowLock) -> Option<&'static str> {
        match (self, lock) {
            (Dialect::Sqlite, _) => None,
            (Dialect::Postgres, RowLock::Update) => Some(" FOR UPDATE"),
            (Dialect::Postgres, RowLock::NoKeyUpdate) => Some(" FOR NO KEY UPDATE"),
        }
    }

    pub fn classify(self, err: sqlx::Error) -> StoreError {
        match &err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
                StoreError::Unavailable(err.to_string())
            }
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::MissingReference(db.message().to_string())
            }
            sqlx::Error::Database(db) if self == Dialect::Postgres && db.code().is_some_and(|c| transient(&c)) => {
                StoreError::Unavailable(err.to_string())
            }
            _ => StoreError::Other(err.to_string()),
        }
    }

    pub(super) async fn migrate(self, pool: &AnyPool) -> anyhow::Result<()> {
        // Each backend has its own files, in step with the other's (tests/schema.rs proves they agree). On
        // PostgreSQL sqlx holds an advisory lock meanwhile, so replicas starting together are safe.
        match self {
            Dialect::Sqlite => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Dialect::Postgres => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Refuses settings that could lose an acknowledged commit.
    pub(super) async fn check_durability(self, pool: &AnyPool) -> anyhow::Result<()> {
        let weakness = durability_weakness(self, &self.durability_settings(pool).await?);
        match weakness {
            Some(weakness) => anyhow::bail!(
                "refusing to use {self:?} with {weakness}: acknowledged commits could be lost{}",
                match self {
                    Dialect::Sqlite => "",
                    Dialect::Postgres => "; set fsync, synchronous_commit and full_page_writes to on",
                }
            ),
            None => Ok(()),
        }
    }

    /// The settings a commit's durability depends on, as the database reports them on a pooled connection:
    /// `journal_mode` and `synchronous` (SQLite), `fsync`, `synchronous_commit` and `full_page_writes`
    /// (PostgreSQL).
    pub async fn durability_settings(self, pool: &AnyPool) -> anyhow::Result<Vec<(&'static str, String)>> {
        let mut conn = pool.acquire().await?;
        let names: &[&'static str] = match self {
            Dialect::Sqlite => &["journal_mode", "synchronous"],
            Dialect::Postgres => &["fsync", "synchronous_commit", "full_page_writes"],
        };
        let mut settings = Vec::new();
        for &name in names {
            let value = match self {
                Dialect::Sqlite => {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA {name}"))).fetch_one(&mut *conn).await?;
                    use sqlx::Row;
                    row.try_get::<String, _>(0).or_else(|_| row.try_get::<i64, _>(0).map(|v| v.to_string()))?
                }
                Dialect::Postgres => {
                    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SHOW {name}"))).fetch_one(&mut *conn).await?
                }
            };
            settings.push((name, value));
        }
        Ok(settings)
    }
}

/// Why these settings could lose an acknowledged commit, if they could. SQLite must journal to a WAL with
/// `synchronous` FULL (2) or EXTRA (3); PostgreSQL's `synchronous_commit` may be `on` or the stronger
/// `remote_apply` (`off`, `local` and `remote_write` are weaker).
fn durability_weakness(dialect: Dialect, settings: &[(&str, String)]) -> Option<String> {
    let weak: Vec<String> = settings
        .iter()
        .filter(|(name, value)| match (dialect, *name) {
            (Dialect::Sqlite, "journal_mode") => !value.eq_ignore_ascii_case("wal"),
            (Dialect::Sqlite, "synchronous") => !matches!(value.as_str(), "2" | "3"),
            (Dialect::Postgres, "synchronous_commit") => !matches!(value.as_str(), "on" | "remote_apply"),
            (Dialect::Postgres, _) => value != "on",
            (Dialect::Sqlite, _) => false,
        })
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    (!weak.is_empty()).then(|| weak.join(", "))
}

/// SQLSTATEs after which the same request may succeed later: connection exceptions (08), insufficient
/// resources (53, e.g. too many connections), operator intervention (57: shutdown, statement timeout),
/// serialization failures and deadlocks (40001, 40P01) and lock timeouts (55P03).
fn transient(code: &str) -> bool {
    code.starts_with("08")
        || code.starts_with("53")
        || code.starts_with("57")
        || matches!(code, "40001" | "40P01" | "55P03")
}

/// Held while a server serves a SQLite file. Its request state (the digest replay ledger, rate-limit buckets) is
/// in memory, so a second server on the same file would keep its own and accept what the first refused: the
/// second is refused at start. PostgreSQL keeps that state in the database, so replicas may share it.
pub struct ServingLock(#[allow(dead_code)] Option<std::fs::File>);

/// Claims the store's file for this server (nothing to claim on PostgreSQL or an in-memory SQLite).
pub fn claim_serving(database_url: &str) -> anyhow::Result<ServingLock> {
    let Some(path) = Dialect::sqlite_file(database_url) else { return Ok(ServingLock(None)) };
    let lock_path = path.with_file_name(format!(
        "{}.serving-lock",
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    ));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", lock_path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(ServingLock(Some(file))),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another atlas-invites server is already serving {} (it holds {}); a SQLite store is served by one \
             process at a time — stop that one, or run replicas on PostgreSQL",
            path.display(),
            lock_path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => Err(anyhow::anyhow!("cannot lock {}: {e}", lock_path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        pairs.iter().map(|(n, v)| (*n, v.to_string())).collect()
    }

    #[test]
    fn weak_durability_is_named() {
        let pg = |sync: &str| {
            durability_weakness(
                Dialect::Postgres,
                &settings(&[("fsync", "on"), ("synchronous_commit", sync), ("full_page_writes", "on")]),
            )
        };
        assert_eq!(pg("on"), None);
        assert_eq!(pg("remote_apply"), None);
        assert_eq!(pg("local").as_deref(), Some("synchronous_commit=local"));
        let sqlite = |mode: &str, sync: &str| {
            durability_weakness(Dialect::Sqlite, &settings(&[("journal_mode", mode), ("synchronous", sync)]))
        };
        assert_eq!(sqlite("wal", "2"), None);
        assert_eq!(sqlite("delete", "1").as_deref(), Some("journal_mode=delete, synchronous=1"));
    }

    #[test]
    fn lock_suffixes_exist_on_postgres_only() {
        assert_eq!(Dialect::Sqlite.lock_suffix(RowLock::Update), None);
        assert_eq!(Dialect::Postgres.lock_suffix(RowLock::NoKeyUpdate), Some(" FOR NO KEY UPDATE"));
    }

    fn migration_names(backend: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn both_backends_have_the_same_migration_steps() {
        let sqlite = migration_names("sqlite");
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, migration_names("postgres"), "migrations/sqlite and migrations/postgres differ");
    }
}
