//! Every transition, and every forbidden one (nothing changes): moderation, routing,
//! work, answers, confirmations, disputes, re-routing, two officials at once.

use super::world::*;

async fn a_report_goes_from_filing_to_closed(backend: Backend) {
    let w = world(backend).await;
    let filed = w.filed().await;
    assert_eq!(filed.status, Status::Submitted);
    assert_eq!(filed.district_id.as_str(), KHAMOVNIKI);
    let routed = w
        .decide(&w.moderator, &filed.id, Some(1), &accept())
        .await
        .unwrap();
    assert_eq!(routed.status, Status::Routed);
    let routing = routed.routing.clone().unwrap();
    assert_eq!(routing.organisation_id, w.roads);
    assert_eq!(routing.basis, RouteBasis::Category);
    assert!(routed.deadline.unwrap() > routed.routed_at.unwrap() + Duration::days(8));
    assert_eq!(
        w.told("report_routed", &routed),
        ids(&[&w.head, &w.official])
    );
    let started = w
        .start(&w.official, &filed.id, Some(routed.version))
        .await
        .unwrap();
    assert_eq!(started.status, Status::InProgress);
    let answered = w
        .answer(&w.head, &filed.id, None, &answer_input())
        .await
        .unwrap();
    assert_eq!(answered.status, Status::Answered);
    assert_eq!(answered.answer.as_ref().unwrap().text, "Яму заделали");
    let closed = w
        .confirm(&w.author, &filed.id, None, &NoteInput::default())
        .await
        .unwrap();
    assert_eq!(closed.status, Status::Closed);
    let steps: Vec<(Action, Actor)> = closed.history.iter().map(|s| (s.action, s.role)).collect();
    assert_eq!(
        steps,
        vec![
            (Action::File, Actor::Author),
            (Action::Accept, Actor::Moderator),
            (Action::Start, Actor::Official),
            (Action::Answer, Actor::Official),
            (Action::Confirm, Actor::Author),
        ]
    );
    assert!(closed.history.iter().all(|s| s.by.is_some()));
    // The author heard of each of the four status changes; nothing is owed any more.
    let statuses = w.told("report_status", &closed);
    assert_eq!(statuses, vec![w.author.id.to_string(); 4]);
    assert!(w.stored(&filed.id).await.mail_due.is_empty());
    // Staff steps are in the audit log.
    let target = format!("report:{}", filed.id);
    let audit = w.platform.store.list_audit(None, 100).await.unwrap();
    let actions: Vec<&str> = audit
        .iter()
        .filter(|e| e.target == target)
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(actions, ["report.answer", "report.start", "report.accept"]);
}

async fn forbidden_transitions_change_nothing(backend: Backend) {
    let w = world(backend).await;
    let filed = w.filed().await;
    let refused = |r: Result<Report, ReportError>| match r {
        Err(e) => e,
        Ok(r) => panic!("allowed: {:?}", r.status),
    };
    // A resident may not moderate; an official may not see a submitted report.
    assert!(matches!(
        refused(w.decide(&w.resident, &filed.id, None, &accept()).await),
        ReportError::NotFound
    ));
    assert!(matches!(
        refused(w.start(&w.official, &filed.id, None).await),
        ReportError::NotFound
    ));
    // The author may see it, but not answer it nor confirm it yet.
    assert!(matches!(
        refused(w.answer(&w.author, &filed.id, None, &answer_input()).await),
        ReportError::Forbidden
    ));
    assert!(matches!(
        refused(
            w.confirm(&w.author, &filed.id, None, &NoteInput::default())
                .await
        ),
        ReportError::Conflict("invalid_transition")
    ));
    assert_eq!(w.stored(&filed.id).await, filed, "nothing changed");

    // As stored (the emails it owed are paid).
    let routed = w.stored(&w.routed().await.id).await;
    // Another organisation's official may not start or answer it.
    assert!(matches!(
        refused(w.start(&w.other, &routed.id, None).await),
        ReportError::Forbidden
    ));
    // A moderator may not answer; an official may not accept it again.
    assert!(matches!(
        refused(
            w.answer(&w.moderator, &routed.id, None, &answer_input())
                .await
        ),
        ReportError::Forbidden
    ));
    assert!(matches!(
        refused(w.decide(&w.official, &routed.id, None, &accept()).await),
        ReportError::Forbidden
    ));
    assert!(matches!(
        refused(w.decide(&w.moderator, &routed.id, None, &accept()).await),
        ReportError::Conflict("invalid_transition")
    ));
    // A resident who is not its author may not dispute it.
    assert!(matches!(
        refused(
            w.dispute(&w.resident, &routed.id, None, &NoteInput::default())
                .await
        ),
        ReportError::Forbidden
    ));
    // A stale version is a conflict.
    assert!(matches!(
        refused(w.start(&w.official, &routed.id, Some(1)).await),
        ReportError::Conflict("version_conflict")
    ));
    assert_eq!(w.stored(&routed.id).await, routed, "nothing changed");

    // A moderator does not moderate their own report.
    let own = service::file(
        &w.platform,
        &w.reports,
        &w.moderator,
        &report_input(&w.pothole, POINT),
    )
    .await
    .unwrap();
    assert!(matches!(
        refused(w.decide(&w.moderator, &own.id, None, &accept()).await),
        ReportError::Forbidden
    ));
}

