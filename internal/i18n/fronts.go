package i18n

// frontsReaderMessages are the reader's words for curated fronts.
var frontsReaderMessages = []msg{
	m("Top stories", s("Главные материалы")),
	{key: "date.daytimezone", en: s("%[1]s %[2]s %[3]s, %[4]s %[5]s"), ru: s("%[1]s %[2]s %[3]s, %[4]s %[5]s")},
}

// frontsAdminMessages are the admin's words for front pages, the
// newsroom's time zone and the dashboard.
var frontsAdminMessages = []msg{
	// Front pages.
	m("Front pages", s("Первые полосы")),
	m("Home page", s("Главная страница")),
	m("Front", s("Полоса")),
	m("Lead story", s("Главная история")),
	m("Top story %d", s("Главный материал %d")),
	m("Article ID", s("Номер статьи")),
	m("none: the newest", s("нет: самая новая")),
	m("Pin until", s("Закрепить до")),
	m("empty: until unpinned", s("пусто: пока не открепят")),
	m("Find articles", s("Найти статьи")),
	m("Save the front", s("Сохранить полосу")),
	m("Front saved", s("Полоса сохранена")),
	m("Pinned now", s("Закреплено сейчас")),
	m("Please correct the marked fields.", s("Исправьте отмеченные поля.")),
	m("This time has already passed: %s.", s("Это время уже прошло: %s.")),
	m("or its number", s("или её номер")),
	m("Find", s("Найти")),
	m("expired: %s, pinned until %s", s("срок истёк: «%s», закреплено до %s")),
	m("not shown: not published", s("не показывается: не опубликовано")),
	m("No article has the ID %s.", s("Нет статьи с номером %s.")),
	m("This article is already pinned on this front.", s("Эта статья уже закреплена на этой полосе.")),
	m("Pinned stories show first; the rest of the front is the newest, and no story appears twice on a page.",
		s("Закреплённые материалы идут первыми; остальное — самые новые, и ни один материал не повторяется на странице.")),
	m("Search by headline, or enter the article's number from its address in the admin.",
		s("Ищите по заголовку или введите номер статьи из её адреса в админке.")),

	m("shown under the name on the section's front; at most 300 characters",
		s("показывается под названием на полосе раздела; не больше 300 знаков")),

	// Time zone.
	m("Time zone", s("Часовой пояс")),
	m("the newsroom's, an IANA name such as Europe/Riga; times in the admin are entered and shown in it",
		s("часовой пояс редакции, имя из базы IANA, например Europe/Riga; в нём вводятся и показываются времена в админке")),
	m("“%s” is not a time zone. Use a name such as Europe/Riga or UTC.", s("«%s» — не часовой пояс. Укажите имя вроде Europe/Riga или UTC.")),
	m("Publication date", s("Дата публикации")),
	m("yyyy-mm-dd", s("гггг-мм-дд")),
	m("hh:mm, 24-hour, %s", s("чч:мм, 24 часа, %s")),
	m("needed to schedule; now if empty when publishing", s("нужна, чтобы запланировать; если пусто при публикации — сейчас")),
	m("Enter the date as yyyy-mm-dd, such as 2024-05-14.", s("Введите дату в виде гггг-мм-дд, например 2024-05-14.")),
	m("Enter the time as hh:mm on a 24-hour clock, such as 09:30 or 18:05.", s("Введите время в виде чч:мм по 24-часовым часам, например 09:30 или 18:05.")),
	m("Enter a date with the time.", s("Укажите и дату, и время.")),
	m("%s does not exist in %s: the clocks are put forward that night. Choose a time outside the gap, such as %s.",
		s("%s не существует в поясе %s: в эту ночь часы переводят вперёд. Выберите время вне пропуска, например %s.")),
	m("A scheduled article needs a time in the future. To publish now, choose the status published.",
		s("Для запланированной статьи нужно время в будущем. Чтобы опубликовать сейчас, выберите статус «опубликовано».")),
	m("Times in %s", s("Время по поясу %s")),

	// Dashboard.
	m("Drafts", s("Черновики")),
	m("Waiting for review", s("Ждут проверки")),
	m("Scheduled", s("Запланировано")),
	m("Recent corrections", s("Последние исправления")),
	m("Support today", s("Поддержка сегодня")),
	m("Support this month", s("Поддержка в этом месяце")),
	m("%s of the %s goal (%d%%)", s("%s из %s цели (%d%%)")),
	m("No goal is set for this month.", s("Цель на этот месяц не задана.")),
	m("Mail waiting", s("Письма в очереди")),
	m("%d waiting to be sent", s("%d ждут отправки")),
	m("%d could not be sent", s("%d не отправлены")),
	m("oldest waiting since %s", s("самое старое ждёт с %s")),
	m("Nothing here.", s("Здесь пусто.")),
	{key: "%d gifts",
		en: pl("one", "%d gift", "other", "%d gifts"),
		ru: pl("one", "%d пожертвование", "few", "%d пожертвования", "many", "%d пожертвований", "other", "%d пожертвования")},
	m("All drafts", s("Все черновики")),
	m("All articles in review", s("Все статьи на проверке")),
	m("All scheduled", s("Все запланированные")),
	m("updated %s", s("изменено %s")),
	m("goes live %s", s("выходит %s")),
}
