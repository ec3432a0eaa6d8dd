//! The ideas' use cases end to end on a real platform (accounts, audit log, notifications),
//! on SQLite and on MongoDB.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use time::Duration;
use veche_core::accounts::model::{Account, Role};
use veche_core::clock;
use veche_core::id::{AccountId, OrganisationId};
use veche_core::platform::Platform;
use veche_core::storage::Backend;
use veche_core::testing::notify::Recorder;
use veche_core::testing::server::{platform_on, user, user_with, PlatformSpec, UserSpec};
use veche_ideas::log::Action;
use veche_ideas::model::{
    Comment, CommentId, Idea, IdeaId, Outcome, Project, ProjectId, Reason, Schedule, Status,
};
use veche_ideas::rules::{
    CommentInput, DecisionInput, IdeaInput, LabelInput, ProjectInput, ScoreInput,
};
use veche_ideas::service::{self, IdeaError, Ideas, IdeasConfig, ListRequest};
use veche_ideas::store as idea_store;

struct World {
    platform: Arc<Platform>,
    ideas: Ideas,
    mail: Arc<Recorder>,
    official: Account,
    moderator: Account,
    other_moderator: Account,
}

async fn world(backend: Backend) -> World {
    let mail = Arc::new(Recorder::default());
    let platform = platform_on(backend.clone(), PlatformSpec::default(), mail.clone()).await;
    let store = idea_store::open(&backend).await.unwrap();
    let ideas = Ideas::new(store, IdeasConfig::default());
    let org = OrganisationId::from_trusted("org-parks".into());
    let official = user_with(
        &platform,
        &[Role::Official],
        UserSpec {
            organisation: Some(org),
            ..UserSpec::default()
        },
    )
    .await
    .account;
    let moderator = user(&platform, &[Role::Moderator]).await.account;
    let other_moderator = user(&platform, &[Role::Moderator]).await.account;
    World {
        platform,
        ideas,
        mail,
        official,
        moderator,
        other_moderator,
    }
}

impl World {
    /// `author`'s idea in `project`, submitted (pending).
    async fn submit(&self, author: &Account, project: &Project, title: &str, body: &str) -> Idea {
        service::submit(&self.ideas, author, &project.id, &idea_input(title, body))
            .await
            .unwrap()
    }

    /// A new resident, no roles.
    async fn resident(&self) -> Account {
        user(&self.platform, &[]).await.account
    }

    /// A new resident and their idea `(title, body)` in `project`, submitted (pending).
    async fn resident_idea(
        &self,
        project: &Project,
        (title, body): (&str, &str),
    ) -> (Account, Idea) {
        let author = self.resident().await;
        let idea = self.submit(&author, project, title, body).await;
        (author, idea)
    }

    /// The official's setting of `project`'s experts (on any version).
    async fn set_experts(
        &self,
        project: &ProjectId,
        experts: &[AccountId],
    ) -> Result<Project, IdeaError> {
        let (platform, official) = (&self.platform, &self.official);
        service::set_experts(platform, &self.ideas, official, project, None, experts).await
    }

    /// A moderator's decision on the idea `id`, made on `version`.
    async fn decide(
        &self,
        moderator: &Account,
        id: &IdeaId,
        version: Option<u64>,
        input: &DecisionInput,
    ) -> Result<Idea, IdeaError> {
        service::decide(&self.platform, &self.ideas, moderator, id, version, input).await
    }

    /// `author`'s comment on the idea `id` (a reply to `parent`).
    async fn comment(
        &self,
        author: &Account,
        id: &IdeaId,
        text: &str,
        parent: Option<&CommentId>,
    ) -> Result<Comment, IdeaError> {
        let input = CommentInput {
            text: text.into(),
            parent: parent.map(CommentId::to_string),
        };
        service::comment(&self.ideas, author, id, &input).await
    }

    /// `project` as stored, its schedule changed by `change` straight in the store (the clock
    /// is the store's; an edit may not move a stage that began).
    async fn reschedule(&self, project: &Project, change: impl FnOnce(&mut Schedule)) -> Project {
        let stored = self
            .ideas
            .store()
            .project(&project.id)
            .await
            .unwrap()
            .unwrap();
        let mut moved = Project {
            version: stored.version + 1,
            ..stored.clone()
        };
        change(&mut moved.schedule);
        assert!(self
            .ideas
            .store()
            .replace_project(&moved, stored.version)
            .await
            .unwrap());
        moved
    }
}