async fn two_officials_acting_at_once_one_wins(backend: Backend) {
    let w = world(backend).await;
    let routed = w.routed().await;
    let version = Some(routed.version);
    let input = answer_input();
    let (a, b) = at_once(
        &w,
        w.start(&w.official, &routed.id, version),
        w.answer(&w.head, &routed.id, version, &input),
    )
    .await;
    let conflicts = [a.is_err(), b.is_err()].iter().filter(|e| **e).count();
    assert_eq!(conflicts, 1, "{a:?} {b:?}");
    let loser = a.err().or(b.err()).unwrap();
    assert!(
        matches!(loser, ReportError::Conflict("version_conflict")),
        "{loser:?}"
    );
    assert_eq!(w.stored(&routed.id).await.version, routed.version + 1);
}

async fn a_disputed_answer_reopens_and_its_head_hears(backend: Backend) {
    let w = world(backend).await;
    let answered = w.answered().await;
    let note = NoteInput {
        note: Some("Яма на месте".into()),
    };
    let reopened = w
        .dispute(&w.author, &answered.id, None, &note)
        .await
        .unwrap();
    assert_eq!(reopened.status, Status::Reopened);
    assert!(reopened.deadline.unwrap() >= answered.deadline.unwrap());
    assert_eq!(reopened.warned, 0, "a new deadline's warnings start again");
    assert_eq!(
        reopened.history.last().unwrap().note.as_deref(),
        Some("Яма на месте")
    );
    assert_eq!(w.told("report_disputed", &reopened), ids(&[&w.head]));
    // The organisation answers again; the author now waits too long to dispute.
    let again = w
        .answer(&w.official, &answered.id, None, &answer_input())
        .await
        .unwrap();
    let mut late = again.clone();
    late.answer.as_mut().unwrap().at = clock::now() - Duration::days(15) - Duration::minutes(1);
    late.version += 1;
    w.replace(&late, again.version).await;
    let closed = w.dispute(&w.author, &late.id, None, &note).await;
    assert!(
        matches!(closed, Err(ReportError::Conflict("dispute_closed"))),
        "{closed:?}"
    );
    // The server closes it itself, once, whichever server runs.
    let (a, b) = at_once(
        &w,
        service::close_expired(&w.platform, &w.reports, clock::now()),
        service::close_expired(&w.platform, &w.reports, clock::now()),
    )
    .await;
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let closed = w.stored(&late.id).await;
    assert_eq!(closed.status, Status::Closed);
    let last = closed.history.last().unwrap();
    assert_eq!(
        (last.action, last.role, last.by.as_ref()),
        (Action::AutoClose, Actor::System, None)
    );
}

async fn officials_and_moderators_reroute_with_a_reason(backend: Backend) {
    let w = world(backend).await;
    let routed = w.routed().await;
    let input = RerouteInput {
        organisation_id: w.other_roads.to_string(),
        note: "Это мост, не дорога".into(),
    };
    let rerouted = w
        .reroute(&w.official, &routed.id, None, &input)
        .await
        .unwrap();
    let routing = rerouted.routing.clone().unwrap();
    assert_eq!(routing.organisation_id, w.other_roads);
    assert_eq!(routing.basis, RouteBasis::Rerouted);
    assert_eq!(routing.note.as_deref(), Some("Это мост, не дорога"));
    assert_eq!(
        w.told("report_routed", &rerouted),
        ids(&[&w.head, &w.official, &w.other])
    );
    // The first organisation's officials no longer act on it; the new one's do.
    let refused = w.start(&w.official, &routed.id, None).await;
    assert!(
        matches!(refused, Err(ReportError::Forbidden)),
        "{refused:?}"
    );
    w.start(&w.other, &routed.id, None).await.unwrap();
    // Back by a moderator; the same organisation twice is refused.
    let back = RerouteInput {
        organisation_id: w.roads.to_string(),
        note: "Всё-таки дорога".into(),
    };
    w.reroute(&w.moderator, &routed.id, None, &back)
        .await
        .unwrap();
    let same = w.reroute(&w.moderator, &routed.id, None, &back).await;
    assert!(matches!(same, Err(ReportError::Invalid(_))), "{same:?}");
}

async fn a_rejection_says_why(backend: Backend) {
    let w = world(backend).await;
    let filed = w.filed().await;
    let input = DecisionInput {
        action: "reject".into(),
        reason: Some("duplicate".into()),
        note: Some("Уже есть такое сообщение".into()),
        organisation_id: None,
    };
    let rejected = w
        .decide(&w.moderator, &filed.id, None, &input)
        .await
        .unwrap();
    assert_eq!(rejected.status, Status::Rejected);
    assert_eq!(
        rejected.reject_reason.map(|r| r.as_str()),
        Some("duplicate")
    );
    assert!(rejected.routing.is_none());
    assert_eq!(w.told("report_status", &rejected), ids(&[&w.author]));
    // Nobody else sees a rejected report.
    let hidden = service::report(&w.reports, Some(&w.resident), &filed.id).await;
    assert!(matches!(hidden, Err(ReportError::NotFound)));
    assert!(service::report(&w.reports, None, &filed.id).await.is_err());
    service::report(&w.reports, Some(&w.author), &filed.id)
        .await
        .unwrap();
}

veche_core::contract_tests!(
    a_report_goes_from_filing_to_closed,
    forbidden_transitions_change_nothing,
    two_officials_acting_at_once_one_wins,
    a_disputed_answer_reopens_and_its_head_hears,
    officials_and_moderators_reroute_with_a_reason,
    a_rejection_says_why,
);
