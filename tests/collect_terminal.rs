//! `smedx assess` driven through a pseudo-terminal, as a person would use it: the profile, every
//! item, help, going back, Ctrl-C in the middle (progress is on disk), `--resume`, the review and
//! the score; a closed input; and the refusal when standard input is not a terminal.

#![cfg(unix)]

mod collect_support;

use collect_support::{TempDir, assert_same, check_yaml, model, sample, smedx};
use rexpect::session::{PtySession, spawn_command};
use smedx::answers::{Answer, AnswerSheet, AnswerValue};
use std::process::Command;

/// rexpect reads the terminal byte by byte as Latin-1: compare in that form.
fn raw(s: &str) -> String {
    s.bytes().map(char::from).collect()
}

/// Back from rexpect's form to the text.
fn text(s: &str) -> String {
    String::from_utf8_lossy(&s.chars().map(|c| c as u8).collect::<Vec<_>>()).into_owned()
}

fn start(dir: &std::path::Path, args: &[&str]) -> PtySession {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("smedx"));
    cmd.current_dir(dir).args(args).env("TERM", "dumb");
    spawn_command(cmd, Some(20_000)).expect("smedx starts in a pseudo-terminal")
}

fn expect(p: &mut PtySession, needle: &str) -> String {
    match p.exp_string(&raw(needle)) {
        Ok(before) => text(&before),
        Err(e) => panic!("waiting for `{needle}`: {e}"),
    }
}

/// What a person types for an answer: `B C`, `36/62`, `better`, `na`, with `# note`.
fn typed(a: &Answer) -> String {
    let value = match &a.value {
        AnswerValue::NotApplicable => "na".to_string(),
        AnswerValue::Choice { option } => option.to_lowercase(),
        AnswerValue::Choices { options } => options.join(" "),
        AnswerValue::Number {
            numerator: Some(n),
            denominator: Some(d),
            ..
        } => format!("{n}/{d}"),
        AnswerValue::Number { value, .. } => format!("{value}"),
        AnswerValue::Band { band } => band.clone(),
        AnswerValue::Grade { grade } => grade.to_string(),
        AnswerValue::Trend { trend } => format!("{trend:?}").to_lowercase(),
    };
    match &a.note {
        Some(n) => format!("{value} # {n}"),
        None => value,
    }
}

/// What a person types for each asked profile field, after its title: every field of the table.
fn profile_replies(pr: &smedx::answers::Profile) -> Vec<(String, String)> {
    use serde_json::Value as J;
    let fields = smedx::answers::profile_fields().iter().filter(|f| f.asked);
    fields
        .map(|f| {
            let value = match pr.get(&f.id) {
                J::String(s) => s,
                J::Number(n) => format!("{}", n.as_f64().unwrap()),
                J::Array(l) => l
                    .iter()
                    .filter_map(J::as_str)
                    .collect::<Vec<_>>()
                    .join("、"),
                _ => String::new(),
            };
            (f.title.zh.clone(), value)
        })
        .collect()
}

/// Answer the profile questions with the sample's profile.
fn answer_profile(p: &mut PtySession, s: &AnswerSheet) {
    let fields = profile_replies(&s.profile);
    for (label, value) in fields {
        expect(p, &label);
        expect(p, "> ");
        p.send_line(&value).unwrap();
    }
    expect(p, "→ 行业组: 制造业; 规模: 小型");
}

/// Answer the applicable items from `from` (0-based) up to `to`, from the sample.
fn answer_items(p: &mut PtySession, s: &AnswerSheet, order: &[usize], from: usize, to: usize) {
    let m = model();
    for (k, &i) in order.iter().enumerate().take(to).skip(from) {
        let item = &m.items[i];
        expect(p, &format!("[{}/{}]", k + 1, order.len()));
        expect(p, "> ");
        let a = &s.answers[&item.id];
        p.send_line(&typed(a)).unwrap();
        if a.value != AnswerValue::NotApplicable {
            for field in &item.fields {
                expect(p, "记录：");
                expect(p, "> ");
                let v = a
                    .data
                    .get(&field.id)
                    .map(|v| format!("{v}"))
                    .unwrap_or_default();
                p.send_line(&v).unwrap();
            }
        }
    }
}

