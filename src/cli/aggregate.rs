//! `smedx aggregate`: statistics over many assessments for an industry office.

use super::progress::Progress;
use super::{Outcome, Output};
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
    #[arg(long, value_delimiter = ',', value_enum, default_values = ["province", "city", "county", "industry", "size", "tag"])]
    by: Vec<Breakdown>,
    /// Output: .html (office report), .pdf or .docx (the same report), .json (for other systems), .xlsx
    /// (tables); default: a summary on standard output.
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
    /// Overwrite output files that exist (-o, --errors, --benchmark; never an input).
    #[arg(long)]
    force: bool,
    /// Follow links to folders inside input folders (each folder is read once, loops are cut).
    #[arg(long)]
    follow_links: bool,
    /// Only firms of this region: a code prefix (35, 3502, 350203) or a name (厦门市).
    #[arg(long)]
    region: Option<String>,
    /// Only firms of this industry: a 门类 letter or a 大类 (C, C39, 39).
    #[arg(long)]
    industry: Option<String>,
    /// The firms expected to take part (CSV or XLSX: credit code, name, region, industry, 规上):
    /// coverage against it, and with --named the firms not yet assessed.
    #[arg(long)]
    roster: Option<PathBuf>,
    /// Also write one row per counted firm to this Parquet file (for DuckDB, Spark, Trino; see docs/analysis.md).
    #[arg(long, value_name = "FILE")]
    export: Option<PathBuf>,
    #[command(flatten)]
    parquet: super::parquet::ParquetArgs,
}

/// `--region`: a code prefix, or a name found in the region table.
fn region_filter(arg: &str) -> Result<String, crate::diag::Diagnostic> {
    use crate::answers::names;
    let arg = arg.trim();
    if let Some(p) = names::region_prefix(arg) {
        return Ok(p.to_string());
    }
    if arg.len() <= 6 && !arg.is_empty() && arg.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(arg.to_string());
    }
    match names::search_regions(arg, 1).first() {
        Some(r) if !arg.is_empty() => {
            Ok(names::region_prefix(&r.code).unwrap_or(&r.code).to_string())
        }
        _ => Err(crate::diag::Diagnostic::error("filter-unknown")
            .variant("region")
            .arg("value", arg)),
    }
}

/// `--industry`: a 门类 letter or a 大类, normalised (`39` → `C39`).
fn industry_filter(arg: &str) -> Result<String, crate::diag::Diagnostic> {
    crate::answers::normalise_industry(arg).map_err(|why| {
        crate::diag::Diagnostic::error("filter-unknown")
            .variant("industry")
            .arg("value", arg.trim())
            .arg("reason", why)
    })
}

/// The kinds of summary `-o` writes, by file extension.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Json,
    Html,
    Xlsx,
    Pdf,
    Docx,
}

/// What `smedx aggregate -o` writes, by the extension.
const KINDS: &[super::Written<Kind>] = &[
    super::Written {
        format: Kind::Html,
        name: "html",
        extensions: &["html", "htm"],
    },
    super::Written {
        format: Kind::Json,
        name: "json",
        extensions: &["json"],
    },
    super::Written {
        format: Kind::Xlsx,
        name: "xlsx",
        extensions: &["xlsx"],
    },
    super::Written {
        format: Kind::Pdf,
        name: "pdf",
        extensions: &["pdf"],
    },
    super::Written {
        format: Kind::Docx,
        name: "docx",
        extensions: &["docx"],
    },
];

/// The kind of summary `-o` asks for, refused before any work when smedx cannot write it.
fn output_kind(path: &std::path::Path) -> Result<Kind, Box<crate::diag::Diagnostic>> {
    match super::output::output_format("aggregate", Some(path), None, KINDS)? {
        Some(kind) => Ok(kind),
        None => Err(Box::new(
            crate::diag::Diagnostic::error("output-type").arg("file", path.display().to_string()),
        )),
    }
}

