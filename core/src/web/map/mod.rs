//! Maps drawn by the server as SVG: no JavaScript, no tile server.
//!
//! A map is areas and points over one projection:
//!
//! - [`Outlines`]: the areas' shapes (an id and polygons of longitude/latitude rings each),
//!   projected to fit the picture ([`geometry::Projection`]) and simplified to about a unit
//!   (Douglas–Peucker), as SVG paths. Made once for shapes that do not change (a city's
//!   districts) and kept.
//! - [`Area`]: what one render says of an outline: its label, its [`Fill`] (a choropleth step,
//!   a category, suppressed, no data) and an optional link.
//! - [`MapPoint`]: a place (an item of a list) with its link, label and status; where points
//!   crowd, a grid gathers them into a circle with their count ([`cluster`]).
//!
//! [`render`] draws it through `map.html` into [`Html`]: a `<title>` for the whole and for
//! every area and point, the legend, and the OpenStreetMap attribution the data's licence
//! (ODbL) asks for. The kit knows no districts: the accounts layer turns its boundaries into
//! outlines and areas.

pub mod cluster;
pub mod geometry;
pub mod picker;
pub mod scale;

use std::collections::HashMap;

use askama::Template;

pub use cluster::Cluster;
pub use geometry::{BBox, LonLat, Projection};
pub use scale::{Fill, LegendEntry, Scale};

use crate::web::html::Html;
use crate::web::i18n::Tr;

/// The picture's largest size, in its own units (it scales to the page's width).
pub const MAP_WIDTH: f64 = 1000.0;
pub const MAP_HEIGHT: f64 = 1000.0;
const MAP_MARGIN: f64 = 4.0;
/// Outlines are simplified to within this many units: about a pixel when the map is shown
/// 700–1000 pixels wide.
pub const SIMPLIFY: f64 = 1.0;

/// Shapes projected and simplified, as SVG paths by id.
#[derive(Clone, Debug)]
pub struct Outlines {
    pub projection: Projection,
    /// Each shape's id and path, in the order given.
    paths: Vec<(String, String)>,
    /// Each shape's anchor for a label: the centroid of its largest ring, projected.
    anchors: Vec<Option<(f64, f64)>>,
    index: HashMap<String, usize>,
}

impl Outlines {
    /// Projects `shapes` (an id and its polygons' rings each: outer rings and holes alike, the
    /// even-odd rule tells them apart) into a picture of at most [`MAP_WIDTH`] ×
    /// [`MAP_HEIGHT`] units and simplifies them. A ring smaller than the tolerance is left
    /// out; a shape left without rings is not drawn.
    pub fn new<'a, I, R>(shapes: I) -> Outlines
    where
        I: IntoIterator<Item = (String, R)>,
        R: IntoIterator<Item = &'a [LonLat]>,
    {
        let shapes: Vec<(String, Vec<&[LonLat]>)> = shapes
            .into_iter()
            .map(|(id, rings)| (id, rings.into_iter().collect()))
            .collect();
        let bbox = shapes
            .iter()
            .flat_map(|(_, rings)| rings.iter().filter_map(|ring| BBox::around(ring.iter())))
            .reduce(BBox::union)
            .unwrap_or(BBox {
                min_lon: 0.0,
                min_lat: 0.0,
                max_lon: 1.0,
                max_lat: 1.0,
            });
        let projection = Projection::fit(bbox, MAP_WIDTH, MAP_HEIGHT, MAP_MARGIN);
        let mut anchors = Vec::with_capacity(shapes.len());
        let paths: Vec<(String, String)> = shapes
            .into_iter()
            .map(|(id, rings)| {
                let mut path = String::new();
                let mut largest: Option<(f64, (f64, f64))> = None;
                for ring in rings {
                    let projected: Vec<(f64, f64)> = ring
                        .iter()
                        .map(|p| projection.project(p[1], p[0]))
                        .collect();
                    if let Some((area, centre)) = geometry::centroid(&projected) {
                        if largest.is_none_or(|(a, _)| area > a) {
                            largest = Some((area, centre));
                        }
                    }
                    if let Some(simple) = geometry::simplify_ring(&projected, SIMPLIFY) {
                        geometry::push_ring(&mut path, &simple);
                    }
                }
                anchors.push(largest.map(|(_, centre)| centre));
                (id, path)
            })
            .collect();
        let index = paths
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (id.clone(), i))
            .collect();
        Outlines {
            projection,
            paths,
            anchors,
            index,
        }
    }

    /// Where a shape's label goes: the centroid of its largest ring (outer rings and holes
    /// alike are rings here; a hole is never the largest), in the picture's units.
    pub fn anchor(&self, id: &str) -> Option<(f64, f64)> {
        self.index.get(id).and_then(|&i| self.anchors[i])
    }

    /// The SVG path of a shape.
    pub fn path(&self, id: &str) -> Option<&str> {
        self.index.get(id).map(|&i| self.paths[i].1.as_str())
    }

    pub fn len(&self) -> usize {
        self.paths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}

/// What a map says of one outline.
#[derive(Clone, Debug, PartialEq)]
pub struct Area {
    /// The outline's id.
    pub id: String,
    /// Its name and, when the fill shows a value, the value in words: the area's `<title>`.
    pub label: String,
    pub fill: Fill,
    pub href: Option<String>,
}

