//! Demo reports for `veche serve --demo`: a category tree, an organisation of each kind for
//! every okrug (the demo official's council answers Khamovniki's roads, and heads it), and a
//! few thousand reports in every state across Moscow, some of them overdue. Seeded once (when
//! the store has no category yet).
//!
//! A report's district is where its point lies (the district boundaries); a point outside
//! every district (none in Moscow's box, but a city imported without boundaries) takes the
//! districts of the directory in turn.

pub mod bench;

use std::collections::{BTreeMap, BTreeSet};

use time::{Duration, OffsetDateTime};
use veche_core::accounts::demo::{demo_account, demo_resident};
use veche_core::accounts::model::{Account, BirthYear, Organisation, Role};
use veche_core::clock;
use veche_core::id::{DistrictId, OrganisationId};
use veche_core::platform::Platform;

use crate::model::{
    Action, Actor, Answer, Category, CategoryId, Mail, OrgKind, Profile, RejectReason, Report,
    Status, WARNED_DUE, WARNED_EARLY,
};
use crate::rules::{self, calendar, routing, Act, ReportFields};
use crate::service::{ReportError, ReportResult, Reports};

/// How many reports the demo holds.
const REPORTS: usize = 3_000;

/// A seeded category: (parent, name ru, name en, kind, working days, photo required, radius m).
type CategorySeed = (
    Option<&'static str>,
    &'static str,
    &'static str,
    OrgKind,
    u32,
    bool,
    u32,
);

const CATEGORIES: &[CategorySeed] = &[
    (None, "Дворы", "Yards", OrgKind::Housing, 8, false, 100),
    (
        Some("Дворы"),
        "Мусор",
        "Litter",
        OrgKind::Housing,
        8,
        false,
        50,
    ),
    (
        Some("Дворы"),
        "Неубранный снег",
        "Uncleared snow",
        OrgKind::Housing,
        3,
        false,
        100,
    ),
    (None, "Дороги", "Roads", OrgKind::Roads, 8, false, 100),
    (
        Some("Дороги"),
        "Яма",
        "Pothole",
        OrgKind::Roads,
        8,
        true,
        30,
    ),
    (
        Some("Дороги"),
        "Открытый люк",
        "Open manhole",
        OrgKind::Roads,
        3,
        true,
        30,
    ),
    (None, "Парки", "Parks", OrgKind::Parks, 10, false, 100),
    (
        Some("Парки"),
        "Сломанная скамейка",
        "Broken bench",
        OrgKind::Parks,
        10,
        false,
        50,
    ),
];

/// How a kind of organisation is named for an okrug.
const KIND_NAMES: &[(OrgKind, &str)] = &[
    (OrgKind::Housing, "ГБУ «Жилищник»"),
    (OrgKind::Roads, "ГБУ «Автомобильные дороги»"),
    (OrgKind::Parks, "Дирекция парков"),
];

const DESCRIPTIONS: &[&str] = &[
    "Во дворе неделю не вывозят мусор, контейнеры переполнены.",
    "Глубокая яма на проезжей части, машины объезжают по встречной.",
    "Сломана скамейка у детской площадки, торчат гвозди.",
    "Тротуар не чищен от снега, пройти с коляской невозможно.",
    "Открытый люк на пешеходной дорожке у остановки.",
    "У подъезда разбит асфальт, после дождя стоит большая лужа.",
];

/// Residents who file the demo's reports (they cannot sign in).
async fn demo_residents(platform: &Platform, home: &Account) -> ReportResult<Vec<Account>> {
    let mut out = vec![home.clone()];
    for n in 0..40 {
        let address = format!("resident{n}@reports.demo.veche.example");
        let (name, born) = (
            format!("Житель {n}"),
            BirthYear::from_trusted(1960 + n % 40),
        );
        if let Some(resident) = demo_resident(platform, &address, &name, home, born).await? {
            out.push(resident);
        }
    }
    Ok(out)
}

