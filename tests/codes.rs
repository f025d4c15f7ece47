//! The diagnostic code registry (`src/diag/codes.yaml`) against the sources, and `smedx explain`.

use assert_cmd::Command;
use smedx::diag::code::registry;
use smedx::text::{Lang, Text};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Kebab-case string literals in src/ that are not diagnostic codes.
const NOT_CODES: &[&str] = &[
    "field-list",          // an XLSForm appearance
    "no-referrer",         // HTTP header values
    "no-store",            //
    "sme-dx-2024",         // the bundled model's id
    "smedx-questionnaire", // the workbook's format name
];

/// Every kebab-case string literal in the non-test code of src/, with the files it is in.
fn kebab_literals() -> BTreeMap<String, BTreeSet<String>> {
    fn walk(dir: &Path, out: &mut BTreeMap<String, BTreeSet<String>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                // Test modules sit at the end of a file; codes in their assertions do not count.
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                for literal in code.split('"').skip(1).step_by(2) {
                    let kebab = literal.contains('-')
                        && literal.split('-').all(|w| {
                            !w.is_empty()
                                && w.chars()
                                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                        })
                        && literal.starts_with(|c: char| c.is_ascii_lowercase());
                    if kebab {
                        out.entry(literal.to_string())
                            .or_default()
                            .insert(path.display().to_string());
                    }
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out
}

#[test]
fn every_code_used_in_src_is_registered() {
    let missing: Vec<String> = kebab_literals()
        .into_iter()
        .filter(|(l, _)| !registry().contains_key(l) && !NOT_CODES.contains(&l.as_str()))
        .map(|(l, files)| {
            format!(
                "{l} (in {})",
                files.into_iter().collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    assert!(
        missing.is_empty(),
        "codes used in src/ but not in src/diag/codes.yaml (add an entry; a literal that is no \
         diagnostic code goes into NOT_CODES here):\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_registered_code_is_used() {
    let used = kebab_literals();
    let unused: Vec<&String> = registry()
        .keys()
        .filter(|c| !used.contains_key(*c))
        .collect();
    assert!(
        unused.is_empty(),
        "entries of src/diag/codes.yaml no code in src/ uses: {unused:?}"
    );
    assert!(
        registry().len() > 80,
        "the registry lost entries: {}",
        registry().len()
    );
}

/// The `{placeholders}` of a template.
fn placeholders(template: &str) -> BTreeSet<&str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(p, _)| p))
        .filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect()
}

#[test]
fn every_entry_is_complete_in_both_languages() {
    for (id, code) in registry() {
        for lang in [Lang::Zh, Lang::En] {
            for (part, text) in [
                ("title", &code.title),
                ("message", &code.message),
                ("meaning", &code.meaning),
                ("fix", &code.fix),
            ] {
                let own = match lang {
                    Lang::Zh => &text.zh,
                    Lang::En => &text.en,
                };
                assert!(!own.trim().is_empty(), "{id}: {part} has no {lang:?} text");
            }
            assert!(
                !code.wrong.get(lang).trim().is_empty(),
                "{id}: no wrong example"
            );
            assert!(
                !code.right.get(lang).trim().is_empty(),
                "{id}: no right example"
            );
            assert_ne!(
                code.wrong.get(lang),
                code.right.get(lang),
                "{id}: examples are the same"
            );
        }
        let zh_has_han = |t: &str| t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        for (part, text) in [
            ("title", &code.title.zh),
            ("meaning", &code.meaning.zh),
            ("fix", &code.fix.zh),
        ] {
            assert!(
                zh_has_han(text),
                "{id}: the Chinese {part} is not Chinese: {text}"
            );
        }
        assert_eq!(
            placeholders(&code.message.zh),
            placeholders(&code.message.en),
            "{id}: the message templates name different placeholders"
        );
    }
}

/// Every template (message, help, help for sheets and forms, and each variant's) in both
/// languages, named for failure messages.
fn templates() -> Vec<(String, &'static Text)> {
    let mut out = Vec::new();
    for (id, code) in registry() {
        let parts = |name: &str,
                     m: Option<&'static Text>,
                     h: Option<&'static Text>,
                     s: Option<&'static Text>,
                     f: Option<&'static Text>| {
            [
                ("message", m),
                ("help", h),
                ("help_sheet", s),
                ("help_form", f),
            ]
            .into_iter()
            .filter_map(move |(p, t)| t.map(|t| (format!("{name}.{p}"), t)))
            .collect::<Vec<_>>()
        };
        out.extend(parts(
            id,
            Some(&code.message),
            Some(&code.help),
            code.help_sheet.as_ref(),
            code.help_form.as_ref(),
        ));
        for (name, v) in &code.variants {
            out.extend(parts(
                &format!("{id}/{name}"),
                v.message.as_ref(),
                v.help.as_ref(),
                v.help_sheet.as_ref(),
                v.help_form.as_ref(),
            ));
        }
    }
    out
}

#[test]
fn every_template_names_the_same_arguments_in_both_languages() {
    for (name, t) in templates() {
        assert!(
            !t.zh.trim().is_empty() && !t.en.trim().is_empty(),
            "{name}: a language is missing"
        );
        assert_eq!(
            placeholders(&t.zh),
            placeholders(&t.en),
            "{name}: Chinese and English fill in different arguments"
        );
    }
}

#[test]
fn chinese_messages_and_form_hints_are_chinese_without_backticks() {
    let han = |t: &str| t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    for (name, t) in templates() {
        let own_words = t.zh.replace(['{', '}'], " ");
        assert!(
            han(&own_words) || t.zh.trim() == "{hint}" || t.zh.trim() == "{reason}",
            "{name}: not Chinese: {}",
            t.zh
        );
        // What the web form and a workbook show has no YAML syntax in it.
        if name.ends_with(".help_form") || name.ends_with(".help_sheet") {
            for text in [&t.zh, &t.en] {
                assert!(!text.contains('`'), "{name}: YAML syntax in {text}");
            }
        }
        if name.ends_with(".message") {
            assert!(
                !t.zh.contains('`'),
                "{name}: a backtick in a Chinese message: {}",
                t.zh
            );
        }
    }
}

/// Variants reported only on YAML files (a model, a catalog, a policy, the long form of an answer)
/// or on the command line.
const YAML_ONLY_VARIANTS: &[&str] = &[
    "bad-region/argument",
    "missing-answer/long_form",
    "unknown-item/catalog_grade",
    "unknown-option/tick",
    "bad-industry-code/prefix",
    "bad-date/policy",
];

/// A variant with a hint of its own brings its hints for workbooks and forms too, when the code has
/// them: else a workbook would be told YAML syntax.
#[test]
fn a_variant_with_its_own_hint_has_one_for_every_route() {
    for (id, code) in registry() {
        for (name, v) in &code.variants {
            let at = format!("{id}/{name}");
            if v.help.is_none() || YAML_ONLY_VARIANTS.contains(&at.as_str()) {
                continue;
            }
            if code.help_sheet.is_some() {
                assert!(v.help_sheet.is_some(), "{at}: no help_sheet");
            }
            if code.help_form.is_some() {
                assert!(v.help_form.is_some(), "{at}: no help_form");
            }
        }
    }
}

/// The string literals inside `.variant(…)` calls of the non-test code of src/.
fn variant_literals() -> BTreeSet<String> {
    fn walk(dir: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                for call in code.split(".variant(").skip(1) {
                    let call = call.split(')').next().unwrap_or_default();
                    out.extend(call.split('"').skip(1).step_by(2).map(str::to_string));
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out
}

#[test]
fn every_variant_used_in_src_is_registered() {
    let known: BTreeSet<&str> = registry()
        .values()
        .flat_map(|c| c.variants.keys().map(String::as_str))
        .collect();
    let used = variant_literals();
    assert!(used.len() > 20, "{used:?}");
    let missing: Vec<&String> = used
        .iter()
        .filter(|v| !known.contains(v.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "variants used in src/ that no entry of src/diag/codes.yaml has: {missing:?}"
    );
}

fn smedx(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("smedx")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (
        out.status.code().unwrap(),
        text(&out.stdout),
        text(&out.stderr),
    )
}

#[test]
fn explain_prints_the_entry_in_chinese_by_default() {
    let (code, out, _) = smedx(&["explain", "wrong-type"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("wrong-type: 值的类型不对\n"), "{out}");
    for heading in ["消息", "含义", "错误示例", "正确示例", "如何修改"] {
        assert!(
            out.contains(&format!("\n{heading}\n    ")),
            "no {heading}:\n{out}"
        );
    }
    assert!(out.contains("employees: 45人"), "{out}");
}

#[test]
fn explain_prints_english_with_lang_en() {
    let (code, out, _) = smedx(&["explain", "--lang", "en", "exclusive-option"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("exclusive-option: Exclusive option chosen with others\n"),
        "{out}"
    );
    assert!(
        out.contains("How to fix\n    If some of the options do apply"),
        "{out}"
    );
    assert!(!out.contains("如何修改"), "{out}");
}

#[test]
fn explain_accepts_the_code_as_printed_in_brackets() {
    let (code, out, _) = smedx(&["explain", "error[duplicate-key]"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("duplicate-key: "), "{out}");
}

#[test]
fn explain_without_a_code_lists_every_code_with_its_title() {
    let (code, out, _) = smedx(&["explain"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), registry().len());
    for (line, (id, entry)) in lines.iter().zip(registry()) {
        assert!(
            line.starts_with(id.as_str()) && line.ends_with(&entry.title.zh),
            "{line}"
        );
    }
    let (_, en, _) = smedx(&["explain", "--lang", "en"]);
    assert!(
        en.lines()
            .any(|l| l.starts_with("yaml-syntax ") && l.ends_with("YAML syntax error")),
        "{en}"
    );
}

#[test]
fn explain_of_an_unknown_code_names_close_codes() {
    let (code, out, err) = smedx(&["explain", "wrng-type"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("错误[unknown-code]: 没有这个诊断代码：“wrng-type”"),
        "{err}"
    );
    assert!(err.contains("提示：相近的代码：wrong-type"), "{err}");
    // A fragment lists every code containing it.
    let (code, _, err) = smedx(&["explain", "--lang", "en", "bands"]);
    assert_eq!(code, 2);
    for c in [
        "bands-gap",
        "bands-overlap",
        "bands-not-ascending",
        "bands-not-monotonic",
    ] {
        assert!(err.contains(c), "{c} missing: {err}");
    }
    let (_, _, err) = smedx(&["explain", "zzzzzz"]);
    assert!(err.contains("`smedx explain` 列出全部代码"), "{err}");
}
