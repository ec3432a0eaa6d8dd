//! The ideas store's contract, run unchanged on SQLite and on MongoDB (FerretDB in the tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use time::Duration;
use veche_core::accounts::model::{Account, Role};
use veche_core::clock;
use veche_core::id::{AccountId, OrganisationId};
use veche_core::storage::Backend;
use veche_core::testing::account;
use veche_ideas::log::{Action, Entry};
use veche_ideas::model::{Audience, Idea, IdeaId, Label, Project, Reason, Schedule, Status};
use veche_ideas::rules::{self, CommentInput, Decision, IdeaFields, ProjectFields};
use veche_ideas::similar::Fingerprint;
use veche_ideas::store::{self, IdeaIndex, IdeaQuery, IdeaStore, Sort, Supported};

async fn open(backend: &Backend) -> Arc<dyn IdeaStore> {
    let store = store::open(backend).await.unwrap();
    // Preparing the schema again is harmless.
    store::open(backend).await.unwrap();
    store
}

fn official() -> Account {
    Account {
        roles: BTreeSet::from([Role::Resident, Role::Official]),
        organisation_id: Some(OrganisationId::from_trusted("org".into())),
        ..account("official@example.org", "Ольга")
    }
}

fn moderator(name: &str) -> Account {
    Account {
        roles: BTreeSet::from([Role::Resident, Role::Moderator]),
        ..account(&format!("{name}@example.org"), name)
    }
}

/// A published project in its proposals stage, created `age` ago.
fn project(title: &str, age: Duration) -> Project {
    let now = clock::now();
    let day = Duration::days(1);
    let fields = ProjectFields {
        title: title.into(),
        description: "Что улучшить в парках".into(),
        topics: vec![
            Label {
                code: "parks".into(),
                name: "Парки".into(),
            },
            Label {
                code: "roads".into(),
                name: "Дороги".into(),
            },
        ],
        criteria: vec![Label {
            code: "benefit".into(),
            name: "Польза".into(),
        }],
        audience: Audience::City,
        schedule: Schedule {
            proposals: now - day,
            discussion: now + day,
            review: now + day * 2,
            results: now + day * 3,
        },
    };
    Project {
        published: true,
        ..rules::new_project(fields, &official(), now - age)
    }
}

fn idea_by(project: &Project, author: &Account, title: &str, body: &str, age: Duration) -> Idea {
    let fields = IdeaFields {
        title: title.into(),
        body: body.into(),
        topic: "parks".into(),
    };
    rules::new_idea(project, author, fields, clock::now() - age)
}

async fn submit(store: &Arc<dyn IdeaStore>, idea: &Idea) {
    store.insert_idea(idea, &IdeaIndex::of(idea)).await.unwrap();
}

fn resident(n: usize) -> Account {
    account(&format!("r{n}@example.org"), &format!("Житель {n}"))
}

async fn projects_round_trip_with_versions_and_pages(backend: Backend) {
    let store = open(&backend).await;
    let mut made = Vec::new();
    for n in 0..5 {
        let mut p = project(&format!("Проект {n}"), Duration::minutes(10 - n));
        p.published = n != 2;
        store.insert_project(&p).await.unwrap();
        made.push(p);
    }
    let first = &made[0];
    assert_eq!(
        store.project(&first.id).await.unwrap().as_ref(),
        Some(first)
    );
    let edited = Project {
        title: "Парки района, второй созыв".into(),
        version: first.version + 1,
        ..first.clone()
    };
    assert!(store.replace_project(&edited, first.version).await.unwrap());
    assert!(
        !store.replace_project(&edited, first.version).await.unwrap(),
        "a change made on an old version is refused"
    );
    assert_eq!(store.project(&first.id).await.unwrap(), Some(edited));

    // Newest first, two at a time, drafts left out unless asked for.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store.projects(false, after.clone(), 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        let last = page.last().unwrap();
        after = Some((clock::to_millis(last.created_at), last.id.clone()));
        seen.extend(page.into_iter().map(|p| p.title));
    }
    assert_eq!(
        seen,
        [
            "Проект 4",
            "Проект 3",
            "Проект 1",
            "Парки района, второй созыв"
        ]
    );
    let all = store.projects(true, None, 10).await.unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(all[2].title, "Проект 2");
}

async fn ideas_round_trip_and_of_two_moderators_one_wins(backend: Backend) {
    let store = open(&backend).await;
    let p = project("Парки", Duration::ZERO);
    store.insert_project(&p).await.unwrap();
    let anna = resident(1);
    let idea = idea_by(
        &p,
        &anna,
        "Скамейки у пруда",
        "Поставить скамейки вдоль пруда, сесть негде.",
        Duration::minutes(5),
    );
    submit(&store, &idea).await;
    assert_eq!(store.idea(&idea.id).await.unwrap().as_ref(), Some(&idea));
    // What a support reads: the idea's head and its project's version, which follows the
    // project.
    let reader = resident(9).id;
    let check = |id: IdeaId| {
        let (store, reader) = (store.clone(), reader.clone());
        async move {
            let found = store.support_check(&id, &reader).await.unwrap();
            found.map(|c| (c.head, c.project_version))
        }
    };
    assert_eq!(check(idea.id.clone()).await, Some((idea.head(), p.version)));
    let renamed = Project {
        title: "Парки и скверы".into(),
        version: p.version + 1,
        ..p.clone()
    };
    assert!(store.replace_project(&renamed, p.version).await.unwrap());
    assert_eq!(
        check(idea.id.clone()).await,
        Some((idea.head(), p.version + 1))
    );
    assert_eq!(check(IdeaId::generate()).await, None);
    assert!(
        store
            .insert_idea(&idea, &IdeaIndex::of(&idea))
            .await
            .is_err(),
        "an id is stored once"
    );

    let now = clock::now();
    let approve = rules::decide(&idea, &Decision::Approve, &moderator("first"), now).unwrap();
    let reject = rules::decide(
        &idea,
        &Decision::Reject {
            reason: Reason::Unclear,
            note: String::new(),
        },
        &moderator("second"),
        now,
    )
    .unwrap();
    // On SQLite the two race for real (one writer thread decides). On MongoDB a conditional
    // update is atomic on one document, which the test server (FerretDB v1: read, change,
    // write back) does not guarantee, so there the second decision comes after the first.
    let (a, b) = if matches!(backend, Backend::Sqlite(_)) {
        tokio::join!(
            store.replace_idea(&approve, idea.version, None),
            store.replace_idea(&reject, idea.version, None)
        )
    } else {
        let a = store.replace_idea(&approve, idea.version, None).await;
        (a, store.replace_idea(&reject, idea.version, None).await)
    };
    assert!(
        a.unwrap() ^ b.unwrap(),
        "exactly one of two decisions made on one version wins"
    );
    let stored = store.idea(&idea.id).await.unwrap().unwrap();
    assert!(stored == approve || stored == reject);
    assert!(!stored.awaits_moderation());
}

