//! `GET /open311/v2/services.{fmt}` and `GET /open311/v2/services/{code}.{fmt}`: the
//! categories reports are filed in (the active leaves of the tree; `group` is the parent's
//! name) and what filing one asks beyond the spec's own parameters.
//!
//! Veche asks one thing more: photos. The spec carries media only as `media_url`, a link the
//! server would have to fetch (a server-side request forgery risk Veche does not take), so a
//! client uploads pictures through Veche's own `POST /api/v1/uploads` (with the same key as a
//! bearer token) and names their hashes in `attribute[photos]`. The attribute is required
//! where the category requires a photo. Every category takes photos, so every service has
//! `metadata` true.

use http::StatusCode;
use warp::reply::Response;

use veche_core::web::i18n::Lang;

use super::errors::Open311Error;
use super::xml::Doc;
use super::Open311;
use crate::model::Category;
use crate::service;

/// The one attribute: upload hashes of photos.
pub const PHOTOS: &str = "photos";

/// The categories a report may be filed in: active, and no active category's parent.
pub fn leaves(all: &[Category]) -> Vec<&Category> {
    all.iter()
        .filter(|c| c.active)
        .filter(|c| {
            !all.iter()
                .any(|other| other.active && other.parent.as_ref() == Some(&c.id))
        })
        .collect()
}

pub fn name(category: &Category, lang: Lang) -> &str {
    match lang {
        Lang::En => &category.name_en,
        _ => &category.name_ru,
    }
}

/// What filing in the category leads to: who answers and within how long.
pub fn notice(o: &Open311, category: &Category) -> String {
    let kind = o.t(&format!(
        "reports-kind-{}",
        category.organisation_kind.as_str()
    ));
    o.platform.catalog.t_args(
        o.lang,
        "reports-open311-service-notice",
        &[
            ("kind", kind.into()),
            ("days", i64::from(category.deadline_days).into()),
        ],
    )
}

fn service(o: &Open311, all: &[Category], category: &Category) -> Doc {
    let parent = category
        .parent
        .as_ref()
        .and_then(|p| all.iter().find(|c| &c.id == p));
    let mut keywords = vec![category.name_ru.as_str(), category.name_en.as_str()];
    if let Some(parent) = parent {
        keywords.extend([parent.name_ru.as_str(), parent.name_en.as_str()]);
    }
    keywords.dedup();
    let mut description = notice(o, category);
    if category.photo_required {
        description = format!("{description} {}", o.t("reports-open311-photo-required"));
    }
    Doc::Fields(vec![
        ("service_code", Doc::text(category.id.as_str())),
        ("service_name", Doc::text(name(category, o.lang))),
        ("description", Doc::text(description)),
        ("metadata", Doc::Bool(true)),
        ("type", Doc::text("realtime")),
        ("keywords", Doc::text(keywords.join(", "))),
        ("group", Doc::opt(parent.map(|p| name(p, o.lang)))),
    ])
}

/// The service list.
pub async fn list(o: &Open311) -> Result<Response, Open311Error> {
    let all = service::categories(&o.reports)
        .await
        .map_err(|e| Open311Error::from_service(e, o.catalog(), o.lang))?;
    let items = leaves(&all)
        .into_iter()
        .map(|c| service(o, &all, c))
        .collect();
    Ok(o.answer(StatusCode::OK, "services", &Doc::List("service", items)))
}

/// The active leaf named `code`, or the spec's 404.
pub async fn leaf(o: &Open311, code: &str) -> Result<Category, Open311Error> {
    let all = service::categories(&o.reports)
        .await
        .map_err(|e| Open311Error::from_service(e, o.catalog(), o.lang))?;
    leaves(&all)
        .into_iter()
        .find(|c| c.id.as_str() == code)
        .cloned()
        .ok_or_else(|| unknown_code(o, code))
}

pub fn unknown_code(o: &Open311, code: &str) -> Open311Error {
    Open311Error::not_found(o.t1("reports-open311-err-service_code-unknown", "code", code))
}

/// A service definition: its attributes (`photos`).
pub async fn definition(o: &Open311, code: &str) -> Result<Response, Open311Error> {
    let category = leaf(o, code).await?;
    let photos = Doc::Fields(vec![
        ("variable", Doc::Bool(true)),
        ("code", Doc::text(PHOTOS)),
        ("datatype", Doc::text("string")),
        ("required", Doc::Bool(category.photo_required)),
        (
            "datatype_description",
            Doc::text(o.t("reports-open311-attr-photos-datatype")),
        ),
        ("order", Doc::Int(1)),
        ("description", Doc::text(o.t("reports-open311-attr-photos"))),
    ]);
    let doc = Doc::Fields(vec![
        ("service_code", Doc::text(category.id.as_str())),
        ("attributes", Doc::List("attribute", vec![photos])),
    ]);
    Ok(o.answer(StatusCode::OK, "service_definition", &doc))
}
