# Ideas' page texts in English. Every key must also be in pages.ru.ftl.
nav-ideas = Ideas
nav-moderation-ideas = Idea moderation

ideas-title = Ideas for the city
ideas-intro = Propose how to make the city better, support your neighbours' ideas and follow how the best come true.
ideas-none-projects = No projects yet.
ideas-more = Show more
ideas-queue-link = Moderation queue
ideas-stage-draft = Draft
ideas-stage-upcoming = Coming soon
ideas-stage-proposals = Taking ideas
ideas-stage-discussion = Discussion and support
ideas-stage-review = Experts' review
ideas-stage-results = Results
ideas-opens = opens { $date }
ideas-until = until { $date }
ideas-since = since { $date }
ideas-stages = The project's stages
ideas-submit-link = Propose an idea
ideas-signin-to-submit = Sign in to propose an idea
ideas-log-link = Moderation log
ideas-results-link = The project's results
ideas-search-label = Find ideas
ideas-topic-label = Topic
ideas-topic-any = All topics
ideas-sort-label = Order
ideas-sort-newest = Newest first
ideas-sort-supports = Most supported
ideas-mine-label = Only my ideas
ideas-search-button = Show
ideas-list-title = Ideas
ideas-none = No ideas match yet.
ideas-supports = { $count ->
    [one] { $count } support
   *[other] { $count } supports
}
ideas-support = Support
ideas-withdraw = Withdraw support
ideas-status-pending = Being checked
ideas-status-changes_requested = Needs changes
ideas-status-approved = Approved
ideas-status-rejected = Rejected
ideas-status-merged = Merged with a similar one

ideas-new-title = A new idea
ideas-edit-title = Edit the idea
ideas-field-title = Title
ideas-field-title-hint = What you propose, briefly: 5 to 140 characters.
ideas-field-body = Description
ideas-field-body-hint = What to do, where and why: 20 to 5,000 characters. A moderator will check it.
ideas-form-send = Send

ideas-merged-into = This idea was merged with a similar one:
ideas-merged-link = open the idea
ideas-updates-title = How it comes true
ideas-yours-title = Your idea
ideas-rejected-because = Rejected because:
ideas-moderator-note = The moderator's note:
ideas-edit-link = Edit the idea
ideas-appeal-label = Why the decision should be reconsidered
ideas-appeal-send = Appeal the decision
ideas-appeal-waiting = Appeal sent: another moderator will decide.
ideas-appeal-granted = Appeal granted: the idea is approved.
ideas-appeal-refused = Appeal decided: the decision stands.
ideas-follow = Follow the idea
ideas-unfollow = Stop following
ideas-follow-hint = You get an email when the idea is accepted, taken into work or done.
ideas-signin-to-act = Sign in to support the idea, follow it and join the discussion.
ideas-comments-title = Discussion
ideas-no-comments = No comments yet.
ideas-comment-hidden = Comment hidden: residents reported it, a moderator will check it.
ideas-report = Report
ideas-reply = Reply
ideas-reply-label = Your reply
ideas-comment-label = Your comment
ideas-comment-send = Send

ideas-reason-off_topic = Not about the project's subject
ideas-reason-not_city_matter = Not something the city decides
ideas-reason-already_planned = Already done or planned
ideas-reason-unclear = Unclear what is proposed
ideas-reason-abusive = Insults or other people's personal data
ideas-reason-advertising = Advertising or campaigning
ideas-outcome-accepted = Accepted for implementation
ideas-outcome-in_work = In work
ideas-outcome-done = Done

ideas-queue-title = Idea moderation queue
ideas-queue-waiting = { $count ->
    [one] { $count } idea waits for a decision
   *[other] { $count } ideas wait for a decision
}
ideas-queue-oldest = the oldest has waited
ideas-queue-project = Project
ideas-queue-all = All projects
ideas-queue-show = Show
ideas-queue-empty = The queue is empty.
ideas-waits = waiting
ideas-bulk-title = One decision on several ideas
ideas-bulk-hint = Tick ideas in the list below, choose the action and, to reject, the reason.
ideas-bulk-pick = pick
ideas-bulk-send = Apply to the ticked ideas
ideas-action-label = Action
ideas-do-approve = Approve
ideas-do-reject = Reject
ideas-do-send-back = Send back to the author for changes
ideas-reason-label = Reason (to reject)
ideas-note-label = Note to the author (required to send back)
ideas-decision = Decision
ideas-decide = Decide
ideas-duplicates-title = Similar ideas
ideas-exact = exact copy
ideas-merge-into = Merge into this one
ideas-for-another = An appeal against your decision: another moderator decides it.
ideas-appeal-by-author = The author's appeal against the rejection:
ideas-appeal-decide-hint = Decide whether to reconsider the rejection.
ideas-appeal-grant = Approve the idea
ideas-appeal-refuse = Keep the rejection
ideas-reported-title = Reported comments
ideas-reported-none = No reports.
ideas-reports = { $count ->
    [one] { $count } report
   *[other] { $count } reports
}
ideas-comment-hidden-now = hidden
ideas-comment-context = in the discussion
ideas-keep = Keep
ideas-remove = Remove

