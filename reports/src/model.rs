//! Categories, organisations and their officials, the working-day calendar, and reports with
//! their history.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use veche_core::id::{AccountId, DistrictId, OrganisationId};
use veche_core::string_id;

/// Instants are stored as integer milliseconds (MongoDB's adapter turns them into dates).
use time::serde::timestamp::milliseconds_i64 as millis;

string_id!(
    /// A category of problems (a node of the tree: Yards, or its leaf Litter).
    CategoryId
);
string_id!(
    /// A problem report.
    ReportId
);

veche_core::string_enum! {
    /// What kind of organisation answers a category's reports; routing picks the
    /// organisation of this kind serving the report's district.
    #[derive(PartialOrd, Ord)]
    pub enum OrgKind {
        /// A district council (управа района).
        DistrictCouncil = "district_council",
        /// A housing service (ГБУ «Жилищник»).
        Housing = "housing",
        /// A roads agency (ГБУ «Автомобильные дороги»).
        Roads = "roads",
        /// Parks and green spaces.
        Parks = "parks",
        /// Water, heating, power.
        Utilities = "utilities",
    }
}

/// A node of the category tree. Reports are filed in leaves (categories no active category
/// names as its parent); a leaf's settings say how its reports are handled, a parent's are
/// unused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Category {
    #[serde(rename = "_id")]
    pub id: CategoryId,
    pub parent: Option<CategoryId>,
    pub name_ru: String,
    pub name_en: String,
    /// Working days the organisation has to answer (8 by default).
    pub deadline_days: u32,
    /// Whether a report must carry at least one photo.
    pub photo_required: bool,
    /// How far (metres) open reports of the category count as the same problem.
    pub duplicate_radius_m: u32,
    /// Who answers: routing picks the organisation of this kind serving the district.
    pub organisation_kind: OrgKind,
    /// A retired category takes no new reports (its reports keep it).
    pub active: bool,
    /// Raised by every change; a change names the version it was made on.
    pub version: u64,
}

/// What reports add to one of core's organisations (its name and officials are core's: an
/// official's `organisation_id`): the kind of organisation it is, the districts it serves,
/// and its head, who hears of disputed answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    #[serde(rename = "_id")]
    pub id: OrganisationId,
    pub kind: OrgKind,
    pub districts: BTreeSet<DistrictId>,
    /// One of its officials; without one, a dispute goes to all of them.
    pub head: Option<AccountId>,
    pub version: u64,
}

veche_core::string_enum! {
    /// What an admin says of a date, over the seeded production calendar.
    pub enum DayKind {
        /// A day off (a public holiday, or a weekday made a day off by a transfer).
        Holiday = "holiday",
        /// A working day (a Saturday or Sunday made working by a transfer).
        Working = "working",
        /// As the week says: Monday to Friday working (undoes a seeded entry).
        Ordinary = "ordinary",
    }
}

/// An admin's entry of the calendar: what a date is, over the seeded calendar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDay {
    /// `YYYY-MM-DD` (Moscow date).
    #[serde(rename = "_id")]
    pub date: String,
    pub kind: DayKind,
}

veche_core::string_enum! {
    /// Where a report is in its life.
    #[derive(PartialOrd, Ord)]
    pub enum Status {
        /// Filed; waits for a moderator.
        Submitted = "submitted",
        /// Refused by a moderator (with a reason).
        Rejected = "rejected",
        /// Accepted and sent to an organisation; the deadline runs.
        Routed = "routed",
        /// The organisation is working on it.
        InProgress = "in_progress",
        /// The organisation answered; its author confirms or disputes it within 15 days.
        Answered = "answered",
        /// Confirmed by its author, or closed itself 15 days after the answer.
        Closed = "closed",
        /// Its author disputed the answer; the organisation has a new deadline.
        Reopened = "reopened",
    }
}

