#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failure is a failed test

use super::cluster::{gather, CLUSTER_CELL};
use super::geometry::{push_ring, simplify, simplify_ring};
use super::*;
use crate::web::i18n::{Catalog, Lang};

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<LonLat> {
    vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
}

/// Two unit squares side by side at Moscow's latitude, and the first's hole.
fn two_squares() -> Outlines {
    let a = square(37.0, 55.0, 37.1, 55.1);
    let hole = square(37.04, 55.04, 37.06, 55.06);
    let b = square(37.1, 55.0, 37.2, 55.1);
    Outlines::new([
        ("a".to_string(), vec![a.as_slice(), hole.as_slice()]),
        ("b".to_string(), vec![b.as_slice()]),
    ])
}

#[test]
fn the_projection_fits_the_box_and_keeps_proportions() {
    let bbox = BBox {
        min_lon: 37.0,
        min_lat: 55.0,
        max_lon: 38.0,
        max_lat: 56.0,
    };
    let p = Projection::fit(bbox, 1000.0, 1000.0, 4.0);
    // A degree of longitude at 55.5° is cos(55.5°) ≈ 0.566 of a degree of latitude: the box
    // is taller than wide, so the height fills the space.
    assert_eq!(p.height, 1000.0);
    let expected_width = (992.0 * 55.5_f64.to_radians().cos() + 8.0).ceil();
    assert_eq!(p.width, expected_width);
    // Corners: north-west at the margin, south-east at the far margins; north is up.
    let (x, y) = p.project(56.0, 37.0);
    assert!((x - 4.0).abs() < 1e-9 && (y - 4.0).abs() < 1e-9);
    let (x, y) = p.project(55.0, 38.0);
    assert!((x - (p.width - 4.0)).abs() < 1.0 && (y - 996.0).abs() < 1e-9);
    for (lat, lon) in [(55.0, 37.0), (56.0, 38.0), (55.5, 37.5), (55.123, 37.987)] {
        let (x, y) = p.project(lat, lon);
        assert!(p.shows(x, y));
        let (back_lat, back_lon) = p.unproject(x, y);
        assert!((back_lat - lat).abs() < 1e-9 && (back_lon - lon).abs() < 1e-9);
    }
    assert!(!p.shows(p.project(57.0, 37.5).0, p.project(57.0, 37.5).1));
    // A wide box fills the width instead.
    let wide = Projection::fit(
        BBox {
            min_lon: 0.0,
            min_lat: 0.0,
            max_lon: 10.0,
            max_lat: 1.0,
        },
        1000.0,
        1000.0,
        0.0,
    );
    assert_eq!(wide.width, 1000.0);
    assert!(wide.height < 110.0);
    // A single point does not divide by zero.
    let point = Projection::fit(BBox::around(&[[37.0, 55.0]]).unwrap(), 100.0, 100.0, 2.0);
    assert!(point.project(55.0, 37.0).0.is_finite());
}

#[test]
fn simplification_drops_what_lies_within_the_tolerance() {
    // A straight line with a wobble of 0.3 and one spike of 5.
    let line: Vec<(f64, f64)> = (0..=100)
        .map(|i| {
            let x = f64::from(i);
            let y = if i == 50 {
                5.0
            } else if i % 2 == 0 {
                0.3
            } else {
                0.0
            };
            (x, y)
        })
        .collect();
    let simple = simplify(&line, 1.0);
    assert_eq!(simple.first(), Some(&(0.0, 0.3)));
    assert_eq!(simple.last(), Some(&(100.0, 0.3)));
    assert!(simple.contains(&(50.0, 5.0)), "the spike stays");
    assert!(simple.len() <= 5, "{simple:?}");
    // Every dropped point is within the tolerance of the simplified line.
    assert_eq!(simplify(&line, 0.0).len(), line.len());
    // A ring: a circle of 400 points with a radius of 100 keeps its shape in far fewer.
    let circle: Vec<(f64, f64)> = (0..=400)
        .map(|i| {
            let a = f64::from(i) * std::f64::consts::TAU / 400.0;
            (100.0 * a.cos(), 100.0 * a.sin())
        })
        .collect();
    let ring = simplify_ring(&circle, 1.0).unwrap();
    assert!(ring.len() > 8 && ring.len() < 60, "{}", ring.len());
    for p in &ring {
        assert!((p.0.hypot(p.1) - 100.0).abs() < 1e-9);
    }
    // A ring smaller than the tolerance is gone.
    let tiny = [(0.0, 0.0), (0.3, 0.0), (0.3, 0.3), (0.0, 0.0)];
    assert_eq!(simplify_ring(&tiny, 1.0), None);
}

