//! Where the web self-assessment keeps drafts, submissions, office users and sessions: one small
//! [`Storage`] trait the handlers use, with its types. Both backends, SQLite
//! (`storage_sqlite`) and PostgreSQL (`storage_pg`), run the same SQL (`storage_sql`).

pub use super::storage_sqlite::SqliteStorage;
use std::path::Path;

/// A submitted answer sheet as stored: one version of one firm's assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSubmission {
    /// The firm's identity ([`DraftLinks::firm`]; no account).
    pub firm: String,
    /// 1 for the first submission, +1 for each edit.
    pub version: u32,
    pub model_id: String,
    pub model_version: String,
    /// 6-digit region code, industry code and size class from the checked profile (for filters).
    pub region: Option<String>,
    pub industry: Option<String>,
    pub size: Option<String>,
    /// The answer sheet as JSON, in the format `smedx score` and `smedx aggregate` read.
    pub sheet: String,
    /// Unix seconds.
    pub submitted_at: i64,
}

/// What a new submission carries; the version is assigned by the storage.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub model_id: String,
    pub model_version: String,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub size: Option<String>,
    pub sheet: String,
}

impl NewSubmission {
    /// A checked sheet of `model` to store, its profile's region (unless given), industry and
    /// size class kept for the filters; `json` is the sheet on one line (aggregation reads the
    /// stored sheets as JSON Lines).
    pub fn of(
        model: &crate::model::Model,
        sheet: &crate::answers::AnswerSheet,
        region: Option<String>,
        json: String,
    ) -> NewSubmission {
        let size = sheet
            .profile
            .size_class
            .and_then(|s| serde_json::to_value(s).ok());
        NewSubmission {
            model_id: model.id.clone(),
            model_version: model.version.clone(),
            region: region.or_else(|| sheet.profile.region.clone()),
            industry: sheet.profile.industry.clone(),
            size: size.and_then(|v| v.as_str().map(str::to_string)),
            sheet: json,
        }
    }
}

/// Which submissions an office view reads. Prefixes match the start of the stored code.
#[derive(Debug, Clone, Default)]
pub struct SubmissionFilter {
    pub region_prefix: String,
    pub industry_prefix: String,
    pub size: Option<String>,
    /// Every version, not only each firm's latest.
    pub all_versions: bool,
}

/// An office user: who may see which region.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeUser {
    pub name: String,
    /// Region-code prefix the user is scoped to ("" = the whole country).
    pub region_prefix: String,
    /// Argon2 PHC string.
    pub password_hash: String,
}

/// A draft's identity and its two links: separate capabilities, each 128 random bits.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftLinks {
    /// The firm's identity in the submissions, never a link. A draft made before the links were
    /// split keeps its first link token here (that token is also its edit link until recovered).
    pub firm: String,
    /// Opens the questionnaire: read, edit and submit (`/d/<edit>/…`).
    pub edit: String,
    /// Opens the latest submission's report and downloads, nothing else (`/r/<report>`).
    pub report: String,
}

/// A stored 取回码: the hash that may recover one draft's edit link.
#[derive(Debug, Clone, PartialEq)]
pub struct RecoveryEntry {
    pub firm: String,
    /// Argon2 PHC string of the normalised code.
    pub code_hash: String,
}

/// Where a 取回码 is looked up: the credit code and the code's first characters (its selector),
/// stored in clear so that an attempt checks about one hash, and so that drafts someone else starts
/// under the same credit code cannot crowd a firm's own 取回码 out of the look-up.
#[derive(Debug, Clone, PartialEq)]
pub struct RecoveryKey {
    pub credit_code: String,
    pub selector: String,
}

/// At most this many drafts are tried for one key (newest 取回码 first), so an attempt costs a
/// bounded number of hash checks.
pub const MAX_RECOVERY_ENTRIES: usize = 8;

// --- JSON API: region-scoped tokens and idempotency keys ----------------------------------------

/// An API token of `smedx token`: a public id and a secret known only as its hash.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiToken {
    /// Public part of the token (16 hex digits), shown by `smedx token list`.
    pub id: String,
    /// Region-code prefix the token submits for and reads ("" = the whole country).
    pub region_prefix: String,
    /// Free text naming the platform the token was given to.
    pub label: String,
    /// Hash of the secret part ([`super::auth::hash_api_secret`]).
    pub secret_hash: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; a revoked token opens nothing.
    pub revoked_at: Option<i64>,
}

