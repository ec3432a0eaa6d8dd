#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Resolved identities kept in memory (`accounts::identity`): two servers on one store, each
//! with its own memory. What one server changes (a sign-out, a revoked token, new roles, a
//! block, a new district) is honoured by that server at once and by the other within the
//! revocation reader's bound; a read that raced a change is not kept. On both stores.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use veche_core::accounts::auth::{authenticate, Principal};
use veche_core::accounts::identity::{self, Identities, Resolved};
use veche_core::accounts::model::Role;
use veche_core::accounts::service;
use veche_core::clock;
use veche_core::id::DistrictId;
use veche_core::platform::Platform;
use veche_core::storage::Backend;
use veche_core::testing::notify::Recorder;
use veche_core::testing::server::{platform_on, user, PlatformSpec, User};
use veche_core::web::auth::Via;

/// How long the other server may take to honour a change: the reader runs every second.
const BOUND: Duration = Duration::from_secs(3);

/// Two servers on one store, each reading the revocations as `veche serve` does.
async fn two_servers(backend: &Backend) -> (Arc<Platform>, Arc<Platform>) {
    let notify = Arc::new(Recorder::default());
    let a = platform_on(backend.clone(), PlatformSpec::default(), notify.clone()).await;
    let b = platform_on(backend.clone(), PlatformSpec::default(), notify).await;
    a.spawn_identity_reader();
    b.spawn_identity_reader();
    (a, b)
}

async fn by_token(platform: &Platform, user: &User) -> Option<Principal> {
    authenticate(platform, None, Some(&user.bearer))
        .await
        .ok()
        .flatten()
}

async fn by_cookie(platform: &Platform, user: &User) -> Option<Principal> {
    let cookie = user.cookie.trim_start_matches("veche_session=");
    authenticate(platform, Some(cookie), None).await.unwrap()
}

