//! What the tests put straight into the store (accounts with API tokens, organisations, a poll
//! with a ballot), and the poll inputs they send to the API.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use veche_core::accounts::model::Role;
use veche_core::id::{AccountId, OrganisationId};

use super::{TestApp, PASSWORD};

/// One argon2 hash of [`PASSWORD`], computed once for every account made by [`member`].
static PASSWORD_HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

async fn password_hash() -> String {
    PASSWORD_HASH
        .get_or_init(|| async {
            let password =
                veche_core::accounts::model::Password::parse(PASSWORD).expect("password");
            veche_core::accounts::service::hash_password(&password)
                .await
                .expect("hash")
        })
        .await
        .clone()
}

/// A new organisation, straight into the store.
pub async fn organisation(app: &TestApp, name: &str) -> OrganisationId {
    let organisation = veche_core::accounts::model::Organisation {
        id: OrganisationId::generate(),
        name: name.to_string(),
        created_at: veche_core::clock::now(),
    };
    app.platform()
        .store
        .insert_organisation(&organisation)
        .await
        .expect("insert organisation");
    organisation.id
}

/// An account made directly in the store (no sign-up rate limit, no argon2 per account) with
/// an API token: returns its id and the bearer token. `verified` makes it active (else
/// unverified); `organisation` is kept for officials.
pub async fn member(
    app: &TestApp,
    district: &str,
    birth_year: i32,
    verified: bool,
    roles: &[Role],
    organisation: Option<OrganisationId>,
) -> (AccountId, String) {
    use veche_core::accounts::model::{Account, AccountState, BirthYear};
    use veche_core::id::DistrictId;
    let platform = app.platform();
    let now = veche_core::clock::now();
    let id = AccountId::generate();
    let email = format!("r-{}@test.veche.example", id.as_str().to_lowercase());
    let account = Account {
        id,
        district_id: DistrictId::from_trusted(district.to_string()),
        birth_year: BirthYear::from_trusted(birth_year),
        password_hash: password_hash().await,
        roles: roles
            .iter()
            .copied()
            .chain([Role::Resident])
            .collect::<BTreeSet<_>>(),
        organisation_id: organisation,
        state: if verified {
            AccountState::Active
        } else {
            AccountState::Unverified
        },
        created_at: now,
        updated_at: now,
        ..veche_core::testing::account(&email, "Тестовый Житель")
    };
    platform
        .store
        .insert_account(&account)
        .await
        .expect("insert account");
    let (_, secret) = veche_core::accounts::service::create_token(platform, &account.id, "tests")
        .await
        .expect("create token");
    // Recently used: the first requests need not write the time of use.
    platform
        .store
        .touch_tokens(&[veche_core::random::token_hash(&secret)], now)
        .await
        .expect("touch token");
    (account.id, secret)
}

/// [`member`]: an active official of `organisation`, living in Khamovniki.
pub async fn official_of(
    app: &TestApp,
    organisation: &OrganisationId,
    birth_year: i32,
) -> (AccountId, String) {
    let roles = [Role::Official];
    let organisation = Some(organisation.clone());
    member(
        app,
        super::KHAMOVNIKI,
        birth_year,
        true,
        &roles,
        organisation,
    )
    .await
}

/// [`member`] with a fresh organisation of its own when `roles` holds [`Role::Official`].
pub async fn resident(
    app: &TestApp,
    district: &str,
    birth_year: i32,
    verified: bool,
    roles: &[Role],
) -> (AccountId, String) {
    let organisation = if roles.contains(&Role::Official) {
        Some(organisation(app, "Управа района").await)
    } else {
        None
    };
    member(app, district, birth_year, verified, roles, organisation).await
}

/// The email address of a stored account.
pub async fn email_of(app: &TestApp, id: &AccountId) -> String {
    app.platform()
        .store
        .account(id)
        .await
        .expect("store")
        .expect("the account is stored")
        .email
        .to_string()
}

/// The okrug a district belongs to.
pub fn okrug_of(app: &TestApp, district: &str) -> String {
    app.platform()
        .directory()
        .district(district)
        .map(|d| d.okrug_id.to_string())
        .expect("a known district")
}

