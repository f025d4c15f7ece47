//! `smedx report` through the real binary: Markdown snapshots, the HTML's structure (parsed),
//! hostile text from the answer sheet, `--templates` overrides and their limits, and the JSON shape.
//!
//! Snapshots: `INSTA_UPDATE=always cargo test --test report` (or `cargo insta review`).

use assert_cmd::Command;
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

const EXAMPLES: &str = "questionnaires/examples";

/// The section headings of a Chinese report, in order.
const SECTIONS_ZH: &[&str] = &[
    "一、企业现状",
    "二、评估结论",
    "三、维度与指标得分",
    "四、场景等级",
    "五、问题清单",
    "六、分阶段实施方案",
    "七、投资估算",
    "八、预期成效",
    "九、保障措施与风险",
    "十、服务商对接",
    "十一、下次现场复核佐证材料清单",
    "十二、方法说明",
];

const SECTIONS_EN: &[&str] = &[
    "1. The firm today",
    "2. Summary",
    "3. Dimensions and indicators",
    "4. Scenario grades",
    "5. Problems found",
    "6. Phased implementation plan",
    "7. Investment estimate",
    "8. Expected outcomes",
    "9. Safeguards and risks",
    "10. Providers to look for",
    "11. Evidence checklist for the next on-site review",
    "12. Method",
];

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn smedx(args: &[&str]) -> Run {
    let out = Command::cargo_bin("smedx")
        .expect("the smedx binary is built")
        .current_dir(crate_root())
        .args(args)
        .output()
        .expect("smedx runs");
    let run = Run {
        code: out
            .status
            .code()
            .expect("smedx exited normally, not by a signal"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 standard output"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "smedx {args:?} panicked:\n{}",
        run.stderr
    );
    run
}

/// `smedx report ARGS`, which must succeed silently.
fn report(args: &[&str]) -> String {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    let run = smedx(&all);
    assert_eq!(
        run.code, 0,
        "smedx {all:?} exited {}:\n{}",
        run.code, run.stderr
    );
    assert!(
        run.stderr.is_empty(),
        "smedx {all:?} printed:\n{}",
        run.stderr
    );
    run.stdout
}

/// Sample file names (sorted) and their paths relative to the crate root.
fn samples() -> Vec<(String, String)> {
    let mut names: Vec<String> = std::fs::read_dir(crate_root().join(EXAMPLES))
        .expect("the examples folder exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert!(
        names.len() >= 5,
        "expected the five samples, found {names:?}"
    );
    names
        .into_iter()
        .map(|n| {
            let stem = n.trim_end_matches(".yaml").to_string();
            (stem, format!("{EXAMPLES}/{n}"))
        })
        .collect()
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "smedx-report-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text_of(e: ElementRef) -> String {
    e.text().collect::<String>()
}

// ------------------------------------------------------------------------------------------------
// (a) Markdown snapshots

/// Cells of a Markdown table row: pipes not escaped by an odd run of backslashes split cells.
fn md_cells(line: &str) -> usize {
    let mut cells = 0usize;
    let mut backslashes = 0usize;
    for c in line.trim().chars() {
        match c {
            '\\' => backslashes += 1,
            '|' if backslashes.is_multiple_of(2) => {
                cells += 1;
                backslashes = 0;
            }
            _ => backslashes = 0,
        }
    }
    cells.saturating_sub(1)
}

/// Every Markdown table keeps the column count of its header row.
fn check_md_tables(label: &str, md: &str) {
    let mut columns: Option<usize> = None;
    for (n, line) in md.lines().enumerate() {
        if !line.trim_start().starts_with('|') {
            columns = None;
            continue;
        }
        let cells = md_cells(line);
        match columns {
            None => columns = Some(cells),
            Some(c) => assert_eq!(
                cells,
                c,
                "{label}: line {} has {cells} cells where its table has {c}:\n{line}",
                n + 1
            ),
        }
    }
}

/// A Markdown report as a snapshot, dated as reports/ are: the policies quoted depend on the date,
/// so a snapshot taken on one day must not fail the next.
fn snapshot(name: &str, args: &[&str]) -> String {
    let args: Vec<&str> = args
        .iter()
        .copied()
        .chain(["--as-of", "2026-10-20"])
        .collect();
    let args = args.as_slice();
    let md = report(args);
    let command = format!("smedx report {}", args.join(" "));
    insta::with_settings!({ description => command, omit_expression => true }, {
        insta::assert_snapshot!(name, md);
    });
    md
}

#[test]
fn markdown_snapshots_of_every_sample() {
    for (stem, path) in samples() {
        let md = snapshot(&format!("md_{stem}"), &[&path, "--format", "md"]);
        check_md_tables(&stem, &md);
        for h in SECTIONS_ZH {
            assert!(md.contains(&format!("\n## {h}\n")), "{stem}: no `## {h}`");
        }
        assert!(!md.contains("<script"), "{stem}");
    }
}

#[test]
fn markdown_snapshot_in_english() {
    let md = snapshot(
        "md_en_auto-parts-machining",
        &[
            "questionnaires/examples/auto-parts-machining.yaml",
            "--format",
            "md",
            "--lang",
            "en",
        ],
    );
    check_md_tables("en", &md);
    for h in SECTIONS_EN {
        assert!(md.contains(&format!("\n## {h}\n")), "en: no `## {h}`");
    }
}

// ------------------------------------------------------------------------------------------------
// (b) HTML structure

/// Raw `<svg …>…</svg>` fragments of a document, in order.
fn svg_fragments(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let end =
            rest[start..].find("</svg>").expect("every <svg> is closed") + start + "</svg>".len();
        out.push(&rest[start..end]);
        rest = &rest[end..];
    }
    out
}

