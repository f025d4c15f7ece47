//! A real spreadsheet program in the loop: the template written by `smedx template --format xlsx`,
//! filled by a script (values typed into the answer cells, the date as a date serial), saved again
//! by LibreOffice (`soffice --headless --convert-to xlsx`, and to `.ods`), imports and scores as
//! the answers it was filled with.
//!
//! `.ci/install-libreoffice.sh` installs LibreOffice; in CI (`CI` set) a missing `soffice` fails
//! the test instead of skipping it.

mod collect_support;

use collect_support::{TempDir, Typed, assert_same, check_yaml, model, sample, smedx, type_into};
use smedx::answers::profile_fields;
use smedx::collect::{CellValue, Column, cell_style, sheet_cells};
use smedx::text::Lang;
use std::collections::HashMap;
use std::io::Cursor;
use std::path::Path;
use std::process::Command;

fn soffice() -> bool {
    let found = Command::new("soffice")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "soffice (LibreOffice) is missing in CI: .ci/install-libreoffice.sh installs it"
        );
        eprintln!(
            "SKIPPED: soffice (LibreOffice) is not installed; run .ci/install-libreoffice.sh for this test"
        );
    }
    found
}

/// Key in column A → (sheet, 1-based row).
fn key_rows(bytes: &[u8]) -> HashMap<String, (String, usize)> {
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let mut out = HashMap::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        let (r0, _) = range.start().unwrap_or((0, 0));
        for (r, row) in range.rows().enumerate() {
            if let Some(key) = row.first().map(|c| c.to_string()).filter(|k| !k.is_empty()) {
                out.insert(key, (name.clone(), r0 as usize + r + 1));
            }
        }
    }
    out
}

/// Fill a blank template with a sheet's answers, as a script typing into the yellow cells would.
fn fill(template: &[u8], sheet: &smedx::answers::AnswerSheet) -> Vec<u8> {
    let m = model();
    let rows = key_rows(template);
    let mut by_sheet: HashMap<String, Vec<(String, Typed)>> = HashMap::new();
    for (column, value) in sheet_cells(m, sheet, cell_style(Lang::Zh)) {
        let id = |i: usize| m.items[i].id.clone();
        let (key, col) = match column {
            Column::Profile(f) => (profile_fields()[f].id.clone(), 'D'),
            Column::Answer(i) => (id(i), 'D'),
            Column::Note(i) => (id(i), 'E'),
            Column::Tick(i, o) => match &m.items[i].spec {
                smedx::model::ItemSpec::Multi { options, .. } => {
                    (format!("{}/{}", id(i), options[o].id), 'D')
                }
                _ => unreachable!(),
            },
            Column::Numerator(i) => (format!("{}/numerator", id(i)), 'D'),
            Column::Denominator(i) => (format!("{}/denominator", id(i)), 'D'),
            Column::Data(i, f) => (format!("{}/data/{}", id(i), m.items[i].fields[f].id), 'D'),
            other => panic!("{other:?} is not in a workbook"),
        };
        let (name, row) = rows.get(&key).unwrap_or_else(|| panic!("no row {key}"));
        let typed = match (key.as_str(), value) {
            // The date typed as a date: a serial number (2026-05-12 is 46154).
            ("assessed_on", CellValue::Text(d)) => {
                let parts: Vec<i64> = d.split('-').map(|p| p.parse().unwrap()).collect();
                Typed::Number(serial(parts[0], parts[1], parts[2]) as f64)
            }
            (_, CellValue::Number(n)) => Typed::Number(n),
            (_, v) => Typed::Text(Box::leak(v.as_text().unwrap().into_boxed_str())),
        };
        by_sheet
            .entry(name.clone())
            .or_default()
            .push((format!("{col}{row}"), typed));
    }
    let mut bytes = template.to_vec();
    for (name, cells) in by_sheet {
        let cells: Vec<(&str, Typed)> = cells
            .into_iter()
            .map(|(c, t)| (Box::leak(c.into_boxed_str()) as &str, t))
            .collect();
        bytes = type_into(&bytes, &name, &cells);
    }
    bytes
}

/// The 1900-system serial of a date.
fn serial(y: i64, m: i64, d: i64) -> i64 {
    let (y, m) = if m <= 2 { (y - 1, m + 12) } else { (y, m) };
    let days = 365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d - 719_469;
    days + 25_569
}

fn convert(dir: &Path, file: &str, to: &str) -> std::path::PathBuf {
    let profile = dir.join("lo-profile");
    let out = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", to, "--outdir"])
        .arg(dir.join("lo"))
        .arg(dir.join(file))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "soffice: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stem = Path::new(file)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let converted = dir.join("lo").join(format!("{stem}.{to}"));
    assert!(
        converted.exists(),
        "soffice wrote no {}",
        converted.display()
    );
    converted
}

#[test]
fn a_template_filled_by_a_script_and_saved_by_libreoffice_imports() {
    if !soffice() {
        return;
    }
    assert_eq!(serial(2026, 5, 12), 46154);
    let dir = TempDir::new("libreoffice");
    let run = smedx(&dir.0, &["template", "--format", "xlsx", "-o", "问卷.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for name in [
        "auto-parts-machining",
        "food-processor",
        "logistics-services",
    ] {
        let sheet = sample(name);
        let template = std::fs::read(dir.path("问卷.xlsx")).unwrap();
        let file = format!("{name}.xlsx");
        std::fs::write(dir.path(&file), fill(&template, &sheet)).unwrap();
        for to in ["xlsx", "ods"] {
            let saved = convert(&dir.0, &file, to);
            let shown = saved.to_str().unwrap();
            let out = format!("{name}-{to}.yaml");
            let run = smedx(&dir.0, &["import", shown, "-o", &out]);
            assert_eq!(run.code, 0, "{name} via LibreOffice {to}:\n{}", run.stderr);
            let back = std::fs::read_to_string(dir.path(&out)).unwrap();
            assert_same(
                &sheet,
                &check_yaml(model(), &back),
                &format!("{name} via LibreOffice {to}"),
            );
            let scored = smedx(&dir.0, &["score", shown, "--format", "json"]);
            let direct = smedx(
                collect_support::crate_root(),
                &[
                    "score",
                    &format!("questionnaires/examples/{name}.yaml"),
                    "--format",
                    "json",
                ],
            );
            assert_eq!(
                scored.stdout, direct.stdout,
                "{name} via LibreOffice {to}: the same assessment"
            );
        }
    }
    // LibreOffice keeps what the template set up: protection, drop-downs, hidden sheets.
    let saved = std::fs::read(dir.path("lo/auto-parts-machining.xlsx")).unwrap();
    let entries = collect_support::unzip(&saved);
    let text = |n: &str| {
        String::from_utf8(entries.iter().find(|(x, _)| x == n).unwrap().1.clone()).unwrap()
    };
    assert!(text("xl/workbook.xml").contains("name=\"_smedx\" sheetId=\"8\" state=\"hidden\""));
    assert!(text("xl/worksheets/sheet2.xml").contains("<sheetProtection"));
    assert!(text("xl/worksheets/sheet2.xml").contains("<dataValidation "));
    assert!(
        entries.iter().any(|(n, _)| n == "xl/sharedStrings.xml"),
        "typed text became shared strings"
    );
}
