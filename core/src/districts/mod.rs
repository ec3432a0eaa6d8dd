//! Districts (районы) and okrugs (округа). Moscow's 12 okrugs and 146 districts and settlements
//! are seeded at first start; `veche admin import-districts FILE` loads another city's list in
//! the same JSON shape, or a GeoJSON file with the properties of `data/moscow-districts.geojson`
//! (whose boundaries are kept too: [`geo`]).

pub mod geo;

use serde::{Deserialize, Serialize};

pub use geo::{Boundaries, Boundary};

use crate::id::{DistrictId, OkrugId};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Okrug {
    #[schema(value_type = String)]
    pub id: OkrugId,
    pub abbrev: String,
    pub name_ru: String,
    pub name_en: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DistrictKind {
    MunicipalDistrict,
    Settlement,
    CityDistrict,
}

impl DistrictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DistrictKind::MunicipalDistrict => "municipal_district",
            DistrictKind::Settlement => "settlement",
            DistrictKind::CityDistrict => "city_district",
        }
    }

    pub fn parse(raw: &str) -> Option<DistrictKind> {
        [
            DistrictKind::MunicipalDistrict,
            DistrictKind::Settlement,
            DistrictKind::CityDistrict,
        ]
        .into_iter()
        .find(|k| k.as_str() == raw)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct District {
    #[schema(value_type = String)]
    pub id: DistrictId,
    #[schema(value_type = String)]
    pub okrug_id: OkrugId,
    pub name_ru: String,
    pub name_en: String,
    pub kind: DistrictKind,
}

impl District {
    pub fn name(&self, lang: crate::web::i18n::Lang) -> &str {
        match lang {
            crate::web::i18n::Lang::Ru => &self.name_ru,
            crate::web::i18n::Lang::En => &self.name_en,
        }
    }
}

impl Okrug {
    pub fn name(&self, lang: crate::web::i18n::Lang) -> &str {
        match lang {
            crate::web::i18n::Lang::Ru => &self.name_ru,
            crate::web::i18n::Lang::En => &self.name_en,
        }
    }
}

/// A city's list of okrugs and districts, as imported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictList {
    pub city: CityName,
    pub okrugs: Vec<Okrug>,
    pub districts: Vec<District>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CityName {
    pub name_ru: String,
    pub name_en: String,
}

/// Moscow, from OpenStreetMap data (© OpenStreetMap contributors, ODbL 1.0).
const MOSCOW: &str = include_str!("../../data/moscow-districts.json");

pub fn moscow() -> Result<DistrictList, ImportError> {
    parse_list(MOSCOW)
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("not a district list: {0}")]
    Format(String),
    #[error("{0}")]
    Invalid(String),
}

impl ImportError {
    /// The same error, saying which feature of the file it is in.
    fn in_feature(self, index: usize) -> ImportError {
        match self {
            ImportError::Format(m) => ImportError::Format(format!("feature {index}: {m}")),
            ImportError::Invalid(m) => ImportError::Invalid(format!("feature {index}: {m}")),
        }
    }
}

/// What an import file holds: the list, and the boundaries of the districts whose GeoJSON
/// features have a geometry (none from our JSON shape).
#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    pub list: DistrictList,
    pub boundaries: Vec<Boundary>,
}

/// Reads a district list: our JSON shape, or a GeoJSON FeatureCollection whose features carry
/// `NAME`, `OKTMO`, `NAME_AO`, `OKATO_AO` (and optionally `ABBREV_AO`, `TYPE_MO`, `NAME_EN`).
pub fn parse_any(text: &str) -> Result<DistrictList, ImportError> {
    parse_import(text).map(|import| import.list)
}

/// [`parse_any`], with the boundaries a GeoJSON file gives (`Polygon` or `MultiPolygon`
/// geometries; a feature with a `null` geometry has none).
pub fn parse_import(text: &str) -> Result<Import, ImportError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ImportError::Format(e.to_string()))?;
    if value.get("type").and_then(|t| t.as_str()) == Some("FeatureCollection") {
        parse_geojson(&value)
    } else {
        Ok(Import {
            list: parse_list(text)?,
            boundaries: Vec::new(),
        })
    }
}

fn parse_list(text: &str) -> Result<DistrictList, ImportError> {
    let list: DistrictList =
        serde_json::from_str(text).map_err(|e| ImportError::Format(e.to_string()))?;
    validate(&list)?;
    Ok(list)
}

