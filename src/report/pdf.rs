//! The report as PDF: the `report.typ` template (minijinja, every value passed as a typst string
//! literal, never as markup) laid out in-process by typst, with CJK fonts from the system.

use super::ReportContext;
use super::brand::Brand;
use crate::text::Lang;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};

/// Where fonts for CJK text are looked for when no `--font` is given (Debian/Ubuntu `fonts-noto-cjk`,
/// Fedora `google-noto-sans-cjk-fonts`, Adobe's Source Han Sans, Arch `noto-fonts-cjk`).
const FONT_DIRS: &[&str] = &[
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "/Library/Fonts",
];

/// Font files recognised as a CJK sans font, by file name, in order of preference.
const CJK_FILES: &[&str] = &[
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJK-Bold.ttc",
    "NotoSansCJKsc-Regular.otf",
    "NotoSansCJKsc-Bold.otf",
    "NotoSansSC-Regular.otf",
    "NotoSansSC-Bold.otf",
    "SourceHanSans-Regular.ttc",
    "SourceHanSans-Bold.ttc",
    "SourceHanSansSC-Regular.otf",
    "SourceHanSansSC-Bold.otf",
];

/// Fonts loaded beside the CJK one when present, for symbols it lacks (✓ ✗ ☐).
const FALLBACK_FILES: &[&str] = &["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"];

/// Families the template asks for, first the one found.
const CJK_FAMILIES: &[&str] = &[
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "Source Han Sans",
];

/// Fonts loaded once and shared by every report made in the process.
pub struct Fonts {
    fonts: Vec<Font>,
    book: LazyHash<FontBook>,
    /// The family the template sets for body text.
    pub family: String,
    /// The files the fonts came from.
    pub files: Vec<PathBuf>,
}

/// No font to lay out Chinese text.
#[derive(Debug)]
pub enum FontError {
    /// `--font PATH` cannot be read or holds no font.
    Unusable { path: PathBuf, reason: String },
    /// No CJK font on the system.
    NoneFound,
}

impl std::fmt::Display for FontError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FontError::Unusable { path, reason } => {
                write!(f, "cannot use {} as a font: {reason}", path.display())
            }
            FontError::NoneFound => write!(
                f,
                "no Chinese font found (looked for Noto Sans CJK SC or Source Han Sans SC under {})",
                FONT_DIRS.join(", ")
            ),
        }
    }
}

impl std::error::Error for FontError {}

/// Every regular file below `dir` whose name is in `names` (symlinks not followed, depth bounded).
fn find_files(dir: &Path, names: &[&str], depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let Ok(t) = e.file_type() else { continue };
        if t.is_dir() && depth > 0 {
            find_files(&e.path(), names, depth - 1, out);
        } else if t.is_file() && e.file_name().to_str().is_some_and(|n| names.contains(&n)) {
            out.push(e.path());
        }
    }
}

fn read_fonts(path: &Path) -> Result<Vec<Font>, FontError> {
    let data = std::fs::read(path).map_err(|e| FontError::Unusable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let fonts: Vec<Font> = Font::iter(Bytes::new(data)).collect();
    if fonts.is_empty() {
        return Err(FontError::Unusable {
            path: path.to_path_buf(),
            reason: "not a TrueType/OpenType font or collection".into(),
        });
    }
    Ok(fonts)
}

impl Fonts {
    /// Load `font` (a .ttf/.otf/.ttc file), or the system's CJK sans font.
    pub fn load(font: Option<&Path>) -> Result<Fonts, FontError> {
        let (fonts, files, family) = match font {
            Some(p) => {
                let fonts = read_fonts(p)?;
                // A collection (.ttc) names several families: prefer the Simplified Chinese one.
                let family = fonts
                    .iter()
                    .map(|f| f.info().family.clone())
                    .find(|f| f.ends_with(" SC"))
                    .unwrap_or_else(|| fonts[0].info().family.clone());
                (fonts, vec![p.to_path_buf()], family)
            }
            None => {
                let mut files = Vec::new();
                for d in FONT_DIRS {
                    find_files(Path::new(d), CJK_FILES, 6, &mut files);
                }
                // One file per name: the first found.
                let mut seen = Vec::new();
                files.retain(|f| {
                    let n = f.file_name().map(|n| n.to_os_string());
                    let fresh = !seen.contains(&n);
                    seen.push(n);
                    fresh
                });
                let mut fonts = Vec::new();
                for f in &files {
                    fonts.extend(read_fonts(f)?);
                }
                let family = CJK_FAMILIES
                    .iter()
                    .find(|fam| fonts.iter().any(|f| f.info().family == **fam))
                    .ok_or(FontError::NoneFound)?
                    .to_string();
                (fonts, files, family)
            }
        };
        let mut fonts = fonts;
        let mut fallback = Vec::new();
        for d in FONT_DIRS {
            find_files(Path::new(d), FALLBACK_FILES, 6, &mut fallback);
        }
        for f in fallback.iter().take(FALLBACK_FILES.len()) {
            if let Ok(more) = read_fonts(f) {
                fonts.extend(more);
            }
        }
        Ok(Fonts {
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
            family,
            files,
        })
    }

    /// The fonts, for the SVG rasteriser of the Word charts.
    pub fn faces(&self) -> &[Font] {
        &self.fonts
    }
}

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("a valid virtual path");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

/// One compilation: the generated source and the charts as files.
struct ReportWorld<'a> {
    fonts: &'a Fonts,
    main: Source,
    files: Vec<(FileId, Bytes)>,
}

