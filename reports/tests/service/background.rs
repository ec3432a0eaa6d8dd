//! Nearby duplicates and joining, the deadline warnings claimed once, the lists and queues,
//! filing refusals, administration and the calendar, the sweep of owed emails.

use super::world::*;

async fn residents_see_nearby_reports_and_join_them(backend: Backend) {
    let w = world(backend).await;
    let routed = w.routed().await;
    // 50 m north: the open report is found; 300 m away it is not (the radius is 100 m).
    let north = |by: f64| (POINT.0 + by, POINT.1);
    let near = service::nearby(&w.reports, north(0.00045), Some(&w.pothole.id), None)
        .await
        .unwrap();
    assert_eq!(near.len(), 1);
    assert!(
        (40.0..60.0).contains(&near[0].distance_m),
        "{}",
        near[0].distance_m
    );
    let far = service::nearby(&w.reports, north(0.0027), Some(&w.pothole.id), None)
        .await
        .unwrap();
    assert!(far.is_empty());
    let wide = service::nearby(&w.reports, north(0.0027), None, Some(500))
        .await
        .unwrap();
    assert_eq!(wide.len(), 1);
    // Joining twice counts once; the author cannot join their own.
    let (joined, first) = service::join(&w.reports, &w.resident, &routed.id)
        .await
        .unwrap();
    assert!(first);
    assert_eq!(joined.joiners, 1);
    let (joined, first) = service::join(&w.reports, &w.resident, &routed.id)
        .await
        .unwrap();
    assert!(!first);
    assert_eq!(joined.joiners, 1);
    let own = service::join(&w.reports, &w.author, &routed.id).await;
    assert!(matches!(own, Err(ReportError::Conflict("own_report"))));
    // The joiner hears of the answer as the author does.
    let answered = w
        .answer(&w.official, &routed.id, None, &answer_input())
        .await
        .unwrap();
    let told: Vec<String> = w
        .mail
        .of_kind("report_status")
        .into_iter()
        .filter(|n| {
            n.idempotency_key
                .contains(&format!(":{}:", answered.version))
        })
        .filter_map(|n| n.recipient.account_id.map(|a| a.to_string()))
        .collect();
    let mut told = told;
    told.sort();
    assert_eq!(told, ids(&[&w.author, &w.resident]));
}

async fn deadline_warnings_are_sent_once_each(backend: Backend) {
    let w = world(backend).await;
    let routed = w.routed().await;
    let deadline = routed.deadline.unwrap();
    let warn_at = routed.warn_at.unwrap();
    // Nothing is due yet.
    assert_eq!(
        service::check_deadlines(&w.platform, &w.reports, clock::now())
            .await
            .unwrap(),
        0
    );
    // At 80 %: two servers at once, one warning.
    let (a, b) = at_once(
        &w,
        service::check_deadlines(&w.platform, &w.reports, warn_at),
        service::check_deadlines(&w.platform, &w.reports, warn_at),
    )
    .await;
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(
        w.told("report_warning", &routed),
        ids(&[&w.head, &w.official])
    );
    assert_eq!(
        service::check_deadlines(&w.platform, &w.reports, warn_at)
            .await
            .unwrap(),
        0
    );
    // At the deadline: the overdue warning, once; the report shows overdue.
    assert_eq!(
        service::check_deadlines(&w.platform, &w.reports, deadline)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        service::check_deadlines(&w.platform, &w.reports, deadline)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        w.told("report_overdue", &routed),
        ids(&[&w.head, &w.official])
    );
    assert!(w.stored(&routed.id).await.overdue(deadline));
}

