//! The progress line shown on stderr while LookupEvents pages come in.
//!
//! It appears only when stderr is a terminal and the fetch has taken longer
//! than [`SHOW_AFTER`], so quick runs, pipes and CI logs stay clean.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a fetch runs before the progress line appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// A spinner with call, event and region counts; cheap to clone into each
/// region's task.
#[derive(Debug, Clone)]
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    counts: Arc<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    calls: AtomicUsize,
    events: AtomicUsize,
    regions_done: AtomicUsize,
    regions: AtomicUsize,
}

impl Progress {
    /// Creates the progress line for a fetch over `regions` regions. It is
    /// drawn on stderr after [`SHOW_AFTER`] when stderr is a terminal, and
    /// never otherwise. Must be called inside a Tokio runtime.
    pub(crate) fn on_stderr(regions: usize) -> Progress {
        let counts = Arc::new(Counts::default());
        counts.regions.store(regions, Ordering::Relaxed);
        if !std::io::stderr().is_terminal() {
            return Progress { bar: None, counts };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
            bar.set_style(style);
        }
        let delayed = bar.clone();
        tokio::spawn(async move {
            tokio::time::sleep(SHOW_AFTER).await;
            if !delayed.is_finished() {
                delayed.set_draw_target(ProgressDrawTarget::stderr());
                delayed.enable_steady_tick(Duration::from_millis(120));
            }
        });
        let progress = Progress {
            bar: Some(bar),
            counts,
        };
        progress.redraw();
        progress
    }

    /// Counts one page of `events` events.
    pub(crate) fn page(&self, events: usize) {
        self.counts.calls.fetch_add(1, Ordering::Relaxed);
        self.counts.events.fetch_add(events, Ordering::Relaxed);
        self.redraw();
    }

    /// Starts another pass over the regions while waiting for events.
    pub(crate) fn new_pass(&self) {
        self.counts.regions_done.store(0, Ordering::Relaxed);
        self.redraw();
    }

    /// Counts one region as finished.
    pub(crate) fn region_done(&self) {
        self.counts.regions_done.fetch_add(1, Ordering::Relaxed);
        self.redraw();
    }

    /// Shows a waiting note, such as the time left for delayed events.
    pub(crate) fn note(&self, note: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{} — {note}", self.summary()));
        }
    }

    /// Removes the line.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn redraw(&self) {
        if let Some(bar) = &self.bar {
            bar.set_message(self.summary());
        }
    }

    fn summary(&self) -> String {
        let counts = &self.counts;
        format!(
            "CloudTrail LookupEvents: {} calls, {} events, {}/{} regions",
            counts.calls.load(Ordering::Relaxed),
            counts.events.load(Ordering::Relaxed),
            counts.regions_done.load(Ordering::Relaxed),
            counts.regions.load(Ordering::Relaxed),
        )
    }
}
