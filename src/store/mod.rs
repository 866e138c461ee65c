//! Persistence: the one SQL implementation, for SQLite and PostgreSQL alike. Every statement is written once,
//! over `sqlx::Any`; what truly differs between the two databases is in `dialect`. The store keeps no rules:
//! the service decides (the domain's rules) and the database guarantees uniqueness and atomicity.
//!
//! `Store::read` lends a connection whose statements each commit on their own; `Store::write` opens a write
//! transaction (`WriteTx`) in which the service reads, decides and writes as one unit. Queries are methods of
//! `Db`, so each is available in both, grouped by what they touch: `directory`, `credentials`,
//! `invitations`, `teams`, `events`.

mod credentials;
pub mod dialect;
mod directory;
mod events;
mod invitations;
mod teams;

use std::ops::DerefMut;

use anyhow::Context;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Row, Transaction};

pub use dialect::{Dialect, ServingLock, claim_serving};
pub use directory::MembershipScope;
pub use events::EventScope;

use crate::domain::ObjectId;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key is taken (a pending invitation for the same scope and username, say).
    #[error("a row with this key exists")]
    Conflict,
    /// A referenced row (org, project, team, user) does not exist.
    #[error("missing reference: {0}")]
    MissingReference(String),
    /// The database could not be reached or did not answer in time.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Other(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
}

impl Store {
    /// Opens the store a `--database-url` names, runs its migrations and checks that commits are durable.
    /// Unknown schemes are refused rather than guessed at.
    pub async fn open(database_url: &str) -> anyhow::Result<Store> {
        let Some(dialect) = Dialect::of_url(database_url) else {
            anyhow::bail!(
                "unsupported --database-url {:?}: expected sqlite://PATH or postgres://USER@HOST[:PORT]/DATABASE",
                redact_password(database_url)
            );
        };
        let pool = dialect
            .connect(database_url)
            .await
            .with_context(|| format!("opening the store {}", redact_password(database_url)))?;
        dialect.check_durability(&pool).await?;
        dialect.migrate(&pool).await?;
        Ok(Store { pool, dialect })
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The connection pool, for the request state kept in the same database (src/state).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A connection for reads and single-statement writes, each committed on its own.
    pub async fn read(&self) -> StoreResult<Db<PoolConnection<Any>>> {
        let conn = self.pool.acquire().await.map_err(|e| self.dialect.classify(e))?;
        Ok(Db { conn, dialect: self.dialect })
    }

    /// A write transaction: SQLite takes the write lock up front, PostgreSQL runs at READ COMMITTED and takes
    /// row locks where a decision depends on what it read (see `dialect`).
    pub async fn write(&self) -> StoreResult<WriteTx> {
        let tx = self.pool.begin_with(self.dialect.begin_write()).await.map_err(|e| self.dialect.classify(e))?;
        Ok(Db { conn: tx, dialect: self.dialect })
    }
}

/// A connection (pooled, or inside a transaction) and the dialect its statements are written for.
pub struct Db<C> {
    conn: C,
    dialect: Dialect,
}

pub type WriteTx = Db<Transaction<'static, Any>>;

impl<C: DerefMut<Target = AnyConnection>> Db<C> {
    fn conn(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }

    fn fail(&self, err: sqlx::Error) -> StoreError {
        self.dialect.classify(err)
    }
}

impl WriteTx {
    pub async fn commit(self) -> StoreResult<()> {
        let dialect = self.dialect;
        self.conn.commit().await.map_err(|e| dialect.classify(e))
    }
}

/// PostgreSQL text cannot hold NUL and refuses a parameter containing one where SQLite just compares it. No
/// stored value contains NUL, so a lookup by such a key (a digest username, a query filter) finds nothing on
/// either backend without asking.
fn unmatchable(key: &str) -> bool {
    key.contains('\0')
}

// --- column encoding: ids as their 24-character text, role lists and maps as JSON text, flags as 0/1 ---

fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("role lists always serialize")
}

fn text(row: &AnyRow, column: &str) -> StoreResult<String> {
    row.try_get(column).map_err(|e| StoreError::Other(format!("column {column}: {e}")))
}

fn int(row: &AnyRow, column: &str) -> StoreResult<i64> {
    row.try_get(column).map_err(|e| StoreError::Other(format!("column {column}: {e}")))
}

fn id(row: &AnyRow, column: &str) -> StoreResult<ObjectId> {
    let value = text(row, column)?;
    ObjectId::parse(&value).ok_or_else(|| StoreError::Other(format!("column {column}: {value:?} is not an id")))
}

fn optional_id(row: &AnyRow, column: &str) -> StoreResult<Option<ObjectId>> {
    let value: Option<String> = row.try_get(column).map_err(|e| StoreError::Other(format!("column {column}: {e}")))?;
    value.map(|v| ObjectId::parse(&v).ok_or_else(|| StoreError::Other(format!("column {column}: {v:?}")))).transpose()
}

fn json<T: DeserializeOwned>(row: &AnyRow, column: &str) -> StoreResult<T> {
    serde_json::from_str(&text(row, column)?).map_err(|e| StoreError::Other(format!("corrupt JSON in {column}: {e}")))
}

/// The URL with any password replaced, for messages.
pub fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rsplit_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}{}", &rest[authority_end..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn unknown_schemes_are_refused_without_showing_a_password() {
        for url in ["mysql://root:hunter2@db/x", "postgres:/nohost", "atlas.db"] {
            let err = Store::open(url).await.err().expect("refused").to_string();
            assert!(err.contains("unsupported --database-url"), "{url}: {err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
    }
}
