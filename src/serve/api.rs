//! The JSON API for platforms (`/api/v1/`): submit an answer sheet and get the scored result, read
//! an assessment, read a region's summary. Every call carries a region-scoped token of
//! `smedx token` (`Authorization: Bearer smx_…`); a token submits for and reads firms of its region
//! only. Errors are problem documents (`application/problem+json`) with the registry's code and its
//! message and help in Chinese and English. The OpenAPI document is built from the same types
//! ([`super::openapi`]).

use super::auth::{hash_api_secret, is_token, random_token, region_scope, same_secret};
use super::storage::{ApiToken, IdempotencyKey, NewSubmission, StoredSubmission, SubmissionFilter};
use super::{AppState, blocking, now};
use crate::diag::{Diagnostic, Location};
use crate::score::Assessment;
use crate::source_file::SourceFile;
use crate::text::{Lang, Text};
use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use schemars::JsonSchema;
use serde::Serialize;
use std::sync::Arc;

type St = State<Arc<AppState>>;

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/api/openapi.json";

/// The request header that makes a submission idempotent (header names are case-insensitive).
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// The response header that marks a retry's answer as the first one's.
pub const IDEMPOTENCY_REPLAYED: &str = "Idempotency-Replayed";

/// Longest `Idempotency-Key` accepted, in bytes.
pub const MAX_IDEMPOTENCY_KEY: usize = 128;

/// The API's routes (outside the forms' CSRF guard: a token in a header is no ambient credential).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/assessments", post(submit))
        .route("/api/v1/assessments/{id}", get(read).put(resubmit))
        .route("/api/v1/regions/{code}/summary", get(region_summary))
        .route(OPENAPI_PATH, get(openapi))
}

/// A stored assessment: which firm and version, and its result as `smedx score --format json`
/// prints it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ApiAssessment {
    /// The assessment's id: read it back at `/api/v1/assessments/{id}`.
    pub id: String,
    /// 1 for the first submission of the firm.
    pub version: u32,
    /// When it was stored, Unix seconds.
    pub submitted_at: i64,
    /// The firm's 6-digit region code (行政区划代码).
    pub region: Option<String>,
    /// The scored result.
    pub assessment: Assessment,
}

/// An error: the registry's code, its message and help in Chinese and English, and where.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Problem {
    /// The HTTP status.
    pub status: u16,
    /// Stable diagnostic code (`smedx explain CODE` explains it).
    pub code: String,
    /// What is wrong, 中文 and English.
    pub message: Text,
    /// How to fix it, 中文 and English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<Text>,
    /// Where (for an answer sheet: line and column of the request body).
    #[schemars(with = "serde_json::Value")]
    pub location: Location,
    /// Every problem of a rejected answer sheet, the first one also above.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Problem>,
}

impl Problem {
    fn of(status: StatusCode, d: &Diagnostic) -> Problem {
        let both = |f: &dyn Fn(Lang) -> Option<String>| {
            f(Lang::Zh).map(|zh| Text {
                en: f(Lang::En).unwrap_or_default(),
                zh,
            })
        };
        Problem {
            status: status.as_u16(),
            code: d.code.to_string(),
            message: both(&|l| Some(d.message_in(l))).unwrap_or_default(),
            help: both(&|l| d.help_in(l)),
            location: (*d.location).clone(),
            errors: Vec::new(),
        }
    }
}

/// A problem response for one diagnostic.
fn problem(status: StatusCode, d: Diagnostic) -> Response {
    problem_response(Problem::of(status, &d))
}

fn problem_response(p: Problem) -> Response {
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(&p).unwrap_or_default();
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    r
}

/// An internal error: logged, and a problem document without details.
fn internal(e: anyhow::Error) -> Response {
    super::log_line(format_args!("smedx serve: api: {e:#}"));
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        Diagnostic::error("api-internal"),
    )
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => {
            let mut r = (status, body).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        Err(e) => internal(e.into()),
    }
}

