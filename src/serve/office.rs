//! The office dashboard: login, then the aggregation views over stored submissions of the user's
//! region only, with filters by region, industry and size, small groups suppressed.

use super::auth::{random_token, region_scope, verify_password};
use super::guard::{self, CsrfToken, cookie, set_cookie};
use super::storage::{OfficeUser, SubmissionFilter};
use super::{AppState, SESSION_SECONDS, blocking, internal, lang_of, now};
use crate::aggregate::{self, Breakdown, Options, Source, Summary};
use axum::Extension;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use std::net::SocketAddr;
use std::sync::Arc;

type St = State<Arc<AppState>>;

const SESSION_COOKIE: &str = "smedx_session";

pub async fn login_page(
    State(st): St,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
) -> Response {
    let lang = lang_of(&headers);
    st.page(
        lang,
        "serve_login.html",
        context! { csrf => csrf.0, lang => lang.code(), here => "/office/login", failed => false },
    )
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
}

pub async fn login(
    State(st): St,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let lang = lang_of(&headers);
    if !st.limiter.allow(peer.ip()) {
        return st.fail(
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            "登录尝试过于频繁，请稍后再试。",
            "Too many attempts: try again later.",
        );
    }
    let s = st.clone();
    let checked = blocking(move || -> anyhow::Result<Option<String>> {
        let user = s.storage.user(&form.name)?;
        let hash = user
            .as_ref()
            .map_or(s.dummy_hash.as_str(), |u| &u.password_hash);
        let ok = verify_password(&form.password, hash) && user.is_some();
        if !ok {
            return Ok(None);
        }
        let token = random_token()?;
        s.storage
            .create_session(&token, &form.name, now() + SESSION_SECONDS)?;
        Ok(Some(token))
    })
    .await;
    match checked {
        Ok(Some(token)) => {
            let mut r = guard::see_other("/office");
            let c = set_cookie(
                SESSION_COOKIE,
                &token,
                "/office",
                SESSION_SECONDS,
                st.secure_cookies,
            );
            if let Ok(v) = HeaderValue::from_str(&c) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Ok(None) => {
            let mut r = st.page(
                lang,
                "serve_login.html",
                context! { csrf => csrf.0, lang => lang.code(), here => "/office/login", failed => true },
            );
            *r.status_mut() = StatusCode::UNAUTHORIZED;
            r
        }
        Err(e) => internal(e),
    }
}

pub async fn logout(State(st): St, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let s = st.clone();
        if let Err(e) = blocking(move || s.storage.delete_session(&token)).await {
            return internal(e);
        }
    }
    let mut r = guard::see_other("/office/login");
    let c = set_cookie(SESSION_COOKIE, "", "/office", 0, st.secure_cookies);
    if let Ok(v) = HeaderValue::from_str(&c) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// The logged-in office user, or a redirect to the login page.
async fn user(st: &Arc<AppState>, headers: &HeaderMap) -> Result<OfficeUser, Response> {
    let Some(token) = cookie(headers, SESSION_COOKIE).filter(|t| super::auth::is_token(t)) else {
        return Err(guard::see_other("/office/login"));
    };
    let s = st.clone();
    match blocking(move || s.storage.session_user(&token, now())).await {
        Ok(Some(u)) => Ok(u),
        Ok(None) => Err(guard::see_other("/office/login")),
        Err(e) => Err(internal(e)),
    }
}

/// Filters of the office views, as given in the query.
#[derive(Debug, Default, Clone, serde::Deserialize, serde::Serialize)]
pub struct Filters {
    #[serde(default)]
    region: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    size: String,
}

/// Turn the filters into a storage filter within the user's region, or refuse.
fn scoped(
    user: &OfficeUser,
    f: &Filters,
) -> Result<SubmissionFilter, (&'static str, &'static str)> {
    let region = if f.region.trim().is_empty() {
        user.region_prefix.clone()
    } else {
        region_scope(&f.region).ok_or((
            "地区代码应为最多 6 位数字。",
            "A region code is up to 6 digits.",
        ))?
    };
    if !region.starts_with(&user.region_prefix) {
        return Err((
            "您的账号无权查看该地区。",
            "Your account may not see that region.",
        ));
    }
    let industry = f.industry.trim().to_ascii_uppercase();
    if industry.len() > 5 || !industry.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err((
            "行业代码格式不对（如 C 或 C36）。",
            "An industry code looks like C or C36.",
        ));
    }
    let size = match f.size.trim() {
        "" => None,
        s @ ("micro" | "small" | "medium" | "large") => Some(s.to_string()),
        _ => {
            return Err((
                "企业规模应为 micro、small、medium 或 large。",
                "Size is micro, small, medium or large.",
            ));
        }
    };
    Ok(SubmissionFilter {
        region_prefix: region,
        industry_prefix: industry,
        size,
        all_versions: false,
    })
}

