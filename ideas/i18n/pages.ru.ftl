# Тексты страниц идей на русском. Каждый ключ должен быть и в pages.en.ftl.
nav-ideas = Идеи
nav-moderation-ideas = Модерация идей

ideas-title = Идеи для города
ideas-intro = Предлагайте, как улучшить город, поддерживайте идеи соседей и следите, как лучшие из них воплощаются.
ideas-none-projects = Проектов пока нет.
ideas-more = Показать ещё
ideas-queue-link = Очередь модерации
ideas-stage-draft = Черновик
ideas-stage-upcoming = Скоро
ideas-stage-proposals = Приём идей
ideas-stage-discussion = Обсуждение и поддержка
ideas-stage-review = Экспертиза
ideas-stage-results = Итоги
ideas-opens = начнётся { $date }
ideas-until = до { $date }
ideas-since = с { $date }
ideas-stages = Этапы проекта
ideas-submit-link = Предложить идею
ideas-signin-to-submit = Войдите, чтобы предложить идею
ideas-log-link = Журнал модерации
ideas-results-link = Итоги проекта
ideas-search-label = Найти идеи
ideas-topic-label = Тема
ideas-topic-any = Все темы
ideas-sort-label = Порядок
ideas-sort-newest = Сначала новые
ideas-sort-supports = Больше поддержки
ideas-mine-label = Только мои идеи
ideas-search-button = Показать
ideas-list-title = Идеи
ideas-none = Идей по этим условиям пока нет.
ideas-supports = { $count ->
    [one] { $count } поддержка
    [few] { $count } поддержки
   *[many] { $count } поддержек
}
ideas-support = Поддержать
ideas-withdraw = Отозвать поддержку
ideas-status-pending = На проверке
ideas-status-changes_requested = Нужны уточнения
ideas-status-approved = Одобрена
ideas-status-rejected = Отклонена
ideas-status-merged = Объединена с похожей

ideas-new-title = Новая идея
ideas-edit-title = Исправить идею
ideas-field-title = Заголовок
ideas-field-title-hint = Коротко, что предлагаете: от 5 до 140 символов.
ideas-field-body = Описание
ideas-field-body-hint = Что сделать, где и зачем: от 20 до 5 000 символов. Идею проверит модератор.
ideas-form-send = Отправить

ideas-merged-into = Эта идея объединена с похожей:
ideas-merged-link = открыть идею
ideas-updates-title = Как воплощается
ideas-yours-title = Ваша идея
ideas-rejected-because = Причина отклонения:
ideas-moderator-note = Комментарий модератора:
ideas-edit-link = Исправить идею
ideas-appeal-label = Почему решение стоит пересмотреть
ideas-appeal-send = Обжаловать решение
ideas-appeal-waiting = Жалоба отправлена: её рассмотрит другой модератор.
ideas-appeal-granted = Жалоба удовлетворена: идея одобрена.
ideas-appeal-refused = Жалоба рассмотрена: решение осталось прежним.
ideas-follow = Следить за идеей
ideas-unfollow = Не следить
ideas-follow-hint = Письмо придёт, когда идею примут, возьмут в работу или реализуют.
ideas-signin-to-act = Войдите, чтобы поддержать идею, следить за ней и обсуждать.
ideas-comments-title = Обсуждение
ideas-no-comments = Комментариев пока нет.
ideas-comment-hidden = Комментарий скрыт: на него пожаловались жители, его проверит модератор.
ideas-report = Пожаловаться
ideas-reply = Ответить
ideas-reply-label = Ваш ответ
ideas-comment-label = Ваш комментарий
ideas-comment-send = Отправить

ideas-reason-off_topic = Не по теме проекта
ideas-reason-not_city_matter = Вопрос не в ведении города
ideas-reason-already_planned = Уже сделано или запланировано
ideas-reason-unclear = Непонятно, что предлагается
ideas-reason-abusive = Оскорбления или чужие личные данные
ideas-reason-advertising = Реклама или агитация
ideas-outcome-accepted = Принята к реализации
ideas-outcome-in_work = В работе
ideas-outcome-done = Реализована

ideas-queue-title = Очередь модерации идей
ideas-queue-waiting = { $count ->
    [one] { $count } идея ждёт решения
    [few] { $count } идеи ждут решения
   *[many] { $count } идей ждут решения
}
ideas-queue-oldest = самая старая ждёт
ideas-queue-project = Проект
ideas-queue-all = Все проекты
ideas-queue-show = Показать
ideas-queue-empty = Очередь пуста.
ideas-waits = ждёт
ideas-bulk-title = Решение сразу по нескольким идеям
ideas-bulk-hint = Отметьте идеи в списке ниже, выберите действие и, для отклонения, причину.
ideas-bulk-pick = выбрать
ideas-bulk-send = Применить к отмеченным
ideas-action-label = Действие
ideas-do-approve = Одобрить
ideas-do-reject = Отклонить
ideas-do-send-back = Вернуть автору на доработку
ideas-reason-label = Причина (для отклонения)
ideas-note-label = Комментарий автору (обязателен при возврате)
ideas-decision = Решение
ideas-decide = Принять решение
ideas-duplicates-title = Похожие идеи
ideas-exact = точная копия
ideas-merge-into = Объединить с этой
ideas-for-another = Это жалоба на ваше решение: её рассмотрит другой модератор.
ideas-appeal-by-author = Жалоба автора на отклонение:
ideas-appeal-decide-hint = Решите, пересмотреть ли отклонение.
ideas-appeal-grant = Одобрить идею
ideas-appeal-refuse = Оставить отклонение
ideas-reported-title = Комментарии с жалобами
ideas-reported-none = Жалоб нет.
ideas-reports = { $count ->
    [one] { $count } жалоба
    [few] { $count } жалобы
   *[many] { $count } жалоб
}
ideas-comment-hidden-now = скрыт
ideas-comment-context = в обсуждении
ideas-keep = Оставить
ideas-remove = Удалить

