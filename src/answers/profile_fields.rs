//! The one table of profile fields (questionnaires/reference/profile-fields.yaml) and the words
//! offered for list fields (profile-vocabulary.yaml), read by the checker, every collector, `init`,
//! the web form and the answers schema.

use crate::source_file::SourceFile;
use crate::text::{Lang, Text, tr};
use serde::Deserialize;
use std::sync::OnceLock;

/// How a profile field is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    Text,
    /// A code kept exactly as written (leading zeros, long digit strings).
    Code,
    Number,
    Date,
    /// Several values; in one cell separated by `、` `,` or `;`.
    List,
    /// Yes or no.
    Flag,
}

/// One field of the enterprise profile.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileField {
    /// The key in the answer sheet's `profile:`.
    pub id: String,
    pub title: Text,
    pub help: Text,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// Asked by forms; the rest are kept for round trips of sheets that have them.
    #[serde(default = "yes")]
    pub asked: bool,
    /// Unit of a number, for messages.
    pub unit: Option<Text>,
    pub min: Option<f64>,
    /// A whole number (a headcount): forms ask for an integer.
    #[serde(default)]
    pub whole: bool,
    /// A regular expression the schema checks (the checker has its own, finer checks).
    pub pattern: Option<String>,
    /// Name of the vocabulary offered for a list (`systems`, `pain_points`).
    pub vocabulary: Option<String>,
}

fn yes() -> bool {
    true
}

/// A word of a fixed vocabulary: matched by its id, its titles or one of its `also` words.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Word {
    pub id: String,
    pub title: Text,
    #[serde(default)]
    pub also: Vec<String>,
}

impl Word {
    /// Does `text` name this word (case-insensitive)?
    pub fn matches(&self, text: &str) -> bool {
        let t = text.trim();
        [&self.id, &self.title.zh, &self.title.en]
            .into_iter()
            .chain(&self.also)
            .any(|w| w.eq_ignore_ascii_case(t))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldsFile {
    #[allow(dead_code)]
    source: String,
    fields: Vec<ProfileField>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VocabularyFile {
    #[allow(dead_code)]
    source: String,
    pain_points: Vec<Word>,
    systems: Vec<Word>,
}

struct Tables {
    fields: Vec<ProfileField>,
    vocabulary: VocabularyFile,
}

fn tables() -> &'static Tables {
    static CELL: OnceLock<Tables> = OnceLock::new();
    CELL.get_or_init(|| {
        fn parse<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> T {
            SourceFile::from_text(name, text)
                .parse_yaml()
                .unwrap_or_else(|d| panic!("embedded profile table is broken: {}", d.render(None)))
        }
        let fields: FieldsFile = parse(
            "questionnaires/reference/profile-fields.yaml",
            include_str!("../../questionnaires/reference/profile-fields.yaml"),
        );
        Tables {
            fields: fields.fields,
            vocabulary: parse(
                "questionnaires/reference/profile-vocabulary.yaml",
                include_str!("../../questionnaires/reference/profile-vocabulary.yaml"),
            ),
        }
    })
}

/// Every profile field, in the order forms ask them.
pub fn profile_fields() -> &'static [ProfileField] {
    &tables().fields
}

/// The profile field with this id.
pub fn profile_field(id: &str) -> Option<&'static ProfileField> {
    profile_fields().iter().find(|f| f.id == id)
}

/// The words of a vocabulary (`systems`, `pain_points`); empty for an unknown name.
pub fn vocabulary(name: &str) -> &'static [Word] {
    let v = &tables().vocabulary;
    match name {
        "systems" => &v.systems,
        "pain_points" => &v.pain_points,
        _ => &[],
    }
}

impl ProfileField {
    pub fn title(&self, lang: Lang) -> &str {
        self.title.get(lang)
    }

    pub fn help(&self, lang: Lang) -> &str {
        self.help.get(lang)
    }

