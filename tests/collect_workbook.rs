//! The questionnaire workbook: broken workbooks give errors that name the sheet and cell (fixtures in
//! `tests/fixtures/collect/`, diagnostics as snapshots), the template's structure (drop-downs,
//! protection, hidden sheets), and the CLI routes `import` and `score` on a workbook.
//!
//! The fixtures are the bundled sample `auto-parts-machining` written into the template and then
//! broken the way people break workbooks. `cargo test --test collect_workbook -- --ignored`
//! writes them again.

mod collect_support;

use collect_support::{
    TempDir, Typed, answer_cell, assert_same, crate_root, delete_sheet, model, sample, smedx,
    type_into,
};
use smedx::collect::flat::{Column, sheet_cells};
use smedx::collect::{Collected, check_record, xlsx};
use smedx::diag::Report;
use smedx::text::Lang;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    crate_root().join("tests/fixtures/collect")
}

/// The sample in a workbook, with `drop` answers left out.
fn sample_workbook(drop: &[&str]) -> Vec<u8> {
    let m = model();
    let sheet = sample("auto-parts-machining");
    let cells: Vec<_> = sheet_cells(m, &sheet, xlsx::cell_style(Lang::Zh))
        .into_iter()
        .filter(|(c, _)| {
            c.item()
                .is_none_or(|i| !drop.contains(&m.items[i].id.as_str()))
        })
        .collect();
    xlsx::write(m, Lang::Zh, &cells).unwrap()
}

fn typed(bytes: &[u8], key: &str, value: Typed) -> Vec<u8> {
    let (sheet, cell) = answer_cell(bytes, key);
    type_into(bytes, &sheet, &[(&cell, value)])
}

/// Every broken fixture, how it was made.
fn broken_fixtures() -> Vec<(&'static str, Vec<u8>)> {
    let base = sample_workbook(&[]);
    vec![
        (
            "wrong-option.xlsx",
            typed(
                &base,
                "info-system-coverage",
                Typed::Text("F. 全部业务环节"),
            ),
        ),
        (
            "empty-required.xlsx",
            sample_workbook(&["digital-planning"]),
        ),
        (
            "number-out-of-range.xlsx",
            typed(&base, "funding", Typed::Number(150.0)),
        ),
        ("deleted-sheet.xlsx", delete_sheet(&base, "数字化管理")),
        (
            "bad-tick.xlsx",
            typed(&base, "network-security/D", Typed::Text("有")),
        ),
        (
            "numerator-above-denominator.xlsx",
            typed(
                &base,
                "equipment-digitisation-rate/numerator",
                Typed::Number(70.0),
            ),
        ),
        ("not-a-workbook.xlsx", b"name,industry\nx,C3670\n".to_vec()),
    ]
}

#[test]
#[ignore = "writes the fixtures again"]
fn regenerate_fixtures() {
    std::fs::create_dir_all(fixtures()).unwrap();
    for (name, bytes) in broken_fixtures() {
        std::fs::write(fixtures().join(name), bytes).unwrap();
    }
}

/// Import a fixture through the library as the CLI does; the human diagnostics.
fn diagnostics_of(name: &str) -> (Report, bool) {
    let path = fixtures().join(name);
    let shown = format!("tests/fixtures/collect/{name}");
    let bytes = std::fs::read(&path).unwrap();
    let mut report = Report::default();
    let ok = match xlsx::read(&shown, &bytes) {
        Err(d) => {
            report.extend([d]);
            false
        }
        Ok(Collected::Table(_)) => panic!("{name} read as a table"),
        Ok(Collected::Questionnaire(q)) => {
            let (record, diags) = q.record(model());
            report.extend(diags);
            let checked = check_record(model(), &record, &shown);
            report.extend(checked.diagnostics);
            checked.sheet.is_some() && !report.has_errors()
        }
    };
    (report, ok)
}

#[test]
fn fixtures_are_what_the_generator_makes() {
    for (name, bytes) in broken_fixtures() {
        let on_disk = std::fs::read(fixtures().join(name)).unwrap_or_else(|_| {
            panic!("{name} missing: run `cargo test --test collect_workbook -- --ignored`")
        });
        // The zip stamps differ between runs; compare what the workbook holds.
        let read = |b: &[u8]| format!("{:?}", xlsx::read(name, b).map(|c| format!("{c:?}")));
        assert_eq!(
            read(&on_disk),
            read(&bytes),
            "{name} is stale: regenerate the fixtures"
        );
    }
}

