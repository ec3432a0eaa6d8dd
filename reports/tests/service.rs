//! The reports' use cases end to end on a real platform (accounts, audit log, notifications),
//! on SQLite and on MongoDB: every transition, every forbidden one (nothing changes), the
//! deadline warnings claimed once, the 15-day close, nearby duplicates and joining.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use time::Duration;
use veche_core::accounts::model::{Account, Role};
use veche_core::accounts::service::create_organisation;
use veche_core::clock;
use veche_core::id::{DistrictId, OrganisationId};
use veche_core::platform::Platform;
use veche_core::storage::Backend;
use veche_core::testing::notify::Recorder;
use veche_core::testing::server::{platform_on, user, user_with, PlatformSpec, UserSpec};
use veche_core::web::ratelimit::declare;
use veche_reports::model::{Action, Actor, Category, Report, ReportId, RouteBasis, Status};
use veche_reports::rules::{
    AnswerInput, CategoryInput, DayInput, DecisionInput, NoteInput, ProfileInput, ReportInput,
    RerouteInput,
};
use veche_reports::service::{self, ReportError, Reports, ReportsConfig};
use veche_reports::{ReportsLimit, REPORTS_EN, REPORTS_RU};

const KHAMOVNIKI: &str = "45383000";
const ARBAT: &str = "45374000";
/// A point in "Khamovniki" (the test locator: south of 55.75 is Khamovniki, north Arbat).
const POINT: (f64, f64) = (55.7355, 37.5885);

struct World {
    platform: Arc<Platform>,
    reports: Reports,
    mail: Arc<Recorder>,
    admin: Account,
    moderator: Account,
    /// Roads of Khamovniki: its head and an official.
    head: Account,
    official: Account,
    /// Another roads agency's official.
    other: Account,
    author: Account,
    resident: Account,
    pothole: Category,
    roads: OrganisationId,
    other_roads: OrganisationId,
    /// Whether "at once" can be tested on this store (see [`at_once`]).
    concurrent: bool,
}

/// The test locator: Moscow's centre split at 55.75° N.
fn locate(lat: f64, lon: f64) -> Option<DistrictId> {
    if !(55.5..56.0).contains(&lat) || !(37.3..37.9).contains(&lon) {
        return None;
    }
    let id = if lat < 55.75 { KHAMOVNIKI } else { ARBAT };
    Some(DistrictId::from_trusted(id.into()))
}

