package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

func pageSlugs(ps []*content.Page) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Lang+"/"+p.Slug)
	}
	return out
}

func fieldError(err error, field string) string {
	var fe content.FieldErrors
	if errors.As(err, &fe) {
		return fe[field]
	}
	return ""
}

// testPages: a page is stored rendered and sanitized, read back by ID and
// by language and slug; every save bumps the version and keeps a revision;
// a stale save, a taken slug, a section's slug and a bad translation link
// are refused saying what to change; the footer menu lists live pages of
// one language in order; writes name what they touched in the change feed.
func testPages(t *testing.T, f *fixture) {
	f.section(t, "news", "News", 0)
	var live feedLog
	feed, err := f.st.NewFeed(f.ctx, live.apply, func(err error) { t.Errorf("feed: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	defer feed.Close()

	about := &content.Page{Lang: "en", Title: "About us", Body: "We are *independent*.<script>alert(1)</script>",
		Status: content.StatusPublished, MenuOrder: 2}
	if err := f.st.CreatePage(f.ctx, about); err != nil {
		t.Fatalf("CreatePage: %v", err)
	}
	if about.ID == 0 || about.Version != 1 || about.Slug != "about-us" {
		t.Errorf("created page: ID %d, version %d, slug %q; want an ID, 1, about-us", about.ID, about.Version, about.Slug)
	}
	if !strings.Contains(about.BodyHTML, "<em>independent</em>") || strings.Contains(about.BodyHTML, "script") {
		t.Errorf("BodyHTML %q: want rendered Markdown, no script", about.BodyHTML)
	}
	got, err := f.st.PageBySlug(f.ctx, "en", "about-us")
	if err != nil {
		t.Fatalf("PageBySlug: %v", err)
	}
	if got.ID != about.ID || got.Title != "About us" || got.BodyHTML != about.BodyHTML || got.MenuOrder != 2 ||
		!got.CreatedAt.Equal(base) || got.Status != content.StatusPublished {
		t.Errorf("PageBySlug = %+v, want the page as created at %v", got, base)
	}
	if keys := keysOf(live.take()); !slices.Contains(keys, store.KeyEverything) || !slices.Contains(keys, store.KeyPage(about.ID)) {
		t.Errorf("a live page in the menu: keys %v, want its page and every page (the footer menu)", keys)
	}
	if _, err := f.st.PageBySlug(f.ctx, "ru", "about-us"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PageBySlug in another language: %v, want ErrNotFound", err)
	}

	// Saves: version check, revisions.
	stale := *got
	got.Body = "Independent since 2019."
	got.EditedBy = 0
	if err := f.st.UpdatePage(f.ctx, got); err != nil {
		t.Fatalf("UpdatePage: %v", err)
	}
	if got.Version != 2 {
		t.Errorf("version after a save: %d, want 2", got.Version)
	}
	stale.Title = "Someone else's title"
	wantErr(t, "a stale save", f.st.UpdatePage(f.ctx, &stale), store.ErrConflict)
	revs, err := f.st.PageRevisions(f.ctx, about.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 2 || revs[0].Version != 2 || revs[0].Page.Body != "Independent since 2019." || revs[1].Page.Body != about.Body {
		t.Errorf("revisions: %+v; want 2, newest first, with the bodies as saved", revs)
	}
	r1, err := f.st.PageRevision(f.ctx, about.ID, 1)
	if err != nil || r1.Page.Title != "About us" {
		t.Errorf("PageRevision(1) = %+v, %v", r1, err)
	}
	if _, err := f.st.PageRevision(f.ctx, about.ID, 9); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PageRevision(9): %v, want ErrNotFound", err)
	}

	// Slugs.
	for _, tc := range []struct {
		name   string
		page   content.Page
		target error
		field  string
	}{
		{"taken in the language", content.Page{Slug: "about-us", Lang: "en", Title: "Again"}, store.ErrConflict, "slug"},
		{"a section's", content.Page{Slug: "news", Lang: "en", Title: "News"}, store.ErrConflict, "slug"},
		{"reserved", content.Page{Slug: "search", Lang: "en", Title: "Search"}, content.ErrInvalid, "slug"},
		{"a language code", content.Page{Slug: "ru", Lang: "en", Title: "Russian"}, content.ErrInvalid, "slug"},
		{"a year", content.Page{Slug: "2024", Lang: "en", Title: "Year"}, content.ErrInvalid, "slug"},
		{"no title", content.Page{Slug: "empty", Lang: "en"}, content.ErrInvalid, "title"},
		{"unknown language", content.Page{Slug: "x", Lang: "de", Title: "X"}, content.ErrInvalid, "lang"},
		{"no such translation", content.Page{Slug: "x", Lang: "ru", Title: "X", TranslationOf: 999}, content.ErrInvalid, "translation_of"},
	} {
		p := tc.page
		err := f.st.CreatePage(f.ctx, &p)
		if !errors.Is(err, tc.target) || fieldError(err, tc.field) == "" {
			t.Errorf("%s: CreatePage: %v; want %v on %s", tc.name, err, tc.target, tc.field)
		}
	}
	// The same slug in the other language is another page.
	ru := &content.Page{Slug: "about-us", Lang: "ru", Title: "О нас", Status: content.StatusPublished, MenuOrder: 1, TranslationOf: about.ID}
	if err := f.st.CreatePage(f.ctx, ru); err != nil {
		t.Fatalf("CreatePage in Russian with the same slug: %v", err)
	}
	if keys := keysOf(live.take()); !slices.Contains(keys, store.KeyPage(about.ID)) {
		t.Errorf("a translation: keys %v, want the translated page's too (its hreflang)", keys)
	}
	tr, err := f.st.PageTranslations(f.ctx, about.ID)
	if err != nil || len(tr) != 1 || tr[0].ID != ru.ID {
		t.Errorf("PageTranslations(about) = %v, %v; want the Russian page", pageSlugs(tr), err)
	}
	tr, err = f.st.PageTranslations(f.ctx, ru.ID)
	if err != nil || len(tr) != 1 || tr[0].ID != about.ID {
		t.Errorf("PageTranslations(ru) = %v, %v; want the English page", pageSlugs(tr), err)
	}
	// A second Russian page cannot join the group, even through the Russian one.
	dup := &content.Page{Slug: "o-nas", Lang: "ru", Title: "О нас 2", TranslationOf: ru.ID}
	if err := f.st.CreatePage(f.ctx, dup); !errors.Is(err, content.ErrInvalid) || fieldError(err, "translation_of") == "" {
		t.Errorf("a second Russian translation: %v, want refused on translation_of", err)
	}

	// The menu: live, in the menu, in order, per language.
	for _, p := range []*content.Page{
		{Slug: "give-safely", Lang: "en", Title: "How to give safely", Status: content.StatusPublished, MenuOrder: 1},
		{Slug: "draft-page", Lang: "en", Title: "Draft", Status: content.StatusDraft, MenuOrder: 3},
		{Slug: "contact", Lang: "en", Title: "Contact", Status: content.StatusPublished},
	} {
		if err := f.st.CreatePage(f.ctx, p); err != nil {
			t.Fatalf("CreatePage(%s): %v", p.Slug, err)
		}
	}
	live.take()
	menu, err := f.st.MenuPages(f.ctx, "en")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pageSlugs(menu), []string{"en/give-safely", "en/about-us"}; !slices.Equal(got, want) {
		t.Errorf("MenuPages(en) = %v, want %v", got, want)
	}
	menu, _ = f.st.MenuPages(f.ctx, "ru")
	if got, want := pageSlugs(menu), []string{"ru/about-us"}; !slices.Equal(got, want) {
		t.Errorf("MenuPages(ru) = %v, want %v", got, want)
	}
	all, err := f.st.Pages(f.ctx)
	if err != nil || len(all) != 5 {
		t.Errorf("Pages: %d, %v; want 5", len(all), err)
	}
	lp, err := f.st.LivePages(f.ctx)
	if got, want := pageSlugs(lp), []string{"en/about-us", "en/contact", "en/give-safely", "ru/about-us"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("LivePages = %v, %v; want %v", got, err, want)
	}

	// Taking a page out of the menu drops every page; a page never in
	// it drops only itself and the sitemap.
	contact, _ := f.st.PageBySlug(f.ctx, "en", "contact")
	contact.Title = "Write to us"
	if err := f.st.UpdatePage(f.ctx, contact); err != nil {
		t.Fatal(err)
	}
	want := []string{store.KeyPage(contact.ID), store.KeyPages}
	slices.Sort(want)
	if keys := keysOf(live.take()); !slices.Equal(keys, want) {
		t.Errorf("a page outside the menu: keys %v, want %v", keys, want)
	}
	got.MenuOrder = 0
	if err := f.st.UpdatePage(f.ctx, got); err != nil {
		t.Fatal(err)
	}
	if keys := keysOf(live.take()); !slices.Contains(keys, store.KeyEverything) {
		t.Errorf("leaving the menu: keys %v, want every page", keys)
	}
	menu, _ = f.st.MenuPages(f.ctx, "en")
	if got, want := pageSlugs(menu), []string{"en/give-safely"}; !slices.Equal(got, want) {
		t.Errorf("MenuPages(en) after leaving = %v, want %v", got, want)
	}
}

// testRedirects: a redirect's from is normalized on the way in and on
// lookup, so the forms a reader's link comes in all match; a second put
// replaces the first; targets off the site other than https, and loops,
// are refused; deleting takes effect; each write is in the change feed.
func testRedirects(t *testing.T, f *fixture) {
	var live feedLog
	feed, err := f.st.NewFeed(f.ctx, live.apply, func(err error) { t.Errorf("feed: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	defer feed.Close()

	for _, r := range [][3]string{
		{"/?p=123", "/2024/05/14/flood", "wordpress"},
		{"/?page_id=7&utm_source=x", "/about/", "wordpress"},
		{"/old/slug/", "/2024/05/14/vote", "ghost"},
		{"/старое/", "/about/", ""},
		{"/gone", "https://example.org/archive/", "admin"},
	} {
		if err := f.st.PutRedirect(f.ctx, r[0], r[1], r[2]); err != nil {
			t.Fatalf("PutRedirect(%s): %v", r[0], err)
		}
	}
	if keys := keysOf(live.take()); !slices.Equal(keys, []string{store.KeyRedirects}) {
		t.Errorf("redirect writes: keys %v, want %v", keys, []string{store.KeyRedirects})
	}
	for _, tc := range []struct{ from, to string }{
		{"/?p=123", "/2024/05/14/flood"},
		{"/?utm_campaign=y&p=123", "/2024/05/14/flood"},
		{"/?page_id=7", "/about/"},
		{"/old/slug/", "/2024/05/14/vote"},
		{"/old/slug", "/2024/05/14/vote"},
		{"/old/slug/?utm_source=mail", "/2024/05/14/vote"},
		{"/%D1%81%D1%82%D0%B0%D1%80%D0%BE%D0%B5/", "/about/"},
		{"/gone/", "https://example.org/archive/"},
		{"/?p=124", ""},
		{"/", ""},
		{"/old", ""},
	} {
		to, ok, err := f.st.RedirectFor(f.ctx, tc.from)
		if err != nil || to != tc.to || ok != (tc.to != "") {
			t.Errorf("RedirectFor(%s) = %q, %v, %v; want %q", tc.from, to, ok, err, tc.to)
		}
	}

	// Upsert: the import run again moves the target, keeps one row.
	if err := f.st.PutRedirect(f.ctx, "/old/slug", "/2024/05/15/vote-result", "ghost"); err != nil {
		t.Fatal(err)
	}
	if to, _, _ := f.st.RedirectFor(f.ctx, "/old/slug/"); to != "/2024/05/15/vote-result" {
		t.Errorf("after a second put: %q, want the new target", to)
	}
	list, err := f.st.Redirects(f.ctx)
	if err != nil || len(list) != 5 {
		t.Fatalf("Redirects: %d, %v; want 5", len(list), err)
	}
	var froms []string
	for _, r := range list {
		froms = append(froms, r.From)
		if r.From == "/old/slug" && (r.Source != "ghost" || !r.CreatedAt.Equal(base)) {
			t.Errorf("redirect %+v: want source ghost, created %v", r, base)
		}
		if r.From == "/старое" || (r.From == "/%D1%81%D1%82%D0%B0%D1%80%D0%BE%D0%B5" && r.Source != "admin") {
			t.Errorf("redirect %+v: want the escaped path and the default source admin", r)
		}
	}
	if want := []string{"/%D1%81%D1%82%D0%B0%D1%80%D0%BE%D0%B5", "/?p=123", "/?page_id=7", "/gone", "/old/slug"}; !slices.Equal(froms, want) {
		t.Errorf("Redirects froms %v, want %v", froms, want)
	}

	for _, tc := range []struct{ name, from, to string }{
		{"off-site http", "/a", "http://example.org/"},
		{"protocol-relative", "/a", "//evil.example/"},
		{"javascript", "/a", "javascript:alert(1)"},
		{"no target", "/a", ""},
		{"not a path", "a", "/b"},
		{"to itself", "/a/", "/a"},
		{"a loop", "/2024/05/15/vote-result", "/old/slug/"},
	} {
		if err := f.st.PutRedirect(f.ctx, tc.from, tc.to, "admin"); !errors.Is(err, store.ErrInvalidRedirect) {
			t.Errorf("%s: PutRedirect(%q, %q) = %v, want ErrInvalidRedirect", tc.name, tc.from, tc.to, err)
		}
	}
	live.take()
	if err := f.st.DeleteRedirect(f.ctx, "/old/slug/"); err != nil {
		t.Fatalf("DeleteRedirect: %v", err)
	}
	if keys := keysOf(live.take()); !slices.Equal(keys, []string{store.KeyRedirects}) {
		t.Errorf("delete: keys %v", keys)
	}
	if _, ok, _ := f.st.RedirectFor(f.ctx, "/old/slug"); ok {
		t.Error("a deleted redirect still answers")
	}
	wantErr(t, "deleting again", f.st.DeleteRedirect(f.ctx, "/old/slug"), store.ErrNotFound)
}

// testSectionPageSlug: a section may not take a page's slug, in any
// language, since its front would hide the page.
func testSectionPageSlug(t *testing.T, f *fixture) {
	if err := f.st.CreatePage(f.ctx, &content.Page{Slug: "o-nas", Lang: "ru", Title: "О нас"}); err != nil {
		t.Fatal(err)
	}
	err := f.st.CreateSection(f.ctx, &content.Section{Slug: "o-nas", Name: "О нас"})
	if !errors.Is(err, store.ErrConflict) || fieldError(err, "slug") == "" {
		t.Errorf("CreateSection with a page's slug: %v, want a conflict on slug", err)
	}
	sec := f.section(t, "culture", "Culture", 0)
	sec.Slug = "o-nas"
	if err := f.st.UpdateSection(f.ctx, sec); !errors.Is(err, store.ErrConflict) {
		t.Errorf("UpdateSection to a page's slug: %v, want a conflict", err)
	}
}
