//! Showing things on pages the way people read them, for every feature's pages: times in
//! Moscow time, texts as paragraphs, a problem as a form's message, the way to sign in and
//! come back.

use time::{OffsetDateTime, UtcOffset};
use warp::reply::Response;

use crate::web::i18n::{Lang, Tr};
use crate::web::problem::Problem;
use crate::web::{respond, Ctx, Site};

/// Moscow time: pages show times in it and officials type times in it. Moscow has kept UTC+3
/// all year since 2014.
pub const MSK: UtcOffset = time::macros::offset!(+3);

/// A time as people read it: Moscow time, marked as such (`time-msk`).
pub fn show_time(tr: Tr<'_>, at: OffsetDateTime) -> String {
    let local = at.to_offset(MSK);
    let text = match tr.lang {
        Lang::Ru => local.format(time::macros::format_description!(
            "[day].[month].[year] [hour]:[minute]"
        )),
        Lang::En => local.format(time::macros::format_description!(
            "[day] [month repr:short] [year], [hour]:[minute]"
        )),
    };
    format!("{} {}", text.unwrap_or_default(), tr.t("time-msk"))
}

/// A day as people read it (Moscow time).
pub fn show_date(tr: Tr<'_>, at: OffsetDateTime) -> String {
    let local = at.to_offset(MSK);
    let text = match tr.lang {
        Lang::Ru => local.format(time::macros::format_description!("[day].[month].[year]")),
        Lang::En => local.format(time::macros::format_description!(
            "[day] [month repr:short] [year]"
        )),
    };
    text.unwrap_or_default()
}

/// How long something has waited, as people say it: minutes under an hour, hours under two
/// days, then days (`waited-minutes`, `waited-hours`, `waited-days`).
pub fn waited(tr: Tr<'_>, since: OffsetDateTime, now: OffsetDateTime) -> String {
    let minutes = (now - since).whole_minutes().max(0);
    if minutes < 60 {
        tr.n("waited-minutes", minutes)
    } else if minutes < 48 * 60 {
        tr.n("waited-hours", minutes / 60)
    } else {
        tr.n("waited-days", minutes / (24 * 60))
    }
}

/// A text as paragraphs (split at blank lines) of lines, so that a template can put `<br>`
/// between lines while escaping every line.
pub fn paragraphs(text: &str) -> Vec<Vec<String>> {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(|p| {
            p.lines()
                .map(str::trim_end)
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// Where to sign in and come back to `path`.
pub fn signin_href(path: &str) -> String {
    let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
    format!("/signin?next={next}")
}

/// Pages that need a signed-in account send others to sign in and come back to `path`.
pub fn to_signin(path: &str) -> Response {
    respond::see_other(&signin_href(path))
}

/// A problem's title and detail in the page's language, for a form shown again.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Message {
    pub title: String,
    pub detail: String,
}

impl Message {
    /// The title and detail of the problem's document (as the API would answer it).
    pub fn of<S: Site>(ctx: &Ctx<S>, problem: &Problem) -> Message {
        let document = problem.to_json(ctx.platform.catalog(), ctx.lang);
        serde_json::from_value(document).unwrap_or_default()
    }
}

/// The first `max` characters of `text`, with an ellipsis when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_become_paragraphs_of_lines() {
        assert_eq!(
            paragraphs("Первая строка\r\nвторая\n\n\n  \nНовый абзац  "),
            vec![
                vec!["Первая строка".to_string(), "вторая".to_string()],
                vec!["Новый абзац".to_string()]
            ]
        );
        assert!(paragraphs("  \n ").is_empty());
    }

    #[test]
    fn sign_in_comes_back_to_the_page() {
        assert_eq!(
            signin_href("/ideas/1?a=b"),
            "/signin?next=%2Fideas%2F1%3Fa%3Db"
        );
    }
}
