//! An ordered parallel map: `jobs` worker threads take items from a shared
//! source, and the calling thread receives the results in source order as
//! soon as each prefix is complete (a reorder buffer), so output streams.
//!
//! Workers may run at most `window` items ahead of the oldest unwritten one,
//! which bounds memory when one item is slow. When the sink fails (e.g. a
//! closed pipe) or a worker panics, the others stop taking new items.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, mpsc};

/// Receives results in source order.
pub trait Sink<T> {
    /// The next result, in order.
    fn item(&mut self, item: T) -> anyhow::Result<()>;
    /// No result is ready right now: a good moment to flush.
    fn idle(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Feed<S> {
    source: S,
    next: usize,
}

/// Sets the cancel flag if a worker unwinds, so nobody waits for its item.
struct PanicGuard<'a> {
    cancel: &'a AtomicBool,
    written: &'a Mutex<usize>,
    cv: &'a Condvar,
}

impl Drop for PanicGuard<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let _w = lock(self.written);
            self.cancel.store(true, Ordering::SeqCst);
            self.cv.notify_all();
        }
    }
}

/// Runs `work` over every item of `source` on `jobs` threads, handing the
/// results to `sink` in source order.
pub fn run_ordered<S, T, F, K>(
    source: S,
    jobs: usize,
    window: usize,
    work: F,
    sink: &mut K,
) -> anyhow::Result<()>
where
    S: Iterator + Send,
    S::Item: Send,
    T: Send,
    F: Fn(S::Item) -> T + Sync,
    K: Sink<T>,
{
    let jobs = jobs.max(1);
    let window = window.max(jobs);
    let feed = Mutex::new(Feed { source, next: 0 });
    let written = Mutex::new(0usize);
    let cv = Condvar::new();
    let cancel = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<(usize, T)>();

    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (feed, written, cv, cancel, work) = (&feed, &written, &cv, &cancel, &work);
            scope.spawn(move || {
                let _guard = PanicGuard {
                    cancel,
                    written,
                    cv,
                };
                loop {
                    let (seq, item) = {
                        let mut feed = lock(feed);
                        {
                            let mut done = lock(written);
                            while feed.next >= *done + window && !cancel.load(Ordering::SeqCst) {
                                done = cv.wait(done).unwrap_or_else(|p| p.into_inner());
                            }
                        }
                        if cancel.load(Ordering::SeqCst) {
                            return;
                        }
                        let Some(item) = feed.source.next() else {
                            return;
                        };
                        let seq = feed.next;
                        feed.next += 1;
                        (seq, item)
                    };
                    let out = work(item);
                    if tx.send((seq, out)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);

        let result = (|| -> anyhow::Result<()> {
            let mut pending: BTreeMap<usize, T> = BTreeMap::new();
            let mut next = 0usize;
            loop {
                let (seq, out) = match rx.try_recv() {
                    Ok(msg) => msg,
                    Err(mpsc::TryRecvError::Empty) => {
                        sink.idle()?;
                        match rx.recv() {
                            Ok(msg) => msg,
                            Err(_) => break,
                        }
                    }
                    Err(mpsc::TryRecvError::Disconnected) => break,
                };
                pending.insert(seq, out);
                let before = next;
                while let Some(out) = pending.remove(&next) {
                    sink.item(out)?;
                    next += 1;
                }
                if next != before {
                    *lock(&written) = next;
                    cv.notify_all();
                }
            }
            sink.idle()
        })();
        if result.is_err() {
            let _w = lock(&written);
            cancel.store(true, Ordering::SeqCst);
            cv.notify_all();
        }
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Collect(Vec<usize>, usize);
    impl Sink<usize> for Collect {
        fn item(&mut self, item: usize) -> anyhow::Result<()> {
            if self.0.len() == self.1 {
                anyhow::bail!("sink full");
            }
            self.0.push(item);
            Ok(())
        }
    }

    fn jitter(i: usize) -> usize {
        // Uneven work so that later items often finish first.
        std::thread::sleep(std::time::Duration::from_micros(
            ((i * 7919) % 13) as u64 * 50,
        ));
        i * 2
    }

    #[test]
    fn output_is_in_input_order_for_any_job_count() {
        for jobs in [1, 2, 4, 8] {
            let mut sink = Collect(Vec::new(), usize::MAX);
            run_ordered(0..500, jobs, 4, jitter, &mut sink).expect("runs");
            assert_eq!(
                sink.0,
                (0..500).map(|i| i * 2).collect::<Vec<_>>(),
                "jobs {jobs}"
            );
        }
    }

    #[test]
    fn a_failing_sink_stops_the_workers() {
        let mut sink = Collect(Vec::new(), 10);
        let err = run_ordered(0..1_000_000, 4, 8, jitter, &mut sink);
        assert!(err.is_err());
        assert_eq!(sink.0.len(), 10);
    }

    #[test]
    fn empty_source() {
        let mut sink = Collect(Vec::new(), usize::MAX);
        run_ordered(std::iter::empty::<usize>(), 3, 3, jitter, &mut sink).expect("runs");
        assert!(sink.0.is_empty());
    }
}
