//! Item kinds: one file per kind (`single`, `multi`, `band`, `scenario`, `trend`), each owning its
//! spec type and its lint from the raw model, its answer words, the check of an answer as written,
//! its score fraction and its display text.
//!
//! The kinds are an enum ([`ItemSpec`]) with methods here that dispatch to the kind's file, not a
//! trait object: the set is closed and built by the linter, an exhaustive `match` makes the compiler
//! list every place a new kind must answer, and scoring stays free of boxing and virtual calls.
//! A new kind is one new file plus its tests, one variant of `ItemSpec` and of `raw::ItemKind`,
//! and one arm per method below and in the linter's dispatch.
//! Every route (YAML, workbook, CSV, XLSForm, terminal, web, `init`) reads the words and checks
//! here; writers only lay them out.

mod band;
mod multi;
mod scenario;
mod single;
mod trend;

use super::{BetterWhen, Item, ItemKind};
use crate::diag::{Arg, Diagnostic, Location, Pos};
use crate::text::{Lang, Text, format_number};
use serde::Serialize;

/// The answer itself, shaped by the item's kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum AnswerValue {
    /// `na`: the item leaves the denominator.
    NotApplicable,
    /// single: one option id.
    Choice { option: String },
    /// multi: option ids.
    Choices { options: Vec<String> },
    /// band: a number, maybe from raw figures.
    Number {
        value: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        numerator: Option<f64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        denominator: Option<f64>,
    },
    /// band: the band id, when only the range is known.
    Band { band: String },
    /// scenario: grade 0–4.
    Grade { grade: u8 },
    /// trend.
    Trend { trend: Trend },
}

pub use band::{Band, Interval, Ratio};
pub use multi::{set_fraction, split_choices};
pub use scenario::ScenarioLevel;
pub use single::{Choice, option_label};
pub use trend::{TREND_WORDS, Trend};

/// What a kind of item needs to be answered and scored.
#[derive(Debug, Clone)]
pub enum ItemSpec {
    Single {
        options: Vec<Choice>,
    },
    Multi {
        options: Vec<Choice>,
        cap: f64,
    },
    Band {
        unit: Option<String>,
        min: Option<f64>,
        max: Option<f64>,
        ratio: Option<Ratio>,
        descending: bool,
        bands: Vec<Band>,
    },
    Scenario {
        group: Option<String>,
        constrained: bool,
        levels: Vec<ScenarioLevel>,
    },
    Trend {
        better_when: BetterWhen,
    },
}

impl ItemSpec {
    pub fn kind(&self) -> ItemKind {
        match self {
            ItemSpec::Single { .. } => ItemKind::Single,
            ItemSpec::Multi { .. } => ItemKind::Multi,
            ItemSpec::Band { .. } => ItemKind::Band,
            ItemSpec::Scenario { .. } => ItemKind::Scenario,
            ItemSpec::Trend { .. } => ItemKind::Trend,
        }
    }
}

/// An answer as written, before it is checked against its item: what a YAML sheet, a workbook
/// cell, a CSV field or a web form holds, with where it stands (for diagnostics).
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub at: Location,
    pub value: WrittenValue,
}

/// The shapes an answer can be written in.
#[derive(Debug, Clone, PartialEq)]
pub enum WrittenValue {
    Text(String),
    Number(f64),
    List(Vec<Written>),
    /// Raw figures of a band item; either may be missing.
    Ratio {
        numerator: Option<Box<Written>>,
        denominator: Option<Box<Written>>,
    },
    /// Said not to apply (`na`, or "applies: no").
    NotApplicable,
    /// A true/false value (a profile flag; no item takes one).
    Bool(bool),
    /// Nothing written.
    Blank,
    /// Something no kind accepts, by what it is ("a mapping").
    Other(Text),
}

impl Written {
    pub fn new(at: impl Into<Location>, value: WrittenValue) -> Written {
        Written {
            at: at.into(),
            value,
        }
    }

