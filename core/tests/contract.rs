#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The core store's contract: every method of [`CoreStore`], written once and run on both
//! adapters (SQLite, and MongoDB at `MONGODB_URI`) through `veche_core::contract_tests!`.
//! The SQLite writer's group commit is tested directly at the end (SQLite only).

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use veche_core::accounts::model::{
    Account, AccountQuery, AccountState, ApiToken, BirthYear, DisplayName, Email, EmailToken,
    Organisation, Role, Session, TokenPurpose,
};
use veche_core::clock;
use veche_core::districts::{self, District, Okrug};
use veche_core::id::{AccountId, AuditId, DistrictId, OrganisationId, TokenId};
use veche_core::storage::Backend;
use veche_core::store::{self, AuditEntry, CoreStore, IdempotencyRecord, StoredResponse};
use veche_core::web::i18n::Lang;
use veche_core::StoreError;

// ------------------------------------------------------------------------------- helpers ---

async fn open(backend: &Backend) -> Arc<dyn CoreStore> {
    store::open(backend).await.unwrap()
}

/// `n` fresh ids in increasing order. ULIDs made within the same millisecond are not ordered
/// among themselves (their low bits are random), so they are sorted here: inserting them in
/// this order is inserting "oldest first".
fn ascending<T: Ord>(n: usize, generate: fn() -> T) -> Vec<T> {
    let mut ids: Vec<T> = (0..n).map(|_| generate()).collect();
    ids.sort();
    ids
}

fn email(raw: &str) -> Email {
    Email::parse(raw).unwrap()
}

fn name(raw: &str) -> DisplayName {
    DisplayName::parse(raw).unwrap()
}

fn account_with(id: AccountId, address: &str, display_name: &str) -> Account {
    Account {
        id,
        ..veche_core::testing::account(address, display_name)
    }
}

fn account(address: &str, display_name: &str) -> Account {
    veche_core::testing::account(address, display_name)
}

fn everything(limit: usize) -> AccountQuery {
    AccountQuery {
        limit,
        ..AccountQuery::default()
    }
}

fn text_query(text: &str) -> AccountQuery {
    AccountQuery {
        text: Some(text.to_string()),
        limit: 100,
        ..AccountQuery::default()
    }
}

fn ids(accounts: &[Account]) -> Vec<AccountId> {
    accounts.iter().map(|a| a.id.clone()).collect()
}

fn emails(accounts: &[Account]) -> Vec<String> {
    accounts
        .iter()
        .map(|a| a.email.as_str().to_string())
        .collect()
}

fn session(id_hash: &str, account: &AccountId, expires_at: OffsetDateTime) -> Session {
    let now = clock::now();
    Session {
        id_hash: id_hash.to_string(),
        account_id: account.clone(),
        created_at: now,
        last_seen_at: now,
        expires_at,
    }
}

fn token(id: TokenId, account: &AccountId, hash: &str) -> ApiToken {
    ApiToken {
        id,
        account_id: account.clone(),
        name: format!("token {hash}"),
        hash: hash.to_string(),
        created_at: clock::now(),
        last_used_at: None,
    }
}

fn audit(id: AuditId, actor: &AccountId, n: usize) -> AuditEntry {
    AuditEntry {
        id,
        at: clock::now() + Duration::from_millis(n as u64),
        actor_id: actor.clone(),
        action: "account.roles_set".into(),
        target: format!("account:{n}"),
        reason: Some(format!("reason {n}")),
        details: serde_json::json!({ "n": n }),
    }
}

fn pending(key_hash: &str, created_at: OffsetDateTime) -> IdempotencyRecord {
    IdempotencyRecord {
        key_hash: key_hash.to_string(),
        request_hash: format!("request of {key_hash}"),
        response: None,
        created_at,
    }
}

fn is_conflict(result: &Result<(), StoreError>) -> bool {
    matches!(result, Err(StoreError::Conflict(_)))
}

fn email_token(
    hash: &str,
    account: &AccountId,
    purpose: TokenPurpose,
    expires_at: OffsetDateTime,
) -> EmailToken {
    EmailToken {
        hash: hash.to_string(),
        account_id: account.clone(),
        purpose,
        new_email: None,
        created_at: clock::now(),
        expires_at,
    }
}

/// Takes the email token `hash` as `purpose` at `now` (`None`: not there to take).
async fn taken(
    store: &Arc<dyn CoreStore>,
    hash: &str,
    purpose: TokenPurpose,
    now: OffsetDateTime,
) -> Option<EmailToken> {
    store.take_email_token(hash, purpose, now).await.unwrap()
}

/// Stores each of `tokens`.
async fn insert_email_tokens(store: &Arc<dyn CoreStore>, tokens: &[&EmailToken]) {
    for t in tokens {
        store.insert_email_token(t).await.unwrap();
    }
}

/// Milliseconds of an optional time: the precision both stores keep.
/// When the stored account `id` started to owe an email, in milliseconds.
async fn pending_since(store: &Arc<dyn CoreStore>, id: &AccountId) -> Option<i64> {
    millis(store.account(id).await.unwrap().unwrap().mail_pending_since)
}

/// Upserts the directory and reads back the same lists, sorted.
async fn upsert_and_read_back(
    store: &Arc<dyn CoreStore>,
    okrugs: &[Okrug],
    districts: &[District],
) {
    store.upsert_districts(okrugs, districts).await.unwrap();
    assert_eq!(store.okrugs().await.unwrap(), sorted_okrugs(okrugs));
    assert_eq!(
        store.districts().await.unwrap(),
        sorted_districts(districts)
    );
}

fn millis(at: Option<OffsetDateTime>) -> Option<i64> {
    at.map(clock::to_millis)
}

// ----------------------------------------------------------------------------- migration ---

