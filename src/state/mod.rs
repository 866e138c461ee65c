//! Per-request state: rate-limit buckets, digest nonce uses (replay detection) and the lock under which a
//! fixture file is applied. None of it is a record the API shows; it is what every server process on one store
//! must agree on while it serves. One process serves a SQLite file, so it keeps this in memory; replicas on one
//! PostgreSQL database keep it in tables there.

mod memory;
mod postgres;

use std::sync::Arc;

use async_trait::async_trait;

use crate::clock::UnixSeconds;
use crate::domain::ratelimit::{Decision, Quota};
use crate::store::{Dialect, Store, StoreResult};

/// Released when dropped.
pub struct FixtureLock(#[allow(dead_code)] Box<dyn Send + Sync>);

impl FixtureLock {
    fn new(guard: impl Send + Sync + 'static) -> Self {
        FixtureLock(Box::new(guard))
    }
}

#[async_trait]
pub trait RequestState: Send + Sync + 'static {
    /// Takes a token from the rate-limit bucket `key` when `take` (else only looks).
    async fn rate_limit(&self, key: &str, quota: Quota, now: UnixSeconds, take: bool) -> StoreResult<Decision>;
    /// Records a digest (nonce, nc) use: true if nc is above every nc accepted for this nonce (RFC 7616 §3.4:
    /// the same nc twice is a replay). The record is kept until `expires_at`.
    async fn accept_nonce_use(
        &self,
        nonce: &str,
        nc: u32,
        expires_at: UnixSeconds,
        now: UnixSeconds,
    ) -> StoreResult<bool>;
    /// Held while a fixture file is applied, so replicas starting together apply it one after the other.
    async fn fixture_lock(&self) -> StoreResult<FixtureLock>;
    /// Whether nonce uses are remembered beyond this process (in the database): if not, a nonce issued before a
    /// restart could be replayed after it, so nonces must not outlive the process either.
    fn outlives_process(&self) -> bool;
}

/// The request state that fits the store: in memory beside SQLite, in tables beside PostgreSQL.
pub fn for_store(store: &Store) -> Arc<dyn RequestState> {
    match store.dialect() {
        Dialect::Sqlite => Arc::new(memory::MemoryState::new()),
        Dialect::Postgres => Arc::new(postgres::PostgresState::new(store.pool().clone())),
    }
}
