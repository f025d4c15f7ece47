//! The emitted JSON Schemas (draft-07) accept the bundled files, checked with an independent validator.

use serde_json::Value;
use smedx::model;
use std::path::Path;

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    // The product's own YAML options: YAML 1.2 booleans, so option `N` stays a string.
    serde_saphyr::from_str_with_options(&text, smedx::source_file::yaml_options())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn errors(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::draft7::new(schema).expect("the schema itself is valid draft-07");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn model_schema_accepts_every_model_we_ship_or_test() {
    let schema = smedx::schema::model_schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in [
        "questionnaires/sme-dx-2024.yaml",
        "tests/fixtures/models/owasp-samm.yaml",
        "tests/fixtures/models/edih-dma.yaml",
    ] {
        let errs = errors(&schema, &yaml(&root.join(file)));
        assert!(errs.is_empty(), "{file}: {errs:#?}");
    }
}

#[test]
fn model_schema_rejects_a_typo() {
    let schema = smedx::schema::model_schema();
    let mut m =
        yaml(&Path::new(env!("CARGO_MANIFEST_DIR")).join("questionnaires/sme-dx-2024.yaml"));
    m["dimensions"][0]["poinst"] = Value::from(50);
    assert!(
        !errors(&schema, &m).is_empty(),
        "an unknown key must be flagged"
    );
    m["dimensions"][0].as_object_mut().unwrap().remove("poinst");
    m["dimensions"][0]["items"] = Value::from("x");
    assert!(!errors(&schema, &m).is_empty());
}

#[test]
fn answers_schema_accepts_the_samples_and_flags_a_wrong_option() {
    let schema = smedx::schema::answers_schema(model::bundled("sme-dx-2024"));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("questionnaires/examples");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let sheet = yaml(&entry.path());
        let errs = errors(&schema, &sheet);
        assert!(errs.is_empty(), "{}: {errs:#?}", entry.path().display());
        n += 1;
    }
    let sheet: Value =
        serde_saphyr::from_str("profile: {name: x}\nanswers:\n  info-system-coverage: Z\n")
            .unwrap();
    assert!(
        !errors(&schema, &sheet).is_empty(),
        "option Z does not exist"
    );
    let sheet: Value =
        serde_saphyr::from_str("profile: {name: x}\nanswers:\n  info-system-coverag: A\n").unwrap();
    assert!(!errors(&schema, &sheet).is_empty(), "unknown item");
    let generic = smedx::schema::answers_schema(None);
    let sheet: Value =
        serde_saphyr::from_str("profile: {name: x}\nanswers:\n  anything: [A, B]\n").unwrap();
    assert!(errors(&generic, &sheet).is_empty());
    let _ = n;
}

#[test]
fn committed_schema_files_are_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let fresh = [
        ("model.schema.json", smedx::schema::model_schema()),
        ("catalog.schema.json", smedx::schema::catalog_schema()),
        ("policies.schema.json", smedx::schema::policies_schema()),
        (
            "answers.schema.json",
            smedx::schema::answers_schema(model::bundled("sme-dx-2024")),
        ),
        (
            "openapi.json",
            smedx::serve::openapi::document(model::bundled("sme-dx-2024").unwrap()),
        ),
    ];
    for (file, value) in fresh {
        let committed: Value =
            serde_json::from_str(&std::fs::read_to_string(root.join(file)).unwrap()).unwrap();
        assert!(
            committed == value,
            "schemas/{file} is stale: run `smedx schema {}` -o schemas/{file}",
            if file.starts_with("model") {
                "model"
            } else if file.starts_with("openapi") {
                "openapi"
            } else {
                "answers --model sme-dx-2024"
            }
        );
    }
}

#[test]
fn catalog_and_policies_match_their_schemas() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("questionnaires");
    let errs = errors(
        &smedx::schema::catalog_schema(),
        &yaml(&root.join("catalog/solutions.yaml")),
    );
    assert!(errs.is_empty(), "{errs:#?}");
    for f in std::fs::read_dir(root.join("policies")).unwrap().flatten() {
        let errs = errors(&smedx::schema::policies_schema(), &yaml(&f.path()));
        assert!(errs.is_empty(), "{}: {errs:#?}", f.path().display());
    }
}
