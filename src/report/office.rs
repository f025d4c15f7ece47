//! The office report of an aggregation: self-contained HTML with charts, an Excel workbook with the
//! same tables. Suppressed groups stay suppressed in both.

use super::charts;
use crate::aggregate::Summary;
use crate::text::{Lang, tr};
use anyhow::Context;
use rust_xlsxwriter::{Format, Workbook};
use serde::Serialize;
use std::path::Path;

/// Charts of the office report, inline SVG.
#[derive(Debug, Clone, Serialize)]
pub struct OfficeCharts {
    pub levels: String,
    pub share_by_region: String,
    pub dimensions: String,
    pub heatmap: String,
    pub weakest: String,
    pub demand: String,
    /// Per pilot city: the share of 规上 SMEs at the target per sub-industry, with the target line.
    pub pilots: Vec<String>,
}

#[derive(Serialize)]
struct OfficeContext<'a> {
    lang: &'static str,
    summary: &'a Summary,
    charts: OfficeCharts,
    /// The provider in the header (`brand.yaml`).
    brand: super::brand::Brand,
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// The region breakdown shown in charts: provinces when there are several, else cities.
fn region_groups(s: &Summary) -> Option<&crate::aggregate::BreakdownSummary> {
    use crate::aggregate::Breakdown;
    let find = |b: Breakdown| s.breakdowns.iter().find(|x| x.by == b);
    match find(Breakdown::Province) {
        Some(p) if p.groups.iter().filter(|g| !g.suppressed).count() > 1 => Some(p),
        _ => find(Breakdown::City)
            .or(find(Breakdown::County))
            .or(find(Breakdown::Province)),
    }
}