    /// A scalar as text: text trimmed, numbers without a trailing `.0`.
    pub(crate) fn as_text(&self) -> Option<String> {
        match &self.value {
            WrittenValue::Text(s) => Some(s.trim().to_string()),
            WrittenValue::Number(n) => Some(format_number(*n)),
            _ => None,
        }
    }

    pub(crate) fn as_number(&self) -> Option<f64> {
        match &self.value {
            WrittenValue::Number(n) => Some(*n),
            WrittenValue::Text(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
            _ => None,
        }
    }

    /// What was written, for a message: “abc”, “12”, a list.
    pub(crate) fn describe(&self) -> Arg {
        match &self.value {
            WrittenValue::Text(s) => Arg::Quoted(s.clone()),
            WrittenValue::Number(n) => Arg::Quoted(format_number(*n)),
            WrittenValue::NotApplicable => Arg::Quoted("na".into()),
            _ => Arg::Text(self.kind()),
        }
    }

    /// A word for the kind of value, for messages.
    pub(crate) fn kind(&self) -> Text {
        let (zh, en) = match &self.value {
            WrittenValue::Blank => ("空值", "nothing"),
            WrittenValue::Bool(_) => ("是/否值", "a true/false value"),
            WrittenValue::Number(_) => ("数字", "a number"),
            WrittenValue::Text(_) | WrittenValue::NotApplicable => ("文字", "text"),
            WrittenValue::List(_) => ("列表", "a list"),
            WrittenValue::Ratio { .. } => ("键值映射", "a mapping"),
            WrittenValue::Other(kind) => return kind.clone(),
        };
        Text::new(zh, en)
    }
}

/// As people type it: `B C`, `36/62`, `better`, `na`.
impl std::fmt::Display for WrittenValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let one =
            |w: &Option<Box<Written>>| w.as_ref().map_or(String::new(), |w| w.value.to_string());
        match self {
            WrittenValue::Text(s) => f.write_str(s),
            WrittenValue::Number(n) => f.write_str(&format_number(*n)),
            WrittenValue::List(l) => {
                let items: Vec<String> = l.iter().map(|w| w.value.to_string()).collect();
                f.write_str(&items.join(" "))
            }
            WrittenValue::Ratio {
                numerator,
                denominator,
            } => write!(f, "{}/{}", one(numerator), one(denominator)),
            WrittenValue::NotApplicable => f.write_str("na"),
            WrittenValue::Bool(b) => write!(f, "{b}"),
            WrittenValue::Blank | WrittenValue::Other(_) => Ok(()),
        }
    }
}

/// One word an item may be answered with: an option, a band, a grade, a trend.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// What is written in a sheet (`B`, `b2`, `3`, `better`).
    pub id: String,
    pub label: Text,
    /// Share of the item's points it earns.
    pub fraction: f64,
    /// Chosen alone only (the "none" option of a multi item).
    pub exclusive: bool,
    pub help: Option<Text>,
}

/// How answers are written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Words {
    /// As a YAML sheet has them: `B`, `better`, `na`.
    Ids,
    /// Ids for choices, words in the language for the rest (`B`, `改善`, `不适用`): what people type.
    Short(Lang),
    /// As a drop-down shows them: `B. 车间已建成…`, `改善`, `不适用`.
    Labels(Lang),
}

impl Words {
    fn lang(self) -> Option<Lang> {
        match self {
            Words::Ids => None,
            Words::Short(l) | Words::Labels(l) => Some(l),
        }
    }
}

/// Words meaning "does not apply".
pub fn is_na(text: &str) -> bool {
    matches!(text.trim().to_lowercase().as_str(), "na" | "n/a" | "不适用")
}

/// How `na` is written.
pub fn na_word(words: Words) -> &'static str {
    match words.lang() {
        Some(Lang::Zh) => "不适用",
        Some(Lang::En) => "n/a",
        None => "na",
    }
}