/// Aggregate the latest submission of every firm the filter selects.
pub(super) fn summarise(st: &AppState, filter: &SubmissionFilter) -> anyhow::Result<Summary> {
    use std::io::Write;
    // The aggregation reads JSON Lines files: a file readable by this user only, in a folder
    // only this user may enter, both removed on every path (the folder's guard drops them).
    let dir = private_dir()?;
    let path = dir.path().join("submissions.jsonl");
    let result = (|| {
        let mut open = std::fs::OpenOptions::new();
        open.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
        let mut w = std::io::BufWriter::new(open.open(&path)?);
        // One submission at a time from the database into the file.
        st.storage.each_submission(filter, &mut |s| {
            writeln!(w, "{}", s.sheet)?;
            Ok(())
        })?;
        w.flush()?;
        drop(w);
        let options = Options {
            by: vec![
                Breakdown::Province,
                Breakdown::City,
                Breakdown::County,
                Breakdown::Industry,
                Breakdown::Size,
            ],
            min_group: st.min_group,
            named: false,
            follow_links: false,
            region: None,
            industry: None,
            // The office's own part of the roster: the firms of the region it looks at.
            roster: st
                .roster
                .as_ref()
                .map(|r| r.within(&filter.region_prefix, &filter.industry_prefix)),
            export: None,
        };
        let mut errors = 0u64;
        let summary = aggregate::aggregate(
            &st.model,
            aggregate::DemandSources {
                catalog: Some(&st.catalog),
                policies: &st.policies,
            },
            &[Source(path.clone())],
            &[],
            &options,
            &mut |_| errors += 1,
            &|_| {},
        );
        if errors > 0 {
            let _ = std::io::Write::write_fmt(
                &mut std::io::stderr(),
                format_args!("smedx serve: {errors} stored submissions could not be aggregated\n"),
            );
        }
        Ok(summary)
    })();
    drop(dir);
    result
}

/// A new temporary folder that only this user may enter (0700); files made in it with
/// [`std::fs::File::create`] are out of reach of other users whatever the umask.
fn private_dir() -> anyhow::Result<tempfile::TempDir> {
    let mut b = tempfile::Builder::new();
    b.prefix("smedx-office-");
    #[cfg(unix)]
    b.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    Ok(b.tempdir()?)
}

pub async fn dashboard(
    State(st): St,
    headers: HeaderMap,
    Query(f): Query<Filters>,
    Extension(csrf): Extension<CsrfToken>,
) -> Response {
    let lang = lang_of(&headers);
    let user = match user(&st, &headers).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let filter = match scoped(&user, &f) {
        Ok(x) => x,
        Err((zh, en)) => return st.fail(lang, StatusCode::FORBIDDEN, zh, en),
    };
    let s = st.clone();
    let fl = filter.clone();
    let summary = match blocking(move || summarise(&s, &fl)).await {
        Ok(x) => x,
        Err(e) => return internal(e),
    };
    let query = serde_urlencoded::to_string(&f).unwrap_or_default();
    let charts = crate::report::office::charts(&summary, lang);
    st.page(
        lang,
        "serve_office.html",
        context! { csrf => csrf.0, lang => lang.code(), here => "/office",
            user => user.name, scope_name => (!user.region_prefix.is_empty()).then(|| crate::answers::names::region_name(&user.region_prefix)), scope => user.region_prefix, filters => minijinja::Value::from(minijinja::value::Serde(&f)), query,
            region => filter.region_prefix, summary => minijinja::Value::from(minijinja::value::Serde(&summary)),
            charts => minijinja::Value::from(minijinja::value::Serde(&charts)) },
    )
}

/// The office report (HTML), its tables (Excel) or its data (JSON) for the filtered submissions.
pub async fn summary(
    State(st): St,
    Path(ext): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(f): Query<Filters>,
) -> Response {
    let lang = lang_of(&headers);
    let user = match user(&st, &headers).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let filter = match scoped(&user, &f) {
        Ok(x) => x,
        Err((zh, en)) => return st.fail(lang, StatusCode::FORBIDDEN, zh, en),
    };
    if !matches!(ext.as_str(), "html" | "json" | "xlsx" | "pdf" | "docx") {
        return StatusCode::NOT_FOUND.into_response();
    }
    // Laying out a PDF or a Word file is costly: limited like other costly requests.
    if matches!(ext.as_str(), "pdf" | "docx") && !st.limiter.allow(peer.ip()) {
        return st.fail(
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            "下载过于频繁，请稍后再试。",
            "Too many downloads: try again later.",
        );
    }
    let s = st.clone();
    let made = blocking(move || -> anyhow::Result<(&'static str, Vec<u8>)> {
        let summary = summarise(&s, &filter)?;
        Ok(match ext.as_str() {
            "html" => (
                "text/html; charset=utf-8",
                crate::report::office::render_html(&summary, lang)?.into_bytes(),
            ),
            "json" => ("application/json", serde_json::to_vec_pretty(&summary)?),
            "pdf" => (
                "application/pdf",
                crate::report::office_documents::render_pdf(&summary, lang, s.fonts()?)?,
            ),
            "docx" => (
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                crate::report::office_documents::render_docx(&summary, lang, s.fonts()?)?,
            ),
            _ => {
                let dir = private_dir()?;
                let path = dir.path().join("summary.xlsx");
                let written = crate::report::office::write_xlsx(&summary, lang, &path)
                    .and_then(|()| Ok(std::fs::read(&path)?));
                drop(dir);
                (
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    written?,
                )
            }
        })
    })
    .await;
    match made {
        Ok((mime, bytes)) => {
            let mut r = bytes.into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
            r
        }
        Err(e) => internal(e),
    }
}
