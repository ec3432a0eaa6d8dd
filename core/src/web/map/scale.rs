//! How an area is filled, and the legend that reads the fills.

/// An area's fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fill {
    /// A step of a choropleth's scale, from 0 (the least) to [`BUCKET_COLOURS`]`.len() - 1`.
    Bucket(usize),
    /// One of a few categories (the leading option), told apart by colour.
    Category(usize),
    /// There is data, but no single category leads it (a tie).
    Tie,
    /// There is data, too little to show (small-cell suppression): hatched grey, nothing of
    /// the value in the picture.
    Suppressed,
    /// No data.
    NoData,
}

/// A sequential scale, light to dark (ColorBrewer "Blues", from its second step, so the
/// lightest stays apart from "no data").
pub const BUCKET_COLOURS: [&str; 5] = ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];

/// Categories that colour-blind readers can tell apart (Okabe–Ito, without its grey).
pub const CATEGORY_COLOURS: [&str; 7] = [
    "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7",
];

const TIE_COLOUR: &str = "#ffffff";
const NO_DATA_COLOUR: &str = "#f2f2f2";

impl Fill {
    /// The SVG `fill`: a colour, or the map's hatching (`hatch` is its pattern's id).
    pub fn paint(self, hatch: &str) -> String {
        match self {
            Fill::Bucket(i) => BUCKET_COLOURS[i.min(BUCKET_COLOURS.len() - 1)].to_string(),
            Fill::Category(i) => CATEGORY_COLOURS[i % CATEGORY_COLOURS.len()].to_string(),
            Fill::Tie => TIE_COLOUR.to_string(),
            Fill::Suppressed => format!("url(#{hatch})"),
            Fill::NoData => NO_DATA_COLOUR.to_string(),
        }
    }

    /// The class that names the fill (`map-bucket-2`, `map-suppressed`, …).
    pub fn class(self) -> String {
        match self {
            Fill::Bucket(i) => format!("map-bucket-{i}"),
            Fill::Category(i) => format!("map-category-{i}"),
            Fill::Tie => "map-tie".into(),
            Fill::Suppressed => "map-suppressed".into(),
            Fill::NoData => "map-no-data".into(),
        }
    }
}

/// A row of a map's legend: a swatch of the fill and what it means.
#[derive(Clone, Debug, PartialEq)]
pub struct LegendEntry {
    pub fill: Fill,
    pub label: String,
}

/// A choropleth's steps: bucket `i` holds the values from `lower[i]` up to the next step's
/// lower bound. Made from the values themselves, so each step holds about as many areas.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scale {
    lower: Vec<i64>,
    max: i64,
}

impl Scale {
    /// At most `steps` (and [`BUCKET_COLOURS`]`.len()`) steps at the quantiles of `values`;
    /// equal values never straddle two steps. `None` without values.
    pub fn quantiles(values: &[i64], steps: usize) -> Option<Scale> {
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        let (&min, &max) = (sorted.first()?, sorted.last()?);
        let steps = steps.clamp(1, BUCKET_COLOURS.len());
        let mut lower: Vec<i64> = (0..steps)
            .map(|i| sorted[i * sorted.len() / steps])
            .collect();
        lower[0] = min;
        lower.dedup();
        Some(Scale { lower, max })
    }

    pub fn len(&self) -> usize {
        self.lower.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lower.is_empty()
    }

    /// The step of `value`.
    pub fn bucket(&self, value: i64) -> usize {
        self.lower.iter().rposition(|&l| value >= l).unwrap_or(0)
    }

    /// Each step's values, inclusive: `(10, 49)`, …, `(200, max)`.
    pub fn ranges(&self) -> Vec<(i64, i64)> {
        self.lower
            .iter()
            .enumerate()
            .map(|(i, &l)| {
                let upper = self.lower.get(i + 1).map_or(self.max, |next| next - 1);
                (l, upper)
            })
            .collect()
    }

    /// The legend of the steps: "10–49", …; one value alone as itself.
    pub fn legend(&self) -> Vec<LegendEntry> {
        self.ranges()
            .into_iter()
            .enumerate()
            .map(|(i, (lo, hi))| LegendEntry {
                fill: Fill::Bucket(i),
                label: if lo == hi {
                    lo.to_string()
                } else {
                    format!("{lo}–{hi}")
                },
            })
            .collect()
    }
}
