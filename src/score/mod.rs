//! Scoring (pure): points per item, indicator and dimension; the level; what is short of the next one.

mod level;

pub use level::{LevelGap, ScenarioRef, ScenarioShortfall, gap as level_gap, shortfall_quick};

use crate::answers::{AnswerSheet, AnswerValue, Profile};
use crate::model::{Children, Combine, Item, ItemKind, ItemSpec, Model, Node};
use crate::text::Text;
use serde::Serialize;

/// The full result of scoring one enterprise against one model.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub model: ModelRef,
    pub profile: Profile,
    /// Title of the firm's industry group (the id is `profile.industry_group`).
    pub industry_group: Text,
    /// The level score (基础分): dimensions that count toward the level, combined.
    pub level_score: f64,
    pub level_score_max: f64,
    /// 0 = no level (未达一级).
    pub level: u8,
    pub level_name: Text,
    /// What is short of the next level; `None` at the top level.
    pub next_level: Option<LevelGap>,
    pub dimensions: Vec<NodeScore>,
    pub items: Vec<ItemScore>,
    pub scenarios: Vec<ScenarioGrade>,
}

/// Which model (and version) produced a result.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct ModelRef {
    pub id: String,
    pub version: String,
    pub title: Text,
}

/// Score of a dimension or indicator.
#[derive(Debug, Clone, Serialize)]
pub struct NodeScore {
    pub id: String,
    pub title: Text,
    /// `None` when nothing below applies (all N/A).
    pub score: Option<f64>,
    pub max: f64,
    pub counts_toward_level: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<NodeScore>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
}

/// How an item stands in a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Answered,
    /// Answered `na`: left out of the denominator.
    NotApplicableAnswer,
    /// The model says it does not apply to this firm's industry or size.
    NotApplicable,
    /// Optional and left blank: scores 0.
    Unanswered,
}

/// Score of one item.
#[derive(Debug, Clone, Serialize)]
pub struct ItemScore {
    pub id: String,
    pub title: Text,
    pub kind: ItemKind,
    pub dimension: String,
    pub parent: String,
    pub status: ItemStatus,
    pub score: f64,
    pub max: f64,
    /// Share of the item's points earned; `None` when it does not count.
    pub fraction: Option<f64>,
    /// The answer in words (option labels, the number, the grade).
    pub answer: Text,
    /// The assessor's note on the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Recorded-not-scored figures.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub data: std::collections::BTreeMap<String, f64>,
}

/// A scenario's grade, for level rules and the scenario grid.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioGrade {
    pub id: String,
    pub title: Text,
    pub group: Option<String>,
    pub constrained: bool,
    /// `None` when the scenario does not apply or was answered `na`.
    pub grade: Option<u8>,
}

/// Round to 6 decimals: results are shown to 2–4 and compared with thresholds exactly.
pub(crate) fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Fraction of an item's points an answer earns.
pub fn item_fraction(item: &Item, value: &AnswerValue) -> Option<f64> {
    item.fraction(value)
}

/// One child's contribution to its parent: fraction (None = leaves the denominator), scale, weight.
struct Part {
    fraction: Option<f64>,
    max: f64,
    weight: f64,
}

fn combine(parts: &[Part], how: Combine) -> Option<f64> {
    let live: Vec<&Part> = parts
        .iter()
        .filter(|p| p.fraction.is_some() && p.max > 0.0)
        .collect();
    if live.is_empty() {
        return None;
    }
    let f = |p: &Part| p.fraction.unwrap_or(0.0);
    Some(match how {
        Combine::Sum => {
            let max: f64 = live.iter().map(|p| p.max).sum();
            live.iter().map(|p| f(p) * p.max).sum::<f64>() / max
        }
        Combine::Mean => live.iter().map(|p| f(p)).sum::<f64>() / live.len() as f64,
        Combine::WeightedMean => {
            let w: f64 = live.iter().map(|p| p.weight).sum();
            if w <= 0.0 {
                return None;
            }
            live.iter().map(|p| f(p) * p.weight).sum::<f64>() / w
        }
    })
}

