//! Open311 GeoReport v2 conformance, black-box: the real app on port 0 (SQLite and the MongoDB
//! test server), every resource in JSON and in XML (the XML read with a real parser), every
//! filter of the request list, every error the spec names with its status, and a real
//! Open311 client library from PyPI talking to the app (`georeport` for the reads in both
//! formats, `civicbot` for filing), run by `scripts/test` from a virtualenv of its own.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::app::rate;
use common::fixtures::{report_category, roads_agency};
use common::http::{Api, Reply};
use common::{member, official_of, organisation, TestApp, KHAMOVNIKI, KHAMOVNIKI_POINT};
use quick_xml::events::Event;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use veche_core::accounts::model::Role;
use veche_reports::model::Status;

// ---- XML, read with quick-xml's reader into a small tree ----

#[derive(Debug, Default)]
struct El {
    name: String,
    text: String,
    children: Vec<El>,
}

impl El {
    fn parse(xml: &str) -> El {
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"),
            "the declaration: {xml}"
        );
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut stack = vec![El::default()];
        loop {
            match reader
                .read_event()
                .unwrap_or_else(|e| panic!("XML: {e}: {xml}"))
            {
                Event::Start(start) => stack.push(El {
                    name: AsRef::<str>::as_ref(&start.name()).to_string(),
                    ..El::default()
                }),
                Event::Empty(start) => {
                    let el = El {
                        name: AsRef::<str>::as_ref(&start.name()).to_string(),
                        ..El::default()
                    };
                    stack.last_mut().unwrap().children.push(el);
                }
                Event::Text(text) => {
                    stack.last_mut().unwrap().text.push_str(&text.into_inner());
                }
                Event::GeneralRef(r) => {
                    let text = match r.resolve_char_ref().unwrap() {
                        Some(c) => c.to_string(),
                        None => quick_xml::escape::unescape(&format!("&{};", r.into_inner()))
                            .unwrap()
                            .into_owned(),
                    };
                    stack.last_mut().unwrap().text.push_str(&text);
                }
                Event::End(_) => {
                    let done = stack.pop().unwrap();
                    stack.last_mut().unwrap().children.push(done);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        let mut document = stack.pop().unwrap();
        assert_eq!(document.children.len(), 1, "one root: {xml}");
        document.children.pop().unwrap()
    }

    fn all(&self, name: &str) -> Vec<&El> {
        self.children.iter().filter(|c| c.name == name).collect()
    }

    fn child(&self, name: &str) -> &El {
        self.children
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("<{}> has no <{name}>: {self:?}", self.name))
    }

    fn at(&self, name: &str) -> &str {
        &self.child(name).text
    }
}

// ---- The app and its people ----

struct World {
    admin: String,
    moderator: String,
    official: String,
    author: String,
    author_id: String,
    /// A second resident (for the rate limit and the application key).
    other: String,
    other_id: String,
    /// Roads → Pothole (no photo needed); Yards → Litter (a photo needed).
    pothole: String,
    litter: String,
    roads_name: String,
}

async fn world(app: &TestApp, api: &Api<'_>) -> World {
    let admin = member(app, KHAMOVNIKI, 1970, true, &[Role::Admin], None)
        .await
        .1;
    let moderator = member(app, KHAMOVNIKI, 1975, true, &[Role::Moderator], None)
        .await
        .1;
    let roads = organisation(app, "Дороги ЦАО").await;
    let official = official_of(app, &roads, 1980).await.1;
    let (author_id, author) = member(app, KHAMOVNIKI, 1990, true, &[], None).await;
    let (other_id, other) = member(app, KHAMOVNIKI, 1991, true, &[], None).await;
    let make = |parent: Option<String>, names: (&'static str, &'static str), photo: bool| {
        let admin = admin.clone();
        async move {
            let made = report_category(api, &admin, parent.as_deref(), names, photo).await;
            made["id"].as_str().unwrap().to_string()
        }
    };
    let roads_group = make(None, ("Дороги", "Roads"), false).await;
    let pothole = make(Some(roads_group), ("Яма", "Pothole"), false).await;
    let yards = make(None, ("Дворы", "Yards"), false).await;
    let litter = make(Some(yards), ("Мусор", "Litter"), true).await;
    roads_agency(api, &admin, &roads, &[KHAMOVNIKI], None).await;
    World {
        admin,
        moderator,
        official,
        author,
        author_id: author_id.to_string(),
        other,
        other_id: other_id.to_string(),
        pothole,
        litter,
        roads_name: "Дороги ЦАО".into(),
    }
}

async fn get(api: &Api<'_>, path: &str) -> Reply {
    api.get(&format!("/open311/v2/{path}"), None).await
}

async fn post_form(api: &Api<'_>, resource: &str, fields: &[(&str, &str)]) -> Reply {
    let response = api
        .app
        .post_raw(
            &api.client,
            &format!("/open311/v2/{resource}"),
            "application/x-www-form-urlencoded; charset=utf-8",
            serde_urlencoded::to_string(fields).unwrap(),
        )
        .await;
    Reply::of(response).await
}

fn content_type(reply: &Reply) -> String {
    reply.header("content-type").unwrap_or_default()
}

/// A JSON answer with this status, as JSON.
fn json_answer(reply: &Reply, status: StatusCode) -> Value {
    assert_eq!(content_type(reply), "application/json; charset=utf-8");
    reply.json_if(status)
}

/// An XML answer with this status, as its root element.
fn xml_answer(reply: &Reply, status: StatusCode) -> El {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(content_type(reply), "text/xml; charset=utf-8");
    El::parse(&reply.text)
}

/// Asserts a JSON error list of one error with this status as its code.
fn json_error(reply: &Reply, status: u16) -> String {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text);
    let body = json_answer(reply, reply.status);
    let errors = body.as_array().unwrap();
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(errors[0]["code"], status);
    let description = errors[0]["description"].as_str().unwrap().to_string();
    assert!(!description.is_empty());
    description
}

