//! Token buckets, as Atlas limits its API (https://www.mongodb.com/docs/atlas/api/api-rate-limit/): each key
//! (an endpoint set and a scope, or a client address) has a bucket that refills continuously and holds at most
//! its capacity. Time comes from the server's clock, so tests refill buckets by moving it. Where buckets live
//! is the request state's business (src/state).

use crate::clock::UnixSeconds;

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

/// One bucket's state: tokens left when it was last touched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub tokens: f64,
    pub updated: UnixSeconds,
}

impl Bucket {
    pub fn full(quota: Quota, now: UnixSeconds) -> Self {
        Bucket { tokens: f64::from(quota.capacity), updated: now }
    }

    /// Refills for the time since the last touch, then takes a token if `take` and one is there.
    pub fn touch(&mut self, quota: Quota, now: UnixSeconds, take: bool) -> Decision {
        let elapsed = (now - self.updated).max(0) as f64;
        let capacity = f64::from(quota.capacity);
        self.tokens = (self.tokens + elapsed * f64::from(quota.refill_per_minute) / 60.0).min(capacity);
        self.updated = now;
        if self.tokens >= 1.0 {
            if take {
                self.tokens -= 1.0;
            }
            Decision::Allowed { remaining: self.tokens.floor() as u32 }
        } else {
            let per_second = f64::from(quota.refill_per_minute) / 60.0;
            Decision::Limited { retry_after: ((1.0 - self.tokens) / per_second).ceil().max(1.0) as u64 }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_empty_then_refill_up_to_capacity() {
        let quota = Quota { capacity: 10, refill_per_minute: 5 };
        let mut bucket = Bucket::full(quota, 0);
        for expected in (0..10).rev() {
            assert_eq!(bucket.touch(quota, 0, true), Decision::Allowed { remaining: expected });
        }
        assert_eq!(bucket.touch(quota, 0, false), Decision::Limited { retry_after: 12 });
        assert_eq!(bucket.touch(quota, 0, true), Decision::Limited { retry_after: 12 });
        for _ in 0..5 {
            assert!(matches!(bucket.touch(quota, 60, true), Decision::Allowed { .. }));
        }
        assert!(matches!(bucket.touch(quota, 60, true), Decision::Limited { .. }));
        assert_eq!(bucket.touch(quota, 3660, true), Decision::Allowed { remaining: 9 }, "never above capacity");
    }

    #[test]
    fn quotas_parse_from_flags() {
        assert_eq!("1200/500".parse(), Ok(Quota { capacity: 1200, refill_per_minute: 500 }));
        assert!("1200".parse::<Quota>().is_err() && "0/5".parse::<Quota>().is_err());
    }
}
