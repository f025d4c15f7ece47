//! The report as Word (.docx): the Markdown report (the same templates, so the same sections and
//! words) turned into Word structure — headings in Word's heading styles, tables as Word tables, the
//! charts as PNG rendered from the same SVG. The styles (fonts, East Asian font, sizes, colours) come
//! from `reference.docx`, the convention pandoc users know: the bundled one, or a provider's own in
//! the `--templates` folder.

use super::pdf::Fonts;
use super::{ReportContext, ReportFormat};
use crate::text::Lang;
use docx_rs::{
    AlignmentType, Docx, Footer, Header, PageMargin, PageNum, Paragraph, Pic, Run, Shading, Table,
    TableCell, TableOfContents, TableRow, WidthType,
};
use std::path::Path;

/// Why a Word report could not be made.
#[derive(Debug)]
pub enum DocxError {
    /// The Markdown templates (a `--templates` file, or a bug in a bundled one).
    Template(minijinja::Error),
    /// Writing the package.
    Pack(String),
    /// The `reference.docx` of the templates folder.
    Reference(String),
}

impl std::fmt::Display for DocxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocxError::Template(e) => write!(f, "{e}"),
            DocxError::Pack(e) => write!(f, "cannot write the Word document: {e}"),
            DocxError::Reference(e) => write!(f, "reference.docx: {e}"),
        }
    }
}

impl std::error::Error for DocxError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DocxError::Template(e) => Some(e),
            DocxError::Pack(_) | DocxError::Reference(_) => None,
        }
    }
}

/// A4 in twentieths of a point.
pub(super) const A4: (u32, u32) = (11906, 16838);
/// Text width of the page in EMU (A4 less 2 × 1.8 cm margins).
pub(super) const TEXT_WIDTH_EMU: u32 = 6_300_000;

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

pub(super) fn runs(mut p: Paragraph, s: &str, all_bold: bool) -> Paragraph {
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
    let rows: Vec<Vec<(String, AlignmentType)>> = rows
        .iter()
        .filter(|r| !is_rule(r))
        .map(|r| {
            cells(r)
                .into_iter()
                .enumerate()
                .map(|(j, c)| (c, aligns.get(j).copied().unwrap_or(AlignmentType::Left)))
                .collect()
        })
        .collect();
    word_table(&rows)
}

/// A Word table: the first row is the header (bold, shaded), rows never split across pages; cell
/// text is inline Markdown.
pub(super) fn word_table(rows: &[Vec<(String, AlignmentType)>]) -> Table {
    let out = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let head = i == 0;
            let row = r
                .iter()
                .map(|(c, align)| {
                    let p = Paragraph::new().style("TableText").align(*align);
                    let mut cell = TableCell::new().add_paragraph(runs(p, c, head));
                    if head {
                        cell = cell.shading(Shading::new().fill("EEF3F8"));
                    }
                    cell
                })
                .collect();
            TableRow::new(row).cant_split()
        })
        .collect();
    Table::new(out).width(5000, WidthType::Pct)
}

