//! Progress bars for long work (`migrate`, `loaddata`): drawn on stderr when it is a terminal,
//! never when it is piped or with `--no-progress`, so scripts and logs see only the command's
//! own output.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar, or nothing where none may be drawn.
pub(crate) struct Bar(Option<ProgressBar>);

impl Bar {
    /// A bar of `total` steps on stderr, when `wanted` and stderr is a terminal.
    pub(crate) fn new(total: u64, wanted: bool) -> Bar {
        if !wanted || !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} {msg}") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.tick();
        Bar(Some(bar))
    }

    /// Whether a bar is drawn.
    pub(crate) fn shown(&self) -> bool {
        self.0.is_some()
    }

    /// Says what runs now.
    pub(crate) fn message(&self, message: String) {
        if let Some(bar) = &self.0 {
            bar.set_message(message);
        }
    }

    /// One step more is done.
    pub(crate) fn inc(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    /// Runs `print` with the bar hidden, so lines printed on the same terminal stay whole.
    pub(crate) fn suspend<R>(&self, print: impl FnOnce() -> R) -> R {
        match &self.0 {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