    /// The help followed by the offered words, for routes that show text only.
    pub fn how(&self, lang: Lang) -> String {
        let words: Vec<&str> = self.choices().iter().map(|w| w.title.get(lang)).collect();
        if words.is_empty() {
            return self.help(lang).to_string();
        }
        let (lead, sep) = (tr(lang, "。可选：", ". Choices: "), tr(lang, "、", ", "));
        format!("{}{lead}{}", self.help(lang), words.join(sep))
    }

    /// A number typed into a form for this field, its unit allowed after it: `45人`, `６０００万元`,
    /// `1.2亿元` (→ 12000 万元). `None` when the text is not such a number.
    pub fn typed_number(&self, text: &str) -> Option<f64> {
        let unit = self.unit.as_ref().map_or("", |u| u.zh.as_str());
        let english = self.unit.as_ref().map_or("", |u| u.en.as_str());
        let mut units = vec![(unit, 1.0), (english, 1.0)];
        if unit.starts_with("万元") {
            units.extend([("万元", 1.0), ("万", 1.0), ("亿元", 1e4), ("亿", 1e4)]);
        } else if unit == "人" {
            units.push(("名", 1.0));
        }
        crate::text::typed_number(text, &units)
    }

    /// The words offered for this field (empty when it takes free text only).
    pub fn choices(&self) -> &'static [Word] {
        self.vocabulary.as_deref().map_or(&[], vocabulary)
    }

    /// List entries as stored: a chosen word by its Chinese title, anything else as written.
    /// Word ids separated by spaces (as XLSForm exports a multiple choice) are several entries.
    pub fn entries(&self, text: &str) -> Vec<String> {
        let word = |t: &str| self.choices().iter().find(|w| w.id == t);
        let ids: Vec<&str> = text.split_whitespace().collect();
        if ids.len() > 1 && ids.iter().all(|t| word(t).is_some()) {
            return ids.into_iter().flat_map(|t| self.entries(t)).collect();
        }
        vec![word(text.trim()).map_or_else(|| text.trim().to_string(), |w| w.title.zh.clone())]
    }
}

/// Split a profile list written in one cell or string: one per line when the cell has several lines, else at
/// `、` `,` `;` outside brackets (`用友U8（财务、存货核算）、钉钉` is two systems).
pub fn split_list(text: &str) -> Vec<String> {
    let parts: Vec<String> = if text.contains('\n') {
        text.lines().map(str::to_string).collect()
    } else {
        let mut parts = vec![String::new()];
        let mut depth = 0i32;
        for c in text.chars() {
            match c {
                '(' | '（' | '[' | '【' | '《' => depth += 1,
                ')' | '）' | ']' | '】' | '》' => depth -= 1,
                _ => {}
            }
            if depth <= 0 && matches!(c, '、' | ',' | '，' | ';' | '；') {
                parts.push(String::new());
            } else if let Some(last) = parts.last_mut() {
                last.push(c);
            }
        }
        parts
    };
    parts
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A profile list in one cell; one per line when an entry would not split back as it is.
pub fn join_list(items: &[String]) -> String {
    let joined = items.join("、");
    if split_list(&joined) == items {
        joined
    } else {
        items.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_load_and_name_known_vocabularies() {
        assert_eq!(profile_fields()[0].id, "name");
        for f in profile_fields() {
            assert_eq!(
                f.vocabulary.is_some(),
                !f.choices().is_empty(),
                "{}: unknown vocabulary",
                f.id
            );
            assert!(f.vocabulary.is_none() || f.kind == FieldKind::List);
        }
        let systems = profile_field("existing_systems").unwrap();
        assert!(systems.choices().iter().any(|w| w.matches("金蝶")));
        assert_eq!(systems.entries("erp"), ["ERP"]);
        assert_eq!(systems.entries("erp finance"), ["ERP", "财务软件"]);
        assert_eq!(systems.entries(" 自研 系统 "), ["自研 系统"]);
    }
}
