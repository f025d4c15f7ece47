//! Command-line interface: one file per subcommand, each with its arguments and `run`.

/// `eprintln!` that never panics: a standard error that is closed or full loses the line.
macro_rules! to_stderr {
    ($($arg:tt)*) => {
        $crate::cli::output::write_stderr(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// `println!` that returns an error instead of panicking (a closed pipe is `Ok`: see `output`).
macro_rules! to_stdout {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(&format!("{}\n", format_args!($($arg)*)))
    };
}

mod aggregate;
mod assess;
mod dump;
mod explain;
mod export;
mod help_zh;
mod import;
mod init;
mod limits;
mod output;
mod parquet;
mod progress;
mod report;
mod schema;
mod score;
mod serve;
mod simulate;
mod table;
mod template;
mod token;
mod user;
mod validate;

use crate::answers::{self, AnswerSheet};
use crate::diag::{Diagnostic, Report};
use crate::model::{self, Model};
use crate::source_file::SourceFile;
use crate::text::Lang;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
pub(crate) use output::{Output, Written};
use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

/// First steps shown under the top-level help (Chinese in `help-zh.yaml`).
const TRY_IT: &str = "\
Try it (no source tree needed):
  smedx init --example -o example.yaml       a filled sample answer sheet
  smedx score example.yaml                   level, points per dimension, what is short of the next one
  smedx report example.yaml -o report.html   the diagnostic report with its 小快轻准 roadmap
  smedx init -o answers.yaml                 a blank sheet for your firm, to fill in an editor
  smedx assess                               answer question by question in the terminal";

/// 中小企业数字化转型成熟度评估 — SME digital-transformation maturity assessment.
///
/// Score an enterprise's answers against the MIIT 2024 indicators (bundled) or any model in YAML,
/// get its level (一级–四级) and exactly what is short of the next one.
#[derive(Debug, Parser)]
#[command(name = "smedx", version, max_term_width = 100, after_help = TRY_IT)]
pub struct Cli {
    /// Language of everything smedx writes for people: help, messages, tables, reports, sheets.
    ///
    /// Without it, the first set of LC_ALL, LC_MESSAGES, LANG: zh… is Chinese, en… English, anything
    /// else (C, POSIX, unset) Chinese.
    #[arg(long, global = true, value_enum, display_order = 900)]
    lang: Option<Lang>,
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    limits: limits::LimitArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check model files and answer sheets; report every problem with file:line:col.
    Validate(validate::Args),
    /// Score an answer sheet: level, points per dimension, scenario grades, what is short.
    Score(score::Args),
    /// Print the JSON Schema of model files or answer sheets (for editors).
    Schema(schema::Args),
    /// Write a blank answer sheet for a model, with every item's options and help as comments.
    Init(init::Args),
    /// Write the diagnostic report with a 小快轻准 roadmap (HTML, Markdown or JSON).
    Report(report::Args),
    /// Aggregate many assessments for an office: levels, breakdowns, scenarios, demand, two rounds.
    Aggregate(aggregate::Args),
    /// Write synthetic answer sheets (JSON Lines) for demos and benchmarks.
    Simulate(simulate::Args),
    /// Write a questionnaire to fill outside smedx: an Excel workbook or a CSV batch.
    Template(template::Args),
    /// Turn a filled workbook, a CSV batch or an ODK/Kobo export into answer sheets.
    Import(import::Args),
    /// Answer the questionnaire in the terminal, question by question (saved after every answer).
    Assess(assess::Args),
    /// Export the model for field-survey tools: XLSForm for ODK Collect and KoboToolbox.
    Export(export::Args),
    /// Serve the web self-assessment for firms and the dashboard for offices (SQLite storage).
    Serve(serve::Args),
    /// Manage office users of `smedx serve` (each scoped to a region).
    User(user::Args),
    /// Manage API tokens of `smedx serve` (each scoped to a region).
    Token(token::Args),
    /// Write the submissions stored by `smedx serve` as JSON Lines for `smedx aggregate`.
    Dump(dump::Args),
    /// Explain a diagnostic code (`smedx explain wrong-type`); without one, list every code.
    Explain(explain::Args),
}

/// How a command ended, when it did not fail internally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done; warnings at most.
    Ok,
    /// The input had errors (exit status 2).
    Invalid,
    /// Stopped before the end, progress saved (exit status 130, as for Ctrl-C).
    Interrupted,
}

/// Diagnostic output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum DiagFormat {
    #[default]
    Human,
    Json,
}

