//! `smedx assess`: the guided questionnaire in the terminal, saved after every answer, scored at the end.

use super::{DiagFormat, Outcome, print_report};
use crate::collect::terminal::{Ending, Session};
use crate::diag::{Diagnostic, Report};
use crate::model;
use crate::source_file::SourceFile;
use crate::text::{Lang, tr};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Answer the questionnaire in the terminal, question by question.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Save the answers here, after every answer (default: answers.yaml, or the --resume file).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Continue an interrupted questionnaire from its progress file.
    #[arg(long)]
    resume: Option<PathBuf>,
    /// Model: a bundled id or a model file (default: the resumed file's model, else sme-dx-2024).
    #[arg(long, short)]
    model: Option<String>,
    /// Start afresh even if the output file exists.
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let lang = Lang::ui();
    let mut report = Report::default();
    if !std::io::stdin().is_terminal() {
        to_stderr!(
            "{}",
            tr(
                lang,
                "smedx assess 是交互式问卷，需要在终端中运行；标准输入不是终端。\n\
                 不在终端时，请用文件方式收集答卷：\n\
                 \x20 smedx template --format xlsx -o 问卷.xlsx   （Excel/WPS 填写后 smedx import 问卷.xlsx -o answers.yaml）\n\
                 \x20 smedx init -o answers.yaml                  （在编辑器中填写 YAML）\n\
                 \x20 smedx template --format csv -o batch.csv    （多家企业，每行一家）",
                "smedx assess is an interactive questionnaire and needs a terminal; standard input is not one.\n\
                 Outside a terminal, collect answers with a file:\n\
                 \x20 smedx template --format xlsx -o questionnaire.xlsx   (fill in Excel/WPS, then smedx import questionnaire.xlsx -o answers.yaml)\n\
                 \x20 smedx init -o answers.yaml                           (fill the YAML in an editor)\n\
                 \x20 smedx template --format csv -o batch.csv             (several firms, one per row)"
            )
        );
        return Ok(Outcome::Invalid);
    }
    let path = args
        .output
        .clone()
        .or_else(|| args.resume.clone())
        .unwrap_or_else(|| PathBuf::from("answers.yaml"));
    if args.resume.is_none() && path.exists() && !args.force {
        report.extend([Diagnostic::error("output-exists")
            .variant("assess")
            .arg("file", path.display().to_string())]);
        print_report(&report, DiagFormat::Human);
        return Ok(Outcome::Invalid);
    }
    // The model: --model, else the one the resumed file names, else the default.
    let named = args.resume.as_ref().and_then(|p| {
        let source = SourceFile::read(p).ok()?;
        let node = crate::answers::load_sheet(&source).ok()?;
        crate::answers::check::model_named(&node)
    });
    let spec = args
        .model
        .clone()
        .or(named)
        .unwrap_or_else(|| model::DEFAULT_MODEL_ID.to_string());
    let Some(model) = model::resolve_into(&spec, &mut report) else {
        print_report(&report, DiagFormat::Human);
        return Ok(Outcome::Invalid);
    };
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut session = Session::new(&model, lang, stdin.lock(), stdout.lock(), &path);
    if let Some(file) = &args.resume {
        match session.resume(file) {
            Ok(n) => match lang {
                Lang::Zh => to_stdout!("已从 {} 恢复 {n} 个答案。", file.display())?,
                Lang::En => to_stdout!("Resumed {n} answer(s) from {}.", file.display())?,
            },
            Err(e) => {
                report.extend(e.0);
                print_report(&report, DiagFormat::Human);
                return Ok(Outcome::Invalid);
            }
        }
    }
    let shown = path.display().to_string();
    let stop_message = match lang {
        Lang::Zh => format!("\n已中断。答案已保存在 {shown}；继续：smedx assess --resume {shown}"),
        Lang::En => format!(
            "\nInterrupted. The answers are saved in {shown}; continue with: smedx assess --resume {shown}"
        ),
    };
    let on_interrupt = stop_message.clone();
    // Progress is on disk after every answer; Ctrl-C only has to say where.
    let _ = ctrlc::set_handler(move || {
        to_stderr!("{on_interrupt}");
        std::process::exit(130);
    });
    match lang {
        Lang::Zh => to_stdout!(
            "{} {} — 共 {} 题（不适用的将跳过）。每答一题即保存到 {shown}。",
            model.title.get(lang),
            model.version,
            model.items.len()
        )?,
        Lang::En => to_stdout!(
            "{} {} — {} items (those that do not apply are skipped). Every answer is saved to {shown}.",
            model.title.get(lang),
            model.version,
            model.items.len()
        )?,
    }
    match session.run()? {
        Ending::Done(sheet) => {
            drop(session);
            match lang {
                Lang::Zh => to_stdout!("\n答卷已保存到 {shown}。\n")?,
                Lang::En => to_stdout!("\nThe answer sheet is saved in {shown}.\n")?,
            }
            let assessment = crate::score::score(&model, &sheet);
            super::write_stdout(&super::table::render(&assessment, lang))?;
            Ok(Outcome::Ok)
        }
        Ending::Stopped => {
            drop(session);
            to_stderr!("{stop_message}");
            Ok(Outcome::Interrupted)
        }
    }
}
