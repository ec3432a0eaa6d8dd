//! A place picked on the map with no JavaScript.
//!
//! The map is the picture of an `<input type="image" name="{name}">`, so a tap on it sends the
//! form with the tap's pixel (`{name}.x`, `{name}.y`, from the picture's top left corner) and,
//! in hidden fields, the view it was shown in (`{name}_x`, `{name}_y`: the view's centre in the
//! outlines' units; `{name}_z`: the zoom). The server turns the pixel into a point
//! ([`View::tap`]) and shows the map again around it, one step closer ([`View::closer`]).
//!
//! The picture is [`PICKER_SIZE`] pixels square, always: a tap's pixel only means a place when
//! the server knows the size the picture was shown at, so the page must not scale it.

use askama::Template;

use super::geometry::Projection;
use super::{unit, Outlines};
use crate::web::html::Html;
use crate::web::i18n::Tr;

/// The picture's side in CSS pixels (narrow enough for a phone held upright).
pub const PICKER_SIZE: u32 = 280;
/// The closest view: a side of 1/32 of the whole map (about 3 km of Moscow's 98, some 11 m a
/// pixel). Closer would only show more empty space between district lines.
pub const MAX_ZOOM: u8 = 5;

/// What part of the outlines the picture shows: a square around `(x, y)` (the outlines' units),
/// with a side of the whole map's larger side halved `zoom` times.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    pub x: f64,
    pub y: f64,
    pub zoom: u8,
}

impl View {
    /// The whole map.
    pub fn whole(projection: &Projection) -> View {
        View {
            x: projection.width / 2.0,
            y: projection.height / 2.0,
            zoom: 0,
        }
    }

    /// A view around the point at `zoom` (at most [`MAX_ZOOM`]); the whole map when the point
    /// lies outside it.
    pub fn around(projection: &Projection, lat: f64, lon: f64, zoom: u8) -> View {
        let (x, y) = projection.project(lat, lon);
        if !projection.shows(x, y) {
            return View::whole(projection);
        }
        View {
            x,
            y,
            zoom: zoom.min(MAX_ZOOM),
        }
    }

    /// The view a form sent back in the fields `{name}_x`, `{name}_y` and `{name}_z`: `None`
    /// when one is missing or not a number, or when the centre lies outside the map or the
    /// zoom is beyond [`MAX_ZOOM`] (a form made by hand).
    pub fn from_fields<'a>(
        projection: &Projection,
        name: &str,
        get: impl Fn(&str) -> Option<&'a str>,
    ) -> Option<View> {
        let number = |suffix: &str| get(&format!("{name}_{suffix}"))?.trim().parse::<f64>().ok();
        let (x, y) = (number("x")?, number("y")?);
        let zoom = get(&format!("{name}_z"))?.trim().parse::<u8>().ok()?;
        (x.is_finite() && y.is_finite() && projection.shows(x, y) && zoom <= MAX_ZOOM)
            .then_some(View { x, y, zoom })
    }

    /// The side of the square shown, in the outlines' units.
    pub fn side(&self, projection: &Projection) -> f64 {
        projection.width.max(projection.height) / f64::from(1u32 << self.zoom.min(MAX_ZOOM))
    }

    /// The place under the pixel `(px, py)` of the picture (`None` outside the picture or off
    /// the map): `(lat, lon)`.
    pub fn tap(&self, projection: &Projection, px: f64, py: f64) -> Option<(f64, f64)> {
        let size = f64::from(PICKER_SIZE);
        if !(0.0..=size).contains(&px) || !(0.0..=size).contains(&py) {
            return None;
        }
        let side = self.side(projection);
        let x = self.x - side / 2.0 + px / size * side;
        let y = self.y - side / 2.0 + py / size * side;
        projection.shows(x, y).then(|| projection.unproject(x, y))
    }

    /// The same place one step closer (as close as [`MAX_ZOOM`]).
    pub fn closer(self) -> View {
        View {
            zoom: (self.zoom + 1).min(MAX_ZOOM),
            ..self
        }
    }

    /// The same place one step farther; the whole map from the first step.
    pub fn farther(self, projection: &Projection) -> View {
        match self.zoom {
            0 | 1 => View::whole(projection),
            z => View {
                zoom: z - 1,
                ..self
            },
        }
    }

    /// `x`, `y` and `zoom` as the form's hidden fields carry them.
    pub fn fields(&self) -> (String, String, String) {
        (unit(self.x), unit(self.y), self.zoom.to_string())
    }
}

