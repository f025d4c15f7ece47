//! `smedx import`: answers collected elsewhere back into answer sheets — a questionnaire workbook,
//! a CSV batch, or an ODK Central / KoboToolbox export (CSV or XLSX).

use super::progress::Progress;
use super::{DiagFormat, Outcome, Output, print_report};
use crate::collect::{self, Collected, answer_yaml};
use crate::diag::{Diagnostic, Report};
use crate::model::Model;
use crate::text::{Lang, tr};
use anyhow::Context;
use std::path::{Path, PathBuf};

/// Turn a workbook or a CSV file into answer sheets.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A questionnaire workbook (.xlsx, .xls, .ods), a CSV batch, or an ODK/Kobo export.
    input: PathBuf,
    /// Write the answer sheet to this file (one enterprise; default: standard output).
    #[arg(long, short, conflicts_with = "out_dir")]
    output: Option<PathBuf>,
    /// Write one answer sheet per enterprise into this folder (batches).
    #[arg(long)]
    out_dir: Option<PathBuf>,
    /// Model: a bundled id or a model file (default: the one the file names, else sme-dx-2024).
    #[arg(long, short)]
    model: Option<String>,
    /// Format of diagnostics (printed to standard error).
    #[arg(long, value_enum, default_value_t)]
    diagnostics: DiagFormat,
    /// Overwrite answer sheets that exist.
    #[arg(long)]
    force: bool,
}

/// Where sheets go.
enum Target<'a> {
    File(Output),
    /// A folder, and the files the sheets must not overwrite (the input, a model file).
    Dir(&'a Path, Vec<&'a Path>),
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    // The one format written: an -o that names another is refused before any work.
    if let Err(outcome) = super::checked_format(
        "import",
        args.output.as_deref(),
        None,
        &[super::Written {
            format: (),
            name: "yaml",
            extensions: &["yaml", "yml"],
        }],
    ) {
        return Ok(outcome);
    }
    let mut report = Report::default();
    let name = args.input.display().to_string();
    let lang = Lang::ui();
    let collected = match collect::read(&args.input) {
        Ok(c) => c,
        Err(d) => {
            report.extend([d]);
            print_report(&report, args.diagnostics);
            return Ok(Outcome::Invalid);
        }
    };
    let mut inputs: Vec<&Path> = vec![args.input.as_path()];
    inputs.extend(super::model_file(args.model.as_deref()));
    let target = match (&args.out_dir, &args.output) {
        (Some(dir), _) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            Target::Dir(dir, inputs)
        }
        (None, out) => match Output::new(out.as_deref(), args.force, &inputs) {
            Ok(o) => Target::File(o),
            Err(d) => {
                report.extend([*d]);
                print_report(&report, args.diagnostics);
                return Ok(Outcome::Invalid);
            }
        },
    };
    let named = match &collected {
        Collected::Questionnaire(q) => q.model_named.clone(),
        Collected::Table(t) => t.model_named(),
    };
    let Some(model) = collect::choose_model(
        args.model.as_deref(),
        named.as_deref(),
        &name,
        crate::diag::Pos::UNKNOWN,
        &mut report,
    ) else {
        print_report(&report, args.diagnostics);
        return Ok(Outcome::Invalid);
    };
    let outcome = match collected {
        Collected::Questionnaire(q) => {
            let (record, diags) = q.record(&model);
            report.extend(diags);
            let checked = collect::check_record(&model, &record, &name);
            report.extend(checked.diagnostics);
            match checked.sheet.filter(|_| !report.has_errors()) {
                Some(sheet) => {
                    let header = vec![format!(
                        "{} {name}",
                        tr(lang, "由 smedx import 导入自", "Imported by smedx from")
                    )];
                    let text = answer_yaml::sheet_yaml(&model, &sheet, &header);
                    let written = write_sheet(
                        &target,
                        1,
                        Some(&sheet.profile.name),
                        &text,
                        args.force,
                        &mut report,
                    )?;
                    print_report(&report, args.diagnostics);
                    if let Written::File(path) = written {
                        let path = path.display();
                        to_stderr!(
                            "{}",
                            match lang {
                                Lang::Zh => format!("已写入 1 份答卷：{path}。"),
                                Lang::En => format!("Wrote 1 answer sheet to {path}."),
                            }
                        );
                    }
                    if report.has_errors() {
                        Outcome::Invalid
                    } else {
                        Outcome::Ok
                    }
                }
                None => {
                    print_report(&report, args.diagnostics);
                    Outcome::Invalid
                }
            }
        }
        Collected::Table(table) => import_batch(&model, &table, &target, &args, &mut report)?,
    };
    Ok(outcome)
}

