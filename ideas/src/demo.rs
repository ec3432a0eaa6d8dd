//! Demo ideas for `veche serve --demo`: a project in each stage, so that every page has
//! something to show, and a proposals project whose moderation queue holds some three hundred
//! ideas written as residents write them, many of them the same request in other words (the
//! labelled pairs of `data/`). Seeded once (when the store has no project yet).

use std::collections::BTreeSet;

use time::Duration;
use veche_core::accounts::demo::{demo_account, demo_resident};
use veche_core::accounts::model::{Account, BirthYear, DisplayName, Email, Role};
use veche_core::clock;
use veche_core::id::DistrictId;
use veche_core::platform::Platform;

use crate::log::{Action, Entry};
use crate::model::{Audience, Idea, Label, Outcome, Project, Schedule, Score, Status, Update};
use crate::rules::{self, IdeaFields, ProjectFields};
use crate::service::{IdeaError, IdeaResult, Ideas};
use crate::store::IdeaIndex;

/// The labelled pairs: `label \t title A \t text A \t title B \t text B`.
const PAIRS: [&str; 2] = [
    include_str!("../data/duplicates.tsv"),
    include_str!("../data/heldout.tsv"),
];

const TOPICS: [(&str, &str); 5] = [
    ("improvement", "Благоустройство"),
    ("transport", "Транспорт"),
    ("culture", "Культура и досуг"),
    ("sport", "Спорт"),
    ("ecology", "Экология"),
];

/// The demo projects' topics.
fn topic_labels() -> Vec<Label> {
    TOPICS
        .iter()
        .map(|(code, name)| Label {
            code: code.to_string(),
            name: name.to_string(),
        })
        .collect()
}

const FIRST: [&str; 10] = [
    "Ирина",
    "Михаил",
    "Ольга",
    "Сергей",
    "Наталья",
    "Дмитрий",
    "Елена",
    "Алексей",
    "Мария",
    "Павел",
];
const LAST: [&str; 6] = [
    "Смирнова",
    "Орлов",
    "Кузнецова",
    "Волков",
    "Соколова",
    "Лебедев",
];

/// Every idea of the labelled pairs, in file order (a pair's two ideas side by side).
fn written_ideas() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for file in PAIRS {
        for line in file
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let cols: Vec<&str> = line.split('\t').collect();
            if let [_, title_a, text_a, title_b, text_b] = cols[..] {
                out.push((title_a.to_string(), text_a.to_string()));
                out.push((title_b.to_string(), text_b.to_string()));
            }
        }
    }
    out
}

/// The topic an idea's words suggest (demo data only: a few stems are enough).
fn topic_of(title: &str, body: &str) -> &'static str {
    let text = format!("{title} {body}").to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    if has(&[
        "авто",
        "дорог",
        "велос",
        "вело",
        "автобус",
        "метро",
        "парков",
        "светофор",
        "переход",
    ]) {
        "transport"
    } else if has(&["библиотек", "концерт", "музе", "кино", "театр", "кружк"])
    {
        "culture"
    } else if has(&[
        "спорт",
        "каток",
        "футбол",
        "тренаж",
        "воркаут",
        "бассейн",
        "лыж",
    ]) {
        "sport"
    } else if has(&["дерев", "мусор", "клумб", "газон", "пруд", "озелен", "экол"])
    {
        "ecology"
    } else {
        "improvement"
    }
}

/// Residents who write the demo's ideas (they cannot sign in).
async fn demo_residents(platform: &Platform, home: &Account) -> IdeaResult<Vec<Account>> {
    let mut out = Vec::new();
    let names: Vec<String> = FIRST
        .iter()
        .flat_map(|f| LAST.iter().map(move |l| format!("{f} {l}")))
        .collect();
    for (n, full_name) in names.into_iter().enumerate() {
        let address = format!("resident{n}@ideas.demo.veche.example");
        let born = BirthYear::from_trusted(1960 + (n as i32 % 40));
        if let Some(resident) = demo_resident(platform, &address, &full_name, home, born).await? {
            out.push(resident);
        }
    }
    Ok(out)
}

struct Stage {
    title: &'static str,
    description: &'static str,
    /// Days from now when proposals opened (negative: in the past).
    proposals: i64,
    ideas: usize,
}

const STAGES: [Stage; 4] = [
    Stage {
        title: "Каким быть нашему району: идеи жителей",
        description: "Предложите, что улучшить во дворах, парках и на улицах района. \
            Модераторы проверят идеи, лучшие поддержат жители и оценят эксперты.",
        proposals: -3,
        ideas: usize::MAX,
    },
    Stage {
        title: "Дворы и улицы: голосуем за лучшие идеи",
        description: "Идеи прошли модерацию: поддержите те, что важны вам.",
        proposals: -12,
        ideas: 40,
    },
    Stage {
        title: "Библиотеки будущего",
        description: "Эксперты оценивают идеи, которые жители поддержали больше всего.",
        proposals: -25,
        ideas: 12,
    },
    Stage {
        title: "Велосипедный город: итоги",
        description: "Идеи приняты: следите, как они воплощаются.",
        proposals: -40,
        ideas: 8,
    },
];

