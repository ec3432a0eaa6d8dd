# Тексты ядра Вече на русском. Каждый ключ должен быть и в en.ftl (иначе каталог не загрузится).
# Изоляция аргументов отключена: переменные подставляются как есть.

app-name = Вече

## Оформление страницы: шапка, меню, подвал

nav-skip = Перейти к содержанию
nav-label = Главное меню
nav-home = Главная
nav-admin = Администрирование
nav-signin = Войти
nav-signup = Зарегистрироваться
nav-signout = Выйти
# Ссылка на другой язык, поэтому подпись на нём самом.
lang-switch = English
footer-about = Вече — открытая платформа для жителей: голосования, идеи для города и сообщения о проблемах.
footer-osm = Данные о районах © участники OpenStreetMap, ODbL 1.0

## Страница ошибки и сводка ошибок формы

error-code = Код ошибки:
error-home = Вернуться на главную
form-errors-title = Исправьте, пожалуйста, ошибки в форме

## Главная страница

home-title = Участвуйте в жизни своего города
home-intro = Голосуйте в городских и районных опросах, предлагайте идеи и сообщайте о проблемах — ответственная организация обязана ответить.
# $name — отображаемое имя жителя
home-hello = Здравствуйте, { $name }!
# $district — название района
home-your-district = Ваш район: { $district }
home-profile-link = Перейти в профиль
home-what-title = Что можно делать в Вече
home-what-polls = Голосовать в городских и районных опросах.
home-what-ideas = Предлагать идеи для города и поддерживать идеи других жителей.
home-what-reports = Сообщать о проблемах в городе — ответственная организация обязана ответить.

## Регистрация и вход

signup-title = Регистрация
signup-submit = Зарегистрироваться
signup-have-account = Уже зарегистрированы?
signin-title = Вход
signin-submit = Войти
signin-no-account = Ещё нет учётной записи?
# $seconds — сколько секунд подождать (строка, поэтому без форм множественного числа)
signin-rate-limited = Слишком много попыток входа. Подождите { $seconds } с и попробуйте снова.
signin-forgot = Забыли пароль?

## Восстановление пароля

forgot-title = Восстановление пароля
forgot-intro = Введите адрес электронной почты вашей учётной записи. Если такая учётная запись есть, мы пришлём на него ссылку для смены пароля.
forgot-submit = Отправить ссылку
# $minutes — сколько минут подождать (строка, поэтому без форм множественного числа)
forgot-rate-limited = Слишком много запросов ссылки. Попробуйте снова через { $minutes } мин.
reset-title = Новый пароль
reset-intro = Придумайте новый пароль. После смены вы выйдете из учётной записи на всех устройствах.
reset-submit = Сохранить пароль

## Страницы, на которые ведут ссылки из писем

verify-done = Адрес подтверждён
verify-done-detail = Спасибо! Ваша учётная запись активна: можно голосовать, предлагать идеи и сообщать о проблемах.
verify-already = Ваш адрес электронной почты уже подтверждён, больше ничего делать не нужно.
link-invalid-verify-hint = Войдите и запросите новую ссылку в профиле кнопкой «Отправить ссылку ещё раз».
link-invalid-reset-hint = Запросите новую ссылку — она действует 1 час.
link-invalid-reset-action = Запросить новую ссылку
link-invalid-change-hint = Войдите и снова укажите новый адрес в профиле.
email-changed-title = Адрес изменён
# $email — новый адрес
email-changed-detail = Теперь входите в Вече и получайте письма по адресу { $email }.
email-change-taken = Этот адрес уже занят другой учётной записью, поэтому ваш адрес не изменён. Укажите в профиле другой адрес.

## Поля форм и подсказки

field-email = Электронная почта
field-password = Пароль
field-display-name = Отображаемое имя
field-district = Район
field-district-choose = Выберите район
field-birth-year = Год рождения
field-current-password = Текущий пароль
field-new-password = Новый пароль
field-new-email = Новый адрес электронной почты
field-token-name = Название токена
field-organisation = Организация
field-organisation-name = Название организации
field-reason = Причина
field-reason-optional = Причина (необязательно)
hint-password = от 10 до 128 символов
hint-display-name = видно другим жителям, от 2 до 60 символов
hint-organisation = обязательна для должностного лица

