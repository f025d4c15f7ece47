//! CSV batches through the binary: the template, a batch where a bad row does not stop the others
//! (problems at `file:row:column`, a summary of what was skipped and why), encodings and
//! delimiters, and ODK/Kobo exports.

mod collect_support;

use collect_support::{TempDir, assert_same, check_yaml, model, sample, smedx};
use smedx::collect::csv;
use smedx::text::Lang;

fn samples() -> Vec<smedx::answers::AnswerSheet> {
    [
        "auto-parts-machining",
        "food-processor",
        "logistics-services",
    ]
    .iter()
    .map(|n| sample(n))
    .collect()
}

#[test]
fn the_template_has_a_header_a_title_row_and_a_bom() {
    let dir = TempDir::new("csv-template");
    let run = smedx(&dir.0, &["template", "--format", "csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with('\u{feff}'),
        "a BOM, so that Excel reads UTF-8"
    );
    let mut lines = run.stdout.trim_start_matches('\u{feff}').lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("name,credit_code,region,industry,employees,revenue"));
    assert!(header.contains(
        ",network-connectivity,equipment-digitisation-rate,equipment-digitisation-rate.numerator,"
    ));
    assert!(header.contains(",funding,funding.data.digital-investment,"));
    let titles = lines.next().unwrap();
    assert!(
        titles.starts_with("企业名称,统一社会信用代码,行政区划代码,行业代码"),
        "{titles}"
    );
    assert_eq!(lines.next(), None, "no data rows in a blank template");
    // The template itself imports as an empty batch: nothing to write, nothing wrong.
    std::fs::write(dir.path("t.csv"), &run.stdout).unwrap();
    let run = smedx(&dir.0, &["import", "t.csv", "--out-dir", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("已写入 0 份答卷"), "{}", run.stderr);
}

#[test]
fn a_bad_row_does_not_stop_the_others() {
    let dir = TempDir::new("csv-batch");
    let text = csv::write(model(), Lang::Zh, &samples());
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Row 4 (the second firm): a wrong option and no name.
    let header: Vec<String> = lines[0]
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(str::to_string)
        .collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(lines[3].as_bytes());
    let mut row: Vec<String> = reader
        .records()
        .next()
        .unwrap()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    row[col("info-system-coverage")] = "F".into();
    row[col("name")] = String::new();
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(&row).unwrap();
    lines[3] = String::from_utf8(w.into_inner().unwrap())
        .unwrap()
        .trim_end()
        .to_string();
    lines.insert(4, ",,,".into()); // a blank row is skipped silently
    std::fs::write(dir.path("batch.csv"), lines.join("\n") + "\n").unwrap();

    let run = smedx(&dir.0, &["import", "batch.csv", "--out-dir", "answers"]);
    assert_eq!(
        run.code, 2,
        "a skipped row makes the run invalid:\n{}",
        run.stderr
    );
    let isc = col("info-system-coverage") + 1;
    assert!(
        run.stderr.contains(&format!("--> batch.csv:4:{isc}")),
        "the wrong option at row 4, its column:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--> batch.csv:4:1"),
        "the missing name at row 4:\n{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("已写入 2 份答卷到 answers；跳过 1 行。"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("第 4 行：2 个错误（missing-field, unknown-option）"),
        "{}",
        run.stderr
    );
    // In JSON, the wrong option is a field of the file: its row, column and the column's header.
    let args = [
        "import",
        "batch.csv",
        "--out-dir",
        "json",
        "--diagnostics",
        "json",
    ];
    let run = smedx(&dir.0, &args);
    let mut stream = serde_json::Deserializer::from_str(&run.stderr).into_iter();
    let json: serde_json::Value = stream.next().unwrap().unwrap();
    let at = json
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "unknown-option")
        .map(|d| &d["location"])
        .unwrap();
    assert_eq!(
        at,
        &serde_json::json!({"kind": "field", "file": "batch.csv", "line": 4, "column": isc,
            "header": "info-system-coverage"})
    );
    let mut written: Vec<String> = std::fs::read_dir(dir.path("answers"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(
        written,
        [
            "003-瑞安市恒锐汽车部件有限公司.yaml",
            "006-临沂通衢仓配物流有限公司.yaml"
        ]
    );
    let back =
        std::fs::read_to_string(dir.path("answers/003-瑞安市恒锐汽车部件有限公司.yaml")).unwrap();
    assert_same(&samples()[0], &check_yaml(model(), &back), "row 3");
    // Running again does not overwrite; --force does.
    let run = smedx(
        &dir.0,
        &[
            "import",
            "batch.csv",
            "--out-dir",
            "answers",
            "--lang",
            "en",
        ],
    );
    assert!(
        run.stderr
            .contains("Wrote 0 answer sheet(s) to answers; skipped 3 row(s)."),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("output-exists"));
    let run = smedx(
        &dir.0,
        &["import", "batch.csv", "--out-dir", "answers", "--force"],
    );
    assert!(run.stderr.contains("已写入 2 份答卷"), "{}", run.stderr);
    // A batch is not scored as one sheet, nor imported with -o.
    let run = smedx(&dir.0, &["score", "batch.csv"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("batch-file"), "{}", run.stderr);
    let run = smedx(&dir.0, &["import", "batch.csv", "-o", "one.yaml"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--out-dir"), "{}", run.stderr);
}

#[test]
fn semicolons_decimal_commas_and_no_bom_are_fine() {
    let dir = TempDir::new("csv-semicolon");
    let sheet = sample("food-processor");
    let text = csv::write(model(), Lang::En, std::slice::from_ref(&sheet));
    let mut rows = Vec::new();
    for record in ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
        .records()
    {
        rows.push(
            record
                .unwrap()
                .iter()
                .map(str::to_string)
                .collect::<Vec<_>>(),
        );
    }
    // European Excel: semicolons, and numbers with a decimal comma.
    let revenue_col = rows[0].iter().position(|h| h == "revenue").unwrap();
    rows[2][revenue_col] = rows[2][revenue_col].replace('.', ",") + ",0";
    let mut w = ::csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    for r in &rows {
        w.write_record(r).unwrap();
    }
    std::fs::write(dir.path("eu.csv"), w.into_inner().unwrap()).unwrap();
    let run = smedx(&dir.0, &["score", "eu.csv", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let direct = smedx(
        collect_support::crate_root(),
        &[
            "score",
            "questionnaires/examples/food-processor.yaml",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.stdout, direct.stdout, "the same assessment");
}

#[test]
fn a_gbk_file_is_named_with_how_to_fix_it() {
    let dir = TempDir::new("csv-gbk");
    let text = csv::write(model(), Lang::Zh, &samples()[..1]);
    let (gbk, _, _) = encoding_rs::GBK.encode(text.trim_start_matches('\u{feff}'));
    std::fs::write(dir.path("excel.csv"), &gbk).unwrap();
    let run = smedx(
        &dir.0,
        &["import", "excel.csv", "--out-dir", "out", "--lang", "en"],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("error[wrong-encoding]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("looks GBK/GB18030-encoded"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("CSV UTF-8"), "{}", run.stderr);
}

#[test]
fn an_odk_central_export_imports_with_its_extra_columns() {
    let dir = TempDir::new("csv-odk");
    let m = model();
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let sheets = samples();
    let rows: Vec<Vec<(String, String)>> = sheets
        .iter()
        .map(|s| {
            smedx::collect::xlsform::submission_row(
                m,
                s,
                smedx::collect::xlsform::ExportStyle::OdkCentral,
            )
        })
        .collect();
    // An extra column of the team's own, and a misspelt one.
    let mut header: Vec<String> = rows[0].iter().map(|(h, _)| h.clone()).collect();
    header.push("enumerator_phone".into());
    w.write_record(&header).unwrap();
    for row in &rows {
        let mut values: Vec<String> = row.iter().map(|(_, v)| v.clone()).collect();
        values.push("138".into());
        w.write_record(&values).unwrap();
    }
    std::fs::write(dir.path("central.csv"), w.into_inner().unwrap()).unwrap();
    let run = smedx(&dir.0, &["import", "central.csv", "--out-dir", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("警告[unknown-column]: 列“enumerator_phone”"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("SubmissionDate"),
        "export metadata is not reported"
    );
    assert!(run.stderr.contains("已写入 3 份答卷"), "{}", run.stderr);
}

mod noise {
    use super::collect_support::model;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Whatever a CSV file holds, reading and checking it reports problems and never panics.
        #[test]
        fn arbitrary_csv_never_panics(
            header in prop::sample::subsequence(vec!["name", "industry", "employees", "network-connectivity", "funding", "funding.data.digital-investment", "equipment-digitisation-rate.numerator", "x/y", "", "product-design"], 0..10),
            cells in prop::collection::vec("[-0-9A-Za-z.,;\"\\n 不适用✓、]{0,8}", 0..40),
            semicolon in any::<bool>(),
        ) {
            let sep = if semicolon { ";" } else { "," };
            let mut text = header.join(sep);
            for (k, c) in cells.iter().enumerate() {
                text.push_str(if k % 5 == 0 { "\n" } else { sep });
                text.push_str(c);
            }
            if let Ok(table) = smedx::collect::csv::read("noise.csv", text.into_bytes()) {
                let batch = table.records(model());
                for r in &batch.records {
                    let _ = smedx::collect::check_record(model(), r, "noise.csv");
                }
            }
        }
    }
}