/// Everything the reports must satisfy, whatever the sample or language.
fn check_html(label: &str, html: &str, lang: &str, sections: &[&str], roadmap: &Value) {
    let doc = Html::parse_document(html);
    assert!(
        html.starts_with("<!DOCTYPE html>"),
        "{label}: starts with {:?}",
        &html[..html.len().min(40)]
    );
    let root = doc.select(&sel("html")).next().expect("an <html> element");
    assert_eq!(
        root.value().attr("lang"),
        Some(lang),
        "{label}: <html lang>"
    );
    assert!(
        html.contains(&format!("<html lang=\"{lang}\">")),
        "{label}: literal <html lang=\"{lang}\">"
    );
    assert!(
        doc.select(&sel("meta[charset]")).next().is_some(),
        "{label}: no <meta charset>"
    );

    // Every section, in order.
    let h2: Vec<String> = doc
        .select(&sel("h2"))
        .map(|e| text_of(e).trim().to_string())
        .collect();
    assert_eq!(h2, sections, "{label}: section headings");

    // Two inline SVG charts, well-formed XML; the radar has its polygon.
    assert_eq!(
        doc.select(&sel("svg")).count(),
        2,
        "{label}: inline <svg> elements"
    );
    let svgs = svg_fragments(html);
    assert_eq!(svgs.len(), 2, "{label}: raw <svg> fragments");
    for (i, svg) in svgs.iter().enumerate() {
        let xml = roxmltree::Document::parse(svg)
            .unwrap_or_else(|e| panic!("{label}: svg #{i} is not well-formed XML: {e}"));
        let root = xml.root_element();
        assert_eq!(root.tag_name().name(), "svg", "{label}: svg #{i}");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg"),
            "{label}: svg #{i} namespace"
        );
        assert!(
            root.attribute("viewBox").is_some() || root.attribute("width").is_some(),
            "{label}: svg #{i} has no size"
        );
    }
    let radar = roxmltree::Document::parse(svgs[0]).unwrap();
    let polygons: Vec<_> = radar
        .descendants()
        .filter(|n| n.has_tag_name("polygon"))
        .collect();
    assert!(!polygons.is_empty(), "{label}: the radar has no <polygon>");
    assert!(
        polygons
            .iter()
            .any(|p| p.attribute("points").is_some_and(|v| !v.trim().is_empty())),
        "{label}: the radar polygon has no points"
    );
    let bars = roxmltree::Document::parse(svgs[1]).unwrap();
    assert!(
        bars.descendants()
            .filter(|n| n.has_tag_name("rect"))
            .count()
            >= 3,
        "{label}: the bar chart has no bars"
    );

    // A table of steps (分阶段实施方案): a row per step plus the header.
    let steps = roadmap["steps"].as_array().expect("roadmap.steps").len();
    let step_table = doc
        .select(&sel("table"))
        .find(|t| {
            let head: Vec<String> = t.select(&sel("th")).map(text_of).collect();
            head.iter().any(|h| h == "#")
                && head
                    .iter()
                    .any(|h| h == "理由与提升" || h == "Why and what it lifts")
        })
        .unwrap_or_else(|| panic!("{label}: no table of steps"));
    let rows = step_table.select(&sel("tr")).count();
    assert_eq!(rows, steps + 1, "{label}: rows of the step table");
    for (i, s) in roadmap["steps"].as_array().unwrap().iter().enumerate() {
        let name = s["name"][if lang == "en" { "en" } else { "zh" }]
            .as_str()
            .unwrap();
        let row = step_table.select(&sel("tr")).nth(i + 1).unwrap();
        assert!(
            text_of(row).contains(name),
            "{label}: row {} does not name step {name}",
            i + 1
        );
    }

    // No text twice in a step's row (the reason, what it lifts, why).
    for row in step_table.select(&sel("tr")).skip(1) {
        let pieces: Vec<String> = row
            .select(&sel("td"))
            .flat_map(|td| {
                td.inner_html()
                    .split("<br>")
                    .map(strip_tags)
                    .collect::<Vec<_>>()
            })
            .map(|p| p.trim().to_string())
            .filter(|p| p.chars().count() > 8)
            .collect();
        for (i, a) in pieces.iter().enumerate() {
            for (j, b) in pieces.iter().enumerate() {
                assert!(
                    i == j || !a.contains(b.as_str()),
                    "{label}: `{b}` repeated in a step row"
                );
            }
        }
    }

    // 目标等级要求 is filled for every row of the evidence checklist, items as well as scenarios.
    let evidence = doc
        .select(&sel("table"))
        .find(|t| {
            t.select(&sel("th")).any(|h| {
                matches!(
                    text_of(h).as_str(),
                    "目标等级要求" | "What the target grade means"
                )
            })
        })
        .unwrap_or_else(|| panic!("{label}: no evidence table"));
    for row in evidence.select(&sel("tr")).skip(1) {
        let cells: Vec<String> = row.select(&sel("td")).map(text_of).collect();
        assert!(
            cells.get(1).is_some_and(|c| !c.trim().is_empty()),
            "{label}: no target for {:?}",
            cells.first()
        );
    }

    // Self-contained: no script, no external stylesheet, no remote resource.
    assert_eq!(doc.select(&sel("script")).count(), 0, "{label}: <script>");
    assert_eq!(
        doc.select(&sel("link")).count(),
        0,
        "{label}: <link> (stylesheet or other)"
    );
    for tag in ["img", "iframe", "object", "embed", "video", "audio", "base"] {
        assert_eq!(doc.select(&sel(tag)).count(), 0, "{label}: <{tag}>");
    }
    for e in doc.select(&sel("*")) {
        for (attr, value) in e.value().attrs() {
            let v = value.trim().to_ascii_lowercase();
            if matches!(attr, "src" | "href" | "xlink:href" | "action" | "srcset") {
                assert!(
                    !v.starts_with("http") && !v.starts_with("//") && !v.contains("://"),
                    "{label}: <{} {attr}=\"{value}\">",
                    e.value().name()
                );
            }
            assert!(
                !attr.starts_with("on"),
                "{label}: event handler {attr} on <{}>",
                e.value().name()
            );
        }
    }
    let lower = html.to_ascii_lowercase();
    for bad in [
        "src=\"http",
        "src='http",
        "href=\"http",
        "href='http",
        "url(http",
        "url(\"http",
        "url('http",
        "@import",
        "<script",
        "rel=\"stylesheet\"",
        "rel=stylesheet",
    ] {
        assert!(!lower.contains(bad), "{label}: contains `{bad}`");
    }
    // The stylesheet is inline.
    assert_eq!(
        doc.select(&sel("head style")).count(),
        1,
        "{label}: <style>"
    );
}

