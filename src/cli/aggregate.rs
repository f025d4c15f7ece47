//! `smedx aggregate`: statistics over many assessments for an industry office.

use super::progress::Progress;
use super::{Outcome, write_output};
use crate::aggregate::{self, Breakdown, Options, RecordError, Source, Summary};
use crate::model;
use crate::roadmap;
use crate::text::{Lang, tr};
use anyhow::Context;
use std::io::Write;
use std::path::PathBuf;

/// Aggregate answer sheets (folders, JSON Lines, single files) into an office summary.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Inputs: folders of answer sheets, JSON Lines files (one sheet or one `smedx score --format json`
    /// result per line), single YAML/JSON sheets.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Breakdowns, comma-separated.
    #[arg(long, value_delimiter = ',', value_enum, default_values = ["province", "city", "industry", "size", "tag"])]
    by: Vec<Breakdown>,
    /// Output: .html (office report), .json (for other systems), .xlsx (tables); default: a summary on standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Groups with fewer firms than this are suppressed in every output.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    min_group: u64,
    /// Show firm names and credit codes in lists (off by default: no single firm is identifiable).
    #[arg(long)]
    named: bool,
    /// The previous round's inputs: firms are matched by credit code.
    #[arg(long, num_args = 1..)]
    previous: Vec<PathBuf>,
    /// Where bad records are listed (default: OUTPUT.errors.txt, or aggregate-errors.txt).
    #[arg(long)]
    errors: Option<PathBuf>,
    /// Fail (exit 2) when any record is bad, instead of skipping it.
    #[arg(long)]
    strict: bool,
    /// Also write peer percentiles by industry and size to this JSON file (for `smedx report --benchmark`).
    #[arg(long)]
    benchmark: Option<PathBuf>,
    /// Model: a bundled id or a model file.
    #[arg(long, short, default_value = model::DEFAULT_MODEL_ID)]
    model: String,
    /// Skip the solution-demand figures.
    #[arg(long)]
    no_demand: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let lang = Lang::ui();
    let Some(model) = super::resolve_model(&args.model) else {
        return Ok(Outcome::Invalid);
    };
    let catalog = if args.no_demand {
        None
    } else {
        roadmap::bundled_catalog(&model).0
    };
    let policies = roadmap::bundled_policies().0;
    let sources: Vec<Source> = args.inputs.iter().cloned().map(Source).collect();
    let previous: Vec<Source> = args.previous.iter().cloned().map(Source).collect();
    let mut by = args.by.clone();
    by.sort();
    by.dedup();
    let options = Options {
        by,
        min_group: args.min_group,
        named: args.named,
    };

    let errors_path = args.errors.clone().unwrap_or_else(|| match &args.output {
        Some(o) => PathBuf::from(format!("{}.errors.txt", o.display())),
        None => PathBuf::from("aggregate-errors.txt"),
    });
    // A previous run's errors file must not survive a clean run.
    if errors_path.is_file() {
        std::fs::remove_file(&errors_path)
            .with_context(|| format!("cannot replace {}", errors_path.display()))?;
    }
    let mut errors: Vec<RecordError> = Vec::new();
    let mut errors_file: Option<std::io::BufWriter<std::fs::File>> = None;
    let mut write_error = |e: RecordError| {
        if errors.len() < 20 {
            errors.push(e.clone());
        }
        if errors_file.is_none() {
            errors_file = std::fs::File::create(&errors_path)
                .ok()
                .map(std::io::BufWriter::new);
        }
        if let Some(f) = errors_file.as_mut() {
            let loc = if e.line > 0 {
                format!("{}:{}", e.file, e.line)
            } else {
                e.file.clone()
            };
            let _ = writeln!(f, "{loc}: [{}] {}", e.code, e.message);
        }
    };
    let bar = Progress::new(None, tr(lang, "条记录", "records"));
    let progress = |n: u64| bar.set(n);
    let summary = aggregate::aggregate(
        &model,
        aggregate::DemandSources {
            catalog: catalog.as_ref(),
            policies: &policies,
        },
        &sources,
        &previous,
        &options,
        &mut write_error,
        &progress,
    );
    bar.finish();
    drop(errors_file);
    if summary.skipped > 0 {
        eprintln!(
            "{} {} ({}: {})",
            summary.skipped,
            tr(
                lang,
                "条记录有误，已跳过并列出",
                "bad record(s) skipped and listed"
            ),
            tr(lang, "见", "see"),
            errors_path.display()
        );
        for e in &errors {
            let loc = if e.line > 0 {
                format!("{}:{}", e.file, e.line)
            } else {
                e.file.clone()
            };
            eprintln!("  {loc}: [{}] {}", e.code, e.message);
        }
        if args.strict {
            eprintln!(
                "{}",
                tr(
                    lang,
                    "--strict：有错误记录，未写出汇总。",
                    "--strict: bad records found; no summary written."
                )
            );
            return Ok(Outcome::Invalid);
        }
    }
    if let Some(path) = &args.benchmark {
        let bench = aggregate::benchmark::Benchmark::from_summary(&summary);
        std::fs::write(path, serde_json::to_string_pretty(&bench)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let ext = args
        .output
        .as_ref()
        .and_then(|p| p.extension())
        .map(|e| e.to_string_lossy().to_lowercase());
    match ext.as_deref() {
        Some("json") => write_output(
            args.output.as_deref(),
            &(serde_json::to_string_pretty(&summary)? + "\n"),
        )?,
        Some("html") => write_output(
            args.output.as_deref(),
            &crate::report::office::render_html(&summary, lang)?,
        )?,
        Some("xlsx") => crate::report::office::write_xlsx(
            &summary,
            lang,
            args.output
                .as_deref()
                .unwrap_or(std::path::Path::new("summary.xlsx")),
        )?,
        Some(other) => anyhow::bail!("unknown output type .{other}: use .html, .json or .xlsx"),
        None => write_output(None, &text_summary(&summary, lang))?,
    }
    eprintln!("{}", written_line(&summary, &args, lang));
    Ok(Outcome::Ok)
}

/// The closing line: what was written, where, for how many firms.
fn written_line(summary: &Summary, args: &Args, lang: Lang) -> String {
    let n = summary.records;
    let place = match &args.output {
        Some(p) => p.display().to_string(),
        None => tr(lang, "标准输出", "standard output").to_string(),
    };
    let mut line = match lang {
        Lang::Zh => format!("已写入 {n} 家企业的汇总：{place}"),
        Lang::En => format!("Wrote the summary of {n} firm(s) to {place}"),
    };
    if let Some(b) = &args.benchmark {
        line.push_str(&match lang {
            Lang::Zh => format!("；同行分位数：{}", b.display()),
            Lang::En => format!("; peer percentiles to {}", b.display()),
        });
    }
    if summary.skipped > 0 {
        line.push_str(&match lang {
            Lang::Zh => format!("（跳过 {} 条有误记录）", summary.skipped),
            Lang::En => format!(" ({} bad record(s) skipped)", summary.skipped),
        });
    }
    line.push_str(tr(lang, "。", "."));
    line
}

/// A few lines for the terminal.
fn text_summary(s: &Summary, lang: Lang) -> String {
    let mut out = String::new();
    let o = &s.overall;
    out.push_str(&format!(
        "{} {}   {} {}\n",
        tr(lang, "企业数：", "Firms:"),
        s.records,
        tr(lang, "跳过：", "skipped:"),
        s.skipped
    ));
    if let Some(levels) = &o.levels {
        for (i, n) in levels.iter().enumerate() {
            out.push_str(&format!(
                "  {} {n}\n",
                super::table::pad(s.level_names[i].get(lang), 10)
            ));
        }
    }
    if let Some(share) = o.share_level2_plus {
        out.push_str(&format!(
            "{} {:.1}%\n",
            tr(lang, "二级及以上占比：", "Share at level 2 and above:"),
            share * 100.0
        ));
    }
    if let Some(d) = &o.score {
        out.push_str(&format!(
            "{} {:?} / {:?} / {:?} / {:?}\n",
            tr(
                lang,
                "评测总分 均值/下四分位/中位数/上四分位：",
                "Score mean/q1/median/q3:"
            ),
            d.mean.unwrap_or(0.0),
            d.q1.unwrap_or(0.0),
            d.median.unwrap_or(0.0),
            d.q3.unwrap_or(0.0)
        ));
    }
    if !s.weakest_constrained.is_empty() {
        let names: Vec<String> = s
            .weakest_constrained
            .iter()
            .take(5)
            .filter_map(|id| s.scenarios.iter().find(|x| &x.id == id))
            .map(|x| format!("{} ({})", x.title.get(lang), x.short_of_next_level))
            .collect();
        out.push_str(&format!(
            "{} {}\n",
            tr(
                lang,
                "最常拖后腿的约束性场景：",
                "Constrained scenarios most often short:"
            ),
            names.join(", ")
        ));
    }
    out
}
