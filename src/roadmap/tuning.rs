//! Planner tuning as data: ranking weights, capacity per phase by size class, phase rules.

use super::catalog::Effort;
use crate::diag::Diagnostic;
use crate::model::SizeClass;
use crate::source_file::SourceFile;
use crate::text::Text;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Something per size class.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerSize {
    pub micro: usize,
    pub small: usize,
    pub medium: usize,
    pub large: usize,
}

/// Something per effort.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerEffort<T> {
    pub low: T,
    pub medium: T,
    pub high: T,
}

impl<T: Copy> PerEffort<T> {
    pub fn of(&self, e: Effort) -> T {
        match e {
            Effort::Low => self.low,
            Effort::Medium => self.medium,
            Effort::High => self.high,
        }
    }
}

/// Ranking weights.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub pain_point: f64,
    pub favoured_division: f64,
    pub division: f64,
    pub points: f64,
    pub scenario: f64,
    pub constrained: f64,
    pub score_gain: f64,
}

/// A phase of the plan.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PhaseSpec {
    pub months: [u8; 2],
    pub title: Text,
}

/// questionnaires/roadmap/tuning.yaml.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tuning {
    pub source: String,
    pub capacity: PerSize,
    pub heavy_per_phase: usize,
    pub weights: Weights,
    pub cost_scale: f64,
    pub feasibility: PerEffort<f64>,
    pub max_steps: usize,
    pub max_measures: usize,
    pub phases: Vec<PhaseSpec>,
    pub later: PhaseSpec,
    pub earliest_phase: PerEffort<u8>,
    /// The earliest phase of a step that relieves a stated pain point and is not heavy, when that is
    /// earlier than its effort allows: what hurts comes first.
    #[serde(default)]
    pub pain_relief_earliest_phase: Option<u8>,
    pub slow_weeks: u32,
    pub years: u8,
}

/// The bundled tuning text.
pub const BUNDLED_TUNING: (&str, &str) = (
    "questionnaires/roadmap/tuning.yaml",
    include_str!("../../questionnaires/roadmap/tuning.yaml"),
);

impl Tuning {
    /// Parse and check a tuning file.
    pub fn load(source: &SourceFile) -> Result<Tuning, Diagnostic> {
        let t: Tuning = source.parse_yaml()?;
        let bad = |variant| {
            Diagnostic::error("bad-tuning")
                .variant(variant)
                .in_file(&source.name)
        };
        if t.phases.is_empty() {
            return Err(bad("no_phases"));
        }
        if t.cost_scale <= 0.0 || t.years == 0 {
            return Err(bad("scale"));
        }
        let c = &t.capacity;
        if [c.micro, c.small, c.medium, c.large].contains(&0) || t.heavy_per_phase == 0 {
            return Err(bad("capacity"));
        }
        Ok(t)
    }

    /// The bundled tuning.
    pub fn bundled() -> Tuning {
        let (name, text) = BUNDLED_TUNING;
        Tuning::load(&SourceFile::from_text(name, text))
            .expect("the bundled tuning parses (tested)")
    }

    /// Concurrent implementation projects per phase for a size class (unknown: small).
    pub fn capacity(&self, size: Option<SizeClass>) -> usize {
        match size {
            Some(SizeClass::Micro) => self.capacity.micro,
            Some(SizeClass::Small) | None => self.capacity.small,
            Some(SizeClass::Medium) => self.capacity.medium,
            Some(SizeClass::Large) => self.capacity.large,
        }
    }
}
