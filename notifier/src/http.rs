//! The notifier's JSON API under `/api/v1`: a resident's notification preferences, and the
//! admin's view of the outbox (dead letters, retries, counts by state).
//!
//! [`routes`] also carries the pages of [`crate::pages`] (preferences, one-click unsubscribe,
//! the admin's mail page), so the binary mounts the notifier with one call.

use std::collections::HashMap;
use std::sync::Arc;

use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;
use warp::filters::BoxedFilter;
use warp::path;
use warp::reply::Response;
use warp::Filter;

use crate::NotifierLimit;
use veche_core::accounts::model::Role;
use veche_core::accounts::service;
use veche_core::clock;
use veche_core::id::AccountId;
use veche_core::platform::Platform;
use veche_core::web::api::{Api, NoBody, Request};
use veche_core::web::cursor::{after, parse_limit, split_page};
use veche_core::web::problem::Problem;
use veche_core::web::problem::ProblemDocument;
use veche_core::web::ratelimit::{self, UndeclaredLimit};
use veche_core::web::respond;
use veche_core::web::responses::{CsrfHeader, Paging};

use crate::model::{Delivery, Job, JobId, JobState};
use crate::outbox::Outbox;
use crate::prefs::{self, PrefsError};

/// A notifier API request with body `B`.
type Req<B = NoBody> = Request<Platform, Arc<Outbox>, B>;

/// A filter handing every route the outbox.
pub(crate) fn with_outbox(
    outbox: Arc<Outbox>,
) -> impl Filter<Extract = (Arc<Outbox>,), Error = std::convert::Infallible> + Clone {
    warp::any().map(move || outbox.clone())
}

/// Every notifier route: the JSON API below and the pages of [`crate::pages`].
pub fn routes(
    platform: Arc<Platform>,
    outbox: Arc<Outbox>,
) -> Result<BoxedFilter<(Response,)>, UndeclaredLimit> {
    let api = Api::new(platform.clone(), outbox.clone());
    let unsubscribe = ratelimit::by_ip(platform.limits.get(NotifierLimit::UnsubscribeIp)?);
    Ok(veche_core::web::combine(vec![
        api.get(
            path!("api" / "v1" / "me" / "notifications"),
            get_preferences,
        ),
        api.guarded(unsubscribe).put(
            path!("api" / "v1" / "me" / "notifications"),
            put_preferences,
        ),
        api.get(
            path!("api" / "v1" / "admin" / "mail" / "dead"),
            admin_dead_letters,
        ),
        api.post(
            path!("api" / "v1" / "admin" / "mail" / "dead" / String / "retry"),
            admin_retry_mail,
        ),
        api.get(
            path!("api" / "v1" / "admin" / "mail" / "stats"),
            admin_mail_stats,
        ),
        crate::pages::routes(platform, outbox)?,
    ]))
}

// ---- Views ----

/// How one kind of notification reaches the resident.
#[derive(Debug, Serialize, ToSchema)]
pub struct KindDelivery {
    /// The kind, e.g. `roles_changed`.
    pub kind: String,
    pub delivery: Delivery,
}

/// The resident's choices, one per kind that can be chosen (essential kinds, such as address
/// confirmation and password resets, are always sent at once and are not listed).
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPreferences {
    pub kinds: Vec<KindDelivery>,
}

/// One change: `delivery` is `immediately`, `digest` (in the daily digest) or `off`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KindDeliveryInput {
    #[schema(example = "roles_changed")]
    pub kind: String,
    /// `immediately`, `digest` or `off` (anything else is `422`).
    #[schema(example = "digest")]
    pub delivery: String,
}

/// The changes to make; kinds not named keep their delivery. All or nothing: one unknown kind
/// or delivery refuses the whole request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesInput {
    pub kinds: Vec<KindDeliveryInput>,
}

/// An outbox job as an admin sees it: never the recipient's address.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailJobView {
    pub id: String,
    pub kind: String,
    pub state: JobState,
    /// Delivery attempts started.
    pub attempts: u32,
    /// Why the last attempt failed (never holds the address).
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The account the email was for (`null` for an address that belongs to no account yet).
    pub recipient_account_id: Option<String>,
}