/// A project input whose proposals opened `opened` ago and whose later stages follow a day
/// apart.
fn project_input(opened: Duration) -> ProjectInput {
    let start = clock::now() - opened;
    let day = Duration::days(1);
    ProjectInput {
        title: "Парки района".into(),
        description: "Что улучшить в парках".into(),
        topics: vec![LabelInput {
            code: "parks".into(),
            name: "Парки".into(),
        }],
        criteria: vec![
            LabelInput {
                code: "benefit".into(),
                name: "Польза".into(),
            },
            LabelInput {
                code: "cost".into(),
                name: "Стоимость".into(),
            },
        ],
        audience: "city".into(),
        districts: Vec::new(),
        invited: Vec::new(),
        proposals: start,
        discussion: start + day,
        review: start + day * 2,
        results: start + day * 3,
    }
}

/// A published project; its proposals opened an hour ago.
async fn open_project(w: &World) -> Project {
    let draft = service::create_project(
        &w.platform,
        &w.ideas,
        &w.official,
        &project_input(Duration::hours(-1)),
    )
    .await
    .unwrap();
    // Schedule it in the past through the store (an edit may not start a stage that began).
    w.reschedule(&draft, |s| s.proposals = clock::now() - Duration::hours(1))
        .await;
    service::publish_project(&w.platform, &w.ideas, &w.official, &draft.id, None)
        .await
        .unwrap()
}

/// An idea asking for benches: `(title, body)`.
const BENCHES: (&str, &str) = (
    "Скамейки у пруда",
    "Поставить скамейки вдоль пруда, сесть негде.",
);

/// An idea asking for a skating rink: `(title, body)`.
const RINK: (&str, &str) = (
    "Каток в парке",
    "Залить каток в парке зимой для всех жителей.",
);

fn idea_input(title: &str, body: &str) -> IdeaInput {
    IdeaInput {
        title: title.into(),
        body: body.into(),
        topic: "parks".into(),
        image: None,
    }
}

fn reject(reason: &str, note: &str) -> DecisionInput {
    DecisionInput {
        action: "reject".into(),
        reason: Some(reason.into()),
        note: Some(note.into()),
        into: None,
    }
}

fn approve() -> DecisionInput {
    DecisionInput {
        action: "approve".into(),
        ..DecisionInput::default()
    }
}

/// Moves the project's stages so that its discussion is under way now.
async fn move_to_discussion(w: &World, project: &Project) -> Project {
    let now = clock::now();
    w.reschedule(project, |s| {
        *s = Schedule {
            proposals: now - Duration::days(2),
            discussion: now - Duration::days(1),
            review: now + Duration::days(1),
            results: now + Duration::days(2),
        }
    })
    .await
}

