//! `smedx report -o r.pdf | r.docx` through the real binary, read back with independent tools:
//! `pdftotext`, `pdfinfo` and `pdftoppm` (poppler-utils) for the PDF, the zip's `word/document.xml`
//! and LibreOffice Writer for Word; the provider's brand and `reference.docx` from a templates
//! folder; and the output format chosen by `-o`'s extension for every command that writes a file.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

const SAMPLE: &str = "questionnaires/examples/electronics-assembler.yaml";

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

const SCRIPT_NAME: &str = "<script>alert(1)</script>";
const TYPST_NAME: &str = r"#set page(width: 1pt) $x$ \ *a*";

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "smedx-docs-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn path(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Run smedx; (exit code, standard error).
fn smedx(args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("smedx")
        .unwrap()
        .current_dir(crate_root())
        .env("SMEDX_LANG", "zh")
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    (out.status.code().expect("exited normally"), stderr)
}

/// Write a report to `out`, which must succeed.
fn report(sheet: &str, out: &str) {
    let (code, stderr) = smedx(&["report", sheet, "--as-of", "2026-10-20", "-o", out]);
    assert_eq!(code, 0, "report {sheet} -o {out}: {stderr}");
}

/// A tool's standard output; the test fails with how to install it when it is missing.
fn tool(name: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name}: {e} (install poppler-utils)"));
    assert!(
        out.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The sample with its company name replaced.
fn sheet_named(dir: &TempDir, name: &str) -> String {
    let text = std::fs::read_to_string(crate_root().join(SAMPLE)).unwrap();
    let mut done = false;
    let out: String = text
        .lines()
        .map(|l| {
            if !done && l.starts_with("  name: ") {
                done = true;
                format!("  name: {}\n", serde_json::to_string(name).unwrap())
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert!(done, "the sample changed shape");
    let path = dir.path("named.yaml");
    std::fs::write(&path, out).unwrap();
    path
}

/// Pages rendered in grey by pdftoppm at `dpi`: (width, height, pixels) per page.
fn pages(pdf: &str, dir: &TempDir, dpi: u32) -> Vec<(usize, usize, Vec<u8>)> {
    let prefix = dir.path("page");
    tool("pdftoppm", &["-gray", "-r", &dpi.to_string(), pdf, &prefix]);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pgm"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| pgm(&std::fs::read(f).unwrap()))
        .collect()
}

/// A binary PGM (P5): width, height, 8-bit pixels.
fn pgm(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut fields = Vec::new();
    let mut i = 2;
    while fields.len() < 3 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(
            std::str::from_utf8(&bytes[start..i])
                .unwrap()
                .parse::<usize>()
                .unwrap(),
        );
    }
    assert_eq!(&bytes[..2], b"P5");
    let (w, h) = (fields[0], fields[1]);
    (w, h, bytes[i + 1..i + 1 + w * h].to_vec())
}

/// Share of a page's rows holding a non-white pixel.
fn covered(page: &(usize, usize, Vec<u8>)) -> f64 {
    let (w, h, px) = page;
    let rows = (0..*h)
        .filter(|y| px[y * w..(y + 1) * w].iter().any(|p| *p < 200))
        .count();
    rows as f64 / *h as f64
}

#[test]
fn pdf_holds_the_firm_its_level_and_every_section() {
    let dir = TempDir::new("pdf");
    let pdf = dir.path("r.pdf");
    report(SAMPLE, &pdf);
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let text = tool("pdftotext", &[&pdf, "-"]);
    for want in ["昆山澄川智联电子有限公司", "三级", "评测总分", "目录"] {
        assert!(text.contains(want), "no {want} in the PDF text");
    }
    for s in SECTIONS_ZH {
        // Once in the table of contents, once as the heading.
        assert!(
            text.matches(s).count() >= 2,
            "section {s} not in the PDF (heading and contents)"
        );
    }
    let info = tool("pdfinfo", &[&pdf]);
    assert!(info.contains("841.89 pts (A4)"), "not A4: {info}");
    let n: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(n <= 10, "the electronics sample takes {n} pages");
    let pages = pages(&pdf, &dir, 30);
    assert_eq!(pages.len(), n);
    assert!(covered(&pages[0]) > 0.3, "page 1 is (nearly) blank");
    for (i, p) in pages[..n - 1].iter().enumerate() {
        assert!(
            covered(p) >= 1.0 / 3.0,
            "page {} is {:.0} % covered",
            i + 1,
            covered(p) * 100.0
        );
    }
    // Page numbers and the running header (not on the title page).
    let compact: String = text.chars().filter(|c| *c != ' ').collect();
    assert!(
        compact.contains(&format!("2/{n}")),
        "no page number 2 / {n}"
    );
    assert!(text.contains("中小企业数字化转型"), "no running header");
}

#[test]
fn hostile_names_are_text_in_pdf_and_word() {
    for name in [SCRIPT_NAME, TYPST_NAME] {
        let dir = TempDir::new("hostile");
        let sheet = sheet_named(&dir, name);
        let pdf = dir.path("r.pdf");
        report(&sheet, &pdf);
        let text = tool("pdftotext", &["-f", "1", "-l", "1", &pdf, "-"]);
        assert!(
            text.contains(name),
            "{name} not as text in the PDF:\n{text}"
        );
        let info = tool("pdfinfo", &[&pdf]);
        assert!(
            info.contains("841.89 pts (A4)"),
            "page size changed: {info}"
        );
        let docx = dir.path("r.docx");
        report(&sheet, &docx);
        let xml = document_xml(&docx);
        assert!(
            word_text(&xml).contains(name),
            "{name} not as text in the Word document"
        );
    }
}

fn document_xml(path: &str) -> String {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).expect("a .docx is a zip");
    let mut entry = zip.by_name("word/document.xml").expect("word/document.xml");
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut entry, &mut xml).unwrap();
    xml
}

/// All the text of `w:t` elements, each paragraph on its line.
fn word_text(xml: &str) -> String {
    let doc = roxmltree::Document::parse(xml).expect("well-formed document.xml");
    let mut out = String::new();
    for p in doc.descendants().filter(|n| n.has_tag_name("p")) {
        for t in p.descendants().filter(|n| n.has_tag_name("t")) {
            out.push_str(t.text().unwrap_or(""));
        }
        out.push('\n');
    }
    out
}

#[test]
fn word_has_heading_styles_and_the_cost_table_as_a_table() {
    let dir = TempDir::new("docx");
    let docx = dir.path("r.docx");
    report(SAMPLE, &docx);
    let xml = document_xml(&docx);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let style_of = |p: roxmltree::Node| {
        p.descendants()
            .find(|n| n.has_tag_name("pStyle"))
            .and_then(|n| n.attributes().find(|a| a.name() == "val"))
            .map(|a| a.value().to_string())
    };
    let text_of = |n: roxmltree::Node| -> String {
        n.descendants()
            .filter(|t| t.has_tag_name("t"))
            .filter_map(|t| t.text())
            .collect()
    };
    let headings: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("p") && style_of(*n).as_deref() == Some("Heading1"))
        .map(text_of)
        .collect();
    assert_eq!(headings, SECTIONS_ZH, "Heading 1 paragraphs");
    assert!(
        doc.descendants()
            .any(|n| n.has_tag_name("p") && style_of(n).as_deref() == Some("Heading2")),
        "no Heading 2"
    );
    // The cost table: a Word table whose header names the costs, numbers right-aligned.
    let cost = doc
        .descendants()
        .filter(|n| n.has_tag_name("tbl"))
        .find(|t| {
            let s = text_of(*t);
            s.contains("一次性投入") && s.contains("累计企业承担")
        })
        .expect("the cost table is a Word table");
    let rows: Vec<_> = cost.children().filter(|n| n.has_tag_name("tr")).collect();
    assert!(rows.len() >= 3, "cost table rows: {}", rows.len());
    let cells: Vec<_> = rows[1]
        .children()
        .filter(|n| n.has_tag_name("tc"))
        .collect();
    let jc = |c: &roxmltree::Node| {
        c.descendants()
            .find(|n| n.has_tag_name("jc"))
            .and_then(|n| n.attributes().find(|a| a.name() == "val"))
            .map(|a| a.value().to_string())
    };
    assert_eq!(jc(&cells[1]).as_deref(), Some("right"), "number column");
    assert_ne!(jc(&cells[0]).as_deref(), Some("right"), "phase column");
    // Charts as pictures, and the East Asian font named.
    assert!(xml.contains("<pic:pic"), "no chart picture");
    let file = std::fs::File::open(&docx).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut styles = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/styles.xml").unwrap(), &mut styles)
        .unwrap();
    assert!(
        styles.contains("w:eastAsia=\"Noto Sans CJK SC\""),
        "no eastAsia font in styles.xml"
    );
}

