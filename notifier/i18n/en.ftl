# The notifier's texts (emails and the preferences pages). Same keys as ru.ftl.
mail-subject = { $platform }: { $subject }
mail-greeting = Hello,
mail-greeting-name = Hello { $name },
mail-unsubscribe = Unsubscribe from emails like this
mail-preferences = Notification settings
mail-why-account = This email is about your account on { $platform }; such emails come only when you, or someone using your address, asks for an action.
mail-why-optional = You received this email because you subscribed to these notifications on { $platform }.
mail-why-digest = This is your daily digest from { $platform }: you chose to get these notifications in one email a day.
mail-digest-subject = { $count ->
    [one] { $count } notification for { $day }
   *[other] { $count } notifications for { $day }
}
mail-digest-body = What happened on { $day }:
mail-digest-action = Open the platform

# Kinds of notification: a name and a one-line description (kind-<kind>, kind-<kind>-hint).
kind-roles_changed = Changes to your roles
kind-roles_changed-hint = An email when an admin gives you a role (such as moderator) or takes one away.
kind-digest = Daily digest
kind-digest-hint = One email a day with every notification you chose to get in the digest.

# Deliveries.
delivery-immediately = Immediately, in its own email
delivery-digest = In the daily digest
delivery-off = Off

# The notification settings page.
notifications-title = Email notifications
notifications-intro = Choose how to get each notification: at once in its own email, once a day together with the others, or not at all.
notifications-essential = Emails about your account (confirming your address, resetting your password, changing your email) always come: you need them to use the platform.
notifications-none = There are no notifications to adjust yet.
notifications-save = Save settings
notifications-back = ← Back to your profile
notifications-error-title = Settings not saved
flash-notifications-saved = Your notification settings are saved.

# One-click unsubscribe from an email's link.
unsubscribe-title = Unsubscribe
unsubscribe-kind = Once you unsubscribe, you will no longer get “{ $kind }” emails.
unsubscribe-digest = Once you unsubscribe, the daily digest will stop: the notifications that go into it will be switched off.
unsubscribe-digest-kinds = These will be switched off:
unsubscribe-digest-empty = No notification goes into your digest now, so no more digests will come.
unsubscribe-submit = Unsubscribe
unsubscribe-keep = Changed your mind? Just close this page: nothing will change.
unsubscribe-done-title = You are unsubscribed
unsubscribe-done-kind = You will no longer get “{ $kind }” emails.
unsubscribe-done-digest = You will no longer get the daily digest.
unsubscribe-done-off = Switched off:
unsubscribe-settings-note = To get these emails again or adjust other notifications, go to your settings (sign-in needed):

# Mail in the admin section.
nav-mail = Mail
admin-mail-title = Mail
admin-mail-counts = Emails by state
admin-mail-state = State
admin-mail-count = Count
admin-mail-dead-title = Dead letters
admin-mail-dead-note = These emails could not be delivered: their attempts ran out, or the mail server refused them for good. “Retry” puts an email back in the queue and lifts the block on its address, if there is one.
admin-mail-dead-none = No dead letters.
admin-mail-kind = Kind
admin-mail-attempts = Attempts
admin-mail-error = Last error
admin-mail-created = Created
admin-mail-updated = Updated
admin-mail-actions = Actions
admin-mail-retry = Retry
flash-mail-retried = The email is back in the queue.
flash-mail-not-dead = This email is no longer a dead letter: it was retried before, or it has been sent.
job-state-queued = Queued
job-state-sent = Sent
job-state-dead = Dead
job-state-held = Held for a digest
job-state-digested = Sent in a digest
job-state-skipped = Skipped

# Errors.
err-not_dead = Not a dead letter
err-not_dead-detail = Only an email that could not be delivered can be retried; this one is queued or already sent.
invalid-kind-unknown_kind = There is no such notification, or it cannot be adjusted.
invalid-delivery-invalid_delivery = Choose a delivery: immediately, digest (in the daily digest) or off.