async fn world(backend: Backend) -> World {
    let concurrent = matches!(backend, Backend::Sqlite(_));
    let mail = Arc::new(Recorder::default());
    let spec = PlatformSpec {
        catalogs: vec![(REPORTS_RU, REPORTS_EN)],
        limits: declare::<ReportsLimit>(),
        ..PlatformSpec::default()
    };
    let platform = platform_on(backend.clone(), spec, mail.clone()).await;
    let store = veche_reports::store::open(&backend).await.unwrap();
    let uploads = veche_core::web::uploads::open(&backend).await.unwrap();
    let reports = Reports::new(store, ReportsConfig::default())
        .with_uploads(uploads)
        .with_locator(Arc::new(locate));
    let admin = user(&platform, &[Role::Admin]).await.account;
    let moderator = user(&platform, &[Role::Moderator]).await.account;
    // Core's organisations; officials belong to one by their account's `organisation_id`.
    let roads = create_organisation(platform.accounts(), &admin, "Дороги ЦАО")
        .await
        .unwrap()
        .id;
    let other_roads = create_organisation(platform.accounts(), &admin, "Мосты")
        .await
        .unwrap()
        .id;
    let official_of = |org: &OrganisationId| UserSpec {
        organisation: Some(org.clone()),
        ..UserSpec::default()
    };
    let head = user_with(&platform, &[Role::Official], official_of(&roads))
        .await
        .account;
    let official = user_with(&platform, &[Role::Official], official_of(&roads))
        .await
        .account;
    let other = user_with(&platform, &[Role::Official], official_of(&other_roads))
        .await
        .account;
    let author = user(&platform, &[]).await.account;
    let resident = user(&platform, &[]).await.account;
    let category = |parent: Option<String>, name: &str, kind: &str| CategoryInput {
        parent,
        name_ru: name.into(),
        name_en: name.into(),
        deadline_days: None,
        photo_required: false,
        duplicate_radius_m: None,
        organisation_kind: kind.into(),
        active: true,
    };
    let roads_node = service::create_category(
        &platform,
        &reports,
        &admin,
        &category(None, "Дороги", "roads"),
    )
    .await
    .unwrap();
    let pothole = service::create_category(
        &platform,
        &reports,
        &admin,
        &category(Some(roads_node.id.to_string()), "Яма", "roads"),
    )
    .await
    .unwrap();
    let profile = |districts: &[&str], head: Option<&Account>| ProfileInput {
        kind: "roads".into(),
        districts: districts.iter().map(|d| d.to_string()).collect(),
        head: head.map(|h| h.id.to_string()),
    };
    let input = profile(&[KHAMOVNIKI], Some(&head));
    service::set_profile(&platform, &reports, &admin, &roads, None, &input)
        .await
        .unwrap();
    let input = profile(&[ARBAT], None);
    service::set_profile(&platform, &reports, &admin, &other_roads, None, &input)
        .await
        .unwrap();
    World {
        platform,
        reports,
        mail,
        admin,
        moderator,
        head,
        official,
        other,
        author,
        resident,
        pothole,
        roads,
        other_roads,
        concurrent,
    }
}

fn report_input(category: &Category, (lat, lon): (f64, f64)) -> ReportInput {
    ReportInput {
        category_id: category.id.to_string(),
        lat,
        lon,
        address: Some("Плющиха, 10".into()),
        description: "Глубокая яма посреди дороги".into(),
        photos: vec![],
    }
}

fn accept() -> DecisionInput {
    DecisionInput {
        action: "accept".into(),
        reason: None,
        note: None,
        organisation_id: None,
    }
}

fn answer_input() -> AnswerInput {
    AnswerInput {
        text: "Яму заделали".into(),
        photos: vec![],
    }
}

impl World {
    async fn filed(&self) -> Report {
        service::file(
            &self.platform,
            &self.reports,
            &self.author,
            &report_input(&self.pothole, POINT),
        )
        .await
        .unwrap()
    }

    async fn routed(&self) -> Report {
        let report = self.filed().await;
        service::decide(
            &self.platform,
            &self.reports,
            &self.moderator,
            &report.id,
            None,
            &accept(),
        )
        .await
        .unwrap()
    }

    async fn answered(&self) -> Report {
        let report = self.routed().await;
        service::answer(
            &self.platform,
            &self.reports,
            &self.official,
            &report.id,
            None,
            &answer_input(),
        )
        .await
        .unwrap()
    }

    async fn stored(&self, id: &ReportId) -> Report {
        self.reports.store().report(id).await.unwrap().unwrap()
    }

    /// Who received emails of `kind` about `report`.
    fn told(&self, kind: &str, report: &Report) -> Vec<String> {
        let mut to: Vec<String> = self
            .mail
            .of_kind(kind)
            .into_iter()
            .filter(|n| n.data.get("link") == Some(&format!("/reports/{}", report.id)))
            .filter_map(|n| n.recipient.account_id.map(|a| a.to_string()))
            .collect();
        to.sort();
        to
    }
}

/// Two actions "at once": concurrently on SQLite; one after the other on the MongoDB test
/// server, FerretDB v1, which was seen to let two concurrent filtered updates of one document
/// both match (it reads, then writes; MongoDB itself matches and writes one document
/// atomically). Either way the second acts on the version the first changed.
async fn at_once<A, B>(
    w: &World,
    a: impl std::future::Future<Output = A>,
    b: impl std::future::Future<Output = B>,
) -> (A, B) {
    if w.concurrent {
        tokio::join!(a, b)
    } else {
        (a.await, b.await)
    }
}