/// A place on the map.
#[derive(Clone, Debug, PartialEq)]
pub struct MapPoint {
    pub lat: f64,
    pub lon: f64,
    pub href: String,
    pub label: String,
    /// Marks the point's class (`map-point-{status}`); letters, digits, `-` and `_` are kept.
    pub status: String,
}

/// A map to draw.
pub struct Map<'a> {
    /// Unique on the page; letters, digits and `-` are kept.
    pub id: &'a str,
    /// What the map shows, for its `<title>` (and screen readers).
    pub title: String,
    pub outlines: &'a Outlines,
    /// By outline id; an outline without an area is drawn as "no data", without a title.
    pub areas: Vec<Area>,
    pub points: Vec<MapPoint>,
    /// Where a cluster links (the list of the items in its box); without it, clusters are not
    /// links.
    pub cluster_href: Option<&'a dyn Fn(&Cluster) -> String>,
    /// The legend's rows; a "suppressed" and a "no data" row are added when some area has them.
    pub legend: Vec<LegendEntry>,
}

#[derive(Template)]
#[template(path = "map.html")]
struct MapSvg<'a> {
    tr: Tr<'a>,
    id: String,
    title: String,
    width: f64,
    height: f64,
    /// No links in the picture: it is one image to a screen reader.
    image: bool,
    areas: Vec<DrawnArea<'a>>,
    singles: Vec<DrawnPoint>,
    clusters: Vec<DrawnCluster>,
    legend: Vec<DrawnLegend>,
}

struct DrawnArea<'a> {
    id: &'a str,
    d: &'a str,
    class: String,
    fill: String,
    title: Option<String>,
    href: Option<String>,
}

struct DrawnPoint {
    x: String,
    y: String,
    class: String,
    label: String,
    href: String,
}

struct DrawnCluster {
    x: String,
    y: String,
    r: String,
    count: usize,
    title: String,
    href: Option<String>,
}

struct DrawnLegend {
    class: String,
    fill: String,
    label: String,
}

/// A number for an SVG attribute: one decimal at most.
fn unit(v: f64) -> String {
    let text = format!("{v:.1}");
    text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
}

/// `raw` with only the characters a class or id token may have here.
fn token(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Draws `map` (see the module's documentation).
pub fn render(tr: Tr<'_>, map: &Map<'_>) -> Html {
    let id = token(map.id);
    let hatch = format!("map-{id}-hatch");
    let by_id: HashMap<&str, &Area> = map.areas.iter().map(|a| (a.id.as_str(), a)).collect();
    let areas: Vec<DrawnArea<'_>> = map
        .outlines
        .paths
        .iter()
        .filter(|(_, d)| !d.is_empty())
        .map(|(outline, d)| {
            let area = by_id.get(outline.as_str());
            let fill = area.map_or(Fill::NoData, |a| a.fill);
            DrawnArea {
                id: outline,
                d,
                class: fill.class(),
                fill: fill.paint(&hatch),
                title: area.map(|a| a.label.clone()),
                href: area.and_then(|a| a.href.clone()),
            }
        })
        .collect();
    let projection = &map.outlines.projection;
    let gathered = cluster::gather(&map.points, projection, cluster::CLUSTER_CELL);
    let singles: Vec<DrawnPoint> = gathered
        .singles
        .iter()
        .map(|(i, (x, y))| {
            let p = &map.points[*i];
            DrawnPoint {
                x: unit(*x),
                y: unit(*y),
                class: format!("map-point map-point-{}", token(&p.status)),
                label: p.label.clone(),
                href: p.href.clone(),
            }
        })
        .collect();
    let clusters: Vec<DrawnCluster> = gathered
        .clusters
        .iter()
        .map(|(c, (x, y))| DrawnCluster {
            x: unit(*x),
            y: unit(*y),
            // Grows with the count, slowly: 10 units for 2, 22 for a thousand.
            r: unit(8.0 + 2.0 * (c.count as f64).log2()),
            count: c.count,
            title: tr.n("map-cluster", c.count as i64),
            href: map.cluster_href.map(|f| f(c)),
        })
        .collect();
    let mut legend_rows = map.legend.clone();
    for (fill, key) in [
        (Fill::Suppressed, "map-suppressed"),
        (Fill::NoData, "map-no-data"),
    ] {
        if areas.iter().any(|a| a.class == fill.class())
            && !legend_rows.iter().any(|l| l.fill == fill)
        {
            legend_rows.push(LegendEntry {
                fill,
                label: tr.t(key),
            });
        }
    }
    let legend = legend_rows
        .into_iter()
        .map(|l| DrawnLegend {
            class: l.fill.class(),
            fill: l.fill.paint(&hatch),
            label: l.label,
        })
        .collect();
    let image = areas.iter().all(|a| a.href.is_none())
        && singles.is_empty()
        && clusters.iter().all(|c| c.href.is_none());
    let svg = MapSvg {
        tr,
        id,
        title: map.title.clone(),
        width: projection.width,
        height: projection.height,
        image,
        areas,
        singles,
        clusters,
        legend,
    };
    Html::render(&svg).unwrap_or_else(|e| {
        tracing::error!(error = %e, "map rendering");
        Html::default()
    })
}

#[cfg(test)]
mod tests;
