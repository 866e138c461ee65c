//! Token buckets, as Atlas limits its API (https://www.mongodb.com/docs/atlas/api/api-rate-limit/): each key
//! (an endpoint set and a scope, or a client address) has a bucket that refills continuously and holds at most
//! its capacity. Time comes from the server's clock, so tests refill buckets by moving it.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::clock::{SharedClock, UnixSeconds};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub capacity: u32,
    pub refill_per_minute: u32,
}

impl std::str::FromStr for Quota {
    type Err = String;

    /// `CAPACITY/REFILL_PER_MINUTE`, e.g. `1200/500`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (capacity, refill) =
            text.split_once('/').ok_or_else(|| format!("expected CAPACITY/REFILL_PER_MINUTE, got {text:?}"))?;
        let parse = |s: &str| s.trim().parse::<u32>().map_err(|e| format!("{s:?}: {e}"));
        let quota = Quota { capacity: parse(capacity)?, refill_per_minute: parse(refill)? };
        if quota.capacity == 0 || quota.refill_per_minute == 0 {
            return Err("capacity and refill must be positive".into());
        }
        Ok(quota)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed { remaining: u32 },
    Limited { retry_after: u64 },
}

struct Bucket {
    tokens: f64,
    updated: UnixSeconds,
}

/// Buckets of one process. Keys idle long enough to be full again are dropped.
pub struct RateLimiter {
    clock: SharedClock,
    buckets: Mutex<HashMap<String, Bucket>>,
}

const PRUNE_ABOVE: usize = 100_000;

impl RateLimiter {
    pub fn new(clock: SharedClock) -> Self {
        RateLimiter { clock, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token from `key`'s bucket, if there is one.
    pub fn take(&self, key: &str, quota: Quota) -> Decision {
        self.with_bucket(key, quota, |bucket| {
            if bucket.tokens >= 1.0 {
                bucket.tokens -= 1.0;
                Decision::Allowed { remaining: bucket.tokens.floor() as u32 }
            } else {
                Decision::Limited { retry_after: retry_after(bucket, quota) }
            }
        })
    }

    /// What `take` would answer, without taking anything.
    pub fn peek(&self, key: &str, quota: Quota) -> Decision {
        self.with_bucket(key, quota, |bucket| {
            if bucket.tokens >= 1.0 {
                Decision::Allowed { remaining: bucket.tokens.floor() as u32 }
            } else {
                Decision::Limited { retry_after: retry_after(bucket, quota) }
            }
        })
    }

    fn with_bucket<T>(&self, key: &str, quota: Quota, act: impl FnOnce(&mut Bucket) -> T) -> T {
        let now = self.clock.now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() > PRUNE_ABOVE {
            let full_after = i64::from(quota.capacity.div_ceil(quota.refill_per_minute)) * 60;
            buckets.retain(|_, b| now - b.updated < full_after);
        }
        let capacity = f64::from(quota.capacity);
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket { tokens: capacity, updated: now });
        let elapsed = (now - bucket.updated).max(0) as f64;
        bucket.tokens = (bucket.tokens + elapsed * f64::from(quota.refill_per_minute) / 60.0).min(capacity);
        bucket.updated = now;
        act(bucket)
    }
}

/// Seconds until the bucket holds one token again.
fn retry_after(bucket: &Bucket, quota: Quota) -> u64 {
    let per_second = f64::from(quota.refill_per_minute) / 60.0;
    ((1.0 - bucket.tokens) / per_second).ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn buckets_empty_then_refill_up_to_capacity() {
        let clock = ManualClock::new(0);
        let limiter = RateLimiter::new(clock.clone());
        let quota = Quota { capacity: 10, refill_per_minute: 5 };
        for expected in (0..10).rev() {
            assert_eq!(limiter.take("k", quota), Decision::Allowed { remaining: expected });
        }
        assert_eq!(limiter.take("k", quota), Decision::Limited { retry_after: 12 });
        assert_eq!(limiter.take("other", quota), Decision::Allowed { remaining: 9 }, "keys are independent");
        clock.advance(60);
        for _ in 0..5 {
            assert!(matches!(limiter.take("k", quota), Decision::Allowed { .. }));
        }
        assert!(matches!(limiter.take("k", quota), Decision::Limited { .. }));
        clock.advance(3600);
        assert_eq!(limiter.take("k", quota), Decision::Allowed { remaining: 9 }, "never above capacity");
    }

    #[test]
    fn quotas_parse_from_flags() {
        assert_eq!("1200/500".parse(), Ok(Quota { capacity: 1200, refill_per_minute: 500 }));
        assert!("1200".parse::<Quota>().is_err() && "0/5".parse::<Quota>().is_err());
    }
}