## Профиль

profile-title = Профиль
# $name — название токена
profile-token-created = Токен «{ $name }» создан
profile-token-once = Скопируйте токен сейчас: он показывается только один раз. Никому его не сообщайте.
profile-state = Статус
profile-roles = Роли
profile-details-title = Личные данные
profile-save = Сохранить
profile-password-title = Смена пароля
profile-password-note = После смены пароля вы выйдете из учётной записи на всех других устройствах.
profile-password-submit = Сменить пароль
profile-email-title = Смена адреса электронной почты
profile-email-note = Мы отправим ссылку на новый адрес. Адрес изменится, когда вы перейдёте по ней в течение 24 часов.
profile-email-submit = Отправить ссылку
profile-unverified-title = Ваш адрес не подтверждён
# $email — адрес учётной записи
profile-unverified-note = Мы отправили ссылку на { $email } — перейдите по ней, чтобы подтвердить адрес. Если письма нет, проверьте папку «Спам» или отправьте ссылку ещё раз.
profile-unverified-resend = Отправить ссылку ещё раз
# $minutes — сколько минут подождать (строка, поэтому без форм множественного числа)
profile-verify-rate-limited = Вы слишком часто запрашивали ссылку. Попробуйте снова через { $minutes } мин.
profile-tokens-title = Токены API
profile-tokens-note = Токен позволяет вашим программам работать с API Вече от вашего имени. Можно создать до 20 токенов.
profile-tokens-none = У вас пока нет токенов.
profile-token-created-at = Создан
profile-token-last-used = Последнее использование
profile-token-actions = Действия
profile-token-revoke = Отозвать
profile-token-create = Создать токен

## Сообщения после действий

flash-signed-up = Вы зарегистрированы. Добро пожаловать в Вече!
flash-saved = Изменения сохранены.
flash-password-changed = Пароль изменён. На всех других устройствах вы вышли из учётной записи.
flash-token-revoked = Токен отозван: программы, которые им пользовались, больше не получат доступ.
flash-verification-sent = Мы отправили новую ссылку на ваш адрес. Она действует 48 часов.
flash-already-verified = Ваш адрес уже подтверждён.
flash-email-change-sent = Мы отправили ссылку на новый адрес. Перейдите по ней в течение 24 часов, чтобы сменить адрес.
flash-reset-sent = Если этот адрес принадлежит учётной записи, мы отправили на него ссылку. Она действует 1 час.
flash-password-reset = Пароль изменён. Войдите с новым паролем.

## Роли и статусы учётных записей

role-resident = Житель
role-moderator = Модератор
role-official = Должностное лицо
role-expert = Эксперт
role-admin = Администратор
state-unverified = Не подтверждена
state-active = Активна
state-blocked = Заблокирована

## Администрирование

admin-nav-label = Разделы администрирования
admin-accounts-title = Учётные записи
admin-organisations-title = Организации
admin-audit-title = Журнал действий
admin-search = Поиск по имени или почте
admin-search-submit = Найти
# Пункт списков «Роль» и «Статус»: без фильтра
admin-any = Все
admin-none-found = Ничего не найдено.
admin-roles-title = Роли и организация
# Пункт списка организаций: организация не выбрана
admin-none = Не выбрана
admin-roles-submit = Сохранить роли
admin-block-title = Блокировка учётной записи
admin-block-note = Заблокированный пользователь не сможет войти: все его сеансы будут завершены, а токены API — отозваны.
admin-block-submit = Заблокировать
admin-unblock-title = Разблокировка учётной записи
admin-unblock-submit = Разблокировать
admin-organisation-create = Добавить организацию
audit-when = Когда
audit-who = Кто
audit-what = Действие
audit-target = Объект
audit-why = Причина
pager-next = Следующая страница

## Ошибки: err-КОД — заголовок, err-КОД-detail — что делать

