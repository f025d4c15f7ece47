//! The scoring engine: the numbers of a result, no texts. Scoring, the planner's re-scoring and
//! aggregation all call [`evaluate`]; the full [`Assessment`](super::Assessment) is built from it.

use super::{ItemStatus, item_fraction, round6};
use crate::answers::{AnswerSheet, AnswerValue};
use crate::model::{Children, FlatKid, Item, Model, Node, SizeClass};

/// The numbers of one firm's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// The level score (基础分).
    pub level_score: f64,
    /// 0 = no level (未达一级).
    pub level: u8,
    /// Status and share of points earned of every item, in model order (`None`: does not count).
    pub items: Vec<(ItemStatus, Option<f64>)>,
    /// Points of every node, in pre-order: a dimension, then its descendants (`None`: nothing applies).
    pub nodes: Vec<Option<f64>>,
    /// (constrained, grade) of every scenario item, in model order; `None` = not counted.
    pub scenarios: Vec<(bool, Option<u8>)>,
}

/// Where the dimensions and their direct children (indicators) sit in [`Scores::nodes`].
#[derive(Debug, Clone, Default)]
pub struct Positions {
    pub dimensions: Vec<usize>,
    pub indicators: Vec<usize>,
    /// Nodes in all.
    pub nodes: usize,
}

impl Positions {
    pub fn of(model: &Model) -> Positions {
        fn walk(n: &Node, depth: usize, p: &mut Positions) {
            match depth {
                0 => p.dimensions.push(p.nodes),
                1 => p.indicators.push(p.nodes),
                _ => {}
            }
            p.nodes += 1;
            if let Children::Nodes(ns) = &n.children {
                ns.iter().for_each(|c| walk(c, depth + 1, p));
            }
        }
        let mut p = Positions::default();
        model.dimensions.iter().for_each(|d| walk(d, 0, &mut p));
        p
    }
}

impl Scores {
    /// The scores of the nodes at `positions` (e.g. [`Positions::dimensions`]).
    pub fn at<'a>(&'a self, positions: &'a [usize]) -> impl Iterator<Item = Option<f64>> + 'a {
        positions
            .iter()
            .map(|&p| self.nodes.get(p).copied().flatten())
    }
}

/// Children combined in one pass, without collecting them.
#[derive(Default)]
struct Combined {
    sum: f64,
    scale: f64,
    live: bool,
}

impl Combined {
    /// Combine `kids`, whose shares `share` gives by place (`None` leaves the denominator).
    #[inline]
    fn of(kids: &[FlatKid], share: impl Fn(usize) -> Option<f64>) -> Combined {
        let mut c = Combined::default();
        for k in kids {
            if let Some(f) = share(k.at as usize) {
                c.sum += f * k.times;
                c.scale += k.adds;
                c.live = true;
            }
        }
        c
    }

    /// The share, `None` when no child counts (or a weighted mean's weights sum to zero or less).
    fn share(&self, weighted: bool) -> Option<f64> {
        (self.live && !(weighted && self.scale <= 0.0)).then(|| self.sum / self.scale)
    }
}

/// An answer as the engine counts it: left out of the denominator (`na`), or a share of the
/// item's points (with a scenario's grade). What the engine needs of an answer, nothing more:
/// aggregation keeps one per way of answering an item and scores many sheets from them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Counted {
    NotApplicable,
    Share { fraction: f64, grade: Option<u8> },
}

impl Counted {
    pub fn of(item: &Item, value: &AnswerValue) -> Counted {
        match value {
            AnswerValue::NotApplicable => Counted::NotApplicable,
            v => Counted::Share {
                fraction: item_fraction(item, v).unwrap_or(0.0),
                grade: match v {
                    AnswerValue::Grade { grade } => Some(*grade),
                    _ => None,
                },
            },
        }
    }
}

