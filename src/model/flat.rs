//! The scoring structure of a model as flat arrays, built once per model: what the scoring
//! engine reads for every sheet (points, weights, how nodes combine, which items apply to which
//! firms, the level rules of each industry group), without the texts. A million sheets scored
//! against it touch a few kilobytes instead of the model's items and nodes.

use super::{Children, Combine, ItemSpec, Model, Node, ScenarioCondition, SizeClass};

/// One node in pre-order: a dimension, then its descendants.
#[derive(Debug, Clone)]
pub struct FlatNode {
    pub points: f64,
    /// A weighted mean: a scale of zero or less gives it no share.
    pub weighted: bool,
    /// Its children are items (their places in [`Model::items`]), not nodes (places in
    /// [`Flat::nodes`]).
    pub of_items: bool,
    /// Its children, as it combines them: a range of [`Flat::kids`].
    pub kids: (u32, u32),
}

/// A child as its parent combines it. The parent's share is the sum of `times` × the share of
/// each child that has one, over the sum of their `adds`: points and points (a sum), 1 and 1 (a
/// mean), weight and weight (a weighted mean). A child worth no points never counts, so it is
/// left out when the model is flattened.
#[derive(Debug, Clone, Copy)]
pub struct FlatKid {
    /// The child's place: an item's or a node's, as its parent says.
    pub at: u32,
    pub times: f64,
    pub adds: f64,
}

impl FlatKid {
    fn new(at: u32, how: Combine, points: f64, weight: f64) -> Option<FlatKid> {
        let (times, adds) = match how {
            Combine::Sum => (points, points),
            Combine::Mean => (1.0, 1.0),
            Combine::WeightedMean => (weight, weight),
        };
        (points > 0.0).then_some(FlatKid { at, times, adds })
    }
}

/// One level's rule as it holds for one industry group.
#[derive(Debug, Clone, Copy)]
pub struct FlatRule {
    pub level: u8,
    pub min_score: Option<f64>,
    pub scenarios: Option<ScenarioCondition>,
}

/// See the module documentation.
#[derive(Debug, Clone)]
pub struct Flat {
    /// Industry group ids; a group the model does not name is one more place after them.
    groups: Vec<String>,
    /// The scenario items in model order: the item's place and whether it is constrained (a
    /// guiding one is not).
    pub scenarios: Vec<(u32, bool)>,
    /// Per place of (group, size) (see [`Flat::place`]): does each item apply?
    applies: Vec<Vec<bool>>,
    /// Pre-order.
    pub nodes: Vec<FlatNode>,
    /// The children of every node (see [`FlatNode::kids`]).
    pub kids: Vec<FlatKid>,
    /// The dimensions whose points count toward the level score, as the model combines them.
    pub counted: Vec<FlatKid>,
    /// The level score is a weighted mean (a scale of zero or less gives it none).
    pub counted_weighted: bool,
    /// Per group place: the level rules from the highest level down.
    rules: Vec<Vec<FlatRule>>,
}

/// Size places: unknown, then each class.
const SIZES: [Option<SizeClass>; 5] = [
    None,
    Some(SizeClass::Medium),
    Some(SizeClass::Small),
    Some(SizeClass::Micro),
    Some(SizeClass::Large),
];

fn size_place(size: Option<SizeClass>) -> usize {
    match size {
        None => 0,
        Some(SizeClass::Medium) => 1,
        Some(SizeClass::Small) => 2,
        Some(SizeClass::Micro) => 3,
        Some(SizeClass::Large) => 4,
    }
}

impl Flat {
    pub(super) fn of(model: &Model) -> Flat {
        let mut groups: Vec<String> = model.industry_groups.iter().map(|g| g.id.clone()).collect();
        // A group the model does not name (no id holds a NUL): nothing restricted to groups
        // applies to it, and no rule's variant.
        groups.push("\u{0}".to_string());
        let mut applies = Vec::with_capacity(groups.len() * SIZES.len());
        for group in &groups {
            for size in SIZES {
                applies.push(
                    (model.items.iter())
                        .map(|item| item.applies_to.applies(group, size))
                        .collect(),
                );
            }
        }
        let rules = groups
            .iter()
            .map(|group| {
                model
                    .levels
                    .iter()
                    .rev()
                    .map(|rule| {
                        let (min_score, scenarios) = rule.effective(group);
                        FlatRule {
                            level: rule.level,
                            min_score,
                            scenarios,
                        }
                    })
                    .collect()
            })
            .collect();
        let scenarios = (model.items.iter().enumerate())
            .filter_map(|(i, item)| match &item.spec {
                ItemSpec::Scenario { constrained, .. } => Some((i as u32, *constrained)),
                _ => None,
            })
            .collect();
        let mut flat = Flat {
            groups,
            scenarios,
            applies,
            nodes: Vec::new(),
            kids: Vec::new(),
            counted: Vec::new(),
            counted_weighted: model.score_combine == Combine::WeightedMean,
            rules,
        };
        for d in &model.dimensions {
            let at = flat.push(model, d);
            if d.counts_toward_level {
                let kid = FlatKid::new(at, model.score_combine, d.points, d.weight);
                flat.counted.extend(kid);
            }
        }
        flat
    }

    /// Add `node` and its descendants in pre-order; its place.
    fn push(&mut self, model: &Model, node: &Node) -> u32 {
        let at = self.nodes.len();
        self.nodes.push(FlatNode {
            points: node.points,
            weighted: node.combine == Combine::WeightedMean,
            of_items: matches!(node.children, Children::Items(_)),
            kids: (0, 0),
        });
        let how = node.combine;
        let kids: Vec<FlatKid> = match &node.children {
            Children::Nodes(ns) => (ns.iter())
                .filter_map(|n| FlatKid::new(self.push(model, n), how, n.points, n.weight))
                .collect(),
            Children::Items(idx) => (idx.iter())
                .filter_map(|&i| {
                    let item = &model.items[i];
                    FlatKid::new(i as u32, how, item.points, item.weight)
                })
                .collect(),
        };
        let start = self.kids.len() as u32;
        self.kids.extend(kids);
        self.nodes[at].kids = (start, self.kids.len() as u32);
        at as u32
    }

    /// The place of an industry group (a group the model does not name has one of its own).
    pub fn group(&self, group: &str) -> usize {
        let named = self.groups.len() - 1;
        self.groups[..named]
            .iter()
            .position(|g| g == group)
            .unwrap_or(named)
    }

    /// Is the place `g` a group the model names (not the place of all the others)?
    pub fn named(&self, g: usize) -> bool {
        g + 1 < self.groups.len()
    }

    /// Which items apply to a firm of the group at `group` (see [`Flat::group`]) and `size`.
    pub fn applies(&self, group: usize, size: Option<SizeClass>) -> &[bool] {
        &self.applies[group * SIZES.len() + size_place(size)]
    }

    /// The level rules as they hold for the group at `group`, from the highest level down.
    pub fn rules(&self, group: usize) -> &[FlatRule] {
        &self.rules[group]
    }
}
