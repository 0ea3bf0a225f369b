package i18n

import "slices"

// adminMessages are the newsroom admin's words. The Russian is the
// newsroom's own: «материал» for an article, «рубрика» for a section,
// «автор» for a byline. Words the reader site already has (Articles,
// Sections, Status…) are not repeated here: a key is defined once.
var adminMessages = slices.Concat(adminCommon, translationMessages)

// adminCommon are the words of every admin page.
var adminCommon = []msg{
	// Statuses and roles, shown wherever an article or an account is.
	{key: "status.draft", en: s("draft"), ru: s("черновик")},
	{key: "status.review", en: s("review"), ru: s("на проверке")},
	{key: "status.scheduled", en: s("scheduled"), ru: s("запланирован")},
	{key: "status.published", en: s("published"), ru: s("опубликован")},
	{key: "status.unpublished", en: s("unpublished"), ru: s("снят с публикации")},
	{key: "role.admin", en: s("admin"), ru: s("администратор")},
	{key: "role.editor", en: s("editor"), ru: s("редактор")},
	{key: "role.author", en: s("author"), ru: s("автор")},
	{key: "role.revenue", en: s("revenue"), ru: s("сбор средств")},

	m("Newsroom", s("Редакция")),
	m("Not found", s("Не найдено")),
	m("Not allowed", s("Нет доступа")),
}

// translationMessages are the article editor's translation links.
var translationMessages = []msg{
	m("Translation", s("Перевод")),
	m("live on the site", s("опубликован на сайте")),
	m("not live yet", s("ещё не опубликован")),
	m("Unlink", s("Отвязать")),
	m("No translation is linked to this article.", s("У этого материала нет связанных переводов.")),
	m("Link a translation", s("Связать с переводом")),
	m("the other article's ID, such as 42, or its address on the site", s("номер другого материала, например 42, или его адрес на сайте")),
	m("Link", s("Связать")),
	m("Type the ID or the address of the article in the other language.", s("Укажите номер или адрес материала на другом языке.")),
	m("That is too long for an ID or an address.", s("Это слишком длинно для номера или адреса.")),
	m("No article has the ID or address “%s”.", s("Нет материала с номером или адресом «%s».")),
	m("That is this article: link the article in the other language.", s("Это тот же самый материал: укажите материал на другом языке.")),
	m("“%s” is in %s too: a translation must be in another language.", s("«%s» тоже на языке «%s»: перевод должен быть на другом языке.")),
	m("This article already has a translation in %s, or “%s” is linked to another article in this language: unlink that one first.",
		s("У этого материала уже есть перевод на язык «%s», или «%s» уже связан с другим материалом на этом языке: сначала отвяжите его.")),
	m("Translation linked.", s("Перевод связан.")),
	m("Translation unlinked.", s("Перевод отвязан.")),
}
