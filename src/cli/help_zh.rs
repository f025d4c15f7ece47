//! Chinese `--help`: the texts of `help-zh.yaml` applied to the clap command the derive builds
//! from the English doc comments, with clap's own words (headings, `--help`, defaults) in Chinese.

use clap::builder::{Resettable, StyledStr};
use clap::error::{ContextKind, ContextValue, ErrorFormatter, ErrorKind};
use clap::{Arg, ArgAction, Command};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The file: clap's words and the help of every command.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HelpTexts {
    clap: ClapWords,
    errors: ErrorWords,
    commands: BTreeMap<String, CommandHelp>,
}

/// Clap's messages for command-line mistakes, as templates.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorWords {
    error: String,
    tip: String,
    similar: String,
    usage: String,
    more: String,
    invalid_value: String,
    value_required: String,
    value_validation: String,
    invalid_subcommand: String,
    missing_required: String,
    missing_subcommand: String,
    unknown_argument: String,
    conflict: String,
    repeated: String,
    too_many_values: String,
    too_few_values: String,
    wrong_number: String,
    no_equals: String,
}

/// The words clap writes itself.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClapWords {
    usage: String,
    commands: String,
    arguments: String,
    options: String,
    help: String,
    help_short: String,
    help_long: String,
    version: String,
    help_command: String,
    default: String,
    possible: String,
}

/// One command's help: its about, what follows the options, and per argument id its help.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommandHelp {
    about: String,
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    args: BTreeMap<String, String>,
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, String>>,
}

/// The texts, compiled in. Tests parse and check the file, so a broken file is a build defect.
fn texts() -> &'static HelpTexts {
    static CELL: OnceLock<HelpTexts> = OnceLock::new();
    CELL.get_or_init(|| {
        serde_saphyr::from_str(include_str!("help-zh.yaml"))
            .unwrap_or_else(|e| panic!("src/cli/help-zh.yaml is broken: {e}"))
    })
}

/// The command with Chinese help. A command or argument missing from the file keeps its English
/// help (a test makes sure none is missing).
pub fn apply(cmd: Command) -> Command {
    let t = texts();
    let mut cmd = localize(cmd, "smedx", t);
    // Clap adds `--help`, `--version` and the `help` command when it builds the command; they
    // exist, to be translated, only after that.
    cmd.build();
    builtins(cmd, t)
}

/// The summary (first paragraph) and, when there is more, the whole text.
fn paragraphs(text: &str) -> (String, Option<String>) {
    let text = text.trim();
    match text.split_once("\n\n") {
        Some((first, _)) => (first.to_string(), Some(text.to_string())),
        None => (text.to_string(), None),
    }
}

/// A text to set, or none to clear the English one.
fn resettable(text: Option<impl Into<String>>) -> Resettable<StyledStr> {
    match text {
        Some(t) => Resettable::Value(StyledStr::from(t.into())),
        None => Resettable::Reset,
    }
}

/// The path of a subcommand in the file: `score`, `user add`.
fn child_path(parent: &str, name: &str) -> String {
    if parent == "smedx" {
        name.to_string()
    } else {
        format!("{parent} {name}")
    }
}

/// Clap's layout, with the usage heading in Chinese.
fn template(t: &HelpTexts) -> String {
    format!(
        "{{before-help}}{{about-with-newline}}\n{}: {{usage}}\n\n{{all-args}}{{after-help}}",
        t.clap.usage
    )
}

fn localize(cmd: Command, path: &str, t: &'static HelpTexts) -> Command {
    let entry = t.commands.get(path);
    let mut cmd = cmd
        .help_template(template(t))
        .subcommand_help_heading(t.clap.commands.as_str())
        .mut_args(|a| localize_arg(a, entry, t));
    if let Some(e) = entry {
        let (about, long) = paragraphs(&e.about);
        cmd = cmd
            .about(about)
            .long_about(resettable(long))
            .after_help(resettable(e.after.as_deref().map(str::trim_end)))
            .after_long_help(resettable(None::<String>));
    }
    cmd.mut_subcommands(|sub| {
        let child = child_path(path, sub.get_name());
        localize(sub, &child, t)
    })
}

