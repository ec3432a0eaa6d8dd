//! The demo data: every state, some overdue, nothing owed, seeded once.

use std::collections::BTreeSet;

use super::world::*;

/// A platform and the reports' service on `backend` as a server has them: no locator of the
/// service's own, so the points are placed by the district boundaries.
async fn as_served(backend: &Backend) -> (Arc<Platform>, Reports) {
    let platform = platform_on(backend.clone(), spec(), Arc::new(Recorder::default())).await;
    let store = veche_reports::store::open(backend).await.unwrap();
    (platform, Reports::new(store, ReportsConfig::default()))
}

async fn the_demo_holds_every_state_once(backend: Backend) {
    let (platform, reports) = as_served(&backend).await;
    veche_core::accounts::demo::seed(platform.accounts())
        .await
        .unwrap();
    let made = veche_reports::demo::seed_count(&platform, &reports, 200)
        .await
        .unwrap();
    assert!(made >= 190, "{made}");
    let mut statuses = BTreeSet::new();
    let mut overdue = 0;
    let mut after = None;
    loop {
        let page = service::list(
            &reports,
            &service::ListRequest {
                after: after.clone(),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        for r in &page.reports {
            statuses.insert(r.status);
            overdue += usize::from(r.overdue(clock::now()));
            assert!(r.mail_due.is_empty(), "a seeded report owes no email");
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let moderator = platform
        .store
        .account_by_email("moderator@demo.veche.example")
        .await
        .unwrap()
        .unwrap();
    let queue = service::moderation_queue(&reports, &moderator, None, 100)
        .await
        .unwrap();
    assert!(!queue.reports.is_empty(), "some wait for a moderator");
    for status in [
        Status::Routed,
        Status::InProgress,
        Status::Answered,
        Status::Closed,
        Status::Reopened,
    ] {
        assert!(
            statuses.contains(&status),
            "no {status:?} among {statuses:?}"
        );
    }
    assert!(overdue > 0, "some are overdue");
    // Seeded once; no warning or close is due at once.
    let again = veche_reports::demo::seed_count(&platform, &reports, 200)
        .await
        .unwrap();
    assert_eq!(again, 0);
    let now = clock::now();
    assert_eq!(
        service::check_deadlines(&platform, &reports, now)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        service::close_expired(&platform, &reports, now)
            .await
            .unwrap(),
        0
    );
}

/// The load benchmark's seed: every report at a point inside its own district, every state,
/// some overdue, each organisation owing some; once only.
async fn the_bench_seed_spreads_reports_over_the_districts(backend: Backend) {
    let (platform, reports) = as_served(&backend).await;
    let moderator = user(&platform, &[Role::Moderator]).await.account;
    let made = veche_reports::demo::bench::bench_reports(&platform, &reports, &moderator, 3_000)
        .await
        .unwrap();
    assert_eq!(made.stored, 3_000);
    assert_eq!(made.by_status.values().sum::<u64>(), 3_000);
    assert_eq!(made.by_status.len(), 7, "every state: {:?}", made.by_status);
    assert!(made.by_status["closed"] > 1_500, "most are closed");
    assert!(made.overdue > 0);
    assert!(!made.organisations.is_empty());
    assert_eq!(made.districts, platform.boundaries().len());
    let boundaries = platform.boundaries();
    assert!(made
        .dense
        .iter()
        .all(|&(lat, lon)| boundaries.locate(lat, lon).is_some()));
    let page = service::list(
        &reports,
        &service::ListRequest {
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(!page.reports.is_empty());
    for r in &page.reports {
        let district = boundaries.get(&r.district_id).unwrap();
        assert!(district.contains(r.place.lat, r.place.lon), "{:?}", r.place);
    }
    let again =
        veche_reports::demo::bench::bench_reports(&platform, &reports, &moderator, 10).await;
    assert!(again.is_err(), "only into a store without categories");
}

veche_core::contract_tests!(
    the_demo_holds_every_state_once,
    the_bench_seed_spreads_reports_over_the_districts
);
