//! Charts drawn with plotters to SVG: a radar of the dimensions (from polygons; plotters has no radar
//! series) and bars of each indicator's score against its maximum.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// CSS font stack for Chinese labels; the browser picks the first it has.
const FONT: &str = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, Hiragino Sans GB, sans-serif";
const ACCENT: RGBColor = RGBColor(0x1f, 0x6f, 0xb2);
const GRID: RGBColor = RGBColor(0xc8, 0xcf, 0xd8);
const INK: RGBColor = RGBColor(0x22, 0x2b, 0x36);
/// Secondary text (ring percentages, "not applicable"), dark enough to read when printed.
/// A target line across bars.
const TARGET: RGBColor = RGBColor(0xc0, 0x39, 0x2b);
const MUTED: RGBColor = RGBColor(0x5b, 0x66, 0x75);

/// The smallest text on a chart, in px at the chart's own size (the size it prints at).
const SMALL: f64 = 12.0;
/// The widest a radar label may be before it wraps, in px.
const LABEL_MAX: f64 = 150.0;

/// One axis or bar: a label, a score (`None` when nothing below applies) and its maximum.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Measure {
    pub label: String,
    pub score: Option<f64>,
    pub max: f64,
}

impl Measure {
    fn fraction(&self) -> f64 {
        match self.score {
            Some(s) if self.max > 0.0 => (s / self.max).clamp(0.0, 1.0),
            _ => 0.0,
        }
    }
}

/// Width of `text` in px at font `size`, on the safe side: CJK characters are square, Latin ones
/// are taken at 0.62 of the size (no font metrics in an SVG written as text).
fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.62 } else { 1.0 })
        .sum::<f64>()
        * size
}

/// plotters' SVG backend writes `font-size` as the given size / 1.24 (points to pixels); `size` here is
/// the pixel size that ends up in the SVG.
/// Break `text` into lines no wider than `max` px at font `size`: between words for Latin text, between
/// characters for CJK. A single word wider than `max` keeps its own line.
fn wrap(text: &str, max: f64, size: f64) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    for c in text.chars() {
        match tokens.last_mut() {
            Some(t) if c.is_ascii() && c != ' ' && !t.ends_with(' ') && t.is_ascii() => t.push(c),
            Some(t) if c == ' ' && t.is_ascii() && !t.ends_with(' ') => t.push(c),
            _ => tokens.push(c.to_string()),
        }
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for t in tokens {
        if !line.is_empty() && text_width(&format!("{line}{}", t.trim_end()), size) > max {
            lines.push(line.trim_end().to_string());
            line = String::new();
        }
        line.push_str(&t);
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Draw `lines` as one label anchored at `at`: `v` places the block, as it would a single line.
fn draw_lines(root: &Area, lines: &[String], at: (i32, i32), h: HPos, v: VPos) -> DrawResult {
    let step = (SMALL * 1.25).round() as i32;
    let n = lines.len() as i32;
    let first = match v {
        VPos::Top => at.1,
        VPos::Bottom => at.1 - (n - 1) * step,
        VPos::Center => at.1 - (n - 1) * step / 2,
    };
    for (i, line) in lines.iter().enumerate() {
        root.draw(&Text::new(
            line.clone(),
            (at.0, first + i as i32 * step),
            text_style(SMALL, &INK, h, v),
        ))?;
    }
    Ok(())
}

fn text_style(size: f64, color: &'static RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from((FONT, size * 1.24).into_font())
        .color(color)
        .pos(Pos::new(h, v))
}

/// The SVG drawing area all charts share.
type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
/// What a chart's drawing can fail with (writing to a string does not fail in practice).
type DrawResult = Result<(), DrawingAreaErrorKind<std::io::Error>>;

/// Draw on a white `w × h` SVG canvas with the title centred at the top, and return the SVG text.
fn canvas(w: u32, h: u32, title: &str, draw: impl FnOnce(&Area) -> DrawResult) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        let framed = root.fill(&WHITE).and_then(|_| {
            root.draw(&Text::new(
                title.to_string(),
                (w as i32 / 2, 10),
                text_style(16.0, &INK, HPos::Center, VPos::Top),
            ))
        });
        if framed.is_ok() {
            let _ = draw(&root);
        }
        let _ = root.present();
    }
    svg
}