impl Status {
    /// Shown to everyone (moderated and accepted).
    pub fn public(self) -> bool {
        !matches!(self, Status::Submitted | Status::Rejected)
    }

    /// Public and not closed: what nearby duplicates are looked for among.
    pub fn open(self) -> bool {
        matches!(
            self,
            Status::Routed | Status::InProgress | Status::Answered | Status::Reopened
        )
    }

    /// The organisation owes an answer (the deadline runs).
    pub fn awaits_answer(self) -> bool {
        matches!(self, Status::Routed | Status::InProgress | Status::Reopened)
    }
}

veche_core::string_enum! {
    /// What was done to a report (a step of its history, a transition of the workflow).
    pub enum Action {
        File = "file",
        Accept = "accept",
        Reject = "reject",
        Start = "start",
        Answer = "answer",
        Reroute = "reroute",
        Confirm = "confirm",
        Dispute = "dispute",
        AutoClose = "auto_close",
    }
}

veche_core::string_enum! {
    /// Who acts on a report, as the workflow tells them apart.
    pub enum Actor {
        /// The resident who filed it.
        Author = "author",
        /// Any other signed-in resident.
        Resident = "resident",
        /// A moderator (or an admin).
        Moderator = "moderator",
        /// An official of the organisation it is routed to.
        Official = "official",
        /// An official of another organisation (or of none).
        OtherOfficial = "other_official",
        /// The server itself (the 15-day close).
        System = "system",
    }
}

veche_core::string_enum! {
    /// Why a moderator refused a report (its author is told).
    pub enum RejectReason {
        /// Not something the city answers (private property, federal matters).
        NotCityMatter = "not_city_matter",
        /// The same problem is reported already (join that one).
        Duplicate = "duplicate",
        /// Insults, threats, personal data of others.
        Abusive = "abusive",
        /// Cannot be understood as a problem at a place.
        Unclear = "unclear",
        /// Advertising or campaigning.
        Advertising = "advertising",
    }
}

veche_core::string_enum! {
    /// Why a report went to its organisation.
    pub enum RouteBasis {
        /// The category's kind of organisation serving the report's district.
        Category = "category",
        /// A moderator chose it.
        Moderator = "moderator",
        /// An official re-routed it (with a note).
        Rerouted = "rerouted",
    }
}

/// Why a report is with its organisation: shown to everyone ("sent to X because …").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Routing {
    pub organisation_id: OrganisationId,
    pub basis: RouteBasis,
    /// The organisation kind and district that matched (basis `category`).
    pub kind: OrgKind,
    pub district_id: DistrictId,
    /// The moderator's or official's words (bases `moderator`, `rerouted`).
    pub note: Option<String>,
}

/// A report's place: a point, and the address its author wrote, if any.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub lat: f64,
    pub lon: f64,
    pub address: Option<String>,
}

/// The organisation's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub text: String,
    /// Upload hashes.
    pub photos: Vec<String>,
    pub by: AccountId,
    #[serde(with = "millis")]
    pub at: OffsetDateTime,
}

/// One step of a report's history: what was done, by whom, when, and what it led to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    #[serde(with = "millis")]
    pub at: OffsetDateTime,
    pub action: Action,
    pub role: Actor,
    /// The account that acted (`None` for the server); never shown publicly for the author.
    pub by: Option<AccountId>,
    /// The status it led to.
    pub status: Status,
    /// The organisation the report was with after the step.
    pub organisation_id: Option<OrganisationId>,
    /// A reason or note that came with it.
    pub note: Option<String>,
}

veche_core::string_enum! {
    /// Which email a report owes.
    pub enum Mail {
        /// Its author and joiners hear of a status change (the answer included).
        Status = "status",
        /// The organisation's officials hear of a report routed to them.
        Routed = "routed",
        /// The organisation's officials: 80 % of the time to the deadline has passed.
        Warning = "warning",
        /// The organisation's officials: the deadline has come.
        Overdue = "overdue",
        /// The organisation's head: its answer was disputed.
        Disputed = "disputed",
    }
}