/// The text of an HTML fragment (tags dropped; entities left as they are).
fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn json_report(path: &str, extra: &[&str]) -> Value {
    let mut args = vec![path, "--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&report(&args)).expect("the JSON report parses")
}

#[test]
fn html_of_every_sample_is_self_contained_and_complete() {
    for (stem, path) in samples() {
        let html = report(&[&path]);
        let explicit = report(&[&path, "--format", "html"]);
        assert_eq!(html, explicit, "{stem}: HTML is the default format");
        let json = json_report(&path, &[]);
        check_html(&stem, &html, "zh-CN", SECTIONS_ZH, &json["roadmap"]);
        // The company is named in the title and the heading.
        let name = json["assessment"]["profile"]["name"].as_str().unwrap();
        let doc = Html::parse_document(&html);
        let h1: Vec<String> = doc.select(&sel("h1")).map(text_of).collect();
        assert_eq!(h1, [name], "{stem}: <h1>");
        let title = doc.select(&sel("title")).next().map(text_of).unwrap();
        assert!(title.starts_with(name), "{stem}: <title> {title}");
    }
}

#[test]
fn html_in_english() {
    let path = "questionnaires/examples/food-processor.yaml";
    let html = report(&[path, "--lang", "en"]);
    let json = json_report(path, &[]);
    check_html("en", &html, "en", SECTIONS_EN, &json["roadmap"]);
}

/// The profile section names the region to county level and the industry by 门类 and 大类, in both
/// languages (English keeps the Chinese names).
#[test]
fn the_profile_names_region_and_industry() {
    let path = "questionnaires/examples/auto-parts-machining.yaml";
    for lang in ["zh", "en"] {
        let html = report(&[path, "--lang", lang]);
        let md = report(&[path, "--lang", lang, "--format", "md"]);
        for (format, text) in [("html", &html), ("md", &md)] {
            let shown = strip_tags(text);
            assert!(
                shown.contains("浙江省温州市瑞安市"),
                "{lang} {format}: no 浙江省温州市瑞安市"
            );
            assert!(
                shown.contains("C 制造业") && shown.contains("36 汽车制造业"),
                "{lang} {format}: no industry names"
            );
        }
    }
}

/// The radar's ring labels and axis labels are text, and every axis has a label.
#[test]
fn radar_labels_every_indicator() {
    for (stem, path) in samples() {
        let html = report(&[&path]);
        let radar = roxmltree::Document::parse(svg_fragments(&html)[0]).unwrap();
        let texts: Vec<String> = radar
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or_default().trim().to_string())
            .collect();
        let doc = Html::parse_document(&html);
        // The indicator table: one row per indicator (minus its header); a not-applicable one has
        // no axis.
        let table = doc.select(&sel("table.indicators")).next().unwrap();
        let indicators: Vec<String> = table
            .select(&sel("tr"))
            .skip(1)
            .filter(|r| !text_of(*r).contains("不适用"))
            .map(|r| text_of(r.select(&sel("td")).nth(1).unwrap()))
            .collect();
        for ind in &indicators {
            assert!(
                texts.iter().any(|t| t.starts_with(ind.as_str())),
                "{stem}: the radar has no label for {ind}; labels {texts:?}"
            );
        }
    }
}

