//! The ideas' rules as pure functions: what a project and an idea may hold, who may do what at
//! which stage, what each moderation decision does to an idea, how experts' scores rank ideas.
//! No I/O: the service reads, asks these, and writes.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use time::OffsetDateTime;
use veche_core::accounts::model::{Account, Role};
use veche_core::districts::Directory;
use veche_core::id::{AccountId, DistrictId};
use veche_core::web::input::clean_text;
use veche_core::web::problem::Invalid;

use crate::model::{
    Appeal, Audience, Comment, Idea, IdeaHead, Label, Mail, MailDue, Outcome, Project, Reason,
    Schedule, Score, Stage, Status, Update,
};

pub const PROJECT_TITLE_MAX: usize = 200;
pub const PROJECT_DESCRIPTION_MAX: usize = 10_000;
pub const TOPICS_MAX: usize = 30;
pub const CRITERIA_MAX: usize = 10;
pub const LABEL_NAME_MAX: usize = 100;
pub const AUDIENCE_MAX: usize = 10_000;
pub const TITLE_MIN: usize = 5;
pub const TITLE_MAX: usize = 140;
pub const BODY_MIN: usize = 20;
pub const BODY_MAX: usize = 5_000;
pub const NOTE_MAX: usize = 2_000;
pub const COMMENT_MAX: usize = 2_000;
pub const APPEAL_MAX: usize = 2_000;
pub const UPDATE_MAX: usize = 2_000;
/// Reports by different residents that hide a comment until a moderator decides.
pub const HIDE_AFTER_REPORTS: usize = 3;
/// The most ideas one bulk decision takes.
pub const BULK_MAX: usize = 100;

/// A refused input or action: a stable code and the field or rule it concerns.
pub type Refused = Invalid;

// ---- Projects ----

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelInput {
    pub code: String,
    pub name: String,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub topics: Vec<LabelInput>,
    #[serde(default)]
    pub criteria: Vec<LabelInput>,
    /// `city`, `districts` or `invited`.
    pub audience: String,
    #[serde(default)]
    pub districts: Vec<String>,
    #[serde(default)]
    pub invited: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub proposals: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub discussion: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub review: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub results: OffsetDateTime,
}

/// What a valid project input sets.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectFields {
    pub title: String,
    pub description: String,
    pub topics: Vec<Label>,
    pub criteria: Vec<Label>,
    pub audience: Audience,
    pub schedule: Schedule,
}

fn labels(
    input: &[LabelInput],
    field: &'static str,
    min: usize,
    max: usize,
) -> Result<Vec<Label>, Refused> {
    if input.len() < min {
        return Err(Invalid::new(field, "required"));
    }
    if input.len() > max {
        return Err(Invalid::new(field, "too_many"));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(input.len());
    for label in input {
        let code = label.code.trim();
        let ok = !code.is_empty()
            && code.len() <= 32
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            return Err(Invalid::new(field, "invalid_code"));
        }
        if !seen.insert(code.to_string()) {
            return Err(Invalid::new(field, "duplicate_code"));
        }
        let name = clean_text(&label.name, field, 1, LABEL_NAME_MAX, false)?;
        out.push(Label {
            code: code.to_string(),
            name,
        });
    }
    Ok(out)
}

