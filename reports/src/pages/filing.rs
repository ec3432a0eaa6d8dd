//! Filing a report in two steps. Step 1 (`/reports/new`): the category and the place; sent,
//! it shows the open reports of that category within the category's radius, each with a "me
//! too" button, and the way on to step 2 for a different problem. Step 2
//! (`/reports/new/details`): the description and up to five photos (`multipart/form-data`),
//! the category and place carried along. A refusal shows the form again, filled, with what
//! refused it; photos already kept stay named in the form.
//!
//! The place can be typed, filled from the phone's position ("use my location", a script of
//! the web kit's, `/static/place.js`), or tapped on the district map with no script at all:
//! the map is the form's `<input type="image">` (core's `web::map::picker`), and a tap sends
//! the form back to step 1 with the place marked and the map closer.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use http::StatusCode;
use warp::reply::Response;

use veche_core::districts::map::district_labels;
use veche_core::platform::Ctx;
use veche_core::web::html::Html;
use veche_core::web::i18n::Tr;
use veche_core::web::map::picker::{self, View, PICKER_SIZE};
use veche_core::web::pages::{error_page, page};
use veche_core::web::problem::Problem;
use veche_core::web::show::{to_signin, Message};
use veche_core::web::uploads::{is_hash, Files};
use veche_core::web::{respond, Form};

use super::viewer;
use super::views::{distance, CategoryOption, Names, ReportCard};
use crate::model::{Category, ReportId};
use crate::rules::{self, ReportInput, DESCRIPTION_MAX, PHOTOS_MAX};
use crate::service::{self, ReportError, Reports};
use crate::ReportsLimit;

/// The largest details form: the text and five photos.
pub(super) const FORM_LIMIT: u64 = veche_core::web::uploads::form_limit(PHOTOS_MAX as u64);

const NEW: &str = "/reports/new";
const DETAILS: &str = "/reports/new/details";

/// The place and category as typed (kept as text, so that a refused value comes back as it
/// was).
#[derive(Clone, Debug, Default)]
struct PlaceInput {
    category: String,
    lat: String,
    lon: String,
    address: String,
}

impl PlaceInput {
    fn of(get: impl Fn(&str) -> Option<String>) -> PlaceInput {
        let field = |name: &str| get(name).unwrap_or_default().trim().to_string();
        PlaceInput {
            category: field("category"),
            lat: field("lat"),
            lon: field("lon"),
            address: field("address"),
        }
    }

    fn from_form(form: &Form) -> PlaceInput {
        PlaceInput::of(|n| Some(form.get(n).to_string()))
    }

    fn from_query(query: &HashMap<String, String>) -> PlaceInput {
        PlaceInput::of(|n| query.get(n).cloned())
    }

    /// The point as numbers (`invalid_point` when either is not one).
    fn point(&self) -> Result<(f64, f64), Problem> {
        let number = |v: &str| v.replace(',', ".").parse::<f64>().ok();
        match (number(&self.lat), number(&self.lon)) {
            (Some(lat), Some(lon)) => Ok(rules::point(lat, lon).map_err(ReportError::from)?),
            _ => Err(ReportError::from(rules::Refused::new("lat", "invalid_point")).into()),
        }
    }

    /// This place and category as a query string (the way back to a step, filled).
    fn query(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("category", &self.category)
            .append_pair("lat", &self.lat)
            .append_pair("lon", &self.lon)
            .append_pair("address", &self.address)
            .finish()
    }
}

/// What step 1 checks: an active leaf category and a point inside a district.
async fn check_place(
    ctx: &Ctx,
    reports: &Reports,
    input: &PlaceInput,
) -> Result<(Category, (f64, f64)), Problem> {
    let category = service::leaf(reports, &input.category).await?;
    let (lat, lon) = input.point()?;
    if reports.locate(&ctx.platform, lat, lon).is_none() {
        return Err(ReportError::from(rules::Refused::new("lat", "outside_districts")).into());
    }
    Ok((category, (lat, lon)))
}

// ---- Step 1: the category and the place ----

/// The picker's field names (`pick.x`/`pick.y`: the tap; `pick_x`, `pick_y`, `pick_z`: the view
/// it was shown in).
const PICK: &str = "pick";
/// How close the map opens around a place already given (coming back to change it).
const PICK_AROUND_ZOOM: u8 = 3;

