//! The editor's pure edits of a `PollInput`, and the forms they read.

use veche_core::web::Form;

use crate::model::{Choice, Poll};
use crate::pages::common::{moscow_input_value, parse_moscow_time};
use crate::rules::{OptionInput, PollInput, QuestionInput};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Up,
    Down,
}

impl Dir {
    pub fn parse(raw: &str) -> Option<Dir> {
        match raw {
            "up" => Some(Dir::Up),
            "down" => Some(Dir::Down),
            _ => None,
        }
    }
}

/// An edit that names a question or option the poll does not have (any more).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditError {
    UnknownQuestion,
    UnknownOption,
    /// A number or a date the page could not read; the field it was in.
    Unreadable(&'static str),
    /// The audience names areas but none was chosen.
    NoAreas,
}

impl EditError {
    pub(super) fn key(self) -> &'static str {
        match self {
            EditError::UnknownQuestion | EditError::UnknownOption => "polls-editor-unknown-item",
            EditError::Unreadable("opens_at" | "closes_at") => "polls-error-datetime",
            EditError::Unreadable(_) => "polls-error-number",
            EditError::NoAreas => "polls-error-areas-required",
        }
    }

    pub(super) fn field(self) -> Option<&'static str> {
        match self {
            EditError::Unreadable(field) => Some(field),
            EditError::NoAreas => Some("audience"),
            _ => None,
        }
    }
}

fn question_index(input: &PollInput, qid: &str) -> Result<usize, EditError> {
    input
        .questions
        .iter()
        .position(|q| q.id.as_deref() == Some(qid))
        .ok_or(EditError::UnknownQuestion)
}

/// A number a form may leave empty (none); `field` names it when it is unreadable.
fn optional_number<T: std::str::FromStr>(
    text: &str,
    field: &'static str,
) -> Result<Option<T>, EditError> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| EditError::Unreadable(field))
}

/// Question `qid`, and where its option `oid` stands.
fn option_at<'a>(
    input: &'a mut PollInput,
    qid: &str,
    oid: &str,
) -> Result<(&'a mut QuestionInput, usize), EditError> {
    let qi = question_index(input, qid)?;
    let question = &mut input.questions[qi];
    let oi = question
        .options
        .iter()
        .position(|o| o.id.as_deref() == Some(oid))
        .ok_or(EditError::UnknownOption)?;
    Ok((question, oi))
}

/// Swaps the item at `index` with its neighbour; `false` at the ends (nothing to do).
fn shift<T>(items: &mut [T], index: usize, dir: Dir) -> bool {
    let other = match dir {
        Dir::Up => index.checked_sub(1),
        Dir::Down => (index + 1 < items.len()).then_some(index + 1),
    };
    match other {
        Some(other) => {
            items.swap(index, other);
            true
        }
        None => false,
    }
}

/// Moves a question up or down; `Ok(false)` when it is already first or last.
pub fn move_question(input: &mut PollInput, qid: &str, dir: Dir) -> Result<bool, EditError> {
    let i = question_index(input, qid)?;
    Ok(shift(&mut input.questions, i, dir))
}

pub fn remove_question(input: &mut PollInput, qid: &str) -> Result<bool, EditError> {
    let i = question_index(input, qid)?;
    input.questions.remove(i);
    Ok(true)
}

pub fn move_option(
    input: &mut PollInput,
    qid: &str,
    oid: &str,
    dir: Dir,
) -> Result<bool, EditError> {
    let (question, oi) = option_at(input, qid, oid)?;
    Ok(shift(&mut question.options, oi, dir))
}

/// Removes an option (the rules refuse a question left with fewer than two).
pub fn remove_option(input: &mut PollInput, qid: &str, oid: &str) -> Result<bool, EditError> {
    let (question, oi) = option_at(input, qid, oid)?;
    question.options.remove(oi);
    Ok(true)
}

pub fn add_option(input: &mut PollInput, qid: &str, text: &str) -> Result<bool, EditError> {
    let qi = question_index(input, qid)?;
    input.questions[qi].options.push(OptionInput {
        id: None,
        text: text.to_string(),
    });
    Ok(true)
}

/// A question's own fields as a form sends them (`text`, `kind`, `max_choices`, `required`,
/// and for a new question `options`, one per line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionForm {
    pub text: String,
    pub kind: String,
    pub max_choices: String,
    pub required: bool,
    pub options: String,
}

impl Default for QuestionForm {
    fn default() -> Self {
        QuestionForm {
            text: String::new(),
            kind: "single".into(),
            max_choices: String::new(),
            required: true,
            options: String::new(),
        }
    }
}

impl QuestionForm {
    pub fn from_form(form: &Form) -> QuestionForm {
        QuestionForm {
            text: form.get("text").to_string(),
            kind: form.get("kind").to_string(),
            max_choices: form.get("max_choices").trim().to_string(),
            required: !form.get("required").is_empty(),
            options: form.get("options").to_string(),
        }
    }

