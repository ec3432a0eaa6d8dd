use std::collections::BTreeSet;

use time::{Duration, OffsetDateTime};
use veche_core::accounts::model::{Account, Role};
use veche_core::id::{AccountId, DistrictId, OrganisationId};
use veche_core::testing::account;

use super::*;
use crate::model::{Comment, Idea, IdeaId, Label, Project, ProjectId, Schedule};

fn t0() -> OffsetDateTime {
    time::macros::datetime!(2026-12-01 09:00 UTC)
}

fn with_roles(name: &str, roles: &[Role]) -> Account {
    Account {
        roles: roles.iter().copied().chain([Role::Resident]).collect(),
        organisation_id: Some(OrganisationId::from_trusted("org".into())),
        ..account(&format!("{name}@example.org"), name)
    }
}

fn resident() -> Account {
    account("anna@example.org", "Анна")
}

/// A published project: proposals from t0 + 1 day, discussion + 10, review + 20, results + 30.
fn project() -> Project {
    let at = |days| t0() + Duration::days(days);
    Project {
        id: ProjectId::generate(),
        title: "Парки района".into(),
        description: String::new(),
        topics: vec![Label {
            code: "parks".into(),
            name: "Парки".into(),
        }],
        criteria: vec![
            Label {
                code: "benefit".into(),
                name: "Польза".into(),
            },
            Label {
                code: "cost".into(),
                name: "Стоимость".into(),
            },
        ],
        audience: Audience::City,
        schedule: Schedule {
            proposals: at(1),
            discussion: at(10),
            review: at(20),
            results: at(30),
        },
        organisation_id: Some(OrganisationId::from_trusted("org".into())),
        experts: BTreeSet::new(),
        published: true,
        announced: None,
        created_by: AccountId::generate(),
        created_at: t0(),
        updated_at: t0(),
        version: 1,
    }
}

fn during(stage: Stage) -> OffsetDateTime {
    let p = project();
    p.schedule.begins(stage).unwrap_or(t0()) + Duration::hours(1)
}

fn idea(project: &Project, author: &Account) -> Idea {
    let fields = IdeaFields {
        title: "Скамейки у пруда".into(),
        body: "Поставить скамейки вдоль пруда, сесть негде.".into(),
        topic: "parks".into(),
    };
    new_idea(project, author, fields, t0())
}

/// A new idea of the author's, approved.
fn approved(project: &Project, author: &Account) -> Idea {
    Idea {
        status: Status::Approved,
        ..idea(project, author)
    }
}

fn input(title: &str, body: &str, topic: &str) -> IdeaInput {
    IdeaInput {
        title: title.into(),
        body: body.into(),
        topic: topic.into(),
        image: None,
    }
}

#[test]
fn the_stage_follows_the_clock() {
    let p = project();
    assert_eq!(p.stage(t0()), Stage::Upcoming);
    for stage in [
        Stage::Proposals,
        Stage::Discussion,
        Stage::Review,
        Stage::Results,
    ] {
        assert_eq!(p.stage(during(stage)), stage);
        // The stage ends at its successor's start, to the second.
        if let Some(start) = p.schedule.begins(stage) {
            assert_ne!(p.stage(start - Duration::seconds(1)), stage);
        }
    }
    let draft = Project {
        published: false,
        ..project()
    };
    assert_eq!(draft.stage(during(Stage::Discussion)), Stage::Draft);
}