err-unauthorized = Требуется вход
err-unauthorized-detail = Войдите в свою учётную запись, чтобы продолжить.
err-forbidden = Доступ запрещён
err-forbidden-detail = У вашей учётной записи нет прав на это действие. Если это ошибка, обратитесь к администратору.
err-not_found = Не найдено
err-not_found-detail = По этому адресу ничего нет. Проверьте ссылку или вернитесь на главную страницу.
err-internal = Что-то пошло не так
err-internal-detail = На нашей стороне произошла ошибка. Попробуйте ещё раз чуть позже.
err-unavailable = Сервис временно недоступен
err-unavailable-detail = Сервис ненадолго недоступен. Повторите попытку через несколько секунд.
err-rate_limited = Слишком много запросов
err-rate_limited-detail = Вы отправляете запросы слишком часто. Подождите немного и попробуйте снова.
err-validation_failed = Проверьте введённые данные
err-validation_failed-detail = Некоторые поля заполнены неверно. Исправьте их и отправьте снова.
err-method_not_allowed = Метод не поддерживается
err-method_not_allowed-detail = Этот адрес не принимает такой запрос. Проверьте метод HTTP по документации API.
err-payload_too_large = Слишком большой запрос
err-payload_too_large-detail = Отправленные данные слишком велики. Сократите их и повторите попытку.
err-length_required = Не указан размер запроса
err-length_required-detail = Передайте заголовок Content-Length с размером тела запроса.
err-unsupported_media_type = Неподдерживаемый формат данных
err-unsupported_media_type-detail = Отправьте тело запроса в формате JSON с заголовком Content-Type: application/json.
err-invalid_query = Неверные параметры запроса
err-invalid_query-detail = Проверьте параметры в адресе: строка поиска должна быть не длиннее 100 символов.
err-invalid_header = Неверный заголовок запроса
err-invalid_header-detail = В запросе не хватает нужного заголовка HTTP или его значение неверно. Сверьтесь с документацией API.
err-invalid_form = Не удалось прочитать форму
err-invalid_form-detail = Обновите страницу и заполните форму ещё раз.
err-csrf_failed = Форма устарела
err-csrf_failed-detail = Форма устарела или отправлена не с этого сайта. Обновите страницу и отправьте её снова.
err-email_taken = Адрес уже зарегистрирован
err-email_taken-detail = Этот адрес электронной почты уже зарегистрирован. Войдите или укажите другой адрес.
err-invalid_credentials = Неверная почта или пароль
err-invalid_credentials-detail = Неверный адрес электронной почты или пароль. Проверьте их и попробуйте снова.
err-account_blocked = Учётная запись заблокирована
err-account_blocked-detail = Ваша учётная запись заблокирована администратором. Если вы считаете, что это ошибка, обратитесь к администрации платформы.
err-wrong_password = Неверный текущий пароль
err-wrong_password-detail = Текущий пароль указан неверно. Введите пароль, с которым вы сейчас входите.
err-organisation_required = Нужна организация
err-organisation_required-detail = Для роли «Должностное лицо» выберите организацию.
err-unknown_organisation = Организация не найдена
err-unknown_organisation-detail = Такой организации нет. Выберите организацию из списка.
err-self_lockout = Нельзя ограничить себя
err-self_lockout-detail = Нельзя снять с себя роль администратора или заблокировать свою учётную запись. Попросите об этом другого администратора.
err-reason_required = Укажите причину
err-reason_required-detail = Укажите причину: она будет записана в журнал действий.
err-no_session = Нет сеанса
err-no_session-detail = Выйти можно только из сеанса в браузере. Чтобы прекратить доступ по токену API, отзовите его в профиле.
err-invalid_token = Недействительный токен
err-invalid_token-detail = Токен API неверен или отозван. Передайте его в заголовке Authorization: Bearer или создайте новый в профиле.
err-idempotency_in_progress = Запрос ещё выполняется
err-idempotency_in_progress-detail = Запрос с этим Idempotency-Key ещё обрабатывается. Повторите его чуть позже.
err-idempotency_key_reused = Ключ уже использован
err-idempotency_key_reused-detail = Этот Idempotency-Key уже использован для другого запроса. Для нового запроса создайте новый ключ.
err-invalid_idempotency_key = Неверный ключ идемпотентности
err-invalid_idempotency_key-detail = Idempotency-Key должен быть непустым, не длиннее 255 байт и без управляющих символов.
err-invalid_json = Неверный JSON
err-invalid_json-detail = Тело запроса не является корректным JSON. Проверьте синтаксис.
err-invalid_type = Неверный тип значения
err-invalid_type-detail = У одного из полей неверный тип значения, например объект вместо строки. Сверьтесь с документацией API.
err-unknown_field = Неизвестное поле
err-unknown_field-detail = В запросе есть поле, которого нет в API (оно названо в «field»). Уберите его.
err-missing_field = Не хватает поля
err-missing_field-detail = В запросе нет обязательного поля (оно названо в «field»). Добавьте его.
err-invalid_limit = Неверное значение limit
err-invalid_limit-detail = Параметр limit должен быть целым числом от 1 до 100.
err-invalid_cursor = Неверный курсор
err-invalid_cursor-detail = Курсор страницы повреждён. Возьмите ссылку на следующую страницу из предыдущего ответа или начните с первой страницы.
err-invalid_role = Неизвестная роль
err-invalid_role-detail = Допустимые роли: resident, moderator, official, expert, admin.
err-invalid_state = Неизвестный статус
err-invalid_state-detail = Допустимые статусы: unverified, active, blocked.
err-link_invalid = Ссылка не работает
err-link_invalid-detail = Ссылка неизвестна, уже использована или срок её действия истёк.
err-already_verified = Адрес уже подтверждён
err-already_verified-detail = Ваш адрес электронной почты уже подтверждён, новая ссылка не нужна.