/// A radar chart of fractions (0–1) with grid rings at 20 % steps. Measures without a score (not
/// applicable) get no axis: drawing them at 0 % would read as a failure. The canvas is as wide as the
/// longest label needs, so no label is cut off however small the chart is shown.
pub fn radar(axes: &[Measure], title: &str) -> String {
    let axes: Vec<&Measure> = axes.iter().filter(|m| m.score.is_some()).collect();
    // Long labels wrap, so the chart keeps to the width of an A4 page (about 700 px) at full size.
    let labels: Vec<Vec<String>> = axes
        .iter()
        .map(|a| {
            let text = format!("{} {:.0}%", a.label, a.fraction() * 100.0);
            wrap(&text, LABEL_MAX, SMALL)
        })
        .collect();
    let widest = labels
        .iter()
        .flatten()
        .map(|l| text_width(l, SMALL))
        .fold(0.0, f64::max);
    let r = 150.0;
    let w = (2.0 * (r + widest + 30.0))
        .max(text_width(title, 16.0) + 40.0)
        .ceil() as u32;
    let h = (2.0 * r + 150.0) as u32;
    canvas(w, h, title, |root| {
        draw_radar(root, &labels, &axes, w, h, r)
    })
}

fn draw_radar(
    root: &Area,
    labels: &[Vec<String>],
    axes: &[&Measure],
    w: u32,
    h: u32,
    r: f64,
) -> DrawResult {
    let n = axes.len();
    if n < 3 {
        return Ok(());
    }
    let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0 + 18.0);
    let point = |i: usize, f: f64| -> (i32, i32) {
        let angle = -std::f64::consts::FRAC_PI_2 + i as f64 * std::f64::consts::TAU / n as f64;
        (
            (cx + r * f * angle.cos()).round() as i32,
            (cy + r * f * angle.sin()).round() as i32,
        )
    };
    for ring in 1..=5 {
        let f = ring as f64 / 5.0;
        let mut pts: Vec<(i32, i32)> = (0..n).map(|i| point(i, f)).collect();
        pts.push(pts[0]);
        root.draw(&PathElement::new(pts, GRID.stroke_width(1)))?;
        root.draw(&Text::new(
            format!("{}%", ring * 20),
            (point(0, f).0 + 4, point(0, f).1),
            text_style(SMALL, &MUTED, HPos::Left, VPos::Center),
        ))?;
    }
    for i in 0..n {
        root.draw(&PathElement::new(
            vec![(cx as i32, cy as i32), point(i, 1.0)],
            GRID.stroke_width(1),
        ))?;
    }
    let data: Vec<(i32, i32)> = axes
        .iter()
        .enumerate()
        .map(|(i, a)| point(i, a.fraction()))
        .collect();
    root.draw(&Polygon::new(data.clone(), ACCENT.mix(0.25).filled()))?;
    let mut outline = data.clone();
    outline.push(data[0]);
    root.draw(&PathElement::new(outline, ACCENT.stroke_width(2)))?;
    for p in &data {
        root.draw(&Circle::new(*p, 3, ACCENT.filled()))?;
    }
    for (i, label) in labels.iter().enumerate() {
        let (x, y) = point(i, 1.12);
        let h = if (x as f64 - cx).abs() < 8.0 {
            HPos::Center
        } else if (x as f64) < cx {
            HPos::Right
        } else {
            HPos::Left
        };
        let v = if (y as f64) < cy - r * 0.9 {
            VPos::Bottom
        } else if (y as f64) > cy + r * 0.9 {
            VPos::Top
        } else {
            VPos::Center
        };
        draw_lines(root, label, (x, y), h, v)?;
    }
    Ok(())
}

