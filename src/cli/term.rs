//! The terminal and the process: progress bars (drawn only on a terminal),
//! logging, the tokio runtime and the Ctrl-C stop.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

/// A bar counting to `total`: `message [=====] pos/len per_sec eta`.
pub fn progress_bar(total: u64, message: &str) -> ProgressBar {
    styled(
        || ProgressBar::new(total),
        "{msg} [{bar:40}] {pos}/{len} {per_sec} eta {eta}",
        message,
    )
}

/// A count of lines read from an input of unknown length:
/// `⠋ message: pos lines, per_sec [elapsed]`.
pub fn line_counter(message: &str) -> ProgressBar {
    styled(
        ProgressBar::no_length,
        "{spinner} {msg}: {pos} lines, {per_sec} [{elapsed}]",
        message,
    )
}

/// A spinner with the elapsed time and a message the caller keeps up to date.
pub fn spinner() -> ProgressBar {
    let bar = styled(
        ProgressBar::new_spinner,
        "{spinner} {elapsed_precise} {msg}",
        "",
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// `make()` with `template` on a terminal; a hidden bar otherwise.
fn styled(make: impl FnOnce() -> ProgressBar, template: &str, message: &str) -> ProgressBar {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return ProgressBar::hidden();
    }
    let bar = make();
    bar.set_style(ProgressStyle::with_template(template).unwrap_or_else(|_| bar.style()));
    bar.set_message(message.to_string());
    bar
}

/// A multi-threaded tokio runtime with `threads` workers (0 = one per core).
pub fn runtime(threads: usize) -> anyhow::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if threads > 0 {
        builder.worker_threads(threads);
    }
    builder
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// On the first Ctrl-C, says `stopping` and raises `stop` (the work in
/// flight finishes); a second Ctrl-C ends the process (status 130). Call
/// inside the runtime.
pub fn stop_on_ctrl_c(stop: Arc<AtomicBool>, stopping: &'static str) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("{stopping}");
            stop.store(true, Ordering::Relaxed);
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
}

/// Sets up `tracing` to stderr; `RUST_LOG` wins over `-v`.
pub fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
