//! The world every service test starts from: a platform on the store under test, the
//! reports service with a locator of its own, accounts of every role, core's organisations
//! with their officials and profiles, a category tree.

pub use std::sync::Arc;

pub use time::Duration;
pub use veche_core::accounts::model::{Account, Role};
pub use veche_core::accounts::service::create_organisation;
pub use veche_core::clock;
pub use veche_core::id::{DistrictId, OrganisationId};
pub use veche_core::platform::Platform;
pub use veche_core::storage::Backend;
pub use veche_core::testing::notify::Recorder;
pub use veche_core::testing::server::{platform_on, user, user_with, PlatformSpec, UserSpec};
pub use veche_core::web::ratelimit::declare;
pub use veche_reports::model::{Action, Actor, Category, Report, ReportId, RouteBasis, Status};
pub use veche_reports::rules::{
    AnswerInput, CategoryInput, DayInput, DecisionInput, NoteInput, ProfileInput, ReportInput,
    RerouteInput,
};
pub use veche_reports::service::{self, Reply, ReportError, Reports, ReportsConfig};
pub use veche_reports::{ReportsLimit, REPORTS_EN, REPORTS_RU};

pub const KHAMOVNIKI: &str = "45383000";
pub const ARBAT: &str = "45374000";
/// A point in "Khamovniki" (the test locator: south of 55.75 is Khamovniki, north Arbat).
pub const POINT: (f64, f64) = (55.7355, 37.5885);

pub struct World {
    pub platform: Arc<Platform>,
    pub reports: Reports,
    pub mail: Arc<Recorder>,
    pub admin: Account,
    pub moderator: Account,
    /// Roads of Khamovniki: its head and an official.
    pub head: Account,
    pub official: Account,
    /// Another roads agency's official.
    pub other: Account,
    pub author: Account,
    pub resident: Account,
    pub pothole: Category,
    pub roads: OrganisationId,
    pub other_roads: OrganisationId,
    /// Whether "at once" can be tested on this store (see [`at_once`]).
    pub concurrent: bool,
}

/// The test locator: Moscow's centre split at 55.75° N.
pub fn locate(lat: f64, lon: f64) -> Option<DistrictId> {
    if !(55.5..56.0).contains(&lat) || !(37.3..37.9).contains(&lon) {
        return None;
    }
    let id = if lat < 55.75 { KHAMOVNIKI } else { ARBAT };
    Some(DistrictId::from_trusted(id.into()))
}

/// The platform's make-up for the reports: their catalogs and limits.
pub fn spec() -> PlatformSpec {
    PlatformSpec {
        catalogs: vec![(REPORTS_RU, REPORTS_EN)],
        limits: declare::<ReportsLimit>(),
        ..PlatformSpec::default()
    }
}

pub async fn world(backend: Backend) -> World {
    let concurrent = matches!(backend, Backend::Sqlite(_));
    let mail = Arc::new(Recorder::default());
    let platform = platform_on(backend.clone(), spec(), mail.clone()).await;
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

pub fn report_input(category: &Category, (lat, lon): (f64, f64)) -> ReportInput {
    ReportInput {
        category_id: category.id.to_string(),
        lat,
        lon,
        address: Some("Плющиха, 10".into()),
        description: "Глубокая яма посреди дороги".into(),
        photos: vec![],
    }
}

pub fn accept() -> DecisionInput {
    DecisionInput {
        action: "accept".into(),
        reason: None,
        note: None,
        organisation_id: None,
    }
}

pub fn answer_input() -> AnswerInput {
    AnswerInput {
        text: "Яму заделали".into(),
        photos: vec![],
    }
}

impl World {
    pub async fn filed(&self) -> Report {
        service::file(
            &self.platform,
            &self.reports,
            &self.author,
            &report_input(&self.pothole, POINT),
        )
        .await
        .unwrap()
    }

    pub async fn routed(&self) -> Report {
        let report = self.filed().await;
        self.decide(&self.moderator, &report.id, None, &accept())
            .await
            .unwrap()
    }

    pub async fn answered(&self) -> Report {
        let report = self.routed().await;
        self.answer(&self.official, &report.id, None, &answer_input())
            .await
            .unwrap()
    }

    /// Writes `report` over the stored one, which must be at version `expected`.
    pub async fn replace(&self, report: &Report, expected: u64) {
        let store = self.reports.store();
        let replaced = store.replace_report(report, expected).await.unwrap();
        assert!(replaced, "{} was at version {expected}", report.id);
    }

    pub async fn stored(&self, id: &ReportId) -> Report {
        self.reports.store().report(id).await.unwrap().unwrap()
    }

    /// Who received emails of `kind` about `report`.
    pub fn told(&self, kind: &str, report: &Report) -> Vec<String> {
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

/// A method of [`World`] for each workflow action that takes an input: `method` is the
/// service's `action` (with any further arguments given here) on this world's platform and
/// service, by `who` on report `id` at version `expected` (whatever version it is at when
/// `None`).
macro_rules! actions {
    ($($method:ident: $action:ident($input:ty $(, $arg:expr)*)),* $(,)?) => {
        impl World {
            $(
                pub async fn $method(
                    &self,
                    who: &Account,
                    id: &ReportId,
                    expected: Option<u64>,
                    input: &$input,
                ) -> Result<Report, ReportError> {
                    let (platform, reports) = (&self.platform, &self.reports);
                    service::$action(platform, reports, who, id, expected, input $(, $arg)*).await
                }
            )*
        }
    };
}

actions!(
    decide: decide(DecisionInput),
    answer: answer(AnswerInput),
    reroute: reroute(RerouteInput),
    confirm: reply_to_answer(NoteInput, Reply::Confirm),
    dispute: reply_to_answer(NoteInput, Reply::Dispute),
);

impl World {
    /// An official starts work on report `id` (at version `expected`, or any).
    pub async fn start(
        &self,
        who: &Account,
        id: &ReportId,
        expected: Option<u64>,
    ) -> Result<Report, ReportError> {
        service::start(&self.platform, &self.reports, who, id, expected).await
    }
}

/// Two actions "at once": concurrently on SQLite; one after the other on the MongoDB test
/// server, FerretDB v1, which was seen to let two concurrent filtered updates of one document
/// both match (it reads, then writes; MongoDB itself matches and writes one document
/// atomically). Either way the second acts on the version the first changed.
pub async fn at_once<A, B>(
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

pub fn ids(accounts: &[&Account]) -> Vec<String> {
    let mut ids: Vec<String> = accounts.iter().map(|a| a.id.to_string()).collect();
    ids.sort();
    ids
}