fn invalid(e: IdeaError) -> (&'static str, &'static str) {
    match e {
        IdeaError::Invalid(i) => (i.field, i.code),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn projects_are_drafts_until_published_by_those_who_run_them(backend: Backend) {
    let w = world(backend).await;
    let resident = w.resident().await;
    let input = project_input(Duration::hours(-1));
    assert!(matches!(
        service::create_project(&w.platform, &w.ideas, &resident, &input).await,
        Err(IdeaError::Forbidden)
    ));
    let draft = service::create_project(&w.platform, &w.ideas, &w.official, &input)
        .await
        .unwrap();
    assert!(matches!(
        service::project(&w.ideas, Some(&resident), &draft.id).await,
        Err(IdeaError::NotFound)
    ));
    let (listed, _) = service::projects(&w.ideas, Some(&resident), None, 10)
        .await
        .unwrap();
    assert!(listed.is_empty(), "a draft is not listed to residents");
    let edited = ProjectInput {
        title: "Парки и скверы района".into(),
        ..input.clone()
    };
    let v2 = service::update_project(
        &w.platform,
        &w.ideas,
        &w.official,
        &draft.id,
        Some(draft.version),
        &edited,
    )
    .await
    .unwrap();
    assert_eq!(v2.title, "Парки и скверы района");
    assert!(matches!(
        service::update_project(
            &w.platform,
            &w.ideas,
            &w.official,
            &draft.id,
            Some(draft.version),
            &edited
        )
        .await,
        Err(IdeaError::Conflict("version_conflict"))
    ));
    let published = service::publish_project(&w.platform, &w.ideas, &w.official, &draft.id, None)
        .await
        .unwrap();
    assert!(published.published);
    assert_eq!(
        service::project(&w.ideas, Some(&resident), &draft.id)
            .await
            .unwrap()
            .title,
        "Парки и скверы района"
    );
    // Experts must hold the expert role.
    let expert = user(&w.platform, &[Role::Expert]).await.account;
    let refused = w
        .set_experts(&draft.id, std::slice::from_ref(&resident.id))
        .await
        .unwrap_err();
    assert_eq!(invalid(refused), ("experts", "not_an_expert"));
    let with_expert = w
        .set_experts(&draft.id, std::slice::from_ref(&expert.id))
        .await
        .unwrap();
    assert!(with_expert.experts.contains(&expert.id));
}

async fn an_idea_is_moderated_appealed_and_its_author_is_told(backend: Backend) {
    let w = world(backend).await;
    let project = open_project(&w).await;
    let (anna, idea) = w.resident_idea(&project, BENCHES).await;
    let edited = service::edit(
        &w.ideas,
        &anna,
        &idea.id,
        Some(idea.version),
        &idea_input(
            "Скамейки у Большого пруда",
            "Поставить скамейки вдоль Большого пруда, сесть негде.",
        ),
    )
    .await
    .unwrap();
    // Residents do not see a pending idea; its author does.
    let boris = w.resident().await;
    assert!(matches!(
        service::idea(&w.ideas, Some(&boris), &idea.id).await,
        Err(IdeaError::NotFound)
    ));
    assert!(service::idea(&w.ideas, Some(&anna), &idea.id).await.is_ok());
    assert!(matches!(
        service::queue(&w.ideas, &anna, None, None, 10).await,
        Err(IdeaError::Forbidden)
    ));

    let page = service::queue(&w.ideas, &w.moderator, Some(&project.id), None, 10)
        .await
        .unwrap();
    assert_eq!(page.stats.waiting, 1);
    assert_eq!(page.stats.oldest, idea.queued_at);
    assert_eq!(page.items[0].idea.title, "Скамейки у Большого пруда");

    // Two moderators decide at once on the version they saw: one wins.
    let first = w
        .decide(
            &w.moderator,
            &idea.id,
            Some(edited.version),
            &reject("off_topic", "Это не про парки"),
        )
        .await
        .unwrap();
    assert!(matches!(
        w.decide(
            &w.other_moderator,
            &idea.id,
            Some(edited.version),
            &approve()
        )
        .await,
        Err(IdeaError::Conflict("version_conflict"))
    ));
    assert_eq!(first.status, Status::Rejected);
    let told = w.mail.of_kind("idea_decided");
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].recipient.account_id.as_ref(), Some(&anna.id));
    assert_eq!(told[0].data["decision"], "rejected");
    assert_eq!(told[0].data["reason"], "off_topic");
    assert_eq!(told[0].data["note"], "Это не про парки");
    let stored = w.ideas.store().idea(&idea.id).await.unwrap().unwrap();
    assert_eq!(
        stored.mail_due, None,
        "the owed email was queued and the debt cleared"
    );

    // The author appeals once; the moderator who rejected it may not decide the appeal.
    service::appeal(
        &w.ideas,
        &anna,
        &idea.id,
        "Пруд находится в парке, это по теме",
    )
    .await
    .unwrap();
    let refused = service::appeal(&w.ideas, &anna, &idea.id, "Ещё раз прошу пересмотреть")
        .await
        .unwrap_err();
    assert_eq!(invalid(refused), ("idea", "already_appealed"));
    let queue = service::queue(&w.ideas, &w.moderator, None, None, 10)
        .await
        .unwrap();
    assert!(queue.items[0].for_another);
    let refused = service::decide_appeal(&w.platform, &w.ideas, &w.moderator, &idea.id, None, true)
        .await
        .unwrap_err();
    assert_eq!(invalid(refused), ("moderator", "same_moderator"));
    let granted = service::decide_appeal(
        &w.platform,
        &w.ideas,
        &w.other_moderator,
        &idea.id,
        None,
        true,
    )
    .await
    .unwrap();
    assert_eq!(granted.status, Status::Approved);
    assert_eq!(
        w.mail.of_kind("idea_decided").last().unwrap().data["decision"],
        "appeal_granted"
    );
    assert!(service::idea(&w.ideas, Some(&boris), &idea.id)
        .await
        .is_ok());

    // The public log: counts only.
    let log = service::moderation_log(&w.ideas, None, &project.id)
        .await
        .unwrap();
    assert_eq!(log.decisions[&Action::Rejected], 1);
    assert_eq!(log.decisions[&Action::AppealGranted], 1);
    assert_eq!(log.rejections_by_reason[&Reason::OffTopic], 1);
    // And the audit log names the moderators.
    let audit = w.platform.store.list_audit(None, 50).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"idea.rejected"), "{actions:?}");
    assert!(actions.contains(&"idea.appeal_granted"), "{actions:?}");
}