/// Asserts an XML error list of one error with this status as its code.
fn xml_error(reply: &Reply, status: u16) -> String {
    let root = xml_answer(reply, reply.status);
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text);
    assert_eq!(root.name, "errors");
    let errors = root.all("error");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].at("code"), status.to_string());
    errors[0].at("description").to_string()
}

fn filing<'a>(w: &'a World, key: &'a str, description: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("api_key", key),
        ("jurisdiction_id", "veche.example"),
        ("service_code", &w.pothole),
        ("lat", "55.7355"),
        ("long", "37.5885"),
        ("address_string", "Плющиха, 10"),
        ("description", description),
        ("first_name", "ignored"),
        ("email", "ignored@example.org"),
    ]
}

/// Files a pothole through Open311 (JSON) and answers its id.
async fn file(api: &Api<'_>, w: &World, key: &str, description: &str) -> String {
    let reply = post_form(api, "requests.json", &filing(w, key, description)).await;
    let body = json_answer(&reply, StatusCode::OK);
    let request = &body.as_array().unwrap()[0];
    assert!(request["service_notice"].as_str().unwrap().contains("8"));
    assert_eq!(request["account_id"], Value::Null);
    request["service_request_id"].as_str().unwrap().to_string()
}

async fn accept(api: &Api<'_>, w: &World, id: &str) {
    api.post(
        &format!("/api/v1/reports/{id}/decision"),
        Some(&w.moderator),
        &json!({"action": "accept"}),
    )
    .await
    .json_if(StatusCode::OK);
}

/// Submitted reports in the store (what a refused filing must not add to).
async fn submitted(app: &TestApp) -> usize {
    app.reports()
        .store()
        .by_status(Status::Submitted, None, 1000)
        .await
        .unwrap()
        .len()
}

fn ids_json(body: &Value) -> BTreeSet<String> {
    body.as_array()
        .unwrap()
        .iter()
        .map(|r| r["service_request_id"].as_str().unwrap().to_string())
        .collect()
}

