//! The reports store's contract, run unchanged on SQLite and on MongoDB: every method of
//! [`ReportStore`].
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use time::{Duration, OffsetDateTime};
use veche_core::clock;
use veche_core::id::{AccountId, DistrictId, OrganisationId};
use veche_core::storage::Backend;
use veche_core::StoreError;
use veche_reports::model::{
    Action, CalendarDay, Category, CategoryId, DayKind, Mail, OrgKind, Profile, Report, ReportId,
    Status, WARNED_EARLY,
};
use veche_reports::rules::{self, geo, ReportFields};
use veche_reports::store::{self, ReportQuery, ReportStore, SpanQuery, TallyBy, TallyRow};
use veche_reports::testing::{acted, answered, roads_routing};

const KHAMOVNIKI: &str = "45383000";
const ARBAT: &str = "45374000";

async fn open(backend: &Backend) -> Arc<dyn ReportStore> {
    store::open(backend).await.unwrap()
}

fn category(id: &str) -> Category {
    Category {
        id: CategoryId::from_trusted(id.into()),
        parent: None,
        name_ru: "Яма".into(),
        name_en: "Pothole".into(),
        deadline_days: 8,
        photo_required: false,
        duplicate_radius_m: 100,
        organisation_kind: OrgKind::Roads,
        active: true,
        version: 1,
    }
}

fn profile(id: &str) -> Profile {
    Profile {
        id: OrganisationId::from_trusted(id.into()),
        kind: OrgKind::Roads,
        districts: BTreeSet::from([DistrictId::from_trusted(KHAMOVNIKI.into())]),
        head: None,
        version: 1,
    }
}

/// A submitted report at a point, made `at`.
fn report(category: &str, district: &str, place: (f64, f64), at: OffsetDateTime) -> Report {
    let fields = ReportFields::unaddressed(
        CategoryId::from_trusted(category.into()),
        place,
        DistrictId::from_trusted(district.into()),
        "Яма на дороге".into(),
    );
    rules::new_report(fields, &AccountId::generate(), at)
}

/// The report routed to `org` with a deadline `due`.
fn routed(mut report: Report, org: &str, due: OffsetDateTime) -> Report {
    let routing = roads_routing(&report, OrganisationId::from_trusted(org.into()));
    let at = due - Duration::days(10);
    rules::routed(&mut report, routing, at, due);
    report.status = Status::Routed;
    report
}

const POINT: (f64, f64) = (55.7355, 37.5885);

/// Stores a report made `at` that no moderator has seen: never public, so never listed.
async fn insert_unmoderated(store: &Arc<dyn ReportStore>, at: OffsetDateTime) {
    let fresh = report("pothole", KHAMOVNIKI, POINT, at);
    store.insert_report(&fresh).await.unwrap();
}

async fn categories_and_profiles_keep_versions(backend: Backend) {
    let store = open(&backend).await;
    let pothole = category("pothole");
    assert!(store.put_category(&pothole, None).await.unwrap());
    let again = store.put_category(&pothole, None).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let mut renamed = Category {
        name_en: "Potholes".into(),
        version: 2,
        ..pothole.clone()
    };
    assert!(store.put_category(&renamed, Some(1)).await.unwrap());
    renamed.version = 3;
    assert!(
        !store.put_category(&renamed, Some(1)).await.unwrap(),
        "stale"
    );
    store.put_category(&category("litter"), None).await.unwrap();
    let all = store.categories().await.unwrap();
    let ids: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["litter", "pothole"]);
    assert_eq!(all[1].name_en, "Potholes");
    assert_eq!(all[1].version, 2);

    let roads = profile("roads");
    assert!(store.put_profile(&roads, None).await.unwrap());
    let wider = Profile {
        districts: BTreeSet::from([
            DistrictId::from_trusted(KHAMOVNIKI.into()),
            DistrictId::from_trusted(ARBAT.into()),
        ]),
        head: Some(AccountId::generate()),
        version: 2,
        ..roads.clone()
    };
    assert!(!store.put_profile(&wider, Some(7)).await.unwrap());
    assert!(store.put_profile(&wider, Some(1)).await.unwrap());
    store.put_profile(&profile("parks"), None).await.unwrap();
    assert_eq!(
        store.profiles().await.unwrap(),
        vec![profile("parks"), wider]
    );
}