/// Horizontal bars: each measure's score against its maximum; a measure without a score shows
/// `na` instead of an empty bar.
pub fn bars(measures: &[Measure], title: &str, na: &str) -> String {
    let rows: Vec<(String, Option<f64>, String)> = measures
        .iter()
        .map(|m| {
            let value = match m.score {
                Some(s) => format!(
                    "{} / {}",
                    crate::text::points(s),
                    crate::text::points(m.max)
                ),
                None => na.to_string(),
            };
            (m.label.clone(), m.score.map(|_| m.fraction()), value)
        })
        .collect();
    draw_hbars(&rows, title, None)
}

/// Horizontal bars from (label, fraction 0–1, value text).
pub fn hbars(rows: &[(String, f64, String)], title: &str) -> String {
    let rows: Vec<(String, Option<f64>, String)> = rows
        .iter()
        .map(|(l, f, v)| (l.clone(), Some(*f), v.clone()))
        .collect();
    draw_hbars(&rows, title, None)
}

/// Horizontal bars with a vertical target line at `target` (0–1), labelled.
pub fn hbars_with_target(
    rows: &[(String, f64, String)],
    title: &str,
    target: Option<(f64, String)>,
) -> String {
    let rows: Vec<(String, Option<f64>, String)> = rows
        .iter()
        .map(|(l, f, v)| (l.clone(), Some(*f), v.clone()))
        .collect();
    draw_hbars(&rows, title, target)
}

/// Bars sized by their rows: as tall as there are rows, the label column as wide as the longest label.
fn draw_hbars(
    rows: &[(String, Option<f64>, String)],
    title: &str,
    target: Option<(f64, String)>,
) -> String {
    let labels: Vec<Vec<String>> = rows.iter().map(|r| wrap(&r.0, 200.0, SMALL)).collect();
    let lines = labels.iter().map(Vec::len).max().unwrap_or(1) as u32;
    let row = 24u32.max(lines * 15 + 4);
    let left = (labels
        .iter()
        .flatten()
        .map(|l| text_width(l, SMALL))
        .fold(0.0, f64::max)
        + 20.0)
        .max(120.0) as i32;
    let value_w = (rows
        .iter()
        .map(|r| text_width(&r.2, SMALL))
        .fold(0.0, f64::max)
        + 16.0)
        .max(60.0) as i32;
    let w = ((left + 260 + value_w) as f64).max(text_width(title, 16.0) + 40.0) as u32;
    // A target line gets its label below the bars.
    let label_h = if target.is_some() { 18 } else { 0 };
    let h = 50 + row * rows.len() as u32 + label_h;
    canvas(w, h, title, |root| {
        let right = w as i32 - value_w;
        let span = (right - left) as f64;
        for (i, ((_, fraction, value), label)) in rows.iter().zip(&labels).enumerate() {
            let y = 42 + (i as u32 * row) as i32;
            draw_lines(root, label, (left - 10, y + 8), HPos::Right, VPos::Center)?;
            let Some(fraction) = fraction else {
                // Not applicable: no track, no bar, only the word.
                root.draw(&Text::new(
                    value.clone(),
                    (left, y + 8),
                    text_style(SMALL, &MUTED, HPos::Left, VPos::Center),
                ))?;
                continue;
            };
            root.draw(&Rectangle::new(
                [(left, y), (right, y + 16)],
                GRID.mix(0.5).filled(),
            ))?;
            let end = left + (span * fraction.clamp(0.0, 1.0)).round() as i32;
            if end > left {
                root.draw(&Rectangle::new([(left, y), (end, y + 16)], ACCENT.filled()))?;
            }
            root.draw(&Text::new(
                value.clone(),
                (right + 8, y + 8),
                text_style(SMALL, &INK, HPos::Left, VPos::Center),
            ))?;
        }
        if let Some((t, label)) = &target {
            let x = left + (span * t.clamp(0.0, 1.0)).round() as i32;
            let bottom = (h - label_h) as i32 - 4;
            root.draw(&PathElement::new(
                vec![(x, 38), (x, bottom + 4)],
                TARGET.stroke_width(2),
            ))?;
            root.draw(&Text::new(
                label.clone(),
                (x, bottom + 6),
                text_style(SMALL, &TARGET, HPos::Center, VPos::Top),
            ))?;
        }
        Ok(())
    })
}

