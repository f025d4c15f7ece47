//! `single`: one option; each option carries a fraction of the item's points.

use super::{AnswerValue, Check, Word, Words, Written, WrittenValue, resolve_choice};
use crate::diag::Diagnostic;
use crate::diag::Pos;
use crate::model::lint::{EPS, round, what};
use crate::model::raw::RawItem;
use crate::model::{ItemKind, ItemSpec};
use crate::text::Text;
use std::collections::HashSet;

/// An option of a single or multi item.
#[derive(Debug, Clone)]
pub struct Choice {
    pub id: String,
    pub label: Text,
    pub fraction: f64,
    pub exclusive: bool,
    pub help: Option<Text>,
}

pub(super) fn check(c: &mut Check, options: &[Choice], w: &Written) -> Option<AnswerValue> {
    let text = c.scalar(w, "option")?;
    if options.iter().any(|o| o.id == text) {
        return Some(AnswerValue::Choice { option: text });
    }
    c.unknown_option(w.at, &text, options.iter().map(|o| o.id.as_str()));
    None
}

pub(super) fn fraction(options: &[Choice], v: &AnswerValue) -> Option<f64> {
    let AnswerValue::Choice { option } = v else {
        return None;
    };
    Some(options.iter().find(|o| &o.id == option)?.fraction)
}

/// `B 车间已建成…` (id and label).
pub(super) fn labelled(o: &Choice) -> Text {
    Text::new(
        &format!("{} {}", o.id, o.label.zh),
        &format!("{} {}", o.id, o.label.en),
    )
}

pub(super) fn display(options: &[Choice], v: &AnswerValue) -> Option<Text> {
    let AnswerValue::Choice { option } = v else {
        return None;
    };
    options.iter().find(|o| &o.id == option).map(labelled)
}

pub(super) fn written(options: &[Choice], option: &str, words: Words) -> WrittenValue {
    let label = match words {
        Words::Labels(lang) => options
            .iter()
            .find(|o| o.id == option)
            .map(|o| option_label(&o.id, &o.label, lang)),
        _ => None,
    };
    WrittenValue::Text(label.unwrap_or_else(|| option.to_string()))
}

/// The text a drop-down shows for an option: `B. 车间已建成工业控制网络…`.
pub fn option_label(id: &str, label: &Text, lang: crate::text::Lang) -> String {
    format!("{id}. {}", label.get(lang))
}

/// The options as words (also those of a multi item).
pub(super) fn words(options: &[Choice]) -> Vec<Word> {
    options
        .iter()
        .map(|o| Word {
            id: o.id.clone(),
            label: o.label.clone(),
            fraction: o.fraction,
            exclusive: o.exclusive,
            help: o.help.clone(),
        })
        .collect()
}

pub(super) fn read_cell(options: &[Choice], text: &str) -> WrittenValue {
    let id = resolve_choice(
        options.iter().map(|o| (o.id.as_str(), Some(&o.label))),
        text,
    );
    WrittenValue::Text(id.unwrap_or(text).to_string())
}

/// Lint of a raw single or multi item into its spec.
impl crate::model::lint::Linter<'_> {
    pub(in crate::model) fn choice_spec(
        &mut self,
        raw: &RawItem,
        kind: ItemKind,
        id: &str,
        pos: Pos,
    ) -> ItemSpec {
        let mut options = Vec::new();
        let mut seen = HashSet::new();
        match &raw.options {
            None => {
                let d = Diagnostic::error("missing-options").arg("kind", format!("{kind:?}"));
                self.push(d.quoted("id", id), pos);
            }
            Some(list) if list.is_empty() => {
                let d = Diagnostic::error("missing-options").variant("empty");
                self.push(d.quoted("id", id), pos);
            }
            Some(_) => {}
        }
        for o in raw.options.iter().flatten() {
            let opos = Pos::of(o.id.referenced);
            if !seen.insert(o.id.value.clone()) {
                let d = Diagnostic::error("duplicate-option").variant("model");
                self.push(d.quoted("option", &o.id.value).quoted("id", id), opos);
            }
            let option = &o.id.value;
            let part = what(
                format!("“{id}”选项“{option}”的文字"),
                format!("label of option `{option}` of `{id}`"),
            );
            self.check_text(&o.label, opos, part);
            let part = what(
                format!("“{id}”的选项“{option}”"),
                format!("option `{option}` of `{id}`"),
            );
            let fraction = self.check_fraction(&o.fraction, part);
            if o.exclusive && kind == ItemKind::Single {
                let d = Diagnostic::warning("key-not-for-kind")
                    .variant("exclusive")
                    .quoted("key", "exclusive")
                    .quoted("option", &o.id.value)
                    .quoted("id", id);
                self.push(d, opos);
            }
            options.push(Choice {
                id: o.id.value.clone(),
                label: o.label.clone(),
                fraction,
                exclusive: o.exclusive,
                help: o.help.clone(),
            });
        }
        match kind {
            ItemKind::Single => {
                let top = options.iter().map(|o| o.fraction).fold(0.0, f64::max);
                if !options.is_empty() && (top - 1.0).abs() > EPS {
                    self.push(
                        Diagnostic::warning("cannot-reach-points").quoted("id", id),
                        pos,
                    );
                }
                ItemSpec::Single { options }
            }
            _ => {
                let cap = raw.cap.as_ref().map_or(1.0, |c| {
                    self.check_fraction(c, what(format!("“{id}”的上限"), format!("cap of `{id}`")))
                });
                let reachable: f64 = options
                    .iter()
                    .filter(|o| !o.exclusive)
                    .map(|o| o.fraction)
                    .sum();
                if !options.is_empty() && reachable + EPS < cap {
                    let d = Diagnostic::warning("cannot-reach-points")
                        .variant("cap")
                        .quoted("id", id)
                        .arg("sum", round(reachable))
                        .arg("cap", cap);
                    self.push(d, pos);
                }
                ItemSpec::Multi { options, cap }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{check, item_of};
    use super::*;
    use crate::text::Lang;

    #[test]
    fn answers_checks_fractions_and_words() {
        let item = item_of(crate::model::ItemKind::Single);
        let crate::model::ItemSpec::Single { options } = &item.spec else {
            unreachable!()
        };
        let b = &options[1];
        let choice = |id: &str| AnswerValue::Choice { option: id.into() };
        let cases = [
            (" B ", Ok(choice("B"))),
            ("ZZ", Err("unknown-option")),
            ("7", Err("unknown-option")),
            ("[B]", Err("wrong-type")),
        ];
        for (written, want) in cases {
            assert_eq!(check(item, written), want, "{written}");
        }
        assert_eq!(item.fraction(&choice("B")), Some(b.fraction));
        assert_eq!(item.fraction(&choice("ZZ")), None);
        assert_eq!(
            item.display(Some(&choice("B"))).zh,
            format!("B {}", b.label.zh)
        );
        let label = format!("B. {}", b.label.zh);
        assert_eq!(
            item.written(&choice("B"), Words::Labels(Lang::Zh)),
            WrittenValue::Text(label.clone())
        );
        assert_eq!(
            item.written(&choice("B"), Words::Ids),
            WrittenValue::Text("B".into())
        );
        assert_eq!(
            item.read_cell(&label, false),
            Some(WrittenValue::Text("B".into()))
        );
        assert_eq!(item.words().len(), options.len());
    }
}