/// Checks a project input: texts, topics (1 to 30), criteria (up to 10), an audience whose
/// districts exist, and stages in order.
pub fn project_fields(
    input: &ProjectInput,
    directory: &Directory,
) -> Result<ProjectFields, Refused> {
    let title = clean_text(&input.title, "title", 5, PROJECT_TITLE_MAX, false)?;
    let description = clean_text(
        &input.description,
        "description",
        0,
        PROJECT_DESCRIPTION_MAX,
        true,
    )?;
    let topics = labels(&input.topics, "topics", 1, TOPICS_MAX)?;
    let criteria = labels(&input.criteria, "criteria", 0, CRITERIA_MAX)?;
    let audience = match input.audience.as_str() {
        "city" => Audience::City,
        "districts" => {
            if input.districts.is_empty() {
                return Err(Invalid::new("districts", "required"));
            }
            let mut districts = BTreeSet::new();
            for raw in &input.districts {
                let district = directory
                    .district(raw)
                    .ok_or(Invalid::new("districts", "unknown_district"))?;
                districts.insert(district.id.clone());
            }
            Audience::Districts { districts }
        }
        "invited" => {
            if input.invited.is_empty() {
                return Err(Invalid::new("invited", "required"));
            }
            if input.invited.len() > AUDIENCE_MAX {
                return Err(Invalid::new("invited", "too_many"));
            }
            let mut accounts = BTreeSet::new();
            for raw in &input.invited {
                accounts.insert(AccountId::parse(raw).ok_or(Invalid::new("invited", "invalid"))?);
            }
            Audience::Invited { accounts }
        }
        _ => return Err(Invalid::new("audience", "invalid")),
    };
    let schedule = Schedule {
        proposals: input.proposals,
        discussion: input.discussion,
        review: input.review,
        results: input.results,
    };
    if !(schedule.proposals < schedule.discussion
        && schedule.discussion < schedule.review
        && schedule.review < schedule.results)
    {
        return Err(Invalid::new("schedule", "out_of_order"));
    }
    Ok(ProjectFields {
        title,
        description,
        topics,
        criteria,
        audience,
        schedule,
    })
}

/// A new project, a draft until published, run by its creator's organisation.
pub fn new_project(fields: ProjectFields, creator: &Account, now: OffsetDateTime) -> Project {
    Project {
        id: crate::model::ProjectId::generate(),
        title: fields.title,
        description: fields.description,
        topics: fields.topics,
        criteria: fields.criteria,
        audience: fields.audience,
        schedule: fields.schedule,
        organisation_id: creator.organisation_id.clone(),
        experts: BTreeSet::new(),
        published: false,
        announced: None,
        created_by: creator.id.clone(),
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

/// Whether the account runs the project: its organisation's officials, and admins.
pub fn may_manage(account: &Account, project: &Project) -> bool {
    account.has_role(Role::Admin)
        || (account.has_role(Role::Official)
            && project.organisation_id.is_some()
            && account.organisation_id == project.organisation_id)
}

/// Whether the viewer may see the project at all (drafts only those who run it).
pub fn may_see_project(project: &Project, viewer: Option<&Account>) -> bool {
    project.published || viewer.is_some_and(|a| may_manage(a, project))
}

/// Whether a project may still be edited: until proposals open (after that residents rely on
/// what it says); its schedule may be moved while the stage it changes has not begun.
pub fn may_edit_project(project: &Project, now: OffsetDateTime) -> Result<(), Refused> {
    match project.stage(now) {
        Stage::Draft | Stage::Upcoming => Ok(()),
        _ => Err(Invalid::new("project", "already_started")),
    }
}

/// Why a resident may not take part in a project.
pub fn participation(project: &Project, account: &Account) -> Result<(), Refused> {
    let inside = match &project.audience {
        Audience::City => true,
        Audience::Districts { districts } => districts.contains(&account.district_id),
        Audience::Invited { accounts } => accounts.contains(&account.id),
    };
    if inside {
        Ok(())
    } else {
        Err(Invalid::new("project", "not_in_audience"))
    }
}

fn stage_is(project: &Project, now: OffsetDateTime, want: Stage) -> Result<(), Refused> {
    if project.stage(now) == want {
        Ok(())
    } else {
        Err(Invalid::new(
            "stage",
            match want {
                Stage::Proposals => "proposals_closed",
                Stage::Discussion => "supports_closed",
                Stage::Review => "review_closed",
                _ => "wrong_stage",
            },
        ))
    }
}

// ---- Ideas ----

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdeaInput {
    pub title: String,
    pub body: String,
    pub topic: String,
    /// The idea's picture: the `hash` an upload answered (`POST /api/v1/uploads`). Absent, the
    /// idea has none (an edit without it removes the picture).
    #[serde(default)]
    pub image: Option<String>,
}

/// What a valid idea input sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdeaFields {
    pub title: String,
    pub body: String,
    pub topic: String,
}

/// Checks an idea: a title of 5 to 140 characters, a text of 20 to 5,000, a topic of the
/// project.
pub fn idea_fields(input: &IdeaInput, project: &Project) -> Result<IdeaFields, Refused> {
    let title = clean_text(&input.title, "title", TITLE_MIN, TITLE_MAX, false)?;
    let body = clean_text(&input.body, "body", BODY_MIN, BODY_MAX, true)?;
    let topic = input.topic.trim();
    if project.topic(topic).is_none() {
        return Err(Invalid::new("topic", "unknown_topic"));
    }
    Ok(IdeaFields {
        title,
        body,
        topic: topic.to_string(),
    })
}

/// The picture an idea input names, checked for form (`invalid_image`); whether it was really
/// uploaded is the service's to check.
pub fn image_ref(input: &IdeaInput) -> Result<Option<String>, Refused> {
    match input
        .image
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        None => Ok(None),
        Some(h) if veche_core::web::uploads::is_hash(h) => Ok(Some(h.to_string())),
        Some(_) => Err(Invalid::new("image", "invalid_image")),
    }
}