#[test]
fn broken_workbooks_give_cell_located_errors() {
    let expect: &[(&str, &str, &str)] = &[
        ("wrong-option.xlsx", "unknown-option", "数字化基础!D"),
        ("empty-required.xlsx", "missing-answer", "数字化管理!D"),
        ("number-out-of-range.xlsx", "out-of-range", "数字化管理!D"),
        ("bad-tick.xlsx", "unknown-option", "数字化基础!D"),
        (
            "numerator-above-denominator.xlsx",
            "out-of-range",
            "数字化基础!D",
        ),
    ];
    for (name, code, place) in expect {
        let (report, ok) = diagnostics_of(name);
        assert!(!ok, "{name} imported");
        let d = report
            .diagnostics
            .iter()
            .find(|d| d.is_error() && d.code == *code)
            .unwrap_or_else(|| panic!("{name}: no {code}: {:#?}", report.diagnostics));
        assert!(
            d.location().contains(place),
            "{name}: {} is not at {place}",
            d.location()
        );
        assert_eq!(report.error_count(), 1, "{name}: {}", report.render_human());
        let en = report.render_human_in(Lang::En);
        insta::assert_snapshot!(format!("workbook_{name}"), en);
        // The Chinese hint is in the workbook's own terms: a cell, no YAML syntax.
        let zh = report.render_human_in(Lang::Zh);
        let hint = zh
            .lines()
            .find(|l| l.contains("= 提示："))
            .unwrap_or_default();
        assert!(!hint.contains('`') && !hint.contains("{"), "{name}: {zh}");
        insta::assert_snapshot!(format!("workbook_zh_{name}"), zh);
    }
}

#[test]
fn a_deleted_sheet_is_named_once() {
    let (report, ok) = diagnostics_of("deleted-sheet.xlsx");
    assert!(!ok);
    let errors: Vec<_> = report.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{}", report.render_human());
    assert_eq!(errors[0].code, "missing-sheet");
    assert!(errors[0].message_in(Lang::Zh).contains("数字化管理"));
    insta::assert_snapshot!(
        "workbook_deleted-sheet.xlsx",
        report.render_human_in(Lang::En)
    );
    insta::assert_snapshot!(
        "workbook_zh_deleted-sheet.xlsx",
        report.render_human_in(Lang::Zh)
    );
}

#[test]
fn a_file_that_is_no_workbook_is_refused_without_panic() {
    let (report, ok) = diagnostics_of("not-a-workbook.xlsx");
    assert!(!ok);
    assert_eq!(report.diagnostics[0].code, "workbook-unreadable");
    insta::assert_snapshot!(
        "workbook_not-a-workbook.xlsx",
        report.render_human_in(Lang::En)
    );
}

#[test]
fn corrupted_workbooks_never_panic() {
    let base = sample_workbook(&[]);
    // Truncated at many lengths, and bytes flipped across the file.
    for cut in (0..base.len()).step_by(997) {
        let _ = xlsx::read("t.xlsx", &base[..cut]);
    }
    for at in (0..base.len()).step_by(1499) {
        let mut b = base.clone();
        b[at] ^= 0x5A;
        if let Ok(Collected::Questionnaire(q)) = xlsx::read("t.xlsx", &b) {
            let (record, _) = q.record(model());
            let _ = check_record(model(), &record, "t.xlsx");
        }
    }
}

