//! Demo polls for `veche serve --demo`: open, closed and published polls with ballots, so that
//! every page has something to show. Seeded once (when the store has no polls yet).

use std::collections::BTreeSet;

use rand::seq::SliceRandom;
use rand::Rng;
use veche_core::clock;
use veche_core::id::{AccountId, DistrictId};
use veche_core::platform::Platform;

use crate::model::{
    AgeBracket, Answer, Audience, Ballot, BallotId, Choice, OptionId, Phase, Poll, PollId,
    PollOption, PollQuery, Question, QuestionId, Visibility,
};
use crate::rules::PollFields;
use crate::service::{self, PollResult, Polls};
use crate::verify;

struct Spec {
    title: &'static str,
    description: &'static str,
    questions: &'static [(&'static str, Choice, &'static [&'static str])],
    /// Hours from now: opening, closing.
    hours: (i64, i64),
    ballots: usize,
    district_only: bool,
    decision: Option<&'static str>,
}

const SPECS: &[Spec] = &[
    Spec {
        title: "Что появится в парке «Дубки» этим летом?",
        description:
            "Управа выбирает, что построить в парке на средства программы благоустройства. \
                      Выберите главное и то, что ещё важно.",
        questions: &[
            (
                "Что построить в первую очередь?",
                Choice::Single,
                &[
                    "Каток с тёплой раздевалкой",
                    "Летняя сцена",
                    "Площадка для воркаута",
                    "Сухой фонтан",
                ],
            ),
            (
                "Что ещё нужно парку?",
                Choice::Multiple { max: 2 },
                &[
                    "Больше скамеек",
                    "Освещение дорожек",
                    "Туалеты",
                    "Велопарковки",
                ],
            ),
        ],
        hours: (-48, 24 * 7),
        ballots: 0,
        district_only: true,
        decision: None,
    },
    Spec {
        title: "Как назвать новую станцию метро?",
        description: "Городской опрос о названии станции Бирюлёвской линии.",
        questions: &[(
            "Какое название вам ближе?",
            Choice::Single,
            &["Загорье", "Лебедянская", "Булатниково", "Бирюлёво-Товарная"],
        )],
        hours: (-72, 24 * 3),
        ballots: 2400,
        district_only: false,
        decision: None,
    },
    Spec {
        title: "Какие кружки открыть в районных библиотеках?",
        description: "Итоги опроса определят расписание занятий на осень.",
        questions: &[
            (
                "Какие занятия вы бы посещали?",
                Choice::Multiple { max: 3 },
                &[
                    "Шахматы",
                    "Английский язык",
                    "Компьютерная грамотность",
                    "Рисование",
                    "Настольные игры",
                ],
            ),
            (
                "В какое время удобнее?",
                Choice::Single,
                &["Утром", "Днём", "Вечером", "В выходные"],
            ),
        ],
        hours: (-24 * 10, -24 * 2),
        ballots: 1200,
        district_only: false,
        decision: None,
    },
    Spec {
        title: "Режим работы катков в зимний сезон",
        description: "Город спросил жителей, до которого часа должны работать бесплатные катки.",
        questions: &[(
            "До которого часа работать каткам?",
            Choice::Single,
            &["До 21:00", "До 22:00", "До 23:00"],
        )],
        hours: (-24 * 30, -24 * 20),
        ballots: 3100,
        district_only: false,
        decision: Some(
            "Бесплатные катки в парках будут работать до 23:00 с 1 декабря по 28 февраля. \
                        В будни с 15:00 до 16:00 — технический перерыв на заливку льда.",
        ),
    },
];

/// Seeds the demo polls unless the store already has polls. Returns how many were made.
pub async fn seed(platform: &Platform, polls: &Polls) -> PollResult<usize> {
    let existing = polls
        .store
        .list_polls(&PollQuery {
            limit: 1,
            ..PollQuery::default()
        })
        .await?;
    if !existing.is_empty() {
        return Ok(0);
    }
    let official = platform
        .store
        .account_by_email("official@demo.veche.example")
        .await?;
    let resident = platform
        .store
        .account_by_email("resident@demo.veche.example")
        .await?;
    let directory = platform.directory();
    let districts: Vec<DistrictId> = directory.districts.iter().map(|d| d.id.clone()).collect();
    let home = resident
        .as_ref()
        .map(|r| r.district_id.clone())
        .or_else(|| districts.first().cloned());
    let now = clock::now();
    let mut made = 0;
    for spec in SPECS {
        let questions: Vec<Question> = spec
            .questions
            .iter()
            .map(|(text, choice, options)| Question {
                id: QuestionId::generate(),
                text: text.to_string(),
                choice: *choice,
                required: true,
                options: options
                    .iter()
                    .map(|o| PollOption {
                        id: OptionId::generate(),
                        text: o.to_string(),
                    })
                    .collect(),
            })
            .collect();
        let audience = match (&home, spec.district_only) {
            (Some(home), true) => Audience {
                districts: BTreeSet::from([home.clone()]),
                ..Audience::default()
            },
            _ => Audience::default(),
        };
        let poll = Poll {
            id: PollId::generate(),
            title: spec.title.to_string(),
            description: spec.description.to_string(),
            questions,
            audience,
            opens_at: Some(now + time::Duration::hours(spec.hours.0)),
            closes_at: Some(now + time::Duration::hours(spec.hours.1)),
            points: 20,
            visibility: Visibility::AfterVoting,
            phase: Phase::Scheduled,
            decision: None,
            decision_at: None,
            created_by: official
                .as_ref()
                .map(|o| o.id.clone())
                .unwrap_or_else(AccountId::generate),
            organisation_id: official.as_ref().and_then(|o| o.organisation_id.clone()),
            created_at: now,
            updated_at: now,
            version: 1,
            frozen: spec.ballots > 0,
            // Demo data tells nobody.
            announced: true,
            results_announced: true,
            seal: None,
        };
        polls.store.insert_poll(&poll).await?;
        let ballots = synthetic_ballots(&poll, spec.ballots, &districts);
        polls.store.import_ballots(&ballots).await?;
        if poll.status(now) == crate::model::Status::Closed {
            service::seal(polls, &poll.id).await?;
            if let Some(decision) = spec.decision {
                let mut sealed = polls
                    .store
                    .poll(&poll.id)
                    .await?
                    .ok_or(service::PollError::NotFound)?;
                let expected = sealed.version;
                sealed.phase = Phase::Published;
                sealed.decision = Some(decision.to_string());
                sealed.decision_at = Some(now);
                sealed.version += 1;
                polls.store.replace_poll(&sealed, expected).await?;
            }
        }
        made += 1;
    }
    tracing::info!(polls = made, "seeded the demo polls");
    Ok(made)
}