impl World for ReportWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotSource)
        }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files
            .iter()
            .find(|(f, _)| *f == id)
            .map(|(_, b)| b.clone())
            .ok_or_else(|| FileError::NotFound(id.vpath().get_with_slash().into()))
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

/// Why a PDF could not be made.
#[derive(Debug)]
pub enum PdfError {
    /// The minijinja step (a `--templates` file, or a bug in a bundled one).
    Template(minijinja::Error),
    /// typst refused the generated source.
    Layout(String),
}

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PdfError::Template(e) => write!(f, "{e}"),
            PdfError::Layout(e) => write!(f, "typst: {e}"),
        }
    }
}

impl std::error::Error for PdfError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PdfError::Template(e) => Some(e),
            PdfError::Layout(_) => None,
        }
    }
}

/// The typst source of the report: `report.typ` and its sections, filled from the context.
pub fn source(
    ctx: &ReportContext,
    templates: Option<&Path>,
    lang: Lang,
    fonts: &Fonts,
    brand: &Brand,
) -> Result<String, minijinja::Error> {
    let env = super::environment(templates.map(Path::to_path_buf), lang);
    let mut value = serde_json::to_value(ctx).map_err(|e| {
        minijinja::Error::new(minijinja::ErrorKind::BadSerialization, e.to_string())
    })?;
    if let Some(o) = value.as_object_mut() {
        o.insert("font_family".into(), fonts.family.clone().into());
        o.insert("has_logo".into(), brand.logo.is_some().into());
        o.insert("brand".into(), serde_json::json!({ "name": brand.name }));
    }
    env.get_template("report.typ")?
        .render(minijinja::value::Serde(&value))
}

/// Lay out the report as PDF.
pub fn render(
    ctx: &ReportContext,
    templates: Option<&Path>,
    lang: Lang,
    fonts: &Fonts,
) -> Result<Vec<u8>, PdfError> {
    let brand = super::brand::load(templates, lang).map_err(PdfError::Template)?;
    let text = source(ctx, templates, lang, fonts, &brand).map_err(PdfError::Template)?;
    let mut files = vec![
        (
            "/radar.svg".to_string(),
            ctx.charts.radar.clone().into_bytes(),
        ),
        (
            "/bars.svg".to_string(),
            ctx.charts.bars.clone().into_bytes(),
        ),
    ];
    files.extend(brand.logo.clone().map(|l| ("/logo.png".to_string(), l)));
    compile(text, fonts, files)
}

/// Compile a typst source; `files` are what it may read (charts, the logo), by absolute path.
pub(super) fn compile(
    text: String,
    fonts: &Fonts,
    files: Vec<(String, Vec<u8>)>,
) -> Result<Vec<u8>, PdfError> {
    let world = ReportWorld {
        fonts,
        main: Source::new(file_id("/report.typ"), text),
        files: files
            .into_iter()
            .map(|(path, bytes)| (file_id(&path), Bytes::new(bytes)))
            .collect(),
    };
    let describe = |diags: &[typst::diag::SourceDiagnostic]| {
        diags
            .iter()
            .map(|d| {
                let at = world
                    .range(d.span)
                    .map(|r| {
                        let line = world.main.text()[..r.start].lines().count().max(1);
                        format!(" (generated report.typ line {line})")
                    })
                    .unwrap_or_default();
                let hints: String = d.hints.iter().map(|h| format!("; hint: {}", h.v)).collect();
                format!("{}{at}{hints}", d.message)
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let doc = typst::compile::<typst_layout::PagedDocument>(&world)
        .output
        .map_err(|e| PdfError::Layout(describe(&e)))?;
    let options = typst_pdf::PdfOptions::default();
    typst_pdf::pdf(&doc, &options).map_err(|e| PdfError::Layout(describe(&e)))
}

/// Markup-safe text: a typst string literal (`#"…";`), shown as text whatever it holds.
pub fn literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_quotes_and_backslashes() {
        assert_eq!(literal(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(literal("x\ny"), r#""x\ny""#);
        assert_eq!(
            literal("#set page(width: 1pt) $x$"),
            "\"#set page(width: 1pt) $x$\""
        );
    }
}
