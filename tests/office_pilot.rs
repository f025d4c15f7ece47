//! The office headline of a pilot city, worked out by hand on eleven firms: share at 二级 and above
//! per pilot sub-industry for 规上 SMEs and all SMEs, large firms apart, 专精特新 levels, the change
//! since the previous round, coverage against a roster, and the disclosure of the demand totals.
//!
//! Firms are `smedx score --format json` results (level given), so every figure below follows from
//! the table in `firms()` alone. 厦门 (3502) is a pilot with sub-industries C397, C382, C358 and a
//! target of 90% (questionnaires/policies/xiamen-350200.yaml); 杭州 (3301) a pilot without listed
//! sub-industries. 规上 for manufacturing: revenue ≥ 2000万元, or a declared tag.

mod serve_support;

use assert_cmd::Command;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn code(n: u32) -> String {
    smedx::answers::credit_code::with_check_digit(&format!("91350203MA2Y{n:05}")).unwrap()
}

/// (n, region, industry, revenue 万元, size, level now, level in the previous round, tags)
type Row = (
    u32,
    &'static str,
    &'static str,
    f64,
    &'static str,
    u8,
    Option<u8>,
    &'static [&'static str],
);

fn firms() -> Vec<Row> {
    vec![
        (1, "350203", "C3971", 3000.0, "medium", 2, Some(1), &[]),
        (2, "350203", "C3971", 2500.0, "medium", 1, Some(1), &[]),
        (3, "350203", "C3971", 100.0, "small", 3, Some(2), &["规上"]),
        (4, "350203", "C3971", 500.0, "small", 2, Some(1), &[]),
        (5, "350203", "C3824", 5000.0, "medium", 2, Some(2), &[]),
        (6, "350203", "C3824", 2100.0, "medium", 0, Some(1), &[]),
        (7, "350203", "C3824", 300.0, "small", 1, Some(0), &[]),
        (8, "350203", "C3824", 90000.0, "large", 4, None, &[]),
        (9, "350203", "C1431", 100.0, "small", 1, None, &["专精特新"]),
        (
            10,
            "330106",
            "C3670",
            3000.0,
            "medium",
            2,
            None,
            &["创新型中小企业", "专精特新"],
        ),
        (11, "330106", "C3670", 100.0, "micro", 1, None, &["小巨人"]),
    ]
}

fn line(r: &Row, level: u8) -> String {
    let (n, region, industry, revenue, size, _, _, tags) = r;
    json!({
        "model": {"id": "sme-dx-2024"},
        "level": level,
        "level_score": 20.0 * f64::from(level),
        "profile": {
            "name": format!("企业{n}"),
            "credit_code": code(*n),
            "region": region,
            "industry": industry,
            "revenue": revenue,
            "size_class": size,
            "tags": tags,
        }
    })
    .to_string()
}

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let p = std::env::temp_dir().join(format!("smedx-office-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Dir(p)
    }
    fn path(&self, f: &str) -> String {
        self.0.join(f).display().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write_rounds(dir: &Dir) {
    let now: Vec<String> = firms().iter().map(|r| line(r, r.5)).collect();
    let before: Vec<String> = firms()
        .iter()
        .filter_map(|r| r.6.map(|l| line(r, l)))
        .collect();
    std::fs::write(dir.path("now.jsonl"), now.join("\n") + "\n").unwrap();
    std::fs::write(dir.path("before.jsonl"), before.join("\n") + "\n").unwrap();
    // The roster: firms 1–7 and two that have not assessed (丁, 戊), one with a 规上 flag.
    let mut roster = String::from("统一社会信用代码,企业名称,地区,行业,规上\n");
    for r in firms().iter().take(7) {
        roster.push_str(&format!("{},企业{},{},{},\n", code(r.0), r.0, r.1, r.2));
    }
    roster.push_str(&format!("{},丁,350203,C3971,是\n", code(90)));
    roster.push_str(&format!("{},戊,350206,C3824,否\n", code(91)));
    std::fs::write(dir.path("roster.csv"), roster).unwrap();
}

fn smedx(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("smedx")
        .unwrap()
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env("SMEDX_LANG", "zh")
        .args(args)
        .output()
        .unwrap()
}

fn summary(dir: &Dir, extra: &[&str]) -> Value {
    let out = dir.path("s.json");
    let mut args: Vec<&str> = Vec::new();
    let now = dir.path("now.jsonl");
    let before = dir.path("before.jsonl");
    let roster = dir.path("roster.csv");
    args.extend([
        "aggregate",
        now.as_str(),
        "--min-group",
        "2",
        "--previous",
        before.as_str(),
        "--roster",
        roster.as_str(),
        "--force",
        "-o",
        out.as_str(),
    ]);
    args.extend(extra);
    let run = smedx(&args);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap()
}

fn pilot<'a>(s: &'a Value, id: &str) -> &'a Value {
    s["headline"]["pilots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["policy"] == id)
        .unwrap_or_else(|| panic!("pilot {id} in {}", s["headline"]))
}

fn row<'a>(p: &'a Value, key: &str) -> &'a Value {
    p["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("row {key} in {p}"))
}