/// Box plots on a 0–max scale: (label, min, q1, median, q3, max, scale max).
pub fn boxes(rows: &[(String, [f64; 5], f64)], title: &str) -> String {
    let row = 30u32;
    let (w, h) = (640u32, 60 + row * rows.len() as u32);
    canvas(w, h, title, |root| draw_boxes(root, rows, w, row))
}

fn draw_boxes(root: &Area, rows: &[(String, [f64; 5], f64)], w: u32, row: u32) -> DrawResult {
    let (left, right) = (200i32, w as i32 - 70);
    let span = (right - left) as f64;
    for (i, (label, q, max)) in rows.iter().enumerate() {
        let y = 44 + (i as u32 * row) as i32;
        let x = |v: f64| {
            left + (span
                * if *max > 0.0 {
                    (v / max).clamp(0.0, 1.0)
                } else {
                    0.0
                })
            .round() as i32
        };
        root.draw(&Text::new(
            label.clone(),
            (left - 10, y + 9),
            text_style(12.0, &INK, HPos::Right, VPos::Center),
        ))?;
        root.draw(&PathElement::new(
            vec![(left, y + 9), (right, y + 9)],
            GRID.stroke_width(1),
        ))?;
        root.draw(&PathElement::new(
            vec![(x(q[0]), y + 9), (x(q[4]), y + 9)],
            INK.stroke_width(1),
        ))?;
        root.draw(&Rectangle::new(
            [(x(q[1]), y + 2), (x(q[3]).max(x(q[1]) + 1), y + 16)],
            ACCENT.mix(0.35).filled(),
        ))?;
        root.draw(&PathElement::new(
            vec![(x(q[2]), y), (x(q[2]), y + 18)],
            ACCENT.stroke_width(3),
        ))?;
        root.draw(&Text::new(
            format!(
                "{} / {}",
                crate::text::points(q[2]),
                crate::text::points(*max)
            ),
            (right + 8, y + 9),
            text_style(SMALL, &INK, HPos::Left, VPos::Center),
        ))?;
    }
    Ok(())
}

