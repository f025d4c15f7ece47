//! A fuzz harness for the loaders on stable Rust: answer sheets (YAML, JSON), models, workbooks,
//! CSV batches and JSON Lines. Inputs are byte mutations, drawn by proptest strategies, of a corpus
//! seeded with the broken fixtures in tests/fixtures (and the samples); each case runs in process
//! through the library's entry points, as `smedx` would run it.
//!
//! A case fails on a panic, on running longer than the per-case limit (a hang), or on diagnostics
//! output that is not linear in the input (the sign of a memory blow-up). The failing input is
//! written to `target/fuzz-failures/` and the test names it; replay one with
//! `SMEDX_FUZZ_REPLAY=target/fuzz-failures/<file> cargo test --test fuzz_loaders`.
//!
//! Time budget per target: `SMEDX_FUZZ_SECS` (default 5 s; `.ci/run` gives 60 s). Seed:
//! `SMEDX_FUZZ_SEED` (default fixed, so a plain `cargo test` is repeatable).

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use smedx::aggregate::{DemandSources, Options, Source};
use smedx::answers;
use smedx::collect::{self, Collected};
use smedx::diag::Report;
use smedx::model::{self, Model};
use smedx::source_file::SourceFile;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn the_model() -> &'static Model {
    model::bundled(model::DEFAULT_MODEL_ID).expect("bundled model")
}

/// Files of a fixture folder whose names start with `prefix` and end with one of `exts`.
fn files(dir: &str, prefix: &str, exts: &[&str]) -> Vec<Vec<u8>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with(prefix) && exts.iter().any(|e| name.ends_with(e))
        })
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

// --- Mutations --------------------------------------------------------------------------------

/// Fragments that matter to the parsers: YAML structure, aliases, numbers at the edges, full-width
/// forms, BOMs, quotes, zip and XML markers.
const TOKENS: &[&str] = &[
    "\n",
    "\r\n",
    ": ",
    "- ",
    "  ",
    "{",
    "}",
    "[",
    "]",
    ",",
    ";",
    "\t",
    "\"",
    "'",
    "&a ",
    "*a",
    "<<: *a\n",
    "!!binary ",
    "---\n",
    "...\n",
    "#",
    "|\n",
    ">-\n",
    "? ",
    "~",
    "null",
    "na",
    "1e999",
    "-0",
    "NaN",
    ".inf",
    "18446744073709551616",
    "0x1F",
    "２０２４",
    "：",
    "45人",
    "\u{feff}",
    "\0",
    "\u{fffd}",
    "\u{202e}",
    "名称",
    "answers:\n",
    "profile:\n",
    "model: x\n",
    "<row r=\"1048576\">",
    "<c r=\"XFD1\" t=\"s\"><v>99999</v></c>",
    "<si><t>",
    "</t></si>",
    "PK\u{3}\u{4}",
    "\"\"",
    "=1+1",
    "\\u0000",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip(Index, u8),
    Set(Index, u8),
    Insert(Index, Vec<u8>),
    Token(Index, Index),
    Delete(Index, usize),
    /// Repeat a slice: many keys, long lines, deep nesting.
    Repeat(Index, usize, usize),
    /// Bytes from another input of the corpus.
    Splice(Index, Index, Index, usize),
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Mutation::Token(i, t)),
        (any::<Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<Index>(), 1usize..64, 2usize..2000).prop_map(|(i, n, k)| Mutation::Repeat(i, n, k)),
        (any::<Index>(), any::<Index>(), any::<Index>(), 1usize..256)
            .prop_map(|(a, o, f, n)| Mutation::Splice(a, o, f, n)),
        any::<Index>().prop_map(Mutation::Truncate),
    ]
}

/// Where in `len` bytes (an insertion point may be the end).
fn at(i: &Index, len: usize) -> usize {
    i.index(len + 1)
}

