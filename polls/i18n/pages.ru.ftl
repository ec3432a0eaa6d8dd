# Тексты страниц опросов на русском. Каждый ключ должен быть и в pages.en.ftl.
# Времена на страницах московские; аргументы $time уже содержат пометку «МСК».

## Меню

nav-polls = Опросы
nav-official-polls = Мои опросы (управление)

## Общее

polls-msk-note = Время указывается московское (UTC+3).
polls-form-error-title = Проверьте введённые данные
polls-more = Ещё
polls-back-to-list = Все опросы
polls-back-to-poll = Вернуться к опросу
polls-back-to-official = Все мои опросы
# $count — число голосов
polls-votes = { $count ->
    [one] { $count } голос
    [few] { $count } голоса
   *[many] { $count } голосов
}
# $count — число баллов
polls-points = { $count ->
    [one] { $count } балл
    [few] { $count } балла
   *[many] { $count } баллов
}
# $count — баланс баллов
polls-balance = Ваши баллы: { $count }

## Статусы и видимость итогов

polls-status-draft = Черновик
polls-status-scheduled = Запланирован
polls-status-open = Идёт голосование
polls-status-closed = Завершён
polls-status-published = Итоги опубликованы
polls-visibility-after_voting = Проголосовавшим — сразу, остальным — после завершения
polls-visibility-after_close = Всем — после завершения опроса
polls-visibility-officials_only = Только должностным лицам, пока не опубликовано решение

## Список опросов

polls-title = Опросы
polls-intro = Голосуйте в городских и районных опросах, получайте баллы за участие и узнавайте, что решил город.
polls-points-link = история баллов
polls-manage-link = Управление опросами
polls-section-open = Идёт голосование
polls-section-upcoming = Скоро
polls-section-finished = Завершённые
polls-none-open = Сейчас нет открытых опросов.
polls-none-upcoming = Запланированных опросов нет.
polls-none-finished = Завершённых опросов пока нет.
polls-voted-mark = Вы проголосовали ✓
# $time — дата и время окончания
polls-until = Голосование до { $time }
# $time — дата и время начала
polls-opens = Начнётся { $time }
# $time — дата и время окончания
polls-closed-at = Завершён { $time }
polls-results-link = Итоги

## Страница опроса

polls-facts-title = Об опросе
polls-fact-opens = Начало
polls-fact-closes = Окончание
polls-fact-points = Баллы за участие
polls-fact-visibility = Итоги видны
polls-fact-ballots = Всего голосов
polls-fact-audience = Кто может голосовать
polls-audience-city = Весь город
# $list — названия округов через запятую
polls-audience-okrugs = Округа: { $list }
# $list — названия районов через запятую
polls-audience-districts = Районы: { $list }
# $count — минимальный возраст
polls-audience-min-age = { $count ->
    [one] Возраст от { $count } года
   *[many] Возраст от { $count } лет
}
polls-audience-verified = Только жители с подтверждённым адресом электронной почты
polls-manage-this = Управлять этим опросом
polls-decision-title = Что решил город
polls-note-draft = Это черновик: жители его не видят.
# $time — дата и время начала
polls-note-scheduled = Голосование начнётся { $time }.
polls-note-closed = Голосование завершено.
polls-note-published = Голосование завершено, итоги опубликованы.
polls-you-voted = Вы проголосовали
polls-your-receipt = Ваша квитанция и проверка учёта голоса
polls-signin-to-vote = Войдите, чтобы проголосовать
polls-ineligible-title = Вы не можете голосовать в этом опросе
polls-ineligible-not_in_audience = Опрос проводится для жителей других районов.
polls-ineligible-too_young = Опрос проводится для жителей старшего возраста.
polls-ineligible-not_verified = Опрос только для жителей с подтверждённым адресом электронной почты. Подтвердите адрес по ссылке из письма.
polls-verify-resend = Отправить ссылку ещё раз
polls-verify-profile = Перейти в профиль
polls-ballot-title = Ваш голос
polls-ballot-note = Вопросы со звёздочкой (*) обязательны. Изменить голос после отправки нельзя.
polls-ballot-submit = Проголосовать
polls-pick-one = Выберите один вариант
# $count — сколько вариантов можно выбрать
polls-pick-up-to = { $count ->
    [one] Можно выбрать до { $count } варианта
   *[many] Можно выбрать до { $count } вариантов
}
polls-required = обязательный вопрос
polls-optional = можно пропустить
polls-questions-title = Вопросы
polls-check-title = Проверить квитанцию
polls-check-label = Квитанция
polls-check-hint = 64 символа: цифры и латинские буквы a–f
polls-check-submit = Проверить

