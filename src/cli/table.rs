//! The terminal summary of an assessment (`smedx score --format table`).

use crate::score::{Assessment, NodeScore};
use crate::text::{Lang, tr};
use std::fmt::Write as _;

/// Terminal cells a string takes (CJK characters take two).
fn width(s: &str) -> usize {
    s.chars().map(crate::diag::display_width).sum()
}

pub(crate) fn pad(s: &str, cells: usize) -> String {
    format!("{s}{}", " ".repeat(cells.saturating_sub(width(s))))
}

/// Points with at most two decimals.
pub fn pts(x: f64) -> String {
    crate::text::points(x)
}

fn node_lines(out: &mut String, node: &NodeScore, depth: usize, lang: Lang) {
    if node.max == 0.0 && node.score.is_none() {
        return; // scenario-only dimensions are shown in the scenario grid
    }
    let title = format!("{}{}", "  ".repeat(depth + 1), node.title.get(lang));
    let score = node
        .score
        .map_or_else(|| tr(lang, "不适用", "n/a").to_string(), pts);
    let note = if depth == 0 && !node.counts_toward_level {
        tr(
            lang,
            "  （单独计分，不影响等级）",
            "  (scored separately; does not change the level)",
        )
    } else {
        ""
    };
    let score = format!(
        "{}{score}",
        " ".repeat(6usize.saturating_sub(width(&score)))
    );
    let _ = writeln!(out, "{} {score} / {}{note}", pad(&title, 34), pts(node.max));
    if depth < 1 {
        for c in &node.children {
            node_lines(out, c, depth + 1, lang);
        }
    }
}

