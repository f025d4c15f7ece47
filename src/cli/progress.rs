//! Progress of long commands on standard error: a bar when standard error is a terminal, nothing
//! otherwise (a log or a pipe gets only the closing line).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// A progress bar, or nothing when standard error is not a terminal.
pub(crate) struct Progress(Option<ProgressBar>);

impl Progress {
    /// A bar of `total` steps, or a spinner counting when the total is unknown; `unit` names what is
    /// counted (家企业, records).
    pub fn new(total: Option<u64>, unit: &str) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        // `unit` is our own text; braces would be read as template keys.
        let unit = unit.replace(['{', '}'], "");
        let (bar, template) = match total {
            Some(n) => (
                ProgressBar::new(n),
                format!("{{wide_bar}} {{pos}}/{{len}} {unit}  {{per_sec}}  {{eta}}"),
            ),
            None => (
                ProgressBar::new_spinner(),
                format!("{{spinner}} {{pos}} {unit}  {{per_sec}}  {{elapsed}}"),
            ),
        };
        let style = ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_draw_target(ProgressDrawTarget::stderr());
        Progress(Some(bar))
    }

    /// Set the count reached.
    pub fn set(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.set_position(n);
        }
    }

    /// Remove the bar, so the closing line stands alone.
    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
