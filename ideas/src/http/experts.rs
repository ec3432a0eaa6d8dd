//! The shortlist, the experts' scores and ranking, and after the results each accepted
//! idea's outcome; the results everyone reads.

use std::sync::Arc;

use bytes::Bytes;
use http::{Method, StatusCode};
use warp::reply::Response;

use veche_core::platform::Ctx;
use veche_core::web::precondition::parse_if_match;
use veche_core::web::problem::{Problem, ProblemDocument};
use veche_core::web::respond;
use veche_core::web::responses::{Change, CsrfHeader, Guarded, VersionHeaders};

use super::ideas::idea_response;
use super::inputs::{OutcomeInput, RankedView, RankingView};
use super::{finish, idea_id, project_id, viewer, Body};
use crate::model::Outcome;
use crate::rules::{Refused, ScoreInput};
use crate::service::{self, Ideas};
use crate::views::{IdeaList, IdeaView};

/// `PUT` puts an approved idea forward to the experts; `DELETE` takes it back (those who run
/// the project, before the results).
#[utoipa::path(method(put, delete), path = "/api/v1/ideas/{id}/shortlist", tag = "ideas",
    params(("id" = String, Path),
        VersionHeaders),
    responses((status = 200, body = IdeaView), Guarded, Change),
    security(("session" = []), ("bearer" = [])))]
pub async fn shortlist(
    id: String,
    method: Method,
    ctx: Ctx,
    ideas: Arc<Ideas>,
    if_match: Option<String>,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let expected = parse_if_match(if_match.as_deref())?;
        let idea = service::shortlist(
            &ctx.platform,
            &ideas,
            &who.account,
            &idea_id(&id)?,
            expected,
            method == Method::PUT,
        )
        .await?;
        Ok(idea_response(&ctx, StatusCode::OK, &idea, None))
    }
    .await;
    finish(&ctx, result)
}

/// An expert's marks (1 to 5 on every criterion of the project) and note for a shortlisted
/// idea, during review; sending again replaces them.
#[utoipa::path(put, path = "/api/v1/ideas/{id}/score", tag = "ideas",
    request_body = ScoreInput,
    params(("id" = String, Path),
        CsrfHeader),
    responses((status = 204, description = "Scored"), Guarded, Change),
    security(("session" = []), ("bearer" = [])))]
pub async fn score(
    id: String,
    ctx: Ctx,
    ideas: Arc<Ideas>,
    body: Body<ScoreInput>,
    _raw: Bytes,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let input = body?;
        service::score(&ideas, &who.account, &idea_id(&id)?, &input).await?;
        Ok(respond::no_content())
    }
    .await;
    finish(&ctx, result)
}

/// The shortlisted ideas ranked by the experts' score, then supports, with how much the
/// experts agree (the project's experts and those who run it).
#[utoipa::path(get, path = "/api/v1/idea-projects/{id}/ranking", tag = "ideas",
    params(("id" = String, Path)),
    responses((status = 200, body = RankingView), Guarded),
    security(("session" = []), ("bearer" = [])))]
pub async fn ranking(id: String, ctx: Ctx, ideas: Arc<Ideas>) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let ranking = service::ranking(&ideas, &who.account, &project_id(&id)?).await?;
        let items = ranking
            .ranked
            .iter()
            .filter_map(|r| {
                let idea = ranking.ideas.iter().find(|i| i.id == r.idea)?;
                Some(RankedView {
                    idea: IdeaView::new(idea, Some(&who.account), None),
                    score: r.score,
                    experts: r.experts,
                    spread: r.spread,
                })
            })
            .collect();
        Ok(respond::json(
            StatusCode::OK,
            &RankingView {
                items,
                agreement: ranking.agreement,
            },
        ))
    }
    .await;
    finish(&ctx, result)
}

/// An accepted idea's next step after the results (`accepted`, `in_work`, `done`; only
/// forward), with a note; its authors and followers are told.
#[utoipa::path(post, path = "/api/v1/ideas/{id}/updates", tag = "ideas",
    request_body = OutcomeInput,
    params(("id" = String, Path),
        VersionHeaders),
    responses((status = 200, body = IdeaView), Guarded, Change),
    security(("session" = []), ("bearer" = [])))]
pub async fn advance(
    id: String,
    ctx: Ctx,
    ideas: Arc<Ideas>,
    if_match: Option<String>,
    body: Body<OutcomeInput>,
    _raw: Bytes,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let expected = parse_if_match(if_match.as_deref())?;
        let input = body?;
        let outcome = Outcome::parse(&input.outcome)
            .ok_or_else(|| Problem::invalid(Refused::new("outcome", "invalid")))?;
        let idea = service::advance(
            &ctx.platform,
            &ideas,
            &who.account,
            &idea_id(&id)?,
            expected,
            outcome,
            &input.text,
        )
        .await?;
        Ok(idea_response(&ctx, StatusCode::OK, &idea, None))
    }
    .await;
    finish(&ctx, result)
}

/// The project's results: the ideas with an outcome, their steps dated.
#[utoipa::path(get, path = "/api/v1/idea-projects/{id}/results", tag = "ideas",
    params(("id" = String, Path)),
    responses((status = 200, body = IdeaList),
        (status = 404, description = "`not_found`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn results(id: String, ctx: Ctx, ideas: Arc<Ideas>) -> Response {
    let result = async {
        let found = service::results(&ideas, viewer(&ctx), &project_id(&id)?).await?;
        Ok(respond::json(
            StatusCode::OK,
            &IdeaList {
                items: found
                    .iter()
                    .map(|i| IdeaView::new(i, viewer(&ctx), None))
                    .collect(),
                next_cursor: None,
            },
        ))
    }
    .await;
    finish(&ctx, result)
}