/// The map to tap, as step 1 shows it.
struct PickerView {
    /// The view's fields, sent back with the form.
    x: String,
    y: String,
    z: String,
    /// The picture of this view, with the place marked.
    src: String,
    size: u32,
    zoomed: bool,
    /// What the last tap marked, in words; or why it marked nothing.
    note: Option<String>,
}

impl PickerView {
    fn new(view: View, input: &PlaceInput, note: Option<String>) -> PickerView {
        let (x, y, z) = view.fields();
        let src = format!(
            "{MAP_IMAGE}?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("pick_x", &x)
                .append_pair("pick_y", &y)
                .append_pair("pick_z", &z)
                .append_pair("lat", &input.lat)
                .append_pair("lon", &input.lon)
                .finish()
        );
        PickerView {
            x,
            y,
            z,
            src,
            size: PICKER_SIZE,
            zoomed: view.zoom > 0,
            note,
        }
    }
}

/// The picture behind the picker.
const MAP_IMAGE: &str = "/reports/new/map.svg";

#[derive(Template)]
#[template(path = "reports_place.html")]
struct PlacePage<'a> {
    tr: Tr<'a>,
    categories: Vec<CategoryOption>,
    input: PlaceInput,
    /// None where the platform knows no district boundaries.
    picker: Option<PickerView>,
    csrf: String,
    error: Option<Message>,
}

/// The map's view for a place: around it when it is a point of the map, else the whole map.
fn view_of(ctx: &Ctx, input: &PlaceInput) -> Option<View> {
    let boundaries = ctx.platform.boundaries();
    if boundaries.is_empty() {
        return None;
    }
    let projection = &boundaries.outlines().projection;
    Some(match input.point() {
        Ok((lat, lon)) => View::around(projection, lat, lon, PICK_AROUND_ZOOM),
        Err(_) => View::whole(projection),
    })
}

fn place_form(
    ctx: &Ctx,
    names: &Names,
    input: PlaceInput,
    (view, note): (Option<View>, Option<String>),
    problem: Option<Problem>,
) -> Response {
    step_form(ctx, "reports-new-title", problem, |error| PlacePage {
        tr: ctx.tr(),
        categories: names.category_options(&input.category),
        picker: view
            .or_else(|| view_of(ctx, &input))
            .map(|view| PickerView::new(view, &input, note)),
        input,
        csrf: ctx.csrf_token(),
        error,
    })
}

/// A step's form titled by the catalog's `title`: first (`problem` `None`), or again with what
/// refused it, the page's status the problem's.
fn step_form<T: Template>(
    ctx: &Ctx,
    title: &str,
    problem: Option<Problem>,
    body: impl FnOnce(Option<Message>) -> T,
) -> Response {
    let (status, error) = match problem {
        Some(p) => (p.status, Some(Message::of(ctx, &p))),
        None => (StatusCode::OK, None),
    };
    page(ctx, status, &ctx.tr().t(title), &body(error))
}

/// GET /reports/new (filled from the query when coming back to change the place)
pub(super) async fn place_page(
    ctx: Ctx,
    reports: Arc<Reports>,
    query: HashMap<String, String>,
) -> Response {
    if viewer(&ctx).is_none() {
        return to_signin(NEW);
    }
    match Names::read(&ctx, &reports).await {
        Ok(names) => place_form(
            &ctx,
            &names,
            PlaceInput::from_query(&query),
            (None, None),
            None,
        ),
        Err(p) => error_page(&ctx, p),
    }
}

/// What a form sent to the picker asks (`None`: the form asks for step 2's way in, "Next").
enum PickerAsk {
    /// A tap at this pixel.
    Tap(f64, f64),
    Farther,
    Whole,
}

impl PickerAsk {
    fn of(form: &Form) -> Option<PickerAsk> {
        let pixel = |axis: &str| {
            form.get(&format!("{PICK}.{axis}"))
                .trim()
                .parse::<f64>()
                .ok()
        };
        if let (Some(px), Some(py)) = (pixel("x"), pixel("y")) {
            return Some(PickerAsk::Tap(px, py));
        }
        match form.get("pick_move") {
            "farther" => Some(PickerAsk::Farther),
            "whole" => Some(PickerAsk::Whole),
            _ => None,
        }
    }
}

