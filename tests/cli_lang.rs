//! The language of the command line, through the real binary: one global `--lang` (before or after
//! the subcommand), else the locale; `--help` wholly in Chinese or English; `init --example` for
//! people without the source tree; progress bars on a terminal only and a closing line that says
//! what was written, where and how many.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Run smedx in `dir` with `LANG` set as given and the other locale variables removed.
fn smedx_in(dir: &Path, lang_env: &str, args: &[&str]) -> Run {
    let out = Command::cargo_bin("smedx")
        .expect("the smedx binary is built")
        .current_dir(dir)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", lang_env)
        .args(args)
        .output()
        .expect("smedx runs");
    let run = Run {
        code: out.status.code().expect("smedx exited normally"),
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

fn smedx(lang_env: &str, args: &[&str]) -> Run {
    smedx_in(&std::env::temp_dir(), lang_env, args)
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "smedx-lang-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every command path of smedx, from the top-level help.
const COMMANDS: &[&[&str]] = &[
    &[],
    &["validate"],
    &["score"],
    &["schema"],
    &["init"],
    &["report"],
    &["aggregate"],
    &["simulate"],
    &["template"],
    &["import"],
    &["assess"],
    &["export"],
    &["serve"],
    &["user"],
    &["user", "add"],
    &["user", "list"],
    &["user", "passwd"],
    &["user", "remove"],
    &["token"],
    &["token", "add"],
    &["token", "list"],
    &["token", "revoke"],
    &["dump"],
    &["explain"],
];

/// Words a Chinese help may hold in Latin letters: names of products, formats and standards,
/// environment variables, the program and its commands, and the values a user types.
const LATIN_ALLOWED: &[&str] = &[
    // formats, standards, products, protocols
    "JSON",
    "Parquet",
    "DuckDB",
    "Spark",
    "Trino",
    "firm_key",
    "assessed_on",
    "YAML",
    "CSV",
    "HTML",
    "Markdown",
    "Excel",
    "WPS",
    "LibreOffice",
    "ODK",
    "Collect",
    "Central",
    "KoboToolbox",
    "XLSForm",
    "SQLite",
    "PostgreSQL",
    "OpenAPI",
    "API",
    "IP",
    "HTTPS",
    "Cookie",
    "Secure",
    "Schema",
    "Lines",
    "survey",
    "choices",
    "settings", // XLSForm's sheet names
    "Word",
    "typst",
    "Noto",
    "Sans",
    "Source",
    "Han",
    "pdf",
    "docx", // PDF and Word reports, their layout engine and fonts
    // the program, its commands and what it reads from the environment
    "smedx",
    "validate",
    "score",
    "schema",
    "init",
    "report",
    "aggregate",
    "simulate",
    "template",
    "import",
    "assess",
    "export",
    "serve",
    "user",
    "add",
    "list",
    "passwd",
    "remove",
    "token",
    "revoke",
    "dump",
    "explain",
    "help",
    "LC_ALL",
    "LC_MESSAGES",
    "LANG",
    "C",
    "POSIX", // values typed on the command line
    "zh",
    "en",
    "jsonl",
    "parquet",
    "table",
    "json",
    "yaml",
    "human",
    "html",
    "md",
    "province",
    "city",
    "county",
    "industry",
    "size",
    "tag",
    "xlsx",
    "csv",
    "xlsform",
    "model",
    "answers",
    "catalog",
    "policies",
    "tuning",
    "openapi",
    "digital_budget",
    "sme-dx-2024",
    "YYYY-MM-DD",
];

/// The Latin words of a Chinese help that are not flags, placeholders, file names, numbers,
/// acronyms or allowed names: English left untranslated.
fn english_left(help: &str) -> Vec<String> {
    // Code in backticks is typed as written.
    let text: String = help
        .split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(_, s)| s)
        .collect::<Vec<_>>()
        .join(" ");
    let mut left = Vec::new();
    for token in text.split(|c: char| !c.is_ascii_graphic() || c == ',') {
        let word = token.trim_matches(|c: char| "()[];:!?\"'".contains(c));
        let skip = word.is_empty()
            || word.starts_with('-')
            || word.starts_with('<')
            || word.starts_with('[')
            || word.contains('.')
            || word.contains('/')
            || word.contains('=')
            || !word.chars().any(|c| c.is_ascii_alphabetic())
            || word.chars().all(|c| !c.is_ascii_lowercase())
            || LATIN_ALLOWED.contains(&word);
        if !skip {
            left.push(word.to_string());
        }
    }
    left
}

#[test]
fn help_is_chinese_under_a_chinese_locale_for_every_command() {
    for path in COMMANDS {
        for flag in ["--help", "-h"] {
            let args: Vec<&str> = path.iter().copied().chain([flag]).collect();
            let run = smedx("zh_CN.UTF-8", &args);
            assert_eq!(run.code, 0, "smedx {args:?}: {}", run.stderr);
            let help = &run.stdout;
            assert!(help.contains("用法: smedx"), "smedx {args:?}:\n{help}");
            assert!(help.contains("显示帮助"), "smedx {args:?}:\n{help}");
            for english in [
                "Usage",
                "Options",
                "Arguments",
                "Commands",
                "Print",
                "default",
            ] {
                assert!(
                    !help.contains(english),
                    "`{english}` in smedx {args:?}:\n{help}"
                );
            }
            let left = english_left(help);
            assert!(
                left.is_empty(),
                "English left in `smedx {}` (translate it in src/cli/help-zh.yaml): {left:?}\n{help}",
                args.join(" ")
            );
        }
    }
    // The `help` command, which lists every command again and itself.
    for args in [
        &["help", "help"][..],
        &["help", "score"],
        &["user", "help", "add"],
    ] {
        let run = smedx("zh_CN.UTF-8", args);
        assert_eq!(run.code, 0, "smedx {args:?}: {}", run.stderr);
        assert!(run.stdout.contains("用法: smedx"), "{}", run.stdout);
        let left = english_left(&run.stdout);
        assert!(left.is_empty(), "smedx {args:?}: {left:?}\n{}", run.stdout);
    }
}

#[test]
fn english_left_finds_an_untranslated_sentence() {
    // The check above must be able to fail.
    assert_eq!(
        english_left("  -o, --output <OUTPUT>  Write to this file（默认：标准输出）"),
        ["Write", "to", "this", "file"]
    );
    assert!(
        english_left("  --by <BY>  分组方式（可选：province、city；默认：province,city）")
            .is_empty()
    );
    assert!(
        english_left("答卷（YAML 或 JSON），例如 `smedx init --example -o example.yaml`")
            .is_empty()
    );
}

#[test]
fn top_level_and_score_help_follow_locale_and_flag() {
    let zh = smedx("zh_CN.UTF-8", &["--help"]);
    assert!(
        zh.stdout.contains("中小企业数字化转型成熟度评估"),
        "{}",
        zh.stdout
    );
    assert!(zh.stdout.contains("命令:") && zh.stdout.contains("选项:"));
    assert!(zh.stdout.contains("为答卷计分"), "{}", zh.stdout);
    assert!(zh.stdout.contains("smedx init --example -o example.yaml"));

    let score = smedx("zh_CN.UTF-8", &["score", "--help"]);
    assert!(score.stdout.contains("参数:"), "{}", score.stdout);
    assert!(
        score.stdout.contains("- table：在终端阅读的摘要"),
        "{}",
        score.stdout
    );
    assert!(score.stdout.contains("默认：human"), "{}", score.stdout);

    // `--lang en` beats the locale, before or after the subcommand, with or without `=`.
    for args in [
        &["--lang", "en", "score", "--help"][..],
        &["score", "--help", "--lang", "en"],
        &["score", "--lang=en", "--help"],
    ] {
        let en = smedx("zh_CN.UTF-8", args);
        assert_eq!(en.code, 0, "{args:?}: {}", en.stderr);
        assert!(
            en.stdout.contains("Usage: smedx score"),
            "{args:?}: {}",
            en.stdout
        );
        assert!(en.stdout.contains("Score an answer sheet"), "{}", en.stdout);
        assert!(en.stdout.contains("[default: human]"), "{}", en.stdout);
        assert!(!en.stdout.contains("为答卷计分"), "{}", en.stdout);
    }
    // An English locale gets English, `--lang zh` Chinese; any other locale Chinese.
    let en = smedx("en_US.UTF-8", &["--help"]);
    assert!(en.stdout.contains("Usage: smedx") && en.stdout.contains("Print help"));
    let zh = smedx("en_US.UTF-8", &["score", "-h", "--lang", "zh"]);
    assert!(zh.stdout.contains("用法: smedx score"), "{}", zh.stdout);
    let c = smedx("C", &["-h"]);
    assert!(c.stdout.contains("用法: smedx"), "{}", c.stdout);
    // LC_ALL comes before LANG.
    let out = Command::cargo_bin("smedx")
        .unwrap()
        .env("LC_ALL", "en_GB.UTF-8")
        .env("LANG", "zh_CN.UTF-8")
        .arg("-h")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: smedx"));
}

#[test]
fn a_wrong_language_is_a_usage_error() {
    let run = smedx("zh_CN.UTF-8", &["score", "x.yaml", "--lang", "fr"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("fr"), "{}", run.stderr);
}

#[test]
fn the_language_flag_reaches_the_command_before_or_after_it() {
    let dir = TempDir::new("flag");
    let run = smedx_in(
        &dir.0,
        "zh_CN.UTF-8",
        &["init", "--example", "-o", "example.yaml"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let en_after = smedx_in(
        &dir.0,
        "zh_CN.UTF-8",
        &["score", "example.yaml", "--lang", "en"],
    );
    let en_before = smedx_in(
        &dir.0,
        "zh_CN.UTF-8",
        &["--lang", "en", "score", "example.yaml"],
    );
    let en_locale = smedx_in(&dir.0, "en_US.UTF-8", &["score", "example.yaml"]);
    assert!(en_after.stdout.contains("Level:"), "{}", en_after.stdout);
    assert_eq!(en_after.stdout, en_before.stdout);
    assert_eq!(en_after.stdout, en_locale.stdout);
    let zh = smedx_in(&dir.0, "zh_CN.UTF-8", &["score", "example.yaml"]);
    assert!(zh.stdout.contains("等级："), "{}", zh.stdout);
}

#[test]
fn init_example_writes_a_sample_that_scores_without_the_source_tree() {
    let dir = TempDir::new("example");
    let run = smedx_in(
        &dir.0,
        "zh_CN.UTF-8",
        &["init", "--example", "-o", "example.yaml"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "已写入示例答卷（虚构企业）：example.yaml；试一试：smedx score example.yaml\n"
    );
    let text = std::fs::read_to_string(dir.0.join("example.yaml")).unwrap();
    assert!(
        text.starts_with("# yaml-language-server: $schema=./answers.schema.json\n"),
        "{}",
        &text[..200]
    );
    assert!(!text.contains("../"), "no path into the source tree");
    let score = smedx_in(&dir.0, "zh_CN.UTF-8", &["score", "example.yaml"]);
    assert_eq!(score.code, 0, "{}", score.stderr);
    assert!(
        score
            .stdout
            .contains("等级： 一级    评测总分： 50.8 / 100"),
        "{}",
        score.stdout
    );
    // The same sample as the repository's, so its score is the documented one.
    let sample = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("questionnaires/examples/auto-parts-machining.yaml"),
    )
    .unwrap();
    let body = |t: &str| {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(body(&text), body(&sample));

    // Never over an existing file; a model of one's own is refused with the sample.
    let again = smedx_in(
        &dir.0,
        "zh_CN.UTF-8",
        &["init", "--example", "-o", "example.yaml"],
    );
    assert_eq!(again.code, 2, "{}", again.stderr);
    let with_model = smedx_in(
        &dir.0,
        "zh_CN.UTF-8",
        &["init", "--example", "-m", "my.yaml"],
    );
    assert_eq!(with_model.code, 2, "{}", with_model.stderr);

    let blank = smedx_in(&dir.0, "en_US.UTF-8", &["init", "-o", "blank.yaml"]);
    assert_eq!(blank.code, 0, "{}", blank.stderr);
    assert!(
        blank
            .stderr
            .starts_with("Wrote a blank answer sheet (sme-dx-2024, ")
            && blank
                .stderr
                .ends_with(" to blank.yaml; once filled: smedx score blank.yaml\n"),
        "{}",
        blank.stderr
    );
}

#[test]
fn long_commands_end_with_what_they_wrote_and_draw_no_bar_off_a_terminal() {
    let dir = TempDir::new("closing");
    let run = smedx_in(
        &dir.0,
        "zh_CN.UTF-8",
        &["simulate", "-n", "300", "-o", "s.jsonl"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "已写入 300 家模拟企业的答卷（第 1 轮）：s.jsonl。\n"
    );
    let lines = std::fs::read_to_string(dir.0.join("s.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 300);

    let run = smedx_in(
        &dir.0,
        "zh_CN.UTF-8",
        &["aggregate", "s.jsonl", "-o", "s.json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    // What was suppressed and why (also with -o), then the closing line; no bar.
    assert!(
        run.stderr
            .starts_with("为防识别单个企业，以下内容已隐去：\n  ")
            && run
                .stderr
                .ends_with("\n已写入 300 家企业的汇总：s.json。\n")
            && !run.stderr.contains('\r'),
        "{}",
        run.stderr
    );

    let run = smedx_in(
        &dir.0,
        "en_US.UTF-8",
        &[
            "aggregate",
            "s.jsonl",
            "-o",
            "s.html",
            "--benchmark",
            "b.json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("Suppressed so that no single firm can be identified:\n  ")
            && run.stderr.ends_with(
                "\nWrote the summary of 300 firm(s) to s.html; peer percentiles to b.json.\n"
            ),
        "{}",
        run.stderr
    );
    assert!(dir.0.join("b.json").is_file() && dir.0.join("s.html").is_file());

    // A summary on standard output still says how many it covers, on standard error.
    let run = smedx_in(&dir.0, "zh_CN.UTF-8", &["aggregate", "s.jsonl"]);
    assert!(run.stdout.contains("企业数： 300"), "{}", run.stdout);
    assert!(
        run.stderr
            .starts_with("为防识别单个企业，以下内容已隐去：\n")
            && run
                .stderr
                .ends_with("\n已写入 300 家企业的汇总：标准输出。\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_terminal_sees_a_progress_bar_then_the_closing_line() {
    use rexpect::session::spawn_command;
    let dir = TempDir::new("bar");
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("smedx"));
    cmd.current_dir(&dir.0)
        .env("TERM", "xterm")
        .env("LANG", "zh_CN.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .args(["simulate", "-n", "2000", "-o", "s.jsonl"]);
    let mut p = spawn_command(cmd, Some(120_000)).expect("smedx starts in a pseudo-terminal");
    // rexpect reads bytes as Latin-1 characters.
    let raw = |s: &str| -> String { s.bytes().map(char::from).collect() };
    let before = p
        .exp_string(&raw("已写入 2000 家模拟企业的答卷（第 1 轮）：s.jsonl。"))
        .expect("the closing line");
    let before =
        String::from_utf8_lossy(&before.chars().map(|c| c as u8).collect::<Vec<_>>()).into_owned();
    assert!(
        before.contains("/2000 家企业"),
        "no progress bar on the terminal: {before:?}"
    );
}

#[test]
fn command_line_mistakes_are_told_in_the_language_too() {
    let run = smedx("zh_CN.UTF-8", &["score"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("错误：缺少必需的参数：\n  <ANSWERS>\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("用法: smedx score <ANSWERS>"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());

    let run = smedx("zh_CN.UTF-8", &["scor", "x.yaml"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("没有命令 `scor`"), "{}", run.stderr);
    assert!(run.stderr.contains("相近的写法 `score`"), "{}", run.stderr);

    let run = smedx("zh_CN.UTF-8", &["score", "x.yaml", "--format", "xml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("参数 `--format <FORMAT>` 的值 `xml` 无效\n  （可选：table、json、yaml）"),
        "{}",
        run.stderr
    );
    let run = smedx("zh_CN.UTF-8", &["report", "x.yaml", "--budget", "lots"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("的值 `lots` 无效：预算写每年多少万元"),
        "{}",
        run.stderr
    );
    let run = smedx("zh_CN.UTF-8", &["init", "--example", "--model", "my.yaml"]);
    assert!(
        run.stderr
            .contains("参数 `--example` 不能与 `--model <MODEL>` 同时使用"),
        "{}",
        run.stderr
    );
    // No English sentence left in those messages.
    for args in [
        &["score"][..],
        &["scor"],
        &["score", "x", "--fromat", "json"],
    ] {
        let run = smedx("zh_CN.UTF-8", args);
        assert_eq!(run.code, 2);
        for english in ["error:", "Usage", "tip:", "For more information"] {
            assert!(!run.stderr.contains(english), "{args:?}: {}", run.stderr);
        }
    }

    let run = smedx("en_US.UTF-8", &["score"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("the following required arguments were not provided"),
        "{}",
        run.stderr
    );
}