async fn calendar_entries_are_kept_by_date(backend: Backend) {
    let store = open(&backend).await;
    let day = |date: &str, kind| CalendarDay {
        date: date.into(),
        kind,
    };
    store
        .set_day(&day("2026-11-07", DayKind::Working))
        .await
        .unwrap();
    store
        .set_day(&day("2026-11-06", DayKind::Working))
        .await
        .unwrap();
    store
        .set_day(&day("2026-11-06", DayKind::Holiday))
        .await
        .unwrap();
    assert_eq!(
        store.days().await.unwrap(),
        vec![
            day("2026-11-06", DayKind::Holiday),
            day("2026-11-07", DayKind::Working)
        ]
    );
    assert!(store.remove_day("2026-11-06").await.unwrap());
    assert!(!store.remove_day("2026-11-06").await.unwrap());
    assert_eq!(store.days().await.unwrap().len(), 1);
}

async fn reports_are_replaced_by_version_and_keep_their_joiners(backend: Backend) {
    let store = open(&backend).await;
    let now = clock::now();
    let first = report("pothole", KHAMOVNIKI, POINT, now);
    store.insert_report(&first).await.unwrap();
    assert_eq!(
        store.report(&first.id).await.unwrap().as_ref(),
        Some(&first)
    );
    assert!(matches!(
        store.insert_report(&first).await,
        Err(StoreError::Conflict(_))
    ));
    let joiner = AccountId::generate();
    assert!(store.join(&first.id, &joiner, now).await.unwrap());
    let mut next = routed(first.clone(), "roads", now + Duration::days(10));
    next.version = 2;
    rules::owe(&mut next, Mail::Routed, None, now);
    assert!(store.replace_report(&next, 1).await.unwrap());
    assert!(!store.replace_report(&next, 1).await.unwrap(), "stale");
    let stored = store.report(&first.id).await.unwrap().unwrap();
    assert_eq!(stored.joiners, 1, "a replace keeps the joiner count");
    assert_eq!(stored, Report { joiners: 1, ..next });
}

async fn open_reports_are_found_by_grid_cell(backend: Backend) {
    let store = open(&backend).await;
    let now = clock::now();
    let due = now + Duration::days(10);
    let near = routed(report("pothole", KHAMOVNIKI, POINT, now), "roads", due);
    let other_kind = routed(
        report("litter", KHAMOVNIKI, (55.7360, 37.5890), now),
        "roads",
        due,
    );
    let far = routed(
        report("pothole", KHAMOVNIKI, (55.80, 37.70), now),
        "roads",
        due,
    );
    let submitted = report("pothole", KHAMOVNIKI, POINT, now);
    let mut closed = routed(report("pothole", KHAMOVNIKI, POINT, now), "roads", due);
    closed.status = Status::Closed;
    for r in [&near, &other_kind, &far, &submitted, &closed] {
        store.insert_report(r).await.unwrap();
    }
    let cells = geo::cells_within(POINT.0, POINT.1, 500);
    let pothole = CategoryId::from_trusted("pothole".into());
    let near_to = |category, radius_m, limit| store::Near {
        cells: &cells,
        category,
        point: POINT,
        radius_m,
        limit,
    };
    let found = store
        .open_near(&near_to(Some(&pothole), 500, 10))
        .await
        .unwrap();
    assert_eq!(ids(&found), vec![near.id.clone()]);
    // Nearest first: the pothole on the point, then the litter ~60 m away.
    let any = store.open_near(&near_to(None, 500, 10)).await.unwrap();
    assert_eq!(ids(&any), vec![near.id.clone(), other_kind.id.clone()]);
    // The radius and the limit hold; the joiner count comes with each report.
    let closest = store.open_near(&near_to(None, 500, 1)).await.unwrap();
    assert_eq!(closest.len(), 1);
    assert_eq!(closest[0].id, near.id);
    let tight = store.open_near(&near_to(None, 20, 10)).await.unwrap();
    assert_eq!(ids(&tight), vec![near.id.clone()]);
    let none = store::Near {
        cells: &[],
        ..near_to(None, 500, 10)
    };
    assert!(store.open_near(&none).await.unwrap().is_empty());
}

