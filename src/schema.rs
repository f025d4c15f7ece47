//! JSON Schemas (draft-07) for model files and answer sheets, so editors check them as they are typed.

use crate::model::{ItemSpec, Model, raw::RawModel};
use serde_json::{Map, Value, json};

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

/// The `profile:` mapping, one property per field of the profile table.
fn profile_schema() -> Value {
    use crate::answers::FieldKind;
    let mut props = Map::new();
    for f in crate::answers::profile_fields() {
        let text = json!({"type": "string"});
        let mut p = match f.kind {
            FieldKind::Number if f.whole => json!({"type": ["integer", "null"]}),
            FieldKind::Number => json!({"type": ["number", "null"]}),
            FieldKind::Flag => json!({"type": ["boolean", "null"]}),
            FieldKind::List => json!({"type": ["array", "string", "null"], "items": text}),
            _ => json!({"type": ["string", "null"]}),
        };
        p["description"] = json!(format!("{} / {}: {}", f.title.zh, f.title.en, f.help.zh));
        if let Some(m) = f.min {
            p["minimum"] = json!(m);
        }
        if let Some(pattern) = &f.pattern {
            p["pattern"] = json!(pattern);
        }
        if !f.choices().is_empty() {
            let words: Vec<&str> = f.choices().iter().map(|w| w.title.zh.as_str()).collect();
            p["items"]["examples"] = json!(words);
        }
        props.insert(f.id.clone(), p);
    }
    let required: Vec<&str> = (crate::answers::profile_fields().iter())
        .filter(|f| f.required)
        .map(|f| f.id.as_str())
        .collect();
    json!({"type": "object", "additionalProperties": false, "required": required, "properties": props})
}

/// Schema of an answer sheet; with a model, each item's allowed answers are spelled out.
pub fn answers_schema(model: Option<&Model>) -> Value {
    let schema = schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<crate::answers::raw::RawSheet>();
    let mut v = schema.to_value();
    v["properties"]["profile"] = profile_schema();
    // The checker reports a sheet without them; optional in the raw type so that it can.
    v["required"] = json!(["profile", "answers"]);
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
