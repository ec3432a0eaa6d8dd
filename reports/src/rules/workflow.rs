//! The workflow as a table: (status × who acts × action) → the next status, or why not.
//!
//! ```text
//! submitted ──accept (moderator)──▶ routed ──start (official)──▶ in_progress
//!     │                              │  ▲                            │
//!     └─reject (moderator)─▶ rejected│  └──reroute (official, moderator)
//!                                    └──────answer (official)──────▶ answered
//! answered ──confirm (author), auto_close (system, 15 days)──▶ closed
//! answered ──dispute (author, within 15 days)──▶ reopened ──start / answer / reroute──▶ …
//! ```
//!
//! Who acts is told apart by [`actors`]: an official acts for the organisation the report is
//! routed to, a moderator never moderates their own report. A wrong actor is refused before a
//! wrong state: someone who may never do it learns nothing of the report's state.

use veche_core::accounts::model::{Account, Role};
use veche_core::id::OrganisationId;

use crate::model::{Action, Actor, Report, Status};

/// Why a transition is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not this actor's to do (403).
    Forbidden,
    /// Not from this status (409).
    WrongState,
}

/// Who may take `action`.
pub fn may_act(actor: Actor, action: Action) -> bool {
    use Action::*;
    match action {
        File => actor == Actor::Author,
        Accept | Reject => actor == Actor::Moderator,
        Start | Answer => actor == Actor::Official,
        Reroute => matches!(actor, Actor::Official | Actor::Moderator),
        Confirm | Dispute => actor == Actor::Author,
        AutoClose => actor == Actor::System,
    }
}

/// Where `action` leads from `status`, if it may be taken there.
pub fn leads_to(status: Status, action: Action) -> Option<Status> {
    use Action::*;
    use Status::*;
    match (action, status) {
        (Accept, Submitted) => Some(Routed),
        (Reject, Submitted) => Some(Rejected),
        (Start, Routed | Reopened) => Some(InProgress),
        (Answer, Routed | InProgress | Reopened) => Some(Answered),
        (Reroute, Routed | InProgress | Reopened) => Some(Routed),
        (Confirm | AutoClose, Answered) => Some(Closed),
        (Dispute, Answered) => Some(Reopened),
        _ => None,
    }
}

/// The next status when one of `actors` takes `action` on a report in `status`; the actor
/// is checked first.
pub fn next(status: Status, actors: &[Actor], action: Action) -> Result<(Status, Actor), Refusal> {
    let actor = actors
        .iter()
        .copied()
        .find(|a| may_act(*a, action))
        .ok_or(Refusal::Forbidden)?;
    let to = leads_to(status, action).ok_or(Refusal::WrongState)?;
    Ok((to, actor))
}

/// What `account` is to `report`: its author, a moderator (not of their own report), an
/// official of the organisation it is with (`organisation`: the account's, from the
/// membership) or of another, a resident.
pub fn actors(
    account: &Account,
    report: &Report,
    organisation: Option<&OrganisationId>,
) -> Vec<Actor> {
    let mut out = Vec::new();
    let author = account.id == report.author_id;
    if author {
        out.push(Actor::Author);
    }
    let moderator = account.has_role(Role::Moderator) || account.has_role(Role::Admin);
    if moderator && !author {
        out.push(Actor::Moderator);
    }
    if account.has_role(Role::Official) {
        match (organisation, report.organisation_id()) {
            (Some(mine), Some(its)) if mine == its => out.push(Actor::Official),
            _ => out.push(Actor::OtherOfficial),
        }
    }
    if !author {
        out.push(Actor::Resident);
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const ACTORS: [Actor; 6] = Actor::ALL;

    #[test]
    fn the_happy_path() {
        let steps = [
            (
                Status::Submitted,
                Actor::Moderator,
                Action::Accept,
                Status::Routed,
            ),
            (
                Status::Routed,
                Actor::Official,
                Action::Start,
                Status::InProgress,
            ),
            (
                Status::InProgress,
                Actor::Official,
                Action::Answer,
                Status::Answered,
            ),
            (
                Status::Answered,
                Actor::Author,
                Action::Dispute,
                Status::Reopened,
            ),
            (
                Status::Reopened,
                Actor::Official,
                Action::Reroute,
                Status::Routed,
            ),
            (
                Status::Routed,
                Actor::Official,
                Action::Answer,
                Status::Answered,
            ),
            (
                Status::Answered,
                Actor::System,
                Action::AutoClose,
                Status::Closed,
            ),
        ];
        for (from, actor, action, to) in steps {
            assert_eq!(
                next(from, &[actor], action),
                Ok((to, actor)),
                "{from:?} {action:?}"
            );
        }
        assert_eq!(
            next(Status::Submitted, &[Actor::Moderator], Action::Reject),
            Ok((Status::Rejected, Actor::Moderator))
        );
        assert_eq!(
            next(Status::Answered, &[Actor::Author], Action::Confirm),
            Ok((Status::Closed, Actor::Author))
        );
    }

    #[test]
    fn wrong_actors_are_refused_before_wrong_states() {
        // A resident may not accept, whatever the state.
        assert_eq!(
            next(Status::Closed, &[Actor::Resident], Action::Accept),
            Err(Refusal::Forbidden)
        );
        // Another organisation's official may not answer.
        assert_eq!(
            next(Status::Routed, &[Actor::OtherOfficial], Action::Answer),
            Err(Refusal::Forbidden)
        );
        // The right official, the wrong state.
        assert_eq!(
            next(Status::Answered, &[Actor::Official], Action::Answer),
            Err(Refusal::WrongState)
        );
        // Only the author confirms.
        assert_eq!(
            next(
                Status::Answered,
                &[Actor::Moderator, Actor::Official],
                Action::Confirm
            ),
            Err(Refusal::Forbidden)
        );
    }

    proptest! {
        /// Nothing leaves a final state; only the server auto-closes; filing is no transition;
        /// whatever succeeds was the actor's to do from that state.
        #[test]
        fn the_table_holds(s in 0..7usize, a in 0..6usize, x in 0..9usize) {
            let (status, actor, action) = (Status::ALL[s], ACTORS[a], Action::ALL[x]);
            match next(status, &[actor], action) {
                Ok((to, by)) => {
                    prop_assert!(!matches!(status, Status::Rejected | Status::Closed));
                    prop_assert!(action != Action::File);
                    prop_assert_eq!(by, actor);
                    prop_assert!(may_act(actor, action));
                    prop_assert_eq!(leads_to(status, action), Some(to));
                    if action == Action::AutoClose {
                        prop_assert_eq!(actor, Actor::System);
                    }
                    if actor == Actor::Resident || actor == Actor::OtherOfficial {
                        prop_assert!(false, "{:?} may do nothing", actor);
                    }
                }
                Err(Refusal::Forbidden) => prop_assert!(!may_act(actor, action)),
                Err(Refusal::WrongState) => {
                    prop_assert!(may_act(actor, action));
                    prop_assert!(leads_to(status, action).is_none());
                }
            }
        }
    }
}