impl From<&Job> for MailJobView {
    fn from(job: &Job) -> Self {
        MailJobView {
            id: job.id.to_string(),
            kind: job.kind.to_string(),
            state: job.state,
            attempts: job.attempts,
            last_error: job.last_error.clone(),
            created_at: job.created_at,
            updated_at: job.updated_at,
            recipient_account_id: job.recipient.account_id.as_ref().map(|a| a.to_string()),
        }
    }
}

/// A page of dead letters, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailJobPage {
    pub items: Vec<MailJobView>,
    pub next_cursor: Option<String>,
}

/// How many jobs are in each state (every state is present, zero when empty).
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct StateCounts {
    pub queued: u64,
    pub sent: u64,
    pub dead: u64,
    pub held: u64,
    pub digested: u64,
    pub skipped: u64,
}

impl StateCounts {
    pub fn get(&self, state: JobState) -> u64 {
        match state {
            JobState::Queued => self.queued,
            JobState::Sent => self.sent,
            JobState::Dead => self.dead,
            JobState::Held => self.held,
            JobState::Digested => self.digested,
            JobState::Skipped => self.skipped,
        }
    }

    fn slot(&mut self, state: JobState) -> &mut u64 {
        match state {
            JobState::Queued => &mut self.queued,
            JobState::Sent => &mut self.sent,
            JobState::Dead => &mut self.dead,
            JobState::Held => &mut self.held,
            JobState::Digested => &mut self.digested,
            JobState::Skipped => &mut self.skipped,
        }
    }
}

/// `GET /api/v1/admin/mail/stats`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailStats {
    pub counts: StateCounts,
}

// ---- What the API and the pages share ----

impl From<PrefsError> for Problem {
    fn from(err: PrefsError) -> Problem {
        match err {
            PrefsError::Invalid(invalid) => Problem::invalid(invalid),
            PrefsError::Store(e) => e.into(),
        }
    }
}

/// The resident's choices for every optional kind.
pub async fn preference_list(
    outbox: &Outbox,
    account: &AccountId,
) -> Result<NotificationPreferences, Problem> {
    let kinds = prefs::preferences(outbox, account)
        .await?
        .into_iter()
        .map(|(spec, delivery)| KindDelivery {
            kind: spec.name.to_string(),
            delivery,
        })
        .collect();
    Ok(NotificationPreferences { kinds })
}

fn not_dead() -> Problem {
    Problem::conflict("not_dead")
}

/// One page of dead letters (`limit`, `cursor` from the query) and the cursor of the next.
pub async fn dead_letters(
    outbox: &Outbox,
    query: &HashMap<String, String>,
) -> Result<(Vec<Job>, Option<String>), Problem> {
    let limit = parse_limit(query)?;
    let before = after(query, JobId::parse)?;
    let jobs = outbox
        .store
        .list(JobState::Dead, before.as_ref(), limit + 1)
        .await?;
    Ok(split_page(jobs, limit, |j| j.id.to_string()))
}

/// Counts of jobs by state.
pub async fn state_counts(outbox: &Outbox) -> Result<StateCounts, Problem> {
    let mut counts = StateCounts::default();
    for (state, n) in outbox.store.counts().await? {
        *counts.slot(state) = n;
    }
    Ok(counts)
}

/// Puts a dead letter back in the queue for `admin`: lifts the address's suppression (else the
/// worker would skip it again as bounced), requeues it with fresh attempts, writes the audit
/// entry and wakes the worker. 404 for no such job, 409 `not_dead` when it is not dead.
pub async fn retry_dead(
    platform: &Platform,
    outbox: &Outbox,
    admin: &AccountId,
    id: &str,
) -> Result<Job, Problem> {
    let id = JobId::parse(id).ok_or_else(Problem::not_found)?;
    let job = outbox
        .store
        .job(&id)
        .await?
        .ok_or_else(Problem::not_found)?;
    if job.state != JobState::Dead {
        return Err(not_dead());
    }
    // Before the requeue: a worker may claim the job the moment it is queued.
    let unsuppressed = outbox.store.unsuppress(&job.recipient.email).await?;
    if !outbox.store.requeue(&id, clock::now()).await? {
        // Another admin was quicker.
        return Err(not_dead());
    }
    service::audit(
        platform,
        admin,
        "mail.retried",
        format!("mail_job:{id}"),
        None,
        json!({
            "kind": job.kind.as_str(),
            "attempts": job.attempts,
            "last_error": job.last_error,
            "unsuppressed": unsuppressed,
        }),
    )
    .await?;
    outbox.waker().notify_one();
    tracing::info!(job = %id, kind = %job.kind, unsuppressed, "dead letter retried");
    Ok(outbox.store.job(&id).await?.unwrap_or(job))
}