/// Collects the diagnostics of one item's answer.
struct Check<'a> {
    item: &'a Item,
    diags: &'a mut Vec<Diagnostic>,
}

impl Check<'_> {
    /// `d` about this item (its id as `item`, its title as `title`), at `at`.
    fn push(&mut self, d: Diagnostic, at: &Location) {
        let d = d
            .arg("item", &self.item.id)
            .arg("title", &self.item.title)
            .at(at.clone());
        self.diags.push(d);
    }

    /// A scalar answer as text, or a `wrong-type` error (`variant` says what was expected).
    fn scalar(&mut self, w: &Written, variant: &'static str) -> Option<String> {
        let text = w.as_text();
        if text.is_none() {
            let d = Diagnostic::error("wrong-type")
                .variant(variant)
                .arg("found", w.describe());
            self.push(d, &w.at);
        }
        text
    }

    fn unknown_option<'w>(
        &mut self,
        at: &Location,
        text: &str,
        ids: impl Iterator<Item = &'w str>,
    ) {
        let d = Diagnostic::error("unknown-option")
            .quoted("answer", text)
            .arg("options", Arg::list(ids));
        self.push(d, at);
    }
}

impl Item {
    /// Check an answer as written; `None` after pushing diagnostics (without a file) when it
    /// does not fit. Warnings may be pushed on success.
    pub fn check(&self, w: &Written, diags: &mut Vec<Diagnostic>) -> Option<AnswerValue> {
        let mut c = Check { item: self, diags };
        let na = match &w.value {
            WrittenValue::NotApplicable => true,
            WrittenValue::Text(s) => is_na(s),
            _ => false,
        };
        if na {
            if self.allow_na {
                return Some(AnswerValue::NotApplicable);
            }
            c.push(Diagnostic::error("na-not-allowed"), &w.at);
            return None;
        }
        match &self.spec {
            ItemSpec::Single { options } => single::check(&mut c, options, w),
            ItemSpec::Multi { options, .. } => multi::check(&mut c, options, w),
            ItemSpec::Band { .. } => band::check(&mut c, w),
            ItemSpec::Scenario { .. } => scenario::check(&mut c, w),
            ItemSpec::Trend { better_when } => trend::check(&mut c, *better_when, w),
        }
    }

    /// Share of the item's points an answer earns; `None` when it does not count (`na`, or an
    /// answer of another kind).
    pub fn fraction(&self, value: &AnswerValue) -> Option<f64> {
        match (&self.spec, value) {
            (_, AnswerValue::NotApplicable) => None,
            (ItemSpec::Single { options }, v) => single::fraction(options, v),
            (ItemSpec::Multi { options, cap }, v) => multi::fraction(options, *cap, v),
            (ItemSpec::Band { bands, .. }, v) => band::fraction(bands, v),
            (ItemSpec::Scenario { .. }, v) => scenario::fraction(v),
            (ItemSpec::Trend { .. }, v) => trend::fraction(v),
        }
    }

    /// The answer in words for a report: option labels, the number with its unit, the grade.
    pub fn display(&self, value: Option<&AnswerValue>) -> Text {
        let Some(value) = value else {
            return Text::new("未作答", "not answered");
        };
        let text = match (&self.spec, value) {
            (_, AnswerValue::NotApplicable) => Some(Text::new("不适用", "not applicable")),
            (ItemSpec::Single { options }, v) => single::display(options, v),
            (ItemSpec::Multi { options, .. }, v) => multi::display(options, v),
            (ItemSpec::Band { unit, bands, .. }, v) => band::display(unit, bands, v),
            (ItemSpec::Scenario { .. }, v) => scenario::display(v),
            (ItemSpec::Trend { .. }, v) => trend::display(v),
        };
        text.unwrap_or_default()
    }

