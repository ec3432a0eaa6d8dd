# Коды проблем, причины отказов, письма и названия сообщений о проблемах на русском. Каждый
# ключ должен быть и в errors.en.ftl.

## Проблемы: err-CODE — заголовок, err-CODE-detail — что делать
err-invalid_transition = Сейчас это невозможно
err-invalid_transition-detail = Сообщение сейчас в состоянии, которое этого не допускает. Обновите страницу, чтобы увидеть, где оно.
err-dispute_closed = Оспорить уже нельзя
err-dispute_closed-detail = Ответ можно оспорить в течение 15 дней, потом сообщение закрывается. Если проблема вернулась, сообщите о ней снова.
err-report_closed = Сообщение закрыто
err-report_closed-detail = Присоединиться можно только к открытому сообщению. Если проблема вернулась, сообщите о ней снова.
err-own_report = Это ваше сообщение
err-own_report-detail = Вы автор этого сообщения и и так узнаете о нём всё.

## Отказы: reports-invalid-FIELD-REASON
reports-invalid-lat-invalid_point = Место — не точка на карте: укажите широту и долготу.
reports-invalid-lat-outside_districts = Место лежит вне районов города.
reports-invalid-address-too_long = Адрес слишком длинный: не больше 300 символов.
reports-invalid-address-invalid_characters = В адресе есть недопустимые символы.
reports-invalid-description-required = Опишите проблему.
reports-invalid-description-too_short = Опишите проблему подробнее: не меньше 10 символов.
reports-invalid-description-too_long = Описание слишком длинное: не больше 2000 символов.
reports-invalid-description-invalid_characters = В описании есть недопустимые символы.
reports-invalid-photos-too_many = Слишком много фотографий: не больше 5.
reports-invalid-photos-invalid_photo = Ссылка на фотографию неверна: укажите `hash`, который вернула загрузка.
reports-invalid-photos-unknown_photo = Фотография не загружена: сначала загрузите её, потом укажите её hash.
reports-invalid-photos-required = Для этой категории нужна фотография проблемы.
reports-invalid-category_id-unknown = Выберите одну из категорий.
reports-invalid-category_id-not_leaf = Выберите категорию внутри этой группы.
reports-invalid-note-required = Укажите причину.
reports-invalid-note-too_long = Пояснение слишком длинное: не больше 2000 символов.
reports-invalid-note-invalid_characters = В пояснении есть недопустимые символы.
reports-invalid-text-required = Напишите ответ.
reports-invalid-text-too_long = Ответ слишком длинный: не больше 4000 символов.
reports-invalid-text-invalid_characters = В ответе есть недопустимые символы.
reports-invalid-organisation_id-unknown = Такой организации нет.
reports-invalid-organisation_id-unroutable = В этом районе нет организации для этой категории: выберите её сами.
reports-invalid-organisation_id-same_organisation = Сообщение уже в этой организации.
reports-invalid-reason-unknown_reason = Выберите причину: not_city_matter, duplicate, abusive, unclear или advertising.
reports-invalid-action-unknown_action = Действие — accept или reject.
reports-invalid-parent-unknown = Такой родительской категории нет.
reports-invalid-parent-cycle = Категория не может лежать внутри себя.
reports-invalid-deadline_days-out_of_range = Срок ответа — от 1 до 60 рабочих дней.
reports-invalid-duplicate_radius_m-out_of_range = Радиус дубликатов — от 10 до 2000 метров.
reports-invalid-name_ru-required = Напишите название по-русски.
reports-invalid-name_ru-too_long = Русское название слишком длинное: не больше 200 символов.
reports-invalid-name_ru-invalid_characters = В русском названии есть недопустимые символы.
reports-invalid-name_en-required = Напишите название по-английски.
reports-invalid-name_en-too_long = Английское название слишком длинное: не больше 200 символов.
reports-invalid-name_en-invalid_characters = В английском названии есть недопустимые символы.
reports-invalid-organisation_kind-unknown = Вид — district_council, housing, roads, parks или utilities.
reports-invalid-kind-unknown = Неизвестный вид.
reports-invalid-districts-too_many = Слишком много районов: не больше 500.
reports-invalid-districts-unknown_district = Одного из районов нет в справочнике.
reports-invalid-head-not_official = Руководитель должен быть сотрудником этой организации.
reports-invalid-radius-out_of_range = Радиус — от 1 до 2000 метров.

## Названия
reports-status-submitted = На модерации
reports-status-rejected = Отклонено
reports-status-routed = Направлено в организацию
reports-status-in_progress = В работе
reports-status-answered = Получен ответ
reports-status-closed = Закрыто
reports-status-reopened = Открыто повторно
reports-kind-district_council = управа района
reports-kind-housing = «Жилищник»
reports-kind-roads = дорожная служба
reports-kind-parks = служба парков
reports-kind-utilities = коммунальная служба
reports-route-category = Направлено в { $organisation }: это { $kind }, обслуживающая район { $district }.
reports-route-moderator = Направлено модератором в { $organisation }: { $note }
reports-route-rerouted = Перенаправлено в { $organisation }: { $note }