fn score_node(model: &Model, node: &Node, items: &[ItemScore]) -> (Option<f64>, NodeScore) {
    let (parts, children, item_ids) = match &node.children {
        Children::Nodes(nodes) => {
            let scored: Vec<(Option<f64>, NodeScore, &Node)> = nodes
                .iter()
                .map(|n| {
                    let (f, s) = score_node(model, n, items);
                    (f, s, n)
                })
                .collect();
            let parts = scored
                .iter()
                .map(|(f, _, n)| Part {
                    fraction: *f,
                    max: n.points,
                    weight: n.weight,
                })
                .collect::<Vec<_>>();
            (
                parts,
                scored.into_iter().map(|(_, s, _)| s).collect(),
                Vec::new(),
            )
        }
        Children::Items(idx) => {
            let parts = idx
                .iter()
                .map(|&i| Part {
                    fraction: items[i].fraction,
                    max: items[i].max,
                    weight: model.items[i].weight,
                })
                .collect();
            (
                parts,
                Vec::new(),
                idx.iter().map(|&i| items[i].id.clone()).collect(),
            )
        }
    };
    let fraction = combine(&parts, node.combine);
    let score = NodeScore {
        id: node.id.clone(),
        title: node.title.clone(),
        score: fraction.map(|f| round6(f * node.points)),
        max: node.points,
        counts_toward_level: node.counts_toward_level,
        children,
        items: item_ids,
    };
    (fraction, score)
}

