//! The firm's two links and its 取回码: the firm's page (`/d/<edit>`) that shows the edit link and
//! the read-only report link with what each allows, the report page behind the report link
//! (`/r/<report>`), making a 取回码, and recovering a lost edit link with the credit code and the
//! 取回码 (`/recover`).

use super::auth::{
    half_width, hash_password, is_token, normalize_recovery_code, random_token, recovery_code,
    recovery_selector, verify_password,
};
use super::firm::{not_found, val};
use super::guard::CsrfToken;
use super::storage::{DraftLinks, RecoveryKey, StoredSubmission};
use super::{AppState, blocking, internal, lang_of, now};
use crate::answers::AnswerSheet;
use crate::text::Lang;
use axum::Extension;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use minijinja::context;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;

type St = State<Arc<AppState>>;

/// Recovery attempts allowed per credit code, refilled evenly over an hour. With 60-bit codes a
/// guesser needs about 2^59 tries on average; at this rate that is beyond any lifetime.
pub const RECOVERY_PER_CODE_PER_HOUR: u32 = 10;

fn too_many(st: &AppState, lang: Lang) -> Response {
    let en = "Too many attempts: try again later.";
    super::firm::retry_later(st, lang, "尝试过于频繁，请稍后再试。", en)
}

/// The links of the draft an edit token opens, or the response to send instead.
async fn edit_links(st: &Arc<AppState>, edit: &str, lang: Lang) -> Result<DraftLinks, Response> {
    if !is_token(edit) {
        return Err(not_found(st, lang));
    }
    let (s, t) = (st.clone(), edit.to_string());
    match blocking(move || s.storage.links(&t)).await {
        Ok(Some(l)) => Ok(l),
        Ok(None) => Err(not_found(st, lang)),
        Err(e) => Err(internal(e)),
    }
}

/// The firm a report token opens, or the response to send instead.
pub(super) async fn report_firm(
    st: &Arc<AppState>,
    report: &str,
    lang: Lang,
) -> Result<String, Response> {
    if !is_token(report) {
        return Err(not_found(st, lang));
    }
    let (s, t) = (st.clone(), report.to_string());
    match blocking(move || s.storage.report_firm(&t)).await {
        Ok(Some(f)) => Ok(f),
        Ok(None) => Err(not_found(st, lang)),
        Err(e) => Err(internal(e)),
    }
}

/// The firm's latest submission, checked again; None before the first submit.
pub(super) async fn latest_submission(
    st: &Arc<AppState>,
    firm: &str,
) -> Result<Option<(StoredSubmission, AnswerSheet)>, Response> {
    let (s, f) = (st.clone(), firm.to_string());
    let stored = match blocking(move || s.storage.latest(&f)).await {
        Ok(Some(x)) => x,
        Ok(None) => return Ok(None),
        Err(e) => return Err(internal(e)),
    };
    let draft: Value = serde_json::from_str(&stored.sheet).map_err(|e| internal(e.into()))?;
    match super::questionnaire::check(&st.model, &draft).0 {
        Some(sheet) => Ok(Some((stored, sheet))),
        None => Err(internal(anyhow::anyhow!(
            "stored submission v{} no longer passes the checks",
            stored.version
        ))),
    }
}

/// `http://host` of this request, to write links out in full (the page is sent only to whoever
/// asked, with `no-store`, so a forged Host header fools nobody else).
fn origin(st: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("");
    let scheme = if st.secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// The credit code a recovery is keyed on: spaces dropped, full-width and lower case forgiven; None
/// unless 18 letters and digits (the check digit is not required: a few genuine codes fail it).
pub fn normalize_credit_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .map(half_width)
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.chars().count() == 18 && code.chars().all(|c| c.is_ascii_alphanumeric())).then_some(code)
}

/// What the firm's page shows about the 取回码.
#[derive(serde::Serialize, Default)]
struct Recovery {
    /// Shown once, right after it was made.
    new_code: Option<String>,
    /// The credit code the current 取回码 recovers with.
    credit_code: Option<String>,
    /// The credit code in the draft's profile, which a new 取回码 would be tied to.
    profile_credit_code: Option<String>,
}

/// What the firm's page or the report page shows.
struct View<'a> {
    links: &'a DraftLinks,
    /// The firm's page (edit link, 取回码), not the report page.
    edit: bool,
    /// The CSRF token for the 取回码 form (firm's page only).
    csrf: Option<&'a str>,
    latest: Option<&'a (StoredSubmission, AnswerSheet)>,
    /// The name in the draft, for the firm's page before the first submit.
    name: Option<String>,
    recovery: Recovery,
}