/// Entry point of the binary: exit 0 ok, 2 invalid input, 1 internal error.
pub fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    // The language must be known before clap parses: `--help` is printed while parsing.
    let lang = Lang::resolve(lang_flag(&argv));
    Lang::set_ui(lang);
    let cli = match parse(argv, lang) {
        Ok(cli) => cli,
        Err(err) if lang == Lang::Zh => help_zh::exit(err),
        Err(err) => err.exit(),
    };
    match run(cli) {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Invalid) => ExitCode::from(2),
        Ok(Outcome::Interrupted) => ExitCode::from(130),
        // A reader that went away (`| head`) is how a pipeline ends, not an error.
        Err(err) if output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let mut msg = format!("error: {err}");
            for cause in err.chain().skip(1) {
                msg.push_str(&format!("\n  caused by: {cause}"));
            }
            to_stderr!("{msg}");
            ExitCode::from(1)
        }
    }
}

/// The clap command with its help in `lang` (English is in the doc comments, Chinese in
/// `help-zh.yaml`).
pub fn command(lang: Lang) -> clap::Command {
    match lang {
        Lang::Zh => help_zh::apply(Cli::command()),
        Lang::En => Cli::command(),
    }
}

/// Parse a command line (program name first) with help and usage in `lang`.
pub fn parse(argv: impl IntoIterator<Item = OsString>, lang: Lang) -> Result<Cli, clap::Error> {
    let argv: Vec<OsString> = argv.into_iter().collect();
    // The help texts matter only when clap prints: help, version or a mistake. A command line that
    // parses needs no translation, so the Chinese command is built only for what clap prints.
    let first = Cli::try_parse_from(&argv);
    if first.is_ok() || lang == Lang::En {
        return first;
    }
    let mut cmd = command(lang);
    let mut matches = cmd.try_get_matches_from_mut(argv)?;
    Cli::from_arg_matches_mut(&mut matches).map_err(|e| e.format(&mut cmd))
}

/// The value of `--lang X` or `--lang=X` anywhere before `--`, read before clap parses; the last one
/// counts. A value that is not a language is left for clap to refuse.
fn lang_flag(argv: &[OsString]) -> Option<Lang> {
    let mut found = None;
    let mut words = argv.iter().skip(1).map(|w| w.to_str());
    while let Some(word) = words.next() {
        let value = match word {
            Some("--") => break,
            Some("--lang") => words.next().flatten(),
            Some(w) => w.strip_prefix("--lang="),
            None => None,
        };
        if let Some(lang) = value.and_then(|v| Lang::from_str(v, true).ok()) {
            found = Some(lang);
        }
    }
    found
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    Lang::set_ui(Lang::resolve(cli.lang));
    cli.limits.apply();
    match cli.command {
        Command::Validate(a) => validate::run(a),
        Command::Score(a) => score::run(a),
        Command::Schema(a) => schema::run(a),
        Command::Init(a) => init::run(a),
        Command::Report(a) => report::run(a),
        Command::Aggregate(a) => aggregate::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Template(a) => template::run(a),
        Command::Import(a) => import::run(a),
        Command::Assess(a) => assess::run(a),
        Command::Export(a) => export::run(a),
        Command::Serve(a) => serve::run(a),
        Command::User(a) => user::run(a),
        Command::Token(a) => token::run(a),
        Command::Dump(a) => dump::run(a),
        Command::Explain(a) => explain::run(a),
    }
}

/// Resolve `--model` (a bundled id or a file), printing its diagnostics; `None` when it is unusable.
pub(crate) fn resolve_model(spec: &str) -> Option<crate::model::Model> {
    let mut report = Report::default();
    let model = model::resolve_into(spec, &mut report);
    print_report(&report, DiagFormat::Human);
    model
}

/// The diagnostic for an output file that exists (answers are never overwritten silently).
pub(crate) fn output_exists(path: &Path) -> Diagnostic {
    Diagnostic::error("output-exists").arg("file", path.display().to_string())
}

