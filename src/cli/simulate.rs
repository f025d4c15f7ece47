//! `smedx simulate`: synthetic answer sheets as JSON Lines, for demos and benchmarks.

use super::Outcome;
use crate::model;
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
    let inputs: Vec<&std::path::Path> = super::model_file(Some(&args.model)).into_iter().collect();
    let output = match super::checked_output(args.output.as_deref(), args.force, &inputs) {
        Ok(o) => o,
        Err(outcome) => return Ok(outcome),
    };
    let Some(model) = super::resolve_model(&args.model) else {
        return Ok(Outcome::Invalid);
    };
    let round = args.round.max(1);
    output.write_with(|w| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, w);
        crate::aggregate::simulate::simulate(&model, args.count, args.seed, round, &mut w)?;
        Ok(std::io::Write::flush(&mut w)?)
    })?;
    Ok(Outcome::Ok)
}
