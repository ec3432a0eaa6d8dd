//! What the API (and later the pages) shows of reports, categories, organisations and the
//! calendar. A report's author is never in a view: not its id, not its name, not as the one
//! who filed, confirmed or disputed (`mine` tells the viewer it is theirs).

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use veche_core::id::AccountId;
use veche_core::web::i18n::{Catalog, Lang};

use veche_core::accounts::model::Organisation;

use crate::model::{Actor, Answer, CalendarDay, Category, Profile, Report, Routing, Step};
use crate::rules::routing::reason_key;
use crate::service::Nearby;

#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerView {
    pub text: String,
    /// Upload hashes (`/media/{hash}`).
    pub photos: Vec<String>,
    /// The official who answered.
    #[schema(value_type = String)]
    pub by: AccountId,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepView {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// `file`, `accept`, `reject`, `start`, `answer`, `reroute`, `confirm`, `dispute`,
    /// `auto_close`.
    pub action: String,
    /// `author`, `moderator`, `official`, `system`.
    pub role: String,
    /// The moderator or official who acted (never the author).
    #[schema(value_type = Option<String>)]
    pub by: Option<AccountId>,
    pub status: String,
    pub organisation_id: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoutingView {
    pub organisation_id: String,
    pub organisation_name: Option<String>,
    /// `category`, `moderator` or `rerouted`.
    pub basis: String,
    pub note: Option<String>,
    /// Why it went there, in the request's language ("sent to X because …").
    pub reason: String,
}

/// A report as anyone who may see it sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    pub id: String,
    pub category_id: String,
    pub lat: f64,
    pub lon: f64,
    pub address: Option<String>,
    pub district_id: String,
    pub description: String,
    /// Upload hashes (`/media/{hash}`).
    pub photos: Vec<String>,
    /// `submitted`, `rejected`, `routed`, `in_progress`, `answered`, `closed`, `reopened`.
    pub status: String,
    pub reject_reason: Option<String>,
    pub routing: Option<RoutingView>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub deadline: Option<OffsetDateTime>,
    /// Past its deadline with no answer.
    pub overdue: bool,
    pub answer: Option<AnswerView>,
    /// Until when the author may dispute the answer (after it the report closes itself).
    #[serde(with = "time::serde::rfc3339::option")]
    pub dispute_until: Option<OffsetDateTime>,
    /// Residents who joined it ("me too").
    pub joiners: u64,
    pub history: Vec<StepView>,
    /// The viewer filed it.
    pub mine: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// What a change names in `If-Match`.
    pub version: u64,
}

/// What a view needs beside the report: who looks, when, in which language, and the names.
pub struct Viewing<'a> {
    pub viewer: Option<&'a AccountId>,
    pub now: OffsetDateTime,
    pub lang: Lang,
    pub catalog: &'a Catalog,
    /// Core's organisations (their names).
    pub organisations: &'a [Organisation],
    pub directory: &'a veche_core::districts::Directory,
}

impl Viewing<'_> {
    fn routing(&self, routing: &Routing) -> RoutingView {
        let organisation = self
            .organisations
            .iter()
            .find(|o| o.id == routing.organisation_id);
        let name = organisation.map(|o| o.name.clone());
        let district = self
            .directory
            .district(routing.district_id.as_str())
            .map_or_else(
                || routing.district_id.to_string(),
                |d| d.name(self.lang).to_string(),
            );
        let kind = self.catalog.t(
            self.lang,
            &format!("reports-kind-{}", routing.kind.as_str()),
        );
        let args = [
            ("organisation", name.clone().unwrap_or_default().into()),
            ("kind", kind.into()),
            ("district", district.into()),
            ("note", routing.note.clone().unwrap_or_default().into()),
        ];
        RoutingView {
            organisation_id: routing.organisation_id.to_string(),
            organisation_name: name,
            basis: routing.basis.as_str().to_string(),
            note: routing.note.clone(),
            reason: self.catalog.t_args(self.lang, reason_key(routing), &args),
        }
    }

    pub fn report(&self, report: &Report) -> ReportView {
        ReportView {
            id: report.id.to_string(),
            category_id: report.category_id.to_string(),
            lat: report.place.lat,
            lon: report.place.lon,
            address: report.place.address.clone(),
            district_id: report.district_id.to_string(),
            description: report.description.clone(),
            photos: report.photos.clone(),
            status: report.status.as_str().to_string(),
            reject_reason: report.reject_reason.map(|r| r.as_str().to_string()),
            routing: report.routing.as_ref().map(|r| self.routing(r)),
            deadline: report.deadline,
            overdue: report.overdue(self.now),
            answer: report.answer.as_ref().map(answer_view),
            dispute_until: report.closes_at(),
            joiners: report.joiners,
            history: report.history.iter().map(step_view).collect(),
            mine: self.viewer == Some(&report.author_id),
            created_at: report.created_at,
            updated_at: report.updated_at,
            version: report.version,
        }
    }

    pub fn nearby(&self, near: &Nearby) -> NearbyView {
        NearbyView {
            distance_m: near.distance_m.round() as u32,
            report: self.report(&near.report),
        }
    }
}