/// The token of the request, checked against the stored hash, and one request taken from its
/// rate limit.
async fn authorize(st: &Arc<AppState>, headers: &HeaderMap) -> Result<ApiToken, Response> {
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        // The scheme is case-insensitive (RFC 9110).
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let Some(sent) = sent else {
        return Err(problem(
            StatusCode::UNAUTHORIZED,
            Diagnostic::error("api-token").variant("missing"),
        ));
    };
    let refused = || {
        problem(
            StatusCode::UNAUTHORIZED,
            Diagnostic::error("api-token").variant("refused"),
        )
    };
    let Some((id, secret)) = super::auth::split_api_token(sent) else {
        return Err(refused());
    };
    let (s, id) = (st.clone(), id.to_string());
    let hash = hash_api_secret(secret);
    let token = match blocking(move || s.storage.api_token(&id)).await {
        Ok(Some(t)) if t.revoked_at.is_none() && same_secret(&t.secret_hash, &hash) => t,
        Ok(_) => return Err(refused()),
        Err(e) => return Err(internal(e)),
    };
    if !st.api_limiter.allow(token.id.clone()) {
        return Err(problem(
            StatusCode::TOO_MANY_REQUESTS,
            Diagnostic::error("api-limit").variant("rate"),
        ));
    }
    Ok(token)
}

/// The region a token covers, for messages.
fn scope_arg(token: &ApiToken) -> String {
    if token.region_prefix.is_empty() {
        "全国 / all".into()
    } else {
        format!("{}*", token.region_prefix)
    }
}

/// Read the body within the size limit and the body timeout.
async fn read_body(st: &AppState, body: Body) -> Result<Bytes, Response> {
    match tokio::time::timeout(st.limits.body_read, to_bytes(body, super::guard::MAX_BODY)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            Diagnostic::error("api-limit")
                .variant("body_size")
                .arg("max", super::guard::MAX_BODY / 1024),
        )),
        Err(_) => Err(problem(
            StatusCode::REQUEST_TIMEOUT,
            Diagnostic::error("api-limit").variant("body_time"),
        )),
    }
}

/// The `Idempotency-Key` header: at most [`MAX_IDEMPOTENCY_KEY`] visible ASCII characters.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Diagnostic> {
    let Some(v) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    match v.to_str() {
        Ok(k)
            if !k.is_empty()
                && k.len() <= MAX_IDEMPOTENCY_KEY
                && k.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(Some(k.to_string()))
        }
        _ => Err(Diagnostic::error("api-request")
            .variant("idempotency_key")
            .arg("max", MAX_IDEMPOTENCY_KEY)),
    }
}

/// `POST /api/v1/assessments`: check, score and store an answer sheet (JSON) of the token's region.
pub async fn submit(State(st): St, req: Request) -> Response {
    accept(st, None, req).await
}

/// `PUT /api/v1/assessments/{id}`: a new version of an assessment of the token's region (the firm
/// re-assessed); the sheet's region must be in the token's region too.
pub async fn resubmit(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    req: Request,
) -> Response {
    match id {
        Ok(Path(id)) if is_token(&id) => accept(st, Some(id), req).await,
        // Authorization first, so that an unknown token learns nothing from the path.
        _ => match authorize(&st, req.headers()).await {
            Ok(_) => not_found(),
            Err(r) => r,
        },
    }
}

/// The shared way of [`submit`] and [`resubmit`]: token, content type, key, body, then [`store`].
async fn accept(st: Arc<AppState>, firm: Option<String>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let token = match authorize(&st, &parts.headers).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Diagnostic::error("api-request").variant("content_type"),
        );
    }
    let key = match idempotency_key(&parts.headers) {
        Ok(k) => k,
        Err(d) => return problem(StatusCode::BAD_REQUEST, d),
    };
    let bytes = match read_body(&st, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let s = st.clone();
    let done = blocking(move || Ok(store(&s, &token, firm, key, &bytes))).await;
    done.unwrap_or_else(internal)
}