#[test]
fn an_idea_is_bounded_and_in_a_topic_of_the_project() {
    let p = project();
    let ok = idea_fields(
        &input(
            "  Скамейки у пруда ",
            "Поставить скамейки вдоль пруда.",
            "parks",
        ),
        &p,
    );
    assert_eq!(ok.map(|f| f.title), Ok("Скамейки у пруда".to_string()));
    let long_title = "я".repeat(TITLE_MAX + 1);
    let cases = [
        (
            input("", "Поставить скамейки вдоль пруда.", "parks"),
            ("title", "required"),
        ),
        (
            input(&long_title, "Поставить скамейки вдоль пруда.", "parks"),
            ("title", "too_long"),
        ),
        (input("Скамейки", "Коротко", "parks"), ("body", "too_short")),
        (
            input("Скамейки", &"т".repeat(BODY_MAX + 1), "parks"),
            ("body", "too_long"),
        ),
        (
            input("Скамейки", "Поставить скамейки вдоль пруда.", "roads"),
            ("topic", "unknown_topic"),
        ),
        (
            input("Ска\u{7}мейки", "Поставить скамейки вдоль пруда.", "parks"),
            ("title", "invalid_characters"),
        ),
    ];
    for (bad, (field, code)) in cases {
        assert_eq!(idea_fields(&bad, &p), Err(Invalid::new(field, code)));
    }
    // 140 characters exactly is fine, counted as characters, not bytes.
    let max = "я".repeat(TITLE_MAX);
    assert!(idea_fields(&input(&max, "Поставить скамейки вдоль пруда.", "parks"), &p).is_ok());
}

#[test]
fn ideas_are_submitted_during_proposals_by_the_audience_only() {
    let mut p = project();
    let anna = resident();
    assert_eq!(
        may_submit(&p, &anna, t0()),
        Err(Invalid::new("stage", "proposals_closed"))
    );
    assert!(may_submit(&p, &anna, during(Stage::Proposals)).is_ok());
    assert_eq!(
        may_submit(&p, &anna, during(Stage::Discussion)),
        Err(Invalid::new("stage", "proposals_closed"))
    );
    p.audience = Audience::Districts {
        districts: BTreeSet::from([DistrictId::from_trusted("elsewhere".into())]),
    };
    assert_eq!(
        may_submit(&p, &anna, during(Stage::Proposals)),
        Err(Invalid::new("project", "not_in_audience"))
    );
    p.audience = Audience::Invited {
        accounts: BTreeSet::from([anna.id.clone()]),
    };
    assert!(may_submit(&p, &anna, during(Stage::Proposals)).is_ok());
}

#[test]
fn the_author_edits_until_moderated_and_a_sent_back_idea_returns_to_the_queue() {
    let p = project();
    let anna = resident();
    let other = account("boris@example.org", "Борис");
    let moderator = with_roles("mod", &[Role::Moderator]);
    let now = during(Stage::Proposals);
    let mine = idea(&p, &anna);
    assert!(may_edit(&mine, &p, &anna, now).is_ok());
    assert_eq!(
        may_edit(&mine, &p, &other, now),
        Err(Invalid::new("idea", "not_author"))
    );
    let approved = decide(&mine, &Decision::Approve, &moderator, now).unwrap();
    assert_eq!(
        may_edit(&approved, &p, &anna, now),
        Err(Invalid::new("idea", "already_moderated"))
    );
    let back = decide(
        &mine,
        &Decision::SendBack {
            note: "Уточните место".into(),
        },
        &moderator,
        now,
    )
    .unwrap();
    assert_eq!(back.status, Status::ChangesRequested);
    assert!(may_edit(&back, &p, &anna, now).is_ok());
    let fields = idea_fields(
        &input(
            "Скамейки у Большого пруда",
            "Поставить скамейки вдоль Большого пруда.",
            "parks",
        ),
        &p,
    )
    .unwrap();
    assert!(mine.awaits_moderation(), "a new idea waits for a moderator");
    assert_eq!(mine.queued_at, Some(t0()));
    assert!(
        !back.awaits_moderation(),
        "sent back, it waits for its author"
    );
    let later = now + Duration::hours(2);
    let edited = edited(&back, fields.clone(), later);
    assert_eq!(edited.status, Status::Pending);
    assert_eq!(edited.version, back.version + 1);
    assert_eq!(
        edited.queued_at,
        Some(later),
        "a resubmission joins the end of the queue"
    );
    let touched_up = super::edited(&mine, fields, later);
    assert_eq!(
        touched_up.queued_at, mine.queued_at,
        "an edit while pending keeps its place in the queue"
    );
}