/// A label on the picture: an area's name at its anchor.
pub struct Label {
    pub name: String,
    pub x: f64,
    pub y: f64,
}

#[derive(Template)]
#[template(path = "map_picker.svg")]
struct PickerSvg<'a> {
    title: &'a str,
    view_box: String,
    size: u32,
    paths: Vec<&'a str>,
    labels: Vec<DrawnLabel>,
    mark: Option<(String, String, String)>,
    font: String,
    stroke: String,
}

struct DrawnLabel {
    name: String,
    x: String,
    y: String,
}

/// The picture of `view`: the outlines, the labels whose anchor it shows (from the second
/// step on: the whole map has no room for them), and a mark at `mark` (`(lat, lon)`), if
/// given. A whole SVG document, for the picker's `<input type="image">`.
pub fn picker_svg(
    tr: Tr<'_>,
    outlines: &Outlines,
    labels: &[Label],
    view: View,
    mark: Option<(f64, f64)>,
) -> Html {
    let projection = &outlines.projection;
    let side = view.side(projection);
    let (left, top) = (view.x - side / 2.0, view.y - side / 2.0);
    let inside =
        |x: f64, y: f64| (left..=left + side).contains(&x) && (top..=top + side).contains(&y);
    // Sizes in the view's units that come out the same on the screen at every zoom.
    let px = side / f64::from(PICKER_SIZE);
    let font = 11.0 * px;
    let drawn_labels = if view.zoom == 0 {
        Vec::new()
    } else {
        // Nearest the centre first (the marked place's district is named), and none over
        // another: a label whose box would cross one already placed is left out.
        let mut shown: Vec<&Label> = labels.iter().filter(|l| inside(l.x, l.y)).collect();
        let from_centre = |l: &Label| (l.x - view.x).powi(2) + (l.y - view.y).powi(2);
        shown.sort_by(|a, b| from_centre(a).total_cmp(&from_centre(b)));
        let mut placed: Vec<(f64, f64, f64, f64)> = Vec::new();
        shown
            .into_iter()
            .filter(|l| {
                // About half an em a letter, one em high, centred on the anchor.
                let half_width = l.name.chars().count() as f64 * font * 0.3;
                let b = (
                    l.x - half_width,
                    l.y - font,
                    l.x + half_width,
                    l.y + font * 0.3,
                );
                let free = placed
                    .iter()
                    .all(|p| b.2 < p.0 || p.2 < b.0 || b.3 < p.1 || p.3 < b.1);
                if free {
                    placed.push(b);
                }
                free
            })
            .map(|l| DrawnLabel {
                name: l.name.clone(),
                x: precise(l.x),
                y: precise(l.y),
            })
            .collect()
    };
    let mark = mark
        .map(|(lat, lon)| projection.project(lat, lon))
        .filter(|&(x, y)| inside(x, y))
        .map(|(x, y)| (precise(x), precise(y), precise(7.0 * px)));
    let title = tr.t("map-picker-title");
    let svg = PickerSvg {
        title: &title,
        view_box: format!(
            "{} {} {} {}",
            precise(left),
            precise(top),
            precise(side),
            precise(side)
        ),
        size: PICKER_SIZE,
        paths: outlines.paths.iter().map(|(_, d)| d.as_str()).collect(),
        labels: drawn_labels,
        mark,
        font: precise(font),
        stroke: precise(3.0 * px),
    };
    Html::render(&svg).unwrap_or_else(|e| {
        tracing::error!(error = %e, "map picker rendering");
        Html::default()
    })
}

/// A number for the picker's SVG: close views need more than [`unit`]'s one decimal.
fn precise(v: f64) -> String {
    let text = format!("{v:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}
