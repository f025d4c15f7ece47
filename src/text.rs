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

/// The closest known name, for "did you mean" hints.
pub fn closest<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let name: Vec<char> = name.chars().collect();
    known
        .filter_map(|k| {
            let k_chars: Vec<char> = k.chars().collect();
            let limit = (k_chars.len() / 3).max(2);
            Some((k, edit_distance_within(&name, &k_chars, limit)?))
        })
        .min_by_key(|(_, d)| *d)
        .map(|(k, _)| k)
}

/// The edit distance of `a` and `b` when it is at most `limit`. Names whose lengths differ by more
/// are not compared, and a row of the table whose every entry is past the limit ends the count, so
/// a long or far name costs little.
fn edit_distance_within(a: &[char], b: &[char], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[b.len()]).filter(|d| *d <= limit)
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

/// A number as people type it into a form field that says what it expects: full-width digits and
/// signs (`４５`), thousands separators (`6,000`), spaces, and a trailing unit from `units` with its
/// factor (`45人`, `1.2亿元` with `("亿元", 10000.0)` → 12000). `None` when anything else is left.
pub fn typed_number(text: &str, units: &[(&str, f64)]) -> Option<f64> {
    let mut t: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' | '。' => '.',
            '－' | '−' => '-',
            '＋' => '+',
            '％' => '%',
            '，' => ',',
            other => other,
        })
        .collect();
    let mut factor = 1.0;
    let mut by_length: Vec<&(&str, f64)> = units.iter().filter(|(u, _)| !u.is_empty()).collect();
    by_length.sort_by_key(|(u, _)| std::cmp::Reverse(u.chars().count()));
    if let Some((unit, f)) = by_length.into_iter().find(|(u, _)| t.ends_with(u)) {
        t.truncate(t.len() - unit.len());
        factor = *f;
    }
    // Commas only as thousands separators: every group after the first has three digits.
    if t.contains(',') {
        let mut groups = t.split(',');
        let head = groups.next().unwrap_or("");
        let ok = !head.is_empty()
            && groups.all(|g| {
                g.len() >= 3
                    && g.as_bytes()[..3].iter().all(u8::is_ascii_digit)
                    && (g.len() == 3 || g.as_bytes()[3] == b'.')
            });
        if !ok {
            return None;
        }
        t.retain(|c| c != ',');
    }
    t.parse::<f64>()
        .ok()
        .map(|n| n * factor)
        .filter(|n| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_numbers_read_as_written() {
        let zh: Vec<String> = [1, 9, 10, 11, 20, 23]
            .map(|n| section_number(Lang::Zh, n))
            .into();
        assert_eq!(zh, ["一、", "九、", "十、", "十一、", "二十、", "二十三、"]);
        assert_eq!(section_number(Lang::En, 12), "12. ");
    }

    #[test]
    fn numbers_as_typed_into_forms() {
        let people = [("人", 1.0)];
        let wan = [("万元", 1.0), ("万", 1.0), ("亿元", 10000.0)];
        assert_eq!(typed_number("45人", &people), Some(45.0));
        assert_eq!(typed_number(" ４５ 人", &people), Some(45.0));
        assert_eq!(typed_number("6000万元", &wan), Some(6000.0));
        assert_eq!(typed_number("6,000", &wan), Some(6000.0));
        assert_eq!(typed_number("1.2亿元", &wan), Some(12000.0));
        assert_eq!(typed_number("３６．５", &[]), Some(36.5));
        assert_eq!(typed_number("45人左右", &people), None);
        assert_eq!(
            typed_number("6000元", &wan),
            None,
            "another unit is not guessed"
        );
        assert_eq!(
            typed_number("1,5", &[]),
            None,
            "a decimal comma is not a thousands separator"
        );
        assert_eq!(typed_number("人", &people), None);
        for odd in [
            "1,a人",
            "1,人人",
            ",",
            "1,",
            "－",
            "１，０００．５",
            "∞",
            "NaN",
            "1e999",
        ] {
            let _ = typed_number(odd, &people); // never panics
        }
        assert_eq!(typed_number("１，０００．５", &[]), Some(1000.5));
        assert_eq!(typed_number("1e999", &[]), None, "not finite");
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
