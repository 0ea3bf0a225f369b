package site

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
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

// Story counts on the home page.
const (
	homeLatest = 10 // the "Latest" list, top stories included
	homeBlock  = 5  // each section's block
)

// front is what a front page leads with: the pinned lead, or else the
// newest story, and the pinned top stories, none of them twice.
type front struct {
	Lead *content.Article
	Top  []*content.Article
	seen map[int64]bool
}

// shown reports whether a is already on the page, and counts it shown.
func (f *front) shown(a *content.Article) bool {
	if f.seen[a.ID] {
		return true
	}
	f.seen[a.ID] = true
	return false
}

// rest is list without the stories already on the page, at most n.
func (f *front) rest(list []*content.Article, n int) []*content.Article {
	out := make([]*content.Article, 0, min(n, len(list)))
	for _, a := range list {
		if len(out) == n {
			break
		}
		if !f.shown(a) {
			out = append(out, a)
		}
	}
	return out
}

// curated reads a front's live pins: position 0 is the lead, the rest top
// stories in order. Pins whose article is not live or whose time passed
// were left out by the store.
func (s *Site) curated(ctx context.Context, section int64, lang string) (*front, error) {
	pins, err := s.db.LivePins(ctx, section, lang)
	if err != nil {
		return nil, err
	}
	f := &front{seen: map[int64]bool{}}
	for _, p := range pins {
		if f.shown(p.Article) {
			continue
		}
		if p.Position == 0 {
			f.Lead = p.Article
		} else {
			f.Top = append(f.Top, p.Article)
		}
	}
	return f, nil
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
	fr, err := s.curated(ctx, store.HomeFront, l.Lang)
	if err != nil {
		return nil, err
	}
	// Enough of the newest to fill the lead and the list whatever the
	// pins took.
	newest, err := s.db.ListArticles(ctx, store.ListQuery{Lang: l.Lang, Limit: 1 + homeLatest + len(fr.seen)})
	if err != nil {
		return nil, err
	}
	if fr.Lead == nil {
		if lead := fr.rest(newest, 1); len(lead) > 0 {
			fr.Lead = lead[0]
		}
	}
	latest := append(slices.Clone(fr.Top), fr.rest(newest, homeLatest-len(fr.Top))...)
	deps := []string{depAll, store.KeyFront(store.HomeFront, l.Lang)}
	if fr.Lead != nil {
		deps = articleDeps(deps, []*content.Article{fr.Lead})
	}
	deps = articleDeps(deps, latest)
	data := struct {
		layout
		Lead   *content.Article
		Latest []*content.Article
		Blocks []sectionBlock
	}{layout: l, Lead: fr.Lead, Latest: latest}
	for _, sec := range l.Sections {
		// Only this section's stories can be shown twice: read as many
		// more as are already on the page.
		already := 0
		for _, a := range append(latest, fr.Lead) {
			if a != nil && a.Section.ID == sec.ID {
				already++
			}
		}
		list, err := s.db.ListArticles(ctx, store.ListQuery{Lang: l.Lang, SectionID: sec.ID, Limit: homeBlock + already})
		if err != nil {
			return nil, err
		}
		deps = append(deps, depSection(sec.ID))
		if list = fr.rest(list, homeBlock); len(list) > 0 {
			data.Blocks = append(data.Blocks, sectionBlock{Section: sec, Articles: list})
			deps = articleDeps(deps, list)
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
	if fr.Lead != nil {
		mod = newestUpdate(mod, []*content.Article{fr.Lead})
	}
	for _, b := range data.Blocks {
		mod = newestUpdate(mod, b.Articles)
	}
	return modifiedAt(p, err, mod)
}

// card is an article as a front's card shows it. Eager cards are those in
// the first screen, whose pictures load at once; the rest load lazily.
type card struct {
	*content.Article
	Eager bool
}

// eagerCards is how many cards lead a front without a lead story: their
// pictures are in the first screen.
const eagerCards = 3

// cardAt is the card of a at index i of a list whose first eager cards
// are in the first screen.
func cardAt(a *content.Article, i, eager int) card { return card{Article: a, Eager: i < eager} }

// listPage is a section, tag or author page.
type listPage struct {
	layout
	Heading  string
	Kicker   string
	Intro    string
	Lead     *content.Article   // a section front's lead, on its first page
	Top      []*content.Article // its pinned top stories
	Articles []*content.Article
	Eager    int // how many of the first cards are in the first screen
	Pager    pager
	Total    int
	Profile  *authorFront // an author's page: the photo and links
}

// authorFront is what an author's page shows of the profile beside the
// name and biography.
type authorFront struct {
	Author content.Author
	Photo  content.Image // not Present without a photo
	Links  []profileLink
}

// profileLink is one of an author's links as the page shows it.
type profileLink struct {
	URL, Text string
}

// profileLinks are the author's links, each named by its host and path or
// its e-mail address.
func profileLinks(a content.Author) []profileLink {
	var out []profileLink
	for _, l := range a.LinkList() {
		text := l
		if u, err := url.Parse(l); err == nil {
			switch strings.ToLower(u.Scheme) {
			case "mailto":
				text = u.Opaque
			case "http", "https":
				text = strings.TrimSuffix(strings.TrimPrefix(u.Host+u.EscapedPath(), "www."), "/")
			}
		}
		out = append(out, profileLink{URL: l, Text: text})
	}
	return out
}

// list renders page n of a list. Section fronts hold their edition's
// articles; tag and author pages every language's, in the edition's words.
// path is the page's path without the edition prefix.
func (s *Site) list(r *http.Request, q store.ListQuery, path, current, heading, kicker, intro string, deps []string) (*page, error) {
	return s.listOf(r, q, path, current, heading, kicker, intro, "", nil, deps)
}

// listOf is list with a description for search engines and link previews
// (desc; intro when empty) and, for an author's page, the author.
func (s *Site) listOf(r *http.Request, q store.ListQuery, path, current, heading, kicker, intro, desc string, prof *authorFront, deps []string) (*page, error) {
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
	// A section front's first page leads with its pinned stories (or its
	// newest as the lead), and lists the newest without them.
	fr := &front{seen: map[int64]bool{}}
	if q.SectionID != 0 && n == 1 {
		if fr, err = s.curated(ctx, q.SectionID, lang); err != nil {
			return nil, err
		}
		deps = append(deps, store.KeyFront(q.SectionID, lang))
	}
	q.Limit, q.Offset = PageSize+len(fr.seen), (n-1)*PageSize
	list, err := s.db.ListArticles(ctx, q)
	if err != nil {
		return nil, err
	}
	if q.SectionID != 0 && n == 1 && fr.Lead == nil && len(fr.Top) > 0 {
		// Top stories pinned without a lead: the newest leads above them.
		if lead := fr.rest(list, 1); len(lead) > 0 {
			fr.Lead = lead[0]
		}
	}
	list = fr.rest(list, PageSize)
	var lead []*content.Article
	if fr.Lead != nil {
		lead = []*content.Article{fr.Lead}
	}
	shown := slices.Concat(lead, fr.Top, list)
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
	if prof != nil {
		kind = "ProfilePage"
	}
	ld, err := graphLD(s.listLD(kind, heading, desc, l.Canonical, lang, prof, shown), s.websiteLD(lang), s.publisherLD())
	if err != nil {
		return nil, err
	}
	l.JSONLD = ld
	data := listPage{layout: l, Heading: heading, Kicker: kicker, Intro: intro, Lead: fr.Lead, Top: fr.Top, Articles: list, Pager: pg, Total: total,
		Profile: prof}
	data.Eager = eagerCards
	if fr.Lead != nil {
		data.Eager = 0 // the lead fills the first screen
	}
	p, err := s.renderPage("list", data, articleDeps(deps, shown))
	return modifiedAt(p, err, newestUpdate(time.Time{}, shown))
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
	desc := sec.Description
	if desc == "" {
		desc = loc.T("%s: the latest reporting from %s.", name, s.conf().Name)
	}
	return s.listOf(r, store.ListQuery{SectionID: sec.ID}, "/"+sec.Slug+"/", sec.Slug, name,
		loc.T("Section"), sec.Description, desc, nil, []string{depSection(sec.ID)})
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
	desc := t.Description
	if desc == "" {
		desc = loc.T("Everything %s has published on %s.", s.conf().Name, name)
	}
	return s.listOf(r, store.ListQuery{TagID: t.ID}, "/tag/"+t.Slug+"/", "", name,
		loc.T("Topic"), t.Description, desc, nil, []string{depTag(t.ID)})
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
	prof := &authorFront{Author: a, Links: profileLinks(a)}
	if lib, ok := s.db.(content.BodyImages); ok && a.PhotoKey != "" {
		images, err := lib.ImagesByKey(r.Context(), []string{a.PhotoKey})
		if err != nil {
			return nil, err
		}
		prof.Photo = images[a.PhotoKey] // gone from the library: no photo
	}
	return s.listOf(r, store.ListQuery{AuthorID: a.ID}, "/author/"+a.Slug+"/", "", name,
		loc.T("Author"), a.Bio, desc, prof, []string{depAuthor(a.ID)})
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