async fn the_queue_is_oldest_first_with_its_age_and_pages(backend: Backend) {
    let store = open(&backend).await;
    let p = project("Парки", Duration::ZERO);
    let other = project("Дороги", Duration::ZERO);
    let mut waiting = Vec::new();
    for n in 0..7i64 {
        let in_project = if n == 3 { &other } else { &p };
        let idea = idea_by(
            in_project,
            &resident(n as usize),
            &format!("Идея номер {n}"),
            "Текст идеи достаточной длины для проверки.",
            Duration::minutes(60 - n),
        );
        submit(&store, &idea).await;
        waiting.push(idea);
    }
    // One decided: it leaves the queue.
    let decided = rules::decide(
        &waiting[1],
        &Decision::Approve,
        &moderator("mария"),
        clock::now(),
    )
    .unwrap();
    assert!(store.replace_idea(&decided, 1, None).await.unwrap());

    let stats = store.queue_stats(None).await.unwrap();
    assert_eq!(stats.waiting, 6);
    assert_eq!(stats.oldest, waiting[0].queued_at);
    let of_project = store.queue_stats(Some(&p.id)).await.unwrap();
    assert_eq!(of_project.waiting, 5);

    let mut order = Vec::new();
    let mut after = None;
    loop {
        let page = store.queue(Some(&p.id), after.clone(), 2).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some((clock::to_millis(last.queued_at.unwrap()), last.id.clone()));
        order.extend(page.iter().map(|i| i.title.clone()));
    }
    assert_eq!(
        order,
        [
            "Идея номер 0",
            "Идея номер 2",
            "Идея номер 4",
            "Идея номер 5",
            "Идея номер 6"
        ]
    );
    let everywhere = store.queue(None, None, 10).await.unwrap();
    assert_eq!(everywhere.len(), 6);
    assert_eq!(everywhere[2].title, "Идея номер 3");
}

async fn ideas_are_filtered_searched_sorted_and_paged(backend: Backend) {
    let store = open(&backend).await;
    let p = project("Парки", Duration::ZERO);
    let texts = [
        (
            "Велодорожка вдоль набережной",
            "Проложить велодорожку вдоль всей набережной реки.",
        ),
        (
            "Освещение в парке",
            "Поставить фонари на тёмных аллеях парка у пруда.",
        ),
        (
            "Новые велодорожки",
            "Нужны велодорожки к метро от жилых кварталов.",
        ),
        (
            "Bike lanes to school",
            "Protected bike lanes along the main road to the school.",
        ),
        (
            "Скамейки у пруда",
            "Поставить скамейки вдоль пруда, сесть негде.",
        ),
    ];
    let mut ideas = Vec::new();
    for (n, (title, body)) in texts.iter().enumerate() {
        let mut idea = idea_by(
            &p,
            &resident(n),
            title,
            body,
            Duration::minutes(50 - n as i64),
        );
        idea.status = if n == 4 {
            Status::Pending
        } else {
            Status::Approved
        };
        if n == 2 {
            idea.topic = "roads".into();
        }
        submit(&store, &idea).await;
        ideas.push(idea);
    }
    let titles = |found: Vec<Idea>| found.into_iter().map(|i| i.title).collect::<Vec<_>>();

    let approved = IdeaQuery {
        statuses: vec![Status::Approved],
        ..IdeaQuery::new(p.id.clone(), 10)
    };
    assert_eq!(
        titles(store.ideas(&approved).await.unwrap()),
        [
            "Bike lanes to school",
            "Новые велодорожки",
            "Освещение в парке",
            "Велодорожка вдоль набережной"
        ]
    );
    // «велодорожки» finds «велодорожку»; «bike lane» finds «bike lanes».
    let search = |q: &str| IdeaQuery {
        stems: veche_ideas::text::search_stems(q),
        ..approved.clone()
    };
    // A bike lane is a «велодорожка» in either language.
    assert_eq!(
        titles(store.ideas(&search("велодорожки")).await.unwrap()),
        [
            "Bike lanes to school",
            "Новые велодорожки",
            "Велодорожка вдоль набережной"
        ]
    );
    assert_eq!(
        titles(store.ideas(&search("велодорожку к метро")).await.unwrap()),
        ["Новые велодорожки"]
    );
    assert_eq!(
        titles(store.ideas(&search("bike lane")).await.unwrap()),
        [
            "Bike lanes to school",
            "Новые велодорожки",
            "Велодорожка вдоль набережной"
        ]
    );
    assert!(store.ideas(&search("каток")).await.unwrap().is_empty());

    let roads = IdeaQuery {
        topic: Some("roads".into()),
        ..approved.clone()
    };
    assert_eq!(
        titles(store.ideas(&roads).await.unwrap()),
        ["Новые велодорожки"]
    );
    let by_author = IdeaQuery {
        author_id: Some(ideas[4].author_id.clone()),
        ..IdeaQuery::new(p.id.clone(), 10)
    };
    assert_eq!(
        titles(store.ideas(&by_author).await.unwrap()),
        ["Скамейки у пруда"]
    );

    // Supports: most first, then by id; pages never repeat or skip.
    for (n, idea) in ideas.iter().enumerate().take(4) {
        for r in 0..(n * 2 % 5) {
            store
                .support(&idea.id, &resident(100 + r).id, clock::now(), None, None)
                .await
                .unwrap();
        }
    }
    let by_supports = IdeaQuery {
        sort: Sort::Supports,
        limit: 1,
        ..approved.clone()
    };
    let mut page = by_supports.clone();
    let mut order = Vec::new();
    loop {
        let found = store.ideas(&page).await.unwrap();
        let Some(last) = found.last() else { break };
        page.after = Some(page.cursor_of(last));
        order.push((last.title.clone(), last.supports));
    }
    assert_eq!(
        order,
        [
            ("Новые велодорожки".to_string(), 4),
            ("Освещение в парке".to_string(), 2),
            ("Bike lanes to school".to_string(), 1),
            ("Велодорожка вдоль набережной".to_string(), 0),
        ]
    );

    // A decision moves the idea between the statuses' lists, by supports as by date, with
    // its count.
    let mut rejected = store.idea(&ideas[3].id).await.unwrap().unwrap();
    assert_eq!(rejected.supports, 1);
    rejected.status = Status::Rejected;
    rejected.version += 1;
    assert!(store
        .replace_idea(&rejected, rejected.version - 1, None)
        .await
        .unwrap());
    let of_rejected = |sort| IdeaQuery {
        statuses: vec![Status::Rejected],
        sort,
        ..IdeaQuery::new(p.id.clone(), 10)
    };
    for sort in [Sort::Supports, Sort::Newest] {
        let found = store.ideas(&of_rejected(sort)).await.unwrap();
        let found: Vec<(String, u64)> = found.into_iter().map(|i| (i.title, i.supports)).collect();
        assert_eq!(found, [(rejected.title.clone(), 1)], "{sort:?}");
        let left = titles(
            store
                .ideas(&IdeaQuery {
                    sort,
                    ..approved.clone()
                })
                .await
                .unwrap(),
        );
        assert!(!left.contains(&rejected.title), "{sort:?}: {left:?}");
        assert_eq!(left.len(), 3, "{sort:?}: {left:?}");
    }
}

