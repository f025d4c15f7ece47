//! The profile vocabulary: fixed pain points and systems, matched to what a profile wrote.

use crate::text::Text;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// One word of the vocabulary.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub id: String,
    pub title: Text,
    #[serde(default)]
    pub also: Vec<String>,
}

impl Term {
    fn words(&self) -> impl Iterator<Item = String> + '_ {
        [&self.id, &self.title.zh, &self.title.en]
            .into_iter()
            .chain(&self.also)
            .map(|w| w.to_lowercase())
    }

    fn matches(&self, written: &str) -> bool {
        let w = written.trim().to_lowercase();
        self.words().any(|x| x == w)
    }

    /// A written name such as "TMS 运输管理系统" or "金蝶KIS" contains one of the words.
    fn contained_in(&self, written: &str) -> bool {
        let w = written.trim().to_lowercase();
        self.words()
            .any(|x| x.chars().count() >= 2 && w.contains(&x))
    }
}

/// questionnaires/reference/profile-vocabulary.yaml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vocabulary {
    #[allow(dead_code)]
    source: String,
    pub pain_points: Vec<Term>,
    pub systems: Vec<Term>,
}

/// What a profile list says, in vocabulary terms.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Matched {
    /// Vocabulary ids, in the order written.
    pub ids: Vec<String>,
    /// Their titles.
    pub titles: Vec<Text>,
    /// Words kept as free text.
    pub free: Vec<String>,
}

/// A written word in both languages: as written in Chinese, and the vocabulary term's English title
/// when the word names a term exactly (free text stays as the firm wrote it in both).
pub fn bilingual(written: &str, terms: &[Term]) -> Text {
    let en = terms
        .iter()
        .find(|t| t.matches(written))
        .map_or(written, |t| t.title.get(crate::text::Lang::En));
    Text::new(written.trim(), en)
}

/// The bundled vocabulary.
pub fn bundled() -> &'static Vocabulary {
    static V: OnceLock<Vocabulary> = OnceLock::new();
    V.get_or_init(|| {
        serde_saphyr::from_str(include_str!(
            "../../questionnaires/reference/profile-vocabulary.yaml"
        ))
        .expect("the bundled profile vocabulary parses (tested)")
    })
}

/// Match written words against `terms`: id, zh or en title, or an `also` word; failing that, every
/// term whose word the text contains ("TMS 运输管理系统" → TMS); else free text.
pub fn match_terms(written: &[String], terms: &[Term]) -> Matched {
    let mut out = Matched::default();
    for w in written {
        let exact: Vec<&Term> = terms.iter().filter(|t| t.matches(w)).take(1).collect();
        let found = if exact.is_empty() {
            terms.iter().filter(|t| t.contained_in(w)).collect()
        } else {
            exact
        };
        if found.is_empty() && !w.trim().is_empty() {
            out.free.push(w.trim().to_string());
        }
        for t in found {
            if !out.ids.contains(&t.id) {
                out.ids.push(t.id.clone());
                out.titles.push(t.title.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_match_by_id_title_or_also_and_the_rest_is_free_text() {
        let v = bundled();
        let m = match_terms(
            &[
                "能耗高".into(),
                "late-delivery".into(),
                "回款慢".into(),
                "老板太忙".into(),
            ],
            &v.pain_points,
        );
        assert_eq!(
            m.ids,
            ["high-energy-cost", "late-delivery", "slow-receivables"]
        );
        assert_eq!(m.free, ["老板太忙"]);
        let s = match_terms(&["用友".into(), "钉钉".into(), "mes".into()], &v.systems);
        assert_eq!(s.ids, ["finance", "oa", "mes"]);
        let s = match_terms(
            &["TMS 运输管理系统".into(), "北斗车辆监控平台".into()],
            &v.systems,
        );
        assert_eq!(s.ids, ["tms", "gps-tracking"]);
    }
}