fn apply(m: &Mutation, data: &mut Vec<u8>, corpus: &[Vec<u8>]) {
    let len = data.len();
    match m {
        Mutation::Flip(i, bit) if len > 0 => data[i.index(len)] ^= 1 << bit,
        Mutation::Set(i, b) if len > 0 => data[i.index(len)] = *b,
        Mutation::Insert(i, bytes) => {
            let p = at(i, len);
            data.splice(p..p, bytes.iter().copied());
        }
        Mutation::Token(i, t) => {
            let p = at(i, len);
            data.splice(p..p, t.get(TOKENS).bytes());
        }
        Mutation::Delete(i, n) if len > 0 => {
            let p = i.index(len);
            data.drain(p..(p + n).min(len));
        }
        Mutation::Repeat(i, n, k) if len > 0 => {
            let p = i.index(len);
            let piece = data[p..(p + n).min(len)].to_vec();
            // Grow at most to a few MiB: large enough to find what is quadratic.
            let k = (*k).min((4 << 20) / piece.len().max(1));
            let grown: Vec<u8> = piece
                .iter()
                .copied()
                .cycle()
                .take(piece.len() * k)
                .collect();
            data.splice(p..p, grown);
        }
        Mutation::Splice(a, o, f, n) => {
            let other = o.get(corpus);
            if other.is_empty() {
                return;
            }
            let from = f.index(other.len());
            let piece = &other[from..(from + n).min(other.len())];
            let p = at(a, len);
            data.splice(p..p, piece.iter().copied());
        }
        Mutation::Truncate(i) => data.truncate(at(i, len)),
        _ => {}
    }
}

/// A workbook mutated inside one of its parts (its XML), then packed again, so that the case gets
/// past the zip layer to the workbook reader.
fn mutate_inside_zip(data: &[u8], part: &Index, muts: &[Mutation], corpus: &[Vec<u8>]) -> Vec<u8> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(data)) else {
        return data.to_vec();
    };
    let chosen = part.index(archive.len().max(1));
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let Ok(mut file) = archive.by_index(i) else {
            continue;
        };
        let name = file.name().map(|n| n.to_string()).unwrap_or_default();
        let mut bytes = Vec::new();
        if file.read_to_end(&mut bytes).is_err() {
            continue;
        }
        if i == chosen {
            for m in muts {
                apply(m, &mut bytes, corpus);
            }
        }
        if out.start_file(name, options).is_err() || out.write_all(&bytes).is_err() {
            return data.to_vec();
        }
    }
    out.finish()
        .map(|c| c.into_inner())
        .unwrap_or_else(|_| data.to_vec())
}

// --- Targets ----------------------------------------------------------------------------------

/// What a case produced that must stay linear in its input: the diagnostics, rendered.
struct Produced {
    rendered: usize,
}

fn rendered(report: &Report) -> Produced {
    Produced {
        rendered: report.render_human().len() + report.render_json().len(),
    }
}

fn answer_sheet(bytes: &[u8]) -> Produced {
    let mut report = Report::default();
    match SourceFile::decode("fuzz.yaml", bytes.to_vec()) {
        Err(d) => report.extend([d]),
        Ok(source) => {
            report.add_source(&source.name, &source.text);
            match answers::load_sheet(&source) {
                Err(d) => report.extend([d]),
                Ok(node) => {
                    let checked = answers::check_sheet(the_model(), &node, &source);
                    report.extend(checked.diagnostics);
                    if let Some(sheet) = checked.sheet {
                        let assessment = smedx::score::score(the_model(), &sheet);
                        assert!(assessment.level_score.is_finite());
                    }
                }
            }
        }
    }
    rendered(&report)
}

fn model_file(bytes: &[u8]) -> Produced {
    let mut report = Report::default();
    match SourceFile::decode("fuzz-model.yaml", bytes.to_vec()) {
        Err(d) => report.extend([d]),
        Ok(source) => {
            report.add_source(&source.name, &source.text);
            let loaded = model::load_model(&source);
            report.extend(loaded.diagnostics);
            // A model the linter passes must be usable: its templates written, a sheet scored.
            if let Some(model) = loaded.model {
                let _ = collect::write_csv(&model, smedx::text::Lang::Zh, &[]);
                let mut lines = Vec::new();
                smedx::aggregate::simulate::simulate(&model, 3, 1, 1, &mut lines).unwrap();
                for line in String::from_utf8(lines).unwrap().lines() {
                    let sheet = SourceFile::from_text("simulated.json", line);
                    let node = answers::load_sheet(&sheet).unwrap();
                    let checked = answers::check_sheet(&model, &node, &sheet);
                    if let Some(sheet) = checked.sheet {
                        let assessment = smedx::score::score(&model, &sheet);
                        assert!(assessment.level_score.is_finite());
                        assert!(assessment.level_score <= assessment.level_score_max + 1e-9);
                    }
                }
            }
        }
    }
    rendered(&report)
}