/// Step 1 again after a tap or a zoom: the place the tap marks filled in (one within a
/// district: a tap elsewhere marks nothing and says so), the map moved.
fn picked(ctx: &Ctx, names: &Names, form: &Form, ask: PickerAsk) -> Response {
    let mut input = PlaceInput::from_form(form);
    let boundaries = ctx.platform.boundaries();
    let outlines = boundaries.outlines();
    let projection = &outlines.projection;
    let shown = View::from_fields(projection, PICK, |n| Some(form.get(n)))
        .unwrap_or_else(|| View::whole(projection));
    let tr = ctx.tr();
    let (view, note) = match ask {
        PickerAsk::Farther => (shown.farther(projection), None),
        PickerAsk::Whole => (View::whole(projection), None),
        PickerAsk::Tap(px, py) => {
            let tapped = shown.tap(projection, px, py);
            let district = tapped.and_then(|(lat, lon)| boundaries.locate(lat, lon));
            match (tapped, district) {
                (Some((lat, lon)), Some(district)) => {
                    input.lat = format!("{lat:.6}");
                    input.lon = format!("{lon:.6}");
                    let name = names
                        .directory
                        .district(district.as_str())
                        .map_or(district.as_str(), |d| d.name(tr.lang))
                        .to_string();
                    let note = tr.t1("reports-pick-marked", "district", &name);
                    let view = View::around(projection, lat, lon, shown.zoom).closer();
                    (view, Some(note))
                }
                _ => (shown, Some(tr.t("reports-pick-outside"))),
            }
        }
    };
    place_form(ctx, names, input, (Some(view), note), None)
}

/// GET /reports/new/map.svg?pick_x=…&pick_y=…&pick_z=…&lat=…&lon=…: the picker's picture of
/// that view, the place marked (public: district lines and names, nothing of anyone's).
pub(super) async fn map_image(
    ctx: Ctx,
    _reports: Arc<Reports>,
    query: HashMap<String, String>,
) -> Response {
    let boundaries = ctx.platform.boundaries();
    let outlines = boundaries.outlines();
    let projection = &outlines.projection;
    let view = View::from_fields(projection, PICK, |n| query.get(n).map(String::as_str))
        .unwrap_or_else(|| View::whole(projection));
    let mark = PlaceInput::from_query(&query).point().ok();
    let tr = ctx.tr();
    let labels = district_labels(&boundaries, &ctx.platform.directory(), tr.lang);
    let svg: Html = picker::picker_svg(tr, &outlines, &labels, view, mark);
    let mut response = Response::new(svg.into_string().into());
    veche_core::web::respond::set_headers(
        &mut response,
        &[
            (http::header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (http::header::CACHE_CONTROL, "private, max-age=600"),
        ],
    );
    response
}

struct NearbyCard {
    card: ReportCard,
    distance: String,
    joined: bool,
}

#[derive(Template)]
#[template(path = "reports_nearby.html")]
struct NearbyPage<'a> {
    tr: Tr<'a>,
    category: String,
    radius: String,
    nearby: Vec<NearbyCard>,
    details_href: String,
    change_href: String,
    csrf: String,
}

/// POST /reports/new: the open reports of the category near the place, to join one instead.
pub(super) async fn place_submit(ctx: Ctx, form: Form, reports: Arc<Reports>) -> Response {
    let Some(who) = viewer(&ctx) else {
        return to_signin(NEW);
    };
    let names = match Names::read(&ctx, &reports).await {
        Ok(names) => names,
        Err(p) => return error_page(&ctx, p),
    };
    if let Some(ask) = PickerAsk::of(&form) {
        return picked(&ctx, &names, &form, ask);
    }
    let input = PlaceInput::from_form(&form);
    let found = async {
        let (category, point) = check_place(&ctx, &reports, &input).await?;
        service::admit(&ctx.platform.limits, ReportsLimit::Nearby, who)?;
        let near = service::nearby(&reports, point, Some(&category.id), None).await?;
        let mut cards = Vec::with_capacity(near.len());
        for n in near {
            let joined = service::joined(&reports, who, &n.report.id).await?;
            cards.push((n, joined));
        }
        Ok::<_, Problem>((category, cards))
    };
    let (category, near) = match found.await {
        Ok(found) => found,
        Err(p) => return place_form(&ctx, &names, input, (None, None), Some(p)),
    };
    let tr = ctx.tr();
    let now = veche_core::clock::now();
    let body = NearbyPage {
        tr,
        category: names.category(category.id.as_str()),
        radius: distance(tr, f64::from(category.duplicate_radius_m)),
        nearby: near
            .iter()
            .filter(|(n, _)| n.report.author_id != who.id)
            .map(|(n, joined)| NearbyCard {
                card: ReportCard::new(tr, &names, &n.report, now),
                distance: distance(tr, n.distance_m),
                joined: *joined,
            })
            .collect(),
        details_href: format!("{DETAILS}?{}", input.query()),
        change_href: format!("{NEW}?{}", input.query()),
        csrf: ctx.csrf_token(),
    };
    page(&ctx, StatusCode::OK, &tr.t("reports-nearby-title"), &body)
}

