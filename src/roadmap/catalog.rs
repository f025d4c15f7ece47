//! The solution catalog: kinds of 小快轻准 products, what each lifts, costs and prerequisites.

use crate::diag::{Diagnostic, Pos};
use crate::model::SizeClass;
use crate::model::{ItemSpec, Model};
use crate::source_file::SourceFile;
use crate::text::Text;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

/// How much work adopting a product takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Effort {
    Low,
    Medium,
    High,
}

impl Effort {
    /// Feasibility factor used in ranking.
    pub fn feasibility(self) -> f64 {
        match self {
            Effort::Low => 1.0,
            Effort::Medium => 0.7,
            Effort::High => 0.45,
        }
    }
}

/// What adopting a product makes true of the answers.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lift {
    /// A scenario id: its grade becomes at least `to`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// An item id: `add` options (multi) or at least `to` (single option id, band number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<serde_json::Value>")]
    pub to: Option<LiftTarget>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add: Option<Vec<String>>,
}

/// A grade, a band value, or an option id.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum LiftTarget {
    Number(f64),
    Option(String),
}

/// Indicative yearly cost range in CNY by size class.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CostBySize {
    pub micro: [f64; 2],
    pub small: [f64; 2],
    pub medium: [f64; 2],
}

impl CostBySize {
    /// The range for a size class; a large or unknown firm uses the medium range.
    pub fn for_size(&self, size: Option<SizeClass>) -> [f64; 2] {
        match size {
            Some(SizeClass::Micro) => self.micro,
            Some(SizeClass::Small) => self.small,
            _ => self.medium,
        }
    }
}

/// A kind of product (never a vendor).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Solution {
    #[schemars(with = "String")]
    #[serde(serialize_with = "ser_spanned")]
    pub id: Spanned<String>,
    pub name: Text,
    pub description: Text,
    /// foundation, security, management, talent, rd, production, supply-chain, marketing, decision, ecosystem
    pub category: String,
    pub lifts: Vec<Lift>,
    #[serde(default)]
    pub requires: Vec<String>,
    /// Scenario grades the firm needs before this step makes sense.
    #[serde(default)]
    pub requires_grade: BTreeMap<String, u8>,
    /// saas | private | hybrid | hardware | service
    pub deployment: String,
    pub cost: CostBySize,
    pub cost_year: u16,
    pub cost_basis: Text,
    pub weeks_to_value: u32,
    pub effort: Effort,
    #[serde(default)]
    pub free_trial: bool,
    /// Industry group ids of the model it suits.
    #[serde(default)]
    pub industries: Vec<String>,
    #[serde(default)]
    pub sizes: Vec<String>,
    /// software | cloud | hardware | service | training | platform
    pub subsidy_category: String,
    /// Why it is 小/快/轻/准.
    pub why: Text,
}

fn ser_spanned<S: serde::Serializer>(v: &Spanned<String>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.value)
}

/// The catalog file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    #[serde(default)]
    pub source: Option<String>,
    pub entries: Vec<Solution>,
}

/// The bundled catalog text.
pub const BUNDLED_CATALOG: (&str, &str) = (
    "questionnaires/catalog/solutions.yaml",
    include_str!("../../questionnaires/catalog/solutions.yaml"),
);

impl Catalog {
    pub fn get(&self, id: &str) -> Option<&Solution> {
        self.entries.iter().find(|e| e.id.value == id)
    }

    /// Parse a catalog and check it against a model: every lift and prerequisite must exist.
    pub fn load(source: &SourceFile, model: &Model) -> (Option<Catalog>, Vec<Diagnostic>) {
        let catalog: Catalog = match source.parse_yaml() {
            Ok(c) => c,
            Err(d) => return (None, vec![d]),
        };
        let diags = catalog.check(model, &source.name);
        let ok = !diags.iter().any(Diagnostic::is_error);
        (ok.then_some(catalog), diags)
    }