/// `word/styles.xml` of a .docx.
fn styles_xml(path: &str) -> String {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut styles = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/styles.xml").unwrap(), &mut styles)
        .unwrap();
    styles
}

/// LibreOffice is installed by .ci/install-documents.sh; outside CI its absence skips the test.
fn soffice() -> bool {
    let found = std::process::Command::new("soffice")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found || std::env::var_os("CI").is_none(),
        "soffice (LibreOffice Writer) is missing in CI: .ci/install-documents.sh installs it"
    );
    found
}

#[test]
fn libreoffice_reads_the_word_report_with_every_section() {
    if !soffice() {
        return;
    }
    let dir = TempDir::new("lo");
    let docx = dir.path("r.docx");
    report(SAMPLE, &docx);
    let out = std::process::Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.path("profile")
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path("lo"))
        .arg(&docx)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "soffice: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = dir.path("lo/r.pdf");
    assert!(Path::new(&pdf).exists(), "LibreOffice wrote no PDF");
    let text = tool("pdftotext", &[&pdf, "-"]);
    for want in ["昆山澄川智联电子有限公司", "三级", "一次性投入"] {
        assert!(text.contains(want), "no {want} in LibreOffice's PDF");
    }
    // Every section, in order.
    let mut at = 0;
    let body = text.rfind(SECTIONS_ZH[0]).unwrap_or(0);
    for s in SECTIONS_ZH {
        let found = text[body..][at..].find(s);
        assert!(found.is_some(), "section {s} missing or out of order");
        at += found.unwrap_or(0);
    }
}

