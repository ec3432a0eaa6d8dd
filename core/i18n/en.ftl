# Veche core texts in English. Every key must also be in ru.ftl (otherwise the catalog fails to load).
# Argument isolation is off: variables are inserted as they are.

app-name = Veche

## Page frame: header, navigation, footer

nav-skip = Skip to content
nav-label = Main menu
nav-home = Home
nav-admin = Administration
nav-signin = Sign in
nav-signup = Sign up
nav-signout = Sign out
# A link to the other language, so it is written in that language.
lang-switch = Русский
footer-about = Veche is an open platform for residents: polls, ideas for the city and reports of problems.
footer-osm = District data © OpenStreetMap contributors, ODbL 1.0

## Error page and a form's error summary

error-code = Error code:
error-home = Back to the home page
form-errors-title = Please fix the following

## Home page

home-title = Have your say in your city
home-intro = Vote in city and district polls, propose ideas and report problems — the responsible organisation must answer.
# $name is the resident's display name
home-hello = Hello, { $name }!
# $district is the district's name
home-your-district = Your district: { $district }
home-profile-link = Go to your profile
home-what-title = What you can do on Veche
home-what-polls = Vote in city and district polls.
home-what-ideas = Propose ideas for the city and support other residents' ideas.
home-what-reports = Report problems in your city — the responsible organisation must answer.

## Sign up and sign in

signup-title = Sign up
signup-submit = Create account
signup-have-account = Already have an account?
signin-title = Sign in
signin-submit = Sign in
signin-no-account = No account yet?
# $seconds is how long to wait (passed as text, so no plural forms)
signin-rate-limited = Too many sign-in attempts. Please wait { $seconds } s and try again.
signin-forgot = Forgot your password?

## Forgotten password

forgot-title = Forgot your password?
forgot-intro = Enter the email address of your account. If an account uses it, we will send a link to set a new password.
forgot-submit = Send link
# $minutes is how long to wait (passed as text, so no plural forms)
forgot-rate-limited = Too many requests for a link. Please try again in { $minutes } min.
reset-title = New password
reset-intro = Choose a new password. After the change you will be signed out on all your devices.
reset-submit = Save password

## Pages the emailed links lead to

verify-done = Address confirmed
verify-done-detail = Thank you! Your account is active: you can vote, propose ideas and report problems.
verify-already = Your email address was confirmed earlier: there is nothing more to do.
link-invalid-verify-hint = Sign in and ask for a new link in your profile, with the "Send the link again" button.
link-invalid-reset-hint = Ask for a new link: it works for 1 hour.
link-invalid-reset-action = Ask for a new link
link-invalid-change-hint = Sign in and enter the new address in your profile again.
email-changed-title = Address changed
# $email is the new address
email-changed-detail = From now on, sign in and receive emails at { $email }.
email-change-taken = Another account now uses this address, so yours was not changed. Choose a different address in your profile.

## Form fields and hints

field-email = Email
field-password = Password
field-display-name = Display name
field-district = District
field-district-choose = Choose your district
field-birth-year = Year of birth
field-current-password = Current password
field-new-password = New password
field-new-email = New email address
field-token-name = Token name
field-organisation = Organisation
field-organisation-name = Organisation name
field-reason = Reason
field-reason-optional = Reason (optional)
hint-password = 10 to 128 characters
hint-display-name = shown to other residents, 2 to 60 characters
hint-organisation = required for officials

## Profile

profile-title = Your profile
# $name is the token's name
profile-token-created = Token "{ $name }" created
profile-token-once = Copy the token now: it is shown only once. Keep it secret.
profile-state = Status
profile-roles = Roles
profile-details-title = Your details
profile-save = Save
profile-password-title = Change password
profile-password-note = After the change you will be signed out on all your other devices.
profile-password-submit = Change password
profile-email-title = Change email address
profile-email-note = We will send a link to the new address. Your address changes when you follow it within 24 hours.
profile-email-submit = Send link
profile-unverified-title = Your address is not confirmed
# $email is the account's address
profile-unverified-note = We sent a link to { $email }: follow it to confirm your address. If the email has not arrived, check your spam folder or send the link again.
profile-unverified-resend = Send the link again
# $minutes is how long to wait (passed as text, so no plural forms)
profile-verify-rate-limited = You have asked for the link too often. Please try again in { $minutes } min.
profile-tokens-title = API tokens
profile-tokens-note = A token lets your own programs use the Veche API on your behalf. You can have up to 20 tokens.
profile-tokens-none = You have no tokens yet.
profile-token-created-at = Created
profile-token-last-used = Last used
profile-token-actions = Actions
profile-token-revoke = Revoke
profile-token-create = Create token

