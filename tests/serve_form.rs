//! The web questionnaire's forms over HTTP: the profile page refuses a wrong field beside it and
//! reads what owners type (`45人`, a region by name), and a web submission carries everything a
//! YAML sheet can hold (tags, assessor, systems, recorded figures, notes), so the office's
//! breakdowns count it.

mod serve_support;

use serve_support::{Backend, Client, Db, Server, first_answers, report_token};

fn the_web_form_reads_what_owners_type_and_keeps_everything_a_sheet_holds(backend: Backend) {
    let dir = std::env::temp_dir().join(format!(
        "smedx-serve-form-{backend:?}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let Some(db) = Db::new(backend, &dir) else {
        return;
    };
    let server = Server::start(&db, &[]);
    let mut c = Client::new(server.addr);
    assert_eq!(c.get("/").status, 200);
    let r = c.post("/start", &[]);
    let profile = r.header("location").unwrap().to_string();
    let base = profile.trim_end_matches("/profile").to_string();

    let mut fields = vec![
        ("name", "瑞安恒锐汽配有限公司"),
        ("region", "瑞安市"),
        ("industry", "五金"),
        ("employees", "45人"),
        ("revenue", "６０００万元"),
        ("assessor", "王会计"),
        ("existing_systems", "erp"),
        ("existing_systems_other", "钉钉"),
        ("pain_points", "late-delivery"),
        ("tags", "专精特新、规上"),
        ("go", "next"),
    ];
    // A wrong industry: the page comes back with the message beside the field, nothing lost.
    let r = c.post(&profile, &fields);
    assert_eq!(r.status, 422);
    let html = r.text();
    let industry = html.split("id=\"industry\"").nth(1).unwrap();
    let industry = industry.split("class=\"field\"").next().unwrap();
    assert!(
        industry.contains("找不到行业“五金”") && industry.contains("C33 金属制品业"),
        "{industry}"
    );
    let employees = html.split("id=\"employees\"").nth(1).unwrap();
    assert!(
        employees.contains("value=\"45\"") && employees.contains("已按 45 人 保存"),
        "{employees}"
    );
    assert!(
        html.contains("浙江省温州市瑞安市"),
        "the region typed by its name"
    );
    assert!(!html.contains('`'), "no backtick on a Chinese page");

    // Fixed by the industry's name, the next page follows.
    fields[2] = ("industry", "汽车制造业");
    fields[1] = ("region", "330381");
    let r = c.post(&profile, &fields);
    assert_eq!(r.status, 303, "{}", r.text());
    let mut next = r.header("location").unwrap().to_string();
    while next.contains("/page/") {
        let mut answers = first_answers(&c.get(&next).text());
        if answers.iter().any(|(k, _)| k == "a:funding") {
            answers.push(("f:funding:digital-investment".into(), "90万元/年".into()));
            answers.push(("note:funding".into(), "含云服务订阅".into()));
        }
        let pairs: Vec<(&str, &str)> = answers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = c.post(&next, &pairs);
        assert_eq!(r.status, 303);
        next = r.header("location").unwrap().to_string();
    }
    assert_eq!(next, format!("{base}/review"));
    let r = c.post(&format!("{base}/submit"), &[]);
    assert_eq!(r.status, 303, "{}", r.text());
    let edit = base.trim_start_matches("/d/").to_string();
    let report = report_token(&mut c, &edit);

    let sheet = c.get(&format!("/r/{report}/answers.json"));
    assert_eq!(sheet.status, 200);
    let sheet: serde_json::Value = serde_json::from_slice(&sheet.body).unwrap();
    let p = &sheet["profile"];
    assert_eq!(p["industry"], "C36");
    assert_eq!(p["region"], "330381");
    assert_eq!(p["employees"], 45.0);
    assert_eq!(p["revenue"], 6000.0);
    assert_eq!(p["assessor"], "王会计");
    assert_eq!(p["tags"], serde_json::json!(["专精特新", "规上"]));
    assert_eq!(p["existing_systems"], serde_json::json!(["ERP", "钉钉"]));
    assert_eq!(p["pain_points"], serde_json::json!(["交期不准"]));
    let funding = &sheet["answers"]["funding"];
    assert_eq!(funding["data"]["digital-investment"], 90.0);
    assert_eq!(funding["note"], "含云服务订阅");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

on_both_backends!(the_web_form_reads_what_owners_type_and_keeps_everything_a_sheet_holds);