#[test]
fn the_template_has_drop_downs_protection_and_hidden_sheets() {
    let bytes = xlsx::write(model(), Lang::Zh, &[]).unwrap();
    let entries = collect_support::unzip(&bytes);
    let text = |name: &str| {
        String::from_utf8(
            entries
                .iter()
                .find(|(n, _)| n == name)
                .unwrap_or_else(|| panic!("no {name}"))
                .1
                .clone(),
        )
        .unwrap()
    };
    let workbook = text("xl/workbook.xml");
    assert!(workbook.contains("<workbookProtection lockStructure=\"1\"/>"));
    for sheet in [
        "企业信息",
        "数字化基础",
        "数字化管理",
        "数字化成效",
        "数字化经营",
        "融入数字化生态",
    ] {
        assert!(workbook.contains(&format!("name=\"{sheet}\"")), "{sheet}");
    }
    assert!(
        workbook.contains("name=\"_lists\" sheetId=\"7\" state=\"hidden\""),
        "{workbook}"
    );
    assert!(workbook.contains("name=\"_smedx\" sheetId=\"8\" state=\"hidden\""));
    let foundation = text("xl/worksheets/sheet2.xml");
    assert!(
        foundation.contains("<sheetProtection"),
        "sheets are protected"
    );
    // A short list of options is inline; a long one comes from the hidden sheet.
    assert!(
        foundation.contains("<formula1>\"A. 无,B. 单个业务环节,"),
        "short lists inline"
    );
    assert!(foundation.contains("<formula1>\"✓\"</formula1>"), "ticks");
    // Numbers are limited to their range; N/A is allowed where the model allows it.
    assert!(foundation.contains("type=\"custom\""));
    let management = text("xl/worksheets/sheet3.xml");
    assert!(
        management.contains("type=\"decimal\""),
        "funding is a number"
    );
    assert!(
        management.contains("<formula1>0</formula1><formula2>100</formula2>"),
        "funding 0–100"
    );
    // Answer cells are unlocked: their style has `locked="0"`.
    let styles = text("xl/styles.xml");
    assert!(styles.contains("locked=\"0\""));
    // English template: English sheet names and labels.
    let en = xlsx::write(model(), Lang::En, &[]).unwrap();
    let workbook_en = String::from_utf8(
        collect_support::unzip(&en)
            .into_iter()
            .find(|(n, _)| n == "xl/workbook.xml")
            .unwrap()
            .1,
    )
    .unwrap();
    assert!(
        workbook_en.contains("name=\"Digital foundation\""),
        "{workbook_en}"
    );
}

#[test]
fn the_drop_down_entries_of_every_item_import() {
    // Each entry a person can pick from a drop-down is an answer the importer takes.
    let m = model();
    for lang in [Lang::Zh, Lang::En] {
        for (i, item) in m.items.iter().enumerate() {
            let entries: Vec<String> = match &item.spec {
                smedx::model::ItemSpec::Single { options } => options
                    .iter()
                    .map(|o| smedx::collect::flat::option_label(&o.id, &o.label, lang))
                    .collect(),
                smedx::model::ItemSpec::Trend { .. } => ["better", "flat", "worse"]
                    .iter()
                    .map(|w| w.to_string())
                    .chain(["改善", "持平", "恶化"].iter().map(|w| w.to_string()))
                    .collect(),
                smedx::model::ItemSpec::Scenario { .. } => {
                    (0..=4).map(|g: u8| g.to_string()).collect()
                }
                _ => continue,
            };
            let na = item.allow_na.then(|| {
                smedx::collect::flat::na_word(smedx::model::item::Words::Labels(lang)).to_string()
            });
            for entry in entries.into_iter().chain(na) {
                let mut record = smedx::collect::Record::new(smedx::collect::cells::Place::File);
                record.push(
                    Column::Profile(0),
                    smedx::collect::cells::CellValue::Text("x".into()),
                    smedx::collect::cells::Place::File,
                );
                record.push(
                    Column::Profile(3),
                    smedx::collect::cells::CellValue::Text("C3670".into()),
                    smedx::collect::cells::Place::File,
                );
                record.push(
                    Column::Answer(i),
                    smedx::collect::cells::CellValue::Text(entry.clone()),
                    smedx::collect::cells::Place::File,
                );
                let checked = check_record(m, &record, "t.xlsx");
                let wrong: Vec<_> = checked
                    .diagnostics
                    .iter()
                    .filter(|d| {
                        d.is_error()
                            && d.item() == Some(item.id.as_str())
                            && d.code != "missing-answer"
                    })
                    .collect();
                assert!(wrong.is_empty(), "{} `{entry}`: {wrong:#?}", item.id);
            }
        }
    }
}