fn ids(accounts: &[&Account]) -> Vec<String> {
    let mut ids: Vec<String> = accounts.iter().map(|a| a.id.to_string()).collect();
    ids.sort();
    ids
}

async fn a_report_goes_from_filing_to_closed(backend: Backend) {
    let w = world(backend).await;
    let filed = w.filed().await;
    assert_eq!(filed.status, Status::Submitted);
    assert_eq!(filed.district_id.as_str(), KHAMOVNIKI);
    let routed = service::decide(
        &w.platform,
        &w.reports,
        &w.moderator,
        &filed.id,
        Some(1),
        &accept(),
    )
    .await
    .unwrap();
    assert_eq!(routed.status, Status::Routed);
    let routing = routed.routing.clone().unwrap();
    assert_eq!(routing.organisation_id, w.roads);
    assert_eq!(routing.basis, RouteBasis::Category);
    assert!(routed.deadline.unwrap() > routed.routed_at.unwrap() + Duration::days(8));
    assert_eq!(
        w.told("report_routed", &routed),
        ids(&[&w.head, &w.official])
    );
    let started = service::start(
        &w.platform,
        &w.reports,
        &w.official,
        &filed.id,
        Some(routed.version),
    )
    .await
    .unwrap();
    assert_eq!(started.status, Status::InProgress);
    let answered = service::answer(
        &w.platform,
        &w.reports,
        &w.head,
        &filed.id,
        None,
        &answer_input(),
    )
    .await
    .unwrap();
    assert_eq!(answered.status, Status::Answered);
    assert_eq!(answered.answer.as_ref().unwrap().text, "Яму заделали");
    let closed = service::confirm(
        &w.platform,
        &w.reports,
        &w.author,
        &filed.id,
        None,
        &NoteInput::default(),
    )
    .await
    .unwrap();
    assert_eq!(closed.status, Status::Closed);
    let steps: Vec<(Action, Actor)> = closed.history.iter().map(|s| (s.action, s.role)).collect();
    assert_eq!(
        steps,
        vec![
            (Action::File, Actor::Author),
            (Action::Accept, Actor::Moderator),
            (Action::Start, Actor::Official),
            (Action::Answer, Actor::Official),
            (Action::Confirm, Actor::Author),
        ]
    );
    assert!(closed.history.iter().all(|s| s.by.is_some()));
    // The author heard of each of the four status changes; nothing is owed any more.
    let statuses = w.told("report_status", &closed);
    assert_eq!(statuses, vec![w.author.id.to_string(); 4]);
    assert!(w.stored(&filed.id).await.mail_due.is_empty());
    // Staff steps are in the audit log.
    let target = format!("report:{}", filed.id);
    let audit = w.platform.store.list_audit(None, 100).await.unwrap();
    let actions: Vec<&str> = audit
        .iter()
        .filter(|e| e.target == target)
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(actions, ["report.answer", "report.start", "report.accept"]);
}

