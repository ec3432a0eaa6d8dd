//! GET /official/polls/{id}/dashboard: the live dashboard of a poll.

use std::sync::Arc;

use askama::Template;
use http::StatusCode;
use time::OffsetDateTime;
use warp::reply::Response;

use veche_core::clock;
use veche_core::platform::Ctx;
use veche_core::web::i18n::Tr;
use veche_core::web::pages::{error_page, page};
use veche_core::web::Html;

use crate::model::Status;
use veche_core::web::chart::{self, column_chart};

use crate::pages::charts::{fill_hours, question_charts, QuestionChart};
use crate::pages::common::{
    load_visible, official, parse_poll_id, show_percent, show_time, status_label, votes_label,
};
use crate::pages::{MSK, OFFICIAL_PATH};
use crate::rules;
use crate::service::Polls;
use crate::views;

/// How often the open poll's dashboard reloads itself, in seconds.
const DASHBOARD_REFRESH: u32 = 15;

pub struct TurnoutRow {
    pub id: String,
    pub name: String,
    pub ballots: i64,
    pub percent: String,
}

pub struct HourRow {
    pub hour: String,
    pub ballots: i64,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    tr: Tr<'a>,
    id: String,
    title: String,
    status_code: &'static str,
    status_label: String,
    live: bool,
    refresh: u32,
    refresh_note: String,
    updated: String,
    ballots: String,
    turnout: Vec<TurnoutRow>,
    hours_svg: Html,
    hours: Vec<HourRow>,
    charts: Vec<QuestionChart>,
    manage_href: Option<String>,
}

/// GET /official/polls/{id}/dashboard: officials may read any poll's dashboard.
pub(super) async fn dashboard_page(raw_id: String, ctx: Ctx, polls: Arc<Polls>) -> Response {
    let id = match parse_poll_id(&ctx, &raw_id) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let account = match official(&ctx, &format!("{OFFICIAL_PATH}/{id}/dashboard")) {
        Ok(a) => a,
        Err(response) => return response,
    };
    let poll = match load_visible(&ctx, &polls, &raw_id).await {
        Ok(poll) => poll,
        Err(response) => return response,
    };
    let counts = match polls.counts(&poll).await {
        Ok(c) => c,
        Err(e) => return error_page(&ctx, e.problem()),
    };
    let tr = ctx.tr();
    let now = clock::now();
    let directory = ctx.platform.directory();
    let dashboard = views::Dashboard::new(&poll, &counts, &directory, ctx.lang, now);
    let status = poll.status(now);
    let hours = fill_hours(&dashboard.per_hour);
    let hour_label = |at: OffsetDateTime| {
        let local = at.to_offset(MSK);
        local
            .format(time::macros::format_description!("[day].[month] [hour]:00"))
            .unwrap_or_default()
    };
    let points: Vec<(String, i64)> = hours.iter().map(|(at, n)| (hour_label(*at), *n)).collect();
    let chart = column_chart(
        "hours",
        &tr.t1(
            "polls-dashboard-hours-title",
            "total",
            &votes_label(tr, dashboard.ballots),
        ),
        &points,
    );
    let live = status == Status::Open;
    let body = DashboardPage {
        tr,
        id: poll.id.to_string(),
        title: poll.title.clone(),
        status_code: status.as_str(),
        status_label: status_label(tr, status),
        live,
        refresh: DASHBOARD_REFRESH,
        refresh_note: tr.n("polls-dashboard-refresh", i64::from(DASHBOARD_REFRESH)),
        updated: show_time(tr, now),
        ballots: votes_label(tr, dashboard.ballots),
        turnout: dashboard
            .turnout
            .iter()
            .map(|t| TurnoutRow {
                id: t.district_id.clone(),
                name: t.name.clone(),
                ballots: t.ballots,
                percent: show_percent(t.percent, ctx.lang),
            })
            .collect(),
        hours_svg: chart::render(&chart),
        hours: points
            .into_iter()
            .map(|(hour, ballots)| HourRow { hour, ballots })
            .collect(),
        charts: question_charts(tr, &dashboard.results),
        manage_href: rules::may_manage(&account, &poll)
            .then(|| format!("{OFFICIAL_PATH}/{}", poll.id)),
    };
    let mut response = page(&ctx, StatusCode::OK, &tr.t("polls-dashboard-title"), &body);
    if live {
        // Besides the `<meta>` in the page: the header works wherever the page is shown.
        response.headers_mut().insert(
            http::header::REFRESH,
            http::HeaderValue::from(DASHBOARD_REFRESH),
        );
    }
    response
}