/// Ballots of made-up residents (accounts that do not exist), spread over the districts with
/// a few favourite options, cast during the poll's first hours.
fn synthetic_ballots(poll: &Poll, n: usize, districts: &[DistrictId]) -> Vec<Ballot> {
    let mut rng = rand::thread_rng();
    // A few districts vote a lot, as in life.
    let busy: Vec<&DistrictId> = districts.choose_multiple(&mut rng, 12).collect();
    let opened = poll.opens_at.unwrap_or_else(clock::now);
    (0..n)
        .map(|i| {
            let answers: Vec<Answer> = poll
                .questions
                .iter()
                .map(|q| {
                    // A skewed pick: earlier options are more popular.
                    let pick = |rng: &mut rand::rngs::ThreadRng| {
                        let a = rng.gen_range(0..q.options.len());
                        let b = rng.gen_range(0..q.options.len());
                        a.min(b)
                    };
                    let mut chosen: BTreeSet<OptionId> = BTreeSet::new();
                    let want = rng.gen_range(1..=q.choice.max());
                    while chosen.len() < want {
                        chosen.insert(q.options[pick(&mut rng)].id.clone());
                    }
                    Answer {
                        question: q.id.clone(),
                        options: chosen.into_iter().collect(),
                    }
                })
                .collect();
            let id = BallotId::generate();
            let district = if poll.audience.city_wide() {
                let pool: Vec<&DistrictId> = if rng.gen_bool(0.7) {
                    busy.clone()
                } else {
                    districts.iter().collect()
                };
                pool.choose(&mut rng)
                    .map(|d| (*d).clone())
                    .unwrap_or_else(|| DistrictId::from_trusted("0".into()))
            } else {
                poll.audience
                    .districts
                    .iter()
                    .next()
                    .cloned()
                    .unwrap_or_else(|| DistrictId::from_trusted("0".into()))
            };
            Ballot {
                receipt: verify::receipt(poll.id.as_str(), id.as_str(), &answers),
                id,
                poll_id: poll.id.clone(),
                account_id: AccountId::from_trusted(format!("demo-voter-{i:07}")),
                answers,
                district_id: district,
                age_bracket: AgeBracket::ALL[rng.gen_range(0..AgeBracket::ALL.len())],
                points: poll.points,
                cast_at: opened + time::Duration::seconds(rng.gen_range(0..36 * 3600)),
            }
        })
        .collect()
}

/// An open, city-wide poll of one question with `options` options, as the benchmarks use it
/// (no store: the caller stores it).
pub fn open_poll(options: usize, now: time::OffsetDateTime) -> Poll {
    Poll {
        phase: Phase::Scheduled,
        frozen: true,
        announced: true,
        results_announced: true,
        ..PollFields {
            title: "Бенчмарк: городской опрос".into(),
            description: String::new(),
            questions: vec![Question {
                id: QuestionId::generate(),
                text: "Какой вариант лучше?".into(),
                choice: Choice::Single,
                required: true,
                options: (1..=options)
                    .map(|i| PollOption {
                        id: OptionId::generate(),
                        text: format!("Вариант {i}"),
                    })
                    .collect(),
            }],
            audience: Audience::default(),
            opens_at: Some(now - time::Duration::hours(1)),
            closes_at: Some(now + time::Duration::days(7)),
            points: 20,
            visibility: Visibility::AfterVoting,
        }
        .into_draft(AccountId::generate(), None, now)
    }
}

/// An open city-wide poll for the benchmark, with `ballots` ballots of made-up residents.
pub async fn bench_poll(
    polls: &Polls,
    ballots: usize,
    districts: &[DistrictId],
) -> PollResult<Poll> {
    let poll = open_poll(4, clock::now());
    polls.store.insert_poll(&poll).await?;
    let mut made = 0;
    while made < ballots {
        let n = (ballots - made).min(20_000);
        let mut batch = synthetic_ballots(&poll, n, districts);
        for (i, b) in batch.iter_mut().enumerate() {
            b.account_id = AccountId::from_trusted(format!("bench-voter-{:09}", made + i));
        }
        polls.store.import_ballots(&batch).await?;
        made += n;
    }
    polls.store.flush().await?;
    Ok(poll)
}
