# Коды ошибок, причины отказа и письма идей на русском. Каждый ключ должен быть и в errors.en.ftl.
# Тексты страниц — в pages.ru.ftl.

## Ошибки: err-КОД — заголовок, err-КОД-detail — что делать
err-already_published = Проект уже опубликован
err-already_published-detail = Этот проект уже видят жители; опубликовать его второй раз нельзя.
err-invalid_id = Неверный идентификатор
err-invalid_id-detail = Один из идентификаторов в запросе не похож на идентификатор идеи. Проверьте список.

## Причины отказа: ideas-invalid-ПОЛЕ-ПРИЧИНА (свои для идей: у опросов те же поля с другими пределами)
ideas-invalid-title-required = Напишите заголовок.
ideas-invalid-title-too_short = Заголовок слишком короткий: не меньше 5 символов.
ideas-invalid-title-too_long = Заголовок слишком длинный: идея — не больше 140 символов, проект — не больше 200.
ideas-invalid-title-invalid_characters = В заголовке есть недопустимые символы.
ideas-invalid-body-required = Опишите идею.
ideas-invalid-body-too_short = Опишите идею подробнее: не меньше 20 символов.
ideas-invalid-body-too_long = Описание слишком длинное: не больше 5 000 символов.
ideas-invalid-body-invalid_characters = В описании есть недопустимые символы.
ideas-invalid-image-invalid_image = Ссылка на изображение неверна: укажите `hash`, который вернула загрузка.
ideas-invalid-image-unknown_image = Такое изображение здесь не загружали: сначала загрузите его, затем укажите его hash.
ideas-invalid-description-too_long = Описание проекта слишком длинное: не больше 10 000 символов.
ideas-invalid-description-invalid_characters = В описании проекта есть недопустимые символы.
ideas-invalid-text-required = Напишите текст.
ideas-invalid-text-too_short = Текст слишком короткий.
ideas-invalid-text-too_long = Текст слишком длинный: не больше 2 000 символов.
ideas-invalid-text-invalid_characters = В тексте есть недопустимые символы.
ideas-invalid-note-required = Напишите автору, что изменить.
ideas-invalid-note-too_long = Комментарий слишком длинный: не больше 2 000 символов.
ideas-invalid-note-invalid_characters = В комментарии есть недопустимые символы.
ideas-invalid-topic-unknown_topic = Выберите тему из списка тем проекта.
ideas-invalid-topics-required = Добавьте хотя бы одну тему.
ideas-invalid-topics-too_many = Слишком много тем: не больше 30.
ideas-invalid-topics-invalid_code = Код темы — от 1 до 32 строчных латинских букв, цифр и «_».
ideas-invalid-topics-duplicate_code = Две темы с одним кодом.
ideas-invalid-topics-too_short = Название темы слишком короткое.
ideas-invalid-topics-too_long = Название темы слишком длинное: не больше 100 символов.
ideas-invalid-topics-invalid_characters = В названии темы есть недопустимые символы.
ideas-invalid-criteria-too_many = Слишком много критериев: не больше 10.
ideas-invalid-criteria-invalid_code = Код критерия — от 1 до 32 строчных латинских букв, цифр и «_».
ideas-invalid-criteria-duplicate_code = Два критерия с одним кодом.
ideas-invalid-criteria-required = Назовите критерий.
ideas-invalid-criteria-too_short = Название критерия слишком короткое.
ideas-invalid-criteria-too_long = Название критерия слишком длинное: не больше 100 символов.
ideas-invalid-criteria-invalid_characters = В названии критерия есть недопустимые символы.
ideas-invalid-audience-invalid = Аудитория — весь город, районы или приглашённые.
ideas-invalid-districts-required = Выберите хотя бы один район.
ideas-invalid-districts-unknown_district = Такого района нет в справочнике.
ideas-invalid-invited-required = Пригласите хотя бы одного участника.
ideas-invalid-invited-too_many = Слишком много приглашённых: не больше 10 000.
ideas-invalid-invited-invalid = В списке приглашённых есть неверный идентификатор.
ideas-invalid-schedule-out_of_order = Этапы идут по порядку: приём идей, обсуждение, экспертиза, итоги.
ideas-invalid-project-already_started = Приём идей уже начался: проект больше не меняется.
ideas-invalid-project-not_in_audience = Проект не для вашего района или вы не в числе приглашённых.
ideas-invalid-project-not_manager = Это может сделать только тот, кто ведёт проект.
ideas-invalid-stage-proposals_closed = Приём идей сейчас закрыт.
ideas-invalid-stage-supports_closed = Поддержать идею можно только на этапе обсуждения.
ideas-invalid-stage-review_closed = Экспертиза сейчас не идёт.
ideas-invalid-stage-comments_closed = Обсуждение сейчас закрыто.
ideas-invalid-stage-wrong_stage = Сейчас другой этап проекта.
ideas-invalid-idea-not_author = Это может сделать только автор идеи.
ideas-invalid-idea-already_moderated = Идея уже проверена модератором: изменить её нельзя.
ideas-invalid-idea-already_decided = По идее уже принято решение.
ideas-invalid-idea-not_rejected = Обжаловать можно только отклонённую идею.
ideas-invalid-idea-already_appealed = Решение по идее можно обжаловать только один раз.
ideas-invalid-idea-no_open_appeal = По этой идее нет жалобы, ожидающей решения.
ideas-invalid-idea-not_approved = Идея ещё не одобрена.
ideas-invalid-idea-not_shortlisted = Идея не вынесена на экспертизу.
ideas-invalid-moderator-forbidden = Решения принимают модераторы.
ideas-invalid-moderator-same_moderator = Жалобу на ваше решение рассмотрит другой модератор.
ideas-invalid-action-invalid = Неизвестное действие.
ideas-invalid-action-not_in_bulk = Списком можно только одобрять и отклонять.
ideas-invalid-reason-required = Укажите причину отклонения.
ideas-invalid-into-required = Выберите идею, с которой объединить.
ideas-invalid-into-invalid = Неверный идентификатор идеи для объединения.
ideas-invalid-into-not_found = Идея для объединения не найдена.
ideas-invalid-into-same_idea = Идею нельзя объединить саму с собой.
ideas-invalid-into-other_project = Объединять можно только идеи одного проекта.
ideas-invalid-into-not_open = Объединять можно только с идеей на проверке или одобренной.
ideas-invalid-ideas-required = Выберите хотя бы одну идею.
ideas-invalid-ideas-too_many = За один раз — не больше 100 идей.
ideas-invalid-comment-own_comment = Нельзя пожаловаться на свой комментарий.
ideas-invalid-comment-already_reported = Вы уже пожаловались на этот комментарий.
ideas-invalid-parent-invalid = Неверный идентификатор комментария.
ideas-invalid-parent-not_found = Комментарий, на который вы отвечаете, не найден.
ideas-invalid-parent-other_idea = Отвечать можно только на комментарии этой идеи.
ideas-invalid-parent-too_deep = Отвечать можно только на комментарии первого уровня.
ideas-invalid-expert-not_an_expert = Оценивают только эксперты проекта.
ideas-invalid-experts-not_an_expert = У выбранного участника нет роли эксперта.
ideas-invalid-experts-unknown_account = Такого участника нет.
ideas-invalid-experts-too_many = Слишком много экспертов: не больше 100.
ideas-invalid-marks-missing_mark = Поставьте оценку по каждому критерию.
ideas-invalid-marks-out_of_range = Оценка — от 1 до 5.
ideas-invalid-marks-unknown_criterion = У проекта нет такого критерия.
ideas-invalid-outcome-invalid = Статус — «принята», «в работе» или «реализована».
ideas-invalid-outcome-not_forward = Статус идеи меняется только вперёд.