async fn one_support_per_resident_and_a_merge_counts_nobody_twice(backend: Backend) {
    let store = open(&backend).await;
    let p = project("Парки", Duration::ZERO);
    let a = idea_by(
        &p,
        &resident(1),
        "Каток в парке",
        "Залить каток в парке зимой.",
        Duration::minutes(2),
    );
    let b = idea_by(
        &p,
        &resident(2),
        "Зимний каток",
        "Сделать каток в парке на зиму.",
        Duration::minutes(1),
    );
    submit(&store, &a).await;
    submit(&store, &b).await;

    // A hundred concurrent supports by one resident: one stored.
    let anna = resident(10).id;
    let tries = (0..100).map(|_| store.support(&a.id, &anna, clock::now(), Some(&p.id), None));
    let answers: Vec<Supported> = futures::future::join_all(tries)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(answers.iter().filter(|s| s.changed).count(), 1);
    // The first support's answer counts it; none counts more (on MongoDB the others may have
    // read the count before the first one's recount).
    assert!(
        answers.iter().any(|s| s.changed && s.supports == 1),
        "{answers:?}"
    );
    assert!(answers.iter().all(|s| s.supports <= 1), "{answers:?}");
    assert_eq!(store.idea(&a.id).await.unwrap().unwrap().supports, 1);
    // Supporting made anna a participant of the project, once.
    assert_eq!(
        store.participants(&p.id, None, 10).await.unwrap(),
        vec![anna.clone()]
    );

    // Withdraw, support again.
    let withdrawn = store.withdraw(&a.id, &anna).await.unwrap();
    assert_eq!(
        withdrawn,
        Supported {
            changed: true,
            supports: 0
        }
    );
    assert!(!store.withdraw(&a.id, &anna).await.unwrap().changed);
    assert_eq!(store.idea(&a.id).await.unwrap().unwrap().supports, 0);
    let again = store
        .support(&a.id, &anna, clock::now(), None, None)
        .await
        .unwrap();
    assert_eq!(
        again,
        Supported {
            changed: true,
            supports: 1
        }
    );

    // a: anna, boris, vera. b: boris, gleb. Merging a into b: b has anna, boris, vera, gleb.
    let [boris, vera, gleb] = [11, 12, 13].map(|n| resident(n).id);
    for who in [&boris, &vera] {
        assert!(
            store
                .support(&a.id, who, clock::now(), None, None)
                .await
                .unwrap()
                .changed
        );
    }
    for who in [&boris, &gleb] {
        assert!(
            store
                .support(&b.id, who, clock::now(), None, None)
                .await
                .unwrap()
                .changed
        );
    }
    // Without `participant_of`, nobody else became a participant.
    assert_eq!(
        store.participants(&p.id, None, 10).await.unwrap(),
        vec![anna.clone()]
    );
    assert_eq!(
        store
            .supported(&boris, &[a.id.clone(), b.id.clone()])
            .await
            .unwrap(),
        BTreeSet::from([a.id.clone(), b.id.clone()])
    );
    assert_eq!(store.move_supports(&a.id, &b.id).await.unwrap(), 4);
    // Again (a merge finished twice): nothing changes.
    assert_eq!(store.move_supports(&a.id, &b.id).await.unwrap(), 4);
    assert_eq!(store.idea(&a.id).await.unwrap().unwrap().supports, 0);
    assert_eq!(store.idea(&b.id).await.unwrap().unwrap().supports, 4);
    assert_eq!(
        store
            .supported(&anna, &[a.id.clone(), b.id.clone()])
            .await
            .unwrap(),
        BTreeSet::from([b.id.clone()])
    );
    // A replace never touches the count.
    let stored = store.idea(&b.id).await.unwrap().unwrap();
    let approved = Idea {
        status: Status::Approved,
        supports: 0,
        version: stored.version + 1,
        ..stored.clone()
    };
    assert!(store
        .replace_idea(&approved, stored.version, None)
        .await
        .unwrap());
    assert_eq!(store.idea(&b.id).await.unwrap().unwrap().supports, 4);
}

