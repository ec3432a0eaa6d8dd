# Problem codes, refusal reasons and emails of ideas in English. Every key must also be in
# errors.ru.ftl. Page texts are in pages.en.ftl.

## Problems: err-CODE is the title, err-CODE-detail what to do
err-already_published = The project is published already
err-already_published-detail = Residents see this project already; it cannot be published twice.
err-invalid_id = Invalid id
err-invalid_id-detail = One of the ids in the request does not look like an idea's id. Check the list.

## Refusals: ideas-invalid-FIELD-REASON (ideas' own: polls have the same fields with other bounds)
ideas-invalid-title-required = Write a title.
ideas-invalid-title-too_short = The title is too short: at least 5 characters.
ideas-invalid-title-too_long = The title is too long: at most 140 characters for an idea, 200 for a project.
ideas-invalid-title-invalid_characters = The title holds characters that are not allowed.
ideas-invalid-body-required = Describe the idea.
ideas-invalid-body-too_short = Describe the idea in more detail: at least 20 characters.
ideas-invalid-body-too_long = The text is too long: at most 5,000 characters.
ideas-invalid-body-invalid_characters = The text holds characters that are not allowed.
ideas-invalid-image-invalid_image = The picture's reference is not valid: send the `hash` that uploading it answered.
ideas-invalid-image-unknown_image = That picture was not uploaded here: upload it first, then name its hash.
ideas-invalid-description-too_long = The project's description is too long: at most 10,000 characters.
ideas-invalid-description-invalid_characters = The project's description holds characters that are not allowed.
ideas-invalid-text-required = Write the text.
ideas-invalid-text-too_short = The text is too short.
ideas-invalid-text-too_long = The text is too long: at most 2,000 characters.
ideas-invalid-text-invalid_characters = The text holds characters that are not allowed.
ideas-invalid-note-required = Tell the author what to change.
ideas-invalid-note-too_long = The note is too long: at most 2,000 characters.
ideas-invalid-note-invalid_characters = The note holds characters that are not allowed.
ideas-invalid-topic-unknown_topic = Choose one of the project's topics.
ideas-invalid-topics-required = Add at least one topic.
ideas-invalid-topics-too_many = Too many topics: at most 30.
ideas-invalid-topics-invalid_code = A topic's code is 1 to 32 lower-case Latin letters, digits and "_".
ideas-invalid-topics-duplicate_code = Two topics share a code.
ideas-invalid-topics-too_short = A topic's name is too short.
ideas-invalid-topics-too_long = A topic's name is too long: at most 100 characters.
ideas-invalid-topics-invalid_characters = A topic's name holds characters that are not allowed.
ideas-invalid-criteria-too_many = Too many criteria: at most 10.
ideas-invalid-criteria-invalid_code = A criterion's code is 1 to 32 lower-case Latin letters, digits and "_".
ideas-invalid-criteria-duplicate_code = Two criteria share a code.
ideas-invalid-criteria-required = Name the criterion.
ideas-invalid-criteria-too_short = A criterion's name is too short.
ideas-invalid-criteria-too_long = A criterion's name is too long: at most 100 characters.
ideas-invalid-criteria-invalid_characters = A criterion's name holds characters that are not allowed.
ideas-invalid-audience-invalid = The audience is the whole city, some districts, or invited accounts.
ideas-invalid-districts-required = Choose at least one district.
ideas-invalid-districts-unknown_district = There is no such district.
ideas-invalid-invited-required = Invite at least one account.
ideas-invalid-invited-too_many = Too many invited: at most 10,000.
ideas-invalid-invited-invalid = The invited list holds an invalid id.
ideas-invalid-schedule-out_of_order = Stages follow one another: proposals, discussion, review, results.
ideas-invalid-project-already_started = Proposals have opened: the project no longer changes.
ideas-invalid-project-not_in_audience = The project is not for your district, or you are not among the invited.
ideas-invalid-project-not_manager = Only those who run the project may do this.
ideas-invalid-stage-proposals_closed = The project does not take ideas now.
ideas-invalid-stage-supports_closed = Ideas are supported during the discussion stage only.
ideas-invalid-stage-review_closed = The experts' review is not under way.
ideas-invalid-stage-comments_closed = The discussion is closed.
ideas-invalid-stage-wrong_stage = The project is at another stage.
ideas-invalid-idea-not_author = Only the idea's author may do this.
ideas-invalid-idea-already_moderated = A moderator has decided the idea: it can no longer be edited.
ideas-invalid-idea-already_decided = The idea has been decided already.
ideas-invalid-idea-not_rejected = Only a rejected idea can be appealed.
ideas-invalid-idea-already_appealed = A decision can be appealed once.
ideas-invalid-idea-no_open_appeal = The idea has no appeal waiting for a decision.
ideas-invalid-idea-not_approved = The idea is not approved yet.
ideas-invalid-idea-not_shortlisted = The idea is not on the experts' shortlist.
ideas-invalid-moderator-forbidden = Moderators take decisions.
ideas-invalid-moderator-same_moderator = Another moderator decides an appeal against your decision.
ideas-invalid-action-invalid = Unknown action.
ideas-invalid-action-not_in_bulk = A list of ideas can only be approved or rejected.
ideas-invalid-reason-required = Give the reason for the rejection.
ideas-invalid-into-required = Choose the idea to merge into.
ideas-invalid-into-invalid = The idea to merge into has an invalid id.
ideas-invalid-into-not_found = The idea to merge into was not found.
ideas-invalid-into-same_idea = An idea cannot be merged into itself.
ideas-invalid-into-other_project = Only ideas of one project can be merged.
ideas-invalid-into-not_open = An idea can be merged only into a pending or approved one.
ideas-invalid-ideas-required = Choose at least one idea.
ideas-invalid-ideas-too_many = At most 100 ideas at once.
ideas-invalid-comment-own_comment = You cannot report your own comment.
ideas-invalid-comment-already_reported = You reported this comment already.
ideas-invalid-parent-invalid = The comment's id is invalid.
ideas-invalid-parent-not_found = The comment you reply to was not found.
ideas-invalid-parent-other_idea = Reply to comments of this idea only.
ideas-invalid-parent-too_deep = Reply to top-level comments only.
ideas-invalid-expert-not_an_expert = Only the project's experts score ideas.
ideas-invalid-experts-not_an_expert = The chosen account does not hold the expert role.
ideas-invalid-experts-unknown_account = There is no such account.
ideas-invalid-experts-too_many = Too many experts: at most 100.
ideas-invalid-marks-missing_mark = Give a mark on every criterion.
ideas-invalid-marks-out_of_range = A mark is 1 to 5.
ideas-invalid-marks-unknown_criterion = The project has no such criterion.
ideas-invalid-outcome-invalid = The status is accepted, in work or done.
ideas-invalid-outcome-not_forward = An idea's status only moves forward.