/// Render the summary: level, points per dimension, scenario grades, what is short of the next level.
pub fn render(a: &Assessment, lang: Lang) -> String {
    let mut out = String::new();
    let p = &a.profile;
    let mut facts: Vec<String> = Vec::new();
    if let Some(r) = &p.region {
        facts.push(crate::answers::names::region_name(r));
    }
    // The code with its most precise name: `C3670 汽车制造业` (in English with the English title).
    if let Some(i) = &p.industry {
        facts.push(crate::answers::names::industry(i).map_or_else(
            || i.clone(),
            |x| {
                let t = x.division_title.as_ref().unwrap_or(&x.section_title);
                match lang {
                    Lang::Zh => format!("{} {}", x.code, t.zh),
                    Lang::En => format!("{} {} ({})", x.code, t.zh, t.en),
                }
            },
        ));
    }
    if let Some(s) = p.size_class {
        facts.push(s.label(lang).to_string());
    }
    facts.push(a.industry_group.get(lang).to_string());
    let _ = writeln!(
        out,
        "{} {}  ({})",
        tr(lang, "企业：", "Enterprise:"),
        p.name,
        facts.join(", ")
    );
    let _ = writeln!(
        out,
        "{} {} {}{}",
        tr(lang, "模型：", "Model:"),
        a.model.id,
        a.model.version,
        p.assessed_on.as_ref().map_or(String::new(), |d| format!(
            "  {} {d}",
            tr(lang, "评估日期：", "assessed on")
        )),
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{} {}    {} {} / {}",
        tr(lang, "等级：", "Level:"),
        a.level_name.get(lang),
        tr(lang, "评测总分：", "Total score:"),
        pts(a.level_score),
        pts(a.level_score_max)
    );
    let _ = writeln!(out, "\n{}", tr(lang, "维度得分", "Points per dimension"));
    for d in &a.dimensions {
        node_lines(&mut out, d, 0, lang);
    }
    if !a.scenarios.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            tr(
                lang,
                "场景等级（★ 约束性场景；— 不适用）",
                "Scenario grades (★ constrained; — not applicable)"
            )
        );
        let mut groups: Vec<Option<&String>> = Vec::new();
        for s in &a.scenarios {
            if !groups.contains(&s.group.as_ref()) {
                groups.push(s.group.as_ref());
            }
        }
        for g in groups {
            let title = g
                .and_then(|g| {
                    a.dimensions
                        .iter()
                        .flat_map(|d| d.children.iter())
                        .find(|n| &n.id == g)
                })
                .map_or_else(
                    || g.cloned().unwrap_or_default(),
                    |n| n.title.get(lang).to_string(),
                );
            let cells: Vec<String> = a
                .scenarios
                .iter()
                .filter(|s| s.group.as_ref() == g)
                .map(|s| {
                    let star = if s.constrained { "★" } else { "" };
                    let grade = s.grade.map_or("—".to_string(), |g| g.to_string());
                    format!("{}{star} {grade}", s.title.get(lang))
                })
                .collect();
            let _ = writeln!(
                out,
                "  {} {}",
                pad(
                    &format!("{title}{}", tr(lang, "：", ":")),
                    if lang == Lang::Zh { 22 } else { 40 }
                ),
                cells.join(" | ")
            );
        }
    }
    match &a.next_level {
        None => {
            let _ = writeln!(
                out,
                "\n{}",
                tr(lang, "已达最高等级。", "This is the highest level.")
            );
        }
        Some(gap) => {
            let name = gap.name.get(lang);
            let _ = writeln!(
                out,
                "\n{}",
                match lang {
                    Lang::Zh => format!("距{name}还差："),
                    Lang::En => format!("Short of {name}:"),
                }
            );
            if let Some(min) = gap.min_score {
                let ok = gap.points_short <= 0.0;
                let mark = if ok { "✓" } else { "✗" };
                let _ = match lang {
                    Lang::Zh if ok => {
                        writeln!(
                            out,
                            "  {mark} 评测总分 {} ≥ {}",
                            pts(a.level_score),
                            pts(min)
                        )
                    }
                    Lang::Zh => writeln!(
                        out,
                        "  {mark} 评测总分 {}，需 {}，还差 {} 分",
                        pts(a.level_score),
                        pts(min),
                        pts(gap.points_short)
                    ),
                    Lang::En if ok => {
                        writeln!(
                            out,
                            "  {mark} total score {} ≥ {}",
                            pts(a.level_score),
                            pts(min)
                        )
                    }
                    Lang::En => writeln!(
                        out,
                        "  {mark} total score {}, needs {}: {} points short",
                        pts(a.level_score),
                        pts(min),
                        pts(gap.points_short)
                    ),
                };
            }
            if let Some(s) = &gap.scenarios {
                let c = s.condition;
                let list = |refs: &[crate::score::ScenarioRef]| {
                    refs.iter()
                        .map(|r| {
                            let star = if r.constrained { "★" } else { "" };
                            match lang {
                                Lang::Zh => {
                                    format!("{}{star}（{} 级）", r.title.get(lang), r.grade)
                                }
                                Lang::En => {
                                    format!("{}{star} (grade {})", r.title.get(lang), r.grade)
                                }
                            }
                        })
                        .take(6)
                        .collect::<Vec<_>>()
                        .join(tr(lang, "、", ", "))
                        + &match (refs.len().saturating_sub(6), lang) {
                            (0, _) => String::new(),
                            (n, Lang::Zh) => format!(" 等，另有 {n} 个"),
                            (n, Lang::En) => format!(", and {n} more"),
                        }
                };
                let mark = |short: u32| if short == 0 { "✓" } else { "✗" };
                let _ = match lang {
                    Lang::Zh => writeln!(
                        out,
                        "  {} 达到 {} 级及以上的场景 {} 个，需 {} 个{}",
                        mark(s.short),
                        c.at_or_above,
                        s.have,
                        c.at_least,
                        if s.short > 0 {
                            format!("，还差 {} 个", s.short)
                        } else {
                            String::new()
                        }
                    ),
                    Lang::En => writeln!(
                        out,
                        "  {} scenarios at grade {} or above: {} of {} needed{}",
                        mark(s.short),
                        c.at_or_above,
                        s.have,
                        c.at_least,
                        if s.short > 0 {
                            format!(", {} short", s.short)
                        } else {
                            String::new()
                        }
                    ),
                };
                if s.short > 0 {
                    let _ = writeln!(
                        out,
                        "      {} {}",
                        tr(lang, "可提升：", "candidates:"),
                        list(&s.below)
                    );
                }
                let _ = match lang {
                    Lang::Zh => writeln!(
                        out,
                        "  {} 其中约束性场景 {} 个，需 {} 个{}",
                        mark(s.constrained_short),
                        s.constrained_have,
                        c.constrained_at_least,
                        if s.constrained_short > 0 {
                            format!("，还差 {} 个", s.constrained_short)
                        } else {
                            String::new()
                        }
                    ),
                    Lang::En => writeln!(
                        out,
                        "  {} constrained among them: {} of {} needed{}",
                        mark(s.constrained_short),
                        s.constrained_have,
                        c.constrained_at_least,
                        if s.constrained_short > 0 {
                            format!(", {} short", s.constrained_short)
                        } else {
                            String::new()
                        }
                    ),
                };
                if s.constrained_short > 0 {
                    let _ = writeln!(
                        out,
                        "      {} {}",
                        tr(
                            lang,
                            "未达标的约束性场景：",
                            "constrained scenarios below the grade:"
                        ),
                        list(&s.constrained_below)
                    );
                }
            }
        }
    }
    out
}
