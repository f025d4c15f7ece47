//! `smedx explain`: what a diagnostic code means and how to fix it, as `rustc --explain` does.

use super::{DiagFormat, Outcome, print_report};
use crate::diag::code::registry;
use crate::diag::{Arg, Diagnostic, Report};
use crate::text::{Lang, closest};

/// Explain a diagnostic code; without one, list every code with its title.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The code shown in brackets, e.g. `wrong-type` in `error[wrong-type]`.
    code: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let codes = registry();
    let Some(id) = args.code else {
        let width = codes.keys().map(String::len).max().unwrap_or(0);
        let list: String = codes
            .iter()
            .map(|(id, c)| format!("{id:width$}  {}\n", c.title.get(Lang::ui())))
            .collect();
        super::write_stdout(&list)?;
        return Ok(Outcome::Ok);
    };
    let id = id
        .trim()
        .trim_start_matches("error[")
        .trim_start_matches("warning[")
        .trim_end_matches(']');
    if let Some(code) = codes.get(id) {
        super::write_stdout(&code.explain(id, Lang::ui()))?;
        return Ok(Outcome::Ok);
    }
    // Close codes: those containing what was typed, else the nearest spelling.
    let mut near: Vec<&str> = codes
        .keys()
        .map(String::as_str)
        .filter(|k| id.len() >= 3 && k.contains(id))
        .collect();
    near.extend(closest(id, codes.keys().map(String::as_str)).filter(|c| !near.contains(c)));
    let hint = match near.as_slice() {
        [] => Arg::Text(crate::text::Text::new(
            "`smedx explain` 列出全部代码",
            "`smedx explain` lists every code",
        )),
        _ => Arg::list(near.iter().copied()),
    };
    let variant = if near.is_empty() {
        "none_close"
    } else {
        "close"
    };
    let mut report = Report::default();
    report.extend([Diagnostic::error("unknown-code")
        .variant(variant)
        .quoted("code", id)
        .arg("hint", hint)]);
    print_report(&report, DiagFormat::Human);
    Ok(Outcome::Invalid)
}
