//! The accept loop and HTTP/1.1 connections, with the limits a public server
//! needs (axum::serve has none of them):
//!
//! - **Header read timeout** (`--header-timeout`): a connection must deliver a
//!   complete request head within this time of opening, or of its previous
//!   response; otherwise it is closed. This is also the keep-alive idle
//!   timeout: a connection idle that long is closed.
//! - **Connection limit** (`--max-connections`, and never more than the
//!   process's descriptor limit allows, less a reserve for index files): at
//!   the limit, a new connection makes room by closing the connection that has
//!   been idle (no request in progress) the longest; if every connection is
//!   busy, new ones wait in the kernel's backlog. Idle sockets therefore can
//!   never lock out a real request such as `/healthz`.
//! - **Graceful shutdown with a deadline** (`--shutdown-timeout`): on SIGTERM
//!   or Ctrl-C the listener closes, idle connections close, requests in
//!   progress finish; whatever is still open at the deadline is dropped.
//! - `TCP_NODELAY` on every accepted socket (small JSON answers go out at once).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};

/// Descriptors kept back from connections (index files, the reloader, logs).
pub const FD_RESERVE: usize = 64;

/// Connection limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Time allowed for a complete request head (also the keep-alive idle timeout).
    pub header_timeout: Duration,
    /// Most open connections.
    pub max_connections: usize,
    /// How long shutdown waits for requests in progress.
    pub shutdown_timeout: Duration,
}

/// One open connection, as the accept loop sees it.
struct Conn {
    /// Requests being answered on it now.
    in_flight: AtomicUsize,
    /// When it last became idle (ms since the server started).
    idle_since: AtomicU64,
    /// Chosen to make room; closing.
    evicted: AtomicBool,
    /// Wakes the connection's task to close it.
    close: Notify,
}

/// Every open connection.
struct Registry {
    started: Instant,
    next_id: AtomicU64,
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
}

impl Registry {
    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        match self.conns.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn add(&self) -> (u64, Arc<Conn>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            in_flight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(self.now_ms()),
            evicted: AtomicBool::new(false),
            close: Notify::new(),
        });
        self.lock().insert(id, conn.clone());
        (id, conn)
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Closes the connection idle the longest; false when every one is busy.
    fn evict_idle(&self) -> bool {
        let conns = self.lock();
        let victim = conns
            .values()
            .filter(|c| {
                c.in_flight.load(Ordering::Acquire) == 0 && !c.evicted.load(Ordering::Acquire)
            })
            .min_by_key(|c| c.idle_since.load(Ordering::Acquire));
        match victim {
            Some(conn) => {
                conn.evicted.store(true, Ordering::Release);
                conn.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Counts a request in progress on a connection.
struct InFlight {
    conn: Arc<Conn>,
    registry: Arc<Registry>,
}

impl InFlight {
    fn new(conn: Arc<Conn>, registry: Arc<Registry>) -> Self {
        conn.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight { conn, registry }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.conn
            .idle_since
            .store(self.registry.now_ms(), Ordering::Release);
        self.conn.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its request counted as in progress until it is sent (or dropped).
struct Counted {
    body: axum::body::Body,
    _in_flight: InFlight,
}

impl hyper::body::Body for Counted {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

/// The connection limit this process can honour: `wanted`, but never more
/// than the descriptor limit (raised to its hard maximum first) less
/// [`FD_RESERVE`].
pub fn connection_limit(wanted: usize) -> usize {
    let wanted = wanted.max(1);
    match raise_fd_limit() {
        Some(descriptors) => wanted.min(descriptors.saturating_sub(FD_RESERVE).max(16)),
        None => wanted,
    }
}

/// Raises the soft descriptor limit to the hard one; returns the soft limit now in force.
#[cfg(unix)]
fn raise_fd_limit() -> Option<usize> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    usize::try_from(limit.rlim_cur).ok()
}

#[cfg(not(unix))]
fn raise_fd_limit() -> Option<usize> {
    None
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains within
/// `limits.shutdown_timeout`.
pub async fn run(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let max = limits.max_connections.max(1);
    let slots = Arc::new(Semaphore::new(max));
    let registry = Arc::new(Registry {
        started: Instant::now(),
        next_id: AtomicU64::new(0),
        conns: Mutex::new(HashMap::new()),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let service = TowerToHyperService::new(app);
    tokio::pin!(shutdown);
    tracing::info!(
        max_connections = max,
        header_timeout_s = limits.header_timeout.as_secs_f64(),
        "accepting connections"
    );
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(e) => {
                // EMFILE and friends: wait a little instead of spinning; the
                // listener stays up.
                tracing::warn!("accept failed: {e}");
                tokio::select! {
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(Duration::from_millis(50)) => continue,
                }
            }
        };
        let permit = match slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if registry.evict_idle() {
                    tracing::debug!(
                        "connection limit reached: closing the longest-idle connection"
                    );
                } else {
                    tracing::warn!("connection limit reached and every connection is busy");
                }
                tokio::select! {
                    () = &mut shutdown => break,
                    permit = slots.clone().acquire_owned() => match permit {
                        Ok(permit) => permit,
                        Err(_) => break,
                    },
                }
            }
        };
        spawn_connection(
            stream,
            permit,
            &registry,
            service.clone(),
            &limits,
            stop_rx.clone(),
        );
    }
    drop(listener);
    let open = max - slots.available_permits();
    tracing::info!(
        open_connections = open,
        deadline_s = limits.shutdown_timeout.as_secs_f64(),
        "shutting down: finishing requests in progress"
    );
    let _ = stop_tx.send(true);
    let all = u32::try_from(max).unwrap_or(u32::MAX);
    match tokio::time::timeout(limits.shutdown_timeout, slots.acquire_many(all)).await {
        Ok(_) => tracing::info!("every connection closed"),
        Err(_) => tracing::warn!(
            still_open = max - slots.available_permits(),
            "shutdown deadline reached: dropping the connections still open"
        ),
    }
    Ok(())
}

fn spawn_connection(
    stream: TcpStream,
    permit: OwnedSemaphorePermit,
    registry: &Arc<Registry>,
    service: TowerToHyperService<Router>,
    limits: &Limits,
    mut stop: watch::Receiver<bool>,
) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!("TCP_NODELAY: {e}");
    }
    let (id, conn) = registry.add();
    let registry = registry.clone();
    let header_timeout = limits.header_timeout;
    tokio::spawn(async move {
        let _permit = permit;
        let counted = {
            let conn = conn.clone();
            let registry = registry.clone();
            hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let in_flight = InFlight::new(conn.clone(), registry.clone());
                let service = service.clone();
                async move {
                    // The request counts as in progress until its body is sent.
                    let response = hyper::service::Service::call(&service, request).await;
                    response.map(|r| {
                        r.map(|body| Counted {
                            body,
                            _in_flight: in_flight,
                        })
                    })
                }
            })
        };
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .keep_alive(true);
        let connection = builder.serve_connection(TokioIo::new(stream), counted);
        tokio::pin!(connection);
        let mut draining = false;
        loop {
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!("connection ended: {e}");
                    }
                    break;
                }
                () = conn.close.notified() => break,
                _ = stop.changed(), if !draining => {
                    draining = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
        registry.remove(id);
    });
}
