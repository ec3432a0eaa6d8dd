//! The outbox store's contract, run unchanged on SQLite and on MongoDB (FerretDB in the tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use veche_core::accounts::model::Email;
use veche_core::clock;
use veche_core::id::AccountId;
use veche_core::notify::{Kind, Notification, Recipient};
use veche_core::storage::Backend;
use veche_core::web::i18n::Lang;
use veche_notifier::model::{Delivery, Job, JobState, Outcome, Suppression};
use veche_notifier::store::{self, OutboxStore};

fn job(key: &str, account: Option<&AccountId>) -> Job {
    Job::from_notification(
        Notification {
            kind: Kind::parse("roles_changed").unwrap(),
            recipient: Recipient {
                account_id: account.cloned(),
                email: Email::parse("anna@example.org").unwrap(),
                name: Some("Анна".into()),
            },
            locale: Lang::En,
            data: BTreeMap::from([("link".to_string(), "/profile".to_string())]),
            idempotency_key: key.into(),
        },
        clock::now() - Duration::from_secs(1),
    )
}

async fn open(backend: &Backend) -> Arc<dyn OutboxStore> {
    let store = store::open(backend).await.unwrap();
    // Preparing the schema again is harmless.
    store::open(backend).await.unwrap();
    store
}

/// A store holding `n` queued jobs keyed `{prefix}0`, `{prefix}1`, … (for no account).
async fn store_with_jobs(backend: &Backend, prefix: &str, n: usize) -> Arc<dyn OutboxStore> {
    let store = open(backend).await;
    for i in 0..n {
        store
            .insert(&job(&format!("{prefix}{i}"), None))
            .await
            .unwrap();
    }
    store
}

/// Claims up to `limit` jobs due at `now` for the lease `L`, held for a minute.
async fn claim_for_a_minute(
    store: &dyn OutboxStore,
    now: time::OffsetDateTime,
    limit: usize,
) -> Vec<Job> {
    store
        .claim("L", now, now + Duration::from_secs(60), limit)
        .await
        .unwrap()
}

async fn insert_is_idempotent_by_key(backend: Backend) {
    let store = open(&backend).await;
    let first = job("k1", None);
    assert!(store.insert(&first).await.unwrap());
    assert!(
        !store.insert(&job("k1", None)).await.unwrap(),
        "same key: nothing stored"
    );
    let stored = store.job_by_key("k1").await.unwrap().unwrap();
    assert_eq!(stored.id, first.id);
    assert_eq!(stored.recipient, first.recipient);
    assert_eq!(stored.data, first.data);
    assert_eq!(stored.locale, Lang::En);
    assert_eq!(stored.state, JobState::Queued);
    assert_eq!(store.job(&first.id).await.unwrap().unwrap().key, "k1");
    assert_eq!(store.counts().await.unwrap()[&JobState::Queued], 1);
}

async fn claims_lease_and_expired_leases_are_reclaimed(backend: Backend) {
    let store = store_with_jobs(&backend, "c", 3).await;
    let now = clock::now();
    let lease_until = now + Duration::from_secs(60);
    let claimed = store.claim("lease-a", now, lease_until, 2).await.unwrap();
    assert_eq!(claimed.len(), 2);
    assert!(claimed
        .iter()
        .all(|j| j.attempts == 1 && j.lease.as_deref() == Some("lease-a")));
    let rest = store.claim("lease-b", now, lease_until, 10).await.unwrap();
    assert_eq!(rest.len(), 1, "held jobs are not claimed again");
    assert!(store
        .claim("lease-c", now, lease_until, 10)
        .await
        .unwrap()
        .is_empty());
    // The holder of lease-a dies; after its lease another worker takes the jobs over.
    let later = lease_until + Duration::from_millis(1);
    let taken = store
        .claim("lease-d", later, later + Duration::from_secs(60), 10)
        .await
        .unwrap();
    assert_eq!(taken.len(), 3);
    assert!(taken.iter().all(|j| j.attempts == 2));
    // The dead worker's late answer is refused: the lease is no longer its.
    let outcome = Outcome::Sent {
        at: clock::now(),
        scrub: false,
    };
    assert!(!store
        .finish(&claimed[0].id, "lease-a", &outcome, clock::now())
        .await
        .unwrap());
    assert!(store
        .finish(&claimed[0].id, "lease-d", &outcome, clock::now())
        .await
        .unwrap());
    assert_eq!(
        store.job(&claimed[0].id).await.unwrap().unwrap().state,
        JobState::Sent
    );
}

