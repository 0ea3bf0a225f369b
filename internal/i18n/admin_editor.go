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

// mediaLibraryMessages are the words of body images and the media library.
var mediaLibraryMessages = []msg{
	m("Media library", s("Медиатека")),
	m("Media", s("Медиа")),
	m("Choosing an image for “%s”.", s("Выбор изображения для «%s».")),
	m("Back to the article", s("Вернуться к статье")),
	m("Alt text, credit, caption or file name contains", s("Описание, автор, подпись или имя файла содержат")),
	m("%d images", s("Изображений: %d")),
	m("File", s("Файл")),
	m("Used in", s("Где используется")),
	m("lead photo", s("главное фото")),
	m("in the body", s("в тексте")),
	m("no article", s("ни в одной статье")),
	m("Markdown for a body figure", s("Markdown для иллюстрации в тексте")),
	m("Insert into the article", s("Вставить в статью")),
	m("No images match.", s("Подходящих изображений нет.")),
	m("That image is not in the media library any more. Choose another.", s("Этого изображения больше нет в медиатеке. Выберите другое.")),
	m("The image is in the body now, at the marker or at the end. Save to keep it.", s("Изображение вставлено в текст — на место метки или в конец. Сохраните, чтобы оно осталось.")),
	m("Image in the body", s("Изображение в тексте")),
	m("On saving or previewing, the image is stored and its figure goes into the body where a line reads %s, or at the end.",
		s("При сохранении или предпросмотре изображение сохраняется, а иллюстрация попадает в текст на строку %s или в конец.")),
	m("Or choose one from the media library", s("Или выберите из медиатеки")),
	m("Once the article is saved, you can also choose one from the media library.", s("После первого сохранения статьи можно выбрать изображение и из медиатеки.")),
	m("Image", s("Изображение")),
	m("required: what the image shows, for readers who cannot see it", s("обязательно: что изображено, для читателей, которые не видят картинку")),
	m("The image did not arrive completely. Choose it again.", s("Изображение пришло не полностью. Выберите его снова.")),
	m("Describe what the image shows: an image in the body needs alt text. Then choose the file again.",
		s("Опишите, что изображено: изображению в тексте нужно описание. Затем выберите файл снова.")),
	m("Image not accepted: %s", s("Изображение не принято: %s")),
	m("Image not accepted: it is too small to show.", s("Изображение не принято: оно слишком маленькое.")),
	m("%s has an image without alt text, so it cannot be published: between the brackets of ![…](…), describe what the image shows. To keep your work meanwhile, save it as a draft.",
		s("%s: в тексте есть изображение без описания, поэтому статью нельзя опубликовать. Между скобками ![…](…) опишите, что изображено. Чтобы не потерять работу, пока сохраните её как черновик.")),
}

// previewMessages are the words of the reader's preview.
var previewMessages = []msg{
	m("not saved; as readers will see it, without donation prompts", s("не сохранено; так увидят читатели, без призывов поддержать")),
	m("Phone", s("Телефон")),
	m("Desktop", s("Компьютер")),
	m("Preview on a phone", s("Предпросмотр на телефоне")),
	m("Preview on a desktop", s("Предпросмотр на компьютере")),
}

// toolbarMessages are the words of the toolbar, the cheat sheet and the counts.
var toolbarMessages = []msg{
	{key: "%d words, %d min read", en: s("%d words, %d min read"), ru: s("слов: %d, чтение: %d мин")},
	m("Markdown, briefly", s("Markdown вкратце")),
	m("Heading", s("Подзаголовок")),
	m("Bold", s("Жирный")),
	m("bold", s("жирный")),
	m("Italic", s("Курсив")),
	m("italic", s("курсив")),
	m("text", s("текст")),
	m("Quote", s("Цитата")),
	m("quotation", s("цитата")),
	m("item", s("пункт")),
	m("Numbered list", s("Нумерованный список")),
	m("Table", s("Таблица")),
	m("Footnote", s("Сноска")),
	m("the note", s("текст сноски")),
	m("what it shows", s("что изображено")),
	m("caption", s("подпись")),
	m("credit", s("автор")),
	m("an image of the media library, alone on its line", s("изображение из медиатеки, одно на строке")),
	m("Formatting", s("Форматирование")),
}

// bylineMessages are the words of the byline picker.
var bylineMessages = []msg{
	m("tick every author of the piece", s("отметьте всех авторов материала")),
	m("Find an author", s("Найти автора")),
}
