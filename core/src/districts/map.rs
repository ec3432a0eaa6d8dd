//! Districts on a map: their boundaries as the map kit's outlines (projected and simplified
//! once per set of boundaries), and per-district values as its areas, so that a feature gives
//! only what each district shows.

use std::sync::Arc;

use super::{Boundaries, Directory, District};
use crate::web::i18n::Lang;
use crate::web::map::picker::Label;
use crate::web::map::{Area, Fill, Outlines};

impl Boundaries {
    /// Every district's outline for [`crate::web::map`], made on first use and kept as long as
    /// these boundaries are the current ones.
    pub fn outlines(&self) -> Arc<Outlines> {
        self.outlines
            .get_or_init(|| {
                Arc::new(Outlines::new(self.iter().map(|b| {
                    let rings = b.polygons.iter().flat_map(|p| p.rings());
                    (b.district_id.to_string(), rings.map(Vec::as_slice))
                })))
            })
            .clone()
    }
}

/// How one district looks on a map.
#[derive(Clone, Debug, PartialEq)]
pub struct DistrictLook {
    pub fill: Fill,
    /// What the title says after the district's name (the value in words); nothing for a
    /// suppressed district, whose value must not show.
    pub note: Option<String>,
    pub href: Option<String>,
}

impl DistrictLook {
    /// No data, no note, no link.
    pub fn no_data() -> DistrictLook {
        DistrictLook {
            fill: Fill::NoData,
            note: None,
            href: None,
        }
    }
}

/// The map's areas for every district with a boundary: its name in `lang` (its id when the
/// directory does not know it) and what `look` says of it.
pub fn district_areas(
    boundaries: &Boundaries,
    directory: &Directory,
    lang: Lang,
    mut look: impl FnMut(Option<&District>, &str) -> DistrictLook,
) -> Vec<Area> {
    boundaries
        .iter()
        .map(|b| {
            let id = b.district_id.as_str();
            let district = directory.district(id);
            let name = district.map_or(id, |d| d.name(lang));
            let DistrictLook { fill, note, href } = look(district, id);
            Area {
                id: id.to_string(),
                label: match note {
                    Some(note) => format!("{name}: {note}"),
                    None => name.to_string(),
                },
                fill,
                href,
            }
        })
        .collect()
}

/// Every district's name in `lang` at its outline's anchor, for the place picker
/// ([`crate::web::map::picker`]).
pub fn district_labels(boundaries: &Boundaries, directory: &Directory, lang: Lang) -> Vec<Label> {
    let outlines = boundaries.outlines();
    boundaries
        .iter()
        .filter_map(|b| {
            let id = b.district_id.as_str();
            let (x, y) = outlines.anchor(id)?;
            let name = directory.district(id).map_or(id, |d| d.name(lang));
            Some(Label {
                name: name.to_string(),
                x,
                y,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
