//! Assessment models: validated types, loading from YAML, and the bundled models.

mod flat;
pub mod item;
mod lint;
pub mod raw;

pub use flat::{Flat, FlatKid, FlatNode, FlatRule};
pub use item::{
    AnswerValue, Band, Choice, Interval, ItemSpec, Ratio, ScenarioLevel, Trend, Written,
    WrittenValue, set_fraction,
};
pub use raw::{BetterWhen, Combine, ItemKind};

mod size_class;
use crate::diag::Diagnostic;
use crate::source_file::SourceFile;
use crate::text::Text;
pub use size_class::SizeClass;
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

/// A model that passed every lint with no error. Only this type can be scored.
#[derive(Debug, Clone)]
pub struct Model {
    pub id: String,
    pub version: String,
    pub title: Text,
    pub source: Option<String>,
    /// How the dimensions that count toward the level combine.
    pub score_combine: Combine,
    /// Scale of the level score (基础分 out of this many points).
    pub score_points: f64,
    pub industry_groups: Vec<IndustryGroup>,
    pub dimensions: Vec<Node>,
    /// Every item, in file order; nodes refer to them by index.
    pub items: Vec<Item>,
    item_index: HashMap<String, usize, std::hash::BuildHasherDefault<Fnv>>,
    /// Ascending by level.
    pub levels: Vec<LevelRule>,
    /// The scoring structure as flat arrays, built when first scored.
    flat: FlatCache,
}

/// A [`Flat`] built on first use; a clone of the model builds its own.
#[derive(Debug, Default)]
struct FlatCache(OnceLock<Flat>);

impl Clone for FlatCache {
    fn clone(&self) -> FlatCache {
        FlatCache::default()
    }
}

/// FNV-1a: item ids are short and trusted to the model, so a fast hash beats SipHash here.
#[derive(Default)]
pub struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// Firms grouped by GB/T 4754 code prefix, for applicability and level-rule variants.
#[derive(Debug, Clone)]
pub struct IndustryGroup {
    pub id: String,
    pub title: Text,
    pub codes: Vec<String>,
    pub default: bool,
}

/// Which firms a node or item applies to; `None` = all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applicability {
    pub industry_groups: Option<Vec<String>>,
    pub sizes: Option<Vec<SizeClass>>,
}

impl Applicability {
    /// Does it apply to a firm of this group and size? An unknown size matches.
    pub fn applies(&self, group: &str, size: Option<SizeClass>) -> bool {
        let group_ok = self
            .industry_groups
            .as_ref()
            .is_none_or(|g| g.iter().any(|x| x == group));
        let size_ok = match (&self.sizes, size) {
            (Some(sizes), Some(size)) => sizes.contains(&size),
            _ => true,
        };
        group_ok && size_ok
    }

    /// Both restrictions at once (a child inherits its ancestors').
    pub fn and(&self, other: &Applicability) -> Applicability {
        fn meet<T: Clone + PartialEq>(a: &Option<Vec<T>>, b: &Option<Vec<T>>) -> Option<Vec<T>> {
            match (a, b) {
                (None, x) | (x, None) => x.clone(),
                (Some(a), Some(b)) => Some(a.iter().filter(|x| b.contains(x)).cloned().collect()),
            }
        }
        Applicability {
            industry_groups: meet(&self.industry_groups, &other.industry_groups),
            sizes: meet(&self.sizes, &other.sizes),
        }
    }
}

/// A dimension or indicator.
#[derive(Debug, Clone)]
pub struct Node {
    pub id: String,
    pub title: Text,
    pub help: Option<Text>,
    pub points: f64,
    pub weight: f64,
    pub combine: Combine,
    pub counts_toward_level: bool,
    pub applies_to: Applicability,
    pub children: Children,
}

/// A node holds either nodes or items (by index into [`Model::items`]).
#[derive(Debug, Clone)]
pub enum Children {
    Nodes(Vec<Node>),
    Items(Vec<usize>),
}

/// A question of the model.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: String,
    pub title: Text,
    pub help: Option<Text>,
    pub evidence: Vec<Text>,
    pub points: f64,
    pub weight: f64,
    /// Effective applicability, ancestors' restrictions included.
    pub applies_to: Applicability,
    pub allow_na: bool,
    pub required: bool,
    pub fields: Vec<Field>,
    pub spec: ItemSpec,
    /// Id of the top-level dimension the item is in.
    pub dimension: String,
    /// Id of the node directly above the item.
    pub parent: String,
}

/// A recorded-not-scored figure.
#[derive(Debug, Clone)]
pub struct Field {
    pub id: String,
    pub label: Text,
    pub unit: Option<String>,
}

/// A maturity level's conditions.
#[derive(Debug, Clone)]
pub struct LevelRule {
    pub level: u8,
    pub name: Text,
    pub summary: Option<Text>,
    pub min_score: Option<f64>,
    pub scenarios: Option<ScenarioCondition>,
    pub overrides: Vec<LevelOverride>,
}

/// How many scenarios a level needs at or above a grade.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct ScenarioCondition {
    pub at_or_above: u8,
    pub at_least: u32,
    pub constrained_at_least: u32,
}

/// A level rule's variant for some industry groups.
#[derive(Debug, Clone)]
pub struct LevelOverride {
    pub industry_groups: Vec<String>,
    pub min_score: Option<f64>,
    pub scenarios: Option<ScenarioCondition>,
}