fn schedule_from(days: i64) -> Schedule {
    let start = clock::now() + Duration::days(days);
    Schedule {
        proposals: start,
        discussion: start + Duration::days(10),
        review: start + Duration::days(20),
        results: start + Duration::days(30),
    }
}

/// Seeds the demo projects unless the store has projects already. Returns how many ideas
/// were made.
pub async fn seed(platform: &Platform, ideas: &Ideas) -> IdeaResult<usize> {
    if !ideas.store.projects(true, None, 1).await?.is_empty() {
        return Ok(0);
    }
    let official = demo_account(platform, Role::Official).await?;
    let moderator = demo_account(platform, Role::Moderator).await?;
    let expert = demo_account(platform, Role::Expert).await?;
    let home = demo_account(platform, Role::Resident).await?;
    let residents = demo_residents(platform, &home).await?;
    if residents.is_empty() {
        return Ok(0);
    }
    let written = written_ideas();
    let mut pool = written.iter().cycle();
    let mut made = 0;
    for (index, stage) in STAGES.iter().enumerate() {
        let fields = ProjectFields {
            title: stage.title.into(),
            description: stage.description.into(),
            topics: topic_labels(),
            criteria: vec![
                Label {
                    code: "benefit".into(),
                    name: "Польза для жителей".into(),
                },
                Label {
                    code: "feasibility".into(),
                    name: "Реализуемость".into(),
                },
            ],
            audience: Audience::City,
            schedule: schedule_from(stage.proposals),
        };
        let created = clock::now() + Duration::days(stage.proposals - 5);
        let project = Project {
            published: true,
            experts: BTreeSet::from([expert.id.clone()]),
            ..rules::new_project(fields, &official, created)
        };
        // Seeded as running all along: its participants were told of its stage.
        let project = Project {
            announced: Some(project.stage(clock::now())),
            ..project
        };
        ideas.store.insert_project(&project).await?;
        let count = stage.ideas.min(written.len());
        for n in 0..count {
            let Some((title, body)) = pool.next() else {
                break;
            };
            let author = &residents[(n * 7 + index) % residents.len()];
            let idea = demo_idea(&project, author, title, body, n, count, index);
            ideas
                .store
                .insert_idea(&idea, &IdeaIndex::of(&idea))
                .await?;
            made += 1;
            furnish(ideas, &project, &idea, &residents, &moderator, &expert, n).await?;
        }
    }
    Ok(made)
}

/// One idea of a demo project: in the proposals project most wait for a moderator (the
/// first tenth is approved); in the others every idea is approved.
fn demo_idea(
    project: &Project,
    author: &Account,
    title: &str,
    body: &str,
    n: usize,
    count: usize,
    stage: usize,
) -> Idea {
    let fields = IdeaFields {
        title: title.to_string(),
        body: body.to_string(),
        topic: topic_of(title, body).to_string(),
    };
    // Spread over the proposals stage so far, oldest first.
    let opened = project.schedule.proposals;
    let span = (clock::now().min(project.schedule.discussion) - opened)
        .whole_minutes()
        .max(1);
    let at = opened + Duration::minutes(span * n as i64 / count.max(1) as i64);
    let idea = rules::new_idea(project, author, fields, at);
    let approved = stage > 0 || n < count / 10;
    if approved {
        Idea {
            status: Status::Approved,
            queued_at: None,
            decided_at: Some(at + Duration::hours(2)),
            shortlisted: stage >= 2 && n.is_multiple_of(2),
            ..idea
        }
    } else {
        idea
    }
}

