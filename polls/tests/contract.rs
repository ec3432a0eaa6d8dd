//! The polls store's contract, run unchanged on SQLite and on MongoDB (FerretDB in the tests),
//! with the sealing, recount and export checks that sit directly on it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use veche_core::clock;
use veche_core::id::{AccountId, DistrictId, OrganisationId};
use veche_core::storage::{every_page, Backend};
use veche_core::StoreError;
use veche_polls::export::{self, Format, Published};
use veche_polls::model::{
    AgeBracket, Answer, Audience, Ballot, BallotId, Choice, OptionId, Phase, Poll, PollId,
    PollOption, PollQuery, PublicBallot, Question, QuestionId, Receipt, Visibility,
};
use veche_polls::rules::PollFields;
use veche_polls::service::{self, Polls, PollsConfig};
use veche_polls::store::{self, Cast, PollStore};
use veche_polls::tally;
use veche_polls::verify;

async fn open(backend: &Backend) -> Arc<dyn PollStore> {
    let store = store::open(backend).await.unwrap();
    // Preparing the schema again is harmless.
    store::open(backend).await.unwrap();
    store
}

fn polls(store: Arc<dyn PollStore>) -> Polls {
    Polls::new(
        store,
        PollsConfig {
            seal_grace: Duration::ZERO,
            ..PollsConfig::default()
        },
    )
}

fn question(text: &str, choice: Choice, options: &[&str]) -> Question {
    Question {
        id: QuestionId::generate(),
        text: text.into(),
        choice,
        required: true,
        options: options
            .iter()
            .map(|t| PollOption {
                id: OptionId::generate(),
                text: t.to_string(),
            })
            .collect(),
    }
}

/// A poll open now (or closed an hour ago with `closed`).
fn poll(closed: bool) -> Poll {
    let now = clock::now();
    let hour = time::Duration::hours(1);
    Poll {
        phase: Phase::Scheduled,
        ..PollFields {
            title: "Что построить в парке?".into(),
            description: "Опрос жителей".into(),
            questions: vec![
                question("Главное", Choice::Single, &["Каток", "Сцена", "Фонтан"]),
                question(
                    "Ещё",
                    Choice::Multiple { max: 2 },
                    &["Лавки", "Свет", "Урны"],
                ),
            ],
            audience: Audience::default(),
            opens_at: Some(now - 2 * hour),
            closes_at: Some(if closed { now - hour } else { now + hour }),
            points: 20,
            visibility: Visibility::AfterVoting,
        }
        .into_draft(AccountId::generate(), Some(OrganisationId::generate()), now)
    }
}

/// A fresh store holding [`poll`]`(closed)`.
async fn open_with_poll(backend: &Backend, closed: bool) -> (Arc<dyn PollStore>, Poll) {
    let store = open(backend).await;
    let p = poll(closed);
    store.insert_poll(&p).await.unwrap();
    (store, p)
}

/// The stored counters of `poll` are those of `ballots`, counted afresh.
async fn assert_counts(store: &Arc<dyn PollStore>, poll: &Poll, ballots: &[Ballot]) {
    assert_eq!(
        store.counters(&poll.id).await.unwrap(),
        tally::recount(ballots),
        "the counters of {}",
        poll.id
    );
}

/// A recount of `poll` (fixing, or a dry run) finds no drift.
async fn assert_no_drift(polls: &Polls, poll: &Poll, fix: bool) {
    let report = service::recount(polls, &poll.id, fix).await.unwrap();
    assert!(report.drift.is_empty(), "{:?}", report.drift);
}

/// The ids of the (at most `limit`) polls the store lists for a query, narrowed by `narrow`.
async fn listed(
    store: &Arc<dyn PollStore>,
    limit: usize,
    narrow: impl FnOnce(&mut PollQuery),
) -> Vec<PollId> {
    let mut query = PollQuery {
        limit,
        ..PollQuery::default()
    };
    narrow(&mut query);
    let polls = store.list_polls(&query).await.unwrap();
    polls.into_iter().map(|p| p.id).collect()
}

const DISTRICTS: [&str; 3] = ["45000000001", "45000000002", "45000000003"];