/// `open` migrates; opening again (as every restart does) changes nothing and loses nothing.
async fn migration_is_idempotent(backend: Backend) {
    let first = open(&backend).await;
    let a = account("first@example.com", "Первый Житель");
    first.insert_account(&a).await.unwrap();
    first.setting_or_insert("instance_id", "one").await.unwrap();

    let second = open(&backend).await;
    let third = open(&backend).await;
    assert_eq!(second.account(&a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(
        third.account_by_email("first@example.com").await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(
        third.setting_or_insert("instance_id", "two").await.unwrap(),
        "one"
    );
    // The unique index on email still holds after re-migrating.
    let clash = third
        .insert_account(&account("first@example.com", "Второй Житель"))
        .await;
    assert!(
        matches!(&clash, Err(e) if e.is_conflict_on("email")),
        "{clash:?}"
    );
    assert_eq!(third.list_accounts(&everything(10)).await.unwrap(), vec![a]);
}

// ------------------------------------------------------------------------------ accounts ---

async fn account_round_trips(backend: Backend) {
    let store = open(&backend).await;
    let plain = account("Ivan.Petrov@Example.COM", "Иван Петров");
    assert_eq!(plain.email.as_str(), "ivan.petrov@example.com");
    let mut rich = account("olga+veche@пример.рф", "  Ольга   Смирнова-Ёлкина ");
    rich.roles = BTreeSet::from([Role::Resident, Role::Official, Role::Admin, Role::Expert]);
    rich.organisation_id = Some(OrganisationId::generate());
    rich.state = AccountState::Blocked;
    rich.birth_year = BirthYear::from_trusted(1900);
    rich.created_at = clock::from_millis(1_600_000_000_123);
    rich.updated_at = clock::from_millis(1_700_000_000_999);
    let mut third = account("third@example.org", "Third Person");
    third.state = AccountState::Unverified;
    third.roles = BTreeSet::from([Role::Resident, Role::Moderator]);

    for a in [&plain, &rich, &third] {
        store.insert_account(a).await.unwrap();
    }
    for a in [&plain, &rich, &third] {
        assert_eq!(store.account(&a.id).await.unwrap().as_ref(), Some(a));
        assert_eq!(
            store
                .account_by_email(a.email.as_str())
                .await
                .unwrap()
                .as_ref(),
            Some(a)
        );
    }
    assert_eq!(rich.display_name.as_str(), "Ольга Смирнова-Ёлкина");
    assert_eq!(store.account(&AccountId::generate()).await.unwrap(), None);
    assert_eq!(
        store.account_by_email("nobody@example.com").await.unwrap(),
        None
    );
    // Emails are stored normalised; lookups are by the normalised form.
    assert_eq!(
        store
            .account_by_email("Ivan.Petrov@Example.COM")
            .await
            .unwrap(),
        None
    );
}

async fn duplicate_email_is_a_conflict(backend: Backend) {
    let store = open(&backend).await;
    let a = account("taken@example.com", "Анна Первая");
    store.insert_account(&a).await.unwrap();

    let b = account("TAKEN@example.com", "Борис Второй");
    let err = store.insert_account(&b).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(
        err.is_conflict_on("email"),
        "the conflict must name the email key: {err:?}"
    );
    assert!(!err.is_conflict_on("display_name"));

    // Nothing changed: the loser was not written, the winner is intact.
    assert_eq!(store.account(&b.id).await.unwrap(), None);
    assert_eq!(
        store.account_by_email("taken@example.com").await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(
        store.list_accounts(&everything(10)).await.unwrap(),
        vec![a.clone()]
    );

    // The same id twice is a conflict too (on the primary key, not on email).
    let mut same_id = account("other@example.com", "Вера Третья");
    same_id.id = a.id.clone();
    let err = store.insert_account(&same_id).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(!err.is_conflict_on("email"), "{err:?}");
    assert_eq!(store.account(&a.id).await.unwrap(), Some(a));
    assert_eq!(
        store.account_by_email("other@example.com").await.unwrap(),
        None
    );
}

async fn update_account_replaces_the_record(backend: Backend) {
    let store = open(&backend).await;
    let original = account("old@example.com", "Старое Имя");
    let bystander = account("bystander@example.com", "Сосед Соседов");
    store.insert_account(&original).await.unwrap();
    store.insert_account(&bystander).await.unwrap();

    let mut changed = original.clone();
    changed.email = email("new@example.com");
    changed.display_name = name("Новое Имя");
    changed.district_id = DistrictId::parse("45383000").unwrap();
    changed.birth_year = BirthYear::from_trusted(1999);
    changed.password_hash = "$argon2id$v=19$changed".into();
    changed.roles = BTreeSet::from([Role::Resident, Role::Moderator]);
    changed.organisation_id = Some(OrganisationId::generate());
    changed.state = AccountState::Blocked;
    changed.updated_at = clock::now() + Duration::from_secs(5);
    store.update_account(&changed).await.unwrap();

    assert_eq!(
        store.account(&original.id).await.unwrap(),
        Some(changed.clone())
    );
    assert_eq!(
        store.account_by_email("new@example.com").await.unwrap(),
        Some(changed.clone())
    );
    assert_eq!(
        store.account_by_email("old@example.com").await.unwrap(),
        None
    );
    // The search text follows the record.
    assert_eq!(
        ids(&store.list_accounts(&text_query("новое")).await.unwrap()),
        vec![original.id.clone()]
    );
    assert!(store
        .list_accounts(&text_query("старое"))
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .list_accounts(&text_query("old@"))
        .await
        .unwrap()
        .is_empty());
    // And the role/state filters too.
    let moderators = AccountQuery {
        role: Some(Role::Moderator),
        state: Some(AccountState::Blocked),
        limit: 10,
        ..AccountQuery::default()
    };
    assert_eq!(
        ids(&store.list_accounts(&moderators).await.unwrap()),
        vec![original.id.clone()]
    );

    // Clearing an optional field sticks.
    let mut cleared = changed.clone();
    cleared.organisation_id = None;
    store.update_account(&cleared).await.unwrap();
    assert_eq!(
        store.account(&original.id).await.unwrap(),
        Some(cleared.clone())
    );

    // A missing id: NotFound, and nothing was created.
    let ghost = account("ghost@example.com", "Призрак Опера");
    let err = store.update_account(&ghost).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    assert_eq!(store.account(&ghost.id).await.unwrap(), None);
    assert_eq!(
        store.account_by_email("ghost@example.com").await.unwrap(),
        None
    );

    // Taking another account's email: Conflict on email, neither record changed.
    let mut thief = cleared.clone();
    thief.email = bystander.email.clone();
    thief.display_name = name("Похититель Адресов");
    let err = store.update_account(&thief).await.unwrap_err();
    assert!(err.is_conflict_on("email"), "{err:?}");
    assert_eq!(store.account(&original.id).await.unwrap(), Some(cleared));
    assert_eq!(
        store.account(&bystander.id).await.unwrap(),
        Some(bystander.clone())
    );
    assert_eq!(
        store
            .account_by_email("bystander@example.com")
            .await
            .unwrap(),
        Some(bystander)
    );

    // Keeping one's own email is not a conflict.
    let mut same = changed;
    same.organisation_id = None;
    same.display_name = name("Снова Новое");
    store.update_account(&same).await.unwrap();
    assert_eq!(store.account(&same.id).await.unwrap(), Some(same));
}

async fn list_accounts_newest_first_with_cursor(backend: Backend) {
    let store = open(&backend).await;
    let ids_up = ascending(7, AccountId::generate);
    let mut inserted = Vec::new();
    for (i, id) in ids_up.iter().enumerate() {
        let a = account_with(
            id.clone(),
            &format!("user{i}@example.com"),
            &format!("Житель {i}"),
        );
        store.insert_account(&a).await.unwrap();
        inserted.push(a);
    }
    let newest_first: Vec<Account> = inserted.iter().rev().cloned().collect();

    assert_eq!(
        store.list_accounts(&everything(100)).await.unwrap(),
        newest_first
    );
    assert_eq!(
        store.list_accounts(&everything(7)).await.unwrap(),
        newest_first
    );
    assert_eq!(
        store.list_accounts(&everything(3)).await.unwrap(),
        newest_first[..3].to_vec()
    );
    assert_eq!(
        store.list_accounts(&everything(1)).await.unwrap(),
        newest_first[..1].to_vec()
    );

    // Page through with the cursor: every account once, in order, then an empty page.
    for page_size in [1, 2, 3, 7] {
        let mut seen: Vec<Account> = Vec::new();
        let mut before: Option<AccountId> = None;
        loop {
            let page = store
                .list_accounts(&AccountQuery {
                    before: before.clone(),
                    limit: page_size,
                    ..AccountQuery::default()
                })
                .await
                .unwrap();
            assert!(page.len() <= page_size);
            let Some(last) = page.last() else { break };
            before = Some(last.id.clone());
            seen.extend(page);
            assert!(seen.len() <= inserted.len(), "pagination loops");
        }
        assert_eq!(seen, newest_first, "page size {page_size}");
    }

    // The cursor is exclusive.
    let after_third = store
        .list_accounts(&AccountQuery {
            before: Some(newest_first[2].id.clone()),
            limit: 100,
            ..AccountQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(after_third, newest_first[3..].to_vec());
    let before_oldest = AccountQuery {
        before: Some(ids_up[0].clone()),
        limit: 100,
        ..AccountQuery::default()
    };
    assert!(store
        .list_accounts(&before_oldest)
        .await
        .unwrap()
        .is_empty());

    // `limit` is "at most": zero asks for nothing.
    let zero = store.list_accounts(&everything(0)).await.unwrap();
    assert!(zero.is_empty());
}

async fn list_accounts_text_filter(backend: Backend) {
    let store = open(&backend).await;
    let entries = [
        ("ivan.petrov@example.com", "Иван Петров"),
        ("maria@example.com", "Мария ИВАНОВА"),
        ("elka@example.com", "Ёлкина Ольга"),
        ("john@example.org", "John Smith"),
        // Characters that are wildcards in LIKE or metacharacters in a regular expression.
        ("pct%x@example.com", "Percent Literal"),
        ("pctax@example.com", "Percent Decoy"),
        ("under_x@example.com", "Underscore Literal"),
        ("underax@example.com", "Underscore Decoy"),
        ("dot.x@example.com", "Dot Literal"),
        ("dotax@example.com", "Dot Decoy"),
        ("star*x@example.com", "Star Literal"),
        ("starrrx@example.com", "Star Decoy"),
        ("plus+x@example.com", "Plus Literal"),
        ("dollar$x@example.com", "Dollar Literal"),
        ("caret^x|y@example.com", "Caret Literal"),
        ("brace{2}x@example.com", "Brace Literal"),
        ("q?x@example.com", "Question Literal"),
        ("brackets@example.com", "Alex (the [best]) \\o/"),
    ];
    let mut by_email = std::collections::HashMap::new();
    for (address, display_name) in entries {
        let a = account(address, display_name);
        store.insert_account(&a).await.unwrap();
        by_email.insert(address, a);
    }

    let find = |text: &'static str| {
        let store = store.clone();
        async move {
            let mut found = emails(&store.list_accounts(&text_query(text)).await.unwrap());
            found.sort();
            found
        }
    };

    // Email substrings.
    assert_eq!(find("ivan.petrov@").await, vec!["ivan.petrov@example.com"]);
    assert_eq!(find("example.org").await, vec!["john@example.org"]);
    // Display-name substrings, Cyrillic, case-insensitively (the stored search text and the
    // query are both lower-cased).
    assert_eq!(find("петров").await, vec!["ivan.petrov@example.com"]);
    assert_eq!(find("иванова").await, vec!["maria@example.com"]);
    assert_eq!(find("ёлкина ольга").await, vec!["elka@example.com"]);
    assert_eq!(find("smith").await, vec!["john@example.org"]);
    // "иван" is in one name and (as "ivan") not in the other's letters: only Cyrillic matches.
    assert_eq!(
        find("иван").await,
        vec!["ivan.petrov@example.com", "maria@example.com"]
    );
    // Both the email and the name are searched.
    assert_eq!(find("ivan").await, vec!["ivan.petrov@example.com"]);

    // Wildcards and metacharacters match literally.
    assert_eq!(find("t%x").await, vec!["pct%x@example.com"]);
    assert_eq!(find("%").await, vec!["pct%x@example.com"]);
    assert_eq!(find("r_x").await, vec!["under_x@example.com"]);
    assert_eq!(find("_").await, vec!["under_x@example.com"]);
    assert_eq!(find("t.x").await, vec!["dot.x@example.com"]);
    assert_eq!(find("r*x").await, vec!["star*x@example.com"]);
    assert_eq!(find("*").await, vec!["star*x@example.com"]);
    assert_eq!(find("s+x").await, vec!["plus+x@example.com"]);
    assert_eq!(find("r$x").await, vec!["dollar$x@example.com"]);
    assert_eq!(find("^x|y").await, vec!["caret^x|y@example.com"]);
    assert_eq!(find("{2}x").await, vec!["brace{2}x@example.com"]);
    assert_eq!(find("q?x").await, vec!["q?x@example.com"]);
    assert_eq!(find("(the [best])").await, vec!["brackets@example.com"]);
    assert_eq!(find("\\o/").await, vec!["brackets@example.com"]);
    assert!(find(".*").await.is_empty());
    assert!(find("[a-z]").await.is_empty());
    assert_eq!(find("\\").await, vec!["brackets@example.com"]);
    assert!(find("nobody-has-this").await.is_empty());

    // The text filter combines with the cursor and limit.
    let all_example = find("@example.com").await;
    assert_eq!(all_example.len(), entries.len() - 1);
    let first_two = store
        .list_accounts(&AccountQuery {
            text: Some("literal".into()),
            limit: 2,
            ..AccountQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(first_two.len(), 2);
    assert!(first_two[0].id > first_two[1].id);
    let rest = store
        .list_accounts(&AccountQuery {
            text: Some("literal".into()),
            before: Some(first_two[1].id.clone()),
            limit: 100,
            ..AccountQuery::default()
        })
        .await
        .unwrap();
    let literal_count = entries
        .iter()
        .filter(|(_, n)| n.ends_with("Literal"))
        .count();
    assert_eq!(first_two.len() + rest.len(), literal_count);
    assert!(rest.iter().all(|a| a.id < first_two[1].id));
    assert_eq!(by_email.len(), entries.len());
}

async fn list_accounts_role_and_state_filters(backend: Backend) {
    let store = open(&backend).await;
    let ids_up = ascending(6, AccountId::generate);
    let spec: [(&[Role], AccountState); 6] = [
        (&[Role::Resident], AccountState::Active),
        (&[Role::Resident, Role::Admin], AccountState::Active),
        (&[Role::Resident, Role::Moderator], AccountState::Blocked),
        (
            &[Role::Resident, Role::Official, Role::Expert],
            AccountState::Unverified,
        ),
        (
            &[Role::Resident, Role::Admin, Role::Moderator],
            AccountState::Blocked,
        ),
        (&[Role::Resident], AccountState::Unverified),
    ];
    let mut all = Vec::new();
    for (i, (roles, state)) in spec.iter().enumerate() {
        let mut a = account_with(
            ids_up[i].clone(),
            &format!("r{i}@example.com"),
            &format!("Роль {i}"),
        );
        a.roles = roles.iter().copied().collect();
        a.state = *state;
        store.insert_account(&a).await.unwrap();
        all.push(a);
    }
    let expect = |pred: &dyn Fn(&Account) -> bool| -> Vec<AccountId> {
        all.iter()
            .rev()
            .filter(|a| pred(a))
            .map(|a| a.id.clone())
            .collect()
    };
    let list = |role: Option<Role>, state: Option<AccountState>, limit: usize| {
        let store = store.clone();
        async move {
            ids(&store
                .list_accounts(&AccountQuery {
                    role,
                    state,
                    limit,
                    ..AccountQuery::default()
                })
                .await
                .unwrap())
        }
    };

    for role in Role::ALL {
        assert_eq!(
            list(Some(role), None, 100).await,
            expect(&|a: &Account| a.has_role(role)),
            "{role:?}"
        );
    }
    assert_eq!(list(Some(Role::Admin), None, 100).await.len(), 2);
    assert_eq!(list(Some(Role::Resident), None, 100).await.len(), 6);
    for state in [
        AccountState::Active,
        AccountState::Blocked,
        AccountState::Unverified,
    ] {
        assert_eq!(
            list(None, Some(state), 100).await,
            expect(&|a: &Account| a.state == state),
            "{state:?}"
        );
        assert_eq!(list(None, Some(state), 100).await.len(), 2);
    }
    assert_eq!(
        list(Some(Role::Moderator), Some(AccountState::Blocked), 100).await,
        expect(&|a: &Account| a.has_role(Role::Moderator) && a.state == AccountState::Blocked)
    );
    assert_eq!(
        list(Some(Role::Admin), Some(AccountState::Blocked), 100).await,
        vec![ids_up[4].clone()]
    );
    assert!(list(Some(Role::Expert), Some(AccountState::Active), 100)
        .await
        .is_empty());
    assert_eq!(
        list(Some(Role::Resident), Some(AccountState::Unverified), 1).await,
        vec![ids_up[5].clone()]
    );

    // Filters with text: "роль 1" is only account 1; with a role that it lacks, nothing.
    let q = AccountQuery {
        text: Some("роль 1".into()),
        role: Some(Role::Admin),
        limit: 10,
        ..AccountQuery::default()
    };
    assert_eq!(
        ids(&store.list_accounts(&q).await.unwrap()),
        vec![ids_up[1].clone()]
    );
    let q = AccountQuery {
        role: Some(Role::Moderator),
        ..q
    };
    assert!(store.list_accounts(&q).await.unwrap().is_empty());
}

// ------------------------------------------------------------------------------ sessions ---

async fn sessions_lifecycle(backend: Backend) {
    let store = open(&backend).await;
    let alice = AccountId::generate();
    let bob = AccountId::generate();
    let now = clock::now();
    let day = Duration::from_secs(86_400);

    let s1 = session("hash-a1", &alice, now + day);
    let s2 = session("hash-a2", &alice, now + day);
    let s3 = session("hash-b1", &bob, now + day);
    for s in [&s1, &s2, &s3] {
        store.insert_session(s).await.unwrap();
    }
    assert_eq!(store.session("hash-a1").await.unwrap(), Some(s1.clone()));
    assert_eq!(store.session("hash-b1").await.unwrap(), Some(s3.clone()));
    assert_eq!(store.session("hash-none").await.unwrap(), None);
    // The same hash twice is refused.
    assert!(is_conflict(&store.insert_session(&s1).await));

    // Renew: both times are replaced, the rest stays.
    let seen = now + Duration::from_secs(60);
    let expires = now + day * 30;
    store.renew_session("hash-a1", seen, expires).await.unwrap();
    let renewed = store.session("hash-a1").await.unwrap().unwrap();
    assert_eq!(
        renewed,
        Session {
            last_seen_at: seen,
            expires_at: expires,
            ..s1.clone()
        }
    );
    assert_eq!(store.session("hash-a2").await.unwrap(), Some(s2.clone()));
    // Renewing an unknown session is harmless and creates nothing.
    store
        .renew_session("hash-none", seen, expires)
        .await
        .unwrap();
    assert_eq!(store.session("hash-none").await.unwrap(), None);

    // Delete one.
    store.delete_session("hash-a2").await.unwrap();
    assert_eq!(store.session("hash-a2").await.unwrap(), None);
    assert_eq!(
        store.session("hash-a1").await.unwrap(),
        Some(renewed.clone())
    );
    store.delete_session("hash-a2").await.unwrap();

    // Sign alice out everywhere: only hers end.
    store
        .insert_session(&session("hash-a3", &alice, now + day))
        .await
        .unwrap();
    assert_eq!(store.delete_sessions_of(&alice).await.unwrap(), 2);
    assert_eq!(store.session("hash-a1").await.unwrap(), None);
    assert_eq!(store.session("hash-a3").await.unwrap(), None);
    assert_eq!(store.session("hash-b1").await.unwrap(), Some(s3.clone()));
    assert_eq!(store.delete_sessions_of(&alice).await.unwrap(), 0);
    assert_eq!(
        store
            .delete_sessions_of(&AccountId::generate())
            .await
            .unwrap(),
        0
    );
}

async fn expired_sessions_are_removed(backend: Backend) {
    let store = open(&backend).await;
    let who = AccountId::generate();
    let now = clock::now();
    let hour = Duration::from_secs(3600);
    let long_gone = session("gone-1", &who, now - hour * 48);
    let just_gone = session("gone-2", &who, now - Duration::from_millis(1));
    let at_now = session("gone-3", &who, now);
    let soon = session("live-1", &who, now + Duration::from_millis(1));
    let later = session("live-2", &AccountId::generate(), now + hour);
    for s in [&long_gone, &just_gone, &at_now, &soon, &later] {
        store.insert_session(s).await.unwrap();
    }
    // A session whose expiry is `now` has expired (both adapters: expires_at <= now).
    assert_eq!(store.delete_expired_sessions(now).await.unwrap(), 3);
    for gone in ["gone-1", "gone-2", "gone-3"] {
        assert_eq!(store.session(gone).await.unwrap(), None, "{gone}");
    }
    assert_eq!(store.session("live-1").await.unwrap(), Some(soon));
    assert_eq!(store.session("live-2").await.unwrap(), Some(later));
    assert_eq!(store.delete_expired_sessions(now).await.unwrap(), 0);
    assert_eq!(
        store.delete_expired_sessions(now + hour * 2).await.unwrap(),
        2
    );
}

// -------------------------------------------------------------------------------- tokens ---

async fn api_tokens_lifecycle(backend: Backend) {
    let store = open(&backend).await;
    let alice = AccountId::generate();
    let bob = AccountId::generate();
    let token_ids = ascending(5, TokenId::generate);
    // Inserted out of order: `tokens_of` sorts oldest (lowest id) first.
    let a0 = token(token_ids[0].clone(), &alice, "h-a0");
    let a1 = token(token_ids[1].clone(), &alice, "h-a1");
    let b2 = token(token_ids[2].clone(), &bob, "h-b2");
    let mut a3 = token(token_ids[3].clone(), &alice, "h-a3");
    a3.last_used_at = Some(clock::from_millis(1_700_000_000_001));
    let b4 = token(token_ids[4].clone(), &bob, "h-b4");
    for t in [&a3, &b4, &a1, &b2, &a0] {
        store.insert_token(t).await.unwrap();
    }

    assert_eq!(store.token_by_hash("h-a1").await.unwrap(), Some(a1.clone()));
    assert_eq!(store.token_by_hash("h-a3").await.unwrap(), Some(a3.clone()));
    assert_eq!(store.token_by_hash("h-none").await.unwrap(), None);
    assert_eq!(
        store.tokens_of(&alice).await.unwrap(),
        vec![a0.clone(), a1.clone(), a3.clone()]
    );
    assert_eq!(
        store.tokens_of(&bob).await.unwrap(),
        vec![b2.clone(), b4.clone()]
    );
    assert!(store
        .tokens_of(&AccountId::generate())
        .await
        .unwrap()
        .is_empty());

    // The same hash again is a conflict on `hash`, and nothing is written.
    let dup = token(TokenId::generate(), &bob, "h-a1");
    let err = store.insert_token(&dup).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(err.is_conflict_on("hash"), "{err:?}");
    assert_eq!(store.token_by_hash("h-a1").await.unwrap(), Some(a1.clone()));
    assert_eq!(store.tokens_of(&bob).await.unwrap().len(), 2);

    // Touch sets last_used_at (and only that).
    let used = clock::now() + Duration::from_secs(7);
    store
        .touch_tokens(std::slice::from_ref(&a1.hash), used)
        .await
        .unwrap();
    let touched = store.token_by_hash("h-a1").await.unwrap().unwrap();
    assert_eq!(
        touched,
        ApiToken {
            last_used_at: Some(used),
            ..a1.clone()
        }
    );
    let later = used + Duration::from_secs(60);
    // Several at once; an unknown hash is skipped.
    store
        .touch_tokens(&[a3.hash.clone(), "h-unknown".to_string()], later)
        .await
        .unwrap();
    assert_eq!(
        store
            .token_by_hash("h-a3")
            .await
            .unwrap()
            .unwrap()
            .last_used_at,
        Some(later)
    );
    assert_eq!(
        store
            .token_by_hash("h-a0")
            .await
            .unwrap()
            .unwrap()
            .last_used_at,
        None
    );
    store
        .touch_tokens(&["h-unknown".to_string()], later)
        .await
        .unwrap();
    store.touch_tokens(&[], later).await.unwrap();

    // Delete: only one's own token.
    assert!(
        !store.delete_token(&alice, &b2.id).await.unwrap(),
        "alice must not delete bob's token"
    );
    assert_eq!(store.token_by_hash("h-b2").await.unwrap(), Some(b2.clone()));
    assert!(store.delete_token(&alice, &a0.id).await.unwrap());
    assert_eq!(store.token_by_hash("h-a0").await.unwrap(), None);
    assert!(
        !store.delete_token(&alice, &a0.id).await.unwrap(),
        "already deleted"
    );
    assert!(!store
        .delete_token(&alice, &TokenId::generate())
        .await
        .unwrap());
    assert_eq!(store.tokens_of(&alice).await.unwrap().len(), 2);

    // Delete all of one account's.
    assert_eq!(store.delete_tokens_of(&alice).await.unwrap(), 2);
    assert!(store.tokens_of(&alice).await.unwrap().is_empty());
    assert_eq!(store.token_by_hash("h-a1").await.unwrap(), None);
    assert_eq!(store.tokens_of(&bob).await.unwrap(), vec![b2, b4]);
    assert_eq!(store.delete_tokens_of(&alice).await.unwrap(), 0);

    // A deleted token's hash can be used again.
    let again = token(TokenId::generate(), &alice, "h-a1");
    store.insert_token(&again).await.unwrap();
    assert_eq!(store.token_by_hash("h-a1").await.unwrap(), Some(again));
}

// -------------------------------------------------------------------------- email tokens ---

async fn email_token_is_taken_once(backend: Backend) {
    let store = open(&backend).await;
    let who = AccountId::generate();
    let now = clock::now();
    let hour = Duration::from_secs(3600);

    let verify = email_token("et-verify", &who, TokenPurpose::VerifyEmail, now + hour);
    let mut change = email_token("et-change", &who, TokenPurpose::EmailChange, now + hour);
    change.new_email = Some(email("Новый.Адрес@Пример.РФ"));
    change.created_at = clock::from_millis(1_700_000_000_123);
    insert_email_tokens(&store, &[&verify, &change]).await;

    // The wrong purpose finds nothing, and does not consume the token.
    for wrong in [TokenPurpose::PasswordReset, TokenPurpose::EmailChange] {
        assert_eq!(
            taken(&store, "et-verify", wrong, now).await,
            None,
            "{wrong:?}"
        );
    }
    assert_eq!(
        taken(&store, "et-verify", TokenPurpose::VerifyEmail, now).await,
        Some(verify.clone())
    );
    // Single use: the second take finds nothing.
    assert_eq!(
        taken(&store, "et-verify", TokenPurpose::VerifyEmail, now).await,
        None
    );
    assert_eq!(
        taken(&store, "et-none", TokenPurpose::VerifyEmail, now).await,
        None
    );

    // The new address and both times come back as written.
    let got = taken(&store, "et-change", TokenPurpose::EmailChange, now)
        .await
        .unwrap();
    assert_eq!(
        got.new_email.as_ref().map(Email::as_str),
        Some("новый.адрес@пример.рф")
    );
    assert_eq!(
        clock::to_millis(got.created_at),
        1_700_000_000_123,
        "created_at"
    );
    assert_eq!(
        clock::to_millis(got.expires_at),
        clock::to_millis(now + hour),
        "expires_at"
    );
    assert_eq!(got, change);
    assert_eq!(
        taken(&store, "et-change", TokenPurpose::EmailChange, now).await,
        None
    );
}

async fn expired_email_token_is_not_taken(backend: Backend) {
    let store = open(&backend).await;
    let who = AccountId::generate();
    let now = clock::now();
    let reset = TokenPurpose::PasswordReset;
    let long_gone = email_token("old", &who, reset, now - Duration::from_secs(86_400));
    let just_gone = email_token("just", &who, reset, now - Duration::from_millis(1));
    let at_now = email_token("at-now", &who, reset, now);
    let soon = email_token("soon", &who, reset, now + Duration::from_millis(1));
    insert_email_tokens(&store, &[&long_gone, &just_gone, &at_now, &soon]).await;
    // A token whose expiry is `now` has expired (expires_at <= now).
    for gone in ["old", "just", "at-now"] {
        assert_eq!(taken(&store, gone, reset, now).await, None, "{gone}");
    }
    assert_eq!(taken(&store, "soon", reset, now).await, Some(soon));
}

async fn concurrent_takers_get_one_email_token(backend: Backend) {
    let store = open(&backend).await;
    let who = AccountId::generate();
    let expires = clock::now() + Duration::from_secs(3600);
    for round in 0..3 {
        let hash = format!("contested-{round}");
        let contested = email_token(&hash, &who, TokenPurpose::VerifyEmail, expires);
        store.insert_email_token(&contested).await.unwrap();
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let store = store.clone();
                let hash = hash.clone();
                tokio::spawn(async move {
                    store
                        .take_email_token(&hash, TokenPurpose::VerifyEmail, clock::now())
                        .await
                })
            })
            .collect();
        let mut winners = Vec::new();
        for task in tasks {
            if let Some(t) = task.await.unwrap().unwrap() {
                winners.push(t);
            }
        }
        assert_eq!(
            winners,
            vec![contested],
            "round {round}: exactly one taker must get the token"
        );
        assert_eq!(
            taken(&store, &hash, TokenPurpose::VerifyEmail, clock::now()).await,
            None,
            "round {round}"
        );
    }
}

async fn email_tokens_of_an_account_are_deleted(backend: Backend) {
    let store = open(&backend).await;
    let alice = AccountId::generate();
    let bob = AccountId::generate();
    let expires = clock::now() + Duration::from_secs(3600);
    let verify = TokenPurpose::VerifyEmail;
    let reset = TokenPurpose::PasswordReset;
    let a_verify_1 = email_token("a-v1", &alice, verify, expires);
    let a_verify_2 = email_token("a-v2", &alice, verify, expires);
    let a_reset = email_token("a-r1", &alice, reset, expires);
    let b_verify = email_token("b-v1", &bob, verify, expires);
    insert_email_tokens(&store, &[&a_verify_1, &a_verify_2, &a_reset, &b_verify]).await;

    assert_eq!(
        store.delete_email_tokens_of(&alice, verify).await.unwrap(),
        2
    );
    assert_eq!(
        store.delete_email_tokens_of(&alice, verify).await.unwrap(),
        0
    );
    assert_eq!(
        store
            .delete_email_tokens_of(&AccountId::generate(), verify)
            .await
            .unwrap(),
        0
    );
    let now = clock::now();
    for gone in ["a-v1", "a-v2"] {
        assert_eq!(taken(&store, gone, verify, now).await, None, "{gone}");
    }
    // Another purpose of the same account, and another account's, are untouched.
    assert_eq!(taken(&store, "a-r1", reset, now).await, Some(a_reset));
    assert_eq!(
        taken(&store, "b-v1", verify, now).await,
        Some(b_verify.clone())
    );

    store.insert_email_token(&b_verify).await.unwrap();
    assert_eq!(store.delete_email_tokens_of(&bob, reset).await.unwrap(), 0);
    assert_eq!(store.delete_email_tokens_of(&bob, verify).await.unwrap(), 1);
}

async fn expired_email_tokens_are_removed(backend: Backend) {
    let store = open(&backend).await;
    let who = AccountId::generate();
    let now = clock::now();
    let hour = Duration::from_secs(3600);
    let verify = TokenPurpose::VerifyEmail;
    let tokens = [
        email_token("gone-1", &who, verify, now - hour * 48),
        email_token(
            "gone-2",
            &who,
            TokenPurpose::EmailChange,
            now - Duration::from_millis(1),
        ),
        email_token("gone-3", &who, verify, now),
        email_token("live-1", &who, verify, now + Duration::from_millis(1)),
        email_token("live-2", &AccountId::generate(), verify, now + hour),
    ];
    for t in &tokens {
        store.insert_email_token(t).await.unwrap();
    }
    assert_eq!(store.delete_expired_email_tokens(now).await.unwrap(), 3);
    assert_eq!(store.delete_expired_email_tokens(now).await.unwrap(), 0);
    assert_eq!(
        taken(&store, "live-1", verify, now).await,
        Some(tokens[3].clone())
    );
    // Only live-2 is left: the three expired ones are really gone.
    assert_eq!(
        store
            .delete_expired_email_tokens(now + hour * 2)
            .await
            .unwrap(),
        1
    );
    assert_eq!(taken(&store, "live-2", verify, now).await, None);
}

// -------------------------------------------------------------------------- pending mail ---

async fn accounts_with_pending_mail_oldest_first(backend: Backend) {
    let store = open(&backend).await;
    let before = clock::now();
    let second = Duration::from_secs(1);
    let owes = |address: &str, since: Option<OffsetDateTime>| {
        let mut a = account(address, "Должник Письма");
        a.mail_pending_since = since;
        a
    };
    let oldest = owes("oldest@example.com", Some(before - second * 30));
    let middle = owes("middle@example.com", Some(before - second * 20));
    let newest = owes(
        "newest@example.com",
        Some(before - Duration::from_millis(1)),
    );
    let at_before = owes("at-before@example.com", Some(before));
    let later = owes("later@example.com", Some(before + second));
    let settled = owes("settled@example.com", None);
    // Inserted out of order: the listing sorts by `mail_pending_since`, not by insertion or id.
    for a in [&later, &newest, &settled, &oldest, &at_before, &middle] {
        store.insert_account(a).await.unwrap();
    }

    let listed = store.accounts_with_pending_mail(before, 10).await.unwrap();
    assert_eq!(
        ids(&listed),
        ids(&[oldest.clone(), middle.clone(), newest.clone()])
    );
    assert_eq!(
        listed
            .iter()
            .map(|a| millis(a.mail_pending_since))
            .collect::<Vec<_>>(),
        vec![
            millis(oldest.mail_pending_since),
            millis(middle.mail_pending_since),
            millis(newest.mail_pending_since)
        ]
    );
    assert_eq!(listed[0], oldest);
    assert_eq!(
        ids(&store.accounts_with_pending_mail(before, 2).await.unwrap()),
        ids(&[oldest.clone(), middle.clone()])
    );
    assert_eq!(
        ids(&store.accounts_with_pending_mail(before, 1).await.unwrap()),
        vec![oldest.id.clone()]
    );
    assert!(store
        .accounts_with_pending_mail(before, 0)
        .await
        .unwrap()
        .is_empty());
    // Strictly before: nothing owed since before the oldest debt.
    assert!(store
        .accounts_with_pending_mail(before - second * 30, 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        ids(&store
            .accounts_with_pending_mail(before + second * 2, 10)
            .await
            .unwrap()),
        ids(&[oldest, middle, newest, at_before, later])
    );
}

/// The residents of some districts (or of the whole city), paged in id order: never a blocked
/// account, every other one exactly once.
async fn accounts_of_an_organisation_page_in_id_order(backend: Backend) {
    let store = open(&backend).await;
    let (roads, parks) = (
        OrganisationId::from_trusted("roads".into()),
        OrganisationId::from_trusted("parks".into()),
    );
    let ids_up = ascending(5, AccountId::generate);
    let plan = [
        (Some(&roads), AccountState::Active),
        (Some(&parks), AccountState::Active),
        (Some(&roads), AccountState::Blocked),
        (None, AccountState::Active),
        (Some(&roads), AccountState::Unverified),
    ];
    for (i, (organisation, state)) in plan.iter().enumerate() {
        let mut a = account_with(
            ids_up[i].clone(),
            &format!("o{i}@example.com"),
            &format!("Сотрудник {i}"),
        );
        a.organisation_id = organisation.cloned();
        a.state = *state;
        store.insert_account(&a).await.unwrap();
    }
    let all = store
        .accounts_of_organisation(&roads, None, 10)
        .await
        .unwrap();
    assert_eq!(ids(&all), vec![ids_up[0].clone(), ids_up[4].clone()]);
    let first = store
        .accounts_of_organisation(&roads, None, 1)
        .await
        .unwrap();
    assert_eq!(ids(&first), vec![ids_up[0].clone()]);
    let rest = store
        .accounts_of_organisation(&roads, Some(&ids_up[0]), 10)
        .await
        .unwrap();
    assert_eq!(ids(&rest), vec![ids_up[4].clone()]);
    let other = store
        .accounts_of_organisation(&parks, None, 10)
        .await
        .unwrap();
    assert_eq!(ids(&other), vec![ids_up[1].clone()]);
}

async fn accounts_in_districts_page_in_id_order(backend: Backend) {
    let store = open(&backend).await;
    let (north, south, east) = (
        DistrictId::parse("45277000").unwrap(),
        DistrictId::parse("45286000").unwrap(),
        DistrictId::parse("45293000").unwrap(),
    );
    let ids_up = ascending(9, AccountId::generate);
    let plan = [
        (&north, AccountState::Active),
        (&south, AccountState::Unverified),
        (&north, AccountState::Blocked),
        (&east, AccountState::Active),
        (&south, AccountState::Active),
        (&north, AccountState::Unverified),
        (&east, AccountState::Active),
        (&north, AccountState::Active),
        (&south, AccountState::Active),
    ];
    let mut all = Vec::new();
    for (i, (district, state)) in plan.iter().enumerate() {
        let mut a = account_with(
            ids_up[i].clone(),
            &format!("d{i}@example.com"),
            &format!("Житель {i}"),
        );
        a.district_id = (*district).clone();
        a.state = *state;
        all.push(a);
    }
    // Inserted out of id order: the listing sorts by id, not by insertion.
    for i in [4, 0, 8, 2, 6, 1, 5, 3, 7] {
        store.insert_account(&all[i]).await.unwrap();
    }
    let blocked = all[2].id.clone();
    let expect = |districts: &[&DistrictId]| -> Vec<AccountId> {
        all.iter()
            .filter(|a| a.state != AccountState::Blocked)
            .filter(|a| districts.is_empty() || districts.contains(&&a.district_id))
            .map(|a| a.id.clone())
            .collect()
    };
    let list = |districts: Vec<DistrictId>, after: Option<AccountId>, limit: usize| {
        let store = store.clone();
        async move {
            ids(&store
                .accounts_in_districts(&districts, after.as_ref(), limit)
                .await
                .unwrap())
        }
    };
    // Pages through with `after` and `limit`, checking each page's size.
    let page_through = |districts: Vec<DistrictId>, limit: usize| {
        let list = &list;
        async move {
            let mut seen: Vec<AccountId> = Vec::new();
            loop {
                let page = list(districts.clone(), seen.last().cloned(), limit).await;
                assert!(page.len() <= limit);
                if page.is_empty() {
                    return seen;
                }
                seen.extend(page);
            }
        }
    };

    let north_ids = list(vec![north.clone()], None, 100).await;
    assert_eq!(north_ids, expect(&[&north]));
    assert_eq!(
        north_ids,
        vec![ids_up[0].clone(), ids_up[5].clone(), ids_up[7].clone()]
    );
    assert_eq!(
        list(vec![south.clone(), east.clone()], None, 100).await,
        expect(&[&south, &east])
    );
    assert_eq!(
        list(vec![south.clone(), east.clone()], None, 100)
            .await
            .len(),
        5
    );
    assert_eq!(
        list(vec![east.clone(), north.clone(), east.clone()], None, 100).await,
        expect(&[&north, &east]),
        "a district named twice counts once"
    );
    let city = list(Vec::new(), None, 100).await;
    assert_eq!(city, expect(&[]));
    assert_eq!(city.len(), 8);
    assert!(
        !city.contains(&blocked),
        "a blocked account is never listed"
    );
    assert!(
        list(vec![DistrictId::parse("45000000").unwrap()], None, 100)
            .await
            .is_empty()
    );

    // Paging: every expected account exactly once, in id order, whatever the page size.
    for limit in [1, 2, 3, 100] {
        assert_eq!(
            page_through(Vec::new(), limit).await,
            expect(&[]),
            "city, {limit}"
        );
        assert_eq!(
            page_through(vec![north.clone()], limit).await,
            expect(&[&north]),
            "north, {limit}"
        );
        assert_eq!(
            page_through(vec![north.clone(), south.clone()], limit).await,
            expect(&[&north, &south]),
            "north and south, {limit}"
        );
    }
    assert_eq!(
        list(
            vec![north.clone(), south.clone()],
            Some(ids_up[1].clone()),
            2
        )
        .await,
        vec![ids_up[4].clone(), ids_up[5].clone()],
        "strictly after, skipping the blocked and the other districts"
    );
    // After the blocked account's own id (a cursor may be any id).
    assert_eq!(
        list(vec![north.clone()], Some(blocked.clone()), 100).await,
        vec![ids_up[5].clone(), ids_up[7].clone()]
    );
    assert!(list(Vec::new(), Some(ids_up[8].clone()), 100)
        .await
        .is_empty());
    assert!(list(Vec::new(), None, 0).await.is_empty());
    assert!(list(vec![north.clone()], None, 0).await.is_empty());

    // The whole record comes back.
    let listed = store
        .accounts_in_districts(std::slice::from_ref(&east), None, 1)
        .await
        .unwrap();
    assert_eq!(listed, vec![all[3].clone()]);
}

async fn clear_pending_mail_once(backend: Backend) {
    let store = open(&backend).await;
    let now = clock::now();
    let since = now - Duration::from_secs(60);
    let mut a = account("owed@example.com", "Ждущий Письма");
    a.mail_pending_since = Some(since);
    let mut other = account("other@example.com", "Другой Должник");
    other.mail_pending_since = Some(since);
    store.insert_account(&a).await.unwrap();
    store.insert_account(&other).await.unwrap();

    // Another time does not clear it.
    assert!(!store
        .clear_pending_mail(&a.id, since - Duration::from_millis(1))
        .await
        .unwrap());
    assert!(!store
        .clear_pending_mail(&AccountId::generate(), since)
        .await
        .unwrap());
    assert_eq!(
        millis(
            store
                .account(&a.id)
                .await
                .unwrap()
                .unwrap()
                .mail_pending_since
        ),
        Some(clock::to_millis(since))
    );

    assert!(store.clear_pending_mail(&a.id, since).await.unwrap());
    assert!(!store.clear_pending_mail(&a.id, since).await.unwrap());
    let cleared = store.account(&a.id).await.unwrap().unwrap();
    assert_eq!(cleared.mail_pending_since, None);
    assert_eq!(
        cleared,
        Account {
            mail_pending_since: None,
            ..a.clone()
        }
    );
    assert_eq!(
        ids(&store.accounts_with_pending_mail(now, 10).await.unwrap()),
        vec![other.id.clone()]
    );
    // The other account's debt at the same time is untouched.
    assert_eq!(
        pending_since(&store, &other.id).await,
        Some(clock::to_millis(since))
    );

    // A newer debt replaces the old one: clearing the old one leaves it standing.
    let newer = now - Duration::from_secs(10);
    let mut owes_again = other.clone();
    owes_again.mail_pending_since = Some(newer);
    store.update_account(&owes_again).await.unwrap();
    assert!(!store.clear_pending_mail(&other.id, since).await.unwrap());
    assert_eq!(
        pending_since(&store, &other.id).await,
        Some(clock::to_millis(newer))
    );
    assert_eq!(
        ids(&store.accounts_with_pending_mail(now, 10).await.unwrap()),
        vec![other.id.clone()]
    );
    assert!(store.clear_pending_mail(&other.id, newer).await.unwrap());
    assert!(store
        .accounts_with_pending_mail(now, 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .account(&other.id)
            .await
            .unwrap()
            .unwrap()
            .mail_pending_since,
        None
    );
}

// ---------------------------------------------------------------------------------- lang ---

/// The language of the stored account `id`.
async fn lang_of(store: &Arc<dyn CoreStore>, id: &AccountId) -> Lang {
    store.account(id).await.unwrap().unwrap().lang
}

async fn account_lang_round_trips(backend: Backend) {
    let store = open(&backend).await;
    let mut english = account("english@example.com", "English Speaker");
    english.lang = Lang::En;
    let russian = account("russian@example.com", "Русский Житель");
    store.insert_account(&english).await.unwrap();
    store.insert_account(&russian).await.unwrap();

    let read = store.account(&english.id).await.unwrap().unwrap();
    assert_eq!(read.lang, Lang::En);
    assert_eq!(read, english);
    assert_eq!(
        store
            .account_by_email("english@example.com")
            .await
            .unwrap()
            .unwrap()
            .lang,
        Lang::En
    );
    assert_eq!(lang_of(&store, &russian.id).await, Lang::Ru);
    let listed = store.list_accounts(&everything(10)).await.unwrap();
    let langs: Vec<(AccountId, Lang)> = listed.iter().map(|a| (a.id.clone(), a.lang)).collect();
    assert!(langs.contains(&(english.id.clone(), Lang::En)), "{langs:?}");
    assert!(langs.contains(&(russian.id.clone(), Lang::Ru)), "{langs:?}");

    // Updates change the language both ways.
    let mut switched = russian.clone();
    switched.lang = Lang::En;
    store.update_account(&switched).await.unwrap();
    assert_eq!(lang_of(&store, &russian.id).await, Lang::En);
    let mut back = english.clone();
    back.lang = Lang::Ru;
    store.update_account(&back).await.unwrap();
    assert_eq!(lang_of(&store, &english.id).await, Lang::Ru);
    back.lang = Lang::En;
    store.update_account(&back).await.unwrap();
    assert_eq!(store.account(&english.id).await.unwrap(), Some(back));
    assert_eq!(
        store.account_by_email("russian@example.com").await.unwrap(),
        Some(switched)
    );
}

// ----------------------------------------------------------------------------- districts ---

fn sorted_okrugs(okrugs: &[Okrug]) -> Vec<Okrug> {
    let mut v = okrugs.to_vec();
    v.sort_by(|a, b| a.id.cmp(&b.id));
    v
}

fn sorted_districts(districts: &[District]) -> Vec<District> {
    let mut v = districts.to_vec();
    v.sort_by(|a, b| a.id.cmp(&b.id));
    v
}

async fn districts_upsert_and_retain(backend: Backend) {
    let store = open(&backend).await;
    assert!(store.okrugs().await.unwrap().is_empty());
    assert!(store.districts().await.unwrap().is_empty());

    let moscow = districts::moscow().unwrap();
    assert_eq!(moscow.okrugs.len(), 12);
    assert_eq!(moscow.districts.len(), 146);
    upsert_and_read_back(&store, &moscow.okrugs, &moscow.districts).await;

    // Upserting the same list again changes nothing.
    upsert_and_read_back(&store, &moscow.okrugs, &moscow.districts).await;

    // Upserting changed records updates them in place (by id), leaving the rest.
    let mut okrugs = moscow.okrugs.clone();
    let mut list = moscow.districts.clone();
    okrugs[0].name_en = "Central (renamed)".into();
    okrugs[0].abbrev = "ЦАО*".into();
    list[0].name_ru = "Арбат (переименован)".into();
    list[0].name_en = "Arbat (renamed)".into();
    list[5].kind = districts::DistrictKind::Settlement;
    list[5].okrug_id = okrugs[1].id.clone();
    store
        .upsert_districts(&okrugs[..1], &[list[0].clone(), list[5].clone()])
        .await
        .unwrap();
    assert_eq!(store.okrugs().await.unwrap(), sorted_okrugs(&okrugs));
    assert_eq!(store.districts().await.unwrap(), sorted_districts(&list));

    // Retain a subset: everything else goes, and the count says how much.
    let keep_districts: Vec<District> = list.iter().take(10).cloned().collect();
    let keep_okrug_ids: HashSet<_> = keep_districts.iter().map(|d| d.okrug_id.clone()).collect();
    let keep_okrugs: Vec<Okrug> = okrugs
        .iter()
        .filter(|o| keep_okrug_ids.contains(&o.id))
        .cloned()
        .collect();
    assert!(!keep_okrugs.is_empty() && keep_okrugs.len() < 12);
    let removed = store
        .retain_districts(&keep_okrugs, &keep_districts)
        .await
        .unwrap();
    assert_eq!(removed, (146 - 10) + (12 - keep_okrugs.len()) as u64);
    assert_eq!(store.okrugs().await.unwrap(), sorted_okrugs(&keep_okrugs));
    assert_eq!(
        store.districts().await.unwrap(),
        sorted_districts(&keep_districts)
    );
    // Again: nothing left to remove.
    assert_eq!(
        store
            .retain_districts(&keep_okrugs, &keep_districts)
            .await
            .unwrap(),
        0
    );
    // Retaining names that are not stored removes nothing extra.
    let mut with_unknown = keep_districts.clone();
    with_unknown.push(District {
        id: DistrictId::parse("99999999").unwrap(),
        ..keep_districts[0].clone()
    });
    assert_eq!(
        store
            .retain_districts(&keep_okrugs, &with_unknown)
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.districts().await.unwrap().len(), 10);
    // Retaining nothing empties both.
    assert_eq!(
        store.retain_districts(&[], &[]).await.unwrap(),
        10 + keep_okrugs.len() as u64
    );
    assert!(store.okrugs().await.unwrap().is_empty());
    assert!(store.districts().await.unwrap().is_empty());
    // And upsert brings the whole list back.
    store
        .upsert_districts(&moscow.okrugs, &moscow.districts)
        .await
        .unwrap();
    assert_eq!(
        store.districts().await.unwrap(),
        sorted_districts(&moscow.districts)
    );
}

/// A small imported city: two square districts side by side (lon 10–11 and 11–12, lat 50–51),
/// the first with a square hole.
fn two_square_city() -> districts::Import {
    let text = serde_json::json!({
        "type": "FeatureCollection",
        "features": [
            { "type": "Feature",
              "properties": { "NAME": "Западный", "OKTMO": "11111111", "OKATO_AO": "1000", "NAME_AO": "Первый" },
              "geometry": { "type": "Polygon", "coordinates": [
                  [[10.0, 50.0], [11.0, 50.0], [11.0, 51.0], [10.0, 51.0], [10.0, 50.0]],
                  [[10.4, 50.4], [10.6, 50.4], [10.6, 50.6], [10.4, 50.6], [10.4, 50.4]] ] } },
            { "type": "Feature",
              "properties": { "NAME": "Восточный", "OKTMO": "22222222", "OKATO_AO": "1000", "NAME_AO": "Первый" },
              "geometry": { "type": "MultiPolygon", "coordinates": [
                  [[[11.0, 50.0], [12.0, 50.0], [12.0, 51.0], [11.0, 51.0], [11.0, 50.0]]] ] } },
            { "type": "Feature",
              "properties": { "NAME": "Безграничный", "OKTMO": "33333333", "OKATO_AO": "1000", "NAME_AO": "Первый" },
              "geometry": null }
        ]
    });
    districts::parse_import(&text.to_string()).unwrap()
}

async fn boundaries_upsert_read_and_retain(backend: Backend) {
    let store = open(&backend).await;
    assert!(store.boundaries().await.unwrap().is_empty());
    let city = two_square_city();
    assert_eq!(city.list.districts.len(), 3);
    assert_eq!(
        city.boundaries.len(),
        2,
        "the feature without a geometry has none"
    );
    store
        .upsert_districts(&city.list.okrugs, &city.list.districts)
        .await
        .unwrap();
    store.upsert_boundaries(&city.boundaries).await.unwrap();
    // Read back exactly, holes included, sorted by district id.
    assert_eq!(store.boundaries().await.unwrap(), city.boundaries);
    // Again: the same, not twice.
    store.upsert_boundaries(&city.boundaries).await.unwrap();
    assert_eq!(store.boundaries().await.unwrap(), city.boundaries);

    // Replacing one district's boundary changes that one only.
    let mut moved = city.boundaries[1].clone();
    for point in &mut moved.polygons[0].outer {
        point[1] += 5.0;
    }
    store.upsert_boundaries(&[moved.clone()]).await.unwrap();
    assert_eq!(
        store.boundaries().await.unwrap(),
        vec![city.boundaries[0].clone(), moved.clone()]
    );

    // Moscow's Kuntsevo, five polygons and 1,598 positions, survives the trip.
    let moscow = districts::geo::moscow_boundaries();
    let kuntsevo = moscow
        .get(&DistrictId::parse("45320000").unwrap())
        .unwrap()
        .clone();
    assert_eq!(kuntsevo.polygons.len(), 5);
    store
        .upsert_boundaries(std::slice::from_ref(&kuntsevo))
        .await
        .unwrap();
    let stored = store.boundaries().await.unwrap();
    assert_eq!(stored.len(), 3);
    assert!(
        stored[2] == kuntsevo,
        "Kuntsevo, last by id, comes back the same"
    );

    // Retaining districts drops the boundaries of those removed (the count is of districts
    // and okrugs), keeps the others.
    let keep = vec![city.list.districts[1].clone()];
    let removed = store
        .retain_districts(&city.list.okrugs, &keep)
        .await
        .unwrap();
    assert_eq!(removed, 2);
    assert_eq!(store.boundaries().await.unwrap(), vec![moved]);
}

async fn platform_boundaries_follow_the_store(backend: Backend) {
    let notify = Arc::new(veche_core::testing::notify::Recorder::default());
    let platform = veche_core::testing::server::platform_on(
        backend,
        veche_core::testing::server::PlatformSpec::default(),
        notify,
    )
    .await;
    // Moscow's districts and nothing stored: Moscow's built-in boundaries.
    let red_square = platform.boundaries().locate(55.7539, 37.6208);
    assert_eq!(red_square, DistrictId::parse("45382000"));
    assert_eq!(platform.boundaries().len(), 146);

    // Another city imported with its boundaries, replacing Moscow.
    let city = two_square_city();
    let store = &platform.store;
    store
        .upsert_districts(&city.list.okrugs, &city.list.districts)
        .await
        .unwrap();
    store.upsert_boundaries(&city.boundaries).await.unwrap();
    store
        .retain_districts(&city.list.okrugs, &city.list.districts)
        .await
        .unwrap();
    platform.reload_directory().await.unwrap();
    let boundaries = platform.boundaries();
    assert_eq!(boundaries.len(), 2);
    assert_eq!(boundaries.locate(55.7539, 37.6208), None);
    assert_eq!(boundaries.locate(50.2, 10.2), DistrictId::parse("11111111"));
    assert_eq!(boundaries.locate(50.5, 10.5), None, "in the hole");
    assert_eq!(boundaries.locate(50.5, 11.5), DistrictId::parse("22222222"));
    // Read again unchanged: the same boundaries, not a copy (their map outlines are kept).
    platform.reload_directory().await.unwrap();
    assert!(Arc::ptr_eq(&boundaries, &platform.boundaries()));
}

// ------------------------------------------------------------------------- organisations ---

async fn organisations_sorted_by_name(backend: Backend) {
    let store = open(&backend).await;
    assert!(store.organisations().await.unwrap().is_empty());
    let names = [
        "Управа района Хамовники",
        "Префектура ЦАО",
        "Департамент транспорта",
        "Mosgortrans",
        "Управа района Арбат",
        "Жилищник района Арбат",
    ];
    let mut all = Vec::new();
    for (i, org_name) in names.iter().enumerate() {
        let o = Organisation {
            id: OrganisationId::generate(),
            name: (*org_name).to_string(),
            created_at: clock::from_millis(1_700_000_000_000 + i as i64),
        };
        store.insert_organisation(&o).await.unwrap();
        all.push(o);
    }
    for o in &all {
        assert_eq!(store.organisation(&o.id).await.unwrap().as_ref(), Some(o));
    }
    assert_eq!(
        store
            .organisation(&OrganisationId::generate())
            .await
            .unwrap(),
        None
    );

    let listed = store.organisations().await.unwrap();
    let listed_names: Vec<&str> = listed.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(
        listed_names,
        vec![
            "Mosgortrans",
            "Департамент транспорта",
            "Жилищник района Арбат",
            "Префектура ЦАО",
            "Управа района Арбат",
            "Управа района Хамовники",
        ]
    );
    let mut expected = all.clone();
    expected.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(listed, expected);

    // The same id twice is refused.
    let dup = Organisation {
        name: "Другое имя".into(),
        ..all[0].clone()
    };
    assert!(is_conflict(&store.insert_organisation(&dup).await));
    assert_eq!(
        store.organisation(&all[0].id).await.unwrap(),
        Some(all[0].clone())
    );
    assert_eq!(store.organisations().await.unwrap().len(), names.len());
}

// --------------------------------------------------------------------------------- audit ---

async fn audit_log_newest_first(backend: Backend) {
    let store = open(&backend).await;
    assert!(store.list_audit(None, 10).await.unwrap().is_empty());
    let actor = AccountId::generate();
    let audit_ids = ascending(6, AuditId::generate);
    let mut entries: Vec<AuditEntry> = audit_ids
        .iter()
        .enumerate()
        .map(|(i, id)| audit(id.clone(), &actor, i))
        .collect();
    entries[1].details = serde_json::json!({
        "a.b": 1,
        "$set": { "roles": ["admin", "resident"] },
        "nested": { "$where": "x.y", "k.$": null, "n": -1.5, "big": 9_007_199_254_740_993_u64 },
        "кириллица": "значение",
    });
    entries[2].reason = None;
    entries[2].details = serde_json::json!({});
    entries[3].details =
        serde_json::json!({ "before": ["resident"], "after": ["resident", "moderator"] });
    // Inserted out of order; listed by id.
    for i in [3, 0, 5, 1, 4, 2] {
        store.insert_audit(&entries[i]).await.unwrap();
    }
    let newest_first: Vec<AuditEntry> = entries.iter().rev().cloned().collect();

    assert_eq!(store.list_audit(None, 100).await.unwrap(), newest_first);
    assert_eq!(
        store.list_audit(None, 2).await.unwrap(),
        newest_first[..2].to_vec()
    );
    assert_eq!(
        store.list_audit(Some(&audit_ids[4]), 2).await.unwrap(),
        vec![entries[3].clone(), entries[2].clone()]
    );
    assert!(store
        .list_audit(Some(&audit_ids[0]), 10)
        .await
        .unwrap()
        .is_empty());

    // Paging covers everything once.
    let mut seen = Vec::new();
    let mut before: Option<AuditId> = None;
    loop {
        let page = store.list_audit(before.as_ref(), 4).await.unwrap();
        let Some(last) = page.last() else { break };
        before = Some(last.id.clone());
        seen.extend(page);
        assert!(seen.len() <= entries.len());
    }
    assert_eq!(seen, newest_first);

    // `limit` is "at most": zero asks for nothing.
    let zero = store.list_audit(None, 0).await.unwrap();
    assert!(zero.is_empty());

    // Round trips of the awkward fields.
    let listed = store.list_audit(None, 100).await.unwrap();
    let odd = listed.iter().find(|e| e.id == audit_ids[1]).unwrap();
    assert_eq!(odd.details, entries[1].details);
    assert_eq!(odd.details["a.b"], 1);
    assert_eq!(odd.details["$set"]["roles"][0], "admin");
    assert_eq!(odd.details["nested"]["big"], 9_007_199_254_740_993_u64);
    let no_reason = listed.iter().find(|e| e.id == audit_ids[2]).unwrap();
    assert_eq!(no_reason.reason, None);
    assert_eq!(no_reason.details, serde_json::json!({}));

    // The same id twice is refused.
    assert!(is_conflict(&store.insert_audit(&entries[0]).await));
    assert_eq!(
        store.list_audit(None, 100).await.unwrap().len(),
        entries.len()
    );
}

// ------------------------------------------------------------------------------ settings ---

async fn setting_keeps_the_first_value(backend: Backend) {
    let store = open(&backend).await;
    assert_eq!(
        store
            .setting_or_insert("instance_id", "first")
            .await
            .unwrap(),
        "first"
    );
    assert_eq!(
        store
            .setting_or_insert("instance_id", "second")
            .await
            .unwrap(),
        "first"
    );
    assert_eq!(
        store.setting_or_insert("instance_id", "").await.unwrap(),
        "first"
    );
    assert_eq!(
        store
            .setting_or_insert("cookie_key", "секрет")
            .await
            .unwrap(),
        "секрет"
    );
    assert_eq!(
        store
            .setting_or_insert("cookie_key", "other")
            .await
            .unwrap(),
        "секрет"
    );
    assert_eq!(
        store
            .setting_or_insert("instance_id", "third")
            .await
            .unwrap(),
        "first"
    );
    assert_eq!(store.setting_or_insert("empty", "").await.unwrap(), "");
    assert_eq!(
        store.setting_or_insert("empty", "now set").await.unwrap(),
        ""
    );
}

async fn setting_races_agree(backend: Backend) {
    let store = open(&backend).await;
    for round in 0..5 {
        let key = format!("race_{round}");
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let store = store.clone();
                let key = key.clone();
                tokio::spawn(
                    async move { store.setting_or_insert(&key, &format!("value {i}")).await },
                )
            })
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap().unwrap());
        }
        let distinct: BTreeSet<&String> = answers.iter().collect();
        assert_eq!(
            distinct.len(),
            1,
            "round {round}: callers got different values: {answers:?}"
        );
        let winner = answers[0].clone();
        assert!((0..8).any(|i| winner == format!("value {i}")), "{winner}");
        assert_eq!(store.setting_or_insert(&key, "late").await.unwrap(), winner);
    }
}

// --------------------------------------------------------------------------- idempotency ---

async fn idempotency_lifecycle(backend: Backend) {
    let store = open(&backend).await;
    let now = clock::now();
    let first = pending("key-1", now);
    store.reserve_idempotency(&first).await.unwrap();
    assert_eq!(
        store.idempotency("key-1").await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(store.idempotency("key-none").await.unwrap(), None);

    // A second claim on the same key is refused and leaves the first alone.
    let second = IdempotencyRecord {
        request_hash: "another body".into(),
        ..pending("key-1", now + Duration::from_secs(1))
    };
    let err = store.reserve_idempotency(&second).await;
    assert!(is_conflict(&err), "{err:?}");
    assert_eq!(
        store.idempotency("key-1").await.unwrap(),
        Some(first.clone())
    );

    // Complete: the response is remembered, with and without a location.
    let created = StoredResponse {
        status: 201,
        body: r#"{"id":"01J…","name":"Имя"}"#.into(),
        location: Some("/api/v1/things/01J".into()),
    };
    store.complete_idempotency("key-1", &created).await.unwrap();
    assert_eq!(
        store.idempotency("key-1").await.unwrap(),
        Some(IdempotencyRecord {
            response: Some(created.clone()),
            ..first.clone()
        })
    );
    store
        .reserve_idempotency(&pending("key-2", now))
        .await
        .unwrap();
    let plain = StoredResponse {
        status: 200,
        body: String::new(),
        location: None,
    };
    store.complete_idempotency("key-2", &plain).await.unwrap();
    assert_eq!(
        store.idempotency("key-2").await.unwrap().unwrap().response,
        Some(plain)
    );
    // Still a conflict once completed.
    assert!(is_conflict(&store.reserve_idempotency(&second).await));

    // Release forgets the claim, and the key can be claimed again.
    store
        .reserve_idempotency(&pending("key-3", now))
        .await
        .unwrap();
    store.release_idempotency("key-3").await.unwrap();
    assert_eq!(store.idempotency("key-3").await.unwrap(), None);
    store.release_idempotency("key-3").await.unwrap();
    let retried = pending("key-3", now + Duration::from_secs(2));
    store.reserve_idempotency(&retried).await.unwrap();
    assert_eq!(store.idempotency("key-3").await.unwrap(), Some(retried));

    // An unanswered claim taken over (its server died): once, by the retry that read it.
    let stale = store.idempotency("key-3").await.unwrap().unwrap();
    let later = pending("key-3", now + Duration::from_secs(120));
    assert!(store.take_over_idempotency(&stale, &later).await.unwrap());
    assert_eq!(
        store.idempotency("key-3").await.unwrap(),
        Some(later.clone())
    );
    let rival = pending("key-3", now + Duration::from_secs(121));
    assert!(
        !store.take_over_idempotency(&stale, &rival).await.unwrap(),
        "a claim read before the takeover is no longer the stored one"
    );
    // An answered claim is never taken over.
    let answered = store.idempotency("key-1").await.unwrap().unwrap();
    assert!(!store
        .take_over_idempotency(&answered, &later)
        .await
        .unwrap());
    assert!(store
        .idempotency("key-1")
        .await
        .unwrap()
        .unwrap()
        .response
        .is_some());
    assert_eq!(
        store.idempotency("key-1").await.unwrap().unwrap().response,
        Some(created)
    );
}

async fn old_idempotency_records_are_dropped(backend: Backend) {
    let store = open(&backend).await;
    let cutoff = clock::now() - Duration::from_secs(86_400);
    let records = [
        ("ancient", cutoff - Duration::from_secs(3600 * 24 * 7)),
        ("old", cutoff - Duration::from_millis(1)),
        ("at-cutoff", cutoff),
        ("young", cutoff + Duration::from_millis(1)),
        ("fresh", clock::now()),
    ];
    for (key, at) in records {
        store.reserve_idempotency(&pending(key, at)).await.unwrap();
    }
    store
        .complete_idempotency(
            "old",
            &StoredResponse {
                status: 204,
                body: String::new(),
                location: None,
            },
        )
        .await
        .unwrap();
    // Strictly before the cutoff.
    assert_eq!(store.delete_idempotency_before(cutoff).await.unwrap(), 2);
    assert_eq!(store.idempotency("ancient").await.unwrap(), None);
    assert_eq!(store.idempotency("old").await.unwrap(), None);
    for (key, at) in &records[2..] {
        assert_eq!(
            store.idempotency(key).await.unwrap(),
            Some(pending(key, *at)),
            "{key}"
        );
    }
    assert_eq!(store.delete_idempotency_before(cutoff).await.unwrap(), 0);
    assert_eq!(
        store
            .delete_idempotency_before(clock::now() + Duration::from_secs(1))
            .await
            .unwrap(),
        3
    );
    assert_eq!(store.idempotency("fresh").await.unwrap(), None);
}

// ---------------------------------------------------------------- MongoDB time migration ---

/// Instants stored as integer milliseconds (here written straight through the driver, in the
/// form an older writer or a hand-made import would leave) are BSON dates once the store has
/// opened, and read, filter and sort as dates. More idempotency records than one batch of the
/// migration are stored, so that it has to page.
async fn millisecond_times_become_dates_at_open(backend: Backend) {
    use mongodb::bson::{doc, Bson, Document};
    use veche_core::testing::mongo::{collections, date, find_one};
    let coll = collections(&backend);
    let ms = clock::to_millis;
    let now = clock::now();
    let hour = Duration::from_secs(3600);

    let mut waiting = account("waiting@example.com", "Ждущий Письма");
    waiting.created_at = now - 3 * hour;
    waiting.updated_at = now - 2 * hour;
    waiting.mail_pending_since = Some(now - hour);
    let plain = account("plain@example.com", "Без Писем");
    for a in [&waiting, &plain] {
        let roles: Vec<&str> = a.roles.iter().map(|r| r.as_str()).collect();
        let mut d = doc! {
            "_id": a.id.as_str(), "email": a.email.as_str(),
            "display_name": a.display_name.as_str(), "search": a.search_text(),
            "district_id": a.district_id.as_str(), "birth_year": a.birth_year.value(),
            "password_hash": &a.password_hash, "roles": roles, "organisation_id": Bson::Null,
            "state": a.state.as_str(), "created_at": ms(a.created_at),
            "updated_at": ms(a.updated_at), "lang": a.lang.code(),
        };
        if let Some(since) = a.mail_pending_since {
            d.insert("mail_pending_since", ms(since));
        }
        coll("accounts").insert_one(d).await.unwrap();
    }

    let session = |id: String, expires_at| Session {
        id_hash: id,
        account_id: plain.id.clone(),
        created_at: now - 2 * hour,
        last_seen_at: now - hour,
        expires_at,
    };
    let live = session("live".into(), now + hour);
    let expired = session("expired".into(), now - hour);
    let sessions: Vec<Document> = [&live, &expired]
        .into_iter()
        .map(|s| {
            doc! {
                "_id": &s.id_hash, "account_id": s.account_id.as_str(),
                "created_at": ms(s.created_at), "last_seen_at": ms(s.last_seen_at),
                "expires_at": ms(s.expires_at),
            }
        })
        .collect();
    coll("sessions").insert_many(sessions).await.unwrap();

    let email_token = |hash: &str, expires_at| EmailToken {
        hash: hash.into(),
        account_id: plain.id.clone(),
        purpose: TokenPurpose::PasswordReset,
        new_email: None,
        created_at: now - hour,
        expires_at,
    };
    let usable = email_token("usable", now + hour);
    let stale = email_token("stale", now - Duration::from_secs(1));
    for t in [&usable, &stale] {
        coll("email_tokens")
            .insert_one(doc! {
                "_id": &t.hash, "account_id": t.account_id.as_str(),
                "purpose": t.purpose.as_str(), "new_email": Bson::Null,
                "created_at": ms(t.created_at), "expires_at": ms(t.expires_at),
            })
            .await
            .unwrap();
    }

    let token = ApiToken {
        id: TokenId::generate(),
        account_id: plain.id.clone(),
        name: "скрипт".into(),
        hash: "token-hash".into(),
        created_at: now - 2 * hour,
        last_used_at: Some(now - hour),
    };
    coll("api_tokens")
        .insert_one(doc! {
            "_id": token.id.as_str(), "account_id": token.account_id.as_str(),
            "name": &token.name, "hash": &token.hash, "created_at": ms(token.created_at),
            "last_used_at": token.last_used_at.map(ms),
        })
        .await
        .unwrap();

    let organisation = Organisation {
        id: OrganisationId::generate(),
        name: "Управа района".into(),
        created_at: now - hour,
    };
    coll("organisations")
        .insert_one(doc! {
            "_id": organisation.id.as_str(), "name": &organisation.name,
            "created_at": ms(organisation.created_at),
        })
        .await
        .unwrap();

    let entry = AuditEntry {
        id: AuditId::generate(),
        at: now - hour,
        actor_id: waiting.id.clone(),
        action: "account.blocked".into(),
        target: format!("account:{}", plain.id),
        reason: None,
        details: serde_json::json!({ "why": "test" }),
    };
    // A double, as the mongo shell writes numbers.
    coll("audit_log")
        .insert_one(doc! {
            "_id": entry.id.as_str(), "at": ms(entry.at) as f64,
            "actor_id": entry.actor_id.as_str(), "action": &entry.action,
            "target": &entry.target, "reason": Bson::Null, "details": entry.details.to_string(),
        })
        .await
        .unwrap();

    let kept = pending("kept", now - hour);
    let dropped: Vec<IdempotencyRecord> = (0..521)
        .map(|i| pending(&format!("dropped-{i:03}"), now - 30 * hour))
        .collect();
    let records: Vec<Document> = std::iter::once(&kept)
        .chain(&dropped)
        .map(|r| {
            doc! {
                "_id": &r.key_hash, "request_hash": &r.request_hash, "status": Bson::Null,
                "body": Bson::Null, "location": Bson::Null, "created_at": ms(r.created_at),
            }
        })
        .collect();
    coll("idempotency").insert_many(records).await.unwrap();

    let store = open(&backend).await;

    // No number is left in any time field; the dates are the same instants.
    let fields: [(&str, &[&str]); 7] = [
        (
            "accounts",
            &["created_at", "updated_at", "mail_pending_since"],
        ),
        ("sessions", &["created_at", "last_seen_at", "expires_at"]),
        ("email_tokens", &["created_at", "expires_at"]),
        ("api_tokens", &["created_at", "last_used_at"]),
        ("organisations", &["created_at"]),
        ("audit_log", &["at"]),
        ("idempotency", &["created_at"]),
    ];
    for (name, fields) in fields {
        for field in fields {
            let numbers = coll(name)
                .count_documents(doc! { *field: { "$type": "number" } })
                .await
                .unwrap();
            assert_eq!(numbers, 0, "{name}.{field}");
        }
    }
    let stored = find_one(&coll("accounts"), doc! { "_id": waiting.id.as_str() }).await;
    assert_eq!(
        Some(date(&stored, "mail_pending_since")),
        waiting.mail_pending_since
    );
    let stored = find_one(&coll("audit_log"), doc! {}).await;
    assert_eq!(date(&stored, "at"), entry.at);
    // The last record of the second batch.
    let stored = find_one(&coll("idempotency"), doc! { "_id": "dropped-520" }).await;
    assert_eq!(date(&stored, "created_at"), now - 30 * hour);

    // Read back, and filtered and sorted by date, through the store.
    assert_eq!(
        store.account(&waiting.id).await.unwrap(),
        Some(waiting.clone())
    );
    assert_eq!(store.account(&plain.id).await.unwrap(), Some(plain.clone()));
    assert_eq!(
        store.accounts_with_pending_mail(now, 10).await.unwrap(),
        vec![waiting.clone()]
    );
    assert_eq!(store.session("live").await.unwrap(), Some(live.clone()));
    assert_eq!(store.session("expired").await.unwrap(), Some(expired));
    assert_eq!(store.delete_expired_sessions(now).await.unwrap(), 1);
    assert_eq!(store.session("live").await.unwrap(), Some(live));
    assert_eq!(store.delete_expired_email_tokens(now).await.unwrap(), 1);
    assert_eq!(
        taken(&store, "usable", TokenPurpose::PasswordReset, now).await,
        Some(usable)
    );
    assert_eq!(
        store.token_by_hash("token-hash").await.unwrap(),
        Some(token)
    );
    assert_eq!(
        store.organisation(&organisation.id).await.unwrap(),
        Some(organisation)
    );
    assert_eq!(store.list_audit(None, 10).await.unwrap(), vec![entry]);
    assert_eq!(
        store
            .delete_idempotency_before(now - 24 * hour)
            .await
            .unwrap(),
        521
    );
    assert_eq!(store.idempotency("kept").await.unwrap(), Some(kept));
    assert_eq!(store.idempotency("dropped-000").await.unwrap(), None);

    // The run is recorded, and opening again finds nothing more to do.
    let done = find_one(&coll("migrations"), doc! { "_id": "core_times_as_dates" }).await;
    // 3 + 2 account fields, 3 per session, 2 per email token, the token's 2, the
    // organisation's, the audit entry's, and one per idempotency record.
    let expected = 5 + 3 * 2 + 2 * 2 + 2 + 1 + 1 + 522;
    assert_eq!(
        done.get("converted"),
        Some(&Bson::Int64(expected)),
        "{done:?}"
    );
    let again = open(&backend).await;
    assert_eq!(again.account(&waiting.id).await.unwrap(), Some(waiting));
}

/// Revocations come back from their instant on, oldest first, every one (two changes of
/// one key in the same millisecond included), and the sweep drops only the older ones.
async fn revocations_are_read_by_time_and_swept(backend: Backend) {
    let store = open(&backend).await;
    let base = clock::now();
    let at = |secs: u64| base + Duration::from_secs(secs);
    assert!(store.revocations_since(base).await.unwrap().is_empty());
    store.insert_revocation("a:three", at(3)).await.unwrap();
    store.insert_revocation("t:one", at(1)).await.unwrap();
    store.insert_revocation("s:two", at(2)).await.unwrap();
    store.insert_revocation("s:two", at(2)).await.unwrap();
    let keys =
        |list: Vec<(String, OffsetDateTime)>| list.into_iter().map(|(k, _)| k).collect::<Vec<_>>();
    assert_eq!(
        keys(store.revocations_since(at(2)).await.unwrap()),
        ["s:two", "s:two", "a:three"]
    );
    let all = store.revocations_since(base).await.unwrap();
    assert_eq!(all[0], ("t:one".to_string(), at(1)));
    assert_eq!(all.len(), 4);
    assert_eq!(store.delete_revocations_before(at(2)).await.unwrap(), 1);
    assert_eq!(
        keys(store.revocations_since(base).await.unwrap()),
        ["s:two", "s:two", "a:three"]
    );
}

veche_core::contract_tests!(
    revocations_are_read_by_time_and_swept,
    migration_is_idempotent,
    accounts_of_an_organisation_page_in_id_order,
    account_round_trips,
    duplicate_email_is_a_conflict,
    update_account_replaces_the_record,
    list_accounts_newest_first_with_cursor,
    list_accounts_text_filter,
    list_accounts_role_and_state_filters,
    sessions_lifecycle,
    expired_sessions_are_removed,
    api_tokens_lifecycle,
    email_token_is_taken_once,
    expired_email_token_is_not_taken,
    concurrent_takers_get_one_email_token,
    email_tokens_of_an_account_are_deleted,
    expired_email_tokens_are_removed,
    accounts_with_pending_mail_oldest_first,
    accounts_in_districts_page_in_id_order,
    clear_pending_mail_once,
    account_lang_round_trips,
    districts_upsert_and_retain,
    boundaries_upsert_read_and_retain,
    platform_boundaries_follow_the_store,
    organisations_sorted_by_name,
    audit_log_newest_first,
    setting_keeps_the_first_value,
    setting_races_agree,
    idempotency_lifecycle,
    old_idempotency_records_are_dropped;
    mongo_only: millisecond_times_become_dates_at_open,
);

// ------------------------------------------------------- the SQLite writer (SQLite only) ---

mod sqlite_writer {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use rusqlite::params;
    use veche_core::storage::{Sqlite, SyncMode};
    use veche_core::StoreError;

    const STEPS: &[&str] = &["CREATE TABLE rows (n INTEGER PRIMARY KEY, note TEXT NOT NULL);"];

    async fn fresh() -> (tempfile::TempDir, Sqlite) {
        let dir = tempfile::tempdir().unwrap();
        let db = Sqlite::open(dir.path(), SyncMode::Normal).unwrap();
        db.migrate("writer_test", STEPS).await.unwrap();
        // Migrating again is a no-op (the table would otherwise be created twice and fail).
        db.migrate("writer_test", STEPS).await.unwrap();
        (dir, db)
    }

    async fn stored_rows(db: &Sqlite) -> Vec<i64> {
        db.read(|conn| {
            let mut stmt = conn.prepare("SELECT n FROM rows ORDER BY n")?;
            let rows = stmt.query_map([], |row| row.get(0))?;
            Ok(rows.collect::<Result<Vec<i64>, _>>()?)
        })
        .await
        .unwrap()
    }

    /// Holds the writer thread busy until released, so that the writes queued meanwhile are
    /// taken together as one batch (one transaction) when it lets go.
    fn hold_writer(db: &Sqlite) -> (Arc<AtomicBool>, tokio::task::JoinHandle<()>) {
        let release = Arc::new(AtomicBool::new(false));
        let flag = release.clone();
        let db = db.clone();
        let handle = tokio::spawn(async move {
            db.write(move |_conn| {
                let deadline = std::time::Instant::now() + Duration::from_secs(10);
                while !flag.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(2));
                }
                Ok(())
            })
            .await
            .unwrap();
        });
        (release, handle)
    }

    #[derive(Clone, Copy, PartialEq, Debug)]
    enum Fate {
        Commits,
        ReturnsError,
        ViolatesUniqueKey,
        Panics,
    }

    fn fate(n: i64) -> Fate {
        match n {
            137 => Fate::ReturnsError,
            250 => Fate::ViolatesUniqueKey,
            401 => Fate::Panics,
            _ => Fate::Commits,
        }
    }

    /// 500 concurrent writes, committed in as few transactions as the writer can: the one that
    /// fails, the one that breaks a constraint half-way and the one that panics are each rolled
    /// back alone (their partial inserts too), with their own error; all the others commit.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn group_commit_isolates_failing_jobs() {
        isolates_failing_jobs(|_| false).await;
    }

    /// The same when the jobs can run again (`write_rerunnable`: no savepoint each, the batch
    /// run again when one fails): each failure still undoes only its own job.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rerunnable_jobs_fail_alone_too() {
        isolates_failing_jobs(|_| true).await;
    }

    /// And when both kinds share the batches.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rerunnable_and_other_jobs_share_a_batch() {
        isolates_failing_jobs(|n| n % 2 == 0).await;
    }

    async fn isolates_failing_jobs(rerunnable: fn(i64) -> bool) {
        let (_dir, db) = fresh().await;
        let (release, holder) = hold_writer(&db);

        let tasks: Vec<_> = (0..500_i64)
            .map(|n| {
                let db = db.clone();
                tokio::spawn(async move {
                    let job = move |conn: &rusqlite::Connection| {
                        conn.execute(
                            "INSERT INTO rows (n, note) VALUES (?1, 'first')",
                            params![n],
                        )?;
                        match fate(n) {
                            Fate::Commits => {}
                            Fate::ReturnsError => {
                                return Err(StoreError::Internal("refused on purpose".into()))
                            }
                            Fate::ViolatesUniqueKey => {
                                conn.execute(
                                    "INSERT INTO rows (n, note) VALUES (?1, 'again')",
                                    params![n],
                                )?;
                            }
                            Fate::Panics => panic!("job {n} panics on purpose"),
                        }
                        Ok(n)
                    };
                    let result = if rerunnable(n) {
                        db.write_rerunnable(job).await
                    } else {
                        db.write(job).await
                    };
                    (n, result)
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(300)).await;
        release.store(true, Ordering::SeqCst);
        holder.await.unwrap();

        for task in tasks {
            let (n, result) = task.await.unwrap();
            match fate(n) {
                Fate::Commits => assert_eq!(result.unwrap(), n),
                Fate::ReturnsError => {
                    assert!(
                        matches!(&result, Err(StoreError::Internal(m)) if m == "refused on purpose"),
                        "{result:?}"
                    )
                }
                Fate::ViolatesUniqueKey => {
                    assert!(
                        matches!(&result, Err(e) if e.is_conflict_on("rows.n")),
                        "{result:?}"
                    )
                }
                Fate::Panics => {
                    assert!(
                        matches!(&result, Err(StoreError::Internal(m)) if m.contains("panicked")),
                        "{result:?}"
                    )
                }
            }
        }

        let rows = stored_rows(&db).await;
        let expected: Vec<i64> = (0..500).filter(|n| fate(*n) == Fate::Commits).collect();
        assert_eq!(rows.len(), 497);
        assert_eq!(rows, expected);
        // No partial work of the failed jobs survived (the first insert of each was undone).
        let notes: Vec<String> = db
            .read(|conn| {
                let mut stmt = conn.prepare("SELECT DISTINCT note FROM rows")?;
                let rows = stmt.query_map([], |row| row.get(0))?;
                Ok(rows.collect::<Result<Vec<String>, _>>()?)
            })
            .await
            .unwrap();
        assert_eq!(notes, vec!["first".to_string()]);

        // The writer survives all that: later writes still commit.
        db.write(|conn| {
            conn.execute("INSERT INTO rows (n, note) VALUES (1000, 'first')", [])?;
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(stored_rows(&db).await.last(), Some(&1000));
    }

    /// A panicking job answers with an error and takes nothing else down, even alone in its batch.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn panicking_write_returns_an_error() {
        let (_dir, db) = fresh().await;
        let result: Result<(), StoreError> = db
            .write(|conn| {
                conn.execute("INSERT INTO rows (n, note) VALUES (1, 'doomed')", [])?;
                panic!("on purpose");
            })
            .await;
        assert!(
            matches!(&result, Err(StoreError::Internal(m)) if m.contains("panicked")),
            "{result:?}"
        );
        assert!(stored_rows(&db).await.is_empty());

        // Concurrently with a panicking job, the others commit.
        let mut tasks = Vec::new();
        for n in 0..50_i64 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                db.write(move |conn| {
                    conn.execute("INSERT INTO rows (n, note) VALUES (?1, 'ok')", params![n])?;
                    if n == 25 {
                        panic!("job 25 panics on purpose");
                    }
                    Ok(())
                })
                .await
            }));
        }
        let mut failures = 0;
        for task in tasks {
            if task.await.unwrap().is_err() {
                failures += 1;
            }
        }
        assert_eq!(failures, 1);
        let rows = stored_rows(&db).await;
        assert_eq!(rows, (0..50).filter(|n| *n != 25).collect::<Vec<i64>>());
    }

    /// A write is answered only after its commit: every acknowledged write is visible to a
    /// reader connection straight away, and survives reopening the database.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn acknowledged_writes_are_committed() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = Sqlite::open(dir.path(), SyncMode::Full).unwrap();
            db.migrate("writer_test", STEPS).await.unwrap();
            let mut tasks = Vec::new();
            for n in 0..100_i64 {
                let db = db.clone();
                tasks.push(tokio::spawn(async move {
                    db.write(move |conn| {
                        conn.execute("INSERT INTO rows (n, note) VALUES (?1, 'x')", params![n])?;
                        Ok(())
                    })
                    .await
                    .unwrap();
                    // Visible to a reader as soon as acknowledged.
                    let seen: i64 = db
                        .read(move |conn| {
                            Ok(conn.query_row(
                                "SELECT COUNT(*) FROM rows WHERE n = ?1",
                                [n],
                                |r| r.get(0),
                            )?)
                        })
                        .await
                        .unwrap();
                    assert_eq!(seen, 1, "row {n} acknowledged but not visible");
                }));
            }
            for task in tasks {
                task.await.unwrap();
            }
        }
        let reopened = Sqlite::open(dir.path(), SyncMode::Normal).unwrap();
        reopened.migrate("writer_test", STEPS).await.unwrap();
        assert_eq!(stored_rows(&reopened).await, (0..100).collect::<Vec<i64>>());
    }
}