## Квитанция

polls-receipt-title = Квитанция о голосовании
polls-receipt-poll = Опрос:
polls-receipt-label = Ваша квитанция
polls-receipt-keep = Сохраните квитанцию: по ней вы в любой момент проверите, что ваш голос учтён в итогах. Не публикуйте её — по ней видно, как вы ответили.
polls-receipt-answers = Ваши ответы
polls-proof-title = Проверка учёта голоса
polls-proof-ok = ✓ Ваш голос учтён в опубликованных итогах
polls-proof-failed = ✗ Проверка не прошла: доказательство не сходится с опубликованным корнем. Сообщите об этом организаторам опроса.
polls-proof-root = Опубликованный корень дерева Меркла:
polls-proof-explain = Сервер проверил, что цепочка хешей ниже ведёт от вашего бюллетеня к опубликованному корню. Эту проверку можно повторить самостоятельно по выгрузке бюллетеней.
# $district — район бюллетеня, $age — возрастная группа
polls-proof-leaf = Лист дерева: ваша квитанция, район { $district }, возрастная группа { $age }.
polls-proof-steps = Шаги доказательства
polls-proof-side = Сторона
polls-proof-hash = Хеш соседнего узла
polls-proof-no-steps = Ваш бюллетень — единственный: корень равен его листу.
polls-side-left = слева
polls-side-right = справа
polls-proof-pending = Ваш голос сохранён. Доказательство учёта появится здесь, когда опрос завершится.

## Итоги

polls-results-title = Итоги опроса
polls-results-final = Окончательные итоги
polls-results-live = Промежуточные итоги: голосование ещё идёт
polls-results-table = Те же данные таблицей
polls-col-option = Вариант
polls-col-votes = Голоса
polls-col-percent = Доля
polls-col-district = Район
polls-col-age = Возраст
polls-col-ballots = Бюллетени
polls-by-district = По районам
polls-by-age = По возрасту
polls-small-cells = Числа меньше 10 не показываются («<10»), чтобы нельзя было узнать ответы небольших групп жителей.
polls-no-ballots = Голосов пока нет.
polls-maps-title = На карте
polls-maps-note = Карты показывают то же, что таблица: район, где меньше 10 бюллетеней или у каждого варианта меньше 10 голосов, заштрихован, без чисел.
polls-map-ballots = Бюллетени по районам
polls-map-leader = Лидирующий вариант по районам: { $question }
polls-map-tie = Поровну
polls-verify-title = Проверка итогов
polls-root-label = Корень дерева Меркла по всем бюллетеням:
polls-root-pending = Корень дерева Меркла будет опубликован после завершения опроса.
polls-downloads = Скачать данные
polls-download-results-csv = Итоги (CSV)
polls-download-results-json = Итоги (JSON)
polls-download-ballots-csv = Все бюллетени (CSV)
polls-download-ballots-json = Все бюллетени (JSON)
polls-download-seal = Печать опроса: корень и блоки дерева (JSON)
polls-results-hidden-title = Итоги пока не видны
polls-results-hidden-not-started = Итоги появятся после начала голосования.
# $time — дата и время окончания
polls-results-hidden-vote-first = Итоги этого опроса видны проголосовавшим сразу после голосования, остальным — после его завершения ({ $time }).
# $time — дата и время окончания
polls-results-hidden-after-close = Итоги будут видны всем после завершения опроса ({ $time }).
polls-results-hidden-officials = Итоги этого опроса видны только должностным лицам, пока город не опубликует решение.

## Баллы

polls-points-title = Мои баллы
polls-points-intro = Баллы начисляются за участие в опросах.
polls-points-none = Вы ещё не получали баллов. Проголосуйте в открытом опросе!
polls-points-deleted = (опрос удалён)
polls-col-when = Когда
polls-col-poll = Опрос
polls-col-points = Баллы

## Управление опросами

polls-official-title = Управление опросами
polls-official-none = Опросов пока нет.
polls-new-button = Новый опрос
polls-col-status = Статус
polls-col-actions = Действия
polls-action-edit = Редактировать
polls-action-view = Страница опроса
polls-action-dashboard = Ход голосования
polls-action-results = Итоги
polls-new-title = Новый опрос
polls-new-intro = Укажите название и описание. Вопросы, сроки и аудиторию вы зададите в редакторе.
polls-new-submit = Создать черновик
polls-field-title = Название
polls-hint-title = от 3 до 200 символов
polls-field-description = Описание

## Редактор