// ------------------------------------------------------------------------------------------------
// (c) Hostile text from the answer sheet

const HOSTILE_NAME: &str = "<script>alert(1)</script>";
const HOSTILE_ASSESSOR: &str = "a|b*c_[x](y)";
const HOSTILE_NOTE: &str = "备份</td><td>x</table>";

/// The auto-parts sample with the profile's name and assessor and one note replaced.
fn hostile_sheet(dir: &TempDir, name: &str, assessor: &str, note: &str) -> String {
    let text = std::fs::read_to_string(
        crate_root()
            .join(EXAMPLES)
            .join("auto-parts-machining.yaml"),
    )
    .unwrap();
    let q = |s: &str| serde_json::to_string(s).unwrap(); // a JSON string is a YAML double-quoted string
    let mut out = String::new();
    let (mut named, mut assessed, mut noted) = (false, false, false);
    for line in text.lines() {
        if !named && line.starts_with("  name: ") {
            out.push_str(&format!("  name: {}\n", q(name)));
            named = true;
        } else if !assessed && line.starts_with("  assessor: ") {
            out.push_str(&format!("  assessor: {}\n", q(assessor)));
            assessed = true;
        } else if !noted && line.starts_with("  data-security: ") {
            out.push_str(&format!(
                "  data-security: {{answer: [C], note: {}}}\n",
                q(note)
            ));
            noted = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(named && assessed && noted, "the sample changed shape");
    dir.write("hostile.yaml", &out)
}

#[test]
fn hostile_text_stays_text() {
    let dir = TempDir::new("hostile");
    let path = hostile_sheet(&dir, HOSTILE_NAME, HOSTILE_ASSESSOR, HOSTILE_NOTE);
    let original = "questionnaires/examples/auto-parts-machining.yaml";

    // HTML: escaped, no script element, the table structure unchanged.
    let html = report(&[&path]);
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
            || html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
        "the name is not escaped as expected"
    );
    assert!(!html.contains(HOSTILE_NAME));
    assert!(!html.contains("</td><td>x"));
    let doc = Html::parse_document(&html);
    assert_eq!(doc.select(&sel("script")).count(), 0, "a <script> element");
    let h1: Vec<String> = doc.select(&sel("h1")).map(text_of).collect();
    assert_eq!(h1, [HOSTILE_NAME], "the name shows as text");
    let title = doc.select(&sel("title")).next().map(text_of).unwrap();
    assert!(title.starts_with(HOSTILE_NAME), "{title}");
    assert!(
        doc.select(&sel(".facts div"))
            .map(text_of)
            .any(|t| t.ends_with(&format!("：{HOSTILE_ASSESSOR}"))),
        "the assessor shows as text"
    );
    let plain = Html::parse_document(&report(&[original]));
    for tag in ["table", "tr", "td", "th", "h2", "svg"] {
        assert_eq!(
            doc.select(&sel(tag)).count(),
            plain.select(&sel(tag)).count(),
            "<{tag}> count differs from the unmodified sample"
        );
    }
    let json = json_report(&path, &[]);
    check_html("hostile", &html, "zh-CN", SECTIONS_ZH, &json["roadmap"]);

    // Markdown: no raw tag, the pipe and emphasis escaped, tables intact.
    let md = report(&[&path, "--format", "md"]);
    assert!(!md.contains("<script"), "raw <script> in Markdown");
    assert!(!md.contains("</td>"), "raw </td> in Markdown");
    assert!(
        md.starts_with("# &lt;script&gt;alert(1)&lt;/script&gt; · "),
        "{}",
        md.lines().next().unwrap_or_default()
    );
    check_md_tables("hostile", &md);
    let row = md
        .lines()
        .find(|l| l.starts_with("| 评估人 |"))
        .expect("the assessor row");
    assert_eq!(md_cells(row), 2, "{row}");
    assert_eq!(row, "| 评估人 | a\\|b\\*c\\_\\[x\\](y) |");

    // JSON: parses and keeps the text verbatim.
    let profile = &json["assessment"]["profile"];
    assert_eq!(profile["name"], HOSTILE_NAME);
    assert_eq!(profile["assessor"], HOSTILE_ASSESSOR);
    let item = json["assessment"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "data-security")
        .unwrap();
    assert_eq!(item["note"], HOSTILE_NOTE);
}

/// A backslash before a pipe must not undo the pipe's escape: `a\|b` is one cell.
#[test]
fn markdown_backslash_cannot_split_a_table_cell() {
    let dir = TempDir::new("backslash");
    for (i, assessor) in ["a\\|b", "a\\", "x\\\\|y", "a\\*b\\_c"].iter().enumerate() {
        let path = hostile_sheet(&dir, &format!("公司{i}"), assessor, "n");
        let md = report(&[&path, "--format", "md"]);
        let row = md
            .lines()
            .find(|l| l.starts_with("| 评估人 |"))
            .expect("the assessor row");
        assert_eq!(
            md_cells(row),
            2,
            "assessor {assessor:?} becomes the row {row:?}: the cell splits"
        );
        check_md_tables(assessor, &md);
    }
}

// ------------------------------------------------------------------------------------------------
// (d) --templates

#[test]
fn custom_header_replaces_only_the_header() {
    let dir = TempDir::new("header");
    dir.write(
        "header.html",
        "<header class=\"brand\"><div class=\"brand-name\">某某数字化服务有限公司</div></header>\n",
    );
    for (stem, path) in samples() {
        let html = report(&[&path, "--templates", dir.path()]);
        assert!(html.contains("某某数字化服务有限公司"), "{stem}");
        assert!(
            !html.contains("服务机构可替换本页眉"),
            "{stem}: the bundled header is still there"
        );
        let json = json_report(&path, &[]);
        check_html(&stem, &html, "zh-CN", SECTIONS_ZH, &json["roadmap"]);
        let doc = Html::parse_document(&html);
        assert_eq!(doc.select(&sel("header")).count(), 1, "{stem}");
        assert_eq!(doc.select(&sel("footer")).count(), 1, "{stem}");
        // Everything else is byte for byte the bundled report.
        let bundled = report(&[&path]);
        let strip = |s: &str| {
            let a = s.find("<header").unwrap();
            let b = s.find("</header>").unwrap() + "</header>".len();
            format!("{}{}", &s[..a], &s[b..])
        };
        assert_eq!(
            strip(&html).trim(),
            strip(&bundled).trim(),
            "{stem}: more than the header changed"
        );
        // Markdown has no header template and is unchanged.
        assert_eq!(
            report(&[&path, "--format", "md", "--templates", dir.path()]),
            report(&[&path, "--format", "md"]),
            "{stem}"
        );
    }
}

/// One section replaced from `--templates`: the rest of the report is the bundled one, numbering included.
#[test]
fn one_section_can_be_replaced_alone() {
    let dir = TempDir::new("section");
    dir.write(
        "section_safeguards.md",
        "{%- set sec.n = sec.n + 1 -%}\n## {{ numbered(sec.n) }}实施保障（本机构版本）\n\n由本机构驻场顾问按月回访。\n",
    );
    let path = "questionnaires/examples/furniture-workshop.yaml";
    let custom = report(&[path, "--format", "md", "--templates", dir.path()]);
    let bundled = report(&[path, "--format", "md"]);
    assert!(
        custom.contains("\n## 九、实施保障（本机构版本）\n"),
        "{custom}"
    );
    assert!(!custom.contains("避免被单一服务商锁定"));
    let cut = |s: &str, from: &str, to: &str| {
        let a = s.find(from).unwrap();
        let b = s.find(to).unwrap();
        format!("{}{}", &s[..a], &s[b..])
    };
    assert_eq!(
        cut(&custom, "## 九、", "## 十、"),
        cut(&bundled, "## 九、", "## 十、"),
        "more than the one section changed"
    );
}

/// The client's copy says the level is a self-assessment forecast and carries no note on how sure the
/// level rule is (that is in docs/report.md).
#[test]
fn method_text_is_for_the_client() {
    for (stem, path) in samples() {
        for format in ["html", "md"] {
            let text = report(&[&path, "--format", format]);
            assert!(text.contains("自评预判，以现场评定为准"), "{stem} {format}");
            for internal in ["重构", "待与官方附件核对", "[T]", "medium confidence"] {
                assert!(!text.contains(internal), "{stem} {format}: `{internal}`");
            }
        }
    }
}

#[test]
fn templates_cannot_reach_outside_their_folder() {
    let sample = "questionnaires/examples/auto-parts-machining.yaml";
    let cargo_toml = std::fs::read_to_string(crate_root().join("Cargo.toml")).unwrap();
    let absolute = crate_root().join("Cargo.toml").display().to_string();
    let cases: Vec<(&str, String)> = vec![
        ("report.html", "{% include \"../Cargo.toml\" %}".into()),
        ("report.html", "{% include \"..\\\\Cargo.toml\" %}".into()),
        ("report.html", "{% extends \"../Cargo.toml\" %}".into()),
        ("report.html", "{% import \"../Cargo.toml\" as x %}".into()),
        ("report.html", format!("{{% include \"{absolute}\" %}}")),
        (
            "report.html",
            format!("{{% include \"{absolute}\" ignore missing %}}x"),
        ),
        ("header.html", "{% include \"../Cargo.toml\" %}".into()),
        ("report.md", "{% include \"../Cargo.toml\" %}".into()),
    ];
    for (file, body) in cases {
        let dir = TempDir::new("escape");
        dir.write(file, &body);
        let format = if file.ends_with(".md") { "md" } else { "html" };
        let run = smedx(&[
            "report",
            sample,
            "--format",
            format,
            "--templates",
            dir.path(),
        ]);
        for leak in ["[package]", "name = \"smedx\"", "[dependencies]"] {
            assert!(
                !run.stdout.contains(leak) && !run.stderr.contains(leak),
                "{file} `{body}`: Cargo.toml leaks ({leak})"
            );
        }
        assert!(!run.stdout.contains(cargo_toml.trim()), "{file} `{body}`");
        if body.contains("ignore missing") {
            // Allowed to render, but without the file.
            continue;
        }
        assert_ne!(run.code, 0, "{file} `{body}`: exit 0");
        assert!(
            run.stdout.is_empty(),
            "{file} `{body}`: wrote a report:\n{}",
            run.stdout
        );
        assert!(
            run.stderr.contains("Cargo.toml"),
            "{file} `{body}`: the error does not name the template: {}",
            run.stderr
        );
    }
}

// ------------------------------------------------------------------------------------------------
// (e) JSON

#[test]
fn json_has_the_sections_and_the_roadmap_with_projections() {
    for (stem, path) in samples() {
        let json = json_report(&path, &[]);
        let obj = json.as_object().expect("a JSON object");
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["assessment", "firm", "problems", "risks", "roadmap"],
            "{stem}"
        );
        // 企业现状 names the industry, not only its code; 问题清单 and the risks are there.
        let industry = json["firm"]["industry"]["zh"].as_str().unwrap_or_default();
        assert!(!industry.is_ascii(), "{stem}: {industry}");
        assert!(
            json["problems"].as_array().is_some_and(|p| !p.is_empty()),
            "{stem}"
        );
        assert!(
            json["risks"].as_array().is_some_and(|r| r.len() >= 3),
            "{stem}"
        );
        let a = &json["assessment"];
        let level = a["level"].as_u64().expect("assessment.level");
        assert!(
            a["level_score"].is_f64() || a["level_score"].is_u64(),
            "{stem}"
        );
        let r = &json["roadmap"];
        let phases = r["phases"].as_array().expect("roadmap.phases");
        let steps = r["steps"].as_array().expect("roadmap.steps");
        assert_eq!(phases.is_empty(), steps.is_empty(), "{stem}");
        let mut last = level;
        for ph in phases {
            let p = ph["projected_level"]
                .as_u64()
                .unwrap_or_else(|| panic!("{stem}: phase without projected_level: {ph}"));
            assert!(p <= 4 && p >= last, "{stem}: projections go {last} → {p}");
            assert!(ph["projected_score"].is_number(), "{stem}");
            last = p;
        }
        assert_eq!(r["final_level"].as_u64(), Some(last), "{stem}");
        assert_eq!(
            r["reaches_target"].as_bool(),
            Some(last >= r["target_level"].as_u64().unwrap()),
            "{stem}"
        );
        // The JSON is data: the same in either language.
        let en = json_report(&path, &["--lang", "en"]);
        assert_eq!(en, json, "{stem}: JSON does not depend on --lang");
    }
    // The auto-parts shop has a plan with at least one phase.
    let json = json_report("questionnaires/examples/auto-parts-machining.yaml", &[]);
    assert!(!json["roadmap"]["phases"].as_array().unwrap().is_empty());
}