    /// The answer as it would be written, in `words`; the inverse of [`Item::check`].
    pub fn written(&self, value: &AnswerValue, words: Words) -> WrittenValue {
        let at = Pos::UNKNOWN;
        let text = |s: &str| WrittenValue::Text(s.to_string());
        match (value, &self.spec) {
            (AnswerValue::NotApplicable, _) => WrittenValue::NotApplicable,
            (AnswerValue::Choice { option }, ItemSpec::Single { options }) => {
                single::written(options, option, words)
            }
            (AnswerValue::Choice { option }, _) => text(option),
            (AnswerValue::Choices { options }, _) => {
                WrittenValue::List(options.iter().map(|o| Written::new(at, text(o))).collect())
            }
            (
                AnswerValue::Number {
                    numerator: Some(n),
                    denominator: Some(d),
                    ..
                },
                _,
            ) => WrittenValue::Ratio {
                numerator: Some(Box::new(Written::new(at, WrittenValue::Number(*n)))),
                denominator: Some(Box::new(Written::new(at, WrittenValue::Number(*d)))),
            },
            (AnswerValue::Number { value, .. }, _) => WrittenValue::Number(*value),
            (AnswerValue::Band { band }, _) => text(band),
            (AnswerValue::Grade { grade }, _) => WrittenValue::Number(f64::from(*grade)),
            (AnswerValue::Trend { trend }, _) => text(trend.word(words.lang())),
        }
    }

    /// The words the item is answered with, in the order to offer them (without `na`).
    pub fn words(&self) -> Vec<Word> {
        match &self.spec {
            ItemSpec::Single { options } | ItemSpec::Multi { options, .. } => {
                single::words(options)
            }
            ItemSpec::Band { bands, .. } => band::words(bands),
            ItemSpec::Scenario { levels, .. } => scenario::words(levels),
            ItemSpec::Trend { .. } => trend::words(),
        }
    }

    /// A cell's text read the way people fill forms in (`B. label`, `B C`, `BC`, `2 级：…`, a band's
    /// label, `36/62`); `None` when the text is to be taken as a number or as it is.
    pub fn read_cell(&self, text: &str, typed_number: bool) -> Option<WrittenValue> {
        match &self.spec {
            ItemSpec::Single { options } => Some(single::read_cell(options, text)),
            ItemSpec::Multi { options, .. } => Some(multi::read_cell(options, text)),
            ItemSpec::Band { bands, ratio, .. } if !typed_number => {
                band::read_cell(bands, ratio.is_some(), text)
            }
            ItemSpec::Scenario { .. } if !typed_number => scenario::read_cell(text),
            _ => None,
        }
    }

    /// Does `na` need a question of its own in forms (no place for it among the answer words)?
    pub fn na_apart(&self) -> bool {
        matches!(self.spec, ItemSpec::Multi { .. } | ItemSpec::Band { .. })
    }
}

/// How a form asks for an item's answer; every writer lays this out in its own medium.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// Pick one of the words (single, scenario, trend).
    One,
    /// Tick any of the words (multi).
    Many,
    /// Type a number, or the raw figures when the model declares them (band).
    Number {
        unit: &'a str,
        min: Option<f64>,
        max: Option<f64>,
        ratio: Option<&'a super::Ratio>,
    },
}

