//! Reports: one serializable context, rendered by minijinja templates (HTML, Markdown) or as JSON.

pub mod brand;
pub mod charts;
pub mod docx;
pub mod office;
pub mod office_documents;
pub mod pdf;
pub mod sections;

use crate::model::{ItemSpec, Model};
use crate::roadmap::{LiftTarget, Roadmap, Step};
use crate::score::{Assessment, NodeScore};
use crate::text::format_yuan;
use crate::text::{Lang, Text};
use charts::Measure;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, Value};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Report output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ReportFormat {
    #[default]
    Html,
    Md,
    Json,
    /// A4 PDF laid out by typst (`report.typ`).
    Pdf,
    /// Word document (.docx), editable.
    Docx,
}

impl ReportFormat {
    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Html => "html",
            ReportFormat::Md => "md",
            ReportFormat::Json => "json",
            ReportFormat::Pdf => "pdf",
            ReportFormat::Docx => "docx",
        }
    }
}

/// A bundled template: its name and its text, compiled in from `templates/`.
macro_rules! bundled {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

/// Templates compiled into the binary; a `--templates` folder replaces them one file at a time.
/// Each report section is its own file (`section_*.html|md`), included by `report.html|md` in one line.
pub const TEMPLATES: &[(&str, &str)] = bundled![
    "report.html",
    "report.md",
    "style.css",
    "header.html",
    "brand.yaml",
    "section_profile.html",
    "section_profile.md",
    "section_summary.html",
    "section_summary.md",
    "section_scores.html",
    "section_scores.md",
    "section_scenarios.html",
    "section_scenarios.md",
    "section_problems.html",
    "section_problems.md",
    "section_roadmap.html",
    "section_roadmap.md",
    "section_investment.html",
    "section_investment.md",
    "section_outcomes.html",
    "section_outcomes.md",
    "section_providers.html",
    "section_providers.md",
    "section_safeguards.html",
    "section_safeguards.md",
    "section_evidence.html",
    "section_evidence.md",
    "section_method.html",
    "section_method.md",
    "report.typ",
    "header.typ",
    "section_profile.typ",
    "section_summary.typ",
    "section_scores.typ",
    "section_scenarios.typ",
    "section_problems.typ",
    "section_roadmap.typ",
    "section_investment.typ",
    "section_outcomes.typ",
    "section_providers.typ",
    "section_safeguards.typ",
    "section_evidence.typ",
    "section_method.typ",
    "office.html",
    "serve_base.html",
    "serve_start.html",
    "serve_profile.html",
    "serve_page.html",
    "serve_review.html",
    "serve_done.html",
    "serve_recover.html",
    "serve_login.html",
    "serve_office.html",
    "serve_error.html",
];

/// Everything a report shows, computed once; templates only lay it out.
#[derive(Debug, Clone, Serialize)]
pub struct ReportContext {
    pub lang: &'static str,
    pub assessment: Assessment,
    pub roadmap: Roadmap,
    pub charts: Charts,
    /// Second-level scores (or dimensions without indicators) for the bars and the table.
    pub indicators: Vec<IndicatorRow>,
    pub scenario_groups: Vec<ScenarioGroup>,
    /// The first three steps, for the summary.
    pub top_steps: Vec<Step>,
    /// What an assessor should see at the next on-site review.
    pub evidence: Vec<EvidenceEntry>,
    pub industry_group: Text,
    pub size_class: Option<Text>,
    pub model_source: Option<String>,
    /// The firm against its peers (industry × size), when a benchmark file was given.
    pub peers: Option<PeerView>,
    /// 企业现状.
    pub firm: sections::FirmView,
    /// 问题清单.
    pub problems: Vec<sections::Problem>,
    /// The risk notes of 保障措施与风险 (the measures come with the roadmap).
    pub risks: Vec<sections::RiskNote>,
}

/// The firm against its peer group.
#[derive(Debug, Clone, Serialize)]
pub struct PeerView {
    pub industry: Text,
    pub size: Text,
    pub n: u64,
    pub rows: Vec<PeerRow>,
}

/// One measure against peer percentiles.
#[derive(Debug, Clone, Serialize)]
pub struct PeerRow {
    pub title: Text,
    pub value: f64,
    pub max: f64,
    pub percentiles: crate::aggregate::benchmark::Percentiles,
    pub standing: Text,
}

/// Compare a firm with its peers from a benchmark file.
pub fn peer_view(
    model: &Model,
    a: &Assessment,
    bench: &crate::aggregate::benchmark::Benchmark,
) -> Option<PeerView> {
    use crate::aggregate::benchmark::standing;
    let g = bench.peers_of(a.profile.industry.as_deref(), a.profile.size_class)?;
    let mut rows = Vec::new();
    if let Some(p) = &g.level_score {
        rows.push(PeerRow {
            title: Text::new("评测总分", "Total score"),
            value: a.level_score,
            max: a.level_score_max,
            percentiles: p.clone(),
            standing: standing(a.level_score, p),
        });
    }
    for (id, p) in &g.dimensions {
        let (Some(d), Some(node)) = (
            a.dimensions.iter().find(|d| &d.id == id),
            model.dimensions.iter().find(|d| &d.id == id),
        ) else {
            continue;
        };
        let Some(v) = d.score else { continue };
        rows.push(PeerRow {
            title: node.title.clone(),
            value: v,
            max: d.max,
            percentiles: p.clone(),
            standing: standing(v, p),
        });
    }
    // Peer groups are keyed by 门类 letter or letter + 大类 (C21).
    let industry = sections::industry_title(&g.industry)
        .unwrap_or_else(|| Text::new(&g.industry, &g.industry));
    let size = crate::answers::SizeClass::parse(&g.size).map_or_else(
        || Text::new(&g.size, &g.size),
        |s| Text::new(s.label(Lang::Zh), s.label(Lang::En)),
    );
    Some(PeerView {
        industry,
        size,
        n: g.n.unwrap_or(0),
        rows,
    })
}

/// SVG charts, inline.
#[derive(Debug, Clone, Serialize)]
pub struct Charts {
    pub radar: String,
    pub bars: String,
}

/// One row of the indicator table.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorRow {
    pub dimension: Text,
    pub title: Text,
    pub score: Option<f64>,
    pub max: f64,
    pub counts_toward_level: bool,
}

