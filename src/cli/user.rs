//! `smedx user`: office users of the dashboard, each scoped to a region: add, list, change a
//! password, remove. A changed password or a removal ends the user's sessions.

use super::{Outcome, refuse, say, scope_shown};
use crate::diag::Diagnostic;
use crate::serve::auth::{hash_password, region_scope};
use crate::serve::storage::{self, OfficeUser};
use crate::text::Lang;
use anyhow::Context;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

/// Manage office users of `smedx serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Add a user (or reset its password and region); the password is asked twice without echo
    /// on a terminal, or read as one line from standard input.
    Add {
        /// User name.
        name: String,
        /// Region code the user sees, with its subdivisions (510100 = 成都市 and its districts;
        /// 000000 = the whole country).
        #[arg(long)]
        region: String,
        /// Database of `smedx serve`: a SQLite file or a postgres:// URL.
        #[arg(long, default_value = "smedx.db")]
        db: PathBuf,
    },
    /// List the users and the regions they see.
    List {
        /// Database of `smedx serve`: a SQLite file or a postgres:// URL.
        #[arg(long, default_value = "smedx.db")]
        db: PathBuf,
    },
    /// Set a new password; the user's open sessions end.
    Passwd {
        /// User name.
        name: String,
        /// Database of `smedx serve`: a SQLite file or a postgres:// URL.
        #[arg(long, default_value = "smedx.db")]
        db: PathBuf,
    },
    /// Remove a user; its open sessions end.
    Remove {
        /// User name.
        name: String,
        /// Database of `smedx serve`: a SQLite file or a postgres:// URL.
        #[arg(long, default_value = "smedx.db")]
        db: PathBuf,
    },
}

/// The new password: twice without echo on a terminal, one line of standard input otherwise;
/// the problem when it is too short or the two do not match.
fn read_password(name: &str) -> anyhow::Result<Result<String, Diagnostic>> {
    let password = if std::io::stdin().is_terminal() {
        let (zh, en) = (
            format!("请输入 {name} 的密码："),
            format!("password for {name}: "),
        );
        let prompt = if Lang::ui() == Lang::En { en } else { zh };
        let first = rpassword::prompt_password(prompt).context("cannot read the password")?;
        let again = rpassword::prompt_password(if Lang::ui() == Lang::En {
            "again: "
        } else {
            "再输入一次："
        })
        .context("cannot read the password")?;
        if first != again {
            return Ok(Err(Diagnostic::error("password-mismatch")));
        }
        first
    } else {
        say(
            format!("请输入 {name} 的密码（标准输入的一行）："),
            format!("password for {name} (one line on standard input):"),
        );
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    if password.chars().count() < 8 {
        return Ok(Err(Diagnostic::error("weak-password")));
    }
    Ok(Ok(password))
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    match args.action {
        Action::Add { name, region, db } => {
            let Some(scope) = region_scope(&region) else {
                let d = Diagnostic::error("bad-region").variant("argument");
                return refuse(d.quoted("region", region));
            };
            if name.trim().is_empty() || name.len() > 64 {
                return refuse(Diagnostic::error("bad-name"));
            }
            let password = match read_password(&name)? {
                Ok(p) => p,
                Err(d) => return refuse(d),
            };
            let storage = storage::open(&db)?;
            storage.put_user(&OfficeUser {
                name: name.clone(),
                region_prefix: scope.clone(),
                password_hash: hash_password(&password)?,
            })?;
            say(
                format!("已添加用户 {name}：可见地区 {}", scope_shown(&scope)),
                format!("user {name} added: sees regions {}", scope_shown(&scope)),
            );
            Ok(Outcome::Ok)
        }
        Action::List { db } => {
            let users = storage::open(&db)?.users()?;
            if users.is_empty() {
                say("（没有用户）".into(), "(no users)".into());
            }
            for u in users {
                to_stdout!("{}\t{}", u.name, scope_shown(&u.region_prefix))?;
            }
            Ok(Outcome::Ok)
        }
        Action::Passwd { name, db } => {
            let storage = storage::open(&db)?;
            let Some(user) = storage.user(&name)? else {
                return refuse(Diagnostic::error("no-such-user").quoted("name", name));
            };
            let password = match read_password(&name)? {
                Ok(p) => p,
                Err(d) => return refuse(d),
            };
            storage.put_user(&OfficeUser {
                password_hash: hash_password(&password)?,
                ..user
            })?;
            say(
                format!("已更改 {name} 的密码；其已登录的会话均已结束。"),
                format!("password of {name} changed; its sessions have ended"),
            );
            Ok(Outcome::Ok)
        }
        Action::Remove { name, db } => {
            if !storage::open(&db)?.remove_user(&name)? {
                return refuse(Diagnostic::error("no-such-user").quoted("name", name));
            }
            say(
                format!("已删除用户 {name}；其已登录的会话均已结束。"),
                format!("user {name} removed; its sessions have ended"),
            );
            Ok(Outcome::Ok)
        }
    }
}