/// Draw the charts.
pub fn charts(s: &Summary, lang: Lang) -> OfficeCharts {
    let n = s.records.max(1) as f64;
    let levels: Vec<(String, f64, String)> = s
        .overall
        .levels
        .as_ref()
        .map(|l| {
            l.iter()
                .enumerate()
                .map(|(i, c)| {
                    (
                        s.level_names[i].get(lang).to_string(),
                        *c as f64 / n,
                        format!("{c} ({})", pct(*c as f64 / n)),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let share: Vec<(String, f64, String)> = region_groups(s)
        .map(|b| {
            b.groups
                .iter()
                .map(|g| match g.share_level2_plus {
                    Some(x) => (
                        g.title.get(lang).to_string(),
                        x,
                        format!("{} (n={})", pct(x), g.n.unwrap_or(0)),
                    ),
                    None => (
                        g.title.get(lang).to_string(),
                        0.0,
                        tr(lang, "不足最小组，隐去", "suppressed").to_string(),
                    ),
                })
                .collect()
        })
        .unwrap_or_default();
    let dims: Vec<(String, [f64; 5], f64)> = s
        .dimensions
        .iter()
        .filter_map(|d| {
            let q = &d.distribution;
            Some((
                d.title.get(lang).to_string(),
                // Published summaries have no extremes: the whiskers then end at the quartiles.
                [q.min.or(q.q1)?, q.q1?, q.median?, q.q3?, q.max.or(q.q3)?],
                d.max,
            ))
        })
        .collect();
    let (rows, values): (Vec<String>, Vec<Vec<Option<f64>>>) = region_groups(s)
        .map(|b| {
            b.groups
                .iter()
                .map(|g| {
                    let vals = s
                        .dimensions
                        .iter()
                        .map(|d| {
                            // dimension_means covers every dimension in model order.
                            let all = g.dimension_means.as_ref()?;
                            let pos = s.dimension_order.iter().position(|id| *id == d.id)?;
                            all.get(pos).copied().flatten().map(|m| m / d.max)
                        })
                        .collect();
                    (g.title.get(lang).to_string(), vals)
                })
                .unzip()
        })
        .unwrap_or_default();
    let cols: Vec<String> = s
        .dimensions
        .iter()
        .map(|d| d.title.get(lang).to_string())
        .collect();
    let weakest: Vec<(String, f64, String)> = s
        .weakest_constrained
        .iter()
        .take(10)
        .filter_map(|id| s.scenarios.iter().find(|x| &x.id == id))
        .map(|x| {
            (
                x.title.get(lang).to_string(),
                x.short_of_next_level as f64 / n,
                format!(
                    "{} ({})",
                    x.short_of_next_level,
                    pct(x.short_of_next_level as f64 / n)
                ),
            )
        })
        .collect();
    let top = s
        .demand
        .iter()
        .map(|d| d.cell.firms)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let demand: Vec<(String, f64, String)> = s
        .demand
        .iter()
        .filter(|d| d.cell.firms > 0)
        .take(15)
        .map(|d| {
            (
                format!(
                    "{}{}",
                    s.level_names
                        .get(usize::from(d.step))
                        .map_or(String::new(), |n| format!("[{}] ", n.get(lang))),
                    d.name.get(lang).chars().take(16).collect::<String>()
                ),
                d.cell.firms as f64 / top,
                format!("{} {}", d.cell.firms, tr(lang, "家", "firms")),
            )
        })
        .collect();
    // The target line: the first pilot's target share, when the summary has a pilot city.
    let target = s
        .headline
        .pilots
        .iter()
        .find_map(|p| p.target_share)
        .map(|t| {
            (
                t,
                format!("{}{:.0}%", tr(lang, "目标 ", "target "), t * 100.0),
            )
        });
    let pilots = s
        .headline
        .pilots
        .iter()
        .map(|p| {
            let rows: Vec<(String, f64, String)> = p
                .rows
                .iter()
                .map(|r| match (r.above_scale.share, r.above_scale.n) {
                    (Some(x), Some(n)) => (
                        r.title.get(lang).to_string(),
                        x,
                        format!("{} (n={n})", pct(x)),
                    ),
                    _ => (
                        r.title.get(lang).to_string(),
                        0.0,
                        tr(lang, "不足最小组，隐去", "suppressed").to_string(),
                    ),
                })
                .collect();
            let title = match lang {
                Lang::Zh => format!(
                    "{}：规上中小企业{}及以上占比",
                    p.city.zh, p.target_level_name.zh
                ),
                Lang::En => format!(
                    "{}: above-scale SMEs at {} or above",
                    p.city.en, p.target_level_name.en
                ),
            };
            let line = p.target_share.map(|t| {
                (
                    t,
                    format!("{}{:.0}%", tr(lang, "目标 ", "target "), t * 100.0),
                )
            });
            charts::hbars_with_target(&rows, &title, line)
        })
        .collect();
    OfficeCharts {
        pilots,
        levels: charts::hbars(&levels, tr(lang, "等级分布", "Level distribution")),
        share_by_region: charts::hbars_with_target(
            &share,
            tr(
                lang,
                "各地区二级及以上占比",
                "Share at level 2 and above by region",
            ),
            target,
        ),
        dimensions: charts::boxes(
            &dims,
            tr(
                lang,
                "各维度得分分布（四分位）",
                "Dimension scores (quartiles)",
            ),
        ),
        heatmap: charts::heatmap(
            &rows,
            &cols,
            &values,
            tr(
                lang,
                "地区 × 维度 平均得分率",
                "Region × dimension: mean share of points",
            ),
        ),
        weakest: charts::hbars(
            &weakest,
            tr(
                lang,
                "最常未达下一等级的约束性场景",
                "Constrained scenarios most often short of the next level",
            ),
        ),
        demand: charts::hbars(
            &demand,
            tr(lang, "解决方案需求（企业数）", "Solution demand (firms)"),
        ),
    }
}

/// The office report as one self-contained HTML file.
pub fn render_html(s: &Summary, lang: Lang) -> anyhow::Result<String> {
    let env = super::environment(None, lang);
    let ctx = OfficeContext {
        lang: lang.code(),
        summary: s,
        charts: charts(s, lang),
        brand: super::brand::load(None, lang)?,
    };
    env.get_template("office.html")
        .and_then(|t| t.render(minijinja::value::Serde(&ctx)))
        .context("cannot render the office report template")
}

/// The same tables as an Excel workbook, written to `path`.
pub fn write_xlsx(s: &Summary, lang: Lang, path: &Path) -> anyhow::Result<()> {
    std::fs::write(path, xlsx_bytes(s, lang)?)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// A workbook cell: numbers stay numbers, shares are formatted as percentages.
enum Cell {
    Text(String),
    Count(u64),
    Number(f64),
    Share(f64),
    Yuan(f64),
    Empty,
}

impl Cell {
    fn count(n: Option<u64>) -> Cell {
        n.map_or(Cell::Empty, Cell::Count)
    }
    fn share(x: Option<f64>) -> Cell {
        x.map_or(Cell::Empty, Cell::Share)
    }
    fn number(x: Option<f64>) -> Cell {
        x.map_or(Cell::Empty, Cell::Number)
    }
    /// Display width in Excel's units (a CJK character is about two).
    fn width(&self) -> usize {
        match self {
            Cell::Text(t) => t.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum(),
            Cell::Yuan(_) => 14,
            _ => 8,
        }
    }
}

/// One sheet: a bold header row, frozen, with a filter; columns as wide as their content.
fn sheet(
    wb: &mut Workbook,
    name: &str,
    header: &[String],
    rows: &[Vec<Cell>],
) -> anyhow::Result<()> {
    let head = Format::new()
        .set_bold()
        .set_background_color(0xEEF4FA)
        .set_text_wrap();
    let pct = Format::new().set_num_format("0.0%");
    let yuan = Format::new().set_num_format("#,##0");
    let num = Format::new().set_num_format("0.0#");
    let ws = wb.add_worksheet().set_name(name)?;
    for (j, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, j as u16, h, &head)?;
    }
    let mut widths: Vec<usize> = header
        .iter()
        .map(|h| Cell::Text(h.clone()).width().min(24))
        .collect();
    for (i, row) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        for (j, c) in row.iter().enumerate() {
            let col = j as u16;
            match c {
                Cell::Text(t) => {
                    ws.write_string(r, col, t)?;
                }
                Cell::Count(n) => {
                    ws.write_number(r, col, *n as f64)?;
                }
                Cell::Number(x) => {
                    ws.write_number_with_format(r, col, *x, &num)?;
                }
                Cell::Share(x) => {
                    ws.write_number_with_format(r, col, *x, &pct)?;
                }
                Cell::Yuan(x) => {
                    ws.write_number_with_format(r, col, *x, &yuan)?;
                }
                Cell::Empty => {}
            }
            if let Some(w) = widths.get_mut(j) {
                *w = (*w).max(c.width().min(60));
            }
        }
    }
    for (j, w) in widths.iter().enumerate() {
        ws.set_column_width(j as u16, (*w + 2) as f64)?;
    }
    ws.set_freeze_panes(1, 0)?;
    if !header.is_empty() {
        ws.autofilter(0, 0, rows.len() as u32, header.len() as u16 - 1)?;
    }
    Ok(())
}

/// The same tables as an Excel workbook, as the bytes of the file.
pub fn xlsx_bytes(s: &Summary, lang: Lang) -> anyhow::Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let t = |zh: &str, en: &str| tr_owned(lang, zh, en);
    let text = |x: &str| Cell::Text(x.to_string());
    let suppressed = || Cell::Text(t("隐去（不足最小组）", "suppressed (small group)"));
    // Overview.
    {
        let mut rows = vec![
            vec![
                text(&t("评估模型", "Model")),
                Cell::Text(format!("{} {}", s.model.id, s.model.version)),
            ],
            vec![text(&t("企业数", "Firms")), Cell::Count(s.records)],
            vec![
                text(&t("跳过的错误记录", "Bad records skipped")),
                Cell::Count(s.skipped),
            ],
            vec![
                text(&t("模拟数据", "Synthetic records")),
                Cell::Count(s.synthetic),
            ],
            vec![
                text(&t(
                    "最小组（小于此数隐去）",
                    "Minimum group (smaller ones suppressed)",
                )),
                Cell::Count(s.min_group),
            ],
        ];
        if let (Some(code), Some(name)) = (&s.filters.region, &s.filters.region_name) {
            rows.push(vec![
                text(&t("地区筛选", "Region filter")),
                Cell::Text(format!("{name} ({code})")),
            ]);
        }
        if let (Some(code), Some(name)) = (&s.filters.industry, &s.filters.industry_name) {
            rows.push(vec![
                text(&t("行业筛选", "Industry filter")),
                Cell::Text(format!("{} ({code})", name.get(lang))),
            ]);
        }
        if let Some(levels) = &s.overall.levels {
            for (i, c) in levels.iter().enumerate() {
                rows.push(vec![text(s.level_names[i].get(lang)), Cell::Count(*c)]);
            }
        }
        rows.push(vec![
            text(&t(
                "二级及以上占比（全部企业）",
                "Share at level 2 and above (all firms)",
            )),
            Cell::share(s.overall.share_level2_plus),
        ]);
        for n in &s.suppressed {
            rows.push(vec![text(&t("已隐去", "Suppressed")), text(n.get(lang))]);
        }
        sheet(
            &mut wb,
            &t("总览", "Overview"),
            &[t("指标", "Figure"), t("数值", "Value")],
            &rows,
        )?;
    }
    // The pilot headline: one row per pilot sub-industry, the whole of each city, all firms, 专精特新.
    {
        let h = &s.headline;
        let header = [
            t("范围", "Scope"),
            t("分组", "Group"),
            t("目标占比", "Target share"),
            t("规上中小企业", "Above-scale SMEs"),
            t("规上达标", "Above-scale at target"),
            t("规上达标占比", "Above-scale share"),
            t("距目标差（家）", "Short of target (firms)"),
            t("规上上轮占比", "Above-scale, previous"),
            t("规上变化（百分点）", "Above-scale change (points)"),
            t("全部中小企业", "All SMEs"),
            t("全部达标占比", "All SMEs share"),
            t("全部上轮占比", "All SMEs, previous"),
            t("全部变化（百分点）", "All SMEs change (points)"),
            t("规下中小企业", "Below-scale SMEs"),
            t("规下达标占比", "Below-scale share"),
            t("大型企业（单列）", "Large firms (apart)"),
        ];
        let row = |scope: String, r: &crate::aggregate::pilot::HeadlineRow| {
            let f = |x: &crate::aggregate::pilot::Figure| {
                if x.suppressed {
                    vec![suppressed(), Cell::Empty, Cell::Empty]
                } else {
                    vec![
                        Cell::count(x.n),
                        Cell::count(x.at_target),
                        Cell::share(x.share),
                    ]
                }
            };
            let a = &r.above_scale;
            let mut cells = vec![
                Cell::Text(scope),
                text(r.title.get(lang)),
                Cell::share(r.target_share),
            ];
            cells.extend(f(a));
            cells.extend([
                Cell::count(a.short_of_target),
                Cell::share(a.previous_share),
                Cell::number(a.change_points),
            ]);
            let all = &r.all_smes;
            cells.extend([
                if all.suppressed {
                    suppressed()
                } else {
                    Cell::count(all.n)
                },
                Cell::share(all.share),
                Cell::share(all.previous_share),
                Cell::number(all.change_points),
            ]);
            let b = &r.below_scale;
            cells.extend([
                if b.suppressed {
                    suppressed()
                } else {
                    Cell::count(b.n)
                },
                Cell::share(b.share),
                if r.large.suppressed && r.large.n.is_none() {
                    Cell::Empty
                } else {
                    Cell::count(r.large.n)
                },
            ]);
            cells
        };
        let mut rows = vec![row(t("全部", "All"), &h.all)];
        for p in &h.pilots {
            for r in &p.rows {
                rows.push(row(p.city.get(lang).to_string(), r));
            }
        }
        for r in &h.specialised {
            rows.push(row(t("专精特新", "Specialised"), r));
        }
        sheet(&mut wb, &t("试点目标", "Pilot target"), &header, &rows)?;
    }
    if let Some(c) = &s.coverage {
        let header = [
            t("分组方式", "By"),
            t("分组", "Group"),
            t("预期", "Expected"),
            t("已评估", "Assessed"),
            t("覆盖率", "Coverage"),
        ];
        let mut rows = vec![vec![
            text(&t("全部", "All")),
            text(&c.roster),
            Cell::Count(c.expected),
            Cell::Count(c.assessed),
            Cell::share(c.share),
        ]];
        for (by, groups) in [
            (t("区县", "County"), &c.by_county),
            (t("行业", "Industry"), &c.by_industry),
            (t("规上", "Scale"), &c.by_scale),
        ] {
            for g in groups {
                rows.push(vec![
                    text(&by),
                    text(g.title.get(lang)),
                    Cell::Count(g.expected),
                    Cell::Count(g.assessed),
                    Cell::share(g.share),
                ]);
            }
        }
        sheet(&mut wb, &t("名单覆盖", "Coverage"), &header, &rows)?;
        if let Some(missing) = &c.not_assessed {
            let rows: Vec<Vec<Cell>> = missing
                .iter()
                .map(|f| {
                    vec![
                        text(&f.name),
                        text(&f.credit_code),
                        Cell::Text(
                            f.region
                                .as_deref()
                                .map(crate::answers::names::region_name)
                                .unwrap_or_default(),
                        ),
                        Cell::Text(f.industry.clone().unwrap_or_default()),
                    ]
                })
                .collect();
            sheet(
                &mut wb,
                &t("尚未评估", "Not assessed"),
                &[
                    t("企业名称", "Name"),
                    t("统一社会信用代码", "Credit code"),
                    t("地区", "Region"),
                    t("行业", "Industry"),
                ],
                &rows,
            )?;
        }
    }
    // Breakdowns.
    for b in &s.breakdowns {
        let mut header = vec![
            t("分组", "Group"),
            t("企业数", "Firms"),
            t("二级及以上占比", "Share ≥ level 2"),
            t("评测总分均值", "Mean score"),
            t("中位数", "Median"),
        ];
        header.extend(s.level_names.iter().map(|n| n.get(lang).to_string()));
        let rows: Vec<Vec<Cell>> = b
            .groups
            .iter()
            .map(|g| {
                let mut row = vec![text(g.title.get(lang))];
                if g.suppressed {
                    row.push(suppressed());
                    return row;
                }
                row.extend([
                    Cell::count(g.n),
                    Cell::share(g.share_level2_plus),
                    Cell::number(g.score.as_ref().and_then(|d| d.mean)),
                    Cell::number(g.score.as_ref().and_then(|d| d.median)),
                ]);
                row.extend(g.levels.iter().flatten().map(|c| Cell::Count(*c)));
                row
            })
            .collect();
        sheet(&mut wb, b.title.get(lang), &header, &rows)?;
    }
    // Dimensions and indicators.
    {
        let rows: Vec<Vec<Cell>> = s
            .dimensions
            .iter()
            .chain(&s.indicators)
            .map(|m| {
                let d = &m.distribution;
                vec![
                    text(m.title.get(lang)),
                    Cell::Number(m.max),
                    Cell::number(d.mean),
                    Cell::number(d.q1),
                    Cell::number(d.median),
                    Cell::number(d.q3),
                ]
            })
            .collect();
        sheet(
            &mut wb,
            &t("维度与指标", "Dimensions"),
            &[
                t("名称", "Name"),
                t("满分", "Max"),
                t("均值", "Mean"),
                t("下四分位", "Q1"),
                t("中位数", "Median"),
                t("上四分位", "Q3"),
            ],
            &rows,
        )?;
    }
    // Scenarios.
    {
        let header = [
            t("场景", "Scenario"),
            t("约束性", "Constrained"),
            "0".into(),
            "1".into(),
            "2".into(),
            "3".into(),
            "4".into(),
            t("不适用", "N/A"),
            t("平均等级", "Mean grade"),
            t("未达下一等级企业数", "Firms short of next level"),
        ];
        let rows: Vec<Vec<Cell>> = s
            .scenarios
            .iter()
            .map(|x| {
                let mut row = vec![
                    text(x.title.get(lang)),
                    text(if x.constrained { "★" } else { "" }),
                ];
                row.extend(x.grades.iter().map(|c| Cell::Count(*c)));
                row.extend([
                    Cell::Count(x.not_applicable),
                    Cell::number(x.mean_grade),
                    Cell::Count(x.short_of_next_level),
                ]);
                row
            })
            .collect();
        sheet(&mut wb, &t("场景", "Scenarios"), &header, &rows)?;
    }
    // Demand, by step, with the totals of each step and of all.
    {
        let header = [
            t("目标等级", "Step to"),
            t("产品类别", "Kind of product"),
            t("企业数", "Firms"),
            t("参考价合计（元，三年）", "List total (CNY, 3 years)"),
            t("平台让利", "Platform"),
            t("政府补贴", "Subsidy"),
            t("企业承担", "Enterprise"),
            t("说明", "Note"),
        ];
        let step_name = |step: u8| {
            if step == 0 {
                t("各步", "All steps")
            } else {
                s.level_names
                    .get(usize::from(step))
                    .map_or_else(|| step.to_string(), |n| n.get(lang).to_string())
            }
        };
        let mut rows = Vec::new();
        for total in &s.demand_totals {
            for d in s.demand.iter().filter(|d| d.step == total.step) {
                let mut row = vec![Cell::Text(step_name(d.step)), text(d.name.get(lang))];
                if d.suppressed {
                    row.push(suppressed());
                } else {
                    row.extend([
                        Cell::Count(d.cell.firms),
                        Cell::Yuan(d.cell.list),
                        Cell::Yuan(d.cell.platform_discount),
                        Cell::Yuan(d.cell.subsidy),
                        Cell::Yuan(d.cell.enterprise),
                    ]);
                }
                rows.push(row);
            }
            if total.suppressed {
                rows.push(vec![
                    Cell::Text(step_name(total.step)),
                    text(&t("合计", "Total")),
                    suppressed(),
                ]);
                continue;
            }
            rows.push(vec![
                Cell::Text(step_name(total.step)),
                text(&t("合计", "Total")),
                Cell::count(total.firms),
                Cell::Yuan(total.list),
                Cell::Yuan(total.platform_discount),
                Cell::Yuan(total.subsidy),
                Cell::Yuan(total.enterprise),
                if total.rounded {
                    text(&t(
                        "含隐去的行；可反推隐去行，已四舍五入到十万元",
                        "includes suppressed rows; rounded to CNY 100,000 so they cannot be worked out",
                    ))
                } else if total.suppressed_rows > 0 {
                    text(&t("含隐去的行", "includes suppressed rows"))
                } else {
                    Cell::Empty
                },
            ]);
        }
        sheet(&mut wb, &t("解决方案需求", "Demand"), &header, &rows)?;
    }
    if let Some(rounds) = &s.rounds {
        let mut header = vec![t("上轮＼本轮", "previous \\ current")];
        header.extend(s.level_names.iter().map(|n| n.get(lang).to_string()));
        let mut rows: Vec<Vec<Cell>> = rounds
            .transitions
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let mut cells = vec![text(s.level_names[i].get(lang))];
                cells.extend(row.iter().map(|c| match c {
                    Some(c) => Cell::Count(*c),
                    None => Cell::Text(format!("<{}", s.min_group)),
                }));
                cells
            })
            .collect();
        rows.push(Vec::new());
        for (k, v) in [
            (t("两轮均有", "Matched"), rounds.matched),
            (t("仅本轮", "Only current"), rounds.only_current),
            (t("仅上轮", "Only previous"), rounds.only_previous),
            (t("等级下降", "Went down"), rounds.went_down),
        ] {
            rows.push(vec![Cell::Text(k), Cell::Count(v)]);
        }
        sheet(&mut wb, &t("两轮对比", "Two rounds"), &header, &rows)?;
        if let Some(firms) = &rounds.went_down_firms {
            let rows: Vec<Vec<Cell>> = firms
                .iter()
                .map(|f| {
                    vec![
                        text(&f.name),
                        Cell::Text(f.credit_code.clone().unwrap_or_default()),
                        text(s.level_names[usize::from(f.from)].get(lang)),
                        text(s.level_names[usize::from(f.to)].get(lang)),
                    ]
                })
                .collect();
            sheet(
                &mut wb,
                &t("等级下降企业", "Went down"),
                &[
                    t("企业名称", "Name"),
                    t("统一社会信用代码", "Credit code"),
                    t("上轮等级", "Previous level"),
                    t("本轮等级", "Current level"),
                ],
                &rows,
            )?;
        }
    }
    wb.save_to_buffer().context("cannot build the workbook")
}

fn tr_owned(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}
