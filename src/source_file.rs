//! Reading user files safely: size limit, UTF-8 BOM, foreign encodings, YAML budgets.

use crate::diag::{Arg, Diagnostic, Pos};
use crate::text::Text;
use serde::de::DeserializeOwned;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// A decoded text file, kept to quote lines in diagnostics.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown in diagnostics (the path as the user gave it).
    pub name: String,
    pub text: String,
}

impl SourceFile {
    /// A source held in memory (embedded defaults, tests).
    pub fn from_text(name: &str, text: &str) -> SourceFile {
        SourceFile {
            name: name.to_string(),
            text: text.strip_prefix('\u{feff}').unwrap_or(text).to_string(),
        }
    }

    /// Read a file, refusing huge files and text that is not UTF-8.
    pub fn read(path: &Path) -> Result<SourceFile, Diagnostic> {
        let bytes = read_limited(path)?;
        Self::decode(&display_name(path), bytes)
    }

    /// Decode bytes as UTF-8 (BOM allowed), with a clear message for GBK and UTF-16 files.
    pub fn decode(name: &str, bytes: Vec<u8>) -> Result<SourceFile, Diagnostic> {
        let fail = |variant| {
            Diagnostic::error("wrong-encoding")
                .variant(variant)
                .arg("file", name)
                .in_file(name)
        };
        if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            return Err(fail("utf16"));
        }
        match String::from_utf8(bytes) {
            Ok(text) => {
                if text.contains('\0') {
                    return Err(fail("nul"));
                }
                Ok(SourceFile::from_text(name, &text))
            }
            Err(err) => {
                let bytes = err.into_bytes();
                let looks_gbk = encoding_rs::GBK
                    .decode_without_bom_handling_and_without_replacement(&bytes)
                    .is_some();
                // In a GBK file some characters happen to be valid UTF-8: point at the first
                // non-ASCII byte instead of the first invalid one.
                let at = if looks_gbk {
                    bytes.iter().position(|b| *b >= 0x80).unwrap_or(0)
                } else {
                    first_invalid_utf8(&bytes)
                };
                let (line, column) = position_of_byte(&bytes, at);
                Err(fail(if looks_gbk { "gbk" } else { "invalid" }).at(Pos { line, column }))
            }
        }
    }

    /// Parse the text as YAML (JSON is accepted too) into `T`, with budgets against alias bombs.
    pub fn parse_yaml<T: DeserializeOwned>(&self) -> Result<T, Diagnostic> {
        serde_saphyr::from_str_with_options(&self.text, yaml_options())
            .map_err(|e| yaml_error(&self.name, &self.text, &e))
    }
}

/// What smedx reads at most. The defaults suit every real file; the command line may change them
/// once, before anything is read (`--max-file-mib`, …), so one process has one set of limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of one whole file read at once: a model, an answer sheet, a workbook, a CSV batch.
    pub file_bytes: u64,
    /// Bytes of one record of a streamed input (a line of JSON Lines).
    pub record_bytes: u64,
    /// Bytes all the parts of one workbook (a zip archive) may inflate to.
    pub unpacked_bytes: u64,
    /// Bytes one part of a workbook may inflate to.
    pub part_bytes: u64,
    /// Non-empty cells read from one workbook.
    pub cells: u64,
    /// Rows of one CSV batch or workbook table (one enterprise each).
    pub rows: u64,
    /// Columns of one CSV batch or workbook table.
    pub columns: u64,
    /// Values (mappings, lists and scalars) of one YAML or JSON file.
    pub yaml_nodes: u64,
}

const MIB: u64 = 1024 * 1024;

impl Limits {
    /// The limits of a run that sets none.
    pub const DEFAULT: Limits = Limits {
        file_bytes: 16 * MIB,
        record_bytes: MIB,
        unpacked_bytes: 64 * MIB,
        part_bytes: 32 * MIB,
        cells: 2_000_000,
        rows: 100_000,
        columns: 10_000,
        yaml_nodes: 250_000,
    };