async fn the_queue_suggests_duplicates_and_a_merge_moves_supports(backend: Backend) {
    let w = world(backend).await;
    let project = open_project(&w).await;
    let [anna, boris, vera] = [w.resident().await, w.resident().await, w.resident().await];
    let original = w
        .submit(
            &anna,
            &project,
            "Пандус у входа в поликлинику",
            "У входа в поликлинику нет пандуса, с детской коляской не заехать.",
        )
        .await;
    let reworded = w
        .submit(
            &boris,
            &project,
            "Нужен пандус в поликлинике",
            "Сделайте пандус у поликлиники: с коляской невозможно войти внутрь.",
        )
        .await;
    let unrelated = w
        .submit(
            &vera,
            &project,
            "Фонари в парке",
            "Поставить фонари на тёмных аллеях парка у пруда.",
        )
        .await;
    let page = service::queue(&w.ideas, &w.moderator, Some(&project.id), None, 10)
        .await
        .unwrap();
    let item = |id| page.items.iter().find(|i| i.idea.id == id).unwrap();
    let suggested = &item(reworded.id.clone()).duplicates;
    assert_eq!(suggested.len(), 1, "{suggested:?}");
    assert_eq!(suggested[0].idea.id, original.id);
    assert!(suggested[0].score >= veche_ideas::similar::LIKELY);
    assert!(suggested[0].merge_target);
    assert!(item(unrelated.id.clone()).duplicates.is_empty());

    w.decide(&w.moderator, &original.id, None, &approve())
        .await
        .unwrap();
    w.decide(&w.moderator, &reworded.id, None, &approve())
        .await
        .unwrap();
    let project = move_to_discussion(&w, &project).await;
    // Vera supports both; a hundred tries of one support store one.
    for (who, idea) in [(&vera, &original), (&vera, &reworded), (&anna, &reworded)] {
        service::support(&w.ideas, who, &idea.id, true)
            .await
            .unwrap();
    }
    let tries = (0..20).map(|_| service::support(&w.ideas, &boris, &original.id, true));
    for r in futures::future::join_all(tries).await {
        r.unwrap();
    }
    assert_eq!(
        service::support(&w.ideas, &boris, &original.id, true)
            .await
            .unwrap(),
        2
    );

    let merge = DecisionInput {
        action: "merge".into(),
        into: Some(original.id.to_string()),
        ..DecisionInput::default()
    };
    let merged = w
        .decide(&w.moderator, &reworded.id, None, &merge)
        .await
        .unwrap();
    assert_eq!(merged.status, Status::Merged);
    let (target, _) = service::idea(&w.ideas, Some(&anna), &original.id)
        .await
        .unwrap();
    assert_eq!(target.supports, 3, "vera, boris and anna, vera once");
    assert!(
        target.coauthors.contains(&boris.id),
        "the merged idea's author is credited"
    );
    assert_eq!(
        w.mail.of_kind("idea_decided").last().unwrap().data["link"],
        format!("/ideas/{}", original.id)
    );
    // Supports are closed once the discussion ends; the merged count stays.
    assert!(project.schedule.review > clock::now());
}

