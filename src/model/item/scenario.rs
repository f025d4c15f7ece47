//! `scenario`: a business scenario graded 0–4, each level with a description and its evidence.

use super::{AnswerValue, Check, Word, Written, WrittenValue};
use crate::diag::{Diagnostic, Pos};
use crate::model::ItemSpec;
use crate::model::lint::what;
use crate::model::raw::RawItem;
use crate::text::Text;

/// One grade of a scenario.
#[derive(Debug, Clone)]
pub struct ScenarioLevel {
    pub level: u8,
    pub description: Text,
    pub evidence: Vec<Text>,
}

pub(super) fn check(c: &mut Check, w: &Written) -> Option<AnswerValue> {
    let grade = w
        .as_number()
        .filter(|g| g.fract() == 0.0 && (0.0..=4.0).contains(g));
    if let Some(g) = grade {
        return Some(AnswerValue::Grade { grade: g as u8 });
    }
    let d = Diagnostic::error("out-of-range")
        .variant("grade")
        .arg("value", w.describe());
    c.push(d, w.at);
    None
}

pub(super) fn fraction(v: &AnswerValue) -> Option<f64> {
    match v {
        AnswerValue::Grade { grade } => Some(f64::from(*grade) / 4.0),
        _ => None,
    }
}

pub(super) fn display(v: &AnswerValue) -> Option<Text> {
    match v {
        AnswerValue::Grade { grade } => {
            Some(Text::new(&format!("{grade} 级"), &format!("grade {grade}")))
        }
        _ => None,
    }
}

/// Grade 0 (not started) unless the model describes it, then each level with its evidence.
pub(super) fn words(levels: &[ScenarioLevel]) -> Vec<Word> {
    let not_started = Word {
        id: "0".into(),
        label: Text::new("尚未开展", "Not started"),
        fraction: 0.0,
        exclusive: false,
        help: None,
    };
    let zero = (!levels.iter().any(|l| l.level == 0)).then_some(not_started);
    let join = |sep: &str, get: fn(&Text) -> &String, l: &ScenarioLevel| {
        l.evidence
            .iter()
            .map(get)
            .cloned()
            .collect::<Vec<_>>()
            .join(sep)
    };
    zero.into_iter()
        .chain(levels.iter().map(|l| Word {
            id: l.level.to_string(),
            label: l.description.clone(),
            fraction: f64::from(l.level) / 4.0,
            exclusive: false,
            help: (!l.evidence.is_empty()).then(|| Text {
                zh: join("；", |t| &t.zh, l),
                en: join("; ", |t| &t.en, l),
            }),
        }))
        .collect()
}

/// `2`, or a label such as `2 级：…` picked from a list.
pub(super) fn read_cell(text: &str) -> Option<WrittenValue> {
    let t = text.trim();
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    let rest = t[digits.len()..].trim_start();
    let n = digits.parse::<f64>().ok()?;
    (rest.is_empty() || !rest.starts_with(['.', ','])).then_some(WrittenValue::Number(n))
}

/// Lint of a raw scenario item into its spec.
impl crate::model::lint::Linter<'_> {
    pub(in crate::model) fn scenario_spec(
        &mut self,
        raw: &RawItem,
        id: &str,
        pos: Pos,
    ) -> ItemSpec {
        let mut levels: Vec<ScenarioLevel> = Vec::new();
        for l in raw.levels.iter().flatten() {
            let lpos = Pos::of(l.level.referenced);
            let level = l.level.value;
            let part = what(
                format!("“{id}”的 {level} 级描述"),
                format!("level {level} of `{id}`"),
            );
            self.check_text(&l.description, lpos, part);
            for e in &l.evidence {
                let part = what(
                    format!("“{id}”的 {level} 级佐证材料"),
                    format!("evidence of level {level} of `{id}`"),
                );
                self.check_text(e, lpos, part);
            }
            levels.push(ScenarioLevel {
                level: l.level.value,
                description: l.description.clone(),
                evidence: l.evidence.clone(),
            });
        }
        let numbers: Vec<u8> = levels.iter().map(|l| l.level).collect();
        if numbers != [1, 2, 3, 4] {
            let d = Diagnostic::error("scenario-levels")
                .quoted("id", id)
                .arg("levels", format!("{numbers:?}"));
            self.push(d, pos);
        }
        ItemSpec::Scenario {
            group: raw.group.as_ref().map(|g| g.value.clone()),
            constrained: raw.constrained,
            levels,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{check, item_of};
    use super::*;

    #[test]
    fn answers_checks_fractions_and_words() {
        let item = item_of(crate::model::ItemKind::Scenario);
        let grade = |g: u8| AnswerValue::Grade { grade: g };
        let cases = [
            ("0", Ok(grade(0))),
            ("4", Ok(grade(4))),
            ("5", Err("out-of-range")),
            ("2.5", Err("out-of-range")),
            ("high", Err("out-of-range")),
        ];
        for (written, want) in cases {
            assert_eq!(check(item, written), want, "{written}");
        }
        for (g, f) in [(0, 0.0), (1, 0.25), (4, 1.0)] {
            assert_eq!(item.fraction(&grade(g)), Some(f));
        }
        assert_eq!(item.display(Some(&grade(2))), Text::new("2 级", "grade 2"));
        let words = item.words();
        assert_eq!(
            (words[0].id.as_str(), words.last().unwrap().fraction),
            ("0", 1.0)
        );
        assert_eq!(read_cell("2 级：已上线"), Some(WrittenValue::Number(2.0)));
        assert_eq!(read_cell("2.5"), None);
        assert_eq!(read_cell("高"), None);
    }
}