impl LevelRule {
    /// The threshold and scenario condition that hold for a firm of `group`.
    pub fn effective(&self, group: &str) -> (Option<f64>, Option<ScenarioCondition>) {
        match self
            .overrides
            .iter()
            .find(|o| o.industry_groups.iter().any(|g| g == group))
        {
            Some(o) => (
                o.min_score.or(self.min_score),
                o.scenarios.or(self.scenarios),
            ),
            None => (self.min_score, self.scenarios),
        }
    }
}

impl Model {
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.item_index.get(id).map(|&i| &self.items[i])
    }

    pub fn item_index(&self, id: &str) -> Option<usize> {
        self.item_index.get(id).copied()
    }

    /// The industry group of a GB/T 4754 code (门类 letter + digits): longest matching prefix, else the default.
    pub fn industry_group_of(&self, code: Option<&str>) -> &str {
        let mut best: Option<(&IndustryGroup, usize)> = None;
        if let Some(code) = code {
            for g in &self.industry_groups {
                for prefix in &g.codes {
                    if code.starts_with(prefix.as_str())
                        && best.is_none_or(|(_, len)| prefix.len() > len)
                    {
                        best = Some((g, prefix.len()));
                    }
                }
            }
        }
        match best {
            Some((g, _)) => &g.id,
            None => self
                .industry_groups
                .iter()
                .find(|g| g.default)
                .map_or(lint::IMPLICIT_GROUP, |g| g.id.as_str()),
        }
    }

    pub fn industry_group(&self, id: &str) -> Option<&IndustryGroup> {
        self.industry_groups.iter().find(|g| g.id == id)
    }

    /// Scenario items, in model order.
    pub fn scenarios(&self) -> impl Iterator<Item = &Item> {
        self.items
            .iter()
            .filter(|i| matches!(i.spec, ItemSpec::Scenario { .. }))
    }

    pub fn level_rule(&self, level: u8) -> Option<&LevelRule> {
        self.levels.iter().find(|r| r.level == level)
    }

    /// The scoring structure as flat arrays (built once).
    pub fn flat(&self) -> &Flat {
        self.flat.0.get_or_init(|| Flat::of(self))
    }
}

/// Outcome of loading a model file: the model when there was no error, and every diagnostic.
pub struct Loaded {
    pub model: Option<Model>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parse and lint model text.
pub fn load_model(source: &SourceFile) -> Loaded {
    match source.parse_yaml::<raw::RawModel>() {
        Ok(raw) => {
            let (model, diagnostics) = lint::lint(raw, &source.name);
            Loaded { model, diagnostics }
        }
        Err(d) => Loaded {
            model: None,
            diagnostics: vec![d],
        },
    }
}

/// Models compiled into the binary: (id, file name, text).
pub const BUNDLED: &[(&str, &str, &str)] = &[(
    "sme-dx-2024",
    "questionnaires/sme-dx-2024.yaml",
    include_str!("../../questionnaires/sme-dx-2024.yaml"),
)];

/// Id of the model used when none is named.
pub const DEFAULT_MODEL_ID: &str = "sme-dx-2024";

/// A bundled model by id, parsed once. Its lint is a test, so failure here is an internal error.
pub fn bundled(id: &str) -> Option<&'static Model> {
    static CACHE: OnceLock<Vec<(String, Option<Model>)>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| {
        BUNDLED
            .iter()
            .map(|(id, name, text)| {
                let loaded = load_model(&SourceFile::from_text(name, text));
                (id.to_string(), loaded.model)
            })
            .collect()
    });
    cache
        .iter()
        .find(|(i, _)| i == id)
        .and_then(|(_, m)| m.as_ref())
}

/// Resolve `--model` into `report`: its diagnostics (and the model file's text, to quote lines)
/// are added; `None` when the model is unusable.
pub fn resolve_into(spec: &str, report: &mut crate::diag::Report) -> Option<Model> {
    match resolve(spec) {
        Ok((m, diags, source)) => {
            if let Some(s) = source {
                report.add_source(&s.name, &s.text);
            }
            report.extend(diags);
            Some(m)
        }
        Err(diags) => {
            report.extend(diags);
            None
        }
    }
}

/// Resolve `--model`: a bundled id, or a path to a model file.
pub fn resolve(
    spec: &str,
) -> Result<(Model, Vec<Diagnostic>, Option<SourceFile>), Vec<Diagnostic>> {
    if let Some(m) = bundled(spec) {
        return Ok((m.clone(), Vec::new(), None));
    }
    let path = Path::new(spec);
    if !path.exists() {
        let ids: Vec<&str> = BUNDLED.iter().map(|b| b.0).collect();
        return Err(vec![
            Diagnostic::error("unknown-model")
                .variant("spec")
                .quoted("model", spec)
                .arg("known", crate::diag::Arg::list(ids)),
        ]);
    }
    let source = SourceFile::read(path).map_err(|d| vec![d])?;
    let loaded = load_model(&source);
    match loaded.model {
        Some(m) => Ok((m, loaded.diagnostics, Some(source))),
        None => Err(loaded.diagnostics),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applicability_meets() {
        let a = Applicability {
            industry_groups: Some(vec!["m".into(), "p".into()]),
            sizes: None,
        };
        let b = Applicability {
            industry_groups: Some(vec!["p".into()]),
            sizes: Some(vec![SizeClass::Small]),
        };
        let c = a.and(&b);
        assert!(c.applies("p", Some(SizeClass::Small)));
        assert!(!c.applies("m", Some(SizeClass::Small)));
        assert!(!c.applies("p", Some(SizeClass::Medium)));
        assert!(c.applies("p", None));
    }
}
