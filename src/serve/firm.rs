//! The firm's path: start → profile → one page per dimension → review → submit → the firm's page
//! (`links`) and downloads. No account: the edit link (128 random bits) is the firm's key; the
//! report link opens the report only.

use super::auth::{is_token, random_token};
use super::guard::{self, CsrfToken};
use super::links;
use super::profile_form as pf;
use super::questionnaire as q;
use super::storage::{DraftLinks, NewSubmission};
use super::{AppState, blocking, internal, lang_of, now};
use crate::answers::AnswerSheet;
use crate::diag::{Diagnostic, Location};
use crate::report::ReportFormat;
use crate::roadmap::PlanRequest;
use crate::text::{Lang, Text};
use axum::Extension;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Serialize;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;

type St = State<Arc<AppState>>;

/// Any serializable value for a template context.
pub(super) fn val<T: Serialize>(x: T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(x))
}
type FormPairs = axum::Form<Vec<(String, String)>>;

/// The steps of the questionnaire, for the navigation bar.
#[derive(Serialize)]
pub(super) struct Step {
    href: String,
    title: Text,
    current: bool,
}

pub(super) fn steps(st: &AppState, token: &str, current: &str) -> Vec<Step> {
    let mut out = vec![Step {
        href: format!("/d/{token}/profile"),
        title: Text::new("企业信息", "Profile"),
        current: current == "profile",
    }];
    for (i, d) in st.model.dimensions.iter().enumerate() {
        let n = (i + 1).to_string();
        out.push(Step {
            href: format!("/d/{token}/page/{n}"),
            title: d.title.clone(),
            current: current == n,
        });
    }
    out.push(Step {
        href: format!("/d/{token}/review"),
        title: Text::new("检查并提交", "Review and submit"),
        current: current == "review",
    });
    out.push(Step {
        href: format!("/d/{token}"),
        title: Text::new("链接与取回码", "Links and recovery code"),
        current: current == "links",
    });
    out
}

pub(super) fn not_found(st: &AppState, lang: Lang) -> Response {
    st.fail(
        lang,
        StatusCode::NOT_FOUND,
        "找不到该链接：请检查地址是否完整。",
        "No such link: check that the address is complete.",
    )
}

fn too_many(st: &AppState, lang: Lang) -> Response {
    let en = "Too many submissions from your network: try again in a minute.";
    retry_later(st, lang, "提交过于频繁，请一分钟后再试。", en)
}

/// 429 Too Many Requests saying `zh` / `en`, to try again in a minute.
pub(super) fn retry_later(st: &AppState, lang: Lang, zh: &str, en: &str) -> Response {
    let mut r = st.fail(lang, StatusCode::TOO_MANY_REQUESTS, zh, en);
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    r
}

/// The draft behind a link, or the response to send instead.
async fn load_draft(st: &Arc<AppState>, token: &str, lang: Lang) -> Result<Value, Response> {
    if !is_token(token) {
        return Err(not_found(st, lang));
    }
    let (s, t) = (st.clone(), token.to_string());
    match blocking(move || s.storage.draft(&t)).await {
        Ok(Some(text)) => serde_json::from_str(&text).map_err(|e| internal(e.into())),
        Ok(None) => Err(not_found(st, lang)),
        Err(e) => Err(internal(e)),
    }
}

/// Longest text accepted in one form field, in characters (the body limit caps the whole form).
pub const MAX_FIELD_CHARS: usize = 2000;

/// The refusal of a draft save that comes too often from one client, or with a field too long to
/// be an answer.
fn refuse_save(
    st: &AppState,
    lang: Lang,
    peer: SocketAddr,
    form: &[(String, String)],
) -> Option<Response> {
    if !st.save_limiter.allow(peer.ip()) {
        return Some(too_many(st, lang));
    }
    if let Some((k, _)) = form
        .iter()
        .find(|(_, v)| v.chars().count() > MAX_FIELD_CHARS)
    {
        let zh = format!("字段 {k} 过长：最多 {MAX_FIELD_CHARS} 个字符，请缩短后再保存。");
        let en = format!(
            "Field {k} is too long: at most {MAX_FIELD_CHARS} characters; shorten it and save again."
        );
        return Some(st.fail(lang, StatusCode::PAYLOAD_TOO_LARGE, &zh, &en));
    }
    None
}

