//! The office summary as PDF and Word, made from the rendered `office.html` (the one summary
//! template), so every section the HTML has flows into both: its headings, paragraphs, tables and
//! SVG charts are read back as blocks and laid out by typst (PDF) or written as Word structure.

use super::brand::Brand;
use super::docx::{self, DocxError};
use super::pdf::{self, Fonts, PdfError};
use crate::aggregate::Summary;
use crate::text::{Lang, tr};
use docx_rs::{AlignmentType, Docx, Footer, PageMargin, PageNum, Paragraph};

/// A block of the summary page.
#[derive(Debug, PartialEq)]
enum Block {
    /// `<h1>`…`<h4>`: level and text.
    Heading(usize, String),
    Paragraph(String),
    /// Rows of (text, right-aligned) cells; the first row is the header.
    Table(Vec<Vec<(String, bool)>>),
    /// An inline `<svg>` chart.
    Chart(String),
}

/// Text of HTML with its entities decoded and white space collapsed.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|e| *e <= 10);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "nbsp" => Some(' '),
                _ => name
                    .strip_prefix("#x")
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The blocks of a page our templates made (not a general HTML parser: no comments, no nesting
/// of tables, `<svg>` taken whole).
fn blocks(html: &str) -> Vec<Block> {
    let body = html.find("<body").map_or(html, |at| &html[at..]);
    let mut out = Vec::new();
    let mut text = String::new();
    let mut heading: Option<usize> = None;
    let mut table: Option<Vec<Vec<(String, bool)>>> = None;
    // The open cell: its text, whether it is a number, how many columns it spans.
    let mut cell: Option<(String, bool, usize)> = None;
    let mut rest = body;
    let flush = |text: &mut String, heading: &mut Option<usize>, out: &mut Vec<Block>| {
        let t = text_of(text);
        text.clear();
        if t.is_empty() {
            return;
        }
        match heading.take() {
            Some(level) => out.push(Block::Heading(level, t)),
            None => out.push(Block::Paragraph(t)),
        }
    };
    while let Some(lt) = rest.find('<') {
        let before = &rest[..lt];
        match &mut cell {
            Some((c, _, _)) => c.push_str(before),
            None if table.is_none() => text.push_str(before),
            None => {}
        }
        rest = &rest[lt..];
        let Some(gt) = rest.find('>') else {
            break;
        };
        let tag = &rest[1..gt];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let closing = tag.starts_with('/');
        if name == "svg" && !closing {
            let end = rest
                .find("</svg>")
                .map_or(rest.len(), |e| e + "</svg>".len());
            flush(&mut text, &mut heading, &mut out);
            out.push(Block::Chart(rest[..end].to_string()));
            rest = &rest[end..];
            continue;
        }
        rest = &rest[gt + 1..];
        match (name.as_str(), closing) {
            ("h1" | "h2" | "h3" | "h4", false) => {
                flush(&mut text, &mut heading, &mut out);
                heading = name[1..].parse().ok();
            }
            ("table", false) => {
                flush(&mut text, &mut heading, &mut out);
                table = Some(Vec::new());
            }
            ("table", true) => {
                if let Some(rows) = table.take().filter(|r| !r.is_empty()) {
                    out.push(Block::Table(rows));
                }
            }
            ("tr", false) => {
                if let Some(rows) = &mut table {
                    rows.push(Vec::new());
                }
            }
            ("td" | "th", false) => {
                let span = tag
                    .split("colspan=\"")
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(1);
                cell = Some((
                    String::new(),
                    tag.contains("class=\"num"),
                    span.clamp(1, 64),
                ));
            }
            ("td" | "th", true) => {
                if let (Some((c, num, span)), Some(row)) =
                    (cell.take(), table.as_mut().and_then(|t| t.last_mut()))
                {
                    row.push((text_of(&c), num));
                    // A spanned cell is followed by empty ones, so every row has all the columns.
                    row.extend((1..span).map(|_| (String::new(), false)));
                }
            }
            ("style" | "script" | "title", false) => {
                let close = format!("</{name}>");
                rest = rest.find(&close).map_or("", |e| &rest[e + close.len()..]);
            }
            ("p" | "div" | "li" | "ul" | "br" | "footer" | "header" | "section", _)
            | ("h1" | "h2" | "h3" | "h4", true)
                if table.is_none() =>
            {
                flush(&mut text, &mut heading, &mut out);
            }
            _ => {}
        }
    }
    flush(&mut text, &mut heading, &mut out);
    out
}

/// Inline Markdown of plain text (what the Word writer reads in a run).
fn md(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('*', "\\*")
        .replace('&', "&amp;")
}

fn page_html(s: &Summary, lang: Lang) -> anyhow::Result<(String, Brand)> {
    Ok((
        super::office::render_html(s, lang)?,
        super::brand::load(None, lang)?,
    ))
}

/// The office summary as a Word document.
pub fn render_docx(s: &Summary, lang: Lang, fonts: &Fonts) -> anyhow::Result<Vec<u8>> {
    let (html, brand) = page_html(s, lang)?;
    let title = tr(
        lang,
        "中小企业数字化水平汇总简报",
        "SME digital maturity: regional briefing",
    );
    let styles = docx::reference_styles(None)?;
    let mut doc = Docx::new()
        .page_size(docx::A4.0, docx::A4.1)
        .page_margin(
            PageMargin::new()
                .top(1361)
                .bottom(1134)
                .left(1020)
                .right(1020),
        )
        .header(docx::header(&brand, &s.model.id, title))
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .style("Footer")
                    .align(AlignmentType::Center)
                    .add_page_num(PageNum::new()),
            ),
        );
    for block in blocks(&html) {
        doc = match block {
            Block::Heading(level, t) => {
                let style = if level == 1 {
                    "Title".to_string()
                } else {
                    format!("Heading{}", (level - 1).min(3))
                };
                doc.add_paragraph(docx::runs(Paragraph::new().style(&style), &md(&t), false))
            }
            Block::Paragraph(t) => {
                doc.add_paragraph(docx::runs(Paragraph::new().style("Normal"), &md(&t), false))
            }
            Block::Table(rows) => {
                let rows: Vec<Vec<(String, AlignmentType)>> = rows
                    .iter()
                    .map(|r| {
                        r.iter()
                            .map(|(t, num)| {
                                let align = if *num {
                                    AlignmentType::Right
                                } else {
                                    AlignmentType::Left
                                };
                                (md(t), align)
                            })
                            .collect()
                    })
                    .collect();
                doc.add_table(docx::word_table(&rows))
                    .add_paragraph(Paragraph::new())
            }
            Block::Chart(svg) => match docx::chart(&svg, fonts, 0.8) {
                Some(p) => doc.add_paragraph(p),
                None => doc,
            },
        };
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| DocxError::Pack(e.to_string()))?;
    Ok(docx::with_styles(out.into_inner(), &styles)?)
}