fn ids_xml(root: &El) -> BTreeSet<String> {
    assert_eq!(root.name, "service_requests");
    root.all("request")
        .iter()
        .map(|r| r.at("service_request_id").to_string())
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// The filing form with some fields replaced (`Some`) or left out (`None`).
fn changed(w: &World, changes: &[(&str, Option<&str>)]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = filing(w, &w.author, "Глубокая яма у дома")
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (name, value) in changes {
        fields.retain(|(k, _)| k != name);
        if let Some(value) = value {
            fields.push((name.to_string(), value.to_string()));
        }
    }
    fields
}

// ---- The tests ----

async fn discovery_services_and_definitions_in_both_formats(app: TestApp) {
    let api = Api::new(&app);
    let w = world(&app, &api).await;
    // Discovery.
    let discovery = json_answer(&get(&api, "discovery.json").await, StatusCode::OK);
    let endpoint = &discovery["endpoints"][0];
    assert_eq!(
        endpoint["specification"],
        "http://wiki.open311.org/GeoReport_v2"
    );
    assert!(endpoint["url"].as_str().unwrap().ends_with("/open311/v2"));
    assert_eq!(endpoint["formats"], json!(["text/xml", "application/json"]));
    let reply = get(&api, "discovery.xml").await;
    assert_eq!(
        reply.header("access-control-allow-origin").as_deref(),
        Some("*")
    );
    let discovery = xml_answer(&reply, StatusCode::OK);
    assert_eq!(discovery.name, "discovery");
    let endpoint = discovery.child("endpoints").child("endpoint");
    assert_eq!(endpoint.at("type"), "production");
    let formats: Vec<&str> = endpoint
        .child("formats")
        .all("format")
        .iter()
        .map(|f| f.text.as_str())
        .collect();
    assert_eq!(formats, ["text/xml", "application/json"]);
    // The service list: the leaves, grouped by their parents (Russian unless asked).
    let services = json_answer(&get(&api, "services.json").await, StatusCode::OK);
    let services = services.as_array().unwrap();
    assert_eq!(services.len(), 2, "{services:?}");
    let pothole = services
        .iter()
        .find(|s| s["service_code"] == w.pothole.as_str())
        .unwrap();
    assert_eq!(pothole["service_name"], "Яма");
    assert_eq!(pothole["group"], "Дороги");
    assert_eq!(pothole["metadata"], true);
    assert_eq!(pothole["type"], "realtime");
    assert!(pothole["keywords"].as_str().unwrap().contains("Pothole"));
    let english = api
        .send(
            Method::GET,
            "/open311/v2/services.xml",
            None,
            None,
            &[("accept-language", "en")],
        )
        .await;
    let list = xml_answer(&english, StatusCode::OK);
    assert_eq!(list.name, "services");
    let litter = list
        .all("service")
        .into_iter()
        .find(|s| s.at("service_code") == w.litter)
        .unwrap();
    assert_eq!(litter.at("service_name"), "Litter");
    assert_eq!(litter.at("group"), "Yards");
    assert_eq!(litter.at("metadata"), "true");
    assert!(litter.at("description").contains("photo"));
    // Definitions: the photos attribute, required where the category needs a photo.
    let definition = json_answer(
        &get(&api, &format!("services/{}.json", w.pothole)).await,
        StatusCode::OK,
    );
    assert_eq!(definition["service_code"], w.pothole.as_str());
    let photos = &definition["attributes"][0];
    assert_eq!(photos["code"], "photos");
    assert_eq!(photos["variable"], true);
    assert_eq!(photos["datatype"], "string");
    assert_eq!(photos["required"], false);
    assert_eq!(photos["order"], 1);
    let definition = xml_answer(
        &get(&api, &format!("services/{}.xml", w.litter)).await,
        StatusCode::OK,
    );
    assert_eq!(definition.name, "service_definition");
    let attribute = definition.child("attributes").child("attribute");
    assert_eq!(attribute.at("code"), "photos");
    assert_eq!(attribute.at("required"), "true");
    app.stop().await;
}

async fn requests_are_filed_listed_and_filtered_in_both_formats(app: TestApp) {
    let api = Api::new(&app);
    let w = world(&app, &api).await;
    // Filing (JSON): a submitted report, not public yet.
    let first = file(&api, &w, &w.author, "Глубокая яма посреди дороги").await;
    let stored = app
        .reports()
        .store()
        .report(&veche_reports::model::ReportId::parse(&first).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, Status::Submitted);
    assert_eq!(stored.author_id.to_string(), w.author_id);
    assert_eq!(stored.place.address.as_deref(), Some("Плющиха, 10"));
    assert_eq!((stored.place.lat, stored.place.lon), KHAMOVNIKI_POINT);
    json_error(&get(&api, &format!("requests/{first}.json")).await, 404);
    xml_error(&get(&api, &format!("tokens/{first}.xml")).await, 404);
    // Filing (XML), with markup in the text: escaped on the way out, read back whole.
    let tricky = "Яма <b>&amp; \"кавычки\"</b> & ещё";
    let reply = post_form(&api, "requests.xml", &filing(&w, &w.author, tricky)).await;
    let answer = xml_answer(&reply, StatusCode::OK);
    assert_eq!(answer.name, "service_requests");
    let second = answer.child("request").at("service_request_id").to_string();
    assert!(!answer.child("request").at("service_notice").is_empty());
    accept(&api, &w, &first).await;
    accept(&api, &w, &second).await;
    // One request, both formats.
    let one = json_answer(
        &get(&api, &format!("requests/{first}.json")).await,
        StatusCode::OK,
    );
    let one = &one.as_array().unwrap()[0];
    assert_eq!(one["service_request_id"], first.as_str());
    assert_eq!(one["status"], "open");
    assert_eq!(one["service_code"], w.pothole.as_str());
    assert_eq!(one["service_name"], "Яма");
    assert_eq!(one["agency_responsible"], w.roads_name.as_str());
    assert_eq!(one["address"], "Плющиха, 10");
    assert_eq!(one["lat"], KHAMOVNIKI_POINT.0);
    assert_eq!(one["long"], KHAMOVNIKI_POINT.1);
    assert_eq!(one["media_url"], Value::Null);
    assert_eq!(one["status_notes"], Value::Null);
    assert!(one.get("author_id").is_none() && !one.to_string().contains(&w.author_id));
    let requested = one["requested_datetime"].as_str().unwrap();
    assert!(requested.ends_with('Z'), "{requested}");
    let expected = one["expected_datetime"].as_str().unwrap();
    assert!(
        expected > requested,
        "the deadline {expected} after {requested}"
    );
    let one = xml_answer(
        &get(&api, &format!("requests/{second}.xml")).await,
        StatusCode::OK,
    );
    let request = one.child("request");
    assert_eq!(request.at("description"), tricky);
    assert_eq!(request.at("status"), "open");
    assert_eq!(request.at("lat"), KHAMOVNIKI_POINT.0.to_string());
    assert!(request.child("media_url").text.is_empty());
    // Tokens: the id.
    let token = json_answer(
        &get(&api, &format!("tokens/{first}.json")).await,
        StatusCode::OK,
    );
    assert_eq!(token[0]["token"], first.as_str());
    assert_eq!(token[0]["service_request_id"], first.as_str());
    // Close the first: the official answers, the author confirms.
    for (what, who, body) in [
        ("start", &w.official, None),
        ("answer", &w.official, Some(json!({"text": "Яму заделали"}))),
        ("confirmation", &w.author, None),
    ] {
        api.send(
            Method::POST,
            &format!("/api/v1/reports/{first}/{what}"),
            Some(who),
            body.as_ref(),
            &[],
        )
        .await
        .json_if(StatusCode::OK);
    }
    // A third, never accepted: never listed.
    let hidden = file(&api, &w, &w.other, "Ещё одна яма у дома").await;
    let both = set(&[&first, &second]);
    let list = |query: String| {
        let api = &api;
        async move {
            let json = json_answer(
                &get(api, &format!("requests.json{query}")).await,
                StatusCode::OK,
            );
            let xml = xml_answer(
                &get(api, &format!("requests.xml{query}")).await,
                StatusCode::OK,
            );
            let (from_json, from_xml) = (ids_json(&json), ids_xml(&xml));
            assert_eq!(from_json, from_xml, "{query}");
            (from_json, json)
        }
    };
    let (all, body) = list(String::new()).await;
    assert_eq!(all, both);
    let closed = body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["service_request_id"] == first.as_str())
        .unwrap();
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["status_notes"], "Яму заделали");
    // Newest first.
    assert_eq!(body[0]["service_request_id"], second.as_str());
    assert_eq!(list("?status=closed".into()).await.0, set(&[&first]));
    assert_eq!(list("?status=open".into()).await.0, set(&[&second]));
    assert_eq!(list("?status=open,closed".into()).await.0, both);
    let code = format!("?service_code={}", w.pothole);
    assert_eq!(list(code).await.0, both);
    let code = format!("?service_code={}", w.litter);
    assert!(list(code).await.0.is_empty());
    let code = format!("?service_code={},{}&status=closed", w.litter, w.pothole);
    assert_eq!(list(code).await.0, set(&[&first]));
    // Ids: the public ones named, in any number; others left out; they override the rest.
    let named = format!("?service_request_id={first},{hidden},nonsense,{second}&status=closed");
    assert_eq!(list(named).await.0, both);
    assert_eq!(
        list(format!("?service_request_id={second}")).await.0,
        set(&[&second])
    );
    // Dates: W3C datetimes with a zone; `+` sent encoded and unencoded.
    let now = time::OffsetDateTime::now_utc();
    let w3c = |at: time::OffsetDateTime| {
        at.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let hour = time::Duration::hours(1);
    let window = format!(
        "?start_date={}&end_date={}",
        w3c(now - hour),
        w3c(now + hour)
    );
    assert_eq!(list(window).await.0, both);
    let past = format!(
        "?start_date={}&end_date={}",
        w3c(now - hour * 48),
        w3c(now - hour * 24)
    );
    assert!(list(past).await.0.is_empty());
    let future = format!("?start_date={}", w3c(now + hour));
    assert!(list(future).await.0.is_empty());
    let until = format!("?end_date={}", w3c(now - hour));
    assert!(list(until).await.0.is_empty());
    let moscow = (now - hour).to_offset(time::macros::offset!(+3));
    let encoded = w3c(moscow).replace('+', "%2B");
    assert_eq!(list(format!("?start_date={encoded}")).await.0, both);
    let unencoded = w3c(moscow);
    assert_eq!(list(format!("?start_date={unencoded}")).await.0, both);
    app.stop().await;
}

