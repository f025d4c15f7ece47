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

/// Indicative cost range in CNY by size class.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CostBySize {
    pub micro: [f64; 2],
    pub small: [f64; 2],
    pub medium: [f64; 2],
}

impl CostBySize {
    /// The range for a size class; a large or unknown firm uses the medium range.
    /// (`CostBySize::default()` is zero everywhere.)
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
    /// Paid once: implementation, hardware, a consulting engagement.
    #[serde(default)]
    pub one_off: CostBySize,
    /// Paid every year: subscription, platform fee, rent.
    #[serde(default)]
    pub yearly: CostBySize,
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
    /// GB/T 4754 门类 letters or 大类 codes (C13, G54): when given, the firm's industry must start with one.
    #[serde(default)]
    pub divisions: Vec<String>,
    /// Divisions where this product is a first choice (ranked up).
    #[serde(default)]
    pub favoured_divisions: Vec<String>,
    /// Divisions the product never suits (stock-keeping for a software firm), within `industries`.
    #[serde(default)]
    pub excluded_divisions: Vec<String>,
    /// Pain-point ids of the profile vocabulary this product relieves.
    #[serde(default)]
    pub pain_points: Vec<String>,
    /// The vocabulary system this product is: a firm running it is not offered it again.
    #[serde(default)]
    pub system: Option<String>,
    /// Data prerequisites: one of these entries in the plan first …
    #[serde(default)]
    pub requires_any: Vec<String>,
    /// … or one of these vocabulary systems already running.
    #[serde(default)]
    pub or_systems: Vec<String>,
    /// An organisational measure (保障措施), never a roadmap step.
    #[serde(default)]
    pub measure: bool,
    /// Measurable outcomes (预期成效).
    #[serde(default)]
    pub kpis: Vec<Text>,
    /// Kinds of provider to look for (服务商类型), never vendor names.
    #[serde(default)]
    pub providers: Vec<Text>,
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
        let mut err = |pos: Pos, d: Diagnostic| out.push(d.in_file(file).at(pos));
        let mut seen: Vec<&str> = Vec::new();
        for e in &self.entries {
            let pos = Pos::of(e.id.referenced);
            let id = e.id.value.as_str();
            if seen.contains(&id) {
                err(
                    pos,
                    Diagnostic::error("duplicate-id")
                        .variant("catalog")
                        .quoted("id", id),
                );
            }
            seen.push(id);
            let vocab = super::vocabulary::bundled();
            for p in &e.pain_points {
                if !vocab.pain_points.iter().any(|t| &t.id == p) {
                    let d = Diagnostic::error("unknown-pain-point").quoted("id", id);
                    err(pos, d.quoted("pain", p));
                }
            }
            for sys in e.system.iter().chain(&e.or_systems) {
                if !vocab.systems.iter().any(|t| &t.id == sys) {
                    let d = Diagnostic::error("unknown-system").quoted("id", id);
                    err(pos, d.quoted("system", sys));
                }
            }
            for d in e
                .divisions
                .iter()
                .chain(&e.favoured_divisions)
                .chain(&e.excluded_divisions)
            {
                let ok = d.len() <= 5
                    && d.starts_with(|c: char| c.is_ascii_uppercase())
                    && d[1..].chars().all(|c| c.is_ascii_digit());
                if !ok {
                    let d = Diagnostic::error("bad-division")
                        .quoted("id", id)
                        .quoted("division", d);
                    err(pos, d);
                }
            }
            for r in e.requires.iter().chain(&e.requires_any) {
                if self.get(r).is_none() {
                    let d = Diagnostic::error("unknown-entry").quoted("id", id);
                    err(pos, d.quoted("required", r));
                }
            }
            for (s, g) in &e.requires_grade {
                if !matches!(
                    model.item(s).map(|i| &i.spec),
                    Some(ItemSpec::Scenario { .. })
                ) || *g > 4
                {
                    let d = Diagnostic::error("unknown-item")
                        .variant("catalog_grade")
                        .quoted("id", id)
                        .arg("grade", *g)
                        .quoted("item", s)
                        .quoted("model", &model.id);
                    err(pos, d);
                }
            }
            for g in &e.industries {
                if model.industry_group(g).is_none() {
                    let d = Diagnostic::error("unknown-industry-group")
                        .variant("catalog")
                        .quoted("id", id)
                        .quoted("group", g)
                        .quoted("model", &model.id);
                    err(pos, d);
                }
            }
            for s in &e.sizes {
                if SizeClass::parse(s).is_none() {
                    let d = Diagnostic::error("unknown-size-class").variant("catalog");
                    err(pos, d.quoted("id", id).quoted("size", s));
                }
            }
            if e.lifts.is_empty() {
                err(pos, Diagnostic::error("missing-lifts").quoted("id", id));
            }
            for l in &e.lifts {
                if let Some(why) = lift_problem(l, model) {
                    err(
                        pos,
                        Diagnostic::error("bad-lift")
                            .quoted("id", id)
                            .arg("reason", why),
                    );
                }
            }
            for range in [&e.one_off, &e.yearly]
                .into_iter()
                .flat_map(|c| [c.micro, c.small, c.medium])
            {
                if range[0] < 0.0 || range[0] > range[1] {
                    let d = Diagnostic::error("bad-range").variant("cost");
                    err(pos, d.quoted("id", id).arg("range", format!("{range:?}")));
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
                        let d = Diagnostic::error("requires-cycle")
                            .quoted("id", &e.id.value)
                            .quoted("through", cur);
                        err(Pos::of(e.id.referenced), d);
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