/// `--target` and `--budget` (万元) reach the plan.
#[test]
fn target_and_budget_options_reach_the_roadmap() {
    let path = "questionnaires/examples/auto-parts-machining.yaml";
    let json = json_report(path, &["--target", "3", "--budget", "5"]);
    let r = &json["roadmap"];
    assert_eq!(r["target_level"], 3);
    assert_eq!(r["budget"].as_f64(), Some(50_000.0));
    let items: Vec<&serde_json::Value> = r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .chain(r["measures"].as_array().unwrap())
        .collect();
    // The budget is per year; before subsidies the outlay over the plan's years stays within it.
    let outlay: f64 = items
        .iter()
        .map(|s| {
            s["cost"]["list"].as_f64().unwrap() - s["cost"]["platform_discount"].as_f64().unwrap()
        })
        .sum();
    let years = r["investment"]["years"].as_f64().unwrap();
    assert!(outlay <= 50_000.0 * years + 1e-6, "{outlay}");
    let spent: f64 = items
        .iter()
        .map(|s| s["cost"]["enterprise"].as_f64().unwrap())
        .sum();
    assert!(
        (r["total"]["enterprise"].as_f64().unwrap() - spent).abs() < 1e-6,
        "total"
    );
    let md = report(&[path, "--format", "md", "--target", "3", "--budget", "5"]);
    assert!(
        md.contains("路线图目标：三级"),
        "the Markdown names the target"
    );
}

