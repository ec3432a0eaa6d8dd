//! The load benchmark's reports (`veche reports bench-seed`, `scripts/bench-reports`): the
//! demo's categories and organisations, and many reports over every district that has a
//! boundary, each at a point inside its district, in every state in the proportions of a
//! service running for two years (most closed; the open ones recent, a share of them past
//! their deadline). Written through [`crate::store::ReportStore::import_reports`] in large
//! batches: one transaction each on SQLite, one `insertMany` on MongoDB.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::mpsc;
use veche_core::districts::geo::{BBox, Boundary};
use veche_core::id::AccountId;
use veche_core::StoreError;

use super::*;

/// Each stage's share, per thousand reports: (the stage [`lifecycle`] takes, per mille, filed
/// at least and at most this many hours ago).
const MIX: &[(usize, u64, i64, i64)] = &[
    (0, 20, 0, 48),          // submitted, waiting for a moderator
    (2, 50, 24, 730 * 24),   // rejected
    (3, 60, 1, 14 * 24),     // routed
    (7, 80, 1, 20 * 24),     // in progress
    (10, 40, 1, 14 * 24),    // answered
    (13, 720, 24, 730 * 24), // closed
    (18, 30, 24, 40 * 24),   // reopened
];

/// Reports per store call.
const BATCH: usize = 10_000;
/// Made-up authors the reports are spread over (they are never shown).
const AUTHORS: usize = 20_000;
/// The districts of the highest density whose points the proximity runs ask about.
const DENSE_DISTRICTS: usize = 10;
/// Points written for the proximity runs.
const DENSE_POINTS: usize = 2_000;

/// What [`bench_reports`] made.
#[derive(Clone, Debug, Default)]
pub struct BenchReports {
    pub stored: u64,
    /// Reports per status.
    pub by_status: BTreeMap<&'static str, u64>,
    /// Reports past their deadline with no answer.
    pub overdue: u64,
    /// Every organisation's id, by the number of reports it owes (the most first).
    pub organisations: Vec<(OrganisationId, u64)>,
    /// Leaf categories (where reports are filed).
    pub categories: Vec<CategoryId>,
    /// Points inside the districts of the highest report density.
    pub dense: Vec<(f64, f64)>,
    /// Districts with a boundary the reports were spread over.
    pub districts: usize,
}

/// splitmix64: a fast deterministic scatter (no cryptography wanted).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// In [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A district to scatter points in.
struct Area {
    boundary: Boundary,
    bbox: BBox,
    /// Estimated from the share of its box's random points that fall inside.
    km2: f64,
}

impl Area {
    fn of(boundary: &Boundary, rng: &mut Rng) -> Option<Area> {
        let bbox = boundary.bbox()?;
        let mut area = Area {
            boundary: boundary.clone(),
            bbox,
            km2: 0.0,
        };
        let tries = 2_000;
        let inside = (0..tries).filter(|_| area.random(rng).is_some()).count();
        let mid = (bbox.min_lat + bbox.max_lat) / 2.0;
        let box_km2 = (bbox.max_lat - bbox.min_lat)
            * 111.2
            * (bbox.max_lon - bbox.min_lon)
            * 111.2
            * mid.to_radians().cos();
        area.km2 = box_km2 * inside as f64 / tries as f64;
        (inside > 0).then_some(area)
    }

    /// A random point of the box, if it is inside the district.
    fn random(&self, rng: &mut Rng) -> Option<(f64, f64)> {
        let lat = self.bbox.min_lat + rng.unit() * (self.bbox.max_lat - self.bbox.min_lat);
        let lon = self.bbox.min_lon + rng.unit() * (self.bbox.max_lon - self.bbox.min_lon);
        self.boundary.contains(lat, lon).then_some((lat, lon))
    }

    /// A random point inside the district (its box's middle after many misses, which a
    /// district whose area was estimated above zero does not come to).
    fn point(&self, rng: &mut Rng) -> (f64, f64) {
        (0..100_000).find_map(|_| self.random(rng)).unwrap_or((
            (self.bbox.min_lat + self.bbox.max_lat) / 2.0,
            (self.bbox.min_lon + self.bbox.max_lon) / 2.0,
        ))
    }
}

/// What every batch needs.
struct Plan {
    areas: Vec<Area>,
    leaves: Vec<Category>,
    profiles: Vec<Profile>,
    calendar: Arc<calendar::Calendar>,
    moderator: Account,
    authors: Vec<AccountId>,
    now: OffsetDateTime,
}