/// An API submission under an idempotency key: the first request with a key stores the
/// submission; a retry within the key's lifetime gets the same firm and version back.
#[derive(Debug, Clone, PartialEq)]
pub struct IdempotencyKey {
    /// The token that sent the request (keys are per token).
    pub token_id: String,
    /// The `Idempotency-Key` header as sent.
    pub key: String,
    /// Hash of the request body, so a key reused for a different body is told apart.
    pub request_hash: String,
}

/// What [`Storage::submit_idempotent`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct IdempotentOutcome {
    pub firm: String,
    pub version: u32,
    /// The request hash stored with the key (differs from the request's when the key was reused).
    pub request_hash: String,
    /// True when the key was seen before and nothing was stored.
    pub replayed: bool,
}

/// How long an idempotency key is kept, in seconds.
pub const IDEMPOTENCY_SECONDS: i64 = 24 * 3600;

/// The storage interface the handlers use. Calls block; the server runs them off the async workers.
pub trait Storage: Send + Sync {
    /// Create an empty draft with its identity and links, started by `client` (an IP address).
    fn create_draft(
        &self,
        links: &DraftLinks,
        sheet: &str,
        now: i64,
        client: &str,
    ) -> anyhow::Result<()>;
    /// Drafts never submitted: (those `client` started, all).
    fn open_drafts(&self, client: &str) -> anyhow::Result<(u64, u64)>;
    /// Delete the drafts never submitted and last edited before `before`; how many went.
    fn sweep_drafts(&self, before: i64) -> anyhow::Result<u64>;
    /// The draft's sheet JSON, if the edit token exists.
    fn draft(&self, edit: &str) -> anyhow::Result<Option<String>>;
    /// Replace the draft's sheet; false when there is no such draft.
    fn save_draft(&self, edit: &str, sheet: &str, now: i64) -> anyhow::Result<bool>;
    /// The identity and links of the draft this edit token opens.
    fn links(&self, edit: &str) -> anyhow::Result<Option<DraftLinks>>;
    /// The firm whose report this report token opens.
    fn report_firm(&self, report: &str) -> anyhow::Result<Option<String>>;
    /// Store a 取回码 hash for the draft (replacing any earlier one) under the key it is looked up
    /// by; false when there is no such draft.
    fn set_recovery(
        &self,
        edit: &str,
        key: &RecoveryKey,
        code_hash: &str,
        now: i64,
    ) -> anyhow::Result<bool>;
    /// The credit code the firm's current 取回码 recovers with, if it has one.
    fn recovery_credit_code(&self, firm: &str) -> anyhow::Result<Option<String>>;
    /// The 取回码 hashes stored under a key, newest first, at most [`MAX_RECOVERY_ENTRIES`].
    fn recovery_entries(&self, key: &RecoveryKey) -> anyhow::Result<Vec<RecoveryEntry>>;
    /// Give the firm's draft a new edit link; the old one stops working. False when no such firm.
    fn replace_edit_link(&self, firm: &str, edit: &str) -> anyhow::Result<bool>;
    /// Store a new version of the firm's submission; returns it once the transaction committed.
    fn submit(&self, firm: &str, s: &NewSubmission, now: i64) -> anyhow::Result<u32>;
    /// The firm's latest submission.
    fn latest(&self, firm: &str) -> anyhow::Result<Option<StoredSubmission>>;
    /// Submissions matching `filter`, oldest first.
    fn submissions(&self, filter: &SubmissionFilter) -> anyhow::Result<Vec<StoredSubmission>> {
        let mut all = Vec::new();
        self.each_submission(filter, &mut |s| {
            all.push(s);
            Ok(())
        })?;
        Ok(all)
    }
    /// Submissions matching `filter`, oldest first, given to `f` one at a time as the database
    /// reads them (so `smedx dump` of millions holds one at a time); an error of `f` stops it.
    fn each_submission(
        &self,
        filter: &SubmissionFilter,
        f: &mut dyn FnMut(StoredSubmission) -> anyhow::Result<()>,
    ) -> anyhow::Result<()>;
    /// Add an office user, or replace its password and region; the user's sessions end.
    fn put_user(&self, user: &OfficeUser) -> anyhow::Result<()>;
    /// Every office user, by name.
    fn users(&self) -> anyhow::Result<Vec<OfficeUser>>;
    /// Remove an office user and its sessions; false when there is no such user.
    fn remove_user(&self, name: &str) -> anyhow::Result<bool>;
    fn user(&self, name: &str) -> anyhow::Result<Option<OfficeUser>>;
    fn create_session(&self, token: &str, user: &str, expires: i64) -> anyhow::Result<()>;
    /// The user of a session that has not expired.
    fn session_user(&self, token: &str, now: i64) -> anyhow::Result<Option<OfficeUser>>;
    fn delete_session(&self, token: &str) -> anyhow::Result<()>;

