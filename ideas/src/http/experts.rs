//! The shortlist, the experts' scores and ranking, and after the results each accepted
//! idea's outcome; the results everyone reads.

use http::Method;
use warp::reply::Response;

use veche_core::web::problem::{Problem, ProblemDocument};
use veche_core::web::respond;
use veche_core::web::responses::{Change, CsrfHeader, Guarded, VersionHeaders};

use super::inputs::{OutcomeInput, RankedView, RankingView};
use super::{change, idea_id, project_id, viewer, Req};
use crate::model::Outcome;
use crate::rules::{Refused, ScoreInput};
use crate::service;
use crate::views::{IdeaList, IdeaView};

/// `PUT` puts an approved idea forward to the experts; `DELETE` takes it back (those who run
/// the project, before the results).
#[utoipa::path(method(put, delete), path = "/api/v1/ideas/{id}/shortlist", tag = "ideas",
    params(("id" = String, Path),
        VersionHeaders),
    responses((status = 200, body = IdeaView), Guarded, Change))]
pub async fn shortlist(id: String, req: Req) -> Response {
    change(&req, |req, who, expected, _| async move {
        let (id, on) = (idea_id(&id)?, req.method() == Method::PUT);
        Ok(service::shortlist(&req.platform, &req.state, who, &id, expected, on).await?)
    })
    .await
}

/// An expert's marks (1 to 5 on every criterion of the project) and note for a shortlisted
/// idea, during review; sending again replaces them.
#[utoipa::path(put, path = "/api/v1/ideas/{id}/score", tag = "ideas",
    request_body = ScoreInput,
    params(("id" = String, Path),
        CsrfHeader),
    responses((status = 204, description = "Scored"), Guarded, Change))]
pub async fn score(id: String, req: Req<ScoreInput>) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let input = req.input()?;
        service::score(&req.state, &who.account, &idea_id(&id)?, input).await?;
        Ok(respond::no_content())
    })
    .await
}

/// The shortlisted ideas ranked by the experts' score, then supports, with how much the
/// experts agree (the project's experts and those who run it).
#[utoipa::path(get, path = "/api/v1/idea-projects/{id}/ranking", tag = "ideas",
    params(("id" = String, Path)),
    responses((status = 200, body = RankingView), Guarded))]
pub async fn ranking(id: String, req: Req) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let ranking = service::ranking(&req.state, &who.account, &project_id(&id)?).await?;
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
        Ok(respond::ok(&RankingView {
            items,
            agreement: ranking.agreement,
        }))
    })
    .await
}

/// An accepted idea's next step after the results (`accepted`, `in_work`, `done`; only
/// forward), with a note; its authors and followers are told.
#[utoipa::path(post, path = "/api/v1/ideas/{id}/updates", tag = "ideas",
    request_body = OutcomeInput,
    params(("id" = String, Path),
        VersionHeaders),
    responses((status = 200, body = IdeaView), Guarded, Change))]
pub async fn advance(id: String, req: Req<OutcomeInput>) -> Response {
    change(&req, |req, who, expected, input| async move {
        let outcome = Outcome::parse(&input.outcome)
            .ok_or_else(|| Problem::invalid(Refused::new("outcome", "invalid")))?;
        let (id, text) = (idea_id(&id)?, &input.text);
        let ideas = &req.state;
        Ok(service::advance(&req.platform, ideas, who, &id, expected, outcome, text).await?)
    })
    .await
}

/// The project's results: the ideas with an outcome, their steps dated.
#[utoipa::path(get, path = "/api/v1/idea-projects/{id}/results", tag = "ideas",
    params(("id" = String, Path)),
    responses((status = 200, body = IdeaList),
        (status = 404, description = "`not_found`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn results(id: String, req: Req) -> Response {
    req.answer(async {
        let found = service::results(&req.state, viewer(&req), &project_id(&id)?).await?;
        Ok(respond::ok(&IdeaList {
            items: found
                .iter()
                .map(|i| IdeaView::new(i, viewer(&req), None))
                .collect(),
            next_cursor: None,
        }))
    })
    .await
}