async fn supports_comments_reports_experts_and_outcomes(backend: Backend) {
    let w = world(backend).await;
    let project = open_project(&w).await;
    let (anna, idea) = w.resident_idea(&project, RINK).await;
    // Supports wait for the discussion.
    w.decide(&w.moderator, &idea.id, None, &approve())
        .await
        .unwrap();
    let refused = service::support(&w.ideas, &anna, &idea.id, true)
        .await
        .unwrap_err();
    assert_eq!(invalid(refused), ("stage", "supports_closed"));
    let project = move_to_discussion(&w, &project).await;
    let readers: Vec<Account> = futures::future::join_all((0..4).map(|_| user(&w.platform, &[])))
        .await
        .into_iter()
        .map(|u| u.account)
        .collect();
    for r in &readers {
        service::support(&w.ideas, r, &idea.id, true).await.unwrap();
    }
    assert_eq!(
        service::support(&w.ideas, &readers[0], &idea.id, false)
            .await
            .unwrap(),
        3
    );
    // A support reads the project it kept only while the stored one is at the same version:
    // the stage moved in the store is seen by the next support (the refusal above was read
    // at the project's first version, these supports at its second).
    let closed = w
        .reschedule(&project, |s| s.review = clock::now() - Duration::minutes(1))
        .await;
    let refused = service::support(&w.ideas, &readers[0], &idea.id, true)
        .await
        .unwrap_err();
    assert_eq!(invalid(refused), ("stage", "supports_closed"));
    let project = move_to_discussion(&w, &closed).await;
    let listed = service::list(
        &w.ideas,
        Some(&readers[1]),
        &project.id,
        &ListRequest {
            words: "катки".into(),
            by_supports: true,
            limit: 10,
            ..ListRequest::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(listed.ideas.len(), 1);
    assert!(listed.supported.contains(&idea.id));
    assert!(matches!(
        service::list(
            &w.ideas,
            Some(&readers[1]),
            &project.id,
            &ListRequest {
                status: Some(Status::Pending),
                limit: 10,
                ..ListRequest::default()
            }
        )
        .await,
        Err(IdeaError::Forbidden)
    ));

    // A comment reported by three residents is hidden until a moderator keeps it.
    let said = w
        .comment(&anna, &idea.id, "Приходите все на открытие!", None)
        .await
        .unwrap();
    let reply = w
        .comment(&readers[0], &idea.id, "Обязательно придём", Some(&said.id))
        .await
        .unwrap();
    let refused = w
        .comment(&readers[1], &idea.id, "Ответ на ответ", Some(&reply.id))
        .await
        .unwrap_err();
    assert_eq!(invalid(refused), ("parent", "too_deep"));
    for r in &readers[..3] {
        service::report(&w.ideas, r, &said.id).await.unwrap();
    }
    let refused = service::report(&w.ideas, &readers[0], &said.id)
        .await
        .unwrap_err();
    assert_eq!(invalid(refused), ("comment", "already_reported"));
    let seen = service::comments(&w.ideas, Some(&readers[3]), &idea.id, None, 50)
        .await
        .unwrap();
    assert!(
        seen[0].hidden && seen[0].text.is_empty(),
        "hidden text is not shown"
    );
    let reported = service::reported_comments(&w.ideas, &w.moderator, None, 10)
        .await
        .unwrap();
    assert_eq!(reported.len(), 1);
    service::moderate_comment(&w.platform, &w.ideas, &w.moderator, &said.id, true)
        .await
        .unwrap();
    let seen = service::comments(&w.ideas, Some(&readers[3]), &idea.id, None, 50)
        .await
        .unwrap();
    assert_eq!(seen[0].text, "Приходите все на открытие!");

    // Experts score the shortlist during review; the ranking shows their agreement.
    let experts = [
        user(&w.platform, &[Role::Expert]).await.account,
        user(&w.platform, &[Role::Expert]).await.account,
    ];
    let ids: Vec<_> = experts.iter().map(|e| e.id.clone()).collect();
    w.set_experts(&project.id, &ids).await.unwrap();
    service::shortlist(&w.platform, &w.ideas, &w.official, &idea.id, None, true)
        .await
        .unwrap();
    let now = clock::now();
    let in_review = w
        .reschedule(&project, |s| {
            *s = Schedule {
                discussion: now - Duration::days(2),
                proposals: now - Duration::days(3),
                review: now - Duration::hours(1),
                results: now + Duration::days(1),
            }
        })
        .await;
    for (expert, mark) in experts.iter().zip([4u8, 5]) {
        let input = ScoreInput {
            marks: [("benefit".to_string(), mark), ("cost".to_string(), 3)].into(),
            note: String::new(),
        };
        service::score(&w.ideas, expert, &idea.id, &input)
            .await
            .unwrap();
    }
    let ranking = service::ranking(&w.ideas, &experts[0], &project.id)
        .await
        .unwrap();
    assert_eq!(ranking.ranked.len(), 1);
    assert_eq!(ranking.ranked[0].experts, 2);
    assert_eq!(ranking.ranked[0].score, Some(3.75));
    assert!(matches!(
        service::ranking(&w.ideas, &anna, &project.id).await,
        Err(IdeaError::Forbidden)
    ));

    // After the results, an outcome tells the author and the followers.
    service::follow(&w.ideas, &readers[2], &idea.id, true)
        .await
        .unwrap();
    w.reschedule(&in_review, |s| s.results = now - Duration::minutes(1))
        .await;
    service::advance(
        &w.platform,
        &w.ideas,
        &w.official,
        &idea.id,
        None,
        Outcome::Accepted,
        "Каток зальют в декабре",
    )
    .await
    .unwrap();
    let told: Vec<_> = w
        .mail
        .of_kind("idea_outcome")
        .into_iter()
        .filter_map(|n| n.recipient.account_id)
        .collect();
    assert_eq!(told.len(), 2);
    assert!(told.contains(&anna.id) && told.contains(&readers[2].id));
    let results = service::results(&w.ideas, None, &project.id).await.unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].outcome, Some(Outcome::Accepted));
}

