#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failure is a failed test

use std::time::Instant;

use super::*;
use crate::districts::moscow;

fn id(raw: &str) -> DistrictId {
    DistrictId::from_trusted(raw.into())
}

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Ring {
    vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
}

/// A 10×10 square with a 2×2 hole in its middle, and a separate 1×1 island to the east.
fn square_with_hole() -> Boundaries {
    Boundaries::new([
        Boundary {
            district_id: id("1"),
            polygons: vec![
                Polygon {
                    outer: square(0.0, 0.0, 10.0, 10.0),
                    holes: vec![square(4.0, 4.0, 6.0, 6.0)],
                },
                Polygon {
                    outer: square(20.0, 0.0, 21.0, 1.0),
                    holes: vec![],
                },
            ],
        },
        // The hole's own district.
        Boundary {
            district_id: id("2"),
            polygons: vec![Polygon {
                outer: square(4.0, 4.0, 6.0, 6.0),
                holes: vec![],
            }],
        },
    ])
}

#[test]
fn a_square_with_a_hole() {
    let b = square_with_hole();
    // (lat, lon): y is the latitude, x the longitude.
    assert_eq!(b.locate(1.0, 1.0), Some(id("1")));
    assert_eq!(b.locate(9.5, 5.0), Some(id("1")));
    assert_eq!(
        b.locate(5.0, 5.0),
        Some(id("2")),
        "the hole is not district 1"
    );
    assert_eq!(b.locate(0.5, 20.5), Some(id("1")), "the island");
    assert_eq!(
        b.locate(5.0, 15.0),
        None,
        "between the square and the island"
    );
    assert_eq!(b.locate(-1.0, 5.0), None);
    assert_eq!(b.locate(11.0, 5.0), None);
    // Without the hole's district, the hole is nowhere.
    let only_square = Boundaries::new(b.iter().filter(|x| x.district_id == id("1")).cloned());
    assert_eq!(only_square.locate(5.0, 5.0), None);
    assert_eq!(only_square.locate(3.9, 5.0), Some(id("1")));
}

#[test]
fn a_concave_ring_and_rays_through_vertices() {
    // A "U": the notch between its arms is outside.
    let u = vec![
        [0.0, 0.0],
        [3.0, 0.0],
        [3.0, 3.0],
        [2.0, 3.0],
        [2.0, 1.0],
        [1.0, 1.0],
        [1.0, 3.0],
        [0.0, 3.0],
    ];
    assert!(ring_contains(&u, 2.0, 0.5));
    assert!(!ring_contains(&u, 2.0, 1.5), "in the notch");
    assert!(ring_contains(&u, 2.0, 2.5));
    // The ray from (lat 1, lon -1) passes exactly through the vertices at latitude 1.
    assert!(!ring_contains(&u, 1.0, -1.0));
    assert!(ring_contains(&u, 0.5, 1.5));
    assert!(!ring_contains(&[], 0.0, 0.0));
}

#[test]
fn geometry_json_round_trips() {
    let b = square_with_hole();
    for boundary in b.iter() {
        let text = boundary.geometry_json();
        let back = Boundary::from_geometry_json(boundary.district_id.clone(), &text).unwrap();
        assert_eq!(&back, boundary);
    }
    let polygon = r#"{"type":"Polygon","coordinates":[[[37.1,55.1,120.0],[37.2,55.1],[37.2,55.2],[37.1,55.1]]]}"#;
    let parsed = Boundary::from_geometry_json(id("3"), polygon).unwrap();
    assert_eq!(parsed.polygons.len(), 1);
    assert_eq!(parsed.polygons[0].outer[0], [37.1, 55.1]);
    for bad in [
        r#"{"type":"Point","coordinates":[37.1,55.1]}"#,
        r#"{"type":"Polygon","coordinates":[[[37.1,55.1],[37.2,55.1]]]}"#,
        r#"{"type":"Polygon","coordinates":[[[237.1,55.1],[37.2,55.1],[37.2,55.2]]]}"#,
        r#"{"type":"Polygon","coordinates":[[["a",55.1],[37.2,55.1],[37.2,55.2]]]}"#,
        r#"{"type":"Polygon"}"#,
        "null",
        "[",
    ] {
        assert!(Boundary::from_geometry_json(id("3"), bad).is_err(), "{bad}");
    }
}

/// The district a place in Moscow is in, by its Russian name (from the list the boundaries'
/// ids come from).
fn name_at(lat: f64, lon: f64) -> Option<String> {
    let found = moscow_boundaries().locate(lat, lon)?;
    let list = moscow().unwrap();
    let district = list.districts.iter().find(|d| d.id == found).unwrap();
    Some(district.name_ru.clone())
}