/// A 4 × 2 PNG.
fn png() -> Vec<u8> {
    let mut p = resvg::tiny_skia::Pixmap::new(4, 2).unwrap();
    p.fill(resvg::tiny_skia::Color::from_rgba8(200, 30, 30, 255));
    p.encode_png().unwrap()
}

#[test]
fn the_providers_name_logo_and_word_styles_come_from_the_templates_folder() {
    let dir = TempDir::new("brand");
    let templates = dir.path("tpl");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        dir.path("tpl/brand.yaml"),
        "name: {zh: 澄明数字咨询有限公司, en: Clearview Digital}\nlogo: logo.png\n",
    )
    .unwrap();
    std::fs::write(dir.path("tpl/logo.png"), png()).unwrap();
    // The provider's own reference.docx: the bundled one with Heading 1 in another colour.
    let bundled = crate_root().join("templates/reference.docx");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&bundled).unwrap()).unwrap();
    let mut out =
        zip::ZipWriter::new(std::fs::File::create(dir.path("tpl/reference.docx")).unwrap());
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = String::new();
        std::io::Read::read_to_string(&mut f, &mut data).unwrap();
        if name == "word/styles.xml" {
            data = data.replace("1F4E79", "C00000");
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut out, data.as_bytes()).unwrap();
    }
    out.finish().unwrap();

    let run = |out: &str| {
        let (code, err) = smedx(&[
            "report",
            SAMPLE,
            "--as-of",
            "2026-10-20",
            "--templates",
            &templates,
            "-o",
            out,
        ]);
        assert_eq!(code, 0, "{out}: {err}");
    };
    let pdf = dir.path("r.pdf");
    run(&pdf);
    let text = tool("pdftotext", &[&pdf, "-"]);
    assert!(
        text.contains("澄明数字咨询有限公司"),
        "no provider name in the PDF"
    );
    let images = tool("pdfimages", &["-list", &pdf]);
    assert!(
        images.lines().any(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            cols.get(3..5) == Some(&["4", "2"][..])
        }),
        "no 4 × 2 logo in the PDF:\n{images}"
    );

    let docx = dir.path("r.docx");
    run(&docx);
    let file = std::fs::File::open(&docx).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
    let header = names
        .iter()
        .find(|n| n.starts_with("word/header") && n.ends_with(".xml"))
        .expect("a header part");
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name(header).unwrap(), &mut xml).unwrap();
    assert!(
        xml.contains("澄明数字咨询有限公司"),
        "no provider name in the Word header"
    );
    assert!(xml.contains("<pic:pic"), "no logo in the Word header");
    assert!(
        styles_xml(&docx).contains("C00000"),
        "styles not from reference.docx"
    );

    let html = dir.path("r.html");
    run(&html);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("澄明数字咨询有限公司") && page.contains("data:image/png;base64,"));

    // A logo that is not a PNG is the user's mistake: exit 2, nothing written.
    std::fs::write(dir.path("tpl/logo.png"), "GIF89a").unwrap();
    let bad = dir.path("bad.pdf");
    let (code, err) = smedx(&["report", SAMPLE, "--templates", &templates, "-o", &bad]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("template-error") && err.contains("PNG"),
        "{err}"
    );
    assert!(!Path::new(&bad).exists());
}

