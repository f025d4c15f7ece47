//! Reading user files safely: size limit, UTF-8 BOM, foreign encodings, YAML budgets.

use crate::diag::{Diagnostic, Pos};
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
        let fail = |code, msg: String, help: &str| {
            Diagnostic::error(code, msg)
                .in_file(name)
                .help(help.to_string())
        };
        if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            return Err(fail(
                "wrong-encoding",
                format!("{name} is UTF-16 encoded; smedx reads UTF-8"),
                "save the file as UTF-8 (另存为 → 编码: UTF-8)",
            ));
        }
        match String::from_utf8(bytes) {
            Ok(text) => {
                if text.contains('\0') {
                    return Err(fail(
                        "wrong-encoding",
                        format!("{name} contains NUL bytes; it is not a text file"),
                        "give a YAML or JSON text file",
                    ));
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
                let msg = if looks_gbk {
                    format!(
                        "{name} is not UTF-8; it looks GBK/GB18030-encoded (common on Chinese Windows)"
                    )
                } else {
                    format!("{name} is not valid UTF-8 text")
                };
                Err(fail(
                    "wrong-encoding",
                    msg,
                    "save the file as UTF-8 (记事本/WPS: 另存为 → 编码选择 UTF-8), or convert it: iconv -f GBK -t UTF-8 in > out",
                )
                .at(Pos { line, column }))
            }
        }
    }

    /// Parse the text as YAML (JSON is accepted too) into `T`, with budgets against alias bombs.
    pub fn parse_yaml<T: DeserializeOwned>(&self) -> Result<T, Diagnostic> {
        serde_saphyr::from_str_with_options(&self.text, yaml_options())
            .map_err(|e| yaml_error(&self.name, &e))
    }
}

/// The bytes of a file, refusing folders and files over [`MAX_FILE_BYTES`] with a clear diagnostic.
pub fn read_limited(path: &Path) -> Result<Vec<u8>, Diagnostic> {
    let name = path.display().to_string();
    let fail = |code, msg: String| Diagnostic::error(code, msg).in_file(&name);
    let meta = std::fs::metadata(path).map_err(|e| {
        fail("file-unreadable", format!("cannot read {name}: {e}"))
            .help("check the path and that you may read the file")
    })?;
    if meta.is_dir() {
        return Err(
            fail("file-unreadable", format!("{name} is a folder, not a file"))
                .help("name a file inside it"),
        );
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(fail(
            "file-too-large",
            format!(
                "{name} is {} bytes; the limit is {} bytes",
                meta.len(),
                MAX_FILE_BYTES
            ),
        )
        .help(
            "a model, answer sheet or batch is far smaller; split large batches into several files",
        ));
    }
    std::fs::read(path).map_err(|e| fail("file-unreadable", format!("cannot read {name}: {e}")))
}

/// Parser options: YAML 1.2 booleans only (so an option id `no` stays a string), default budgets.
pub fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        with_snippet: false,
    }
}

fn yaml_error(name: &str, e: &serde_saphyr::Error) -> Diagnostic {
    let text = e.without_snippet().to_string();
    let pos = e.location().map(Pos::of).unwrap_or(Pos::UNKNOWN);
    let first = strip_location_suffix(&text);
    let lower = first.to_lowercase();
    let (code, message, help): (&'static str, String, String) = if lower.contains("budget breached")
        || lower.contains("recursion limit")
        || lower.contains("alias") && lower.contains("limit")
    {
        let what = if lower.contains("depth") || lower.contains("recursion") {
            "nests deeper than smedx allows"
        } else if lower.contains("alias") {
            "expands more aliases than smedx allows"
        } else {
            "has more values than smedx allows (aliases may multiply them)"
        };
        (
            "yaml-too-complex",
            format!("the file {what}; it is refused to protect the machine"),
            "write the values out plainly; a real model or answer sheet needs no deep anchors or nesting".into(),
        )
    } else if lower.contains("duplicate mapping key") {
        let key = first
            .split("duplicate mapping key:")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .map(str::trim)
            .unwrap_or("");
        (
            "duplicate-key",
            format!("`{key}` appears twice in the same mapping"),
            "keep one of them; YAML keeps no order of precedence".into(),
        )
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
        let hint = match found.and_then(|f| crate::text::closest(f, expected.iter().copied())) {
            Some(c) => format!("did you mean `{c}`?"),
            None if !expected.is_empty() => format!("allowed keys here: {}", expected.join(", ")),
            None => {
                "remove the key or fix its spelling; `smedx schema model` lists the allowed keys"
                    .into()
            }
        };
        (
            "unknown-field",
            format!("`{}` is not a known key here", found.unwrap_or("?")),
            hint,
        )
    } else if lower.contains("missing field") {
        (
            "missing-field",
            first.clone(),
            "add the key; `smedx schema model` lists the required keys".into(),
        )
    } else if lower.contains("invalid type")
        || lower.contains("invalid value")
        || lower.contains("unknown variant")
        || lower.starts_with("invalid ")
        || lower.contains("expected mapping")
        || lower.contains("expected sequence")
        || lower.contains("mapping key must be")
    {
        (
            "wrong-type",
            first.clone(),
            "give a value of the type the schema expects: a number for points, a mapping {zh: …, en: …} for texts, quoted text for versions (\"2024\")".into(),
        )
    } else {
        (
            "yaml-syntax",
            first.clone(),
            "fix the YAML syntax at this place (indentation, a missing colon, an unclosed quote or bracket)".into(),
        )
    };
    let message: String = if message.chars().count() > 300 {
        message.chars().take(300).collect::<String>() + "…"
    } else {
        message
    };
    Diagnostic::error(code, message)
        .in_file(name)
        .at(pos)
        .help(help)
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
        assert!(d.message.contains("GBK"), "{}", d.message);
        assert_eq!((d.location.pos().line, d.location.pos().column), (1, 1));
    }

    #[test]
    fn utf16_is_refused() {
        let d = SourceFile::decode("a", vec![0xFF, 0xFE, b'a', 0]).unwrap_err();
        assert!(d.message.contains("UTF-16"));
    }
}