/// Score an answer sheet against its model. Pure: same inputs, same result.
pub fn score(model: &Model, sheet: &AnswerSheet) -> Assessment {
    let group = sheet.profile.industry_group.as_str();
    let size = sheet.profile.size_class;
    let items: Vec<ItemScore> = model
        .items
        .iter()
        .map(|item| {
            let applies = item.applies_to.applies(group, size);
            let answer = sheet.answers.get(&item.id).map(|a| &a.value);
            let (status, fraction) = match (applies, answer) {
                (false, _) => (ItemStatus::NotApplicable, None),
                (true, Some(AnswerValue::NotApplicable)) => (ItemStatus::NotApplicableAnswer, None),
                (true, Some(v)) => (
                    ItemStatus::Answered,
                    Some(item_fraction(item, v).unwrap_or(0.0)),
                ),
                (true, None) => (ItemStatus::Unanswered, Some(0.0)),
            };
            ItemScore {
                id: item.id.clone(),
                title: item.title.clone(),
                kind: item.spec.kind(),
                dimension: item.dimension.clone(),
                parent: item.parent.clone(),
                status,
                score: round6(fraction.unwrap_or(0.0) * item.points),
                max: item.points,
                fraction: fraction.map(round6),
                answer: if applies {
                    item.display(answer)
                } else {
                    Text::new("不适用于本企业", "does not apply to this firm")
                },
                note: sheet.answers.get(&item.id).and_then(|a| a.note.clone()),
                data: sheet
                    .answers
                    .get(&item.id)
                    .map(|a| a.data.clone())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let scored: Vec<(Option<f64>, NodeScore, &Node)> = model
        .dimensions
        .iter()
        .map(|d| {
            let (f, s) = score_node(model, d, &items);
            (f, s, d)
        })
        .collect();
    let counted: Vec<Part> = scored
        .iter()
        .filter(|(_, _, d)| d.counts_toward_level)
        .map(|(f, _, d)| Part {
            fraction: *f,
            max: d.points,
            weight: d.weight,
        })
        .collect();
    let level_score =
        round6(combine(&counted, model.score_combine).unwrap_or(0.0) * model.score_points);
    let scenarios: Vec<ScenarioGrade> = model
        .items
        .iter()
        .zip(&items)
        .filter_map(|(item, s)| match &item.spec {
            ItemSpec::Scenario {
                group, constrained, ..
            } => Some(ScenarioGrade {
                id: item.id.clone(),
                title: item.title.clone(),
                group: group.clone(),
                constrained: *constrained,
                grade: match (s.status, sheet.answers.get(&item.id).map(|a| &a.value)) {
                    (ItemStatus::Answered, Some(AnswerValue::Grade { grade })) => Some(*grade),
                    (ItemStatus::Unanswered, _) => Some(0),
                    _ => None,
                },
            }),
            _ => None,
        })
        .collect();
    let (level, next_level) = level::determine(model, group, level_score, &scenarios);
    let level_name = model
        .level_rule(level)
        .map(|r| r.name.clone())
        .unwrap_or_else(|| Text::new("未达一级", "below level 1"));
    Assessment {
        model: ModelRef {
            id: model.id.clone(),
            version: model.version.clone(),
            title: model.title.clone(),
        },
        profile: sheet.profile.clone(),
        industry_group: model
            .industry_group(group)
            .map_or_else(|| Text::new(group, group), |g| g.title.clone()),
        level_score,
        level_score_max: model.score_points,
        level,
        level_name,
        next_level,
        dimensions: scored.into_iter().map(|(_, s, _)| s).collect(),
        items,
        scenarios,
    }
}

/// The level-relevant part of a result, computed without building texts: for planners that
/// re-score many variants of the same sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct QuickScore {
    pub level_score: f64,
    pub level: u8,
    /// (constrained, grade) of every scenario, in model order; `None` = not counted.
    pub scenarios: Vec<(bool, Option<u8>)>,
    /// Score of every dimension, in model order (`None` = nothing applies).
    pub dimensions: Vec<Option<f64>>,
    /// Score of every child node of every dimension, in model order.
    pub indicators: Vec<Option<f64>>,
}

fn quick_node(node: &Node, fractions: &[Option<f64>], model: &Model) -> Option<f64> {
    let parts: Vec<Part> = match &node.children {
        Children::Nodes(nodes) => nodes
            .iter()
            .map(|n| Part {
                fraction: quick_node(n, fractions, model),
                max: n.points,
                weight: n.weight,
            })
            .collect(),
        Children::Items(idx) => idx
            .iter()
            .map(|&i| Part {
                fraction: fractions[i],
                max: model.items[i].points,
                weight: model.items[i].weight,
            })
            .collect(),
    };
    combine(&parts, node.combine)
}

/// Level score, level and scenario grades; the same numbers as [`score`], faster.
pub fn quick_score(model: &Model, sheet: &AnswerSheet) -> QuickScore {
    let group = sheet.profile.industry_group.as_str();
    let size = sheet.profile.size_class;
    let mut scenarios = Vec::new();
    // One pass over the answers (sorted by id) instead of a search per item.
    let mut by_item: Vec<Option<&AnswerValue>> = vec![None; model.items.len()];
    for (id, a) in &sheet.answers {
        if let Some(i) = model.item_index(id) {
            by_item[i] = Some(&a.value);
        }
    }
    let fractions: Vec<Option<f64>> = model
        .items
        .iter()
        .zip(by_item)
        .map(|(item, answer)| {
            let applies = item.applies_to.applies(group, size);
            let fraction = match (applies, answer) {
                (false, _) | (true, Some(AnswerValue::NotApplicable)) => None,
                (true, Some(v)) => Some(item_fraction(item, v).unwrap_or(0.0)),
                (true, None) => Some(0.0),
            };
            if let ItemSpec::Scenario { constrained, .. } = &item.spec {
                let grade = match (applies, answer) {
                    (true, Some(AnswerValue::Grade { grade })) => Some(*grade),
                    (true, None) => Some(0),
                    _ => None,
                };
                scenarios.push((*constrained, grade));
            }
            fraction
        })
        .collect();
    let mut dimensions = Vec::with_capacity(model.dimensions.len());
    let mut indicators = Vec::new();
    let mut counted: Vec<Part> = Vec::new();
    for d in &model.dimensions {
        let f = quick_node(d, &fractions, model);
        dimensions.push(f.map(|f| round6(f * d.points)));
        if let Children::Nodes(nodes) = &d.children {
            for n in nodes {
                indicators.push(quick_node(n, &fractions, model).map(|f| round6(f * n.points)));
            }
        }
        if d.counts_toward_level {
            counted.push(Part {
                fraction: f,
                max: d.points,
                weight: d.weight,
            });
        }
    }
    let level_score =
        round6(combine(&counted, model.score_combine).unwrap_or(0.0) * model.score_points);
    let level = level::reached_quick(model, group, level_score, &scenarios);
    QuickScore {
        level_score,
        level,
        scenarios,
        dimensions,
        indicators,
    }
}