async fn errors_are_the_specs_lists_and_change_nothing(app: TestApp) {
    let api = Api::new(&app);
    let w = world(&app, &api).await;
    let before = submitted(&app).await;
    let pothole = w.pothole.as_str();
    let with = |changes: &[(&str, Option<&str>)]| changed(&w, changes);
    let post = |fields: Vec<(String, String)>, format: &'static str| {
        let api = &api;
        async move {
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            post_form(api, &format!("requests.{format}"), &pairs).await
        }
    };
    // A wrong or missing key: 403, nothing filed.
    let bad_key = post(with(&[("api_key", Some("vch_not-a-key"))]), "json").await;
    assert!(json_error(&bad_key, 403).contains("api_key"));
    let bad_key = post(with(&[("api_key", Some("vch_not-a-key"))]), "xml").await;
    assert!(xml_error(&bad_key, 403).contains("api_key"));
    json_error(&post(with(&[("api_key", None)]), "json").await, 403);
    // The service code: missing 400, unknown 404 (a group is not a service).
    json_error(&post(with(&[("service_code", None)]), "json").await, 400);
    let unknown = post(with(&[("service_code", Some("no-such-code"))]), "xml").await;
    assert!(xml_error(&unknown, 404).contains("no-such-code"));
    // The place: a point is needed; an address alone is refused; numbers must be numbers.
    let address_only = with(&[("lat", None), ("long", None)]);
    assert!(json_error(&post(address_only.clone(), "json").await, 400).contains("lat"));
    xml_error(&post(address_only, "xml").await, 400);
    json_error(&post(with(&[("long", None)]), "json").await, 400);
    json_error(&post(with(&[("lat", Some("north"))]), "json").await, 400);
    // A remote file is not fetched.
    let media = with(&[("media_url", Some("http://127.0.0.1:9/x.jpg"))]);
    assert!(json_error(&post(media, "json").await, 400).contains("media_url"));
    // Attributes: only photos; a photo where one is required; known uploads only.
    let attribute = with(&[("attribute[colour]", Some("red"))]);
    json_error(&post(attribute, "json").await, 400);
    let litter = with(&[("service_code", Some(w.litter.as_str()))]);
    assert!(json_error(&post(litter, "json").await, 400).contains("attribute[photos]"));
    let unknown_photo = with(&[("attribute[photos]", Some("0123456789abcdef"))]);
    json_error(&post(unknown_photo, "xml_is_not_this").await, 404);
    let unknown_photo = with(&[("attribute[photos]", Some("0123456789abcdef"))]);
    json_error(&post(unknown_photo, "json").await, 400);
    // The reports' own rules, with their texts.
    let short = with(&[("description", Some("яма"))]);
    json_error(&post(short, "json").await, 400);
    let far = with(&[("lat", Some("48.85")), ("long", Some("2.35"))]);
    json_error(&post(far, "json").await, 400);
    assert_eq!(
        submitted(&app).await,
        before,
        "a refused filing files nothing"
    );
    // Reading: unknown ids and tokens are 404; unknown resources and formats too.
    let missing = get(&api, "requests/01JNOSUCHREPORT.json").await;
    assert!(json_error(&missing, 404).contains("01JNOSUCHREPORT"));
    xml_error(&get(&api, "requests/01JNOSUCHREPORT.xml").await, 404);
    xml_error(&get(&api, "tokens/nothing.xml").await, 404);
    xml_error(&get(&api, "services/no-such-code.xml").await, 404);
    json_error(&get(&api, "services/no-such-code.json").await, 404);
    json_error(&get(&api, "requests.csv").await, 404);
    xml_error(&get(&api, "nothing/here/at/all.xml").await, 404);
    json_error(&get(&api, "whatever.json").await, 404);
    // The list's filters: bad dates, spans, statuses, codes.
    for query in [
        "start_date=yesterday",
        "end_date=2026-01-01T00:00:00",
        "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
        "start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",
        "status=pending",
    ] {
        json_error(&get(&api, &format!("requests.json?{query}")).await, 400);
        xml_error(&get(&api, &format!("requests.xml?{query}")).await, 400);
    }
    json_error(
        &get(&api, "requests.json?service_code=no-such-code").await,
        404,
    );
    let many: Vec<String> = (0..1001).map(|i| format!("id{i}")).collect();
    let many = format!("requests.json?service_request_id={}", many.join(","));
    json_error(&get(&api, &many).await, 400);
    // The jurisdiction is accepted (none configured here).
    let listed = get(
        &api,
        &format!("requests.json?jurisdiction_id=any.example&service_code={pothole}"),
    )
    .await;
    json_answer(&listed, StatusCode::OK);
    app.stop().await;
}