async fn seed_categories(reports: &Reports) -> ReportResult<Vec<Category>> {
    let mut ids: BTreeMap<&str, CategoryId> = BTreeMap::new();
    let mut out = Vec::new();
    for (parent, ru, en, kind, days, photo, radius) in CATEGORIES {
        let category = Category {
            id: CategoryId::generate(),
            parent: parent.and_then(|p| ids.get(p).cloned()),
            name_ru: ru.to_string(),
            name_en: en.to_string(),
            deadline_days: *days,
            photo_required: *photo,
            duplicate_radius_m: *radius,
            organisation_kind: *kind,
            active: true,
            version: 1,
        };
        reports.store.put_category(&category, None).await?;
        ids.insert(ru, category.id.clone());
        out.push(category);
    }
    Ok(out)
}

/// An organisation of each kind per okrug; the demo official's council answers Khamovniki's
/// roads.
async fn seed_organisations(
    platform: &Platform,
    reports: &Reports,
    official: &Account,
) -> ReportResult<Vec<Profile>> {
    let directory = platform.directory();
    let khamovniki = directory
        .districts
        .iter()
        .find(|d| d.name_ru == "Хамовники")
        .map(|d| d.id.clone());
    let mut profiles = Vec::new();
    for okrug in &directory.okrugs {
        let districts: BTreeSet<DistrictId> = directory
            .districts
            .iter()
            .filter(|d| d.okrug_id == okrug.id)
            .map(|d| d.id.clone())
            .collect();
        for (kind, name) in KIND_NAMES {
            let organisation = Organisation {
                id: OrganisationId::generate(),
                name: format!("{name} {}", okrug.abbrev),
                created_at: clock::now(),
            };
            platform.store.insert_organisation(&organisation).await?;
            let mut served = districts.clone();
            if *kind == OrgKind::Roads {
                served.retain(|d| Some(d) != khamovniki.as_ref());
            }
            profiles.push(Profile {
                id: organisation.id,
                kind: *kind,
                districts: served,
                head: None,
                version: 1,
            });
        }
    }
    if let (Some(own), Some(khamovniki)) = (&official.organisation_id, khamovniki) {
        profiles.push(Profile {
            id: own.clone(),
            kind: OrgKind::Roads,
            districts: BTreeSet::from([khamovniki]),
            head: Some(official.id.clone()),
            version: 1,
        });
    }
    for profile in &profiles {
        reports.store.put_profile(profile, None).await?;
    }
    Ok(profiles)
}

/// A point in Moscow's old boundaries for the `n`th report (a deterministic scatter).
fn point(n: usize) -> (f64, f64) {
    let a = (n as f64 * 0.618_034).fract();
    let b = (n as f64 * 0.414_214).fract();
    (55.57 + a * 0.33, 37.37 + b * 0.47)
}

/// Seeds the demo reports; `Ok(0)` when the store holds categories already.
pub async fn seed(platform: &Platform, reports: &Reports) -> ReportResult<usize> {
    seed_count(platform, reports, REPORTS).await
}

/// [`seed`] with `count` reports (tests seed fewer).
pub async fn seed_count(
    platform: &Platform,
    reports: &Reports,
    count: usize,
) -> ReportResult<usize> {
    if !reports.store.categories().await?.is_empty() {
        return Ok(0);
    }
    let official = demo_account(platform, Role::Official).await?;
    let moderator = demo_account(platform, Role::Moderator).await?;
    let home = demo_account(platform, Role::Resident).await?;
    let residents = demo_residents(platform, &home).await?;
    let categories = seed_categories(reports).await?;
    let leaves: Vec<&Category> = categories.iter().filter(|c| c.parent.is_some()).collect();
    let profiles = seed_organisations(platform, reports, &official).await?;
    let calendar = reports.calendar().await?;
    let districts: Vec<DistrictId> = platform
        .directory()
        .districts
        .iter()
        .map(|d| d.id.clone())
        .collect();
    if leaves.is_empty() || districts.is_empty() {
        return Ok(0);
    }
    let now = clock::now();
    let mut made = 0;
    for n in 0..count {
        let (lat, lon) = point(n);
        let district = reports
            .locate(platform, lat, lon)
            .unwrap_or_else(|| districts[n % districts.len()].clone());
        let category = leaves[n % leaves.len()];
        let author = &residents[n % residents.len()];
        let description = DESCRIPTIONS[n % DESCRIPTIONS.len()].to_string();
        let fields =
            ReportFields::unaddressed(category.id.clone(), (lat, lon), district, description);
        // Filed between an hour and sixty days ago.
        let filed = now - Duration::minutes(60 + (n as i64 * 7_919) % (60 * 24 * 60));
        let report = rules::new_report(fields, &author.id, filed);
        let Some(report) = lifecycle(
            report,
            n % 20,
            category,
            &profiles,
            &calendar,
            &moderator,
            now,
        ) else {
            continue;
        };
        reports.store.insert_report(&report).await?;
        if n % 5 == 0 && report.status.open() {
            let joiner = &residents[(n / 5 + 1) % residents.len()];
            if joiner.id != report.author_id {
                reports.store.join(&report.id, &joiner.id, now).await?;
            }
        }
        made += 1;
    }
    Ok(made)
}

