#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The account emails at the service level: what each rule puts in the outbox, and what
//! following each link does. The outbox is a fake port that records (no notifier, no HTTP);
//! the store is real, on both adapters.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;
use veche_core::accounts::model::{
    Account, AccountState, BirthYear, DisplayName, Email, Password, Role,
};
use veche_core::accounts::service::{self, AccountError, SignUp};
use veche_core::accounts::{mail, Accounts};
use veche_core::id::{AccountId, DistrictId};
use veche_core::notify::{Enqueued, Notification, Notify, NotifyError};
use veche_core::platform::{CoreConfig, Platform};
use veche_core::storage::Backend;
use veche_core::store;
use veche_core::web::i18n::{Catalog, Lang};
use veche_core::web::ratelimit::{declare, CoreLimit, Limits};
use veche_core::StoreError;

const PASSWORD: &str = "Vo3lna-Pesok-Luna";
const NEW_PASSWORD: &str = "Tri-Kita-Dva-Slona-7";

/// An outbox that keeps what it is given, once per idempotency key, and can be made to fail.
#[derive(Default)]
struct Outbox {
    queued: Mutex<Vec<Notification>>,
    down: AtomicBool,
}

#[async_trait]
impl Notify for Outbox {
    async fn enqueue(&self, notification: Notification) -> Result<Enqueued, NotifyError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("the outbox is down".into()).into());
        }
        notification.validate().map_err(NotifyError::Invalid)?;
        let mut queued = self.queued.lock().unwrap();
        if queued
            .iter()
            .any(|n| n.idempotency_key == notification.idempotency_key)
        {
            return Ok(Enqueued::Duplicate);
        }
        queued.push(notification);
        Ok(Enqueued::Queued(queued.len().to_string()))
    }
}

impl Outbox {
    fn of_kind(&self, kind: &str) -> Vec<Notification> {
        self.queued
            .lock()
            .unwrap()
            .iter()
            .filter(|n| n.kind.as_str() == kind)
            .cloned()
            .collect()
    }
}

async fn platform(backend: Backend) -> (Arc<Platform>, Arc<Outbox>) {
    let store = store::open(&backend).await.unwrap();
    let outbox = Arc::new(Outbox::default());
    let accounts = Accounts::new(
        store,
        CoreConfig::default(),
        [7; 32],
        CancellationToken::new(),
        outbox.clone(),
    );
    let platform = Platform::new(
        backend,
        accounts,
        Catalog::core().unwrap(),
        Limits::build(&declare::<CoreLimit>(), &BTreeMap::new()).unwrap(),
    );
    (Arc::new(platform), outbox)
}

async fn sign_up(platform: &Platform, address: &str, lang: Lang) -> Account {
    let input = SignUp {
        email: Email::parse(address).unwrap(),
        password: Password::parse(PASSWORD).unwrap(),
        display_name: DisplayName::parse("Иван Петров").unwrap(),
        district_id: DistrictId::parse("45374000").unwrap(),
        birth_year: BirthYear::from_trusted(1980),
    };
    service::sign_up(platform, input, lang).await.unwrap()
}

/// A platform on `backend` and the account of `address`, just signed up (unverified).
async fn one_signed_up(
    backend: Backend,
    address: &str,
    lang: Lang,
) -> (Arc<Platform>, Arc<Outbox>, Account) {
    let (platform, outbox) = platform(backend).await;
    let account = sign_up(&platform, address, lang).await;
    (platform, outbox, account)
}

/// The secret of a link `PATH?token=SECRET` in a notification.
fn secret(notification: &Notification, path: &str) -> String {
    let link = &notification.data["link"];
    link.strip_prefix(&format!("{path}?token="))
        .unwrap_or_else(|| panic!("{link:?} is not a {path} link"))
        .to_string()
}

async fn stored(platform: &Platform, id: &AccountId) -> Account {
    platform.store.account(id).await.unwrap().unwrap()
}

// ------------------------------------------------------------------------------- tests ---

async fn signing_up_sends_a_link_that_activates_the_account_once(backend: Backend) {
    let (platform, outbox, account) = one_signed_up(backend, "ivan@example.com", Lang::En).await;
    assert_eq!(account.state, AccountState::Unverified);

    let sent = outbox.of_kind("verify_email");
    assert_eq!(sent.len(), 1, "{sent:?}");
    let email = &sent[0];
    assert_eq!(email.recipient.email.as_str(), "ivan@example.com");
    assert_eq!(email.recipient.account_id.as_ref(), Some(&account.id));
    assert_eq!(email.locale, Lang::En);
    assert_eq!(email.data["name"], "Иван Петров");
    assert!(email
        .idempotency_key
        .starts_with(&format!("verify_email:{}:", account.id)));
    // The debt of the sign-up is settled once the email is in the outbox.
    assert_eq!(
        stored(&platform, &account.id).await.mail_pending_since,
        None
    );

    let link = secret(email, "/verify-email");
    let verified = mail::verify_email(&platform, &link).await.unwrap();
    assert_eq!(verified.state, AccountState::Active);
    assert_eq!(
        stored(&platform, &account.id).await.state,
        AccountState::Active
    );
    for spent in [link.as_str(), "", "not-a-secret", &"x".repeat(200)] {
        assert!(
            matches!(
                mail::verify_email(&platform, spent).await,
                Err(AccountError::LinkInvalid)
            ),
            "{spent:?}"
        );
    }
    assert!(matches!(
        mail::resend_verification(&platform, &verified).await,
        Err(AccountError::AlreadyVerified)
    ));
}