impl Item {
    pub fn input(&self) -> Input<'_> {
        match &self.spec {
            ItemSpec::Single { .. } | ItemSpec::Scenario { .. } | ItemSpec::Trend { .. } => {
                Input::One
            }
            ItemSpec::Multi { .. } => Input::Many,
            ItemSpec::Band {
                unit,
                min,
                max,
                ratio,
                ..
            } => Input::Number {
                unit: unit.as_deref().unwrap_or(""),
                min: *min,
                max: *max,
                ratio: ratio.as_ref(),
            },
        }
    }

    /// What to answer, in a few words: `单选` / `填等级 0–4：符合描述的最高等级`.
    pub fn how(&self) -> Text {
        match &self.spec {
            ItemSpec::Single { .. } => Text::new("单选", "Choose one"),
            ItemSpec::Multi { .. } => Text::new("多选", "Choose all that apply"),
            ItemSpec::Band { .. } => band::how(self.input()),
            ItemSpec::Scenario { .. } => Text::new(
                "等级 0–4（符合描述的最高等级）",
                "Grade 0–4 (the highest level whose description fits)",
            ),
            ItemSpec::Trend { .. } => Text::new(
                "改善 / 持平 / 恶化（或实际变化：下降 / 不变 / 上升）",
                "better / flat / worse (or the observed change: lower / same / higher)",
            ),
        }
    }

    /// A remark forms show with the question: a constrained scenario, which change is better.
    pub fn remark(&self) -> Option<Text> {
        match &self.spec {
            ItemSpec::Scenario {
                constrained: true, ..
            } => Some(Text::new("★ 约束性场景", "★ Constrained scenario")),
            ItemSpec::Trend { better_when } => Some(trend::direction(*better_when)),
            _ => None,
        }
    }

    /// A word as a list of options shows it: `B. 车间网络`, `2 级：…`, `A [0-10%]`, `改善`.
    pub fn labelled(&self, w: &Word) -> Text {
        let both = |zh: String, en: String| Text { zh, en };
        match &self.spec {
            ItemSpec::Single { .. } | ItemSpec::Multi { .. } => both(
                option_label(&w.id, &w.label, Lang::Zh),
                option_label(&w.id, &w.label, Lang::En),
            ),
            ItemSpec::Scenario { .. } => both(
                format!("{} 级：{}", w.id, w.label.zh),
                format!("{}: {}", w.id, w.label.en),
            ),
            ItemSpec::Band { .. } => both(
                format!("{} {}", w.id, w.label.zh),
                format!("{} {}", w.id, w.label.en),
            ),
            ItemSpec::Trend { .. } => w.label.clone(),
        }
    }

    /// A word as a drop-down cell holds it, read back by [`Item::read_cell`]: short enough for
    /// a spreadsheet's list (`B. 车间网络`, `2`, `改善`).
    pub fn entry(&self, w: &Word, lang: Lang) -> String {
        match &self.spec {
            ItemSpec::Single { .. } | ItemSpec::Multi { .. } => option_label(&w.id, &w.label, lang),
            ItemSpec::Trend { .. } => w.label.get(lang).to_string(),
            ItemSpec::Band { .. } | ItemSpec::Scenario { .. } => w.id.clone(),
        }
    }

    /// A constrained scenario (约束性场景): level rules count it apart; forms star it.
    pub fn constrained(&self) -> bool {
        matches!(
            self.spec,
            ItemSpec::Scenario {
                constrained: true,
                ..
            }
        )
    }

    /// The points a word earns, for forms: `[3.5]`; empty when the item scores nothing.
    pub fn word_points(&self, word: &Word) -> String {
        if self.points > 0.0 {
            format!(
                "  [{}]",
                format_number((word.fraction * self.points * 1000.0).round() / 1000.0)
            )
        } else {
            String::new()
        }
    }
}

