//! JSON Schemas (draft-07) for model files and answer sheets, so editors check them as they are typed.

use crate::model::{ItemSpec, Model, raw::RawModel};
use schemars::JsonSchema;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Schema of a solution catalog (questionnaires/catalog/*.yaml).
pub fn catalog_schema() -> Value {
    let mut v = schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<crate::roadmap::Catalog>()
        .to_value();
    v["title"] = json!("smedx solution catalog (小快轻准产品目录)");
    v
}

/// Schema of a policies file (questionnaires/policies/*.yaml).
pub fn policies_schema() -> Value {
    let mut v = schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<crate::roadmap::Policy>()
        .to_value();
    v["title"] = json!("smedx cost-sharing policies (费用分担政策)");
    v
}

/// Schema of the planner tuning file (questionnaires/roadmap/tuning.yaml).
pub fn tuning_schema() -> Value {
    let mut v = schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<crate::roadmap::Tuning>()
        .to_value();
    v["title"] = json!("smedx roadmap tuning (路线图规划参数)");
    v
}

/// Schema of a model file.
pub fn model_schema() -> Value {
    let schema = schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<RawModel>();
    let mut v = schema.to_value();
    if let Some(obj) = v.as_object_mut() {
        obj.insert("title".into(), json!("smedx assessment model (评估模型)"));
    }
    v
}

/// The shape of an answer sheet, for the schema only (sheets are read by [`crate::answers`]).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct AnswerSheetShape {
    /// Id of the model the sheet answers.
    model: Option<String>,
    model_version: Option<String>,
    profile: ProfileShape,
    /// Item id → answer.
    answers: BTreeMap<String, AnswerShape>,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct ProfileShape {
    /// 企业名称
    name: String,
    /// 统一社会信用代码 (GB 32100-2015, 18 characters)
    #[schemars(regex(pattern = r"^[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}$"))]
    credit_code: Option<String>,
    /// The assessor confirmed a code that fails the check digit (early pilot codes).
    credit_code_verified: Option<bool>,
    /// 6-digit 行政区划代码 (GB/T 2260), as text
    #[schemars(regex(pattern = r"^[0-9]{6}$"))]
    region: Option<String>,
    /// GB/T 4754-2017 industry code, e.g. C2110 or 2110
    industry: Option<String>,
    /// 从业人员 (people)
    employees: Option<f64>,
    /// 营业收入 (万元)
    revenue: Option<f64>,
    /// 资产总额 (万元)
    assets: Option<f64>,
    /// YYYY-MM-DD
    assessed_on: Option<String>,
    assessor: Option<String>,
    /// 数字化预算 (万元/年)
    digital_budget: Option<f64>,
    /// IT staff (people)
    it_staff: Option<f64>,
    existing_systems: Option<Vec<String>>,
    pain_points: Option<Vec<String>>,
    tags: Option<Vec<String>>,
    synthetic: Option<bool>,
}

#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum AnswerShape {
    Text(String),
    Number(f64),
    List(Vec<String>),
    Ratio {
        numerator: f64,
        denominator: f64,
    },
    Long {
        answer: Box<AnswerShape>,
        note: Option<String>,
        data: Option<BTreeMap<String, f64>>,
    },
    Blank(()),
}

/// Schema of an answer sheet; with a model, each item's allowed answers are spelled out.
pub fn answers_schema(model: Option<&Model>) -> Value {
    let schema = schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<AnswerSheetShape>();
    let mut v = schema.to_value();
    let Some(model) = model else {
        return v;
    };
    let mut props = Map::new();
    for item in &model.items {
        let mut choices: Vec<Value> = Vec::new();
        if item.allow_na {
            choices.push(json!({"enum": ["na", "NA", "n/a", "N/A", "不适用"]}));
        }
        let one = match &item.spec {
            ItemSpec::Single { options } => {
                json!({"enum": options.iter().map(|o| o.id.clone()).collect::<Vec<_>>()})
            }
            ItemSpec::Multi { options, .. } => {
                let ids: Vec<String> = options.iter().map(|o| o.id.clone()).collect();
                json!({"anyOf": [
                    {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"enum": ids}},
                    {"enum": ids}
                ]})
            }
            ItemSpec::Band {
                bands,
                min,
                max,
                ratio,
                ..
            } => {
                let mut any =
                    vec![json!({"enum": bands.iter().map(|b| b.id.clone()).collect::<Vec<_>>()})];
                let mut num = json!({"type": "number"});
                if let Some(m) = min {
                    num["minimum"] = json!(m);
                }
                if let Some(m) = max {
                    num["maximum"] = json!(m);
                }
                any.push(num);
                if ratio.is_some() {
                    any.push(json!({"type": "object", "required": ["numerator", "denominator"], "additionalProperties": false,
                        "properties": {"numerator": {"type": "number", "minimum": 0}, "denominator": {"type": "number", "exclusiveMinimum": 0}}}));
                }
                json!({"anyOf": any})
            }
            ItemSpec::Scenario { .. } => json!({"type": "integer", "minimum": 0, "maximum": 4}),
            ItemSpec::Trend { .. } => {
                json!({"enum": crate::answers::check::TREND_WORDS})
            }
        };
        choices.push(one);
        let plain = json!({"anyOf": choices});
        let long = json!({"type": "object", "required": ["answer"], "additionalProperties": false,
            "properties": {"answer": plain.clone(), "note": {"type": "string"},
                "data": {"type": "object", "additionalProperties": {"type": "number"}}}});
        props.insert(
            item.id.clone(),
            json!({"description": format!("{} / {}", item.title.zh, item.title.en), "anyOf": [plain, long, {"type": "null"}]}),
        );
    }
    v["properties"]["answers"] =
        json!({"type": "object", "additionalProperties": false, "properties": props});
    v["title"] = json!(format!(
        "smedx answer sheet for {} {}",
        model.id, model.version
    ));
    v
}