fn parse_geojson(value: &serde_json::Value) -> Result<Import, ImportError> {
    let features = value
        .get("features")
        .and_then(|f| f.as_array())
        .ok_or_else(|| ImportError::Format("a FeatureCollection without features".into()))?;
    let mut okrugs: Vec<Okrug> = Vec::new();
    let mut districts = Vec::new();
    let mut boundaries = Vec::new();
    for (index, feature) in features.iter().enumerate() {
        let props = feature
            .get("properties")
            .ok_or_else(|| ImportError::Format(format!("feature {index} has no properties")))?;
        let text = |key: &str| props.get(key).and_then(|v| v.as_str()).map(str::to_string);
        let need = |key: &str| {
            text(key).ok_or_else(|| ImportError::Format(format!("feature {index} has no {key}")))
        };
        let okrug_id = need("OKATO_AO")?;
        let okrug_name = need("NAME_AO")?;
        if !okrugs.iter().any(|o| o.id.as_str() == okrug_id) {
            okrugs.push(Okrug {
                id: parse_id(&okrug_id, OkrugId::parse)?,
                abbrev: text("ABBREV_AO").unwrap_or_else(|| okrug_name.clone()),
                name_en: text("NAME_AO_EN").unwrap_or_else(|| transliterate(&okrug_name)),
                name_ru: okrug_name,
            });
        }
        let name = need("NAME")?;
        let kind = match text("TYPE_MO").as_deref() {
            Some("Поселение") => DistrictKind::Settlement,
            Some("Городской округ") => DistrictKind::CityDistrict,
            _ => DistrictKind::MunicipalDistrict,
        };
        let id = parse_id(&need("OKTMO")?, DistrictId::parse)?;
        let geometry = feature.get("geometry").unwrap_or(&serde_json::Value::Null);
        let polygons = geo::parse_geometry(geometry).map_err(|e| e.in_feature(index))?;
        if let Some(polygons) = polygons {
            boundaries.push(Boundary {
                district_id: id.clone(),
                polygons,
            });
        }
        districts.push(District {
            id,
            okrug_id: parse_id(&okrug_id, OkrugId::parse)?,
            name_en: text("NAME_EN").unwrap_or_else(|| transliterate(&name)),
            name_ru: name,
            kind,
        });
    }
    let list = DistrictList {
        city: CityName {
            name_ru: "Город".into(),
            name_en: "City".into(),
        },
        okrugs,
        districts,
    };
    validate(&list)?;
    Ok(Import { list, boundaries })
}

fn parse_id<T>(raw: &str, parse: fn(&str) -> Option<T>) -> Result<T, ImportError> {
    parse(raw).ok_or_else(|| ImportError::Invalid(format!("bad id {raw:?}")))
}

fn validate(list: &DistrictList) -> Result<(), ImportError> {
    use std::collections::HashSet;
    if list.districts.is_empty() {
        return Err(ImportError::Invalid("the list has no districts".into()));
    }
    let okrug_ids: HashSet<&str> = list.okrugs.iter().map(|o| o.id.as_str()).collect();
    if okrug_ids.len() != list.okrugs.len() {
        return Err(ImportError::Invalid("two okrugs share an id".into()));
    }
    let mut seen = HashSet::new();
    for district in &list.districts {
        if !seen.insert(district.id.as_str()) {
            return Err(ImportError::Invalid(format!(
                "two districts share the id {}",
                district.id
            )));
        }
        if !okrug_ids.contains(district.okrug_id.as_str()) {
            return Err(ImportError::Invalid(format!(
                "district {} names an unknown okrug {}",
                district.id, district.okrug_id
            )));
        }
        if district.name_ru.trim().is_empty() || district.name_en.trim().is_empty() {
            return Err(ImportError::Invalid(format!(
                "district {} has an empty name",
                district.id
            )));
        }
    }
    Ok(())
}

/// A practical romanisation of Russian (BGN/PCGN-like, as on Moscow's street signs).
pub fn transliterate(russian: &str) -> String {
    let mut out = String::with_capacity(russian.len());
    let mut prev: Option<char> = None;
    let chars: Vec<char> = russian.chars().collect();
    let mut skip = false;
    for (i, &c) in chars.iter().enumerate() {
        if skip {
            skip = false;
            prev = Some(c);
            continue;
        }
        let lower = c.to_lowercase().next().unwrap_or(c);
        let upper = c != lower;
        let next = chars.get(i + 1).copied();
        let word_start = prev.is_none_or(|p| !p.is_alphabetic());
        let after_vowel =
            prev.is_some_and(|p| "аеёиоуыэюяьъ".contains(p.to_lowercase().next().unwrap_or(p)));
        let rendered: &str = match lower {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "g",
            'д' => "d",
            'е' if word_start || after_vowel => "ye",
            'е' => "e",
            'ё' => "yo",
            'ж' => "zh",
            'з' => "z",
            // -ий, -ый at the end of a word: -y (Тверской → Tverskoy, Северный → Severny).
            'и' | 'ы'
                if next.is_some_and(|n| n == 'й' || n == 'Й')
                    && chars.get(i + 2).is_none_or(|n| !n.is_alphabetic()) =>
            {
                skip = true;
                "y"
            }
            'и' => "i",
            'й' => "y",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ъ' | 'ь' => "",
            'ы' => "y",
            'э' => "e",
            'ю' => "yu",
            'я' => "ya",
            _ => {
                out.push(c);
                prev = Some(c);
                continue;
            }
        };
        if upper {
            let mut it = rendered.chars();
            if let Some(first) = it.next() {
                out.extend(first.to_uppercase());
                out.push_str(it.as_str());
            }
        } else {
            out.push_str(rendered);
        }
        prev = Some(c);
    }
    out
}

/// The districts and okrugs, cached: every sign-up and page needs them and they change only
/// by an import.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    pub okrugs: Vec<Okrug>,
    pub districts: Vec<District>,
}

impl Directory {
    pub fn district(&self, id: &str) -> Option<&District> {
        self.districts.iter().find(|d| d.id.as_str() == id)
    }
    pub fn okrug(&self, id: &str) -> Option<&Okrug> {
        self.okrugs.iter().find(|o| o.id.as_str() == id)
    }
}
