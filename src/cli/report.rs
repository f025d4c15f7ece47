//! `smedx report`: the diagnostic report with its roadmap, as HTML, Markdown, JSON, PDF or Word.

use super::{
    DiagFormat, Outcome, Written, checked_format, checked_output, load_checked_sheet, model_file,
    print_report,
};
use crate::diag::{Diagnostic, Report};
use crate::model::Model;
use crate::pipeline::Pipeline;
use crate::report::{self, ReportFormat};
use crate::roadmap::{self, Catalog, PlanRequest, Policy};
use crate::source_file::SourceFile;
use crate::text::Lang;
use std::path::{Path, PathBuf};

/// Write the report for one answer sheet: level, what is short, charts, roadmap with costs.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The answer sheet (YAML or JSON).
    answers: PathBuf,
    /// Write to this file (default: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Report format (default: from the extension of --output — .html, .md, .json, .pdf, .docx —
    /// else html).
    #[arg(long, short, value_enum)]
    format: Option<ReportFormat>,
    /// Font file (.ttf, .otf, .ttc) for the Chinese text of PDF and Word reports (default: Noto Sans
    /// CJK SC or Source Han Sans SC from the system).
    #[arg(long, value_name = "PATH")]
    font: Option<PathBuf>,
    /// Folder of templates that replace the bundled ones file by file (report.html, report.md, one
    /// section such as section_problems.html, style.css, header.html).
    #[arg(long)]
    templates: Option<PathBuf>,
    /// Target level of the roadmap (default: the next level).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=9))]
    target: Option<u8>,
    /// Yearly budget for the enterprise's share, in 万元 (default: the profile's digital_budget).
    #[arg(long, value_parser = parse_budget)]
    budget: Option<f64>,
    /// Model: a bundled id or a model file (default: the sheet's `model:`, else sme-dx-2024).
    #[arg(long, short)]
    model: Option<String>,
    /// Solution catalog file instead of the bundled one.
    #[arg(long)]
    catalog: Option<PathBuf>,
    /// Peer percentiles written by `smedx aggregate --benchmark`: the report shows the firm against
    /// firms of its industry and size.
    #[arg(long)]
    benchmark: Option<PathBuf>,
    /// Folder of policies files (*.yaml) added to the bundled ones; a file with the same `id` as a
    /// bundled one replaces it (an office adds its region without a rebuild).
    #[arg(long)]
    policies: Option<PathBuf>,
    /// Report date (YYYY-MM-DD): only policies valid on this date are quoted (default: today).
    #[arg(long, value_parser = parse_date)]
    as_of: Option<String>,
    /// Planner tuning file (weights, capacity per phase, phases) instead of the bundled one.
    #[arg(long)]
    tuning: Option<PathBuf>,
    /// Overwrite the output file if it exists (never an input).
    #[arg(long)]
    force: bool,
}

fn parse_date(s: &str) -> Result<String, String> {
    if roadmap::policies::is_date(s.trim()) {
        Ok(s.trim().to_string())
    } else {
        Err(match Lang::ui() {
            Lang::Zh => "日期写作 YYYY-MM-DD，例如 2026-10-15".to_string(),
            Lang::En => format!("`{s}` is not a date: write YYYY-MM-DD, e.g. 2026-10-15"),
        })
    }
}

/// A budget is a finite number of 万元, zero or more.
fn parse_budget(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(match Lang::ui() {
            Lang::Zh => "预算写每年多少万元，0 或以上的数，例如 5 或 12.5".to_string(),
            Lang::En => format!(
                "`{s}` is not a budget: give 万元 per year as a number, 0 or more (e.g. 5 or 12.5)"
            ),
        }),
    }
}

fn load_catalog(path: Option<&Path>, model: &Model, report: &mut Report) -> Option<Catalog> {
    let (catalog, diags) = match path {
        None => roadmap::bundled_catalog(model),
        Some(p) => match SourceFile::read(p) {
            Ok(src) => {
                report.add_source(&src.name, &src.text);
                Catalog::load(&src, model)
            }
            Err(d) => (None, vec![d]),
        },
    };
    report.extend(diags);
    catalog
}