// ---- Handlers ----

/// Your notification preferences.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "notifications",
    responses((status = 200, body = NotificationPreferences),
        (status = 401, description = "`unauthorized`, `invalid_token`", body = ProblemDocument),
        (status = 503, description = "`unavailable`", body = ProblemDocument)))]
pub async fn get_preferences(req: Req) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let list = preference_list(&req.state, &who.account.id).await?;
        Ok(respond::ok(&list))
    })
    .await
}

/// Changes how you receive some kinds of notification; answers with every kind's delivery.
#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "notifications",
    request_body = PreferencesInput,
    params(CsrfHeader),
    responses((status = 200, body = NotificationPreferences),
        (status = 400, description = "`invalid_json`, `invalid_type`, `unknown_field`, `missing_field`", body = ProblemDocument),
        (status = 401, body = ProblemDocument),
        (status = 403, description = "missing or wrong CSRF token", body = ProblemDocument),
        (status = 422, description = "`validation_failed` with `field` `kind` (reason `unknown_kind`: unknown, or essential and so not adjustable) or `delivery` (reason `invalid_delivery`); nothing is changed", body = ProblemDocument),
        (status = 429, description = "`rate_limited`", body = ProblemDocument)))]
pub async fn put_preferences(req: Req<PreferencesInput>) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let input = req.input()?;
        let changes: Vec<(String, String)> = input
            .kinds
            .iter()
            .map(|k| (k.kind.clone(), k.delivery.clone()))
            .collect();
        prefs::set_preferences(&req.state, &who.account.id, &changes).await?;
        let list = preference_list(&req.state, &who.account.id).await?;
        Ok(respond::ok(&list))
    })
    .await
}

/// Admin: emails that could not be delivered (dead letters), newest first.
#[utoipa::path(get, path = "/api/v1/admin/mail/dead", tag = "admin",
    params(Paging),
    responses((status = 200, body = MailJobPage),
        (status = 400, description = "`invalid_limit`, `invalid_cursor`", body = ProblemDocument),
        (status = 401, body = ProblemDocument), (status = 403, body = ProblemDocument)))]
pub async fn admin_dead_letters(req: Req) -> Response {
    req.answer(async {
        req.with_role(Role::Admin)?;
        let (jobs, next_cursor) = dead_letters(&req.state, &req.query()?).await?;
        Ok(respond::ok(&MailJobPage {
            items: jobs.iter().map(MailJobView::from).collect(),
            next_cursor,
        }))
    })
    .await
}

/// Admin: sends a dead letter again (fresh attempts; the address's suppression, if any, is
/// lifted). Audited as `mail.retried`.
#[utoipa::path(post, path = "/api/v1/admin/mail/dead/{id}/retry", tag = "admin",
    params(("id" = String, Path)),
    responses((status = 202, description = "Queued again", body = MailJobView),
        (status = 401, body = ProblemDocument), (status = 403, body = ProblemDocument),
        (status = 404, description = "`not_found`: no such job", body = ProblemDocument),
        (status = 409, description = "`not_dead`: the job is not a dead letter", body = ProblemDocument)))]
pub async fn admin_retry_mail(id: String, req: Req) -> Response {
    req.answer(async {
        let admin = &req.with_role(Role::Admin)?.account.id;
        let job = retry_dead(&req.platform, &req.state, admin, &id).await?;
        Ok(respond::json(
            StatusCode::ACCEPTED,
            &MailJobView::from(&job),
        ))
    })
    .await
}

/// Admin: how many outbox jobs are in each state.
#[utoipa::path(get, path = "/api/v1/admin/mail/stats", tag = "admin",
    responses((status = 200, body = MailStats),
        (status = 401, body = ProblemDocument), (status = 403, body = ProblemDocument)))]
pub async fn admin_mail_stats(req: Req) -> Response {
    req.answer(async {
        req.with_role(Role::Admin)?;
        let counts = state_counts(&req.state).await?;
        Ok(respond::ok(&MailStats { counts }))
    })
    .await
}

