//! Roadmap: 小快轻准 steps toward a target level, with costs after subsidies (pure planner).

pub mod catalog;
pub mod demand;
mod planner;
pub mod policies;
pub mod tuning;
pub mod vocabulary;

pub use catalog::{Catalog, Lift, LiftTarget, Solution};
pub use planner::{
    CostSplit, Investment, Phase, PlanRequest, Roadmap, Step, StepKind, apply_lifts, plan,
    plan_with,
};
pub use policies::{Policies, Policy};
pub use tuning::Tuning;

use crate::diag::Diagnostic;
use crate::model::Model;
use crate::source_file::SourceFile;

/// The bundled catalog, checked against `model`.
pub fn bundled_catalog(model: &Model) -> (Option<Catalog>, Vec<Diagnostic>) {
    let (name, text) = catalog::BUNDLED_CATALOG;
    Catalog::load(&SourceFile::from_text(name, text), model)
}

/// The bundled policies files.
pub fn bundled_policies() -> (Vec<Policy>, Vec<Diagnostic>) {
    let sources: Vec<SourceFile> = policies::BUNDLED_POLICIES
        .iter()
        .map(|(n, t)| SourceFile::from_text(n, t))
        .collect();
    policies::load(&sources)
}
