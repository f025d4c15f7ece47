//! `smedx simulate`: synthetic answer sheets as JSON Lines, for demos and benchmarks.

use super::Outcome;
use super::progress::Progress;
use crate::model;
use crate::text::{Lang, tr};
use std::io::Write;
use std::path::PathBuf;

/// Write realistic synthetic firms (marked `synthetic: true`); the same seed gives the same file.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many firms.
    #[arg(long, short = 'n')]
    count: u64,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Round 2, 3, …: the same firms assessed again later, a little more mature.
    #[arg(long, default_value_t = 1)]
    round: u32,
    /// Output file (JSON Lines; default: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Model: a bundled id or a model file.
    #[arg(long, short, default_value = model::DEFAULT_MODEL_ID)]
    model: String,
    /// Overwrite the output file if it exists (never an input).
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    // The one format written: an -o that names another is refused before any work.
    if let Err(outcome) = super::checked_format(
        "simulate",
        args.output.as_deref(),
        None,
        &[super::Written {
            format: (),
            name: "jsonl",
            extensions: &["jsonl", "ndjson"],
        }],
    ) {
        return Ok(outcome);
    }
    let inputs: Vec<&std::path::Path> = super::model_file(Some(&args.model)).into_iter().collect();
    let output = match super::checked_output(args.output.as_deref(), args.force, &inputs) {
        Ok(o) => o,
        Err(outcome) => return Ok(outcome),
    };
    let Some(model) = super::resolve_model(&args.model) else {
        return Ok(Outcome::Invalid);
    };
    let lang = Lang::ui();
    let round = args.round.max(1);
    let bar = Progress::new(Some(args.count), tr(lang, "家企业", "firms"));
    output.write_with(|w| {
        let mut w = Counted::new(std::io::BufWriter::with_capacity(1 << 20, w), &bar);
        crate::aggregate::simulate::simulate(&model, args.count, args.seed, round, &mut w)?;
        Ok(w.flush()?)
    })?;
    bar.finish();
    let n = args.count;
    let place = super::output::shown_as(args.output.as_deref(), lang);
    to_stderr!(
        "{}",
        match lang {
            Lang::Zh => format!("已写入 {n} 家模拟企业的答卷（第 {round} 轮）：{place}。"),
            Lang::En => format!("Wrote {n} synthetic answer sheet(s) (round {round}) to {place}."),
        }
    );
    Ok(Outcome::Ok)
}

/// A writer that moves the progress bar by the lines (one firm each) written through it.
struct Counted<'a, W: Write> {
    inner: W,
    bar: &'a Progress,
    lines: u64,
}

impl<'a, W: Write> Counted<'a, W> {
    fn new(inner: W, bar: &'a Progress) -> Self {
        Counted {
            inner,
            bar,
            lines: 0,
        }
    }
}

impl<W: Write> Write for Counted<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        let new = buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        if new > 0 {
            self.lines += new;
            self.bar.set(self.lines);
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