/// Write `text` to standard output (a closed pipe ends the writing quietly).
pub(crate) fn write_stdout(text: &str) -> anyhow::Result<()> {
    Output::stdout().write(text.as_bytes())
}

/// Check an output under the output policy (see `output`); a refusal is printed and is `Err`
/// with the outcome to return.
pub(crate) fn checked_output(
    path: Option<&Path>,
    force: bool,
    inputs: &[&Path],
) -> Result<Output, Outcome> {
    Output::new(path, force, inputs).map_err(|d| {
        let mut report = Report::default();
        report.extend([*d]);
        print_report(&report, DiagFormat::Human);
        Outcome::Invalid
    })
}

/// The format a command writes, from `--format` and the extension of `-o` (see
/// [`output::output_format`]); a refusal is printed and is `Err` with the outcome to return.
pub(crate) fn checked_format<F: Copy + PartialEq>(
    command: &str,
    path: Option<&Path>,
    given: Option<F>,
    formats: &[output::Written<F>],
) -> Result<Option<F>, Outcome> {
    output::output_format(command, path, given, formats).map_err(|d| {
        let mut report = Report::default();
        report.extend([*d]);
        print_report(&report, DiagFormat::Human);
        Outcome::Invalid
    })
}

/// The `--model` argument when it names a file (an input the outputs must not overwrite).
pub(crate) fn model_file(spec: Option<&str>) -> Option<&Path> {
    spec.map(Path::new).filter(|p| p.exists())
}

/// A message on standard error in the process language.
pub(crate) fn say(zh: String, en: String) {
    to_stderr!(
        "{}",
        match crate::text::Lang::ui() {
            crate::text::Lang::Zh => zh,
            crate::text::Lang::En => en,
        }
    );
}

/// A region scope of `smedx user` and `smedx token`: its code prefix (`5101*`), or the whole
/// country.
pub(crate) fn scope_shown(scope: &str) -> String {
    match scope {
        "" => "全国 / all".into(),
        _ => format!("{scope}*"),
    }
}

/// Print one diagnostic about the command's arguments and end with exit status 2.
pub(crate) fn refuse(d: crate::diag::Diagnostic) -> anyhow::Result<Outcome> {
    let mut report = Report::default();
    report.extend([d]);
    print_report(&report, DiagFormat::Human);
    Ok(Outcome::Invalid)
}

/// Print diagnostics to standard error in the chosen format.
pub(crate) fn print_report(report: &Report, format: DiagFormat) {
    match format {
        DiagFormat::Human => output::write_stderr(&report.render_human()),
        DiagFormat::Json => to_stderr!("{}", report.render_json()),
    }
}

/// An answer sheet loaded, its model resolved, and both checked.
pub(crate) struct LoadedSheet {
    pub model: Model,
    pub sheet: Option<AnswerSheet>,
}

/// Load a sheet and the model it is answered against: `--model`, else the sheet's `model:`, else the default.
pub(crate) fn load_checked_sheet(
    path: &Path,
    model_arg: Option<&str>,
    report: &mut Report,
) -> Option<LoadedSheet> {
    // Workbooks and CSV files are converted to the same value tree and checked the same way;
    // their diagnostics name the cell (`问卷.xlsx:设备系统!D7`, `batch.csv:4:9`).
    if crate::collect::FileKind::of(path).is_some() {
        let (model, sheet) = crate::collect::load_checked(path, model_arg, report)?;
        return Some(LoadedSheet { model, sheet });
    }
    let source = match SourceFile::read(path) {
        Ok(s) => s,
        Err(d) => {
            report.extend([d]);
            return None;
        }
    };
    report.add_source(&source.name, &source.text);
    let node = match answers::load_sheet(&source) {
        Ok(n) => n,
        Err(d) => {
            report.extend([d]);
            return None;
        }
    };
    let named = answers::check::model_named(&node);
    let at = node.get("model").map_or(node.pos, |n| n.pos);
    let model =
        crate::collect::choose_model(model_arg, named.as_deref(), &source.name, at, report)?;
    let checked = answers::check_sheet(&model, &node, &source);
    report.extend(checked.diagnostics);
    Some(LoadedSheet {
        model,
        sheet: checked.sheet,
    })
}
