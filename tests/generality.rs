//! The model format expresses other published methods: OWASP SAMM and the EU EDIH DMA,
//! each checked against a worked example computed by hand (tests/fixtures/answers/*.expected.md).

use smedx::model;
use smedx::score::{Assessment, NodeScore};
use smedx::source_file::SourceFile;
use std::path::Path;

fn run(model_file: &str, answers_file: &str) -> Assessment {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let loaded =
        model::load_model(&SourceFile::read(&root.join("models").join(model_file)).unwrap());
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let m = loaded.model.unwrap();
    let (a, diags) = smedx::assess(
        &m,
        &SourceFile::read(&root.join("answers").join(answers_file)).unwrap(),
    );
    assert!(diags.is_empty(), "{diags:#?}");
    a.unwrap()
}

fn find<'a>(nodes: &'a [NodeScore], id: &str) -> &'a NodeScore {
    find_opt(nodes, id).unwrap_or_else(|| panic!("no node {id}"))
}

fn find_opt<'a>(nodes: &'a [NodeScore], id: &str) -> Option<&'a NodeScore> {
    nodes.iter().find_map(|n| {
        if n.id == id {
            Some(n)
        } else {
            find_opt(&n.children, id)
        }
    })
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-6)
}

#[test]
fn owasp_samm_matches_the_hand_computation() {
    let a = run("owasp-samm.yaml", "samm-example.yaml");
    // Practice = Σ over 3 levels of the mean of the two streams; function = mean of practices; overall = mean.
    for (id, expected) in [
        ("strategy-metrics", 0.875),
        ("policy-compliance", 1.5),
        ("secure-build", 2.125),
        ("secure-deployment", 1.0),
        ("governance", 1.1875),
        ("implementation", 1.5625),
    ] {
        let n = find(&a.dimensions, id);
        assert!(
            close(n.score, expected),
            "{id}: {:?} != {expected}",
            n.score
        );
    }
    assert!((a.level_score - 1.375).abs() < 1e-9, "{}", a.level_score);
    assert_eq!(a.level_score_max, 3.0);
    assert_eq!(a.level, 1);
    assert!((a.next_level.unwrap().points_short - 0.625).abs() < 1e-9);
}

#[test]
fn edih_dma_matches_the_hand_computation() {
    let a = run("edih-dma.yaml", "edih-example.yaml");
    for (id, expected) in [
        ("digital-business-strategy", 55.0),
        ("digital-readiness", 52.5),
        ("human-centric-digitalisation", 37.5),
        ("data-management", 50.0),
        ("automation-ai", 12.5),
        ("green-digitalisation", 40.0),
    ] {
        assert!(close(find(&a.dimensions, id).score, expected), "{id}");
    }
    // Overall = mean of the six dimensions.
    assert!((a.level_score - 41.25).abs() < 1e-9);
    assert_eq!(a.level, 2, "Average: 26–50");
    assert!((a.next_level.unwrap().points_short - 9.75).abs() < 1e-9);
}
