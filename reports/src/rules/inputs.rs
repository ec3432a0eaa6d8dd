//! What residents, moderators, officials and admins send, and what a valid input sets.

use std::collections::BTreeSet;

use serde::Deserialize;
use veche_core::districts::Directory;
use veche_core::id::{AccountId, DistrictId, OrganisationId};
use veche_core::web::input::clean_text;
use veche_core::web::problem::Invalid;

use super::{geo, Refused};
use crate::model::{Category, CategoryId, DayKind, OrgKind, Place, Profile, RejectReason};

pub const DESCRIPTION_MIN: usize = 10;
pub const DESCRIPTION_MAX: usize = 2_000;
pub const ADDRESS_MAX: usize = 300;
pub const PHOTOS_MAX: usize = 5;
pub const NOTE_MAX: usize = 2_000;
pub const ANSWER_MAX: usize = 4_000;
pub const NAME_MAX: usize = 200;
/// The default time to answer, in working days.
pub const DEADLINE_DAYS_DEFAULT: u32 = 8;
/// The default radius of a category's duplicates, in metres.
pub const RADIUS_DEFAULT_M: u32 = 100;
/// The most districts one organisation serves (Moscow has 146).
pub const DISTRICTS_MAX: usize = 500;

// ---- Reports ----

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// A leaf category.
    pub category_id: String,
    pub lat: f64,
    pub lon: f64,
    #[serde(default)]
    pub address: Option<String>,
    /// Up to 2,000 characters.
    pub description: String,
    /// Up to 5 upload hashes (`POST /api/v1/uploads`).
    #[serde(default)]
    pub photos: Vec<String>,
}

/// What a valid report input sets.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportFields {
    pub category_id: CategoryId,
    pub place: Place,
    pub district_id: DistrictId,
    pub description: String,
    pub photos: Vec<String>,
}

impl ReportFields {
    /// The fields of a report made without a form (demo data, the benchmark's seed, tests):
    /// `category_id` at `(lat, lon)` in `district_id`, no address, no photos.
    pub fn unaddressed(
        category_id: CategoryId,
        (lat, lon): (f64, f64),
        district_id: DistrictId,
        description: String,
    ) -> ReportFields {
        ReportFields {
            category_id,
            place: Place {
                lat,
                lon,
                address: None,
            },
            district_id,
            description,
            photos: Vec::new(),
        }
    }
}

/// A point as sent (`lat`, `lon`): on Earth, else `invalid_point`.
pub fn point(lat: f64, lon: f64) -> Result<(f64, f64), Refused> {
    if geo::valid_point(lat, lon) {
        Ok((lat, lon))
    } else {
        Err(Invalid::new("lat", "invalid_point"))
    }
}

/// Upload hashes as sent: at most `max`, each a hash, none twice.
pub fn photo_refs(raw: &[String], max: usize) -> Result<Vec<String>, Refused> {
    if raw.len() > max {
        return Err(Invalid::new("photos", "too_many"));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(raw.len());
    for hash in raw {
        let hash = hash.trim();
        if !veche_core::web::uploads::is_hash(hash) {
            return Err(Invalid::new("photos", "invalid_photo"));
        }
        if seen.insert(hash.to_string()) {
            out.push(hash.to_string());
        }
    }
    Ok(out)
}

/// Checks a report in `category` (an active leaf, the service's to find) at a point lying in
/// `district` (the boundaries', the service's to locate): a description of 10 to 2,000
/// characters, an address of at most 300, 0 to 5 photos (at least one where the category
/// asks for it).
pub fn report_fields(
    input: &ReportInput,
    category: &Category,
    district: DistrictId,
) -> Result<ReportFields, Refused> {
    let (lat, lon) = point(input.lat, input.lon)?;
    let address = match input.address.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(a) => Some(clean_text(a, "address", 1, ADDRESS_MAX, false)?),
    };
    let description = clean_text(
        &input.description,
        "description",
        DESCRIPTION_MIN,
        DESCRIPTION_MAX,
        true,
    )?;
    let photos = photo_refs(&input.photos, PHOTOS_MAX)?;
    if category.photo_required && photos.is_empty() {
        return Err(Invalid::new("photos", "required"));
    }
    Ok(ReportFields {
        category_id: category.id.clone(),
        place: Place { lat, lon, address },
        district_id: district,
        description,
        photos,
    })
}

// ---- Workflow inputs ----

/// A moderator's decision on a submitted report.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// `accept` or `reject`.
    pub action: String,
    /// A rejection's reason: `not_city_matter`, `duplicate`, `abusive`, `unclear`,
    /// `advertising`.
    #[serde(default)]
    pub reason: Option<String>,
    /// Words for the author (a rejection) or for everyone (an organisation chosen by hand).
    #[serde(default)]
    pub note: Option<String>,
    /// Accepting: send it to this organisation instead of the one routing finds.
    #[serde(default)]
    pub organisation_id: Option<String>,
}

/// What a valid decision does.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    Accept {
        organisation: Option<OrganisationId>,
        note: Option<String>,
    },
    Reject {
        reason: RejectReason,
        note: Option<String>,
    },
}

pub fn decision(input: &DecisionInput) -> Result<Decision, Refused> {
    let note = note(input.note.as_deref(), "note")?;
    match input.action.as_str() {
        "accept" => {
            let organisation = input
                .organisation_id
                .as_deref()
                .map(|o| OrganisationId::parse(o).ok_or(Invalid::new("organisation_id", "unknown")))
                .transpose()?;
            if organisation.is_some() && note.is_none() {
                return Err(Invalid::new("note", "required"));
            }
            Ok(Decision::Accept { organisation, note })
        }
        "reject" => {
            let reason = input
                .reason
                .as_deref()
                .and_then(RejectReason::parse)
                .ok_or(Invalid::new("reason", "unknown_reason"))?;
            Ok(Decision::Reject { reason, note })
        }
        _ => Err(Invalid::new("action", "unknown_action")),
    }
}