ideas-log-title = Moderation log: { $project }
ideas-log-intro = How many decisions the project's ideas got and why. No author or moderator is named.
ideas-log-decisions = Decisions
ideas-log-reasons = Reasons for rejection
ideas-log-days = By day
ideas-log-date = Day
ideas-log-none = No decisions yet.
ideas-action-approved = Approved
ideas-action-rejected = Rejected
ideas-action-sent_back = Sent back
ideas-action-merged = Merged
ideas-action-appeal_granted = Appeal granted
ideas-action-appeal_refused = Appeal refused
ideas-results-title = Results: { $project }
ideas-results-none = No results yet.
ideas-results-author = Author: { $names }
ideas-results-authors = Authors: { $names }
ideas-results-more = { $count ->
    [one] and one more resident
   *[other] and { $count } more residents
}
ideas-results-residents = { $count ->
    [one] Author: a resident
   *[other] Authors: { $count } residents
}
ideas-open-data = Open data (decided ideas, supports and decisions; no personal data):
ideas-open-data-csv = CSV
ideas-open-data-json = JSON

ideas-flash-submitted = Idea sent: everyone will see it once a moderator has checked it.
ideas-flash-saved = Idea saved.
ideas-flash-supported = You support the idea.
ideas-flash-withdrawn = Support withdrawn.
ideas-flash-followed = You follow the idea.
ideas-flash-unfollowed = You no longer follow the idea.
ideas-flash-commented = Comment published.
ideas-flash-reported = Report received.
ideas-flash-appealed = Appeal sent.
ideas-flash-decided = Decision taken.
ideas-flash-bulk = The decision was applied to the ticked ideas.
ideas-flash-bulk-partly = The decision was not applied to every idea: others changed some first. Check the queue.
ideas-flash-moderated = Done.

ideas-review-link = Expert review
ideas-review-title = Expert review: { $project }
ideas-review-hint-expert = Mark each idea from 1 (weak) to 5 (strong) on every criterion and say why in a note. You can change your marks until the review ends.
ideas-review-hint-reader = The shortlisted ideas, ranked by the experts' mean mark, then by residents' supports.
ideas-review-agreement = Experts' agreement (Kendall's W, 0 = none, 1 = full): { $w }
ideas-review-none = No idea has been put forward to the experts yet.
ideas-review-ranking = Ranking
ideas-review-col-idea = Idea
ideas-review-col-score = Mean mark
ideas-review-col-experts = Scored by
ideas-review-col-supports = Supports
ideas-review-experts = { $scored } of { $count ->
    [one] { $count } expert
   *[other] { $count } experts
}
ideas-review-note = Note for the panel
ideas-review-score = Save marks
ideas-review-rescore = Change marks
ideas-review-scored = You have scored this idea.
ideas-flash-scored = Your marks are saved.
ideas-organiser-title = For the organisers
ideas-organiser-shortlisted = Put forward to the experts.
ideas-organiser-not-shortlisted = Not put forward to the experts.
ideas-organiser-shortlist = Put forward to the experts
ideas-organiser-unshortlist = Take back from the experts
ideas-organiser-outcome = Next step
ideas-organiser-update = What residents should know (optional)
ideas-organiser-outcome-send = Record the step
ideas-flash-shortlisted = The idea is put forward to the experts.
ideas-flash-unshortlisted = The idea is taken back from the experts.
ideas-flash-outcome = The step is recorded; the authors and followers are told.
ideas-field-image = A picture (optional)
ideas-field-image-hint = A JPEG, PNG or WebP photo of up to 8 MB. We keep a copy without its location or camera data.
ideas-image-current = The idea's picture
ideas-image-remove = Remove the picture