/// What happened to an approved demo idea: supports, a decision in the log, expert scores
/// and outcomes by stage.
async fn furnish(
    ideas: &Ideas,
    project: &Project,
    idea: &Idea,
    residents: &[Account],
    moderator: &Account,
    expert: &Account,
    n: usize,
) -> IdeaResult<()> {
    if idea.status != Status::Approved {
        return Ok(());
    }
    let entry = Entry {
        idea_id: idea.id.clone(),
        at: idea.decided_at.unwrap_or(idea.created_at),
        action: Action::Approved,
        reason: None,
    };
    ideas
        .store
        .log_decision(&project.id, &moderator.id, &entry)
        .await?;
    let supporters = (n * 13 + 5) % residents.len();
    for who in residents.iter().take(supporters) {
        ideas
            .store
            .support(&idea.id, &who.id, project.schedule.discussion, None, None)
            .await?;
    }
    if idea.shortlisted {
        let marks = [
            ("benefit".to_string(), (n % 5 + 1) as u8),
            ("feasibility".to_string(), ((n + 2) % 5 + 1) as u8),
        ]
        .into();
        let score = Score {
            project_id: project.id.clone(),
            idea_id: idea.id.clone(),
            expert_id: expert.id.clone(),
            marks,
            note: String::new(),
            at: project.schedule.review,
        };
        ideas.store.save_score(&score).await?;
    }
    let now = clock::now();
    if project.stage(now) == crate::model::Stage::Results && n.is_multiple_of(2) {
        let outcome = if n.is_multiple_of(4) {
            Outcome::InWork
        } else {
            Outcome::Accepted
        };
        let stored = ideas
            .store
            .idea(&idea.id)
            .await?
            .ok_or(IdeaError::NotFound)?;
        let next = Idea {
            outcome: Some(outcome),
            updates: vec![Update {
                at: project.schedule.results,
                outcome,
                text: "Идея включена в план работ управы на следующий год.".into(),
            }],
            version: stored.version + 1,
            ..stored.clone()
        };
        ideas
            .store
            .replace_idea(&next, stored.version, None)
            .await?;
    }
    Ok(())
}

/// A made-up account, kept in memory only: the author of bench data.
fn bench_account(n: usize, district: &DistrictId) -> IdeaResult<Account> {
    let invalid = |_| IdeaError::Invalid(crate::rules::Refused::new("bench", "invalid"));
    Ok(Account::new(
        Email::parse(&format!("bench-author-{n}@bench.veche.example")).map_err(invalid)?,
        DisplayName::parse(&format!("Автор {n}")).map_err(invalid)?,
        district.clone(),
        BirthYear::from_trusted(1980),
        String::new(),
        BTreeSet::from([Role::Resident, Role::Official]),
        clock::now(),
    ))
}

/// `scripts/bench-ideas`' project: in its discussion stage, holding `count` ideas made from
/// the labelled pairs, each text with its own address (so that every request stands in the
/// project a few hundred times in other words, the hard case for finding duplicates); a
/// twentieth wait in the moderation queue, the rest are approved. Returns the project's id and
/// the approved ideas' ids.
pub async fn bench_project(
    ideas: &Ideas,
    districts: &[DistrictId],
    count: usize,
) -> IdeaResult<(crate::model::ProjectId, Vec<crate::model::IdeaId>)> {
    use futures::StreamExt;
    let district = districts.first().ok_or(IdeaError::NotFound)?;
    let organiser = bench_account(0, district)?;
    let now = clock::now();
    let fields = ProjectFields {
        title: "Нагрузочный проект".into(),
        description: "Проект для замеров скорости.".into(),
        topics: topic_labels(),
        criteria: Vec::new(),
        audience: Audience::City,
        schedule: Schedule {
            proposals: now - Duration::days(20),
            discussion: now - Duration::days(1),
            review: now + Duration::days(30),
            results: now + Duration::days(60),
        },
    };
    let project = Project {
        published: true,
        // Running all along: its participants were told of its discussion (no burst of
        // emails competes with the measurements).
        announced: Some(crate::model::Stage::Discussion),
        ..rules::new_project(fields, &organiser, now - Duration::days(25))
    };
    ideas.store.insert_project(&project).await?;
    let written = written_ideas();
    let streets = [
        "Лесная",
        "Садовая",
        "Школьная",
        "Парковая",
        "Мира",
        "Гагарина",
        "Полевая",
    ];
    let authors: Vec<Account> = (1..=50)
        .map(|n| bench_account(n, &districts[n % districts.len()]))
        .collect::<IdeaResult<_>>()?;
    let made: Vec<IdeaResult<Option<crate::model::IdeaId>>> = futures::stream::iter(0..count)
        .map(|n| {
            let (title, body) = &written[n % written.len()];
            let street = streets[n % streets.len()];
            let house = n % 97 + 1;
            let fields = IdeaFields {
                title: title.clone(),
                body: format!("{body} Адрес: улица {street}, дом {house}."),
                topic: topic_of(title, body).to_string(),
            };
            let at = project.schedule.proposals + Duration::seconds(n as i64 * 30);
            let idea = rules::new_idea(&project, &authors[n % authors.len()], fields, at);
            let pending = n % 20 == 7;
            let idea = if pending {
                idea
            } else {
                Idea {
                    status: Status::Approved,
                    queued_at: None,
                    ..idea
                }
            };
            async move {
                ideas
                    .store
                    .insert_idea(&idea, &IdeaIndex::of(&idea))
                    .await?;
                Ok((!pending).then_some(idea.id))
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    let mut approved = Vec::new();
    for m in made {
        approved.extend(m?);
    }
    Ok((project.id, approved))
}