## Messages after an action

flash-signed-up = You are signed up. Welcome to Veche!
flash-saved = Changes saved.
flash-password-changed = Password changed. You have been signed out on all your other devices.
flash-token-revoked = Token revoked: programs that used it no longer have access.
flash-verification-sent = We sent a new link to your address. It works for 48 hours.
flash-already-verified = Your address is already confirmed.
flash-email-change-sent = We sent a link to the new address. Follow it within 24 hours to change your address.
flash-reset-sent = If an account uses this address, we sent a link to it. The link works for 1 hour.
flash-password-reset = Password changed. Sign in with your new password.

## Account roles and states

role-resident = Resident
role-moderator = Moderator
role-official = Official
role-expert = Expert
role-admin = Administrator
state-unverified = Not verified
state-active = Active
state-blocked = Blocked

## Administration

admin-nav-label = Administration sections
admin-accounts-title = Accounts
admin-organisations-title = Organisations
admin-audit-title = Audit log
admin-search = Search by name or email
admin-search-submit = Search
# Option of the role and state filters: no filter
admin-any = Any
admin-none-found = Nothing found.
admin-roles-title = Roles and organisation
# Option of the organisation list: no organisation
admin-none = None
admin-roles-submit = Save roles
admin-block-title = Block account
admin-block-note = A blocked person cannot sign in: all their sessions end and their API tokens are revoked.
admin-block-submit = Block
admin-unblock-title = Unblock account
admin-unblock-submit = Unblock
admin-organisation-create = Add organisation
audit-when = When
audit-who = Who
audit-what = Action
audit-target = Target
audit-why = Reason
pager-next = Next page

## Errors: err-CODE is the title, err-CODE-detail says what to do

