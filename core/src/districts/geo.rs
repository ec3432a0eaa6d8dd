//! District boundaries, and which district a place is in.
//!
//! A [`Boundary`] is one district's polygons (several for a district with exclaves, each with
//! its holes), as GeoJSON has them: rings of longitude/latitude pairs in WGS84. [`Boundaries`]
//! holds a city's, each with its bounding box, and answers [`Boundaries::locate`]: a bounding
//! box test first, then even-odd ray casting on the few districts whose box holds the point.
//!
//! Moscow's boundaries are embedded ([`moscow_boundaries`], parsed once on first use); a city
//! imported from GeoJSON keeps its boundaries in the core store, and the platform's current
//! boundaries ([`crate::accounts::Accounts::boundaries`]) are the stored ones, with Moscow's
//! for any Moscow district that has none stored.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use super::{parse_import, District, ImportError};
use crate::id::DistrictId;

/// A position as GeoJSON orders it: longitude, then latitude, in degrees (WGS84).
pub type LonLat = [f64; 2];

/// A closed ring of positions (the last may repeat the first; it need not).
pub type Ring = Vec<LonLat>;

/// One polygon: its outer ring and the holes cut out of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Polygon {
    pub outer: Ring,
    pub holes: Vec<Ring>,
}

/// A longitude/latitude box, edges included.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BBox {
    /// The box around `points`; `None` when there are none.
    pub fn around<'a>(points: impl IntoIterator<Item = &'a LonLat>) -> Option<BBox> {
        let mut points = points.into_iter();
        let first = points.next()?;
        let mut b = BBox {
            min_lon: first[0],
            min_lat: first[1],
            max_lon: first[0],
            max_lat: first[1],
        };
        for p in points {
            b.min_lon = b.min_lon.min(p[0]);
            b.max_lon = b.max_lon.max(p[0]);
            b.min_lat = b.min_lat.min(p[1]);
            b.max_lat = b.max_lat.max(p[1]);
        }
        Some(b)
    }

    /// The box around both.
    pub fn union(self, other: BBox) -> BBox {
        BBox {
            min_lon: self.min_lon.min(other.min_lon),
            min_lat: self.min_lat.min(other.min_lat),
            max_lon: self.max_lon.max(other.max_lon),
            max_lat: self.max_lat.max(other.max_lat),
        }
    }

    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        lon >= self.min_lon && lon <= self.max_lon && lat >= self.min_lat && lat <= self.max_lat
    }
}

/// One district's boundary.
#[derive(Clone, Debug, PartialEq)]
pub struct Boundary {
    pub district_id: DistrictId,
    pub polygons: Vec<Polygon>,
}

impl Boundary {
    /// The geometry as a GeoJSON `MultiPolygon` object: how the stores keep it (as text, since
    /// a MongoDB-compatible store without nested arrays could not keep the coordinates as
    /// arrays).
    pub fn geometry_json(&self) -> String {
        let coordinates: Vec<Vec<&Ring>> = self
            .polygons
            .iter()
            .map(|p| std::iter::once(&p.outer).chain(&p.holes).collect())
            .collect();
        serde_json::json!({ "type": "MultiPolygon", "coordinates": coordinates }).to_string()
    }

    /// The boundary of `district_id` from a GeoJSON `Polygon` or `MultiPolygon` object.
    pub fn from_geometry_json(
        district_id: DistrictId,
        text: &str,
    ) -> Result<Boundary, ImportError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| ImportError::Format(e.to_string()))?;
        let polygons = parse_geometry(&value)?
            .ok_or_else(|| ImportError::Format("not a Polygon or MultiPolygon".into()))?;
        Ok(Boundary {
            district_id,
            polygons,
        })
    }

    /// The box around the outer rings; `None` for a boundary without polygons.
    pub fn bbox(&self) -> Option<BBox> {
        BBox::around(self.polygons.iter().flat_map(|p| &p.outer))
    }

    /// True when the point is inside one of the polygons and not in one of its holes.
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        self.polygons.iter().any(|p| polygon_contains(p, lat, lon))
    }
}

