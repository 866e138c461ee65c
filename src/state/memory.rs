//! Request state in one process's memory, for a store only this process serves.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;

use super::{FixtureLock, RequestState};
use crate::clock::UnixSeconds;
use crate::domain::ratelimit::{Bucket, Decision, Quota};
use crate::store::StoreResult;

/// Live (nonce, nc) pairs remembered for replay detection.
const REPLAY_LEDGER_CAPACITY: usize = 1_000_000;
/// Buckets kept before idle ones (full again) are dropped.
const PRUNE_BUCKETS_ABOVE: usize = 100_000;

pub struct MemoryState {
    buckets: Mutex<HashMap<String, Bucket>>,
    replays: ReplayLedger,
    fixtures: Arc<tokio::sync::Mutex<()>>,
}

impl MemoryState {
    pub fn new() -> Self {
        MemoryState {
            buckets: Mutex::default(),
            replays: ReplayLedger::new(REPLAY_LEDGER_CAPACITY),
            fixtures: Arc::default(),
        }
    }
}

#[async_trait]
impl RequestState for MemoryState {
    async fn rate_limit(&self, key: &str, quota: Quota, now: UnixSeconds, take: bool) -> StoreResult<Decision> {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() > PRUNE_BUCKETS_ABOVE {
            let full_after = i64::from(quota.capacity.div_ceil(quota.refill_per_minute)) * 60;
            buckets.retain(|_, b| now - b.updated < full_after);
        }
        // Looking keeps no bucket: only a request that spends a token makes one, so what is stored stays bounded
        // by what callers were allowed to do.
        if !take {
            let mut bucket = buckets.get(key).copied().unwrap_or_else(|| Bucket::full(quota, now));
            return Ok(bucket.touch(quota, now, false));
        }
        Ok(buckets.entry(key.to_string()).or_insert_with(|| Bucket::full(quota, now)).touch(quota, now, take))
    }

    async fn accept_nonce_use(
        &self,
        nonce: &str,
        nc: u32,
        expires_at: UnixSeconds,
        now: UnixSeconds,
    ) -> StoreResult<bool> {
        Ok(self.replays.accept(nonce, nc, expires_at, now))
    }

    async fn fixture_lock(&self) -> StoreResult<FixtureLock> {
        Ok(FixtureLock::new(self.fixtures.clone().lock_owned().await))
    }

    fn outlives_process(&self) -> bool {
        false
    }
}

/// Pruning walks the whole map, so it is rationed rather than done on every request.
const PRUNE_INTERVAL_SECONDS: i64 = 5;

/// Replay detection for one process: remembers, per nonce, the highest nc accepted. RFC 7616 §3.4: the same nc seen
/// twice for a nonce is a replay. Any nc is accepted on a nonce's first use (some clients keep one counter across nonces).
///
/// Entries live exactly as long as their nonce is fresh, so the nonce must be checked with
/// `auth::digest::NonceIssuer::check` before it reaches the ledger: once an entry is pruned, only expiry keeps
/// the nonce from being used again.
struct ReplayLedger {
    inner: Mutex<LedgerInner>,
    capacity: usize,
}

#[derive(Default)]
struct LedgerInner {
    /// nonce → (highest accepted nc, expires_at)
    entries: HashMap<String, (u32, i64)>,
    last_prune: i64,
}

impl ReplayLedger {
    fn new(capacity: usize) -> ReplayLedger {
        ReplayLedger { inner: Mutex::default(), capacity }
    }

    /// true and records nc if nc > last accepted nc for this nonce (or first use); false for a replay or lower nc.
    /// Drops entries whose expires_at < now_unix (prune at most every few seconds or when full). When still full
    /// after pruning, refuse (return false) rather than forget a live entry — a refusal only makes the client
    /// re-challenge.
    fn accept(&self, nonce: &str, nc: u32, expires_at: i64, now_unix: i64) -> bool {
        // Every update leaves the map consistent, so a panic elsewhere while holding the lock is harmless.
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let full = inner.entries.len() >= self.capacity && !inner.entries.contains_key(nonce);
        if full || now_unix.saturating_sub(inner.last_prune) >= PRUNE_INTERVAL_SECONDS {
            inner.entries.retain(|_, &mut (_, exp)| exp >= now_unix);
            inner.last_prune = now_unix;
        }
        if let Some((last_nc, _)) = inner.entries.get_mut(nonce) {
            let advances = nc > *last_nc;
            *last_nc = (*last_nc).max(nc);
            return advances;
        }
        if inner.entries.len() >= self.capacity {
            return false;
        }
        inner.entries.insert(nonce.to_owned(), (nc, expires_at));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn buckets_are_per_key() {
        let state = MemoryState::new();
        let quota = Quota { capacity: 2, refill_per_minute: 1 };
        assert_eq!(state.rate_limit("k", quota, 0, true).await.unwrap(), Decision::Allowed { remaining: 1 });
        assert_eq!(state.rate_limit("k", quota, 0, true).await.unwrap(), Decision::Allowed { remaining: 0 });
        assert!(matches!(state.rate_limit("k", quota, 0, true).await.unwrap(), Decision::Limited { .. }));
        assert_eq!(state.rate_limit("other", quota, 0, true).await.unwrap(), Decision::Allowed { remaining: 1 });
    }

    const NOW: i64 = 1_750_000_000;

    #[test]
    fn replay_ledger() {
        let ledger = ReplayLedger::new(2);
        assert!(ledger.accept("a", 5, NOW + 10, NOW));
        assert!(!ledger.accept("a", 5, NOW + 10, NOW));
        assert!(ledger.accept("a", 6, NOW + 10, NOW));
        assert!(!ledger.accept("a", 3, NOW + 10, NOW));
        assert!(ledger.accept("b", 1, NOW + 100, NOW));
        // Full of live entries: a new nonce is refused, known ones keep working.
        assert!(!ledger.accept("c", 1, NOW + 100, NOW + 1));
        assert!(ledger.accept("a", 7, NOW + 10, NOW + 10));
        // Once "a" has expired it is pruned, making room.
        assert!(ledger.accept("c", 1, NOW + 100, NOW + 11));
        assert!(ledger.accept("b", 2, NOW + 100, NOW + 11));
        assert!(!ledger.accept("d", 1, NOW + 100, NOW + 12));
        // Periodic pruning drops expired entries even when there is room.
        let roomy = ReplayLedger::new(10);
        assert!(roomy.accept("x", 1, NOW + 1, NOW));
        assert!(roomy.accept("y", 1, NOW + 100, NOW + 10));
        assert!(!roomy.inner.lock().unwrap().entries.contains_key("x"));
    }
}
