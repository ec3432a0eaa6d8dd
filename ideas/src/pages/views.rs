//! What the pages show of projects and ideas: cards and labels built from the model in the
//! page's language.

use time::OffsetDateTime;
use veche_core::storage::as_i64;
use veche_core::web::i18n::Tr;
use veche_core::web::show::{paragraphs, show_date};

use crate::model::{Idea, Project, Stage, Status};

pub struct ProjectCard {
    pub id: String,
    pub title: String,
    pub stage_code: &'static str,
    pub stage_label: String,
    /// What the stage means for a resident now, with its end date.
    pub when: String,
}

impl ProjectCard {
    pub fn new(tr: Tr<'_>, project: &Project, now: OffsetDateTime) -> ProjectCard {
        let stage = project.stage(now);
        ProjectCard {
            id: project.id.to_string(),
            title: project.title.clone(),
            stage_code: stage.as_str(),
            stage_label: stage_label(tr, stage),
            when: stage_when(tr, project, stage),
        }
    }
}

pub fn stage_label(tr: Tr<'_>, stage: Stage) -> String {
    tr.t(&format!("ideas-stage-{}", stage.as_str()))
}

/// Until when the stage runs (or when proposals open).
pub fn stage_when(tr: Tr<'_>, project: &Project, stage: Stage) -> String {
    let s = &project.schedule;
    let (key, at) = match stage {
        Stage::Draft | Stage::Upcoming => ("ideas-opens", s.proposals),
        Stage::Proposals => ("ideas-until", s.discussion),
        Stage::Discussion => ("ideas-until", s.review),
        Stage::Review => ("ideas-until", s.results),
        Stage::Results => ("ideas-since", s.results),
    };
    tr.t1(key, "date", &show_date(tr, at))
}

pub fn status_label(tr: Tr<'_>, status: Status) -> String {
    tr.t(&format!("ideas-status-{}", status.as_str()))
}

pub struct IdeaCard {
    pub id: String,
    pub title: String,
    pub excerpt: String,
    pub topic: String,
    pub status_code: &'static str,
    pub status_label: String,
    pub supports: String,
    pub supported: bool,
}

impl IdeaCard {
    pub fn new(tr: Tr<'_>, idea: &Idea, project: &Project, supported: bool) -> IdeaCard {
        IdeaCard {
            id: idea.id.to_string(),
            title: idea.title.clone(),
            excerpt: excerpt(&idea.body, 240),
            topic: project.topic_name(&idea.topic),
            status_code: idea.status.as_str(),
            status_label: status_label(tr, idea.status),
            supports: tr.n("ideas-supports", as_i64(idea.supports)),
            supported,
        }
    }
}

/// The first `max` characters of a text, cut at a word, with an ellipsis when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", &cut[..at])
}

/// A text as paragraphs of lines (see [`paragraphs`]).
pub fn text_of(text: &str) -> Vec<Vec<String>> {
    paragraphs(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_at_a_word() {
        assert_eq!(excerpt("короткий текст", 50), "короткий текст");
        assert_eq!(excerpt("один два три четыре", 12), "один два…");
        assert_eq!(excerpt("строка\n\nвторая", 50), "строка вторая");
    }
}