async fn duplicates_are_found_through_the_index_and_re_indexed_on_edit(backend: Backend) {
    let store = open(&backend).await;
    let p = project("Парки", Duration::ZERO);
    let other = project("Дороги", Duration::ZERO);
    let original = idea_by(
        &p,
        &resident(1),
        "Установить пандус у входа в поликлинику",
        "У входа в поликлинику нет пандуса, с коляской не заехать.",
        Duration::minutes(9),
    );
    let same = idea_by(
        &p,
        &resident(2),
        "Установить пандус у входа в поликлинику!",
        "У ВХОДА в поликлинику нет пандуса, с коляской не заехать",
        Duration::minutes(8),
    );
    let near = idea_by(
        &p,
        &resident(3),
        "Пандус для колясок у поликлиники",
        "Нужен пандус у поликлиники: с детской коляской невозможно войти.",
        Duration::minutes(7),
    );
    let unrelated = idea_by(
        &p,
        &resident(4),
        "Освещение в парке",
        "Поставить фонари на тёмных аллеях парка у пруда.",
        Duration::minutes(6),
    );
    let elsewhere = idea_by(
        &other,
        &resident(5),
        "Установить пандус у входа в поликлинику",
        "У входа в поликлинику нет пандуса, с коляской не заехать.",
        Duration::minutes(5),
    );
    for idea in [&original, &same, &near, &unrelated, &elsewhere] {
        submit(&store, idea).await;
    }
    let found = |fp: Fingerprint| {
        let store = store.clone();
        let project = p.id.clone();
        async move {
            let mut ids: Vec<IdeaId> = store
                .candidates(&project, &fp, 50)
                .await
                .unwrap()
                .into_iter()
                .map(|c| {
                    assert!(
                        !c.fingerprint.terms.is_empty(),
                        "candidates carry their terms"
                    );
                    c.id
                })
                .collect();
            ids.sort();
            ids
        }
    };
    let probe = IdeaIndex::of(&original).fingerprint;
    let mut expected = vec![original.id.clone(), same.id.clone(), near.id.clone()];
    expected.sort();
    assert_eq!(
        found(probe.clone()).await,
        expected,
        "the other project's copy is not a candidate"
    );

    // The exact key alone finds an exact copy (no band shared).
    let exact_only = Fingerprint {
        bands: Vec::new(),
        ..probe.clone()
    };
    let mut exact = vec![original.id.clone(), same.id.clone()];
    exact.sort();
    assert_eq!(found(exact_only).await, exact);

    // Term counts: «пандус» is in three of the project's four ideas; the other project's copy
    // counts in its own project only.
    let pandus = IdeaIndex::of(&near).fingerprint.terms;
    let holding = |counts: &veche_ideas::store::TermCounts| {
        pandus
            .iter()
            .filter_map(|(h, _)| counts.holding.get(h).copied())
            .max()
    };
    let counts = store.term_counts(&p.id).await.unwrap();
    assert_eq!(counts.ideas, 4);
    assert_eq!(holding(&counts), Some(3));
    assert_eq!(store.term_counts(&other.id).await.unwrap().ideas, 1);
    // The best candidates come whole by id.
    let whole = store
        .ideas_by_id(&[original.id.clone(), same.id.clone()])
        .await
        .unwrap();
    assert_eq!(whole.len(), 2);
    assert!(whole.contains(&original) && whole.contains(&same));

    // The near one is edited into something else: it is found no more, and its terms are
    // counted no more.
    let edited = rules::edited(
        &near,
        IdeaFields {
            title: "Каток во дворе".into(),
            body: "Залить каток во дворе дома зимой для детей.".into(),
            topic: "parks".into(),
        },
        clock::now(),
    );
    assert!(store
        .replace_idea(&edited, near.version, Some(&IdeaIndex::of(&edited)))
        .await
        .unwrap());
    let mut left = vec![original.id.clone(), same.id.clone()];
    left.sort();
    assert_eq!(found(probe).await, left);
    let counts = store.term_counts(&p.id).await.unwrap();
    assert_eq!(counts.ideas, 4);
    assert_eq!(holding(&counts), Some(2));
    let search = IdeaQuery {
        stems: veche_ideas::text::search_stems("каток"),
        ..IdeaQuery::new(p.id.clone(), 10)
    };
    assert_eq!(
        store.ideas(&search).await.unwrap().len(),
        1,
        "stems follow the edit"
    );
}