## Emails
mail-idea_decided-subject = A decision on your idea "{ $title }"
mail-idea_decided-body = { $name }, { $decision ->
    [approved] your idea "{ $title }" is approved: everyone in the project can now see and support it.
    [rejected] your idea "{ $title }" was rejected. Reason: { $reason ->
        [off_topic] not about the project's subject
        [not_city_matter] not something the city decides
        [already_planned] already done or planned
        [unclear] the text does not say what is proposed
        [abusive] insults or other people's personal data
        [advertising] advertising or campaigning
       *[other] other
    }. { $note } If you disagree, you may appeal once: another moderator will decide.
    [sent_back] a moderator asks you to clarify your idea "{ $title }": { $note } Edit it and it returns to the queue.
    [merged] your idea "{ $title }" was merged with a similar one: you are credited as its co-author and its supports moved over.
    [appeal_granted] your appeal was granted: the idea "{ $title }" is approved.
    [appeal_refused] your appeal was decided: the decision on "{ $title }" stands.
   *[other] your idea "{ $title }" was decided.
}
mail-idea_decided-action = Open the idea
mail-idea_decided-digest = A decision on "{ $title }"

mail-idea_outcome-subject = News of the idea "{ $title }"
mail-idea_outcome-body = { $name }, the idea "{ $title }" has a new status: { $outcome ->
    [accepted] accepted for implementation
    [in_work] in work
    [done] done
   *[other] updated
}.
mail-idea_outcome-action = Open the idea
mail-idea_outcome-digest = "{ $title }": a new status
mail-idea_stage-subject = { $stage ->
    [discussion] Support the ideas of "{ $title }"
    [review] The experts are reading the ideas of "{ $title }"
   *[results] The results of "{ $title }"
}
mail-idea_stage-body = { $name }, you took part in "{ $title }". { $stage ->
    [discussion] Its ideas are now open for support and discussion: support the ones you want carried out.
    [review] Supports are closed; the experts are now scoring the ideas put forward to them.
   *[results] Its results are out: see which ideas were accepted and follow them as they are carried out.
}
mail-idea_stage-action = Open the project
mail-idea_stage-digest = "{ $title }": { $stage ->
    [discussion] supports are open
    [review] the experts' review began
   *[results] the results are out
}

## Kinds of email on the settings page
kind-idea_decided = Decisions on my ideas
kind-idea_decided-hint = An email when a moderator approves, rejects, sends back or merges your idea.
kind-idea_outcome = What becomes of ideas I follow
kind-idea_outcome-hint = An email when an idea you proposed or follow is accepted, taken into work or done.
kind-idea_stage = Projects I take part in
kind-idea_stage-hint = An email when a project you proposed, supported, discussed or followed ideas in opens supports, starts the experts' review or announces its results.