#[test]
fn the_pilot_headline_matches_the_figures_worked_out_by_hand() {
    let dir = Dir::new("headline");
    write_rounds(&dir);
    let s = summary(&dir, &[]);
    let xm = pilot(&s, "xiamen-350200");
    assert_eq!(xm["target_share"], 0.9);
    assert_eq!(xm["target_date"], "2025-12-31");

    // C397: 规上 = firms 1, 2 (revenue ≥ 2000) and 3 (tag); at 二级+: 1 and 3. All SMEs add firm 4
    // (at 二级). Previous round: 规上 at 二级+ only firm 3; all SMEs only firm 3.
    let c397 = row(xm, "C397");
    let above = &c397["above_scale"];
    assert_eq!(
        (above["n"].as_u64(), above["at_target"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(above["share"], 0.6667);
    // 90% of 3 firms is 2.7: all three must be there, one is missing.
    assert_eq!(above["short_of_target"], 1);
    assert_eq!(above["previous_share"], 0.3333);
    assert_eq!(above["change_points"], 33.3);
    let all = &c397["all_smes"];
    assert_eq!(
        (all["n"].as_u64(), all["at_target"].as_u64()),
        (Some(4), Some(3))
    );
    assert_eq!(
        (all["share"].as_f64(), all["previous_share"].as_f64()),
        (Some(0.75), Some(0.25))
    );
    assert_eq!(all["change_points"], 50.0);

    // C382: 规上 firms 5 and 6 (one at 二级); firm 7 规下; firm 8 is large: never among SMEs.
    let c382 = row(xm, "C382");
    assert_eq!(c382["above_scale"]["n"], 2);
    assert_eq!(c382["above_scale"]["share"], 0.5);
    assert_eq!(c382["above_scale"]["change_points"], 0.0);
    assert_eq!(c382["all_smes"]["n"], 3);
    assert_eq!(c382["below_scale"]["suppressed"], true, "firm 7 alone");
    assert_eq!(
        c382["large"]["suppressed"], true,
        "one large firm: fewer than 2"
    );
    // C358: nobody.
    assert_eq!(row(xm, "C358")["all_smes"]["suppressed"], true);

    // The whole of 厦门: SMEs 1–7 and 9; at 二级+: 1, 3, 4, 5.
    let whole = row(xm, "3502");
    assert_eq!(whole["all_smes"]["n"], 8);
    assert_eq!(whole["all_smes"]["share"], 0.5);
    assert_eq!(whole["above_scale"]["n"], 5);
    assert_eq!(whole["above_scale"]["share"], 0.6);
    assert_eq!(whole["below_scale"]["n"], 3);

    // 杭州 lists no sub-industries: only its whole region.
    let hz = pilot(&s, "hangzhou-330100");
    assert_eq!(hz["sub_industries_known"], false);
    assert_eq!(hz["rows"].as_array().unwrap().len(), 1);
    assert_eq!(row(hz, "3301")["all_smes"]["n"], 2);

    // All firms: ten SMEs (firm 8 apart), five at 二级+.
    let every = &s["headline"]["all"];
    assert_eq!(every["all_smes"]["n"], 10);
    assert_eq!(every["all_smes"]["share"], 0.5);
    assert_eq!(every["large"]["suppressed"], true);

    // 专精特新 levels: firms 9 and 10 (10 also declares 创新型, the higher level counts).
    let spec = s["headline"]["specialised"].as_array().unwrap();
    let level = |id: &str| spec.iter().find(|r| r["key"] == id).unwrap();
    assert_eq!(level("specialised")["all_smes"]["n"], 2);
    assert_eq!(level("specialised")["all_smes"]["share"], 0.5);
    assert_eq!(level("innovative")["all_smes"]["suppressed"], true);

    // Coverage: 9 expected, 7 assessed; firms 8–11 are not on the roster.
    let cov = &s["coverage"];
    assert_eq!(
        (cov["expected"].as_u64(), cov["assessed"].as_u64()),
        (Some(9), Some(7))
    );
    assert_eq!(cov["not_on_roster"], 4);
    let county = cov["by_county"].as_array().unwrap();
    assert_eq!(county[0]["key"], "350203");
    assert_eq!(
        (
            county[0]["expected"].as_u64(),
            county[0]["assessed"].as_u64()
        ),
        (Some(8), Some(7))
    );
    assert_eq!(county[1]["assessed"], 0);
    assert!(cov.get("not_assessed").is_none(), "names only with --named");
}

#[test]
fn named_lists_the_firms_not_assessed_and_those_that_went_down() {
    let dir = Dir::new("named");
    write_rounds(&dir);
    let s = summary(&dir, &["--named"]);
    let missing: Vec<&str> = s["coverage"]["not_assessed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["丁", "戊"]);
    let down: Vec<&str> = s["rounds"]["went_down_firms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(down, ["企业6"]);
}

#[test]
fn region_and_industry_filters_keep_only_their_firms() {
    let dir = Dir::new("filters");
    write_rounds(&dir);
    let s = summary(&dir, &["--region", "厦门市", "--industry", "C38"]);
    // Firms 5–8 (8 is large).
    assert_eq!(s["records"], 4);
    assert_eq!(s["filters"]["region"], "3502");
    assert_eq!(s["headline"]["all"]["all_smes"]["n"], 3);
    let bad = smedx(&[
        "aggregate",
        "questionnaires/examples",
        "--region",
        "夏门不存在",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--region"));
}

#[test]
fn a_bad_roster_row_is_refused_with_file_and_line() {
    let dir = Dir::new("roster");
    write_rounds(&dir);
    let roster = dir.path("bad.csv");
    std::fs::write(
        &roster,
        format!(
            "统一社会信用代码,企业名称,地区\n{},甲,350203\n123,乙,厦门\n",
            code(1)
        ),
    )
    .unwrap();
    let now = dir.path("now.jsonl");
    let run = smedx(&["aggregate", &now, "--roster", &roster]);
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("bad.csv") && err.contains("第 3 行"), "{err}");
}

#[test]
fn the_dashboard_shows_coverage_of_the_office_region_only() {
    let dir = Dir::new("serve");
    write_rounds(&dir);
    let db = dir.0.join("smedx.db");
    let roster = dir.path("roster.csv");
    // The roster has nine 厦门 firms; a 杭州 office sees none of them.
    std::fs::write(
        &roster,
        std::fs::read_to_string(&roster).unwrap()
            + &format!("{},杭州甲,330106,C3670,是\n", code(95)),
    )
    .unwrap();
    let server = serve_support::Server::start(&db, &["--roster", &roster]);
    for (region, name) in [("3502", "xm"), ("3301", "hz")] {
        let mut add = std::process::Command::new(env!("CARGO_BIN_EXE_smedx"))
            .args(["user", "add", "--region", region, name, "--db"])
            .arg(&db)
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        use std::io::Write;
        let _ = add.stdin.take().unwrap().write_all(b"a-long-password\n");
        assert!(add.wait().unwrap().success());
    }
    for (name, expected) in [("xm", "0 / 9"), ("hz", "0 / 1")] {
        let mut c = serve_support::Client::new(server.addr);
        assert_eq!(c.get("/office/login").status, 200);
        let r = c.post(
            "/office/login",
            &[("name", name), ("password", "a-long-password")],
        );
        assert_eq!(r.status, 303);
        let page = c.get("/office").text();
        assert!(page.contains("名单覆盖"), "{page}");
        assert!(page.contains(expected), "{name}: {expected} in {page}");
        assert!(!page.contains("<script"), "no script on the dashboard");
        // No firm of the roster is named on the dashboard.
        assert!(!page.contains("杭州甲") && !page.contains("企业1"));
    }
}

/// The office outputs follow the model's shape: OWASP SAMM has three levels and two functions.
#[test]
fn the_office_summary_of_the_samm_model_follows_its_shape() {
    use calamine::Reader;
    let dir = Dir::new("samm");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model_file = root.join("tests/fixtures/models/owasp-samm.yaml");
    let model =
        smedx::model::load_model(&smedx::source_file::SourceFile::read(&model_file).unwrap())
            .model
            .expect("the SAMM fixture loads");
    let yaml: Value = serde_saphyr::from_str(
        &std::fs::read_to_string(root.join("tests/fixtures/answers/samm-example.yaml")).unwrap(),
    )
    .unwrap();
    let all = |option: &str| {
        Value::Object(
            model
                .items
                .iter()
                .map(|i| (i.id.clone(), json!(option)))
                .collect(),
        )
    };
    let lines: Vec<String> = [
        ("example", yaml["answers"].clone()),
        ("most", all("most")),
        ("none", all("none")),
    ]
    .iter()
    .map(|(name, answers)| {
        json!({"model": model.id, "model_version": model.version, "profile": {"name": name, "region": "350203", "industry": "I6510"}, "answers": answers})
            .to_string()
    })
    .collect();
    std::fs::write(dir.path("samm.jsonl"), lines.join("\n") + "\n").unwrap();
    let model_arg = model_file.to_str().unwrap();
    for ext in ["html", "xlsx"] {
        let out = dir.path(&format!("s.{ext}"));
        let run = smedx(&[
            "aggregate",
            &dir.path("samm.jsonl"),
            "--model",
            model_arg,
            "--min-group",
            "1",
            "-o",
            &out,
        ]);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        if ext == "html" {
            let html = std::fs::read_to_string(&out).unwrap();
            // Levels 0–3: 未达一级 (none), 一级 (example), 三级 (most); no fourth level.
            assert!(html.contains("三级") && !html.contains("四级"), "{html}");
            for d in &model.dimensions {
                assert!(html.contains(&d.title.zh), "dimension {} shown", d.id);
            }
            // The headline counts the three firms: one (most) at 二级 and above.
            assert!(html.contains("33.3%"), "{html}");
        } else {
            let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&out).unwrap();
            let overview = wb.worksheet_range("总览").unwrap();
            let labels: Vec<String> = overview.rows().map(|r| r[0].to_string()).collect();
            assert!(labels.contains(&"三级".to_string()));
            assert!(!labels.contains(&"四级".to_string()));
            let firms = overview.rows().find(|r| r[0] == "企业数").unwrap();
            assert_eq!(firms[1], calamine::Data::Float(3.0), "a number, not text");
            let share = overview
                .rows()
                .find(|r| r[0].to_string().starts_with("二级及以上占比"))
                .unwrap();
            assert!(matches!(share[1], calamine::Data::Float(x) if (x - 0.3333).abs() < 1e-9));
        }
    }
}