/// Check, score and store as a new firm or a new version of `firm` (the blocking part of
/// [`accept`]).
fn store(
    st: &AppState,
    token: &ApiToken,
    firm: Option<String>,
    key: Option<String>,
    bytes: &[u8],
) -> Response {
    let source = match SourceFile::decode("request.json", bytes.to_vec()) {
        Ok(s) => s,
        Err(d) => return problem(StatusCode::UNPROCESSABLE_ENTITY, d),
    };
    // The body is JSON, whatever the YAML loader would also accept.
    let value = match serde_json::from_str::<serde_json::Value>(&source.text) {
        Ok(v) => v,
        Err(e) => {
            let pos = crate::diag::Pos {
                line: u32::try_from(e.line()).unwrap_or(0),
                column: u32::try_from(e.column()).unwrap_or(0),
            };
            let d = Diagnostic::error("api-request")
                .variant("not_json")
                .arg("reason", e.to_string())
                .in_file(&source.name)
                .at(pos);
            return problem(StatusCode::UNPROCESSABLE_ENTITY, d);
        }
    };
    let (sheet, diags) = crate::pipeline::check(&st.model, &source);
    let first_error = diags.iter().find(|d| d.is_error());
    let (Some(sheet), None) = (sheet, first_error) else {
        let Some(first) = first_error else {
            return internal(anyhow::anyhow!("a sheet was refused without an error"));
        };
        let mut p = Problem::of(StatusCode::UNPROCESSABLE_ENTITY, first);
        p.errors = (diags.iter().filter(|d| d.is_error()))
            .map(|d| Problem::of(StatusCode::UNPROCESSABLE_ENTITY, d))
            .collect();
        return problem_response(p);
    };
    let Some(region) = sheet.profile.region.clone() else {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            Diagnostic::error("api-region")
                .variant("missing")
                .arg("scope", scope_arg(token)),
        );
    };
    if !region.starts_with(&token.region_prefix) {
        return problem(
            StatusCode::FORBIDDEN,
            Diagnostic::error("api-region")
                .quoted("region", &region)
                .arg("scope", scope_arg(token)),
        );
    }
    let new = NewSubmission::of(&st.model, &sheet, Some(region), value.to_string());
    let stored = (|| -> anyhow::Result<Result<(StoredSubmission, bool), Response>> {
        let target = firm.as_deref().unwrap_or("new");
        let firm = match &firm {
            // A new version only of a firm the token may read.
            Some(firm) => match st.storage.latest(firm)? {
                Some(old) if in_scope(token, old.region.as_deref()) => firm.clone(),
                _ => return Ok(Err(not_found())),
            },
            None => random_token()?,
        };
        let at = now();
        let Some(key) = key else {
            let version = st.storage.submit(&firm, &new, at)?;
            return Ok(Ok((stored_as(&firm, version, at, &new), false)));
        };
        let key = IdempotencyKey {
            token_id: token.id.clone(),
            key,
            // The target is part of the request: one key never means two different firms.
            request_hash: hash_api_secret(&format!("{target}\n{}", source.text)),
        };
        let outcome = st.storage.submit_idempotent(&firm, &new, &key, at)?;
        if outcome.request_hash != key.request_hash {
            return Ok(Err(problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                Diagnostic::error("idempotency-conflict").quoted("key", &key.key),
            )));
        }
        if !outcome.replayed {
            return Ok(Ok((stored_as(&firm, outcome.version, at, &new), false)));
        }
        let earlier = st
            .storage
            .submission(&outcome.firm, outcome.version)?
            .ok_or_else(|| anyhow::anyhow!("an idempotency key names a missing submission"))?;
        Ok(Ok((earlier, true)))
    })();
    let (stored, replayed) = match stored {
        Ok(Ok(x)) => x,
        Ok(Err(r)) => return r,
        Err(e) => return internal(e),
    };
    let assessment = crate::score::score(&st.model, &sheet);
    let id = stored.firm.clone();
    let mut r = json(
        StatusCode::CREATED,
        &ApiAssessment {
            id: stored.firm,
            version: stored.version,
            submitted_at: stored.submitted_at,
            region: stored.region,
            assessment,
        },
    );
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/assessments/{id}")) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    if replayed && let Ok(name) = header::HeaderName::from_bytes(IDEMPOTENCY_REPLAYED.as_bytes()) {
        r.headers_mut()
            .insert(name, HeaderValue::from_static("true"));
    }
    r
}

