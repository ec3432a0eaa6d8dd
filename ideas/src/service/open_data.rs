//! What anyone may take away of a project: its results with their authors credited, and the
//! open-data export of its decided ideas (JSON and CSV), which holds no personal data.

use serde::Serialize;
use time::OffsetDateTime;

use veche_core::accounts::model::Account;
use veche_core::accounts::service::display_names;
use veche_core::clock;
use veche_core::id::AccountId;
use veche_core::platform::Platform;

use super::{results, visible_project, IdeaResult, Ideas};
use crate::model::{Idea, Status};
use crate::store::IdeaQuery;

/// An idea of the results with the names it is credited to: its author first, then the
/// authors of the ideas merged into it. `unnamed` counts those who are not named (their
/// account is blocked or gone): the page says "and N more residents".
#[derive(Clone, Debug)]
pub struct Credited {
    pub idea: Idea,
    pub names: Vec<String>,
    pub unnamed: usize,
}

/// The project's results, each idea with its authors credited by name.
pub async fn credited_results(
    platform: &Platform,
    ideas: &Ideas,
    viewer: Option<&Account>,
    project: &crate::model::ProjectId,
) -> IdeaResult<Vec<Credited>> {
    let found = results(ideas, viewer, project).await?;
    let everyone: Vec<AccountId> = found
        .iter()
        .flat_map(|i| std::iter::once(&i.author_id).chain(i.coauthors.iter()))
        .cloned()
        .collect();
    let names = display_names(platform.accounts(), &everyone).await?;
    Ok(found
        .into_iter()
        .map(|idea| {
            let (named, unnamed): (Vec<_>, Vec<_>) = std::iter::once(&idea.author_id)
                .chain(idea.coauthors.iter())
                .map(|id| names.get(id).cloned())
                .partition(Option::is_some);
            Credited {
                names: named.into_iter().flatten().collect(),
                unnamed: unnamed.len(),
                idea,
            }
        })
        .collect())
}

/// The export's format name, in every JSON export and CSV header comment.
pub const OPEN_DATA_FORMAT: &str = "veche-ideas-v1";

/// One decided idea in the open data. Public ideas (approved, merged) carry their title;
/// a rejected idea carries only its reason: what was refused is not republished.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct OpenIdea {
    pub id: String,
    /// Approved and merged ideas only.
    pub title: Option<String>,
    pub topic: String,
    pub district_id: String,
    /// `approved`, `rejected` or `merged`.
    pub status: String,
    /// A rejection's reason code.
    pub reason: Option<String>,
    /// The day it was submitted (UTC, `YYYY-MM-DD`): a day, not an instant, so that a time
    /// cannot tie an idea to a person.
    pub submitted_on: String,
    /// The day of the last moderation decision.
    pub decided_on: Option<String>,
    /// The idea a merged idea was folded into.
    pub merged_into: Option<String>,
    pub supports: u64,
    pub shortlisted: bool,
    /// `accepted`, `in_work` or `done`.
    pub outcome: Option<String>,
}

/// The JSON export.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct OpenData {
    pub format: String,
    pub project_id: String,
    pub project_title: String,
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    pub ideas: Vec<OpenIdea>,
}

/// Ideas read from the store per page of the export.
const EXPORT_PAGE: usize = 1000;

/// The export of a project the viewer may see: every decided idea, newest first (a project of
/// 50,000 ideas is read in pages of a thousand).
pub async fn open_data(
    ideas: &Ideas,
    viewer: Option<&Account>,
    project: &crate::model::ProjectId,
) -> IdeaResult<OpenData> {
    let project = visible_project(ideas, viewer, project).await?;
    let mut query = IdeaQuery {
        statuses: vec![Status::Approved, Status::Merged, Status::Rejected],
        ..IdeaQuery::new(project.id.clone(), EXPORT_PAGE)
    };
    let mut out = Vec::new();
    loop {
        let page = ideas.store.ideas(&query).await?;
        out.extend(page.iter().map(open_idea));
        match page.last() {
            Some(last) if page.len() == EXPORT_PAGE => query.after = Some(query.cursor_of(last)),
            _ => break,
        }
    }
    Ok(OpenData {
        format: OPEN_DATA_FORMAT.to_string(),
        project_id: project.id.to_string(),
        project_title: project.title,
        generated_at: clock::now(),
        ideas: out,
    })
}

fn day(at: OffsetDateTime) -> String {
    let d = at.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn open_idea(idea: &Idea) -> OpenIdea {
    let public = matches!(idea.status, Status::Approved | Status::Merged);
    OpenIdea {
        id: idea.id.to_string(),
        title: public.then(|| idea.title.clone()),
        topic: idea.topic.clone(),
        district_id: idea.district_id.to_string(),
        status: idea.status.as_str().to_string(),
        reason: idea.reason.map(|r| r.as_str().to_string()),
        submitted_on: day(idea.created_at),
        decided_on: idea.decided_at.map(day),
        merged_into: idea.merged_into.as_ref().map(|i| i.to_string()),
        supports: idea.supports,
        shortlisted: idea.shortlisted,
        outcome: idea.outcome.map(|o| o.as_str().to_string()),
    }
}

/// The CSV columns, in order.
const CSV_COLUMNS: [&str; 12] = [
    "id",
    "title",
    "topic",
    "district_id",
    "status",
    "reason",
    "submitted_on",
    "decided_on",
    "merged_into",
    "supports",
    "shortlisted",
    "outcome",
];

/// The export as CSV (RFC 4180: comma-separated, CRLF lines, a header row).
pub fn to_csv(data: &OpenData) -> String {
    let mut out = String::with_capacity(64 + data.ideas.len() * 160);
    push_row(&mut out, CSV_COLUMNS.iter().map(|c| c.to_string()));
    for i in &data.ideas {
        let none = String::new;
        push_row(
            &mut out,
            [
                i.id.clone(),
                i.title.clone().unwrap_or_else(none),
                i.topic.clone(),
                i.district_id.clone(),
                i.status.clone(),
                i.reason.clone().unwrap_or_else(none),
                i.submitted_on.clone(),
                i.decided_on.clone().unwrap_or_else(none),
                i.merged_into.clone().unwrap_or_else(none),
                i.supports.to_string(),
                i.shortlisted.to_string(),
                i.outcome.clone().unwrap_or_else(none),
            ],
        );
    }
    out
}

fn push_row(out: &mut String, cells: impl IntoIterator<Item = String>) {
    for (n, cell) in cells.into_iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(&veche_core::web::csv::cell(&cell));
    }
    out.push_str("\r\n");
}
