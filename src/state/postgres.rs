//! Request state in PostgreSQL, so that every replica on the database agrees at once: bucket rows locked per
//! request, one row per live digest nonce, and a session-level advisory lock for fixture application.

use std::sync::atomic::{AtomicI64, Ordering};

use async_trait::async_trait;
use sqlx::{AnyPool, Row};

use super::{FixtureLock, RequestState};
use crate::clock::UnixSeconds;
use crate::domain::ratelimit::{Bucket, Decision, Quota};
use crate::store::{Dialect, StoreError, StoreResult};

/// The advisory lock key fixture application takes (any constant the application owns).
const FIXTURE_LOCK_KEY: i64 = 7_240_651;

/// A bucket untouched this long is full again for every quota the server uses (the slowest refills its
/// capacity within minutes), so its row says nothing a missing row does not.
const IDLE_BUCKET_SECONDS: i64 = 3600;
/// How often one replica sweeps idle buckets.
const PRUNE_INTERVAL_SECONDS: i64 = 60;

pub struct PostgresState {
    pool: AnyPool,
    last_prune: AtomicI64,
}

impl PostgresState {
    pub fn new(pool: AnyPool) -> Self {
        PostgresState { pool, last_prune: AtomicI64::new(i64::MIN) }
    }

    /// Deletes buckets idle for an hour, at most once a minute per process, so `rate_buckets` stays bounded by
    /// the scopes and callers active recently.
    async fn prune_idle_buckets(&self, now: UnixSeconds) -> StoreResult<()> {
        let last = self.last_prune.load(Ordering::Relaxed);
        if now.saturating_sub(last) < PRUNE_INTERVAL_SECONDS
            || self.last_prune.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_err()
        {
            return Ok(());
        }
        sqlx::query("DELETE FROM rate_buckets WHERE updated_at < $1")
            .bind(now - IDLE_BUCKET_SECONDS)
            .execute(&self.pool)
            .await
            .map_err(fail)?;
        Ok(())
    }
}

fn fail(err: sqlx::Error) -> StoreError {
    Dialect::Postgres.classify(err)
}

#[async_trait]
impl RequestState for PostgresState {
    async fn rate_limit(&self, key: &str, quota: Quota, now: UnixSeconds, take: bool) -> StoreResult<Decision> {
        if !take {
            // Looking writes nothing: only requests that spend a token make a row.
            let row = sqlx::query("SELECT tokens, updated_at FROM rate_buckets WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(fail)?;
            let mut bucket = match row {
                Some(row) => Bucket {
                    tokens: row.try_get("tokens").map_err(fail)?,
                    updated: row.try_get("updated_at").map_err(fail)?,
                },
                None => Bucket::full(quota, now),
            };
            return Ok(bucket.touch(quota, now, false));
        }
        self.prune_idle_buckets(now).await?;
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
