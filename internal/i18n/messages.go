package i18n

import (
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/message/catalog"
)

// msg is one message in each language; nil where a translation is missing.
type msg struct {
	key    string
	en, ru catalog.Message
}

func (m msg) text(lang string) catalog.Message {
	switch lang {
	case "en":
		return m.en
	case "ru":
		return m.ru
	}
	return nil
}

// source is a compiled message that remembers the words it was written
// with, for the catalog test (Fragments).
type source struct {
	catalog.Message
	texts []string
}

// s is a message without plural forms.
func s(text string) catalog.Message { return source{catalog.String(text), []string{text}} }

// pl is a message whose form follows its first argument's plural category
// (CLDR's rules for the language: one, few, many, other), with %d the count.
func pl(cases ...any) catalog.Message {
	var texts []string
	for i := 1; i < len(cases); i += 2 {
		if t, ok := cases[i].(string); ok {
			texts = append(texts, t)
		}
	}
	return source{plural.Selectf(1, "%d", cases...), texts}
}

// textsOf are the words a message was written with.
func textsOf(m catalog.Message) []string {
	if src, ok := m.(source); ok {
		return src.texts
	}
	return nil
}

// m is a message that reads the same, key and English.
func m(en string, ru catalog.Message) msg { return msg{key: en, en: s(en), ru: ru} }

var monthKeys = [12]string{"date.month.1", "date.month.2", "date.month.3", "date.month.4", "date.month.5", "date.month.6",
	"date.month.7", "date.month.8", "date.month.9", "date.month.10", "date.month.11", "date.month.12"}

// allMessages is every catalog: the reader's, the mails' and the admin's.
func allMessages() []msg {
	var all []msg
	all = append(all, coreMessages...)
	all = append(all, readerMessages...)
	all = append(all, mailMessages...)
	all = append(all, adminMessages...)
	all = append(all, pageMessages...)
	return all
}

var knownKeys = func() map[string]bool {
	k := map[string]bool{}
	for _, m := range allMessages() {
		if k[m.key] {
			panic("i18n: message " + m.key + " defined twice")
		}
		k[m.key] = true
	}
	return k
}()

// coreMessages are the language's names, dates and counts.
var coreMessages = []msg{
	{key: "language.name", en: s("English"), ru: s("Русский")},
	{key: "language.og", en: s("en_GB"), ru: s("ru_RU")},
	// "Read in English" names the language in its own words: the reader
	// may not read the page's.
	{key: "language.read", en: s("Read in English"), ru: s("Читать на русском")},
	{key: "date.day", en: s("%[1]s %[2]s %[3]s"), ru: s("%[1]s %[2]s %[3]s")},
	{key: "date.daytime", en: s("%[1]s %[2]s %[3]s, %[4]s UTC"), ru: s("%[1]s %[2]s %[3]s, %[4]s UTC")},
	// Russian dates take the month in the genitive: 2 декабря 2026.
	{key: "date.month.1", en: s("January"), ru: s("января")},
	{key: "date.month.2", en: s("February"), ru: s("февраля")},
	{key: "date.month.3", en: s("March"), ru: s("марта")},
	{key: "date.month.4", en: s("April"), ru: s("апреля")},
	{key: "date.month.5", en: s("May"), ru: s("мая")},
	{key: "date.month.6", en: s("June"), ru: s("июня")},
	{key: "date.month.7", en: s("July"), ru: s("июля")},
	{key: "date.month.8", en: s("August"), ru: s("августа")},
	{key: "date.month.9", en: s("September"), ru: s("сентября")},
	{key: "date.month.10", en: s("October"), ru: s("октября")},
	{key: "date.month.11", en: s("November"), ru: s("ноября")},
	{key: "date.month.12", en: s("December"), ru: s("декабря")},
	{key: "%d min read",
		en: pl("one", "%d min read", "other", "%d min read"),
		ru: pl("one", "%d минута", "few", "%d минуты", "many", "%d минут", "other", "%d минуты")},
	m(" and ", s(" и ")),
}

// mailMessages are filled by mail.go, adminMessages by admin.go.
