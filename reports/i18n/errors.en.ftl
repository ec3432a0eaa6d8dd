# Problem codes, refusal reasons, emails and names of reports in English. Every key must also
# be in errors.ru.ftl.

## Problems: err-CODE is the title, err-CODE-detail what to do
err-invalid_transition = Not possible now
err-invalid_transition-detail = The report is not in a state that allows this. Reload it to see where it stands.
err-dispute_closed = Too late to dispute
err-dispute_closed-detail = An answer can be disputed within 15 days; after that the report closes. File a new report if the problem is back.
err-report_closed = The report is closed
err-report_closed-detail = Only open reports can be joined. File a new report if the problem is back.
err-own_report = Your own report
err-own_report-detail = You filed this report: you hear of it already.

## Refusals: reports-invalid-FIELD-REASON
reports-invalid-lat-invalid_point = The place is not a point on the map: send a latitude and a longitude.
reports-invalid-lat-outside_districts = The place lies outside every district the city serves.
reports-invalid-address-too_long = The address is too long: at most 300 characters.
reports-invalid-address-invalid_characters = The address holds characters that are not allowed.
reports-invalid-description-required = Describe the problem.
reports-invalid-description-too_short = Describe the problem in more detail: at least 10 characters.
reports-invalid-description-too_long = The description is too long: at most 2,000 characters.
reports-invalid-description-invalid_characters = The description holds characters that are not allowed.
reports-invalid-photos-too_many = Too many photos: at most 5.
reports-invalid-photos-invalid_photo = A photo's reference is not valid: send the `hash` that uploading it answered.
reports-invalid-photos-unknown_photo = A photo was not uploaded here: upload it first, then name its hash.
reports-invalid-photos-required = This category needs a photo of the problem.
reports-invalid-category_id-unknown = Choose one of the categories.
reports-invalid-category_id-not_leaf = Choose a category inside this group.
reports-invalid-note-required = Say why.
reports-invalid-note-too_long = The note is too long: at most 2,000 characters.
reports-invalid-note-invalid_characters = The note holds characters that are not allowed.
reports-invalid-text-required = Write the answer.
reports-invalid-text-too_long = The answer is too long: at most 4,000 characters.
reports-invalid-text-invalid_characters = The answer holds characters that are not allowed.
reports-invalid-organisation_id-unknown = There is no such organisation.
reports-invalid-organisation_id-unroutable = No organisation answers this category in this district: choose one.
reports-invalid-organisation_id-same_organisation = The report is with this organisation already.
reports-invalid-reason-unknown_reason = Choose a reason: not_city_matter, duplicate, abusive, unclear or advertising.
reports-invalid-action-unknown_action = The action is accept or reject.
reports-invalid-parent-unknown = There is no such parent category.
reports-invalid-parent-cycle = A category cannot be inside itself.
reports-invalid-deadline_days-out_of_range = The time to answer is 1 to 60 working days.
reports-invalid-duplicate_radius_m-out_of_range = The duplicate radius is 10 to 2,000 metres.
reports-invalid-name_ru-required = Write the Russian name.
reports-invalid-name_ru-too_long = The Russian name is too long: at most 200 characters.
reports-invalid-name_ru-invalid_characters = The Russian name holds characters that are not allowed.
reports-invalid-name_en-required = Write the English name.
reports-invalid-name_en-too_long = The English name is too long: at most 200 characters.
reports-invalid-name_en-invalid_characters = The English name holds characters that are not allowed.
reports-invalid-organisation_kind-unknown = The kind is district_council, housing, roads, parks or utilities.
reports-invalid-kind-unknown = Unknown kind.
reports-invalid-districts-too_many = Too many districts: at most 500.
reports-invalid-districts-unknown_district = One of the districts is not in the directory.
reports-invalid-head-not_official = The head must be one of the organisation's officials.
reports-invalid-radius-out_of_range = The radius is 1 to 2,000 metres.

## Names
reports-status-submitted = Awaiting moderation
reports-status-rejected = Rejected
reports-status-routed = Sent to the organisation
reports-status-in_progress = In progress
reports-status-answered = Answered
reports-status-closed = Closed
reports-status-reopened = Reopened
reports-kind-district_council = district council
reports-kind-housing = housing service
reports-kind-roads = roads agency
reports-kind-parks = parks service
reports-kind-utilities = utilities
reports-route-category = Sent to { $organisation } because it is the { $kind } serving { $district }.
reports-route-moderator = Sent to { $organisation } by a moderator: { $note }
reports-route-rerouted = Re-routed to { $organisation }: { $note }

## Emails
mail-report_status-subject = Your report has a new status: { $status ->
    [routed] sent to { $organisation }
    [in_progress] in progress
    [answered] answered
    [closed] closed
    [reopened] reopened
    [rejected] rejected
   *[other] { $status }
}
mail-report_status-body = { $name }, the report "{ $category }" ({ $address }) has a new status: { $status ->
    [routed] it was sent to { $organisation }, which must answer by { $deadline } (Moscow time).
    [in_progress] { $organisation } is working on it.
    [answered] { $organisation } answered. Confirm the answer, or dispute it within 15 days.
    [closed] it is closed.
    [reopened] the answer was disputed; { $organisation } must answer again by { $deadline }.
    [rejected] a moderator rejected it.
   *[other] { $status }.
}
mail-report_status-action = Open the report
mail-report_status-digest = The report "{ $category }": { $status }
mail-report_routed-subject = A new report for { $organisation }: "{ $category }"
mail-report_routed-body = { $name }, a report "{ $category }" ({ $address }) was sent to { $organisation }. Answer by { $deadline } (Moscow time).
mail-report_routed-action = Open the report
mail-report_routed-digest = New report "{ $category }"
mail-report_warning-subject = The deadline of "{ $category }" is near
mail-report_warning-body = { $name }, 80 % of the time to answer the report "{ $category }" ({ $address }) has passed. Answer by { $deadline } (Moscow time).
mail-report_warning-action = Open the report
mail-report_warning-digest = Deadline near: "{ $category }"
mail-report_overdue-subject = The report "{ $category }" is overdue
mail-report_overdue-body = { $name }, the deadline of the report "{ $category }" ({ $address }) has come ({ $deadline }, Moscow time) and it has no answer.
mail-report_overdue-action = Open the report
mail-report_overdue-digest = Overdue: "{ $category }"
mail-report_disputed-subject = An answer of { $organisation } was disputed
mail-report_disputed-body = { $name }, the author of the report "{ $category }" ({ $address }) disputed the answer. It is reopened; answer by { $deadline } (Moscow time).
mail-report_disputed-action = Open the report
mail-report_disputed-digest = Disputed: "{ $category }"