/// A heat map of fractions (0–1): rows × columns, `None` cells drawn as suppressed.
pub fn heatmap(
    rows: &[String],
    cols: &[String],
    values: &[Vec<Option<f64>>],
    title: &str,
) -> String {
    let (cell_w, cell_h) = (86i32, 26i32);
    let left = 170i32;
    let top = 70i32;
    let w = (left + cell_w * cols.len() as i32 + 20).max(400) as u32;
    let h = (top + cell_h * rows.len() as i32 + 20) as u32;
    canvas(w, h, title, |root| {
        for (j, c) in cols.iter().enumerate() {
            root.draw(&Text::new(
                c.clone(),
                (left + cell_w * j as i32 + cell_w / 2, top - 8),
                text_style(SMALL, &INK, HPos::Center, VPos::Bottom),
            ))?;
        }
        for (i, r) in rows.iter().enumerate() {
            let y = top + cell_h * i as i32;
            root.draw(&Text::new(
                r.clone(),
                (left - 8, y + cell_h / 2),
                text_style(SMALL, &INK, HPos::Right, VPos::Center),
            ))?;
            for j in 0..cols.len() {
                let x = left + cell_w * j as i32;
                let v = values.get(i).and_then(|row| row.get(j)).copied().flatten();
                let color = match v {
                    Some(f) => RGBColor(
                        (255.0 - 224.0 * f.clamp(0.0, 1.0)) as u8,
                        (255.0 - 144.0 * f.clamp(0.0, 1.0)) as u8,
                        (255.0 - 77.0 * f.clamp(0.0, 1.0)) as u8,
                    ),
                    None => RGBColor(0xee, 0xee, 0xee),
                };
                root.draw(&Rectangle::new(
                    [(x + 1, y + 1), (x + cell_w - 1, y + cell_h - 1)],
                    color.filled(),
                ))?;
                let text = v.map_or("—".to_string(), |f| format!("{:.0}%", f * 100.0));
                let ink: &'static RGBColor = if v.is_some_and(|f| f > 0.6) {
                    &WHITE
                } else {
                    &INK
                };
                root.draw(&Text::new(
                    text,
                    (x + cell_w / 2, y + cell_h / 2),
                    text_style(SMALL, ink, HPos::Center, VPos::Center),
                ))?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(label: &str, score: f64, max: f64) -> Measure {
        Measure {
            label: label.into(),
            score: Some(score),
            max,
        }
    }

    fn font_sizes(svg: &str) -> Vec<f64> {
        svg.match_indices("font-size=\"")
            .filter_map(|(i, k)| {
                let rest = &svg[i + k.len()..];
                rest[..rest.find('"')?].trim_end_matches("px").parse().ok()
            })
            .collect()
    }

    #[test]
    fn radar_is_svg_with_escaped_labels() {
        let svg = radar(
            &[
                m("设备<系统>", 10.0, 20.0),
                m("数据", 5.0, 10.0),
                m("安全", 10.0, 10.0),
            ],
            "雷达",
        );
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("设备&lt;系统&gt; 50%"));
        assert!(svg.contains("<polygon"));
        assert!(svg.contains("Noto Sans CJK SC"));
    }

    #[test]
    fn bars_show_score_and_max() {
        let svg = bars(&[m("信息系统", 7.5, 10.0)], "指标", "不适用");
        assert!(svg.contains("7.5 / 10"));
        assert_eq!(
            svg.matches("<rect").count(),
            3,
            "background, bar, and the bar's track"
        );
    }

    #[test]
    fn not_applicable_is_not_drawn_as_zero() {
        let mut na = m("数据乙", 0.0, 5.0);
        na.score = None;
        let axes = [m("甲", 1.0, 5.0), m("乙", 2.0, 5.0), m("丙", 3.0, 5.0), na];
        let svg = radar(&axes, "雷达");
        assert!(!svg.contains("数据乙"), "a not-applicable axis is left out");
        assert_eq!(svg.matches("<circle").count(), 3);
        let svg = bars(&axes, "指标", "不适用");
        assert!(svg.contains("不适用") && !svg.contains("0 / 5"));
        assert_eq!(svg.matches("<rect").count(), 1 + 2 * 3, "no track for n/a");
    }

    #[test]
    fn text_is_at_least_12px_and_charts_fit_an_a4_page() {
        let long = "Joining the digital ecosystem (scored separately from the level)";
        let axes = [
            m(long, 1.0, 5.0),
            m("乙", 2.0, 5.0),
            m(long, 3.0, 5.0),
            m("丁", 3.0, 5.0),
        ];
        for svg in [radar(&axes, "雷达"), bars(&axes, "指标", "n/a")] {
            let sizes = font_sizes(&svg);
            assert!(
                !sizes.is_empty() && sizes.iter().all(|s| *s >= 12.0),
                "{sizes:?}"
            );
            let width: f64 = svg
                .split("width=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .and_then(|w| w.parse().ok())
                .unwrap();
            // Printed at its own size on A4 (186 mm ≈ 703 px between the margins): never scaled down.
            assert!(width <= 703.0, "canvas {width} wider than the page");
            // The long label is all there, wrapped over lines.
            for word in long.split(' ') {
                assert!(svg.contains(word), "{word} missing");
            }
        }
    }

    #[test]
    fn labels_wrap_between_words_or_characters() {
        assert_eq!(
            wrap("Joining the digital ecosystem", 100.0, 12.0),
            ["Joining the", "digital", "ecosystem"]
        );
        assert_eq!(
            wrap("融入数字化生态（单独计分） 16%", 100.0, 12.0),
            ["融入数字化生态（", "单独计分） 16%"]
        );
        assert_eq!(wrap("短", 100.0, 12.0), ["短"]);
    }
}