#[test]
fn paths_are_relative_whole_units() {
    let mut path = String::new();
    push_ring(
        &mut path,
        &[(10.2, 20.0), (15.0, 20.4), (15.0, 10.0), (10.0, 10.0)],
    );
    assert_eq!(path, "M10 20l5 0 0-10-5 0z");
    let outlines = two_squares();
    let a = outlines.path("a").unwrap();
    assert_eq!(a.matches('M').count(), 2, "the square and its hole: {a}");
    assert!(outlines.path("b").unwrap().starts_with('M'));
    assert_eq!(outlines.path("c"), None);
}

fn point(lat: f64, lon: f64, n: usize) -> MapPoint {
    MapPoint {
        lat,
        lon,
        href: format!("/reports/{n}"),
        label: format!("report {n}"),
        status: "open".into(),
    }
}

#[test]
fn crowded_points_cluster_and_sparse_ones_stay_single() {
    let outlines = two_squares();
    let p = &outlines.projection;
    // Twelve points within a few metres; three far apart; one outside the picture.
    let mut points: Vec<MapPoint> = (0..12)
        .map(|i| point(55.05 + f64::from(i) * 1e-5, 37.05, i as usize))
        .collect();
    points.push(point(55.01, 37.01, 100));
    points.push(point(55.09, 37.19, 101));
    points.push(point(55.01, 37.19, 102));
    points.push(point(59.93, 30.31, 103));
    let gathered = gather(&points, p, CLUSTER_CELL);
    assert_eq!(gathered.clusters.len(), 1);
    let (cluster, _) = &gathered.clusters[0];
    assert_eq!(cluster.count, 12);
    assert!(cluster.bbox.contains(55.05, 37.05));
    assert!((cluster.lat - 55.05).abs() < 1e-3);
    let singles: Vec<usize> = gathered.singles.iter().map(|(i, _)| *i).collect();
    assert_eq!(
        singles,
        [12, 13, 14],
        "the sparse ones; the one outside is left out"
    );
}

fn catalog() -> Catalog {
    Catalog::core().unwrap()
}

/// Core's catalog in English.
fn english(catalog: &Catalog) -> Tr<'_> {
    Tr {
        catalog,
        lang: Lang::En,
    }
}