fn applicable(s: &AnswerSheet) -> Vec<usize> {
    let m = model();
    (0..m.items.len())
        .filter(|&i| {
            m.items[i]
                .applies_to
                .applies(&s.profile.industry_group, s.profile.size_class)
        })
        .collect()
}

fn progress(dir: &TempDir) -> String {
    std::fs::read_to_string(dir.path("a.yaml")).unwrap()
}

#[test]
fn complete_interrupt_and_resume_in_a_terminal() {
    let dir = TempDir::new("assess");
    let sheet = sample("auto-parts-machining");
    let order = applicable(&sheet);
    assert_eq!(order.len(), 36);

    let mut p = start(&dir.0, &["assess", "-o", "a.yaml"]);
    expect(&mut p, "共 36 题");
    answer_profile(&mut p, &sheet);
    // Help and evidence on request, then a wrong answer is explained and asked again.
    expect(&mut p, "[1/36] 数字化基础 › 设备系统 › 网络建设");
    expect(&mut p, "> ");
    p.send_line("?").unwrap();
    expect(&mut p, "佐证材料：");
    expect(&mut p, "网络拓扑图");
    expect(&mut p, "> ");
    p.send_line("A B").unwrap();
    expect(&mut p, "同时又选了其他选项");
    expect(&mut p, "> ");
    p.send_line("bc # 数控车间DNC工控网和办公网分开，无线仅覆盖办公区")
        .unwrap();
    answer_items(&mut p, &sheet, &order, 1, 12);
    // Interrupted at item 13: every answer so far is on disk.
    expect(&mut p, "[13/36]");
    expect(&mut p, "> ");
    p.send_control('c').unwrap();
    expect(
        &mut p,
        "已中断。答案已保存在 a.yaml；继续：smedx assess --resume a.yaml",
    );
    let status = p.process().wait().unwrap();
    assert!(
        matches!(status, rexpect::process::WaitStatus::Exited(_, 130)),
        "{status:?}"
    );
    let saved = progress(&dir);
    assert!(saved.contains("# smedx assess: 进度 12/36."), "{saved}");
    let node =
        smedx::answers::load_sheet(&smedx::source_file::SourceFile::from_text("a.yaml", &saved))
            .unwrap();
    let Some(smedx::yaml_value::Value::Map(answers)) = node.get("answers").map(|n| &n.value) else {
        panic!("{saved}")
    };
    assert_eq!(answers.len(), 12, "{saved}");

    // Resume: the 13th item is next; go back once, keep the answer, carry on to the end.
    let mut p = start(&dir.0, &["assess", "--resume", "a.yaml"]);
    expect(&mut p, "已从 a.yaml 恢复 12 个答案。");
    expect(&mut p, "[13/36]");
    expect(&mut p, "> ");
    p.send_line("<").unwrap();
    expect(&mut p, "[12/36]");
    expect(&mut p, "[改善 # ");
    expect(&mut p, "] > ");
    p.send_line("").unwrap();
    answer_items(&mut p, &sheet, &order, 12, 36);
    expect(&mut p, "== 核对答案 ==");
    expect(&mut p, " 36. ");
    expect(&mut p, "回车完成 > ");
    // Change one answer in the review, then change it back.
    p.send_line("5").unwrap();
    expect(&mut p, "[5/36]");
    expect(&mut p, "[C] > ");
    p.send_line("c").unwrap();
    expect(&mut p, "回车完成 > ");
    p.send_line("").unwrap();
    expect(&mut p, "答卷已保存到 a.yaml。");
    expect(&mut p, "等级： 一级    评测总分： 50.8 / 100");
    expect(&mut p, "距二级还差");
    let status = p.process().wait().unwrap();
    assert!(
        matches!(status, rexpect::process::WaitStatus::Exited(_, 0)),
        "{status:?}"
    );
    // The file is the sample as answered (the demo flag is not asked).
    let mut expected = sheet.clone();
    expected.profile.synthetic = false;
    assert_same(
        &expected,
        &check_yaml(model(), &progress(&dir)),
        "smedx assess",
    );
}