async fn forbidden_transitions_change_nothing(backend: Backend) {
    let w = world(backend).await;
    let filed = w.filed().await;
    let refused = |r: Result<Report, ReportError>| match r {
        Err(e) => e,
        Ok(r) => panic!("allowed: {:?}", r.status),
    };
    // A resident may not moderate; an official may not see a submitted report.
    assert!(matches!(
        refused(
            service::decide(
                &w.platform,
                &w.reports,
                &w.resident,
                &filed.id,
                None,
                &accept()
            )
            .await
        ),
        ReportError::NotFound
    ));
    assert!(matches!(
        refused(service::start(&w.platform, &w.reports, &w.official, &filed.id, None).await),
        ReportError::NotFound
    ));
    // The author may see it, but not answer it nor confirm it yet.
    assert!(matches!(
        refused(
            service::answer(
                &w.platform,
                &w.reports,
                &w.author,
                &filed.id,
                None,
                &answer_input()
            )
            .await
        ),
        ReportError::Forbidden
    ));
    assert!(matches!(
        refused(
            service::confirm(
                &w.platform,
                &w.reports,
                &w.author,
                &filed.id,
                None,
                &NoteInput::default()
            )
            .await
        ),
        ReportError::Conflict("invalid_transition")
    ));
    assert_eq!(w.stored(&filed.id).await, filed, "nothing changed");

    // As stored (the emails it owed are paid).
    let routed = w.stored(&w.routed().await.id).await;
    // Another organisation's official may not start or answer it.
    assert!(matches!(
        refused(service::start(&w.platform, &w.reports, &w.other, &routed.id, None).await),
        ReportError::Forbidden
    ));
    // A moderator may not answer; an official may not accept it again.
    assert!(matches!(
        refused(
            service::answer(
                &w.platform,
                &w.reports,
                &w.moderator,
                &routed.id,
                None,
                &answer_input()
            )
            .await
        ),
        ReportError::Forbidden
    ));
    assert!(matches!(
        refused(
            service::decide(
                &w.platform,
                &w.reports,
                &w.official,
                &routed.id,
                None,
                &accept()
            )
            .await
        ),
        ReportError::Forbidden
    ));
    assert!(matches!(
        refused(
            service::decide(
                &w.platform,
                &w.reports,
                &w.moderator,
                &routed.id,
                None,
                &accept()
            )
            .await
        ),
        ReportError::Conflict("invalid_transition")
    ));
    // A resident who is not its author may not dispute it.
    assert!(matches!(
        refused(
            service::dispute(
                &w.platform,
                &w.reports,
                &w.resident,
                &routed.id,
                None,
                &NoteInput::default()
            )
            .await
        ),
        ReportError::Forbidden
    ));
    // A stale version is a conflict.
    assert!(matches!(
        refused(service::start(&w.platform, &w.reports, &w.official, &routed.id, Some(1)).await),
        ReportError::Conflict("version_conflict")
    ));
    assert_eq!(w.stored(&routed.id).await, routed, "nothing changed");

    // A moderator does not moderate their own report.
    let own = service::file(
        &w.platform,
        &w.reports,
        &w.moderator,
        &report_input(&w.pothole, POINT),
    )
    .await
    .unwrap();
    assert!(matches!(
        refused(
            service::decide(
                &w.platform,
                &w.reports,
                &w.moderator,
                &own.id,
                None,
                &accept()
            )
            .await
        ),
        ReportError::Forbidden
    ));
}

async fn two_officials_acting_at_once_one_wins(backend: Backend) {
    let w = world(backend).await;
    let routed = w.routed().await;
    let version = Some(routed.version);
    let input = answer_input();
    let (a, b) = at_once(
        &w,
        service::start(&w.platform, &w.reports, &w.official, &routed.id, version),
        service::answer(
            &w.platform,
            &w.reports,
            &w.head,
            &routed.id,
            version,
            &input,
        ),
    )
    .await;
    let conflicts = [a.is_err(), b.is_err()].iter().filter(|e| **e).count();
    assert_eq!(conflicts, 1, "{a:?} {b:?}");
    let loser = a.err().or(b.err()).unwrap();
    assert!(
        matches!(loser, ReportError::Conflict("version_conflict")),
        "{loser:?}"
    );
    assert_eq!(w.stored(&routed.id).await.version, routed.version + 1);
}

