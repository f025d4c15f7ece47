//! Shared helpers of the `collect_*` tests: random valid answer sheets, checking, running the
//! binary, and editing a workbook's cells as a script would.

#![allow(dead_code)]

use proptest::prelude::*;
use smedx::answers::{Answer, AnswerSheet, AnswerValue, Trend};
use smedx::collect::sheet_yaml;
use smedx::model::{Item, ItemSpec, Model};
use smedx::source_file::SourceFile;
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub fn model() -> &'static Model {
    smedx::model::bundled("sme-dx-2024").unwrap()
}

pub fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Check answer-sheet text; panics with the diagnostics when it is not valid.
pub fn check_yaml(m: &Model, text: &str) -> AnswerSheet {
    let src = SourceFile::from_text("sheet.yaml", text);
    let node = smedx::answers::load_sheet(&src).unwrap();
    let checked = smedx::answers::check_sheet(m, &node, &src);
    checked
        .sheet
        .unwrap_or_else(|| panic!("invalid sheet:\n{text}\n{:#?}", checked.diagnostics))
}

/// A bundled sample, checked.
pub fn sample(name: &str) -> AnswerSheet {
    let path = crate_root().join(format!("questionnaires/examples/{name}.yaml"));
    let src = SourceFile::read(&path).unwrap();
    let node = smedx::answers::load_sheet(&src).unwrap();
    smedx::answers::check_sheet(model(), &node, &src)
        .sheet
        .unwrap()
}

/// Two sheets say the same (the JSON of the checked sheet, profile included).
pub fn assert_same(expected: &AnswerSheet, got: &AnswerSheet, route: &str) {
    let a = serde_json::to_value(expected).unwrap();
    let b = serde_json::to_value(got).unwrap();
    assert_eq!(a, b, "{route}: the sheet came back different");
}

/// Industry codes of each group of the bundled model, and valid credit codes and regions.
const INDUSTRIES: &[&str] = &[
    "C3670", "C2110", "C1431", "G5431", "G5990", "F5211", "H6210",
];
const CREDIT_CODES: &[&str] = &[
    "91330381MA2H8C3NXF",
    "91320583MA1N6T2P9C",
    "91410108MA45B7KQ89",
    "91371302MA3C9E5W4J",
];
const REGIONS: &[&str] = &["330381", "320583", "410108", "110105"];

/// Random inputs a sheet is made from.
#[derive(Debug, Clone)]
pub struct SheetSeed {
    pub seeds: Vec<u32>,
    pub texts: Vec<String>,
}

pub fn sheet_seed() -> impl Strategy<Value = SheetSeed> {
    (
        prop::collection::vec(any::<u32>(), 120),
        prop::collection::vec("\\PC{1,24}", 12),
    )
        .prop_map(|(seeds, texts)| SheetSeed { seeds, texts })
}

/// A text for a cell: no blank ends (cells are trimmed), sometimes with a line break inside.
fn text(seed: &SheetSeed, k: usize) -> String {
    let t = seed.texts[k % seed.texts.len()].trim().to_string();
    let t = if t.is_empty() {
        "备注".to_string()
    } else {
        t
    };
    if seed.seeds[k % seed.seeds.len()].is_multiple_of(5) {
        format!("{t}\n第二行, \"引号\"; 分号")
    } else {
        t
    }
}

/// A list entry: no separators, so it splits back alike.
fn list_entry(seed: &SheetSeed, k: usize) -> String {
    let t: String = text(seed, k)
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '、' | ','
                    | '，'
                    | ';'
                    | '；'
                    | '\n'
                    | '('
                    | ')'
                    | '（'
                    | '）'
                    | '['
                    | ']'
                    | '【'
                    | '】'
                    | '《'
                    | '》'
                    | '"'
            )
        })
        .collect();
    let t = t.trim().to_string();
    if t.is_empty() { "系统".into() } else { t }
}

