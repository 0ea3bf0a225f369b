package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

// testTranslations links articles as translations: both sides see each
// other, only live ones count for readers, and the links an editor could
// get wrong are refused with a reason.
func testTranslations(t *testing.T, f *fixture) {
	sec := f.section(t, "news", "News", 1)
	en := f.create(t, spec{slug: "flood", lang: "en", section: sec})
	ru := f.create(t, spec{slug: "navodnenie", lang: "ru", section: sec})
	en2 := f.create(t, spec{slug: "flood-two", lang: "en", section: sec})
	ruDraft := f.create(t, spec{slug: "chernovik", lang: "ru", section: sec, status: content.StatusDraft})

	for _, tc := range []struct {
		name      string
		id, other int64
		want      error
	}{
		{"self", en.ID, en.ID, store.ErrTranslationSelf},
		{"same language", en.ID, en2.ID, store.ErrTranslationSameLang},
	} {
		if err := f.st.LinkTranslation(f.ctx, tc.id, tc.other); !errors.Is(err, tc.want) || !errors.Is(err, content.ErrInvalid) {
			t.Errorf("%s: LinkTranslation = %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := f.st.LinkTranslation(f.ctx, en.ID, ru.ID); err != nil {
		t.Fatalf("LinkTranslation: %v", err)
	}
	if err := f.st.LinkTranslation(f.ctx, ru.ID, en.ID); err != nil {
		t.Errorf("linking again: %v, want no error", err)
	}
	// ru already has an English translation: a second is refused.
	if err := f.st.LinkTranslation(f.ctx, en2.ID, ru.ID); !errors.Is(err, store.ErrTranslationTaken) {
		t.Errorf("second English translation: %v, want ErrTranslationTaken", err)
	}
	got := f.byID(t, en.ID).LiveTranslations()
	if len(got) != 1 || got[0].ID != ru.ID || got[0].Lang != "ru" || got[0].Path() != ru.Path() {
		t.Errorf("en's translations = %+v, want ru %d at %s", got, ru.ID, ru.Path())
	}
	back := f.byID(t, ru.ID).LiveTranslations()
	if len(back) != 1 || back[0].ID != en.ID {
		t.Errorf("ru's translations = %+v, want en %d", back, en.ID)
	}

	// A draft translation is linked but not shown.
	if err := f.st.LinkTranslation(f.ctx, en2.ID, ruDraft.ID); err != nil {
		t.Fatalf("link draft: %v", err)
	}
	a := f.byID(t, en2.ID)
	if len(a.Translations) != 1 || a.Translations[0].Live || len(a.LiveTranslations()) != 0 {
		t.Errorf("draft translation: all %+v, live %+v; want one, not live", a.Translations, a.LiveTranslations())
	}

	if err := f.st.UnlinkTranslation(f.ctx, ru.ID); err != nil {
		t.Fatalf("UnlinkTranslation: %v", err)
	}
	if tr := f.byID(t, en.ID).Translations; len(tr) != 0 {
		t.Errorf("after unlinking: en's translations = %+v, want none", tr)
	}
	// Unlinked, ru may now take the other English article.
	if err := f.st.UnlinkTranslation(f.ctx, en2.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.st.LinkTranslation(f.ctx, en2.ID, ru.ID); err != nil {
		t.Errorf("relink: %v", err)
	}
}

// testEditionLists: the home and section lists of one edition hold only
// its language, and count alike.
func testEditionLists(t *testing.T, f *fixture) {
	sec := f.section(t, "news", "News", 1)
	f.create(t, spec{slug: "one", lang: "en", section: sec, at: 1})
	f.create(t, spec{slug: "dva", lang: "ru", section: sec, at: 2})
	f.create(t, spec{slug: "tri", lang: "ru", section: sec, at: 3})
	for _, tc := range []struct {
		q    store.ListQuery
		want []string
	}{
		{store.ListQuery{Lang: "ru"}, []string{"tri", "dva"}},
		{store.ListQuery{Lang: "en"}, []string{"one"}},
		{store.ListQuery{Lang: "ru", SectionID: sec.ID}, []string{"tri", "dva"}},
		{store.ListQuery{}, []string{"tri", "dva", "one"}},
	} {
		list := f.list(t, tc.q)
		var got []string
		for _, a := range list {
			got = append(got, a.Slug)
		}
		if len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) {
			t.Errorf("%+v: %v, want %v", tc.q, got, tc.want)
		}
		n, err := f.st.CountArticles(f.ctx, tc.q)
		if err != nil || n != len(tc.want) {
			t.Errorf("CountArticles(%+v) = %d, %v; want %d", tc.q, n, err, len(tc.want))
		}
	}
	// "Read more" stays in the article's language.
	ru := f.create(t, spec{slug: "ru-tagged", lang: "ru", section: sec, tags: []string{"courts"}, at: 4})
	f.create(t, spec{slug: "en-tagged", lang: "en", section: sec, tags: []string{"courts"}, at: 5})
	rel, err := f.st.Related(f.ctx, ru, 4)
	if err != nil {
		t.Fatal(err)
	}
	if got := slugsOf(rel); !slices.Equal(sorted(got), []string{"dva", "tri"}) {
		t.Errorf("Related(Russian article) = %v, want the Russian articles only", got)
	}
	if _, page, err := f.st.ArticleWithRelated(f.ctx, ru.Slug, 4); err != nil || !slices.Equal(slugsOf(page), slugsOf(rel)) {
		t.Errorf("ArticleWithRelated(Russian article) = %v, %v; want Related's %v", slugsOf(page), err, slugsOf(rel))
	}
	if err := f.st.SetNameForm(f.ctx, content.NameKey{Kind: content.NameSection, ID: sec.ID, Lang: "ru"}, "Новости"); err != nil {
		t.Fatal(err)
	}
	forms, err := f.st.NameForms(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := forms.Of(content.NameSection, sec.ID, "ru", sec.Name); got != "Новости" {
		t.Errorf("ru name = %q, want Новости", got)
	}
	if got := forms.Of(content.NameSection, sec.ID, "en", sec.Name); got != "News" {
		t.Errorf("en name = %q, want News", got)
	}
	if err := f.st.SetNameForm(f.ctx, content.NameKey{Kind: "menu", ID: 1, Lang: "ru"}, "x"); !errors.Is(err, content.ErrInvalid) {
		t.Errorf("unknown kind: %v, want ErrInvalid", err)
	}
}

// testEditionSearch is the inflected-pair table: a word written in one form
// finds the article that has it in another, in both languages, and a search
// in one edition finds only that edition's articles.
func testEditionSearch(t *testing.T, f *fixture) {
	sec := f.section(t, "news", "News", 1)
	for _, s := range []spec{
		{slug: "ru-court", lang: "ru", headline: "Суд отказал журналистам", dek: "Редакция обжалует решение",
			body: "Губернатора обвинили в давлении на суды. Журналисты подали апелляцию в Москве.", at: -1 * time.Hour},
		{slug: "ru-elections", lang: "ru", headline: "Выборов не будет", dek: "Комиссия перенесла голосование",
			body: "Избиратели узнали о переносе из газет. Наблюдателей не пустили на участки.", at: -2 * time.Hour},
		{slug: "en-court", lang: "en", headline: "Court turns down journalists", dek: "The newsroom appeals",
			body: "The governor was accused of pressuring the courts. Reporters appealed in Moscow.", at: -3 * time.Hour},
		{slug: "en-elections", lang: "en", headline: "No elections this year", dek: "The commission postponed the vote",
			body: "Voters learned of the delay from newspapers. Observers were kept out of polling stations.", at: -4 * time.Hour},
	} {
		s.section = sec
		f.create(t, s)
	}
	for _, tc := range []struct {
		query, lang string
		want        []string
	}{
		// The same word in another case or number than the text has.
		{"суд", "", []string{"ru-court"}},
		{"суда", "", []string{"ru-court"}},
		{"судом", "", []string{"ru-court"}},
		{"журналист", "", []string{"ru-court"}},
		{"журналистов", "", []string{"ru-court"}},
		{"губернатор", "", []string{"ru-court"}},
		{"губернатору", "", []string{"ru-court"}},
		{"решения", "", []string{"ru-court"}},
		{"выборы", "", []string{"ru-elections"}},
		{"выборах", "", []string{"ru-elections"}},
		{"наблюдатели", "", []string{"ru-elections"}},
		{"избирателям", "", []string{"ru-elections"}},
		{"court", "", []string{"en-court"}},
		{"courts", "", []string{"en-court"}},
		{"journalist", "", []string{"en-court"}},
		{"appealing", "", []string{"en-court"}},
		{"election", "", []string{"en-elections"}},
		{"observer", "", []string{"en-elections"}},
		{"voter", "", []string{"en-elections"}},
		// An edition's search keeps to its language.
		{"Moscow", "ru", nil},
		{"Moscow", "en", []string{"en-court"}},
		{"Москве", "ru", []string{"ru-court"}},
		{"Москве", "en", nil},
		{"суд", "ru", []string{"ru-court"}},
		{"court", "ru", nil},
	} {
		q := content.ParseQuery(tc.query)
		q.Lang = tc.lang
		hits, total, err := f.st.Search(f.ctx, q, 10, 0)
		if err != nil {
			t.Fatalf("Search(%q in %q): %v", tc.query, tc.lang, err)
		}
		if got := sorted(hitSlugs(hits)); !slices.Equal(got, sorted(tc.want)) || total != len(tc.want) {
			t.Errorf("Search(%q in %q): got %v (total %d), want %v", tc.query, tc.lang, got, total, tc.want)
		}
	}
}
