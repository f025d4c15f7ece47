//! Writing an answer sheet as YAML in the format people edit (`network-connectivity: [B, C]`), the
//! inverse of the loader: what every import writes and what `smedx assess` saves after each answer.

use crate::answers::{Answer, AnswerSheet, Profile};
use crate::model::item::Words;
use crate::model::{Item, Model, Written, WrittenValue};
use crate::text::format_number;
use std::fmt::Write as _;

/// The sheet as YAML, items in model order, each after a comment with its title. `header` lines
/// become comments at the top.
pub fn sheet_yaml(model: &Model, sheet: &AnswerSheet, header: &[String]) -> String {
    let mut out = String::new();
    for line in header.iter().flat_map(|h| h.lines()) {
        let _ = writeln!(out, "# {line}");
    }
    let _ = writeln!(out, "model: {}", scalar(&sheet.model));
    let _ = writeln!(out, "model_version: {}", quoted(&sheet.model_version));
    out.push_str(&profile_yaml(&sheet.profile));
    if sheet.answers.is_empty() {
        out.push_str("answers: {}\n");
        return out;
    }
    out.push_str("answers:\n");
    for item in &model.items {
        if let Some(a) = sheet.answers.get(&item.id) {
            let title = item.title.zh.lines().next().unwrap_or("");
            let _ = writeln!(out, "  # {title}");
            let _ = writeln!(out, "  {}: {}", scalar(&item.id), answer_yaml(item, a));
        }
    }
    out
}

/// The `profile:` block, fields in the order of the profile table.
pub fn profile_yaml(p: &Profile) -> String {
    use serde_json::Value as J;
    let mut out = String::from("profile:\n");
    // A checked sheet keeps a code that fails its check digit only when it was confirmed.
    let unverified = p
        .credit_code
        .as_deref()
        .is_some_and(|c| crate::answers::credit_code::validate(c).is_err());
    for f in crate::answers::profile_fields() {
        let value = match p.get(&f.id) {
            _ if f.id == "credit_code_verified" && unverified => "true".into(),
            J::String(s) if f.id == "name" || !s.is_empty() => quoted(&s),
            J::Number(n) => format_number(n.as_f64().unwrap_or_default()),
            J::Bool(true) => "true".into(),
            J::Array(l) if !l.is_empty() => list(l.iter().filter_map(J::as_str).map(quoted)),
            _ => continue,
        };
        let _ = writeln!(out, "  {}: {value}", f.id);
    }
    out
}

/// One answer: the short form when there is nothing beside it, else `{answer: …, note: …, data: {…}}`.
pub fn answer_yaml(item: &Item, a: &Answer) -> String {
    let value = value_yaml(&item.written(&a.value, Words::Ids));
    if a.note.is_none() && a.data.is_empty() {
        return value;
    }
    let mut parts = vec![format!("answer: {value}")];
    if !a.data.is_empty() {
        let figures: Vec<String> = a
            .data
            .iter()
            .map(|(k, v)| format!("{}: {}", scalar(k), format_number(*v)))
            .collect();
        parts.push(format!("data: {{{}}}", figures.join(", ")));
    }
    if let Some(note) = &a.note {
        parts.push(format!("note: {}", quoted(note)));
    }
    format!("{{{}}}", parts.join(", "))
}

fn value_yaml(v: &WrittenValue) -> String {
    let one = |w: &Option<Box<Written>>| w.as_ref().map_or(String::new(), |w| value_yaml(&w.value));
    match v {
        WrittenValue::NotApplicable => "na".into(),
        WrittenValue::Text(s) => scalar(s),
        WrittenValue::Number(n) => format_number(*n),
        WrittenValue::List(items) => list(items.iter().map(|w| value_yaml(&w.value))),
        WrittenValue::Ratio {
            numerator,
            denominator,
        } => format!(
            "{{numerator: {}, denominator: {}}}",
            one(numerator),
            one(denominator)
        ),
        WrittenValue::Bool(b) => b.to_string(),
        WrittenValue::Blank | WrittenValue::Other(_) => "null".into(),
    }
}

fn list(items: impl Iterator<Item = String>) -> String {
    format!("[{}]", items.collect::<Vec<_>>().join(", "))
}

/// An id written plainly when that is safe (`B`, `network-connectivity`), quoted otherwise.
fn scalar(s: &str) -> String {
    let plain = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null" | "na"
        );
    if plain { s.to_string() } else { quoted(s) }
}

/// A double-quoted scalar: JSON string syntax is valid YAML.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source_file::SourceFile;

    #[test]
    fn samples_survive_a_round_trip() {
        let m = crate::model::bundled("sme-dx-2024").unwrap();
        for entry in std::fs::read_dir(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("questionnaires/examples"),
        )
        .unwrap()
        {
            let path = entry.unwrap().path();
            let src = SourceFile::read(&path).unwrap();
            let node = crate::answers::load_sheet(&src).unwrap();
            let sheet = crate::answers::check_sheet(m, &node, &src).sheet.unwrap();
            let text = sheet_yaml(m, &sheet, &["written again".into()]);
            let src2 = SourceFile::from_text("again.yaml", &text);
            let node2 = crate::answers::load_sheet(&src2).unwrap();
            let checked = crate::answers::check_sheet(m, &node2, &src2);
            let again = checked
                .sheet
                .unwrap_or_else(|| panic!("{text}\n{:?}", checked.diagnostics));
            assert_eq!(
                serde_json::to_value(&sheet).unwrap(),
                serde_json::to_value(&again).unwrap(),
                "{}",
                path.display()
            );
        }
    }

    #[test]
    fn tricky_strings_are_quoted() {
        assert_eq!(scalar("B"), "B");
        assert_eq!(scalar("no"), "\"no\"");
        assert_eq!(scalar("na"), "\"na\"");
        assert_eq!(scalar("1"), "\"1\"");
        assert_eq!(quoted("a: \"b\"\n#c"), "\"a: \\\"b\\\"\\n#c\"");
    }
}
