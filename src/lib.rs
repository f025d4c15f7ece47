//! smedx: SME digital-transformation maturity assessment (中小企业数字化转型成熟度评估).
//!
//! Pipeline: [`model`] (load + lint) and [`answers`] (load + check) feed [`score`], which yields an
//! [`score::Assessment`]. The CLI in [`cli`] is a thin layer over these.

pub mod answers;
pub mod cli;
pub mod diag;
pub mod model;
pub mod schema;
pub mod score;
pub mod source_file;
pub mod text;
pub mod yaml_value;
