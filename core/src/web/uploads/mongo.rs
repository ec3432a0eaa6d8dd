//! Uploads on MongoDB: one document a picture in `uploads`, its hash the `_id` (a picture is at
//! most a few hundred kilobytes after [`super::check_image`], far below the 16 MB document
//! limit). Reads and writes go by `_id`: no other index is needed.

use async_trait::async_trait;
use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{doc, Binary, Document};

use super::{Upload, UploadStore};
use crate::error::{StoreError, StoreResult};
use crate::storage::mongo::{bson_time, from_bson_time};
use crate::storage::Mongo;

pub struct MongoUploads {
    db: Mongo,
}

impl MongoUploads {
    pub fn new(db: Mongo) -> Self {
        MongoUploads { db }
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        Ok(())
    }

    fn col(&self) -> mongodb::Collection<Document> {
        self.db.collection("uploads")
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("upload document without a valid `{what}`"))
}

#[async_trait]
impl UploadStore for MongoUploads {
    async fn put(&self, upload: &Upload) -> StoreResult<()> {
        let inserted = self
            .col()
            .insert_one(doc! {
                "_id": &upload.hash,
                "content_type": &upload.content_type,
                "width": i64::from(upload.width),
                "height": i64::from(upload.height),
                "bytes": Binary { subtype: BinarySubtype::Generic, bytes: upload.bytes.to_vec() },
                "created_at": bson_time(upload.created_at),
            })
            .await;
        match inserted.map_err(StoreError::from) {
            // Content-addressed: the same picture is already there.
            Ok(_) | Err(StoreError::Conflict(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn get(&self, hash: &str) -> StoreResult<Option<Upload>> {
        let Some(d) = self.col().find_one(doc! { "_id": hash }).await? else {
            return Ok(None);
        };
        let side = |name: &str| {
            d.get_i64(name)
                .ok()
                .and_then(|v| u32::try_from(v).ok())
                .ok_or_else(|| corrupt(name))
        };
        Ok(Some(Upload {
            hash: hash.to_string(),
            content_type: d
                .get_str("content_type")
                .map_err(|_| corrupt("content_type"))?
                .to_string(),
            width: side("width")?,
            height: side("height")?,
            bytes: bytes::Bytes::from(
                d.get_binary_generic("bytes")
                    .map_err(|_| corrupt("bytes"))?
                    .clone(),
            ),
            created_at: from_bson_time(
                *d.get_datetime("created_at")
                    .map_err(|_| corrupt("created_at"))?,
            ),
        }))
    }
}
