//! What the pages show of reports: cards and labels built from the model in the page's
//! language, with the names (categories, districts, organisations) read once per page.

use std::sync::Arc;

use time::OffsetDateTime;
use veche_core::accounts::model::Organisation;
use veche_core::districts::Directory;
use veche_core::platform::Ctx;
use veche_core::storage::as_i64;
use veche_core::web::i18n::{Lang, Tr};
use veche_core::web::problem::Problem;
use veche_core::web::show::{show_date, truncate};

use crate::model::{Category, Report, Status};
use crate::service::{self, Reports};

/// The names a page of reports shows, read once.
pub struct Names {
    pub lang: Lang,
    pub categories: Vec<Category>,
    pub organisations: Vec<Organisation>,
    pub directory: Arc<Directory>,
}

impl Names {
    pub async fn read(ctx: &Ctx, reports: &Reports) -> Result<Names, Problem> {
        Ok(Names {
            lang: ctx.lang,
            categories: service::categories(reports).await?,
            organisations: service::organisation_names(&ctx.platform).await?,
            directory: ctx.platform.directory(),
        })
    }

    pub fn category(&self, id: &str) -> String {
        self.categories
            .iter()
            .find(|c| c.id.as_str() == id)
            .map_or_else(|| id.to_string(), |c| category_name(c, self.lang))
    }

    pub fn district(&self, id: &str) -> String {
        self.directory
            .district(id)
            .map_or_else(|| id.to_string(), |d| d.name(self.lang).to_string())
    }

    pub fn organisation(&self, id: &str) -> Option<String> {
        self.organisations
            .iter()
            .find(|o| o.id.as_str() == id)
            .map(|o| o.name.clone())
    }

    /// The active categories as a tree, depth first: groups (not selectable) and leaves.
    pub fn category_options(&self, selected: &str) -> Vec<CategoryOption> {
        let mut out = Vec::new();
        self.add_children(None, 0, selected, &mut out);
        out
    }

    fn add_children(
        &self,
        parent: Option<&str>,
        depth: usize,
        selected: &str,
        out: &mut Vec<CategoryOption>,
    ) {
        // A malformed tree (a cycle) stops at a sane depth.
        if depth > 8 {
            return;
        }
        let mut children: Vec<&Category> = self
            .categories
            .iter()
            .filter(|c| c.active && c.parent.as_ref().map(|p| p.as_str()) == parent)
            .collect();
        children.sort_by_key(|c| category_name(c, self.lang));
        for c in children {
            let leaf = !self
                .categories
                .iter()
                .any(|k| k.active && k.parent.as_ref() == Some(&c.id));
            out.push(CategoryOption {
                id: c.id.to_string(),
                name: format!(
                    "{}{}",
                    "\u{2003}".repeat(depth),
                    category_name(c, self.lang)
                ),
                leaf,
                selected: leaf && c.id.as_str() == selected,
            });
            self.add_children(Some(c.id.as_str()), depth + 1, selected, out);
        }
    }

    /// Every district by name, for a filter.
    pub fn district_options(&self, selected: &str) -> Vec<Choice> {
        let mut out: Vec<Choice> = self
            .directory
            .districts
            .iter()
            .map(|d| Choice {
                value: d.id.to_string(),
                label: d.name(self.lang).to_string(),
                selected: d.id.as_str() == selected,
            })
            .collect();
        out.sort_by(|a, b| a.label.cmp(&b.label));
        out
    }
}

pub fn category_name(c: &Category, lang: Lang) -> String {
    match lang {
        Lang::Ru => c.name_ru.clone(),
        Lang::En => c.name_en.clone(),
    }
}

/// A category in the form's list: groups are shown but cannot be chosen.
pub struct CategoryOption {
    pub id: String,
    pub name: String,
    pub leaf: bool,
    pub selected: bool,
}

/// An option of a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub fn status_label(tr: Tr<'_>, status: Status) -> String {
    tr.t(&format!("reports-status-{}", status.as_str()))
}

/// A report in a list (never its author).
pub struct ReportCard {
    pub id: String,
    pub category: String,
    pub district: String,
    pub address: Option<String>,
    pub excerpt: String,
    pub status_code: &'static str,
    pub status_label: String,
    pub overdue: bool,
    /// "answer by …" while the organisation owes an answer.
    pub deadline: Option<String>,
    pub filed: String,
    /// The first photo's hash (its thumbnail).
    pub thumb: Option<String>,
    pub joiners: String,
}

impl ReportCard {
    /// A card each, in order.
    pub fn all(
        tr: Tr<'_>,
        names: &Names,
        reports: &[Report],
        now: OffsetDateTime,
    ) -> Vec<ReportCard> {
        reports
            .iter()
            .map(|r| ReportCard::new(tr, names, r, now))
            .collect()
    }

    pub fn new(tr: Tr<'_>, names: &Names, report: &Report, now: OffsetDateTime) -> ReportCard {
        ReportCard {
            id: report.id.to_string(),
            category: names.category(report.category_id.as_str()),
            district: names.district(report.district_id.as_str()),
            address: report.place.address.clone(),
            excerpt: truncate(
                &report
                    .description
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                160,
            ),
            status_code: report.status.as_str(),
            status_label: status_label(tr, report.status),
            overdue: report.overdue(now),
            deadline: report
                .due()
                .map(|d| tr.t1("reports-answer-by", "date", &show_date(tr, d))),
            filed: show_date(tr, report.created_at),
            thumb: report.photos.first().cloned(),
            joiners: tr.n("reports-joiners", as_i64(report.joiners)),
        }
    }
}

/// A distance as people read it: metres below a kilometre.
pub fn distance(tr: Tr<'_>, metres: f64) -> String {
    if metres < 1000.0 {
        tr.t1(
            "reports-distance-m",
            "m",
            &format!("{}", metres.round() as i64),
        )
    } else {
        tr.t1(
            "reports-distance-km",
            "km",
            &format!("{:.1}", metres / 1000.0),
        )
    }
}