fn check_collected(collected: Result<Collected, smedx::diag::Diagnostic>, name: &str) -> Produced {
    let model = the_model();
    let mut report = Report::default();
    match collected {
        Err(d) => report.extend([d]),
        Ok(Collected::Questionnaire(q)) => {
            let (record, diags) = q.record(model);
            report.extend(diags);
            report.extend(collect::check_record(model, &record, name).diagnostics);
        }
        Ok(Collected::Table(t)) => {
            let batch = t.records(model);
            report.extend(batch.diagnostics);
            for r in &batch.records {
                report.extend(collect::check_record(model, r, name).diagnostics);
            }
        }
    }
    rendered(&report)
}

fn workbook(bytes: &[u8]) -> Produced {
    check_collected(collect::read_workbook("fuzz.xlsx", bytes), "fuzz.xlsx")
}

fn csv_batch(bytes: &[u8]) -> Produced {
    check_collected(
        collect::read_csv("fuzz.csv", bytes.to_vec()).map(Collected::Table),
        "fuzz.csv",
    )
}

fn json_lines(bytes: &[u8]) -> Produced {
    // A file of its own, removed when dropped (the name must end in .jsonl to be read as lines).
    let file = tempfile::Builder::new()
        .prefix("smedx-fuzz-")
        .suffix(".jsonl")
        .tempfile()
        .unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    let path = file.path().to_path_buf();
    let options = Options {
        by: vec![smedx::aggregate::Breakdown::Province],
        min_group: 1,
        named: false,
        follow_links: false,
        region: None,
        industry: None,
        roster: None,
        export: None,
    };
    let mut errors = 0usize;
    let mut message_bytes = 0usize;
    let summary = smedx::aggregate::aggregate(
        the_model(),
        DemandSources {
            catalog: None,
            policies: &[],
        },
        &[Source(path.clone())],
        &[],
        &options,
        &mut |e| {
            errors += 1;
            message_bytes += e.message.len();
        },
        &|_| {},
    );
    drop(file);
    let json = serde_json::to_string(&summary).unwrap();
    Produced {
        rendered: message_bytes + json.len() + errors,
    }
}

// --- The runner -------------------------------------------------------------------------------

struct Target {
    name: &'static str,
    run: fn(&[u8]) -> Produced,
    corpus: Vec<Vec<u8>>,
    /// Also mutate inside the zip parts.
    zipped: bool,
}

/// The sample answer sheets, as written and as one JSON line each.
fn samples() -> Vec<Vec<u8>> {
    files("questionnaires/examples", "", &[".yaml"])
        .into_iter()
        .take(4)
        .collect()
}

fn sample_sheets() -> Vec<smedx::answers::AnswerSheet> {
    samples()
        .iter()
        .filter_map(|b| {
            let source = SourceFile::decode("s.yaml", b.clone()).ok()?;
            let node = answers::load_sheet(&source).ok()?;
            answers::check_sheet(the_model(), &node, &source).sheet
        })
        .collect()
}

fn target(name: &str) -> Target {
    match name {
        "answers" => Target {
            name: "answers",
            run: answer_sheet,
            corpus: [
                files("tests/fixtures/broken", "answers-", &[".yaml", ".json"]),
                samples(),
            ]
            .concat(),
            zipped: false,
        },
        "models" => Target {
            name: "models",
            run: model_file,
            corpus: [
                files("tests/fixtures/broken", "model-", &[".yaml"]),
                files("tests/fixtures/models", "", &[".yaml"]),
            ]
            .concat(),
            zipped: false,
        },
        "workbooks" => Target {
            name: "workbooks",
            run: workbook,
            corpus: files("tests/fixtures/collect", "", &[".xlsx"]),
            zipped: true,
        },
        "csv" => {
            let model = the_model();
            let sheets = sample_sheets();
            let template = collect::write_csv(model, smedx::text::Lang::Zh, &sheets);
            let blank = collect::write_csv(model, smedx::text::Lang::En, &[]);
            Target {
                name: "csv",
                run: csv_batch,
                corpus: vec![
                    template.into_bytes(),
                    blank.into_bytes(),
                    b"name;industry\n\"a;b\";C3670\n".to_vec(),
                ],
                zipped: false,
            }
        }
        "jsonl" => {
            let lines: Vec<String> = samples()
                .iter()
                .filter_map(|b| {
                    let v: serde_json::Value =
                        serde_saphyr::from_str(std::str::from_utf8(b).ok()?).ok()?;
                    Some(serde_json::to_string(&v).ok()? + "\n")
                })
                .collect();
            Target {
                name: "jsonl",
                run: json_lines,
                corpus: vec![lines.concat().into_bytes(), lines[0].clone().into_bytes()],
                zipped: false,
            }
        }
        _ => unreachable!("unknown target {name}"),
    }
}