    pub(super) fn from_question(q: &crate::model::Question) -> QuestionForm {
        QuestionForm {
            text: q.text.clone(),
            kind: match q.choice {
                Choice::Single => "single".into(),
                Choice::Multiple { .. } => "multiple".into(),
            },
            max_choices: match q.choice {
                Choice::Single => String::new(),
                Choice::Multiple { max } => max.to_string(),
            },
            required: q.required,
            options: String::new(),
        }
    }

    /// The most choices: none for a single-choice question (a number left in the box is
    /// ignored), none when empty (all options), else the number.
    fn max(&self) -> Result<Option<u8>, EditError> {
        if self.kind != "multiple" || self.max_choices.is_empty() {
            return Ok(None);
        }
        self.max_choices
            .parse::<u8>()
            .map(Some)
            .map_err(|_| EditError::Unreadable("max_choices"))
    }

    /// The option lines: trimmed, blank ones dropped.
    pub fn option_lines(&self) -> Vec<String> {
        self.options
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }
}

pub fn edit_question(
    input: &mut PollInput,
    qid: &str,
    typed: &QuestionForm,
) -> Result<bool, EditError> {
    let qi = question_index(input, qid)?;
    let max = typed.max()?;
    let q = &mut input.questions[qi];
    q.text = typed.text.clone();
    q.kind = Some(typed.kind.clone());
    q.max_choices = max;
    q.required = Some(typed.required);
    Ok(true)
}

pub fn add_question(input: &mut PollInput, typed: &QuestionForm) -> Result<bool, EditError> {
    let max = typed.max()?;
    input.questions.push(QuestionInput {
        id: None,
        text: typed.text.clone(),
        kind: Some(typed.kind.clone()),
        max_choices: max,
        required: Some(typed.required),
        options: typed
            .option_lines()
            .into_iter()
            .map(|text| OptionInput { id: None, text })
            .collect(),
    });
    Ok(true)
}

/// The settings form as sent (or as the poll has it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SettingsForm {
    pub title: String,
    pub description: String,
    /// `datetime-local` values, Moscow time.
    pub opens_at: String,
    pub closes_at: String,
    pub points: String,
    pub visibility: String,
    /// `city` or `areas`.
    pub scope: String,
    pub okrugs: Vec<String>,
    pub districts: Vec<String>,
    pub verified_only: bool,
    pub min_age: String,
}

impl SettingsForm {
    /// The settings as the poll has them: its input, with times in Moscow time.
    pub fn from_poll(poll: &Poll) -> SettingsForm {
        let input = PollInput::from_poll(poll);
        let audience = input.audience;
        SettingsForm {
            title: input.title,
            description: input.description,
            opens_at: moscow_input_value(poll.opens_at),
            closes_at: moscow_input_value(poll.closes_at),
            points: poll.points.to_string(),
            visibility: poll.visibility.as_str().to_string(),
            scope: if poll.audience.city_wide() {
                "city".into()
            } else {
                "areas".into()
            },
            okrugs: audience.okrugs,
            districts: audience.districts,
            verified_only: audience.verified_only,
            min_age: audience.min_age.map(|a| a.to_string()).unwrap_or_default(),
        }
    }

    pub fn from_form(form: &Form) -> SettingsForm {
        let list = |name: &str| {
            form.all(name)
                .into_iter()
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .collect()
        };
        SettingsForm {
            title: form.get("title").to_string(),
            description: form.get("description").to_string(),
            opens_at: form.get("opens_at").trim().to_string(),
            closes_at: form.get("closes_at").trim().to_string(),
            points: form.get("points").trim().to_string(),
            visibility: form.get("results_visibility").to_string(),
            scope: form.get("audience_scope").to_string(),
            okrugs: list("okrugs"),
            districts: list("districts"),
            verified_only: !form.get("verified_only").is_empty(),
            min_age: form.get("min_age").trim().to_string(),
        }
    }

    /// Writes the settings into `input`. An open poll keeps its opening time
    /// (`keep_opening`); once the first ballot is in, the audience and the points stay as they
    /// are (`keep_audience`) whatever the form says.
    pub fn apply(
        &self,
        input: &mut PollInput,
        keep_opening: bool,
        keep_audience: bool,
    ) -> Result<bool, EditError> {
        input.title = self.title.clone();
        input.description = self.description.clone();
        if !keep_opening {
            input.opens_at =
                parse_moscow_time(&self.opens_at).map_err(|_| EditError::Unreadable("opens_at"))?;
        }
        input.closes_at =
            parse_moscow_time(&self.closes_at).map_err(|_| EditError::Unreadable("closes_at"))?;
        input.results_visibility = Some(self.visibility.clone());
        if !keep_audience {
            input.points = optional_number(&self.points, "points")?;
            input.audience.min_age = optional_number(&self.min_age, "min_age")?;
            input.audience.verified_only = self.verified_only;
            if self.scope == "areas" {
                if self.okrugs.is_empty() && self.districts.is_empty() {
                    return Err(EditError::NoAreas);
                }
                input.audience.okrugs = self.okrugs.clone();
                input.audience.districts = self.districts.clone();
            } else {
                input.audience.okrugs.clear();
                input.audience.districts.clear();
            }
        }
        Ok(true)
    }
}
