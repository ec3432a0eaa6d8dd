# The polls' page texts in English. Every key must also be in pages.ru.ftl.
# Times on the pages are Moscow time; $time arguments already say so.

## Navigation

nav-polls = Polls
nav-official-polls = Manage polls

## Shared

polls-msk-note = Times are Moscow time (UTC+3).
polls-form-error-title = Please check what you entered
polls-more = More
polls-back-to-list = All polls
polls-back-to-poll = Back to the poll
polls-back-to-official = All my polls
# $count — number of votes
polls-votes = { $count ->
    [one] { $count } vote
   *[other] { $count } votes
}
# $count — number of points
polls-points = { $count ->
    [one] { $count } point
   *[other] { $count } points
}
# $count — points balance
polls-balance = Your points: { $count }

## Statuses and results visibility

polls-status-draft = Draft
polls-status-scheduled = Scheduled
polls-status-open = Open for voting
polls-status-closed = Closed
polls-status-published = Results published
polls-visibility-after_voting = Voters right away, everyone else after it closes
polls-visibility-after_close = Everyone, after the poll closes
polls-visibility-officials_only = Officials only, until the decision is published

## The list of polls

polls-title = Polls
polls-intro = Vote in city and district polls, earn points for taking part, and see what the city decided.
polls-points-link = points history
polls-manage-link = Manage polls
polls-section-open = Open now
polls-section-upcoming = Upcoming
polls-section-finished = Finished
polls-none-open = No polls are open right now.
polls-none-upcoming = No polls are scheduled.
polls-none-finished = No polls have finished yet.
polls-voted-mark = You voted ✓
# $time — closing date and time
polls-until = Open until { $time }
# $time — opening date and time
polls-opens = Opens { $time }
# $time — closing date and time
polls-closed-at = Closed { $time }
polls-results-link = Results

## A poll

polls-facts-title = About this poll
polls-fact-opens = Opens
polls-fact-closes = Closes
polls-fact-points = Points for taking part
polls-fact-visibility = Results visible to
polls-fact-ballots = Ballots cast
polls-fact-audience = Who may vote
polls-audience-city = The whole city
# $list — okrug names, comma-separated
polls-audience-okrugs = Okrugs: { $list }
# $list — district names, comma-separated
polls-audience-districts = Districts: { $list }
# $count — minimum age
polls-audience-min-age = Aged { $count } or over
polls-audience-verified = Only residents who confirmed their email address
polls-manage-this = Manage this poll
polls-decision-title = What the city decided
polls-note-draft = This is a draft: residents cannot see it.
# $time — opening date and time
polls-note-scheduled = Voting opens { $time }.
polls-note-closed = Voting has ended.
polls-note-published = Voting has ended and the results are published.
polls-you-voted = You voted
polls-your-receipt = Your receipt and the check that your vote was counted
polls-signin-to-vote = Sign in to vote
polls-ineligible-title = You cannot vote in this poll
polls-ineligible-not_in_audience = This poll is for residents of other districts.
polls-ineligible-too_young = This poll is for older residents.
polls-ineligible-not_verified = This poll is only for residents who confirmed their email address. Confirm yours with the link we emailed you.
polls-verify-resend = Send the link again
polls-verify-profile = Go to your profile
polls-ballot-title = Your vote
polls-ballot-note = Questions marked with an asterisk (*) are required. A vote cannot be changed once sent.
polls-ballot-submit = Vote
polls-pick-one = Pick one option
# $count — how many options may be picked
polls-pick-up-to = { $count ->
    [one] Pick up to { $count } option
   *[other] Pick up to { $count } options
}
polls-required = required
polls-optional = may be skipped
polls-questions-title = Questions
polls-check-title = Check a receipt
polls-check-label = Receipt
polls-check-hint = 64 characters: digits and the letters a–f
polls-check-submit = Check

## Receipt

polls-receipt-title = Your voting receipt
polls-receipt-poll = Poll:
polls-receipt-label = Your receipt
polls-receipt-keep = Keep this receipt: with it you can check at any time that your vote was counted. Do not publish it — it shows how you answered.
polls-receipt-answers = Your answers
polls-proof-title = Was my vote counted?
polls-proof-ok = ✓ Your ballot is included in the published results
polls-proof-failed = ✗ The check failed: the proof does not lead to the published root. Please tell the poll's organisers.
polls-proof-root = The published Merkle root:
polls-proof-explain = The server checked that the chain of hashes below leads from your ballot to the published root. You can redo this check yourself from the ballot export.
# $district — the ballot's district, $age — its age bracket
polls-proof-leaf = The tree's leaf: your receipt, district { $district }, age bracket { $age }.
polls-proof-steps = Proof steps
polls-proof-side = Side
polls-proof-hash = Sibling hash
polls-proof-no-steps = Yours is the only ballot: the root is its leaf.
polls-side-left = left
polls-side-right = right
polls-proof-pending = Your ballot is stored; the proof appears here when the poll closes.

## Results

