//! Bilingual product text: Simplified Chinese first, English second.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A text in Chinese and English. Chinese is required by the product; English may be missing (a lint warns).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Text {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub zh: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub en: String,
}

/// Output language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

/// The language chosen for this process (see [`Lang::resolve`]); Chinese until set.
static UI_LANG: std::sync::OnceLock<Lang> = std::sync::OnceLock::new();

impl Lang {
    /// The language rule for everything a person reads: `flag` (`--lang`), else the first set of
    /// `LC_ALL`, `LC_MESSAGES`, `LANG`: `zh*` is Chinese, `en*` English, anything else (`C`, `POSIX`,
    /// unset) Chinese.
    pub fn resolve(flag: Option<Lang>) -> Lang {
        flag.unwrap_or_else(|| {
            let var = ["LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .filter_map(|k| std::env::var(k).ok())
                .find(|v| !v.is_empty());
            Lang::of_locale(var.as_deref().unwrap_or(""))
        })
    }

    /// The language of a locale name such as `zh_CN.UTF-8` or `en_US`.
    pub fn of_locale(locale: &str) -> Lang {
        if locale.to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    /// Fix the process language once (the CLI does it at start); later calls are ignored.
    pub fn set_ui(lang: Lang) {
        let _ = UI_LANG.set(lang);
    }

    /// The process language: set by [`Lang::set_ui`], else resolved from the environment.
    pub fn ui() -> Lang {
        *UI_LANG.get_or_init(|| Lang::resolve(None))
    }

    /// "zh" or "en": the key of a [`Text`] and the code templates receive.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

impl Text {
    pub fn new(zh: &str, en: &str) -> Text {
        Text {
            zh: zh.to_string(),
            en: en.to_string(),
        }
    }

    /// The text in `lang`, falling back to the other language when missing.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh if !self.zh.is_empty() => &self.zh,
            Lang::En if !self.en.is_empty() => &self.en,
            Lang::Zh => &self.en,
            Lang::En => &self.zh,
        }
    }
}

/// Choose between a Chinese and an English literal (for fixed UI strings).
pub fn tr(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// Points with at most two decimals: 7.5, 21.05, 40.
pub fn points(x: f64) -> String {
    format_number((x * 100.0).round() / 100.0)
}

/// `12` for 12.0, `12.5` otherwise.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A number as people type it in a field that says what it expects: full-width digits (`４５`),
/// thousands separators (`1,200`, `1，200`), and a trailing unit that is the field's own (`45人`,
/// `6000万元` when `unit` is `人` or `万元`; `名` counts as `人`). `None` when it is no number, or
/// its unit is another (`6000元` for a field in 万元 is refused rather than misread).
pub fn normalise_number(written: &str, unit: Option<&str>) -> Option<f64> {
    let ascii: String = written
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            '－' => '-',
            c => c,
        })
        .filter(|c| !matches!(c, ',' | '，' | ' '))
        .collect();
    let end = ascii
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+')))
        .map_or(ascii.len(), |(i, _)| i);
    let (number, suffix) = ascii.split_at(end);
    let suffix = suffix.trim();
    let unit_ok = suffix.is_empty()
        || unit.is_some_and(|u| suffix == u || (u == "人" && matches!(suffix, "名" | "位")));
    let n: f64 = number.parse().ok().filter(|n: &f64| n.is_finite())?;
    unit_ok.then_some(n)
}

/// The closest known name, for "did you mean" hints.
pub fn closest<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    known
        .map(|k| (k, edit_distance(name, k)))
        .filter(|(k, d)| *d <= (k.chars().count() / 3).max(2))
        .min_by_key(|(_, d)| *d)
        .map(|(k, _)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// CNY with thousands separators: 12,500.
pub fn format_yuan(x: f64) -> String {
    let n = x.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A section heading's number: "三、" in Chinese, "3. " in English.
pub fn section_number(lang: Lang, n: u32) -> String {
    const DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match lang {
        Lang::En => format!("{n}. "),
        Lang::Zh => {
            let (tens, ones) = ((n / 10) as usize, (n % 10) as usize);
            let tens = match tens {
                0 => String::new(),
                1 => "十".to_string(),
                t if t < 10 => format!("{}十", DIGITS[t]),
                _ => return format!("{n}、"),
            };
            let ones = if ones == 0 && !tens.is_empty() {
                ""
            } else {
                DIGITS[ones]
            };
            format!("{tens}{ones}、")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_as_typed() {
        assert_eq!(normalise_number("４５", Some("人")), Some(45.0));
        assert_eq!(normalise_number("45人", Some("人")), Some(45.0));
        assert_eq!(normalise_number("45名", Some("人")), Some(45.0));
        assert_eq!(normalise_number("6000万元", Some("万元")), Some(6000.0));
        assert_eq!(normalise_number("1，200.5", None), Some(1200.5));
        assert_eq!(normalise_number("6000元", Some("万元")), None);
        assert_eq!(normalise_number("45人", None), None);
        assert_eq!(normalise_number("很多", Some("人")), None);
        assert_eq!(normalise_number("", None), None);
    }

    #[test]
    fn section_numbers_read_as_written() {
        let zh: Vec<String> = [1, 9, 10, 11, 20, 23]
            .map(|n| section_number(Lang::Zh, n))
            .into();
        assert_eq!(zh, ["一、", "九、", "十、", "十一、", "二十、", "二十三、"]);
        assert_eq!(section_number(Lang::En, 12), "12. ");
    }
}

#[cfg(test)]
mod lang_tests {
    use super::Lang;

    #[test]
    fn locale_rule_defaults_to_chinese() {
        assert_eq!(Lang::of_locale("zh_CN.UTF-8"), Lang::Zh);
        assert_eq!(Lang::of_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::of_locale("EN"), Lang::En);
        assert_eq!(Lang::of_locale("C"), Lang::Zh);
        assert_eq!(Lang::of_locale("POSIX"), Lang::Zh);
        assert_eq!(Lang::of_locale(""), Lang::Zh);
        assert_eq!(Lang::resolve(Some(Lang::En)), Lang::En);
    }
}