/// Scenarios of one group, for the grid.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioGroup {
    pub title: Text,
    pub scenarios: Vec<ScenarioCell>,
}

/// One cell of the scenario grid.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioCell {
    pub id: String,
    pub title: Text,
    pub constrained: bool,
    pub grade: Option<u8>,
    /// Grade the roadmap lifts it to, if any.
    pub planned: Option<u8>,
    /// Below the grade the next level counts.
    pub short: bool,
}

/// Evidence to prepare for one scenario or item.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceEntry {
    pub title: Text,
    /// Scenario grade to show, if a scenario.
    pub grade: Option<u8>,
    pub description: Option<Text>,
    pub evidence: Vec<Text>,
}

fn flatten_indicators(dims: &[NodeScore]) -> Vec<IndicatorRow> {
    let mut rows = Vec::new();
    for d in dims.iter().filter(|d| d.max > 0.0) {
        if d.children.is_empty() {
            rows.push(IndicatorRow {
                dimension: d.title.clone(),
                title: d.title.clone(),
                score: d.score,
                max: d.max,
                counts_toward_level: d.counts_toward_level,
            });
        }
        for c in d.children.iter().filter(|c| c.max > 0.0) {
            rows.push(IndicatorRow {
                dimension: d.title.clone(),
                title: c.title.clone(),
                score: c.score,
                max: c.max,
                counts_toward_level: d.counts_toward_level,
            });
        }
    }
    rows
}

