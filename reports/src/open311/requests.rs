//! Service requests: `POST requests.{fmt}` files a report (synchronously: the answer holds its
//! `service_request_id`), `GET requests.{fmt}` lists them with the spec's filters,
//! `GET requests/{id}.{fmt}` shows one. A request is shown as the public sees a report: only
//! once a moderator accepted it (a submitted or rejected one is not found), never its author.

use std::collections::BTreeSet;

use http::StatusCode;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use warp::reply::Response;

use veche_core::accounts::model::Organisation;
use veche_core::web::auth::Identity;
use veche_core::web::Site;

use super::errors::Open311Error;
use super::services::{self, PHOTOS};
use super::xml::Doc;
use super::Open311;
use crate::model::{Category, CategoryId, Report, ReportId, Status};
use crate::rules::ReportInput;
use crate::service::{self, ReportError, Span};
use crate::ReportsLimit;

/// The spec's default and widest span of `GET requests`.
pub const SPAN_DAYS: i64 = 90;
/// The spec's default (and Veche's only) number of requests one answer holds.
pub const LIMIT: usize = 1000;

/// What a request view needs beside the report.
struct Names {
    categories: Vec<Category>,
    organisations: Vec<Organisation>,
}

impl Names {
    async fn read(o: &Open311) -> Result<Names, Open311Error> {
        let categories = service::categories(&o.reports)
            .await
            .map_err(|e| service_error(o, e))?;
        let organisations = service::organisation_names(&o.platform)
            .await
            .map_err(|e| service_error(o, e))?;
        Ok(Names {
            categories,
            organisations,
        })
    }
}

fn service_error(o: &Open311, error: ReportError) -> Open311Error {
    Open311Error::from_service(error, o.catalog(), o.lang)
}

