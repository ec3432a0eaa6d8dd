//! Every HTML page, rendered with an XSS corpus in every field a user writes, shows none of it
//! unescaped. Black-box: the accounts, the organisation, the API tokens, the polls (title,
//! description, questions, options, the decision) and the audited reasons are all written over
//! the HTTP API as their users write them; then every page is fetched as each role (anonymous,
//! resident, official, admin) and must answer 200 with no payload in raw form, while the
//! escaped form of each field appears on the pages that show that field (so a field left out
//! of a page, or rendered some other way, fails the test too).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use veche_core::accounts::model::Role;

use common::app::{sealing, TestApp};
use common::fixtures::{rfc3339, two_questions};
use common::PASSWORD;

/// The corpus: each item is written into the fields as it stands.
const CORPUS: [&str; 7] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    "</textarea><script>",
    "{{7*7}}",
    // Right-to-left text after a right-to-left override, with markup inside.
    "\u{202E}שלום مرحبا <b>rtl</b> 𝔘𝔫𝔦",
];

/// What must never reach a page as it stands: the markup the corpus carries, and a
/// `javascript:` URL in an attribute.
const RAW: [&str; 8] = [
    "<script>alert(1)",
    "<img src=x onerror",
    "<svg onload",
    "</textarea><script>",
    "<b>rtl</b>",
    "=\"javascript:",
    "='javascript:",
    "=javascript:",
];

/// The whole corpus in one field (for the fields that take 150 characters and more), after a
/// label naming the field.
fn all(label: &str) -> String {
    format!("{label} {}", CORPUS.join(" "))
}

/// One item of the corpus in a short field (display names and token names take 60 characters;
/// names take no right-to-left override).
fn one(label: &str, i: usize) -> String {
    let item = CORPUS[i].trim_start_matches('\u{202E}');
    format!("{label}{i} {item}")
}

/// `text` as an HTML page shows it: `&`, `<`, `>`, `"` and `'` escaped.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// A page body with the equivalent spellings of each escaped character made one (the
/// templates write `&#60;` for `&lt;`, for one).
fn normalised(body: &str) -> String {
    [
        ("&#60;", "&lt;"),
        ("&#x3c;", "&lt;"),
        ("&#x3C;", "&lt;"),
        ("&#62;", "&gt;"),
        ("&#x3e;", "&gt;"),
        ("&#x3E;", "&gt;"),
        ("&quot;", "&#34;"),
        ("&#x22;", "&#34;"),
        ("&#x27;", "&#39;"),
        ("&apos;", "&#39;"),
        ("&#38;", "&amp;"),
        ("&#x26;", "&amp;"),
    ]
    .iter()
    .fold(body.to_string(), |b, (from, to)| b.replace(from, to))
}

/// Someone signed in: their browser (cookie jar) and CSRF token.
struct Session {
    client: Client,
    csrf: String,
}

/// Signs up `email` named `name` (Хамовники, [`PASSWORD`]), with `roles` given in the store,
/// and signs in; returns the session and the account id.
async fn person(app: &TestApp, email: &str, name: &str, roles: &[Role]) -> (Session, String) {
    let client = app.client();
    let account = app.sign_up_as(&client, email, name).await;
    if !roles.is_empty() {
        app.grant(email, roles).await;
    }
    let csrf = app.sign_in(&client, email, PASSWORD).await;
    let id = account["id"].as_str().unwrap().to_string();
    (Session { client, csrf }, id)
}

/// A state-changing API call of `who`: asserts a success and returns the body.
async fn call(
    app: &TestApp,
    who: &Session,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let response = app
        .send_csrf(&who.client, method.clone(), path, &who.csrf, body.as_ref())
        .await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{method} {path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// The API path `tail` of the poll `id`.
fn poll_api(id: &str, tail: &str) -> String {
    format!("/api/v1/polls/{id}{tail}")
}

/// A POST of `who` through [`call`].
async fn post(app: &TestApp, who: &Session, path: &str, body: Value) -> Value {
    call(app, who, Method::POST, path, Some(body)).await
}

/// Two things made by `who` through [`post`] at `path`, one a body: their ids.
async fn two(app: &TestApp, who: &Session, path: &str, bodies: [Value; 2]) -> [String; 2] {
    let mut ids = Vec::new();
    for body in bodies {
        let made = post(app, who, path, body).await;
        ids.push(made["id"].as_str().unwrap().to_string());
    }
    ids.try_into().unwrap()
}

/// Each step in turn: who posts what where, through [`post`].
async fn steps<'a>(app: &TestApp, steps: impl IntoIterator<Item = (&'a Session, String, Value)>) {
    for (who, path, body) in steps {
        post(app, who, &path, body).await;
    }
}