/// Score an answer sheet: pure and allocation-light, for callers that score many sheets.
pub fn evaluate(model: &Model, sheet: &AnswerSheet) -> Scores {
    // One pass over the answers (sorted by id) instead of a search per item.
    let mut counted: Vec<Option<Counted>> = vec![None; model.items.len()];
    for (id, a) in &sheet.answers {
        if let Some(i) = model.item_index(id) {
            counted[i] = Some(Counted::of(&model.items[i], &a.value));
        }
    }
    let p = &sheet.profile;
    evaluate_counted(model, &p.industry_group, p.size_class, &counted)
}

/// The engine: score the answers of a firm of `group` and `size`, one per item in model order
/// (`None`: not answered).
pub fn evaluate_counted(
    model: &Model,
    group: &str,
    size: Option<SizeClass>,
    answers: &[Option<Counted>],
) -> Scores {
    let mut out = Scores {
        level_score: 0.0,
        level: 0,
        items: Vec::with_capacity(model.items.len()),
        nodes: Vec::with_capacity(model.dimensions.len() * 8),
        scenarios: Vec::new(),
    };
    evaluate_counted_into(model, group, size, answers, &mut out);
    out
}

/// [`evaluate_counted`] into `out`, whose lists are cleared and reused: scoring many sheets
/// one after the other allocates nothing.
pub fn evaluate_counted_into(
    model: &Model,
    group: &str,
    size: Option<SizeClass>,
    answers: &[Option<Counted>],
    out: &mut Scores,
) {
    evaluate_flat_into(model, model.flat().group(group), size, answers, out);
}

/// [`evaluate_counted_into`] for the group at place `g` of the model's flat view
/// ([`crate::model::Flat::group`]), for a caller that has looked it up already.
pub fn evaluate_flat_into(
    model: &Model,
    g: usize,
    size: Option<SizeClass>,
    answers: &[Option<Counted>],
    out: &mut Scores,
) {
    let Scores {
        items,
        nodes,
        scenarios,
        ..
    } = out;
    let flat = model.flat();
    items.clear();
    scenarios.clear();
    let applies = flat.applies(g, size);
    items.extend(applies.iter().enumerate().map(|(i, &applies)| {
        match (applies, answers.get(i).copied().flatten()) {
            (false, _) => (ItemStatus::NotApplicable, None),
            (true, Some(Counted::NotApplicable)) => (ItemStatus::NotApplicableAnswer, None),
            (true, Some(Counted::Share { fraction, .. })) => (ItemStatus::Answered, Some(fraction)),
            (true, None) => (ItemStatus::Unanswered, Some(0.0)),
        }
    }));
    scenarios.extend(flat.scenarios.iter().map(|&(i, constrained)| {
        let grade = match (items.get(i as usize), answers.get(i as usize)) {
            (Some((ItemStatus::Answered, _)), Some(Some(Counted::Share { grade, .. }))) => *grade,
            (Some((ItemStatus::Unanswered, _)), _) => Some(0),
            _ => None,
        };
        (constrained, grade)
    }));
    // A child comes after its parent in pre-order: from the last node back, each child's share
    // is known when its parent is combined, and nodes that do not depend on each other (the
    // indicators) are worked out side by side. `nodes` holds shares until the end.
    nodes.clear();
    nodes.resize(flat.nodes.len(), None);
    for at in (0..flat.nodes.len()).rev() {
        let n = &flat.nodes[at];
        let kids = flat
            .kids
            .get(n.kids.0 as usize..n.kids.1 as usize)
            .unwrap_or(&[]);
        let c = if n.of_items {
            Combined::of(kids, |k| items[k].1.map(round6))
        } else {
            Combined::of(kids, |k| nodes[k])
        };
        nodes[at] = c.share(n.weighted);
    }
    let counted = Combined::of(&flat.counted, |d| nodes[d]);
    // Shares to points.
    for (node, n) in nodes.iter_mut().zip(&flat.nodes) {
        *node = node.map(|f| round6(f * n.points));
    }
    let level_score =
        round6(counted.share(flat.counted_weighted).unwrap_or(0.0) * model.score_points);
    out.level_score = level_score;
    out.level = super::level::reached(flat.rules(g), level_score, &out.scenarios);
}