#[test]
fn every_command_that_writes_a_file_follows_the_extension() {
    let dir = TempDir::new("formats");
    // Written in the format the extension names.
    let json = dir.path("s.json");
    assert_eq!(smedx(&["score", SAMPLE, "-o", &json]).0, 0);
    assert!(std::fs::read_to_string(&json).unwrap().starts_with('{'));
    let yaml = dir.path("s.yaml");
    assert_eq!(smedx(&["score", SAMPLE, "-o", &yaml]).0, 0);
    assert!(!std::fs::read_to_string(&yaml).unwrap().starts_with('{'));
    let csv = dir.path("t.csv");
    assert_eq!(smedx(&["template", "-o", &csv]).0, 0);
    assert!(!std::fs::read(&csv).unwrap().starts_with(b"PK"));
    let xlsx = dir.path("t.xlsx");
    assert_eq!(smedx(&["template", "-o", &xlsx]).0, 0);
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    // Refused before any work: exit 2, nothing written.
    for (args, out) in [
        (vec!["score", SAMPLE], "a.pdf"),
        (vec!["score", SAMPLE, "--format", "json"], "a.yaml"),
        (vec!["template", "--format", "csv"], "a.xlsx"),
        (vec!["export"], "a.csv"),
        (vec!["schema", "model"], "a.yaml"),
        (vec!["simulate", "-n", "3"], "a.csv"),
        (
            vec!["import", "questionnaires/examples/garment-oem.yaml"],
            "a.json",
        ),
        (vec!["aggregate", "questionnaires/examples"], "a.md"),
    ] {
        let path = dir.path(out);
        let mut args = args.clone();
        args.extend(["-o", &path]);
        let (code, err) = smedx(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("output-format"), "{args:?}: {err}");
        assert!(!Path::new(&path).exists(), "{args:?} wrote {out}");
    }
}

#[test]
fn output_format_follows_the_extension() {
    let dir = TempDir::new("format");
    // The extension decides; --format agreeing is fine.
    let html = dir.path("r.html");
    let (code, err) = smedx(&["report", SAMPLE, "-o", &html, "--format", "html"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        std::fs::read_to_string(&html)
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
    let md = dir.path("r.md");
    assert_eq!(smedx(&["report", SAMPLE, "-o", &md]).0, 0);
    assert!(std::fs::read_to_string(&md).unwrap().starts_with("# "));
    // A contradiction or an unknown extension: exit 2, nothing written.
    for (out, format) in [
        ("c.pdf", Some("html")),
        ("c.txt", None),
        ("c.html", Some("md")),
    ] {
        let path = dir.path(out);
        let mut args = vec!["report", SAMPLE, "-o", &path];
        if let Some(f) = format {
            args.extend(["--format", f]);
        }
        let (code, err) = smedx(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("output-format"), "{err}");
        assert!(!Path::new(&path).exists(), "{out} written");
    }
    // A font that is not one.
    let pdf = dir.path("f.pdf");
    let (code, err) = smedx(&["report", SAMPLE, "-o", &pdf, "--font", "Cargo.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no-font") && err.contains("Cargo.toml"),
        "{err}"
    );
    assert!(!Path::new(&pdf).exists());
}

#[test]
fn the_office_summary_is_a_pdf_and_a_word_document_with_the_html_sections() {
    let dir = TempDir::new("office");
    let html = dir.path("s.html");
    let args = |out: &str| {
        let (code, err) = smedx(&[
            "aggregate",
            "questionnaires/examples",
            "--min-group",
            "1",
            "-o",
            out,
        ]);
        assert_eq!(code, 0, "{out}: {err}");
    };
    args(&html);
    let page = std::fs::read_to_string(&html).unwrap();
    // Every heading of the HTML summary (its sections flow into both documents).
    let headings: Vec<String> = page
        .split("<h2>")
        .skip(1)
        .filter_map(|h| h.split("</h2>").next())
        .map(str::to_string)
        .collect();
    assert!(headings.len() >= 4, "{headings:?}");
    let pdf = dir.path("s.pdf");
    args(&pdf);
    let text = tool("pdftotext", &[&pdf, "-"]);
    let docx = dir.path("s.docx");
    args(&docx);
    let word = word_text(&document_xml(&docx));
    for h in &headings {
        assert!(text.contains(h.as_str()), "{h} not in the PDF summary");
        assert!(word.contains(h.as_str()), "{h} not in the Word summary");
    }
    let xml = document_xml(&docx);
    assert!(xml.contains("w:val=\"Heading1\"") && xml.contains("<w:tbl>"));
    assert!(xml.contains("<pic:pic"), "no chart in the Word summary");
    assert!(tool("pdfinfo", &[&pdf]).contains("(A4)"));
}