polls-results-title = Poll results
polls-results-final = Final results
polls-results-live = Interim results: voting is still open
polls-results-table = The same as a table
polls-col-option = Option
polls-col-votes = Votes
polls-col-percent = Share
polls-col-district = District
polls-col-age = Age
polls-col-ballots = Ballots
polls-by-district = By district
polls-by-age = By age
polls-small-cells = Numbers below 10 are not shown (“<10”), so that the answers of small groups of residents cannot be told.
polls-no-ballots = No ballots yet.
polls-maps-title = On the map
polls-maps-note = The maps show what the table shows: a district with fewer than 10 ballots, or whose every option has fewer than 10 votes, is hatched, without its numbers.
polls-map-ballots = Ballots by district
polls-map-leader = Leading option by district: { $question }
polls-map-tie = Tie
polls-verify-title = Checking the results
polls-root-label = The Merkle root over every ballot:
polls-root-pending = The Merkle root is published when the poll closes.
polls-downloads = Download the data
polls-download-results-csv = Results (CSV)
polls-download-results-json = Results (JSON)
polls-download-ballots-csv = Every ballot (CSV)
polls-download-ballots-json = Every ballot (JSON)
polls-download-seal = The poll's seal: root and tree blocks (JSON)
polls-results-hidden-title = The results are not visible yet
polls-results-hidden-not-started = The results appear once voting has started.
# $time — closing date and time
polls-results-hidden-vote-first = Voters see this poll's results right after voting; everyone else once it closes ({ $time }).
# $time — closing date and time
polls-results-hidden-after-close = Everyone sees the results once the poll closes ({ $time }).
polls-results-hidden-officials = Only officials see this poll's results until the city publishes its decision.

## Points

polls-points-title = My points
polls-points-intro = You earn points for taking part in polls.
polls-points-none = You have no points yet. Vote in an open poll!
polls-points-deleted = (poll deleted)
polls-col-when = When
polls-col-poll = Poll
polls-col-points = Points

## Managing polls

polls-official-title = Manage polls
polls-official-none = No polls yet.
polls-new-button = New poll
polls-col-status = Status
polls-col-actions = Actions
polls-action-edit = Edit
polls-action-view = Poll page
polls-action-dashboard = Dashboard
polls-action-results = Results
polls-new-title = New poll
polls-new-intro = Give a title and a description. You set the questions, dates and audience in the editor.
polls-new-submit = Create the draft
polls-field-title = Title
polls-hint-title = 3 to 200 characters
polls-field-description = Description

## The editor

# $title — the poll's title
polls-editor-title = Editing: { $title }
# $version — the version number
polls-editor-version = version { $version }
polls-editor-go-to-form = Go to the form
polls-editor-conflict-title = The poll has changed
polls-editor-conflict = Someone changed this poll meanwhile — reloaded. Check their changes and make yours again.
polls-editor-unknown-item = That question or option is gone: the poll may have changed. The page has been reloaded.
polls-error-datetime = Give the date and time as YYYY-MM-DD HH:MM.
polls-error-number = Enter a whole number.
polls-error-areas-required = Choose at least one okrug or district — or pick “The whole city”.
polls-settings-title = Settings
polls-settings-save = Save the settings
polls-opening-locked = voting has started; the opening time stays
polls-hint-points = 0 to 1000
polls-audience-locked = Voting has started: the audience and the points can no longer change.
polls-scope-areas = Chosen okrugs and districts
polls-field-okrugs = Okrugs
polls-field-districts = Districts
polls-hint-districts = pick several with Ctrl or ⌘
polls-field-verified-only = Only residents with a confirmed address
polls-field-min-age = Minimum age
polls-hint-min-age = in whole years by year of birth; empty for none
polls-frozen-note = Voting has started: the questions and options can no longer change.
polls-no-questions = No questions yet. Add the first one below.
polls-move-up = up
polls-move-down = down
polls-remove = remove
# $option — the option's text
polls-option-up-label = Move option “{ $option }” up
# $option — the option's text
polls-option-down-label = Move option “{ $option }” down
# $option — the option's text
polls-option-remove-label = Remove option “{ $option }”
polls-question-up = Move question up
polls-question-down = Move question down
polls-question-remove = Remove question
polls-question-edit = Edit the question
polls-question-save = Save the question
polls-field-question = Question
polls-field-kind = Answer type
polls-kind-single = One option
polls-kind-multiple = Several options
polls-field-max = How many options may be picked
polls-hint-max = for several options; empty for any number
polls-field-required = Required question
polls-field-new-option = New option
polls-option-add = Add the option
polls-add-question-title = Add a question
polls-add-question-submit = Add the question
polls-field-options = Options
polls-hint-options = one per line, at least two
polls-lifecycle-title = The poll's life
polls-schedule-note = To schedule the poll, set its opening and closing times and add at least one question. It opens by itself at the set time.
polls-schedule = Schedule
polls-delete = Delete the draft
polls-unschedule-note = The poll has not started: it can go back to draft and be changed.
polls-unschedule = Back to draft
polls-field-close-reason = Why it closes early (optional)
polls-close = Close now
polls-hint-decision = every resident sees it on the poll and results pages
polls-publish = Publish the results
polls-decision-update = Update the decision

## The dashboard (officials)

polls-dashboard-title = Dashboard
# $time — date and time
polls-dashboard-updated = As of { $time }
# $count — seconds
polls-dashboard-refresh = { $count ->
    [one] the page reloads every second
   *[other] the page reloads every { $count } seconds
}
polls-turnout-title = Turnout by district
polls-turnout-note = Exact numbers — for officials only.
polls-per-hour-title = Ballots per hour
polls-col-hour = Hour
# $total — ballots in all (with the word “votes”)
polls-dashboard-hours-title = Ballots per hour, { $total } in all

## Messages after an action

polls-flash-voted = Thank you! Your vote has been recorded.
polls-flash-already-voted = You have already voted in this poll — here is your receipt.
polls-flash-created = The draft is created. Add questions and set the dates.
polls-flash-saved = Changes saved.
polls-flash-scheduled = The poll is scheduled.
polls-flash-unscheduled = The poll is back to draft.
polls-flash-deleted = The draft is deleted.
polls-flash-closed = Voting is closed.
polls-flash-published = The results are published.
