//! `smedx serve`: the web self-assessment for firms and the dashboard for offices, over a
//! [`storage::Storage`] (SQLite by default). Pages are minijinja templates and work without
//! JavaScript.

pub mod api;
pub(crate) mod auth;
pub(crate) mod connections;
mod firm;
pub(crate) mod guard;
mod links;
mod office;
pub mod openapi;
pub(crate) mod profile_form;
pub(crate) mod questionnaire;
pub mod storage;
pub mod storage_pg;
mod storage_sql;
mod storage_sqlite;

use crate::model::Model;
use crate::roadmap::{self, Catalog, Policy};
use crate::text::Lang;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use minijinja::Environment;
use serde::Serialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use storage::Storage;

/// How long an office session lasts, in seconds.
pub const SESSION_SECONDS: i64 = 8 * 3600;

/// Everything `smedx serve` is started with.
pub struct Config {
    pub addr: SocketAddr,
    pub model: Model,
    /// Templates that replace the bundled ones file by file.
    pub templates: Option<PathBuf>,
    /// Submissions, new drafts and logins per minute per client IP (0 = no limit).
    pub rate_per_minute: u32,
    /// Mark cookies `Secure` (when served behind HTTPS).
    pub secure_cookies: bool,
    /// Smallest group shown in office views.
    pub min_group: u64,
    /// Timeouts and the connection cap.
    pub limits: connections::Limits,
    pub drafts: DraftLimits,
    /// Firms expected to take part (`--roster`): each office sees its own region's part.
    pub roster: Option<crate::aggregate::roster::Roster>,
    /// JSON API requests per minute per token (0 = no limit).
    pub api_rate_per_minute: u32,
}

/// How many drafts live, how long, and how often they are saved.
#[derive(Debug, Clone, Copy)]
pub struct DraftLimits {
    /// A draft never submitted is deleted this long after its last edit.
    pub keep_seconds: i64,
    /// Draft saves per minute per client IP (0 = no limit).
    pub saves_per_minute: u32,
    /// Live drafts started from one client IP (0 = no limit).
    pub per_ip: u64,
    /// Live drafts in all (0 = no limit).
    pub total: u64,
}

impl Default for DraftLimits {
    fn default() -> DraftLimits {
        DraftLimits {
            keep_seconds: 90 * 86_400,
            saves_per_minute: 120,
            per_ip: 200,
            total: 100_000,
        }
    }
}

/// Shared by every handler.
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub model: Model,
    pub catalog: Catalog,
    pub policies: Vec<Policy>,
    pub templates: Option<PathBuf>,
    envs: [Environment<'static>; 2],
    pub limiter: guard::RateLimiter,
    /// Recovery attempts per credit code (whatever the client's address).
    pub recovery_limiter: guard::RateLimiter<String>,
    pub secure_cookies: bool,
    pub min_group: u64,
    pub limits: connections::Limits,
    pub drafts: DraftLimits,
    pub roster: Option<crate::aggregate::roster::Roster>,
    /// Draft saves per client IP.
    pub save_limiter: guard::RateLimiter,
    /// JSON API requests per token id.
    pub api_limiter: guard::RateLimiter<String>,
    /// Verified when a login names an unknown user, so both cases take the same time.
    dummy_hash: String,
    /// The CJK fonts of PDF and Word downloads, loaded at the first such download.
    fonts: std::sync::OnceLock<Option<crate::report::pdf::Fonts>>,
}

impl AppState {
    /// Prepare the state; fails when the bundled catalog does not fit the model.
    pub fn new(config: &Config, storage: Arc<dyn Storage>) -> anyhow::Result<AppState> {
        let catalog = roadmap::bundled_catalog(&config.model).0.ok_or_else(|| {
            anyhow::anyhow!(
                "the bundled solution catalog does not fit model `{}`",
                config.model.id
            )
        })?;
        let env = |lang| crate::report::environment(config.templates.clone(), lang);
        Ok(AppState {
            storage,
            model: config.model.clone(),
            catalog,
            policies: roadmap::bundled_policies().0,
            templates: config.templates.clone(),
            envs: [env(Lang::Zh), env(Lang::En)],
            limiter: guard::RateLimiter::new(config.rate_per_minute),
            recovery_limiter: guard::RateLimiter::with_window(
                links::RECOVERY_PER_CODE_PER_HOUR,
                std::time::Duration::from_secs(3600),
            ),
            secure_cookies: config.secure_cookies,
            min_group: config.min_group,
            limits: config.limits,
            drafts: config.drafts,
            roster: config.roster.clone(),
            save_limiter: guard::RateLimiter::new(config.drafts.saves_per_minute),
            api_limiter: guard::RateLimiter::new(config.api_rate_per_minute),
            dummy_hash: auth::hash_password("no such user")?,
            fonts: std::sync::OnceLock::new(),
        })
    }

