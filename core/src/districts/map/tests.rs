#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failure is a failed test

use std::time::Instant;

use super::*;
use crate::districts::geo::moscow_boundaries;
use crate::districts::moscow;
use crate::web::i18n::{Catalog, Tr};
use crate::web::map::{render, Map, MapPoint, Scale};

fn directory() -> Directory {
    let list = moscow().unwrap();
    Directory {
        okrugs: list.okrugs,
        districts: list.districts,
    }
}

#[test]
fn moscow_on_a_map_is_small_and_quick() {
    let boundaries = moscow_boundaries();
    let started = Instant::now();
    let outlines = boundaries.outlines();
    let made = started.elapsed();
    assert_eq!(outlines.len(), 146);
    assert!(Arc::ptr_eq(&outlines, &boundaries.outlines()), "made once");
    let directory = directory();
    let catalog = Catalog::core().unwrap();
    let tr = Tr {
        catalog: &catalog,
        lang: Lang::Ru,
    };
    // A choropleth of made-up counts: every tenth district suppressed, one without data.
    let counts: Vec<i64> = (0..146).map(|i| (i * 37 % 500) + 10).collect();
    let scale = Scale::quantiles(&counts, 5).unwrap();
    let mut i = 0;
    let areas = district_areas(&boundaries, &directory, Lang::Ru, |_, _| {
        i += 1;
        match i {
            1 => DistrictLook::no_data(),
            n if n % 10 == 0 => DistrictLook {
                fill: Fill::Suppressed,
                note: None,
                href: None,
            },
            n => DistrictLook {
                fill: Fill::Bucket(scale.bucket(counts[n - 1])),
                note: Some(format!("{} голосов", counts[n - 1])),
                href: Some(format!("/districts/{n}")),
            },
        }
    });
    assert_eq!(areas.len(), 146);
    // A hundred reports spread over the centre, for the clusters.
    let points: Vec<MapPoint> = (0..100)
        .map(|n| MapPoint {
            lat: 55.70 + f64::from(n % 10) * 0.012,
            lon: 37.55 + f64::from(n / 10) * 0.015,
            href: format!("/reports/{n}"),
            label: format!("Сообщение {n}"),
            status: "open".into(),
        })
        .collect();
    let map = Map {
        id: "moscow",
        title: "Москва".into(),
        outlines: &outlines,
        areas,
        points,
        cluster_href: None,
        legend: scale.legend(),
    };
    let started = Instant::now();
    let rounds = 20;
    let mut size = 0;
    for _ in 0..rounds {
        size = render(tr, &map).len();
    }
    let per_render = started.elapsed() / rounds;
    eprintln!(
        "map of 146 districts: outlines made in {made:?}, {size} bytes, rendered in {per_render:?}"
    );
    assert!(size < 150_000, "{size} bytes");
    assert!(per_render.as_millis() < 200, "{per_render:?}");
}

#[test]
fn district_areas_name_the_districts_and_keep_suppressed_values_out() {
    let boundaries = moscow_boundaries();
    let directory = directory();
    let tverskoy = directory
        .districts
        .iter()
        .find(|d| d.name_ru == "Тверской")
        .unwrap()
        .id
        .clone();
    let areas = district_areas(&boundaries, &directory, Lang::En, |district, id| {
        assert_eq!(district.map(|d| d.id.as_str()), Some(id));
        if id == tverskoy.as_str() {
            DistrictLook {
                fill: Fill::Suppressed,
                note: None,
                href: None,
            }
        } else {
            DistrictLook {
                fill: Fill::Bucket(1),
                note: Some("42 ballots".into()),
                href: None,
            }
        }
    });
    let t = areas.iter().find(|a| a.id == tverskoy.as_str()).unwrap();
    assert_eq!(t.label, "Tverskoy");
    assert_eq!(t.fill, Fill::Suppressed);
    let other = areas.iter().find(|a| a.id != tverskoy.as_str()).unwrap();
    assert!(other.label.ends_with(": 42 ballots"), "{}", other.label);
}