async fn a_disputed_answer_reopens_and_its_head_hears(backend: Backend) {
    let w = world(backend).await;
    let answered = w.answered().await;
    let note = NoteInput {
        note: Some("Яма на месте".into()),
    };
    let reopened = service::dispute(
        &w.platform,
        &w.reports,
        &w.author,
        &answered.id,
        None,
        &note,
    )
    .await
    .unwrap();
    assert_eq!(reopened.status, Status::Reopened);
    assert!(reopened.deadline.unwrap() >= answered.deadline.unwrap());
    assert_eq!(reopened.warned, 0, "a new deadline's warnings start again");
    assert_eq!(
        reopened.history.last().unwrap().note.as_deref(),
        Some("Яма на месте")
    );
    assert_eq!(w.told("report_disputed", &reopened), ids(&[&w.head]));
    // The organisation answers again; the author now waits too long to dispute.
    let again = service::answer(
        &w.platform,
        &w.reports,
        &w.official,
        &answered.id,
        None,
        &answer_input(),
    )
    .await
    .unwrap();
    let mut late = again.clone();
    late.answer.as_mut().unwrap().at = clock::now() - Duration::days(15) - Duration::minutes(1);
    late.version += 1;
    assert!(w
        .reports
        .store()
        .replace_report(&late, again.version)
        .await
        .unwrap());
    let closed = service::dispute(&w.platform, &w.reports, &w.author, &late.id, None, &note).await;
    assert!(
        matches!(closed, Err(ReportError::Conflict("dispute_closed"))),
        "{closed:?}"
    );
    // The server closes it itself, once, whichever server runs.
    let (a, b) = at_once(
        &w,
        service::close_expired(&w.platform, &w.reports, clock::now()),
        service::close_expired(&w.platform, &w.reports, clock::now()),
    )
    .await;
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let closed = w.stored(&late.id).await;
    assert_eq!(closed.status, Status::Closed);
    let last = closed.history.last().unwrap();
    assert_eq!(
        (last.action, last.role, last.by.as_ref()),
        (Action::AutoClose, Actor::System, None)
    );
}

async fn officials_and_moderators_reroute_with_a_reason(backend: Backend) {
    let w = world(backend).await;
    let routed = w.routed().await;
    let input = RerouteInput {
        organisation_id: w.other_roads.to_string(),
        note: "Это мост, не дорога".into(),
    };
    let rerouted = service::reroute(
        &w.platform,
        &w.reports,
        &w.official,
        &routed.id,
        None,
        &input,
    )
    .await
    .unwrap();
    let routing = rerouted.routing.clone().unwrap();
    assert_eq!(routing.organisation_id, w.other_roads);
    assert_eq!(routing.basis, RouteBasis::Rerouted);
    assert_eq!(routing.note.as_deref(), Some("Это мост, не дорога"));
    assert_eq!(
        w.told("report_routed", &rerouted),
        ids(&[&w.head, &w.official, &w.other])
    );
    // The first organisation's officials no longer act on it; the new one's do.
    let refused = service::start(&w.platform, &w.reports, &w.official, &routed.id, None).await;
    assert!(
        matches!(refused, Err(ReportError::Forbidden)),
        "{refused:?}"
    );
    service::start(&w.platform, &w.reports, &w.other, &routed.id, None)
        .await
        .unwrap();
    // Back by a moderator; the same organisation twice is refused.
    let back = RerouteInput {
        organisation_id: w.roads.to_string(),
        note: "Всё-таки дорога".into(),
    };
    service::reroute(
        &w.platform,
        &w.reports,
        &w.moderator,
        &routed.id,
        None,
        &back,
    )
    .await
    .unwrap();
    let same = service::reroute(
        &w.platform,
        &w.reports,
        &w.moderator,
        &routed.id,
        None,
        &back,
    )
    .await;
    assert!(matches!(same, Err(ReportError::Invalid(_))), "{same:?}");
}

async fn a_rejection_says_why(backend: Backend) {
    let w = world(backend).await;
    let filed = w.filed().await;
    let input = DecisionInput {
        action: "reject".into(),
        reason: Some("duplicate".into()),
        note: Some("Уже есть такое сообщение".into()),
        organisation_id: None,
    };
    let rejected = service::decide(
        &w.platform,
        &w.reports,
        &w.moderator,
        &filed.id,
        None,
        &input,
    )
    .await
    .unwrap();
    assert_eq!(rejected.status, Status::Rejected);
    assert_eq!(
        rejected.reject_reason.map(|r| r.as_str()),
        Some("duplicate")
    );
    assert!(rejected.routing.is_none());
    assert_eq!(w.told("report_status", &rejected), ids(&[&w.author]));
    // Nobody else sees a rejected report.
    let hidden = service::report(&w.reports, Some(&w.resident), &filed.id).await;
    assert!(matches!(hidden, Err(ReportError::NotFound)));
    assert!(service::report(&w.reports, None, &filed.id).await.is_err());
    service::report(&w.reports, Some(&w.author), &filed.id)
        .await
        .unwrap();
}

