//! The notifier's pages: a resident's notification settings, the one-click unsubscribe page
//! the emails link to (RFC 8058), and the admin's mail page (counts by state, dead letters and
//! their retry). Every page works without JavaScript; every form but unsubscribe carries a CSRF
//! token (the unsubscribe link's signature authorises that one).

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use http::StatusCode;
use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::Filter;

use crate::NotifierLimit;
use veche_core::accounts::model::{Account, Role};
use veche_core::id::AccountId;
use veche_core::notify::KindSpec;
use veche_core::platform::Ctx;
use veche_core::platform::Platform;
use veche_core::web::i18n::Tr;
use veche_core::web::pages::format_time;
use veche_core::web::pages::{error_page, page, page_with_flash};
use veche_core::web::problem::Problem;
use veche_core::web::ratelimit::{self, UndeclaredLimit};
use veche_core::web::show::to_signin;
use veche_core::web::{form, page_ctx, respond, Form};

use crate::http::{dead_letters, retry_dead, state_counts, with_outbox};
use crate::model::{Delivery, JobState, DIGEST_KIND};
use crate::outbox::Outbox;
use crate::prefs;

const PREFERENCES_PATH: &str = "/profile/notifications";
const ADMIN_PATH: &str = "/admin/mail";

pub fn routes(
    platform: Arc<Platform>,
    outbox: Arc<Outbox>,
) -> Result<BoxedFilter<(Response,)>, UndeclaredLimit> {
    let p = platform;
    // A page: Ctx and the outbox. A form: Ctx, Form (CSRF checked) and the outbox.
    let get = || {
        warp::get()
            .and(page_ctx(p.clone()))
            .and(with_outbox(outbox.clone()))
    };
    let post = || {
        warp::post()
            .and(form(p.clone()))
            .and(with_outbox(outbox.clone()))
    };
    let query = warp::query::<HashMap<String, String>>;
    let preferences = warp::path!("profile" / "notifications")
        .and(get())
        .and(query())
        .then(
            |ctx: Ctx, outbox: Arc<Outbox>, query: HashMap<String, String>| async move {
                let flash = query
                    .get("done")
                    .filter(|d| d.as_str() == "saved")
                    .map(|_| ctx.tr().t("flash-notifications-saved"));
                preferences_page(&ctx, &outbox, None, flash).await
            },
        );
    let preferences_save = warp::path!("profile" / "notifications")
        .and(post())
        .then(preferences_submit);
    let unsubscribe_confirm = link_path().and(get()).then(unsubscribe_page);
    // The body is not read: a mail provider's one-click POST carries
    // `List-Unsubscribe=One-Click` (RFC 8058), the page's button nothing, and neither matters.
    // So an empty body, with or without `Content-Length`, is as good as any.
    let unsubscribe = link_path()
        .and(warp::post())
        .and(ratelimit::by_ip(
            p.limits.get(NotifierLimit::UnsubscribeIp)?,
        ))
        .and(page_ctx(p.clone()))
        .and(with_outbox(outbox.clone()))
        .then(unsubscribe_submit);
    let admin_mail = warp::path!("admin" / "mail")
        .and(get())
        .and(query())
        .then(admin_mail_page);
    let admin_retry = warp::path!("admin" / "mail" / String / "retry")
        .and(post())
        .then(admin_retry_submit);
    let routes: Vec<BoxedFilter<(Response,)>> = vec![
        preferences.boxed(),
        preferences_save.boxed(),
        unsubscribe_confirm.boxed(),
        unsubscribe.boxed(),
        admin_mail.boxed(),
        admin_retry.boxed(),
    ];
    Ok(veche_core::web::combine(routes))
}

/// A kind's name for people (`kind-<name>` in the catalogs), or the kind itself when a feature
/// added a kind without one.
pub fn kind_label(tr: Tr<'_>, kind: &str) -> String {
    let key = format!("kind-{kind}");
    if tr.catalog.has(&key) {
        tr.t(&key)
    } else {
        kind.to_string()
    }
}

