use time::macros::datetime;
use veche_core::id::{AccountId, DistrictId, OrganisationId};

use super::*;
use crate::model::{Category, CategoryId, OrgKind, RouteBasis, WARNED_DUE, WARNED_EARLY};

fn litter(photo_required: bool) -> Category {
    Category {
        id: CategoryId::from_trusted("litter".into()),
        parent: Some(CategoryId::from_trusted("yards".into())),
        name_ru: "Мусор".into(),
        name_en: "Litter".into(),
        deadline_days: 8,
        photo_required,
        duplicate_radius_m: 100,
        organisation_kind: OrgKind::Housing,
        active: true,
        version: 1,
    }
}

fn input(description: &str, photos: Vec<String>) -> ReportInput {
    ReportInput {
        category_id: "litter".into(),
        lat: 55.75,
        lon: 37.62,
        address: Some("  Тверская, 1 ".into()),
        description: description.into(),
        photos,
    }
}

fn district() -> DistrictId {
    DistrictId::from_trusted("45383000".into())
}

#[test]
fn a_report_holds_a_point_a_description_and_up_to_five_photos() {
    let hash = "a".repeat(64);
    let fields = report_fields(
        &input("Мусор во дворе", vec![hash.clone()]),
        &litter(true),
        district(),
    )
    .unwrap();
    assert_eq!(fields.place.address.as_deref(), Some("Тверская, 1"));
    assert_eq!(fields.photos, vec![hash.clone()]);
    let refused = |i: &ReportInput, c: &Category| report_fields(i, c, district()).unwrap_err();
    assert_eq!(
        refused(&input("Мусор во дворе", vec![]), &litter(true)),
        Invalid::new("photos", "required")
    );
    assert_eq!(
        refused(&input(&"x".repeat(2001), vec![]), &litter(false)).code,
        "too_long"
    );
    assert_eq!(
        refused(
            &input("Мусор во дворе", vec![hash.clone(); 6]),
            &litter(false)
        ),
        Invalid::new("photos", "too_many")
    );
    assert_eq!(
        refused(
            &input("Мусор во дворе", vec!["../etc".into()]),
            &litter(false)
        ),
        Invalid::new("photos", "invalid_photo")
    );
    let far = ReportInput {
        lat: 95.0,
        ..input("Мусор во дворе", vec![])
    };
    assert_eq!(
        refused(&far, &litter(false)),
        Invalid::new("lat", "invalid_point")
    );
}

#[test]
fn decisions_read_their_action_and_reason() {
    let accept = DecisionInput {
        action: "accept".into(),
        reason: None,
        note: None,
        organisation_id: None,
    };
    assert_eq!(
        decision(&accept).unwrap(),
        Decision::Accept {
            organisation: None,
            note: None
        }
    );
    // Routed by hand without a note; rejected without a reason; an action there is not.
    let refusals = [
        (
            DecisionInput {
                organisation_id: Some("roads".into()),
                ..accept.clone()
            },
            Invalid::new("note", "required"),
        ),
        (
            DecisionInput {
                action: "reject".into(),
                ..accept.clone()
            },
            Invalid::new("reason", "unknown_reason"),
        ),
        (
            DecisionInput {
                action: "merge".into(),
                ..accept
            },
            Invalid::new("action", "unknown_action"),
        ),
    ];
    for (input, refusal) in refusals {
        assert_eq!(decision(&input).unwrap_err(), refusal);
    }
}

fn routed_report() -> Report {
    let author = AccountId::from_trusted("author".into());
    let fields =
        report_fields(&input("Мусор во дворе", vec![]), &litter(false), district()).unwrap();
    let mut report = new_report(fields, &author, datetime!(2026-10-16 09:00 UTC));
    let routing = routing::chosen(
        &crate::model::Profile {
            id: OrganisationId::from_trusted("housing".into()),
            kind: OrgKind::Housing,
            districts: Default::default(),
            head: None,
            version: 1,
        },
        RouteBasis::Moderator,
        &district(),
        None,
    );
    let at = datetime!(2026-10-16 12:00 UTC);
    routed(&mut report, routing, at, datetime!(2026-10-21 12:00 UTC));
    let act = Act {
        action: Action::Accept,
        role: Actor::Moderator,
        by: None,
        note: None,
        at,
    };
    stepped(&report, act, Status::Routed, &[Mail::Routed])
}

#[test]
fn a_step_is_in_the_history_and_owes_its_emails() {
    let report = routed_report();
    assert_eq!(report.version, 2);
    assert_eq!(report.history.len(), 2);
    let last = report.history.last().unwrap();
    assert_eq!((last.action, last.status), (Action::Accept, Status::Routed));
    assert_eq!(last.organisation_id.as_ref().unwrap().as_str(), "housing");
    let mails: Vec<Mail> = report.mail_due.iter().map(|m| m.mail).collect();
    assert_eq!(mails, vec![Mail::Status, Mail::Routed]);
    assert!(report.mail_due.iter().all(|m| m.version == 2));
    assert_eq!(report.warn_at, Some(datetime!(2026-10-20 12:00 UTC)));
}

#[test]
fn each_warning_is_claimed_once_in_order() {
    let report = routed_report();
    assert!(claim_warning(&report, datetime!(2026-10-20 11:59 UTC)).is_none());
    let early = claim_warning(&report, datetime!(2026-10-20 12:00 UTC)).unwrap();
    assert_eq!(early.warned, WARNED_EARLY);
    assert_eq!(early.mail_due.last().unwrap().mail, Mail::Warning);
    assert_eq!(early.next_check(), report.deadline);
    assert!(claim_warning(&early, datetime!(2026-10-21 11:00 UTC)).is_none());
    let due = claim_warning(&early, datetime!(2026-10-21 12:00 UTC)).unwrap();
    assert_eq!(due.warned, WARNED_DUE);
    assert_eq!(due.mail_due.last().unwrap().mail, Mail::Overdue);
    assert!(due.next_check().is_none());
    assert!(claim_warning(&due, datetime!(2026-12-01 00:00 UTC)).is_none());
    // A server back after the deadline sends only the deadline's warning.
    let late = claim_warning(&report, datetime!(2026-10-25 00:00 UTC)).unwrap();
    assert_eq!(late.warned, WARNED_DUE);
    assert_eq!(late.mail_due.last().unwrap().mail, Mail::Overdue);
}

#[test]
fn an_answer_may_be_disputed_for_fifteen_days() {
    let mut report = routed_report();
    let at = datetime!(2026-10-20 12:00 UTC);
    report.answer = Some(crate::model::Answer {
        text: "Убрали".into(),
        photos: vec![],
        by: AccountId::from_trusted("official".into()),
        at,
    });
    report.status = Status::Answered;
    assert!(may_dispute(
        &report,
        at + Duration::days(15) - Duration::SECOND
    ));
    assert!(!may_dispute(&report, at + Duration::days(15)));
    assert_eq!(report.closes_at(), Some(at + Duration::days(15)));
    assert!(
        !report.overdue(datetime!(2026-12-01 00:00 UTC)),
        "an answered report is not overdue"
    );
}
