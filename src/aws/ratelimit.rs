//! A client-side rate limiter that spaces requests evenly, one per region.
//!
//! CloudTrail allows LookupEvents 2 requests per second per account and
//! region. The SDK retries a `ThrottlingException`, but a long pagination run
//! at full speed would be throttled on every other page; spacing the
//! requests keeps it at the limit without tripping it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// Hands out request slots no closer together than `1 / rate` seconds.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next_slot: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// Creates a limiter for `rate` requests per second (at least 1).
    pub fn per_second(rate: u32) -> RateLimiter {
        RateLimiter {
            interval: Duration::from_secs(1) / rate.max(1),
            next_slot: Mutex::new(None),
        }
    }

    /// Waits until the caller may send its next request.
    pub async fn acquire(&self) {
        let slot = {
            let mut next = self.lock();
            let now = Instant::now();
            let slot = next.map_or(now, |next| next.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    /// Pushes the next slot back by `delay`: called after the service
    /// throttled anyway, so the next requests give it room to recover.
    pub fn back_off(&self, delay: Duration) {
        let mut next = self.lock();
        let now = Instant::now();
        *next = Some(next.map_or(now, |next| next.max(now)) + delay);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        // A poisoned lock only means another task panicked mid-update; the
        // instant it holds is still valid.
        self.next_slot
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

/// One [`RateLimiter`] per region, shared by every task that calls there.
#[derive(Debug, Clone)]
pub struct RegionLimiters {
    rate: u32,
    limiters: Arc<Mutex<HashMap<String, Arc<RateLimiter>>>>,
}

impl RegionLimiters {
    /// Creates an empty set whose limiters allow `rate` requests per second.
    pub fn per_second(rate: u32) -> RegionLimiters {
        RegionLimiters {
            rate,
            limiters: Arc::default(),
        }
    }

    /// Returns the limiter of `region`, creating it on first use.
    pub fn region(&self, region: &str) -> Arc<RateLimiter> {
        let mut limiters = self
            .limiters
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        Arc::clone(
            limiters
                .entry(region.to_owned())
                .or_insert_with(|| Arc::new(RateLimiter::per_second(self.rate))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn slots_are_spaced_evenly() {
        let limiter = RateLimiter::per_second(2);
        let start = Instant::now();
        let mut offsets = Vec::new();
        for _ in 0..5 {
            limiter.acquire().await;
            offsets.push(start.elapsed().as_millis());
        }
        assert_eq!(offsets, [0, 500, 1000, 1500, 2000]);
    }

    #[tokio::test(start_paused = true)]
    async fn idle_time_does_not_bank_a_burst() {
        let limiter = RateLimiter::per_second(2);
        limiter.acquire().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        let start = Instant::now();
        limiter.acquire().await;
        limiter.acquire().await;
        assert_eq!(start.elapsed().as_millis(), 500);
    }

    #[tokio::test(start_paused = true)]
    async fn back_off_delays_the_next_slot() {
        let limiter = RateLimiter::per_second(2);
        let start = Instant::now();
        limiter.acquire().await;
        limiter.back_off(Duration::from_secs(2));
        limiter.acquire().await;
        assert_eq!(start.elapsed().as_millis(), 2500);
    }

    #[tokio::test(start_paused = true)]
    async fn regions_are_independent() {
        let limiters = RegionLimiters::per_second(2);
        let start = Instant::now();
        limiters.region("us-east-1").acquire().await;
        limiters.region("us-west-2").acquire().await;
        assert_eq!(start.elapsed().as_millis(), 0);
        limiters.region("us-east-1").acquire().await;
        assert_eq!(start.elapsed().as_millis(), 500);
    }
}