/// The option id a text stands for: the id itself (any case), `B. label`, or the label.
pub fn resolve_choice<'a>(
    choices: impl Iterator<Item = (&'a str, Option<&'a Text>)> + Clone,
    text: &str,
) -> Option<&'a str> {
    let t = text.trim();
    if let Some((id, _)) = choices.clone().find(|(id, _)| *id == t) {
        return Some(id);
    }
    let folded: Vec<&str> = choices
        .clone()
        .filter(|(id, _)| id.eq_ignore_ascii_case(t))
        .map(|(id, _)| id)
        .collect();
    if folded.len() == 1 {
        return Some(folded[0]);
    }
    // `B. label` as a drop-down shows it: punctuation after the id, or a space and the label.
    let prefixed = choices
        .clone()
        .filter(|(id, label)| {
            t.strip_prefix(id).is_some_and(|rest| {
                rest.starts_with(['.', '．', '、', ':', '：', ')', '）', '—', '级'])
                    || rest.starts_with(' ')
                        && label.is_some_and(|l| {
                            let rest = rest.trim();
                            rest == l.zh.trim() || rest == l.en.trim()
                        })
            })
        })
        .max_by_key(|(id, _)| id.len());
    if let Some((id, _)) = prefixed {
        return Some(id);
    }
    choices
        .filter_map(|(id, label)| label.map(|l| (id, l)))
        .find(|(_, l)| l.zh.trim() == t || l.en.trim() == t)
        .map(|(id, _)| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bundled model's first item of `kind` (and with raw figures, for a band).
    pub(super) fn item_of(kind: crate::model::ItemKind) -> &'static Item {
        let m = crate::model::bundled("sme-dx-2024").unwrap();
        let ratio = |i: &Item| matches!(i.spec, ItemSpec::Band { ratio: Some(_), .. });
        let mut of_kind = m.items.iter().filter(|i| i.spec.kind() == kind);
        of_kind
            .clone()
            .find(|i| ratio(i))
            .or_else(|| of_kind.next())
            .unwrap()
    }

    /// An answer as a test writes it: `[B, C]` a list, `36/62` raw figures, a number, else text.
    pub(super) fn w(s: &str) -> Written {
        let at = Pos { line: 3, column: 5 };
        let figure = |s: &str| (!s.is_empty()).then(|| Box::new(w(s)));
        let value = if let Some(list) = s.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            WrittenValue::List(
                list.split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| w(s.trim()))
                    .collect(),
            )
        } else if let Some((n, d)) = s.split_once('/').filter(|_| s != "n/a") {
            WrittenValue::Ratio {
                numerator: figure(n),
                denominator: figure(d),
            }
        } else if let Ok(n) = s.parse::<f64>() {
            WrittenValue::Number(n)
        } else {
            WrittenValue::Text(s.into())
        };
        Written::new(at, value)
    }

    /// The check's answer, or the code of its first diagnostic.
    pub(super) fn check(item: &Item, s: &str) -> Result<AnswerValue, &'static str> {
        let mut diags = Vec::new();
        item.check(&w(s), &mut diags)
            .ok_or_else(|| diags.first().map_or("", |d| d.code))
    }

    #[test]
    fn na_words_and_permission() {
        for w in ["na", "N/A", " 不适用 "] {
            assert!(is_na(w), "{w}");
        }
        assert!(!is_na("n"));
        let m = crate::model::bundled("sme-dx-2024").unwrap();
        let allowed = m.items.iter().find(|i| i.allow_na).unwrap();
        let denied = m.items.iter().find(|i| !i.allow_na).unwrap();
        assert_eq!(check(allowed, "na"), Ok(AnswerValue::NotApplicable));
        assert_eq!(check(denied, "n/a"), Err("na-not-allowed"));
        assert_eq!(allowed.fraction(&AnswerValue::NotApplicable), None);
        assert_eq!(allowed.display(None), Text::new("未作答", "not answered"));
        assert_eq!(
            na_word(Words::Labels(Lang::Zh)),
            "不适用",
            "the word a workbook offers"
        );
        assert!(is_na(na_word(Words::Short(Lang::En))) && is_na(na_word(Words::Ids)));
    }

    #[test]
    fn choices_resolve_from_ids_prefixes_and_labels() {
        let b = Text::new("车间网络", "Shop-floor network");
        let c = Text::new("应用网络", "Application network");
        let opts = [("B", Some(&b)), ("C", Some(&c))];
        let r = |t: &str| resolve_choice(opts.iter().copied(), t);
        assert_eq!(r("B"), Some("B"));
        assert_eq!(r("c"), Some("C"));
        assert_eq!(r("B. 车间网络"), Some("B"));
        assert_eq!(r("C、应用网络"), Some("C"));
        assert_eq!(r("Application network"), Some("C"));
        assert_eq!(r("Banana"), None);
        assert_eq!(r("B C"), None, "two ids are no single choice");
        assert_eq!(r("B 车间网络"), Some("B"));
    }
}
