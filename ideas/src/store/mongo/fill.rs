//! Filling what a later version added from what was stored before it.

use std::collections::BTreeSet;

use futures::TryStreamExt;
use mongodb::bson::{doc, Document};
use veche_core::StoreResult;

use super::{insert_missing, pair_id, MongoIdeas};

impl MongoIdeas {
    /// Fills `idea_participants` from what was stored before it existed, once per database
    /// (a `migrations` document records it): each idea's author, supporters, followers and
    /// commenters. Idempotent, so a run cut short is finished by the next start.
    pub(super) async fn fill_participants(&self) -> StoreResult<()> {
        const DONE: &str = "ideas_participants_filled";
        let migrations = self.col("migrations");
        if migrations.find_one(doc! { "_id": DONE }).await?.is_some() {
            return Ok(());
        }
        let mut project_of = std::collections::HashMap::new();
        let mut pairs = BTreeSet::new();
        let mut ideas = self
            .ideas_col()
            .find(doc! {})
            .projection(doc! { "project_id": 1, "author_id": 1 })
            .await?;
        while let Some(d) = ideas.try_next().await? {
            if let (Ok(id), Ok(project), Ok(author)) = (
                d.get_str("_id"),
                d.get_str("project_id"),
                d.get_str("author_id"),
            ) {
                project_of.insert(id.to_string(), project.to_string());
                pairs.insert((project.to_string(), author.to_string()));
            }
        }
        for (collection, who) in [
            ("idea_supports", "account_id"),
            ("idea_follows", "account_id"),
            ("idea_comments", "author_id"),
        ] {
            let mut found = self
                .col(collection)
                .find(doc! {})
                .projection(doc! { "idea_id": 1, who: 1 })
                .await?;
            while let Some(d) = found.try_next().await? {
                let project = d.get_str("idea_id").ok().and_then(|i| project_of.get(i));
                if let (Some(project), Ok(account)) = (project, d.get_str(who)) {
                    pairs.insert((project.clone(), account.to_string()));
                }
            }
        }
        let documents: Vec<Document> = pairs
            .iter()
            .map(|(project, account)| {
                doc! {
                    "_id": pair_id(project, account),
                    "project_id": project,
                    "account_id": account,
                }
            })
            .collect();
        for chunk in documents.chunks(1000) {
            insert_missing(&self.col("idea_participants"), chunk.to_vec()).await?;
        }
        insert_missing(&migrations, vec![doc! { "_id": DONE }]).await
    }
}