#[test]
fn decisions_need_a_moderator_and_a_pending_idea() {
    let p = project();
    let anna = resident();
    let moderator = with_roles("mod", &[Role::Moderator]);
    let now = during(Stage::Proposals);
    let pending = idea(&p, &anna);
    assert_eq!(
        decide(&pending, &Decision::Approve, &anna, now),
        Err(Invalid::new("moderator", "forbidden"))
    );
    let rejected = decide(
        &pending,
        &Decision::Reject {
            reason: Reason::OffTopic,
            note: "Не о парках".into(),
        },
        &moderator,
        now,
    )
    .unwrap();
    assert_eq!(rejected.status, Status::Rejected);
    assert_eq!(rejected.reason, Some(Reason::OffTopic));
    assert_eq!(rejected.decided_by, Some(moderator.id.clone()));
    assert_eq!(
        decide(&rejected, &Decision::Approve, &moderator, now),
        Err(Invalid::new("idea", "already_decided"))
    );
}

#[test]
fn decision_forms_are_parsed_with_their_required_parts() {
    let form = |action: &str, reason: Option<&str>, note: Option<&str>, into: Option<&str>| {
        DecisionInput {
            action: action.into(),
            reason: reason.map(str::to_string),
            note: note.map(str::to_string),
            into: into.map(str::to_string),
        }
    };
    assert_eq!(
        decision_parts(&form("reject", None, None, None)),
        Err(Invalid::new("reason", "required"))
    );
    assert_eq!(
        decision_parts(&form("reject", Some("spam"), None, None)),
        Err(Invalid::new("reason", "required"))
    );
    assert_eq!(
        decision_parts(&form(
            "reject",
            Some("abusive"),
            Some(" оскорбления "),
            None
        )),
        Ok(("reject", Some(Reason::Abusive), "оскорбления".to_string()))
    );
    assert_eq!(
        decision_parts(&form("send_back", None, Some("  "), None)),
        Err(Invalid::new("note", "required"))
    );
    assert_eq!(
        decision_parts(&form("merge", None, None, None)),
        Err(Invalid::new("into", "required"))
    );
    assert_eq!(
        decision_parts(&form("delete", None, None, None)),
        Err(Invalid::new("action", "invalid"))
    );
}

#[test]
fn a_merge_stays_in_the_project_and_credits_every_author_once() {
    let p = project();
    let other_project = project();
    let anna = resident();
    let boris = account("boris@example.org", "Борис");
    let moderator = with_roles("mod", &[Role::Moderator]);
    let now = during(Stage::Proposals);
    let first = approved(&p, &anna);
    let duplicate = idea(&p, &boris);
    let merge = |into: &Idea| Decision::Merge {
        into: Box::new(into.clone()),
    };
    assert_eq!(
        decide(&duplicate, &merge(&duplicate), &moderator, now),
        Err(Invalid::new("into", "same_idea"))
    );
    assert_eq!(
        decide(
            &duplicate,
            &merge(&idea(&other_project, &anna)),
            &moderator,
            now
        ),
        Err(Invalid::new("into", "other_project"))
    );
    let rejected = Idea {
        status: Status::Rejected,
        ..idea(&p, &anna)
    };
    assert_eq!(
        decide(&duplicate, &merge(&rejected), &moderator, now),
        Err(Invalid::new("into", "not_open"))
    );
    let merged = decide(&duplicate, &merge(&first), &moderator, now).unwrap();
    assert_eq!(merged.status, Status::Merged);
    assert_eq!(merged.merged_into, Some(first.id.clone()));
    let target = merged_into(&first, &merged, now);
    assert_eq!(target.coauthors, vec![boris.id.clone()]);
    // Merging another idea of Boris's, or one of Anna's own, credits nobody twice.
    let again = merged_into(&target, &idea(&p, &boris), now);
    let own = merged_into(&again, &idea(&p, &anna), now);
    assert_eq!(own.coauthors, vec![boris.id.clone()]);
    let credited: Vec<&AccountId> = own.credited().collect();
    assert_eq!(credited, vec![&anna.id, &boris.id]);
}