impl Plan {
    /// The `n`th report.
    fn report(&self, n: usize, rng: &mut Rng) -> Report {
        let mut pick = rng.below(1_000) as u64;
        let &(stage, _, least, most) = MIX
            .iter()
            .find(|(_, share, _, _)| {
                let hit = pick < *share;
                pick = pick.saturating_sub(*share);
                hit
            })
            .unwrap_or(&MIX[MIX.len() - 1]);
        let area = &self.areas[n % self.areas.len()];
        let place = area.point(rng);
        let category = &self.leaves[rng.below(self.leaves.len())];
        let description = DESCRIPTIONS[rng.below(DESCRIPTIONS.len())].to_string();
        let district = area.boundary.district_id.clone();
        let fields = ReportFields::unaddressed(category.id.clone(), place, district, description);
        let minutes = least * 60 + rng.below(((most - least) * 60).max(1) as usize) as i64;
        let filed = self.now - Duration::minutes(minutes.max(5));
        let author = &self.authors[rng.below(self.authors.len())];
        let report = rules::new_report(fields, author, filed);
        let stepped = lifecycle(
            report.clone(),
            stage,
            category,
            &self.profiles,
            &self.calendar,
            &self.moderator,
            self.now,
        );
        stepped.unwrap_or(report)
    }
}

/// Seeds `count` reports for the load benchmark into a store that has no category yet (the
/// demo's categories and organisations are made first); `moderator` is named in their
/// history. The reports are spread evenly over the districts with a boundary, so that the
/// small central districts are the densest, as a city's are.
pub async fn bench_reports(
    platform: &Platform,
    reports: &Reports,
    moderator: &Account,
    count: usize,
) -> ReportResult<BenchReports> {
    if !reports.store.categories().await?.is_empty() {
        return Err(ReportError::Conflict("store_not_empty"));
    }
    let categories = seed_categories(reports).await?;
    // The moderator has no organisation: no organisation of the demo's own is made.
    let profiles = seed_organisations(platform, reports, moderator).await?;
    let calendar = reports.calendar().await?;
    let mut rng = Rng(0x5EED_0F4E_5002_7500);
    let boundaries = platform.boundaries();
    let areas: Vec<Area> = boundaries
        .iter()
        .filter_map(|b| Area::of(b, &mut rng))
        .collect();
    let leaves: Vec<Category> = categories
        .iter()
        .filter(|c| c.parent.is_some())
        .cloned()
        .collect();
    if areas.is_empty() || leaves.is_empty() {
        return Err(ReportError::NotFound);
    }
    let mut made = BenchReports {
        categories: leaves.iter().map(|c| c.id.clone()).collect(),
        districts: areas.len(),
        ..BenchReports::default()
    };
    // The densest districts: the same number of reports each, so the smallest.
    let mut by_size: Vec<&Area> = areas.iter().collect();
    by_size.sort_by(|a, b| a.km2.total_cmp(&b.km2));
    for i in 0..DENSE_POINTS {
        made.dense
            .push(by_size[i % DENSE_DISTRICTS.min(by_size.len())].point(&mut rng));
    }
    let plan = Arc::new(Plan {
        areas,
        leaves,
        profiles,
        calendar,
        moderator: moderator.clone(),
        authors: (0..AUTHORS).map(|_| AccountId::generate()).collect(),
        now: clock::now(),
    });
    // Batches are made on a blocking thread while the store writes the one before.
    let (tx, mut rx) = mpsc::channel::<Vec<Report>>(2);
    let maker = {
        let plan = plan.clone();
        tokio::task::spawn_blocking(move || {
            let mut rng = Rng(0xB0A7_5EED);
            let mut n = 0;
            while n < count {
                let end = (n + BATCH).min(count);
                let batch: Vec<Report> = (n..end).map(|i| plan.report(i, &mut rng)).collect();
                if tx.blocking_send(batch).is_err() {
                    return;
                }
                n = end;
            }
        })
    };
    let mut owed: BTreeMap<OrganisationId, u64> = BTreeMap::new();
    while let Some(batch) = rx.recv().await {
        made.stored += reports.store.import_reports(&batch).await?;
        for report in &batch {
            *made.by_status.entry(report.status.as_str()).or_default() += 1;
            if report.overdue(plan.now) {
                made.overdue += 1;
            }
            if let (Some(org), Some(_)) = (report.organisation_id(), report.due()) {
                *owed.entry(org.clone()).or_default() += 1;
            }
        }
    }
    maker
        .await
        .map_err(|e| StoreError::Internal(format!("the bench's report maker failed: {e}")))?;
    let mut organisations: Vec<(OrganisationId, u64)> = owed.into_iter().collect();
    organisations.sort_by_key(|o| std::cmp::Reverse(o.1));
    made.organisations = organisations;
    Ok(made)
}
