//! The scoring structure of a model as flat arrays, built once per model: what the scoring
//! engine reads for every sheet (points, weights, how nodes combine, which items apply to which
//! firms, the level rules of each industry group), without the texts. A million sheets scored
//! against it touch a few kilobytes instead of the model's items and nodes.

use super::{Children, Combine, ItemSpec, Model, Node, ScenarioCondition, SizeClass};

/// One node in pre-order: a dimension, then its descendants.
#[derive(Debug, Clone)]
pub struct FlatNode {
    pub combine: Combine,
    pub points: f64,
    pub weight: f64,
    /// A dimension whose points count toward the level score.
    pub counts_toward_level: bool,
    /// Its children: places in [`Flat::nodes`], or items (by index into [`Model::items`]).
    pub children: FlatChildren,
}

#[derive(Debug, Clone)]
pub enum FlatChildren {
    Nodes(Vec<u32>),
    Items(Vec<u32>),
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
    /// Per item: points, weight, and whether it is a constrained scenario (`Some(true)`), a
    /// guiding one (`Some(false)`) or no scenario.
    pub items: Vec<(f64, f64, Option<bool>)>,
    /// Per place of (group, size) (see [`Flat::place`]): does each item apply?
    applies: Vec<Vec<bool>>,
    /// Pre-order.
    pub nodes: Vec<FlatNode>,
    /// The places of the dimensions in `nodes`.
    pub dimensions: Vec<u32>,
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
        let items = model
            .items
            .iter()
            .map(|item| {
                let scenario = match &item.spec {
                    ItemSpec::Scenario { constrained, .. } => Some(*constrained),
                    _ => None,
                };
                (item.points, item.weight, scenario)
            })
            .collect();
        let mut flat = Flat {
            groups,
            items,
            applies,
            nodes: Vec::new(),
            dimensions: Vec::new(),
            rules,
        };
        for d in &model.dimensions {
            let at = flat.push(d);
            flat.dimensions.push(at);
        }
        flat
    }

    /// Add `node` and its descendants in pre-order; its place.
    fn push(&mut self, node: &Node) -> u32 {
        let at = self.nodes.len();
        self.nodes.push(FlatNode {
            combine: node.combine,
            points: node.points,
            weight: node.weight,
            counts_toward_level: node.counts_toward_level,
            children: FlatChildren::Items(Vec::new()),
        });
        let children = match &node.children {
            Children::Nodes(ns) => FlatChildren::Nodes(ns.iter().map(|n| self.push(n)).collect()),
            Children::Items(idx) => FlatChildren::Items(idx.iter().map(|&i| i as u32).collect()),
        };
        self.nodes[at].children = children;
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
