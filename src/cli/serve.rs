//! `smedx serve`: the web self-assessment and office dashboard.

use super::Outcome;
use crate::model;
use crate::serve::{self, storage::SqliteStorage};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Serve the questionnaire to firms and the dashboard to office users, storing in SQLite.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (port 0: any free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// SQLite database, created and migrated on start.
    #[arg(long, default_value = "smedx.db")]
    db: PathBuf,
    /// Model: a bundled id or a model file.
    #[arg(long, short, default_value = model::DEFAULT_MODEL_ID)]
    model: String,
    /// Folder of templates that replace the bundled ones file by file.
    #[arg(long)]
    templates: Option<PathBuf>,
    /// Submissions, new drafts and logins allowed per minute per client IP (0 = no limit).
    #[arg(long, default_value_t = 30)]
    rate_limit: u32,
    /// Mark cookies Secure (when a reverse proxy serves HTTPS).
    #[arg(long)]
    secure_cookies: bool,
    /// Office views suppress groups smaller than this.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    min_group: u64,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let Some(model) = super::resolve_model(&args.model) else {
        return Ok(Outcome::Invalid);
    };
    let storage = Arc::new(SqliteStorage::open(&args.db)?);
    serve::run(
        serve::Config {
            addr: args.addr,
            model,
            templates: args.templates,
            rate_per_minute: args.rate_limit,
            secure_cookies: args.secure_cookies,
            min_group: args.min_group,
        },
        storage,
    )?;
    Ok(Outcome::Ok)
}