    // --- JSON API (one block, simple SQL: tables `api_tokens`, `api_idempotency`) ---

    /// Store a new API token.
    fn add_api_token(&self, token: &ApiToken) -> anyhow::Result<()>;
    /// The token with this public id, revoked or not.
    fn api_token(&self, id: &str) -> anyhow::Result<Option<ApiToken>>;
    /// Every token, oldest first.
    fn api_tokens(&self) -> anyhow::Result<Vec<ApiToken>>;
    /// Revoke a token; false when there is no such token or it was revoked already.
    fn revoke_api_token(&self, id: &str, now: i64) -> anyhow::Result<bool>;
    /// In one transaction: when `key` was stored after `now - IDEMPOTENCY_SECONDS`, return what it
    /// stored (`replayed`); otherwise store the submission as a new version of `firm` (version 1
    /// for a new firm) and the key with it.
    fn submit_idempotent(
        &self,
        firm: &str,
        s: &NewSubmission,
        key: &IdempotencyKey,
        now: i64,
    ) -> anyhow::Result<IdempotentOutcome>;
    /// Delete idempotency keys stored before `before`; how many went.
    fn sweep_idempotency(&self, before: i64) -> anyhow::Result<u64>;
    /// One version of a firm's submission.
    fn submission(&self, firm: &str, version: u32) -> anyhow::Result<Option<StoredSubmission>>;
}

/// Open the storage `--db` names: a PostgreSQL URL (`postgres://…`) or a SQLite file.
pub fn open(db: &Path) -> anyhow::Result<std::sync::Arc<dyn Storage>> {
    match db.to_str() {
        Some(url) if super::storage_pg::is_url(url) => Ok(std::sync::Arc::new(
            super::storage_pg::PgStorage::open(url)?,
        )),
        _ => Ok(std::sync::Arc::new(SqliteStorage::open(db)?)),
    }
}

/// One test per function of [`contract`], each given a fresh storage by `$with_storage`
/// (`fn(fn(&dyn Storage))`).
#[cfg(test)]
macro_rules! contract_tests {
    ($with_storage:ident) => {
        $crate::serve::storage::contract_tests!(
            $with_storage:
            edits_make_new_versions_and_filters_read_the_latest,
            drafts_save_and_sessions_expire,
            links_are_separate_and_the_edit_link_can_be_replaced,
            old_unsubmitted_drafts_are_swept_and_counted_per_client,
            a_new_password_or_removal_ends_the_users_sessions,
            api_tokens_are_listed_and_revoked_once,
            a_retried_submission_is_stored_once_while_its_key_lives
        );
    };
    ($with_storage:ident: $($name:ident),*) => {$(
        #[test]
        fn $name() {
            $with_storage(contract::$name);
        }
    )*};
}
#[cfg(test)]
pub(crate) use contract_tests;

/// The behaviour every backend must have, as functions over `&dyn Storage`: each backend's tests
/// run them all ([`contract_tests`]).
#[cfg(test)]
pub(crate) mod contract {
    use super::*;

    pub(crate) fn sub(region: &str, industry: &str) -> NewSubmission {
        NewSubmission {
            model_id: "m".into(),
            model_version: "1".into(),
            region: Some(region.into()),
            industry: Some(industry.into()),
            size: Some("small".into()),
            sheet: "{}".into(),
        }
    }