async fn a_resent_link_works_and_spends_the_earlier_ones(backend: Backend) {
    let (platform, outbox, account) = one_signed_up(backend, "maria@example.com", Lang::Ru).await;
    mail::resend_verification(&platform, &account)
        .await
        .unwrap();
    let sent = outbox.of_kind("verify_email");
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_ne!(sent[0].idempotency_key, sent[1].idempotency_key);
    let (first, second) = (
        secret(&sent[0], "/verify-email"),
        secret(&sent[1], "/verify-email"),
    );
    assert_ne!(first, second);
    mail::verify_email(&platform, &second).await.unwrap();
    assert!(matches!(
        mail::verify_email(&platform, &first).await,
        Err(AccountError::LinkInvalid)
    ));
}

async fn a_reset_link_sets_a_new_password_and_ends_every_session(backend: Backend) {
    let (platform, outbox, account) =
        one_signed_up(backend, "ivan.petrov@example.com", Lang::Ru).await;
    let session = service::start_session(&platform, &account.id)
        .await
        .unwrap();

    // An unknown address: the same answer, and nothing is sent.
    mail::request_password_reset(&platform, "nobody@example.com")
        .await
        .unwrap();
    assert!(outbox.of_kind("password_reset").is_empty());

    mail::request_password_reset(&platform, "  Ivan.Petrov@Example.COM ")
        .await
        .unwrap();
    let sent = outbox.of_kind("password_reset");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].recipient.email.as_str(), "ivan.petrov@example.com");
    assert_eq!(sent[0].locale, Lang::Ru);
    let link = secret(&sent[0], "/reset-password");

    // A refused password leaves the link usable.
    for (weak, code) in [
        ("short", "too_short"),
        ("ivan.petrov@example.com", "same_as_email"),
    ] {
        match mail::reset_password(&platform, &link, weak).await {
            Err(AccountError::Invalid(list)) => {
                assert_eq!((list[0].field, list[0].code), ("new_password", code))
            }
            other => panic!("{weak:?}: {other:?}"),
        }
    }
    let reset = mail::reset_password(&platform, &link, NEW_PASSWORD)
        .await
        .unwrap();
    // The link proved the address.
    assert_eq!(reset.state, AccountState::Active);
    let session_hash = veche_core::random::token_hash(&session);
    assert!(platform
        .store
        .session(&session_hash)
        .await
        .unwrap()
        .is_none());
    service::check_credentials(&platform, "ivan.petrov@example.com", NEW_PASSWORD)
        .await
        .unwrap();
    assert!(matches!(
        service::check_credentials(&platform, "ivan.petrov@example.com", PASSWORD).await,
        Err(AccountError::InvalidCredentials)
    ));
    assert!(matches!(
        mail::reset_password(&platform, &link, NEW_PASSWORD).await,
        Err(AccountError::LinkInvalid)
    ));

    // A blocked account gets no link.
    let mut blocked = stored(&platform, &account.id).await;
    blocked.state = AccountState::Blocked;
    platform.update_account(&blocked).await.unwrap();
    mail::request_password_reset(&platform, "ivan.petrov@example.com")
        .await
        .unwrap();
    assert_eq!(outbox.of_kind("password_reset").len(), 1);
}