## Письма
mail-report_status-subject = Новый статус вашего сообщения: { $status ->
    [routed] направлено в { $organisation }
    [in_progress] в работе
    [answered] получен ответ
    [closed] закрыто
    [reopened] открыто повторно
    [rejected] отклонено
   *[other] { $status }
}
mail-report_status-body = { $name }, у сообщения «{ $category }» ({ $address }) новый статус: { $status ->
    [routed] оно направлено в { $organisation }, ответ должен быть до { $deadline } (по Москве).
    [in_progress] { $organisation } работает над ним.
    [answered] { $organisation } ответила. Подтвердите ответ или оспорьте его в течение 15 дней.
    [closed] оно закрыто.
    [reopened] ответ оспорен; { $organisation } должна ответить снова до { $deadline }.
    [rejected] модератор его отклонил.
   *[other] { $status }.
}
mail-report_status-action = Открыть сообщение
mail-report_status-digest = Сообщение «{ $category }»: { $status }
mail-report_routed-subject = Новое сообщение для { $organisation }: «{ $category }»
mail-report_routed-body = { $name }, сообщение «{ $category }» ({ $address }) направлено в { $organisation }. Ответ нужен до { $deadline } (по Москве).
mail-report_routed-action = Открыть сообщение
mail-report_routed-digest = Новое сообщение «{ $category }»
mail-report_warning-subject = Срок ответа на «{ $category }» подходит
mail-report_warning-body = { $name }, прошло 80 % срока ответа на сообщение «{ $category }» ({ $address }). Ответ нужен до { $deadline } (по Москве).
mail-report_warning-action = Открыть сообщение
mail-report_warning-digest = Срок подходит: «{ $category }»
mail-report_overdue-subject = Сообщение «{ $category }» просрочено
mail-report_overdue-body = { $name }, срок ответа на сообщение «{ $category }» ({ $address }) наступил ({ $deadline }, по Москве), а ответа нет.
mail-report_overdue-action = Открыть сообщение
mail-report_overdue-digest = Просрочено: «{ $category }»
mail-report_disputed-subject = Ответ { $organisation } оспорен
mail-report_disputed-body = { $name }, автор сообщения «{ $category }» ({ $address }) оспорил ответ. Сообщение открыто повторно; ответ нужен до { $deadline } (по Москве).
mail-report_disputed-action = Открыть сообщение
mail-report_disputed-digest = Оспорено: «{ $category }»

## Open311 GeoReport v2 (/open311/v2): описания ошибок, уведомления, атрибут photos
reports-open311-err-api_key-missing = Нет api_key: укажите API-токен Вече (его создают на странице профиля) -- заявка не создана.
reports-open311-err-api_key = Неверный api_key -- заявка не создана.
reports-open311-err-jurisdiction = jurisdiction_id { $given } не найден: этот адрес обслуживает одну юрисдикцию.
reports-open311-err-query = Строку запроса не удаётся прочитать.
reports-open311-err-form = Форму не удаётся прочитать: отправьте application/x-www-form-urlencoded в UTF-8.
reports-open311-err-resource = Такого ресурса Open311 нет: смотрите discovery.json или discovery.xml.
reports-open311-err-service_code-missing = Не указан service_code.
reports-open311-err-service_code-unknown = service_code { $code } не найден.
reports-open311-err-request-unknown = service_request_id { $id } не найден.
reports-open311-err-token-unknown = token { $token } не найден.
reports-open311-err-location = Не указаны lat и long: в Вече сообщение подаётся в точке на карте, адреса не ищутся (address_string можно указать вместе с ними).
reports-open311-err-number = { $field } — не число.
reports-open311-err-date = { $field } — не дата и время W3C с часовым поясом (например, 2026-01-01T00:00:00Z).
reports-open311-err-span = start_date не может быть позже end_date, и между ними не больше 90 дней.
reports-open311-err-status = status — это open, closed или оба через запятую.
reports-open311-err-too_many_ids = Не больше 1000 service_request_id за раз.
reports-open311-err-attribute = attribute[{ $code }] — не атрибут этой услуги (смотрите её описание).
reports-open311-err-media_url = media_url не принимается: Вече не загружает файлы с чужих адресов. Загрузите фотографию через POST /api/v1/uploads (api_key как токен Bearer) и укажите её hash в attribute[photos].
reports-open311-key-service = Жители создают API-токен на странице профиля ({ $profile }); приложению ключ выдают администраторы.
reports-open311-service-notice = Сначала сообщение проверяет модератор; затем { $kind } района отвечает в течение { $days } рабочих дней.
reports-open311-photo-required = Нужна фотография.
reports-open311-filed-notice = Сообщение подано. Оно станет публичным, когда его примет модератор.
reports-open311-attr-photos = Фотографии проблемы: загрузите каждую через POST /api/v1/uploads (api_key как токен Bearer) и укажите полученные hash.
reports-open311-attr-photos-datatype = До 5 hash загрузок через запятую.
reports-invalid-application-length = Название приложения — от 1 до 50 символов.
reports-invalid-account_id-blocked = Учётная запись заблокирована: сначала разблокируйте её.
