//! Request guards: CSRF (double-submit cookie on every POST), security headers, per-IP rate limit,
//! cookies.

use super::auth::{random_token, same_secret};
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Largest request body accepted: a questionnaire page is a few KiB.
pub const MAX_BODY: usize = 64 * 1024;

/// Name of the CSRF cookie and form field.
pub const CSRF_COOKIE: &str = "smedx_csrf";
pub const CSRF_FIELD: &str = "csrf";

/// The CSRF token of this request, for the forms of the page.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// The value of cookie `name`, if the request has it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: HttpOnly and SameSite=Strict always, Secure when served over HTTPS.
pub fn set_cookie(name: &str, value: &str, path: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

/// CSRF protection for every form: a POST must carry the `csrf` field equal to the `smedx_csrf`
/// cookie (which a foreign site can neither read nor, with SameSite=Strict, send). Other requests
/// get the token, set as a cookie when new. The body is read here once, within [`MAX_BODY`].
pub async fn csrf(secure: bool, body_read: Duration, req: Request, next: Next) -> Response {
    let existing = cookie(req.headers(), CSRF_COOKIE).filter(|t| super::auth::is_token(t));
    if req.method() == Method::POST {
        let (parts, body) = req.into_parts();
        let bytes = match tokio::time::timeout(body_read, to_bytes(body, MAX_BODY)).await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(_)) => {
                return (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "请求内容过大 / request body too large",
                )
                    .into_response();
            }
            Err(_) => {
                return (
                    StatusCode::REQUEST_TIMEOUT,
                    "请求内容超时 / request body too slow",
                )
                    .into_response();
            }
        };
        let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        let sent = form.iter().find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v);
        let ok = matches!((&existing, sent), (Some(c), Some(s)) if same_secret(c, s));
        if !ok {
            return (
                StatusCode::FORBIDDEN,
                "CSRF check failed: reload the page and send the form again",
            )
                .into_response();
        }
        let mut req = Request::from_parts(parts, Body::from(bytes));
        let token = existing.unwrap_or_default();
        req.extensions_mut().insert(CsrfToken(token));
        return next.run(req).await;
    }
    let (token, fresh) = match existing {
        Some(t) => (t, false),
        None => match random_token() {
            Ok(t) => (t, true),
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
    };
    let mut req = req;
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut resp = next.run(req).await;
    if fresh
        && let Ok(v) = HeaderValue::from_str(&set_cookie(CSRF_COOKIE, &token, "/", 86_400, secure))
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// Whether `target` (already percent-decoded) is a path on this site and nothing else: `/`, or
/// `/` then a path character, with no control or space characters (browsers drop them, so
/// `/\t/host` would become `//host`), no `//` and no `\` anywhere.
pub fn is_local_path(target: &str) -> bool {
    target.starts_with('/')
        && !target.contains("//")
        && !target.contains('\\')
        && !target.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// A 303 redirect to a local path; any other target goes to `/` instead.
pub fn see_other(target: &str) -> Response {
    let target = if is_local_path(target) { target } else { "/" };
    axum::response::Redirect::to(target).into_response()
}

/// Headers on every response: no script, no framing, no referrer (draft links are secrets), no caching.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::CACHE_CONTROL, "no-store");
    resp
}

/// Token buckets per key (a client IP by default, or a credit code): `capacity` requests, refilled
/// continuously over `window`; a capacity of 0 = no limit.
pub struct RateLimiter<K = IpAddr> {
    capacity: u32,
    window: Duration,
    buckets: Mutex<HashMap<K, (f64, Instant)>>,
}

impl<K: Hash + Eq> RateLimiter<K> {
    /// `per_minute` requests a minute per key.
    pub fn new(per_minute: u32) -> RateLimiter<K> {
        RateLimiter::with_window(per_minute, Duration::from_secs(60))
    }

    /// `capacity` requests per `window` per key.
    pub fn with_window(capacity: u32, window: Duration) -> RateLimiter<K> {
        RateLimiter {
            capacity,
            window,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// May `key` make one more limited request now?
    pub fn allow(&self, key: K) -> bool {
        self.allow_at(key, Instant::now())
    }

    fn allow_at(&self, key: K, now: Instant) -> bool {
        if self.capacity == 0 {
            return true;
        }
        let cap = f64::from(self.capacity);
        let rate = cap / self.window.as_secs_f64().max(1e-3);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 100_000 {
            // Forget clients whose bucket has refilled: they are indistinguishable from new ones.
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < cap
            });
        }
        let (tokens, at) = buckets.entry(key).or_insert((cap, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(cap);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_empties_and_refills() {
        let r = RateLimiter::new(2);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        let t = Instant::now();
        assert!(r.allow_at(ip, t) && r.allow_at(ip, t));
        assert!(!r.allow_at(ip, t));
        assert!(r.allow_at(other, t), "buckets are per IP");
        assert!(r.allow_at(ip, t + Duration::from_secs(30)));
        assert!(RateLimiter::new(0).allow_at(ip, t));
    }

    #[test]
    fn a_bucket_per_credit_code_refills_over_its_window() {
        let r = RateLimiter::with_window(2, Duration::from_secs(3600));
        let t = Instant::now();
        let code = || "91330381MA2HXXXX1X".to_string();
        assert!(r.allow_at(code(), t) && r.allow_at(code(), t));
        assert!(!r.allow_at(code(), t + Duration::from_secs(60)));
        assert!(r.allow_at("other".to_string(), t));
        assert!(r.allow_at(code(), t + Duration::from_secs(1800)));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; smedx_csrf=xyz; b=2"),
        );
        assert_eq!(cookie(&h, CSRF_COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
        let c = set_cookie("s", "v", "/office", 60, false);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && !c.contains("Secure"));
    }

    #[test]
    fn only_local_paths_are_redirect_targets() {
        for ok in ["/", "/d/abc/page/2", "/office?region=51"] {
            assert!(is_local_path(ok), "{ok}");
        }
        for bad in [
            "",
            "x",
            "//host",
            "/\t/host",
            "/\\host",
            "\\host",
            "/ /host",
            "/a//b",
            "/\u{7f}x",
            "/\u{85}/host",
            "https://host",
            "/\r\nSet-Cookie: x",
        ] {
            assert!(!is_local_path(bad), "{bad:?}");
        }
    }
}
