//! The report as Word (.docx): the Markdown report (the same templates, so the same sections and
//! words) turned into Word structure — headings in Word's heading styles, tables as Word tables, the
//! charts as PNG rendered from the same SVG, the East Asian font set on every run.

use super::pdf::Fonts;
use super::{ReportContext, ReportFormat};
use crate::text::Lang;
use docx_rs::{
    AlignmentType, Docx, Footer, Header, PageMargin, PageNum, Paragraph, Pic, Run, RunFonts,
    Shading, Style, StyleType, Table, TableCell, TableOfContents, TableRow, WidthType,
};
use std::path::Path;

/// Why a Word report could not be made.
#[derive(Debug)]
pub enum DocxError {
    /// The Markdown templates (a `--templates` file, or a bug in a bundled one).
    Template(minijinja::Error),
    /// Writing the package.
    Pack(String),
}

impl std::fmt::Display for DocxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocxError::Template(e) => write!(f, "{e}"),
            DocxError::Pack(e) => write!(f, "cannot write the Word document: {e}"),
        }
    }
}

impl std::error::Error for DocxError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DocxError::Template(e) => Some(e),
            DocxError::Pack(_) => None,
        }
    }
}

/// A4 in twentieths of a point.
const A4: (u32, u32) = (11906, 16838);
/// Text width of the page in EMU (A4 less 2 × 1.8 cm margins).
const TEXT_WIDTH_EMU: u32 = 6_300_000;

/// One piece of inline text: bold or not.
fn inline(s: &str) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut bold = false;
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                if !cur.is_empty() {
                    out.push((std::mem::take(&mut cur), bold));
                }
                bold = !bold;
            }
            '&' => {
                let rest: String = chars.clone().take(5).collect();
                let (entity, len) = if rest.starts_with("lt;") {
                    ('<', 3)
                } else if rest.starts_with("gt;") {
                    ('>', 3)
                } else if rest.starts_with("amp;") {
                    ('&', 4)
                } else if rest.starts_with("quot;") {
                    ('"', 5)
                } else {
                    ('&', 0)
                };
                cur.push(entity);
                for _ in 0..len {
                    chars.next();
                }
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push((cur, bold));
    }
    out
}

fn runs(mut p: Paragraph, s: &str, all_bold: bool) -> Paragraph {
    for (text, bold) in inline(s) {
        let mut r = Run::new().add_text(text);
        if bold || all_bold {
            r = r.bold();
        }
        p = p.add_run(r);
    }
    p
}

/// Split a Markdown table row into cells (`\|` is a bar inside a cell).
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut out = vec![String::new()];
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.last_mut().expect("one cell").push('\\');
                if let Some(n) = chars.next() {
                    out.last_mut().expect("one cell").push(n);
                }
            }
            '|' => out.push(String::new()),
            _ => out.last_mut().expect("one cell").push(c),
        }
    }
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

