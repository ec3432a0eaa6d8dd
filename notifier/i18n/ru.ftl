# Тексты рассыльщика (письма и страницы настроек). Ключи те же, что в en.ftl.
mail-subject = { $platform }: { $subject }
mail-greeting = Здравствуйте!
mail-greeting-name = Здравствуйте, { $name }!
mail-unsubscribe = Отписаться от таких писем
mail-preferences = Настройки уведомлений
mail-why-account = Это письмо о вашей учётной записи на платформе { $platform }; такие письма приходят, только когда вы или кто-то с вашим адресом просит о действии.
mail-why-optional = Вы получили это письмо, потому что подписаны на такие уведомления платформы { $platform }.
mail-why-digest = Это ежедневная сводка платформы { $platform }: вы выбрали получать эти уведомления одним письмом в день.
mail-digest-subject = { $count ->
    [one] { $count } уведомление за { $day }
    [few] { $count } уведомления за { $day }
   *[other] { $count } уведомлений за { $day }
}
mail-digest-body = Что произошло за { $day }:
mail-digest-action = Открыть платформу

# Виды уведомлений: название и строка пояснения (kind-<вид>, kind-<вид>-hint).
kind-roles_changed = Изменение ваших ролей
kind-roles_changed-hint = Письмо, когда администратор назначает вам роль (например, модератора) или снимает её.
kind-digest = Ежедневная сводка
kind-digest-hint = Одно письмо в день со всеми уведомлениями, для которых вы выбрали сводку.

# Способы доставки.
delivery-immediately = Сразу, отдельным письмом
delivery-digest = В ежедневной сводке
delivery-off = Не присылать

# Страница настроек уведомлений.
notifications-title = Уведомления по почте
notifications-intro = Выберите, как получать каждое уведомление: сразу отдельным письмом, одним письмом в день вместе с другими или не получать совсем.
notifications-essential = Письма о вашей учётной записи — подтверждение адреса, сброс пароля, смена почты — приходят всегда: без них нельзя пользоваться платформой.
notifications-none = Пока нет уведомлений, которые можно настроить.
notifications-save = Сохранить настройки
notifications-back = ← Вернуться в профиль
notifications-error-title = Настройки не сохранены
flash-notifications-saved = Настройки уведомлений сохранены.

# Отписка в один клик по ссылке из письма.
unsubscribe-title = Отписка от писем
unsubscribe-kind = После отписки письма «{ $kind }» перестанут приходить.
unsubscribe-digest = После отписки ежедневная сводка перестанет приходить: уведомления, которые в неё попадают, будут отключены.
unsubscribe-digest-kinds = Будут отключены:
unsubscribe-digest-empty = Сейчас в сводку не попадает ни одно уведомление, так что писем больше не будет.
unsubscribe-submit = Отписаться
unsubscribe-keep = Если передумали, просто закройте эту страницу — ничего не изменится.
unsubscribe-done-title = Вы отписались
unsubscribe-done-kind = Письма «{ $kind }» больше не будут приходить.
unsubscribe-done-digest = Ежедневная сводка больше не будет приходить.
unsubscribe-done-off = Отключены:
unsubscribe-settings-note = Вернуть письма или настроить другие уведомления можно в настройках (нужно войти):

# Почта в разделе администрирования.
nav-mail = Почта
admin-mail-title = Почта
admin-mail-counts = Письма по состояниям
admin-mail-state = Состояние
admin-mail-count = Количество
admin-mail-dead-title = Недоставленные письма
admin-mail-dead-note = Эти письма не удалось доставить: кончились попытки или почтовый сервер отказал окончательно. Кнопка «Повторить» снова ставит письмо в очередь и снимает запрет на отправку на этот адрес, если он был.
admin-mail-dead-none = Недоставленных писем нет.
admin-mail-kind = Вид
admin-mail-attempts = Попыток
admin-mail-error = Последняя ошибка
admin-mail-created = Создано
admin-mail-updated = Изменено
admin-mail-actions = Действия
admin-mail-retry = Повторить
flash-mail-retried = Письмо снова в очереди на отправку.
flash-mail-not-dead = Это письмо уже не в списке недоставленных: его повторили раньше или оно отправлено.
job-state-queued = В очереди
job-state-sent = Отправлено
job-state-dead = Не доставлено
job-state-held = Ждёт сводки
job-state-digested = Отправлено в сводке
job-state-skipped = Пропущено

# Ошибки.
err-not_dead = Письмо не в списке недоставленных
err-not_dead-detail = Повторить можно только недоставленное письмо, а это уже в очереди или отправлено.
invalid-kind-unknown_kind = Такого уведомления нет или его нельзя настроить.
invalid-delivery-invalid_delivery = Выберите способ доставки: immediately (сразу), digest (в сводке) или off (не присылать).