/// The point `metres` from `from` along a bearing (degrees from north), on the sphere the
/// distances are measured on.
/// The ids of `reports`, in their order.
fn ids(reports: &[Report]) -> Vec<ReportId> {
    reports.iter().map(|r| r.id.clone()).collect()
}

fn towards((lat, lon): (f64, f64), bearing: f64, metres: f64) -> (f64, f64) {
    let d = metres / 6_371_008.8;
    let (phi, theta) = (lat.to_radians(), bearing.to_radians());
    let plat = (phi.sin() * d.cos() + phi.cos() * d.sin() * theta.cos()).asin();
    let plon = lon.to_radians()
        + (theta.sin() * d.sin() * phi.cos()).atan2(d.cos() - phi.sin() * plat.sin());
    (plat.to_degrees(), plon.to_degrees())
}

/// The circle's edge decides, not the cells or the box the stores narrow their index ranges
/// to: just inside it in every direction (its box's edges included) is found, just outside
/// (the box's corners included) is not; the nearest come first, those at one place by id, and
/// the limit cuts that order.
async fn open_reports_are_found_to_the_circle_s_edge(backend: Backend) {
    let store = open(&backend).await;
    let now = clock::now();
    let due = now + Duration::days(10);
    let mut places = Vec::new();
    for bearing in [0.0, 45.0, 90.0, 135.0, 180.0, 225.0, 270.0, 315.0] {
        places.push(towards(POINT, bearing, 499.0));
        places.push(towards(POINT, bearing, 501.0));
    }
    // The box's corner: within 500 m north and east, 600 m away.
    places.push(towards(towards(POINT, 0.0, 430.0), 90.0, 430.0));
    // Two at one place 100 m away, three at the point itself.
    places.extend([towards(POINT, 300.0, 100.0); 2]);
    places.extend([POINT; 3]);
    let mut reports = Vec::new();
    for (i, place) in places.iter().enumerate() {
        let district = if i % 2 == 0 { KHAMOVNIKI } else { ARBAT };
        let r = routed(report("pothole", district, *place, now), "roads", due);
        store.insert_report(&r).await.unwrap();
        reports.push(r);
    }
    let mut expected: Vec<(f64, String)> = reports
        .iter()
        .map(|r| {
            (
                geo::distance_m(POINT, (r.place.lat, r.place.lon)),
                r.id.to_string(),
            )
        })
        .filter(|(d, _)| *d <= 500.0)
        .collect();
    expected.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    assert_eq!(
        expected.len(),
        8 + 2 + 3,
        "the places are where they are meant to be"
    );
    let cells = geo::cells_within(POINT.0, POINT.1, 500);
    let pothole = CategoryId::from_trusted("pothole".into());
    for category in [None, Some(&pothole)] {
        for limit in [50, 4, 1] {
            let found = store
                .open_near(&store::Near {
                    cells: &cells,
                    category,
                    point: POINT,
                    radius_m: 500,
                    limit,
                })
                .await
                .unwrap();
            let want: Vec<&str> = expected
                .iter()
                .take(limit)
                .map(|(_, id)| id.as_str())
                .collect();
            assert_eq!(
                found.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
                want,
                "{category:?}, limit {limit}"
            );
        }
    }
}

