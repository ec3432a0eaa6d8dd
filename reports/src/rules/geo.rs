//! Points, distances and the grid that finds what is near a point on any store.
//!
//! The world is cut into a fixed grid of cells [`CELL_LAT`] degrees high and [`CELL_LON`]
//! degrees wide (about 500 × 500 m in Moscow). A report stores its cell's key; "open reports
//! within R metres" asks the store for the keys of the cells covering the circle's bounding box
//! (an index range of a few keys) and keeps those within R by the exact distance.

/// A cell's height in degrees of latitude (≈ 500 m).
pub const CELL_LAT: f64 = 0.0045;
/// A cell's width in degrees of longitude (≈ 500 m at Moscow's 55.75° N).
pub const CELL_LON: f64 = 0.008;
/// The largest radius a proximity query covers (its cells stay a few dozen keys).
pub const RADIUS_MAX_M: u32 = 2_000;
/// Mean Earth radius (metres), for the haversine distance.
const EARTH_M: f64 = 6_371_008.8;
/// Metres in a degree of latitude.
const DEGREE_M: f64 = EARTH_M * std::f64::consts::PI / 180.0;

/// Whether a latitude and a longitude are a point on Earth (and not near a pole, where the
/// grid's cells shrink to nothing).
pub fn valid_point(lat: f64, lon: f64) -> bool {
    lat.is_finite()
        && lon.is_finite()
        && (-85.0..=85.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon)
}

fn row(lat: f64) -> i64 {
    ((lat + 90.0) / CELL_LAT).floor() as i64
}

fn col(lon: f64) -> i64 {
    ((lon + 180.0) / CELL_LON).floor() as i64
}

fn key(row: i64, col: i64) -> i64 {
    (row << 20) | col
}

/// The key of the cell holding a point.
pub fn cell(lat: f64, lon: f64) -> i64 {
    key(row(lat), col(lon))
}

/// Half the height and half the width, in degrees, of the box around a circle of `radius`
/// metres about a point at latitude `lat`.
fn half_box(lat: f64, radius: f64) -> (f64, f64) {
    let dlat = radius / DEGREE_M;
    let dlon = radius / (DEGREE_M * lat.to_radians().cos().max(0.01));
    (dlat, dlon)
}

/// A box of latitudes and longitudes: (south, north, west, east), edges included.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BBox {
    pub south: f64,
    pub north: f64,
    pub west: f64,
    pub east: f64,
}

impl BBox {
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        (self.south..=self.north).contains(&lat) && (self.west..=self.east).contains(&lon)
    }
}

/// A box holding every point within `radius_m` of the point (by [`distance_m`]), a little
/// larger than the circle's own (by a metre and a thousandth of the radius, so that rounding
/// never leaves a point of the circle out): what a proximity query narrows its cells' index
/// ranges to before the exact distance.
pub fn bbox_within(lat: f64, lon: f64, radius_m: u32) -> BBox {
    let (dlat, dlon) = half_box(lat, f64::from(radius_m) * 1.001 + 1.0);
    BBox {
        south: lat - dlat,
        north: lat + dlat,
        west: lon - dlon,
        east: lon + dlon,
    }
}

/// The keys of the cells covering the box around a circle of `radius_m` (at most
/// [`RADIUS_MAX_M`]) about the point, in ascending order.
pub fn cells_within(lat: f64, lon: f64, radius_m: u32) -> Vec<i64> {
    let (dlat, dlon) = half_box(lat, f64::from(radius_m.min(RADIUS_MAX_M)));
    let (r0, r1) = (row(lat - dlat), row(lat + dlat));
    let (c0, c1) = (col(lon - dlon), col(lon + dlon));
    let mut keys = Vec::new();
    for r in r0..=r1 {
        for c in c0..=c1 {
            keys.push(key(r, c));
        }
    }
    keys.sort_unstable();
    keys
}

/// The great-circle distance between two points, in metres.
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lat2) = (a.0.to_radians(), b.0.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.1 - a.1).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_M * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn distances_are_metres() {
        // Kremlin to Bolshoi Theatre, about 800 m.
        let d = distance_m((55.7520, 37.6175), (55.7601, 37.6186));
        assert!((850.0..950.0).contains(&d), "{d}");
        assert_eq!(distance_m((55.0, 37.0), (55.0, 37.0)), 0.0);
    }

    #[test]
    fn a_500_m_circle_in_moscow_takes_a_few_cells() {
        let cells = cells_within(55.75, 37.62, 500);
        assert!((4..=16).contains(&cells.len()), "{}", cells.len());
        assert!(cells.contains(&cell(55.75, 37.62)));
    }

    #[test]
    fn points_off_the_map_are_refused() {
        assert!(valid_point(55.75, 37.62));
        assert!(!valid_point(f64::NAN, 37.62));
        assert!(!valid_point(91.0, 0.0));
        assert!(!valid_point(0.0, 180.5));
    }

    proptest! {
        /// Every point within the radius lies in one of the covering cells.
        #[test]
        fn the_cells_cover_the_circle(
            lat in 40.0f64..70.0, lon in 20.0f64..60.0,
            bearing in 0.0f64..360.0, frac in 0.0f64..1.0, radius in 1u32..=RADIUS_MAX_M,
        ) {
            let r = f64::from(radius) * frac;
            let dlat = r * bearing.to_radians().cos() / DEGREE_M;
            let dlon = r * bearing.to_radians().sin() / (DEGREE_M * lat.to_radians().cos());
            let (plat, plon) = (lat + dlat, lon + dlon);
            if distance_m((lat, lon), (plat, plon)) <= f64::from(radius) {
                prop_assert!(cells_within(lat, lon, radius).contains(&cell(plat, plon)));
            }
        }

        /// Every point within the radius lies in its box, up to the pole-most latitudes
        /// allowed, where the degrees of longitude are narrowest.
        #[test]
        fn the_box_holds_the_circle(
            lat in -85.0f64..85.0, lon in -179.0f64..179.0,
            bearing in 0.0f64..360.0, frac in 0.0f64..=1.0, radius in 1u32..=RADIUS_MAX_M,
        ) {
            // The point at `frac` of the radius along the bearing, on the sphere.
            let d = f64::from(radius) * frac / EARTH_M;
            let (phi, theta) = (lat.to_radians(), bearing.to_radians());
            let plat = (phi.sin() * d.cos() + phi.cos() * d.sin() * theta.cos()).asin();
            let plon = lon.to_radians()
                + (theta.sin() * d.sin() * phi.cos()).atan2(d.cos() - phi.sin() * plat.sin());
            let (plat, plon) = (plat.to_degrees(), plon.to_degrees());
            if distance_m((lat, lon), (plat, plon)) <= f64::from(radius) {
                prop_assert!(bbox_within(lat, lon, radius).contains(plat, plon));
            }
        }
    }
}
