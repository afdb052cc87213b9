//! Per-host politeness: at most N requests in flight to one host, and at
//! least `delay` between the starts of two requests to it.
//!
//! The global concurrency only says how much work the crawler does at once;
//! this is what protects each portal (often a small county server).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

struct Slot {
    permits: Arc<Semaphore>,
    next_start: tokio::sync::Mutex<Instant>,
    delay: Duration,
}

/// Politeness slots for every host seen.
pub struct Politeness {
    slots: Mutex<HashMap<String, Arc<Slot>>>,
    per_host: usize,
    default_delay: Duration,
}

impl Politeness {
    pub fn new(per_host: usize, default_delay: Duration) -> Self {
        Politeness {
            slots: Mutex::new(HashMap::new()),
            per_host: per_host.max(1),
            default_delay,
        }
    }

    /// Sets a host's delay (e.g. from robots.txt `Crawl-delay`); the larger
    /// of it and the configured delay applies.
    pub fn set_delay(&self, host: &str, delay: Duration) {
        if let Ok(mut slots) = self.slots.lock() {
            slots.insert(
                host.to_string(),
                Arc::new(Slot {
                    permits: Arc::new(Semaphore::new(self.per_host)),
                    next_start: tokio::sync::Mutex::new(Instant::now()),
                    delay: delay.max(self.default_delay),
                }),
            );
        }
    }

    fn slot(&self, host: &str) -> Arc<Slot> {
        let mut slots = match self.slots.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        slots
            .entry(host.to_string())
            .or_insert_with(|| {
                Arc::new(Slot {
                    permits: Arc::new(Semaphore::new(self.per_host)),
                    next_start: tokio::sync::Mutex::new(Instant::now()),
                    delay: self.default_delay,
                })
            })
            .clone()
    }

    /// Waits for a free connection slot on `host` and for its delay to pass;
    /// the request may start when this returns. Drop the permit when done.
    pub async fn acquire(&self, host: &str) -> Option<OwnedSemaphorePermit> {
        let slot = self.slot(host);
        let permit = slot.permits.clone().acquire_owned().await.ok()?;
        if !slot.delay.is_zero() {
            let mut next = slot.next_start.lock().await;
            let now = Instant::now();
            if *next > now {
                tokio::time::sleep_until(*next).await;
            }
            *next = Instant::now() + slot.delay;
        }
        Some(permit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn spaces_requests_by_delay() {
        let p = Politeness::new(4, Duration::from_millis(30));
        let t0 = Instant::now();
        for _ in 0..4 {
            let _g = p.acquire("h:80").await;
        }
        assert!(t0.elapsed() >= Duration::from_millis(85));
        // Another host is not delayed by the first.
        let t1 = Instant::now();
        let _g = p.acquire("other:80").await;
        assert!(t1.elapsed() < Duration::from_millis(25));
    }
}