    fn check(&self, model: &Model, file: &str) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut err = |pos: Pos, code: &'static str, msg: String, help: &str| {
            out.push(
                Diagnostic::error(code, msg)
                    .in_file(file)
                    .at(pos)
                    .help(help.to_string()),
            );
        };
        let mut seen: Vec<&str> = Vec::new();
        for e in &self.entries {
            let pos = Pos::of(e.id.referenced);
            let id = e.id.value.as_str();
            if seen.contains(&id) {
                err(
                    pos,
                    "duplicate-id",
                    format!("catalog entry `{id}` appears twice"),
                    "give each entry its own id",
                );
            }
            seen.push(id);
            for r in &e.requires {
                if self.get(r).is_none() {
                    err(
                        pos,
                        "unknown-entry",
                        format!("`{id}` requires `{r}`, which is not in the catalog"),
                        "name an entry id of this catalog",
                    );
                }
            }
            for (s, g) in &e.requires_grade {
                if !matches!(
                    model.item(s).map(|i| &i.spec),
                    Some(ItemSpec::Scenario { .. })
                ) || *g > 4
                {
                    err(
                        pos,
                        "unknown-item",
                        format!(
                            "`{id}` requires grade {g} of `{s}`, which is not a scenario of `{}`",
                            model.id
                        ),
                        "name a scenario id, grade 0–4",
                    );
                }
            }
            for g in &e.industries {
                if model.industry_group(g).is_none() {
                    err(
                        pos,
                        "unknown-industry-group",
                        format!(
                            "`{id}` names industry group `{g}`, which `{}` does not declare",
                            model.id
                        ),
                        "use the model's industry group ids",
                    );
                }
            }
            for s in &e.sizes {
                if SizeClass::parse(s).is_none() {
                    err(
                        pos,
                        "unknown-size-class",
                        format!("`{id}` names size `{s}`"),
                        "use micro, small, medium or large",
                    );
                }
            }
            if e.lifts.is_empty() {
                err(
                    pos,
                    "missing-lifts",
                    format!("`{id}` lifts nothing"),
                    "say which item or scenario it raises",
                );
            }
            for l in &e.lifts {
                if let Some(why) = lift_problem(l, model) {
                    err(
                        pos,
                        "bad-lift",
                        format!("`{id}`: {why}"),
                        "lift a scenario (`scenario`, `to` 1–4) or an item (`item` with `add` for multi, `to` for single/band)",
                    );
                }
            }
            for range in [e.cost.micro, e.cost.small, e.cost.medium] {
                if range[0] < 0.0 || range[0] > range[1] {
                    err(
                        pos,
                        "bad-range",
                        format!("`{id}` has cost range {range:?}"),
                        "write [low, high] with 0 ≤ low ≤ high",
                    );
                }
            }
        }
        // Prerequisite cycles.
        for e in &self.entries {
            let mut stack = vec![e.id.value.as_str()];
            let mut steps = 0;
            while let Some(cur) = stack.pop() {
                steps += 1;
                if steps > 10_000 {
                    break;
                }
                for r in self
                    .get(cur)
                    .map(|x| x.requires.as_slice())
                    .unwrap_or_default()
                {
                    if r == &e.id.value {
                        err(
                            Pos::of(e.id.referenced),
                            "requires-cycle",
                            format!("`{}` requires itself through `{cur}`", e.id.value),
                            "break the prerequisite cycle",
                        );
                        stack.clear();
                        break;
                    }
                    stack.push(r);
                }
            }
        }
        out
    }
}

/// Why a lift does not fit the model, if it does not.
fn lift_problem(l: &Lift, model: &Model) -> Option<String> {
    match (&l.scenario, &l.item) {
        (Some(s), None) => match (model.item(s).map(|i| &i.spec), &l.to) {
            (Some(ItemSpec::Scenario { .. }), Some(LiftTarget::Number(g)))
                if (1.0..=4.0).contains(g) && g.fract() == 0.0 =>
            {
                None
            }
            (Some(ItemSpec::Scenario { .. }), _) => {
                Some(format!("scenario `{s}` needs `to:` a grade 1–4"))
            }
            _ => Some(format!("`{s}` is not a scenario of `{}`", model.id)),
        },
        (None, Some(i)) => {
            let Some(item) = model.item(i) else {
                return Some(format!("`{i}` is not an item of `{}`", model.id));
            };
            match (&item.spec, &l.add, &l.to) {
                (ItemSpec::Multi { options, .. }, Some(add), None) => add
                    .iter()
                    .find(|a| !options.iter().any(|o| &o.id == *a && !o.exclusive))
                    .map(|a| format!("`{a}` is not a non-exclusive option of `{i}`")),
                (ItemSpec::Single { options }, None, Some(LiftTarget::Option(o))) => {
                    (!options.iter().any(|x| &x.id == o))
                        .then(|| format!("`{o}` is not an option of `{i}`"))
                }
                (ItemSpec::Band { min, max, .. }, None, Some(LiftTarget::Number(v))) => {
                    (min.is_some_and(|m| *v < m) || max.is_some_and(|m| *v > m))
                        .then(|| format!("{v} is outside the range of `{i}`"))
                }
                _ => Some(format!("the lift of `{i}` does not fit its kind")),
            }
        }
        _ => Some("a lift names either `scenario` or `item`".into()),
    }
}