// ---- Polls ----

pub fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .expect("an RFC 3339 time")
}

/// Two questions as the API takes them: a required single-choice one (Каток, Сцену) and an
/// optional one allowing two of three options (Скамейки, Фонари, Урны).
pub fn two_questions() -> Value {
    json!([
        {"text": "Что построить?", "options": [{"text": "Каток"}, {"text": "Сцену"}]},
        {"text": "Что ещё?", "kind": "multiple", "max_choices": 2, "required": false,
         "options": [{"text": "Скамейки"}, {"text": "Фонари"}, {"text": "Урны"}]},
    ])
}

/// A poll opening `opens_in` from now (negative: already open) for a week, with
/// [`two_questions`].
pub fn poll_input(
    title: &str,
    audience: Value,
    visibility: &str,
    opens_in: time::Duration,
) -> Value {
    let now = veche_core::clock::now();
    json!({
        "title": title,
        "description": "Что построить в парке «Дубки»",
        "questions": two_questions(),
        "audience": audience,
        "opens_at": rfc3339(now + opens_in),
        "closes_at": rfc3339(now + time::Duration::days(7)),
        "points": 25,
        "results_visibility": visibility,
    })
}

/// An open poll with one ballot, straight in the store: its id and the ballot's receipt.
pub async fn poll_with_a_ballot(polls: &veche_polls::Polls) -> (String, String) {
    let districts = [veche_core::id::DistrictId::from_trusted(
        super::KHAMOVNIKI.into(),
    )];
    let poll = veche_polls::demo::bench_poll(polls, 1, &districts)
        .await
        .expect("the poll and its ballot are stored");
    let ballots = polls
        .store()
        .ballots_page(&poll.id, None, 1)
        .await
        .expect("store");
    let ballot = ballots.first().expect("the ballot is stored");
    (poll.id.to_string(), ballot.receipt.to_string())
}

/// A project of `author`, published, one topic (code, name), in its proposals stage since a
/// day ago; each later stage begins `stage` after the one before. Stored.
pub async fn open_project(
    ideas: &veche_ideas::Ideas,
    author: &veche_core::accounts::model::Account,
    (title, description): (&str, &str),
    (code, name): (&str, &str),
    stage: time::Duration,
) -> veche_ideas::model::Project {
    use veche_ideas::model::{Audience, Label, Project, Schedule};
    let now = veche_core::clock::now();
    let [discussion, review, results] = [1, 2, 3].map(|n| now + stage * n);
    let fields = veche_ideas::rules::ProjectFields {
        title: title.into(),
        description: description.into(),
        topics: vec![Label {
            code: code.into(),
            name: name.into(),
        }],
        criteria: Vec::new(),
        audience: Audience::City,
        schedule: Schedule {
            proposals: now - time::Duration::days(1),
            discussion,
            review,
            results,
        },
    };
    let project = Project {
        published: true,
        ..veche_ideas::rules::new_project(fields, author, now)
    };
    ideas
        .store()
        .insert_project(&project)
        .await
        .expect("project");
    project
}

/// The project `id` as stored, its schedule changed by `change` straight in the store, at the
/// next version (the clock is the store's; an edit may not move a stage that began).
pub async fn reschedule(
    ideas: &veche_ideas::Ideas,
    id: &veche_ideas::model::ProjectId,
    change: impl FnOnce(&mut veche_ideas::model::Schedule),
) -> veche_ideas::model::Project {
    let stored = ideas
        .store()
        .project(id)
        .await
        .expect("read the project")
        .expect("the project");
    let mut moved = veche_ideas::model::Project {
        version: stored.version + 1,
        ..stored.clone()
    };
    change(&mut moved.schedule);
    let replaced = ideas.store().replace_project(&moved, stored.version).await;
    assert!(replaced.expect("store the project"));
    moved
}