async fn lists_and_queues_put_the_overdue_first(backend: Backend) {
    let w = world(backend).await;
    let first = w.routed().await;
    let second = w.routed().await;
    // The second is made overdue.
    let mut late = second.clone();
    late.deadline = Some(clock::now() - Duration::hours(1));
    late.version += 1;
    w.replace(&late, second.version).await;
    let queue = service::queue(&w.reports, &w.official, &w.roads, false, None, 10)
        .await
        .unwrap();
    let order: Vec<&ReportId> = queue.reports.iter().map(|r| &r.id).collect();
    assert_eq!(order, vec![&second.id, &first.id]);
    let overdue = service::queue(&w.reports, &w.official, &w.roads, true, None, 10)
        .await
        .unwrap();
    assert_eq!(overdue.reports.len(), 1);
    let denied = service::queue(&w.reports, &w.other, &w.roads, false, None, 10).await;
    assert!(matches!(denied, Err(ReportError::Forbidden)));
    service::queue(&w.reports, &w.admin, &w.roads, false, None, 10)
        .await
        .unwrap();
    let public = service::list(
        &w.reports,
        &service::ListRequest {
            overdue: true,
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        public.reports.iter().map(|r| &r.id).collect::<Vec<_>>(),
        vec![&second.id]
    );
    let pending = w.filed().await;
    let queue = service::moderation_queue(&w.reports, &w.moderator, None, 10)
        .await
        .unwrap();
    assert_eq!(
        queue.reports.iter().map(|r| &r.id).collect::<Vec<_>>(),
        vec![&pending.id]
    );
    assert!(service::moderation_queue(&w.reports, &w.resident, None, 10)
        .await
        .is_err());
    let mine = service::mine(&w.reports, &w.author, None, 2).await.unwrap();
    assert_eq!(mine.reports.len(), 2);
    assert!(mine.next.is_some());
}

async fn filing_refuses_what_it_cannot_place(backend: Backend) {
    let w = world(backend).await;
    let refused = |r: Result<Report, ReportError>| match r {
        Err(ReportError::Invalid(i)) => (i.field, i.code),
        other => panic!("{other:?}"),
    };
    let outside = report_input(&w.pothole, (48.85, 2.35));
    assert_eq!(
        refused(service::file(&w.platform, &w.reports, &w.author, &outside).await),
        ("lat", "outside_districts")
    );
    let parent = ReportInput {
        category_id: w.pothole.parent.clone().unwrap().to_string(),
        ..report_input(&w.pothole, POINT)
    };
    assert_eq!(
        refused(service::file(&w.platform, &w.reports, &w.author, &parent).await),
        ("category_id", "not_leaf")
    );
    let photo = ReportInput {
        photos: vec!["b".repeat(64)],
        ..report_input(&w.pothole, POINT)
    };
    assert_eq!(
        refused(service::file(&w.platform, &w.reports, &w.author, &photo).await),
        ("photos", "unknown_photo")
    );
    let mine = service::mine(&w.reports, &w.author, None, 10)
        .await
        .unwrap();
    assert!(mine.reports.is_empty(), "nothing was stored");
}

async fn only_admins_administer_and_the_calendar_moves_deadlines(backend: Backend) {
    let w = world(backend).await;
    let input = ProfileInput {
        kind: "roads".into(),
        districts: vec![KHAMOVNIKI.into()],
        head: None,
    };
    for who in [&w.moderator, &w.official, &w.resident] {
        let denied =
            service::set_profile(&w.platform, &w.reports, who, &w.roads, None, &input).await;
        assert!(matches!(denied, Err(ReportError::Forbidden)), "{denied:?}");
    }
    let refused = |input: ProfileInput| {
        let w = &w;
        async move {
            match service::set_profile(&w.platform, &w.reports, &w.admin, &w.roads, None, &input)
                .await
            {
                Err(ReportError::Invalid(i)) => (i.field, i.code),
                other => panic!("{other:?}"),
            }
        }
    };
    let unknown = ProfileInput {
        districts: vec!["99999999".into()],
        ..input.clone()
    };
    assert_eq!(refused(unknown).await, ("districts", "unknown_district"));
    // The head must be one of the organisation's officials.
    let foreign_head = ProfileInput {
        head: Some(w.other.id.to_string()),
        ..input.clone()
    };
    assert_eq!(refused(foreign_head).await, ("head", "not_official"));
    // A stale version is a conflict; the current one changes it.
    let stale =
        service::set_profile(&w.platform, &w.reports, &w.admin, &w.roads, Some(7), &input).await;
    assert!(matches!(
        stale,
        Err(ReportError::Conflict("version_conflict"))
    ));
    let changed =
        service::set_profile(&w.platform, &w.reports, &w.admin, &w.roads, Some(1), &input)
            .await
            .unwrap();
    assert_eq!((changed.version, changed.head), (2, None));
    // An organisation core does not know has no profile.
    let nowhere = OrganisationId::generate();
    let missing =
        service::set_profile(&w.platform, &w.reports, &w.admin, &nowhere, None, &input).await;
    assert!(matches!(missing, Err(ReportError::NotFound)));
    let officials = service::officials(&w.platform, &w.roads).await.unwrap();
    assert_eq!(officials.len(), 2);
    // Every working day of the next three weeks made a holiday: a deadline moves past them.
    let before = w.routed().await.deadline.unwrap();
    let today = clock::now()
        .to_offset(veche_reports::rules::calendar::MOSCOW)
        .date();
    for n in 1..=21 {
        let date = veche_reports::rules::calendar::format_date(today + Duration::days(n));
        let holiday = DayInput {
            kind: "holiday".into(),
        };
        service::set_day(&w.platform, &w.reports, &w.admin, &date, &holiday)
            .await
            .unwrap();
    }
    let after = w.routed().await.deadline.unwrap();
    assert!(after >= before + Duration::days(21), "{before} → {after}");
    let denied = service::set_day(
        &w.platform,
        &w.reports,
        &w.official,
        "2026-12-07",
        &DayInput {
            kind: "holiday".into(),
        },
    )
    .await;
    assert!(matches!(denied, Err(ReportError::Forbidden)));
    assert_eq!(service::calendar_days(&w.reports).await.unwrap().len(), 21);
}

async fn owed_emails_are_swept(backend: Backend) {
    let w = world(backend).await;
    let routed = w.routed().await;
    // A crash after the change, before its emails: the debt is in the report.
    let mut owing = routed.clone();
    owing.version += 1;
    veche_reports::rules::owe(
        &mut owing,
        veche_reports::model::Mail::Status,
        None,
        clock::now() - Duration::minutes(5),
    );
    w.replace(&owing, routed.version).await;
    let before = w.mail.of_kind("report_status").len();
    assert_eq!(
        service::sweep_mail(&w.platform, &w.reports).await.unwrap(),
        1
    );
    assert_eq!(w.mail.of_kind("report_status").len(), before + 1);
    assert_eq!(
        service::sweep_mail(&w.platform, &w.reports).await.unwrap(),
        0
    );
}

veche_core::contract_tests!(
    residents_see_nearby_reports_and_join_them,
    deadline_warnings_are_sent_once_each,
    lists_and_queues_put_the_overdue_first,
    filing_refuses_what_it_cannot_place,
    only_admins_administer_and_the_calendar_moves_deadlines,
    owed_emails_are_swept,
);