async fn the_sweep_pays_owed_emails_and_finishes_interrupted_merges(backend: Backend) {
    let w = world(backend).await;
    let project = open_project(&w).await;
    let anna = w.resident().await;
    let boris = w.resident().await;
    let mut submitted: Vec<Idea> = Vec::new();
    for (who, title) in [(&anna, RINK.0), (&boris, "Зимний каток в парке")] {
        submitted.push(w.submit(who, &project, title, RINK.1).await);
    }
    // A merge whose process died after storing the decision: the decision and its debt are
    // stored, the credit and the supports are not.
    let [into, merged] = [submitted[0].clone(), submitted[1].clone()];
    let decided = veche_ideas::rules::decide(
        &merged,
        &veche_ideas::rules::Decision::Merge {
            into: Box::new(into.clone()),
        },
        &w.moderator,
        clock::now() - Duration::minutes(5),
    )
    .unwrap();
    assert!(w
        .ideas
        .store()
        .replace_idea(&decided, merged.version, None)
        .await
        .unwrap());
    assert_eq!(service::sweep_mail(&w.platform, &w.ideas).await.unwrap(), 1);
    let target = w.ideas.store().idea(&into.id).await.unwrap().unwrap();
    assert!(
        target.coauthors.contains(&boris.id),
        "the merge was finished"
    );
    let told = w.mail.of_kind("idea_decided");
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].recipient.account_id.as_ref(), Some(&boris.id));
    assert_eq!(told[0].data["decision"], "merged");
    // Paid once: the sweep finds nothing more.
    assert_eq!(service::sweep_mail(&w.platform, &w.ideas).await.unwrap(), 0);
}

async fn the_demo_has_a_project_in_each_stage_and_a_long_queue(backend: Backend) {
    let w = world(backend).await;
    veche_core::accounts::demo::seed(&w.platform).await.unwrap();
    let made = veche_ideas::demo::seed(&w.platform, &w.ideas)
        .await
        .unwrap();
    assert!(made > 300, "{made}");
    assert_eq!(
        veche_ideas::demo::seed(&w.platform, &w.ideas)
            .await
            .unwrap(),
        0,
        "seeded once"
    );
    let (projects, _) = service::projects(&w.ideas, None, None, 10).await.unwrap();
    let now = clock::now();
    let stages: std::collections::BTreeSet<_> = projects.iter().map(|p| p.stage(now)).collect();
    assert_eq!(stages.len(), 4, "{stages:?}");
    let demo_moderator = w
        .platform
        .store
        .account_by_email("moderator@demo.veche.example")
        .await
        .unwrap()
        .unwrap();
    let page = service::queue(&w.ideas, &demo_moderator, None, None, 50)
        .await
        .unwrap();
    assert!(page.stats.waiting > 250, "{:?}", page.stats);
    let with_duplicates = page
        .items
        .iter()
        .filter(|i| !i.duplicates.is_empty())
        .count();
    assert!(
        with_duplicates >= 10,
        "{with_duplicates} of 50 show likely duplicates"
    );
}