fn answer_for(item: &Item, s: u32) -> Option<AnswerValue> {
    if item.allow_na && s.is_multiple_of(9) {
        return Some(AnswerValue::NotApplicable);
    }
    if !item.required && s.is_multiple_of(13) {
        return None;
    }
    Some(match &item.spec {
        ItemSpec::Single { options } => AnswerValue::Choice {
            option: options[s as usize % options.len()].id.clone(),
        },
        ItemSpec::Multi { options, .. } => {
            let picked: Vec<String> = options
                .iter()
                .enumerate()
                .filter(|(i, o)| !o.exclusive && (s >> (i % 29)) & 1 == 1)
                .map(|(_, o)| o.id.clone())
                .collect();
            let exclusive = options.iter().find(|o| o.exclusive);
            match (picked.is_empty(), exclusive) {
                (true, Some(e)) => AnswerValue::Choices {
                    options: vec![e.id.clone()],
                },
                (true, None) => AnswerValue::Choices {
                    options: vec![options[0].id.clone()],
                },
                _ => AnswerValue::Choices { options: picked },
            }
        }
        ItemSpec::Band {
            ratio,
            bands,
            min,
            max,
            ..
        } => match s % 3 {
            0 if ratio.is_some() => {
                let den = f64::from(s % 400 + 1);
                let num = f64::from((s / 7) % 401).min(den);
                AnswerValue::Number {
                    value: num / den * ratio.as_ref().unwrap().scale,
                    numerator: Some(num),
                    denominator: Some(den),
                }
            }
            1 => AnswerValue::Band {
                band: bands[s as usize % bands.len()].id.clone(),
            },
            _ => {
                let lo = min.unwrap_or(0.0);
                let hi = max.unwrap_or(lo + 1000.0);
                let v = lo + (hi - lo) * f64::from(s % 10_001) / 10_000.0;
                let v = (v * 100.0).round() / 100.0;
                let v = if bands.iter().any(|b| b.range.contains(v)) {
                    v
                } else {
                    lo
                };
                AnswerValue::Number {
                    value: v,
                    numerator: None,
                    denominator: None,
                }
            }
        },
        ItemSpec::Scenario { .. } => AnswerValue::Grade {
            grade: (s % 5) as u8,
        },
        ItemSpec::Trend { .. } => AnswerValue::Trend {
            trend: [Trend::Worse, Trend::Flat, Trend::Better][s as usize % 3],
        },
    })
}

/// A random valid sheet: written as YAML and checked, so it is exactly what the checker makes.
pub fn random_sheet(m: &Model, seed: &SheetSeed) -> AnswerSheet {
    let s = |k: usize| seed.seeds[k % seed.seeds.len()];
    let industry = INDUSTRIES[s(0) as usize % INDUSTRIES.len()];
    let mut profile = smedx::answers::Profile {
        name: text(seed, 0).replace('\n', " "),
        industry: Some(industry.into()),
        employees: Some(f64::from(s(1) % 900 + 1)),
        revenue: Some(f64::from(s(2) % 90_000) / 10.0 + 1.0),
        ..Default::default()
    };
    if s(3).is_multiple_of(2) {
        profile.credit_code = Some(CREDIT_CODES[s(4) as usize % CREDIT_CODES.len()].into());
    }
    if s(5).is_multiple_of(2) {
        profile.region = Some(REGIONS[s(6) as usize % REGIONS.len()].into());
    }
    if s(7).is_multiple_of(2) {
        profile.assets = Some(f64::from(s(8) % 50_000) + 0.5);
    }
    if s(9).is_multiple_of(2) {
        profile.assessed_on = Some(format!(
            "20{:02}-{:02}-{:02}",
            20 + s(10) % 10,
            s(11) % 12 + 1,
            s(12) % 28 + 1
        ));
    }
    if s(13).is_multiple_of(2) {
        profile.assessor = Some(text(seed, 1).replace('\n', " "));
    }
    if s(14).is_multiple_of(2) {
        profile.digital_budget = Some(f64::from(s(15) % 1000) / 4.0);
    }
    if s(16).is_multiple_of(2) {
        profile.it_staff = Some(f64::from(s(17) % 20));
    }
    profile.existing_systems = (0..s(18) % 3)
        .map(|k| list_entry(seed, 2 + k as usize))
        .collect();
    // Pain points: words of the vocabulary (by their Chinese title, as forms store them) and free text.
    let words = smedx::answers::profile_field("pain_points")
        .unwrap()
        .choices();
    profile.pain_points = (0..s(21) % 3)
        .map(|k| match k {
            0 => list_entry(seed, 7),
            _ => words[(s(22) as usize + k as usize) % words.len()]
                .title
                .zh
                .clone(),
        })
        .collect();
    profile.tags = (0..s(19) % 2)
        .map(|k| list_entry(seed, 5 + k as usize))
        .collect();
    profile.synthetic = s(20).is_multiple_of(2);
    let group = m.industry_group_of(Some(industry)).to_string();
    let mut answers = BTreeMap::new();
    for (i, item) in m.items.iter().enumerate() {
        if !item.applies_to.applies(&group, None) {
            continue;
        }
        let k = 21 + i * 2;
        let Some(value) = answer_for(item, s(k)) else {
            continue;
        };
        let mut answer = Answer::plain(value);
        if s(k + 1).is_multiple_of(4) {
            answer.note = Some(text(seed, k));
        }
        if answer.value != AnswerValue::NotApplicable {
            for (f, field) in item.fields.iter().enumerate() {
                if (s(k + 1) >> f) & 1 == 1 {
                    answer
                        .data
                        .insert(field.id.clone(), f64::from(s(k + f) % 100_000) / 8.0);
                }
            }
        }
        answers.insert(item.id.clone(), answer);
    }
    let sheet = AnswerSheet {
        model: m.id.clone(),
        model_version: m.version.clone(),
        profile,
        answers,
    };
    check_yaml(m, &sheet_yaml(m, &sheet, &[]))
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "smedx-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The result of running the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn smedx(dir: &Path, args: &[&str]) -> Run {
    let out = assert_cmd::Command::cargo_bin("smedx")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "smedx {args:?} panicked:\n{}",
        run.stderr
    );
    run
}