#[test]
fn an_appeal_is_filed_once_and_decided_by_another_moderator() {
    let p = project();
    let anna = resident();
    let first = with_roles("first", &[Role::Moderator]);
    let second = with_roles("second", &[Role::Moderator]);
    let now = during(Stage::Proposals);
    let pending = idea(&p, &anna);
    assert_eq!(
        appeal(&pending, &anna, "Это по теме проекта", now),
        Err(Invalid::new("idea", "not_rejected"))
    );
    let rejected = decide(
        &pending,
        &Decision::Reject {
            reason: Reason::OffTopic,
            note: String::new(),
        },
        &first,
        now,
    )
    .unwrap();
    assert_eq!(
        appeal(&rejected, &first, "Это по теме проекта", now),
        Err(Invalid::new("idea", "not_author"))
    );
    let appealed = appeal(&rejected, &anna, "Это по теме проекта", now).unwrap();
    assert!(appealed.awaits_moderation());
    assert_eq!(
        appeal(&appealed, &anna, "Ещё раз прошу", now),
        Err(Invalid::new("idea", "already_appealed"))
    );
    assert_eq!(
        decide_appeal(&appealed, &first, true, now),
        Err(Invalid::new("moderator", "same_moderator"))
    );
    let overturned = decide_appeal(&appealed, &second, true, now).unwrap();
    assert_eq!(overturned.status, Status::Approved);
    assert!(!overturned.awaits_moderation());
    assert_eq!(
        decide_appeal(&overturned, &second, false, now),
        Err(Invalid::new("idea", "no_open_appeal"))
    );
    assert!(!rejected.awaits_moderation());
    assert_eq!(appealed.queued_at, Some(now), "an appeal joins the queue");
    let upheld = decide_appeal(&appealed, &second, false, now).unwrap();
    assert!(!upheld.awaits_moderation());
    assert_eq!(upheld.status, Status::Rejected);
    assert_eq!(upheld.appeal.and_then(|a| a.upheld), Some(false));
}

#[test]
fn supports_are_for_approved_ideas_during_discussion() {
    let p = project();
    let anna = resident();
    let pending = idea(&p, &anna);
    let approved = Idea {
        status: Status::Approved,
        ..pending.clone()
    };
    assert_eq!(
        may_support(&pending.head(), &p, &anna, during(Stage::Discussion)),
        Err(Invalid::new("idea", "not_approved"))
    );
    assert!(may_support(&approved.head(), &p, &anna, during(Stage::Discussion)).is_ok());
    assert_eq!(
        may_support(&approved.head(), &p, &anna, during(Stage::Review)),
        Err(Invalid::new("stage", "supports_closed"))
    );
}

fn comment(idea: &Idea, author: &Account, parent: Option<&Comment>) -> Comment {
    let input = CommentInput {
        text: "Поддерживаю".into(),
        parent: None,
    };
    new_comment(idea, author, &input, parent, t0()).expect("a valid comment")
}