/// A kind's one-line description (`kind-<name>-hint`), or nothing.
pub fn kind_hint(tr: Tr<'_>, kind: &str) -> String {
    let key = format!("kind-{kind}-hint");
    if tr.catalog.has(&key) {
        tr.t(&key)
    } else {
        String::new()
    }
}

/// Pages reached by an emailed link carry its signature in the address: keep it out of the
/// `Referer` of anything the page loads or submits.
fn no_referrer(mut response: Response) -> Response {
    response.headers_mut().insert(
        http::header::REFERRER_POLICY,
        http::HeaderValue::from_static("no-referrer"),
    );
    response
}

// ---- Preferences ----

/// One radio button.
pub struct Choice {
    pub value: &'static str,
    pub label: String,
    pub checked: bool,
}

/// One radio group: a kind and the three deliveries.
pub struct KindChoice {
    pub name: &'static str,
    pub label: String,
    pub hint: String,
    pub choices: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct PreferencesPage<'a> {
    tr: Tr<'a>,
    csrf: String,
    kinds: Vec<KindChoice>,
    error: Option<String>,
}

fn kind_choices(tr: Tr<'_>, current: &[(KindSpec, Delivery)]) -> Vec<KindChoice> {
    current
        .iter()
        .map(|(spec, delivery)| KindChoice {
            name: spec.name,
            label: kind_label(tr, spec.name),
            hint: kind_hint(tr, spec.name),
            choices: Delivery::ALL
                .into_iter()
                .map(|d| Choice {
                    value: d.as_str(),
                    label: tr.t(&format!("delivery-{}", d.as_str())),
                    checked: d == *delivery,
                })
                .collect(),
        })
        .collect()
}

/// GET /profile/notifications
async fn preferences_page(
    ctx: &Ctx,
    outbox: &Outbox,
    error: Option<String>,
    flash: Option<String>,
) -> Response {
    let Some(principal) = &ctx.principal else {
        return to_signin(PREFERENCES_PATH);
    };
    let current = match prefs::preferences(outbox, &principal.account.id).await {
        Ok(c) => c,
        Err(e) => return error_page(ctx, e.into()),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let body = PreferencesPage {
        tr: ctx.tr(),
        csrf: ctx.csrf_token(),
        kinds: kind_choices(ctx.tr(), &current),
        error,
    };
    page_with_flash(
        ctx,
        status,
        &ctx.tr().t("notifications-title"),
        &body,
        flash,
    )
}

/// POST /profile/notifications: one field per kind (`roles_changed=digest`); kinds not in the
/// form keep their delivery.
async fn preferences_submit(ctx: Ctx, form: Form, outbox: Arc<Outbox>) -> Response {
    let Some(principal) = ctx.principal.clone() else {
        return to_signin(PREFERENCES_PATH);
    };
    if let Err(problem) = ctx
        .platform
        .limits
        .check_ip(NotifierLimit::UnsubscribeIp, ctx.meta.client_ip)
    {
        return error_page(&ctx, problem);
    }
    let changes: Vec<(String, String)> = outbox
        .optional_kinds()
        .into_iter()
        .filter_map(|spec| {
            form.fields
                .iter()
                .find(|(name, _)| name == spec.name)
                .map(|(_, value)| (spec.name.to_string(), value.clone()))
        })
        .collect();
    match prefs::set_preferences(&outbox, &principal.account.id, &changes).await {
        Ok(()) => respond::see_other(&format!("{PREFERENCES_PATH}?done=saved")),
        Err(prefs::PrefsError::Invalid(invalid)) => {
            let message = ctx
                .tr()
                .t(&format!("invalid-{}-{}", invalid.field, invalid.code));
            preferences_page(&ctx, &outbox, Some(message), None).await
        }
        Err(e) => error_page(&ctx, e.into()),
    }
}

// ---- One-click unsubscribe ----

/// What a checked unsubscribe link switches off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// One optional kind.
    Kind(&'static str),
    /// The daily digest: every kind the resident gets in it.
    Digest,
}

/// An unsubscribe link's path, `/unsubscribe/{account}/{kind}/{signature}`, as given.
struct Link {
    account: String,
    kind: String,
    signature: String,
}

fn link_path() -> impl Filter<Extract = (Link,), Error = warp::Rejection> + Clone {
    warp::path!("unsubscribe" / String / String / String).map(|account, kind, signature| Link {
        account,
        kind,
        signature,
    })
}

/// Checks an unsubscribe link; the not-found page for a bad one.
fn checked_link(ctx: &Ctx, outbox: &Outbox, link: &Link) -> Result<(AccountId, Target), Response> {
    check_link(&ctx.platform.secret, outbox, link)
        .ok_or_else(|| no_referrer(error_page(ctx, Problem::not_found())))
}

/// Checks an unsubscribe link: the signature first, then the kind (an optional kind, or the
/// digest). `None` for a forged or damaged link and for a kind that cannot be switched off
/// alike: the answer must not tell which.
fn check_link(secret: &[u8; 32], outbox: &Outbox, link: &Link) -> Option<(AccountId, Target)> {
    let Link {
        account,
        kind,
        signature,
    } = link;
    let account = AccountId::parse(account)?;
    if !prefs::signature_ok(secret, &account, kind, signature) {
        return None;
    }
    if kind == DIGEST_KIND {
        return Some((account, Target::Digest));
    }
    match outbox.kind(kind) {
        Some(spec) if !spec.essential => Some((account, Target::Kind(spec.name))),
        _ => None,
    }
}

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage<'a> {
    tr: Tr<'a>,
    /// The form's target: the link itself.
    action: String,
    what: String,
    digest: bool,
    /// For the digest: the kinds that will be switched off.
    kinds: Vec<String>,
}