async fn residents_see_nearby_reports_and_join_them(backend: Backend) {
    let w = world(backend).await;
    let routed = w.routed().await;
    // 50 m north: the open report is found; 300 m away it is not (the radius is 100 m).
    let near = service::nearby(
        &w.reports,
        (POINT.0 + 0.00045, POINT.1),
        Some(&w.pothole.id),
        None,
    )
    .await
    .unwrap();
    assert_eq!(near.len(), 1);
    assert!(
        (40.0..60.0).contains(&near[0].distance_m),
        "{}",
        near[0].distance_m
    );
    let far = service::nearby(
        &w.reports,
        (POINT.0 + 0.0027, POINT.1),
        Some(&w.pothole.id),
        None,
    )
    .await
    .unwrap();
    assert!(far.is_empty());
    let wide = service::nearby(&w.reports, (POINT.0 + 0.0027, POINT.1), None, Some(500))
        .await
        .unwrap();
    assert_eq!(wide.len(), 1);
    // Joining twice counts once; the author cannot join their own.
    let (joined, first) = service::join(&w.reports, &w.resident, &routed.id)
        .await
        .unwrap();
    assert!(first);
    assert_eq!(joined.joiners, 1);
    let (joined, first) = service::join(&w.reports, &w.resident, &routed.id)
        .await
        .unwrap();
    assert!(!first);
    assert_eq!(joined.joiners, 1);
    let own = service::join(&w.reports, &w.author, &routed.id).await;
    assert!(matches!(own, Err(ReportError::Conflict("own_report"))));
    // The joiner hears of the answer as the author does.
    let answered = service::answer(
        &w.platform,
        &w.reports,
        &w.official,
        &routed.id,
        None,
        &answer_input(),
    )
    .await
    .unwrap();
    let told: Vec<String> = w
        .mail
        .of_kind("report_status")
        .into_iter()
        .filter(|n| {
            n.idempotency_key
                .contains(&format!(":{}:", answered.version))
        })
        .filter_map(|n| n.recipient.account_id.map(|a| a.to_string()))
        .collect();
    let mut told = told;
    told.sort();
    assert_eq!(told, ids(&[&w.author, &w.resident]));
}

async fn deadline_warnings_are_sent_once_each(backend: Backend) {
    let w = world(backend).await;
    let routed = w.routed().await;
    let deadline = routed.deadline.unwrap();
    let warn_at = routed.warn_at.unwrap();
    // Nothing is due yet.
    assert_eq!(
        service::check_deadlines(&w.platform, &w.reports, clock::now())
            .await
            .unwrap(),
        0
    );
    // At 80 %: two servers at once, one warning.
    let (a, b) = at_once(
        &w,
        service::check_deadlines(&w.platform, &w.reports, warn_at),
        service::check_deadlines(&w.platform, &w.reports, warn_at),
    )
    .await;
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(
        w.told("report_warning", &routed),
        ids(&[&w.head, &w.official])
    );
    assert_eq!(
        service::check_deadlines(&w.platform, &w.reports, warn_at)
            .await
            .unwrap(),
        0
    );
    // At the deadline: the overdue warning, once; the report shows overdue.
    assert_eq!(
        service::check_deadlines(&w.platform, &w.reports, deadline)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        service::check_deadlines(&w.platform, &w.reports, deadline)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        w.told("report_overdue", &routed),
        ids(&[&w.head, &w.official])
    );
    assert!(w.stored(&routed.id).await.overdue(deadline));
}

