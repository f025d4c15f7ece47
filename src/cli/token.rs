//! `smedx token`: region-scoped tokens of the JSON API: add (the token is printed once, only its
//! hash is stored), list, revoke.

use super::{Outcome, refuse, say, scope_shown};
use crate::diag::Diagnostic;
use crate::serve::auth::{hash_api_secret, new_api_token, region_scope};
use crate::serve::storage::{self, ApiToken};
use std::path::PathBuf;

/// Manage API tokens of `smedx serve` (each scoped to a region).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Make a token for a platform; it is printed once (only its hash is stored).
    Add {
        /// Region code the token submits for and reads, with its subdivisions (510000 = 四川省;
        /// 000000 = the whole country).
        #[arg(long)]
        region: String,
        /// Who the token is for (shown by `smedx token list`).
        #[arg(long, default_value = "")]
        label: String,
        /// Database of `smedx serve`: a SQLite file or a postgres:// URL.
        #[arg(long, default_value = "smedx.db")]
        db: PathBuf,
    },
    /// List the tokens: id, region, label, created, revoked.
    List {
        /// Database of `smedx serve`: a SQLite file or a postgres:// URL.
        #[arg(long, default_value = "smedx.db")]
        db: PathBuf,
    },
    /// Revoke a token by its id (the 16 digits after `smx_`); it stops working at once.
    Revoke {
        /// The token's id, as `smedx token list` shows it.
        id: String,
        /// Database of `smedx serve`: a SQLite file or a postgres:// URL.
        #[arg(long, default_value = "smedx.db")]
        db: PathBuf,
    },
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    match args.action {
        Action::Add { region, label, db } => {
            let Some(scope) = region_scope(&region).filter(|_| region.trim().len() == 6) else {
                return refuse(
                    Diagnostic::error("bad-region")
                        .variant("argument")
                        .quoted("region", region),
                );
            };
            let label = label.trim().to_string();
            if label.chars().count() > 100 || label.chars().any(char::is_control) {
                return refuse(Diagnostic::error("api-token").variant("label"));
            }
            let storage = storage::open(&db)?;
            let (id, secret, token) = new_api_token()?;
            storage.add_api_token(&ApiToken {
                id: id.clone(),
                region_prefix: scope.clone(),
                label,
                secret_hash: hash_api_secret(&secret),
                created_at: crate::serve::now(),
                revoked_at: None,
            })?;
            to_stdout!("{token}")?;
            say(
                format!(
                    "已发放令牌 {id}（地区 {}）：请现在复制上面一行，它不会再显示；吊销：smedx token revoke {id}",
                    scope_shown(&scope)
                ),
                format!(
                    "token {id} issued for regions {}: copy the line above now, it is not shown again; revoke with `smedx token revoke {id}`",
                    scope_shown(&scope)
                ),
            );
            Ok(Outcome::Ok)
        }
        Action::List { db } => {
            let tokens = storage::open(&db)?.api_tokens()?;
            if tokens.is_empty() {
                say("（没有令牌）".into(), "(no tokens)".into());
            }
            for t in tokens {
                let revoked = t
                    .revoked_at
                    .map_or_else(|| "-".to_string(), |at| format!("revoked@{at}"));
                to_stdout!(
                    "{}\t{}\t{}\t{}\t{revoked}",
                    t.id,
                    scope_shown(&t.region_prefix),
                    t.created_at,
                    t.label
                )?;
            }
            Ok(Outcome::Ok)
        }
        Action::Revoke { id, db } => {
            if !storage::open(&db)?.revoke_api_token(&id, crate::serve::now())? {
                return refuse(
                    Diagnostic::error("api-token")
                        .variant("no_such")
                        .quoted("id", id),
                );
            }
            say(
                format!("已吊销令牌 {id}：它立即失效。"),
                format!("token {id} revoked: it stops working at once"),
            );
            Ok(Outcome::Ok)
        }
    }
}
