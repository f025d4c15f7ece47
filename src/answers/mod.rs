//! Enterprise profile and answer sheet: types, loading, and checks against a model.

pub mod credit_code;
mod profile;
pub mod profile_fields;
pub mod raw;
pub mod reference;

pub mod check;
pub use check::{Checked, check_sheet, load_sheet};
pub use profile::Profile;
pub use profile_fields::{FieldKind, ProfileField, profile_field, profile_fields};

pub use crate::model::SizeClass;

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

/// The answer itself, shaped by the item's kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum AnswerValue {
    /// `na`: the item leaves the denominator.
    NotApplicable,
    /// single: one option id.
    Choice { option: String },
    /// multi: option ids.
    Choices { options: Vec<String> },
    /// band: a number, maybe from raw figures.
    Number {
        value: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        numerator: Option<f64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        denominator: Option<f64>,
    },
    /// band: the band id, when only the range is known.
    Band { band: String },
    /// scenario: grade 0–4.
    Grade { grade: u8 },
    /// trend.
    Trend { trend: Trend },
}

/// worse / flat / better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trend {
    Worse,
    Flat,
    Better,
}

impl Trend {
    pub fn fraction(self) -> f64 {
        match self {
            Trend::Worse => 0.0,
            Trend::Flat => 0.5,
            Trend::Better => 1.0,
        }
    }
}