async fn the_public_list_filters_and_pages(backend: Backend) {
    let store = open(&backend).await;
    let now = clock::now();
    let mut all = Vec::new();
    for i in 0..6 {
        let district = if i % 2 == 0 { KHAMOVNIKI } else { ARBAT };
        let category = if i < 3 { "pothole" } else { "litter" };
        let at = now - Duration::hours(10 - i);
        // Reports 0 and 1 are past their deadline.
        let due = now + Duration::days(i - 2);
        let r = routed(report(category, district, POINT, at), "roads", due);
        store.insert_report(&r).await.unwrap();
        all.push(r);
    }
    insert_unmoderated(&store, now).await;
    let q = |f: &dyn Fn(&mut ReportQuery)| {
        let mut query = ReportQuery {
            limit: 10,
            ..ReportQuery::default()
        };
        f(&mut query);
        query
    };
    // Newest first, the submitted one left out.
    let everything = store.reports(&q(&|_| {})).await.unwrap();
    let newest: Vec<_> = all.iter().rev().map(|r| r.id.clone()).collect();
    assert_eq!(ids(&everything), newest);
    let arbat = q(&|q| q.district_id = Some(DistrictId::from_trusted(ARBAT.into())));
    assert_eq!(
        ids(&store.reports(&arbat).await.unwrap()),
        vec![all[5].id.clone(), all[3].id.clone(), all[1].id.clone()]
    );
    let litter = q(&|q| q.category_id = Some(CategoryId::from_trusted("litter".into())));
    assert_eq!(store.reports(&litter).await.unwrap().len(), 3);
    let submitted = q(&|q| q.status = Some(Status::Submitted));
    assert!(
        store.reports(&submitted).await.unwrap().is_empty(),
        "not public"
    );
    let overdue = q(&|q| q.overdue_at = Some(now - Duration::minutes(1)));
    assert_eq!(
        ids(&store.reports(&overdue).await.unwrap()),
        vec![all[0].id.clone(), all[1].id.clone()],
        "the longest overdue first"
    );
    // Pages of two follow each other with nothing lost or repeated.
    let mut query = q(&|q| q.limit = 2);
    let mut paged = Vec::new();
    loop {
        let page = store.reports(&query).await.unwrap();
        paged.extend(ids(&page));
        match page.last() {
            Some(last) if page.len() == 2 => query.after = Some(query.cursor_of(last)),
            _ => break,
        }
    }
    assert_eq!(paged, newest);
}

async fn an_organisation_owes_answers_by_deadline(backend: Backend) {
    let store = open(&backend).await;
    let now = clock::now();
    let org = OrganisationId::from_trusted("roads".into());
    let late = routed(
        report("pothole", KHAMOVNIKI, POINT, now),
        "roads",
        now - Duration::days(1),
    );
    let soon = routed(
        report("pothole", KHAMOVNIKI, POINT, now),
        "roads",
        now + Duration::days(1),
    );
    let other = routed(
        report("pothole", KHAMOVNIKI, POINT, now),
        "parks",
        now - Duration::days(2),
    );
    let mut answered = routed(
        report("pothole", KHAMOVNIKI, POINT, now),
        "roads",
        now - Duration::days(3),
    );
    answered.status = Status::Answered;
    for r in [&late, &soon, &other, &answered] {
        store.insert_report(r).await.unwrap();
    }
    let queue = store.queue(&org, None, None, 10).await.unwrap();
    assert_eq!(ids(&queue), vec![late.id.clone(), soon.id.clone()]);
    let overdue = store.queue(&org, Some(now), None, 10).await.unwrap();
    assert_eq!(ids(&overdue), vec![late.id.clone()]);
    let after = Some((clock::to_millis(late.deadline.unwrap()), late.id.clone()));
    let rest = store.queue(&org, None, after, 10).await.unwrap();
    assert_eq!(ids(&rest), vec![soon.id.clone()]);
}

async fn reports_are_listed_by_status_and_by_author(backend: Backend) {
    let store = open(&backend).await;
    let now = clock::now();
    let old = report("pothole", KHAMOVNIKI, POINT, now - Duration::hours(2));
    let new = Report {
        author_id: old.author_id.clone(),
        ..report("pothole", KHAMOVNIKI, POINT, now - Duration::hours(1))
    };
    let routed = routed(report("pothole", KHAMOVNIKI, POINT, now), "roads", now);
    for r in [&old, &new, &routed] {
        store.insert_report(r).await.unwrap();
    }
    let queue = store.by_status(Status::Submitted, None, 10).await.unwrap();
    assert_eq!(ids(&queue), vec![old.id.clone(), new.id.clone()]);
    let after = Some((clock::to_millis(old.created_at), old.id.clone()));
    let rest = store.by_status(Status::Submitted, after, 10).await.unwrap();
    assert_eq!(ids(&rest), vec![new.id.clone()]);
    let mine = store.by_author(&old.author_id, None, 10).await.unwrap();
    assert_eq!(ids(&mine), vec![new.id.clone(), old.id.clone()]);
    let after = Some((clock::to_millis(new.created_at), new.id.clone()));
    let older = store.by_author(&old.author_id, after, 1).await.unwrap();
    assert_eq!(ids(&older), vec![old.id.clone()]);
}

