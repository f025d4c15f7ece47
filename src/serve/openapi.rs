//! The OpenAPI 3.1 document of the JSON API, built from the types the handlers use: the answer
//! sheet's schema (`smedx schema answers`, spelled out for the served model), and schemars schemas
//! of [`ApiAssessment`], [`Problem`] and the region's [`Summary`] (the aggregation's own type). No second set of types describes the API. (The `aide`
//! crate was not used: its release for axum 0.8 is built on schemars 0.9, its schemars 1 version
//! was in alpha, and the sheet's schema is spelled out per model, which a derive cannot give.)

use super::api::{ApiAssessment, IDEMPOTENCY_KEY, MAX_IDEMPOTENCY_KEY, Problem};
use crate::aggregate::Summary;
use crate::model::Model;
use serde_json::{Map, Value, json};

/// Where the schemas of the document live, as a JSON pointer.
const SCHEMAS: &str = "/components/schemas";

/// The OpenAPI document for a server of `model`.
pub fn document(model: &Model) -> Value {
    let mut generator = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .with(|s| s.definitions_path = SCHEMAS.into())
        .into_generator();
    let assessment = generator.subschema_for::<ApiAssessment>().to_value();
    let problem = generator.subschema_for::<Problem>().to_value();
    let summary = generator.subschema_for::<Summary>().to_value();
    let mut schemas = generator.take_definitions(true);
    if let Some(Value::Object(s)) = summary
        .pointer("/$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix(&format!("#{SCHEMAS}/")))
        .and_then(|name| schemas.get_mut(name))
    {
        s.insert(
            "description".into(),
            "汇总，与主管部门看板和 `smedx aggregate --format json` 相同（少于 k 家的组不显示） / \
             the summary of the office dashboard and `smedx aggregate --format json` (groups under k firms suppressed)"
                .into(),
        );
    }
    let sheet_schema = answer_sheet(model, &mut schemas);
    schemas.insert("AnswerSheet".into(), sheet_schema);
    let sheet = json!({"$ref": format!("#{SCHEMAS}/AnswerSheet")});
    let mut sheet_body = json!({"schema": sheet});
    if let Some(example) = example_sheet(model) {
        sheet_body["example"] = example;
    }
    let problem_of = |description: &str| json!({"description": description, "content": {"application/problem+json": {"schema": problem}}});
    let errors = |codes: &[u16]| -> Map<String, Value> {
        codes
            .iter()
            .map(|c| {
                let what = match c {
                    400 => "请求有误 / bad request",
                    401 => "令牌缺失、无效或已吊销 / token missing, unknown or revoked",
                    403 => "不在令牌的地区内 / outside the token's region",
                    404 => "没有这份评估（或不在令牌的地区内） / no such assessment (or outside the token's region)",
                    408 => "请求内容超时 / request body too slow",
                    413 => "请求内容过大 / request body too large",
                    415 => "请求内容不是 JSON / the body is not application/json",
                    422 => "答题表有误（每个问题附位置） / the answer sheet has problems (each with its place)",
                    429 => "请求过于频繁 / too many requests for this token",
                    _ => "服务器内部错误 / internal error",
                };
                (c.to_string(), problem_of(what))
            })
            .collect()
    };
    let ok = |description: &str, schema: &Value| json!({"description": description, "content": {"application/json": {"schema": schema}}});
    let mut submit_responses = errors(&[400, 401, 403, 408, 413, 415, 422, 429, 500]);
    submit_responses.insert(
        "201".into(),
        json!({
            "description": "已评分并保存（带相同 Idempotency-Key 的重试返回首次保存的结果） / scored and stored (a retry with the same Idempotency-Key returns what the first stored)",
            "headers": {"Location": {"schema": {"type": "string"}}},
            "content": {"application/json": {"schema": assessment}},
            "links": {"readAssessment": {"operationId": "readAssessment",
                "parameters": {"id": "$response.body#/id"}}}
        }),
    );
    let mut resubmit_responses = errors(&[400, 401, 403, 404, 408, 413, 415, 422, 429, 500]);
    resubmit_responses.insert("201".into(), submit_responses["201"].clone());
    let mut read_responses = errors(&[401, 404, 429, 500]);
    read_responses.insert("200".into(), ok("评估结果 / the assessment", &assessment));
    let mut summary_responses = errors(&[400, 401, 403, 429, 500]);
    summary_responses.insert(
        "200".into(),
        ok("地区汇总 / the region's summary", &summary),
    );
    let key_param = json!({"name": IDEMPOTENCY_KEY, "in": "header", "required": false,
        "description": "重试时带同一个键，只保存一次（保留 24 小时） / send the same key on a retry and the sheet is stored once (kept 24 hours)",
        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY, "pattern": "^[!-~]+$"}});
    let id_param = json!({"name": "id", "in": "path", "required": true,
        "description": "提交时返回的评估编号 / the id returned on submission",
        "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "smedx JSON API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!(
                "中小企业数字化转型成熟度评估的 JSON 接口：提交答题表并取得评分结果、读取评估、读取地区汇总。\
                 每个请求带 `smedx token add --region CODE` 发放的令牌，只能提交和读取该地区的企业。\n\n\
                 JSON API for SME digital-transformation maturity assessment: submit an answer sheet and get \
                 the scored result, read an assessment, read a region's summary. Every request carries a token \
                 of `smedx token add --region CODE` and may submit for and read firms of that region only. \
                 Model: {} {}.",
                model.id, model.version
            ),
        },
        "paths": {
            "/api/v1/assessments": {"post": {
                "operationId": "submitAssessment",
                "summary": "提交答题表并评分 / submit an answer sheet and score it",
                "parameters": [key_param],
                "requestBody": {"required": true, "content": {"application/json": sheet_body}},
                "responses": submit_responses,
            }},
            "/api/v1/assessments/{id}": {"get": {
                "operationId": "readAssessment",
                "summary": "读取评估的最新版本 / read the latest version of an assessment",
                "parameters": [id_param],
                "responses": read_responses,
            }, "put": {
                "operationId": "resubmitAssessment",
                "summary": "再次评估：提交新版本 / re-assessment: submit a new version",
                "parameters": [id_param, key_param],
                "requestBody": {"required": true, "content": {"application/json": sheet_body}},
                "responses": resubmit_responses,
            }},
            "/api/v1/regions/{code}/summary": {"get": {
                "operationId": "regionSummary",
                "summary": "地区汇总 / a region's summary",
                "parameters": [
                    {"name": "code", "in": "path", "required": true,
                        "description": "6 位行政区划代码，末尾的 00 表示整个省或市（510100 = 成都市） / 6-digit region code; trailing 00 pairs cover a whole province or city",
                        "schema": {"type": "string", "pattern": "^[0-9]{6}$"}, "example": "330000"},
                    {"name": "industry", "in": "query", "required": false,
                        "description": "行业代码前缀（C、C36） / industry code prefix",
                        "schema": {"type": "string", "pattern": "^[A-Za-z0-9]{0,5}$"}},
                    {"name": "size", "in": "query", "required": false,
                        "schema": {"type": "string", "enum": ["micro", "small", "medium", "large"]}}
                ],
                "responses": summary_responses,
            }},
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer",
                "description": "smedx token add --region CODE"}},
        },
        "security": [{"token": []}],
    })
}

