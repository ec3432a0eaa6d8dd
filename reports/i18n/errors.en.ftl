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

## Open311 GeoReport v2 (/open311/v2): errors' descriptions, notices, the photos attribute
reports-open311-err-api_key-missing = Missing api_key: send a Veche API token (made on your profile page) -- can't proceed with create_request.
reports-open311-err-api_key = Invalid api_key received -- can't proceed with create_request.
reports-open311-err-jurisdiction = jurisdiction_id { $given } was not found: this endpoint serves one jurisdiction.
reports-open311-err-query = The query string cannot be read.
reports-open311-err-form = The form cannot be read: send application/x-www-form-urlencoded in UTF-8.
reports-open311-err-resource = No such Open311 resource: see discovery.json or discovery.xml.
reports-open311-err-service_code-missing = service_code was not provided.
reports-open311-err-service_code-unknown = service_code { $code } was not found.
reports-open311-err-request-unknown = service_request_id { $id } was not found.
reports-open311-err-token-unknown = token { $token } was not found.
reports-open311-err-location = lat and long were not provided: Veche files a report at a point on the map and does not look addresses up (send address_string beside them).
reports-open311-err-number = { $field } is not a number.
reports-open311-err-date = { $field } is not a W3C datetime with a time zone (e.g. 2026-01-01T00:00:00Z).
reports-open311-err-span = start_date must not be after end_date, and they may not span more than 90 days.
reports-open311-err-status = status takes open, closed, or both comma delimited.
reports-open311-err-too_many_ids = At most 1000 service_request_id at once.
reports-open311-err-attribute = attribute[{ $code }] is not an attribute of this service (see its service definition).
reports-open311-err-media_url = media_url is not accepted: Veche fetches no remote files. Upload a photo with POST /api/v1/uploads (your api_key as a bearer token) and send its hash in attribute[photos].
reports-open311-key-service = Residents make an API token on their profile page ({ $profile }); an application asks the administrators for a key.
reports-open311-service-notice = A moderator checks the report first; then the { $kind } serving its district answers within { $days } working days.
reports-open311-photo-required = A photo is required.
reports-open311-filed-notice = Filed. It is public once a moderator accepts it.
reports-open311-attr-photos = Photos of the problem: upload each with POST /api/v1/uploads (your api_key as a bearer token) and name the hashes it answered.
reports-open311-attr-photos-datatype = Up to 5 upload hashes, comma delimited.
reports-invalid-application-length = The application's name is 1 to 50 characters.
reports-invalid-account_id-blocked = The account is blocked: unblock it first.