/// Closes the poll `id` with the written reason and publishes the written decision.
///
/// FerretDB, the MongoDB test server, does not serialise two version-guarded replaces of one
/// document (both succeed): the polls' scheduler marking the newly opened poll announced
/// (`set_flag`, a version-guarded replace) at that instant can undo the close there, and the
/// publication then finds the poll open (409 `not_closed`). Real MongoDB refuses the second replace. So the close is made
/// again, a few times at most, until the publication finds it closed.
async fn close_and_publish(app: &TestApp, who: &Session, id: &str, w: &Written) -> Value {
    let close = json!({ "reason": w.close_reason });
    let publish = json!({ "decision": w.decision });
    for _ in 0..5 {
        let closed = app
            .send_csrf(
                &who.client,
                Method::POST,
                &poll_api(id, "/close"),
                &who.csrf,
                Some(&close),
            )
            .await;
        let (status, text) = (closed.status(), closed.text().await.unwrap());
        assert!(
            status.is_success() || text.contains("not_open"),
            "close: {status} {text}"
        );
        let published = app
            .send_csrf(
                &who.client,
                Method::POST,
                &poll_api(id, "/publication"),
                &who.csrf,
                Some(&publish),
            )
            .await;
        let (status, text) = (published.status(), published.text().await.unwrap());
        if status.is_success() {
            return serde_json::from_str(&text).unwrap();
        }
        assert!(text.contains("not_closed"), "publication: {status} {text}");
    }
    panic!("the poll {id} would not stay closed");
}

/// The fields the users wrote, as they wrote them.
struct Written {
    /// Display names: the admin's, the official's, the resident's, then four more residents'.
    names: Vec<String>,
    organisation: String,
    tokens: Vec<String>,
    /// Per poll (open, published): title, description, the questions' and options' texts.
    polls: Vec<PollTexts>,
    /// A poll left a draft: its editor has every field in a form.
    draft: PollTexts,
    decision: String,
    close_reason: String,
    roles_reason: String,
    block_reason: String,
}

struct PollTexts {
    title: String,
    description: String,
    questions: Vec<String>,
    options: Vec<String>,
}

impl PollTexts {
    fn new(label: &str) -> PollTexts {
        PollTexts {
            title: all(&format!("Опрос {label}")),
            description: all(&format!("Описание {label}")),
            questions: (1..=2)
                .map(|q| all(&format!("Вопрос {label}-{q}")))
                .collect(),
            options: (1..=5)
                .map(|o| all(&format!("Вариант {label}-{o}")))
                .collect(),
        }
    }

    /// The poll input: two questions as in [`two_questions`] (two options, then three), with
    /// these texts.
    fn input(&self) -> Value {
        let mut questions = two_questions();
        let mut texts = self.options.iter();
        for (q, question) in questions.as_array_mut().unwrap().iter_mut().enumerate() {
            question["text"] = json!(self.questions[q]);
            for option in question["options"].as_array_mut().unwrap() {
                option["text"] = json!(texts.next().unwrap());
            }
        }
        let now = veche_core::clock::now();
        json!({
            "title": self.title,
            "description": self.description,
            "questions": questions,
            "opens_at": rfc3339(now - time::Duration::minutes(1)),
            "closes_at": rfc3339(now + time::Duration::days(7)),
            "results_visibility": "after_voting",
        })
    }

    /// What the poll's own pages show: everything.
    fn everything(&self) -> Vec<&str> {
        let mut v = vec![self.title.as_str()];
        v.extend(self.questions.iter().map(String::as_str));
        v.extend(self.options.iter().map(String::as_str));
        v
    }
}