/// A sheet of the model for the document's example: the first synthetic firm of `smedx simulate`.
fn example_sheet(model: &Model) -> Option<Value> {
    let mut line = Vec::new();
    crate::aggregate::simulate::simulate(model, 1, 1, 1, &mut line).ok()?;
    serde_json::from_slice(&line).ok()
}

/// The answer sheet's JSON Schema as a component: its own definitions moved beside it.
fn answer_sheet(model: &Model, schemas: &mut Map<String, Value>) -> Value {
    let mut sheet = crate::schema::answers_schema(Some(model));
    if let Some(obj) = sheet.as_object_mut() {
        obj.remove("$schema");
        if let Some(Value::Object(defs)) = obj.remove("definitions") {
            for (name, mut def) in defs {
                rewrite_refs(&mut def);
                schemas.entry(name).or_insert(def);
            }
        }
    }
    rewrite_refs(&mut sheet);
    sheet
}

/// Point draft-07 `#/definitions/X` references at the document's components.
fn rewrite_refs(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if k == "$ref"
                    && let Value::String(r) = child
                    && let Some(name) = r.strip_prefix("#/definitions/")
                {
                    *r = format!("#{SCHEMAS}/{name}");
                } else {
                    rewrite_refs(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_resolves_and_the_sheet_is_the_answers_schema() {
        let model = crate::model::bundled(crate::model::DEFAULT_MODEL_ID).unwrap();
        let doc = document(model);
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for r in text.split("\"$ref\":\"").skip(1) {
            let target = &r[..r.find('"').unwrap()];
            let name = target.strip_prefix("#/components/schemas/").unwrap();
            assert!(schemas.contains_key(name), "{target} does not resolve");
        }
        let item = &model.items[0].id;
        assert!(
            schemas["AnswerSheet"]["properties"]["answers"]["properties"]
                .get(item)
                .is_some(),
            "the sheet spells out the model's items"
        );
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(schemas.contains_key("Assessment") && schemas.contains_key("ApiAssessment"));
        // The sheet's own definitions sit beside it, none shadowed by a schemars type of the
        // same name (the summary's types share the components).
        let sheet = crate::schema::answers_schema(Some(model));
        for (name, def) in sheet["definitions"].as_object().unwrap() {
            let mut def = def.clone();
            rewrite_refs(&mut def);
            assert_eq!(schemas.get(name), Some(&def), "component {name}");
        }
    }

    /// The errors of `instance` against the document's schema `name`.
    fn violations(doc: &Value, name: &str, instance: &Value) -> Vec<String> {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": format!("#{SCHEMAS}/{name}"),
            "components": doc["components"],
        });
        let validator = jsonschema::draft202012::new(&schema).expect("a valid JSON Schema");
        validator
            .iter_errors(instance)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect()
    }

    #[test]
    fn the_region_summary_is_typed_and_real_summaries_match_it() {
        use crate::aggregate::{self, Breakdown, DemandSources, Options, Source};
        let model = crate::model::bundled(crate::model::DEFAULT_MODEL_ID).unwrap();
        let doc = document(model);
        let schemas = &doc["components"]["schemas"];
        let summary = &schemas["Summary"];
        assert_eq!(summary["type"], "object");
        assert!(summary["description"].as_str().unwrap().starts_with("汇总"));
        for field in [
            "overall",
            "headline",
            "breakdowns",
            "scenarios",
            "demand_totals",
        ] {
            assert!(
                summary["required"]
                    .as_array()
                    .unwrap()
                    .contains(&json!(field)),
                "{field} is a required property"
            );
        }
        // The 200 response of the summary operation points at the typed schema.
        assert_eq!(
            doc["paths"]["/api/v1/regions/{code}/summary"]["get"]["responses"]["200"]["content"]["application/json"]
                ["schema"]["$ref"],
            "#/components/schemas/Summary"
        );
        // A wrong shape is refused: the schema is not an open object.
        assert!(!violations(&doc, "Summary", &json!({"overall": 1})).is_empty());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("firms.jsonl");
        let mut lines = Vec::new();
        crate::aggregate::simulate::simulate(model, 400, 3, 1, &mut lines).unwrap();
        std::fs::write(&path, &lines).unwrap();
        let catalog = crate::roadmap::bundled_catalog(model).0.unwrap();
        let policies = crate::roadmap::bundled_policies().0;
        // Shown figures (k = 5), everything suppressed (k = 1000), and a second round compared.
        for (min_group, previous) in [(5, false), (1000, false), (5, true)] {
            let options = Options {
                by: vec![
                    Breakdown::Province,
                    Breakdown::City,
                    Breakdown::County,
                    Breakdown::Industry,
                    Breakdown::Size,
                ],
                min_group,
                named: false,
                follow_links: false,
                region: None,
                industry: None,
                roster: None,
                export: None,
            };
            let previous: Vec<Source> = if previous {
                vec![Source(path.clone())]
            } else {
                Vec::new()
            };
            let result = aggregate::aggregate(
                model,
                DemandSources {
                    catalog: Some(&catalog),
                    policies: &policies,
                },
                &[Source(path.clone())],
                &previous,
                &options,
                &mut |e| panic!("{e:?}"),
                &|_| {},
            );
            let value = serde_json::to_value(&result).unwrap();
            let errors = violations(&doc, "Summary", &value);
            assert!(errors.is_empty(), "k = {min_group}: {errors:#?}");
        }
    }
}