async fn due_work_is_found_when_due(backend: Backend) {
    let store = open(&backend).await;
    let now = clock::now();
    // Routed 10 days before a deadline 1 day ahead: its 80 % warning is due.
    let warn = routed(
        report("pothole", KHAMOVNIKI, POINT, now),
        "roads",
        now + Duration::days(1),
    );
    let mut warned = routed(
        report("pothole", KHAMOVNIKI, POINT, now),
        "roads",
        now + Duration::days(1),
    );
    warned.warned = WARNED_EARLY;
    let mut answered = routed(report("pothole", KHAMOVNIKI, POINT, now), "roads", now);
    answered.status = Status::Answered;
    answered.answer = Some(veche_reports::model::Answer {
        text: "Заделали".into(),
        photos: vec![],
        by: AccountId::generate(),
        at: now - Duration::days(16),
    });
    let mut owing = report("pothole", KHAMOVNIKI, POINT, now);
    rules::owe(&mut owing, Mail::Status, None, now - Duration::minutes(5));
    owing.version = 2;
    rules::owe(&mut owing, Mail::Routed, None, now - Duration::minutes(4));
    for r in [&warn, &warned, &answered, &owing] {
        store.insert_report(r).await.unwrap();
    }
    let checks = store.checks_due(now, 10).await.unwrap();
    assert_eq!(ids(&checks), vec![warn.id.clone()]);
    let closing = store.closing_due(now, 10).await.unwrap();
    assert_eq!(ids(&closing), vec![answered.id.clone()]);
    assert!(store
        .closing_due(now - Duration::days(2), 10)
        .await
        .unwrap()
        .is_empty());
    let owed = store.mail_owed(now, 10).await.unwrap();
    assert_eq!(ids(&owed), vec![owing.id.clone()]);
    assert!(store
        .mail_owed(now - Duration::minutes(6), 10)
        .await
        .unwrap()
        .is_empty());
    // The first debt is paid: the second stays, and the version does not move.
    store.mail_sent(&owing.id, 1).await.unwrap();
    let left = store.report(&owing.id).await.unwrap().unwrap();
    assert_eq!(left.mail_due.len(), 1);
    assert_eq!(left.mail_due[0].mail, Mail::Routed);
    assert_eq!(left.version, 2);
    assert_eq!(store.mail_owed(now, 10).await.unwrap().len(), 1);
    store.mail_sent(&owing.id, 2).await.unwrap();
    assert!(store.mail_owed(now, 10).await.unwrap().is_empty());
    assert!(store
        .report(&owing.id)
        .await
        .unwrap()
        .unwrap()
        .mail_due
        .is_empty());
}

async fn a_resident_joins_once(backend: Backend) {
    let store = open(&backend).await;
    let now = clock::now();
    let r = report("pothole", KHAMOVNIKI, POINT, now);
    store.insert_report(&r).await.unwrap();
    let resident = AccountId::generate();
    let tries = (0..20).map(|_| {
        let (store, id, resident) = (store.clone(), r.id.clone(), resident.clone());
        tokio::spawn(async move { store.join(&id, &resident, now).await.unwrap() })
    });
    let firsts = futures::future::join_all(tries)
        .await
        .into_iter()
        .filter(|j| *j.as_ref().unwrap())
        .count();
    assert_eq!(firsts, 1);
    assert!(store.joined(&r.id, &resident).await.unwrap());
    assert!(!store.joined(&r.id, &AccountId::generate()).await.unwrap());
    let mut others: Vec<AccountId> = (0..3).map(|_| AccountId::generate()).collect();
    for o in &others {
        assert!(store.join(&r.id, o, now).await.unwrap());
    }
    assert_eq!(store.report(&r.id).await.unwrap().unwrap().joiners, 4);
    others.push(resident);
    others.sort();
    let first = store.joiners(&r.id, None, 2).await.unwrap();
    let rest = store.joiners(&r.id, first.last(), 10).await.unwrap();
    assert_eq!([first, rest].concat(), others);
}

