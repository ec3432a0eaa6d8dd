//! The production store: MongoDB through the official driver.
//!
//! Only what both MongoDB 6+ and the test server (FerretDB v1.24) support is used, so every line
//! here runs in the tests: unique and compound indexes, single-document atomic updates,
//! `findAndModify`, and simple aggregation stages. No transactions, TTL indexes or `$lookup`.

use std::time::Duration;

use mongodb::bson::{doc, Document};
use mongodb::options::{ClientOptions, IndexOptions};
use mongodb::{Client, Database, IndexModel};

use crate::error::{StoreError, StoreResult};

#[derive(Clone, Debug)]
pub struct Mongo {
    client: Client,
    db: Database,
}

impl Mongo {
    /// Connects lazily: the driver dials on first use, so start-up does not hang on a dead
    /// server; [`Mongo::ping`] is what proves the server is there. The database name comes from
    /// the URI's path (`mongodb://host/veche`), `veche` when the URI names none.
    pub async fn connect(uri: &str) -> StoreResult<Mongo> {
        let mut options = ClientOptions::parse(uri)
            .await
            .map_err(|e| StoreError::Unavailable(format!("bad MONGODB_URI: {e}")))?;
        options.app_name = Some("veche".into());
        // Fail fast when the server is gone, so /readyz and requests answer 503 quickly
        // instead of hanging for the driver's default 30 s.
        options
            .server_selection_timeout
            .get_or_insert(Duration::from_secs(5));
        options
            .connect_timeout
            .get_or_insert(Duration::from_secs(5));
        options.command_event_handler = Some(mongodb::event::EventHandler::callback(
            |event: mongodb::event::command::CommandEvent| {
                use mongodb::event::command::CommandEvent;
                let (name, duration) = match &event {
                    CommandEvent::Succeeded(e) => (e.command_name.as_str(), e.duration),
                    CommandEvent::Failed(e) => (e.command_name.as_str(), e.duration),
                    _ => return,
                };
                crate::metrics::STORE_LATENCY
                    .with_label_values(&["mongodb", name])
                    .observe(duration.as_secs_f64());
            },
        ));
        let name = options
            .default_database
            .clone()
            .unwrap_or_else(|| "veche".into());
        let client = Client::with_options(options)?;
        let db = client.database(&name);
        Ok(Mongo { client, db })
    }

    /// The same server, another database (tests use one fresh database each).
    pub fn with_database(&self, name: &str) -> Mongo {
        Mongo {
            client: self.client.clone(),
            db: self.client.database(name),
        }
    }

    pub fn db(&self) -> &Database {
        &self.db
    }

    pub fn collection<T: Send + Sync>(&self, name: &str) -> mongodb::Collection<T> {
        self.db.collection(name)
    }

    pub async fn ping(&self) -> StoreResult<()> {
        self.db.run_command(doc! { "ping": 1 }).await?;
        Ok(())
    }

    /// Creates an index if it does not exist yet (idempotent; run at every start).
    pub async fn ensure_index(
        &self,
        collection: &str,
        keys: Document,
        name: &str,
        unique: bool,
    ) -> StoreResult<()> {
        let options = IndexOptions::builder()
            .name(name.to_string())
            .unique(unique)
            .build();
        let model = IndexModel::builder().keys(keys).options(options).build();
        self.db
            .collection::<Document>(collection)
            .create_index(model)
            .await?;
        Ok(())
    }

    /// Drops the whole database (tests only clean up after themselves with it).
    pub async fn drop_database(&self) -> StoreResult<()> {
        self.db.drop().await?;
        Ok(())
    }
}

/// Millisecond timestamps are stored as BSON dates so that operators can query them naturally.
pub fn bson_time(at: time::OffsetDateTime) -> mongodb::bson::DateTime {
    mongodb::bson::DateTime::from_millis((at.unix_timestamp_nanos() / 1_000_000) as i64)
}

pub fn from_bson_time(at: mongodb::bson::DateTime) -> time::OffsetDateTime {
    crate::clock::from_millis(at.timestamp_millis())
}