/// Even-odd rule: a point is in a polygon when a ray from it crosses the outer ring an odd
/// number of times and no hole's ring does.
pub fn polygon_contains(polygon: &Polygon, lat: f64, lon: f64) -> bool {
    ring_contains(&polygon.outer, lat, lon)
        && !polygon.holes.iter().any(|h| ring_contains(h, lat, lon))
}

/// Ray casting along the parallel eastwards from the point: counts the edges it crosses.
pub fn ring_contains(ring: &[LonLat], lat: f64, lon: f64) -> bool {
    let mut inside = false;
    let Some(mut prev) = ring.last() else {
        return false;
    };
    for point in ring {
        let ([x1, y1], [x2, y2]) = (*prev, *point);
        // Half-open in latitude, so a vertex on the ray counts once.
        if (y1 > lat) != (y2 > lat) && lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1) {
            inside = !inside;
        }
        prev = point;
    }
    inside
}

/// A boundary with its boxes, for [`Boundaries::locate`].
#[derive(Clone, Debug)]
struct Area {
    boundary: Boundary,
    bbox: BBox,
    /// One box per polygon, so an exclave's far-away box does not send every point of the
    /// district's main part to ray casting on the exclave.
    polygon_boxes: Vec<BBox>,
}

impl Area {
    fn new(boundary: Boundary) -> Option<Area> {
        let polygon_boxes: Vec<BBox> = boundary
            .polygons
            .iter()
            .map(|p| BBox::around(&p.outer))
            .collect::<Option<_>>()?;
        let bbox = polygon_boxes.iter().copied().reduce(BBox::union)?;
        Some(Area {
            boundary,
            bbox,
            polygon_boxes,
        })
    }

    fn contains(&self, lat: f64, lon: f64) -> bool {
        self.bbox.contains(lat, lon)
            && self
                .boundary
                .polygons
                .iter()
                .zip(&self.polygon_boxes)
                .any(|(p, b)| b.contains(lat, lon) && polygon_contains(p, lat, lon))
    }
}

/// A city's district boundaries, ready for [`Boundaries::locate`]. Built once per import (and
/// once for Moscow); shared as `Arc<Boundaries>`.
#[derive(Clone, Debug, Default)]
pub struct Boundaries {
    areas: Vec<Area>,
    bbox: Option<BBox>,
}

impl Boundaries {
    /// Boundaries without polygons (an empty ring, say) are left out; a district given twice
    /// keeps its first.
    pub fn new(boundaries: impl IntoIterator<Item = Boundary>) -> Boundaries {
        let mut seen = HashSet::new();
        let areas: Vec<Area> = boundaries
            .into_iter()
            .filter(|b| seen.insert(b.district_id.clone()))
            .filter_map(Area::new)
            .collect();
        let bbox = areas.iter().map(|a| a.bbox).reduce(BBox::union);
        Boundaries { areas, bbox }
    }

    /// The district the point is in, or `None` outside every district. A point on a border
    /// two districts share goes to one of them.
    pub fn locate(&self, lat: f64, lon: f64) -> Option<DistrictId> {
        if !self.bbox.is_some_and(|b| b.contains(lat, lon)) {
            return None;
        }
        self.areas
            .iter()
            .find(|a| a.contains(lat, lon))
            .map(|a| a.boundary.district_id.clone())
    }

