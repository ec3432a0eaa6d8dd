//! Points gathered where they crowd: a grid over the picture, and every cell holding at least
//! [`CLUSTER_MIN`] points drawn as one circle with its count.

use std::collections::BTreeMap;

use super::geometry::{BBox, Projection};
use super::MapPoint;

/// The grid's cell, in picture units (the map is about a thousand units wide).
pub const CLUSTER_CELL: f64 = 40.0;
/// Fewer points than this in a cell are drawn one by one.
pub const CLUSTER_MIN: usize = 2;

/// A cell's points, drawn as one circle.
#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    pub count: usize,
    /// The mean position of its points.
    pub lat: f64,
    pub lon: f64,
    /// The box around its points: what a link to "the items here" can filter by.
    pub bbox: BBox,
}

/// A point of the picture: `(x, y)` in its units.
pub type Spot = (f64, f64);

/// What the points become: single ones (indexes into the given points) and clusters, each with
/// its place in the picture. Points outside the picture are left out.
#[derive(Debug, Default)]
pub struct Gathered {
    pub singles: Vec<(usize, Spot)>,
    pub clusters: Vec<(Cluster, Spot)>,
}

/// Gathers `points` on a grid of `cell` units over the picture of `projection`.
pub fn gather(points: &[MapPoint], projection: &Projection, cell: f64) -> Gathered {
    let mut cells: BTreeMap<(i64, i64), Vec<(usize, Spot)>> = BTreeMap::new();
    for (i, p) in points.iter().enumerate() {
        if !(p.lat.is_finite() && p.lon.is_finite()) {
            continue;
        }
        let (x, y) = projection.project(p.lat, p.lon);
        if !projection.shows(x, y) {
            continue;
        }
        let key = ((x / cell).floor() as i64, (y / cell).floor() as i64);
        cells.entry(key).or_default().push((i, (x, y)));
    }
    let mut gathered = Gathered::default();
    for members in cells.into_values() {
        if members.len() < CLUSTER_MIN {
            gathered.singles.extend(members);
            continue;
        }
        let n = members.len() as f64;
        let (sx, sy) = members
            .iter()
            .fold((0.0, 0.0), |(sx, sy), (_, (x, y))| (sx + x, sy + y));
        let positions: Vec<[f64; 2]> = members
            .iter()
            .map(|(i, _)| [points[*i].lon, points[*i].lat])
            .collect();
        let Some(bbox) = BBox::around(&positions) else {
            continue;
        };
        let (lat, lon) = positions
            .iter()
            .fold((0.0, 0.0), |(a, o), p| (a + p[1] / n, o + p[0] / n));
        gathered.clusters.push((
            Cluster {
                count: members.len(),
                lat,
                lon,
                bbox,
            },
            (sx / n, sy / n),
        ));
    }
    gathered.singles.sort_by_key(|(i, _)| *i);
    gathered
}
