//! The layering of `docs/architecture.md`, checked on the sources: a module imports only modules of
//! lower layers (lower layers know nothing of higher ones, and no module cycle can form).

use std::collections::BTreeSet;
use std::path::Path;

/// The layers, lowest first; the same list as in docs/architecture.md.
const LAYERS: &[&[&str]] = &[
    &["text"],
    &["diag"],
    &["yaml_value", "source_file"],
    &["model"],
    &["answers"],
    &["score", "collect"],
    &["roadmap"],
    &["aggregate", "schema"],
    &["report"],
    &["pipeline"],
    &["serve"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The top-level modules a source text names through `crate::` paths, outside its test module.
fn imports(text: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    for part in code.split("crate::").skip(1) {
        if let Some(group) = part.strip_prefix('{') {
            // `crate::{a, b::{c, d}, e}`: the first segment of each top-level entry.
            let (mut depth, mut start) = (0, true);
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && !c.is_whitespace() => {
                        out.insert(ident(&group[i..]));
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(part));
        }
    }
    out.retain(|m| !m.is_empty());
    out
}

/// (module, file, imported module) for every `crate::` import in src/, lib.rs and main.rs aside.
fn edges() -> Vec<(String, String, String)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
                continue;
            }
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_str()
                .unwrap()
                .replace('\\', "/");
            if !rel.ends_with(".rs") || rel == "lib.rs" || rel == "main.rs" {
                continue;
            }
            let module = rel
                .split('/')
                .next()
                .unwrap()
                .trim_end_matches(".rs")
                .to_string();
            for imported in imports(&std::fs::read_to_string(&path).unwrap()) {
                if imported != module {
                    out.push((module.clone(), rel.clone(), imported));
                }
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.sort();
    out
}

#[test]
fn every_module_has_a_layer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(&root).unwrap() {
        let name = entry.unwrap().file_name().to_str().unwrap().to_string();
        let module = name.trim_end_matches(".rs");
        if module == "lib" || module == "main" || (name.contains('.') && !name.ends_with(".rs")) {
            continue;
        }
        assert!(
            layer_of(module).is_some(),
            "src/{name} is in no layer: add it to LAYERS here and to docs/architecture.md"
        );
    }
}

#[test]
fn lower_layers_import_nothing_of_higher_ones() {
    let edges = edges();
    assert!(
        edges.len() > 30,
        "the import scan found too little: {edges:?}"
    );
    let wrong: Vec<String> = edges
        .iter()
        .filter(|(m, _, i)| match (layer_of(m), layer_of(i)) {
            (Some(a), Some(b)) => b >= a,
            _ => false,
        })
        .map(|(m, f, i)| {
            format!(
                "src/{f}: {m} (layer {}) imports {i} (layer {})",
                layer_of(m).unwrap_or(0) + 1,
                layer_of(i).unwrap_or(0) + 1
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "imports against the layering of docs/architecture.md (a module may use only lower layers):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_issue_greps_find_nothing() {
    // The checks issue 9 names: no model → answers, roadmap → report or source_file → answers::check.
    fn texts(path: &Path, out: &mut Vec<(String, String)>) {
        if path.is_dir() {
            for entry in std::fs::read_dir(path).unwrap() {
                texts(&entry.unwrap().path(), out);
            }
        } else {
            out.push((
                path.display().to_string(),
                std::fs::read_to_string(path).unwrap(),
            ));
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for (dir, needle) in [
        ("model", "use crate::answers"),
        ("roadmap", "crate::report"),
        ("source_file.rs", "answers::check"),
    ] {
        let mut files = Vec::new();
        texts(&src.join(dir), &mut files);
        assert!(!files.is_empty(), "src/{dir} is gone: update this test");
        for (file, text) in files {
            assert!(!text.contains(needle), "{file} contains `{needle}`");
        }
    }
}

#[test]
fn the_scan_reads_grouped_imports() {
    let found = imports(
        "use crate::{model::{Item, Model}, text::Lang};\nlet x = crate::diag::Pos::UNKNOWN;\n#[cfg(test)]\nuse crate::cli;",
    );
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["diag", "model", "text"]
    );
}

#[test]
fn the_documented_layers_are_these() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md"))
            .unwrap();
    for (i, layer) in LAYERS.iter().enumerate() {
        let names: Vec<String> = layer.iter().map(|m| format!("`{m}`")).collect();
        let line = format!("{}. {}", i + 1, names.join(", "));
        assert!(
            doc.contains(&line),
            "docs/architecture.md does not list layer `{line}`"
        );
    }
}