fn localize_arg(arg: Arg, entry: Option<&CommandHelp>, t: &'static HelpTexts) -> Arg {
    let heading = if arg.is_positional() {
        t.clap.arguments.as_str()
    } else {
        t.clap.options.as_str()
    };
    let arg = arg.help_heading(heading);
    let id = arg.get_id().as_str().to_string();
    let Some(text) = entry.and_then(|e| e.args.get(&id)) else {
        return arg;
    };
    let (summary, long) = paragraphs(text);
    let takes_values = arg.get_action().takes_values();
    let defaults: Vec<String> = if takes_values && !arg.is_hide_default_value_set() {
        arg.get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect()
    } else {
        Vec::new()
    };
    let default = (!defaults.is_empty()).then(|| {
        let sep = arg
            .get_value_delimiter()
            .map_or(" ".to_string(), String::from);
        defaults.join(&sep)
    });
    let possible: Vec<String> = if takes_values {
        arg.get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_string())
            .collect()
    } else {
        Vec::new()
    };
    let value_help = entry.and_then(|e| e.values.get(&id));

    let mut notes = Vec::new();
    if !possible.is_empty() {
        notes.push(format!("{}：{}", t.clap.possible, possible.join("、")));
    }
    if let Some(d) = &default {
        notes.push(format!("{}：{d}", t.clap.default));
    }
    let short = if notes.is_empty() {
        summary.clone()
    } else {
        format!("{summary}（{}）", notes.join("；"))
    };
    let long = match (long, value_help) {
        (None, None) => None,
        (long, values) => {
            let mut text = long.unwrap_or(summary);
            if let Some(values) = values {
                text.push_str(&format!("\n\n{}：", t.clap.possible));
                for name in &possible {
                    let help = values.get(name).map(String::as_str).unwrap_or("");
                    text.push_str(&format!("\n- {name}：{help}"));
                }
            } else if !possible.is_empty() {
                text.push_str(&format!("\n\n{}：{}", t.clap.possible, possible.join("、")));
            }
            if let Some(d) = &default {
                text.push_str(&format!("\n\n{}：{d}", t.clap.default));
            }
            Some(text)
        }
    };
    let arg = arg.help(short).long_help(resettable(long));
    if takes_values {
        // Shown in Chinese in the help text above.
        arg.hide_default_value(true).hide_possible_values(true)
    } else {
        arg
    }
}

/// `--help`, `--version` and the `help` command of a built command, in Chinese.
fn builtins(cmd: Command, t: &'static HelpTexts) -> Command {
    let options = t.clap.options.as_str();
    cmd.mut_args(|a| match a.get_action() {
        ArgAction::Help | ArgAction::HelpShort | ArgAction::HelpLong => {
            let a = a.help_heading(options);
            if a.get_long_help().is_some() {
                a.help(t.clap.help_short.as_str())
                    .long_help(t.clap.help_long.as_str())
            } else {
                a.help(t.clap.help.as_str())
            }
        }
        ArgAction::Version => a.help_heading(options).help(t.clap.version.as_str()),
        _ => a,
    })
    .mut_subcommands(|sub| {
        if sub.get_name() == "help" {
            sub.about(t.clap.help_command.as_str())
                .help_template(template(t))
                .subcommand_help_heading(t.clap.commands.as_str())
                .mut_args(|a| a.help_heading(options))
                // `help` lists every command again, and itself.
                .mut_subcommands(|c| {
                    if c.get_name() == "help" {
                        c.about(t.clap.help_command.as_str())
                    } else {
                        c
                    }
                })
        } else {
            builtins(sub, t)
        }
    })
}

