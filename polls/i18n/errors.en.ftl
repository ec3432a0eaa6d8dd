# The polls' problem codes and emails in English. Every key must also be in errors.ru.ftl.
# Pages' texts are in pages.en.ftl.

## Errors: err-CODE is the title, err-CODE-detail says what to do

# Editing a poll
err-poll_closed = The poll is closed
err-poll_closed-detail = Voting in this poll has ended, and a closed poll can no longer be changed.
err-questions_frozen = The questions can no longer change
err-questions_frozen-detail = Residents have already voted, so the questions, the audience and the points stay as they are. You can still change the title, the description and the closing time.
err-already_open = The poll is already open
err-already_open-detail = Voting has started, so the opening time can no longer change. You can still move the closing time.
err-not_a_draft = Not a draft
err-not_a_draft-detail = Only a draft can be scheduled or deleted. To stop a scheduled poll first, move it back to drafts.
err-not_scheduled = Not scheduled
err-not_scheduled-detail = Only a poll that is scheduled and not yet open can go back to drafts.
err-not_open = The poll is not open
err-not_open-detail = Only an open poll can be closed early.
err-not_closed = The poll is not closed yet
err-not_closed-detail = Results can be published only once voting has ended.
err-not_sealed_yet = The count is not finished
err-not_sealed_yet-detail = The poll closed a moment ago: the last ballots are still being counted. Try again in a minute.
err-not_sealed = The results are not final yet
err-not_sealed-detail = The final count, its Merkle root and the ballot export appear once the poll has closed and its ballots are counted.
err-not_open_yet = The poll has not opened yet
err-not_open_yet-detail = The dashboard shows the voting as it goes, from the moment the poll opens.
err-seal_differs = The final count differs from the ballots
err-seal_differs-detail = The counts stored when the poll was sealed do not match its ballots. The operators have been alerted.
err-poll_busy = The poll is busy
err-poll_busy-detail = Ballots kept arriving during the recount. Try again when voting is quieter.

