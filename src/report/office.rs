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
}

#[derive(Serialize)]
struct OfficeContext<'a> {
    lang: &'static str,
    summary: &'a Summary,
    charts: OfficeCharts,
    total_subsidy: f64,
    total_list: f64,
    total_enterprise: f64,
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
                d.name.get(lang).chars().take(16).collect(),
                d.cell.firms as f64 / top,
                format!("{} {}", d.cell.firms, tr(lang, "家", "firms")),
            )
        })
        .collect();
    OfficeCharts {
        levels: charts::hbars(&levels, tr(lang, "等级分布", "Level distribution")),
        share_by_region: charts::hbars(
            &share,
            tr(
                lang,
                "各地区二级及以上占比",
                "Share at level 2 and above by region",
            ),
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
        total_subsidy: s.demand.iter().map(|d| d.cell.subsidy).sum(),
        total_list: s.demand.iter().map(|d| d.cell.list).sum(),
        total_enterprise: s.demand.iter().map(|d| d.cell.enterprise).sum(),
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

/// The same tables as an Excel workbook, as the bytes of the file.
pub fn xlsx_bytes(s: &Summary, lang: Lang) -> anyhow::Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let head = Format::new().set_bold().set_background_color(0xEEF4FA);
    let t = |zh: &str, en: &str| tr_owned(lang, zh, en);
    // Overview.
    {
        let ws = wb.add_worksheet().set_name(t("总览", "Overview"))?;
        ws.write_string_with_format(0, 0, t("指标", "Figure"), &head)?;
        ws.write_string_with_format(0, 1, t("数值", "Value"), &head)?;
        let mut r = 1;
        let mut put = |k: String, v: String| -> anyhow::Result<()> {
            ws.write_string(r, 0, &k)?;
            ws.write_string(r, 1, &v)?;
            r += 1;
            Ok(())
        };
        put(
            t("评估模型", "Model"),
            format!("{} {}", s.model.id, s.model.version),
        )?;
        put(t("企业数", "Firms"), s.records.to_string())?;
        put(
            t("跳过的错误记录", "Bad records skipped"),
            s.skipped.to_string(),
        )?;
        put(t("模拟数据", "Synthetic records"), s.synthetic.to_string())?;
        put(
            t(
                "最小组（小于此数隐去）",
                "Minimum group (smaller ones suppressed)",
            ),
            s.min_group.to_string(),
        )?;
        if let Some(levels) = &s.overall.levels {
            for (i, c) in levels.iter().enumerate() {
                put(s.level_names[i].get(lang).to_string(), c.to_string())?;
            }
        }
        if let Some(x) = s.overall.share_level2_plus {
            put(t("二级及以上占比", "Share at level 2 and above"), pct(x))?;
        }
        ws.set_column_width(0, 36)?;
        ws.set_column_width(1, 20)?;
    }
    // Breakdowns.
    for b in &s.breakdowns {
        let ws = wb.add_worksheet().set_name(b.title.get(lang))?;
        let mut cols = vec![
            t("分组", "Group"),
            t("企业数", "Firms"),
            t("二级及以上占比", "Share ≥ level 2"),
            t("评测总分均值", "Mean score"),
            t("中位数", "Median"),
        ];
        cols.extend(s.level_names.iter().map(|n| n.get(lang).to_string()));
        for (j, c) in cols.iter().enumerate() {
            ws.write_string_with_format(0, j as u16, c, &head)?;
        }
        for (i, g) in b.groups.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_string(r, 0, g.title.get(lang))?;
            if g.suppressed {
                ws.write_string(r, 1, t("隐去（不足最小组）", "suppressed (small group)"))?;
                continue;
            }
            ws.write_number(r, 1, g.n.unwrap_or(0) as f64)?;
            if let Some(x) = g.share_level2_plus {
                ws.write_number(r, 2, x)?;
            }
            if let Some(d) = &g.score {
                if let Some(m) = d.mean {
                    ws.write_number(r, 3, m)?;
                }
                if let Some(m) = d.median {
                    ws.write_number(r, 4, m)?;
                }
            }
            if let Some(levels) = &g.levels {
                for (j, c) in levels.iter().enumerate() {
                    ws.write_number(r, 5 + j as u16, *c as f64)?;
                }
            }
        }
        ws.set_column_width(0, 28)?;
    }
    // Dimensions and indicators.
    {
        let ws = wb.add_worksheet().set_name(t("维度与指标", "Dimensions"))?;
        for (j, c) in [
            t("名称", "Name"),
            t("满分", "Max"),
            t("均值", "Mean"),
            t("下四分位", "Q1"),
            t("中位数", "Median"),
            t("上四分位", "Q3"),
        ]
        .iter()
        .enumerate()
        {
            ws.write_string_with_format(0, j as u16, c, &head)?;
        }
        for (i, m) in s.dimensions.iter().chain(&s.indicators).enumerate() {
            let r = i as u32 + 1;
            ws.write_string(r, 0, m.title.get(lang))?;
            ws.write_number(r, 1, m.max)?;
            for (j, v) in [
                m.distribution.mean,
                m.distribution.q1,
                m.distribution.median,
                m.distribution.q3,
            ]
            .iter()
            .enumerate()
            {
                if let Some(v) = v {
                    ws.write_number(r, 2 + j as u16, *v)?;
                }
            }
        }
        ws.set_column_width(0, 28)?;
    }
    // Scenarios.
    {
        let ws = wb.add_worksheet().set_name(t("场景", "Scenarios"))?;
        let cols = [
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
        for (j, c) in cols.iter().enumerate() {
            ws.write_string_with_format(0, j as u16, c, &head)?;
        }
        for (i, x) in s.scenarios.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_string(r, 0, x.title.get(lang))?;
            ws.write_string(r, 1, if x.constrained { "★" } else { "" })?;
            for (j, c) in x.grades.iter().enumerate() {
                ws.write_number(r, 2 + j as u16, *c as f64)?;
            }
            ws.write_number(r, 7, x.not_applicable as f64)?;
            if let Some(m) = x.mean_grade {
                ws.write_number(r, 8, m)?;
            }
            ws.write_number(r, 9, x.short_of_next_level as f64)?;
        }
        ws.set_column_width(0, 20)?;
    }
    // Demand.
    {
        let ws = wb.add_worksheet().set_name(t("解决方案需求", "Demand"))?;
        let cols = [
            t("产品类别", "Kind of product"),
            t("企业数", "Firms"),
            t("参考价合计（元/年）", "List total (CNY/yr)"),
            t("平台让利", "Platform"),
            t("政府补贴", "Subsidy"),
            t("企业承担", "Enterprise"),
        ];
        for (j, c) in cols.iter().enumerate() {
            ws.write_string_with_format(0, j as u16, c, &head)?;
        }
        for (i, d) in s.demand.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_string(r, 0, d.name.get(lang))?;
            if d.cell.firms == 0 {
                ws.write_string(r, 1, t("隐去（不足最小组）", "suppressed (small group)"))?;
                continue;
            }
            for (j, v) in [
                d.cell.firms as f64,
                d.cell.list,
                d.cell.platform_discount,
                d.cell.subsidy,
                d.cell.enterprise,
            ]
            .iter()
            .enumerate()
            {
                ws.write_number(r, 1 + j as u16, *v)?;
            }
        }
        ws.set_column_width(0, 36)?;
    }
    if let Some(rounds) = &s.rounds {
        let ws = wb.add_worksheet().set_name(t("两轮对比", "Two rounds"))?;
        ws.write_string_with_format(0, 0, t("上轮＼本轮", "previous \\ current"), &head)?;
        for (j, n) in s.level_names.iter().enumerate() {
            ws.write_string_with_format(0, 1 + j as u16, n.get(lang), &head)?;
            ws.write_string_with_format(1 + j as u32, 0, n.get(lang), &head)?;
        }
        for (i, row) in rounds.transitions.iter().enumerate() {
            for (j, c) in row.iter().enumerate() {
                match c {
                    Some(c) => ws.write_number(1 + i as u32, 1 + j as u16, *c as f64)?,
                    None => ws.write_string(1 + i as u32, 1 + j as u16, "<k")?,
                };
            }
        }
        // Below the matrix (a header row and a row per level) and one blank row.
        let r = s.level_names.len() as u32 + 3;
        ws.write_string(r, 0, t("两轮均有", "Matched"))?;
        ws.write_number(r, 1, rounds.matched as f64)?;
        ws.write_string(r + 1, 0, t("仅本轮", "Only current"))?;
        ws.write_number(r + 1, 1, rounds.only_current as f64)?;
        ws.write_string(r + 2, 0, t("仅上轮", "Only previous"))?;
        ws.write_number(r + 2, 1, rounds.only_previous as f64)?;
        ws.write_string(r + 3, 0, t("等级下降", "Went down"))?;
        ws.write_number(r + 3, 1, rounds.went_down as f64)?;
        ws.set_column_width(0, 18)?;
    }
    wb.save_to_buffer().context("cannot build the workbook")
}

fn tr_owned(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}
