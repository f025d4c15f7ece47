//! Benchmark: plan a roadmap and render one HTML report with its charts (target: ≤ 20 ms).

use criterion::{Criterion, criterion_group, criterion_main};
use smedx::report::{ReportFormat, build_context, render};
use smedx::roadmap::{self, PlanRequest, Policies};
use smedx::source_file::SourceFile;
use smedx::text::Lang;
use std::hint::black_box;
use std::path::Path;

fn bench_report(c: &mut Criterion) {
    let model = smedx::model::bundled("sme-dx-2024").expect("bundled model");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("questionnaires/examples/electronics-assembler.yaml");
    let source = SourceFile::read(&path).expect("sample");
    let node = smedx::answers::load_sheet(&source).expect("parse");
    let sheet = smedx::answers::check_sheet(model, &node, &source)
        .sheet
        .expect("valid sample");
    let assessment = smedx::score::score(model, &sheet);
    let catalog = roadmap::bundled_catalog(model).0.expect("catalog");
    let files = roadmap::bundled_policies().0;
    let policies = Policies::for_region(&files, sheet.profile.region.as_deref(), "2026-10-15");
    let request = PlanRequest {
        target: None,
        budget: None,
        as_of: None,
    };

    c.bench_function("plan roadmap", |b| {
        b.iter(|| {
            roadmap::plan(
                model,
                black_box(&sheet),
                &assessment,
                &catalog,
                &policies,
                &request,
            )
        })
    });
    let plan = roadmap::plan(model, &sheet, &assessment, &catalog, &policies, &request);
    c.bench_function("render HTML report (context + charts + template)", |b| {
        b.iter(|| {
            let ctx = build_context(model, black_box(&assessment), &plan, Lang::Zh);
            render(&ctx, ReportFormat::Html, None, Lang::Zh).unwrap()
        })
    });
    c.bench_function("score + plan + render HTML", |b| {
        b.iter(|| {
            let a = smedx::score::score(model, black_box(&sheet));
            let p = roadmap::plan(model, &sheet, &a, &catalog, &policies, &request);
            let ctx = build_context(model, &a, &p, Lang::Zh);
            render(&ctx, ReportFormat::Html, None, Lang::Zh).unwrap()
        })
    });
}

/// One PDF and one Word report of the electronics sample, fonts loaded once before (as `smedx serve`
/// would); the HTML render of the same context is the baseline in the same run.
fn bench_documents(c: &mut Criterion) {
    let model = smedx::model::bundled("sme-dx-2024").expect("bundled model");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("questionnaires/examples/electronics-assembler.yaml");
    let source = SourceFile::read(&path).expect("sample");
    let node = smedx::answers::load_sheet(&source).expect("parse");
    let sheet = smedx::answers::check_sheet(model, &node, &source)
        .sheet
        .expect("valid sample");
    let assessment = smedx::score::score(model, &sheet);
    let catalog = roadmap::bundled_catalog(model).0.expect("catalog");
    let files = roadmap::bundled_policies().0;
    let policies = Policies::for_region(&files, sheet.profile.region.as_deref(), "2026-10-15");
    let request = PlanRequest::default();
    let plan = roadmap::plan(model, &sheet, &assessment, &catalog, &policies, &request);
    let ctx = build_context(model, &assessment, &plan, Lang::Zh);
    let fonts = smedx::report::pdf::Fonts::load(None).expect("a CJK font (fonts-noto-cjk)");
    let mut group = c.benchmark_group("documents");
    group.sample_size(10);
    group.bench_function("HTML report (baseline)", |b| {
        b.iter(|| render(black_box(&ctx), ReportFormat::Html, None, Lang::Zh).unwrap())
    });
    group.bench_function("PDF report", |b| {
        b.iter(|| smedx::report::pdf::render(black_box(&ctx), None, Lang::Zh, &fonts).unwrap())
    });
    group.bench_function("Word report", |b| {
        b.iter(|| smedx::report::docx::render(black_box(&ctx), None, Lang::Zh, &fonts).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench_report, bench_documents);
criterion_main!(benches);