/// An optional id (blank is none) as `parse` reads it; one it cannot read is `refused`.
fn optional_id<T>(
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Option<T>,
    refused: Refused,
) -> Result<Option<T>, Refused> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(id) => parse(id).map(Some).ok_or(refused),
    }
}

/// Optional words of at most 2,000 characters (blank is none).
pub fn note(raw: Option<&str>, field: &'static str) -> Result<Option<String>, Refused> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => Ok(Some(clean_text(text, field, 1, NOTE_MAX, true)?)),
    }
}

/// The organisation's answer.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    /// Up to 4,000 characters.
    pub text: String,
    /// Up to 5 upload hashes.
    #[serde(default)]
    pub photos: Vec<String>,
}

/// A valid answer: its text and photos.
pub fn answer_fields(input: &AnswerInput) -> Result<(String, Vec<String>), Refused> {
    let text = clean_text(&input.text, "text", 1, ANSWER_MAX, true)?;
    Ok((text, photo_refs(&input.photos, PHOTOS_MAX)?))
}

/// A re-routing to another organisation, with the reason.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RerouteInput {
    pub organisation_id: String,
    pub note: String,
}

pub fn reroute_fields(input: &RerouteInput) -> Result<(OrganisationId, String), Refused> {
    let organisation = OrganisationId::parse(&input.organisation_id)
        .ok_or(Invalid::new("organisation_id", "unknown"))?;
    let note = note(Some(&input.note), "note")?.ok_or(Invalid::new("note", "required"))?;
    Ok((organisation, note))
}

/// An author's word on the answer (optional words for a confirmation, the reason for a
/// dispute).
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    #[serde(default)]
    pub note: Option<String>,
}

// ---- Administration ----

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    /// The parent category (none: a top-level one).
    #[serde(default)]
    pub parent: Option<String>,
    pub name_ru: String,
    pub name_en: String,
    /// Working days to answer, 1 to 60 (default 8).
    #[serde(default)]
    pub deadline_days: Option<u32>,
    #[serde(default)]
    pub photo_required: bool,
    /// Metres, 10 to 2,000 (default 100).
    #[serde(default)]
    pub duplicate_radius_m: Option<u32>,
    /// `district_council`, `housing`, `roads`, `parks`, `utilities`.
    pub organisation_kind: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// A category as the input describes it (the parent's existence is the service's to check).
pub fn category_fields(
    input: &CategoryInput,
    id: CategoryId,
    version: u64,
) -> Result<Category, Refused> {
    let unknown = Invalid::new("parent", "unknown");
    let parent = optional_id(input.parent.as_deref(), CategoryId::parse, unknown)?;
    if parent.as_ref() == Some(&id) {
        return Err(Invalid::new("parent", "cycle"));
    }
    let deadline_days = input.deadline_days.unwrap_or(DEADLINE_DAYS_DEFAULT);
    if !(1..=super::calendar::DEADLINE_DAYS_MAX).contains(&deadline_days) {
        return Err(Invalid::new("deadline_days", "out_of_range"));
    }
    let radius = input.duplicate_radius_m.unwrap_or(RADIUS_DEFAULT_M);
    if !(10..=geo::RADIUS_MAX_M).contains(&radius) {
        return Err(Invalid::new("duplicate_radius_m", "out_of_range"));
    }
    Ok(Category {
        id,
        parent,
        name_ru: clean_text(&input.name_ru, "name_ru", 1, NAME_MAX, false)?,
        name_en: clean_text(&input.name_en, "name_en", 1, NAME_MAX, false)?,
        deadline_days,
        photo_required: input.photo_required,
        duplicate_radius_m: radius,
        organisation_kind: OrgKind::parse(&input.organisation_kind)
            .ok_or(Invalid::new("organisation_kind", "unknown"))?,
        active: input.active,
        version,
    })
}

/// What reports add to one of core's organisations, as an admin sets it.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    /// `district_council`, `housing`, `roads`, `parks`, `utilities`.
    pub kind: String,
    /// The districts it serves (ids of `GET /api/v1/districts`).
    pub districts: Vec<String>,
    /// Its head: one of its officials (hears of disputed answers).
    #[serde(default)]
    pub head: Option<String>,
}

/// A profile as the input describes it (whether the head is one of the organisation's
/// officials is the service's to check).
pub fn profile_fields(
    input: &ProfileInput,
    id: OrganisationId,
    version: u64,
    directory: &Directory,
) -> Result<Profile, Refused> {
    if input.districts.len() > DISTRICTS_MAX {
        return Err(Invalid::new("districts", "too_many"));
    }
    let districts = input
        .districts
        .iter()
        .map(|d| {
            directory
                .district(d)
                .map(|d| d.id.clone())
                .ok_or(Invalid::new("districts", "unknown_district"))
        })
        .collect::<Result<BTreeSet<_>, _>>()?;
    let not_official = Invalid::new("head", "not_official");
    let head = optional_id(input.head.as_deref(), AccountId::parse, not_official)?;
    Ok(Profile {
        id,
        kind: OrgKind::parse(&input.kind).ok_or(Invalid::new("kind", "unknown"))?,
        districts,
        head,
        version,
    })
}

/// What an admin says of a date.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayInput {
    /// `holiday`, `working` or `ordinary`.
    pub kind: String,
}

pub fn day_kind(input: &DayInput) -> Result<DayKind, Refused> {
    DayKind::parse(&input.kind).ok_or(Invalid::new("kind", "unknown"))
}