/// Invalid option values are refused with exit 2 and no report.
#[test]
fn bad_options_are_refused() {
    let path = "questionnaires/examples/auto-parts-machining.yaml";
    for args in [
        vec!["report", path, "--format", "xml"],
        vec!["report", path, "--lang", "fr"],
        vec!["report", path, "--target", "0"],
        vec!["report", path, "--budget", "lots"],
        vec!["report", "questionnaires/examples/no-such-file.yaml"],
    ] {
        let run = smedx(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}");
    }
}

// ------------------------------------------------------------------------------------------------
// Shape from the model: a model with six levels and nine dimensions, through the library's pipeline

/// Score and plan a fixture model's answers through the library's pipeline (an empty catalog: the
/// bundled one is written for sme-dx-2024), and render the report.
fn fixture_report(
    model_file: &str,
    answers_file: &str,
) -> (smedx::report::ReportContext, String, String) {
    use smedx::pipeline::Pipeline;
    use smedx::report::ReportFormat;
    use smedx::roadmap::{Catalog, PlanRequest};
    use smedx::source_file::SourceFile;
    use smedx::text::Lang;

    let fixtures = crate_root().join("tests/fixtures");
    let loaded = smedx::model::load_model(
        &SourceFile::read(&fixtures.join("models").join(model_file)).unwrap(),
    );
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let model = loaded.model.unwrap();
    let (catalog, diags) = Catalog::load(
        &SourceFile::from_text("empty.yaml", "entries: []\n"),
        &model,
    );
    assert!(diags.is_empty(), "{diags:#?}");
    let catalog = catalog.unwrap();
    let pipeline = Pipeline {
        model: &model,
        catalog: &catalog,
        policies: &[],
        tuning: &smedx::roadmap::Tuning::bundled(),
        templates: None,
    };
    let source = SourceFile::read(&fixtures.join("answers").join(answers_file)).unwrap();
    let (sheet, diags) = pipeline.check(&source);
    assert!(diags.is_empty(), "{diags:#?}");
    let sheet = sheet.unwrap();
    let ctx = pipeline.context(&sheet, &PlanRequest::default(), Lang::Zh);
    let html = pipeline.render(&ctx, ReportFormat::Html, Lang::Zh).unwrap();
    let md = pipeline.render(&ctx, ReportFormat::Md, Lang::Zh).unwrap();
    (ctx, html, md)
}

