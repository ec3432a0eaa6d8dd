//! The bodies the ideas API reads beyond the rules' inputs, the answers it builds beyond the
//! views, and the list queries it parses.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use veche_core::id::DistrictId;
use veche_core::web::cursor::parse_limit;
use veche_core::web::input::query_param;
use veche_core::web::problem::Problem;

use crate::model::{IdeaId, Status};
use crate::service::ListRequest;
use crate::views::IdeaView;

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpertsInput {
    /// Account ids of residents holding the expert role.
    pub experts: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealInput {
    /// Why the rejection was wrong (10 to 2,000 characters).
    pub text: String,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealDecisionInput {
    /// `true` approves the idea after all; `false` lets the rejection stand.
    pub overturn: bool,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkItem {
    pub id: String,
    /// The version the moderator saw.
    pub version: u64,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkDecisionInput {
    /// Up to 100 ideas.
    pub ideas: Vec<BulkItem>,
    /// `approve` or `reject`.
    pub action: String,
    /// With `reject`: one of the reasons.
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// One idea's outcome in a bulk decision.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BulkResult {
    pub id: String,
    /// The HTTP status this idea alone would have had (200 when decided).
    pub status: u16,
    /// The problem code when it was not decided (`version_conflict`, `validation_failed`, …).
    pub code: Option<String>,
    pub idea: Option<IdeaView>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeepInput {
    /// `true` shows the comment again; `false` removes its text for good.
    pub keep: bool,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeInput {
    /// `accepted`, `in_work` or `done`; only forward.
    pub outcome: String,
    /// A note for residents (up to 2,000 characters).
    #[serde(default)]
    pub text: String,
}

/// An idea's supports after a support or a withdrawal.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SupportCount {
    pub supports: u64,
    pub supported: bool,
}

/// The public moderation log of a project: counts only, no personal data.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LogView {
    /// Decisions by action (`approved`, `rejected`, `sent_back`, `merged`, `appeal_granted`,
    /// `appeal_refused`).
    pub decisions: BTreeMap<String, u64>,
    pub rejections_by_reason: BTreeMap<String, u64>,
    /// Oldest first: a date (UTC) and its decisions by action.
    pub days: Vec<LogDay>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LogDay {
    pub date: String,
    pub decisions: BTreeMap<String, u64>,
}

/// Counts by the names of what they count.
fn named<K>(counts: BTreeMap<K, u64>, name: fn(K) -> &'static str) -> BTreeMap<String, u64> {
    counts
        .into_iter()
        .map(|(k, v)| (name(k).to_string(), v))
        .collect()
}

impl From<crate::log::Summary> for LogView {
    fn from(s: crate::log::Summary) -> Self {
        use crate::log::Action;
        LogView {
            decisions: named(s.decisions, Action::as_str),
            rejections_by_reason: named(s.rejections_by_reason, crate::model::Reason::as_str),
            days: s
                .days
                .into_iter()
                .map(|d| LogDay {
                    date: d.date,
                    decisions: named(d.decisions, Action::as_str),
                })
                .collect(),
        }
    }
}

/// One shortlisted idea in the experts' ranking.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RankedView {
    pub idea: IdeaView,
    /// The mean of the experts' mean marks (1 to 5); `None` before any expert scored it.
    pub score: Option<f64>,
    pub experts: usize,
    /// How far the experts' marks spread (standard deviation).
    pub spread: Option<f64>,
}

/// The experts' ranking and how much they agree (Kendall's W, 0 to 1).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RankingView {
    pub items: Vec<RankedView>,
    pub agreement: Option<f64>,
}

fn flag(query: &HashMap<String, String>, name: &'static str) -> Result<bool, Problem> {
    match query.get(name).map(String::as_str) {
        None | Some("") | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(Problem::bad_request("invalid_filter").with("field", name)),
    }
}

/// A list request from the query string: `status`, `topic`, `district`, `q`, `sort`
/// (`newest` or `supports`), `mine`, `cursor`, `limit`.
pub(crate) fn list_request(query: &HashMap<String, String>) -> Result<ListRequest, Problem> {
    let status = query_param(query, "status", Status::parse, "invalid_filter")?;
    let by_supports = match query.get("sort").map(String::as_str) {
        None | Some("") | Some("newest") => false,
        Some("supports") => true,
        Some(_) => return Err(Problem::bad_request("invalid_filter").with("field", "sort")),
    };
    let district = query_param(query, "district", DistrictId::parse, "invalid_filter")?;
    let words = query.get("q").cloned().unwrap_or_default();
    if words.chars().count() > 200 {
        return Err(Problem::bad_request("invalid_filter").with("field", "q"));
    }
    let after = super::cursor_after(query, IdeaId::parse)?;
    Ok(ListRequest {
        status,
        topic: query.get("topic").cloned().filter(|t| !t.is_empty()),
        district,
        words,
        by_supports,
        mine: flag(query, "mine")?,
        after,
        limit: parse_limit(query)?,
    })
}