fn load_policies(dir: Option<&Path>, report: &mut Report) -> Vec<Policy> {
    let (policies, diags) = match dir {
        None => roadmap::bundled_policies(),
        Some(d) => {
            let mut sources = Vec::new();
            let mut entries: Vec<PathBuf> = match std::fs::read_dir(d) {
                Ok(rd) => rd
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                    .collect(),
                Err(e) => {
                    report.extend([Diagnostic::error("file-unreadable")
                        .variant("policies")
                        .arg("file", d.display().to_string())
                        .arg("reason", crate::source_file::io_reason(&e))]);
                    return Vec::new();
                }
            };
            entries.sort();
            let mut diags = Vec::new();
            for p in entries {
                match SourceFile::read(&p) {
                    Ok(s) => {
                        report.add_source(&s.name, &s.text);
                        sources.push(s);
                    }
                    Err(d) => diags.push(d),
                }
            }
            let (extra, mut more) = roadmap::policies::load(&sources);
            diags.append(&mut more);
            let (mut all, mut bundled_diags) = roadmap::bundled_policies();
            diags.append(&mut bundled_diags);
            for p in extra {
                all.retain(|b| b.id != p.id);
                all.push(p);
            }
            (all, diags)
        }
    };
    report.extend(diags);
    policies
}

