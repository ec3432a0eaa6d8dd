//! Administration: the category tree, the organisations and their officials, the calendar's
//! entries. Everyone reads the categories and organisations; admins change them.

use warp::reply::Response;

use veche_core::id::OrganisationId;
use veche_core::web::idempotency::Outcome;
use veche_core::web::precondition::set_etag;
use veche_core::web::problem::{Problem, ProblemDocument};
use veche_core::web::respond;
use veche_core::web::responses::{Change, CreateHeaders, CsrfHeader, Guarded, VersionHeaders};

use super::Req;
use crate::model::CategoryId;
use crate::rules::{CategoryInput, DayInput, ProfileInput};
use crate::service;
use crate::views::{CategoryList, CategoryView, DayList, DayView, ProfileList, ProfileView};

fn organisation_id(raw: &str) -> Result<OrganisationId, Problem> {
    OrganisationId::parse(raw).ok_or_else(Problem::not_found)
}

fn with_etag<T: serde::Serialize>(view: &T, version: u64) -> Response {
    let mut response = respond::ok(view);
    set_etag(&mut response, version);
    response
}

/// The category tree: every category, each naming its parent; reports are filed in the
/// active leaves.
#[utoipa::path(get, path = "/api/v1/report-categories", tag = "reports",
    responses((status = 200, body = CategoryList)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn list_categories(req: Req) -> Response {
    req.answer(async {
        let all = service::categories(&req.state).await?;
        Ok(respond::ok(&CategoryList {
            items: all.iter().map(CategoryView::from).collect(),
        }))
    })
    .await
}

/// A new category (admins).
#[utoipa::path(post, path = "/api/v1/report-categories", tag = "reports",
    request_body = CategoryInput,
    params(CreateHeaders),
    responses((status = 201, body = CategoryView), Guarded, Change))]
pub async fn create_category(req: Req<CategoryInput>) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let input = req.input()?;
        req.once("reports.category", || async {
            let category =
                service::create_category(&req.platform, &req.state, &who.account, input).await?;
            Ok(Outcome::created(
                format!("/api/v1/report-categories/{}", category.id),
                serde_json::json!(CategoryView::from(&category)),
            ))
        })
        .await
    })
    .await
}

/// An admin's change to a category (all its fields), at the version in `If-Match`.
#[utoipa::path(put, path = "/api/v1/report-categories/{id}", tag = "reports",
    request_body = CategoryInput,
    params(("id" = String, Path), VersionHeaders),
    responses((status = 200, body = CategoryView), Guarded, Change))]
pub async fn update_category(id: String, req: Req<CategoryInput>) -> Response {
    req.answer(async {
        let (who, expected, input) = req.change()?;
        let id = CategoryId::parse(&id).ok_or_else(Problem::not_found)?;
        let category = service::update_category(
            &req.platform,
            &req.state,
            &who.account,
            &id,
            expected,
            input,
        )
        .await?;
        Ok(with_etag(&CategoryView::from(&category), category.version))
    })
    .await
}

/// The organisations that answer reports: what reports add to core's organisations (kind,
/// districts served, head), with their names.
#[utoipa::path(get, path = "/api/v1/report-organisations", tag = "reports",
    responses((status = 200, body = ProfileList)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn list_profiles(req: Req) -> Response {
    req.answer(async {
        let profiles = service::profiles(&req.state).await?;
        let names = service::organisation_names(&req.platform).await?;
        Ok(respond::ok(&ProfileList {
            items: profiles
                .iter()
                .map(|p| ProfileView::new(p, &names))
                .collect(),
        }))
    })
    .await
}

/// Sets what reports add to one of core's organisations (admins): its kind, the districts it
/// serves, its head (one of its officials). Creates it, or changes it at the version in
/// `If-Match`.
#[utoipa::path(put, path = "/api/v1/report-organisations/{id}", tag = "reports",
    request_body = ProfileInput,
    params(("id" = String, Path), VersionHeaders),
    responses((status = 200, body = ProfileView), Guarded, Change,
        (status = 404, description = "`not_found`: no such organisation in core", body = ProblemDocument)))]
pub async fn set_profile(id: String, req: Req<ProfileInput>) -> Response {
    req.answer(async {
        let (who, expected, input) = req.change()?;
        let id = organisation_id(&id)?;
        let profile = service::set_profile(
            &req.platform,
            &req.state,
            &who.account,
            &id,
            expected,
            input,
        )
        .await?;
        let names = service::organisation_names(&req.platform).await?;
        Ok(with_etag(
            &ProfileView::new(&profile, &names),
            profile.version,
        ))
    })
    .await
}

/// The admins' entries of the working-day calendar (over Russia's seeded production
/// calendar), by date.
#[utoipa::path(get, path = "/api/v1/report-calendar", tag = "reports",
    responses((status = 200, body = DayList)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn list_days(req: Req) -> Response {
    req.answer(async {
        let days = service::calendar_days(&req.state).await?;
        Ok(respond::ok(&DayList {
            items: days.iter().map(DayView::from).collect(),
        }))
    })
    .await
}

/// Says what a date (`YYYY-MM-DD`, Moscow) is: a `holiday`, a (transferred) `working` day, or
/// `ordinary` (as the week says, undoing a seeded entry). Admins.
#[utoipa::path(put, path = "/api/v1/report-calendar/{date}", tag = "reports",
    request_body = DayInput,
    params(("date" = String, Path), CsrfHeader),
    responses((status = 200, body = DayView), Guarded, Change))]
pub async fn set_day(date: String, req: Req<DayInput>) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let input = req.input()?;
        let day = service::set_day(&req.platform, &req.state, &who.account, &date, input).await?;
        Ok(respond::ok(&DayView::from(&day)))
    })
    .await
}

/// Removes an admin's entry for a date (back to the seeded calendar). Admins.
#[utoipa::path(delete, path = "/api/v1/report-calendar/{date}", tag = "reports",
    params(("date" = String, Path), CsrfHeader),
    responses((status = 204, description = "Removed"), Guarded))]
pub async fn remove_day(date: String, req: Req) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        service::remove_day(&req.platform, &req.state, &who.account, &date).await?;
        Ok(respond::no_content())
    })
    .await
}
