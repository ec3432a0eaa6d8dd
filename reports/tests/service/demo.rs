//! The demo data: every state, some overdue, nothing owed, seeded once.

use std::collections::BTreeSet;

use super::world::*;

async fn the_demo_holds_every_state_once(backend: Backend) {
    let spec = PlatformSpec {
        catalogs: vec![(REPORTS_RU, REPORTS_EN)],
        limits: declare::<ReportsLimit>(),
        ..PlatformSpec::default()
    };
    let platform = platform_on(backend.clone(), spec, Arc::new(Recorder::default())).await;
    let store = veche_reports::store::open(&backend).await.unwrap();
    // No locator of its own: the points are placed by the district boundaries.
    let reports = Reports::new(store, ReportsConfig::default());
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

veche_core::contract_tests!(the_demo_holds_every_state_once);
