//! `smedx serve`: the web self-assessment and office dashboard.

use super::Outcome;
use crate::model;
use crate::serve::{self, storage};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Serve the questionnaire to firms and the dashboard to office users, storing in SQLite or
/// PostgreSQL.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (port 0: any free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Database, created and migrated on start: a SQLite file, or a postgres:// URL for several
    /// instances sharing one PostgreSQL database.
    #[arg(long, default_value = "smedx.db")]
    db: PathBuf,
    /// Model: a bundled id or a model file.
    #[arg(long, short, default_value = model::DEFAULT_MODEL_ID)]
    model: String,
    /// Folder of templates that replace the bundled ones file by file.
    #[arg(long)]
    templates: Option<PathBuf>,
    /// Submissions, new drafts, logins and PDF or Word downloads allowed per minute per client IP
    /// (0 = no limit).
    #[arg(long, default_value_t = 30)]
    rate_limit: u32,
    /// Mark cookies Secure (when a reverse proxy serves HTTPS).
    #[arg(long)]
    secure_cookies: bool,
    /// Office views suppress groups smaller than this.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    min_group: u64,
    /// Seconds a client has to send a request's headers (also the longest wait between requests
    /// on a kept-alive connection).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    header_timeout: u64,
    /// Seconds a client has to send a request's body.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    body_timeout: u64,
    /// Seconds without a byte in either direction after which a connection is closed.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout: u64,
    /// Connections open at once; more clients wait until one closes.
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..))]
    max_connections: u64,
    /// Days after its last edit that a never-submitted draft is deleted (swept at start and daily).
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u64).range(1..))]
    draft_days: u64,
    /// Draft saves allowed per minute per client IP (0 = no limit).
    #[arg(long, default_value_t = 120)]
    save_limit: u32,
    /// Live drafts one client IP may start (0 = no limit).
    #[arg(long, default_value_t = 200)]
    max_drafts_per_ip: u64,
    /// Live drafts in all (0 = no limit).
    #[arg(long, default_value_t = 100_000)]
    max_drafts: u64,
    /// Firms expected to take part (CSV or XLSX): the dashboard shows coverage by the office
    /// user's region.
    #[arg(long)]
    roster: Option<PathBuf>,
    /// JSON API requests allowed per minute per API token (0 = no limit).
    #[arg(long, default_value_t = 600)]
    api_rate_limit: u32,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let Some(model) = super::resolve_model(&args.model) else {
        return Ok(Outcome::Invalid);
    };
    let roster = match args
        .roster
        .as_deref()
        .map(crate::aggregate::roster::Roster::read)
    {
        None => None,
        Some(Ok(r)) => Some(r),
        Some(Err(problems)) => {
            let mut report = crate::diag::Report::default();
            report.extend(problems);
            super::print_report(&report, super::DiagFormat::Human);
            return Ok(Outcome::Invalid);
        }
    };
    let storage = storage::open(&args.db)?;
    serve::run(
        serve::Config {
            addr: args.addr,
            model,
            templates: args.templates,
            rate_per_minute: args.rate_limit,
            secure_cookies: args.secure_cookies,
            min_group: args.min_group,
            limits: serve::connections::Limits {
                header_read: Duration::from_secs(args.header_timeout),
                body_read: Duration::from_secs(args.body_timeout),
                idle: Duration::from_secs(args.idle_timeout),
                max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
            },
            drafts: serve::DraftLimits {
                keep_seconds: i64::try_from(args.draft_days.saturating_mul(86_400))
                    .unwrap_or(i64::MAX),
                saves_per_minute: args.save_limit,
                per_ip: args.max_drafts_per_ip,
                total: args.max_drafts,
            },
            roster,
            api_rate_per_minute: args.api_rate_limit,
        },
        storage,
    )?;
    Ok(Outcome::Ok)
}