async fn concurrent_claims_never_overlap(backend: Backend) {
    let store = store_with_jobs(&backend, "p", 60).await;
    let now = clock::now();
    let mut tasks = Vec::new();
    for w in 0..6 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = store
                    .claim(&format!("w{w}"), now, now + Duration::from_secs(60), 4)
                    .await
                    .unwrap();
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|j| j.id));
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    assert_eq!(all.len(), 60, "every job claimed");
    assert_eq!(
        all.iter().collect::<BTreeSet<_>>().len(),
        60,
        "no job claimed twice"
    );
}

async fn outcomes_move_jobs(backend: Backend) {
    let now = clock::now();
    let store = store_with_jobs(&backend, "o", 6).await;
    let jobs = claim_for_a_minute(&*store, now, 6).await;
    let id = |i: usize| jobs[i].id.clone();
    let retry_at = now + Duration::from_secs(30);
    let outcomes = [
        Outcome::Sent {
            at: now,
            scrub: true,
        },
        Outcome::Retry {
            next_at: retry_at,
            error: "451 later".into(),
        },
        Outcome::Defer { next_at: retry_at },
        Outcome::Dead {
            error: "550 no".into(),
        },
        Outcome::Skipped {
            reason: "off".into(),
        },
        Outcome::Held {
            day: "2026-11-22".into(),
        },
    ];
    for (i, outcome) in outcomes.iter().enumerate() {
        assert!(store.finish(&id(i), "L", outcome, now).await.unwrap());
    }
    let get = |i: usize| {
        let store = store.clone();
        let id = id(i);
        async move { store.job(&id).await.unwrap().unwrap() }
    };
    let sent = get(0).await;
    assert_eq!(
        (sent.state, sent.data.is_empty(), sent.lease),
        (JobState::Sent, true, None)
    );
    assert!(sent.sent_at.is_some());
    let retried = get(1).await;
    assert_eq!(retried.state, JobState::Queued);
    assert_eq!(retried.attempts, 1);
    assert_eq!(retried.last_error.as_deref(), Some("451 later"));
    assert_eq!(
        clock::to_millis(retried.next_at),
        clock::to_millis(retry_at)
    );
    let deferred = get(2).await;
    assert_eq!(
        (deferred.state, deferred.attempts),
        (JobState::Queued, 0),
        "attempt given back"
    );
    assert_eq!(get(3).await.state, JobState::Dead);
    assert_eq!(get(4).await.last_error.as_deref(), Some("off"));
    let held = get(5).await;
    assert_eq!(
        (held.state, held.digest_day.as_deref()),
        (JobState::Held, Some("2026-11-22"))
    );
    // Not due yet: the retry waits for its time.
    assert!(store
        .claim("M", now, now + Duration::from_secs(60), 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .claim("M", retry_at, retry_at, 10)
            .await
            .unwrap()
            .len(),
        2
    );

    let counts = store.counts().await.unwrap();
    assert_eq!(counts[&JobState::Sent], 1);
    assert_eq!(counts[&JobState::Dead], 1);
    assert_eq!(counts[&JobState::Held], 1);
    assert_eq!(counts[&JobState::Digested], 0);

    // Dead letters: listed newest first, and an admin's requeue works once.
    let dead = store.list(JobState::Dead, None, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert!(
        !store.requeue(&id(0), now).await.unwrap(),
        "only a dead job is requeued"
    );
    assert!(store.requeue(&id(3), now).await.unwrap());
    assert!(!store.requeue(&id(3), now).await.unwrap());
    let requeued = get(3).await;
    assert_eq!((requeued.state, requeued.attempts), (JobState::Queued, 0));
}

async fn list_pages_newest_first(backend: Backend) {
    let store = open(&backend).await;
    let now = clock::now();
    let mut ids = Vec::new();
    for i in 0..5 {
        let j = job(&format!("l{i}"), None);
        ids.push(j.id.clone());
        store.insert(&j).await.unwrap();
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    for j in store
        .claim(
            "L",
            now + Duration::from_secs(1),
            now + Duration::from_secs(60),
            10,
        )
        .await
        .unwrap()
    {
        store
            .finish(&j.id, "L", &Outcome::Dead { error: "x".into() }, now)
            .await
            .unwrap();
    }
    let page1 = store.list(JobState::Dead, None, 3).await.unwrap();
    assert_eq!(
        page1.iter().map(|j| j.id.clone()).collect::<Vec<_>>(),
        vec![ids[4].clone(), ids[3].clone(), ids[2].clone()]
    );
    let page2 = store.list(JobState::Dead, Some(&ids[2]), 3).await.unwrap();
    assert_eq!(
        page2.iter().map(|j| j.id.clone()).collect::<Vec<_>>(),
        vec![ids[1].clone(), ids[0].clone()]
    );
    assert!(store
        .list(JobState::Dead, None, 0)
        .await
        .unwrap()
        .is_empty());
}

async fn digests_attach_held_jobs(backend: Backend) {
    let store = open(&backend).await;
    let (a, b) = (AccountId::generate(), AccountId::generate());
    let now = clock::now();
    let plan = [
        (&a, "2026-11-20"),
        (&a, "2026-11-21"),
        (&a, "2026-11-22"),
        (&b, "2026-11-21"),
    ];
    for (i, (account, _)) in plan.iter().enumerate() {
        store
            .insert(&job(&format!("h{i}"), Some(account)))
            .await
            .unwrap();
    }
    let claimed = claim_for_a_minute(&*store, now, 10).await;
    for j in &claimed {
        let i: usize = j.key[1..].parse().unwrap();
        let day = plan[i].1.to_string();
        store
            .finish(&j.id, "L", &Outcome::Held { day }, now)
            .await
            .unwrap();
    }
    let due = store.held_through("2026-11-21", 100).await.unwrap();
    assert_eq!(due.len(), 3, "days up to and including the 21st");
    let digest = job("digest-a", Some(&a));
    store.insert(&digest).await.unwrap();
    assert_eq!(
        store
            .attach_held(&a, "2026-11-21", &digest.id)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .attach_held(&a, "2026-11-21", &digest.id)
            .await
            .unwrap(),
        0,
        "idempotent"
    );
    let attached = store.attached(&digest.id).await.unwrap();
    assert_eq!(attached.len(), 2);
    assert!(attached
        .iter()
        .all(|j| j.state == JobState::Digested && j.recipient.account_id.as_ref() == Some(&a)));
    assert_eq!(
        store.held_through("2026-11-22", 100).await.unwrap().len(),
        2,
        "a's 22nd and b's 21st"
    );
}

async fn purge_forgets_finished_jobs_only(backend: Backend) {
    let now = clock::now();
    let store = store_with_jobs(&backend, "g", 3).await;
    let jobs = claim_for_a_minute(&*store, now, 2).await;
    store
        .finish(
            &jobs[0].id,
            "L",
            &Outcome::Sent {
                at: now,
                scrub: false,
            },
            now,
        )
        .await
        .unwrap();
    store
        .finish(&jobs[1].id, "L", &Outcome::Dead { error: "x".into() }, now)
        .await
        .unwrap();
    assert_eq!(
        store.purge(now + Duration::from_secs(1)).await.unwrap(),
        1,
        "only the sent one"
    );
    assert!(store.job(&jobs[0].id).await.unwrap().is_none());
    assert!(
        store.job(&jobs[1].id).await.unwrap().is_some(),
        "dead letters stay"
    );
    assert_eq!(store.counts().await.unwrap().values().sum::<u64>(), 2);
}

async fn preferences_and_suppressions_round_trip(backend: Backend) {
    let store = open(&backend).await;
    let account = AccountId::generate();
    assert!(store.preferences(&account).await.unwrap().is_empty());
    store
        .set_preference(&account, "roles_changed", Delivery::Digest)
        .await
        .unwrap();
    store
        .set_preference(&account, "poll_opened", Delivery::Off)
        .await
        .unwrap();
    store
        .set_preference(&account, "roles_changed", Delivery::Off)
        .await
        .unwrap();
    let prefs = store.preferences(&account).await.unwrap();
    assert_eq!(prefs.len(), 2);
    assert_eq!(prefs["roles_changed"], Delivery::Off);
    assert!(store
        .preferences(&AccountId::generate())
        .await
        .unwrap()
        .is_empty());

    // Many accounts at once: those that set something, each with all of theirs; the others
    // absent; more than one statement's worth on SQLite.
    let other = AccountId::generate();
    store
        .set_preference(&other, "poll_opened", Delivery::Immediately)
        .await
        .unwrap();
    let mut asked: Vec<AccountId> = (0..1_200).map(|_| AccountId::generate()).collect();
    asked.push(other.clone());
    asked.insert(0, account.clone());
    let many = store.preferences_of(&asked).await.unwrap();
    assert_eq!(many.len(), 2, "{many:?}");
    assert_eq!(many[&account], prefs);
    assert_eq!(many[&other]["poll_opened"], Delivery::Immediately);
    assert!(store.preferences_of(&[]).await.unwrap().is_empty());

    let email = Email::parse("gone@example.org").unwrap();
    assert!(store.suppression(&email).await.unwrap().is_none());
    store
        .suppress(&Suppression {
            email: email.clone(),
            reason: "550".into(),
            at: clock::now(),
        })
        .await
        .unwrap();
    store
        .suppress(&Suppression {
            email: email.clone(),
            reason: "550 again".into(),
            at: clock::now(),
        })
        .await
        .unwrap();
    assert_eq!(
        store.suppression(&email).await.unwrap().unwrap().reason,
        "550 again"
    );
    assert!(store.unsuppress(&email).await.unwrap());
    assert!(!store.unsuppress(&email).await.unwrap());
    assert!(store.suppression(&email).await.unwrap().is_none());
}

// ---------------------------------------------------------------- MongoDB time migration ---

/// Instants stored as integer milliseconds (written straight through the driver) are BSON
/// dates once the store has opened: a due job is claimed (`next_at` compared with a date), a
/// finished one and an old claim gate are purged, and everything reads back unchanged.
async fn millisecond_times_become_dates_at_open(backend: Backend) {
    use mongodb::bson::{doc, to_bson, Bson};
    use veche_core::testing::mongo::{collections, date, find_one};
    let coll = collections(&backend);
    let ms = clock::to_millis;
    let now = clock::now();
    let hour = Duration::from_secs(3600);

    let due = job("due", Some(&AccountId::generate()));
    let mut sent = job("sent", None);
    sent.state = JobState::Sent;
    sent.attempts = 1;
    sent.sent_at = Some(now - 3 * hour);
    sent.updated_at = now - 3 * hour;
    for j in [&due, &sent] {
        coll("outbox")
            .insert_one(doc! {
                "_id": j.id.as_str(), "key": &j.key, "kind": j.kind.to_string(),
                "account_id": j.recipient.account_id.as_ref().map(|a| a.as_str()),
                "email": j.recipient.email.as_str(), "name": j.recipient.name.clone(),
                "locale": j.locale.code(), "data": to_bson(&j.data).unwrap(),
                "state": j.state.as_str(), "attempts": i64::from(j.attempts), "claims": 0i64,
                "next_at": ms(j.next_at), "lease": Bson::Null,
                "created_at": ms(j.created_at), "updated_at": ms(j.updated_at),
                "sent_at": j.sent_at.map(ms), "last_error": Bson::Null,
                "digest_day": Bson::Null, "digest_id": Bson::Null,
            })
            .await
            .unwrap();
    }
    coll("outbox_claims")
        .insert_one(doc! { "_id": "old:1", "lease": "old", "at": ms(now - 2 * hour) })
        .await
        .unwrap();
    let suppression = Suppression {
        email: Email::parse("gone@example.org").unwrap(),
        reason: "550".into(),
        at: now - hour,
    };
    coll("mail_suppressions")
        .insert_one(doc! {
            "_id": suppression.email.as_str(), "reason": &suppression.reason,
            "at": ms(suppression.at),
        })
        .await
        .unwrap();

    let store = open(&backend).await;

    for j in [&due, &sent] {
        let d = find_one(&coll("outbox"), doc! { "_id": j.id.as_str() }).await;
        assert_eq!(date(&d, "next_at"), j.next_at);
        assert_eq!(date(&d, "created_at"), j.created_at);
        assert_eq!(date(&d, "updated_at"), j.updated_at);
        match j.sent_at {
            Some(at) => assert_eq!(date(&d, "sent_at"), at),
            None => assert_eq!(d.get("sent_at"), Some(&Bson::Null)),
        }
    }
    let d = find_one(&coll("outbox_claims"), doc! { "_id": "old:1" }).await;
    assert_eq!(date(&d, "at"), now - 2 * hour);
    let d = find_one(&coll("mail_suppressions"), doc! {}).await;
    assert_eq!(date(&d, "at"), suppression.at);

    assert_eq!(store.job(&due.id).await.unwrap(), Some(due.clone()));
    assert_eq!(store.job(&sent.id).await.unwrap(), Some(sent.clone()));
    assert_eq!(
        store.suppression(&suppression.email).await.unwrap(),
        Some(suppression)
    );
    let claimed = claim_for_a_minute(&*store, now, 10).await;
    assert_eq!(
        claimed.iter().map(|j| &j.id).collect::<Vec<_>>(),
        vec![&due.id]
    );
    assert_eq!(store.purge(now - hour).await.unwrap(), 1, "the sent job");
    assert_eq!(store.job(&sent.id).await.unwrap(), None);
    assert_eq!(
        coll("outbox_claims")
            .count_documents(doc! { "_id": "old:1" })
            .await
            .unwrap(),
        0,
        "the old claim gate"
    );

    let done = find_one(
        &coll("migrations"),
        doc! { "_id": "notifier_times_as_dates" },
    )
    .await;
    // 3 + 4 job fields, the claim gate's, the suppression's.
    assert_eq!(done.get("converted"), Some(&Bson::Int64(9)), "{done:?}");
}

veche_core::contract_tests!(
    insert_is_idempotent_by_key,
    claims_lease_and_expired_leases_are_reclaimed,
    concurrent_claims_never_overlap,
    outcomes_move_jobs,
    list_pages_newest_first,
    digests_attach_held_jobs,
    purge_forgets_finished_jobs_only,
    preferences_and_suppressions_round_trip;
    mongo_only: millisecond_times_become_dates_at_open,
);