async fn public_reports_are_found_by_when_they_were_made(backend: Backend) {
    let store = open(&backend).await;
    let now = clock::now();
    let mut made = Vec::new();
    for i in 0..6i64 {
        let category = if i % 2 == 0 { "pothole" } else { "litter" };
        let mut r = routed(
            report(category, KHAMOVNIKI, POINT, now - Duration::days(i)),
            "roads",
            now + Duration::days(3),
        );
        if i == 3 {
            r.status = Status::Closed;
        }
        store.insert_report(&r).await.unwrap();
        made.push(r);
    }
    insert_unmoderated(&store, now).await;
    let span = |from: i64, to: i64| SpanQuery {
        from: now - Duration::days(from),
        to: now - Duration::days(to),
        statuses: vec![],
        categories: vec![],
        limit: 100,
    };
    // Both ends included, newest first.
    let found = store.made_between(&span(4, 1)).await.unwrap();
    assert_eq!(
        ids(&found),
        vec![
            made[1].id.clone(),
            made[2].id.clone(),
            made[3].id.clone(),
            made[4].id.clone()
        ]
    );
    let limited = SpanQuery {
        limit: 2,
        ..span(10, 0)
    };
    assert_eq!(
        ids(&store.made_between(&limited).await.unwrap()),
        vec![made[0].id.clone(), made[1].id.clone()]
    );
    let closed = SpanQuery {
        statuses: vec![Status::Closed],
        ..span(10, 0)
    };
    assert_eq!(
        ids(&store.made_between(&closed).await.unwrap()),
        vec![made[3].id.clone()]
    );
    let open = SpanQuery {
        statuses: vec![Status::Routed, Status::InProgress],
        categories: vec![CategoryId::from_trusted("pothole".into())],
        ..span(10, 0)
    };
    assert_eq!(
        ids(&store.made_between(&open).await.unwrap()),
        vec![made[0].id.clone(), made[2].id.clone(), made[4].id.clone()]
    );
    let both = SpanQuery {
        categories: vec![
            CategoryId::from_trusted("pothole".into()),
            CategoryId::from_trusted("litter".into()),
        ],
        ..span(10, 0)
    };
    assert_eq!(store.made_between(&both).await.unwrap().len(), 6);
    let submitted = SpanQuery {
        statuses: vec![Status::Submitted],
        ..span(10, 0)
    };
    assert!(store.made_between(&submitted).await.unwrap().is_empty());
    assert!(store.made_between(&span(30, 20)).await.unwrap().is_empty());
}

async fn a_resident_s_joins_are_listed_latest_first(backend: Backend) {
    let store = open(&backend).await;
    let now = clock::now();
    let resident = AccountId::generate();
    let mut reports = Vec::new();
    for i in 0..3 {
        let r = report("pothole", KHAMOVNIKI, POINT, now - Duration::hours(3 - i));
        store.insert_report(&r).await.unwrap();
        reports.push(r);
    }
    // Joined in the order 1, 0, 2; another resident's join is not theirs.
    for (i, minutes) in [(1, 3), (0, 2), (2, 1)] {
        let at = now - Duration::minutes(minutes);
        assert!(store.join(&reports[i].id, &resident, at).await.unwrap());
    }
    store
        .join(&reports[1].id, &AccountId::generate(), now)
        .await
        .unwrap();
    let first = store.joined_by(&resident, None, 2).await.unwrap();
    assert_eq!(
        first.iter().map(|(_, r)| &r.id).collect::<Vec<_>>(),
        vec![&reports[2].id, &reports[0].id]
    );
    assert_eq!(first[0].0, clock::to_millis(now - Duration::minutes(1)));
    assert_eq!(first[1].1.joiners, 1);
    let after = first.last().map(|(at, r)| (*at, r.id.clone()));
    let rest = store.joined_by(&resident, after, 10).await.unwrap();
    assert_eq!(
        rest.iter().map(|(_, r)| &r.id).collect::<Vec<_>>(),
        vec![&reports[1].id]
    );
    assert_eq!(rest[0].1.joiners, 2);
    assert!(store
        .joined_by(&AccountId::generate(), None, 10)
        .await
        .unwrap()
        .is_empty());
}

