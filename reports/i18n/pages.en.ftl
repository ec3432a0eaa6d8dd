# Reports' page texts (residents and the public) in English. Every key must also be in pages.ru.ftl.
reports-nav = Problems in the city
reports-flash-filed = Your report is filed. A moderator checks it, then it goes to the organisation that answers for it.
reports-flash-joined = You joined the report: you will hear of it as its author does.
reports-flash-confirmed = Thank you: the report is closed.
reports-flash-disputed = The answer is disputed: the report is reopened and the organisation must answer again.
reports-answer-by = answer by { $date }
reports-joiners = { $count ->
    [one] { $count } resident joined
   *[other] { $count } residents joined
}
reports-distance-m = { $m } m away
reports-distance-km = { $km } km away

reports-list-title = Problems in the city
reports-list-intro = Reports of residents about problems in the city, and how the organisations answer them.
reports-list-heading = Reports
reports-new-link = Report a problem
reports-signin-to-file = Sign in to report a problem
reports-filter-district = District
reports-filter-any-district = All districts
reports-filter-category = Category
reports-filter-any-category = All categories
reports-filter-status = Status
reports-filter-any-status = Any status
reports-filter-overdue = Only overdue
reports-filter-show = Show
reports-map-title = Reports on the map
reports-map-count = { $count ->
    [one] { $count } report
   *[other] { $count } reports
}
reports-map-none = No reports
reports-none = No reports match.
reports-first = First page
reports-more = Show more
reports-mine-title = My reports
reports-mine-none = You have not reported a problem yet.

reports-new-title = Report a problem
reports-step-1 = Step 1 of 2: what and where.
reports-step-2 = Step 2 of 2: describe the problem.
reports-field-category = Category
reports-field-category-choose = Choose a category
reports-field-category-hint = Groups cannot be chosen: choose a category inside one.
reports-field-place = The place
reports-field-lat = Latitude
reports-field-lon = Longitude
reports-field-place-hint = Decimal degrees, as a map shows them: for example 55.7355 and 37.5885.
reports-field-address = Address (optional)
reports-field-address-hint = A street and house, or a landmark nearby: it helps to find the place.
reports-place-send = Next
reports-nearby-title = Is it already reported?
reports-nearby-intro = Open reports near this place in the category
reports-nearby-none = No open report of this category is near this place.
reports-nearby-different = My problem is a different one
reports-change-place = Change the category or place
reports-details-title = Describe the problem
reports-field-description = What is wrong
reports-field-description-hint = 10 to 2,000 characters. Do not write other people's names or phone numbers.
reports-field-photos = Photos (optional)
reports-field-photos-hint = Up to 5 photos, JPEG, PNG or WebP, up to 10 MB each. Their location data is removed.
reports-photos-kept = Photos sent already:
reports-photo-keep = Keep this photo
reports-details-send = File the report
reports-photo = Photo of the problem
reports-photo-processing = Photo being processed: it will appear shortly
reports-photo-dropped = A photo you sent could not be read as a picture and was dropped
reports-answer-photo = Photo of the answer

reports-overdue = Overdue
reports-joined = You joined this report.
reports-join = Me too
reports-join-hint = You will hear of it as its author does.
reports-signin-to-join = Sign in to join this report
reports-district = District
reports-place = Place
reports-filed = Filed
reports-deadline = Answer due
reports-routing = Where and why
reports-support = Me too
reports-rejected-title = Rejected by a moderator
reports-answer-title = The answer
reports-respond-title = Is the problem solved?
reports-respond-until = Confirm the answer, or dispute it until { $date }; after that the report closes.
reports-confirm = Yes, it is solved
reports-dispute-label = Why the problem is not solved
reports-dispute = Dispute the answer
reports-history-title = History

reports-role-author = the author
reports-role-resident = a resident
reports-role-moderator = a moderator
reports-role-official = an official
reports-role-other_official = an official
reports-role-system = automatically
reports-action-file = filed
reports-action-accept = accepted
reports-action-reject = rejected
reports-action-start = work started
reports-action-answer = answered
reports-action-reroute = re-routed
reports-action-confirm = answer confirmed
reports-action-dispute = answer disputed
reports-action-auto_close = closed after 15 days without a reply
reports-reject-not_city_matter = Not a matter for the city.
reports-reject-duplicate = The same problem is reported already: join that report.
reports-reject-abusive = It holds insults, threats or other people's personal data.
reports-reject-unclear = It cannot be understood as a problem at a place.
reports-reject-advertising = Advertising or campaigning.
reports-yours = Your report
reports-mine-filed = Filed by me
reports-mine-joined = Joined ("me too")
reports-mine-joined-none = You have not joined a report.
