//! `trend`: worse / flat / better = 0 / 0.5 / 1, also answered by the observed change (lower,
//! same, higher) read against the item's `better_when`.

use super::{AnswerValue, Check, Word, Written};
use crate::diag::{Diagnostic, Pos};
use crate::model::BetterWhen;
use crate::model::ItemSpec;
use crate::model::raw::RawItem;
use crate::text::{Lang, Text};
use serde::Serialize;

/// worse / flat / better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trend {
    Worse,
    Flat,
    Better,
}

impl Trend {
    /// From the best down, as forms offer them.
    pub const ALL: [Trend; 3] = [Trend::Better, Trend::Flat, Trend::Worse];

    pub fn fraction(self) -> f64 {
        match self {
            Trend::Worse => 0.0,
            Trend::Flat => 0.5,
            Trend::Better => 1.0,
        }
    }

    /// How the answer is written: the id, or the Chinese word of forms.
    pub fn word(self, lang: Option<Lang>) -> &'static str {
        let zh = lang == Some(Lang::Zh);
        match self {
            Trend::Better if zh => "改善",
            Trend::Flat if zh => "持平",
            Trend::Worse if zh => "恶化",
            Trend::Better => "better",
            Trend::Flat => "flat",
            Trend::Worse => "worse",
        }
    }
}

/// Every word a trend answer may be (also listed in the answers schema).
pub const TREND_WORDS: &[&str] = &[
    "better", "flat", "same", "worse", "lower", "higher", "改善", "变好", "持平", "不变", "恶化",
    "变差", "降低", "下降", "减少", "增加", "提高", "上升", "A", "B", "C", "a", "b", "c",
];

const LOWER: &[&str] = &["lower", "降低", "下降", "减少"];
const HIGHER: &[&str] = &["higher", "增加", "提高", "上升"];

fn read(text: &str, better_when: BetterWhen) -> Option<Trend> {
    let t = text.to_lowercase();
    // The MIIT platform's options of every trend item are A worse, B flat, C better.
    let trend = match t.as_str() {
        "better" | "改善" | "变好" | "c" => Trend::Better,
        "flat" | "same" | "持平" | "不变" | "b" => Trend::Flat,
        "worse" | "恶化" | "变差" | "a" => Trend::Worse,
        w if LOWER.contains(&w) || HIGHER.contains(&w) => {
            let better = if LOWER.contains(&w) {
                BetterWhen::Lower
            } else {
                BetterWhen::Higher
            };
            if better == better_when {
                Trend::Better
            } else {
                Trend::Worse
            }
        }
        _ => return None,
    };
    Some(trend)
}

pub(super) fn check(c: &mut Check, better_when: BetterWhen, w: &Written) -> Option<AnswerValue> {
    let text = c.scalar(w, "trend")?;
    if let Some(trend) = read(&text, better_when) {
        return Some(AnswerValue::Trend { trend });
    }
    let d = Diagnostic::error("unknown-option")
        .variant("trend")
        .quoted("answer", text)
        .arg("better", direction(better_when));
    c.push(d, w.at);
    None
}

/// Which observed change is the improvement.
pub(super) fn direction(better_when: BetterWhen) -> Text {
    match better_when {
        BetterWhen::Lower => Text::new("下降为改善", "lower is better"),
        BetterWhen::Higher => Text::new("上升为改善", "higher is better"),
    }
}

pub(super) fn fraction(v: &AnswerValue) -> Option<f64> {
    match v {
        AnswerValue::Trend { trend } => Some(trend.fraction()),
        _ => None,
    }
}

pub(super) fn display(v: &AnswerValue) -> Option<Text> {
    let AnswerValue::Trend { trend } = v else {
        return None;
    };
    Some(match trend {
        Trend::Better => Text::new("改善", "better"),
        Trend::Flat => Text::new("持平", "flat"),
        Trend::Worse => Text::new("变差", "worse"),
    })
}

pub(super) fn words() -> Vec<Word> {
    Trend::ALL
        .iter()
        .map(|t| Word {
            id: t.word(None).into(),
            label: Text::new(t.word(Some(Lang::Zh)), t.word(None)),
            fraction: t.fraction(),
            exclusive: false,
            help: None,
        })
        .collect()
}

/// Lint of a raw trend item into its spec.
impl crate::model::lint::Linter<'_> {
    pub(in crate::model) fn trend_spec(&mut self, raw: &RawItem, id: &str, pos: Pos) -> ItemSpec {
        let better_when = raw.better_when.unwrap_or_else(|| {
            self.push(
                Diagnostic::error("missing-better-when").quoted("id", id),
                pos,
            );
            BetterWhen::Higher
        });
        ItemSpec::Trend { better_when }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{check, item_of};
    use super::*;

    #[test]
    fn words_read_against_the_direction() {
        use BetterWhen::{Higher, Lower};
        use Trend::{Better, Flat, Worse};
        let cases = [
            ("better", Higher, Some(Better)),
            ("改善", Lower, Some(Better)),
            ("Same", Lower, Some(Flat)),
            ("a", Higher, Some(Worse)),
            ("lower", Lower, Some(Better)),
            ("下降", Higher, Some(Worse)),
            ("higher", Higher, Some(Better)),
            ("提高", Lower, Some(Worse)),
            ("sideways", Lower, None),
        ];
        for (word, when, want) in cases {
            assert_eq!(read(word, when), want, "{word}");
        }
        assert!(TREND_WORDS.iter().all(|w| read(w, Higher).is_some()));
        for t in Trend::ALL {
            for lang in [None, Some(Lang::Zh), Some(Lang::En)] {
                assert_eq!(read(t.word(lang), Higher), Some(t));
            }
        }
    }

    #[test]
    fn answers_checks_fractions_and_words() {
        let item = item_of(crate::model::ItemKind::Trend);
        let trend = |trend| AnswerValue::Trend { trend };
        assert_eq!(check(item, "flat"), Ok(trend(Trend::Flat)));
        assert_eq!(check(item, "up"), Err("unknown-option"));
        assert_eq!(check(item, "1"), Err("unknown-option"));
        for (t, f) in [
            (Trend::Worse, 0.0),
            (Trend::Flat, 0.5),
            (Trend::Better, 1.0),
        ] {
            assert_eq!(item.fraction(&trend(t)), Some(f));
        }
        assert_eq!(item.display(Some(&trend(Trend::Worse))).zh, "变差");
        let words: Vec<String> = item.words().into_iter().map(|w| w.label.zh).collect();
        assert_eq!(words, ["改善", "持平", "恶化"]);
    }
}
