//! The editor's pure edits.

use veche_core::clock;

use crate::pages::common::parse_moscow_time;
use crate::pages::editor::{
    add_option, add_question, edit_question, move_option, move_question, remove_option,
    remove_question, Dir, EditError, QuestionForm, SettingsForm,
};
use crate::rules::{OptionInput, PollInput, QuestionInput};

fn option(id: &str) -> OptionInput {
    OptionInput {
        id: Some(id.into()),
        text: id.to_uppercase(),
    }
}

fn three_questions() -> PollInput {
    PollInput {
        title: "Парк".into(),
        questions: ["q1", "q2", "q3"]
            .iter()
            .map(|q| QuestionInput {
                id: Some(q.to_string()),
                text: q.to_string(),
                options: vec![option("a"), option("b"), option("c")],
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

fn ids(input: &PollInput) -> Vec<String> {
    input
        .questions
        .iter()
        .map(|q| q.id.clone().unwrap_or_default())
        .collect()
}

#[test]
fn questions_move_and_go_and_the_ends_stay_put() {
    let mut input = three_questions();
    assert_eq!(move_question(&mut input, "q1", Dir::Up), Ok(false));
    assert_eq!(move_question(&mut input, "q3", Dir::Down), Ok(false));
    assert_eq!(ids(&input), ["q1", "q2", "q3"]);
    assert_eq!(move_question(&mut input, "q1", Dir::Down), Ok(true));
    assert_eq!(ids(&input), ["q2", "q1", "q3"]);
    assert_eq!(move_question(&mut input, "q3", Dir::Up), Ok(true));
    assert_eq!(ids(&input), ["q2", "q3", "q1"]);
    assert_eq!(remove_question(&mut input, "q2"), Ok(true));
    assert_eq!(ids(&input), ["q3", "q1"]);
    assert_eq!(remove_question(&mut input, "q1"), Ok(true));
    assert_eq!(ids(&input), ["q3"]);
    assert_eq!(
        remove_question(&mut input, "q1"),
        Err(EditError::UnknownQuestion)
    );
    assert_eq!(move_question(&mut input, "q3", Dir::Up), Ok(false));
    assert_eq!(
        move_question(&mut input, "nope", Dir::Up),
        Err(EditError::UnknownQuestion)
    );
}

#[test]
fn options_move_are_added_and_removed_within_their_question() {
    let mut input = three_questions();
    let opts = |input: &PollInput, q: usize| -> Vec<Option<String>> {
        input.questions[q]
            .options
            .iter()
            .map(|o| o.id.clone())
            .collect()
    };
    assert_eq!(move_option(&mut input, "q2", "a", Dir::Up), Ok(false));
    assert_eq!(move_option(&mut input, "q2", "c", Dir::Down), Ok(false));
    assert_eq!(move_option(&mut input, "q2", "c", Dir::Up), Ok(true));
    assert_eq!(
        opts(&input, 1),
        [Some("a".into()), Some("c".into()), Some("b".into())]
    );
    assert_eq!(
        opts(&input, 0)[1],
        Some("b".into()),
        "other questions unchanged"
    );
    assert_eq!(remove_option(&mut input, "q2", "a"), Ok(true));
    assert_eq!(opts(&input, 1), [Some("c".into()), Some("b".into())]);
    assert_eq!(add_option(&mut input, "q2", "Новый"), Ok(true));
    assert_eq!(input.questions[1].options[2].id, None);
    assert_eq!(input.questions[1].options[2].text, "Новый");
    assert_eq!(
        remove_option(&mut input, "q2", "a"),
        Err(EditError::UnknownOption)
    );
    assert_eq!(
        move_option(&mut input, "q9", "a", Dir::Up),
        Err(EditError::UnknownQuestion)
    );
}

#[test]
fn question_forms_become_inputs() {
    let mut input = three_questions();
    let typed = QuestionForm {
        text: "Что ещё?".into(),
        kind: "multiple".into(),
        max_choices: "2".into(),
        required: false,
        options: "  Каток \n\n Сцена\r\nПлощадка\n".into(),
    };
    assert_eq!(add_question(&mut input, &typed), Ok(true));
    let q = &input.questions[3];
    assert_eq!(q.id, None);
    assert_eq!(
        (q.kind.as_deref(), q.max_choices, q.required),
        (Some("multiple"), Some(2), Some(false))
    );
    let texts: Vec<&str> = q.options.iter().map(|o| o.text.as_str()).collect();
    assert_eq!(texts, ["Каток", "Сцена", "Площадка"]);
    // A number left in the box of a single-choice question is ignored.
    let single = QuestionForm {
        kind: "single".into(),
        max_choices: "3".into(),
        ..typed.clone()
    };
    assert_eq!(edit_question(&mut input, "q1", &single), Ok(true));
    assert_eq!(input.questions[0].max_choices, None);
    assert_eq!(input.questions[0].text, "Что ещё?");
    assert_eq!(input.questions[0].options.len(), 3, "options kept");
    let bad = QuestionForm {
        max_choices: "many".into(),
        ..typed
    };
    assert_eq!(
        edit_question(&mut input, "q1", &bad),
        Err(EditError::Unreadable("max_choices"))
    );
}

#[test]
fn settings_apply_with_locks() {
    let mut input = three_questions();
    input.opens_at = Some(clock::now());
    let opened = input.opens_at;
    let mut form = SettingsForm {
        title: "Новое".into(),
        opens_at: "2030-01-01T10:00".into(),
        closes_at: "2030-01-02T10:00".into(),
        points: "30".into(),
        visibility: "after_close".into(),
        scope: "areas".into(),
        districts: vec!["45383000".into()],
        min_age: "18".into(),
        verified_only: true,
        ..Default::default()
    };
    assert_eq!(form.apply(&mut input, true, false), Ok(true));
    assert_eq!(input.title, "Новое");
    assert_eq!(input.opens_at, opened, "an open poll keeps its opening");
    assert_eq!(
        input.closes_at,
        parse_moscow_time("2030-01-02T10:00").ok().flatten()
    );
    assert_eq!(input.points, Some(30));
    assert_eq!(input.audience.districts, ["45383000"]);
    assert_eq!(input.audience.min_age, Some(18));
    assert!(input.audience.verified_only);
    assert_eq!(input.results_visibility.as_deref(), Some("after_close"));

    // Frozen: the audience and points stay whatever the form says.
    form.scope = "city".into();
    form.points = "5".into();
    assert_eq!(form.apply(&mut input, false, true), Ok(true));
    assert_eq!(input.points, Some(30));
    assert_eq!(input.audience.districts, ["45383000"]);
    assert_eq!(
        input.opens_at,
        parse_moscow_time("2030-01-01T10:00").ok().flatten()
    );

    assert_eq!(form.apply(&mut input, false, false), Ok(true));
    assert!(input.audience.districts.is_empty(), "the whole city");
    form.scope = "areas".into();
    form.districts.clear();
    assert_eq!(
        form.apply(&mut input, false, false),
        Err(EditError::NoAreas)
    );
    form.scope = "city".into();
    form.min_age = "old".into();
    assert_eq!(
        form.apply(&mut input, false, false),
        Err(EditError::Unreadable("min_age"))
    );
    form.min_age.clear();
    form.closes_at = "someday".into();
    assert_eq!(
        form.apply(&mut input, false, false),
        Err(EditError::Unreadable("closes_at"))
    );
}
