//! Benchmark: score one enterprise (target: well under 1 ms in process).

use criterion::{Criterion, criterion_group, criterion_main};
use smedx::source_file::SourceFile;
use std::hint::black_box;
use std::path::Path;

fn bench_score(c: &mut Criterion) {
    let model = smedx::model::bundled("sme-dx-2024").expect("bundled model");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("questionnaires/examples/electronics-assembler.yaml");
    let source = SourceFile::read(&path).expect("sample");
    let node = smedx::answers::load_sheet(&source).expect("parse");
    let sheet = smedx::answers::check_sheet(model, &node, &source)
        .sheet
        .expect("valid sample");

    c.bench_function("evaluate (numbers only, checked sheet)", |b| {
        b.iter(|| smedx::score::evaluate(black_box(model), black_box(&sheet)))
    });
    c.bench_function("score (checked sheet)", |b| {
        b.iter(|| smedx::score::score(black_box(model), black_box(&sheet)))
    });
    c.bench_function("check + score (parsed sheet)", |b| {
        b.iter(|| {
            let sheet = smedx::answers::check_sheet(model, black_box(&node), &source)
                .sheet
                .unwrap();
            smedx::score::score(model, &sheet)
        })
    });
    c.bench_function("parse + check + score (text)", |b| {
        b.iter(|| smedx::assess(model, black_box(&source)))
    });
}

criterion_group!(benches, bench_score);
criterion_main!(benches);