#[test]
fn replies_go_one_level_deep_and_three_reports_hide_a_comment() {
    let p = project();
    let anna = resident();
    let approved = approved(&p, &anna);
    let now = during(Stage::Discussion);
    let top = comment(&approved, &anna, None);
    let reply = comment(&approved, &anna, Some(&top));
    assert!(may_comment(&approved, &p, &anna, Some(&top), now).is_ok());
    assert_eq!(
        may_comment(&approved, &p, &anna, Some(&reply), now),
        Err(Invalid::new("parent", "too_deep"))
    );
    assert_eq!(
        may_comment(&approved, &p, &anna, None, during(Stage::Results)),
        Err(Invalid::new("stage", "comments_closed"))
    );

    let reporters: Vec<Account> = (0..3)
        .map(|i| account(&format!("r{i}@example.org"), "Житель"))
        .collect();
    assert_eq!(
        reported(&top, &anna.id),
        Err(Invalid::new("comment", "own_comment"))
    );
    let once = reported(&top, &reporters[0].id).unwrap();
    assert_eq!(
        reported(&once, &reporters[0].id),
        Err(Invalid::new("comment", "already_reported"))
    );
    let twice = reported(&once, &reporters[1].id).unwrap();
    assert!(!twice.hidden);
    let thrice = reported(&twice, &reporters[2].id).unwrap();
    assert!(thrice.hidden);
    // A comment a moderator kept is not hidden again by more reports.
    let kept = Comment {
        kept: Some(true),
        hidden: false,
        ..twice
    };
    assert!(!reported(&kept, &reporters[2].id).unwrap().hidden);
}

#[test]
fn experts_score_shortlisted_ideas_on_every_criterion() {
    let mut p = project();
    let anna = resident();
    let expert = with_roles("expert", &[Role::Expert]);
    let shortlisted = Idea {
        shortlisted: true,
        ..approved(&p, &anna)
    };
    let now = during(Stage::Review);
    let marks = |pairs: &[(&str, u8)]| ScoreInput {
        marks: pairs.iter().map(|(c, m)| (c.to_string(), *m)).collect(),
        note: String::new(),
    };
    let good = marks(&[("benefit", 5), ("cost", 3)]);
    assert_eq!(
        score(&shortlisted, &p, &expert, &good, now),
        Err(Invalid::new("expert", "not_an_expert"))
    );
    p.experts.insert(expert.id.clone());
    let scored = score(&shortlisted, &p, &expert, &good, now).unwrap();
    assert_eq!(scored.mean(), 4.0);
    let cases = [
        (marks(&[("benefit", 5)]), ("marks", "missing_mark")),
        (
            marks(&[("benefit", 6), ("cost", 3)]),
            ("marks", "out_of_range"),
        ),
        (
            marks(&[("benefit", 0), ("cost", 3)]),
            ("marks", "out_of_range"),
        ),
        (
            marks(&[("benefit", 5), ("cost", 3), ("beauty", 4)]),
            ("marks", "unknown_criterion"),
        ),
    ];
    for (bad, (field, code)) in cases {
        assert_eq!(
            score(&shortlisted, &p, &expert, &bad, now),
            Err(Invalid::new(field, code))
        );
    }
    let not_shortlisted = Idea {
        shortlisted: false,
        ..shortlisted.clone()
    };
    assert_eq!(
        score(&not_shortlisted, &p, &expert, &good, now),
        Err(Invalid::new("idea", "not_shortlisted"))
    );
    assert_eq!(
        score(&shortlisted, &p, &expert, &good, during(Stage::Results)),
        Err(Invalid::new("stage", "review_closed"))
    );
}

fn scored(idea: &Idea, expert: &AccountId, mark: u8) -> Score {
    Score {
        project_id: idea.project_id.clone(),
        idea_id: idea.id.clone(),
        expert_id: expert.clone(),
        marks: [("benefit".to_string(), mark)].into(),
        note: String::new(),
        at: t0(),
    }
}