/// The office summary as PDF.
pub fn render_pdf(s: &Summary, lang: Lang, fonts: &Fonts) -> anyhow::Result<Vec<u8>> {
    let (html, brand) = page_html(s, lang)?;
    let lit = |t: &str| pdf::literal(t);
    let mut src = format!(
        "#set document(title: {title})\n\
         #set text(font: ({family}, \"DejaVu Sans\"), lang: {lang}, size: 10pt)\n\
         #set page(paper: \"a4\", margin: (x: 1.8cm, top: 2.4cm, bottom: 2cm),\n\
           header: context if counter(page).get().first() > 1 [#set text(size: 8pt, fill: luma(90)); #{brand}],\n\
           footer: context align(center, text(size: 8pt, fill: luma(90), counter(page).display(\"1 / 1\", both: true))))\n\
         #set par(leading: 0.75em, spacing: 0.9em)\n\
         #show heading.where(level: 1): it => block(above: 1.6em, below: 0.8em, text(size: 14pt, fill: rgb(\"#1f4e79\"), it))\n\
         #show heading.where(level: 2): set text(size: 11pt)\n\
         #set table(stroke: 0.5pt + luma(180), inset: (x: 4pt, y: 3pt))\n\
         #set table.cell(breakable: false)\n\
         #show table: set text(size: 8.5pt)\n\
         #show table.cell.where(y: 0): set text(weight: \"bold\")\n\n",
        title = lit(tr(
            lang,
            "中小企业数字化水平汇总简报",
            "SME digital maturity: regional briefing"
        )),
        family = lit(&fonts.family),
        lang = lit(lang.code()),
        brand = lit(&brand.name),
    );
    let mut files = Vec::new();
    for block in blocks(&html) {
        match block {
            Block::Heading(1, t) => src.push_str(&format!(
                "#align(center, text(size: 18pt, weight: \"bold\", {}))\n\n",
                lit(&t)
            )),
            Block::Heading(level, t) => src.push_str(&format!(
                "#heading(level: {}, {})\n\n",
                (level - 1).min(3),
                lit(&t)
            )),
            Block::Paragraph(t) => src.push_str(&format!("#{}\n\n", lit(&t))),
            Block::Table(rows) => {
                let columns = rows.iter().map(Vec::len).max().unwrap_or(1).max(1);
                src.push_str(&format!(
                    "#table(columns: {columns}, fill: (_, y) => if y == 0 {{ rgb(\"#eef3f8\") }},\n"
                ));
                for (i, row) in rows.iter().enumerate() {
                    let cells: Vec<String> = (0..columns)
                        .map(|j| {
                            let (t, num) = row.get(j).cloned().unwrap_or_default();
                            let align = if num { "right" } else { "left" };
                            format!("table.cell(align: {align}, {})", lit(&t))
                        })
                        .collect();
                    if i == 0 {
                        src.push_str(&format!("  table.header({}),\n", cells.join(", ")));
                    } else {
                        src.push_str(&format!("  {},\n", cells.join(", ")));
                    }
                }
                src.push_str(")\n\n");
            }
            Block::Chart(svg) => {
                let path = format!("/chart-{}.svg", files.len());
                src.push_str(&format!(
                    "#align(center, image({}, width: 80%))\n\n",
                    lit(&path)
                ));
                files.push((path, svg.into_bytes()));
            }
        }
    }
    pdf::compile(src, fonts, files).map_err(|e: PdfError| anyhow::anyhow!(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_of_a_page_keep_headings_tables_and_charts() {
        let html = r#"<html><head><style>h1{}</style></head><body>
<h1>简报</h1><p class="muted">说明 &lt;b&gt; <strong>粗</strong></p>
<div class="charts"><svg width="1"><text>x</text></svg></div>
<table><tr><th>组</th><th>数</th></tr><tr><td>A</td><td class="num">5</td></tr>
<tr><td>B</td><td colspan="1" class="muted">隐去</td></tr></table></body></html>"#;
        assert_eq!(
            blocks(html),
            vec![
                Block::Heading(1, "简报".into()),
                Block::Paragraph("说明 <b> 粗".into()),
                Block::Chart(r#"<svg width="1"><text>x</text></svg>"#.into()),
                Block::Table(vec![
                    vec![("组".into(), false), ("数".into(), false)],
                    vec![("A".into(), false), ("5".into(), true)],
                    vec![("B".into(), false), ("隐去".into(), false)],
                ]),
            ]
        );
    }
}