#[test]
fn moscow_places_are_in_their_districts() {
    // Each checked against the polygons of data/moscow-districts.geojson and its NAME and
    // OKTMO properties, one per okrug or so.
    let places = [
        ("Red Square", 55.7539, 37.6208, "Тверской", "45382000"),
        (
            "Moscow State University",
            55.7033,
            37.5302,
            "Раменки",
            "45325000",
        ),
        ("VDNKh", 55.8262, 37.6377, "Останкинский", "45358000"),
        ("Zelenograd", 55.9825, 37.1814, "Старое Крюково", "45927000"),
        (
            "Kolomenskoye",
            55.6678,
            37.6710,
            "Нагатинский Затон",
            "45919000",
        ),
        ("Troitsk", 55.4846, 37.3070, "Троицк", "45931000"),
        (
            "Izmailovo Kremlin",
            55.7946,
            37.7486,
            "Измайлово",
            "45307000",
        ),
        (
            "Moscow City towers",
            55.7494,
            37.5400,
            "Пресненский",
            "45380000",
        ),
        ("Kuzminki park", 55.6930, 37.7780, "Кузьминки", "45387000"),
        // Rublyovo: an exclave of Kuntsevo, one of its five polygons.
        ("Rublyovo", 55.787, 37.351, "Кунцево", "45320000"),
    ];
    for (place, lat, lon, name, oktmo) in places {
        assert_eq!(
            moscow_boundaries().locate(lat, lon),
            Some(id(oktmo)),
            "{place}"
        );
        assert_eq!(name_at(lat, lon).as_deref(), Some(name), "{place}");
    }
    // Outside Moscow: Saint Petersburg, and Sheremetyevo airport (Khimki, just north).
    assert_eq!(moscow_boundaries().locate(59.93, 30.31), None);
    assert_eq!(moscow_boundaries().locate(55.9726, 37.4146), None);
}

#[test]
fn moscow_boundaries_match_the_district_list() {
    let boundaries = moscow_boundaries();
    let list = moscow().unwrap();
    assert_eq!(boundaries.len(), 146);
    for district in &list.districts {
        assert!(
            boundaries.get(&district.id).is_some(),
            "{}",
            district.name_ru
        );
    }
    let b = boundaries.bbox().unwrap();
    assert!(b.min_lat > 55.1 && b.max_lat < 56.1 && b.min_lon > 36.7 && b.max_lon < 38.0);
    // Parsed once: the same allocation every time.
    assert!(Arc::ptr_eq(&boundaries, &moscow_boundaries()));
}

#[test]
fn for_districts_prefers_stored_and_falls_back_to_moscow() {
    let list = moscow().unwrap();
    // Moscow's whole list and nothing stored: Moscow's boundaries themselves.
    let all = Boundaries::for_districts(Vec::new(), &list.districts);
    assert!(Arc::ptr_eq(&all, &moscow_boundaries()));
    // A stored boundary replaces Moscow's for its district; other cities' districts without
    // one are left out; Moscow districts not in the directory are left out.
    let tverskoy = list
        .districts
        .iter()
        .find(|d| d.name_ru == "Тверской")
        .unwrap();
    let other = District {
        id: id("99999999"),
        ..tverskoy.clone()
    };
    let stored = vec![Boundary {
        district_id: tverskoy.id.clone(),
        polygons: vec![Polygon {
            outer: square(0.0, 0.0, 1.0, 1.0),
            holes: vec![],
        }],
    }];
    let arbat = list
        .districts
        .iter()
        .find(|d| d.name_ru == "Арбат")
        .unwrap();
    let some = Boundaries::for_districts(stored, &[tverskoy.clone(), arbat.clone(), other]);
    assert_eq!(some.len(), 2);
    assert_eq!(some.locate(0.5, 0.5), Some(tverskoy.id.clone()));
    assert_eq!(some.locate(55.7539, 37.6208), None, "Red Square moved away");
    assert_eq!(some.locate(55.7516, 37.5930), Some(arbat.id.clone()));
}

#[test]
fn locate_is_fast() {
    let boundaries = moscow_boundaries();
    // A grid over Moscow's box and beyond: points inside, outside, and near borders.
    let points: Vec<(f64, f64)> = (0..100)
        .flat_map(|i| (0..100).map(move |j| (55.1 + i as f64 * 0.01, 36.7 + j as f64 * 0.013)))
        .collect();
    let started = Instant::now();
    let found = points
        .iter()
        .filter(|(lat, lon)| boundaries.locate(*lat, *lon).is_some())
        .count();
    let per_call = started.elapsed() / points.len() as u32;
    eprintln!(
        "locate: {per_call:?} a call over {} points ({found} in Moscow)",
        points.len()
    );
    assert!(found > 1000 && found < points.len());
    // Generous for a debug build on a shared machine; a release build is far faster.
    assert!(per_call.as_micros() < 500, "{per_call:?}");
}