#[test]
fn the_map_escapes_labels_and_draws_fills_legend_and_attribution() {
    let catalog = catalog();
    let tr = english(&catalog);
    let outlines = two_squares();
    let points: Vec<MapPoint> = vec![
        MapPoint {
            label: "<img src=x onerror=alert(1)>".into(),
            status: "in progress\"><script>".into(),
            href: "/reports/1?a=1&b=\"2\"".into(),
            ..point(55.01, 37.01, 1)
        },
        point(55.05, 37.15, 2),
        point(55.05001, 37.15, 3),
    ];
    let href = |c: &Cluster| format!("/reports?near={:.3},{:.3}", c.lat, c.lon);
    let map = Map {
        id: "test\"map",
        title: "Reports & <b>districts</b>".into(),
        outlines: &outlines,
        areas: vec![
            Area {
                id: "a".into(),
                label: "<script>alert(1)</script>".into(),
                fill: Fill::Bucket(2),
                href: Some("/d/a".into()),
            },
            Area {
                id: "b".into(),
                label: "Hidden".into(),
                fill: Fill::Suppressed,
                href: None,
            },
        ],
        points,
        cluster_href: Some(&href),
        legend: vec![LegendEntry {
            fill: Fill::Bucket(2),
            label: "10–49 <ballots>".into(),
        }],
    };
    let html = render(tr, &map);
    let svg = html.as_str();
    assert!(!svg.contains("<script>"), "{svg}");
    assert!(!svg.contains("<img"), "{svg}");
    assert!(!svg.contains("<b>"));
    assert!(svg.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(svg.contains("Reports &#38; &#60;b&#62;districts&#60;/b&#62;"));
    assert!(svg.contains("class=\"map-point map-point-inprogressscript\""));
    assert!(svg.contains("id=\"map-testmap\""));
    assert!(svg.contains("href=\"/reports/1?a=1&#38;b=&#34;2&#34;\""));
    // Fills: the bucket's colour, the suppressed hatching; the legend says both.
    assert!(svg.contains("class=\"map-area map-bucket-2\" data-id=\"a\" fill=\"#6baed6\""));
    assert!(svg.contains(
        "class=\"map-area map-suppressed\" data-id=\"b\" fill=\"url(#map-testmap-hatch)\""
    ));
    assert!(svg.contains("10–49 &#60;ballots&#62;"));
    assert!(svg.contains("Too few to show"));
    assert!(!svg.contains("No data"), "every outline has data");
    // The two close points are one cluster, with its count, title and link.
    assert!(svg.contains("data-count=\"2\""));
    assert!(svg.contains("<title>2 items here</title>"));
    assert!(svg.contains("href=\"/reports?near=55.050,37.150\""));
    assert!(svg.contains("© OpenStreetMap contributors"));
    assert!(svg.contains("https://www.openstreetmap.org/copyright"));
    // Links inside: not one image to a screen reader.
    assert!(!svg.contains("role=\"img\""));
}

#[test]
fn legend_buckets_follow_the_values() {
    let values: Vec<i64> = (1..=100).collect();
    let scale = Scale::quantiles(&values, 5).unwrap();
    assert_eq!(scale.len(), 5);
    assert_eq!(
        scale.ranges(),
        [(1, 20), (21, 40), (41, 60), (61, 80), (81, 100)]
    );
    assert_eq!(scale.bucket(1), 0);
    assert_eq!(scale.bucket(20), 0);
    assert_eq!(scale.bucket(21), 1);
    assert_eq!(scale.bucket(100), 4);
    assert_eq!(scale.bucket(1000), 4);
    assert_eq!(scale.bucket(-5), 0);
    let legend = scale.legend();
    assert_eq!(legend[0].label, "1–20");
    assert_eq!(legend[4].fill, Fill::Bucket(4));
    // Skewed values: equal values share a step, and no step is empty (the quantiles of
    // eight values at fifths are the 1st, 2nd, 4th, 5th and 7th: 10, 10, 10, 10, 12).
    let skewed = [10, 10, 10, 10, 10, 10, 12, 500];
    let scale = Scale::quantiles(&skewed, 5).unwrap();
    assert_eq!(scale.ranges(), [(10, 11), (12, 500)]);
    assert_eq!(scale.legend()[1].label, "12–500");
    for v in skewed {
        let (lo, hi) = scale.ranges()[scale.bucket(v)];
        assert!(lo <= v && v <= hi);
    }
    let scale = Scale::quantiles(&[3, 3, 4, 4, 9, 9], 3).unwrap();
    assert_eq!(scale.ranges(), [(3, 3), (4, 8), (9, 9)]);
    assert_eq!(scale.legend()[0].label, "3");
    // One value; none.
    assert_eq!(Scale::quantiles(&[7], 5).unwrap().ranges(), [(7, 7)]);
    assert_eq!(Scale::quantiles(&[], 5), None);
    // More steps than colours are not made.
    assert_eq!(Scale::quantiles(&values, 12).unwrap().len(), 5);
}

// ---- The place picker ----

mod picker {
    use super::super::picker::{picker_svg, Label, View, MAX_ZOOM, PICKER_SIZE};
    use super::*;

    fn near(a: (f64, f64), b: (f64, f64), within: f64) -> bool {
        (a.0 - b.0).abs() < within && (a.1 - b.1).abs() < within
    }

    #[test]
    fn a_tap_is_the_place_under_it_at_every_zoom() {
        let outlines = two_squares();
        let p = &outlines.projection;
        let half = f64::from(PICKER_SIZE) / 2.0;
        let whole = View::whole(p);
        // The centre of the whole map is the middle of the two squares.
        let centre = whole.tap(p, half, half).unwrap();
        assert!(near(centre, (55.05, 37.1), 1e-3), "{centre:?}");
        // Zoomed around a point, the picture's centre is that point, and a corner is half a
        // side away from it.
        for zoom in 0..=MAX_ZOOM {
            let view = View::around(p, 55.02, 37.03, zoom);
            assert_eq!(view.zoom, zoom);
            let got = view.tap(p, half, half).unwrap();
            assert!(near(got, (55.02, 37.03), 1e-9), "zoom {zoom}: {got:?}");
            let side = view.side(p);
            let corner = p.unproject(view.x - side / 2.0 + 1e-9, view.y - side / 2.0 + 1e-9);
            if p.shows(view.x - side / 2.0, view.y - side / 2.0) {
                let tapped = view.tap(p, 0.0, 0.0).unwrap();
                assert!(near(tapped, corner, 1e-6), "zoom {zoom}");
            }
        }
        // Each step halves the side.
        let z1 = View::around(p, 55.02, 37.03, 1);
        let z2 = z1.closer();
        assert_eq!(z2.zoom, 2);
        assert!((z1.side(p) / z2.side(p) - 2.0).abs() < 1e-12);
        // A pixel outside the picture, or a place off the map, is no place.
        assert_eq!(whole.tap(p, -1.0, half), None);
        assert_eq!(whole.tap(p, half, f64::from(PICKER_SIZE) + 0.5), None);
        let edge = View::around(p, 55.0001, 37.0001, 2);
        assert_eq!(edge.tap(p, 0.0, f64::from(PICKER_SIZE)), None);
    }

    #[test]
    fn zoom_stops_at_its_ends() {
        let outlines = two_squares();
        let p = &outlines.projection;
        let mut view = View::around(p, 55.05, 37.05, 200);
        assert_eq!(view.zoom, MAX_ZOOM);
        view = view.closer();
        assert_eq!(view.zoom, MAX_ZOOM);
        view = view.farther(p);
        assert_eq!(view.zoom, MAX_ZOOM - 1);
        let mut out = View::around(p, 55.05, 37.05, 1);
        out = out.farther(p);
        assert_eq!(out, View::whole(p));
        assert_eq!(out.farther(p), View::whole(p));
        // A place off the map opens the whole map.
        assert_eq!(View::around(p, 10.0, 10.0, 3), View::whole(p));
    }

    #[test]
    fn a_view_from_a_form_is_checked() {
        let outlines = two_squares();
        let p = &outlines.projection;
        let view = View::around(p, 55.05, 37.05, 3);
        let (x, y, z) = view.fields();
        let fields = |x: &str, y: &str, z: &str| {
            let (x, y, z) = (x.to_string(), y.to_string(), z.to_string());
            move |name: &str| -> Option<String> {
                match name {
                    "pick_x" => Some(x.clone()),
                    "pick_y" => Some(y.clone()),
                    "pick_z" => Some(z.clone()),
                    _ => None,
                }
            }
        };
        let read = |get: &dyn Fn(&str) -> Option<String>| {
            let owned: Vec<(String, Option<String>)> = ["pick_x", "pick_y", "pick_z"]
                .iter()
                .map(|n| (n.to_string(), get(n)))
                .collect();
            View::from_fields(p, "pick", |n| {
                owned
                    .iter()
                    .find(|(k, _)| k == n)
                    .and_then(|(_, v)| v.as_deref())
            })
        };
        let back = read(&fields(&x, &y, &z)).unwrap();
        assert!((back.x - view.x).abs() < 0.1 && (back.y - view.y).abs() < 0.1);
        assert_eq!(back.zoom, 3);
        for (x, y, z) in [
            ("", "10", "1"),
            ("abc", "10", "1"),
            ("NaN", "10", "1"),
            ("inf", "10", "1"),
            ("10", "10", "-1"),
            ("10", "10", "6"),
            ("10", "10", "300"),
            ("-5", "10", "1"),
            ("10", "100000", "1"),
        ] {
            assert_eq!(read(&fields(x, y, z)), None, "{x} {y} {z}");
        }
        assert_eq!(read(&|_| None), None);
    }

    #[test]
    fn the_picture_marks_the_place_labels_close_views_and_escapes_names() {
        let catalog = catalog();
        let tr = english(&catalog);
        let outlines = two_squares();
        let p = &outlines.projection;
        let (ax, ay) = outlines.anchor("a").unwrap();
        // The anchor of a square with a hole is its outer ring's centre.
        let (cx, cy) = p.project(55.05, 37.05);
        assert!((ax - cx).abs() < 1e-6 && (ay - cy).abs() < 1e-6);
        assert_eq!(outlines.anchor("nope"), None);
        let labels = [Label {
            name: "<script>alert(1)</script> & Co".to_string(),
            x: ax,
            y: ay,
        }];
        let whole = picker_svg(tr, &outlines, &labels, View::whole(p), Some((55.05, 37.05)));
        assert!(whole.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(whole.contains("width=\"280\" height=\"280\""));
        assert_eq!(whole.matches("<path ").count(), 2);
        assert!(whole.contains("class=\"map-picker-mark\""));
        // No labels on the whole map.
        assert!(!whole.contains("<text"));
        let close = View::around(p, 55.05, 37.05, 2);
        let svg = picker_svg(tr, &outlines, &labels, close, Some((55.05, 37.05)));
        assert!(
            svg.contains("&#60;script&#62;alert(1)&#60;/script&#62; &#38; Co"),
            "{}",
            svg.as_str()
        );
        assert!(!svg.contains("<script"));
        // The view box is the view's square.
        let side = close.side(p);
        assert!(svg.contains(&format!("{} ", side)) || svg.contains(&format!("{:.3}", side)));
        // A mark outside the view is not drawn.
        let far = picker_svg(tr, &outlines, &labels, close, Some((55.0, 37.19)));
        assert!(!far.contains("map-picker-mark"));
        let none = picker_svg(tr, &outlines, &labels, close, None);
        assert!(!none.contains("map-picker-mark"));
    }
}

#[test]
fn the_picker_leaves_out_labels_that_would_cross_and_keeps_the_nearest() {
    use super::picker::{picker_svg, Label, View};
    let catalog = catalog();
    let tr = english(&catalog);
    let outlines = two_squares();
    let p = &outlines.projection;
    let view = View::around(p, 55.05, 37.1, 1);
    let label = |name: &str, dx: f64, dy: f64| Label {
        name: name.to_string(),
        x: view.x + dx,
        y: view.y + dy,
    };
    // Two long names a unit apart cross; a third far below does not.
    let labels = [
        label("Far-but-first-in-the-list", 3.0, 0.0),
        label("Nearest-the-centre", 0.5, 0.0),
        label("Below", 0.0, 150.0),
    ];
    let svg = picker_svg(tr, &outlines, &labels, view, None);
    assert!(
        svg.contains(">Nearest-the-centre</text>"),
        "{}",
        svg.as_str()
    );
    assert!(!svg.contains("Far-but-first-in-the-list"));
    assert!(svg.contains(">Below</text>"));
}
