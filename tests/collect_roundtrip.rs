//! Round trips as property tests: a random valid answer sheet written to a questionnaire workbook,
//! a CSV batch, an ODK Central or KoboToolbox export of the XLSForm, or answer-sheet YAML, and read
//! back, is the same sheet.

mod collect_support;

use collect_support::{assert_same, model, random_sheet, sheet_seed};
use proptest::prelude::*;
use smedx::answers::AnswerSheet;
use smedx::collect::{
    Collected, ExportStyle, cell_style, check_record, read_csv, read_workbook, sheet_cells,
    submission_row, write_csv, write_workbook,
};
use smedx::model::Model;
use smedx::text::Lang;

/// Check every record of a collected file; the sheets, or the diagnostics as an error.
fn sheets_of(m: &Model, collected: Collected, file: &str) -> Vec<AnswerSheet> {
    let records = match collected {
        Collected::Questionnaire(q) => {
            let (record, diags) = q.record(m);
            assert!(diags.is_empty(), "{diags:#?}");
            vec![record]
        }
        Collected::Table(t) => {
            let batch = t.records(m);
            assert!(
                batch.diagnostics.iter().all(|d| !d.is_error()),
                "{:#?}",
                batch.diagnostics
            );
            batch.records
        }
    };
    records
        .iter()
        .map(|r| {
            let checked = check_record(m, r, file);
            checked
                .sheet
                .unwrap_or_else(|| panic!("{file}: {:#?}", checked.diagnostics))
        })
        .collect()
}

fn via_workbook(m: &Model, sheet: &AnswerSheet, lang: Lang) -> AnswerSheet {
    let cells = sheet_cells(m, sheet, cell_style(lang));
    let bytes = write_workbook(m, lang, &cells).unwrap();
    let collected = read_workbook("问卷.xlsx", &bytes).unwrap();
    assert!(matches!(collected, Collected::Questionnaire(_)));
    sheets_of(m, collected, "问卷.xlsx").remove(0)
}

fn via_csv(m: &Model, sheets: &[AnswerSheet], lang: Lang) -> Vec<AnswerSheet> {
    let text = write_csv(m, lang, sheets);
    let table = read_csv("batch.csv", text.into_bytes()).unwrap();
    sheets_of(m, Collected::Table(table), "batch.csv")
}

/// The rows an export has, as CSV text.
fn export_csv(rows: &[Vec<(String, String)>]) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(rows[0].iter().map(|(h, _)| h)).unwrap();
    for row in rows {
        w.write_record(row.iter().map(|(_, v)| v)).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// The rows an export has, as an XLSX sheet (KoboToolbox's XLS export); numbers as numbers.
fn export_xlsx(rows: &[Vec<(String, String)>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, (h, _)) in rows[0].iter().enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, (_, v)) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            // An export types a number question's answer as a number, written canonically; a text
            // answer that merely parses as one (`.4`, `007`) stays text.
            match v.parse::<f64>() {
                Ok(n) if n.is_finite() && n.to_string() == *v => ws.write_number(r, c, n).unwrap(),
                _ => ws.write_string(r, c, v).unwrap(),
            };
        }
    }
    wb.save_to_buffer().unwrap()
}

/// What an XLSForm carries: everything but the demo-data flag (field teams collect real firms).
fn form_carries(sheet: &AnswerSheet) -> AnswerSheet {
    let mut s = sheet.clone();
    s.profile.synthetic = false;
    s
}