#[test]
fn the_ranking_orders_by_score_then_supports_and_shows_agreement() {
    let p = project();
    let anna = resident();
    let ideas: Vec<Idea> = [10, 50, 30]
        .into_iter()
        .map(|supports| Idea {
            supports,
            ..idea(&p, &anna)
        })
        .collect();
    let (e1, e2) = (AccountId::generate(), AccountId::generate());
    // Both experts: idea 0 best, then 1, then 2.
    let agree: Vec<Score> = [(0, 5), (1, 3), (2, 1)]
        .iter()
        .flat_map(|&(i, m)| [scored(&ideas[i], &e1, m), scored(&ideas[i], &e2, m)])
        .collect();
    let ranked = ranking(&ideas, &agree);
    let order: Vec<&IdeaId> = ranked.iter().map(|r| &r.idea).collect();
    assert_eq!(order, vec![&ideas[0].id, &ideas[1].id, &ideas[2].id]);
    assert_eq!(ranked[0].spread, Some(0.0));
    assert_eq!(agreement(&agree), Some(1.0));

    // Opposite orders: no agreement; an unscored idea ranks last, ties broken by supports.
    let oppose = vec![
        scored(&ideas[0], &e1, 5),
        scored(&ideas[1], &e1, 1),
        scored(&ideas[0], &e2, 1),
        scored(&ideas[1], &e2, 5),
    ];
    assert_eq!(agreement(&oppose), Some(0.0));
    let ranked = ranking(&ideas, &oppose);
    assert_eq!(
        ranked[0].idea, ideas[1].id,
        "equal scores: more supports first"
    );
    assert_eq!(ranked[2].score, None);
    assert_eq!(ranked[0].spread, Some(2.0));
    assert_eq!(
        agreement(&oppose[..2]),
        None,
        "one expert agrees with nobody"
    );
}

#[test]
fn outcomes_only_move_forward_after_the_results() {
    let p = project();
    let anna = resident();
    let approved = approved(&p, &anna);
    let now = during(Stage::Results);
    assert_eq!(
        advance(&approved, &p, Outcome::Accepted, "", during(Stage::Review)),
        Err(Invalid::new("stage", "wrong_stage"))
    );
    let accepted = advance(&approved, &p, Outcome::Accepted, "", now).unwrap();
    let in_work = advance(&accepted, &p, Outcome::InWork, "Подрядчик выбран", now).unwrap();
    assert_eq!(in_work.updates.len(), 2);
    assert_eq!(in_work.updates[1].text, "Подрядчик выбран");
    assert_eq!(
        advance(&in_work, &p, Outcome::Accepted, "", now),
        Err(Invalid::new("outcome", "not_forward"))
    );
    let rejected = Idea {
        status: Status::Rejected,
        ..idea(&p, &anna)
    };
    assert_eq!(
        advance(&rejected, &p, Outcome::Accepted, "", now),
        Err(Invalid::new("idea", "not_approved"))
    );
}

#[test]
fn projects_need_topics_a_known_audience_and_stages_in_order() {
    let directory = veche_core::districts::Directory::default();
    let at = |days| t0() + Duration::days(days);
    let base = ProjectInput {
        title: "Парки района".into(),
        description: String::new(),
        topics: vec![LabelInput {
            code: "parks".into(),
            name: "Парки".into(),
        }],
        criteria: Vec::new(),
        audience: "city".into(),
        districts: Vec::new(),
        invited: Vec::new(),
        proposals: at(1),
        discussion: at(10),
        review: at(20),
        results: at(30),
    };
    assert!(project_fields(&base, &directory).is_ok());
    let bad = |change: &dyn Fn(&mut ProjectInput)| {
        let mut input = base.clone();
        change(&mut input);
        project_fields(&input, &directory).err()
    };
    assert_eq!(
        bad(&|i| i.topics.clear()),
        Some(Invalid::new("topics", "required"))
    );
    assert_eq!(
        bad(&|i| i.topics.push(i.topics[0].clone())),
        Some(Invalid::new("topics", "duplicate_code"))
    );
    assert_eq!(
        bad(&|i| i.topics[0].code = "Парки".into()),
        Some(Invalid::new("topics", "invalid_code"))
    );
    assert_eq!(
        bad(&|i| i.review = i.discussion),
        Some(Invalid::new("schedule", "out_of_order"))
    );
    assert_eq!(
        bad(&|i| {
            i.audience = "districts".into();
            i.districts = vec!["nowhere".into()];
        }),
        Some(Invalid::new("districts", "unknown_district"))
    );
    assert_eq!(
        bad(&|i| i.audience = "everyone".into()),
        Some(Invalid::new("audience", "invalid"))
    );
    assert_eq!(
        bad(&|i| i.audience = "invited".into()),
        Some(Invalid::new("invited", "required"))
    );
}