/// The zip entries of a workbook, in order.
pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (name, data)
        })
        .collect()
}

pub fn rezip(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        out.start_file(name.as_str(), options).unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// The part of a sheet by its name (`xl/worksheets/sheetN.xml`).
fn sheet_part(entries: &[(String, Vec<u8>)], sheet: &str) -> String {
    let get = |n: &str| {
        entries
            .iter()
            .find(|(name, _)| name == n)
            .map(|(_, d)| String::from_utf8(d.clone()).unwrap())
            .unwrap()
    };
    let workbook = get("xl/workbook.xml");
    let at = workbook
        .find(&format!("name=\"{sheet}\""))
        .unwrap_or_else(|| panic!("no sheet {sheet}"));
    let rid_at = workbook[at..].find("r:id=\"").unwrap() + at + 6;
    let rid = &workbook[rid_at..rid_at + workbook[rid_at..].find('"').unwrap()];
    let rels = get("xl/_rels/workbook.xml.rels");
    let rel_at = rels.find(&format!("Id=\"{rid}\"")).unwrap();
    let rel = &rels[rels[..rel_at].rfind('<').unwrap()..];
    let target_at = rel.find("Target=\"").unwrap() + 8;
    let target = &rel[target_at..target_at + rel[target_at..].find('"').unwrap()];
    format!("xl/{}", target.trim_start_matches("/xl/"))
}

/// A value typed into a cell.
pub enum Typed<'a> {
    Text(&'a str),
    Number(f64),
}

/// Type values into cells as a person or a script would: the cells must exist in the sheet
/// (every answer cell of a template does). Strings go in inline, as some tools write them.
pub fn type_into(bytes: &[u8], sheet: &str, cells: &[(&str, Typed)]) -> Vec<u8> {
    let mut entries = unzip(bytes);
    let part = sheet_part(&entries, sheet);
    let (_, data) = entries.iter_mut().find(|(n, _)| *n == part).unwrap();
    let mut xml = String::from_utf8(data.clone()).unwrap();
    for (cell, value) in cells {
        let open = format!("<c r=\"{cell}\"");
        let at = xml
            .find(&open)
            .unwrap_or_else(|| panic!("{sheet}!{cell} is not in the sheet"));
        let end = at + xml[at..].find('>').unwrap();
        let self_closing = xml[..end].ends_with('/');
        let close_end = if self_closing {
            end + 1
        } else {
            end + xml[end..].find("</c>").unwrap() + 4
        };
        let attrs = xml[at + open.len()..if self_closing { end - 1 } else { end }].to_string();
        let style = attrs
            .split_whitespace()
            .find(|a| a.starts_with("s="))
            .map(|s| format!(" {s}"))
            .unwrap_or_default();
        let new = match value {
            Typed::Text(t) => {
                let esc = t
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;");
                format!("<c r=\"{cell}\"{style} t=\"inlineStr\"><is><t>{esc}</t></is></c>")
            }
            Typed::Number(n) => format!("<c r=\"{cell}\"{style}><v>{n}</v></c>"),
        };
        xml.replace_range(at..close_end, &new);
    }
    *data = xml.into_bytes();
    rezip(&entries)
}

/// Remove a sheet from a workbook, as a person deleting it would (its part stays unreferenced).
pub fn delete_sheet(bytes: &[u8], sheet: &str) -> Vec<u8> {
    let mut entries = unzip(bytes);
    let (_, data) = entries
        .iter_mut()
        .find(|(n, _)| n == "xl/workbook.xml")
        .unwrap();
    let mut xml = String::from_utf8(data.clone()).unwrap();
    let at = xml.find(&format!("<sheet name=\"{sheet}\"")).unwrap();
    let end = at + xml[at..].find("/>").unwrap() + 2;
    xml.replace_range(at..end, "");
    *data = xml.into_bytes();
    rezip(&entries)
}

/// Where a key's answer is in a questionnaire workbook: (sheet, `D7`).
pub fn answer_cell(bytes: &[u8], key: &str) -> (String, String) {
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        let (r0, _) = range.start().unwrap_or((0, 0));
        for (r, row) in range.rows().enumerate() {
            if row.first().is_some_and(|c| *c == key) {
                return (name.clone(), format!("D{}", r0 as usize + r + 1));
            }
        }
    }
    panic!("no row with key {key}")
}