async fn filing_is_rate_limited_and_admins_issue_application_keys(app: TestApp) {
    let api = Api::new(&app);
    let w = world(&app, &api).await;
    // Only admins issue keys.
    let body = json!({"account_id": w.other_id, "application": "Городское приложение"});
    let refused = api
        .post("/api/v1/open311-keys", Some(&w.author), &body)
        .await;
    refused.assert_status(StatusCode::FORBIDDEN);
    let issued = api
        .post("/api/v1/open311-keys", Some(&w.admin), &body)
        .await
        .json_if(StatusCode::CREATED);
    let key = issued["api_key"].as_str().unwrap().to_string();
    assert!(key.starts_with("vch_"));
    assert_eq!(issued["name"], "Open311: Городское приложение");
    let nobody = json!({"account_id": "01JNOSUCHACCOUNT", "application": "x"});
    let missing = api
        .post("/api/v1/open311-keys", Some(&w.admin), &nobody)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // The key files as its account, within the account's filing limit (3 a minute here).
    for _ in 0..3 {
        file(&api, &w, &key, "Яма у остановки автобуса").await;
    }
    let before = submitted(&app).await;
    let over = post_form(&api, "requests.xml", &filing(&w, &key, "Яма у остановки")).await;
    xml_error(&over, 429);
    assert!(over.header("retry-after").is_some());
    assert_eq!(submitted(&app).await, before);
    let mine = app
        .reports()
        .store()
        .by_author(
            &veche_core::id::AccountId::parse(&w.other_id).unwrap(),
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(mine.len(), 3);
    // The OpenAPI document holds the admin route.
    api.assert_documented(&["/api/v1/open311-keys"]).await;
    app.stop().await;
}

/// A real Open311 client from PyPI against the app: `georeport` 0.3.1 reads (services, a
/// definition, the request list with its filters, one request) in JSON and in XML;
/// `civicbot` 0.4.0's `Open311Client` files (it reads the list and the definition first to
/// check its form against them). `scripts/test` installs both into a virtualenv and names
/// its Python in `VECHE_TEST_OPEN311_PYTHON`; without it the test looks for the packages in
/// `python3`, and skips (saying why) when they are not there, except under `CI=true`.
async fn a_real_open311_client_library_reads_and_files(app: TestApp) {
    let python = std::env::var("VECHE_TEST_OPEN311_PYTHON").unwrap_or_else(|_| "python3".into());
    let usable = std::process::Command::new(&python)
        .args([
            "-c",
            "import georeport, civicbot.open311, requests, xmltodict",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    if !usable {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "CI=true: the Open311 client libraries must be installed ({python}: georeport, civicbot)"
        );
        eprintln!(
            "SKIP: {python} lacks georeport / civicbot (scripts/test installs them into a virtualenv)"
        );
        app.stop().await;
        return;
    }
    let api = Api::new(&app);
    let w = world(&app, &api).await;
    let listed = file(&api, &w, &w.author, "Глубокая яма посреди дороги").await;
    accept(&api, &w, &listed).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/open311_client.py");
    let base = app.url("/open311/v2");
    let run = tokio::process::Command::new(&python)
        .args([script, &base, &w.other, &w.pothole, &listed])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "the client failed: {stderr}");
    let out: Value = serde_json::from_slice(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&run.stdout)));
    for format in ["json", "xml"] {
        let seen = &out[format];
        assert_eq!(
            seen["services"],
            json!([w.litter.clone(), w.pothole.clone()]
                .iter()
                .collect::<BTreeSet<_>>()),
            "{format}"
        );
        assert_eq!(seen["groups"], json!(["Дворы", "Дороги"]), "{format}");
        assert_eq!(seen["attribute"], "photos", "{format}");
        assert_eq!(seen["requests"], json!([listed.clone()]), "{format}");
        assert_eq!(seen["by_id"], json!([listed.clone()]), "{format}");
        assert_eq!(seen["filtered"], json!([listed.clone()]), "{format}");
        assert_eq!(seen["closed"], json!([]), "{format}");
        assert_eq!(
            seen["one"]["service_request_id"],
            listed.as_str(),
            "{format}"
        );
        assert_eq!(seen["one"]["status"], "open", "{format}");
        assert_eq!(seen["one"]["address"], "Плющиха, 10", "{format}");
        assert_eq!(seen["missing"], 404, "{format}");
    }
    let filed = out["filed"].as_str().unwrap();
    let report = app
        .reports()
        .store()
        .report(&veche_reports::model::ReportId::parse(filed).unwrap())
        .await
        .unwrap()
        .expect("the client's request was filed");
    assert_eq!(report.author_id.to_string(), w.other_id);
    assert_eq!(report.status, Status::Submitted);
    assert_eq!(report.description, "Яма у подъезда, filed by civicbot");
    app.stop().await;
}

fn filing_unlimited(settings: &mut veche::config::Settings) {
    rate(settings, "report_file", "1000/min");
}

fn three_reports_a_minute(settings: &mut veche::config::Settings) {
    rate(settings, "report_file", "3/min");
}

on_both_stores_with!(
    open311,
    filing_unlimited,
    [
        discovery_services_and_definitions_in_both_formats,
        requests_are_filed_listed_and_filtered_in_both_formats,
        errors_are_the_specs_lists_and_change_nothing,
        a_real_open311_client_library_reads_and_files,
    ]
);

on_both_stores_with!(
    open311_limits,
    three_reports_a_minute,
    [filing_is_rate_limited_and_admins_issue_application_keys]
);
