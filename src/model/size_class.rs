//! 企业规模 (enterprise size class), the one value type the model's applicability and the profile share.

use serde::Serialize;

/// 企业规模 per 工信部联企业〔2011〕300号.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum SizeClass {
    Medium,
    Small,
    Micro,
    Large,
}

impl SizeClass {
    pub fn parse(s: &str) -> Option<SizeClass> {
        match s.trim() {
            "medium" | "中型" => Some(SizeClass::Medium),
            "small" | "小型" => Some(SizeClass::Small),
            "micro" | "微型" => Some(SizeClass::Micro),
            "large" | "大型" => Some(SizeClass::Large),
            _ => None,
        }
    }

    pub fn label(self, lang: crate::text::Lang) -> &'static str {
        use crate::text::tr;
        match self {
            SizeClass::Medium => tr(lang, "中型", "medium"),
            SizeClass::Small => tr(lang, "小型", "small"),
            SizeClass::Micro => tr(lang, "微型", "micro"),
            SizeClass::Large => tr(lang, "大型", "large"),
        }
    }
}