/// The notifier's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(get_preferences, put_preferences, admin_dead_letters, admin_retry_mail, admin_mail_stats),
    components(schemas(ProblemDocument, Delivery, JobState, KindDelivery, NotificationPreferences,
        KindDeliveryInput, PreferencesInput, MailJobView, MailJobPage, StateCounts, MailStats)),
    tags((name = "notifications", description = "How a resident receives each kind of email notification"))
)]
pub struct NotifierApi;

/// The notifier's routes on a real server (core's test server: a fresh SQLite store, a
/// `recover` like the binary's, a small HTTP/1.1 client).
#[cfg(test)]
pub(crate) mod testkit {
    use std::collections::BTreeMap;
    use std::net::SocketAddr;
    use std::sync::Arc;

    use veche_core::accounts::model::Role;
    use veche_core::notify::{kinds, Kind, KindSpec, Notification, Recipient};
    use veche_core::testing::server::{self, PlatformSpec};
    pub use veche_core::testing::server::{Reply, User};
    use veche_core::web::i18n::Lang;
    use veche_core::web::ratelimit::declare;
    use veche_core::{clock, Platform};

    use crate::model::{Job, JobId, Outcome};
    use crate::outbox::Outbox;
    use crate::{NotifierLimit, NOTIFIER_EN, NOTIFIER_RU};

    /// An opt-in kind, as a feature would declare one (the account kinds have none).
    pub const DISTRICT_NEWS: KindSpec = KindSpec::opt_in("district_news");

    pub struct Harness {
        pub platform: Arc<Platform>,
        pub outbox: Arc<Outbox>,
        addr: SocketAddr,
        _dir: tempfile::TempDir,
    }

    impl Harness {
        pub async fn start() -> Harness {
            Harness::with_rates(&[]).await
        }

        /// With some rate limits overridden, e.g. `("unsubscribe_ip", "2/min")`.
        pub async fn with_rates(rates: &[(&'static str, &'static str)]) -> Harness {
            let (backend, dir) = server::sqlite();
            let outbox = Arc::new(
                Outbox::open(&backend, &[kinds::ACCOUNT, &[DISTRICT_NEWS]])
                    .await
                    .unwrap_or_else(|e| panic!("outbox: {e}")),
            );
            let spec = PlatformSpec {
                catalogs: vec![(NOTIFIER_RU, NOTIFIER_EN)],
                limits: declare::<NotifierLimit>(),
                rates: rates.to_vec(),
                districts: false,
                ..PlatformSpec::default()
            };
            let platform = server::platform_on(backend, spec, outbox.clone()).await;
            let routes = super::routes(platform.clone(), outbox.clone())
                .unwrap_or_else(|e| panic!("routes: {e}"));
            let addr = server::serve(&platform, routes).await;
            Harness {
                platform,
                outbox,
                addr,
                _dir: dir,
            }
        }

        pub async fn user(&self, roles: &[Role]) -> User {
            server::user(&self.platform, roles).await
        }

        /// A dead `roles_changed` job for the user (its address suppressed when `bounced`).
        pub async fn dead_job(&self, user: &User, bounced: bool) -> JobId {
            let now = clock::now();
            let notification = Notification {
                kind: Kind::parse("roles_changed").unwrap_or_else(|e| panic!("{e}")),
                recipient: Recipient {
                    account_id: Some(user.account.id.clone()),
                    email: user.account.email.clone(),
                    name: None,
                },
                locale: Lang::Ru,
                data: BTreeMap::from([("link".to_string(), "/profile".to_string())]),
                idempotency_key: format!("test:{}", JobId::generate()),
            };
            let job = Job::from_notification(notification, now);
            let store = &self.outbox.store;
            assert!(store.insert(&job).await.unwrap_or_else(|e| panic!("{e}")));
            let claimed = store
                .claim("tests", now, now + time::Duration::minutes(1), 100)
                .await
                .unwrap_or_else(|e| panic!("claim: {e}"));
            assert!(claimed.iter().any(|j| j.id == job.id));
            let dead = Outcome::Dead {
                error: "550 mailbox unavailable".into(),
            };
            for j in &claimed {
                let outcome = if j.id == job.id {
                    dead.clone()
                } else {
                    Outcome::Defer { next_at: now }
                };
                store
                    .finish(&j.id, "tests", &outcome, now)
                    .await
                    .unwrap_or_else(|e| panic!("finish: {e}"));
            }
            if bounced {
                store
                    .suppress(&crate::model::Suppression {
                        email: user.account.email.clone(),
                        reason: "550".into(),
                        at: now,
                    })
                    .await
                    .unwrap_or_else(|e| panic!("suppress: {e}"));
            }
            job.id
        }