    pub(crate) fn edits_make_new_versions_and_filters_read_the_latest(s: &dyn Storage) {
        assert_eq!(s.submit("a", &sub("510104", "C3670"), 1).unwrap(), 1);
        assert_eq!(s.submit("a", &sub("510104", "C3670"), 2).unwrap(), 2);
        assert_eq!(s.submit("b", &sub("520102", "F5100"), 3).unwrap(), 1);
        assert_eq!(s.latest("a").unwrap().unwrap().version, 2);
        let f = |region: &str, all| SubmissionFilter {
            region_prefix: region.into(),
            all_versions: all,
            ..Default::default()
        };
        assert_eq!(s.submissions(&f("", false)).unwrap().len(), 2);
        assert_eq!(s.submissions(&f("", true)).unwrap().len(), 3);
        assert_eq!(s.submissions(&f("5101", true)).unwrap().len(), 2);
        assert_eq!(s.submissions(&f("52", false)).unwrap()[0].firm, "b");
        // A LIKE wildcard in a filter is a literal character, not "anything".
        assert!(s.submissions(&f("5_", false)).unwrap().is_empty());
    }

    pub(crate) fn links(firm: &str) -> DraftLinks {
        DraftLinks {
            firm: firm.into(),
            edit: format!("{firm}-edit"),
            report: format!("{firm}-report"),
        }
    }

    pub(crate) fn drafts_save_and_sessions_expire(s: &dyn Storage) {
        s.create_draft(&links("t"), "{}", 1, "ip").unwrap();
        assert!(s.save_draft("t-edit", "{\"a\":1}", 2).unwrap());
        assert!(!s.save_draft("nope", "{}", 2).unwrap());
        assert_eq!(s.draft("t-edit").unwrap().as_deref(), Some("{\"a\":1}"));
        // The identity and the report token open no draft.
        assert!(s.draft("t").unwrap().is_none() && s.draft("t-report").unwrap().is_none());
        s.put_user(&OfficeUser {
            name: "u".into(),
            region_prefix: "5101".into(),
            password_hash: "h".into(),
        })
        .unwrap();
        s.create_session("k", "u", 100).unwrap();
        assert_eq!(s.session_user("k", 50).unwrap().unwrap().name, "u");
        assert!(s.session_user("k", 100).unwrap().is_none());
        s.delete_session("k").unwrap();
        assert!(s.session_user("k", 50).unwrap().is_none());
    }

    fn key(credit_code: &str, selector: &str) -> RecoveryKey {
        RecoveryKey {
            credit_code: credit_code.into(),
            selector: selector.into(),
        }
    }

    pub(crate) fn links_are_separate_and_the_edit_link_can_be_replaced(s: &dyn Storage) {
        s.create_draft(&links("f"), "{}", 1, "ip").unwrap();
        assert_eq!(s.links("f-edit").unwrap(), Some(links("f")));
        assert!(s.links("f-report").unwrap().is_none());
        assert_eq!(s.report_firm("f-report").unwrap().as_deref(), Some("f"));
        assert!(s.report_firm("f-edit").unwrap().is_none());

        assert_eq!(s.recovery_credit_code("f").unwrap(), None);
        assert!(
            s.set_recovery("f-edit", &key("91330381MA2HXXXX1X", "7K"), "h1", 5)
                .unwrap()
        );
        assert!(
            !s.set_recovery("nope", &key("91330381MA2HXXXX1X", "7K"), "h", 5)
                .unwrap()
        );
        assert_eq!(
            s.recovery_credit_code("f").unwrap().as_deref(),
            Some("91330381MA2HXXXX1X")
        );
        let entries = s
            .recovery_entries(&key("91330381MA2HXXXX1X", "7K"))
            .unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(
            (entries[0].firm.as_str(), entries[0].code_hash.as_str()),
            ("f", "h1")
        );
        for other in [
            key("91330381MA2HXXXX2X", "7K"),
            key("91330381MA2HXXXX1X", "7M"),
        ] {
            assert!(s.recovery_entries(&other).unwrap().is_empty(), "{other:?}");
        }

        assert!(s.replace_edit_link("f", "f-edit2").unwrap());
        assert!(
            s.draft("f-edit").unwrap().is_none(),
            "the old edit link stops working"
        );
        assert_eq!(s.draft("f-edit2").unwrap().as_deref(), Some("{}"));
        assert_eq!(s.report_firm("f-report").unwrap().as_deref(), Some("f"));
    }