fn is_rule(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('|') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

fn table(rows: &[String]) -> Table {
    let aligns: Vec<AlignmentType> = rows
        .get(1)
        .filter(|r| is_rule(r))
        .map(|r| {
            cells(r)
                .iter()
                .map(|c| {
                    if c.ends_with(':') && !c.starts_with(':') {
                        AlignmentType::Right
                    } else {
                        AlignmentType::Left
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate().filter(|(_, r)| !is_rule(r)) {
        let head = i == 0;
        let row = cells(r)
            .iter()
            .enumerate()
            .map(|(j, c)| {
                let mut p = Paragraph::new().style("TableText");
                if let Some(a) = aligns.get(j) {
                    p = p.align(*a);
                }
                let mut cell = TableCell::new().add_paragraph(runs(p, c, head));
                if head {
                    cell = cell.shading(Shading::new().fill("EEF3F8"));
                }
                cell
            })
            .collect();
        out.push(TableRow::new(row).cant_split());
    }
    Table::new(out).width(5000, WidthType::Pct)
}

/// The chart as PNG at twice its size, with the report's font for the labels.
fn png(svg: &str, fonts: &Fonts) -> Option<(Vec<u8>, u32, u32)> {
    let mut options = resvg::usvg::Options {
        font_family: fonts.family.clone(),
        ..Default::default()
    };
    let db = options.fontdb_mut();
    for f in &fonts.files {
        let _ = db.load_font_file(f);
    }
    db.set_sans_serif_family(fonts.family.clone());
    let tree = resvg::usvg::Tree::from_str(svg, &options).ok()?;
    let size = tree.size();
    let (w, h) = (size.width() * 2.0, size.height() * 2.0);
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w.ceil() as u32, h.ceil() as u32)?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(2.0, 2.0),
        &mut pixmap.as_mut(),
    );
    let bytes = pixmap.encode_png().ok()?;
    Some((bytes, size.width() as u32, size.height() as u32))
}

fn chart(svg: &str, fonts: &Fonts, max_share: f64) -> Option<Paragraph> {
    let (bytes, w, h) = png(svg, fonts)?;
    // 1 px of the SVG = 1/96 inch = 9525 EMU, scaled down to fit the text width.
    let (mut we, mut he) = (f64::from(w) * 9525.0, f64::from(h) * 9525.0);
    let max = f64::from(TEXT_WIDTH_EMU) * max_share;
    if we > max {
        he *= max / we;
        we = max;
    }
    let pic = Pic::new(&bytes).size(we as u32, he as u32);
    Some(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(Run::new().add_image(pic)),
    )
}

fn styles(doc: Docx, family: &str) -> Docx {
    let fonts = || {
        RunFonts::new()
            .east_asia(family)
            .ascii(family)
            .hi_ansi(family)
    };
    doc.default_fonts(fonts())
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .based_on("Normal")
                .size(40)
                .bold()
                .align(AlignmentType::Center)
                .fonts(fonts()),
        )
        .add_style(
            Style::new("Heading1", StyleType::Paragraph)
                .name("heading 1")
                .based_on("Normal")
                .next("Normal")
                .size(30)
                .bold()
                .color("1F4E79")
                .outline_lvl(0)
                .fonts(fonts()),
        )
        .add_style(
            Style::new("Heading2", StyleType::Paragraph)
                .name("heading 2")
                .based_on("Normal")
                .next("Normal")
                .size(24)
                .bold()
                .outline_lvl(1)
                .fonts(fonts()),
        )
        .add_style(
            Style::new("Heading3", StyleType::Paragraph)
                .name("heading 3")
                .based_on("Normal")
                .next("Normal")
                .size(22)
                .bold()
                .outline_lvl(2)
                .fonts(fonts()),
        )
        .add_style(
            Style::new("TableText", StyleType::Paragraph)
                .name("Table Text")
                .based_on("Normal")
                .size(17)
                .fonts(fonts()),
        )
        .add_style(
            Style::new("Quote", StyleType::Paragraph)
                .name("Quote")
                .based_on("Normal")
                .indent(Some(360), None, None, None)
                .color("5A5A5A")
                .fonts(fonts()),
        )
        .add_style(
            Style::new("ListParagraph", StyleType::Paragraph)
                .name("List Paragraph")
                .based_on("Normal")
                .indent(Some(360), None, None, None)
                .fonts(fonts()),
        )
}

/// Lay out the report as a Word document.
pub fn render(
    ctx: &ReportContext,
    templates: Option<&Path>,
    lang: Lang,
    fonts: &Fonts,
) -> Result<Vec<u8>, DocxError> {
    let md = super::render(ctx, ReportFormat::Md, templates, lang).map_err(DocxError::Template)?;
    let scores_title = crate::text::tr(lang, "维度与指标得分", "Dimensions and indicators");
    let provider = crate::text::tr(lang, "中小企业数字化转型", "SME digital transformation");
    let title = crate::text::tr(lang, "数字化水平诊断报告", "Digital maturity report");
    let name = ctx.assessment.profile.name.clone();
    let mut doc = styles(Docx::new(), &fonts.family)
        .page_size(A4.0, A4.1)
        .page_margin(
            PageMargin::new()
                .top(1361)
                .bottom(1134)
                .left(1020)
                .right(1020),
        )
        .header(
            Header::new().add_paragraph(
                Paragraph::new()
                    .style("TableText")
                    .add_run(Run::new().add_text(format!("{provider} · {name} · {title}"))),
            ),
        )
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_page_num(PageNum::new()),
            ),
        );
    let lines: Vec<&str> = md.lines().collect();
    let mut i = 0;
    let mut toc_done = false;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim_end();
        if t.trim().is_empty() {
            i += 1;
            continue;
        }
        if t.starts_with('|') {
            let mut rows = Vec::new();
            while i < lines.len() && lines[i].trim_start().starts_with('|') {
                rows.push(lines[i].to_string());
                i += 1;
            }
            doc = doc.add_table(table(&rows));
            doc = doc.add_paragraph(Paragraph::new());
            continue;
        }
        let level = t.chars().take_while(|c| *c == '#').count();
        if (1..=4).contains(&level) && t[level..].starts_with(' ') {
            let text = t[level + 1..].trim();
            if level == 1 {
                doc = doc.add_paragraph(runs(Paragraph::new().style("Title"), text, false));
            } else {
                if !toc_done {
                    // Word fills the table of contents from the heading styles when the file is opened.
                    doc = doc.add_table_of_contents(
                        TableOfContents::new()
                            .heading_styles_range(1, 1)
                            .alias(crate::text::tr(lang, "目录", "Contents"))
                            .auto()
                            .dirty(),
                    );
                    toc_done = true;
                }
                let style = format!("Heading{}", (level - 1).min(3));
                doc = doc.add_paragraph(runs(Paragraph::new().style(&style), text, false));
                if level == 2 && text.contains(scores_title) {
                    for (svg, share) in [(&ctx.charts.radar, 0.6), (&ctx.charts.bars, 1.0)] {
                        if let Some(p) = chart(svg, fonts, share) {
                            doc = doc.add_paragraph(p);
                        }
                    }
                }
            }
            i += 1;
            continue;
        }
        let (style, text) = if let Some(rest) = t.strip_prefix("> ") {
            ("Quote", rest.to_string())
        } else if let Some(rest) = t.strip_prefix("- ") {
            ("ListParagraph", format!("• {rest}"))
        } else if t
            .split_once(". ")
            .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        {
            ("ListParagraph", t.to_string())
        } else {
            ("Normal", t.to_string())
        };
        doc = doc.add_paragraph(runs(Paragraph::new().style(style), &text, false));
        i += 1;
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| DocxError::Pack(e.to_string()))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_markdown_unescapes_and_bolds() {
        assert_eq!(
            inline(r"**三级** a\*b &lt;script&gt;"),
            vec![
                ("三级".to_string(), true),
                (" a*b <script>".to_string(), false)
            ]
        );
    }

    #[test]
    fn table_cells_keep_escaped_bars() {
        assert_eq!(cells(r"| a\|b | c |"), vec![r"a\|b", "c"]);
    }
}
