//! Reading user files safely: size limit, UTF-8 BOM, foreign encodings, YAML budgets.

use crate::diag::{Arg, Diagnostic, Pos};
use crate::text::Text;
use serde::de::DeserializeOwned;
use std::path::Path;

/// Largest model or answer file accepted. Real files are a few hundred KiB at most.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

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
        Self::decode(&path.display().to_string(), bytes)
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

/// The bytes of a file, refusing folders and files over [`MAX_FILE_BYTES`] with a clear diagnostic.
pub fn read_limited(path: &Path) -> Result<Vec<u8>, Diagnostic> {
    let name = path.display().to_string();
    let unreadable = |e: std::io::Error| {
        Diagnostic::error("file-unreadable")
            .arg("file", &name)
            .arg("reason", io_reason(&e))
            .in_file(&name)
    };
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if meta.is_dir() {
        return Err(Diagnostic::error("file-unreadable")
            .variant("folder")
            .arg("file", &name)
            .in_file(&name));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::error("file-too-large")
            .arg("file", &name)
            .arg("size", meta.len())
            .arg("limit", MAX_FILE_BYTES)
            .in_file(&name));
    }
    std::fs::read(path).map_err(unreadable)
}

/// Parser options: YAML 1.2 booleans only (so an option id `no` stays a string), default budgets.
pub fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        with_snippet: false,
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
}