/// `report` accepted at `at` for `org`, due at `due`.
fn accepted_at(report: Report, org: &str, at: OffsetDateTime, due: OffsetDateTime) -> Report {
    let mut r = routed(report, org, due);
    r.routed_at = Some(at);
    acted(&r, Action::Accept, at, Status::Routed)
}

/// The rows of one key, added up, and the histogram of their hours.
fn summed(rows: &[TallyRow], key: &str) -> (TallyRow, Vec<(i64, u64)>) {
    let mut total = TallyRow {
        key: key.into(),
        ..TallyRow::default()
    };
    let mut hours = Vec::new();
    for r in rows.iter().filter(|r| r.key == key) {
        total.reports += r.reports;
        total.awaiting += r.awaiting;
        total.overdue += r.overdue;
        total.answered += r.answered;
        total.on_time += r.on_time;
        total.was_answered += r.was_answered;
        total.reopened += r.reopened;
        if let Some(h) = r.hours {
            hours.push((h, r.answered));
        }
    }
    hours.sort();
    (total, hours)
}

async fn the_dashboard_counts_by_group_in_the_store(backend: Backend) {
    let store = open(&backend).await;
    let now = clock::now();
    let t0 = now - Duration::days(20);
    let hour = Duration::hours(1);
    let fresh = || report("pothole", KHAMOVNIKI, POINT, t0);
    // Owed, due later; owed, overdue (in Arbat, another category).
    let waiting = accepted_at(fresh(), "roads", t0, now + Duration::days(3));
    let late = accepted_at(report("litter", ARBAT, POINT, t0), "roads", t0, now - hour);
    // Answered after 5 h, on time; after 30 h, late.
    let quick = answered(
        &accepted_at(fresh(), "roads", t0, t0 + 10 * hour),
        t0 + 5 * hour + Duration::minutes(59),
        Status::Answered,
    );
    let slow = answered(
        &accepted_at(fresh(), "roads", t0, t0 + hour),
        t0 + 30 * hour,
        Status::Answered,
    );
    // Answered, disputed after 50 h, answered again 10 h after the dispute, closed.
    let first = answered(
        &accepted_at(fresh(), "roads", t0, t0 + 40 * hour),
        t0 + 2 * hour,
        Status::Answered,
    );
    let mut disputed = first.clone();
    rules::set_deadline(&mut disputed, t0 + 50 * hour, t0 + 70 * hour);
    let disputed = acted(&disputed, Action::Dispute, t0 + 50 * hour, Status::Reopened);
    let again = answered(&disputed, t0 + 60 * hour, Status::Answered);
    let closed = acted(&again, Action::Confirm, t0 + 61 * hour, Status::Closed);
    // Another organisation's, and one not routed yet.
    let parks = accepted_at(fresh(), "parks", t0, now + Duration::days(1));
    let submitted = fresh();
    for r in [&waiting, &late, &quick, &slow, &parks, &submitted] {
        store.insert_report(r).await.unwrap();
    }
    // The disputed one reaches its state through replaces (the columns follow the report).
    store.insert_report(&first).await.unwrap();
    assert!(store
        .replace_report(&disputed, first.version)
        .await
        .unwrap());
    assert!(store
        .replace_report(&closed, disputed.version)
        .await
        .unwrap());

    let roads = OrganisationId::from_trusted("roads".into());
    let all = store.tally(Some(&roads), TallyBy::All, now).await.unwrap();
    let (total, hours) = summed(&all, "");
    let expected = TallyRow {
        key: String::new(),
        hours: None,
        reports: 5,
        awaiting: 2,
        overdue: 1,
        answered: 3,
        on_time: 2,
        was_answered: 3,
        reopened: 1,
    };
    assert_eq!(total, expected);
    assert_eq!(hours, vec![(5, 1), (10, 1), (30, 1)]);

    let by_district = store
        .tally(Some(&roads), TallyBy::District, now)
        .await
        .unwrap();
    let (arbat, _) = summed(&by_district, ARBAT);
    assert_eq!((arbat.reports, arbat.awaiting, arbat.overdue), (1, 1, 1));
    let (khamovniki, k_hours) = summed(&by_district, KHAMOVNIKI);
    assert_eq!((khamovniki.reports, khamovniki.overdue), (4, 0));
    assert_eq!(k_hours, hours);
    let by_category = store
        .tally(Some(&roads), TallyBy::Category, now)
        .await
        .unwrap();
    assert_eq!(summed(&by_category, "litter").0.overdue, 1);
    assert_eq!(summed(&by_category, "pothole").0.answered, 3);
    // Every organisation's: the parks' report too, never the unrouted one.
    let everyone = store.tally(None, TallyBy::All, now).await.unwrap();
    let (total, _) = summed(&everyone, "");
    assert_eq!((total.reports, total.awaiting), (6, 3));
    // Counted at another instant: nothing overdue before its deadline.
    let earlier = store
        .tally(Some(&roads), TallyBy::All, now - Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(summed(&earlier, "").0.overdue, 0);
}

async fn many_reports_are_imported_at_once(backend: Backend) {
    let store = open(&backend).await;
    let now = clock::now();
    let due = now + Duration::days(10);
    let mut batch: Vec<Report> = (0..3)
        .map(|i| {
            let at = now - Duration::hours(3 - i);
            routed(report("pothole", KHAMOVNIKI, POINT, at), "roads", due)
        })
        .collect();
    batch[0].joiners = 3;
    let mut closed = routed(report("pothole", KHAMOVNIKI, POINT, now), "roads", due);
    closed.status = Status::Closed;
    batch.push(closed.clone());
    assert_eq!(store.import_reports(&batch).await.unwrap(), 4);
    assert_eq!(store.import_reports(&[]).await.unwrap(), 0);
    // As stored (instants to the millisecond): what the model's own form says.
    let json = |r: &Report| serde_json::to_value(r).unwrap();
    for r in &batch {
        assert_eq!(json(&store.report(&r.id).await.unwrap().unwrap()), json(r));
    }
    // Found by the lists as reports inserted one by one are: near a point (with their joiner
    // counts), in
    // their organisation's queue by deadline.
    let cells = geo::cells_within(POINT.0, POINT.1, 500);
    let near = store
        .open_near(&store::Near {
            cells: &cells,
            category: None,
            point: POINT,
            radius_m: 500,
            limit: 10,
        })
        .await
        .unwrap();
    let found: BTreeSet<_> = near.iter().map(|r| (r.id.clone(), r.joiners)).collect();
    let open: BTreeSet<_> = batch[..3]
        .iter()
        .map(|r| (r.id.clone(), r.joiners))
        .collect();
    assert_eq!(found, open);
    let roads = OrganisationId::from_trusted("roads".into());
    let queue = store.queue(&roads, None, None, 10).await.unwrap();
    assert_eq!(queue.len(), 3);
    // A taken id fails the call; what was stored stays as it was.
    let mut again = batch[1].clone();
    again.description = "Другое".into();
    let fresh = report("pothole", KHAMOVNIKI, POINT, now);
    assert!(store.import_reports(&[again, fresh]).await.is_err());
    let kept = store.report(&batch[1].id).await.unwrap().unwrap();
    assert_eq!(json(&kept), json(&batch[1]));
}

veche_core::contract_tests!(
    many_reports_are_imported_at_once,
    categories_and_profiles_keep_versions,
    calendar_entries_are_kept_by_date,
    reports_are_replaced_by_version_and_keep_their_joiners,
    open_reports_are_found_by_grid_cell,
    open_reports_are_found_to_the_circle_s_edge,
    the_public_list_filters_and_pages,
    an_organisation_owes_answers_by_deadline,
    reports_are_listed_by_status_and_by_author,
    due_work_is_found_when_due,
    a_resident_joins_once,
    public_reports_are_found_by_when_they_were_made,
    a_resident_s_joins_are_listed_latest_first,
    the_dashboard_counts_by_group_in_the_store,
);