#[test]
fn a_model_with_six_levels_and_nine_dimensions_sizes_the_report() {
    let (ctx, html, md) = fixture_report("report-six-by-nine.yaml", "report-six-by-nine.yaml");
    assert_eq!(ctx.assessment.dimensions.len(), 9);
    assert_eq!(ctx.assessment.next_level.as_ref().map(|g| g.level), Some(3));
    // Nine dimensions: two indicators each, but the scenario dimension has one node.
    assert_eq!(ctx.indicators.len(), 17);
    let na: Vec<&str> = ctx
        .indicators
        .iter()
        .filter(|r| r.score.is_none())
        .map(|r| r.title.zh.as_str())
        .collect();
    assert_eq!(na, ["数据乙"]);
    assert_eq!(ctx.assessment.level_name.zh, "二级");

    let svgs = svg_fragments(&html);
    assert_eq!(svgs.len(), 2);
    // The radar has an axis (a point) per applicable indicator, none for the one not applicable.
    let radar = roxmltree::Document::parse(svgs[0]).unwrap();
    let points = radar
        .descendants()
        .filter(|n| n.has_tag_name("circle"))
        .count();
    assert_eq!(points, 16, "one point per applicable indicator");
    assert!(!svgs[0].contains("数据乙"));
    // The bars list all seventeen, the one not applicable as words, not as an empty bar.
    for r in &ctx.indicators {
        assert!(svgs[1].contains(&r.title.zh), "no bar for {}", r.title.zh);
    }
    assert!(svgs[1].contains("不适用"));
    let doc = Html::parse_document(&html);
    let rows = doc.select(&sel("table.indicators tr")).count();
    assert_eq!(rows, 17 + 1, "indicator rows plus the header");
    // The gap names the model's next level and the scenario grid has the model's three scenarios.
    assert!(html.contains("距三级还差"), "the gap to the next level");
    assert_eq!(doc.select(&sel(".grid .cell")).count(), 3);
    let h2: Vec<String> = doc.select(&sel("h2")).map(text_of).collect();
    assert_eq!(h2, SECTIONS_ZH);

    check_md_tables("six-by-nine", &md);
    assert_eq!(md.matches("\n| 数据维度 |").count(), 2);
}