/// The `i`-th resident's ballot: choices, district and age vary with `i`.
fn ballot(poll: &Poll, i: usize, account: &AccountId) -> Ballot {
    let q0 = &poll.questions[0];
    let q1 = &poll.questions[1];
    let mut second = vec![q1.options[i % 3].id.clone()];
    if i.is_multiple_of(2) {
        second.push(q1.options[(i + 1) % 3].id.clone());
    }
    second.sort();
    let answers = vec![
        Answer {
            question: q0.id.clone(),
            options: vec![q0.options[i % 3].id.clone()],
        },
        Answer {
            question: q1.id.clone(),
            options: second,
        },
    ];
    let id = BallotId::generate();
    Ballot {
        receipt: verify::receipt(poll.id.as_str(), id.as_str(), &answers),
        id,
        poll_id: poll.id.clone(),
        account_id: account.clone(),
        answers,
        district_id: DistrictId::from_trusted(DISTRICTS[i % 3].into()),
        age_bracket: AgeBracket::ALL[i % AgeBracket::ALL.len()],
        points: poll.points,
        cast_at: clock::now() - Duration::from_secs(3600 + i as u64),
    }
}

fn ballots(poll: &Poll, n: usize) -> Vec<Ballot> {
    (0..n)
        .map(|i| ballot(poll, i, &AccountId::generate()))
        .collect()
}

async fn polls_round_trip_with_versions(backend: Backend) {
    let store = open(&backend).await;
    let mut draft = poll(false);
    draft.phase = Phase::Draft;
    store.insert_poll(&draft).await.unwrap();
    let read = store.poll(&draft.id).await.unwrap().unwrap();
    // Times are kept to the millisecond.
    assert_eq!(read.questions, draft.questions);
    assert_eq!(read.audience, draft.audience);
    assert_eq!(read.title, draft.title);
    assert_eq!(read.phase, Phase::Draft);
    assert_eq!(read.version, 1);
    assert!(store.poll(&PollId::generate()).await.unwrap().is_none());

    let mut next = read.clone();
    next.title = "Новое название".into();
    next.version = 2;
    assert!(store.replace_poll(&next, 1).await.unwrap());
    assert!(
        !store.replace_poll(&next, 1).await.unwrap(),
        "a stale edit fails"
    );
    // Freezing bumps the version (so an edit begun before fails) and is idempotent.
    store.freeze(&draft.id).await.unwrap();
    store.freeze(&draft.id).await.unwrap();
    let frozen = store.poll(&draft.id).await.unwrap().unwrap();
    assert!(frozen.frozen);
    assert_eq!(frozen.version, 3);
    assert_eq!(frozen.title, "Новое название");
    next.version = 3;
    assert!(!store.replace_poll(&next, 2).await.unwrap());

    assert!(
        !store.delete_draft(&draft.id, 2).await.unwrap(),
        "wrong version"
    );
    assert!(store.delete_draft(&draft.id, 3).await.unwrap());
    assert!(store.poll(&draft.id).await.unwrap().is_none());

    // Listing: newest first, by phase and organisation, with a cursor.
    let org = OrganisationId::generate();
    let mut made = Vec::new();
    let base = PollId::generate();
    for i in 0..5 {
        let mut p = poll(false);
        // Ids made in one millisecond are not ordered: give them an order.
        p.id = PollId::from_trusted(format!("{base}{i}"));
        p.phase = if i % 2 == 0 {
            Phase::Scheduled
        } else {
            Phase::Published
        };
        p.organisation_id = Some(if i < 3 {
            org.clone()
        } else {
            OrganisationId::generate()
        });
        store.insert_poll(&p).await.unwrap();
        made.push(p);
    }
    let all = listed(&store, 10, |_| {}).await;
    assert_eq!(
        all,
        made.iter().rev().map(|p| p.id.clone()).collect::<Vec<_>>()
    );
    let scheduled = listed(&store, 10, |q| q.phases = vec![Phase::Scheduled]).await;
    assert_eq!(
        scheduled,
        vec![made[4].id.clone(), made[2].id.clone(), made[0].id.clone()]
    );
    let mine = listed(&store, 10, |q| q.organisation = Some(org)).await;
    assert_eq!(mine.len(), 3);
    let page = listed(&store, 2, |q| q.before = Some(made[3].id.clone())).await;
    assert_eq!(page, vec![made[2].id.clone(), made[1].id.clone()]);
}

