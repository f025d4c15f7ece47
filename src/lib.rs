//! smedx: SME digital-transformation maturity assessment (中小企业数字化转型成熟度评估).
//!
//! Pipeline: [`model`] (load + lint) and [`answers`] (load + check) feed [`score`], which yields an
//! [`score::Assessment`]. The CLI in [`cli`] is a thin layer over these.

pub mod aggregate;
pub mod answers;
pub mod cli;
pub mod collect;
pub mod diag;
pub mod model;
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
    let node = match answers::load_sheet(source) {
        Ok(n) => n,
        Err(d) => return (None, vec![d]),
    };
    let checked = answers::check_sheet(model, &node, source);
    let assessment = checked.sheet.as_ref().map(|s| score::score(model, s));
    (assessment, checked.diagnostics)
}