#[test]
fn those_who_run_a_project_shortlist_approved_ideas_until_the_results() {
    let p = project();
    let anna = resident();
    let official = with_roles("official", &[Role::Official]);
    let moderator = with_roles("moderator", &[Role::Moderator]);
    let now = during(Stage::Discussion);
    let pending = idea(&p, &anna);
    assert_eq!(
        shortlisted(&pending, &p, &official, true, now),
        Err(Invalid::new("idea", "not_approved"))
    );
    let approved = decide(&pending, &Decision::Approve, &moderator, now).unwrap();
    assert_eq!(
        shortlisted(&approved, &p, &anna, true, now),
        Err(Invalid::new("project", "not_manager"))
    );
    let on = shortlisted(&approved, &p, &official, true, now).unwrap();
    assert!(on.shortlisted);
    assert_eq!(on.version, approved.version + 1);
    assert!(
        !shortlisted(&on, &p, &official, false, now)
            .unwrap()
            .shortlisted
    );
    assert_eq!(
        shortlisted(&approved, &p, &official, true, during(Stage::Results)),
        Err(Invalid::new("stage", "review_closed"))
    );
}

#[test]
fn decisions_and_outcomes_owe_an_email_until_it_is_queued() {
    let p = project();
    let anna = resident();
    let moderator = with_roles("moderator", &[Role::Moderator]);
    let submitted = idea(&p, &anna);
    assert_eq!(submitted.mail_due, None, "nobody is told of a submission");
    let now = during(Stage::Proposals);
    let approved = decide(&submitted, &Decision::Approve, &moderator, now).unwrap();
    assert_eq!(
        approved.mail_due,
        Some(MailDue {
            mail: Mail::Decided,
            since: now
        })
    );
    let later = during(Stage::Results);
    let accepted = advance(&approved, &p, Outcome::Accepted, "", later).unwrap();
    assert_eq!(accepted.mail_due.map(|m| m.mail), Some(Mail::Outcome));
}

#[test]
fn a_stage_is_announced_once_when_it_begins_and_only_the_current_one() {
    use crate::model::Stage;
    let now = time::OffsetDateTime::now_utc();
    let day = time::Duration::days(1);
    let at = |stages: [i32; 4]| Project {
        schedule: crate::model::Schedule {
            proposals: now + day * stages[0],
            discussion: now + day * stages[1],
            review: now + day * stages[2],
            results: now + day * stages[3],
        },
        ..project()
    };
    // Proposals are not announced (residents learn of a project where they find it).
    assert_eq!(stage_to_announce(&at([-1, 1, 2, 3]), now), None);
    let discussion = at([-2, -1, 1, 2]);
    assert_eq!(stage_to_announce(&discussion, now), Some(Stage::Discussion));
    let told = announced(&discussion, Stage::Discussion, now);
    assert_eq!(told.version, discussion.version + 1);
    assert_eq!(stage_to_announce(&told, now), None, "once");
    // Review and results follow; a stage passed unannounced is skipped for the current one.
    let results = Project {
        schedule: at([-4, -3, -2, -1]).schedule,
        ..told
    };
    assert_eq!(stage_to_announce(&results, now), Some(Stage::Results));
    let draft = Project {
        published: false,
        ..discussion
    };
    assert_eq!(
        stage_to_announce(&draft, now),
        None,
        "a draft has no participants"
    );
}