/// The report taken through its life up to a state chosen by `stage` (0 to 19: submitted
/// below 2, rejected at 2, routed below 7, in progress below 10, answered below 13, closed
/// below 18, reopened above; between filing and now): every state is there, and some routed
/// reports are overdue. Seeded reports owe no email and count as warned of what has passed,
/// so no burst of emails follows the first start.
fn lifecycle(
    mut report: Report,
    stage: usize,
    category: &Category,
    profiles: &[Profile],
    calendar: &calendar::Calendar,
    moderator: &Account,
    now: OffsetDateTime,
) -> Option<Report> {
    let act = |action, role, at| Act {
        action,
        role,
        by: Some(moderator.id.clone()),
        note: None,
        at,
    };
    let age = now - report.created_at;
    let filed = report.created_at;
    let at = |fraction: f64| filed + age * fraction;
    if stage < 2 {
        return Some(report);
    }
    if stage == 2 {
        report.reject_reason = Some(RejectReason::Unclear);
        let step = act(Action::Reject, Actor::Moderator, at(0.1));
        return Some(settled(
            rules::stepped(&report, step, Status::Rejected, &[]),
            now,
        ));
    }
    let Some(routing) = routing::route(category, &report.district_id, profiles) else {
        return Some(report);
    };
    let accepted = at(0.1);
    let deadline = calendar::deadline(calendar, accepted, category.deadline_days);
    rules::routed(&mut report, routing, accepted, deadline);
    report = rules::stepped(
        &report,
        act(Action::Accept, Actor::Moderator, accepted),
        Status::Routed,
        &[Mail::Routed],
    );
    if stage < 7 {
        return Some(settled(report, now));
    }
    let official = |at| Act {
        by: None,
        ..act(Action::Start, Actor::Official, at)
    };
    report = rules::stepped(&report, official(at(0.2)), Status::InProgress, &[]);
    if stage < 10 {
        return Some(settled(report, now));
    }
    // Answered within the last two weeks (older answers would close at the first start).
    let answered_at = (now - Duration::days(14)).max(at(0.5));
    report.answer = Some(Answer {
        text: "Работы выполнены, проблема устранена.".into(),
        photos: Vec::new(),
        by: moderator.id.clone(),
        at: answered_at,
    });
    let step = Act {
        action: Action::Answer,
        ..official(answered_at)
    };
    report = rules::stepped(&report, step, Status::Answered, &[]);
    if stage < 13 {
        return Some(settled(report, now));
    }
    let responded = answered_at + (now - answered_at) * 0.5;
    let author = Act {
        by: Some(report.author_id.clone()),
        ..act(Action::Confirm, Actor::Author, responded)
    };
    if stage < 18 {
        return Some(settled(
            rules::stepped(&report, author, Status::Closed, &[]),
            now,
        ));
    }
    let deadline = calendar::deadline(calendar, responded, category.deadline_days);
    rules::set_deadline(&mut report, responded, deadline);
    let dispute = Act {
        action: Action::Dispute,
        ..author
    };
    Some(settled(
        rules::stepped(&report, dispute, Status::Reopened, &[Mail::Disputed]),
        now,
    ))
}

/// A seeded report: no email owed, warned of the deadline instants already past.
fn settled(mut report: Report, now: OffsetDateTime) -> Report {
    report.mail_due.clear();
    report.warned = match (report.warn_at, report.deadline) {
        (_, Some(d)) if d <= now => WARNED_DUE,
        (Some(w), _) if w <= now => WARNED_EARLY,
        _ => report.warned,
    };
    report
}