async fn one_ballot_per_resident_under_a_thousand_concurrent_tries(backend: Backend) {
    let (store, p) = open_with_poll(&backend, false).await;
    let voter = AccountId::generate();
    let mut tasks = Vec::new();
    for _ in 0..1000 {
        let store = store.clone();
        // Each try is a fresh ballot (new ballot id, so a new receipt), as a retried request is.
        let b = ballot(&p, 0, &voter);
        tasks.push(tokio::spawn(async move { store.cast(&b).await }));
    }
    let mut stored = Vec::new();
    let mut refused = Vec::new();
    for t in tasks {
        match t.await.unwrap().unwrap() {
            Cast::Stored => stored.push(()),
            Cast::AlreadyVoted(first) => refused.push(first.receipt),
        }
    }
    assert_eq!(stored.len(), 1, "exactly one ballot stored");
    assert_eq!(refused.len(), 999);
    let kept = store.ballot_of(&p.id, &voter).await.unwrap().unwrap();
    assert!(
        refused.iter().all(|r| *r == kept.receipt),
        "every refusal names the first receipt"
    );
    assert_eq!(store.counters(&p.id).await.unwrap().ballots(), 1);
    let page = store.ballots_page(&p.id, None, 10).await.unwrap();
    assert_eq!(page.len(), 1);
}