fn answer_view(answer: &Answer) -> AnswerView {
    AnswerView {
        text: answer.text.clone(),
        photos: answer.photos.clone(),
        by: answer.by.clone(),
        at: answer.at,
    }
}

fn step_view(step: &Step) -> StepView {
    let staff = matches!(step.role, Actor::Moderator | Actor::Official);
    StepView {
        at: step.at,
        action: step.action.as_str().to_string(),
        role: step.role.as_str().to_string(),
        by: step.by.clone().filter(|_| staff),
        status: step.status.as_str().to_string(),
        organisation_id: step.organisation_id.as_ref().map(|o| o.to_string()),
        note: step.note.clone(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportList {
    pub items: Vec<ReportView>,
    pub next_cursor: Option<String>,
}

/// An open report near a point.
#[derive(Debug, Serialize, ToSchema)]
pub struct NearbyView {
    pub distance_m: u32,
    pub report: ReportView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NearbyList {
    pub items: Vec<NearbyView>,
}

/// What joining answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct JoinView {
    pub joiners: u64,
    /// This call made the caller a joiner (false: they were one already).
    pub first: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryView {
    pub id: String,
    pub parent: Option<String>,
    pub name_ru: String,
    pub name_en: String,
    pub deadline_days: u32,
    pub photo_required: bool,
    pub duplicate_radius_m: u32,
    pub organisation_kind: String,
    pub active: bool,
    pub version: u64,
}

impl From<&Category> for CategoryView {
    fn from(c: &Category) -> Self {
        CategoryView {
            id: c.id.to_string(),
            parent: c.parent.as_ref().map(|p| p.to_string()),
            name_ru: c.name_ru.clone(),
            name_en: c.name_en.clone(),
            deadline_days: c.deadline_days,
            photo_required: c.photo_required,
            duplicate_radius_m: c.duplicate_radius_m,
            organisation_kind: c.organisation_kind.as_str().to_string(),
            active: c.active,
            version: c.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryList {
    pub items: Vec<CategoryView>,
}

/// What reports add to one of core's organisations, with its name.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileView {
    pub id: String,
    /// Core's name of the organisation.
    pub name: Option<String>,
    /// `district_council`, `housing`, `roads`, `parks`, `utilities`.
    pub kind: String,
    pub districts: Vec<String>,
    pub head: Option<String>,
    pub version: u64,
}

impl ProfileView {
    pub fn new(profile: &Profile, organisations: &[Organisation]) -> ProfileView {
        ProfileView {
            id: profile.id.to_string(),
            name: organisations
                .iter()
                .find(|o| o.id == profile.id)
                .map(|o| o.name.clone()),
            kind: profile.kind.as_str().to_string(),
            districts: profile.districts.iter().map(|d| d.to_string()).collect(),
            head: profile.head.as_ref().map(|h| h.to_string()),
            version: profile.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileList {
    pub items: Vec<ProfileView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DayView {
    /// `YYYY-MM-DD`, a Moscow date.
    pub date: String,
    /// `holiday`, `working` or `ordinary`.
    pub kind: String,
}

impl From<&CalendarDay> for DayView {
    fn from(d: &CalendarDay) -> Self {
        DayView {
            date: d.date.clone(),
            kind: d.kind.as_str().to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DayList {
    pub items: Vec<DayView>,
}