/// A model without scenarios (the EDIH DMA fixture): no scenario grid, no scenario problem, the report
/// still complete.
#[test]
fn a_model_without_scenarios_renders_every_section() {
    let (ctx, html, md) = fixture_report("edih-dma.yaml", "edih-example.yaml");
    assert!(ctx.scenario_groups.is_empty());
    assert!(
        ctx.problems
            .iter()
            .all(|p| p.kind != smedx::report::sections::ProblemKind::Scenario)
    );
    assert!(!ctx.problems.is_empty(), "weak answers are listed");
    let doc = Html::parse_document(&html);
    let h2: Vec<String> = doc.select(&sel("h2")).map(text_of).collect();
    assert_eq!(h2, SECTIONS_ZH);
    assert_eq!(doc.select(&sel(".grid .cell")).count(), 0);
    assert_eq!(svg_fragments(&html).len(), 2);
    check_md_tables("edih", &md);
}

/// 问题清单 starts with what the firm said hurts, then weak answers, then scenarios (constrained first);
/// a firm without IT staff gets the talent note written for it, not the general one as well.
#[test]
fn problems_start_with_the_stated_pain_points() {
    let dir = TempDir::new("pain");
    let text = std::fs::read_to_string(crate_root().join(EXAMPLES).join("furniture-workshop.yaml"))
        .unwrap()
        .replace(
            "  pain_points: [交期不准, 成本核算不清, 库存积压]",
            "  pain_points: [交期不准, 老师傅退休后没人会排料]",
        );
    assert!(
        text.contains("老师傅退休后没人会排料"),
        "the sample still states its pain points on one line"
    );
    let path = dir.write("pain.yaml", &text);
    let json = json_report(&path, &[]);
    let problems = json["problems"].as_array().unwrap();
    let kinds: Vec<&str> = problems
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(&kinds[..2], ["pain_point", "pain_point"]);
    assert_eq!(problems[1]["title"]["zh"], "老师傅退休后没人会排料");
    let first_scenario = kinds.iter().position(|k| *k == "scenario").unwrap();
    assert!(
        kinds[2..first_scenario].iter().all(|k| *k == "weak_item"),
        "{kinds:?}"
    );
    let constrained: Vec<bool> = problems[first_scenario..]
        .iter()
        .map(|p| p["constrained"].as_bool().unwrap())
        .collect();
    assert!(
        constrained.windows(2).all(|w| w[0] >= w[1]),
        "constrained first: {constrained:?}"
    );
    let risks: Vec<&str> = json["risks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(
        risks.contains(&"talent") && !risks.contains(&"talent-general"),
        "{risks:?}"
    );
    let md = report(&[&path, "--format", "md"]);
    assert!(
        md.contains("| 企业自述痛点 | 交期不准、老师傅退休后没人会排料 |"),
        "{md}"
    );
}

/// The English report names the stated pain points in English (the vocabulary's titles); the Chinese
/// one keeps the firm's own words.
#[test]
fn stated_pain_points_follow_the_report_language() {
    let path = "questionnaires/examples/logistics-services.yaml";
    let en = report(&[path, "--format", "md", "--lang", "en"]);
    assert!(
        en.contains("| Pain points stated | Many empty runs, High energy use, Slow collection of receivables |"),
        "{en}"
    );
    assert!(!en.contains("车辆空驶率高"), "{en}");
    let zh = report(&[path, "--format", "md"]);
    assert!(
        zh.contains("| 企业自述痛点 | 车辆空驶率高、能耗高、账款回收慢 |"),
        "{zh}"
    );
}

/// The review checklist names each option to show once, and only options the firm does not have
/// yet (two steps adding one option to the same item, or a step adding one already ticked, used to
/// list it twice or at all).
#[test]
fn the_review_checklist_lists_each_new_option_once() {
    let dir = crate_root().join("reports");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("md") {
            continue;
        }
        let md = std::fs::read_to_string(&path).unwrap();
        let sample = crate_root()
            .join(EXAMPLES)
            .join(path.file_stem().unwrap())
            .with_extension("yaml");
        let Ok(answers) = std::fs::read_to_string(&sample) else {
            continue;
        };
        let Some(list) = md.split("佐证材料清单").nth(1) else {
            continue;
        };
        for line in list
            .lines()
            .filter(|l| l.starts_with("- **已实现数据自动采集"))
        {
            let picked = line.split("**：").nth(1).unwrap();
            let parts: Vec<&str> = picked.split('；').collect();
            for (k, p) in parts.iter().enumerate() {
                assert!(
                    !parts[..k].contains(p),
                    "{}: {p} twice in {line}",
                    path.display()
                );
            }
            // The sheet's answer to data-collection-coverage, as written: `[F, G]` or `{answer: [..]}`.
            let had = answers
                .lines()
                .find(|l| l.trim_start().starts_with("data-collection-coverage:"))
                .unwrap_or_default();
            let had = had
                .split('[')
                .nth(1)
                .and_then(|r| r.split(']').next())
                .unwrap_or("");
            for p in &parts {
                let id = p.split(' ').next().unwrap();
                assert!(
                    !had.split(',').any(|h| h.trim() == id),
                    "{}: {id} is already answered ({had})",
                    path.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 5, "{checked} checklists with data collection");
}
