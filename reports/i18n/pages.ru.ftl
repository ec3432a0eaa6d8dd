# Тексты страниц обращений (жители и все) на русском. Каждый ключ должен быть и в pages.en.ftl.
reports-nav = Наш город
reports-flash-filed = Обращение подано. Его проверит модератор, затем оно уйдёт в организацию, которая за это отвечает.
reports-flash-joined = Вы присоединились к обращению: вы будете узнавать о нём, как и его автор.
reports-flash-confirmed = Спасибо: обращение закрыто.
reports-flash-disputed = Ответ оспорен: обращение открыто снова, организация должна ответить ещё раз.
reports-answer-by = ответ до { $date }
reports-joiners = { $count ->
    [one] присоединился { $count } житель
    [few] присоединились { $count } жителя
   *[other] присоединились { $count } жителей
}
reports-distance-m = в { $m } м
reports-distance-km = в { $km } км

reports-list-title = Наш город
reports-list-intro = Обращения жителей о проблемах в городе и ответы организаций на них.
reports-list-heading = Обращения
reports-new-link = Сообщить о проблеме
reports-signin-to-file = Войдите, чтобы сообщить о проблеме
reports-filter-district = Район
reports-filter-any-district = Все районы
reports-filter-category = Категория
reports-filter-any-category = Все категории
reports-filter-status = Статус
reports-filter-any-status = Любой статус
reports-filter-overdue = Только просроченные
reports-filter-show = Показать
reports-map-title = Обращения на карте
reports-map-count = { $count ->
    [one] { $count } обращение
    [few] { $count } обращения
   *[other] { $count } обращений
}
reports-map-none = Нет обращений
reports-none = Таких обращений нет.
reports-first = Первая страница
reports-more = Показать ещё
reports-mine-title = Мои обращения
reports-mine-none = Вы ещё не сообщали о проблемах.

reports-new-title = Сообщить о проблеме
reports-step-1 = Шаг 1 из 2: что и где.
reports-step-2 = Шаг 2 из 2: опишите проблему.
reports-field-category = Категория
reports-field-category-choose = Выберите категорию
reports-field-category-hint = Группы выбрать нельзя: выберите категорию внутри группы.
reports-field-place = Место
reports-field-lat = Широта
reports-field-lon = Долгота
reports-field-place-hint = Десятичные градусы, как их показывает карта: например, 55.7355 и 37.5885.
reports-locate = Где я сейчас
reports-locate-busy = Определяем, где вы…
reports-locate-done = Ваше место подставлено: проверьте его и нажмите «Далее».
reports-locate-failed = Не удалось определить, где вы. Нажмите на место на карте или введите его.
reports-pick-legend = Или нажмите на место на карте
reports-pick-hint = Каждое нажатие отмечает место и приближает карту; нажмите ещё раз, чтобы отметить точнее.
reports-pick-farther = Отдалить
reports-pick-whole = Весь город
reports-pick-marked = Отмечено место в районе { $district }. Нажмите ещё раз, чтобы отметить точнее, или «Далее».
reports-pick-outside = Это место за пределами районов города: нажмите внутри них.
reports-field-address = Адрес (необязательно)
reports-field-address-hint = Улица и дом или ориентир рядом: так место проще найти.
reports-place-send = Далее
reports-nearby-title = Об этом уже сообщили?
reports-nearby-intro = Открытые обращения рядом с этим местом в категории
reports-nearby-none = Рядом с этим местом нет открытых обращений этой категории.
reports-nearby-different = У меня другая проблема
reports-change-place = Изменить категорию или место
reports-details-title = Опишите проблему
reports-field-description = Что не так
reports-field-description-hint = От 10 до 2 000 знаков. Не пишите чужих имён и телефонов.
reports-field-photos = Фотографии (необязательно)
reports-field-photos-hint = До 5 фотографий JPEG, PNG или WebP, до 10 МБ каждая. Данные о местоположении из них удаляются.
reports-photos-kept = Уже отправленные фотографии:
reports-photo-keep = Оставить эту фотографию
reports-details-send = Подать обращение
reports-photo = Фотография проблемы
reports-photo-processing = Фотография обрабатывается и скоро появится
reports-photo-dropped = Отправленный вами файл не удалось прочитать как фотографию, он не сохранён
reports-answer-photo = Фотография к ответу

reports-overdue = Просрочено
reports-joined = Вы присоединились к этому обращению.
reports-join = У меня тоже
reports-join-hint = Вы будете узнавать о нём, как и его автор.
reports-signin-to-join = Войдите, чтобы присоединиться к обращению
reports-district = Район
reports-place = Место
reports-filed = Подано
reports-deadline = Срок ответа
reports-routing = Куда и почему
reports-support = У меня тоже
reports-rejected-title = Отклонено модератором
reports-answer-title = Ответ
reports-respond-title = Проблема решена?
reports-respond-until = Подтвердите ответ или оспорьте его до { $date }; после этого обращение закроется.
reports-confirm = Да, решена
reports-dispute-label = Почему проблема не решена
reports-dispute = Оспорить ответ
reports-history-title = История

reports-role-author = автор
reports-role-resident = житель
reports-role-moderator = модератор
reports-role-official = сотрудник
reports-role-other_official = сотрудник
reports-role-system = автоматически
reports-action-file = подано
reports-action-accept = принято
reports-action-reject = отклонено
reports-action-start = взято в работу
reports-action-answer = дан ответ
reports-action-reroute = перенаправлено
reports-action-confirm = ответ подтверждён
reports-action-dispute = ответ оспорен
reports-action-auto_close = закрыто через 15 дней без отклика
reports-reject-not_city_matter = Это не вопрос города.
reports-reject-duplicate = Об этой проблеме уже сообщили: присоединитесь к тому обращению.
reports-reject-abusive = В нём оскорбления, угрозы или чужие персональные данные.
reports-reject-unclear = Из него не понять, какая проблема и где.
reports-reject-advertising = Реклама или агитация.
reports-yours = Ваше обращение
reports-mine-filed = Поданные мной
reports-mine-joined = К которым я присоединился
reports-mine-joined-none = Вы ещё не присоединялись к обращениям.
