//! Okrugs, districts and district boundaries on SQLite. A boundary is kept as its GeoJSON
//! geometry's text ([`Boundary::geometry_json`]), one row per district.

use async_trait::async_trait;
use rusqlite::params;

use super::super::stored_boundary;
use crate::districts::{Boundary, District, DistrictKind, Okrug};
use crate::error::StoreResult;
use crate::id::{DistrictId, OkrugId};
use crate::storage::CachedStatements;
use crate::store::DistrictStore;

#[async_trait]
impl DistrictStore for super::SqliteCoreStore {
    async fn upsert_districts(&self, okrugs: &[Okrug], districts: &[District]) -> StoreResult<()> {
        let db = &self.db;
        let (okrugs, districts) = (okrugs.to_vec(), districts.to_vec());
        db.write(move |conn| {
            let mut okrug_stmt = conn.prepare(
                "INSERT INTO okrugs (id, abbrev, name_ru, name_en) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (id) DO UPDATE SET abbrev = excluded.abbrev, \
                 name_ru = excluded.name_ru, name_en = excluded.name_en",
            )?;
            for o in &okrugs {
                okrug_stmt.execute(params![o.id.as_str(), o.abbrev, o.name_ru, o.name_en])?;
            }
            let mut district_stmt = conn.prepare(
                "INSERT INTO districts (id, okrug_id, name_ru, name_en, kind) \
                 VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (id) DO UPDATE SET okrug_id = excluded.okrug_id, \
                 name_ru = excluded.name_ru, name_en = excluded.name_en, kind = excluded.kind",
            )?;
            for d in &districts {
                district_stmt.execute(params![
                    d.id.as_str(),
                    d.okrug_id.as_str(),
                    d.name_ru,
                    d.name_en,
                    d.kind.as_str()
                ])?;
            }
            Ok(())
        })
        .await
    }

    /// Removes the okrugs and districts not listed, and the boundaries of the districts removed;
    /// counts the okrugs and districts.
    async fn retain_districts(&self, okrugs: &[Okrug], districts: &[District]) -> StoreResult<u64> {
        let db = &self.db;
        let okrug_ids: Vec<String> = okrugs.iter().map(|o| o.id.to_string()).collect();
        let district_ids: Vec<String> = districts.iter().map(|d| d.id.to_string()).collect();
        db.write(move |conn| {
            let mut removed = 0u64;
            for (table, keep) in [("districts", &district_ids), ("okrugs", &okrug_ids)] {
                let existing: Vec<String> = conn
                    .prepare(&format!("SELECT id FROM {table}"))?
                    .query_map([], |row| row.get(0))?
                    .collect::<Result<_, _>>()?;
                for id in existing.iter().filter(|id| !keep.contains(id)) {
                    removed += conn
                        .execute_cached(&format!("DELETE FROM {table} WHERE id = ?1"), [id])?
                        as u64;
                }
            }
            let bounded: Vec<String> = conn
                .prepare("SELECT district_id FROM district_boundaries")?
                .query_map([], |row| row.get(0))?
                .collect::<Result<_, _>>()?;
            for id in bounded.iter().filter(|id| !district_ids.contains(id)) {
                conn.execute_cached(
                    "DELETE FROM district_boundaries WHERE district_id = ?1",
                    [id],
                )?;
            }
            Ok(removed)
        })
        .await
    }

    async fn okrugs(&self) -> StoreResult<Vec<Okrug>> {
        let db = &self.db;
        let sql = "SELECT id, abbrev, name_ru, name_en FROM okrugs ORDER BY id";
        db.query_all(sql, [], |row| {
            Ok(Okrug {
                id: OkrugId::from_trusted(row.get(0)?),
                abbrev: row.get(1)?,
                name_ru: row.get(2)?,
                name_en: row.get(3)?,
            })
        })
        .await
    }

    async fn districts(&self) -> StoreResult<Vec<District>> {
        let db = &self.db;
        let sql = "SELECT id, okrug_id, name_ru, name_en, kind FROM districts ORDER BY id";
        db.query_all(sql, [], |row| {
            let kind: String = row.get(4)?;
            Ok(District {
                id: DistrictId::from_trusted(row.get(0)?),
                okrug_id: OkrugId::from_trusted(row.get(1)?),
                name_ru: row.get(2)?,
                name_en: row.get(3)?,
                kind: DistrictKind::parse(&kind).unwrap_or(DistrictKind::MunicipalDistrict),
            })
        })
        .await
    }

    async fn upsert_boundaries(&self, boundaries: &[Boundary]) -> StoreResult<()> {
        let db = &self.db;
        let rows: Vec<(String, String)> = boundaries
            .iter()
            .map(|b| (b.district_id.to_string(), b.geometry_json()))
            .collect();
        db.write(move |conn| {
            let mut stmt = conn.prepare(
                "INSERT INTO district_boundaries (district_id, geometry) VALUES (?1, ?2) \
                 ON CONFLICT (district_id) DO UPDATE SET geometry = excluded.geometry",
            )?;
            for (id, geometry) in &rows {
                stmt.execute(params![id, geometry])?;
            }
            Ok(())
        })
        .await
    }

    async fn boundaries(&self) -> StoreResult<Vec<Boundary>> {
        let db = &self.db;
        let sql = "SELECT district_id, geometry FROM district_boundaries ORDER BY district_id";
        let rows: Vec<(String, String)> = db
            .query_all(sql, [], |row| Ok((row.get(0)?, row.get(1)?)))
            .await?;
        rows.into_iter()
            .map(|(id, geometry)| stored_boundary(id, &geometry))
            .collect()
    }
}
