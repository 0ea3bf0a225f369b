package i18n

// editorToolMessages are the words of the article editor's tools:
// autosave and restore, body images and the media library, the reader's
// preview, the toolbar and word count, the byline picker.
var editorToolMessages = []msg{
	// Autosave.
	m("Restore unsaved changes from %s?", s("Восстановить несохранённые изменения от %s?")),
	m("kept automatically while you typed, after the saved version", s("сохранены автоматически, пока вы печатали, после сохранённой версии")),
	m("Restore unsaved changes", s("Восстановить несохранённые изменения")),
	m("Discard them", s("Отбросить их")),
	m("Unsaved changes discarded", s("Несохранённые изменения отброшены")),
	m("Restored your unsaved changes from %s. Save to keep them.", s("Восстановлены ваши несохранённые изменения от %s. Сохраните, чтобы они остались.")),
	m("Saved %s", s("Сохранено в %s")),
	m("Someone else", s("Кто-то другой")),
	m("Not autosaved: the connection failed. Save to keep your work.", s("Автосохранение не удалось: нет связи. Сохраните, чтобы не потерять текст.")),
	m("%s saved this article at %s (version %d) after you opened it. Your typing is no longer autosaved: copy what you need, then reload the page to see their version.",
		s("%s сохранил(а) эту статью в %s (версия %d) после того, как вы её открыли. Ваш текст больше не сохраняется автоматически: скопируйте нужное и перезагрузите страницу, чтобы увидеть их версию.")),
	m("You saved this article in another window at %s (version %d). This window is no longer autosaved: reload the page to continue from that version.",
		s("Вы сохранили эту статью в другом окне в %s (версия %d). В этом окне автосохранение остановлено: перезагрузите страницу, чтобы продолжить с той версии.")),
}
