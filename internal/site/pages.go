package site

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/store"
)

// sectionBlock is a section's latest stories on the home page.
type sectionBlock struct {
	Section  content.Section
	Articles []*content.Article
}

func (s *Site) home(r *http.Request) (*page, error) {
	ctx := r.Context()
	if r.URL.RawQuery != "" && r.URL.Query().Has("page") {
		return nil, httpx.NotFound()
	}
	l, err := s.newLayout(r, "", s.conf().Description)
	if err != nil {
		return nil, err
	}
	s.setAlternates(&l, s.editionAlternates(l.Lang, "/"))
	latest, err := s.db.ListArticles(ctx, store.ListQuery{Lang: l.Lang, Limit: 11})
	if err != nil {
		return nil, err
	}
	deps := articleDeps([]string{depAll}, latest)
	data := struct {
		layout
		Lead   *content.Article
		Latest []*content.Article
		Blocks []sectionBlock
	}{layout: l}
	if len(latest) > 0 {
		data.Lead, data.Latest = latest[0], latest[1:]
	}
	for _, sec := range l.Sections {
		list, err := s.db.ListArticles(ctx, store.ListQuery{Lang: l.Lang, SectionID: sec.ID, Limit: 5})
		if err != nil {
			return nil, err
		}
		if len(list) > 0 {
			data.Blocks = append(data.Blocks, sectionBlock{Section: sec, Articles: list})
			deps = articleDeps(append(deps, depSection(sec.ID)), list)
		}
	}
	data.OG = &openGraph{Type: "website"}
	s.fallbackImage(data.OG)
	ld, err := graphLD(s.websiteLD(l.Lang), s.publisherLD())
	if err != nil {
		return nil, err
	}
	data.JSONLD = ld
	p, err := s.renderPage("home", data, deps)
	mod := newestUpdate(time.Time{}, latest)
	for _, b := range data.Blocks {
		mod = newestUpdate(mod, b.Articles)
	}
	return modifiedAt(p, err, mod)
}

// listPage is a section, tag or author page.
type listPage struct {
	layout
	Heading  string
	Kicker   string
	Intro    string
	Articles []*content.Article
	Pager    pager
	Total    int
}

// list renders page n of a list. Section fronts hold their edition's
// articles; tag and author pages every language's, in the edition's words.
// path is the page's path without the edition prefix.
func (s *Site) list(r *http.Request, q store.ListQuery, path, current, heading, kicker, intro string, deps []string) (*page, error) {
	return s.listOf(r, q, path, current, heading, kicker, intro, "", nil, deps)
}

// listOf is list with a description for search engines and link previews
// (desc; intro when empty) and, for an author's page, the author.
func (s *Site) listOf(r *http.Request, q store.ListQuery, path, current, heading, kicker, intro, desc string, au *content.Author, deps []string) (*page, error) {
	ctx := r.Context()
	lang := s.pageLang(r)
	loc := s.catalog.Locale(lang)
	if q.SectionID != 0 {
		q.Lang = lang
	}
	n, err := pageNumber(r)
	if err != nil {
		return nil, err
	}
	total, err := s.db.CountArticles(ctx, q)
	if err != nil {
		return nil, err
	}
	pg, err := newPager(r.URL.Path, n, total)
	if err != nil {
		return nil, err
	}
	q.Limit, q.Offset = PageSize, (n-1)*PageSize
	list, err := s.db.ListArticles(ctx, q)
	if err != nil {
		return nil, err
	}
	title := heading
	if n > 1 {
		title = loc.T("%s — page %d", heading, n)
	}
	if desc == "" {
		desc = intro
	}
	l, err := s.newLayout(r, title, desc)
	if err != nil {
		return nil, err
	}
	l.Canonical = s.conf().BaseURL + pageURL(r.URL.Path, n)
	l.Current = current
	if q.SectionID != 0 {
		l.Feed = s.editionPrefix(lang) + "/" + current + "/feed.xml"
	}
	s.setAlternates(&l, s.editionAlternates(lang, path))
	l.OG = &openGraph{Type: "website"}
	s.fallbackImage(l.OG)
	kind := "CollectionPage"
	if au != nil {
		kind = "ProfilePage"
	}
	ld, err := graphLD(s.listLD(kind, heading, desc, l.Canonical, lang, au, list), s.websiteLD(lang), s.publisherLD())
	if err != nil {
		return nil, err
	}
	l.JSONLD = ld
	data := listPage{layout: l, Heading: heading, Kicker: kicker, Intro: intro, Articles: list, Pager: pg, Total: total}
	p, err := s.renderPage("list", data, articleDeps(deps, list))
	return modifiedAt(p, err, newestUpdate(time.Time{}, list))
}