/// An idea of `author` on the project's first topic, made at `at`: waiting in the moderation
/// queue, or `approved` (out of it). Stored.
pub async fn stored_idea(
    ideas: &veche_ideas::Ideas,
    project: &veche_ideas::model::Project,
    author: &veche_core::accounts::model::Account,
    (title, body): (&str, &str),
    at: time::OffsetDateTime,
    approved: bool,
) -> veche_ideas::model::Idea {
    let fields = veche_ideas::rules::IdeaFields {
        title: title.into(),
        body: body.into(),
        topic: project.topics[0].code.clone(),
    };
    let mut idea = veche_ideas::rules::new_idea(project, author, fields, at);
    if approved {
        idea.status = veche_ideas::model::Status::Approved;
        idea.queued_at = None;
    }
    ideas
        .store()
        .insert_idea(&idea, &veche_ideas::store::IdeaIndex::of(&idea))
        .await
        .expect("idea");
    idea
}

/// A published project in its proposals stage with an approved idea and a comment on it, for
/// requests that must name things that exist. Returns (project, idea, comment) ids.
pub async fn an_idea_with_a_comment(ideas: &veche_ideas::Ideas) -> (String, String, String) {
    use veche_ideas::rules::{self, CommentInput};
    let now = veche_core::clock::now();
    let author = veche_core::testing::account("author@example.org", "Автор Идеи");
    let project = open_project(
        ideas,
        &author,
        ("Парки района", ""),
        ("parks", "Парки"),
        time::Duration::days(1),
    )
    .await;
    let idea = stored_idea(
        ideas,
        &project,
        &author,
        (
            "Скамейки у пруда",
            "Поставить скамейки вдоль пруда, сесть негде.",
        ),
        now,
        true,
    )
    .await;
    let input = CommentInput {
        text: "Поддерживаю".into(),
        parent: None,
    };
    let comment = rules::new_comment(&idea, &author, &input, None, now).expect("comment");
    ideas
        .store()
        .insert_comment(&comment)
        .await
        .expect("comment stored");
    (
        project.id.to_string(),
        idea.id.to_string(),
        comment.id.to_string(),
    )
}

/// A report a moderator accepted (public), straight in the store, for requests that must name
/// a report that exists. Returns its id.
pub async fn a_public_report(reports: &veche_reports::Reports) -> String {
    use veche_reports::model::{CategoryId, Status};
    use veche_reports::rules::{self, ReportFields};
    let fields = ReportFields::unaddressed(
        CategoryId::from_trusted("pothole".into()),
        super::KHAMOVNIKI_POINT,
        veche_core::id::DistrictId::from_trusted(super::KHAMOVNIKI.into()),
        "Яма посреди дороги".into(),
    );
    let author = AccountId::generate();
    let report = veche_reports::model::Report {
        status: Status::Routed,
        ..rules::new_report(fields, &author, veche_core::clock::now())
    };
    reports
        .store()
        .insert_report(&report)
        .await
        .expect("report stored");
    report.id.to_string()
}

/// A report category answered by roads agencies, made by `admin` through the API under
/// `parent`, named `name_ru` and `name_en`, a photo `photo_required` or not: its document.
pub async fn report_category(
    api: &super::http::Api<'_>,
    admin: &str,
    parent: Option<&str>,
    (name_ru, name_en): (&str, &str),
    photo_required: bool,
) -> Value {
    let body = json!({ "parent": parent, "name_ru": name_ru, "name_en": name_en,
        "organisation_kind": "roads", "photo_required": photo_required });
    api.post("/api/v1/report-categories", Some(admin), &body)
        .await
        .json_if(reqwest::StatusCode::CREATED)
}

/// Makes `organisation` (through the API, as `admin`) a roads agency serving `districts`,
/// with `head` (one of its officials) or none.
pub async fn roads_agency(
    api: &super::http::Api<'_>,
    admin: &str,
    organisation: &OrganisationId,
    districts: &[&str],
    head: Option<&AccountId>,
) {
    let body = json!({ "kind": "roads", "districts": districts,
        "head": head.map(AccountId::to_string) });
    api.send(
        reqwest::Method::PUT,
        &format!("/api/v1/report-organisations/{organisation}"),
        Some(admin),
        Some(&body),
        &[],
    )
    .await
    .json_if(reqwest::StatusCode::OK);
}