    /// The fonts of PDF and Word reports (the system's Noto Sans CJK SC or Source Han Sans SC).
    pub fn fonts(&self) -> anyhow::Result<&crate::report::pdf::Fonts> {
        self.fonts
            .get_or_init(|| crate::report::pdf::Fonts::load(None).ok())
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("no Chinese font for PDF and Word reports"))
    }

    /// Render page template `name` in `lang`.
    pub fn page(&self, lang: Lang, name: &str, ctx: impl Serialize) -> Response {
        let env = &self.envs[usize::from(lang == Lang::En)];
        match env
            .get_template(name)
            .and_then(|t| t.render(minijinja::value::Serde(ctx)))
        {
            Ok(html) => Html(html).into_response(),
            Err(e) => {
                let _ = std::io::Write::write_fmt(
                    &mut std::io::stderr(),
                    format_args!("smedx serve: template {name}: {e:#}\n"),
                );
                (StatusCode::INTERNAL_SERVER_ERROR, "page template error").into_response()
            }
        }
    }

    /// An error page with a status.
    pub fn fail(&self, lang: Lang, status: StatusCode, zh: &str, en: &str) -> Response {
        let mut r = self.page(
            lang,
            "serve_error.html",
            minijinja::context! {
                status => status.as_u16(),
                message => if lang == Lang::En { en } else { zh },
                lang => if lang == Lang::En { "en" } else { "zh" },
                here => "/",
            },
        );
        *r.status_mut() = status;
        r
    }
}

/// The language the visitor chose (cookie `smedx_lang`), Chinese by default.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    match guard::cookie(headers, "smedx_lang").as_deref() {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    }
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Run blocking work (storage, scoring, argon2) off the async workers.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| anyhow::anyhow!("worker failed: {e}"))?
}

/// An internal error: logged, and a plain 500 for the browser.
pub fn internal(e: anyhow::Error) -> Response {
    let _ = std::io::Write::write_fmt(&mut std::io::stderr(), format_args!("smedx serve: {e:#}\n"));
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}

/// Every route, with the guards around them.
pub fn router(state: Arc<AppState>) -> Router {
    let secure = state.secure_cookies;
    let body_read = state.limits.body_read;
    Router::new()
        .route("/", get(firm::start_page))
        .route("/start", post(firm::start))
        .route("/lang/{lang}", get(firm::set_lang))
        .route(
            "/d/{token}/profile",
            get(firm::profile_page).post(firm::save_profile),
        )
        .route(
            "/d/{token}/page/{n}",
            get(firm::dimension_page).post(firm::save_dimension),
        )
        .route("/d/{token}/review", get(firm::review))
        .route("/d/{token}/submit", post(firm::submit))
        .route("/d/{token}", get(links::firm_page))
        .route("/d/{token}/recovery-code", post(links::make_recovery_code))
        .route("/recover", get(links::recover_page).post(links::recover))
        .route("/r/{token}", get(links::report_page))
        .route("/r/{token}/{file}", get(firm::download))
        .route("/office/login", get(office::login_page).post(office::login))
        .route("/office/logout", post(office::logout))
        .route("/office", get(office::dashboard))
        .route("/office/summary.{ext}", get(office::summary))
        .layer(axum::middleware::from_fn(move |req, next| {
            guard::csrf(secure, body_read, req, next)
        }))
        .merge(api::routes())
        .layer(DefaultBodyLimit::max(guard::MAX_BODY))
        .layer(axum::middleware::from_fn(guard::security_headers))
        .with_state(state)
}

/// Open the database, bind, print the address and serve until the process ends.
pub fn run(config: Config, storage: Arc<dyn Storage>) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::io::Write;
    let state = Arc::new(AppState::new(&config, storage)?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let addr = listener.local_addr()?;
        let _ = writeln!(std::io::stdout(), "smedx serve: listening on http://{addr}");
        std::io::stdout().flush().ok();
        let limits = state.limits;
        // Drafts never submitted go some time after their last edit: before the first request is
        // served (so an expired link is never answered), then once a day.
        let sweeper = state.clone();
        let keep = sweeper.drafts.keep_seconds;
        let first = sweeper.clone();
        match blocking(move || first.storage.sweep_drafts(now().saturating_sub(keep))).await {
            Ok(0) => {}
            Ok(n) => log_line(format_args!(
                "smedx serve: 已删除 {n} 份过期未提交的问卷 / removed {n} expired drafts"
            )),
            Err(e) => log_line(format_args!("smedx serve: sweeping drafts: {e:#}")),
        }
        tokio::spawn(async move {
            let mut daily = tokio::time::interval(std::time::Duration::from_secs(86_400));
            // The first tick is immediate: the sweep at start is done above.
            daily.tick().await;
            loop {
                daily.tick().await;
                let s = sweeper.clone();
                let keep = s.drafts.keep_seconds;
                let keys = s.clone();
                let swept_keys = blocking(move || {
                    keys.storage
                        .sweep_idempotency(now() - storage::IDEMPOTENCY_SECONDS)
                })
                .await;
                if let Err(e) = swept_keys {
                    log_line(format_args!(
                        "smedx serve: sweeping idempotency keys: {e:#}"
                    ));
                }
                match blocking(move || s.storage.sweep_drafts(now().saturating_sub(keep))).await {
                    Ok(0) => {}
                    Ok(n) => log_line(format_args!(
                        "smedx serve: 已删除 {n} 份过期未提交的问卷 / removed {n} expired drafts"
                    )),
                    Err(e) => log_line(format_args!("smedx serve: sweeping drafts: {e:#}")),
                }
            }
        });
        connections::serve(listener, router(state), limits).await;
        Ok(())
    })
}

/// One line of the server's log on standard error; a line that cannot be written is lost, not a panic.
pub(crate) fn log_line(line: std::fmt::Arguments) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
}