/// Print a command-line mistake in Chinese and exit as clap does (status 2; help and version
/// to standard output with status 0). Kinds without a Chinese message keep clap's English.
pub fn exit(err: clap::Error) -> ! {
    match err.kind() {
        ErrorKind::InvalidValue
        | ErrorKind::ValueValidation
        | ErrorKind::InvalidSubcommand
        | ErrorKind::MissingRequiredArgument
        | ErrorKind::MissingSubcommand
        | ErrorKind::UnknownArgument
        | ErrorKind::ArgumentConflict
        | ErrorKind::TooManyValues
        | ErrorKind::TooFewValues
        | ErrorKind::WrongNumberOfValues
        | ErrorKind::NoEquals => err.apply::<ChineseErrors>().exit(),
        _ => err.exit(),
    }
}

/// Clap's error messages in Chinese, from the `errors` templates of `help-zh.yaml`.
struct ChineseErrors;

fn context_text(value: Option<&ContextValue>) -> String {
    match value {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join("、"),
        Some(ContextValue::StyledStr(s)) => s.to_string(),
        Some(ContextValue::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

impl ErrorFormatter for ChineseErrors {
    fn format_error(error: &clap::error::Error<Self>) -> StyledStr {
        let w = &texts().errors;
        let text = |k: ContextKind| context_text(error.get(k));
        let arg = text(ContextKind::InvalidArg);
        let value = match error.kind() {
            ErrorKind::InvalidSubcommand | ErrorKind::MissingSubcommand => {
                text(ContextKind::InvalidSubcommand)
            }
            _ => text(ContextKind::InvalidValue),
        };
        let fill = |template: &str| {
            template
                .replace("{arg}", &arg)
                .replace("{value}", &value)
                .replace("{other}", &text(ContextKind::PriorArg))
                .replace("{min}", &text(ContextKind::MinValues))
                .replace("{expected}", &text(ContextKind::ExpectedNumValues))
                .replace("{actual}", &text(ContextKind::ActualNumValues))
                .replace(
                    "{reason}",
                    &std::error::Error::source(error)
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                )
        };
        let mut out = format!("{}：", w.error);
        let message = match error.kind() {
            ErrorKind::InvalidValue if value.is_empty() => fill(&w.value_required),
            ErrorKind::InvalidValue => fill(&w.invalid_value),
            ErrorKind::ValueValidation => fill(&w.value_validation),
            ErrorKind::InvalidSubcommand => fill(&w.invalid_subcommand),
            ErrorKind::MissingRequiredArgument => {
                let missing = match error.get(ContextKind::InvalidArg) {
                    Some(ContextValue::Strings(v)) => v.clone(),
                    other => vec![context_text(other)],
                };
                format!("{}\n  {}", w.missing_required, missing.join("\n  "))
            }
            ErrorKind::MissingSubcommand => fill(&w.missing_subcommand),
            ErrorKind::UnknownArgument => fill(&w.unknown_argument),
            ErrorKind::ArgumentConflict if text(ContextKind::PriorArg) == arg => fill(&w.repeated),
            ErrorKind::ArgumentConflict => fill(&w.conflict),
            ErrorKind::TooManyValues => fill(&w.too_many_values),
            ErrorKind::TooFewValues => fill(&w.too_few_values),
            ErrorKind::WrongNumberOfValues => fill(&w.wrong_number),
            ErrorKind::NoEquals => fill(&w.no_equals),
            _ => error.kind().as_str().unwrap_or_default().to_string(),
        };
        out.push_str(&message);
        let listed = match error.kind() {
            ErrorKind::InvalidValue => error.get(ContextKind::ValidValue),
            ErrorKind::MissingSubcommand => error.get(ContextKind::ValidSubcommand),
            _ => None,
        };
        if let Some(ContextValue::Strings(values)) = listed
            && !values.is_empty()
        {
            out.push_str(&format!(
                "\n  （{}：{}）",
                texts().clap.possible,
                values.join("、")
            ));
        }
        let similar: Vec<String> = [
            ContextKind::SuggestedSubcommand,
            ContextKind::SuggestedArg,
            ContextKind::SuggestedValue,
        ]
        .into_iter()
        .map(text)
        .filter(|s| !s.is_empty())
        .collect();
        if !similar.is_empty() {
            out.push_str(&format!(
                "\n\n  {}：{} `{}`",
                w.tip,
                w.similar,
                similar.join("`、`")
            ));
        }
        if let Some(usage) = error.get(ContextKind::Usage) {
            let usage = context_text(Some(usage));
            let usage = usage.trim_start_matches("Usage:").trim_start();
            out.push_str(&format!("\n\n{}: {usage}", w.usage));
        }
        out.push_str(&format!("\n\n{}\n", w.more));
        StyledStr::from(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every command of the derive, with its path in the file.
    fn commands(cmd: &Command, path: &str, out: &mut Vec<(String, Command)>) {
        out.push((path.to_string(), cmd.clone()));
        for sub in cmd.get_subcommands() {
            commands(sub, &child_path(path, sub.get_name()), out);
        }
    }

    #[test]
    fn every_command_argument_and_value_has_chinese_help_and_no_entry_is_stale() {
        let t = texts();
        let mut all = Vec::new();
        commands(&super::super::Cli::command(), "smedx", &mut all);
        let mut missing = Vec::new();
        for (path, cmd) in &all {
            let Some(entry) = t.commands.get(path) else {
                missing.push(format!("command `{path}`"));
                continue;
            };
            let ids: Vec<String> = cmd
                .get_arguments()
                .map(|a| a.get_id().as_str().to_string())
                .collect();
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if arg.is_global_set() && path != "smedx" {
                    continue;
                }
                if !entry.args.contains_key(id) {
                    missing.push(format!("argument `{path} {id}`"));
                }
                let documented: Vec<String> = arg
                    .get_possible_values()
                    .iter()
                    .filter(|v| v.get_help().is_some() && arg.get_action().takes_values())
                    .map(|v| v.get_name().to_string())
                    .collect();
                let given = entry.values.get(id);
                for v in &documented {
                    if !given.is_some_and(|g| g.contains_key(v)) {
                        missing.push(format!("value `{path} {id} {v}`"));
                    }
                }
                for v in given.into_iter().flat_map(|g| g.keys()) {
                    assert!(
                        documented.contains(v),
                        "help-zh.yaml: `{path} {id}` has no documented value `{v}`"
                    );
                }
            }
            for id in entry.args.keys() {
                assert!(
                    ids.contains(id),
                    "help-zh.yaml: `{path}` has no argument `{id}`"
                );
            }
            for id in entry.values.keys() {
                assert!(
                    ids.contains(id),
                    "help-zh.yaml: values for `{path} {id}`, which is no argument"
                );
            }
        }
        assert!(
            missing.is_empty(),
            "add Chinese help to src/cli/help-zh.yaml for:\n  {}",
            missing.join("\n  ")
        );
        for path in t.commands.keys() {
            assert!(
                all.iter().any(|(p, _)| p == path),
                "help-zh.yaml: no command `{path}`"
            );
        }
    }

    #[test]
    fn chinese_help_has_chinese_headings_defaults_and_builtins() {
        let mut cmd = apply(super::super::Cli::command());
        let top = cmd.render_help().to_string();
        assert!(top.contains("用法: smedx"), "{top}");
        assert!(top.contains("命令:") && top.contains("选项:"), "{top}");
        assert!(
            top.contains("显示帮助") && top.contains("显示版本号"),
            "{top}"
        );
        assert!(!top.contains("Usage") && !top.contains("Print"), "{top}");
        let score = cmd
            .find_subcommand_mut("score")
            .expect("score exists")
            .render_long_help()
            .to_string();
        assert!(
            score.contains("参数:") && score.contains("选项:"),
            "{score}"
        );
        assert!(score.contains("- table：在终端阅读的摘要"), "{score}");
        assert!(score.contains("默认：human"), "{score}");
        assert!(
            !score.contains("[default") && !score.contains("Possible"),
            "{score}"
        );
    }
}