async fn save_draft(st: &Arc<AppState>, token: &str, draft: &Value) -> Result<(), Response> {
    let (s, t, text) = (st.clone(), token.to_string(), draft.to_string());
    match blocking(move || s.storage.save_draft(&t, &text, now())).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(StatusCode::NOT_FOUND.into_response()),
        Err(e) => Err(internal(e)),
    }
}

pub async fn start_page(
    State(st): St,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
) -> Response {
    let lang = lang_of(&headers);
    st.page(
        lang,
        "serve_start.html",
        context! { csrf => csrf.0, lang => lang.code(), here => "/", model => context! {
            title => val(&st.model.title), version => st.model.version.clone(),
        }, dimensions => val(st.model.dimensions.iter().map(|d| &d.title).collect::<Vec<_>>()) },
    )
}

/// Create a draft and go to its first page.
pub async fn start(
    State(st): St,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&headers);
    if !st.limiter.allow(peer.ip()) {
        return too_many(&st, lang);
    }
    // Three independent tokens: the identity never leaves the server, and neither link can be
    // derived from the other.
    let links = match (random_token(), random_token(), random_token()) {
        (Ok(firm), Ok(edit), Ok(report)) => DraftLinks { firm, edit, report },
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return internal(e),
    };
    let draft = q::new_draft(&st.model, &crate::collect::cells::today()).to_string();
    let (s, l, client) = (st.clone(), links.clone(), peer.ip().to_string());
    let caps = st.drafts;
    let made = blocking(move || {
        let (mine, all) = s.storage.open_drafts(&client)?;
        if (caps.per_ip > 0 && mine >= caps.per_ip) || (caps.total > 0 && all >= caps.total) {
            return Ok(false);
        }
        s.storage.create_draft(&l, &draft, now(), &client)?;
        Ok(true)
    });
    match made.await {
        Ok(true) => guard::see_other(&format!("/d/{}/profile", links.edit)),
        Ok(false) => {
            let mut r = st.fail(
                lang,
                StatusCode::SERVICE_UNAVAILABLE,
                "未提交的问卷已达上限：请用已有的链接继续填写，或稍后再试。",
                "Too many unsubmitted questionnaires: continue with a link you have, or try again later.",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("3600"));
            r
        }
        Err(e) => internal(e),
    }
}