#[test]
fn import_and_score_a_workbook_from_the_command_line() {
    let dir = TempDir::new("collect-wb");
    let sheet = sample("auto-parts-machining");
    let cells = sheet_cells(model(), &sheet, xlsx::cell_style(Lang::Zh));
    std::fs::write(
        dir.path("问卷.xlsx"),
        xlsx::write(model(), Lang::Zh, &cells).unwrap(),
    )
    .unwrap();
    let run = smedx(&dir.0, &["import", "问卷.xlsx", "-o", "answers.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(dir.path("answers.yaml")).unwrap();
    assert_same(
        &sheet,
        &collect_support::check_yaml(model(), &text),
        "import",
    );
    let run = smedx(&dir.0, &["score", "问卷.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("等级： 一级    评测总分： 50.8 / 100"),
        "{}",
        run.stdout
    );
    // A broken workbook: exit 2 and the cell.
    std::fs::copy(fixtures().join("wrong-option.xlsx"), dir.path("错.xlsx")).unwrap();
    let run = smedx(&dir.0, &["score", "错.xlsx"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("--> 错.xlsx:数字化基础!D"),
        "{}",
        run.stderr
    );
    let run = smedx(&dir.0, &["score", "错.xlsx", "--diagnostics", "json"]);
    let json: serde_json::Value = serde_json::from_str(run.stderr.trim()).unwrap();
    let at = &json[0]["location"];
    assert_eq!(
        (&at["kind"], &at["file"], &at["sheet"]),
        (&"cell".into(), &"错.xlsx".into(), &"数字化基础".into()),
        "{at}"
    );
    assert!(at["cell"].as_str().unwrap().starts_with('D'), "{at}");
    // The template command: refuses to overwrite, writes with --force.
    let run = smedx(&dir.0, &["template", "--format", "xlsx", "-o", "问卷.xlsx"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("output-exists"));
    let run = smedx(
        &dir.0,
        &[
            "template",
            "--format",
            "xlsx",
            "-o",
            "问卷.xlsx",
            "--force",
            "--lang",
            "en",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    // A blank template imports with one error per required question, each at its cell.
    let run = smedx(&dir.0, &["import", "问卷.xlsx"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("问卷.xlsx:Profile!D"), "{}", run.stderr);
    assert!(
        run.stderr.contains("问卷.xlsx:'Digital foundation'!D"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_lone_cell_far_away_is_no_memory_bomb() {
    // A table whose only far cell is at XFD1048576, and the same in a questionnaire.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "name").unwrap();
    ws.write_number(1_048_575, 16_383, 1.0).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let started = std::time::Instant::now();
    match xlsx::read("far.xlsx", &bytes).unwrap() {
        Collected::Table(t) => assert_eq!(t.records(model()).records.len(), 0),
        Collected::Questionnaire(_) => panic!("a table"),
    }
    let mut q = sample_workbook(&[]);
    let entries = collect_support::unzip(&q);
    let part = entries
        .iter()
        .find(|(n, _)| n == "xl/worksheets/sheet2.xml")
        .unwrap();
    let xml = String::from_utf8(part.1.clone()).unwrap().replace(
        "</sheetData>",
        "<row r=\"1048576\"><c r=\"XFD1048576\"><v>1</v></c></row></sheetData>",
    );
    let entries: Vec<(String, Vec<u8>)> = entries
        .into_iter()
        .map(|(n, d)| {
            if n == "xl/worksheets/sheet2.xml" {
                (n, xml.clone().into_bytes())
            } else {
                (n, d)
            }
        })
        .collect();
    q = collect_support::rezip(&entries);
    let Ok(Collected::Questionnaire(q)) = xlsx::read("far.xlsx", &q) else {
        panic!("a questionnaire")
    };
    let (record, _) = q.record(model());
    assert!(check_record(model(), &record, "far.xlsx").sheet.is_some());
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
}

#[test]
fn a_workbook_that_unpacks_to_gigabytes_is_refused() {
    // The sizes a zip directory declares are not trusted either way: a sheet whose entry claims
    // 600 MiB but holds a few KiB is read ...
    let mut lying = sample_workbook(&[]);
    let name = b"xl/worksheets/sheet2.xml";
    let at = (0..lying.len() - 46)
        .find(|&i| lying[i..i + 4] == [0x50, 0x4B, 0x01, 0x02] && lying[i + 46..].starts_with(name))
        .expect("the sheet's central directory entry");
    lying[at + 24..at + 28].copy_from_slice(&(600u32 * 1024 * 1024).to_le_bytes());
    assert!(xlsx::read("lying.xlsx", &lying).is_ok());
    // ... and a part that really inflates past the limit for one part (32 MiB) is refused, counted
    // by the bytes it gives.
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(sample_workbook(&[]))).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).unwrap();
        let name = part.name().unwrap().to_string();
        let mut data = Vec::new();
        part.read_to_end(&mut data).unwrap();
        out.start_file(name, options).unwrap();
        out.write_all(&data).unwrap();
    }
    out.start_file("xl/media/zeros.bin", options).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..33 {
        out.write_all(&zeros).unwrap();
    }
    let bomb = out.finish().unwrap().into_inner();
    assert!(bomb.len() < 1 << 20, "{} bytes on disk", bomb.len());
    let d = xlsx::read("bomb.xlsx", &bomb).unwrap_err();
    assert_eq!(d.code, "unpacked-too-large");
    let message = d.message_in(Lang::En);
    assert!(message.contains("xl/media/zeros.bin"), "{message}");
}