#[test]
fn a_closed_input_keeps_the_progress() {
    let dir = TempDir::new("assess-eof");
    let mut p = start(&dir.0, &["assess", "-o", "a.yaml", "--lang", "en"]);
    let asked = smedx::answers::profile_fields().iter().filter(|f| f.asked);
    let skip = asked.count() - 6; // the rest of the profile is left blank
    let given = ["Huaxing Machinery", "", "", "C3670", "85", "6000"];
    for value in given.into_iter().chain(std::iter::repeat_n("", skip)) {
        expect(&mut p, "> ");
        p.send_line(value).unwrap();
    }
    expect(&mut p, "[1/36]");
    expect(&mut p, "> ");
    p.send_line("B C").unwrap();
    expect(&mut p, "[2/36]");
    expect(&mut p, "> ");
    p.send_control('d').unwrap();
    expect(&mut p, "Interrupted. The answers are saved in a.yaml");
    let status = p.process().wait().unwrap();
    assert!(
        matches!(status, rexpect::process::WaitStatus::Exited(_, 130)),
        "{status:?}"
    );
    let saved = progress(&dir);
    assert!(saved.contains("network-connectivity: [B, C]"), "{saved}");
    assert!(saved.contains("name: \"Huaxing Machinery\""), "{saved}");
    // Without --resume, the file is not overwritten.
    let mut p = start(&dir.0, &["assess", "-o", "a.yaml"]);
    expect(&mut p, "a.yaml 已经存在");
    expect(&mut p, "smedx assess --resume a.yaml");
}