## Письма
mail-idea_decided-subject = Решение по вашей идее «{ $title }»
mail-idea_decided-body = { $name }, { $decision ->
    [approved] ваша идея «{ $title }» одобрена: теперь её видят и могут поддержать все участники проекта.
    [rejected] ваша идея «{ $title }» отклонена. Причина: { $reason ->
        [off_topic] не по теме проекта
        [not_city_matter] вопрос не в ведении города
        [already_planned] это уже сделано или запланировано
        [unclear] из текста непонятно, что предлагается
        [abusive] оскорбления или чужие личные данные
        [advertising] реклама или агитация
       *[other] другая
    }. { $note } Если вы не согласны, обжалуйте решение один раз — жалобу рассмотрит другой модератор.
    [sent_back] модератор просит уточнить идею «{ $title }»: { $note } Исправьте её, и она снова попадёт на проверку.
    [merged] ваша идея «{ $title }» объединена с похожей: вы указаны её соавтором, а поддержки перенесены.
    [appeal_granted] вашу жалобу удовлетворили: идея «{ $title }» одобрена.
    [appeal_refused] вашу жалобу рассмотрели: решение по идее «{ $title }» осталось прежним.
   *[other] по вашей идее «{ $title }» принято решение.
}
mail-idea_decided-action = Открыть идею
mail-idea_decided-digest = Решение по идее «{ $title }»

mail-idea_outcome-subject = Новости идеи «{ $title }»
mail-idea_outcome-body = { $name }, у идеи «{ $title }» новый статус: { $outcome ->
    [accepted] принята к реализации
    [in_work] в работе
    [done] реализована
   *[other] обновлён
}.
mail-idea_outcome-action = Открыть идею
mail-idea_outcome-digest = Идея «{ $title }»: новый статус
mail-idea_stage-subject = { $stage ->
    [discussion] Поддержите идеи проекта «{ $title }»
    [review] Эксперты оценивают идеи проекта «{ $title }»
   *[results] Итоги проекта «{ $title }»
}
mail-idea_stage-body = { $name }, вы участвовали в проекте «{ $title }». { $stage ->
    [discussion] Теперь его идеи можно поддерживать и обсуждать: поддержите те, которые хотите увидеть в жизни.
    [review] Поддержка завершена; эксперты оценивают идеи, переданные им на экспертизу.
   *[results] Подведены итоги: посмотрите, какие идеи приняты, и следите за их реализацией.
}
mail-idea_stage-action = Открыть проект
mail-idea_stage-digest = «{ $title }»: { $stage ->
    [discussion] открыта поддержка идей
    [review] началась экспертиза
   *[results] подведены итоги
}

## Виды уведомлений на странице настроек
kind-idea_decided = Решения по моим идеям
kind-idea_decided-hint = Письмо, когда модератор одобряет, отклоняет, возвращает на доработку или объединяет вашу идею.
kind-idea_outcome = Судьба идей, за которыми я слежу
kind-idea_outcome-hint = Письмо, когда идею, которую вы предложили или на которую подписались, принимают, берут в работу или реализуют.
kind-idea_stage = Проекты, в которых я участвую
kind-idea_stage-hint = Письмо, когда в проекте, где вы предлагали, поддерживали, обсуждали идеи или следили за ними, открывается поддержка, начинается экспертиза или подводятся итоги.