/// The chart as PNG at twice its size, with the report's font for the labels.
pub(super) fn png(svg: &str, fonts: &Fonts) -> Option<(Vec<u8>, u32, u32)> {
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

pub(super) fn chart(svg: &str, fonts: &Fonts, max_share: f64) -> Option<Paragraph> {
    let (bytes, w, h) = png(svg, fonts)?;
    // 1 px of the SVG = 1/96 inch = 9525 EMU, scaled down to fit the text width.
    let (mut we, mut he) = (f64::from(w) * 9525.0, f64::from(h) * 9525.0);
    let max = f64::from(TEXT_WIDTH_EMU) * max_share;
    if we > max {
        he *= max / we;
        we = max;
    }
    let pic = Pic::new_with_dimensions(bytes, w, h).size(we as u32, he as u32);
    Some(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(Run::new().add_image(pic)),
    )
}

/// The bundled styles (`scripts/reference-docx.py` writes the file).
const REFERENCE: &[u8] = include_bytes!("../../templates/reference.docx");

/// `word/styles.xml` of the templates folder's `reference.docx`, else of the bundled one.
pub(super) fn reference_styles(templates: Option<&Path>) -> Result<Vec<u8>, DocxError> {
    let own = templates
        .map(|d| (d, d.join("reference.docx")))
        .filter(|(_, p)| p.is_file());
    let bytes = match own {
        None => REFERENCE.to_vec(),
        Some((dir, path)) => {
            if let Some(real) = super::outside_folder(dir, &path) {
                return Err(DocxError::Reference(format!(
                    "{} is a link to {}, outside the templates folder",
                    path.display(),
                    real.display()
                )));
            }
            crate::source_file::read_limited(&path)
                .map_err(|d| DocxError::Reference(d.message()))?
        }
    };
    let not_word = |e: &dyn std::fmt::Display| {
        DocxError::Reference(format!("not a Word document with styles ({e})"))
    };
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| not_word(&e))?;
    let mut styles = zip.by_name("word/styles.xml").map_err(|e| not_word(&e))?;
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut styles, &mut out).map_err(|e| not_word(&e))?;
    Ok(out)
}

/// The package with its `word/styles.xml` replaced by `styles`.
pub(super) fn with_styles(package: Vec<u8>, styles: &[u8]) -> Result<Vec<u8>, DocxError> {
    let pack = |e: &dyn std::fmt::Display| DocxError::Pack(e.to_string());
    let mut input = zip::ZipArchive::new(std::io::Cursor::new(package)).map_err(|e| pack(&e))?;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..input.len() {
        let entry = input.by_index_raw(i).map_err(|e| pack(&e))?;
        let name = entry.name().map_err(|e| pack(&e))?.into_owned();
        if name != "word/styles.xml" {
            out.raw_copy_file(entry).map_err(|e| pack(&e))?;
        }
    }
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    out.start_file("word/styles.xml", options)
        .map_err(|e| pack(&e))?;
    std::io::Write::write_all(&mut out, styles).map_err(|e| pack(&e))?;
    Ok(out.finish().map_err(|e| pack(&e))?.into_inner())
}

/// Width and height of a PNG, from its header; `None` when it is not one.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let header = bytes.get(..24)?;
    if !header.starts_with(b"\x89PNG\r\n\x1a\n") || &header[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(header[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(header[20..24].try_into().ok()?);
    (w > 0 && h > 0).then_some((w, h))
}

/// The running header: the provider's logo and name, the firm, the report's title.
pub(super) fn header(brand: &super::brand::Brand, firm: &str, title: &str) -> Header {
    let mut p = Paragraph::new().style("Header");
    if let Some((logo, (w, h))) = brand
        .logo
        .as_ref()
        .and_then(|l| png_size(l).map(|size| (l, size)))
    {
        // 0.8 cm high.
        let height = 288_000.0;
        let width = height * f64::from(w) / f64::from(h);
        let pic = Pic::new_with_dimensions(logo.clone(), w, h).size(width as u32, height as u32);
        p = p
            .add_run(Run::new().add_image(pic))
            .add_run(Run::new().add_text(" "));
    }
    Header::new()
        .add_paragraph(p.add_run(Run::new().add_text(format!("{} · {firm} · {title}", brand.name))))
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
    let brand = super::brand::load(templates, lang).map_err(DocxError::Template)?;
    let styles = reference_styles(templates)?;
    let title = crate::text::tr(lang, "数字化水平诊断报告", "Digital maturity report");
    let name = ctx.assessment.profile.name.clone();
    let mut doc = Docx::new()
        .page_size(A4.0, A4.1)
        .page_margin(
            PageMargin::new()
                .top(1361)
                .bottom(1134)
                .left(1020)
                .right(1020),
        )
        .header(header(&brand, &name, title))
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .style("Footer")
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
    with_styles(out.into_inner(), &styles)
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