    /// The limits in force.
    pub fn get() -> Limits {
        *LIMITS
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Put these limits in force for the rest of the process.
    pub fn set(self) {
        *LIMITS
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = self;
    }
}

static LIMITS: std::sync::RwLock<Limits> = std::sync::RwLock::new(Limits::DEFAULT);

/// Largest model or answer file accepted by default. Real files are a few hundred KiB at most.
pub const MAX_FILE_BYTES: u64 = Limits::DEFAULT.file_bytes;

/// The name standard input goes by on the command line.
pub const STDIN: &str = "-";

/// The name diagnostics give a path: as the user wrote it, `<stdin>` for `-`.
pub fn display_name(path: &Path) -> String {
    if path == Path::new(STDIN) {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// The bytes of a file (or of standard input for `-`), at most the file limit in force, counted as
/// they are read: a device such as `/dev/zero`, a FIFO or a file that grows cannot get past it.
pub fn read_limited(path: &Path) -> Result<Vec<u8>, Diagnostic> {
    read_at_most(path, Limits::get().file_bytes)
}

/// The bytes of a file (or of standard input for `-`), refused once more than `limit` were read.
pub fn read_at_most(path: &Path, limit: u64) -> Result<Vec<u8>, Diagnostic> {
    let name = display_name(path);
    if path == Path::new(STDIN) {
        return read_to_limit(std::io::stdin().lock(), &name, limit, 0);
    }
    let file = open_regular(path)?;
    let hint = file.metadata().map_or(0, |m| m.len());
    read_to_limit(file, &name, limit, hint)
}

fn read_to_limit(
    reader: impl Read,
    name: &str,
    limit: u64,
    size_hint: u64,
) -> Result<Vec<u8>, Diagnostic> {
    let mut bytes = Vec::with_capacity(usize::try_from(size_hint.min(limit)).unwrap_or(0));
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| {
            Diagnostic::error("file-unreadable")
                .arg("file", name)
                .arg("reason", io_reason(&e))
                .in_file(name)
        })?;
    if bytes.len() as u64 > limit {
        return Err(too_large(name, limit));
    }
    Ok(bytes)
}

/// The diagnostic for a file over `limit` bytes.
pub fn too_large(name: &str, limit: u64) -> Diagnostic {
    Diagnostic::error("file-too-large")
        .arg("file", name)
        .arg("limit", limit)
        .arg("mib", limit.div_ceil(MIB))
        .in_file(name)
}

/// Open a file to read it, refusing folders, FIFOs, devices and sockets (symbolic links are
/// followed). The type is checked before opening, so that a device is not opened at all, and again
/// on the open handle, which is what is read; the open does not wait for a FIFO's writer.
pub fn open_regular(path: &Path) -> Result<File, Diagnostic> {
    let name = path.display().to_string();
    let unreadable = |e: std::io::Error| {
        Diagnostic::error("file-unreadable")
            .arg("file", &name)
            .arg("reason", io_reason(&e))
            .in_file(&name)
    };
    check_file_type(&name, &std::fs::metadata(path).map_err(unreadable)?)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(unreadable)?;
    check_file_type(&name, &file.metadata().map_err(unreadable)?)?;
    Ok(file)
}

fn check_file_type(name: &str, meta: &std::fs::Metadata) -> Result<(), Diagnostic> {
    if meta.is_dir() {
        return Err(Diagnostic::error("file-unreadable")
            .variant("folder")
            .arg("file", name)
            .in_file(name));
    }
    if !meta.is_file() {
        return Err(Diagnostic::error("not-a-regular-file")
            .arg("file", name)
            .arg("kind", file_type_name(meta))
            .in_file(name));
    }
    Ok(())
}

fn file_type_name(meta: &std::fs::Metadata) -> Text {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return Text::new("命名管道（FIFO）", "a FIFO (named pipe)");
        }
        if t.is_char_device() || t.is_block_device() {
            return Text::new("设备", "a device");
        }
        if t.is_socket() {
            return Text::new("套接字", "a socket");
        }
    }
    let _ = meta;
    Text::new("特殊文件", "not a file")
}

