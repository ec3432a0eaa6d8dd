//! How long the dashboard's groupings take over many reports on the embedded store (a
//! measurement, not a timed test: ignored unless asked for).
//!
//! `VECHE_TALLY_REPORTS=1000000 cargo test -p veche-reports --test tally_scale -- --ignored --nocapture`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use time::Duration;
use veche_core::clock;
use veche_core::id::{AccountId, DistrictId, OrganisationId};
use veche_reports::model::{Action, CategoryId, Report, ReportId, Status};
use veche_reports::rules::{self, ReportFields};
use veche_reports::store::{self, TallyBy};
use veche_reports::testing::{acted, answered as answered_at, roads_routing};

const ORGANISATIONS: usize = 150;

fn template(answered: bool, at: time::OffsetDateTime) -> Report {
    let fields = ReportFields::unaddressed(
        CategoryId::from_trusted("c0".into()),
        (55.75, 37.6),
        DistrictId::from_trusted("d0".into()),
        "Яма на дороге у дома".into(),
    );
    let mut report = rules::new_report(fields, &AccountId::generate(), at);
    let routing = roads_routing(&report, OrganisationId::from_trusted("o0".into()));
    rules::routed(&mut report, routing, at, at + Duration::days(10));
    report = acted(&report, Action::Accept, at, Status::Routed);
    if answered {
        report = answered_at(&report, at + Duration::hours(30), Status::Answered);
    }
    report.mail_due.clear();
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run with --ignored"]
async fn the_dashboard_over_many_reports() {
    let n: usize = std::env::var("VECHE_TALLY_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    veche_core::testing::on_sqlite(|backend| async move {
        let store = store::open(&backend).await.unwrap();
        let now = clock::now();
        let templates = [
            template(false, now - Duration::days(20)),
            template(true, now - Duration::days(20)),
            template(false, now - Duration::days(2)),
        ];
        let started = Instant::now();
        let workers = 8;
        let mut tasks = Vec::new();
        for w in 0..workers {
            let (store, templates) = (store.clone(), templates.clone());
            tasks.push(tokio::spawn(async move {
                for i in (w..n).step_by(workers) {
                    let mut r = templates[i % 3].clone();
                    r.id = ReportId::generate();
                    r.category_id = CategoryId::from_trusted(format!("c{}", i % 30));
                    r.district_id = DistrictId::from_trusted(format!("d{}", i % 146));
                    if let Some(routing) = r.routing.as_mut() {
                        routing.organisation_id =
                            OrganisationId::from_trusted(format!("o{}", i % ORGANISATIONS));
                    }
                    store.insert_report(&r).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        eprintln!("{n} reports stored in {:.1} s", started.elapsed().as_secs_f64());
        let org = OrganisationId::from_trusted("o7".into());
        for (what, organisation) in [("one organisation's", Some(&org)), ("every", None)] {
            for round in 0..3 {
                let started = Instant::now();
                let mut rows = 0;
                for by in [TallyBy::All, TallyBy::Category, TallyBy::District] {
                    rows += store.tally(organisation, by, now).await.unwrap().len();
                }
                eprintln!(
                    "dashboard of {what} reports (3 groupings, {rows} rows), round {round}: {:.1} ms",
                    started.elapsed().as_secs_f64() * 1000.0
                );
            }
        }
    })
    .await;
}
