//! The pages through the routes: a poll's whole life, and who may see and edit what.

use veche_core::accounts::model::Role;
use veche_core::clock;
use veche_core::id::OrganisationId;

use super::{msk, Rig};
use crate::model::PollId;
use crate::pages::moscow_input_value;
use crate::service;

/// The editor's form for a new question.
fn question_form<'a>(
    version: &'a str,
    text: &'a str,
    kind: &'a str,
    required: &'a str,
    options: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("version", version),
        ("text", text),
        ("kind", kind),
        ("required", required),
        ("options", options),
    ]
}

/// The editor's settings form as the flow sends it at version 5: the title, 25 points, results
/// after voting, and these dates and audience scope.
fn settings_form<'a>(opens: &'a str, closes: &'a str, scope: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("version", "5"),
        ("title", "Парк «Дубки»"),
        ("opens_at", opens),
        ("closes_at", closes),
        ("points", "25"),
        ("results_visibility", "after_voting"),
        ("audience_scope", scope),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_from_draft_to_published_through_the_pages() {
    let rig = Rig::start().await;
    let org = OrganisationId::generate();
    let official = rig.user(&[Role::Official], Some(&org)).await;
    let anna = rig.user(&[], None).await;

    // Residents may not manage; strangers are sent to sign in.
    assert_eq!(rig.get("/official/polls", Some(&anna)).await.status, 403);
    let r = rig.get("/official/polls/new", None).await;
    assert_eq!(
        (r.status, r.location.as_str()),
        (303, "/signin?next=%2Fofficial%2Fpolls%2Fnew")
    );

    // A too short title is refused and kept.
    let r = rig
        .post(
            "/official/polls/new",
            &official,
            &[("title", "<a"), ("description", "")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("value=\"&#60;a\""), "{}", r.body);
    assert!(r.body.contains("id=\"form-error\""));

    let r = rig
        .post(
            "/official/polls/new",
            &official,
            &[
                ("title", "Парк «Дубки»"),
                ("description", "Что построить\nв парке?"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id = r
        .location
        .strip_prefix("/official/polls/")
        .and_then(|rest| rest.strip_suffix("?done=created"))
        .unwrap_or_else(|| panic!("{}", r.location))
        .to_string();
    let editor = format!("/official/polls/{id}");
    let ed = rig.editor(&editor, &official);
    let r = rig
        .get(&format!("{editor}?done=created"), Some(&official))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Черновик создан."));
    assert!(r.body.contains("Время указывается московское (UTC+3)."));
    assert!(r.body.contains("name=\"version\" value=\"1\""));
    assert_eq!(
        rig.get(&editor, Some(&anna)).await.status,
        403,
        "residents manage nothing"
    );
    let r = rig.get(&format!("/polls/{id}"), Some(&anna)).await;
    assert_eq!(r.status, 404, "a draft is invisible");

    // Questions: one needs two options.
    let form = question_form("1", "Что построить?", "single", "1", "Каток");
    let r = ed.post("questions", &form).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains(">Каток</textarea>"),
        "what was typed is kept"
    );
    for (version, text, kind, required, options) in [
        ("1", "Что построить?", "single", "1", "Каток\nСцену"),
        ("2", "Что ещё?", "multiple", "", "Лавочки\nФонари\nУрны"),
    ] {
        let mut form = question_form(version, text, kind, required, options);
        form.push(("max_choices", "2"));
        let r = ed.post("questions", &form).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.location, format!("{editor}?done=saved#questions"));
    }
    let poll = rig.poll(&id).await;
    assert_eq!(poll.questions.len(), 2);
    assert!(poll.questions[0].required);
    assert!(!poll.questions[1].required, "the box was not ticked");
    let (q1, q2) = (
        poll.questions[0].id.to_string(),
        poll.questions[1].id.to_string(),
    );

    // Move the second question up, then back down.
    let (up, down) = (
        format!("questions/{q2}/move?dir=up"),
        format!("questions/{q2}/move?dir=down"),
    );
    let r = ed.post(&up, &[("version", "3")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(rig.poll(&id).await.questions[0].id.as_str(), q2);
    // A stale version is a conflict, and the editor says so.
    let r = ed.post(&down, &[("version", "3")]).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("Кто-то изменил этот опрос"), "{}", r.body);
    let r = ed.post(&down, &[("version", "4")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(rig.poll(&id).await.questions[0].id.as_str(), q1);

    // Settings: an unreadable date is refused and what was typed is kept.
    let now = clock::now();
    let r = ed
        .post("settings", &settings_form("завтра", "", "city"))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("ГГГГ-ММ-ДД"), "{}", r.body);
    assert!(r.body.contains("value=\"25\""));
    let opens = msk(now - time::Duration::hours(1));
    let closes = msk(now + time::Duration::days(2));
    let mut form = settings_form(&opens, &closes, "areas");
    form.extend([
        ("description", "Что построить"),
        ("okrugs", "45286000"),
        ("min_age", "18"),
    ]);
    let r = ed.post("settings", &form).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let poll = rig.poll(&id).await;
    assert_eq!(poll.points, 25);
    assert_eq!(poll.audience.min_age, Some(18));
    assert_eq!(moscow_input_value(poll.opens_at), opens);

    let r = ed.post("schedule", &[("version", "6")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location, format!("{editor}?done=scheduled#lifecycle"));

    // Anna sees it open, with no mark yet.
    let r = rig.get("/polls", Some(&anna)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Парк «Дубки»") && r.body.contains("Идёт голосование"));
    assert!(!r.body.contains("data-testid=\"voted-mark\""));
    assert!(r.body.contains("Ваши баллы: 0"));
    let page = format!("/polls/{id}");
    let r = rig.get(&page, None).await;
    assert!(r.body.contains("Войдите, чтобы проголосовать"));
    assert!(r.body.contains(&format!("/signin?next=%2Fpolls%2F{id}")));
    let r = rig.get(&page, Some(&anna)).await;
    assert!(r.body.contains("id=\"ballot-form\""), "{}", r.body);
    assert!(r.body.contains(&format!("name=\"q_{q1}\"")));
    assert!(r.body.contains("Можно выбрать до 2 вариантов"));
    assert!(r.body.contains("Округа: Центральный"), "{}", r.body);
    let results = format!("/polls/{id}/results");
    let r = rig.get(&results, Some(&anna)).await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("видны проголосовавшим сразу"), "{}", r.body);

    // A ballot missing the required answer: the message sits at the question, choices kept.
    let poll = rig.poll(&id).await;
    let o2 = &poll.questions[1].options;
    let vote = format!("/polls/{id}/vote");
    let (field2, o2a, o2b) = (
        format!("q_{q2}"),
        o2[0].id.to_string(),
        o2[2].id.to_string(),
    );
    let r = rig
        .post(
            &vote,
            &anna,
            &[
                (field2.as_str(), o2a.as_str()),
                (field2.as_str(), o2b.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains(&format!("id=\"q-{q1}-error\"")),
        "{}",
        r.body
    );
    assert!(r.body.contains(&format!("value=\"{o2a}\" checked")));
    assert!(r.body.contains(&format!("value=\"{o2b}\" checked")));

    let field1 = format!("q_{q1}");
    let o1 = poll.questions[0].options[1].id.to_string();
    let r = rig
        .post(&vote, &anna, &[(field1.as_str(), o1.as_str())])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let receipt_page = r.location.split('?').next().unwrap_or_default().to_string();
    assert!(receipt_page.starts_with(&format!("/polls/{id}/receipts/")));
    assert!(r.location.ends_with("?done=voted"));
    let r = rig.get(&r.location, None).await;
    assert_eq!(r.status, 200, "the receipt is the permission: {}", r.body);
    assert!(r.body.contains("Спасибо! Ваш голос принят."));
    assert!(r.body.contains("Сцену"), "answers as option texts");
    assert!(r
        .body
        .contains("Ваш голос сохранён. Доказательство учёта появится здесь"));

    // Again: sent to the first receipt.
    let r = rig
        .post(&vote, &anna, &[(field1.as_str(), o1.as_str())])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location, format!("{receipt_page}?done=already_voted"));
    let r = rig.get("/polls", Some(&anna)).await;
    assert!(r.body.contains("data-testid=\"voted-mark\""));
    assert!(r.body.contains("Ваши баллы: 25"));
    let r = rig.get(&page, Some(&anna)).await;
    assert!(r.body.contains("Вы проголосовали") && !r.body.contains("id=\"ballot-form\""));

    // Results after voting, with bars.
    let r = rig.get(&results, Some(&anna)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<svg class=\"chart chart-bars\""));
    assert!(r.body.contains(&format!("class=\"bar\" x=\"0\" y=\"24\" width=\"0%\" height=\"20\" fill=\"#8c1c13\" data-key=\"{}\"", poll.questions[0].options[0].id)), "{}", r.body);
    assert!(r.body.contains("&#60;10"), "small cells hidden");
    assert!(!r.body.contains("/ballots.csv"), "exports only once sealed");

    // The receipt lookup.
    let receipt = receipt_page
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let r = rig
        .get(
            &format!("/polls/{id}/receipts?receipt={}", receipt.to_uppercase()),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.location.as_str()),
        (303, receipt_page.as_str())
    );
    let r = rig
        .get(
            &format!("/polls/{id}/receipts?receipt={}", "0".repeat(64)),
            None,
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        rig.get(&format!("/polls/{id}/receipts?receipt=xyz"), None)
            .await
            .status,
        404
    );

    // The editor shows frozen questions; the dashboard refreshes itself.
    let r = rig.get(&editor, Some(&official)).await;
    assert!(r.body.contains("data-testid=\"frozen-note\""), "{}", r.body);
    assert!(!r.body.contains("id=\"add-question-form\""));
    let r = rig
        .get(&format!("{editor}/dashboard"), Some(&official))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.refresh.as_deref(), Some("15"));
    assert!(r
        .body
        .contains("<meta http-equiv=\"refresh\" content=\"15\">"));
    assert!(r.body.contains("class=\"column\""));
    assert!(r.body.contains("data-district=\"45374000\""));
    assert_eq!(
        rig.get(&format!("{editor}/dashboard"), Some(&anna))
            .await
            .status,
        403
    );

    // Close, seal, check the receipt, publish.
    let r = ed
        .post("close", &[("version", "0"), ("reason", "Набрали голоса")])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    service::seal(&rig.polls, &PollId::from_trusted(id.clone()))
        .await
        .unwrap_or_else(|e| panic!("seal: {e}"));
    let r = rig.get(&receipt_page, None).await;
    assert!(
        r.body.contains("✓ Ваш голос учтён в опубликованных итогах"),
        "{}",
        r.body
    );
    assert!(r.body.contains("id=\"published-root\""));
    let r = ed.post("publish", &[("decision", "  ")]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = ed
        .post(
            "publish",
            &[("decision", "Построим каток.\n\nОткрытие зимой.")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = rig.get(&page, None).await;
    assert!(r.body.contains("Что решил город") && r.body.contains("Построим каток."));
    let r = rig.get(&results, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains(&format!("/api/v1/polls/{id}/ballots.csv")));
    assert!(r.body.contains("id=\"results-root\""));
    let r = rig.get("/me/points", Some(&anna)).await;
    assert!(r.body.contains("+25") && r.body.contains(&format!("href=\"/polls/{id}\"")));
    let r = rig.get("/official/polls", Some(&official)).await;
    assert!(r.body.contains(&format!("data-poll=\"{id}\"")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_managers_edit_and_strangers_see_no_drafts() {
    let rig = Rig::start().await;
    let mine = rig
        .user(&[Role::Official], Some(&OrganisationId::generate()))
        .await;
    let other = rig
        .user(&[Role::Official], Some(&OrganisationId::generate()))
        .await;
    let admin = rig.user(&[Role::Admin], None).await;
    let r = rig
        .post("/official/polls/new", &mine, &[("title", "Двор")])
        .await;
    let editor = r.location.split('?').next().unwrap_or_default().to_string();
    let ed_mine = rig.editor(&editor, &mine);
    assert_eq!(rig.get(&editor, Some(&other)).await.status, 404);
    assert_eq!(rig.get(&editor, Some(&admin)).await.status, 200);
    let r = rig.get("/official/polls", Some(&other)).await;
    assert!(!r.body.contains("Двор"), "{}", r.body);
    assert!(rig
        .get("/official/polls", Some(&admin))
        .await
        .body
        .contains("Двор"));
    assert_eq!(rig.get("/polls/not-a-poll", None).await.status, 404);
    assert_eq!(rig.get("/polls?cursor=%24%24", None).await.status, 400);
    // Deleting the draft goes back to the list.
    let r = ed_mine.post("delete", &[("version", "1")]).await;
    assert_eq!(
        (r.status, r.location.as_str()),
        (303, "/official/polls?done=deleted")
    );
}
