//! The results' maps through the route: drawn beside the table, from the same cells, so that a
//! district the table hides is hatched on the map without its numbers.

use veche_core::clock;
use veche_core::id::{AccountId, DistrictId};

use super::Rig;
use crate::demo::open_poll;
use crate::model::{AgeBracket, Answer, Ballot, BallotId, Poll};
use crate::service;
use crate::verify;

/// `n` ballots from `district`, each for the option at `option` of the first question.
fn ballots(poll: &Poll, district: &str, option: usize, n: usize) -> Vec<Ballot> {
    let q = &poll.questions[0];
    (0..n)
        .map(|_| {
            let id = BallotId::generate();
            let answers = vec![Answer {
                question: q.id.clone(),
                options: vec![q.options[option].id.clone()],
            }];
            Ballot {
                receipt: verify::receipt(poll.id.as_str(), id.as_str(), &answers),
                id,
                poll_id: poll.id.clone(),
                account_id: AccountId::generate(),
                answers,
                district_id: DistrictId::from_trusted(district.into()),
                age_bracket: AgeBracket::ALL[1],
                points: poll.points,
                cast_at: clock::now(),
            }
        })
        .collect()
}

/// Every `<path …>…</path>` of the district `id` in `body` (one per map).
fn paths_of<'a>(body: &'a str, id: &str) -> Vec<&'a str> {
    let mark = format!("data-id=\"{id}\"");
    body.match_indices(&mark)
        .map(|(at, _)| {
            let start = body[..at].rfind("<path").unwrap_or(at);
            let end = body[at..]
                .find("</path>")
                .map_or(body.len(), |e| at + e + 7);
            &body[start..end]
        })
        .collect()
}

const ARBAT: &str = "45374000";
const TVERSKOY: &str = "45382000";
const KHAMOVNIKI: &str = "45383000";
const PRESNENSKY: &str = "45380000";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_results_maps_show_what_the_table_shows() {
    let rig = Rig::start().await;
    let now = clock::now();
    // Closed a minute ago: everyone may see the results.
    let mut poll = open_poll(3, now);
    poll.opens_at = Some(now - time::Duration::hours(2));
    poll.closes_at = Some(now - time::Duration::minutes(1));
    rig.polls.store.insert_poll(&poll).await.unwrap();
    let mut all = Vec::new();
    // Арбат: 12 ballots, 11 for the second option; the first option's 1 is hidden.
    all.extend(ballots(&poll, ARBAT, 1, 11));
    all.extend(ballots(&poll, ARBAT, 0, 1));
    // Тверской: 7 ballots, all for the third option: below the smallest cell shown.
    all.extend(ballots(&poll, TVERSKOY, 2, 7));
    // Хамовники: 10 and 10, a tie.
    all.extend(ballots(&poll, KHAMOVNIKI, 0, 10));
    all.extend(ballots(&poll, KHAMOVNIKI, 1, 10));
    // Пресненский: 13 ballots split 4, 4, 5: shown in total, every option hidden.
    all.extend(ballots(&poll, PRESNENSKY, 0, 4));
    all.extend(ballots(&poll, PRESNENSKY, 1, 4));
    all.extend(ballots(&poll, PRESNENSKY, 2, 5));
    rig.polls.store.import_ballots(&all).await.unwrap();
    service::flush(&rig.polls).await.unwrap();

    let r = rig.get(&format!("/polls/{}/results", poll.id), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let body = &r.body;
    let q = &poll.questions[0];
    // The table, as before, and the maps beside it.
    assert!(
        body.contains(&format!(
            "<tr data-district=\"{TVERSKOY}\"><th scope=\"row\">Тверской</th><td>&#60;10</td>"
        )),
        "{body}"
    );
    assert!(body.contains("id=\"district-maps\""));
    assert!(body.contains("id=\"map-ballots\""));
    assert!(body.contains(&format!("id=\"map-leader-{}\"", q.id)));
    assert!(body.contains("Бюллетени по районам"));
    assert!(body.contains("© OpenStreetMap contributors"));

    // Тверской is hatched on both maps, named, and nothing more: not its count, not its leader.
    let tverskoy = paths_of(body, TVERSKOY);
    assert_eq!(tverskoy.len(), 2, "{tverskoy:?}");
    for path in &tverskoy {
        assert!(
            path.starts_with("<path class=\"map-area map-suppressed\""),
            "{path}"
        );
        assert!(path.ends_with("<title>Тверской</title></path>"), "{path}");
        assert!(!path.contains("map-category") && !path.contains("map-bucket"));
    }
    assert!(
        !body.contains("7 голосов"),
        "Тверской's count shows nowhere"
    );
    assert!(!body.contains(&format!("{} (7", q.options[2].text)));
    // Пресненский: its ballots show (13), its leader does not (every option is below 10).
    let presnensky = paths_of(body, PRESNENSKY);
    assert!(
        presnensky[0].contains("map-bucket-") && presnensky[0].contains("Пресненский: 13 голосов")
    );
    assert!(
        presnensky[1].starts_with("<path class=\"map-area map-suppressed\""),
        "{}",
        presnensky[1]
    );
    assert!(presnensky[1].ends_with("<title>Пресненский</title></path>"));

    // Арбат: 12 ballots; its leader, the second option, in the second colour, with its votes.
    let arbat = paths_of(body, ARBAT);
    assert!(
        arbat[0].contains("map-bucket-") && arbat[0].contains("<title>Арбат: 12 голосов</title>"),
        "{}",
        arbat[0]
    );
    assert!(
        arbat[1].starts_with("<path class=\"map-area map-category-1\""),
        "{}",
        arbat[1]
    );
    assert!(arbat[1].contains("fill=\"#56b4e9\""));
    assert!(
        arbat[1].contains(&format!(
            "<title>Арбат: {} (11 голосов)</title>",
            q.options[1].text
        )),
        "{}",
        arbat[1]
    );
    // Хамовники: a tie.
    let khamovniki = paths_of(body, KHAMOVNIKI);
    assert!(
        khamovniki[1].starts_with("<path class=\"map-area map-tie\""),
        "{}",
        khamovniki[1]
    );
    // A district without ballots: no data.
    let izmailovo = paths_of(body, "45307000");
    assert_eq!(izmailovo.len(), 2);
    assert!(
        izmailovo.iter().all(|p| p.contains("map-no-data")),
        "{izmailovo:?}"
    );
    // The legends name the options, the tie, the hatching and the empty districts.
    for text in [
        q.options[1].text.as_str(),
        "Поровну",
        "Слишком мало, чтобы показать",
        "Нет данных",
    ] {
        assert!(body.contains(&format!("</svg> {text}</li>")), "{text}");
    }
}