fn render(st: &AppState, lang: Lang, headers: &HeaderMap, view: View) -> Response {
    let View {
        links,
        edit,
        csrf,
        latest,
        name,
        recovery,
    } = view;
    let summary = latest.map(|(stored, sheet)| {
        let a = crate::score::score(&st.model, sheet);
        context! { version => stored.version,
        level_name => val(&a.level_name),
        score => crate::text::points(a.level_score),
        max => crate::text::points(a.level_score_max) }
    });
    let name = latest.map(|(_, sheet)| sheet.profile.name.clone()).or(name);
    let here = if edit {
        format!("/d/{}", links.edit)
    } else {
        format!("/r/{}", links.report)
    };
    st.page(
        lang,
        "serve_done.html",
        context! { lang => lang.code(), here, csrf, name, summary,
        origin => origin(st, headers), report => &links.report,
        edit => edit.then_some(&links.edit), recovery => val(recovery),
            steps => edit.then(|| val(super::firm::steps(st, &links.edit, "links"))) },
    )
}

/// The draft's profile text field `key`, if filled in.
fn profile_text(draft: &Value, key: &str) -> Option<String> {
    draft
        .pointer(&format!("/profile/{key}"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

async fn firm_page_with(
    st: &Arc<AppState>,
    edit: &str,
    headers: &HeaderMap,
    csrf: &str,
    new_code: Option<String>,
) -> Response {
    let lang = lang_of(headers);
    let links = match edit_links(st, edit, lang).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let latest = match latest_submission(st, &links.firm).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (s, e, f) = (st.clone(), links.edit.clone(), links.firm.clone());
    let loaded = blocking(move || Ok((s.storage.draft(&e)?, s.storage.recovery_credit_code(&f)?)));
    let (draft, credit_code) = match loaded.await {
        Ok((Some(d), c)) => (serde_json::from_str::<Value>(&d).unwrap_or(Value::Null), c),
        Ok((None, _)) => return not_found(st, lang),
        Err(e) => return internal(e),
    };
    let recovery = Recovery {
        new_code,
        credit_code,
        profile_credit_code: profile_text(&draft, "credit_code")
            .and_then(|c| normalize_credit_code(&c)),
    };
    let name = profile_text(&draft, "name");
    let view = View {
        links: &links,
        edit: true,
        csrf: Some(csrf),
        latest: latest.as_ref(),
        name,
        recovery,
    };
    render(st, lang, headers, view)
}

/// The firm's page behind the edit link: the result, both links with what each allows, the 取回码.
pub async fn firm_page(
    State(st): St,
    Path(edit): Path<String>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
) -> Response {
    firm_page_with(&st, &edit, &headers, &csrf.0, None).await
}

/// The read-only page behind the report link: the result and the downloads, no way to edit.
pub async fn report_page(
    State(st): St,
    Path(report): Path<String>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&headers);
    let firm = match report_firm(&st, &report, lang).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let latest = match latest_submission(&st, &firm).await {
        Ok(Some(x)) => x,
        Ok(None) => {
            return st.fail(
                lang,
                StatusCode::NOT_FOUND,
                "该企业尚未提交自评，暂无报告。",
                "This firm has not submitted yet: there is no report.",
            );
        }
        Err(r) => return r,
    };
    let links = DraftLinks {
        firm,
        edit: String::new(),
        report,
    };
    let view = View {
        links: &links,
        edit: false,
        csrf: None,
        latest: Some(&latest),
        name: None,
        recovery: Recovery::default(),
    };
    render(&st, lang, &headers, view)
}

/// Make a new 取回码 for the draft's credit code, store its hash, and show it this once.
pub async fn make_recovery_code(
    State(st): St,
    Path(edit): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
) -> Response {
    let lang = lang_of(&headers);
    if !st.limiter.allow(peer.ip()) {
        return too_many(&st, lang);
    }
    if !is_token(&edit) {
        return not_found(&st, lang);
    }
    let (s, e) = (st.clone(), edit.clone());
    let made = blocking(move || -> anyhow::Result<Option<Result<String, ()>>> {
        let Some(draft) = s.storage.draft(&e)? else {
            return Ok(None);
        };
        let draft: Value = serde_json::from_str(&draft)?;
        let Some(credit) =
            profile_text(&draft, "credit_code").and_then(|c| normalize_credit_code(&c))
        else {
            return Ok(Some(Err(())));
        };
        let code = recovery_code()?;
        let canon = normalize_recovery_code(&code)
            .ok_or_else(|| anyhow::anyhow!("a new 取回码 does not read back"))?;
        let hash = hash_password(&canon)?;
        let key = RecoveryKey {
            selector: recovery_selector(&canon).to_string(),
            credit_code: credit,
        };
        Ok(s.storage
            .set_recovery(&e, &key, &hash, now())?
            .then_some(Ok(code)))
    })
    .await;
    match made {
        Ok(Some(Ok(code))) => firm_page_with(&st, &edit, &headers, &csrf.0, Some(code)).await,
        Ok(Some(Err(()))) => st.fail(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            "请先在“企业信息”页填写统一社会信用代码（18 位），再生成取回码。",
            "Fill in the unified social credit code (18 characters) on the profile page first.",
        ),
        Ok(None) => not_found(&st, lang),
        Err(e) => internal(e),
    }
}

/// The recovery page: credit code and 取回码 in, a new edit link out.
pub async fn recover_page(
    State(st): St,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
) -> Response {
    let lang = lang_of(&headers);
    st.page(
        lang,
        "serve_recover.html",
        context! { lang => lang.code(), here => "/recover", csrf => csrf.0 },
    )
}

#[derive(serde::Deserialize)]
pub struct RecoverForm {
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    code: String,
}

/// Check a recovery attempt. Whether the credit code is known changes neither the answer nor the
/// work done (an unknown one is checked against a dummy hash), and every stored 取回码 under the
/// credit code and the typed code's selector is checked, without stopping at the first match.
pub async fn recover(
    State(st): St,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    axum::Form(form): axum::Form<RecoverForm>,
) -> Response {
    let lang = lang_of(&headers);
    if !st.limiter.allow(peer.ip()) {
        return too_many(&st, lang);
    }
    let page = |status: StatusCode, error: &str, found: Option<DraftLinks>| {
        let mut r = st.page(
            lang,
            "serve_recover.html",
            context! { lang => lang.code(), here => "/recover", csrf => &csrf.0, error,
            origin => origin(&st, &headers),
            edit => found.as_ref().map(|l| &l.edit), report => found.as_ref().map(|l| &l.report) },
        );
        *r.status_mut() = status;
        r
    };
    let Some(credit) = normalize_credit_code(&form.credit_code) else {
        return page(StatusCode::UNPROCESSABLE_ENTITY, "shape", None);
    };
    if !st.recovery_limiter.allow(credit.clone()) {
        return too_many(&st, lang);
    }
    let s = st.clone();
    let found = blocking(move || -> anyhow::Result<Option<DraftLinks>> {
        // A code that cannot be one is still checked, so its answer takes as long as any other.
        let typed = normalize_recovery_code(&form.code).unwrap_or_default();
        let key = RecoveryKey {
            selector: recovery_selector(&typed).to_string(),
            credit_code: credit,
        };
        let entries = s.storage.recovery_entries(&key)?;
        let mut matched: Option<String> = None;
        if entries.is_empty() {
            verify_password(&typed, &s.dummy_hash);
        }
        for e in &entries {
            if verify_password(&typed, &e.code_hash) && !typed.is_empty() && matched.is_none() {
                matched = Some(e.firm.clone());
            }
        }
        let Some(firm) = matched else {
            return Ok(None);
        };
        // The lost link may be in someone else's hands: it stops working, a new one is made.
        let edit = random_token()?;
        if !s.storage.replace_edit_link(&firm, &edit)? {
            return Ok(None);
        }
        s.storage.links(&edit)
    })
    .await;
    match found {
        Ok(Some(links)) => page(StatusCode::OK, "", Some(links)),
        Ok(None) => page(StatusCode::FORBIDDEN, "wrong", None),
        Err(e) => internal(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_codes_are_keyed_however_they_are_typed() {
        let canon = Some("91330381MA2HXXXX1X".to_string());
        assert_eq!(normalize_credit_code("91330381MA2HXXXX1X"), canon);
        assert_eq!(normalize_credit_code(" 9133 0381ma2hxxxx1x "), canon);
        assert_eq!(
            normalize_credit_code("９１３３０３８１ＭＡ２ＨＸＸＸＸ１Ｘ"),
            canon
        );
        assert_eq!(normalize_credit_code("91330381MA2HXXXX1"), None);
        assert_eq!(normalize_credit_code("91330381MA2HXXXX1-"), None);
    }
}