    pub(crate) fn old_unsubmitted_drafts_are_swept_and_counted_per_client(s: &dyn Storage) {
        s.create_draft(&links("old"), "{}", 10, "1.1.1.1").unwrap();
        s.create_draft(&links("sent"), "{}", 10, "1.1.1.1").unwrap();
        s.create_draft(&links("new"), "{}", 10, "2.2.2.2").unwrap();
        assert!(s.save_draft("new-edit", "{}", 500).unwrap());
        s.submit("sent", &sub("510104", "C3670"), 11).unwrap();
        assert_eq!(s.open_drafts("1.1.1.1").unwrap(), (1, 2));
        assert_eq!(s.sweep_drafts(100).unwrap(), 1);
        assert!(s.draft("old-edit").unwrap().is_none());
        assert!(
            s.draft("sent-edit").unwrap().is_some(),
            "a submitted firm keeps its links"
        );
        assert!(s.draft("new-edit").unwrap().is_some(), "edited recently");
        assert_eq!(s.open_drafts("1.1.1.1").unwrap(), (0, 1));
    }

    pub(crate) fn a_new_password_or_removal_ends_the_users_sessions(s: &dyn Storage) {
        let u = |h: &str| OfficeUser {
            name: "u".into(),
            region_prefix: "51".into(),
            password_hash: h.into(),
        };
        s.put_user(&u("h1")).unwrap();
        s.create_session("k1", "u", 100).unwrap();
        s.put_user(&u("h2")).unwrap();
        assert!(s.session_user("k1", 50).unwrap().is_none());
        s.create_session("k2", "u", 100).unwrap();
        assert_eq!(s.users().unwrap(), vec![u("h2")]);
        assert!(s.remove_user("u").unwrap() && !s.remove_user("u").unwrap());
        assert!(s.session_user("k2", 50).unwrap().is_none());
        assert!(s.users().unwrap().is_empty());
    }

    fn token(id: &str, region: &str) -> ApiToken {
        ApiToken {
            id: id.into(),
            region_prefix: region.into(),
            label: "platform".into(),
            secret_hash: "h".into(),
            created_at: 1,
            revoked_at: None,
        }
    }

    pub(crate) fn api_tokens_are_listed_and_revoked_once(s: &dyn Storage) {
        s.add_api_token(&token("t1", "51")).unwrap();
        s.add_api_token(&token("t2", "")).unwrap();
        assert!(
            s.add_api_token(&token("t1", "52")).is_err(),
            "ids are unique"
        );
        assert_eq!(s.api_tokens().unwrap().len(), 2);
        assert!(s.revoke_api_token("t1", 9).unwrap());
        assert!(!s.revoke_api_token("t1", 10).unwrap(), "already revoked");
        assert!(!s.revoke_api_token("nope", 10).unwrap());
        assert_eq!(s.api_token("t1").unwrap().unwrap().revoked_at, Some(9));
        assert_eq!(s.api_token("t2").unwrap().unwrap().revoked_at, None);
    }

    pub(crate) fn a_retried_submission_is_stored_once_while_its_key_lives(s: &dyn Storage) {
        let key = |k: &str, h: &str| IdempotencyKey {
            token_id: "t1".into(),
            key: k.into(),
            request_hash: h.into(),
        };
        let first = s
            .submit_idempotent("f", &sub("510104", "C3670"), &key("k", "h1"), 100)
            .unwrap();
        assert_eq!((first.version, first.replayed), (1, false));
        let again = s
            .submit_idempotent("g", &sub("510104", "C3670"), &key("k", "h2"), 200)
            .unwrap();
        assert!(again.replayed);
        assert_eq!(
            (
                again.firm.as_str(),
                again.version,
                again.request_hash.as_str()
            ),
            ("f", 1, "h1")
        );
        assert!(
            s.latest("g").unwrap().is_none(),
            "nothing stored on a retry"
        );
        // Another token's key of the same name is its own.
        let other = IdempotencyKey {
            token_id: "t2".into(),
            ..key("k", "h1")
        };
        assert!(
            !s.submit_idempotent("h", &sub("52", "C"), &other, 200)
                .unwrap()
                .replayed
        );
        // After 24 hours the key is forgotten: a new submission is stored.
        let late = 100 + IDEMPOTENCY_SECONDS;
        let later = s
            .submit_idempotent("f", &sub("510104", "C3670"), &key("k", "h1"), late)
            .unwrap();
        assert_eq!((later.version, later.replayed), (2, false));
        assert_eq!(s.submission("f", 1).unwrap().unwrap().submitted_at, 100);
        assert_eq!(s.sweep_idempotency(late).unwrap(), 1, "t2's old key");
        assert_eq!(s.sweep_idempotency(late).unwrap(), 0);
    }
}