fn w3c(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// A report as a service request.
fn view(o: &Open311, names: &Names, report: &Report) -> Doc {
    let category = names.categories.iter().find(|c| c.id == report.category_id);
    let agency = report.organisation_id().and_then(|id| {
        names
            .organisations
            .iter()
            .find(|org| &org.id == id)
            .map(|org| org.name.clone())
    });
    let media = report.photos.first().and_then(|hash| {
        o.platform
            .config
            .public_url
            .join(&format!("media/{hash}"))
            .ok()
            .map(|u| u.to_string())
    });
    let status = if report.status == Status::Closed {
        "closed"
    } else {
        "open"
    };
    Doc::Fields(vec![
        ("service_request_id", Doc::text(report.id.as_str())),
        ("status", Doc::text(status)),
        (
            "status_notes",
            Doc::opt(report.answer.as_ref().map(|a| a.text.clone())),
        ),
        (
            "service_name",
            Doc::opt(category.map(|c| services::name(c, o.lang).to_string())),
        ),
        ("service_code", Doc::text(report.category_id.as_str())),
        ("description", Doc::text(report.description.clone())),
        ("agency_responsible", Doc::opt(agency)),
        (
            "service_notice",
            Doc::opt(category.map(|c| services::notice(o, c))),
        ),
        ("requested_datetime", Doc::text(w3c(report.created_at))),
        ("updated_datetime", Doc::text(w3c(report.updated_at))),
        ("expected_datetime", Doc::opt(report.deadline.map(w3c))),
        ("address", Doc::opt(report.place.address.clone())),
        ("lat", Doc::Float(report.place.lat)),
        ("long", Doc::Float(report.place.lon)),
        ("media_url", Doc::opt(media)),
    ])
}

fn requests_answer(o: &Open311, names: &Names, reports: &[Report]) -> Response {
    let items = reports.iter().map(|r| view(o, names, r)).collect();
    o.answer(
        StatusCode::OK,
        "service_requests",
        &Doc::List("request", items),
    )
}

/// A public report by its id as written in a path or a list, `None` when there is none the
/// public may see.
pub async fn public(o: &Open311, raw: &str) -> Result<Option<Report>, Open311Error> {
    let Some(id) = ReportId::parse(raw.trim()) else {
        return Ok(None);
    };
    match service::report(&o.reports, None, &id).await {
        Ok(report) => Ok(Some(report)),
        Err(ReportError::NotFound) => Ok(None),
        Err(e) => Err(service_error(o, e)),
    }
}

pub fn unknown_request(o: &Open311, id: &str) -> Open311Error {
    Open311Error::not_found(o.t1("reports-open311-err-request-unknown", "id", id))
}

/// `GET requests/{id}.{fmt}`.
pub async fn one(o: &Open311, id: &str) -> Result<Response, Open311Error> {
    let report = public(o, id).await?.ok_or_else(|| unknown_request(o, id))?;
    let names = Names::read(o).await?;
    Ok(requests_answer(o, &names, &[report]))
}

/// A comma-delimited parameter's values, trimmed, empty ones dropped.
fn list_of(raw: Option<&str>) -> Vec<&str> {
    raw.map(|r| {
        r.split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// A W3C datetime (ISO 8601 with a time zone), with or without seconds; a `+` a client left
/// unencoded in the query string arrives as a space and is read as the `+` it was.
pub fn parse_w3c(raw: &str) -> Option<OffsetDateTime> {
    // A datetime holds no space: one there is the `+` of the offset, decoded as a space.
    let text = raw.trim().replacen(' ', "+", 1);
    if let Ok(at) = OffsetDateTime::parse(&text, &Rfc3339) {
        return Some(at);
    }
    // `YYYY-MM-DDThh:mmTZD`: the W3C note's minutes precision.
    if text.len() > 16 && text.as_bytes().get(16).is_some_and(|b| b"Z+-".contains(b)) {
        let mut with_seconds = text.clone();
        with_seconds.insert_str(16, ":00");
        return OffsetDateTime::parse(&with_seconds, &Rfc3339).ok();
    }
    None
}

fn date_param(o: &Open311, name: &'static str) -> Result<Option<OffsetDateTime>, Open311Error> {
    let Some(raw) = o.field(name) else {
        return Ok(None);
    };
    parse_w3c(raw)
        .map(Some)
        .ok_or_else(|| Open311Error::bad_request(o.t1("reports-open311-err-date", "field", name)))
}

/// The span asked for: the most recent 90 days by default; 90 days from `start_date` or up
/// to `end_date` when one is given; never wider than 90 days, never backwards.
pub fn span(
    start: Option<OffsetDateTime>,
    end: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Option<(OffsetDateTime, OffsetDateTime)> {
    let width = Duration::days(SPAN_DAYS);
    let (from, to) = match (start, end) {
        (None, None) => (now - width, now),
        (Some(from), None) => (from, from + width),
        (None, Some(to)) => (to - width, to),
        (Some(from), Some(to)) => (from, to),
    };
    (from <= to && to - from <= width).then_some((from, to))
}

/// `GET requests.{fmt}`: `service_request_id` (comma-delimited, overrides the rest),
/// `service_code` (comma-delimited), `start_date`, `end_date`, `status` (`open`, `closed`,
/// or both), newest first, at most 1,000.
pub async fn list(o: &Open311) -> Result<Response, Open311Error> {
    let ids = list_of(o.field("service_request_id"));
    if !ids.is_empty() {
        if ids.len() > LIMIT {
            return Err(Open311Error::bad_request(
                o.t("reports-open311-err-too_many_ids"),
            ));
        }
        let mut seen = BTreeSet::new();
        let mut found = Vec::new();
        for id in ids {
            if seen.insert(id) {
                if let Some(report) = public(o, id).await? {
                    found.push(report);
                }
            }
        }
        let names = Names::read(o).await?;
        return Ok(requests_answer(o, &names, &found));
    }
    let names = Names::read(o).await?;
    let mut categories = Vec::new();
    for code in list_of(o.field("service_code")) {
        if !names.categories.iter().any(|c| c.id.as_str() == code) {
            return Err(services::unknown_code(o, code));
        }
        categories.push(CategoryId::from_trusted(code.to_string()));
    }
    let mut statuses = BTreeSet::new();
    for status in list_of(o.field("status")) {
        match status {
            "open" => statuses.extend([
                Status::Routed,
                Status::InProgress,
                Status::Answered,
                Status::Reopened,
            ]),
            "closed" => {
                statuses.insert(Status::Closed);
            }
            _ => return Err(Open311Error::bad_request(o.t("reports-open311-err-status"))),
        }
    }
    let start = date_param(o, "start_date")?;
    let end = date_param(o, "end_date")?;
    let (from, to) = span(start, end, veche_core::clock::now())
        .ok_or_else(|| Open311Error::bad_request(o.t("reports-open311-err-span")))?;
    let span = Span {
        from,
        to,
        statuses: statuses.into_iter().collect(),
        categories,
        limit: LIMIT,
    };
    let found = service::made_between(&o.reports, &span)
        .await
        .map_err(|e| service_error(o, e))?;
    Ok(requests_answer(o, &names, &found))
}

/// The upload hashes of `attribute[photos]` (comma-delimited, or repeated as
/// `attribute[photos][]`); any other attribute is refused.
fn photos(o: &Open311) -> Result<Vec<String>, Open311Error> {
    let mut hashes = Vec::new();
    for (key, value) in &o.fields {
        let Some(code) = key
            .strip_prefix("attribute[")
            .and_then(|rest| rest.strip_suffix("][]").or_else(|| rest.strip_suffix(']')))
        else {
            continue;
        };
        if code != PHOTOS {
            return Err(Open311Error::bad_request(o.t1(
                "reports-open311-err-attribute",
                "code",
                code,
            )));
        }
        hashes.extend(list_of(Some(value)).into_iter().map(str::to_string));
    }
    Ok(hashes)
}

fn number(o: &Open311, name: &'static str) -> Result<Option<f64>, Open311Error> {
    let Some(raw) = o.field(name) else {
        return Ok(None);
    };
    raw.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .map(Some)
        .ok_or_else(|| Open311Error::bad_request(o.t1("reports-open311-err-number", "field", name)))
}

/// `POST requests.{fmt}`: files a report as the key's account, at once. Checked in this
/// order, each refusal changing nothing: the key (403), `service_code` (400 missing, 404
/// unknown), `media_url` (refused: Veche fetches no remote file), the point (`lat` and
/// `long`; an address alone is refused: Veche does not geocode), the attributes, the filing
/// rate limit (429), then the reports' own rules (400 with their texts).
pub async fn file(o: &Open311) -> Result<Response, Open311Error> {
    let key = o
        .field("api_key")
        .ok_or_else(|| Open311Error::forbidden(o.t("reports-open311-err-api_key-missing")))?;
    let invalid_key = || Open311Error::forbidden(o.t("reports-open311-err-api_key"));
    let principal = o
        .platform
        .authenticate(None, Some(&format!("Bearer {key}")))
        .await
        .map_err(|_| invalid_key())?
        .ok_or_else(invalid_key)?;
    let code = o.field("service_code").ok_or_else(|| {
        Open311Error::bad_request(o.t("reports-open311-err-service_code-missing"))
    })?;
    let category = services::leaf(o, code).await?;
    if o.field("media_url").is_some() {
        return Err(Open311Error::bad_request(
            o.t("reports-open311-err-media_url"),
        ));
    }
    let (Some(lat), Some(lon)) = (number(o, "lat")?, number(o, "long")?) else {
        return Err(Open311Error::bad_request(
            o.t("reports-open311-err-location"),
        ));
    };
    let photos = photos(o)?;
    let account = &principal.account;
    service::admit(&o.platform.limits, ReportsLimit::File, account)
        .map_err(|p| Open311Error::from_problem(p, o.catalog(), o.lang))?;
    let input = ReportInput {
        category_id: category.id.to_string(),
        lat,
        lon,
        address: o.field("address_string").map(str::to_string),
        description: o.field("description").unwrap_or_default().to_string(),
        photos,
    };
    let report = service::file(&o.platform, &o.reports, account, &input)
        .await
        .map_err(|e| service_error(o, e))?;
    tracing::info!(report = %report.id, by = %principal.key(), "filed through Open311");
    let notice = format!(
        "{} {}",
        o.t("reports-open311-filed-notice"),
        services::notice(o, &category)
    );
    let doc = Doc::List(
        "request",
        vec![Doc::Fields(vec![
            ("service_request_id", Doc::text(report.id.as_str())),
            ("service_notice", Doc::text(notice)),
            ("account_id", Doc::Null),
        ])],
    );
    Ok(o.answer(StatusCode::OK, "service_requests", &doc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn w3c_datetimes_need_a_time_zone() {
        let at = datetime!(2026-11-05 13:15:30 UTC);
        assert_eq!(parse_w3c("2026-11-05T13:15:30Z"), Some(at));
        assert_eq!(parse_w3c("2026-11-05T16:15:30+03:00"), Some(at));
        assert_eq!(
            parse_w3c("2026-11-05T16:15:30 03:00"),
            Some(at),
            "an unencoded +"
        );
        assert_eq!(
            parse_w3c("2026-11-05T13:15Z"),
            Some(at - Duration::seconds(30))
        );
        assert_eq!(parse_w3c("2026-11-05T13:15:30"), None, "no zone");
        assert_eq!(parse_w3c("2026-11-05"), None);
        assert_eq!(parse_w3c("yesterday"), None);
    }

    #[test]
    fn the_span_defaults_to_90_days_and_is_never_wider() {
        let now = datetime!(2026-12-06 00:00 UTC);
        let day = Duration::days(1);
        assert_eq!(span(None, None, now), Some((now - day * 90, now)));
        assert_eq!(span(Some(now), None, now), Some((now, now + day * 90)));
        assert_eq!(span(None, Some(now), now), Some((now - day * 90, now)));
        assert_eq!(
            span(Some(now - day * 90), Some(now), now),
            Some((now - day * 90, now))
        );
        assert_eq!(span(Some(now - day * 91), Some(now), now), None);
        assert_eq!(span(Some(now), Some(now - day), now), None);
    }
}
