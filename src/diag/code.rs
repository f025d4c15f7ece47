//! The registry of diagnostic codes: a title, a message template and an explanation per code, in
//! Simplified Chinese and English, read from `codes.yaml` (what `smedx explain CODE` prints).

use crate::text::{Lang, Text, tr};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

/// One diagnostic code as the registry describes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Code {
    /// A few words naming the problem.
    pub title: Text,
    /// The message with its variable parts as `{placeholders}`.
    pub message: Text,
    /// What the code means and where it is reported.
    pub meaning: Text,
    /// An input that gets the code, and the same input corrected.
    pub wrong: Example,
    pub right: Example,
    /// How to fix it.
    pub fix: Text,
    /// The short hint printed under the message, with the message's `{placeholders}` and `{place}`:
    /// in YAML terms (a text file or the command line).
    pub help: Text,
    /// The hint for a workbook cell or CSV field, in the words of the sheet (no YAML syntax).
    #[serde(default)]
    pub help_sheet: Option<Text>,
    /// The hint beside a web form field: a plain sentence.
    #[serde(default)]
    pub help_form: Option<Text>,
    /// Wordings for particular cases of the code (`.variant("folder")` at the call site); each part
    /// a variant leaves out is the entry's own.
    #[serde(default)]
    pub variants: BTreeMap<String, Variant>,
}

/// A particular case of a code, with its own message or hints.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    #[serde(default)]
    pub message: Option<Text>,
    #[serde(default)]
    pub help: Option<Text>,
    #[serde(default)]
    pub help_sheet: Option<Text>,
    #[serde(default)]
    pub help_form: Option<Text>,
}

/// An example: one text for both languages (a file fragment) or one per language.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Example {
    Same(String),
    Each(Text),
}

impl Example {
    pub fn get(&self, lang: Lang) -> &str {
        match self {
            Example::Same(s) => s,
            Example::Each(t) => t.get(lang),
        }
    }
}

/// Every code, by id. The file is embedded and checked by tests, so a parse failure is a build defect.
pub fn registry() -> &'static BTreeMap<String, Code> {
    static CELL: OnceLock<BTreeMap<String, Code>> = OnceLock::new();
    CELL.get_or_init(|| {
        serde_saphyr::from_str(include_str!("codes.yaml"))
            .unwrap_or_else(|e| panic!("src/diag/codes.yaml is broken: {e}"))
    })
}

impl Code {
    /// The entry as `smedx explain` prints it.
    pub fn explain(&self, id: &str, lang: Lang) -> String {
        let indent = |s: &str| {
            s.trim_end()
                .lines()
                .map(|l| format!("    {l}\n"))
                .collect::<String>()
        };
        let mut out = format!("{id}: {}\n\n", self.title.get(lang));
        let sections = [
            (tr(lang, "消息", "Message"), indent(self.message.get(lang))),
            (
                tr(lang, "含义", "What it means"),
                indent(self.meaning.get(lang)),
            ),
            (tr(lang, "错误示例", "Wrong"), indent(self.wrong.get(lang))),
            (tr(lang, "正确示例", "Right"), indent(self.right.get(lang))),
            (
                tr(lang, "如何修改", "How to fix"),
                indent(self.fix.get(lang)),
            ),
        ];
        for (heading, body) in sections {
            let _ = write!(out, "{heading}\n{body}\n");
        }
        out
    }
}