        /// Sends one request. `body: None` sends no body and no `Content-Length` at all.
        pub async fn send(
            &self,
            method: &str,
            path: &str,
            headers: &[(&str, &str)],
            body: Option<&str>,
        ) -> Reply {
            server::send(self.addr, method, path, headers, body).await
        }

        pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
            self.send("GET", path, headers, None).await
        }

        /// Sends `body` as `content_type`, after `headers`.
        async fn send_typed(
            &self,
            method: &str,
            path: &str,
            headers: &[(&str, &str)],
            content_type: &str,
            body: &str,
        ) -> Reply {
            let mut headers = headers.to_vec();
            headers.push(("Content-Type", content_type));
            self.send(method, path, &headers, Some(body)).await
        }

        pub async fn put_json(&self, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
            self.send_typed("PUT", path, headers, "application/json", body)
                .await
        }

        pub async fn post_form(&self, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
            let form = "application/x-www-form-urlencoded";
            self.send_typed("POST", path, headers, form, body).await
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use veche_core::accounts::model::Role;

    use super::testkit::Harness;
    use crate::model::{Delivery, JobState};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn preferences_list_the_optional_kinds_and_change_all_or_nothing() {
        let h = Harness::start().await;
        let anna = h.user(&[]).await;
        let auth = ("Authorization", anna.bearer.as_str());
        // The preferences as the API lists them, by kind.
        let listed = |district_news: &str, roles_changed: &str| {
            json!({"kinds": [
                {"kind": "district_news", "delivery": district_news},
                {"kind": "roles_changed", "delivery": roles_changed},
            ]})
        };

        let r = h.get("/api/v1/me/notifications", &[]).await;
        assert_eq!(r.status, 401, "{}", r.body);

        let r = h.get("/api/v1/me/notifications", &[auth]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            r.json(),
            listed("off", "immediately"),
            "essential kinds are not listed; an opt-in kind is off until switched on"
        );

        let body = json!({"kinds": [
            {"kind": "roles_changed", "delivery": "digest"},
            {"kind": "district_news", "delivery": "immediately"},
        ]})
        .to_string();
        let r = h.put_json("/api/v1/me/notifications", &[auth], &body).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json(), listed("immediately", "digest"));

        // One bad entry refuses the whole change.
        for (bad, field) in [
            (json!({"kind": "verify_email", "delivery": "off"}), "kind"),
            (json!({"kind": "no_such_kind", "delivery": "off"}), "kind"),
            (
                json!({"kind": "roles_changed", "delivery": "weekly"}),
                "delivery",
            ),
        ] {
            let body =
                json!({"kinds": [{"kind": "roles_changed", "delivery": "off"}, bad]}).to_string();
            let r = h.put_json("/api/v1/me/notifications", &[auth], &body).await;
            assert_eq!(r.status, 422, "{}", r.body);
            assert_eq!(r.json()["code"], "validation_failed");
            assert_eq!(r.json()["field"], field);
        }
        let stored = h.outbox.store.preferences(&anna.account.id).await.unwrap();
        assert_eq!(stored.get("roles_changed"), Some(&Delivery::Digest));

        let body = json!({"kinds": [], "extra": 1}).to_string();
        let r = h.put_json("/api/v1/me/notifications", &[auth], &body).await;
        assert_eq!(
            (r.status, r.json()["code"].clone()),
            (400, json!("unknown_field"))
        );

        // The session cookie needs the CSRF header.
        let body = json!({"kinds": []}).to_string();
        let cookie = ("Cookie", anna.cookie.as_str());
        let r = h
            .put_json("/api/v1/me/notifications", &[cookie], &body)
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        let csrf = ("X-CSRF-Token", anna.csrf.as_str());
        let r = h
            .put_json("/api/v1/me/notifications", &[cookie, csrf], &body)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dead_letters_are_listed_without_addresses_and_retried_once() {
        let h = Harness::start().await;
        let admin = h.user(&[Role::Admin]).await;
        let anna = h.user(&[]).await;
        let job = h.dead_job(&anna, true).await;
        let as_admin = ("Authorization", admin.bearer.as_str());
        let as_anna = ("Authorization", anna.bearer.as_str());

        let r = h.get("/api/v1/admin/mail/dead", &[as_anna]).await;
        assert_eq!(r.status, 403);
        let r = h.get("/api/v1/admin/mail/dead", &[]).await;
        assert_eq!(r.status, 401);

        let r = h.get("/api/v1/admin/mail/dead", &[as_admin]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let page = r.json();
        assert_eq!(page["next_cursor"], json!(null));
        let item = &page["items"][0];
        assert_eq!(item["id"], job.as_str());
        assert_eq!(item["kind"], "roles_changed");
        assert_eq!(item["state"], "dead");
        assert_eq!(item["attempts"], 1);
        assert_eq!(item["last_error"], "550 mailbox unavailable");
        assert_eq!(item["recipient_account_id"], anna.account.id.as_str());
        assert!(
            !r.body.contains(anna.account.email.as_str()),
            "no address in the list"
        );

        let r = h.get("/api/v1/admin/mail/stats", &[as_admin]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["counts"]["dead"], 1);
        assert_eq!(r.json()["counts"]["sent"], 0);

        let path = format!("/api/v1/admin/mail/dead/{job}/retry");
        let r = h.send("POST", &path, &[as_anna], Some("")).await;
        assert_eq!(r.status, 403);
        let r = h.send("POST", &path, &[as_admin], None).await;
        assert_eq!(r.status, 202, "{}", r.body);
        assert_eq!(r.json()["state"], "queued");
        let stored = h.outbox.store.job(&job).await.unwrap().unwrap();
        assert_eq!((stored.state, stored.attempts), (JobState::Queued, 0));
        let suppression = h
            .outbox
            .store
            .suppression(&anna.account.email)
            .await
            .unwrap();
        assert!(suppression.is_none(), "the retry lifts the suppression");
        let audit = h.platform.store.list_audit(None, 10).await.unwrap();
        assert!(audit.iter().any(|e| e.action == "mail.retried"
            && e.target == format!("mail_job:{job}")
            && e.actor_id == admin.account.id));

        let r = h.send("POST", &path, &[as_admin], None).await;
        assert_eq!(
            (r.status, r.json()["code"].clone()),
            (409, json!("not_dead"))
        );
        let r = h
            .send(
                "POST",
                "/api/v1/admin/mail/dead/01NOSUCHJOB/retry",
                &[as_admin],
                None,
            )
            .await;
        assert_eq!(r.status, 404);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dead_letters_page_with_a_cursor() {
        let h = Harness::start().await;
        let admin = h.user(&[Role::Admin]).await;
        let anna = h.user(&[]).await;
        let mut jobs = Vec::new();
        for _ in 0..3 {
            jobs.push(h.dead_job(&anna, false).await);
        }
        let as_admin = ("Authorization", admin.bearer.as_str());
        let r = h.get("/api/v1/admin/mail/dead?limit=2", &[as_admin]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let first = r.json();
        assert_eq!(first["items"].as_array().map(Vec::len), Some(2));
        let cursor = first["next_cursor"].as_str().unwrap().to_string();
        let r = h
            .get(
                &format!("/api/v1/admin/mail/dead?limit=2&cursor={cursor}"),
                &[as_admin],
            )
            .await;
        let second = r.json();
        assert_eq!(second["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(second["next_cursor"], json!(null));
        let mut seen: Vec<String> = first["items"]
            .as_array()
            .unwrap()
            .iter()
            .chain(second["items"].as_array().unwrap())
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect();
        seen.sort();
        let mut expected: Vec<String> = jobs.iter().map(|j| j.to_string()).collect();
        expected.sort();
        assert_eq!(seen, expected);

        let r = h
            .get("/api/v1/admin/mail/dead?cursor=%%%", &[as_admin])
            .await;
        assert_eq!(r.status, 400);
        let r = h.get("/api/v1/admin/mail/dead?limit=0", &[as_admin]).await;
        assert_eq!(r.status, 400);
    }

    #[test]
    fn the_openapi_document_lists_the_routes() {
        use utoipa::OpenApi;
        let doc = super::NotifierApi::openapi();
        for path in [
            "/api/v1/me/notifications",
            "/api/v1/admin/mail/dead",
            "/api/v1/admin/mail/dead/{id}/retry",
            "/api/v1/admin/mail/stats",
        ] {
            assert!(doc.paths.paths.contains_key(path), "{path}");
        }
    }
}