# Voting
err-poll_not_open = Voting has not started
err-poll_not_open-detail = This poll is not open yet. Come back when it opens.
err-already_voted = You have already voted
err-already_voted-detail = You can vote in a poll only once. Your receipt proves that your ballot was counted.
err-not_in_audience = This poll is not for your district
err-not_in_audience-detail = Only residents of the districts the poll is for can vote in it.
err-too_young = You are too young for this poll
err-too_young-detail = This poll is for residents above a minimum age.
err-not_verified = Confirm your email address
err-not_verified-detail = Only residents who have confirmed their email address can vote in this poll. Follow the link in the email we sent you, or ask for a new one in your profile.
err-overloaded = Too many votes at once
err-overloaded-detail = Very many residents are voting right now. Your ballot was not recorded: send it again in a second.
err-missing_answer = A question is unanswered
err-missing_answer-detail = Answer every required question (its id is in "question").
err-too_many_choices = Too many options chosen
err-too_many_choices-detail = You chose more options than the question allows (its id is in "question").
err-unknown_option = Unknown option
err-unknown_option-detail = An answer names an option that this question does not have (the question's id is in "question").
err-unknown_question = Unknown question
err-unknown_question-detail = The ballot answers a question this poll does not have (its id is in "question").
err-duplicate_answer = A question is answered twice
err-duplicate_answer-detail = Answer each question once (its id is in "question").
err-duplicate_option = An option is chosen twice
err-duplicate_option-detail = Choose each option only once (the question's id is in "question").
err-empty_answer = An answer without options
err-empty_answer-detail = Choose at least one option, or leave out an optional question (its id is in "question").
err-empty_ballot = The ballot is empty
err-empty_ballot-detail = Answer at least one question.
err-too_many_answers = Too many answers
err-too_many_answers-detail = The ballot has far more answers than the poll has questions.

# Reading polls and results
err-results_hidden = The results are not shown yet
err-results_hidden-detail = The results of this poll are shown to voters after they vote, or to everyone once the poll has closed, or only to the officials who run it — as its organisers chose.
err-invalid_status = Unknown status
err-invalid_status-detail = The statuses are: draft, scheduled, open, closed, published.

## Field checks: invalid-FIELD-CODE

invalid-title-required = Enter the poll's title.
invalid-title-too_short = The title is too short: at least 3 characters.
invalid-title-too_long = The title is too long: at most 200 characters.
invalid-title-invalid_characters = The title must not contain line breaks or other control characters.

invalid-description-too_long = The description is too long: at most 10,000 characters.
invalid-description-invalid_characters = The description must not contain control characters other than line breaks and tabs.

invalid-questions-required = Add at least one question before scheduling the poll.
invalid-questions-too_many = Too many questions: at most 50.

invalid-question_id-unknown_id = This question id is not in the poll. Leave the id out for a new question.
invalid-question_id-duplicate_id = The same question appears twice.

invalid-question_text-required = Enter the question's text.
invalid-question_text-too_long = The question is too long: at most 500 characters.
invalid-question_text-invalid_characters = The question must not contain control characters other than line breaks and tabs.

invalid-options-too_few = A question needs at least 2 options.
invalid-options-too_many = Too many options: at most 20 per question.

invalid-option_id-unknown_id = This option id is not in the question. Leave the id out for a new option.
invalid-option_id-duplicate_id = The same option appears twice.

invalid-option_text-required = Enter the option's text.
invalid-option_text-too_long = The option is too long: at most 200 characters.
invalid-option_text-invalid_characters = The option must not contain line breaks or other control characters.
invalid-option_text-duplicate_option = The question already has this option.

invalid-kind-invalid_kind = The kind of question is single (one option) or multiple (several options).

invalid-max_choices-single_choice = A single-choice question allows exactly one option: leave max_choices out, or make the question multiple.
invalid-max_choices-out_of_range = A multiple-choice question allows from 2 options up to the number of its options.

invalid-audience-too_many = Too many districts and okrugs: at most 300 together. For the whole city, leave both lists empty.

invalid-districts-unknown_district = This district is not on the list. Choose one from the list.

invalid-okrugs-unknown_okrug = This okrug is not on the list. Choose one from the list.

invalid-min_age-out_of_range = The minimum age is a whole number of years from 1 to 120.

invalid-opens_at-schedule_required = Set the opening and closing times before scheduling the poll.

invalid-closes_at-before_opening = The poll must close after it opens.
invalid-closes_at-too_long = A poll can run at most one year.
invalid-closes_at-in_the_past = The closing time has already passed. Choose a time in the future.

invalid-points-out_of_range = The points are a whole number from 0 to 1000.

invalid-results_visibility-invalid_visibility = Results are shown after_voting (to voters at once, to everyone after the close), after_close or officials_only.

invalid-decision-required = Write what the city decided.
invalid-decision-too_long = The decision is too long: at most 10,000 characters.

invalid-close_reason-too_long = The reason is too long: at most 1000 characters.

## Emails: mail-KIND-subject, -body, -action (the button), -digest (a line of the daily digest).
## Variables: $title (the poll's title), $name (the resident's display name).

mail-poll_opened-subject = A new poll in your district: { $title }
mail-poll_opened-body = { $name }, a new poll has opened for residents of your district: «{ $title }». Have your say — every vote counts, and you earn points for taking part.
mail-poll_opened-action = Vote
mail-poll_opened-digest = A new poll in your district: { $title }

mail-poll_results-subject = The results of the poll «{ $title }» are published
mail-poll_results-body = { $name }, thank you for voting in «{ $title }». The results are published, together with what the city decided. With your receipt you can check that your ballot was counted.
mail-poll_results-action = See the results
mail-poll_results-digest = The results of the poll «{ $title }» are published

## Notification kinds on the preferences page
kind-poll_opened = New polls in your district
kind-poll_opened-hint = An email when a poll you may vote in opens. Off until you switch it on.
kind-poll_results = Results of polls you voted in
kind-poll_results-hint = An email when the city publishes the results of a poll you took part in, with what it decided.
