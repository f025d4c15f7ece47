//! Enterprise profile and answer sheet: types, loading, and checks against a model.

pub mod credit_code;
pub mod names;
mod profile;
pub mod profile_fields;
pub mod raw;
pub mod reference;

pub mod check;
pub use check::{Checked, check_sheet, load_sheet};
pub use profile::{Profile, normalise_industry};
pub use profile_fields::{FieldKind, ProfileField, profile_field, profile_fields};

pub use crate::model::SizeClass;
pub use crate::model::item::{AnswerValue, Trend};

use serde::Serialize;
use std::collections::BTreeMap;

/// A checked answer sheet: every answer refers to an item of the model and fits its kind.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerSheet {
    /// Id of the model the sheet was checked against.
    pub model: String,
    pub model_version: String,
    pub profile: Profile,
    /// Item id → answer. Items not applicable to the firm are left out.
    pub answers: BTreeMap<String, Answer>,
}

/// One answer with what was recorded beside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub value: AnswerValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Recorded-not-scored figures (`fields` of the item).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, f64>,
}

impl Answer {
    pub fn plain(value: AnswerValue) -> Answer {
        Answer {
            value,
            note: None,
            data: BTreeMap::new(),
        }
    }
}