fn via_export(m: &Model, sheet: &AnswerSheet, style: ExportStyle, as_xlsx: bool) -> AnswerSheet {
    let rows = vec![submission_row(m, sheet, style)];
    let collected = if as_xlsx {
        read_workbook("submissions.xlsx", &export_xlsx(&rows)).unwrap()
    } else {
        Collected::Table(read_csv("submissions.csv", export_csv(&rows).into_bytes()).unwrap())
    };
    assert!(matches!(collected, Collected::Table(_)));
    sheets_of(m, collected, "submissions").remove(0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_sheet_survives_a_workbook(seed in sheet_seed(), en in any::<bool>()) {
        let m = model();
        let sheet = random_sheet(m, &seed);
        let lang = if en { Lang::En } else { Lang::Zh };
        assert_same(&sheet, &via_workbook(m, &sheet, lang), "xlsx");
    }

    #[test]
    fn sheets_survive_a_csv_batch(a in sheet_seed(), b in sheet_seed(), en in any::<bool>()) {
        let m = model();
        let sheets = vec![random_sheet(m, &a), random_sheet(m, &b)];
        let lang = if en { Lang::En } else { Lang::Zh };
        let back = via_csv(m, &sheets, lang);
        prop_assert_eq!(back.len(), 2);
        assert_same(&sheets[0], &back[0], "csv row 1");
        assert_same(&sheets[1], &back[1], "csv row 2");
    }

    #[test]
    fn a_sheet_survives_an_odk_or_kobo_export(seed in sheet_seed(), kobo in any::<bool>(), as_xlsx in any::<bool>()) {
        let m = model();
        let sheet = random_sheet(m, &seed);
        let style = if kobo { ExportStyle::Kobo } else { ExportStyle::OdkCentral };
        assert_same(&form_carries(&sheet), &via_export(m, &sheet, style, as_xlsx), "xlsform export");
    }

    #[test]
    fn a_sheet_survives_yaml(seed in sheet_seed()) {
        let m = model();
        let sheet = random_sheet(m, &seed);
        let text = smedx::collect::sheet_yaml(m, &sheet, &["again".into()]);
        assert_same(&sheet, &collect_support::check_yaml(m, &text), "yaml");
    }
}

#[test]
fn every_sample_survives_every_route() {
    let m = model();
    for name in [
        "auto-parts-machining",
        "electronics-assembler",
        "food-processor",
        "furniture-workshop",
        "logistics-services",
    ] {
        let sheet = collect_support::sample(name);
        assert_same(&sheet, &via_workbook(m, &sheet, Lang::Zh), name);
        assert_same(&sheet, &via_workbook(m, &sheet, Lang::En), name);
        assert_same(
            &sheet,
            &via_csv(m, std::slice::from_ref(&sheet), Lang::Zh)[0],
            name,
        );
        for style in [ExportStyle::Kobo, ExportStyle::OdkCentral] {
            assert_same(
                &form_carries(&sheet),
                &via_export(m, &sheet, style, false),
                name,
            );
            assert_same(
                &form_carries(&sheet),
                &via_export(m, &sheet, style, true),
                name,
            );
        }
    }
}

#[test]
fn general_models_survive_the_workbook_and_csv() {
    // OWASP SAMM and the EU EDIH assessment, with their worked examples.
    let root = collect_support::crate_root();
    for (model_file, answers) in [
        (
            "tests/fixtures/models/owasp-samm.yaml",
            "tests/fixtures/answers/samm-example.yaml",
        ),
        (
            "tests/fixtures/models/edih-dma.yaml",
            "tests/fixtures/answers/edih-example.yaml",
        ),
    ] {
        let src = smedx::source_file::SourceFile::read(&root.join(model_file)).unwrap();
        let m = smedx::model::load_model(&src).model.unwrap();
        let text = std::fs::read_to_string(root.join(answers)).unwrap();
        let sheet = collect_support::check_yaml(&m, &text);
        for lang in [Lang::Zh, Lang::En] {
            assert_same(&sheet, &via_workbook(&m, &sheet, lang), model_file);
            assert_same(
                &sheet,
                &via_csv(&m, std::slice::from_ref(&sheet), lang)[0],
                model_file,
            );
        }
        for style in [ExportStyle::Kobo, ExportStyle::OdkCentral] {
            assert_same(
                &form_carries(&sheet),
                &via_export(&m, &sheet, style, false),
                model_file,
            );
        }
    }
}