async fn lists_and_queues_put_the_overdue_first(backend: Backend) {
    let w = world(backend).await;
    let first = w.routed().await;
    let second = w.routed().await;
    // The second is made overdue.
    let mut late = second.clone();
    late.deadline = Some(clock::now() - Duration::hours(1));
    late.version += 1;
    assert!(w
        .reports
        .store()
        .replace_report(&late, second.version)
        .await
        .unwrap());
    let queue = service::queue(&w.reports, &w.official, &w.roads, false, None, 10)
        .await
        .unwrap();
    let order: Vec<&ReportId> = queue.reports.iter().map(|r| &r.id).collect();
    assert_eq!(order, vec![&second.id, &first.id]);
    let overdue = service::queue(&w.reports, &w.official, &w.roads, true, None, 10)
        .await
        .unwrap();
    assert_eq!(overdue.reports.len(), 1);
    let denied = service::queue(&w.reports, &w.other, &w.roads, false, None, 10).await;
    assert!(matches!(denied, Err(ReportError::Forbidden)));
    service::queue(&w.reports, &w.admin, &w.roads, false, None, 10)
        .await
        .unwrap();
    let public = service::list(
        &w.reports,
        &service::ListRequest {
            overdue: true,
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        public.reports.iter().map(|r| &r.id).collect::<Vec<_>>(),
        vec![&second.id]
    );
    let pending = w.filed().await;
    let queue = service::moderation_queue(&w.reports, &w.moderator, None, 10)
        .await
        .unwrap();
    assert_eq!(
        queue.reports.iter().map(|r| &r.id).collect::<Vec<_>>(),
        vec![&pending.id]
    );
    assert!(service::moderation_queue(&w.reports, &w.resident, None, 10)
        .await
        .is_err());
    let mine = service::mine(&w.reports, &w.author, None, 2).await.unwrap();
    assert_eq!(mine.reports.len(), 2);
    assert!(mine.next.is_some());
}

async fn filing_refuses_what_it_cannot_place(backend: Backend) {
    let w = world(backend).await;
    let refused = |r: Result<Report, ReportError>| match r {
        Err(ReportError::Invalid(i)) => (i.field, i.code),
        other => panic!("{other:?}"),
    };
    let outside = report_input(&w.pothole, (48.85, 2.35));
    assert_eq!(
        refused(service::file(&w.platform, &w.reports, &w.author, &outside).await),
        ("lat", "outside_districts")
    );
    let parent = ReportInput {
        category_id: w.pothole.parent.clone().unwrap().to_string(),
        ..report_input(&w.pothole, POINT)
    };
    assert_eq!(
        refused(service::file(&w.platform, &w.reports, &w.author, &parent).await),
        ("category_id", "not_leaf")
    );
    let photo = ReportInput {
        photos: vec!["b".repeat(64)],
        ..report_input(&w.pothole, POINT)
    };
    assert_eq!(
        refused(service::file(&w.platform, &w.reports, &w.author, &photo).await),
        ("photos", "unknown_photo")
    );
    let mine = service::mine(&w.reports, &w.author, None, 10)
        .await
        .unwrap();
    assert!(mine.reports.is_empty(), "nothing was stored");
}

async fn only_admins_administer_and_the_calendar_moves_deadlines(backend: Backend) {
    let w = world(backend).await;
    let input = ProfileInput {
        kind: "roads".into(),
        districts: vec![KHAMOVNIKI.into()],
        head: None,
    };
    for who in [&w.moderator, &w.official, &w.resident] {
        let denied =
            service::set_profile(&w.platform, &w.reports, who, &w.roads, None, &input).await;
        assert!(matches!(denied, Err(ReportError::Forbidden)), "{denied:?}");
    }
    let refused = |input: ProfileInput| {
        let w = &w;
        async move {
            match service::set_profile(&w.platform, &w.reports, &w.admin, &w.roads, None, &input)
                .await
            {
                Err(ReportError::Invalid(i)) => (i.field, i.code),
                other => panic!("{other:?}"),
            }
        }
    };
    let unknown = ProfileInput {
        districts: vec!["99999999".into()],
        ..input.clone()
    };
    assert_eq!(refused(unknown).await, ("districts", "unknown_district"));
    // The head must be one of the organisation's officials.
    let foreign_head = ProfileInput {
        head: Some(w.other.id.to_string()),
        ..input.clone()
    };
    assert_eq!(refused(foreign_head).await, ("head", "not_official"));
    // A stale version is a conflict; the current one changes it.
    let stale =
        service::set_profile(&w.platform, &w.reports, &w.admin, &w.roads, Some(7), &input).await;
    assert!(matches!(
        stale,
        Err(ReportError::Conflict("version_conflict"))
    ));
    let changed =
        service::set_profile(&w.platform, &w.reports, &w.admin, &w.roads, Some(1), &input)
            .await
            .unwrap();
    assert_eq!((changed.version, changed.head), (2, None));
    // An organisation core does not know has no profile.
    let nowhere = OrganisationId::generate();
    let missing =
        service::set_profile(&w.platform, &w.reports, &w.admin, &nowhere, None, &input).await;
    assert!(matches!(missing, Err(ReportError::NotFound)));
    let officials = service::officials(&w.platform, &w.roads).await.unwrap();
    assert_eq!(officials.len(), 2);
    // Every working day of the next three weeks made a holiday: a deadline moves past them.
    let before = w.routed().await.deadline.unwrap();
    let today = clock::now()
        .to_offset(veche_reports::rules::calendar::MOSCOW)
        .date();
    for n in 1..=21 {
        let date = veche_reports::rules::calendar::format_date(today + Duration::days(n));
        let holiday = DayInput {
            kind: "holiday".into(),
        };
        service::set_day(&w.platform, &w.reports, &w.admin, &date, &holiday)
            .await
            .unwrap();
    }
    let after = w.routed().await.deadline.unwrap();
    assert!(after >= before + Duration::days(21), "{before} → {after}");
    let denied = service::set_day(
        &w.platform,
        &w.reports,
        &w.official,
        "2026-12-07",
        &DayInput {
            kind: "holiday".into(),
        },
    )
    .await;
    assert!(matches!(denied, Err(ReportError::Forbidden)));
    assert_eq!(service::calendar_days(&w.reports).await.unwrap().len(), 21);
}

async fn owed_emails_are_swept(backend: Backend) {
    let w = world(backend).await;
    let routed = w.routed().await;
    // A crash after the change, before its emails: the debt is in the report.
    let mut owing = routed.clone();
    owing.version += 1;
    veche_reports::rules::owe(
        &mut owing,
        veche_reports::model::Mail::Status,
        None,
        clock::now() - Duration::minutes(5),
    );
    assert!(w
        .reports
        .store()
        .replace_report(&owing, routed.version)
        .await
        .unwrap());
    let before = w.mail.of_kind("report_status").len();
    assert_eq!(
        service::sweep_mail(&w.platform, &w.reports).await.unwrap(),
        1
    );
    assert_eq!(w.mail.of_kind("report_status").len(), before + 1);
    assert_eq!(
        service::sweep_mail(&w.platform, &w.reports).await.unwrap(),
        0
    );
}

veche_core::contract_tests!(
    a_report_goes_from_filing_to_closed,
    forbidden_transitions_change_nothing,
    two_officials_acting_at_once_one_wins,
    a_disputed_answer_reopens_and_its_head_hears,
    officials_and_moderators_reroute_with_a_reason,
    a_rejection_says_why,
    residents_see_nearby_reports_and_join_them,
    deadline_warnings_are_sent_once_each,
    lists_and_queues_put_the_overdue_first,
    filing_refuses_what_it_cannot_place,
    only_admins_administer_and_the_calendar_moves_deadlines,
    owed_emails_are_swept,
);