ideas-log-title = Журнал модерации: { $project }
ideas-log-intro = Сколько решений принято по идеям проекта и почему. Без имён авторов и модераторов.
ideas-log-decisions = Решения
ideas-log-reasons = Причины отклонения
ideas-log-days = По дням
ideas-log-date = День
ideas-log-none = Решений пока не было.
ideas-action-approved = Одобрено
ideas-action-rejected = Отклонено
ideas-action-sent_back = Возвращено на доработку
ideas-action-merged = Объединено
ideas-action-appeal_granted = Жалоба удовлетворена
ideas-action-appeal_refused = Жалоба отклонена
ideas-results-title = Итоги: { $project }
ideas-results-none = Итогов пока нет.
ideas-results-author = Автор: { $names }
ideas-results-authors = Авторы: { $names }
ideas-results-more = { $count ->
    [one] и ещё { $count } житель
    [few] и ещё { $count } жителя
   *[many] и ещё { $count } жителей
}
ideas-results-residents = { $count ->
    [1] Автор: житель
    [one] Авторы: { $count } житель
    [few] Авторы: { $count } жителя
   *[many] Авторы: { $count } жителей
}
ideas-open-data = Открытые данные (рассмотренные идеи, поддержки и решения; без персональных данных):
ideas-open-data-csv = CSV
ideas-open-data-json = JSON

ideas-flash-submitted = Идея отправлена: после проверки модератором её увидят все.
ideas-flash-saved = Идея сохранена.
ideas-flash-supported = Вы поддержали идею.
ideas-flash-withdrawn = Поддержка отозвана.
ideas-flash-followed = Вы следите за идеей.
ideas-flash-unfollowed = Вы больше не следите за идеей.
ideas-flash-commented = Комментарий опубликован.
ideas-flash-reported = Жалоба принята.
ideas-flash-appealed = Жалоба отправлена.
ideas-flash-decided = Решение принято.
ideas-flash-bulk = Решение применено к отмеченным идеям.
ideas-flash-bulk-partly = Решение применено не ко всем идеям: другие уже изменили. Проверьте очередь.
ideas-flash-moderated = Готово.

ideas-review-link = Экспертная оценка
ideas-review-title = Экспертная оценка: { $project }
ideas-review-hint-expert = Оцените каждую идею по каждому критерию от 1 (слабо) до 5 (сильно) и поясните оценку в заметке. Оценки можно менять до конца экспертизы.
ideas-review-hint-reader = Идеи, переданные экспертам, по средней оценке экспертов, затем по поддержкам жителей.
ideas-review-agreement = Согласованность экспертов (W Кендалла, 0 — нет, 1 — полная): { $w }
ideas-review-none = Экспертам пока не передано ни одной идеи.
ideas-review-ranking = Рейтинг
ideas-review-col-idea = Идея
ideas-review-col-score = Средняя оценка
ideas-review-col-experts = Оценили
ideas-review-col-supports = Поддержки
ideas-review-experts = { $scored } из { $count ->
    [one] { $count } эксперта
   *[other] { $count } экспертов
}
ideas-review-note = Заметка для экспертов
ideas-review-score = Сохранить оценки
ideas-review-rescore = Изменить оценки
ideas-review-scored = Вы оценили эту идею.
ideas-flash-scored = Оценки сохранены.
ideas-organiser-title = Для организаторов
ideas-organiser-shortlisted = Передана экспертам.
ideas-organiser-not-shortlisted = Не передана экспертам.
ideas-organiser-shortlist = Передать экспертам
ideas-organiser-unshortlist = Отозвать у экспертов
ideas-organiser-outcome = Следующий шаг
ideas-organiser-update = Что важно знать жителям (необязательно)
ideas-organiser-outcome-send = Записать шаг
ideas-flash-shortlisted = Идея передана экспертам.
ideas-flash-unshortlisted = Идея отозвана у экспертов.
ideas-flash-outcome = Шаг записан; авторы и подписчики получат уведомление.
ideas-field-image = Изображение (необязательно)
ideas-field-image-hint = Фото в формате JPEG, PNG или WebP, до 8 МБ. Мы храним копию без геопозиции и данных камеры.
ideas-image-current = Изображение к идее
ideas-image-remove = Убрать изображение