/// Waits until `check` holds on `platform`, at most [`BOUND`]; gives how long it took.
async fn within_bound<F, Fut>(what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if check().await {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < BOUND,
            "{what}: not honoured by the other server within {BOUND:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Both servers resolve the user by token and by cookie, and keep what they resolved.
async fn seen_by_both(a: &Platform, b: &Platform, u: &User) {
    for server in [a, b] {
        assert!(by_token(server, u).await.is_some());
        assert!(by_cookie(server, u).await.is_some());
    }
    let token_hash = veche_core::random::token_hash(u.bearer.trim_start_matches("Bearer "));
    let session_hash =
        veche_core::random::token_hash(u.cookie.trim_start_matches("veche_session="));
    for server in [a, b] {
        assert!(server
            .identities
            .get(&identity::token_key(&token_hash))
            .is_some());
        assert!(server
            .identities
            .get(&identity::session_key(&session_hash))
            .is_some());
    }
}

async fn kept_identities_answer_without_the_store(backend: Backend) {
    let (a, _b) = two_servers(&backend).await;
    let u = user(&a, &[]).await;
    assert!(by_token(&a, &u).await.is_some());
    // The token is gone from the store behind the server's back (no revocation): the kept
    // entry still answers, which is what makes a kept identity cost no read. Every change
    // made through the accounts' rules revokes (the tests below).
    let token_hash = veche_core::random::token_hash(u.bearer.trim_start_matches("Bearer "));
    let stored = a.store.token_by_hash(&token_hash).await.unwrap().unwrap();
    assert!(a
        .store
        .delete_token(&u.account.id, &stored.id)
        .await
        .unwrap());
    let kept = by_token(&a, &u).await.expect("answered from memory");
    assert_eq!(kept.account.id, u.account.id);
    assert_eq!(kept.via, Via::Token { id: stored.id });
}

async fn a_revoked_token_fails_on_every_server(backend: Backend) {
    let (a, b) = two_servers(&backend).await;
    let u = user(&a, &[]).await;
    seen_by_both(&a, &b, &u).await;
    let token = a.store.tokens_of(&u.account.id).await.unwrap().remove(0);
    service::revoke_token(&a, &u.account.id, &token.id)
        .await
        .unwrap();
    assert!(by_token(&a, &u).await.is_none(), "the server that revoked");
    let took = within_bound("token revocation", || async {
        by_token(&b, &u).await.is_none()
    })
    .await;
    eprintln!("token revocation reached the other server in {took:?}");
    // The session is the account's too: revoking by account made both read it again, and it
    // still resolves.
    assert!(by_cookie(&b, &u).await.is_some());
}

async fn a_sign_out_ends_the_session_on_every_server(backend: Backend) {
    let (a, b) = two_servers(&backend).await;
    let u = user(&a, &[]).await;
    seen_by_both(&a, &b, &u).await;
    let session_hash =
        veche_core::random::token_hash(u.cookie.trim_start_matches("veche_session="));
    service::end_session(&b, &session_hash).await.unwrap();
    assert!(
        by_cookie(&b, &u).await.is_none(),
        "the server that signed out"
    );
    within_bound("sign-out", || async { by_cookie(&a, &u).await.is_none() }).await;
    assert!(
        by_token(&a, &u).await.is_some(),
        "the token is not the session"
    );
}

async fn new_roles_and_district_reach_every_server(backend: Backend) {
    let (a, b) = two_servers(&backend).await;
    let admin = user(&a, &[Role::Admin]).await;
    let u = user(&a, &[]).await;
    seen_by_both(&a, &b, &u).await;
    assert!(!by_token(&b, &u)
        .await
        .unwrap()
        .account
        .has_role(Role::Moderator));
    service::set_roles(
        &a,
        &admin.account,
        &u.account.id,
        BTreeSet::from([Role::Resident, Role::Moderator]),
        None,
        None,
    )
    .await
    .unwrap();
    assert!(by_token(&a, &u)
        .await
        .unwrap()
        .account
        .has_role(Role::Moderator));
    within_bound("new roles", || async {
        by_cookie(&b, &u)
            .await
            .is_some_and(|p| p.account.has_role(Role::Moderator))
    })
    .await;

    let account = a.store.account(&u.account.id).await.unwrap().unwrap();
    let arbat = DistrictId::from_trusted("45374000".into());
    service::update_profile(&b, &account, Some(arbat.clone()), None)
        .await
        .unwrap();
    within_bound("new district", || async {
        by_token(&a, &u)
            .await
            .is_some_and(|p| p.account.district_id == arbat)
    })
    .await;
    // The resident's own change kept the roles another server gave (it started from the
    // store, not from the principal's copy).
    let stored = a.store.account(&u.account.id).await.unwrap().unwrap();
    assert!(stored.has_role(Role::Moderator));
}

async fn a_blocked_account_is_refused_on_every_server(backend: Backend) {
    let (a, b) = two_servers(&backend).await;
    let admin = user(&a, &[Role::Admin]).await;
    let u = user(&a, &[]).await;
    seen_by_both(&a, &b, &u).await;
    service::set_blocked(&a, &admin.account, &u.account.id, Some("spam"), true)
        .await
        .unwrap();
    assert!(by_token(&a, &u).await.is_none());
    assert!(by_cookie(&a, &u).await.is_none());
    within_bound("block", || async {
        by_token(&b, &u).await.is_none() && by_cookie(&b, &u).await.is_none()
    })
    .await;
}

veche_core::contract_tests!(
    kept_identities_answer_without_the_store,
    a_revoked_token_fails_on_every_server,
    a_sign_out_ends_the_session_on_every_server,
    new_roles_and_district_reach_every_server,
    a_blocked_account_is_refused_on_every_server,
);

fn resolved(account: veche_core::accounts::model::Account) -> Resolved {
    Resolved {
        account,
        via: Via::Token {
            id: veche_core::id::TokenId::generate(),
        },
        session: None,
        token_used: None,
    }
}

#[test]
fn a_read_that_raced_a_change_is_not_kept() {
    let identities = Identities::default();
    let account = veche_core::testing::account("race@example.org", "Гонка");
    let started = clock::now();
    // The change lands while the read is under way: the read may hold the old state.
    identities.evict(&identity::account_key(&account.id), clock::now());
    identities.put("t:raced".into(), resolved(account.clone()), started);
    assert!(identities.get("t:raced").is_none());
    // A read of another account is kept.
    let other = veche_core::testing::account("other@example.org", "Другой");
    identities.put("t:other".into(), resolved(other), started);
    assert!(identities.get("t:other").is_some());
}

#[test]
fn revocations_read_again_are_applied_once_and_evict_by_account() {
    let identities = Identities::default();
    let account = veche_core::testing::account("a@example.org", "Анна");
    identities.put("t:one".into(), resolved(account.clone()), clock::now());
    identities.put("s:two".into(), resolved(account.clone()), clock::now());
    assert_eq!(identities.len(), 2);
    let at = clock::now();
    identities.apply(&[(identity::account_key(&account.id), at)]);
    assert!(identities.get("t:one").is_none() && identities.get("s:two").is_none());
    // Read again (the overlap): already applied, so an entry read well after it stays.
    let later = at + identity::OVERLAP + Duration::from_secs(1);
    identities.put("t:three".into(), resolved(account.clone()), later);
    identities.apply(&[(identity::account_key(&account.id), at)]);
    assert!(identities.get("t:three").is_some());
}