#[derive(Template)]
#[template(path = "unsubscribed.html")]
struct UnsubscribedPage<'a> {
    tr: Tr<'a>,
    what: String,
    /// For the digest: the kinds switched off now.
    kinds: Vec<String>,
}

/// The kinds the resident gets in the digest now.
async fn digest_kinds(outbox: &Outbox, account: &AccountId) -> Result<Vec<&'static str>, Problem> {
    Ok(prefs::preferences(outbox, account)
        .await?
        .into_iter()
        .filter(|(_, d)| *d == Delivery::Digest)
        .map(|(k, _)| k.name)
        .collect())
}

/// GET /unsubscribe/{account}/{kind}/{signature}: says what the button will switch off. Changes
/// nothing, so that a mail scanner following the link does not unsubscribe anyone.
async fn unsubscribe_page(link: Link, ctx: Ctx, outbox: Arc<Outbox>) -> Response {
    let (account, target) = match checked_link(&ctx, &outbox, &link) {
        Ok(checked) => checked,
        Err(response) => return response,
    };
    let Link {
        kind, signature, ..
    } = link;
    let tr = ctx.tr();
    let (what, kinds) = match target {
        Target::Kind(name) => (
            tr.t1("unsubscribe-kind", "kind", &kind_label(tr, name)),
            Vec::new(),
        ),
        Target::Digest => match digest_kinds(&outbox, &account).await {
            Ok(list) => (
                tr.t("unsubscribe-digest"),
                list.into_iter().map(|k| kind_label(tr, k)).collect(),
            ),
            Err(p) => return no_referrer(error_page(&ctx, p)),
        },
    };
    let body = UnsubscribePage {
        tr,
        action: format!("/unsubscribe/{account}/{kind}/{signature}"),
        what,
        digest: target == Target::Digest,
        kinds,
    };
    no_referrer(page(
        &ctx,
        StatusCode::OK,
        &tr.t("unsubscribe-title"),
        &body,
    ))
}

