// Package i18n holds the words readers and the newsroom see, in every
// language the site publishes in: message catalogs (golang.org/x/text, with
// CLDR plural rules), date formats and the names of the languages. No other
// package formats a date or a count for people.
package i18n

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Languages the catalogs are written in, the first being the fallback of
// last resort.
var Languages = []string{"en", "ru"}

// Supported reports whether lang has a catalog.
func Supported(lang string) bool { return slices.Contains(Languages, lang) }

// Missing is a message without a translation in Lang: the catalog shows the
// main language's words instead, and the catalog test reports it.
type Missing struct {
	Key, Lang string
}

// Catalog is every message in every language, with missing translations
// filled from the main language.
type Catalog struct {
	main    string
	locales map[string]*Locale
	missing []Missing
}

// New builds the catalogs with main as the fallback for what another
// language lacks.
func New(main string) *Catalog {
	if !Supported(main) {
		main = Languages[0]
	}
	b := catalog.NewBuilder(catalog.Fallback(language.Make(main)))
	c := &Catalog{main: main, locales: map[string]*Locale{}}
	for _, m := range allMessages() {
		for _, lang := range Languages {
			v := m.text(lang)
			if v == nil {
				c.missing = append(c.missing, Missing{Key: m.key, Lang: lang})
				if v = m.text(main); v == nil {
					v = m.text(Languages[0])
				}
			}
			if v == nil { // in no language at all: show the key rather than nothing
				v = catalog.String(m.key)
			}
			if err := b.Set(language.Make(lang), m.key, v); err != nil {
				panic(fmt.Sprintf("i18n: message %q in %s: %v", m.key, lang, err))
			}
		}
	}
	for _, lang := range Languages {
		tag := language.Make(lang)
		c.locales[lang] = &Locale{lang: lang, p: message.NewPrinter(tag, message.Catalog(b)), known: knownKeys}
	}
	return c
}

// Main is the fallback language.
func (c *Catalog) Main() string { return c.main }

// Missing lists the messages some language lacks.
func (c *Catalog) Missing() []Missing { return slices.Clone(c.missing) }

// Locale returns lang's words; an unknown language gets the main one's.
func (c *Catalog) Locale(lang string) *Locale {
	if l, ok := c.locales[lang]; ok {
		return l
	}
	return c.locales[c.main]
}

// Keys lists every message key.
func Keys() []string {
	ks := make([]string, 0, len(knownKeys))
	for k := range knownKeys {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Locale formats messages, counts and dates in one language. It is safe for
// concurrent use.
type Locale struct {
	lang  string
	p     *message.Printer
	known map[string]bool
}

// Lang is the locale's language code.
func (l *Locale) Lang() string { return l.lang }

// T returns the message key in the locale's language, formatted with args;
// a plural message chooses its form by its first numeric argument.
func (l *Locale) T(key string, args ...any) string {
	return l.p.Sprintf(key, args...)
}

// Known reports whether key is a message of the catalog.
func (l *Locale) Known(key string) bool { return l.known[key] }

// Date is a day as readers write it: "2 December 2026", "2 декабря 2026".
func (l *Locale) Date(t time.Time) string {
	t = t.UTC()
	return l.p.Sprintf("date.day", strconv.Itoa(t.Day()), l.month(t.Month()), strconv.Itoa(t.Year()))
}

// DateTime is a day and a time of day, in UTC.
func (l *Locale) DateTime(t time.Time) string {
	t = t.UTC()
	return l.p.Sprintf("date.daytime", strconv.Itoa(t.Day()), l.month(t.Month()), strconv.Itoa(t.Year()), t.Format("15:04"))
}

// DateIn is Date for the day it is in zone z (nil: UTC): a newsroom's
// date, which a story published at 00:30 in Riga has a day before UTC.
func (l *Locale) DateIn(t time.Time, z *time.Location) string {
	if z == nil {
		z = time.UTC
	}
	t = t.In(z)
	return l.p.Sprintf("date.day", strconv.Itoa(t.Day()), l.month(t.Month()), strconv.Itoa(t.Year()))
}

// DateTimeIn is a day and a 24-hour time of day in zone z (nil: UTC),
// with the zone's name: "14 May 2024, 09:30 Europe/Riga".
func (l *Locale) DateTimeIn(t time.Time, z *time.Location) string {
	if z == nil || z == time.UTC {
		return l.DateTime(t)
	}
	t = t.In(z)
	return l.p.Sprintf("date.daytimezone", strconv.Itoa(t.Day()), l.month(t.Month()), strconv.Itoa(t.Year()), t.Format("15:04"), z.String())
}

// month is the month's name as a date uses it (the genitive in Russian).
func (l *Locale) month(m time.Month) string {
	return l.p.Sprintf(monthKeys[m-1])
}

// ReadingTime is the time an article of words takes to read, at 200 words
// a minute and at least one minute.
func (l *Locale) ReadingTime(words int) string {
	return l.p.Sprintf("%d min read", max(1, (words+199)/200))
}

// List joins items as a sentence does: "A, B and C".
func (l *Locale) List(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + l.p.Sprintf(" and ") + items[len(items)-1]
}

// Name is the language's own name for itself: "English", "Русский".
func (l *Locale) Name() string { return l.p.Sprintf("language.name") }

// OpenGraph is the og:locale of pages in the language.
func (l *Locale) OpenGraph() string { return l.p.Sprintf("language.og") }

// Number formats n with the language's digit grouping: 10,000 or 10 000.
func (l *Locale) Number(n int64) string { return l.p.Sprintf("%d", n) }

// verbRE matches a format verb: %s, %d, %[2]s, %%.
var verbRE = regexp.MustCompile(`%(\[\d+\])?[a-z%]`)

// Fragments are the words of lang's messages that no other language's
// version of the same message has: literal runs between format verbs, of
// two words or more or of one long word. A page in another language that
// contains one shows a message in lang by mistake. The languages' own
// names are left out: every page names the others in its switcher.
func Fragments(lang string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range allMessages() {
		if strings.HasPrefix(m.key, "language.") {
			continue
		}
		others := ""
		for _, l := range Languages {
			if l != lang {
				others += "\x00" + strings.Join(textsOf(m.text(l)), "\x00")
			}
		}
		for _, t := range textsOf(m.text(lang)) {
			for _, f := range verbRE.Split(t, -1) {
				f = strings.Trim(f, " ,.:;()!?—–-→←“”\"'")
				if seen[f] || strings.Contains(others, f) || !(strings.Contains(f, " ") || utf8.RuneCountInString(f) >= 7) {
					continue
				}
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	slices.Sort(out)
	return out
}

// EditionPrefix is the path prefix of lang's edition on a site whose main
// language is main: "" for the main language (or none), "/ru" for another.
func EditionPrefix(lang, main string) string {
	if lang == main || lang == "" {
		return ""
	}
	return "/" + lang
}