/// Build the context: the assessment, its roadmap, charts and the derived tables.
pub fn build_context(
    model: &Model,
    assessment: &Assessment,
    roadmap: &Roadmap,
    lang: Lang,
) -> ReportContext {
    let indicators = flatten_indicators(&assessment.dimensions);
    let measures: Vec<Measure> = indicators
        .iter()
        .map(|r| Measure {
            label: if r.counts_toward_level {
                r.title.get(lang).to_string()
            } else {
                format!(
                    "{}{}",
                    r.title.get(lang),
                    crate::text::tr(lang, "（单独计分）", " (separate)")
                )
            },
            score: r.score,
            max: r.max,
        })
        .collect();
    let charts = Charts {
        radar: charts::radar(
            &measures,
            crate::text::tr(lang, "各项指标得分率", "Share of points by indicator"),
        ),
        bars: charts::bars(
            &measures,
            crate::text::tr(lang, "指标得分 / 满分", "Indicator points / maximum"),
            crate::text::tr(lang, "不适用", "not applicable"),
        ),
    };
    // Planned grades from the roadmap's scenario lifts.
    let planned = |id: &str| -> Option<u8> {
        roadmap
            .steps
            .iter()
            .flat_map(|s| s.effective_lifts.iter())
            .filter(|l| l.scenario.as_deref() == Some(id))
            .filter_map(|l| match l.to {
                Some(LiftTarget::Number(g)) => Some(g as u8),
                _ => None,
            })
            .max()
    };
    let next_grade = assessment
        .next_level
        .as_ref()
        .and_then(|g| g.scenarios.as_ref())
        .map(|s| s.condition.at_or_above);
    let mut scenario_groups: Vec<ScenarioGroup> = Vec::new();
    for s in &assessment.scenarios {
        let title = s
            .group
            .as_ref()
            .and_then(|g| {
                assessment
                    .dimensions
                    .iter()
                    .flat_map(|d| d.children.iter())
                    .find(|n| &n.id == g)
            })
            .map_or_else(
                || {
                    Text::new(
                        s.group.as_deref().unwrap_or(""),
                        s.group.as_deref().unwrap_or(""),
                    )
                },
                |n| n.title.clone(),
            );
        let cell = ScenarioCell {
            id: s.id.clone(),
            title: s.title.clone(),
            constrained: s.constrained,
            grade: s.grade,
            planned: planned(&s.id).filter(|p| s.grade.is_some_and(|g| *p > g)),
            short: matches!((s.grade, next_grade), (Some(g), Some(n)) if g < n),
        };
        match scenario_groups.iter_mut().find(|g| g.title == title) {
            Some(g) => g.scenarios.push(cell),
            None => scenario_groups.push(ScenarioGroup {
                title,
                scenarios: vec![cell],
            }),
        }
    }
    let evidence = evidence_checklist(model, roadmap);
    let industry_group = assessment.industry_group.clone();
    ReportContext {
        lang: lang.code(),
        assessment: assessment.clone(),
        roadmap: roadmap.clone(),
        charts,
        indicators,
        scenario_groups,
        top_steps: roadmap.steps.iter().take(3).cloned().collect(),
        evidence,
        industry_group,
        size_class: assessment
            .profile
            .size_class
            .map(|s| Text::new(s.label(Lang::Zh), s.label(Lang::En))),
        model_source: model.source.clone(),
        peers: None,
        firm: sections::firm_view(assessment),
        problems: sections::problems(assessment),
        risks: sections::risks(assessment, !roadmap.steps.is_empty()),
    }
}

/// For every scenario or item the roadmap lifts: the evidence to see at the next review.
fn evidence_checklist(model: &Model, roadmap: &Roadmap) -> Vec<EvidenceEntry> {
    let mut out: Vec<(String, EvidenceEntry)> = Vec::new();
    for l in roadmap.steps.iter().flat_map(|s| s.effective_lifts.iter()) {
        let id = l.scenario.as_ref().or(l.item.as_ref());
        let Some(item) = id.and_then(|i| model.item(i)) else {
            continue;
        };
        let entry = match (&item.spec, &l.to) {
            (ItemSpec::Scenario { levels, .. }, Some(LiftTarget::Number(g))) => {
                let g = *g as u8;
                let level = levels.iter().find(|x| x.level == g);
                EvidenceEntry {
                    title: item.title.clone(),
                    grade: Some(g),
                    description: level.map(|x| x.description.clone()),
                    evidence: level
                        .map(|x| x.evidence.clone())
                        .filter(|e| !e.is_empty())
                        .unwrap_or_else(|| item.evidence.clone()),
                }
            }
            _ => EvidenceEntry {
                title: item.title.clone(),
                grade: None,
                description: item_target(item, l),
                evidence: item.evidence.clone(),
            },
        };
        match out.iter_mut().find(|(i, _)| i == &item.id) {
            Some((_, e)) if entry.grade > e.grade => *e = entry,
            // Two steps adding options to one item: the target is both.
            Some((_, e)) if e.grade.is_none() => {
                if let (Some(d), Some(more)) = (&mut e.description, entry.description) {
                    d.zh = format!("{}；{}", d.zh, more.zh);
                    d.en = format!("{}; {}", d.en, more.en);
                }
            }
            Some(_) => {}
            None => out.push((item.id.clone(), entry)),
        }
    }
    out.into_iter()
        .map(|(_, e)| e)
        .filter(|e| !e.evidence.is_empty())
        .collect()
}