err-unauthorized = Sign-in required
err-unauthorized-detail = Please sign in to continue.
err-forbidden = Access denied
err-forbidden-detail = Your account is not allowed to do this. If you think that is a mistake, ask an administrator.
err-not_found = Not found
err-not_found-detail = There is nothing at this address. Check the link or go back to the home page.
err-internal = Something went wrong
err-internal-detail = Something went wrong on our side. Please try again a little later.
err-unavailable = Temporarily unavailable
err-unavailable-detail = The service is briefly unavailable. Please try again in a few seconds.
err-rate_limited = Too many requests
err-rate_limited-detail = You are sending requests too quickly. Wait a little and try again.
err-validation_failed = Please check your input
err-validation_failed-detail = Some fields are not filled in correctly. Fix them and send again.
err-method_not_allowed = Method not allowed
err-method_not_allowed-detail = This address does not accept this kind of request. Check the HTTP method in the API documentation.
err-payload_too_large = Request too large
err-payload_too_large-detail = What you sent is too large. Make it smaller and try again.
err-length_required = Length required
err-length_required-detail = Send a Content-Length header with the size of the request body.
err-unsupported_media_type = Unsupported media type
err-unsupported_media_type-detail = Send the request body as JSON, with the header Content-Type: application/json.
err-invalid_query = Invalid query
err-invalid_query-detail = Check the parameters in the address: a search may be at most 100 characters long.
err-invalid_header = Invalid header
err-invalid_header-detail = A required HTTP header is missing or has a wrong value. Check the API documentation.
err-invalid_form = The form could not be read
err-invalid_form-detail = Please reload the page and fill in the form again.
err-csrf_failed = The form has expired
err-csrf_failed-detail = This form has expired or was not sent from this site. Reload the page and submit it again.
err-email_taken = Email already registered
err-email_taken-detail = This email address is already registered. Sign in, or use another address.
err-invalid_credentials = Wrong email or password
err-invalid_credentials-detail = Wrong email or password. Check them and try again.
err-account_blocked = Account blocked
err-account_blocked-detail = Your account has been blocked by an administrator. If you think that is a mistake, contact the platform's administration.
err-wrong_password = Wrong current password
err-wrong_password-detail = The current password is wrong. Enter the password you sign in with now.
err-organisation_required = Organisation required
err-organisation_required-detail = Choose an organisation for the official role.
err-unknown_organisation = Unknown organisation
err-unknown_organisation-detail = There is no such organisation. Choose one from the list.
err-self_lockout = You cannot lock yourself out
err-self_lockout-detail = You cannot remove your own administrator role or block your own account. Ask another administrator to do it.
err-reason_required = Reason required
err-reason_required-detail = Please give a reason: it is recorded in the audit log.
err-no_session = No session
err-no_session-detail = Only a browser session can sign out. To stop an API token from working, revoke it in your profile.
err-invalid_token = Invalid token
err-invalid_token-detail = The API token is wrong or has been revoked. Send it as Authorization: Bearer, or create a new one in your profile.
err-idempotency_in_progress = Request still in progress
err-idempotency_in_progress-detail = A request with this Idempotency-Key is still being processed. Retry it a little later.
err-idempotency_key_reused = Idempotency key already used
err-idempotency_key_reused-detail = This Idempotency-Key was already used for a different request. Use a new key for a new request.
err-invalid_idempotency_key = Invalid idempotency key
err-invalid_idempotency_key-detail = The Idempotency-Key must be non-empty, at most 255 bytes long and free of control characters.
err-invalid_json = Invalid JSON
err-invalid_json-detail = The request body is not valid JSON. Check its syntax.
err-invalid_type = Wrong value type
err-invalid_type-detail = A field has a value of the wrong type, such as an object where a string belongs. Check the API documentation.
err-unknown_field = Unknown field
err-unknown_field-detail = The request has a field the API does not know (named in "field"). Remove it.
err-missing_field = Missing field
err-missing_field-detail = The request lacks a required field (named in "field"). Add it.
err-invalid_limit = Invalid limit
err-invalid_limit-detail = The limit parameter must be a whole number from 1 to 100.
err-invalid_cursor = Invalid cursor
err-invalid_cursor-detail = The page cursor is damaged. Use the next-page link from the previous answer, or start from the first page.
err-invalid_role = Unknown role
err-invalid_role-detail = The roles are: resident, moderator, official, expert, admin.
err-invalid_state = Unknown state
err-invalid_state-detail = The states are: unverified, active, blocked.
err-link_invalid = This link does not work
err-link_invalid-detail = The link is unknown, has already been used or has expired.
err-already_verified = Address already confirmed
err-already_verified-detail = Your email address is already confirmed: no new link is needed.

## Field checks: invalid-FIELD-CODE

invalid-email-required = Enter your email address.
invalid-email-too_long = The email address is too long: at most 254 characters.
invalid-email-invalid_email = Check the email address: it should look like name@example.com.

invalid-new_email-required = Enter the new email address.
invalid-new_email-too_long = The address is too long: at most 254 characters.
invalid-new_email-invalid_email = Check the new address: it should look like name@example.com.
invalid-new_email-unchanged = This is already your address. Enter a different one.
invalid-new_email-taken = This address is already used by another account. Enter a different one.

invalid-display_name-required = Enter the name other residents will see.
invalid-display_name-too_short = The name is too short: at least 2 characters.
invalid-display_name-too_long = The name is too long: at most 60 characters.
invalid-display_name-needs_letter = The name must contain at least one letter.
invalid-display_name-invalid_characters = The name contains invisible or control characters. Type it again without them.

invalid-password-required = Choose a password.
invalid-password-too_short = The password is too short: at least 10 characters.
invalid-password-too_long = The password is too long: at most 128 characters.
invalid-password-too_weak = This password is too easy to guess. Choose a less common one.
invalid-password-same_as_email = The password must not be the same as your email address.