/// Every input must exist: a mistyped path is an error, not an empty round.
fn missing_inputs(args: &Args) -> Vec<crate::diag::Diagnostic> {
    args.inputs
        .iter()
        .chain(&args.previous)
        .filter(|p| std::fs::symlink_metadata(p).is_err())
        .map(|p| {
            crate::diag::Diagnostic::error("file-unreadable")
                .variant("missing")
                .arg("file", p.display().to_string())
        })
        .collect()
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
    let mut refusals = crate::diag::Report::default();
    refusals.extend(missing_inputs(&args));
    let region = args.region.as_deref().map(region_filter).transpose();
    let industry = args.industry.as_deref().map(industry_filter).transpose();
    let roster = args
        .roster
        .as_deref()
        .map(aggregate::roster::Roster::read)
        .transpose();
    let (region, industry, roster) = match (region, industry, roster) {
        (Ok(r), Ok(i), Ok(ro)) => (r, i, ro),
        (r, i, ro) => {
            refusals.extend(r.err());
            refusals.extend(i.err());
            refusals.extend(ro.err().into_iter().flatten());
            (None, None, None)
        }
    };
    let mut inputs: Vec<&std::path::Path> = args
        .inputs
        .iter()
        .chain(&args.previous)
        .map(PathBuf::as_path)
        .collect();
    inputs.extend(super::model_file(Some(&args.model)));
    let kind = args.output.as_deref().map(output_kind).transpose();
    let output = Output::new(args.output.as_deref(), args.force, &inputs);
    inputs.extend(args.output.as_deref());
    let benchmark = args
        .benchmark
        .as_deref()
        .map(|p| Output::new(Some(p), args.force, &inputs))
        .transpose();
    inputs.extend(args.benchmark.as_deref());
    inputs.extend(args.parquet.inputs());
    let export = args
        .export
        .as_deref()
        .map(|p| Output::new(Some(p), args.force, &inputs))
        .transpose();
    inputs.extend(args.export.as_deref());
    let export_settings = args
        .export
        .is_some()
        .then(|| args.parquet.settings(args.named))
        .transpose();
    let errors_path = args.errors.clone().unwrap_or_else(|| match &args.output {
        Some(o) => PathBuf::from(format!("{}.errors.txt", o.display())),
        None => PathBuf::from("aggregate-errors.txt"),
    });
    // The errors file smedx names itself is its own: replaced by every run.
    let errors_out = Output::new(
        Some(&errors_path),
        args.force || args.errors.is_none(),
        &inputs,
    );
    let (kind, output, benchmark, errors_out, export, export_settings) =
        match (kind, output, benchmark, errors_out, export, export_settings) {
            (Ok(k), Ok(o), Ok(b), Ok(e), Ok(x), Ok(s)) if !refusals.has_errors() => {
                (k, o, b, e, x, s)
            }
            (k, o, b, e, x, s) => {
                refusals.extend(k.err().map(|d| *d));
                refusals.extend(o.err().map(|d| *d));
                refusals.extend(b.err().map(|d| *d));
                refusals.extend(e.err().map(|d| *d));
                refusals.extend(x.err().map(|d| *d));
                refusals.extend(s.err().map(|d| *d));
                super::print_report(&refusals, super::DiagFormat::Human);
                return Ok(Outcome::Invalid);
            }
        };
    // PDF and Word need a Chinese font: found (or refused) before any work.
    let fonts = match kind {
        Some(Kind::Pdf | Kind::Docx) => match crate::report::pdf::Fonts::load(None) {
            Ok(f) => Some(f),
            Err(_) => {
                refusals.extend([crate::diag::Diagnostic::error("no-font")]);
                super::print_report(&refusals, super::DiagFormat::Human);
                return Ok(Outcome::Invalid);
            }
        },
        _ => None,
    };
    let sources: Vec<Source> = args.inputs.iter().cloned().map(Source).collect();
    let previous: Vec<Source> = args.previous.iter().cloned().map(Source).collect();
    let mut by = args.by.clone();
    by.sort();
    by.dedup();
    let options = Options {
        by,
        min_group: args.min_group,
        named: args.named,
        follow_links: args.follow_links,
        region,
        industry,
        roster,
        export: None,
    };
    // One row per counted firm, written as the records are scored.
    let sink = match &export_settings {
        Some(settings) => {
            super::parquet::note_without_key(settings);
            let target = export.as_ref().and_then(Output::path);
            Some(std::sync::Arc::new(super::parquet::start(
                &model,
                settings.clone(),
                target,
            )?))
        }
        None => None,
    };
    let options = Options {
        export: sink
            .clone()
            .map(|s| s as std::sync::Arc<dyn aggregate::export::FirmSink>),
        ..options
    };

    let mut errors: Vec<RecordError> = Vec::new();
    let mut errors_file: Option<anyhow::Result<super::output::Pending>> = None;
    let mut write_error = |e: RecordError| {
        if errors.len() < 20 {
            errors.push(e.clone());
        }
        let file = errors_file.get_or_insert_with(|| errors_out.begin());
        if let Ok(f) = file {
            let loc = if e.line > 0 {
                format!("{}:{}", e.file, e.line)
            } else {
                e.file.clone()
            };
            if let Err(err) = writeln!(f, "{loc}: [{}] {}", e.code, e.message) {
                *file = Err(anyhow::Error::from(err)
                    .context(format!("cannot write {}", errors_path.display())));
            }
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
    match errors_file {
        Some(file) => file?.commit()?,
        // A previous run's errors file must not survive a clean run.
        None if errors_path.is_file() && (args.errors.is_none() || args.force) => {
            std::fs::remove_file(&errors_path)
                .with_context(|| format!("cannot remove {}", errors_path.display()))?;
        }
        None => {}
    }
    print_notes(&summary, lang);
    if summary.skipped > 0 {
        to_stderr!(
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
            to_stderr!("  {loc}: [{}] {}", e.code, e.message);
        }
        if args.strict {
            to_stderr!(
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
    if let (Some(out), Some(sink)) = (&export, &sink) {
        out.write_with(|w| sink.finish(w).map(|_| ()))?;
    }
    if let Some(out) = &benchmark {
        let bench = aggregate::benchmark::Benchmark::from_summary(&summary);
        out.write((serde_json::to_string_pretty(&bench)? + "\n").as_bytes())?;
    }
    match kind {
        Some(Kind::Json) => {
            output.write((serde_json::to_string_pretty(&summary)? + "\n").as_bytes())?
        }
        Some(Kind::Html) => {
            output.write(crate::report::office::render_html(&summary, lang)?.as_bytes())?
        }
        Some(Kind::Xlsx) => {
            output.write(&crate::report::office::xlsx_bytes(&summary, lang)?)?;
        }
        Some(kind @ (Kind::Pdf | Kind::Docx)) => {
            let fonts = fonts.context("the fonts are loaded for PDF and Word")?;
            let bytes = if kind == Kind::Pdf {
                crate::report::office_documents::render_pdf(&summary, lang, &fonts)?
            } else {
                crate::report::office_documents::render_docx(&summary, lang, &fonts)?
            };
            output.write(&bytes)?;
        }
        None => output.write(text_summary(&summary, lang).as_bytes())?,
    }
    print_suppressed(&summary, lang);
    to_stderr!("{}", written_line(&summary, &args, lang));
    Ok(Outcome::Ok)
}

/// Files not read and records left out: not errors, but nothing is dropped without a word.
fn print_notes(s: &Summary, lang: Lang) {
    const SHOWN: usize = 20;
    if !s.skipped_files.is_empty() {
        to_stderr!(
            "{} {}",
            s.skipped_files.len(),
            tr(
                lang,
                "个文件或文件夹在输入文件夹中未读取：",
                "file(s) or folder(s) in the input folders not read:"
            )
        );
        for f in s.skipped_files.iter().take(SHOWN) {
            to_stderr!("  {}: {}", f.file, f.reason.get(lang));
        }
    }
    if s.duplicates > 0 {
        let what = if s.duplicates_kept {
            tr(
                lang,
                "条记录的统一社会信用代码在本轮重复；输入来自管道，无法再读一遍，这些记录仍被计入（请改用文件作为输入）。",
                "record(s) repeat a credit code of this round; an input is a pipe, which cannot be read again, so they are still counted (give files instead).",
            )
        } else {
            tr(
                lang,
                "条记录的统一社会信用代码在本轮重复，按最晚的评估日期（assessed_on）只计一次，以下记录未计入：",
                "record(s) repeat a credit code of this round and are left out (the latest assessed_on counts):",
            )
        };
        to_stderr!("{} {what}", s.duplicates);
        for d in s.duplicate_records.iter().take(SHOWN) {
            let loc = if d.line > 0 {
                format!("{}:{}", d.file, d.line)
            } else {
                d.file.clone()
            };
            match &d.credit_code {
                Some(code) => to_stderr!("  {loc}: {code}"),
                None => to_stderr!("  {loc}"),
            }
        }
    }
    if s.previous_duplicates > 0 {
        to_stderr!(
            "{} {}",
            s.previous_duplicates,
            tr(
                lang,
                "条上一轮记录的统一社会信用代码重复，按最晚的评估日期只计一次。",
                "record(s) of the previous round repeat a credit code; the latest assessed_on counts."
            )
        );
    }
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
    if let Some(x) = &args.export {
        line.push_str(&match lang {
            Lang::Zh => format!("；每家企业一行的 Parquet 文件：{}", x.display()),
            Lang::En => format!("; one row per firm as Parquet to {}", x.display()),
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

/// A headline figure in words: `66.7%（2/3；上轮 33.3%，+33.3 个百分点）`, or why there is none.
fn figure(f: &aggregate::pilot::Figure, lang: Lang) -> String {
    let (Some(share), Some(n), Some(at)) = (f.share, f.n, f.at_target) else {
        return tr(lang, "不足最小组，隐去", "suppressed (small group)").to_string();
    };
    let mut out = format!("{:.1}% ({at}/{n}", share * 100.0);
    if let (Some(p), Some(c)) = (f.previous_share, f.change_points) {
        out.push_str(&match lang {
            Lang::Zh => format!("；上轮 {:.1}%，{c:+.1} 个百分点", p * 100.0),
            Lang::En => format!("; previous {:.1}%, {c:+.1} points", p * 100.0),
        });
    }
    out.push(')');
    if lang == Lang::Zh {
        out = out.replacen(" (", "（", 1).replace(')', "）");
    }
    out
}

/// A few lines for the terminal: the headline, the level distribution, coverage, demand totals,
/// and what was suppressed.
fn text_summary(s: &Summary, lang: Lang) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let o = &s.overall;
    let _ = writeln!(
        out,
        "{} {}   {} {}",
        tr(lang, "企业数：", "Firms:"),
        s.records,
        tr(lang, "跳过：", "skipped:"),
        s.skipped
    );
    let f = &s.filters;
    if f.region.is_some() || f.industry.is_some() {
        let mut parts = Vec::new();
        if let (Some(code), Some(name)) = (&f.region, &f.region_name) {
            parts.push(format!("{name} ({code})"));
        }
        if let (Some(code), Some(name)) = (&f.industry, &f.industry_name) {
            parts.push(format!("{} ({code})", name.get(lang)));
        }
        let _ = writeln!(
            out,
            "{} {}",
            tr(lang, "筛选：", "Filter:"),
            parts.join(" · ")
        );
    }
    if let Some(levels) = &o.levels {
        for (i, n) in levels.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {} {n}",
                super::table::pad(s.level_names[i].get(lang), 10)
            );
        }
    }
    let h = &s.headline;
    let target = h.target_level_name.get(lang);
    let _ = writeln!(
        out,
        "{}{target}{} {}",
        tr(lang, "中小企业", "SMEs at "),
        tr(lang, "及以上占比：", " and above:"),
        figure(&h.all.all_smes, lang)
    );
    let _ = writeln!(
        out,
        "  {} {}   {} {}",
        tr(lang, "其中规上：", "above scale:"),
        figure(&h.all.above_scale, lang),
        tr(lang, "规下：", "below scale:"),
        figure(&h.all.below_scale, lang)
    );
    if let Some(n) = h.all.large.n {
        let _ = writeln!(
            out,
            "  {} {n}",
            tr(
                lang,
                "大型企业（单列，不计入中小企业）：",
                "Large firms (apart, not among SMEs):"
            )
        );
    }
    for p in &h.pilots {
        let _ = writeln!(
            out,
            "{}{}{} {}{}{}{}",
            tr(lang, "试点城市 ", "Pilot city "),
            p.city.get(lang),
            tr(lang, "：", ":"),
            tr(lang, "目标 ", "target "),
            p.target_share
                .map_or_else(|| "—".to_string(), |t| format!("{:.0}%", t * 100.0)),
            match lang {
                Lang::Zh => format!(" 的规上中小企业达到{}及以上", p.target_level_name.zh),
                Lang::En => format!(
                    " of above-scale SMEs at {} or above",
                    p.target_level_name.en
                ),
            },
            p.target_date
                .as_deref()
                .map_or(String::new(), |d| match lang {
                    Lang::Zh => format!("（{d} 前）"),
                    Lang::En => format!(" (by {d})"),
                })
        );
        for r in &p.rows {
            let gap = r
                .above_scale
                .short_of_target
                .map_or(String::new(), |g| match (g, lang) {
                    (0, Lang::Zh) => "，已达标".to_string(),
                    (0, Lang::En) => ", target met".to_string(),
                    (g, Lang::Zh) => format!("，距目标差 {g} 家"),
                    (g, Lang::En) => format!(", {g} firm(s) short of the target"),
                });
            let _ = writeln!(
                out,
                "  {}  {} {}{gap}   {} {}",
                super::table::pad(r.title.get(lang), 24),
                tr(lang, "规上：", "above scale:"),
                figure(&r.above_scale, lang),
                tr(lang, "全部中小企业：", "all SMEs:"),
                figure(&r.all_smes, lang)
            );
        }
        if !p.sub_industries_known {
            let _ = writeln!(
                out,
                "  {}",
                tr(
                    lang,
                    "（政策文件未列出试点细分行业，只按全市统计）",
                    "(the policy file lists no pilot sub-industries: the whole city only)"
                )
            );
        }
        if let Some(fc) = &p.funds_check {
            let _ = write!(
                out,
                "  {} {} {} {:.0} {}",
                tr(lang, "资金测算：", "Funds check:"),
                fc.firms,
                tr(
                    lang,
                    "家未达标企业下一步补贴需求",
                    "firms below the target need a subsidy of"
                ),
                fc.subsidy / 10_000.0,
                tr(lang, "万元", "×10k CNY")
            );
            if let (Some(funds), Some(share)) = (fc.funds_cny, fc.share_of_funds) {
                let _ = write!(
                    out,
                    "{} {:.0} {}{:.1}%",
                    tr(lang, "，试点资金上限", "; pilot funds up to"),
                    funds / 10_000.0,
                    tr(lang, "万元 的 ", "×10k CNY, "),
                    share * 100.0
                );
            }
            out.push('\n');
        }
    }
    let spec: Vec<String> = h
        .specialised
        .iter()
        .filter(|r| !r.all_smes.suppressed)
        .map(|r| format!("{} {}", r.title.get(lang), figure(&r.all_smes, lang)))
        .collect();
    if !spec.is_empty() {
        let _ = writeln!(
            out,
            "{} {}",
            tr(lang, "专精特新梯度：", "Specialised SMEs:"),
            spec.join("；")
        );
    }
    if let Some(c) = &s.coverage {
        let _ = writeln!(
            out,
            "{} {}/{} ({:.1}%){}",
            tr(lang, "名单覆盖：已评估", "Roster coverage: assessed"),
            c.assessed,
            c.expected,
            c.share.unwrap_or(0.0) * 100.0,
            match lang {
                Lang::Zh => format!("；另有 {} 家不在名单中", c.not_on_roster),
                Lang::En => format!("; {} more not on the roster", c.not_on_roster),
            }
        );
        for g in c
            .by_county
            .iter()
            .filter(|g| g.assessed < g.expected)
            .take(10)
        {
            let _ = writeln!(
                out,
                "  {} {}/{}",
                super::table::pad(g.title.get(lang), 24),
                g.assessed,
                g.expected
            );
        }
        if let Some(missing) = &c.not_assessed {
            let _ = writeln!(
                out,
                "  {} {}",
                tr(lang, "尚未评估：", "Not assessed yet:"),
                missing
                    .iter()
                    .take(20)
                    .map(|f| format!("{} {}", f.name, f.credit_code))
                    .collect::<Vec<_>>()
                    .join("、")
            );
        }
    }
    if let Some(d) = &o.score {
        let _ = writeln!(
            out,
            "{} {:?} / {:?} / {:?} / {:?}",
            tr(
                lang,
                "评测总分 均值/下四分位/中位数/上四分位：",
                "Score mean/q1/median/q3:"
            ),
            d.mean.unwrap_or(0.0),
            d.q1.unwrap_or(0.0),
            d.median.unwrap_or(0.0),
            d.q3.unwrap_or(0.0)
        );
    }
    if !s.weakest_constrained.is_empty() {
        let names: Vec<String> = s
            .weakest_constrained
            .iter()
            .take(5)
            .filter_map(|id| s.scenarios.iter().find(|x| &x.id == id))
            .map(|x| format!("{} ({})", x.title.get(lang), x.short_of_next_level))
            .collect();
        let _ = writeln!(
            out,
            "{} {}",
            tr(
                lang,
                "最常拖后腿的约束性场景：",
                "Constrained scenarios most often short:"
            ),
            names.join(", ")
        );
    }
    for t in &s.demand_totals {
        if t.suppressed {
            continue;
        }
        let step = if t.step == 0 {
            tr(lang, "需求合计", "Demand, all steps").to_string()
        } else {
            match lang {
                Lang::Zh => format!("达到{}的需求", s.level_names[usize::from(t.step)].zh),
                Lang::En => format!("Demand to reach {}", s.level_names[usize::from(t.step)].en),
            }
        };
        let _ = writeln!(
            out,
            "{step}{} {} {}，{} {:.0} {}，{} {:.0} {}{}",
            tr(lang, "：", ":"),
            t.firms.map_or("—".to_string(), |n| n.to_string()),
            tr(lang, "家", "firms"),
            tr(lang, "参考价", "list"),
            t.list / 10_000.0,
            tr(lang, "万元", "×10k CNY"),
            tr(lang, "补贴", "subsidy"),
            t.subsidy / 10_000.0,
            tr(lang, "万元", "×10k CNY"),
            if t.rounded {
                tr(
                    lang,
                    "（含隐去行，已四舍五入到十万元）",
                    " (includes suppressed rows; rounded to 100k CNY)",
                )
            } else {
                ""
            }
        );
    }
    out
}

/// What was suppressed and why: on standard error with every output, so `-o` says it too.
fn print_suppressed(s: &Summary, lang: Lang) {
    if s.suppressed.is_empty() {
        return;
    }
    to_stderr!(
        "{}",
        tr(
            lang,
            "为防识别单个企业，以下内容已隐去：",
            "Suppressed so that no single firm can be identified:"
        )
    );
    for t in &s.suppressed {
        to_stderr!("  {}", t.get(lang));
    }
}