/// An email owed by the change that made `version` (see [`Report::mail_due`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailDue {
    pub mail: Mail,
    pub version: u64,
    /// The organisation it concerns (whose officials or head are told).
    pub organisation_id: Option<OrganisationId>,
    #[serde(with = "millis")]
    pub since: OffsetDateTime,
}

/// How many of a deadline's warnings were claimed (see [`Report::next_check`]).
pub const WARNED_NONE: u8 = 0;
pub const WARNED_EARLY: u8 = 1;
pub const WARNED_DUE: u8 = 2;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    #[serde(rename = "_id")]
    pub id: ReportId,
    pub category_id: CategoryId,
    pub place: Place,
    /// Where the point lies (the district boundaries).
    pub district_id: DistrictId,
    pub description: String,
    /// Upload hashes, 0 to 5.
    pub photos: Vec<String>,
    /// Never shown publicly.
    pub author_id: AccountId,
    pub status: Status,
    pub reject_reason: Option<RejectReason>,
    /// Where it was sent and why.
    pub routing: Option<Routing>,
    #[serde(default, with = "millis::option")]
    pub routed_at: Option<OffsetDateTime>,
    /// When the organisation's answer is due (set on routing and on reopening).
    #[serde(default, with = "millis::option")]
    pub deadline: Option<OffsetDateTime>,
    /// When 80 % of the time to the deadline has passed (the officials' warning).
    #[serde(default, with = "millis::option")]
    pub warn_at: Option<OffsetDateTime>,
    /// The deadline warnings claimed so far (`WARNED_*`), reset by every new deadline.
    pub warned: u8,
    pub answer: Option<Answer>,
    /// Residents who joined it ("me too"); kept by the store, once per resident.
    pub joiners: u64,
    pub history: Vec<Step>,
    /// Emails changes owe, until queued: written with the change, so that a crash between the
    /// change and the queueing loses none (a sweep sends what is owed).
    #[serde(default)]
    pub mail_due: Vec<MailDue>,
    #[serde(with = "millis")]
    pub created_at: OffsetDateTime,
    #[serde(with = "millis")]
    pub updated_at: OffsetDateTime,
    /// Raised by every change; a change names the version it was made on.
    pub version: u64,
}

impl Report {
    pub fn organisation_id(&self) -> Option<&OrganisationId> {
        self.routing.as_ref().map(|r| &r.organisation_id)
    }

    /// The latest step of its history that was `action`.
    pub fn last_step(&self, action: Action) -> Option<&Step> {
        self.history.iter().rev().find(|s| s.action == action)
    }

    /// The deadline while the organisation owes an answer (what the overdue lists sort on).
    pub fn due(&self) -> Option<OffsetDateTime> {
        self.deadline.filter(|_| self.status.awaits_answer())
    }

    /// Past its deadline with no answer.
    pub fn overdue(&self, now: OffsetDateTime) -> bool {
        self.due().is_some_and(|d| d <= now)
    }

    /// When the next deadline warning is due: the 80 % instant, then the deadline, then none.
    pub fn next_check(&self) -> Option<OffsetDateTime> {
        if !self.status.awaits_answer() {
            return None;
        }
        match self.warned {
            WARNED_NONE => self.warn_at,
            WARNED_EARLY => self.deadline,
            _ => None,
        }
    }

    /// When an answered report closes itself, if its author says nothing.
    pub fn closes_at(&self) -> Option<OffsetDateTime> {
        match (&self.answer, self.status) {
            (Some(answer), Status::Answered) => Some(answer.at + crate::rules::DISPUTE_WINDOW),
            _ => None,
        }
    }

    /// The oldest owed email's moment (what the sweep finds reports by).
    pub fn mail_since(&self) -> Option<OffsetDateTime> {
        self.mail_due.iter().map(|m| m.since).min()
    }
}