/// Why a case failed, when it did.
fn run_case(t: &Target, input: Vec<u8>, limit: Duration) -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    let run = t.run;
    let len = input.len();
    let records = input.iter().filter(|&&b| b == b'\n').count() + 1;
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let result = std::panic::catch_unwind(|| run(&input));
            let _ = tx.send(result.map_err(|p| {
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "a panic".into())
            }));
        })
        .unwrap();
    match rx.recv_timeout(limit) {
        Err(_) => Err(format!("no result within {limit:?} (a hang)")),
        Ok(Err(panic)) => Err(format!("panic: {panic}")),
        Ok(Ok(produced)) => {
            // At most 200 diagnostics per file, each with a bounded window of its line, and for
            // streamed records (JSON Lines) at most one short error line per record, which may be
            // Chinese at three bytes a character: output beyond this is not linear in the input.
            let cap = (1 << 20) + 8 * len + 256 * records;
            if produced.rendered > cap {
                Err(format!(
                    "{} bytes of diagnostics for {len} bytes of input (cap {cap})",
                    produced.rendered
                ))
            } else {
                Ok(())
            }
        }
    }
}

fn save_failure(t: &Target, input: &[u8]) -> PathBuf {
    let dir = root().join("target/fuzz-failures");
    std::fs::create_dir_all(&dir).unwrap();
    let hash = input.iter().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    });
    let path = dir.join(format!("{}-{hash:016x}.bin", t.name));
    std::fs::write(&path, input).unwrap();
    path
}

fn fuzz(name: &str) {
    let t = target(name);
    assert!(!t.corpus.is_empty(), "{name}: no seeds");
    let case_limit = Duration::from_secs(env_u64("SMEDX_FUZZ_CASE_SECS", 20));
    if let Ok(replay) = std::env::var("SMEDX_FUZZ_REPLAY") {
        let path = Path::new(&replay);
        if path
            .file_name()
            .is_some_and(|f| f.to_string_lossy().starts_with(&format!("{name}-")))
        {
            let input = std::fs::read(path).unwrap();
            if let Err(why) = run_case(&t, input, case_limit) {
                panic!("{name}: {} fails: {why}", path.display());
            }
        }
        return;
    }
    let budget = Duration::from_secs(env_u64("SMEDX_FUZZ_SECS", 5));
    let seed = env_u64("SMEDX_FUZZ_SEED", 12);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    seed_bytes[8..8 + name.len().min(24)].copy_from_slice(&name.as_bytes()[..name.len().min(24)]);
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let case = (
        any::<Index>(),
        prop::collection::vec(mutation(), 1..6),
        any::<bool>(),
        any::<Index>(),
    );
    // Every seed as it is, then mutations until the budget is spent.
    for input in &t.corpus {
        if let Err(why) = run_case(&t, input.clone(), case_limit) {
            let saved = save_failure(&t, input);
            panic!("{name}: a seed fails: {why}; input in {}", saved.display());
        }
    }
    let start = Instant::now();
    let mut cases = 0u64;
    while start.elapsed() < budget {
        let (which, muts, inside, part) = case.new_tree(&mut runner).unwrap().current();
        let seed_input = which.get(&t.corpus);
        let input = if t.zipped && inside {
            mutate_inside_zip(seed_input, &part, &muts, &t.corpus)
        } else {
            let mut data = seed_input.clone();
            for m in &muts {
                apply(m, &mut data, &t.corpus);
            }
            data
        };
        if let Err(why) = run_case(&t, input.clone(), case_limit) {
            let saved = save_failure(&t, &input);
            panic!(
                "{name}: case {cases} fails: {why}; input in {} (mutations {muts:?})",
                saved.display()
            );
        }
        cases += 1;
    }
    eprintln!("{name}: {cases} mutated cases in {:?}", start.elapsed());
    assert!(cases > 0, "{name}: the budget allowed no case");
}

#[test]
fn fuzz_answer_sheets() {
    fuzz("answers");
}

#[test]
fn fuzz_models() {
    fuzz("models");
}

#[test]
fn fuzz_workbooks() {
    fuzz("workbooks");
}

#[test]
fn fuzz_csv_batches() {
    fuzz("csv");
}

#[test]
fn fuzz_json_lines() {
    fuzz("jsonl");
}