## Проверка полей: invalid-ПОЛЕ-КОД

invalid-email-required = Укажите адрес электронной почты.
invalid-email-too_long = Адрес электронной почты слишком длинный: не более 254 символов.
invalid-email-invalid_email = Проверьте адрес электронной почты: он должен выглядеть как name@example.ru.

invalid-new_email-required = Введите новый адрес электронной почты.
invalid-new_email-too_long = Адрес слишком длинный: не больше 254 символов.
invalid-new_email-invalid_email = Проверьте новый адрес: он должен выглядеть как name@example.ru.
invalid-new_email-unchanged = Это и есть ваш текущий адрес. Введите другой.
invalid-new_email-taken = Этот адрес уже занят другой учётной записью. Введите другой.

invalid-display_name-required = Укажите имя, которое увидят другие жители.
invalid-display_name-too_short = Имя слишком короткое: не менее 2 символов.
invalid-display_name-too_long = Имя слишком длинное: не более 60 символов.
invalid-display_name-needs_letter = Имя должно содержать хотя бы одну букву.
invalid-display_name-invalid_characters = В имени есть невидимые или служебные символы. Введите его заново, без них.

invalid-password-required = Придумайте пароль.
invalid-password-too_short = Пароль слишком короткий: не менее 10 символов.
invalid-password-too_long = Пароль слишком длинный: не более 128 символов.
invalid-password-too_weak = Такой пароль легко подобрать. Придумайте менее распространённый.
invalid-password-same_as_email = Пароль не должен совпадать с адресом электронной почты.

invalid-new_password-required = Введите новый пароль.
invalid-new_password-too_short = Новый пароль слишком короткий: не менее 10 символов.
invalid-new_password-too_long = Новый пароль слишком длинный: не более 128 символов.
invalid-new_password-too_weak = Такой пароль легко подобрать. Придумайте менее распространённый.
invalid-new_password-same_as_email = Новый пароль не должен совпадать с адресом электронной почты.

invalid-birth_year-out_of_range = Укажите год рождения четырьмя цифрами, не раньше 1900.
invalid-birth_year-too_young = Участвовать можно с 14 лет.

invalid-district_id-required = Выберите свой район.
invalid-district_id-unknown_district = Такого района нет в списке. Выберите район из списка.