/// Whether the resident may submit an idea now: proposals open, and inside the audience.
pub fn may_submit(
    project: &Project,
    account: &Account,
    now: OffsetDateTime,
) -> Result<(), Refused> {
    stage_is(project, now, Stage::Proposals)?;
    participation(project, account)
}

/// A new idea, waiting for a moderator from now; its district is its author's.
pub fn new_idea(
    project: &Project,
    author: &Account,
    fields: IdeaFields,
    now: OffsetDateTime,
) -> Idea {
    Idea {
        id: crate::model::IdeaId::generate(),
        project_id: project.id.clone(),
        author_id: author.id.clone(),
        coauthors: Vec::new(),
        title: fields.title,
        body: fields.body,
        topic: fields.topic,
        district_id: idea_district(author),
        image: None,
        status: Status::Pending,
        reason: None,
        note: None,
        merged_into: None,
        decided_by: None,
        decided_at: None,
        appeal: None,
        queued_at: Some(now),
        supports: 0,
        shortlisted: false,
        outcome: None,
        updates: Vec::new(),
        mail_due: None,
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

/// Whether the author may edit their idea now: until a moderator decides it (or after it was
/// sent back for changes), while proposals are open.
pub fn may_edit(
    idea: &Idea,
    project: &Project,
    account: &Account,
    now: OffsetDateTime,
) -> Result<(), Refused> {
    if idea.author_id != account.id {
        return Err(Invalid::new("idea", "not_author"));
    }
    if !matches!(idea.status, Status::Pending | Status::ChangesRequested) {
        return Err(Invalid::new("idea", "already_moderated"));
    }
    stage_is(project, now, Stage::Proposals)
}

/// The idea after its author's edit: a sent-back idea goes back to the queue.
pub fn edited(idea: &Idea, fields: IdeaFields, now: OffsetDateTime) -> Idea {
    Idea {
        title: fields.title,
        body: fields.body,
        topic: fields.topic,
        status: Status::Pending,
        // An edit of a pending idea keeps its place in the queue; a resubmission joins the end.
        queued_at: idea.queued_at.or(Some(now)),
        updated_at: now,
        version: idea.version + 1,
        ..idea.clone()
    }
}

/// Who may see an idea: approved and merged ones everyone who sees the project; the others
/// their author and moderators (and those who run the project).
pub fn may_see_idea(idea: &IdeaHead, project: &Project, viewer: Option<&Account>) -> bool {
    if !may_see_project(project, viewer) {
        return false;
    }
    if matches!(idea.status, Status::Approved | Status::Merged) {
        return true;
    }
    viewer.is_some_and(|a| a.id == idea.author_id || is_moderator(a) || may_manage(a, project))
}

pub fn is_moderator(account: &Account) -> bool {
    account.has_role(Role::Moderator) || account.has_role(Role::Admin)
}

// ---- Moderation ----

/// A moderator's decision on a pending idea.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    Approve,
    Reject {
        reason: Reason,
        note: String,
    },
    /// Back to the author, who may edit and resubmit.
    SendBack {
        note: String,
    },
    /// Folded into another idea of the project.
    Merge {
        into: Box<Idea>,
    },
}

impl Decision {
    pub fn code(&self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reject { .. } => "reject",
            Decision::SendBack { .. } => "send_back",
            Decision::Merge { .. } => "merge",
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// `approve`, `reject`, `send_back` or `merge`.
    pub action: String,
    /// With `reject`: one of the reasons.
    #[serde(default)]
    pub reason: Option<String>,
    /// With `reject` (optional) and `send_back` (required): a note to the author.
    #[serde(default)]
    pub note: Option<String>,
    /// With `merge`: the idea to merge into.
    #[serde(default)]
    pub into: Option<String>,
}

/// Parses a decision's form, without its merge target (the service reads that idea).
pub fn decision_parts(
    input: &DecisionInput,
) -> Result<(&'static str, Option<Reason>, String), Refused> {
    let note = clean_text(
        input.note.as_deref().unwrap_or(""),
        "note",
        0,
        NOTE_MAX,
        true,
    )?;
    match input.action.as_str() {
        "approve" => Ok(("approve", None, note)),
        "reject" => {
            let reason = input
                .reason
                .as_deref()
                .and_then(Reason::parse)
                .ok_or(Invalid::new("reason", "required"))?;
            Ok(("reject", Some(reason), note))
        }
        "send_back" => {
            if note.is_empty() {
                return Err(Invalid::new("note", "required"));
            }
            Ok(("send_back", None, note))
        }
        "merge" => {
            if input.into.as_deref().unwrap_or("").trim().is_empty() {
                return Err(Invalid::new("into", "required"));
            }
            Ok(("merge", None, note))
        }
        _ => Err(Invalid::new("action", "invalid")),
    }
}

/// What a decision does to an idea, or why it may not be taken. A pending idea may be
/// approved, rejected, sent back or merged; an approved one may still be merged (a duplicate
/// found late).
pub fn decide(
    idea: &Idea,
    decision: &Decision,
    moderator: &Account,
    now: OffsetDateTime,
) -> Result<Idea, Refused> {
    if !is_moderator(moderator) {
        return Err(Invalid::new("moderator", "forbidden"));
    }
    let allowed = match decision {
        Decision::Merge { .. } => matches!(idea.status, Status::Pending | Status::Approved),
        _ => idea.status == Status::Pending,
    };
    if !allowed {
        return Err(Invalid::new("idea", "already_decided"));
    }
    let mut next = Idea {
        decided_by: Some(moderator.id.clone()),
        decided_at: Some(now),
        updated_at: now,
        version: idea.version + 1,
        reason: None,
        note: None,
        queued_at: None,
        mail_due: Some(MailDue {
            mail: Mail::Decided,
            since: now,
        }),
        ..idea.clone()
    };
    match decision {
        Decision::Approve => next.status = Status::Approved,
        Decision::Reject { reason, note } => {
            next.status = Status::Rejected;
            next.reason = Some(*reason);
            next.note = (!note.is_empty()).then(|| note.clone());
        }
        Decision::SendBack { note } => {
            next.status = Status::ChangesRequested;
            next.note = Some(note.clone());
        }
        Decision::Merge { into } => {
            merge_target(idea, into)?;
            next.status = Status::Merged;
            next.merged_into = Some(into.id.clone());
            next.shortlisted = false;
        }
    }
    Ok(next)
}

/// Whether `into` may take `idea`: another idea of the same project, pending or approved,
/// not itself merged.
pub fn merge_target(idea: &Idea, into: &Idea) -> Result<(), Refused> {
    if into.id == idea.id {
        return Err(Invalid::new("into", "same_idea"));
    }
    if into.project_id != idea.project_id {
        return Err(Invalid::new("into", "other_project"));
    }
    if !matches!(into.status, Status::Pending | Status::Approved) {
        return Err(Invalid::new("into", "not_open"));
    }
    Ok(())
}

/// The target after a merge: the merged idea's author and coauthors credited (once each).
pub fn merged_into(target: &Idea, merged: &Idea, now: OffsetDateTime) -> Idea {
    let mut coauthors = target.coauthors.clone();
    for who in merged.credited() {
        if *who != target.author_id && !coauthors.contains(who) {
            coauthors.push(who.clone());
        }
    }
    Idea {
        coauthors,
        updated_at: now,
        version: target.version + 1,
        ..target.clone()
    }
}

/// The author's appeal against a rejection: once per idea.
pub fn appeal(
    idea: &Idea,
    author: &Account,
    text: &str,
    now: OffsetDateTime,
) -> Result<Idea, Refused> {
    if idea.author_id != author.id {
        return Err(Invalid::new("idea", "not_author"));
    }
    if idea.status != Status::Rejected {
        return Err(Invalid::new("idea", "not_rejected"));
    }
    if idea.appeal.is_some() {
        return Err(Invalid::new("idea", "already_appealed"));
    }
    let text = clean_text(text, "text", 10, APPEAL_MAX, true)?;
    Ok(Idea {
        appeal: Some(Appeal {
            text,
            filed_at: now,
            decided_by: None,
            decided_at: None,
            upheld: None,
        }),
        queued_at: Some(now),
        updated_at: now,
        version: idea.version + 1,
        ..idea.clone()
    })
}

/// A decision on an appeal, by a moderator other than the one who rejected the idea:
/// `overturn` approves the idea, otherwise the rejection stands.
pub fn decide_appeal(
    idea: &Idea,
    moderator: &Account,
    overturn: bool,
    now: OffsetDateTime,
) -> Result<Idea, Refused> {
    if !is_moderator(moderator) {
        return Err(Invalid::new("moderator", "forbidden"));
    }
    let Some(appeal) = idea.appeal.as_ref().filter(|a| a.open()) else {
        return Err(Invalid::new("idea", "no_open_appeal"));
    };
    if idea.decided_by.as_ref() == Some(&moderator.id) {
        return Err(Invalid::new("moderator", "same_moderator"));
    }
    let mut next = Idea {
        appeal: Some(Appeal {
            decided_by: Some(moderator.id.clone()),
            decided_at: Some(now),
            upheld: Some(overturn),
            ..appeal.clone()
        }),
        queued_at: None,
        mail_due: Some(MailDue {
            mail: Mail::Decided,
            since: now,
        }),
        updated_at: now,
        version: idea.version + 1,
        ..idea.clone()
    };
    if overturn {
        next.status = Status::Approved;
        next.reason = None;
    }
    Ok(next)
}

// ---- Residents: supports, comments ----

/// Whether the resident may support an idea, or withdraw a support, now: during discussion,
/// an approved idea, inside the audience.
pub fn may_support(
    idea: &IdeaHead,
    project: &Project,
    account: &Account,
    now: OffsetDateTime,
) -> Result<(), Refused> {
    if idea.status != Status::Approved {
        return Err(Invalid::new("idea", "not_approved"));
    }
    stage_is(project, now, Stage::Discussion)?;
    participation(project, account)
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    pub text: String,
    /// The top-level comment this replies to.
    #[serde(default)]
    pub parent: Option<String>,
}

/// Whether the resident may comment on an idea: an approved idea of a project under way
/// (proposals to review), and a reply only to a top-level comment of the same idea.
pub fn may_comment(
    idea: &Idea,
    project: &Project,
    account: &Account,
    parent: Option<&Comment>,
    now: OffsetDateTime,
) -> Result<(), Refused> {
    if idea.status != Status::Approved {
        return Err(Invalid::new("idea", "not_approved"));
    }
    if !matches!(
        project.stage(now),
        Stage::Proposals | Stage::Discussion | Stage::Review
    ) {
        return Err(Invalid::new("stage", "comments_closed"));
    }
    participation(project, account)?;
    if let Some(parent) = parent {
        if parent.idea_id != idea.id {
            return Err(Invalid::new("parent", "other_idea"));
        }
        if parent.parent.is_some() {
            return Err(Invalid::new("parent", "too_deep"));
        }
    }
    Ok(())
}

/// A new comment (or a reply to `parent`) of a resident allowed to comment
/// ([`may_comment`]).
pub fn new_comment(
    idea: &Idea,
    author: &Account,
    input: &CommentInput,
    parent: Option<&Comment>,
    now: OffsetDateTime,
) -> Result<Comment, Refused> {
    let text = clean_text(&input.text, "text", 1, COMMENT_MAX, true)?;
    Ok(Comment {
        id: crate::model::CommentId::generate(),
        idea_id: idea.id.clone(),
        author_id: author.id.clone(),
        parent: parent.map(|p| p.id.clone()),
        text,
        created_at: now,
        reports: BTreeSet::new(),
        hidden: false,
        kept: None,
        version: 1,
    })
}

/// A comment after a resident's report: reports count once per resident, and enough of them
/// hide it until a moderator decides (a comment a moderator kept stays shown).
pub fn reported(comment: &Comment, reporter: &AccountId) -> Result<Comment, Refused> {
    if comment.author_id == *reporter {
        return Err(Invalid::new("comment", "own_comment"));
    }
    let mut next = comment.clone();
    if !next.reports.insert(reporter.clone()) {
        return Err(Invalid::new("comment", "already_reported"));
    }
    if next.kept != Some(true) && next.reports.len() >= HIDE_AFTER_REPORTS {
        next.hidden = true;
    }
    next.version += 1;
    Ok(next)
}

// ---- Experts ----

/// The idea put forward to the experts (or taken back) by those who run the project: an
/// approved idea, before the review ends.
pub fn shortlisted(
    idea: &Idea,
    project: &Project,
    account: &Account,
    on: bool,
    now: OffsetDateTime,
) -> Result<Idea, Refused> {
    if !may_manage(account, project) {
        return Err(Invalid::new("project", "not_manager"));
    }
    if idea.status != Status::Approved {
        return Err(Invalid::new("idea", "not_approved"));
    }
    if project.stage(now) >= Stage::Results {
        return Err(Invalid::new("stage", "review_closed"));
    }
    Ok(Idea {
        shortlisted: on,
        updated_at: now,
        version: idea.version + 1,
        ..idea.clone()
    })
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreInput {
    /// One mark from 1 to 5 per criterion code of the project.
    pub marks: BTreeMap<String, u8>,
    #[serde(default)]
    pub note: String,
}

/// An expert's scores of a shortlisted idea during review: a mark of 1 to 5 for every
/// criterion of the project and nothing else.
pub fn score(
    idea: &Idea,
    project: &Project,
    expert: &Account,
    input: &ScoreInput,
    now: OffsetDateTime,
) -> Result<Score, Refused> {
    if !project.experts.contains(&expert.id) || !expert.has_role(Role::Expert) {
        return Err(Invalid::new("expert", "not_an_expert"));
    }
    stage_is(project, now, Stage::Review)?;
    if !idea.shortlisted || idea.status != Status::Approved {
        return Err(Invalid::new("idea", "not_shortlisted"));
    }
    let mut marks = BTreeMap::new();
    for criterion in &project.criteria {
        let mark = *input
            .marks
            .get(&criterion.code)
            .ok_or(Invalid::new("marks", "missing_mark"))?;
        if !(1..=5).contains(&mark) {
            return Err(Invalid::new("marks", "out_of_range"));
        }
        marks.insert(criterion.code.clone(), mark);
    }
    if input.marks.len() != marks.len() {
        return Err(Invalid::new("marks", "unknown_criterion"));
    }
    let note = clean_text(&input.note, "note", 0, NOTE_MAX, true)?;
    Ok(Score {
        project_id: idea.project_id.clone(),
        idea_id: idea.id.clone(),
        expert_id: expert.id.clone(),
        marks,
        note,
        at: now,
    })
}

/// One shortlisted idea in the experts' ranking.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranked {
    pub idea: crate::model::IdeaId,
    pub supports: u64,
    /// The mean of the experts' mean marks (`None` before any expert scored it).
    pub score: Option<f64>,
    pub experts: usize,
    /// The spread of the experts' mean marks (standard deviation; 0 when they agree).
    pub spread: Option<f64>,
}

/// The ranking of shortlisted ideas by the experts' score, then by supports.
pub fn ranking(ideas: &[Idea], scores: &[Score]) -> Vec<Ranked> {
    let mut out: Vec<Ranked> = ideas
        .iter()
        .map(|idea| {
            let means: Vec<f64> = scores
                .iter()
                .filter(|s| s.idea_id == idea.id)
                .map(Score::mean)
                .collect();
            let n = means.len();
            let (score, spread) = if n == 0 {
                (None, None)
            } else {
                let mean = means.iter().sum::<f64>() / n as f64;
                let var = means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / n as f64;
                (Some(mean), Some(var.sqrt()))
            };
            Ranked {
                idea: idea.id.clone(),
                supports: idea.supports,
                score,
                experts: n,
                spread,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .unwrap_or(-1.0)
            .total_cmp(&a.score.unwrap_or(-1.0))
            .then(b.supports.cmp(&a.supports))
            .then(a.idea.cmp(&b.idea))
    });
    out
}

/// How much the experts agree on the order of the ideas they all scored: Kendall's
/// coefficient of concordance W, from 0 (no agreement) to 1 (the same order). `None` with
/// fewer than two experts or two ideas scored by all.
pub fn agreement(scores: &[Score]) -> Option<f64> {
    let experts: BTreeSet<&AccountId> = scores.iter().map(|s| &s.expert_id).collect();
    let mut by_idea: BTreeMap<&crate::model::IdeaId, BTreeMap<&AccountId, f64>> = BTreeMap::new();
    for s in scores {
        by_idea
            .entry(&s.idea_id)
            .or_default()
            .insert(&s.expert_id, s.mean());
    }
    let ideas: Vec<_> = by_idea
        .iter()
        .filter(|(_, marks)| marks.len() == experts.len())
        .collect();
    let (m, n) = (experts.len(), ideas.len());
    if m < 2 || n < 2 {
        return None;
    }
    // Each expert's ranks of the ideas (ties share the mean rank).
    let mut rank_sums = vec![0.0_f64; n];
    let mut ties = 0.0_f64;
    for expert in &experts {
        let values: Vec<f64> = ideas.iter().map(|(_, marks)| marks[*expert]).collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
        let mut i = 0;
        while i < n {
            let mut j = i;
            while j + 1 < n && values[order[j + 1]] == values[order[i]] {
                j += 1;
            }
            let rank = (i + j) as f64 / 2.0 + 1.0;
            for &k in &order[i..=j] {
                rank_sums[k] += rank;
            }
            let t = (j - i + 1) as f64;
            ties += t * t * t - t;
            i = j + 1;
        }
    }
    let (m, n) = (m as f64, n as f64);
    let mean = rank_sums.iter().sum::<f64>() / n;
    let s: f64 = rank_sums.iter().map(|r| (r - mean).powi(2)).sum();
    let denominator = m * m * (n * n * n - n) - m * ties;
    if denominator <= 0.0 {
        // Every expert gave every idea the same mark: they agree on no order at all.
        return Some(0.0);
    }
    Some((12.0 * s / denominator).clamp(0.0, 1.0))
}

// ---- Results ----

/// The next outcome of an idea after the results: approved ideas become accepted, then in
/// work, then done; never back.
pub fn advance(
    idea: &Idea,
    project: &Project,
    outcome: Outcome,
    text: &str,
    now: OffsetDateTime,
) -> Result<Idea, Refused> {
    stage_is(project, now, Stage::Results)?;
    if idea.status != Status::Approved {
        return Err(Invalid::new("idea", "not_approved"));
    }
    if idea.outcome.is_some_and(|o| o >= outcome) {
        return Err(Invalid::new("outcome", "not_forward"));
    }
    let text = clean_text(text, "text", 0, UPDATE_MAX, true)?;
    let mut updates = idea.updates.clone();
    updates.push(Update {
        at: now,
        outcome,
        text,
    });
    Ok(Idea {
        outcome: Some(outcome),
        updates,
        mail_due: Some(MailDue {
            mail: Mail::Outcome,
            since: now,
        }),
        updated_at: now,
        version: idea.version + 1,
        ..idea.clone()
    })
}

/// The district recorded with a new idea: its author's.
pub fn idea_district(author: &Account) -> DistrictId {
    author.district_id.clone()
}

mod announce;
pub use announce::*;

#[cfg(test)]
mod tests;