    pub fn get(&self, id: &DistrictId) -> Option<&Boundary> {
        self.areas
            .iter()
            .map(|a| &a.boundary)
            .find(|b| &b.district_id == id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Boundary> {
        self.areas.iter().map(|a| &a.boundary)
    }

    pub fn len(&self) -> usize {
        self.areas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }

    /// The box around every district; `None` when there are none.
    pub fn bbox(&self) -> Option<BBox> {
        self.bbox
    }

    /// The boundaries for `districts` (the directory): each district's `stored` one, else
    /// Moscow's for a Moscow district. Districts without either are left out. Shares Moscow's
    /// parsed boundaries when they are exactly what is wanted (the usual case).
    pub fn for_districts(stored: Vec<Boundary>, districts: &[District]) -> Arc<Boundaries> {
        let moscow = moscow_boundaries();
        let wanted: HashSet<&DistrictId> = districts.iter().map(|d| &d.id).collect();
        if stored.is_empty()
            && moscow.len() == wanted.len()
            && moscow.iter().all(|b| wanted.contains(&b.district_id))
        {
            return moscow;
        }
        let mut stored: Vec<Boundary> = stored
            .into_iter()
            .filter(|b| wanted.contains(&b.district_id))
            .collect();
        let have: HashSet<DistrictId> = stored.iter().map(|b| b.district_id.clone()).collect();
        stored.extend(
            moscow
                .iter()
                .filter(|b| wanted.contains(&b.district_id) && !have.contains(&b.district_id))
                .cloned(),
        );
        Arc::new(Boundaries::new(stored))
    }
}

/// Moscow's 146 districts, from `data/moscow-districts.geojson` (© OpenStreetMap
/// contributors, ODbL 1.0), embedded in the binary.
const MOSCOW_GEOJSON: &str = include_str!("../../../data/moscow-districts.geojson");

/// Moscow's boundaries, parsed on first use and shared after. The embedded file is checked by
/// the tests; were it unreadable, the boundaries would be empty (logged) rather than the
/// server refusing to start.
pub fn moscow_boundaries() -> Arc<Boundaries> {
    static MOSCOW: OnceLock<Arc<Boundaries>> = OnceLock::new();
    MOSCOW
        .get_or_init(|| match parse_import(MOSCOW_GEOJSON) {
            Ok(import) => Arc::new(Boundaries::new(import.boundaries)),
            Err(e) => {
                tracing::error!(error = %e, "the embedded Moscow boundaries do not parse");
                Arc::new(Boundaries::default())
            }
        })
        .clone()
}

/// A GeoJSON geometry: `Polygon` or `MultiPolygon` into polygons; `null`, or another type (a
/// district given as a `Point`), into `None`: no boundary.
pub(super) fn parse_geometry(geometry: &Value) -> Result<Option<Vec<Polygon>>, ImportError> {
    let kind = geometry.get("type").and_then(Value::as_str);
    if !matches!(kind, Some("Polygon" | "MultiPolygon")) {
        return Ok(None);
    }
    let coordinates = geometry
        .get("coordinates")
        .ok_or_else(|| ImportError::Format("a geometry without coordinates".into()))?;
    let polygons = if kind == Some("Polygon") {
        vec![parse_polygon(coordinates)?]
    } else {
        array(coordinates)?
            .iter()
            .map(parse_polygon)
            .collect::<Result<_, _>>()?
    };
    Ok(Some(polygons))
}

fn array(value: &Value) -> Result<&Vec<Value>, ImportError> {
    value
        .as_array()
        .ok_or_else(|| ImportError::Format("coordinates that are not an array".into()))
}

fn parse_polygon(value: &Value) -> Result<Polygon, ImportError> {
    let mut rings = array(value)?.iter().map(parse_ring);
    let outer = rings
        .next()
        .ok_or_else(|| ImportError::Format("a polygon without rings".into()))??;
    Ok(Polygon {
        outer,
        holes: rings.collect::<Result<_, _>>()?,
    })
}

fn parse_ring(value: &Value) -> Result<Ring, ImportError> {
    let ring: Ring = array(value)?
        .iter()
        .map(parse_position)
        .collect::<Result<_, _>>()?;
    if ring.len() < 3 {
        return Err(ImportError::Invalid(format!(
            "a ring of {} positions (at least 3 needed)",
            ring.len()
        )));
    }
    Ok(ring)
}

/// `[lon, lat]` or `[lon, lat, altitude]`, within the globe.
fn parse_position(value: &Value) -> Result<LonLat, ImportError> {
    let numbers = array(value)?;
    let (Some(lon), Some(lat)) = (
        numbers.first().and_then(Value::as_f64),
        numbers.get(1).and_then(Value::as_f64),
    ) else {
        return Err(ImportError::Format(format!(
            "a position {value} that is not [lon, lat]"
        )));
    };
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Err(ImportError::Invalid(format!(
            "a position [{lon}, {lat}] off the globe"
        )));
    }
    Ok([lon, lat])
}

#[cfg(test)]
mod tests;