// ---- Step 2: the description and photos ----

#[derive(Template)]
#[template(path = "reports_details.html")]
struct DetailsPage<'a> {
    tr: Tr<'a>,
    input: PlaceInput,
    category: String,
    change_href: String,
    description: String,
    description_max: usize,
    /// Photos kept already (their hashes), sent again with the form.
    photos: Vec<String>,
    csrf: String,
    error: Option<Message>,
}

fn details_form(
    ctx: &Ctx,
    names: &Names,
    input: PlaceInput,
    (description, photos): (String, Vec<String>),
    problem: Option<Problem>,
) -> Response {
    step_form(ctx, "reports-details-title", problem, |error| DetailsPage {
        tr: ctx.tr(),
        category: names.category(&input.category),
        change_href: format!("{NEW}?{}", input.query()),
        input,
        description,
        description_max: DESCRIPTION_MAX,
        photos,
        csrf: ctx.csrf_token(),
        error,
    })
}

/// GET /reports/new/details?category=…&lat=…&lon=…&address=…
pub(super) async fn details_page(
    ctx: Ctx,
    reports: Arc<Reports>,
    query: HashMap<String, String>,
) -> Response {
    let input = PlaceInput::from_query(&query);
    if viewer(&ctx).is_none() {
        return to_signin(&format!("{DETAILS}?{}", input.query()));
    }
    let names = match Names::read(&ctx, &reports).await {
        Ok(names) => names,
        Err(p) => return error_page(&ctx, p),
    };
    match check_place(&ctx, &reports, &input).await {
        Ok(_) => details_form(&ctx, &names, input, Default::default(), None),
        Err(p) => place_form(&ctx, &names, input, (None, None), Some(p)),
    }
}

/// The photos a form names (kept before a refusal) and sends (checked and kept here), at most
/// five in all; the resident's limit is taken first (a photo costs CPU to check).
async fn photos_of(
    reports: &Reports,
    files: &Files,
    kept: &mut Vec<String>,
) -> Result<(), Problem> {
    let sent: Vec<_> = files.all("photo_file").collect();
    if kept.len() + sent.len() > PHOTOS_MAX {
        return Err(ReportError::from(rules::Refused::new("photos", "too_many")).into());
    }
    for raw in sent {
        let hash = service::accept_photo(reports, raw.clone()).await?;
        if !kept.contains(&hash) {
            kept.push(hash);
        }
    }
    Ok(())
}

/// POST /reports/new/details: files the report; to its page.
pub(super) async fn details_submit(
    ctx: Ctx,
    form: Form,
    files: Files,
    reports: Arc<Reports>,
) -> Response {
    let input = PlaceInput::from_form(&form);
    let Some(author) = viewer(&ctx) else {
        return to_signin(&format!("{DETAILS}?{}", input.query()));
    };
    let names = match Names::read(&ctx, &reports).await {
        Ok(names) => names,
        Err(p) => return error_page(&ctx, p),
    };
    let description = form.get("description").to_string();
    let mut photos: Vec<String> = form
        .all("photo")
        .into_iter()
        .filter(|h| is_hash(h))
        .map(str::to_string)
        .take(PHOTOS_MAX)
        .collect();
    let filed = async {
        service::admit(&ctx.platform.limits, ReportsLimit::File, author)?;
        photos_of(&reports, &files, &mut photos).await?;
        let (lat, lon) = input.point()?;
        let report = ReportInput {
            category_id: input.category.clone(),
            lat,
            lon,
            address: Some(input.address.clone()).filter(|a| !a.is_empty()),
            description: description.clone(),
            photos: photos.clone(),
        };
        Ok::<ReportId, Problem>(
            service::file(&ctx.platform, &reports, author, &report)
                .await?
                .id,
        )
    };
    match filed.await {
        Ok(id) => respond::see_other(&format!("/reports/{id}?done=filed")),
        Err(p) => details_form(&ctx, &names, input, (description, photos), Some(p)),
    }
}