async fn an_address_changes_only_when_the_new_one_confirms(backend: Backend) {
    let (platform, outbox) = platform(backend).await;
    let ivan = sign_up(&platform, "ivan@example.com", Lang::Ru).await;
    let maria = sign_up(&platform, "maria@example.com", Lang::En).await;

    let refused = [
        ("maria@example.com", PASSWORD, "email_taken"),
        ("ivan.new@example.com", "not the password", "wrong_password"),
        ("not an address", PASSWORD, "invalid_email"),
        ("IVAN@example.com", PASSWORD, "unchanged"),
    ];
    for (address, password, expected) in refused {
        let code = match mail::request_email_change(&platform, &ivan, address, password).await {
            Err(AccountError::EmailTaken) => "email_taken",
            Err(AccountError::WrongPassword) => "wrong_password",
            Err(AccountError::Invalid(list)) => {
                assert_eq!(list[0].field, "new_email");
                list[0].code
            }
            other => panic!("{address:?}: {other:?}"),
        };
        assert_eq!(code, expected, "{address:?}");
    }
    assert!(outbox.of_kind("email_change").is_empty());

    mail::request_email_change(&platform, &ivan, "Ivan.New@example.com", PASSWORD)
        .await
        .unwrap();
    let sent = outbox.of_kind("email_change");
    assert_eq!(sent.len(), 1);
    // The link goes to the new address.
    assert_eq!(sent[0].recipient.email.as_str(), "ivan.new@example.com");
    assert_eq!(sent[0].data["new_email"], "ivan.new@example.com");
    assert_eq!(
        stored(&platform, &ivan.id).await.email.as_str(),
        "ivan@example.com"
    );
    let link = secret(&sent[0], "/confirm-email");
    let changed = mail::confirm_email_change(&platform, &link).await.unwrap();
    assert_eq!(changed.email.as_str(), "ivan.new@example.com");
    let found = platform
        .store
        .account_by_email("ivan.new@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, ivan.id);
    assert!(matches!(
        mail::confirm_email_change(&platform, &link).await,
        Err(AccountError::LinkInvalid)
    ));

    // Two accounts ask for the same free address; the second to confirm finds it taken.
    let ivan = stored(&platform, &ivan.id).await;
    mail::request_email_change(&platform, &maria, "free@example.com", PASSWORD)
        .await
        .unwrap();
    mail::request_email_change(&platform, &ivan, "free@example.com", PASSWORD)
        .await
        .unwrap();
    let sent = outbox.of_kind("email_change");
    assert_eq!(sent.len(), 3);
    let (for_maria, for_ivan) = (
        secret(&sent[1], "/confirm-email"),
        secret(&sent[2], "/confirm-email"),
    );
    mail::confirm_email_change(&platform, &for_ivan)
        .await
        .unwrap();
    assert!(matches!(
        mail::confirm_email_change(&platform, &for_maria).await,
        Err(AccountError::EmailTaken)
    ));
    assert_eq!(
        stored(&platform, &maria.id).await.email.as_str(),
        "maria@example.com"
    );
}

async fn a_role_change_is_told_once_and_a_lost_email_does_not_undo_it(backend: Backend) {
    let (platform, outbox) = platform(backend).await;
    let admin = Account {
        birth_year: BirthYear::from_trusted(1970),
        password_hash: "-".into(),
        roles: BTreeSet::from([Role::Resident, Role::Admin]),
        ..veche_core::testing::account("admin@example.com", "Администратор")
    };
    platform.store.insert_account(&admin).await.unwrap();
    let target = sign_up(&platform, "olga@example.com", Lang::En).await;

    let moderator = BTreeSet::from([Role::Moderator]);
    service::set_roles(&platform, &admin, &target.id, moderator.clone(), None, None)
        .await
        .unwrap();
    let sent = outbox.of_kind("roles_changed");
    assert_eq!(sent.len(), 1);
    let entry = platform.store.list_audit(None, 1).await.unwrap().remove(0);
    assert_eq!(
        sent[0].idempotency_key,
        format!("roles_changed:{}", entry.id)
    );
    assert_eq!(sent[0].recipient.email.as_str(), "olga@example.com");
    assert_eq!(sent[0].recipient.account_id.as_ref(), Some(&target.id));
    assert_eq!(sent[0].locale, Lang::En);
    assert_eq!(sent[0].data["roles"], "resident, moderator");
    assert_eq!(sent[0].data["link"], "/profile");
    assert_eq!(sent[0].data["name"], "Иван Петров");

    // Saving the same roles again changes nothing and tells nothing.
    service::set_roles(&platform, &admin, &target.id, moderator, None, None)
        .await
        .unwrap();
    assert_eq!(outbox.of_kind("roles_changed").len(), 1);

    outbox.down.store(true, Ordering::SeqCst);
    let expert = BTreeSet::from([Role::Expert]);
    let updated = service::set_roles(&platform, &admin, &target.id, expert, None, None)
        .await
        .unwrap();
    assert!(updated.has_role(Role::Expert));
    assert!(stored(&platform, &target.id).await.has_role(Role::Expert));
    assert_eq!(outbox.of_kind("roles_changed").len(), 1);
}

veche_core::contract_tests!(
    signing_up_sends_a_link_that_activates_the_account_once,
    a_resent_link_works_and_spends_the_earlier_ones,
    a_reset_link_sets_a_new_password_and_ends_every_session,
    an_address_changes_only_when_the_new_one_confirms,
    a_role_change_is_told_once_and_a_lost_email_does_not_undo_it,
);