# $title — название опроса
polls-editor-title = Редактор: { $title }
# $version — номер версии
polls-editor-version = версия { $version }
polls-editor-go-to-form = Перейти к форме
polls-editor-conflict-title = Опрос изменился
polls-editor-conflict = Кто-то изменил этот опрос, пока вы его редактировали. Страница обновлена: проверьте изменения и повторите своё.
polls-editor-unknown-item = Этого вопроса или варианта уже нет: возможно, опрос изменили. Страница обновлена.
polls-error-datetime = Укажите дату и время в формате ГГГГ-ММ-ДД ЧЧ:ММ.
polls-error-number = Введите целое число.
polls-error-areas-required = Выберите хотя бы один округ или район — или отметьте «Весь город».
polls-settings-title = Настройки
polls-settings-save = Сохранить настройки
polls-opening-locked = голосование уже идёт, время начала не меняется
polls-hint-points = от 0 до 1000
polls-audience-locked = Голосование началось: аудиторию и баллы изменить нельзя.
polls-scope-areas = Выбранные округа и районы
polls-field-okrugs = Округа
polls-field-districts = Районы
polls-hint-districts = можно выбрать несколько (Ctrl или ⌘ при щелчке)
polls-field-verified-only = Только жители с подтверждённым адресом
polls-field-min-age = Минимальный возраст
polls-hint-min-age = полных лет по году рождения; пусто — без ограничения
polls-frozen-note = Голосование началось: вопросы и варианты ответа больше нельзя изменить.
polls-no-questions = Вопросов пока нет. Добавьте первый вопрос ниже.
polls-move-up = выше
polls-move-down = ниже
polls-remove = удалить
# $option — текст варианта
polls-option-up-label = Поднять вариант «{ $option }»
# $option — текст варианта
polls-option-down-label = Опустить вариант «{ $option }»
# $option — текст варианта
polls-option-remove-label = Удалить вариант «{ $option }»
polls-question-up = Вопрос выше
polls-question-down = Вопрос ниже
polls-question-remove = Удалить вопрос
polls-question-edit = Изменить вопрос
polls-question-save = Сохранить вопрос
polls-field-question = Текст вопроса
polls-field-kind = Тип ответа
polls-kind-single = Один вариант
polls-kind-multiple = Несколько вариантов
polls-field-max = Сколько вариантов можно выбрать
polls-hint-max = для нескольких вариантов; пусто — любое число
polls-field-required = Обязательный вопрос
polls-field-new-option = Новый вариант ответа
polls-option-add = Добавить вариант
polls-add-question-title = Добавить вопрос
polls-add-question-submit = Добавить вопрос
polls-field-options = Варианты ответа
polls-hint-options = по одному в строке, не меньше двух
polls-lifecycle-title = Ход опроса
polls-schedule-note = Чтобы запланировать опрос, задайте время начала и окончания и добавьте хотя бы один вопрос. Опрос откроется сам в назначенное время.
polls-schedule = Запланировать
polls-delete = Удалить черновик
polls-unschedule-note = Опрос ещё не начался: его можно вернуть в черновики и изменить.
polls-unschedule = Вернуть в черновики
polls-field-close-reason = Причина досрочного завершения (необязательно)
polls-close = Завершить сейчас
polls-hint-decision = виден всем жителям на страницах опроса и итогов
polls-publish = Опубликовать итоги
polls-decision-update = Обновить решение

## Ход голосования (для должностных лиц)

polls-dashboard-title = Ход голосования
# $time — дата и время
polls-dashboard-updated = Данные на { $time }
# $count — секунды
polls-dashboard-refresh = { $count ->
    [one] страница обновляется каждую { $count } секунду
    [few] страница обновляется каждые { $count } секунды
   *[many] страница обновляется каждые { $count } секунд
}
polls-turnout-title = Явка по районам
polls-turnout-note = Точные числа — только для должностных лиц.
polls-per-hour-title = Голоса по часам
polls-col-hour = Час
# $total — всего голосов (уже со словом «голосов»)
polls-dashboard-hours-title = Голоса по часам, всего { $total }

## Сообщения после действий

polls-flash-voted = Спасибо! Ваш голос принят.
polls-flash-already-voted = Вы уже голосовали в этом опросе — вот ваша квитанция.
polls-flash-created = Черновик создан. Добавьте вопросы и задайте сроки.
polls-flash-saved = Изменения сохранены.
polls-flash-scheduled = Опрос запланирован.
polls-flash-unscheduled = Опрос возвращён в черновики.
polls-flash-deleted = Черновик удалён.
polls-flash-closed = Голосование завершено.
polls-flash-published = Итоги опубликованы.