/// POST /unsubscribe/{account}/{kind}/{signature}: switches the kind (or the digest's kinds)
/// off and confirms. No sign-in and no CSRF token: the link's signature is the authority, and
/// a mail provider's one-click POST (RFC 8058) could carry no token anyway. Doing it twice
/// changes nothing more.
async fn unsubscribe_submit(link: Link, ctx: Ctx, outbox: Arc<Outbox>) -> Response {
    let (account, target) = match checked_link(&ctx, &outbox, &link) {
        Ok(checked) => checked,
        Err(response) => return response,
    };
    let switched = match prefs::unsubscribe(&outbox, &account, &link.kind).await {
        Ok(list) => list,
        Err(e) => return no_referrer(error_page(&ctx, e.into())),
    };
    let tr = ctx.tr();
    let (what, kinds) = match target {
        Target::Kind(name) => (
            tr.t1("unsubscribe-done-kind", "kind", &kind_label(tr, name)),
            Vec::new(),
        ),
        Target::Digest => (
            tr.t("unsubscribe-done-digest"),
            switched.iter().map(|k| kind_label(tr, k)).collect(),
        ),
    };
    let body = UnsubscribedPage { tr, what, kinds };
    no_referrer(page(
        &ctx,
        StatusCode::OK,
        &tr.t("unsubscribe-done-title"),
        &body,
    ))
}

// ---- The admin's mail page ----

/// The admin pages' gate: sign in first; then 403 for non-admins.
fn admin(ctx: &Ctx) -> Result<Account, Response> {
    match &ctx.principal {
        None => Err(to_signin(ADMIN_PATH)),
        Some(p) if p.account.has_role(Role::Admin) => Ok(p.account.clone()),
        Some(_) => Err(error_page(ctx, Problem::forbidden())),
    }
}

pub struct StateRow {
    pub state: &'static str,
    pub label: String,
    pub count: u64,
}

pub struct DeadRow {
    pub id: String,
    pub kind: String,
    pub kind_label: String,
    pub attempts: u32,
    pub last_error: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Template)]
#[template(path = "admin_mail.html")]
struct AdminMailPage<'a> {
    tr: Tr<'a>,
    csrf: String,
    states: Vec<StateRow>,
    rows: Vec<DeadRow>,
    /// The page's own cursor, so that a retry comes back to this page.
    cursor: String,
    next_href: Option<String>,
}

/// Flash messages are chosen by a known code in the redirect, never by text from the URL.
fn admin_flash(tr: Tr<'_>, done: Option<&String>) -> Option<String> {
    match done.map(String::as_str) {
        Some("retried") => Some(tr.t("flash-mail-retried")),
        Some("not_dead") => Some(tr.t("flash-mail-not-dead")),
        _ => None,
    }
}

/// GET /admin/mail?cursor=&limit=
async fn admin_mail_page(
    ctx: Ctx,
    outbox: Arc<Outbox>,
    query: HashMap<String, String>,
) -> Response {
    if let Err(response) = admin(&ctx) {
        return response;
    }
    let counts = match state_counts(&outbox).await {
        Ok(c) => c,
        Err(p) => return error_page(&ctx, p),
    };
    let (jobs, next_cursor) = match dead_letters(&outbox, &query).await {
        Ok(page) => page,
        Err(p) => return error_page(&ctx, p),
    };
    let tr = ctx.tr();
    let states = JobState::ALL
        .into_iter()
        .map(|s| StateRow {
            state: s.as_str(),
            label: tr.t(&format!("job-state-{}", s.as_str())),
            count: counts.get(s),
        })
        .collect();
    let rows = jobs
        .iter()
        .map(|j| DeadRow {
            id: j.id.to_string(),
            kind: j.kind.to_string(),
            kind_label: kind_label(tr, j.kind.as_str()),
            attempts: j.attempts,
            last_error: j.last_error.clone().unwrap_or_default(),
            created_at: format_time(&j.created_at),
            updated_at: format_time(&j.updated_at),
        })
        .collect();
    let next_href = next_cursor.map(|c| {
        let mut params = url::form_urlencoded::Serializer::new(String::new());
        if let Some(limit) = query.get("limit") {
            params.append_pair("limit", limit);
        }
        params.append_pair("cursor", &c);
        format!("{ADMIN_PATH}?{}", params.finish())
    });
    let body = AdminMailPage {
        tr,
        csrf: ctx.csrf_token(),
        states,
        rows,
        cursor: query.get("cursor").cloned().unwrap_or_default(),
        next_href,
    };
    let flash = admin_flash(tr, query.get("done"));
    page_with_flash(
        &ctx,
        StatusCode::OK,
        &tr.t("admin-mail-title"),
        &body,
        flash,
    )
}