/// What residents and officials write in the ideas: a project, two ideas, a moderator's
/// note, an appeal, a comment.
struct IdeaTexts {
    project_title: String,
    project_description: String,
    /// A topic's and a criterion's names take 100 characters: one item each.
    topic: String,
    criterion: String,
    /// An idea's title takes 140 characters: one item each.
    title_a: String,
    body_a: String,
    title_b: String,
    body_b: String,
    note: String,
    appeal: String,
    comment: String,
}

impl IdeaTexts {
    fn new() -> IdeaTexts {
        IdeaTexts {
            project_title: one("Проект", 0),
            project_description: all("Описание проекта"),
            topic: one("Тема", 1),
            criterion: one("Критерий", 2),
            title_a: one("Идея", 3),
            body_a: all("Текст идеи А"),
            title_b: one("Идея", 4),
            body_b: all("Текст идеи Б"),
            note: all("Примечание"),
            appeal: all("Жалоба"),
            comment: all("Комментарий"),
        }
    }
}

/// What residents, moderators and officials write into problem reports.
struct ReportTexts {
    description_a: String,
    address_a: String,
    description_b: String,
    address_b: String,
    reject_note: String,
    answer: String,
    dispute: String,
}

impl ReportTexts {
    fn new() -> ReportTexts {
        ReportTexts {
            description_a: all("Описание проблемы А"),
            address_a: all("Адрес А"),
            description_b: all("Описание проблемы Б"),
            address_b: all("Адрес Б"),
            reject_note: all("Отклонено"),
            answer: all("Ответ"),
            dispute: all("Не согласен"),
        }
    }
}

/// A page to fetch, and the written fields it must show (escaped).
struct Page {
    path: String,
    shows: Vec<String>,
}

fn page(path: impl Into<String>, shows: &[&str]) -> Page {
    Page {
        path: path.into(),
        shows: shows.iter().map(|s| s.to_string()).collect(),
    }
}

/// The checks on one page's body: no payload raw, and each of `shows` (and `own_name`)
/// escaped. `Err` says what is wrong.
fn check_body(
    role: &str,
    path: &str,
    body: &str,
    shows: &[String],
    own_name: Option<&str>,
) -> Result<(), String> {
    for raw in RAW {
        if let Some(at) = body.find(raw) {
            let from = body[..at]
                .char_indices()
                .rev()
                .nth(200)
                .map_or(0, |(i, _)| i);
            let to = body[at..]
                .char_indices()
                .nth(200)
                .map_or(body.len(), |(i, _)| at + i);
            return Err(format!(
                "{role}: GET {path} shows {raw:?} unescaped:\n…{}…",
                &body[from..to]
            ));
        }
    }
    let body = normalised(body);
    for field in shows.iter().map(String::as_str).chain(own_name) {
        if !body.contains(&escaped(field)) {
            return Err(format!(
                "{role}: GET {path} does not show {field:?} (escaped: {:?}):\n{body}",
                escaped(field)
            ));
        }
    }
    Ok(())
}

/// The checks can fail: a field shown as it stands, or not at all, is caught.
#[test]
fn the_checks_catch_a_raw_or_a_missing_field() {
    let title = all("Опрос");
    let shown = format!("<h1>{}</h1>", escaped(&title).replace("&lt;", "&#60;"));
    assert_eq!(
        check_body("test", "/", &shown, std::slice::from_ref(&title), None),
        Ok(())
    );
    for item in CORPUS {
        // Shown as it stands; a template expression evaluated; a URL that runs script.
        let bad = match item {
            "{{7*7}}" => "<h1>49</h1>".to_string(),
            "javascript:alert(1)" => format!("<a href=\"{item}\">{}</a>", escaped(item)),
            _ => format!("<h1>{item}</h1>"),
        };
        assert!(
            check_body("test", "/", &bad, &[item.to_string()], None).is_err(),
            "{bad:?} went unnoticed"
        );
    }
    assert!(
        check_body("test", "/", "<h1></h1>", &[title], None).is_err(),
        "a field not shown went unnoticed"
    );
}

/// Fetches each page as `who` (`None`: anonymous): 200, no raw payload, and each field it shows
/// escaped, along with `own_name` (the header's display name of whoever is signed in). Returns
/// how many pages it fetched.
async fn check_pages(
    app: &TestApp,
    role: &str,
    who: &Client,
    own_name: Option<&str>,
    pages: &[Page],
) -> usize {
    for page in pages {
        let response = app.get(who, &page.path).await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(
            status,
            StatusCode::OK,
            "{role}: GET {} answered {status}:\n{body}",
            page.path
        );
        if let Err(problem) = check_body(role, &page.path, &body, &page.shows, own_name) {
            panic!("{problem}");
        }
    }
    pages.len()
}

