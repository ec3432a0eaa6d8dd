//! Reports moved through the workflow by hand, without the service (cargo feature `testing`):
//! what the store's contract tests and the workspace's dashboard tests build their data from.

use time::OffsetDateTime;
use veche_core::id::{AccountId, OrganisationId};

use crate::model::{Action, Actor, Answer, OrgKind, Report, RouteBasis, Routing, Status};
use crate::rules;

/// How `report` goes by its category to the roads agency `organisation_id`.
pub fn roads_routing(report: &Report, organisation_id: OrganisationId) -> Routing {
    Routing {
        organisation_id,
        basis: RouteBasis::Category,
        kind: OrgKind::Roads,
        district_id: report.district_id.clone(),
        note: None,
    }
}

/// `report` after an official's `action` at `at`, leading to `status`.
pub fn acted(report: &Report, action: Action, at: OffsetDateTime, status: Status) -> Report {
    let act = rules::Act {
        action,
        role: Actor::Official,
        by: None,
        note: None,
        at,
    };
    rules::stepped(report, act, status, &[])
}

/// `report` answered at `at` by an official, leading to `status`.
pub fn answered(report: &Report, at: OffsetDateTime, status: Status) -> Report {
    let mut r = report.clone();
    r.answer = Some(Answer {
        text: "Сделано".into(),
        photos: vec![],
        by: AccountId::generate(),
        at,
    });
    acted(&r, Action::Answer, at, status)
}
