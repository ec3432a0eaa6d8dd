//! Okrugs, districts and district boundaries on MongoDB. A boundary is kept as its GeoJSON
//! geometry's text ([`Boundary::geometry_json`]), one document per district: the test server
//! has no nested arrays, and nothing queries inside a geometry.

use async_trait::async_trait;
use mongodb::bson::doc;
use serde::{Deserialize, Serialize};

use super::super::stored_boundary;
use crate::districts::{Boundary, District, DistrictKind, Okrug};
use crate::error::StoreResult;
use crate::id::{DistrictId, OkrugId};
use crate::storage::mongo::{find_sorted, Named};
use crate::store::DistrictStore;

const OKRUGS: Named<OkrugDoc> = Named::new("okrugs");
const DISTRICTS: Named<DistrictDoc> = Named::new("districts");
const BOUNDARIES: Named<BoundaryDoc> = Named::new("district_boundaries");

#[derive(Serialize, Deserialize)]
struct OkrugDoc {
    #[serde(rename = "_id")]
    id: String,
    abbrev: String,
    name_ru: String,
    name_en: String,
}

#[derive(Serialize, Deserialize)]
struct DistrictDoc {
    #[serde(rename = "_id")]
    id: String,
    okrug_id: String,
    name_ru: String,
    name_en: String,
    kind: String,
}

#[derive(Serialize, Deserialize)]
struct BoundaryDoc {
    /// The district's id.
    #[serde(rename = "_id")]
    id: String,
    /// A GeoJSON `MultiPolygon` object, as text.
    geometry: String,
}

#[async_trait]
impl DistrictStore for super::MongoCoreStore {
    async fn upsert_districts(&self, okrugs: &[Okrug], districts: &[District]) -> StoreResult<()> {
        let db = &self.db;
        for o in okrugs {
            OKRUGS
                .of(db)
                .update_one(
                    doc! { "_id": o.id.as_str() },
                    doc! { "$set": { "abbrev": &o.abbrev, "name_ru": &o.name_ru, "name_en": &o.name_en } },
                )
                .upsert(true)
                .await?;
        }
        for d in districts {
            DISTRICTS
                .of(db)
                .update_one(
                    doc! { "_id": d.id.as_str() },
                    doc! { "$set": {
                        "okrug_id": d.okrug_id.as_str(),
                        "name_ru": &d.name_ru,
                        "name_en": &d.name_en,
                        "kind": d.kind.as_str(),
                    } },
                )
                .upsert(true)
                .await?;
        }
        Ok(())
    }

    /// Removes the okrugs and districts not listed, and the boundaries of the districts removed;
    /// counts the okrugs and districts.
    async fn retain_districts(&self, okrugs: &[Okrug], districts: &[District]) -> StoreResult<u64> {
        let db = &self.db;
        let district_ids: Vec<&str> = districts.iter().map(|d| d.id.as_str()).collect();
        let okrug_ids: Vec<&str> = okrugs.iter().map(|o| o.id.as_str()).collect();
        let removed_districts = DISTRICTS
            .of(db)
            .delete_many(doc! { "_id": { "$nin": &district_ids } })
            .await?
            .deleted_count;
        let removed_okrugs = OKRUGS
            .of(db)
            .delete_many(doc! { "_id": { "$nin": okrug_ids } })
            .await?
            .deleted_count;
        BOUNDARIES
            .of(db)
            .delete_many(doc! { "_id": { "$nin": district_ids } })
            .await?;
        Ok(removed_districts + removed_okrugs)
    }

    async fn okrugs(&self) -> StoreResult<Vec<Okrug>> {
        let db = &self.db;
        let docs = find_sorted(&OKRUGS.of(db), doc! {}, doc! { "_id": 1 }, None).await?;
        Ok(docs
            .into_iter()
            .map(|d| Okrug {
                id: OkrugId::from_trusted(d.id),
                abbrev: d.abbrev,
                name_ru: d.name_ru,
                name_en: d.name_en,
            })
            .collect())
    }

    async fn districts(&self) -> StoreResult<Vec<District>> {
        let db = &self.db;
        let docs = find_sorted(&DISTRICTS.of(db), doc! {}, doc! { "_id": 1 }, None).await?;
        Ok(docs
            .into_iter()
            .map(|d| District {
                id: DistrictId::from_trusted(d.id),
                okrug_id: OkrugId::from_trusted(d.okrug_id),
                name_ru: d.name_ru,
                name_en: d.name_en,
                kind: DistrictKind::parse(&d.kind).unwrap_or(DistrictKind::MunicipalDistrict),
            })
            .collect())
    }

    async fn upsert_boundaries(&self, boundaries: &[Boundary]) -> StoreResult<()> {
        let db = &self.db;
        for b in boundaries {
            BOUNDARIES
                .of(db)
                .update_one(
                    doc! { "_id": b.district_id.as_str() },
                    doc! { "$set": { "geometry": b.geometry_json() } },
                )
                .upsert(true)
                .await?;
        }
        Ok(())
    }

    async fn boundaries(&self) -> StoreResult<Vec<Boundary>> {
        let db = &self.db;
        let docs = find_sorted(&BOUNDARIES.of(db), doc! {}, doc! { "_id": 1 }, None).await?;
        docs.into_iter()
            .map(|d| stored_boundary(d.id, &d.geometry))
            .collect()
    }
}
