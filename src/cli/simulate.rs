//! `smedx simulate`: synthetic answer sheets as JSON Lines, for demos and benchmarks.

use super::Outcome;
use crate::model;
use anyhow::Context;
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
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let Some(model) = super::resolve_model(&args.model) else {
        return Ok(Outcome::Invalid);
    };
    let round = args.round.max(1);
    match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
            crate::aggregate::simulate::simulate(&model, args.count, args.seed, round, &mut w)?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            match crate::aggregate::simulate::simulate(&model, args.count, args.seed, round, &mut w)
            {
                Err(e)
                    if e.downcast_ref::<std::io::Error>()
                        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) => {}
                other => other?,
            }
        }
    }
    Ok(Outcome::Ok)
}