/// Parser options: YAML 1.2 booleans only (so an option id `no` stays a string), the parser's
/// default budgets but for the number of values, which is the limit in force.
pub fn yaml_options() -> serde_saphyr::Options {
    let nodes = usize::try_from(Limits::get().yaml_nodes).unwrap_or(usize::MAX);
    serde_saphyr::options! {
        strict_booleans: true,
        with_snippet: false,
        budget: serde_saphyr::budget! { max_nodes: nodes },
    }
}

/// Why a file cannot be read, in both languages (the system's own words stay in English).
pub fn io_reason(e: &std::io::Error) -> Text {
    let zh = match e.kind() {
        std::io::ErrorKind::NotFound => "文件或文件夹不存在".to_string(),
        std::io::ErrorKind::PermissionDenied => "没有读取权限".to_string(),
        _ => e.to_string(),
    };
    Text {
        zh,
        en: e.to_string(),
    }
}

fn yaml_error(name: &str, text: &str, e: &serde_saphyr::Error) -> Diagnostic {
    let message = e.without_snippet().to_string();
    let pos = e.location().map(Pos::of).unwrap_or(Pos::UNKNOWN);
    let first = strip_location_suffix(&message);
    let lower = first.to_lowercase();
    let reason: String = if first.chars().count() > 300 {
        first.chars().take(300).collect::<String>() + "…"
    } else {
        first.clone()
    };
    let d = if lower.contains("budget breached")
        || lower.contains("recursion limit")
        || lower.contains("alias") && lower.contains("limit")
    {
        let variant = if lower.contains("depth") || lower.contains("recursion") {
            "depth"
        } else if lower.contains("alias") {
            "aliases"
        } else {
            "values"
        };
        Diagnostic::error("yaml-too-complex").variant(variant)
    } else if lower.contains("duplicate mapping key") {
        let key = first
            .split("duplicate mapping key:")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .map(str::trim)
            .unwrap_or("");
        Diagnostic::error("duplicate-key").quoted("key", key)
    } else if lower.contains("unknown field") {
        let found = between(&first, "unknown field `", "`");
        let expected: Vec<&str> = first
            .split("expected one of ")
            .nth(1)
            .unwrap_or("")
            .split(", ")
            .map(|x| x.trim_matches(|c| c == '`' || c == ' '))
            .filter(|x| !x.is_empty())
            .collect();
        let near = found.and_then(|f| crate::text::closest(f, expected.iter().copied()));
        Diagnostic::error("unknown-field")
            .quoted("key", found.unwrap_or("?"))
            .arg("hint", Arg::suggestion(near, expected))
    } else if lower.contains("missing field") {
        Diagnostic::error("missing-field").arg("reason", reason)
    } else if lower.contains("invalid type")
        || lower.contains("invalid value")
        || lower.contains("unknown variant")
        || lower.starts_with("invalid ")
        || lower.contains("expected mapping")
        || lower.contains("expected sequence")
        || lower.contains("mapping key must be")
    {
        Diagnostic::error("wrong-type").arg("reason", reason)
    } else {
        let d = Diagnostic::error("yaml-syntax").arg("reason", reason);
        match full_width_colon(text, pos) {
            Some((line, written)) => d
                .variant("full_width_colon")
                .arg("line", line)
                .arg(
                    "fixed",
                    written.replacen('：', ": ", 1).replace(":  ", ": "),
                )
                .arg("written", written),
            None => d,
        }
    };
    d.in_file(name).at(pos)
}