func (s *Site) section(r *http.Request) (*page, error) {
	sec, err := s.db.SectionBySlug(r.Context(), r.PathValue("section"))
	if errors.Is(err, store.ErrNotFound) {
		// /{slug}/ is a static page's address when no section has it.
		return s.staticPage(r, r.PathValue("section"))
	}
	if err != nil {
		return nil, err
	}
	lang := s.pageLang(r)
	loc := s.catalog.Locale(lang)
	name := s.nameOf(r.Context(), content.NameSection, sec.ID, lang, sec.Name)
	return s.listOf(r, store.ListQuery{SectionID: sec.ID}, "/"+sec.Slug+"/", sec.Slug, name,
		loc.T("Section"), "", loc.T("%s: the latest reporting from %s.", name, s.conf().Name), nil, []string{depSection(sec.ID)})
}

func (s *Site) tag(r *http.Request) (*page, error) {
	t, err := s.db.TagBySlug(r.Context(), r.PathValue("slug"))
	if errors.Is(err, store.ErrNotFound) {
		return nil, httpx.NotFound()
	}
	if err != nil {
		return nil, err
	}
	// Tags are created when a draft is saved: a tag with nothing published
	// must not reveal what an unpublished story is about.
	if n, err := s.db.CountArticles(r.Context(), store.ListQuery{TagID: t.ID}); err != nil {
		return nil, err
	} else if n == 0 {
		return nil, httpx.NotFound()
	}
	lang := s.pageLang(r)
	loc := s.catalog.Locale(lang)
	name := s.nameOf(r.Context(), content.NameTag, t.ID, lang, t.Name)
	return s.listOf(r, store.ListQuery{TagID: t.ID}, "/tag/"+t.Slug+"/", "", name,
		loc.T("Topic"), "", loc.T("Everything %s has published on %s.", s.conf().Name, name), nil, []string{depTag(t.ID)})
}

func (s *Site) author(r *http.Request) (*page, error) {
	a, err := s.db.AuthorBySlug(r.Context(), r.PathValue("slug"))
	if errors.Is(err, store.ErrNotFound) {
		return nil, httpx.NotFound()
	}
	if err != nil {
		return nil, err
	}
	lang := s.pageLang(r)
	loc := s.catalog.Locale(lang)
	name := s.nameOf(r.Context(), content.NameAuthor, a.ID, lang, a.Name)
	desc := a.Bio
	if desc == "" {
		desc = loc.T("Articles by %s for %s.", name, s.conf().Name)
	}
	return s.listOf(r, store.ListQuery{AuthorID: a.ID}, "/author/"+a.Slug+"/", "", name,
		loc.T("Author"), a.Bio, desc, &a, []string{depAuthor(a.ID)})
}

// nameOf is the name of a section, tag or author in lang.
func (s *Site) nameOf(ctx context.Context, kind content.NameKind, id int64, lang, name string) string {
	if _, err := s.navList(ctx); err != nil {
		return name // the names load with the navigation; without them, the name as entered
	}
	if p := s.sections.Load(); p != nil {
		return p.names.Of(kind, id, lang, name)
	}
	return name
}