/// What a lift asks of a questionnaire item, in the model's option words (目标等级要求 for an item).
fn item_target(item: &crate::model::Item, lift: &crate::roadmap::Lift) -> Option<Text> {
    let labels = |ids: &[&str], options: &[crate::model::Choice]| -> Option<Text> {
        let picked: Vec<&crate::model::Choice> = options
            .iter()
            .filter(|o| ids.contains(&o.id.as_str()))
            .collect();
        (!picked.is_empty()).then(|| {
            let join = |lang| {
                picked
                    .iter()
                    .map(|o| format!("{} {}", o.id, o.label.get(lang)))
                    .collect::<Vec<_>>()
            };
            Text::new(&join(Lang::Zh).join("；"), &join(Lang::En).join("; "))
        })
    };
    match (&item.spec, &lift.to, &lift.add) {
        (ItemSpec::Multi { options, .. }, _, Some(add)) => {
            let ids: Vec<&str> = add.iter().map(String::as_str).collect();
            labels(&ids, options)
        }
        (ItemSpec::Single { options }, Some(LiftTarget::Option(id)), _) => {
            labels(&[id.as_str()], options)
        }
        (ItemSpec::Band { unit, .. }, Some(LiftTarget::Number(x)), _) => {
            let value = format!(
                "{}{}",
                crate::text::points(*x),
                unit.as_deref().unwrap_or("")
            );
            Some(Text::new(
                &format!("达到 {value}"),
                &format!("at least {value}"),
            ))
        }
        _ => None,
    }
}

/// Where `path`, a file of the templates folder `dir`, really is when that is outside the folder
/// (a link leading out of it, which must not put another file into a report).
pub fn outside_folder(dir: &Path, path: &Path) -> Option<PathBuf> {
    let real = std::fs::canonicalize(path).ok()?;
    match std::fs::canonicalize(dir) {
        Ok(d) if real.starts_with(&d) => None,
        _ => Some(real),
    }
}