# Поле «name»: и название токена (до 60 символов), и название организации (от 2 до 200).
invalid-name-required = Укажите название.
invalid-name-too_short = Название слишком короткое: не менее 2 символов.
invalid-name-too_long = Название слишком длинное: у токена — не более 60 символов, у организации — не более 200.
invalid-name-invalid_characters = В названии не должно быть переносов строк и других служебных символов.
invalid-name-too_many_tokens = У вас уже 20 токенов — это максимум. Отзовите ненужный, чтобы создать новый.

invalid-reason-too_long = Причина слишком длинная: не более 500 символов.
invalid-reason-invalid_characters = В причине не должно быть служебных символов, кроме переноса строки.

## Письма об учётной записи: mail-ВИД-subject (тема), -body (текст), -action (кнопка), -digest
## (строка ежедневной сводки). Переменные: $name (отображаемое имя); $new_email (email_change);
## $roles (roles_changed: коды ролей через запятую).

mail-verify_email-subject = Подтвердите адрес электронной почты в Вече
mail-verify_email-body = { $name }, чтобы завершить регистрацию в Вече, подтвердите адрес электронной почты кнопкой ниже — ссылка действует 48 часов. Если вы не регистрировались, просто проигнорируйте это письмо.
mail-verify_email-action = Подтвердить адрес
mail-verify_email-digest = Подтвердите адрес электронной почты в Вече.

mail-password_reset-subject = Смена пароля в Вече
mail-password_reset-body = { $name }, чтобы задать новый пароль для учётной записи в Вече, нажмите кнопку ниже — ссылка действует 1 час. Если вы не запрашивали смену пароля, просто проигнорируйте это письмо: пароль останется прежним.
mail-password_reset-action = Задать новый пароль
mail-password_reset-digest = Запрошена ссылка для смены пароля.

mail-email_change-subject = Подтвердите новый адрес электронной почты в Вече
mail-email_change-body = { $name }, подтвердите, что { $new_email } — ваш новый адрес в Вече: ссылка действует 24 часа. Если вы не меняли адрес, просто проигнорируйте это письмо — адрес останется прежним.
mail-email_change-action = Подтвердить новый адрес
mail-email_change-digest = Подтвердите новый адрес электронной почты { $new_email }.

mail-roles_changed-subject = Ваши роли в Вече изменились
mail-roles_changed-body = { $name }, администратор изменил ваши роли в Вече. Теперь у вас такие роли: { $roles }.
mail-roles_changed-action = Открыть профиль
mail-roles_changed-digest = Ваши роли изменились: { $roles }

## Общие коды для версий и фильтров (всех разделов)
err-version_conflict = Уже изменено
err-version_conflict-detail = Кто-то изменил это после того, как вы открыли страницу. Обновите её, посмотрите изменения и внесите свои ещё раз.
err-precondition_required = Нужен заголовок If-Match
err-precondition_required-detail = Передайте в заголовке If-Match версию, которую вы меняете (ETag прочитанного ответа), чтобы ничьи изменения не потерялись.
err-invalid_filter = Неизвестное значение фильтра
err-invalid_filter-detail = Проверьте параметры в адресе: поле с неизвестным значением указано в «field».
time-msk = МСК
waited-minutes = { $count } мин
waited-hours = { $count } ч
waited-days = { $count ->
    [one] { $count } день
    [few] { $count } дня
   *[many] { $count } дней
}

## Загруженные изображения (веб-набор ядра).
invalid-image-too_large = Изображение слишком большое: не больше 10 МБ.
invalid-image-too_many_pixels = В изображении слишком много пикселей: не больше 50 мегапикселей и 16 384 по стороне.
invalid-image-not_an_image = Этот файл не удаётся прочитать как изображение: пришлите фото в формате JPEG, PNG или WebP.

## Карты (веб-набор ядра).
map-attribution = Данные карты:
map-suppressed = Слишком мало, чтобы показать
map-no-data = Нет данных
map-picker-title = Карта: нажмите на место
map-cluster = { $count ->
    [one] { $count } объект здесь
    [few] { $count } объекта здесь
   *[many] { $count } объектов здесь
}
