//! `smedx user add`: office users of the dashboard, each scoped to a region.

use super::Outcome;
use crate::serve::auth::{hash_password, region_scope};
use crate::serve::storage::{OfficeUser, SqliteStorage, Storage};
use crate::text::Lang;
use anyhow::Context;
use std::io::BufRead;
use std::path::PathBuf;

/// Manage office users of `smedx serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Add a user (or reset its password and region); the password is read from standard input.
    Add {
        /// User name.
        name: String,
        /// Region code the user sees, with its subdivisions (510100 = 成都市 and its districts;
        /// 000000 = the whole country).
        #[arg(long)]
        region: String,
        /// SQLite database of `smedx serve`.
        #[arg(long, default_value = "smedx.db")]
        db: PathBuf,
    },
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    match args.action {
        Action::Add { name, region, db } => {
            let Some(scope) = region_scope(&region) else {
                to_stderr!(
                    "error[bad-region]: `{region}` is not a region code\n  = help: give a 6-digit 行政区划代码 such as 510100"
                );
                return Ok(Outcome::Invalid);
            };
            if name.trim().is_empty() || name.len() > 64 {
                to_stderr!("error[bad-name]: a user name is 1 to 64 characters");
                return Ok(Outcome::Invalid);
            }
            to_stderr!(
                "{}",
                match Lang::ui() {
                    Lang::Zh => format!("请输入 {name} 的密码（标准输入的一行）："),
                    Lang::En => format!("password for {name} (one line on standard input):"),
                }
            );
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("cannot read the password")?;
            let password = password.trim_end_matches(['\r', '\n']);
            if password.chars().count() < 8 {
                to_stderr!("error[weak-password]: the password needs at least 8 characters");
                return Ok(Outcome::Invalid);
            }
            let storage = SqliteStorage::open(&db)?;
            storage.put_user(&OfficeUser {
                name: name.clone(),
                region_prefix: scope.clone(),
                password_hash: hash_password(password)?,
            })?;
            let shown = if scope.is_empty() {
                "全国 / all"
            } else {
                &scope
            };
            to_stderr!(
                "{}",
                match Lang::ui() {
                    Lang::Zh => format!("已添加用户 {name}：可见地区 {shown}*"),
                    Lang::En => format!("user {name} added: sees regions {shown}*"),
                }
            );
            Ok(Outcome::Ok)
        }
    }
}
