//! `multi`: several options, each with its own fraction, summed and capped; an exclusive "none" option.

use super::{AnswerValue, Check, Written, WrittenValue, resolve_choice, single};
use crate::diag::Diagnostic;
use crate::model::Choice;
use crate::text::Text;

pub(super) fn check(c: &mut Check, options: &[Choice], w: &Written) -> Option<AnswerValue> {
    let one = std::slice::from_ref(w);
    let written: &[Written] = match &w.value {
        WrittenValue::List(items) => items,
        WrittenValue::Text(_) | WrittenValue::Number(_) => one,
        _ => {
            let d = Diagnostic::error("wrong-type")
                .variant("options")
                .arg("found", w.describe());
            c.push(d, &w.at);
            return None;
        }
    };
    let mut chosen: Vec<String> = Vec::new();
    let mut ok = true;
    for n in written {
        let Some(text) = c.scalar(n, "option") else {
            ok = false;
            continue;
        };
        if !options.iter().any(|o| o.id == text) {
            c.unknown_option(&n.at, &text, options.iter().map(|o| o.id.as_str()));
            ok = false;
        } else if chosen.contains(&text) {
            let d = Diagnostic::warning("duplicate-option").quoted("option", &text);
            c.push(d, &n.at);
        } else {
            chosen.push(text);
        }
    }
    if let Some(ex) = options
        .iter()
        .find(|o| o.exclusive && chosen.contains(&o.id))
        && chosen.len() > 1
    {
        let d = Diagnostic::error("exclusive-option")
            .quoted("option", &ex.id)
            .arg("label", &ex.label);
        c.push(d, &w.at);
        ok = false;
    }
    if chosen.is_empty() && ok {
        c.push(
            Diagnostic::error("missing-answer").variant("empty_list"),
            &w.at,
        );
        ok = false;
    }
    ok.then_some(AnswerValue::Choices { options: chosen })
}

pub(super) fn fraction(options: &[Choice], cap: f64, v: &AnswerValue) -> Option<f64> {
    let AnswerValue::Choices { options: chosen } = v else {
        return None;
    };
    let sum: f64 = options
        .iter()
        .filter(|o| chosen.contains(&o.id))
        .map(|o| o.fraction)
        .sum();
    Some(sum.min(cap))
}

/// [`fraction`] of a set of options given as bits (bit k: the k-th option in model order), from
/// the options' fractions in model order: the same sum, for callers that keep many answers as
/// sets.
///
/// Every option is added, an option not chosen as `-0.0`, which leaves any sum as it is (bit for
/// bit, the sign of zero too): the same sum as of the chosen ones alone, without a branch on
/// each option, which the processor would guess wrong half the time.
pub fn set_fraction(fractions: &[f64], cap: f64, set: u64) -> f64 {
    let none = (-0.0f64).to_bits();
    let sum: f64 = (fractions.iter().enumerate())
        .map(|(k, f)| {
            let chosen = if k < 64 { set >> k & 1 } else { 0 };
            let mask = chosen.wrapping_neg();
            f64::from_bits(f.to_bits() & mask | none & !mask)
        })
        .sum();
    sum.min(cap)
}

pub(super) fn display(options: &[Choice], v: &AnswerValue) -> Option<Text> {
    let AnswerValue::Choices { options: chosen } = v else {
        return None;
    };
    let picked: Vec<Text> = options
        .iter()
        .filter(|o| chosen.contains(&o.id))
        .map(single::labelled)
        .collect();
    let join = |sep: &str, get: fn(&Text) -> &String| {
        picked
            .iter()
            .map(get)
            .cloned()
            .collect::<Vec<_>>()
            .join(sep)
    };
    Some(Text {
        zh: join("；", |t| &t.zh),
        en: join("; ", |t| &t.en),
    })
}