async fn comments_follows_scores_and_the_log(backend: Backend) {
    let store = open(&backend).await;
    let p = project("Парки", Duration::ZERO);
    let idea = idea_by(
        &p,
        &resident(1),
        "Каток в парке",
        "Залить каток в парке зимой.",
        Duration::ZERO,
    );
    submit(&store, &idea).await;

    // Comments: oldest first, paged; reports through versions; reported ones queued.
    let mut comments = Vec::new();
    for n in 0..3 {
        let input = CommentInput {
            text: format!("Комментарий {n}"),
            parent: None,
        };
        let c = rules::new_comment(&idea, &resident(n), &input, None, clock::now()).unwrap();
        store.insert_comment(&c).await.unwrap();
        comments.push(c);
    }
    let page = store.comments(&idea.id, None, 2).await.unwrap();
    assert_eq!(page, comments[..2]);
    let rest = store
        .comments(&idea.id, Some(&page[1].id), 2)
        .await
        .unwrap();
    assert_eq!(rest, comments[2..]);
    assert!(store.reported_comments(None, 10).await.unwrap().is_empty());
    let reported = rules::reported(&comments[1], &resident(7).id).unwrap();
    assert!(store
        .replace_comment(&reported, comments[1].version)
        .await
        .unwrap());
    assert!(!store
        .replace_comment(&reported, comments[1].version)
        .await
        .unwrap());
    assert_eq!(
        store.comment(&comments[1].id).await.unwrap(),
        Some(reported.clone())
    );
    assert_eq!(
        store.reported_comments(None, 10).await.unwrap(),
        std::slice::from_ref(&reported)
    );
    let kept = veche_ideas::model::Comment {
        kept: Some(true),
        version: reported.version + 1,
        ..reported.clone()
    };
    assert!(store
        .replace_comment(&kept, reported.version)
        .await
        .unwrap());
    assert!(store.reported_comments(None, 10).await.unwrap().is_empty());

    // Follows.
    let ids: Vec<AccountId> = (0..5).map(|n| resident(n).id).collect();
    for id in &ids {
        assert!(store.follow(&idea.id, id, true).await.unwrap());
    }
    assert!(!store.follow(&idea.id, &ids[0], true).await.unwrap());
    assert!(store.follow(&idea.id, &ids[1], false).await.unwrap());
    assert!(!store.follows(&idea.id, &ids[1]).await.unwrap());
    assert!(store.follows(&idea.id, &ids[2]).await.unwrap());
    let mut expected: Vec<AccountId> = ids.iter().filter(|i| **i != ids[1]).cloned().collect();
    expected.sort();
    let first = store.followers(&idea.id, None, 3).await.unwrap();
    let second = store.followers(&idea.id, first.last(), 3).await.unwrap();
    assert_eq!([first, second].concat(), expected);

    // Scores: one per expert and idea, the last one kept.
    let expert = resident(20).id;
    let mut score = veche_ideas::model::Score {
        project_id: p.id.clone(),
        idea_id: idea.id.clone(),
        expert_id: expert.clone(),
        marks: [("benefit".to_string(), 3)].into(),
        note: String::new(),
        at: clock::now(),
    };
    store.save_score(&score).await.unwrap();
    score.marks = [("benefit".to_string(), 5)].into();
    store.save_score(&score).await.unwrap();
    assert_eq!(store.scores(&p.id).await.unwrap(), [score]);

    // The log, counted by day, action and reason.
    let day = time::macros::datetime!(2026-12-01 10:00 UTC);
    let entries = [
        (day, Action::Approved, None),
        (day, Action::Rejected, Some(Reason::Unclear)),
        (
            day + Duration::hours(1),
            Action::Rejected,
            Some(Reason::Unclear),
        ),
        (
            day + Duration::days(1),
            Action::Rejected,
            Some(Reason::Abusive),
        ),
    ];
    for (at, action, reason) in entries {
        let entry = Entry {
            idea_id: idea.id.clone(),
            at,
            action,
            reason,
        };
        store.log_decision(&p.id, &expert, &entry).await.unwrap();
    }
    let counts: Vec<(String, Action, Option<Reason>, u64)> = store
        .log_counts(&p.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.day, c.action, c.reason, c.count))
        .collect();
    assert_eq!(
        counts,
        [
            ("2026-12-01".to_string(), Action::Approved, None, 1),
            (
                "2026-12-01".to_string(),
                Action::Rejected,
                Some(Reason::Unclear),
                2
            ),
            (
                "2026-12-02".to_string(),
                Action::Rejected,
                Some(Reason::Abusive),
                1
            ),
        ]
    );
}