#[derive(serde::Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Switch the language and go back where the visitor was (a local path only).
pub async fn set_lang(Path(lang): Path<String>, Query(q): Query<Next>) -> Response {
    let code = if lang == "en" { "en" } else { "zh" };
    let next = q
        .next
        .filter(|n| guard::is_local_path(n))
        .unwrap_or_else(|| "/".into());
    let mut r = guard::see_other(&next);
    if let Ok(v) = HeaderValue::from_str(&format!(
        "smedx_lang={code}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax"
    )) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// The profile page with its notes beside the fields.
fn profile_response(
    st: &AppState,
    lang: Lang,
    token: &str,
    csrf: &str,
    draft: &Value,
    notes: &[pf::FieldNote],
    status: StatusCode,
) -> Response {
    let blocked = notes.iter().any(|n| n.error) && status != StatusCode::OK;
    let mut r = st.page(
        lang,
        "serve_profile.html",
        context! { csrf, lang => lang.code(), here => format!("/d/{token}/profile"),
        fields => val(pf::fields_view(draft, notes)), industries => pf::industry_choices(lang),
        blocked, steps => val(steps(st, token, "profile")), token },
    );
    *r.status_mut() = status;
    r
}

/// The notes of a profile once something was saved in it (a fresh draft is not scolded).
fn profile_notes(st: &AppState, draft: &Value) -> Vec<pf::FieldNote> {
    let touched = draft
        .get("profile")
        .and_then(Value::as_object)
        .is_some_and(|p| p.keys().any(|k| k != "assessed_on"));
    if !touched {
        return Vec::new();
    }
    let (_, diags) = q::check(&st.model, draft);
    pf::field_notes(&st.model, draft, &diags)
}

pub async fn profile_page(
    State(st): St,
    Path(token): Path<String>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
) -> Response {
    let lang = lang_of(&headers);
    let draft = match load_draft(&st, &token, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let notes = profile_notes(&st, &draft);
    profile_response(&st, lang, &token, &csrf.0, &draft, &notes, StatusCode::OK)
}

fn go_to(form: &[(String, String)], token: &str, back: &str, next: &str) -> Response {
    let go = form
        .iter()
        .find(|(k, _)| k == "go")
        .map_or("next", |(_, v)| v.as_str());
    let to = match go {
        "back" => back.to_string(),
        "review" => format!("/d/{token}/review"),
        "stay" => String::new(),
        _ => next.to_string(),
    };
    guard::see_other(if to.is_empty() { next } else { &to })
}

/// Save the profile; when a field has an error, show the page again with each problem beside its
/// field (and what was read differently from how it was typed) instead of going on.
pub async fn save_profile(
    State(st): St,
    Path(token): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    axum::Form(form): FormPairs,
) -> Response {
    let lang = lang_of(&headers);
    if let Some(r) = refuse_save(&st, lang, peer, &form) {
        return r;
    }
    let mut draft = match load_draft(&st, &token, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let read = pf::apply_profile(&mut draft, &form);
    if let Err(r) = save_draft(&st, &token, &draft).await {
        return r;
    }
    // The region's "next level" comes back to the region, its notes shown by the page.
    if form.iter().any(|(k, v)| k == "go" && v == "stay") {
        return guard::see_other(&format!("/d/{token}/profile#region"));
    }
    let mut notes = profile_notes(&st, &draft);
    if notes.iter().any(|n| n.error) {
        notes.extend(read.iter().map(pf::normalised_note));
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return profile_response(&st, lang, &token, &csrf.0, &draft, &notes, status);
    }
    go_to(&form, &token, "/", &format!("/d/{token}/page/1"))
}

fn page_index(st: &AppState, n: &str) -> Option<usize> {
    n.parse::<usize>()
        .ok()
        .filter(|n| (1..=st.model.dimensions.len()).contains(n))
}

pub async fn dimension_page(
    State(st): St,
    Path((token, n)): Path<(String, String)>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
) -> Response {
    let lang = lang_of(&headers);
    let Some(i) = page_index(&st, &n) else {
        return not_found(&st, lang);
    };
    let draft = match load_draft(&st, &token, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let dim = &st.model.dimensions[i - 1];
    let view = q::dimension_view(&st.model, dim, &draft);
    st.page(
        lang,
        "serve_page.html",
        context! { csrf => csrf.0, lang => lang.code(), here => format!("/d/{token}/page/{i}"),
            n => i, count => st.model.dimensions.len(), title => val(&dim.title), help => val(&dim.help),
            groups => val(view.groups), hidden => val(view.hidden), star => val(view.star), steps => val(steps(&st, &token, &i.to_string())), token },
    )
}

pub async fn save_dimension(
    State(st): St,
    Path((token, n)): Path<(String, String)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    axum::Form(form): FormPairs,
) -> Response {
    let lang = lang_of(&headers);
    if let Some(r) = refuse_save(&st, lang, peer, &form) {
        return r;
    }
    let Some(i) = page_index(&st, &n) else {
        return not_found(&st, lang);
    };
    let mut draft = match load_draft(&st, &token, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    q::apply_dimension(&st.model, &st.model.dimensions[i - 1], &mut draft, &form);
    if let Err(r) = save_draft(&st, &token, &draft).await {
        return r;
    }
    let back = if i == 1 {
        format!("/d/{token}/profile")
    } else {
        format!("/d/{token}/page/{}", i - 1)
    };
    let next = if i == st.model.dimensions.len() {
        format!("/d/{token}/review")
    } else {
        format!("/d/{token}/page/{}", i + 1)
    };
    go_to(&form, &token, &back, &next)
}

/// One problem on the review page: what it is about, what to do, and a link to its question.
#[derive(Serialize)]
struct Problem {
    error: bool,
    /// The question or field title.
    about: Text,
    text: Text,
    href: Option<String>,
}

/// The problems of one page of the questionnaire.
#[derive(Serialize)]
struct ProblemPage {
    title: Text,
    href: Option<String>,
    problems: Vec<Problem>,
}

/// Every problem of the draft grouped by the page it is on, each worded for the web and linked to
/// its question; errors first within a page.
fn problem_pages(
    st: &AppState,
    token: &str,
    draft: &Value,
    diags: &[Diagnostic],
) -> Vec<ProblemPage> {
    let model = &st.model;
    let mut pages = Vec::new();
    let profile_href = format!("/d/{token}/profile");
    let profile: Vec<Problem> = pf::field_notes(model, draft, diags)
        .into_iter()
        .map(|n| Problem {
            error: n.error,
            about: crate::answers::profile_field(&n.field)
                .map(|f| f.title.clone())
                .unwrap_or_default(),
            href: Some(format!("{profile_href}#{}", n.field)),
            text: n.text,
        })
        .collect();
    pages.push(ProblemPage {
        title: Text::new("企业信息", "Profile"),
        href: Some(profile_href),
        problems: profile,
    });
    for (i, dim) in model.dimensions.iter().enumerate() {
        let page = format!("page/{}", i + 1);
        let href = format!("/d/{token}/{page}");
        let problems = diags
            .iter()
            .filter_map(|d| match &*d.location {
                Location::Form { page: p, field } if *p == page => {
                    let item = model.item(field)?;
                    Some(Problem {
                        error: d.is_error(),
                        about: item.title.clone(),
                        text: q::form_wording(d),
                        href: Some(format!("{href}#{}", item.id)),
                    })
                }
                _ => None,
            })
            .collect();
        pages.push(ProblemPage {
            title: dim.title.clone(),
            href: Some(href),
            problems,
        });
    }
    // What no page holds (the sheet as a whole); the profile's own are worded above.
    let rest: Vec<Problem> = diags
        .iter()
        .filter(|d| !matches!(*d.location, Location::Form { .. }))
        .filter(|d| !matches!(d.code, "missing-field" | "size-unknown" | "missing-answer"))
        .map(|d| Problem {
            error: d.is_error(),
            about: Text::default(),
            text: q::code_title(d.code),
            href: None,
        })
        .collect();
    pages.push(ProblemPage {
        title: Text::new("其他", "Other"),
        href: None,
        problems: rest,
    });
    for p in &mut pages {
        p.problems.sort_by_key(|x| !x.error);
    }
    pages.retain(|p| !p.problems.is_empty());
    pages
}

fn review_page(
    st: &AppState,
    lang: Lang,
    token: &str,
    csrf: &str,
    draft: &Value,
    status: StatusCode,
) -> Response {
    let (sheet, diags) = q::check(&st.model, draft);
    let pages = problem_pages(st, token, draft, &diags);
    let preview = sheet.as_ref().map(|s| {
        let a = crate::score::score(&st.model, s);
        context! { level_name => val(&a.level_name), score => crate::text::points(a.level_score), max => crate::text::points(a.level_score_max) }
    });
    let mut r = st.page(
        lang,
        "serve_review.html",
        context! { csrf, lang => lang.code(), here => format!("/d/{token}/review"), token,
            pages => val(pages), ok => sheet.is_some(), preview, steps => val(steps(st, token, "review")) },
    );
    *r.status_mut() = status;
    r
}

pub async fn review(
    State(st): St,
    Path(token): Path<String>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
) -> Response {
    let lang = lang_of(&headers);
    match load_draft(&st, &token, lang).await {
        Ok(draft) => review_page(&st, lang, &token, &csrf.0, &draft, StatusCode::OK),
        Err(r) => r,
    }
}

/// Check the draft and store it as a new version; the redirect to the report is sent only after
/// the transaction has committed.
pub async fn submit(
    State(st): St,
    Path(token): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
) -> Response {
    let lang = lang_of(&headers);
    if !st.limiter.allow(peer.ip()) {
        return too_many(&st, lang);
    }
    let draft = match load_draft(&st, &token, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let Some(sheet) = q::check(&st.model, &draft).0 else {
        return review_page(
            &st,
            lang,
            &token,
            &csrf.0,
            &draft,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let new = NewSubmission::of(&st.model, &sheet, None, draft.to_string());
    let (s, t) = (st.clone(), token.clone());
    let stored = blocking(move || match s.storage.links(&t)? {
        Some(links) => s.storage.submit(&links.firm, &new, now()).map(Some),
        None => Ok(None),
    });
    match stored.await {
        Ok(Some(_)) => guard::see_other(&format!("/d/{token}")),
        Ok(None) => not_found(&st, lang),
        Err(e) => internal(e),
    }
}

/// The same report as `smedx report`, in `format`.
fn report_file(
    st: &AppState,
    sheet: &AnswerSheet,
    format: ReportFormat,
    lang: Lang,
) -> anyhow::Result<Vec<u8>> {
    let tuning = crate::roadmap::Tuning::bundled();
    let pipeline = crate::pipeline::Pipeline {
        model: &st.model,
        catalog: &st.catalog,
        policies: &st.policies,
        tuning: &tuning,
        templates: st.templates.as_deref(),
    };
    let fonts = match format {
        ReportFormat::Pdf | ReportFormat::Docx => Some(st.fonts()?),
        _ => None,
    };
    let ctx = pipeline.context(sheet, &PlanRequest::default(), lang);
    pipeline
        .document(&ctx, format, lang, fonts)
        .map_err(|e| anyhow::anyhow!(e))
}

/// Report and answer downloads of the latest submission.
pub async fn download(
    State(st): St,
    Path((token, file)): Path<(String, String)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&headers);
    // Laying out a PDF or a Word file costs far more than a page: limited like other costly requests.
    let document = matches!(file.as_str(), "report.pdf" | "report.docx");
    if document && !st.limiter.allow(peer.ip()) {
        return too_many(&st, lang);
    }
    let firm = match links::report_firm(&st, &token, lang).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let (stored, sheet) = match links::latest_submission(&st, &firm).await {
        Ok(Some(x)) => x,
        Ok(None) => return not_found(&st, lang),
        Err(r) => return r,
    };
    let s = st.clone();
    let made = blocking(move || -> anyhow::Result<(&'static str, Vec<u8>, bool)> {
        use crate::collect::{answer_yaml, flat, xlsx};
        Ok(match file.as_str() {
            "report.html" => (
                "text/html; charset=utf-8",
                report_file(&s, &sheet, ReportFormat::Html, lang)?,
                false,
            ),
            "report.pdf" => (
                "application/pdf",
                report_file(&s, &sheet, ReportFormat::Pdf, lang)?,
                true,
            ),
            "report.docx" => (
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                report_file(&s, &sheet, ReportFormat::Docx, lang)?,
                true,
            ),
            "answers.yaml" => (
                "text/yaml; charset=utf-8",
                answer_yaml::sheet_yaml(&s.model, &sheet, &[]).into_bytes(),
                true,
            ),
            "answers.json" => {
                let v: Value = serde_json::from_str(&stored.sheet)?;
                ("application/json", serde_json::to_vec_pretty(&v)?, true)
            }
            "answers.xlsx" => {
                let cells = flat::sheet_cells(&s.model, &sheet, xlsx::cell_style(lang));
                (
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    xlsx::write(&s.model, lang, &cells)?,
                    true,
                )
            }
            _ => ("", Vec::new(), false),
        })
    })
    .await;
    match made {
        Ok(("", _, _)) => not_found(&st, lang),
        Ok((mime, bytes, attachment)) => {
            let mut r = bytes.into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
            if attachment {
                r.headers_mut().insert(
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_static("attachment"),
                );
            }
            r
        }
        Err(e) => internal(e),
    }
}