/// The template environment: embedded templates, overridden one file at a time from `dir`.
pub fn environment(dir: Option<PathBuf>, lang: Lang) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_loader(move |name: &str| -> Result<Option<String>, Error> {
        // A template may only name a file directly inside the templates folder.
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(Error::new(ErrorKind::TemplateNotFound, format!("`{name}` is not a template name: templates live directly in the templates folder")));
        }
        if let Some(dir) = &dir {
            let path = dir.join(name);
            if path.is_file() {
                if let Some(real) = outside_folder(dir, &path) {
                    return Err(Error::new(ErrorKind::InvalidOperation, format!("template {} is a link to {}, outside the templates folder; smedx reads templates only from inside it", path.display(), real.display())));
                }
                return crate::source_file::SourceFile::read(&path)
                    .map(|source| Some(source.text))
                    .map_err(|d| Error::new(ErrorKind::InvalidOperation, format!("cannot read template {}: {}", path.display(), d.message())));
            }
        }
        Ok(TEMPLATES.iter().find(|(n, _)| *n == name).map(|(_, t)| t.to_string()))
    });
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else if name.ends_with(".md") {
            AutoEscape::Custom("md".into())
        } else if name.ends_with(".typ") {
            AutoEscape::Custom("typ".into())
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(|out, state, value| {
        if matches!(state.auto_escape(), AutoEscape::Custom(n) if n == "md") && !value.is_safe() {
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            let text = if value.is_none() || value.is_undefined() {
                String::new()
            } else {
                text
            };
            out.write_str(&escape_markdown(&text))
                .map_err(|_| Error::new(ErrorKind::WriteFailure, "write failed"))
        } else if matches!(state.auto_escape(), AutoEscape::Custom(n) if n == "typ")
            && !value.is_safe()
        {
            // Typst: every value is a string literal shown as text (`#"…";`), never markup.
            if value.is_none() || value.is_undefined() {
                return Ok(());
            }
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            out.write_str(&format!("#{};", pdf::literal(&text)))
                .map_err(|_| Error::new(ErrorKind::WriteFailure, "write failed"))
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    env.add_filter("tx", move |v: Value| -> String {
        let key = lang.code();
        let pick = |k: &str| {
            v.get_attr(k)
                .ok()
                .filter(|x| !x.is_undefined() && !x.is_none())
                .map(|x| x.as_str().unwrap_or_default().to_string())
        };
        pick(key)
            .filter(|s| !s.is_empty())
            .or_else(|| pick(if key == "zh" { "en" } else { "zh" }))
            .unwrap_or_default()
    });
    env.add_filter("pts", |x: f64| crate::text::points(x));
    // A typst string literal, for values used in typst code (`font: {{ f|str }}`).
    env.add_filter("str", |v: Value| {
        let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
        Value::from_safe_string(pdf::literal(&text))
    });
    env.add_filter("yuan", |x: f64| format_yuan(x));
    env.add_function("numbered", move |n: u32| {
        crate::text::section_number(lang, n)
    });
    env.add_function("tr", move |zh: String, en: String| match lang {
        Lang::Zh => zh,
        Lang::En => en,
    });
    env
}

/// Text from an answer file must not become Markdown or HTML structure.
fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '*' | '_' | '`' | '[' | ']' | '#' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Render a report in `format`.
pub fn render(
    ctx: &ReportContext,
    format: ReportFormat,
    templates: Option<&Path>,
    lang: Lang,
) -> Result<String, Error> {
    match format {
        ReportFormat::Json => Ok(serde_json::to_string_pretty(&serde_json::json!({
            "assessment": ctx.assessment,
            "firm": ctx.firm,
            "problems": ctx.problems,
            "roadmap": ctx.roadmap,
            "risks": ctx.risks,
        }))
        .map_err(|e| Error::new(ErrorKind::BadSerialization, e.to_string()))?
            + "\n"),
        ReportFormat::Html | ReportFormat::Md => {
            let env = environment(templates.map(Path::to_path_buf), lang);
            let name = if format == ReportFormat::Html {
                "report.html"
            } else {
                "report.md"
            };
            let brand = brand::load(templates, lang)?;
            env.get_template(name)?.render(minijinja::context! {
                brand => Value::from(minijinja::value::Serde(&brand)),
                ..Value::from(minijinja::value::Serde(ctx))
            })
        }
        ReportFormat::Pdf | ReportFormat::Docx => Err(Error::new(
            ErrorKind::InvalidOperation,
            "PDF and Word reports are binary: use report::pdf::render or report::docx::render",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_groups_thousands() {
        assert_eq!(format_yuan(1234567.4), "1,234,567");
        assert_eq!(format_yuan(999.0), "999");
        assert_eq!(format_yuan(0.0), "0");
    }

    #[test]
    fn markdown_escape_neutralises_structure() {
        assert_eq!(
            escape_markdown("<script>a|b</script>"),
            "&lt;script&gt;a\\|b&lt;/script&gt;"
        );
    }

    #[test]
    fn template_names_cannot_leave_the_folder() {
        let env = environment(Some(PathBuf::from("templates")), Lang::Zh);
        assert!(env.get_template("../Cargo.toml").is_err());
        assert!(env.get_template("/etc/passwd").is_err());
        assert!(env.get_template("report.md").is_ok());
    }

    /// 保障措施 shows the roadmap's organisational measures when the plan has them (title or name, and why).
    #[test]
    fn safeguards_show_the_roadmap_measures() {
        let env = environment(None, Lang::Zh);
        let ctx = serde_json::json!({
            "roadmap": {"measures": [{"name": {"zh": "成立数字化领导小组"}, "why": {"zh": "统筹各部门"}}]},
            "risks": [{"id": "lock-in", "title": {"zh": "避免锁定"}, "text": {"zh": "数据可导出"}}],
        });
        let md = env
            .render_str(
                "{% set sec = namespace(n=6) %}{% include \"section_safeguards.md\" %}",
                minijinja::value::Serde(&ctx),
            )
            .unwrap();
        assert!(md.starts_with("## 七、保障措施与风险"), "{md}");
        assert!(md.contains("- **成立数字化领导小组**：统筹各部门"), "{md}");
        assert!(md.contains("- **避免锁定**：数据可导出"), "{md}");
        let without = env
            .render_str(
                "{% set sec = namespace(n=0) %}{% include \"section_safeguards.html\" %}",
                minijinja::value::Serde(serde_json::json!({"roadmap": {}, "risks": []})),
            )
            .unwrap();
        assert!(!without.contains("<h3>保障措施</h3>"), "{without}");
    }
}