#[test]
fn without_a_terminal_it_points_to_the_file_routes() {
    let dir = TempDir::new("assess-pipe");
    let run = smedx(&dir.0, &["assess"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("标准输入不是终端"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("smedx template --format xlsx -o 问卷.xlsx")
    );
    assert!(run.stderr.contains("smedx init -o answers.yaml"));
    assert!(run.stderr.contains("smedx template --format csv"));
    let run = smedx(&dir.0, &["assess", "--lang", "en"]);
    assert!(
        run.stderr.contains("standard input is not one"),
        "{}",
        run.stderr
    );
    assert!(!dir.path("answers.yaml").exists(), "nothing written");
}

/// The same engine without a terminal: a producer-services firm skips the production scenarios.
#[test]
fn items_that_do_not_apply_are_skipped() {
    let dir = TempDir::new("assess-engine");
    let sheet = sample("logistics-services");
    let order = applicable(&sheet);
    assert!(order.len() < model().items.len());
    let mut lines: Vec<String> = profile_replies(&sheet.profile)
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    for &i in &order {
        let item = &model().items[i];
        let a = &sheet.answers[&item.id];
        lines.push(typed(a));
        if a.value != AnswerValue::NotApplicable {
            for field in &item.fields {
                lines.push(
                    a.data
                        .get(&field.id)
                        .map(|v| format!("{v}"))
                        .unwrap_or_default(),
                );
            }
        }
    }
    lines.push(String::new()); // finish the review
    let input = std::io::Cursor::new(lines.join("\n") + "\n");
    let mut out = Vec::new();
    let path = dir.path("a.yaml");
    let ending = smedx::collect::terminal::Session::new(
        model(),
        smedx::text::Lang::Zh,
        input,
        &mut out,
        &path,
    )
    .run()
    .unwrap();
    let shown = String::from_utf8(out).unwrap();
    let skipped = model().items.len() - order.len();
    assert!(
        shown.contains(&format!("（{skipped} 题不适用于本企业，已跳过）")),
        "{shown}"
    );
    assert!(shown.contains(&format!("[1/{}]", order.len())));
    assert!(
        !shown.contains("\n工艺设计\n"),
        "a production scenario was asked:\n{shown}"
    );
    assert!(shown.contains("\n产品设计\n"), "{shown}");
    let smedx::collect::terminal::Ending::Done(done) = ending else {
        panic!("not finished:\n{shown}")
    };
    let mut expected = sheet.clone();
    expected.profile.synthetic = false;
    assert_same(&expected, &done, "engine");
    assert_same(
        &expected,
        &check_yaml(model(), &std::fs::read_to_string(&path).unwrap()),
        "file",
    );
}

/// Region and industry found by name in a terminal: the credit code offers its region, `? 温州`
/// lists 温州市, picking it lists its counties, `?` then `通用设备` finds 大类 34.
#[test]
fn region_and_industry_are_found_by_name() {
    let dir = TempDir::new("assess-names");
    let mut p = start(&dir.0, &["assess", "-o", "a.yaml"]);
    expect(&mut p, "企业名称");
    expect(&mut p, "> ");
    p.send_line("瑞安市某泵阀有限公司").unwrap();
    expect(&mut p, "统一社会信用代码");
    expect(&mut p, "> ");
    p.send_line("91330381MA2H8C3NXF").unwrap();
    // The region inside the credit code is offered, with its name.
    expect(&mut p, "行政区划代码");
    expect(
        &mut p,
        "[330381 浙江省温州市瑞安市，取自统一社会信用代码] > ",
    );
    p.send_line("? 温州").unwrap();
    expect(&mut p, "1. 330300 浙江省温州市");
    expect(&mut p, "选择编号（回车返回）> ");
    p.send_line("1").unwrap();
    // 温州市 has counties: they are listed, the city itself as 0.
    expect(&mut p, "0. 330300 浙江省温州市（整个地区）");
    let counties = smedx::answers::names::regions_under("3303");
    let lucheng = counties.iter().position(|r| r.name == "鹿城区").unwrap() + 1;
    expect(&mut p, &format!("{lucheng}. 330302 浙江省温州市鹿城区"));
    expect(&mut p, "选择编号（回车返回）> ");
    p.send_line(&lucheng.to_string()).unwrap();
    expect(&mut p, "→ 330302 浙江省温州市鹿城区");
    // `?` alone: the help, then a search.
    expect(&mut p, "行业代码");
    expect(&mut p, "> ");
    p.send_line("?").unwrap();
    expect(&mut p, "按名称搜索");
    expect(&mut p, "> ");
    p.send_line("通用设备").unwrap();
    expect(&mut p, "1. C34 C 制造业 / 34 通用设备制造业");
    expect(&mut p, "> ");
    p.send_line("1").unwrap();
    expect(&mut p, "→ C34 C 制造业 / 34 通用设备制造业");
    expect(&mut p, "从业人员");
    expect(&mut p, "> ");
    p.send_line("q").unwrap();
    p.exp_eof().unwrap();
    let saved = progress(&dir);
    assert!(saved.contains("region: \"330302\""), "{saved}");
    assert!(saved.contains("industry: \"C34\""), "{saved}");
}

/// Enter keeps the region the credit code offers; a place name where the code is asked is searched.
#[test]
fn the_credit_code_fills_the_region_and_a_name_is_searched() {
    let dir = TempDir::new("assess-prefill");
    let run = |lines: &[&str]| {
        let input = std::io::Cursor::new(lines.join("\n") + "\n");
        let mut out = Vec::new();
        let path = dir.path("a.yaml");
        smedx::collect::terminal::Session::new(
            model(),
            smedx::text::Lang::Zh,
            input,
            &mut out,
            &path,
        )
        .run()
        .unwrap();
        (
            String::from_utf8(out).unwrap(),
            std::fs::read_to_string(&path).unwrap(),
        )
    };
    let (shown, saved) = run(&["某厂", "91330381MA2H8C3NXF", "", "q"]);
    assert!(shown.contains("→ 330381 浙江省温州市瑞安市"), "{shown}");
    assert!(saved.contains("region: \"330381\""), "{saved}");
    // No credit code: nothing offered; `瑞安市` typed as the region is searched and picked.
    let (shown, saved) = run(&["某厂", "", "瑞安市", "1", "五金", "q"]);
    assert!(!shown.contains("取自统一社会信用代码"), "{shown}");
    assert!(shown.contains("1. 330381 浙江省温州市瑞安市"), "{shown}");
    assert!(saved.contains("region: \"330381\""), "{saved}");
    // An industry name that matches nothing is checked as typed, and the search is pointed to.
    assert!(shown.contains("没有找到“五金”"), "{shown}");
    assert!(shown.contains("输入 ? 加名称可按名称搜索"), "{shown}");
}
