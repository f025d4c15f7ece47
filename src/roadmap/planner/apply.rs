//! Applying a product's lifts to a copy of the answers.

use super::super::catalog::{Lift, LiftTarget};
use crate::answers::{Answer, AnswerSheet, AnswerValue};
use crate::model::{ItemSpec, Model};

/// Apply lifts to a copy of the answers; returns whether anything changed.
pub fn apply_lifts(model: &Model, sheet: &mut AnswerSheet, lifts: &[Lift]) -> bool {
    let group = sheet.profile.industry_group.clone();
    let size = sheet.profile.size_class;
    let mut changed = false;
    for l in lifts {
        let id = l.scenario.as_ref().or(l.item.as_ref());
        let Some(item) = id.and_then(|i| model.item(i)) else {
            continue;
        };
        if !item.applies_to.applies(&group, size) {
            continue;
        }
        let current = sheet.answers.get(&item.id).map(|a| a.value.clone());
        if current == Some(AnswerValue::NotApplicable) {
            continue;
        }
        let new = match (&item.spec, &l.to, &l.add, current) {
            (ItemSpec::Scenario { .. }, Some(LiftTarget::Number(g)), _, cur) => {
                let now = match cur {
                    Some(AnswerValue::Grade { grade }) => grade,
                    _ => 0,
                };
                let to = g.clamp(0.0, 4.0) as u8;
                (to > now).then_some(AnswerValue::Grade { grade: to })
            }
            (ItemSpec::Multi { options, .. }, _, Some(add), cur) => {
                let mut chosen: Vec<String> = match cur {
                    Some(AnswerValue::Choices { options }) => options,
                    _ => Vec::new(),
                };
                chosen.retain(|c| options.iter().any(|o| &o.id == c && !o.exclusive));
                let before = chosen.len();
                for a in add {
                    if !chosen.contains(a) && options.iter().any(|o| &o.id == a && !o.exclusive) {
                        chosen.push(a.clone());
                    }
                }
                (chosen.len() > before).then_some(AnswerValue::Choices { options: chosen })
            }
            (ItemSpec::Single { options }, Some(LiftTarget::Option(to)), _, cur) => {
                let now = match &cur {
                    Some(AnswerValue::Choice { option }) => options
                        .iter()
                        .find(|o| &o.id == option)
                        .map_or(0.0, |o| o.fraction),
                    _ => 0.0,
                };
                options
                    .iter()
                    .find(|o| &o.id == to)
                    .filter(|o| o.fraction > now)
                    .map(|o| AnswerValue::Choice {
                        option: o.id.clone(),
                    })
            }
            (ItemSpec::Band { bands, .. }, Some(LiftTarget::Number(v)), _, cur) => {
                let now = match &cur {
                    Some(AnswerValue::Number { value, .. }) => Some(*value),
                    Some(AnswerValue::Band { band }) => {
                        bands.iter().find(|b| &b.id == band).map(|b| b.range.lo)
                    }
                    _ => None,
                };
                now.is_none_or(|n| *v > n).then_some(AnswerValue::Number {
                    value: *v,
                    numerator: None,
                    denominator: None,
                })
            }
            _ => None,
        };
        if let Some(v) = new {
            let note = sheet.answers.get(&item.id).and_then(|a| a.note.clone());
            let data = sheet
                .answers
                .get(&item.id)
                .map(|a| a.data.clone())
                .unwrap_or_default();
            sheet.answers.insert(
                item.id.clone(),
                Answer {
                    value: v,
                    note,
                    data,
                },
            );
            changed = true;
        }
    }
    changed
}