/// `B C` (ids), else one option written out (`B. label`), else the ids as written.
pub(super) fn read_cell(options: &[Choice], text: &str) -> WrittenValue {
    let choices = || options.iter().map(|o| (o.id.as_str(), Some(&o.label)));
    let is_id = |t: &str| options.iter().any(|o| o.id.eq_ignore_ascii_case(t));
    let letters: Vec<String> = text.trim().chars().map(String::from).collect();
    // `BC` for B and C, when every option id is one letter.
    let tokens: Vec<&str> = if letters.len() > 1
        && options.iter().all(|o| o.id.chars().count() == 1)
        && letters.iter().all(|l| is_id(l))
    {
        letters.iter().map(String::as_str).collect()
    } else {
        split_choices(text)
    };
    let resolve = |t: &str| resolve_choice(choices(), t).unwrap_or(t).to_string();
    let ids: Vec<String> = if tokens.iter().all(|t| is_id(t)) {
        tokens.iter().map(|t| resolve(t)).collect()
    } else {
        match resolve_choice(choices(), text) {
            Some(id) => vec![id.to_string()],
            None => tokens.iter().map(|t| resolve(t)).collect(),
        }
    };
    let at = crate::diag::Pos::UNKNOWN;
    WrittenValue::List(
        ids.into_iter()
            .map(|id| Written::new(at, WrittenValue::Text(id)))
            .collect(),
    )
}

/// Split a cell holding several option ids: `B C`, `B,C`, `B、C`, `B;C`.
pub fn split_choices(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{check, item_of};
    use super::*;
    use crate::model::ItemSpec;

    #[test]
    fn answers_checks_fractions_and_words() {
        let item = item_of(crate::model::ItemKind::Multi);
        let ItemSpec::Multi { options, cap } = &item.spec else {
            unreachable!()
        };
        assert!(options[0].exclusive, "A is the \"none\" option");
        let chosen = |ids: &[&str]| AnswerValue::Choices {
            options: ids.iter().map(|s| s.to_string()).collect(),
        };
        let cases = [
            ("[B, C]", Ok(chosen(&["B", "C"]))),
            ("B", Ok(chosen(&["B"]))),
            ("[B, B]", Ok(chosen(&["B"]))), // a warning only
            ("[B, ZZ]", Err("unknown-option")),
            ("[A, B]", Err("exclusive-option")),
            ("[]", Err("missing-answer")),
            ("1/2", Err("wrong-type")),
        ];
        for (written, want) in cases {
            assert_eq!(check(item, written), want, "{written}");
        }
        let all: Vec<&str> = options.iter().skip(1).map(|o| o.id.as_str()).collect();
        let sum: f64 = options.iter().skip(1).map(|o| o.fraction).sum();
        assert_eq!(item.fraction(&chosen(&all)), Some(sum.min(*cap)));
        assert_eq!(item.fraction(&chosen(&["A"])), Some(options[0].fraction));
        let (b, c) = (&options[1].label.zh, &options[2].label.zh);
        assert_eq!(
            item.display(Some(&chosen(&["B", "C"]))).zh,
            format!("B {b}；C {c}")
        );
        // What a cell's text is read as, checked like any written answer.
        let read = |t: &str| {
            item.check(
                &Written::new(crate::diag::Pos::UNKNOWN, item.read_cell(t, false).unwrap()),
                &mut Vec::new(),
            )
        };
        for typed in ["B, c", "bc", "B C"] {
            assert_eq!(read(typed), Some(chosen(&["B", "C"])), "{typed}");
        }
        assert_eq!(read(&format!("B. {b}")), Some(chosen(&["B"])));
        assert!(item.words()[0].exclusive);
    }

    /// A set of options as bits counts what the options as a list count, for every set of every
    /// multiple-choice item of the bundled model (summed in the same order, to the last bit).
    #[test]
    fn a_set_of_options_counts_as_the_list_of_them() {
        let model = crate::model::bundled("sme-dx-2024").unwrap();
        let mut checked = 0;
        for item in &model.items {
            let ItemSpec::Multi { options, cap } = &item.spec else {
                continue;
            };
            let fractions: Vec<f64> = options.iter().map(|o| o.fraction).collect();
            let n = options.len().min(12);
            for set in 1u64..(1 << n) {
                let options = (options.iter().enumerate())
                    .filter(|(k, _)| set >> k & 1 == 1)
                    .map(|(_, o)| o.id.clone())
                    .collect();
                let want = item.fraction(&AnswerValue::Choices { options }).unwrap();
                assert_eq!(
                    set_fraction(&fractions, *cap, set).to_bits(),
                    want.to_bits()
                );
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked} sets");
    }
}
