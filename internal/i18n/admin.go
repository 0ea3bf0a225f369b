package i18n

// adminMessages are the newsroom admin's words. The Russian is the
// newsroom's own: «материал» for an article, «рубрика» for a section,
// «автор» for a byline. Words the reader site already has (Articles,
// Sections, Status…) are not repeated here: a key is defined once.
var adminMessages = []msg{
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