invalid-new_password-required = Enter a new password.
invalid-new_password-too_short = The new password is too short: at least 10 characters.
invalid-new_password-too_long = The new password is too long: at most 128 characters.
invalid-new_password-too_weak = This password is too easy to guess. Choose a less common one.
invalid-new_password-same_as_email = The new password must not be the same as your email address.

invalid-birth_year-out_of_range = Enter your year of birth as four digits, 1900 or later.
invalid-birth_year-too_young = You must be at least 14 years old to take part.

invalid-district_id-required = Choose your district.
invalid-district_id-unknown_district = This district is not on the list. Choose one from the list.

# The "name" field is both a token's name (up to 60 characters) and an organisation's (2 to 200).
invalid-name-required = Enter a name.
invalid-name-too_short = The name is too short: at least 2 characters.
invalid-name-too_long = The name is too long: at most 60 characters for a token, 200 for an organisation.
invalid-name-invalid_characters = The name must not contain line breaks or other control characters.
invalid-name-too_many_tokens = You already have 20 tokens, the most allowed. Revoke one you no longer need to create a new one.

invalid-reason-too_long = The reason is too long: at most 500 characters.
invalid-reason-invalid_characters = The reason must not contain control characters other than line breaks.

## Emails about the account: mail-KIND-subject, -body, -action (the button), -digest (a line of
## the daily digest). Variables: $name (the resident's display name); $new_email (email_change);
## $roles (roles_changed: role codes separated by commas).

mail-verify_email-subject = Confirm your email address on Veche
mail-verify_email-body = { $name }, to finish signing up for Veche, confirm your email address with the button below: the link works for 48 hours. If you did not ask for this, ignore this email.
mail-verify_email-action = Confirm address
mail-verify_email-digest = Confirm your email address on Veche.

mail-password_reset-subject = Reset your Veche password
mail-password_reset-body = { $name }, to set a new password for your Veche account, use the button below: the link works for 1 hour. If you did not ask for this, ignore this email and your password stays the same.
mail-password_reset-action = Set a new password
mail-password_reset-digest = A link to reset your password was requested.

mail-email_change-subject = Confirm your new email address on Veche
mail-email_change-body = { $name }, confirm that { $new_email } is your new address on Veche: the link works for 24 hours. If you did not ask for this, ignore this email and your address stays the same.
mail-email_change-action = Confirm new address
mail-email_change-digest = Confirm your new email address { $new_email }.

mail-roles_changed-subject = Your roles on Veche have changed
mail-roles_changed-body = { $name }, an administrator changed your roles on Veche. Your roles now: { $roles }.
mail-roles_changed-action = Open your profile
mail-roles_changed-digest = Your roles changed: { $roles }

## Shared codes for versions and filters (every part)
err-version_conflict = Changed meanwhile
err-version_conflict-detail = Someone changed this after you opened it. Reload, check the changes and make yours again.
err-precondition_required = If-Match required
err-precondition_required-detail = Send the version you are changing in the If-Match header (the ETag of what you read), so that nobody's changes are overwritten.
err-invalid_filter = Unknown filter value
err-invalid_filter-detail = Check the parameters in the address: the one with an unknown value is named in "field".
time-msk = Moscow time
waited-minutes = { $count } min
waited-hours = { $count } h
waited-days = { $count ->
    [one] { $count } day
   *[other] { $count } days
}

## Uploaded pictures (core's web kit).
invalid-image-too_large = The picture is too large: at most 10 MB.
invalid-image-too_many_pixels = The picture has too many pixels: at most 50 megapixels, 16,384 a side.
invalid-image-not_an_image = This file is not a picture we can read: send a JPEG, PNG or WebP photo.

## Maps (core's web kit).
map-attribution = Map data:
map-suppressed = Too few to show
map-no-data = No data
map-picker-title = The map: tap the place
map-cluster = { $count ->
    [one] { $count } item here
   *[other] { $count } items here
}
