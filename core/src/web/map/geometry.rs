//! From longitude/latitude to the map's own units: the box around places, the projection that
//! fits it into the picture, the simplification of an outline to about a unit, and the SVG
//! path of the result.

/// A position as GeoJSON orders it: longitude, then latitude, in degrees (WGS84).
pub type LonLat = [f64; 2];

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

/// Equirectangular, with longitudes shortened by the cosine of the box's middle latitude (so a
/// city's shapes keep their proportions), scaled to fit `width` × `height` units with a margin.
/// North is up: `y` grows southwards, as in SVG.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Projection {
    min_lon: f64,
    max_lat: f64,
    /// Units per degree of longitude and of latitude.
    kx: f64,
    ky: f64,
    margin: f64,
    /// The picture's size, margins included.
    pub width: f64,
    pub height: f64,
}

impl Projection {
    /// Fits `bbox` into at most `max_width` × `max_height` units, `margin` on every side; the
    /// picture is as large as the box's shape allows in that space.
    pub fn fit(bbox: BBox, max_width: f64, max_height: f64, margin: f64) -> Projection {
        let mid_lat = (bbox.min_lat + bbox.max_lat) / 2.0;
        let squeeze = mid_lat.to_radians().cos().max(0.01);
        // A single point or a line is given a small extent rather than a division by zero.
        let span_x = ((bbox.max_lon - bbox.min_lon) * squeeze).max(1e-6);
        let span_y = (bbox.max_lat - bbox.min_lat).max(1e-6);
        let inner_w = (max_width - 2.0 * margin).max(1.0);
        let inner_h = (max_height - 2.0 * margin).max(1.0);
        let scale = (inner_w / span_x).min(inner_h / span_y);
        Projection {
            min_lon: bbox.min_lon,
            max_lat: bbox.max_lat,
            kx: scale * squeeze,
            ky: scale,
            margin,
            width: (span_x * scale + 2.0 * margin).ceil(),
            height: (span_y * scale + 2.0 * margin).ceil(),
        }
    }

    /// The point `(x, y)` in the picture's units.
    pub fn project(&self, lat: f64, lon: f64) -> (f64, f64) {
        (
            self.margin + (lon - self.min_lon) * self.kx,
            self.margin + (self.max_lat - lat) * self.ky,
        )
    }

    /// The position back from a point of the picture.
    pub fn unproject(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.max_lat - (y - self.margin) / self.ky,
            self.min_lon + (x - self.margin) / self.kx,
        )
    }

    /// True when the point lies inside the picture.
    pub fn shows(&self, x: f64, y: f64) -> bool {
        (0.0..=self.width).contains(&x) && (0.0..=self.height).contains(&y)
    }
}

/// A ring's area (its absolute value: either winding) and its centroid; `None` for a ring
/// with no area.
pub fn centroid(ring: &[(f64, f64)]) -> Option<(f64, (f64, f64))> {
    let (mut twice_area, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for (i, &(x0, y0)) in ring.iter().enumerate() {
        let (x1, y1) = ring[(i + 1) % ring.len()];
        let cross = x0 * y1 - x1 * y0;
        twice_area += cross;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
    }
    if twice_area.abs() < f64::EPSILON {
        return None;
    }
    Some((
        twice_area.abs() / 2.0,
        (cx / (3.0 * twice_area), cy / (3.0 * twice_area)),
    ))
}

/// Douglas–Peucker: the fewest points of `line` that stay within `tolerance` of it. The first
/// and last points are kept. Iterative, so a long line cannot overflow the stack.
pub fn simplify(line: &[(f64, f64)], tolerance: f64) -> Vec<(f64, f64)> {
    if line.len() < 3 {
        return line.to_vec();
    }
    let mut keep = vec![false; line.len()];
    keep[0] = true;
    keep[line.len() - 1] = true;
    let mut spans = vec![(0, line.len() - 1)];
    while let Some((first, last)) = spans.pop() {
        let (mut farthest, mut distance) = (first, 0.0);
        for i in first + 1..last {
            let d = segment_distance(line[i], line[first], line[last]);
            if d > distance {
                (farthest, distance) = (i, d);
            }
        }
        if distance > tolerance {
            keep[farthest] = true;
            spans.push((first, farthest));
            spans.push((farthest, last));
        }
    }
    line.iter()
        .zip(keep)
        .filter_map(|(p, k)| k.then_some(*p))
        .collect()
}

/// A closed ring simplified: split at the point farthest from the first, so that both halves
/// are lines with distinct ends. `None` when fewer than three points would be left (a ring
/// smaller than the tolerance).
pub fn simplify_ring(ring: &[(f64, f64)], tolerance: f64) -> Option<Vec<(f64, f64)>> {
    let open = match (ring.first(), ring.last()) {
        (Some(a), Some(b)) if ring.len() > 1 && a == b => &ring[..ring.len() - 1],
        _ => ring,
    };
    let first = *open.first()?;
    let (split, _) = open
        .iter()
        .enumerate()
        .map(|(i, p)| (i, distance(*p, first)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    let mut closed = open.to_vec();
    closed.push(first);
    let mut out = simplify(&closed[..=split], tolerance);
    out.pop();
    out.extend(simplify(&closed[split..], tolerance));
    out.pop(); // the first point again
    (out.len() >= 3).then_some(out)
}

fn distance(a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

/// The distance from `p` to the segment `a`–`b`.
fn segment_distance(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let length2 = dx * dx + dy * dy;
    if length2 == 0.0 {
        return distance(p, a);
    }
    let t = (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / length2).clamp(0.0, 1.0);
    distance(p, (a.0 + t * dx, a.1 + t * dy))
}

/// Appends a closed ring to an SVG path: `M` to its first point, then relative `l` steps, in
/// whole units (the points were simplified to about one), then `z`. Steps that round to nothing
/// are left out.
pub fn push_ring(path: &mut String, ring: &[(f64, f64)]) {
    use std::fmt::Write;
    let mut points = ring
        .iter()
        .map(|(x, y)| (x.round() as i64, y.round() as i64));
    let Some((mut px, mut py)) = points.next() else {
        return;
    };
    let _ = write!(path, "M{px} {py}l");
    let mut steps = 0;
    for (x, y) in points {
        let (dx, dy) = (x - px, y - py);
        if dx == 0 && dy == 0 {
            continue;
        }
        // A minus sign separates numbers by itself.
        if steps > 0 && dx >= 0 {
            path.push(' ');
        }
        let _ = write!(path, "{dx}");
        if dy >= 0 {
            path.push(' ');
        }
        let _ = write!(path, "{dy}");
        (px, py, steps) = (x, y, steps + 1);
    }
    if steps == 0 {
        path.pop(); // the `l`
    }
    path.push('z');
}
