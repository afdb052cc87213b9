//! Admission control for index work: at most `slots` searches run at once
//! (one per core by default), at most `queue` more wait for a slot, and
//! everything beyond that is answered 503 with `Retry-After` at once, without
//! touching the index. Under overload the admitted searches still finish in
//! their usual time instead of every search sharing the CPU and all of them
//! timing out.
//!
//! A waiting search whose client has gone (the request future was dropped:
//! the client closed the connection, or the request timeout fired) leaves the
//! queue without running. A running search holds its slot until the blocking
//! work really ends, so abandoned work is never hidden from the count: the
//! CPU spent on searches nobody waits for is bounded by `slots` searches.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::error::ApiError;

/// Slots and queue of index work.
#[derive(Debug)]
pub struct Admission {
    slots: Arc<Semaphore>,
    capacity: usize,
    waiting: AtomicUsize,
    max_waiting: usize,
    rejected: AtomicUsize,
}

/// Leaves the queue when dropped (admitted, rejected or abandoned).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Admission {
    /// `slots` searches at once (at least 1), `queue` more waiting.
    pub fn new(slots: usize, queue: usize) -> Self {
        let slots = slots.max(1);
        Admission {
            slots: Arc::new(Semaphore::new(slots)),
            capacity: slots,
            waiting: AtomicUsize::new(0),
            max_waiting: queue,
            rejected: AtomicUsize::new(0),
        }
    }

    /// Waits for a slot, or refuses at once with a 503 when the queue is full.
    /// Dropping the future while it waits leaves the queue.
    pub async fn enter(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            return Ok(permit);
        }
        let ahead = self.waiting.fetch_add(1, Ordering::AcqRel);
        let _waiting = Waiting(&self.waiting);
        if ahead >= self.max_waiting {
            self.rejected.fetch_add(1, Ordering::Relaxed);
            return Err(ApiError::overloaded(1));
        }
        self.slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ApiError::internal("search slots closed"))
    }

    /// Searches running now.
    pub fn running(&self) -> usize {
        self.capacity - self.slots.available_permits()
    }

    /// Searches waiting for a slot now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }

    /// Searches refused since start.
    pub fn rejected(&self) -> usize {
        self.rejected.load(Ordering::Relaxed)
    }

    /// Slots (searches at once).
    pub fn slots(&self) -> usize {
        self.capacity
    }
}

/// Set when the request that started a piece of blocking work is dropped
/// (client gone, timeout): work not yet begun does not start, and a search
/// under way stops at its next checkpoint.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// Whether the requester has gone.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// The flag itself, for work that checks it as it goes (a search).
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.0.clone()
    }
}

/// Sets the flag when dropped unless disarmed.
pub struct CancelOnDrop(Option<Cancel>);

impl CancelOnDrop {
    /// A guard of `cancel`.
    pub fn new(cancel: Cancel) -> Self {
        CancelOnDrop(Some(cancel))
    }
    /// The request got its answer: nothing to cancel.
    pub fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(cancel) = self.0.take() {
            cancel.0.store(true, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_queue_is_bounded_and_abandoned_waiters_leave_it() {
        let admission = Arc::new(Admission::new(1, 2));
        let running = admission.enter().await.expect("a free slot");
        // Two may wait.
        let a = tokio::spawn({
            let admission = admission.clone();
            async move { admission.enter().await.map(drop) }
        });
        let b = tokio::spawn({
            let admission = admission.clone();
            async move { admission.enter().await.map(drop) }
        });
        while admission.waiting() < 2 {
            tokio::task::yield_now().await;
        }
        // The third is refused at once with a 503 and Retry-After.
        let refused = admission.enter().await.expect_err("queue full");
        assert_eq!(refused.status.as_u16(), 503);
        assert_eq!(refused.retry_after, Some(1));
        assert_eq!(admission.rejected(), 1);
        // A waiter that goes away frees its place in the queue.
        b.abort();
        let _ = b.await;
        assert_eq!(admission.waiting(), 1);
        let c = tokio::spawn({
            let admission = admission.clone();
            async move { admission.enter().await.map(drop) }
        });
        while admission.waiting() < 2 {
            tokio::task::yield_now().await;
        }
        drop(running);
        assert!(a.await.expect("join").is_ok());
        assert!(c.await.expect("join").is_ok());
        assert_eq!(admission.waiting(), 0);
        assert_eq!(admission.running(), 0);
    }

    #[test]
    fn cancel_is_set_only_when_the_guard_is_dropped_armed() {
        let cancel = Cancel::default();
        CancelOnDrop::new(cancel.clone()).disarm();
        assert!(!cancel.is_cancelled());
        drop(CancelOnDrop::new(cancel.clone()));
        assert!(cancel.is_cancelled());
    }
}