/// What `smedx report` writes, by `--format` and by the extension of `-o`.
const FORMATS: &[Written<ReportFormat>] = &[
    Written {
        format: ReportFormat::Html,
        name: "html",
        extensions: &["html", "htm"],
    },
    Written {
        format: ReportFormat::Md,
        name: "md",
        extensions: &["md", "markdown"],
    },
    Written {
        format: ReportFormat::Json,
        name: "json",
        extensions: &["json"],
    },
    Written {
        format: ReportFormat::Pdf,
        name: "pdf",
        extensions: &["pdf"],
    },
    Written {
        format: ReportFormat::Docx,
        name: "docx",
        extensions: &["docx"],
    },
];

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let format = match checked_format("report", args.output.as_deref(), args.format, FORMATS) {
        Ok(f) => f.unwrap_or_default(),
        Err(outcome) => return Ok(outcome),
    };
    let inputs: Vec<&Path> = [
        Some(args.answers.as_path()),
        model_file(args.model.as_deref()),
        args.catalog.as_deref(),
        args.benchmark.as_deref(),
        args.policies.as_deref(),
        args.tuning.as_deref(),
        args.templates.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let output = match checked_output(args.output.as_deref(), args.force, &inputs) {
        Ok(o) => o,
        Err(outcome) => return Ok(outcome),
    };
    let lang = Lang::ui();
    let mut diagnostics = Report::default();
    // PDF and Word need a Chinese font: found (or refused) before any work.
    let fonts = if matches!(format, ReportFormat::Pdf | ReportFormat::Docx) {
        match report::pdf::Fonts::load(args.font.as_deref()) {
            Ok(f) => Some(f),
            Err(e) => {
                diagnostics.extend([match e {
                    report::pdf::FontError::NoneFound => Diagnostic::error("no-font"),
                    report::pdf::FontError::Unusable { path, reason } => {
                        Diagnostic::error("no-font")
                            .variant("unusable")
                            .arg("file", path.display().to_string())
                            .arg("reason", reason)
                    }
                }]);
                print_report(&diagnostics, DiagFormat::Human);
                return Ok(Outcome::Invalid);
            }
        }
    } else {
        None
    };
    let loaded = load_checked_sheet(&args.answers, args.model.as_deref(), &mut diagnostics);
    let (catalog, policies) = match &loaded {
        Some(l) => (
            load_catalog(args.catalog.as_deref(), &l.model, &mut diagnostics),
            load_policies(args.policies.as_deref(), &mut diagnostics),
        ),
        None => (None, Vec::new()),
    };
    print_report(&diagnostics, DiagFormat::Human);
    if diagnostics.has_errors() {
        return Ok(Outcome::Invalid);
    }
    let (Some(loaded), Some(catalog)) = (loaded, catalog) else {
        return Ok(Outcome::Invalid);
    };
    let Some(sheet) = loaded.sheet else {
        return Ok(Outcome::Invalid);
    };
    let model = loaded.model;
    let top = model.levels.last().map_or(0, |r| r.level);
    if let Some(t) = args.target.filter(|t| *t > top) {
        diagnostics.extend([Diagnostic::error("bad-target")
            .arg("target", t)
            .quoted("model", &model.id)
            .arg("top", top)]);
        print_report(&diagnostics, DiagFormat::Human);
        return Ok(Outcome::Invalid);
    }
    if let Some(dir) = args.templates.as_deref().filter(|d| !d.is_dir()) {
        diagnostics.extend([Diagnostic::error("file-unreadable")
            .variant("templates")
            .arg("file", dir.display().to_string())]);
        print_report(&diagnostics, DiagFormat::Human);
        return Ok(Outcome::Invalid);
    }
    if let Some(dir) = args.templates.as_deref() {
        let escaping = template_links_out(dir);
        if !escaping.is_empty() {
            diagnostics.extend(escaping);
            print_report(&diagnostics, DiagFormat::Human);
            return Ok(Outcome::Invalid);
        }
    }
    let tuning = match &args.tuning {
        None => roadmap::Tuning::bundled(),
        Some(p) => match SourceFile::read(p).and_then(|s| roadmap::Tuning::load(&s)) {
            Ok(t) => t,
            Err(d) => {
                diagnostics.extend([d]);
                print_report(&diagnostics, DiagFormat::Human);
                return Ok(Outcome::Invalid);
            }
        },
    };
    let pipeline = Pipeline {
        model: &model,
        catalog: &catalog,
        policies: &policies,
        tuning: &tuning,
        templates: args.templates.as_deref(),
    };
    let options = PlanRequest {
        target: args.target,
        budget: args.budget.map(|w| w * 10_000.0),
        as_of: args.as_of.clone(),
    };
    let mut ctx = pipeline.context(&sheet, &options, lang);
    if let Some(path) = &args.benchmark {
        let bench: crate::aggregate::benchmark::Benchmark =
            match crate::source_file::read_limited(path)
                .map_err(|d| d.message())
                .and_then(|b| String::from_utf8(b).map_err(|e| e.to_string()))
                .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
            {
                Ok(b) => b,
                Err(e) => {
                    diagnostics.extend([Diagnostic::error("bad-benchmark")
                        .arg("file", path.display().to_string())
                        .arg("reason", e)]);
                    print_report(&diagnostics, DiagFormat::Human);
                    return Ok(Outcome::Invalid);
                }
            };
        if bench.model.id != model.id {
            diagnostics.extend([Diagnostic::warning("model-mismatch")
                .variant("benchmark")
                .quoted("sheet_model", &bench.model.id)
                .quoted("model", &model.id)]);
            print_report(&diagnostics, DiagFormat::Human);
        }
        ctx.peers = report::peer_view(&model, &ctx.assessment, &bench);
        if ctx.peers.is_none() {
            to_stderr!(
                "{}",
                crate::text::tr(
                    lang,
                    "提示：基准文件中没有本企业所在行业和规模的同行组（或该组不足最小组而被隐去）。",
                    "note: the benchmark has no peer group for this firm's industry and size (or it is suppressed)."
                )
            );
        }
    }
    let rendered = pipeline.document(&ctx, format, lang, fonts.as_ref());
    let bytes = match rendered {
        Ok(t) => t,
        // A template from --templates is the user's input: its mistakes are invalid input.
        Err(e) if args.templates.is_some() => {
            let mut msg = e.to_string();
            let mut cause = e.source();
            while let Some(c) = cause {
                msg.push_str(&format!(": {c}"));
                cause = c.source();
            }
            diagnostics.extend([Diagnostic::error("template-error").arg("reason", msg)]);
            print_report(&diagnostics, DiagFormat::Human);
            return Ok(Outcome::Invalid);
        }
        Err(e) => {
            return Err(anyhow::anyhow!(e).context("cannot render the bundled report template"));
        }
    };
    output.write(&bytes)?;
    Ok(Outcome::Ok)
}

/// Files of the templates folder that are links leading out of it: refused, so a report never
/// carries a file from elsewhere on the machine.
fn template_links_out(dir: &Path) -> Vec<Diagnostic> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let real = report::outside_folder(dir, &path)?;
            Some(
                Diagnostic::error("template-outside-folder")
                    .arg("file", path.display().to_string())
                    .arg("target", real.display().to_string()),
            )
        })
        .collect()
}