/// POST /admin/mail/{id}/retry: requeues a dead letter and comes back to the page it was on.
async fn admin_retry_submit(id: String, ctx: Ctx, form: Form, outbox: Arc<Outbox>) -> Response {
    let me = match admin(&ctx) {
        Ok(a) => a,
        Err(response) => return response,
    };
    let back = |done: &str| {
        let mut params = url::form_urlencoded::Serializer::new(String::new());
        let cursor = form.get("cursor");
        if !cursor.is_empty() {
            params.append_pair("cursor", cursor);
        }
        params.append_pair("done", done);
        respond::see_other(&format!("{ADMIN_PATH}?{}", params.finish()))
    };
    match retry_dead(&ctx.platform, &outbox, &me.id, &id).await {
        Ok(_) => back("retried"),
        Err(p) if p.code == "not_dead" => back("not_dead"),
        Err(p) => error_page(&ctx, p),
    }
}

#[cfg(test)]
mod tests {
    use veche_core::accounts::model::Role;
    use veche_core::testing::keys_named;
    use veche_core::web::i18n::Lang;

    use super::*;
    use crate::http::testkit::Harness;
    use crate::model::Delivery;

    fn enc(s: &str) -> String {
        url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn only_a_correctly_signed_link_for_an_optional_kind_unsubscribes() {
        let h = Harness::start().await;
        let anna = h.user(&[]).await;
        let boris = h.user(&[]).await;
        let secret = h.platform.secret;
        let id = &anna.account.id;
        let good = prefs::unsubscribe_path(&secret, id, "roles_changed");
        let sig = prefs::signature(&secret, id, "roles_changed");
        let forged = [
            // Another account's id under Anna's signature.
            format!("/unsubscribe/{}/roles_changed/{sig}", boris.account.id),
            // Another kind under the same signature.
            format!("/unsubscribe/{id}/digest/{sig}"),
            // A damaged signature.
            format!("/unsubscribe/{id}/roles_changed/{}x", &sig[..sig.len() - 1]),
            format!("/unsubscribe/{id}/roles_changed/"),
            // Correctly signed, but essential or unknown kinds.
            prefs::unsubscribe_path(&secret, id, "verify_email"),
            prefs::unsubscribe_path(&secret, id, "no_such_kind"),
            // Signed with another secret.
            prefs::unsubscribe_path(&[8; 32], id, "roles_changed"),
        ];
        for path in &forged {
            for method in ["GET", "POST"] {
                let r = h.send(method, path, &[], Some("")).await;
                assert_eq!(r.status, 404, "{method} {path}");
            }
        }
        // Every refusal looks the same.
        let a = h.get(&forged[0], &[]).await;
        let b = h.get(&forged[4], &[]).await;
        assert_eq!(a.body, b.body);
        assert!(h.outbox.store.preferences(id).await.unwrap().is_empty());

        // The page changes nothing; it names the kind and posts to itself, without a token.
        let r = h.get(&good, &[]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("Изменение ваших ролей"), "{}", r.body);
        assert!(r.body.contains(&format!("action=\"{good}\"")), "{}", r.body);
        assert_eq!(r.header("referrer-policy").as_deref(), Some("no-referrer"));
        assert!(h.outbox.store.preferences(id).await.unwrap().is_empty());

        // An empty POST without Content-Length, the mail provider's one-click POST, again.
        let r = h.send("POST", &good, &[], None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("data-testid=\"unsubscribed\""));
        let stored = h.outbox.store.preferences(id).await.unwrap();
        assert_eq!(stored.get("roles_changed"), Some(&Delivery::Off));
        for _ in 0..2 {
            let r = h.post_form(&good, &[], "List-Unsubscribe=One-Click").await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        assert!(h
            .outbox
            .store
            .preferences(&boris.account.id)
            .await
            .unwrap()
            .is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_digest_link_switches_off_what_goes_into_the_digest() {
        let h = Harness::start().await;
        let anna = h.user(&[]).await;
        let id = &anna.account.id;
        h.outbox
            .store
            .set_preference(id, "roles_changed", Delivery::Digest)
            .await
            .unwrap();
        let path = prefs::unsubscribe_path(&h.platform.secret, id, DIGEST_KIND);
        let r = h.get(&path, &[]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(
            r.body.contains("<li>Изменение ваших ролей</li>"),
            "{}",
            r.body
        );
        let r = h.send("POST", &path, &[], Some("")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let stored = h.outbox.store.preferences(id).await.unwrap();
        assert_eq!(stored.get("roles_changed"), Some(&Delivery::Off));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn unsubscribing_is_rate_limited_per_ip() {
        let h = Harness::with_rates(&[("unsubscribe_ip", "2/min")]).await;
        let anna = h.user(&[]).await;
        let path = prefs::unsubscribe_path(&h.platform.secret, &anna.account.id, "roles_changed");
        for _ in 0..2 {
            assert_eq!(h.send("POST", &path, &[], None).await.status, 200);
        }
        let r = h.send("POST", &path, &[], None).await;
        assert_eq!(r.status, 429);
        assert!(r.header("retry-after").is_some());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_preferences_page_shows_and_saves_the_choices() {
        let h = Harness::start().await;
        let anna = h.user(&[]).await;
        let cookie = ("Cookie", anna.cookie.as_str());

        let r = h.get("/profile/notifications", &[]).await;
        assert_eq!(r.status, 303);
        assert_eq!(
            r.header("location").as_deref(),
            Some("/signin?next=%2Fprofile%2Fnotifications")
        );

        let r = h.get("/profile/notifications", &[cookie]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains(
            "id=\"roles_changed-immediately\" name=\"roles_changed\" value=\"immediately\" checked"
        ), "{}", r.body);
        assert!(
            !r.body.contains("verify_email"),
            "essential kinds are not offered"
        );
        assert!(
            r.body
                .contains("id=\"district_news-off\" name=\"district_news\" value=\"off\" checked"),
            "an opt-in kind is off until switched on: {}",
            r.body
        );

        let body = format!("csrf={}&roles_changed=digest", enc(&anna.csrf));
        let r = h
            .post_form("/profile/notifications", &[cookie], &body)
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            r.header("location").as_deref(),
            Some("/profile/notifications?done=saved")
        );
        let stored = h.outbox.store.preferences(&anna.account.id).await.unwrap();
        assert_eq!(stored.get("roles_changed"), Some(&Delivery::Digest));
        let r = h.get("/profile/notifications?done=saved", &[cookie]).await;
        assert!(r.body.contains("Настройки уведомлений сохранены."));
        assert!(r.body.contains("value=\"digest\" checked"));

        let body = format!("csrf={}&roles_changed=weekly", enc(&anna.csrf));
        let r = h
            .post_form("/profile/notifications", &[cookie], &body)
            .await;
        assert_eq!(r.status, 422, "{}", r.body);

        // Without the CSRF token nothing is done.
        let r = h
            .post_form("/profile/notifications", &[cookie], "roles_changed=off")
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        let stored = h.outbox.store.preferences(&anna.account.id).await.unwrap();
        assert_eq!(stored.get("roles_changed"), Some(&Delivery::Digest));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_admin_mail_page_lists_and_retries_dead_letters() {
        let h = Harness::start().await;
        let admin = h.user(&[Role::Admin]).await;
        let anna = h.user(&[]).await;
        let job = h.dead_job(&anna, false).await;
        let as_admin = ("Cookie", admin.cookie.as_str());
        let as_anna = ("Cookie", anna.cookie.as_str());

        let r = h.get("/admin/mail", &[]).await;
        assert_eq!(r.status, 303);
        let r = h.get("/admin/mail", &[as_anna]).await;
        assert_eq!(r.status, 403);

        let r = h.get("/admin/mail", &[as_admin]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r
            .body
            .contains(&format!("action=\"/admin/mail/{job}/retry\"")));
        assert!(r.body.contains("550 mailbox unavailable"));
        assert!(!r.body.contains(anna.account.email.as_str()));

        let path = format!("/admin/mail/{job}/retry");
        let body = format!("csrf={}&cursor=", enc(&admin.csrf));
        let r = h.post_form(&path, &[as_admin], &body).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            r.header("location").as_deref(),
            Some("/admin/mail?done=retried")
        );
        let r = h.post_form(&path, &[as_admin], &body).await;
        assert_eq!(
            r.header("location").as_deref(),
            Some("/admin/mail?done=not_dead")
        );
        let r = h.get("/admin/mail?done=retried", &[as_admin]).await;
        assert!(r.body.contains("Письмо снова в очереди на отправку."));

        let body = format!("csrf={}", enc(&anna.csrf));
        let r = h.post_form(&path, &[as_anna], &body).await;
        assert_eq!(r.status, 403);
    }

    /// Every key the notifier's pages and API use is in both catalogs: the literal keys in the
    /// templates and these sources, and the keys built at run time.
    #[test]
    fn every_key_used_is_in_the_catalogs() {
        let catalog = veche_core::web::i18n::Catalog::new(&[
            (
                veche_core::web::i18n::CORE_RU,
                veche_core::web::i18n::CORE_EN,
            ),
            (crate::NOTIFIER_RU, crate::NOTIFIER_EN),
        ])
        .unwrap_or_else(|e| panic!("catalog: {e}"));
        let sources = [
            include_str!("http.rs"),
            include_str!("pages.rs"),
            include_str!("../templates/notifications.html"),
            include_str!("../templates/unsubscribe.html"),
            include_str!("../templates/unsubscribed.html"),
            include_str!("../templates/admin_mail.html"),
        ];
        let after_a_name = |before: &str| {
            before
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        let mut keys = keys_named(&sources, "t(\"", after_a_name);
        keys.extend(keys_named(&sources, "t1(\"", after_a_name));
        assert!(keys.len() > 30, "the scan found too few keys: {keys:?}");
        keys.extend(
            [
                "nav-mail",
                "err-not_dead",
                "err-not_dead-detail",
                "invalid-kind-unknown_kind",
            ]
            .map(String::from),
        );
        keys.insert("invalid-delivery-invalid_delivery".into());
        for kind in ["roles_changed", DIGEST_KIND] {
            keys.insert(format!("kind-{kind}"));
            keys.insert(format!("kind-{kind}-hint"));
        }
        keys.extend(Delivery::ALL.map(|d| format!("delivery-{}", d.as_str())));
        keys.extend(JobState::ALL.map(|s| format!("job-state-{}", s.as_str())));
        let missing: Vec<_> = keys.iter().filter(|k| !catalog.has(k)).collect();
        assert!(missing.is_empty(), "missing catalog keys: {missing:?}");
        // Arguments the messages expect are given.
        let text = catalog.t_args(
            Lang::En,
            "unsubscribe-kind",
            &[("kind", veche_core::web::i18n::FluentValue::from("X"))],
        );
        assert!(text.contains("“X”"), "{text}");
    }
}