/// The demo is for the embedded store (`veche serve --demo` on a fresh machine); on the
/// MongoDB test server its thousands of single writes take a minute, so it runs on SQLite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_on_sqlite() {
    veche_core::testing::on_sqlite(the_demo_has_a_project_in_each_stage_and_a_long_queue).await;
}

async fn participants_hear_when_a_stage_begins(backend: Backend) {
    let w = world(backend).await;
    let project = open_project(&w).await;
    // The author, a supporter, a follower, a commenter, and one who only looks.
    let mut residents = Vec::new();
    for _ in 0..5 {
        residents.push(w.resident().await);
    }
    let idea = w
        .submit(&residents[0], &project, BENCHES.0, BENCHES.1)
        .await;
    w.decide(&w.moderator, &idea.id, None, &approve())
        .await
        .unwrap();
    let told = |stage: &str| {
        let mut to: Vec<String> = w
            .mail
            .of_kind("idea_stage")
            .iter()
            .filter(|n| n.data["stage"] == stage)
            .map(|n| n.recipient.account_id.as_ref().unwrap().to_string())
            .collect();
        to.sort();
        to
    };
    let ids = |n: &[usize]| {
        let mut ids: Vec<String> = n.iter().map(|i| residents[*i].id.to_string()).collect();
        ids.sort();
        ids
    };

    // Proposals are not announced; discussion is, to who took part so far: the author.
    assert_eq!(
        service::announce_stages(&w.platform, &w.ideas)
            .await
            .unwrap(),
        0
    );
    let project = move_to_discussion(&w, &project).await;
    assert_eq!(
        service::announce_stages(&w.platform, &w.ideas)
            .await
            .unwrap(),
        1
    );
    assert_eq!(told("discussion"), ids(&[0]));
    let mail = &w.mail.of_kind("idea_stage")[0];
    assert_eq!(mail.data["link"], format!("/ideas/projects/{}", project.id));
    assert_eq!(mail.data["title"], project.title);
    assert_eq!(
        service::announce_stages(&w.platform, &w.ideas)
            .await
            .unwrap(),
        0,
        "once"
    );

    // Supporting, following and commenting make participants; looking on does not.
    service::support(&w.ideas, &residents[1], &idea.id, true)
        .await
        .unwrap();
    service::follow(&w.ideas, &residents[2], &idea.id, true)
        .await
        .unwrap();
    w.comment(
        &residents[3],
        &idea.id,
        "Поддерживаю, особенно у детской площадки.",
        None,
    )
    .await
    .unwrap();
    service::idea(&w.ideas, Some(&residents[4]), &idea.id)
        .await
        .unwrap();
    w.reschedule(&project, |s| {
        s.review = clock::now() - Duration::minutes(1);
        s.results = clock::now() + Duration::days(1);
    })
    .await;
    assert_eq!(
        service::announce_stages(&w.platform, &w.ideas)
            .await
            .unwrap(),
        1
    );
    assert_eq!(told("review"), ids(&[0, 1, 2, 3]));
    let stored = w.ideas.store().project(&project.id).await.unwrap().unwrap();
    assert_eq!(stored.announced, Some(veche_ideas::model::Stage::Review));
}

veche_core::contract_tests!(
    projects_are_drafts_until_published_by_those_who_run_them,
    an_idea_is_moderated_appealed_and_its_author_is_told,
    the_queue_suggests_duplicates_and_a_merge_moves_supports,
    supports_comments_reports_experts_and_outcomes,
    the_sweep_pays_owed_emails_and_finishes_interrupted_merges,
    participants_hear_when_a_stage_begins,
);
