//! smedx: SME digital-transformation maturity assessment (中小企业数字化转型成熟度评估).
//!
//! Pipeline: [`model`] (load + lint) and [`answers`] (load + check) feed [`score`], which yields an
//! [`score::Assessment`]; [`pipeline::Pipeline`] goes on from a checked sheet to the roadmap and the
//! report. The CLI in [`cli`] and the server in [`serve`] are thin layers over these.

pub mod aggregate;
pub mod answers;
pub mod cli;
pub mod collect;
pub mod diag;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod roadmap;
pub mod schema;
pub mod score;
pub mod serve;
pub mod source_file;
pub mod text;
pub mod yaml_value;

use diag::Diagnostic;
use model::Model;
use source_file::SourceFile;

/// Load, check and score one answer sheet against `model`: the assessment when the sheet has no
/// error, and every diagnostic either way.
pub fn assess(model: &Model, source: &SourceFile) -> (Option<score::Assessment>, Vec<Diagnostic>) {
    let (sheet, diagnostics) = pipeline::check(model, source);
    (sheet.map(|s| score::score(model, &s)), diagnostics)
}
