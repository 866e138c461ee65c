//! Request state in PostgreSQL, so that every replica on the database agrees at once: bucket rows locked per
//! request, one row per live digest nonce, and a session-level advisory lock for fixture application.

use async_trait::async_trait;
use sqlx::{AnyPool, Row};

use super::{FixtureLock, RequestState};
use crate::clock::UnixSeconds;
use crate::domain::ratelimit::{Bucket, Decision, Quota};
use crate::store::{Dialect, StoreError, StoreResult};

/// The advisory lock key fixture application takes (any constant the application owns).
const FIXTURE_LOCK_KEY: i64 = 7_240_651;

pub struct PostgresState {
    pool: AnyPool,
}

impl PostgresState {
    pub fn new(pool: AnyPool) -> Self {
        PostgresState { pool }
    }
}

fn fail(err: sqlx::Error) -> StoreError {
    Dialect::Postgres.classify(err)
}

#[async_trait]
impl RequestState for PostgresState {
    async fn rate_limit(&self, key: &str, quota: Quota, now: UnixSeconds, take: bool) -> StoreResult<Decision> {
        // The bucket row is locked while it is read, advanced and written, so replicas share one bucket.
        let mut tx = self.pool.begin().await.map_err(fail)?;
        let full = Bucket::full(quota, now);
        sqlx::query(
            "INSERT INTO rate_buckets (key, tokens, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(full.tokens)
        .bind(full.updated)
        .execute(&mut *tx)
        .await
        .map_err(fail)?;
        let row = sqlx::query("SELECT tokens, updated_at FROM rate_buckets WHERE key = $1 FOR UPDATE")
            .bind(key)
            .fetch_one(&mut *tx)
            .await
            .map_err(fail)?;
        let mut bucket =
            Bucket { tokens: row.try_get("tokens").map_err(fail)?, updated: row.try_get("updated_at").map_err(fail)? };
        let decision = bucket.touch(quota, now, take);
        sqlx::query("UPDATE rate_buckets SET tokens = $2, updated_at = $3 WHERE key = $1")
            .bind(key)
            .bind(bucket.tokens)
            .bind(bucket.updated)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        Ok(decision)
    }

    async fn accept_nonce_use(
        &self,
        nonce: &str,
        nc: u32,
        expires_at: UnixSeconds,
        now: UnixSeconds,
    ) -> StoreResult<bool> {
        // One statement: a first use inserts; a later one only raises last_nc, so a replay matches no row.
        let accepted = sqlx::query(
            "INSERT INTO digest_nonce_uses (nonce, last_nc, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (nonce) DO UPDATE SET last_nc = excluded.last_nc \
               WHERE digest_nonce_uses.last_nc < excluded.last_nc \
             RETURNING nonce",
        )
        .bind(nonce)
        .bind(i64::from(nc))
        .bind(expires_at)
        .fetch_optional(&self.pool)
        .await
        .map_err(fail)?
        .is_some();
        let mut dice = [0u8; 1];
        if accepted && getrandom::fill(&mut dice).is_ok() && dice[0] == 0 {
            // Forget nonces that can no longer be answered, about once every 256 uses.
            sqlx::query("DELETE FROM digest_nonce_uses WHERE expires_at < $1")
                .bind(now)
                .execute(&self.pool)
                .await
                .map_err(fail)?;
        }
        Ok(accepted)
    }

    async fn fixture_lock(&self) -> StoreResult<FixtureLock> {
        // A session-level advisory lock on a connection taken out of the pool: closing the connection when the
        // guard drops releases the lock.
        let mut connection = self.pool.acquire().await.map_err(fail)?.detach();
        sqlx::query("SELECT 1 AS locked FROM (SELECT pg_advisory_lock($1)) AS waited")
            .bind(FIXTURE_LOCK_KEY)
            .execute(&mut connection)
            .await
            .map_err(fail)?;
        Ok(FixtureLock::new(std::sync::Mutex::new(connection)))
    }

    fn outlives_process(&self) -> bool {
        true
    }
}