fn stored_as(firm: &str, version: u32, at: i64, s: &NewSubmission) -> StoredSubmission {
    StoredSubmission {
        firm: firm.to_string(),
        version,
        model_id: s.model_id.clone(),
        model_version: s.model_version.clone(),
        region: s.region.clone(),
        industry: s.industry.clone(),
        size: s.size.clone(),
        sheet: s.sheet.clone(),
        submitted_at: at,
    }
}

/// Is a stored firm of this region one the token may read?
fn in_scope(token: &ApiToken, region: Option<&str>) -> bool {
    region.is_some_and(|r| r.starts_with(&token.region_prefix))
}

fn not_found() -> Response {
    problem(StatusCode::NOT_FOUND, Diagnostic::error("api-not-found"))
}

/// `GET /api/v1/assessments/{id}`: the latest version of an assessment of the token's region.
/// One of another region is not found, as one that does not exist.
pub async fn read(
    State(st): St,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let token = match authorize(&st, &headers).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let Ok(Path(id)) = id else {
        return not_found();
    };
    if !is_token(&id) {
        return not_found();
    }
    let s = st.clone();
    let found = blocking(move || s.storage.latest(&id)).await;
    let stored = match found {
        Ok(Some(x)) => x,
        Ok(None) => return not_found(),
        Err(e) => return internal(e),
    };
    if !in_scope(&token, stored.region.as_deref()) {
        return not_found();
    }
    let s = st.clone();
    let scored = blocking(move || {
        let source = SourceFile::from_text("stored.json", &stored.sheet);
        let sheet = crate::pipeline::check(&s.model, &source)
            .0
            .ok_or_else(|| anyhow::anyhow!("stored submission {} no longer checks", stored.firm))?;
        let assessment = crate::score::score(&s.model, &sheet);
        Ok(ApiAssessment {
            id: stored.firm,
            version: stored.version,
            submitted_at: stored.submitted_at,
            region: stored.region,
            assessment,
        })
    })
    .await;
    match scored {
        Ok(a) => json(StatusCode::OK, &a),
        Err(e) => internal(e),
    }
}

/// Filters of a region's summary, as in the dashboard.
#[derive(Debug, Default, serde::Deserialize)]
struct SummaryQuery {
    #[serde(default)]
    industry: String,
    #[serde(default)]
    size: String,
}

/// `GET /api/v1/regions/{code}/summary`: the office summary of the latest submission of every
/// firm in a region within the token's, small groups suppressed as in the dashboard.
pub async fn region_summary(
    State(st): St,
    headers: HeaderMap,
    code: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Response {
    let token = match authorize(&st, &headers).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let code = code.map(|Path(c)| c).unwrap_or_default();
    let Some(region) = region_scope(&code).filter(|_| code.len() == 6) else {
        return problem(
            StatusCode::BAD_REQUEST,
            Diagnostic::error("api-request")
                .variant("region")
                .quoted("region", &code),
        );
    };
    if !region.starts_with(&token.region_prefix) {
        return problem(
            StatusCode::FORBIDDEN,
            Diagnostic::error("api-region")
                .quoted("region", &code)
                .arg("scope", scope_arg(&token)),
        );
    }
    let q: SummaryQuery = match serde_urlencoded::from_str(query.as_deref().unwrap_or("")) {
        Ok(q) => q,
        Err(_) => return bad_filter(),
    };
    let industry = q.industry.trim().to_ascii_uppercase();
    if industry.len() > 5 || !industry.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return bad_filter();
    }
    let size = match q.size.trim() {
        "" => None,
        s @ ("micro" | "small" | "medium" | "large") => Some(s.to_string()),
        _ => return bad_filter(),
    };
    let filter = SubmissionFilter {
        region_prefix: region,
        industry_prefix: industry,
        size,
        all_versions: false,
    };
    let s = st.clone();
    match blocking(move || super::office::summarise(&s, &filter)).await {
        Ok(summary) => json(StatusCode::OK, &summary),
        Err(e) => internal(e),
    }
}

fn bad_filter() -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        Diagnostic::error("api-request").variant("filter"),
    )
}

/// `GET /api/openapi.json`: the OpenAPI 3.1 document of this server's model.
pub async fn openapi(State(st): St) -> Response {
    json(StatusCode::OK, &super::openapi::document(&st.model))
}