async fn every_page_escapes_every_field_a_user_writes(app: TestApp) {
    let w = Written {
        names: (0..CORPUS.len()).map(|i| one("Житель", i)).collect(),
        organisation: all("Управа"),
        tokens: (0..CORPUS.len()).map(|i| one("Токен", i)).collect(),
        polls: vec![PollTexts::new("открытый"), PollTexts::new("решённый")],
        draft: PollTexts::new("черновой"),
        decision: all("Решение"),
        close_reason: all("Закрыт"),
        roles_reason: all("Назначен"),
        block_reason: all("Заблокирован"),
    };

    // ---- The users write ----
    let (admin, _) = person(&app, "admin@xss.test", &w.names[0], &[Role::Admin]).await;
    let (official, official_id) = person(&app, "official@xss.test", &w.names[1], &[]).await;
    let (resident, resident_id) = person(&app, "resident@xss.test", &w.names[2], &[]).await;
    let mut others = Vec::new();
    for (i, name) in w.names.iter().enumerate().skip(3) {
        let client = app.client();
        let account = app
            .sign_up_as(&client, &format!("r{i}@xss.test"), name)
            .await;
        others.push(account["id"].as_str().unwrap().to_string());
    }

    // The admin makes the organisation, makes the official one of it (with a reason) and
    // blocks a resident (with a reason).
    let org = post(
        &app,
        &admin,
        "/api/v1/admin/organisations",
        json!({ "name": w.organisation }),
    )
    .await;
    call(
        &app,
        &admin,
        Method::PUT,
        &format!("/api/v1/admin/accounts/{official_id}/roles"),
        Some(json!({ "roles": ["official"], "organisation_id": org["id"], "reason": w.roles_reason })),
    )
    .await;
    let block = format!("/api/v1/admin/accounts/{}/block", others.last().unwrap());
    post(&app, &admin, &block, json!({ "reason": w.block_reason })).await;

    // The resident names their API tokens.
    for name in &w.tokens {
        post(&app, &resident, "/api/v1/tokens", json!({ "name": name })).await;
    }

    // The official writes two polls and opens them; the resident votes in both; the second is
    // closed (with a reason) and its decision published.
    let mut ids = Vec::new();
    let mut receipts = Vec::new();
    for texts in &w.polls {
        let poll = post(&app, &official, "/api/v1/polls", texts.input()).await;
        let id = poll["id"].as_str().unwrap().to_string();
        let poll = call(
            &app,
            &official,
            Method::POST,
            &poll_api(&id, "/schedule"),
            None,
        )
        .await;
        assert_eq!(poll["status"], "open");
        let ballot = json!({"answers": [{
            "question": poll["questions"][0]["id"],
            "options": [poll["questions"][0]["options"][0]["id"]],
        }]});
        let cast = post(&app, &resident, &poll_api(&id, "/ballots"), ballot).await;
        receipts.push(cast["receipt"].as_str().unwrap().to_string());
        ids.push(id);
    }
    let draft = post(&app, &official, "/api/v1/polls", w.draft.input()).await;
    let draft = draft["id"].as_str().unwrap().to_string();
    let (open, done) = (&ids[0], &ids[1]);
    let published = close_and_publish(&app, &official, done, &w).await;
    assert_eq!(published["status"], "published");

    // The official runs an ideas project; the resident proposes two ideas and comments on
    // the first, which the admin (a moderator too) approves; the second is rejected with a
    // note, and its author appeals.
    let ix = IdeaTexts::new();
    let now = veche_core::clock::now();
    let project = post(
        &app,
        &official,
        "/api/v1/idea-projects",
        json!({
            "title": ix.project_title,
            "description": ix.project_description,
            "topics": [{"code": "parks", "name": ix.topic}],
            "criteria": [{"code": "benefit", "name": ix.criterion}],
            "audience": "city",
            "proposals": rfc3339(now - time::Duration::minutes(1)),
            "discussion": rfc3339(now + time::Duration::days(1)),
            "review": rfc3339(now + time::Duration::days(2)),
            "results": rfc3339(now + time::Duration::days(3)),
        }),
    )
    .await;
    let project = project["id"].as_str().unwrap().to_string();
    post(
        &app,
        &official,
        &format!("/api/v1/idea-projects/{project}/publication"),
        json!(null),
    )
    .await;
    let [idea_a, idea_b] = two(
        &app,
        &resident,
        &format!("/api/v1/idea-projects/{project}/ideas"),
        [(&ix.title_a, &ix.body_a), (&ix.title_b, &ix.body_b)]
            .map(|(title, body)| json!({"title": title, "body": body, "topic": "parks"})),
    )
    .await;
    let idea_steps = [
        (
            &admin,
            format!("/api/v1/ideas/{idea_a}/decision"),
            json!({"action": "approve"}),
        ),
        (
            &admin,
            format!("/api/v1/ideas/{idea_b}/decision"),
            json!({"action": "reject", "reason": "unclear", "note": ix.note}),
        ),
        (
            &resident,
            format!("/api/v1/ideas/{idea_b}/appeal"),
            json!({"text": ix.appeal}),
        ),
        (
            &resident,
            format!("/api/v1/ideas/{idea_a}/comments"),
            json!({"text": ix.comment}),
        ),
    ];
    steps(&app, idea_steps).await;
    // The official puts the first forward to the experts (the review page lists it).
    call(
        &app,
        &official,
        Method::PUT,
        &format!("/api/v1/ideas/{idea_a}/shortlist"),
        None,
    )
    .await;

    // The admin keeps a category and says the organisation answers for it in Khamovniki; the
    // resident reports two problems: the first is accepted, answered by the official and
    // disputed by the resident, the second rejected with a note.
    let rx = ReportTexts::new();
    let group = post(
        &app,
        &admin,
        "/api/v1/report-categories",
        json!({"name_ru": "Двор", "name_en": "Yard", "organisation_kind": "district_council"}),
    )
    .await;
    let category = post(
        &app,
        &admin,
        "/api/v1/report-categories",
        json!({"parent": group["id"], "name_ru": "Мусор", "name_en": "Litter",
            "organisation_kind": "district_council"}),
    )
    .await;
    call(
        &app,
        &admin,
        Method::PUT,
        &format!(
            "/api/v1/report-organisations/{}",
            org["id"].as_str().unwrap()
        ),
        Some(json!({"kind": "district_council", "districts": [common::KHAMOVNIKI]})),
    )
    .await;
    let [report_a, report_b] = two(
        &app,
        &resident,
        "/api/v1/reports",
        [
            (&rx.description_a, &rx.address_a),
            (&rx.description_b, &rx.address_b),
        ]
        .map(|(description, address)| {
            json!({"category_id": category["id"], "lat": 55.7355, "lon": 37.5885,
                "address": address, "description": description})
        }),
    )
    .await;
    let report_steps = [
        (
            &admin,
            format!("/api/v1/reports/{report_a}/decision"),
            json!({"action": "accept"}),
        ),
        (
            &admin,
            format!("/api/v1/reports/{report_b}/decision"),
            json!({"action": "reject", "reason": "unclear", "note": rx.reject_note}),
        ),
        (
            &official,
            format!("/api/v1/reports/{report_a}/answer"),
            json!({"text": rx.answer}),
        ),
        (
            &resident,
            format!("/api/v1/reports/{report_a}/dispute"),
            json!({"note": rx.dispute}),
        ),
    ];
    steps(&app, report_steps).await;

    // The office's pages: the admin makes a category and two organisations' profiles; the resident
    // files two reports; the admin (a moderator) accepts the first and re-routes it away and
    // back, with reasons; the official answers it. The second waits for a moderator.
    let ox_category = format!("Категория {}", CORPUS[..6].join(" "));
    let ox_address = all("Адрес");
    let ox_description = all("Описание");
    let ox_waiting = all("Ждёт");
    let ox_away = all("Передано");
    let ox_back = all("Вернули");
    let ox_answer = all("Ответ");
    let ox_bridges = post(
        &app,
        &admin,
        "/api/v1/admin/organisations",
        json!({ "name": "Мосты" }),
    )
    .await;
    for (id, kind) in [(&org["id"], "roads"), (&ox_bridges["id"], "parks")] {
        let id = id.as_str().unwrap();
        call(
            &app,
            &admin,
            Method::PUT,
            &format!("/api/v1/report-organisations/{id}"),
            Some(json!({ "kind": kind, "districts": [common::KHAMOVNIKI] })),
        )
        .await;
    }
    let ox_cat = post(
        &app,
        &admin,
        "/api/v1/report-categories",
        json!({ "name_ru": ox_category, "name_en": ox_category, "organisation_kind": "roads" }),
    )
    .await;
    let mut ox_ids = Vec::new();
    for description in [&ox_description, &ox_waiting] {
        let report = post(
            &app,
            &resident,
            "/api/v1/reports",
            json!({ "category_id": ox_cat["id"], "lat": 55.7355, "lon": 37.5885,
                "address": ox_address, "description": description }),
        )
        .await;
        ox_ids.push(report["id"].as_str().unwrap().to_string());
    }
    let ox_report = &ox_ids[0];
    post(
        &app,
        &admin,
        &format!("/api/v1/reports/{ox_report}/decision"),
        json!({ "action": "accept" }),
    )
    .await;
    for (to, note) in [(&ox_bridges["id"], &ox_away), (&org["id"], &ox_back)] {
        post(
            &app,
            &admin,
            &format!("/api/v1/reports/{ox_report}/reroute"),
            json!({ "organisation_id": to, "note": note }),
        )
        .await;
    }
    post(
        &app,
        &official,
        &format!("/api/v1/reports/{ox_report}/answer"),
        json!({ "text": ox_answer }),
    )
    .await;
    let ox_office_report = [
        ox_category.as_str(),
        &ox_address,
        &ox_description,
        &ox_away,
        &ox_back,
        &ox_answer,
    ];

    // ---- Every page, as each role ----
    let [o, d] = [&w.polls[0], &w.polls[1]];
    let mut open_page = o.everything();
    open_page.push(&o.description);
    let mut done_page = d.everything();
    done_page.push(&d.description);
    done_page.push(&w.decision);
    let done_results = d.everything();
    let public = |extra: Vec<Page>| {
        let mut pages = vec![
            page("/", &[]),
            page("/ideas", &[&ix.project_title]),
            page(
                format!("/ideas/projects/{project}"),
                &[
                    &ix.project_title,
                    &ix.project_description,
                    &ix.topic,
                    &ix.title_a,
                ],
            ),
            page(
                format!("/ideas/{idea_a}"),
                &[
                    &ix.project_title,
                    &ix.title_a,
                    &ix.body_a,
                    &ix.topic,
                    &ix.comment,
                ],
            ),
            page(
                format!("/ideas/projects/{project}/log"),
                &[&ix.project_title],
            ),
            page(
                format!("/ideas/projects/{project}/results"),
                &[&ix.project_title],
            ),
            page("/polls", &[&o.title, &d.title]),
            page(format!("/polls/{open}"), &open_page),
            page(format!("/polls/{done}"), &done_page),
            page(format!("/polls/{done}/results"), &done_results),
            page("/reports", &[&rx.address_a]),
            page(
                format!("/reports/{report_a}"),
                &[&rx.description_a, &rx.address_a, &rx.answer, &rx.dispute],
            ),
        ];
        pages.extend(extra);
        pages
    };
    let anonymous = app.client();
    let signed_out = public(vec![
        page("/signin", &[]),
        page("/signup", &[]),
        page("/forgot-password", &[]),
    ]);

    let tokens: Vec<&str> = w.tokens.iter().map(String::as_str).collect();
    let mut receipt_pages = Vec::new();
    for ((id, receipt), texts) in ids.iter().zip(&receipts).zip(&w.polls) {
        // The receipt lists the poll, each question answered and the option chosen.
        let shows = [
            texts.title.as_str(),
            texts.questions[0].as_str(),
            texts.options[0].as_str(),
        ];
        receipt_pages.push(page(format!("/polls/{id}/receipts/{receipt}"), &shows));
    }
    let mut resident_pages = public(vec![
        page(
            format!("/ideas/{idea_b}"),
            &[&ix.title_b, &ix.body_b, &ix.note],
        ),
        page(
            format!("/ideas/{idea_b}/edit"),
            &[&ix.title_b, &ix.body_b, &ix.topic],
        ),
        page(
            format!("/ideas/projects/{project}/new"),
            &[&ix.project_title, &ix.topic],
        ),
        page("/profile", &tokens),
        page("/profile/notifications", &[]),
        page("/me/points", &[&o.title, &d.title]),
        page(format!("/polls/{open}/results"), &o.everything()),
        page(
            format!("/reports/{report_b}"),
            &[&rx.description_b, &rx.address_b, &rx.reject_note],
        ),
        page("/reports/mine", &[&rx.address_a, &rx.address_b]),
        page("/reports/new", &[]),
    ]);
    resident_pages.extend(receipt_pages);

    let mut open_editor = o.everything();
    open_editor.push(&o.description);
    // Once published, the settings are no longer a form: the editor shows no description.
    let mut done_editor = d.everything();
    done_editor.push(&w.decision);
    // A draft's editor has them all in its forms (the title in an attribute, the description
    // in a textarea).
    let mut draft_editor = w.draft.everything();
    draft_editor.push(&w.draft.description);
    let official_pages = public(vec![
        page("/profile", &[]),
        page(
            format!("/ideas/projects/{project}/review"),
            &[&ix.project_title, &ix.title_a],
        ),
        page("/official/polls", &[&o.title, &d.title, &w.draft.title]),
        page(format!("/official/polls/{draft}"), &draft_editor),
        page("/official/polls/new", &[]),
        page(format!("/official/polls/{open}"), &open_editor),
        page(format!("/official/polls/{done}"), &done_editor),
        page(format!("/official/polls/{open}/dashboard"), &o.everything()),
        page(format!("/official/polls/{done}/dashboard"), &d.everything()),
        page(format!("/office/reports/{ox_report}"), &ox_office_report),
        page("/office/reports", &[]),
        page("/office/dashboard", &[&ox_category, &w.organisation]),
    ]);

    let names: Vec<&str> = w.names.iter().map(String::as_str).collect();
    let mut admin_pages = public(vec![
        page(
            "/moderation/ideas",
            &[&ix.title_b, &ix.body_b, &ix.appeal, &ix.project_title],
        ),
        page("/profile", &[]),
        page("/admin/accounts", &names),
        page("/admin/organisations", &[&w.organisation]),
        page(
            "/admin/audit",
            &[&w.roles_reason, &w.block_reason, &w.close_reason],
        ),
        page("/admin/mail", &[]),
        page(
            "/moderation/reports",
            &[&ox_category, &ox_address, &ox_waiting],
        ),
        page(format!("/office/reports/{ox_report}"), &ox_office_report),
        page(
            format!(
                "/office/reports?organisation={}",
                org["id"].as_str().unwrap()
            ),
            &[&w.organisation],
        ),
        page("/office/dashboard", &[&ox_category, &w.organisation]),
        page(
            format!("/reports/{report_b}"),
            &[&rx.description_b, &rx.address_b, &rx.reject_note],
        ),
    ]);
    let accounts = [official_id.clone(), resident_id.clone()]
        .into_iter()
        .chain(others.iter().cloned());
    for (id, name) in accounts.zip(names.iter().skip(1)) {
        admin_pages.push(page(
            format!("/admin/accounts/{id}"),
            &[name, &w.organisation],
        ));
    }
    // Each role in turn, with the name it is signed in under.
    let visits = [
        ("anonymous", &anonymous, None, signed_out),
        (
            "resident",
            &resident.client,
            Some(&w.names[2]),
            resident_pages,
        ),
        (
            "official",
            &official.client,
            Some(&w.names[1]),
            official_pages,
        ),
        ("admin", &admin.client, Some(&w.names[0]), admin_pages),
    ];
    let mut fetched = 0;
    for (role, client, name, pages) in visits {
        fetched += check_pages(&app, role, client, name.map(String::as_str), &pages).await;
    }

    eprintln!("xss: {fetched} pages fetched, none shows the corpus unescaped");
    app.stop().await;
}

on_both_stores_with!(
    pages,
    sealing,
    [every_page_escapes_every_field_a_user_writes]
);