/// The line (1-based, and its text trimmed) at or just before `pos` that uses a full-width colon
/// `：` where YAML needs `:` — the error is often reported on the line after.
fn full_width_colon(text: &str, pos: Pos) -> Option<(u32, String)> {
    let at = pos.line.max(1);
    (at.saturating_sub(2).max(1)..=at).rev().find_map(|n| {
        let line = text.lines().nth(n as usize - 1)?;
        let code = line.split('#').next().unwrap_or("").trim();
        code.contains('：').then(|| (n, code.to_string()))
    })
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &text[text.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

/// serde-saphyr appends " at line X column Y" (and more); the location is shown separately.
fn strip_location_suffix(text: &str) -> String {
    let first = text.lines().next().unwrap_or(text).trim();
    match first.find(" at line ") {
        Some(i) => first[..i].to_string(),
        None => first.to_string(),
    }
}

fn first_invalid_utf8(bytes: &[u8]) -> usize {
    match std::str::from_utf8(bytes) {
        Ok(_) => bytes.len(),
        Err(e) => e.valid_up_to(),
    }
}

fn position_of_byte(bytes: &[u8], offset: usize) -> (u32, u32) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_is_dropped() {
        let s = SourceFile::decode("a", b"\xEF\xBB\xBFid: x\n".to_vec()).unwrap();
        assert_eq!(s.text, "id: x\n");
    }

    #[test]
    fn gbk_is_named() {
        // "名称: 家具" in GBK
        let (bytes, _, _) = encoding_rs::GBK.encode("名称: 家具\n");
        let d = SourceFile::decode("a.yaml", bytes.into_owned()).unwrap_err();
        assert_eq!(d.code, "wrong-encoding");
        let message = d.message_in(crate::text::Lang::En);
        assert!(message.contains("GBK"), "{message}");
        assert_eq!((d.location.pos().line, d.location.pos().column), (1, 1));
    }

    #[test]
    fn utf16_is_refused() {
        let d = SourceFile::decode("a", vec![0xFF, 0xFE, b'a', 0]).unwrap_err();
        assert!(d.message_in(crate::text::Lang::Zh).contains("UTF-16 编码"));
        assert!(d.message_in(crate::text::Lang::En).contains("UTF-16"));
    }

    #[test]
    fn a_full_width_colon_gets_a_hint() {
        let source = SourceFile::from_text(
            "a.yaml",
            "profile:\n  name: 华兴\n  employees：45\n  revenue: 10\n",
        );
        let d = source.parse_yaml::<crate::yaml_value::Node>().unwrap_err();
        assert_eq!(
            (d.code, d.variant),
            ("yaml-syntax", Some("full_width_colon"))
        );
        let zh = d.help_in(crate::text::Lang::Zh).unwrap();
        assert!(
            zh.contains("把 `employees：45` 改成 `employees: 45`"),
            "{zh}"
        );
        let en = d.help_in(crate::text::Lang::En).unwrap();
        assert!(en.contains("`employees: 45`, not `employees：45`"), "{en}");
    }

    #[test]
    fn a_file_is_read_up_to_the_limit_and_refused_past_it() {
        let path = std::env::temp_dir().join(format!("smedx-limit-{}.yaml", std::process::id()));
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_at_most(&path, 10).unwrap(), b"0123456789");
        let d = read_at_most(&path, 9).unwrap_err();
        assert_eq!(d.code, "file-too-large");
        let message = d.message_in(crate::text::Lang::En);
        assert!(message.contains("more than 9 bytes"), "{message}");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_folder_is_named_as_one() {
        let d = read_at_most(Path::new(env!("CARGO_MANIFEST_DIR")), 10).unwrap_err();
        assert_eq!(d.code, "file-unreadable");
        let message = d.message_in(crate::text::Lang::En);
        assert!(message.contains("is a folder"), "{message}");
    }

    #[test]
    #[cfg(unix)]
    fn a_device_is_refused_by_type() {
        let d = read_at_most(Path::new("/dev/null"), 10).unwrap_err();
        assert_eq!(d.code, "not-a-regular-file");
        let message = d.message_in(crate::text::Lang::En);
        assert!(message.contains("is a device"), "{message}");
    }
}