async fn counters_equal_the_ballots_under_concurrent_voting(backend: Backend) {
    let (store, p) = open_with_poll(&backend, false).await;
    let all = ballots(&p, 300);
    let mut tasks = Vec::new();
    for chunk in all.chunks(30) {
        let store = store.clone();
        let chunk = chunk.to_vec();
        tasks.push(tokio::spawn(async move {
            for b in chunk {
                assert_eq!(store.cast(&b).await.unwrap(), Cast::Stored);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let counters = store.counters(&p.id).await.unwrap();
    assert_eq!(counters, tally::recount(&all));
    assert_eq!(counters.ballots(), 300);
    assert_eq!(counters.get(&format!("d|{}", DISTRICTS[0])), 100);
    assert_eq!(
        counters.get(&format!("o|{}", p.questions[0].options[1].id)),
        100
    );
    // Another poll's counters are separate.
    let other = poll(false);
    store.insert_poll(&other).await.unwrap();
    assert!(store.counters(&other.id).await.unwrap().is_empty());
}

/// A cast whose caller goes away (its future dropped) once the store has the ballot in hand:
/// the ballot is stored and counted all the same, exactly.
async fn a_ballot_whose_caller_went_away_is_stored_and_counted(backend: Backend) {
    use futures::FutureExt;
    let (store, p) = open_with_poll(&backend, false).await;
    let all = ballots(&p, 51);
    // The first one in full: the poll's counter document exists from then on.
    assert_eq!(store.cast(&all[0]).await.unwrap(), Cast::Stored);
    for b in &all[1..] {
        // Polled once (the store takes the ballot and waits for the write), then dropped.
        let _ = store.cast(b).now_or_never();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        store.flush().await.unwrap();
        let stored = store.ballots_page(&p.id, None, 1000).await.unwrap();
        let counters = store.counters(&p.id).await.unwrap();
        if stored.len() == all.len() && counters == tally::recount(&stored) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{} of {} ballots stored, {} counted",
            stored.len(),
            all.len(),
            counters.ballots()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn ballots_are_found_by_resident_receipt_and_page(backend: Backend) {
    let (store, p) = open_with_poll(&backend, false).await;
    let all = ballots(&p, 25);
    assert_eq!(store.import_ballots(&all).await.unwrap(), 25);
    // Importing again stores nothing (one per resident) and counts nothing twice.
    assert_eq!(store.import_ballots(&all).await.unwrap(), 0);
    assert_counts(&store, &p, &all).await;

    let b = &all[7];
    let by_account = store.ballot_of(&p.id, &b.account_id).await.unwrap();
    assert_eq!(by_account.as_ref(), Some(b), "by account");
    let by_receipt = store.ballot_by_receipt(&p.id, &b.receipt).await.unwrap();
    assert_eq!(by_receipt.as_ref(), Some(b), "by receipt");
    assert!(store
        .ballot_of(&p.id, &AccountId::generate())
        .await
        .unwrap()
        .is_none());

    let seen = every_page(4, |after: Option<Receipt>, size| {
        let (store, id) = (store.clone(), p.id.clone());
        async move {
            let page = store.ballots_page(&id, after.as_ref(), size).await?;
            Ok::<_, StoreError>(page.into_iter().map(|b| b.receipt).collect())
        }
    })
    .await
    .unwrap();
    let mut expected: Vec<_> = all.iter().map(|b| b.receipt.clone()).collect();
    expected.sort();
    assert_eq!(seen, expected, "every ballot once, in receipt order");

    let voters = every_page(10, |after: Option<AccountId>, size| {
        let (store, id) = (store.clone(), p.id.clone());
        async move { store.voters(&id, after.as_ref(), size).await }
    })
    .await
    .unwrap();
    let mut accounts: Vec<_> = all.iter().map(|b| b.account_id.clone()).collect();
    accounts.sort();
    assert_eq!(voters, accounts);
}

async fn points_follow_ballots(backend: Backend) {
    let store = open(&backend).await;
    let voter = AccountId::generate();
    let mut cast = Vec::new();
    for points in [20u32, 5, 50] {
        let mut p = poll(false);
        p.points = points;
        store.insert_poll(&p).await.unwrap();
        let mut b = ballot(&p, 0, &voter);
        b.cast_at = clock::now() - Duration::from_secs(1000 - u64::from(points));
        store.cast(&b).await.unwrap();
        cast.push((p.id.clone(), points));
    }
    assert_eq!(store.points_balance(&voter).await.unwrap(), 75);
    assert_eq!(
        store.points_balance(&AccountId::generate()).await.unwrap(),
        0
    );
    let first = store.points_history(&voter, None, 2).await.unwrap();
    assert_eq!(
        first.iter().map(|e| e.points).collect::<Vec<_>>(),
        vec![50, 20]
    );
    let last = first.last().unwrap();
    let rest = store
        .points_history(&voter, Some((last.at, last.poll_id.clone())), 2)
        .await
        .unwrap();
    assert_eq!(rest.iter().map(|e| e.points).collect::<Vec<_>>(), vec![5]);
}

async fn drift_is_found_and_repaired_by_a_recount(backend: Backend) {
    let (store, p) = open_with_poll(&backend, false).await;
    let all = ballots(&p, 40);
    store.import_ballots(&all).await.unwrap();
    let polls = polls(store.clone());

    let clean = service::recount(&polls, &p.id, true).await.unwrap();
    assert_eq!(clean.ballots, 40);
    assert!(clean.drift.is_empty());
    assert!(!clean.fixed);

    // A crash between a ballot's insert and its counters: the counters lost a ballot, and a
    // stray count appeared elsewhere.
    let lost = &all[3];
    let mut damage = tally::Counters::default();
    for key in tally::keys(lost) {
        damage.add(&key, -1);
    }
    damage.add(&format!("o|{}", p.questions[0].options[0].id), 2);
    store.add_counters(&p.id, &damage).await.unwrap();
    assert_ne!(store.counters(&p.id).await.unwrap(), tally::recount(&all));

    let report = service::recount(&polls, &p.id, false).await.unwrap();
    assert_eq!(
        report.drift.get("n"),
        1,
        "one ballot missing from the counts"
    );
    assert!(!report.fixed);
    assert_ne!(
        store.counters(&p.id).await.unwrap(),
        tally::recount(&all),
        "a dry run changes nothing"
    );

    let fixed = service::recount(&polls, &p.id, true).await.unwrap();
    assert!(fixed.fixed);
    assert_eq!(fixed.drift, report.drift);
    assert_counts(&store, &p, &all).await;
    assert_no_drift(&polls, &p, true).await;
}

async fn sealing_computes_the_root_repairs_drift_and_proves_every_receipt(backend: Backend) {
    let (store, p) = open_with_poll(&backend, true).await;
    // More than two blocks of the tree.
    let all = ballots(&p, 2 * verify::BLOCK + 37);
    store.import_ballots(&all).await.unwrap();
    let mut damage = tally::Counters::default();
    damage.add("n", -3);
    store.add_counters(&p.id, &damage).await.unwrap();
    let polls = polls(store.clone());

    let seal = service::seal(&polls, &p.id).await.unwrap();
    let entries: Vec<_> = all.iter().map(verify::Entry::of).collect();
    assert_eq!(seal.root, veche_polls::model::hex(&verify::root(&entries)));
    assert_eq!(seal.ballots, all.len() as u64);
    assert_eq!(seal.counters, tally::recount(&all));
    assert_eq!(seal.block_roots.len(), 3);
    assert_eq!(
        store.counters(&p.id).await.unwrap(),
        tally::recount(&all),
        "drift repaired"
    );
    let sealed = store.poll(&p.id).await.unwrap().unwrap();
    assert_eq!(sealed.phase, Phase::Sealed);
    assert_eq!(
        sealed.seal.as_ref().map(|s| s.root.as_str()),
        Some(seal.root.as_str())
    );

    // Sealing again changes nothing.
    assert_eq!(service::seal(&polls, &p.id).await.unwrap(), seal);

    for i in [0, 1, verify::BLOCK - 1, verify::BLOCK, all.len() - 1] {
        let b = &all[i];
        let (found, proof) = service::receipt(&polls, &sealed, &b.receipt).await.unwrap();
        assert_eq!(&found, b);
        let proof = proof.unwrap();
        assert_eq!(proof.root, seal.root);
        assert!(proof.included);
        assert!(
            verify::check_proof(&verify::Entry::of(b), &proof.steps, &seal.root),
            "ballot {i}"
        );
        let other = verify::Entry::of(&all[(i + 1) % all.len()]);
        assert!(!verify::check_proof(&other, &proof.steps, &seal.root));
    }

    // An open poll is not sealed.
    let open_poll = poll(false);
    store.insert_poll(&open_poll).await.unwrap();
    assert!(service::seal(&polls, &open_poll.id).await.is_err());
}

async fn the_export_matches_what_was_published_and_tampering_shows(backend: Backend) {
    let (store, p) = open_with_poll(&backend, true).await;
    let all = ballots(&p, 2100);
    store.import_ballots(&all).await.unwrap();
    let polls = Arc::new(polls(store.clone()));
    let seal = service::seal(&polls, &p.id).await.unwrap();
    let published = Published {
        poll_id: p.id.to_string(),
        root: seal.root.clone(),
        ballots: seal.ballots,
        counters: seal.counters.public(),
    };
    let sealed = store.poll(&p.id).await.unwrap().unwrap();

    for format in [Format::Json, Format::Csv] {
        let chunks: Vec<String> = export::stream(polls.clone(), sealed.clone(), format)
            .map(|c| c.unwrap())
            .collect()
            .await;
        let text = chunks.concat();
        assert!(
            !text.contains(all[0].account_id.as_str()),
            "no account in the export"
        );
        let parsed = export::parse(&text).unwrap();
        assert_eq!(parsed.ballots.len(), all.len());
        let verdict = export::check(&parsed, &published);
        assert!(verdict.ok(), "{format:?}: {:?}", verdict.problems);

        // Removing a ballot.
        let mut removed = parsed.clone();
        removed.ballots.remove(100);
        let v = export::check(&removed, &published);
        assert!(
            v.problems.iter().any(|m| m.contains("root")),
            "{:?}",
            v.problems
        );
        assert!(v
            .problems
            .iter()
            .any(|m| m.contains("ballots in the export")));

        // Adding a well-formed ballot with a correct receipt.
        let mut added = parsed.clone();
        let forged = ballot(&p, 5, &AccountId::generate());
        added.ballots.push(PublicBallot::from(&forged));
        let v = export::check(&added, &published);
        assert!(!v.ok());
        assert!(v.problems.iter().any(|m| m.contains("root")));

        // Changing a ballot's answers (receipt kept).
        let mut changed = parsed.clone();
        let q0 = p.questions[0].id.to_string();
        let b = &mut changed.ballots[10];
        let now = b.answers[&q0][0].clone();
        let other = p.questions[0]
            .options
            .iter()
            .map(|o| o.id.to_string())
            .find(|o| *o != now)
            .unwrap();
        b.answers.insert(q0.clone(), vec![other.clone()]);
        let v = export::check(&changed, &published);
        assert!(
            v.problems
                .iter()
                .any(|m| m.contains("do not match their receipt")),
            "{:?}",
            v.problems
        );
        assert!(v.problems.iter().any(|m| m.contains("count")));

        // Changing the answers and forging a matching receipt moves the root.
        let b = &mut changed.ballots[10];
        b.receipt = verify::receipt_of_pairs(
            p.id.as_str(),
            &b.ballot_id,
            b.answers
                .iter()
                .map(|(q, os)| (q.as_str(), os.iter().map(String::as_str).collect())),
        )
        .to_string();
        let v = export::check(&changed, &published);
        assert!(
            v.problems.iter().any(|m| m.contains("root")),
            "{:?}",
            v.problems
        );
        assert!(!v
            .problems
            .iter()
            .any(|m| m.contains("do not match their receipt")));

        // Moving a ballot to another district: the receipt does not hold the district, but the
        // tree's leaf does, and so do the counts.
        let mut moved = parsed.clone();
        let at = DISTRICTS
            .iter()
            .position(|d| *d == moved.ballots[0].district)
            .unwrap();
        moved.ballots[0].district = DISTRICTS[(at + 1) % 3].to_string();
        let v = export::check(&moved, &published);
        assert!(
            v.problems.iter().any(|m| m.contains("root")),
            "{:?}",
            v.problems
        );
        assert!(
            v.problems.iter().any(|m| m.contains("count")),
            "{:?}",
            v.problems
        );
    }
    let receipts: BTreeSet<_> = all.iter().map(|b| b.receipt.to_string()).collect();
    assert_eq!(receipts.len(), all.len());
}

async fn the_counts_of_a_process_that_died_are_recovered(backend: Backend) {
    let (store, p) = open_with_poll(&backend, false).await;
    let all = ballots(&p, 12);
    let Backend::Mongo(db) = &backend else {
        // SQLite writes counts with their ballot: nothing can be left uncounted.
        for b in &all {
            store.cast(b).await.unwrap();
        }
        assert_eq!(store.repair(Duration::ZERO).await.unwrap(), 0);
        assert_counts(&store, &p, &all).await;
        return;
    };
    // What a process killed mid-spike leaves: its shard's document (it counted the first 5 of
    // its 9 ballots, and was last alive two minutes ago) and 4 ballots counted nowhere.
    use mongodb::bson::{doc, Document};
    let counters = db.collection::<Document>("poll_counters");
    let mut written = Document::new();
    for (k, v) in &tally::recount(&all[..5]).0 {
        written.insert(k.as_str(), *v);
    }
    let two_minutes_ago = mongodb::bson::DateTime::from_millis(
        mongodb::bson::DateTime::now().timestamp_millis() - 120_000,
    );
    let mut shard = doc! {
        "_id": format!("{}#dead", p.id), "poll_id": p.id.as_str(), "shard": "dead",
        "through": 5i64, "alive_at": two_minutes_ago, "retired": false,
    };
    shard.extend(written);
    counters.insert_one(shard).await.unwrap();
    let ballots = db.collection::<Document>("ballots");
    for (i, b) in all[..9].iter().enumerate() {
        let mut record = mongodb::bson::to_document(&serde_json::json!({
            "_id": b.id.as_str(), "poll_id": b.poll_id.as_str(), "account_id": b.account_id.as_str(),
            "answers": b.answers.iter().map(|a| serde_json::json!({
                "q": a.question.as_str(),
                "o": a.options.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "district_id": b.district_id.as_str(), "age_bracket": b.age_bracket.as_str(),
            "receipt": b.receipt.as_str(), "points": 20, "cast_at": veche_core::clock::to_millis(b.cast_at),
        }))
        .unwrap();
        record.insert("shard", "dead");
        record.insert("seq", (i + 1) as i64);
        ballots.insert_one(record).await.unwrap();
    }
    // This process, alive, stores the other 3.
    for b in &all[9..] {
        assert_eq!(store.cast(b).await.unwrap(), Cast::Stored);
    }
    assert_eq!(
        store.counters(&p.id).await.unwrap().ballots(),
        8,
        "4 ballots counted nowhere"
    );
    // A shard silent for a minute is left alone while it may still be alive …
    assert_eq!(store.repair(Duration::from_secs(600)).await.unwrap(), 0);
    // … and repaired once it is taken for dead; twice does nothing more.
    assert_eq!(store.repair(Duration::from_secs(60)).await.unwrap(), 4);
    assert_eq!(store.repair(Duration::from_secs(60)).await.unwrap(), 0);
    store.flush().await.unwrap();
    assert_counts(&store, &p, &all).await;
    let polls = polls(store.clone());
    assert_no_drift(&polls, &p, false).await;
}

// ---------------------------------------------------------------- MongoDB time migration ---

/// The document `id` of a MongoDB collection, which must be there.
async fn by_id(
    collection: &mongodb::Collection<mongodb::bson::Document>,
    id: impl Into<mongodb::bson::Bson>,
) -> mongodb::bson::Document {
    let filter = mongodb::bson::doc! { "_id": id.into() };
    collection.find_one(filter).await.unwrap().unwrap()
}

/// Versions before the migration stored poll, ballot and seal instants as integer
/// milliseconds: documents in that form, written straight through the driver, are dates after
/// the store opens, and read, filter and sort as they should.
async fn millisecond_times_become_dates_at_open(backend: Backend) {
    use mongodb::bson::{doc, to_bson, Bson, Document};
    let Backend::Mongo(db) = &backend else {
        panic!("a MongoDB test got {}", backend.name());
    };
    let ms = clock::to_millis;
    let voter = AccountId::generate();
    let mut older = poll(true);
    older.phase = Phase::Published;
    older.decision = Some("Каток".into());
    older.decision_at = Some(clock::now() - Duration::from_secs(60));
    older.seal = Some(veche_polls::model::SealSummary {
        root: "ab".repeat(32),
        ballots: 1,
        sealed_at: clock::now() - Duration::from_secs(120),
    });
    let newer = poll(false);
    let mut first = ballot(&older, 0, &voter);
    first.cast_at = clock::now() - Duration::from_secs(7200);
    let mut second = ballot(&newer, 1, &voter);
    second.cast_at = clock::now() - Duration::from_secs(600);
    let seal = store::Seal {
        poll_id: older.id.clone(),
        root: "ab".repeat(32),
        ballots: 1,
        counters: tally::recount([&first]),
        block_roots: vec!["cd".repeat(32)],
        block_firsts: vec![first.receipt.clone()],
        sealed_at: older.seal.as_ref().unwrap().sealed_at,
    };

    // The old form, as `to_document` of the shared records wrote it.
    let polls = db.collection::<Document>("polls");
    for p in [&older, &newer] {
        polls
            .insert_one(doc! {
                "_id": p.id.as_str(), "title": &p.title, "description": &p.description,
                "questions": to_bson(&p.questions).unwrap(),
                "audience": to_bson(&p.audience).unwrap(),
                "opens_at": p.opens_at.map(ms), "closes_at": p.closes_at.map(ms),
                "points": i64::from(p.points), "visibility": to_bson(&p.visibility).unwrap(),
                "phase": p.phase.as_str(), "decision": p.decision.clone(),
                "decision_at": p.decision_at.map(ms), "created_by": p.created_by.as_str(),
                "organisation_id": p.organisation_id.as_ref().map(|o| o.as_str()),
                "created_at": ms(p.created_at), "updated_at": ms(p.updated_at),
                "version": p.version as i64, "frozen": p.frozen, "announced": p.announced,
                "results_announced": p.results_announced,
                "seal_root": p.seal.as_ref().map(|s| s.root.clone()),
                "seal_ballots": p.seal.as_ref().map(|s| s.ballots as i64),
                "sealed_at": p.seal.as_ref().map(|s| ms(s.sealed_at)),
            })
            .await
            .unwrap();
    }
    let ballots = db.collection::<Document>("ballots");
    for (seq, b) in [&first, &second].into_iter().enumerate() {
        let answers: Vec<Document> = b
            .answers
            .iter()
            .map(|a| {
                let options: Vec<&str> = a.options.iter().map(|o| o.as_str()).collect();
                doc! { "q": a.question.as_str(), "o": options }
            })
            .collect();
        ballots
            .insert_one(doc! {
                "_id": b.id.as_str(), "poll_id": b.poll_id.as_str(),
                "account_id": b.account_id.as_str(), "answers": answers,
                "district_id": b.district_id.as_str(), "age_bracket": b.age_bracket.as_str(),
                "receipt": b.receipt.as_str(), "points": i64::from(b.points),
                "cast_at": ms(b.cast_at), "shard": "old", "seq": seq as i64 + 1,
            })
            .await
            .unwrap();
    }
    let seals = db.collection::<Document>("poll_seals");
    seals
        .insert_one(doc! {
            "_id": seal.poll_id.as_str(), "root": &seal.root, "ballots": seal.ballots as i64,
            "counters": to_bson(&seal.counters).unwrap(), "block_roots": seal.block_roots.clone(),
            "block_firsts": vec![first.receipt.as_str()], "sealed_at": ms(seal.sealed_at),
        })
        .await
        .unwrap();
    // A shard of the old process, silent for two minutes, that had counted both ballots.
    let counters = db.collection::<Document>("poll_counters");
    let mut shard = doc! {
        "_id": format!("{}#old", newer.id), "poll_id": newer.id.as_str(), "shard": "old",
        "through": 2i64, "alive_at": ms(clock::now() - Duration::from_secs(120)),
        "retired": false,
    };
    shard.extend(
        tally::recount([&second])
            .0
            .into_iter()
            .map(|(k, v)| (k, Bson::Int64(v))),
    );
    counters.insert_one(shard).await.unwrap();

    let store = open(&backend).await;

    // Stored as dates now, each the same instant.
    let date = |d: &Document, field: &str| match d.get(field) {
        Some(Bson::DateTime(at)) => clock::from_millis(at.timestamp_millis()),
        other => panic!("{field} is {other:?}, not a date"),
    };
    for p in [&older, &newer] {
        let d = by_id(&polls, p.id.as_str()).await;
        assert_eq!(Some(date(&d, "opens_at")), p.opens_at);
        assert_eq!(Some(date(&d, "closes_at")), p.closes_at);
        assert_eq!(date(&d, "created_at"), p.created_at);
        assert_eq!(date(&d, "updated_at"), p.updated_at);
        if p.seal.is_some() {
            assert_eq!(Some(date(&d, "decision_at")), p.decision_at);
            assert_eq!(
                Some(date(&d, "sealed_at")),
                p.seal.as_ref().map(|s| s.sealed_at)
            );
        } else {
            assert_eq!(d.get("decision_at"), Some(&Bson::Null));
            assert_eq!(d.get("sealed_at"), Some(&Bson::Null));
        }
    }
    for b in [&first, &second] {
        let d = by_id(&ballots, b.id.as_str()).await;
        assert_eq!(date(&d, "cast_at"), b.cast_at);
    }
    let d = by_id(&seals, seal.poll_id.as_str()).await;
    assert_eq!(date(&d, "sealed_at"), seal.sealed_at);

    // And read back through the store.
    assert_eq!(store.poll(&older.id).await.unwrap(), Some(older.clone()));
    assert_eq!(store.poll(&newer.id).await.unwrap(), Some(newer.clone()));
    assert_eq!(
        store.ballot_of(&older.id, &voter).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(store.seal(&older.id).await.unwrap(), Some(seal));
    // The history pages by (cast_at, poll) compared with dates.
    let page = store.points_history(&voter, None, 1).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!((&page[0].poll_id, page[0].at), (&newer.id, second.cast_at));
    let rest = store
        .points_history(&voter, Some((page[0].at, page[0].poll_id.clone())), 5)
        .await
        .unwrap();
    assert_eq!(
        rest.iter().map(|e| (&e.poll_id, e.at)).collect::<Vec<_>>(),
        vec![(&older.id, first.cast_at)]
    );
    // `alive_at` compared with a date: the silent shard is found, and had nothing left over.
    assert_eq!(store.repair(Duration::from_secs(60)).await.unwrap(), 0);
    let d = counters
        .find_one(doc! { "_id": format!("{}#old", newer.id) })
        .await
        .unwrap()
        .unwrap();
    date(&d, "alive_at");
    assert_eq!(d.get_bool("retired"), Ok(true));

    // The run is recorded: opening again does not scan again, and changes nothing.
    let done = by_id(&db.collection("migrations"), "polls_times_as_dates").await;
    assert!(
        matches!(done.get("converted"), Some(Bson::Int64(14))),
        "{done:?}"
    );
    let again = open(&backend).await;
    assert_eq!(again.poll(&older.id).await.unwrap(), Some(older));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongo_millisecond_times_become_dates_at_open() {
    veche_core::testing::on_mongo(
        "millisecond_times_become_dates_at_open",
        millisecond_times_become_dates_at_open,
    )
    .await;
}

veche_core::contract_tests!(
    the_counts_of_a_process_that_died_are_recovered,
    polls_round_trip_with_versions,
    one_ballot_per_resident_under_a_thousand_concurrent_tries,
    counters_equal_the_ballots_under_concurrent_voting,
    a_ballot_whose_caller_went_away_is_stored_and_counted,
    ballots_are_found_by_resident_receipt_and_page,
    points_follow_ballots,
    drift_is_found_and_repaired_by_a_recount,
    sealing_computes_the_root_repairs_drift_and_proves_every_receipt,
    the_export_matches_what_was_published_and_tampering_shows,
);
