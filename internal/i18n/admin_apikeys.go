package i18n

// apiKeysAdminMessages are the admin's words for the Ghost Content API's
// keys. «Ключ» is a key; the API keeps its English name.
var apiKeysAdminMessages = []msg{
	m("Content API keys", s("Ключи Content API")),
	{key: "apikeys.intro",
		en: s("A key lets a Ghost front-end, an app or an integration read the published site through the Ghost Content API, as it would read a Ghost site. It reads only what readers see. Revoke a key the moment it is not needed or may have leaked."),
		ru: s("Ключ позволяет фронтенду Ghost, приложению или интеграции читать опубликованный сайт через Ghost Content API, как сайт на Ghost. Он даёт только то, что видят читатели. Отзовите ключ, как только он не нужен или мог попасть в чужие руки.")},
	m("The API's address:", s("Адрес API:")),
	m("The key for %s:", s("Ключ для «%s»:")),
	m("Copy it now: it is shown only this once. Only a hash of it is kept.",
		s("Скопируйте его сейчас: он показывается только один раз. Хранится лишь его хеш.")),
	m("Make a key", s("Создать ключ")),
	m("what the key is for, such as the app that uses it", s("для чего ключ, например приложение, которое им пользуется")),
	{key: "%d keys",
		en: pl("one", "%d key", "other", "%d keys"),
		ru: pl("one", "%d ключ", "few", "%d ключа", "many", "%d ключей", "other", "%d ключа")},
	m("Key", s("Ключ")),
	m("revoked", s("отозван")),
	m("working", s("действует")),
	m("Revoke", s("Отозвать")),
	m("No keys yet.", s("Ключей пока нет.")),
	m("Key revoked.", s("Ключ отозван.")),
	m("Give the key a name, such as the app that will use it.", s("Дайте ключу название, например по приложению, которое будет им пользоваться.")),
	m("The name is too long (%d characters, at most 100).", s("Название слишком длинное (%d знаков, можно не больше 100).")),
	m("A key named %q exists already; choose another name.", s("Ключ с названием %q уже есть; выберите другое название.")),
}