async fn shortlists_results_and_owed_emails(backend: Backend) {
    let store = open(&backend).await;
    let p = project("Парки", Duration::ZERO);
    let official = official();
    let mut ideas = Vec::new();
    for n in 0..4 {
        let mut idea = idea_by(
            &p,
            &resident(n),
            &format!("Идея номер {n}"),
            "Текст идеи достаточной длины для проверки.",
            Duration::minutes(10 - n as i64),
        );
        idea.status = Status::Approved;
        idea.queued_at = None;
        submit(&store, &idea).await;
        ideas.push(idea);
    }
    let now = clock::now();
    for n in [1, 3] {
        let on = rules::shortlisted(&ideas[n], &p, &official, true, now).unwrap();
        assert!(store
            .replace_idea(&on, ideas[n].version, None)
            .await
            .unwrap());
        ideas[n] = on;
    }
    let titles = |found: Vec<Idea>| found.into_iter().map(|i| i.title).collect::<Vec<_>>();
    let shortlist = IdeaQuery {
        shortlisted: true,
        ..IdeaQuery::new(p.id.clone(), 10)
    };
    assert_eq!(
        titles(store.ideas(&shortlist).await.unwrap()),
        ["Идея номер 3", "Идея номер 1"]
    );

    // An outcome owes its email; the debt is found, then cleared without a new version.
    let results_day = p.schedule.results + Duration::hours(1);
    let accepted = Idea {
        outcome: Some(veche_ideas::model::Outcome::Accepted),
        mail_due: Some(veche_ideas::model::MailDue {
            mail: veche_ideas::model::Mail::Outcome,
            since: results_day,
        }),
        version: ideas[3].version + 1,
        ..ideas[3].clone()
    };
    assert!(store
        .replace_idea(&accepted, ideas[3].version, None)
        .await
        .unwrap());
    let results = IdeaQuery {
        with_outcome: true,
        ..IdeaQuery::new(p.id.clone(), 10)
    };
    assert_eq!(
        titles(store.ideas(&results).await.unwrap()),
        ["Идея номер 3"]
    );
    assert!(store.mail_owed(results_day, 10).await.unwrap().is_empty());
    let owed = store
        .mail_owed(results_day + Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(owed, std::slice::from_ref(&accepted));
    // A stale version clears nothing.
    store
        .mail_sent(&accepted.id, accepted.version - 1)
        .await
        .unwrap();
    assert_eq!(
        store
            .mail_owed(results_day + Duration::minutes(1), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    store
        .mail_sent(&accepted.id, accepted.version)
        .await
        .unwrap();
    assert!(store
        .mail_owed(results_day + Duration::minutes(1), 10)
        .await
        .unwrap()
        .is_empty());
    let stored = store.idea(&accepted.id).await.unwrap().unwrap();
    assert_eq!(stored.mail_due, None);
    assert_eq!(stored.version, accepted.version);
}

async fn participants_are_kept_once_per_project_in_account_order(backend: Backend) {
    let store = open(&backend).await;
    let (a, b) = (
        project("Парки", Duration::ZERO),
        project("Дворы", Duration::ZERO),
    );
    let mut ids: Vec<AccountId> = (0..7).map(|n| resident(n).id).collect();
    let elsewhere = ids[0].clone();
    for id in &ids {
        store.participate(&a.id, id).await.unwrap();
    }
    // Again, and in another project: neither counts twice nor leaks across.
    store.participate(&a.id, &ids[3]).await.unwrap();
    store.participate(&b.id, &elsewhere).await.unwrap();
    ids.sort();
    let first = store.participants(&a.id, None, 4).await.unwrap();
    let second = store.participants(&a.id, first.last(), 4).await.unwrap();
    assert_eq!(first.len(), 4);
    assert_eq!([first, second].concat(), ids);
    assert_eq!(
        store.participants(&b.id, None, 10).await.unwrap(),
        [elsewhere]
    );
    assert!(store
        .participants(&a.id, ids.last(), 10)
        .await
        .unwrap()
        .is_empty());
}

/// SQLite only: supports pass through a journal beside the database before they reach the
/// tables (`store/sqlite/supports.rs`).
mod journal {
    use std::path::Path;

    use veche_core::storage::{Sqlite, SyncMode};

    use super::*;

    const JOURNAL: &str = "ideas-supports.journal";

    async fn open_in(dir: &Path, sync: SyncMode) -> Arc<dyn IdeaStore> {
        let db = Sqlite::open(dir, sync).unwrap();
        store::open(&Backend::Sqlite(db)).await.unwrap()
    }

    /// A store holding a project and one idea in it.
    async fn with_an_idea(dir: &Path, sync: SyncMode) -> (Arc<dyn IdeaStore>, Project, Idea) {
        let store = open_in(dir, sync).await;
        let p = project("Парки", Duration::ZERO);
        store.insert_project(&p).await.unwrap();
        let idea = idea_by(
            &p,
            &resident(1),
            "Каток",
            "Залить каток зимой.",
            Duration::ZERO,
        );
        submit(&store, &idea).await;
        (store, p, idea)
    }

    fn journal(dir: &Path) -> String {
        std::fs::read_to_string(dir.join(JOURNAL)).unwrap()
    }

    fn append(dir: &Path, line: &str) {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(dir.join(JOURNAL))
            .unwrap();
        writeln!(file, "{line}").unwrap();
    }

    async fn supporters(store: &Arc<dyn IdeaStore>, idea: &IdeaId, of: &[AccountId]) -> usize {
        let mut n = 0;
        for who in of {
            let found = store.supported(who, std::slice::from_ref(idea)).await;
            n += usize::from(found.unwrap().contains(idea));
        }
        n
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_support_is_in_the_journal_when_answered_and_what_a_crash_left_is_applied_once() {
        let dir = tempfile::tempdir().unwrap();
        let (store, p, idea) = with_an_idea(dir.path(), SyncMode::Normal).await;
        let r: Vec<AccountId> = (0..7).map(|n| resident(n).id).collect();
        let done = store.support(&idea.id, &r[2], clock::now(), Some(&p.id), None);
        assert_eq!(
            done.await.unwrap(),
            Supported {
                changed: true,
                supports: 1
            }
        );
        let line = journal(dir.path());
        assert!(line.contains(&format!(" {} {} ", idea.id, r[2])), "{line}");
        assert!(line.ends_with(&format!(" {}\n", p.id)), "{line}");
        // Every other method sees it at once.
        assert_eq!(store.idea(&idea.id).await.unwrap().unwrap().supports, 1);
        drop(store);

        // A crash after two more supports were answered, before they reached the tables.
        let at = clock::to_millis(clock::now());
        append(dir.path(), &format!("1000 {} {} {at} -", idea.id, r[3]));
        append(
            dir.path(),
            &format!("1001 {} {} {at} {}", idea.id, r[4], p.id),
        );
        let store = open_in(dir.path(), SyncMode::Normal).await;
        assert_eq!(store.idea(&idea.id).await.unwrap().unwrap().supports, 3);
        assert_eq!(supporters(&store, &idea.id, &r[2..5]).await, 3);
        let mut took_part = vec![r[2].clone(), r[4].clone()];
        took_part.sort();
        assert_eq!(
            store.participants(&p.id, None, 10).await.unwrap(),
            took_part
        );
        assert_eq!(
            journal(dir.path()),
            "",
            "the journal is emptied once applied"
        );
        drop(store);

        // A line the tables already hold (at or before the last applied) is not applied again,
        // even for a resident who has not supported the idea.
        append(dir.path(), &format!("1001 {} {} {at} -", idea.id, r[5]));
        let store = open_in(dir.path(), SyncMode::Normal).await;
        assert_eq!(store.idea(&idea.id).await.unwrap().unwrap().supports, 3);
        assert_eq!(supporters(&store, &idea.id, &r[5..6]).await, 0);
        // Numbering goes on after the lines applied; the support check's reading serves the
        // support (and one read again, once supports were applied since, as well).
        let seen = store
            .support_check(&idea.id, &r[6])
            .await
            .unwrap()
            .unwrap()
            .seen;
        assert!(seen.is_some());
        let done = store
            .support(&idea.id, &r[6], clock::now(), None, seen)
            .await;
        assert_eq!(done.unwrap().supports, 4);
        let done = store
            .support(&idea.id, &r[6], clock::now(), None, seen)
            .await;
        assert_eq!(
            done.unwrap(),
            Supported {
                changed: false,
                supports: 4
            }
        );
        assert!(
            journal(dir.path()).starts_with("1002 "),
            "{}",
            journal(dir.path())
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_flush_writes_the_waiting_supports_to_the_tables() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _, idea) = with_an_idea(dir.path(), SyncMode::Normal).await;
        for n in 0..50 {
            let who = resident(100 + n).id;
            let done = store.support(&idea.id, &who, clock::now(), None, None);
            assert!(done.await.unwrap().changed);
        }
        // Right away, well inside the applier's 50 ms: the flush writes them.
        store.flush().await.unwrap();
        // Read past the store (which would apply them itself before reading).
        let raw = rusqlite::Connection::open(dir.path().join("veche.sqlite3")).unwrap();
        let count = |sql: &str| -> i64 {
            raw.query_row(sql, [idea.id.as_str()], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(
            count("SELECT COUNT(*) FROM idea_supports WHERE idea_id = ?1"),
            50
        );
        assert_eq!(
            count("SELECT supports FROM idea_tallies WHERE idea_id = ?1"),
            50
        );
    }

    // With nothing else calling the store, the applier writes the waiting supports on its own
    // once its window has passed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_applier_writes_the_waiting_supports_on_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _, idea) = with_an_idea(dir.path(), SyncMode::Normal).await;
        for n in 0..20 {
            assert_eq!(
                support(&store, &idea.id, &resident(200 + n).id).await,
                new(n as u64 + 1)
            );
        }
        // Read past the store, which would apply them itself before reading.
        let raw = rusqlite::Connection::open(dir.path().join("veche.sqlite3")).unwrap();
        let tables = || -> (i64, i64) {
            raw.query_row(
                "SELECT (SELECT COUNT(*) FROM idea_supports WHERE idea_id = ?1),
                        (SELECT supports FROM idea_tallies WHERE idea_id = ?1)",
                [idea.id.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while tables() != (20, 20) {
            assert!(
                std::time::Instant::now() < deadline,
                "not applied within 10 s: {:?}",
                tables()
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_line_that_is_not_a_support_stops_the_start_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _, idea) = with_an_idea(dir.path(), SyncMode::Normal).await;
        drop(store);
        append(dir.path(), &format!("7 {} resident", idea.id));
        let db = Sqlite::open(dir.path(), SyncMode::Normal).unwrap();
        let err = store::open(&Backend::Sqlite(db)).await.err().unwrap();
        assert!(err.to_string().contains("line 1 of"), "{err}");
        assert!(err.to_string().contains(JOURNAL), "{err}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_supports_each_answer_their_own_count_and_reads_see_them_all() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _, idea) = with_an_idea(dir.path(), SyncMode::Normal).await;
        let residents: Vec<AccountId> = (100..1100).map(|n| resident(n).id).collect();
        let supports = residents.iter().map(|r| {
            let store = store.clone();
            let (idea, r) = (idea.id.clone(), r.clone());
            tokio::spawn(async move { store.support(&idea, &r, clock::now(), None, None).await })
        });
        // Reads run among them, each applying what waits.
        let reads = (0..20).map(|_| {
            let (store, idea) = (store.clone(), idea.id.clone());
            tokio::spawn(async move { store.idea(&idea).await.map(|i| i.map(|i| i.supports)) })
        });
        let (supports, reads) = futures::join!(
            futures::future::join_all(supports),
            futures::future::join_all(reads)
        );
        let mut counts: Vec<u64> = supports
            .into_iter()
            .map(|s| s.unwrap().unwrap())
            .inspect(|s| assert!(s.changed))
            .map(|s| s.supports)
            .collect();
        counts.sort_unstable();
        assert_eq!(counts, (1..=1000).collect::<Vec<u64>>());
        for read in reads {
            let n = read.unwrap().unwrap().unwrap();
            assert!(n <= 1000, "{n}");
        }
        assert_eq!(store.idea(&idea.id).await.unwrap().unwrap().supports, 1000);
        let stored = store
            .supported(&residents[0], std::slice::from_ref(&idea.id))
            .await
            .unwrap();
        assert!(stored.contains(&idea.id));
    }

    async fn support(store: &Arc<dyn IdeaStore>, idea: &IdeaId, who: &AccountId) -> Supported {
        store
            .support(idea, who, clock::now(), None, None)
            .await
            .unwrap()
    }

    fn new(supports: u64) -> Supported {
        Supported {
            changed: true,
            supports,
        }
    }

    fn again(supports: u64) -> Supported {
        Supported {
            changed: false,
            supports,
        }
    }

    // After its first support an idea's supports by new residents are answered from memory:
    // every other write to it must make the next one read the tables again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn supports_from_memory_stay_exact_across_withdrawals_and_merges() {
        let dir = tempfile::tempdir().unwrap();
        let (store, p, idea) = with_an_idea(dir.path(), SyncMode::Normal).await;
        let into = idea_by(
            &p,
            &resident(2),
            "Горка",
            "Построить горку.",
            Duration::ZERO,
        );
        submit(&store, &into).await;
        let r: Vec<AccountId> = (10..20).map(|n| resident(n).id).collect();
        for (n, who) in r[..5].iter().enumerate() {
            assert_eq!(support(&store, &idea.id, who).await, new(n as u64 + 1));
        }
        assert_eq!(support(&store, &idea.id, &r[0]).await, again(5));
        assert_eq!(store.withdraw(&idea.id, &r[1]).await.unwrap().supports, 4);
        assert_eq!(support(&store, &idea.id, &r[5]).await, new(5));
        // Withdrawn, then again: new again.
        assert_eq!(support(&store, &idea.id, &r[1]).await, new(6));
        assert_eq!(support(&store, &idea.id, &r[1]).await, again(6));

        assert_eq!(support(&store, &into.id, &r[6]).await, new(1));
        assert_eq!(store.move_supports(&idea.id, &into.id).await.unwrap(), 7);
        // The target's count known again, then a resident whose support was merged into it:
        // supported already, though the filter of supports never saw that pair.
        assert_eq!(support(&store, &into.id, &r[7]).await, new(8));
        assert_eq!(support(&store, &into.id, &r[0]).await, again(8));
        assert_eq!(support(&store, &into.id, &r[8]).await, new(9));
        assert_eq!(support(&store, &idea.id, &r[9]).await, new(1));
        store.flush().await.unwrap();
        assert_eq!(store.idea(&into.id).await.unwrap().unwrap().supports, 9);
        assert_eq!(store.idea(&idea.id).await.unwrap().unwrap().supports, 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_support_check_from_memory_sees_a_decision_and_a_project_edit() {
        let dir = tempfile::tempdir().unwrap();
        let (store, p, idea) = with_an_idea(dir.path(), SyncMode::Normal).await;
        let who = resident(30).id;
        let check = |store: Arc<dyn IdeaStore>, id: IdeaId, who: AccountId| async move {
            store.support_check(&id, &who).await.unwrap().unwrap()
        };
        let first = check(store.clone(), idea.id.clone(), who.clone()).await;
        assert!(first.seen.is_some(), "the first check reads the tables");
        let known = check(store.clone(), idea.id.clone(), who.clone()).await;
        assert_eq!(known.seen, None, "the second is answered from memory");
        assert_eq!((known.head, known.project_version), (first.head, p.version));

        let stored = store.idea(&idea.id).await.unwrap().unwrap();
        let rejected = Idea {
            status: Status::Rejected,
            version: stored.version + 1,
            ..stored.clone()
        };
        assert!(store
            .replace_idea(&rejected, stored.version, None)
            .await
            .unwrap());
        let after = check(store.clone(), idea.id.clone(), who.clone()).await;
        assert_eq!(after.head.status, Status::Rejected);

        let edited = Project {
            version: p.version + 1,
            ..p.clone()
        };
        // Known again first, then the edit.
        check(store.clone(), idea.id.clone(), who.clone()).await;
        assert!(store.replace_project(&edited, p.version).await.unwrap());
        let after = check(store.clone(), idea.id.clone(), who.clone()).await;
        assert_eq!(after.project_version, p.version + 1);
    }

    // 50,000 supports waiting (the writer held up): the next one waits for a batch rather than
    // being lost or written past the journal, and is answered once the writer goes on.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn past_fifty_thousand_waiting_a_support_waits_for_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let db = Sqlite::open(dir.path(), SyncMode::Normal).unwrap();
        let store = store::open(&Backend::Sqlite(db.clone())).await.unwrap();
        let p = project("Парки", Duration::ZERO);
        store.insert_project(&p).await.unwrap();
        let idea = idea_by(&p, &resident(1), "Каток", "Залить каток.", Duration::ZERO);
        submit(&store, &idea).await;
        let (release, held) = std::sync::mpsc::channel::<()>();
        let holding = tokio::spawn({
            let db = db.clone();
            async move {
                db.write(move |_| {
                    let _ = held.recv();
                    Ok(())
                })
                .await
            }
        });
        let who = |n: usize| AccountId::from_trusted(format!("01BENCHRESIDENT{n:08}"));
        for n in 0..50_000 {
            assert_eq!(support(&store, &idea.id, &who(n)).await, new(n as u64 + 1));
        }
        let next = tokio::spawn({
            let (store, idea, who) = (store.clone(), idea.id.clone(), who(50_000));
            async move { support(&store, &idea, &who).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!next.is_finished(), "answered while 50,000 wait");
        release.send(()).unwrap();
        holding.await.unwrap().unwrap();
        assert_eq!(next.await.unwrap(), new(50_001));
        store.flush().await.unwrap();
        assert_eq!(
            store.idea(&idea.id).await.unwrap().unwrap().supports,
            50_001
        );
    }

    // Another process writing supports to the same database (here a second store, which has
    // no journal) is found out at the first store's next batch, which then reads the tables.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn supports_another_store_wrote_stop_the_answers_from_memory() {
        let dir = tempfile::tempdir().unwrap();
        let (first, _, idea) = with_an_idea(dir.path(), SyncMode::Normal).await;
        let (ann, bob, cid) = (resident(40).id, resident(41).id, resident(42).id);
        assert_eq!(support(&first, &idea.id, &ann).await, new(1));
        first.flush().await.unwrap();
        let second = open_in(dir.path(), SyncMode::Normal).await;
        assert_eq!(support(&second, &idea.id, &bob).await, new(2));
        // Until its next batch the first store does not know of Bob: Cid's support is new, and
        // its count may miss Bob's (the tables' stays right).
        assert!(support(&first, &idea.id, &cid).await.changed);
        first.flush().await.unwrap();
        // Bob's support, which the first store's filter never saw: read from the tables.
        assert_eq!(support(&first, &idea.id, &bob).await, again(3));
        assert_eq!(first.idea(&idea.id).await.unwrap().unwrap().supports, 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_second_store_and_a_fully_synced_one_write_straight_to_the_tables() {
        let dir = tempfile::tempdir().unwrap();
        let (first, _, idea) = with_an_idea(dir.path(), SyncMode::Normal).await;
        // The journal is the first store's: the second writes to the tables, and the first
        // reads its support at once.
        let second = open_in(dir.path(), SyncMode::Normal).await;
        let bob = resident(7).id;
        let done = second
            .support(&idea.id, &bob, clock::now(), None, None)
            .await
            .unwrap();
        assert!(done.changed);
        assert!(!journal(dir.path()).contains(bob.as_str()));
        assert_eq!(first.idea(&idea.id).await.unwrap().unwrap().supports, 1);
        drop((first, second));

        let full = tempfile::tempdir().unwrap();
        let (store, _, idea) = with_an_idea(full.path(), SyncMode::Full).await;
        let done = store
            .support(&idea.id, &bob, clock::now(), None, None)
            .await
            .unwrap();
        assert_eq!(done.supports, 1);
        assert!(!full.path().join(JOURNAL).exists());
    }
}

veche_core::contract_tests!(
    shortlists_results_and_owed_emails,
    projects_round_trip_with_versions_and_pages,
    ideas_round_trip_and_of_two_moderators_one_wins,
    the_queue_is_oldest_first_with_its_age_and_pages,
    ideas_are_filtered_searched_sorted_and_paged,
    one_support_per_resident_and_a_merge_counts_nobody_twice,
    duplicates_are_found_through_the_index_and_re_indexed_on_edit,
    comments_follows_scores_and_the_log,
    participants_are_kept_once_per_project_in_account_order,
);