fn import_batch(
    model: &Model,
    table: &collect::tabular::Table,
    target: &Target,
    args: &Args,
    report: &mut Report,
) -> anyhow::Result<Outcome> {
    let lang = Lang::ui();
    let name = &table.file;
    let batch = table.records(model);
    report.extend(batch.diagnostics);
    if let Target::File(_) = target
        && batch.records.len() > 1
    {
        report.extend([Diagnostic::error("batch-file")
            .variant("import")
            .arg("file", name)
            .arg("count", batch.records.len())
            .in_file(name)]);
        print_report(report, args.diagnostics);
        return Ok(Outcome::Invalid);
    }
    let mut written = 0;
    let mut skipped: Vec<String> = Vec::new();
    let bar = Progress::new(Some(batch.records.len() as u64), tr(lang, "行", "rows"));
    for (done, (record, line)) in batch.records.iter().zip(&batch.lines).enumerate() {
        bar.set(done as u64);
        let checked = collect::check_record(model, record, name);
        let codes = checked.error_codes();
        let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
        report.extend(checked.diagnostics);
        let firm = record.firm_name();
        let label = match (&lang, &firm) {
            (Lang::Zh, Some(f)) => format!("第 {line} 行（{f}）"),
            (Lang::Zh, None) => format!("第 {line} 行"),
            (Lang::En, Some(f)) => format!("row {line} ({f})"),
            (Lang::En, None) => format!("row {line}"),
        };
        match checked.sheet {
            Some(sheet) => {
                let header = vec![format!(
                    "{} {name} {}",
                    tr(lang, "由 smedx import 导入自", "Imported by smedx from"),
                    match lang {
                        Lang::Zh => format!("第 {line} 行"),
                        Lang::En => format!("row {line}"),
                    }
                )];
                let text = answer_yaml::sheet_yaml(model, &sheet, &header);
                let index = usize::try_from(*line).unwrap_or(0);
                match write_sheet(target, index, firm.as_deref(), &text, args.force, report)? {
                    Written::Refused(code) => skipped.push(format!("{label}: {code}")),
                    Written::Stdout | Written::File(_) => written += 1,
                }
            }
            None => skipped.push(match lang {
                Lang::Zh => format!("{label}：{errors} 个错误（{}）", codes.join(", ")),
                Lang::En => format!("{label}: {errors} error(s) ({})", codes.join(", ")),
            }),
        }
    }
    bar.finish();
    print_report(report, args.diagnostics);
    let dest = match target {
        Target::Dir(d, _) => d.display().to_string(),
        Target::File(o) => super::output::shown_as(o.path(), lang),
    };
    match lang {
        Lang::Zh => to_stderr!(
            "已写入 {written} 份答卷到 {dest}；跳过 {} 行。",
            skipped.len()
        ),
        Lang::En => to_stderr!(
            "Wrote {written} answer sheet(s) to {dest}; skipped {} row(s).",
            skipped.len()
        ),
    }
    for s in &skipped {
        to_stderr!("  {s}");
    }
    Ok(if skipped.is_empty() && !report.has_errors() {
        Outcome::Ok
    } else {
        Outcome::Invalid
    })
}

/// What became of a sheet.
enum Written {
    Stdout,
    File(PathBuf),
    /// The output policy refused the file (the refusal, with this code, is in the report).
    Refused(&'static str),
}

/// Write one sheet to its target.
fn write_sheet(
    target: &Target,
    index: usize,
    firm: Option<&str>,
    text: &str,
    force: bool,
    report: &mut Report,
) -> anyhow::Result<Written> {
    match target {
        Target::File(output) => {
            output.write(text.as_bytes())?;
            Ok(match output.path() {
                Some(path) => Written::File(path.to_path_buf()),
                None => Written::Stdout,
            })
        }
        Target::Dir(dir, inputs) => {
            let path = dir.join(collect::sheet_file_name(index, firm));
            match Output::new(Some(&path), force, inputs) {
                Ok(output) => {
                    output.write(text.as_bytes())?;
                    Ok(Written::File(path))
                }
                Err(d) => {
                    let code = d.code;
                    report.extend([*d]);
                    Ok(Written::Refused(code))
                }
            }
        }
    }
}
