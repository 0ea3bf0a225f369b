// Package site is the public web: the pages readers see, the feeds and
// sitemaps crawlers read, and the page cache in front of them.
package site

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/view"
)

// Reader is what the public site reads from storage.
type Reader interface {
	Sections(ctx context.Context) ([]content.Section, error)
	SectionBySlug(ctx context.Context, slug string) (content.Section, error)
	TagBySlug(ctx context.Context, slug string) (content.Tag, error)
	AuthorBySlug(ctx context.Context, slug string) (content.Author, error)
	ArticleBySlug(ctx context.Context, slug string) (*content.Article, error)
	ListArticles(ctx context.Context, q store.ListQuery) ([]*content.Article, error)
	CountArticles(ctx context.Context, q store.ListQuery) (int, error)
	ArticleLocs(ctx context.Context, offset, limit int) ([]store.ArticleLoc, error)
	Related(ctx context.Context, a *content.Article, n int) ([]*content.Article, error)
	// ArticleWithRelated is ArticleBySlug and Related in one query: the
	// article page's.
	ArticleWithRelated(ctx context.Context, slug string, n int) (*content.Article, []*content.Article, error)
	Search(ctx context.Context, q content.Query, limit, offset int) ([]store.SearchHit, int, error)
	NameForms(ctx context.Context) (content.NameForms, error)
	PageReader
	LivePins(ctx context.Context, section int64, lang string) ([]store.FrontPin, error)
}

// MediaFiles opens stored images.
type MediaFiles interface {
	Open(key, name string) (fs.File, error)
}

// Settings describe the site to readers.
type Settings struct {
	Name        string
	Description string
	Lang        string
	BaseURL     string // absolute, no trailing slash: canonical links and feeds
	Logo        Logo   // optional
	// Zone is the newsroom's time zone: the day a visible date names.
	// Addresses keep their UTC date. nil: UTC.
	Zone *time.Location
}

// Logo is an image shown beside the site's name.
type Logo struct {
	URL           string // root-relative
	Width, Height int
}

// Config is what New needs.
type Config struct {
	Settings   Settings
	Reader     Reader
	Media      MediaFiles
	Web        fs.FS // templates/ and static/
	Log        *slog.Logger
	Registry   prometheus.Registerer
	CacheBytes int // 0 disables the page cache
	// SearchConcurrency bounds the searches run at once; 0: half the CPUs,
	// at least one. A search waits briefly for a turn, then is refused.
	SearchConcurrency int
	Now               func() time.Time
	Hosts             *Hosts // nil: only the base URL's host and loopback names
}

// Site serves the public pages.
type Site struct {
	settings atomic.Pointer[Settings] // replaced whole when an admin edits them
	// sections is the navigation, read on every page render: held here and
	// dropped with the settings, which every section change reloads (on
	// every node), so an uncached page costs one query less.
	sections atomic.Pointer[navSections]
	navGen   atomic.Uint64 // bumped by every drop; a list read before it is stale
	// settingsAt is when the settings last changed or every page was
	// dropped (Unix nanoseconds): no page's Last-Modified is earlier, as
	// every page shows the settings.
	settingsAt atomic.Int64
	promptsAt  atomic.Int64 // when the prompts or their goal last changed, likewise for pages with prompts
	db         Reader
	media      MediaFiles
	log        *slog.Logger
	cache      *pageCache
	// searchCache holds search result pages; searchSlots bounds the
	// searches running at once (each scans the full-text index).
	searchCache   *pageCache
	searchResults *searchResults // what searches found, by normalized query
	searchSlots   chan struct{}
	searchWait    time.Duration        // overrides searchWait in tests
	views         map[string]*view.Set // per language
	catalog       *i18n.Catalog
	assets        *assets
	adapter       *httpx.Adapter
	now           func() time.Time
	hosts         *Hosts
	prompts       *prompts // donation prompts; nil when off (EnablePrompts)
	// maxSitemap overrides SitemapMax in tests, which cannot make 50,000 articles cheaply.
	maxSitemap int

	// redirs is the redirects table, reloaded when redirGen moves past it
	// (see redirects.go).
	redirs   atomic.Pointer[redirectTable]
	redirGen atomic.Uint64
}

// PageSize is the number of articles on a list page.
const PageSize = 20

// New parses templates and fingerprints assets; a broken template fails
// here, at start-up, not on a reader's request.
func New(cfg Config) (*Site, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Settings.BaseURL = strings.TrimRight(cfg.Settings.BaseURL, "/")
	a, err := loadAssets(cfg.Web, cfg.Now())
	if err != nil {
		return nil, err
	}
	if cfg.Hosts == nil {
		h, err := NewHosts(cmp.Or(cfg.Settings.BaseURL, "http://localhost"), nil, "")
		if err != nil {
			return nil, err
		}
		cfg.Hosts = h
	}
	s := &Site{
		hosts: cfg.Hosts,
		db:    cfg.Reader,
		media: cfg.Media,
		log:   cfg.Log,
		cache: newPageCache("pages", cfg.CacheBytes, cfg.Registry),
		// Search results get a cache of their own, an eighth of the size:
		// any number of distinct queries can only push out other queries,
		// never the articles and fronts readers come for.
		searchCache: newPageCache("search", cfg.CacheBytes/8, cfg.Registry),
		// Bounded by count: a page of hits is a few kilobytes.
		searchResults: newSearchResults(min(4096, cfg.CacheBytes>>14)),
		searchSlots:   make(chan struct{}, cmp.Or(cfg.SearchConcurrency, max(1, runtime.NumCPU()/2))),
		assets:        a,
		now:           cfg.Now,
	}
	cfg.Settings.Lang = mainLanguage(cfg.Settings.Lang)
	s.settings.Store(&cfg.Settings)
	s.catalog = i18n.New(cfg.Settings.Lang)
	v, err := s.parseViews(cfg.Web)
	if err != nil {
		return nil, err
	}
	s.views = v
	s.adapter = &httpx.Adapter{Log: cfg.Log, Page: s.errorPage}
	return s, nil
}

func (s *Site) conf() Settings { return *s.settings.Load() }

// SetSettings replaces the site's settings and drops every cached page,
// since every page shows them. The base URL stays as configured.
func (s *Site) SetSettings(st Settings) {
	st.BaseURL = s.conf().BaseURL
	st.Lang = mainLanguage(st.Lang)
	s.settings.Store(&st)
	s.settingsAt.Store(s.now().UnixNano())
	s.dropNav()
	s.cache.purge()
	s.searchCache.purge()
}

// Settings returns the current settings.
func (s *Site) Settings() Settings { return s.conf() }

// Adapter returns the error adapter whose pages are in the site's style.
func (s *Site) Adapter() *httpx.Adapter { return s.adapter }

// Routes registers the public URLs on mux.
func (s *Site) Routes(mux *http.ServeMux) {
	h := s.adapter.Handle
	// Every list page, search and feed exists in each edition.
	s.handleEditions(mux, "GET /{$}", h(s.cached(s.home)))
	s.handleEditions(mux, "GET /{section}/{$}", h(s.cached(s.section)))
	s.handleEditions(mux, "GET /{section}/feed.xml", hostScoped(h(s.cached(s.sectionFeed))))
	mux.Handle(articlePattern, h(s.cached(s.article)))
	// With a trailing slash, as WordPress writes its permalinks: a 301 to
	// the article's own path (article compares the two), so an imported
	// archive's old links keep working.
	mux.Handle(articlePattern+"/{$}", h(s.cached(s.article)))
	s.handleEditions(mux, "GET /tag/{slug}/{$}", h(s.cached(s.tag)))
	s.handleEditions(mux, "GET /author/{slug}/{$}", h(s.cached(s.author)))
	s.handleEditions(mux, "GET /search", h(s.search))
	s.handleEditions(mux, "GET /feed.xml", hostScoped(h(s.cached(s.rss))))
	s.handleEditions(mux, "GET /atom.xml", hostScoped(h(s.cached(s.atom))))
	s.handleEditions(mux, "GET /feed.json", hostScoped(h(s.cached(s.jsonFeed))))
	s.editionRoots(mux)
	mux.Handle("GET /sitemap.xml", hostScoped(h(s.cached(s.sitemap))))
	mux.Handle("GET /sitemaps/{n}/sitemap.xml", hostScoped(h(s.cached(s.sitemapPart))))
	mux.Handle("GET /news-sitemap.xml", hostScoped(h(s.cached(s.newsSitemap))))
	mux.Handle("GET /robots.txt", hostScoped(h(s.robots)))
	mux.Handle("GET /static/{version}/{name}", h(s.static))
	mux.Handle("GET /favicon.ico", h(s.favicon))
	mux.Handle("GET /media/{key}/{file}", h(s.mediaFile))
	s.hostRoutes(mux)
	s.promptRoutes(mux)
	// Under an edition's prefix a missing page is that edition's 404; under
	// an unknown prefix (/de/) it is the main language's.
	notFound := h(func(w http.ResponseWriter, r *http.Request) error { return httpx.NotFound() })
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		if i18n.Supported(first) && first != s.conf().Lang {
			r = r.WithContext(context.WithValue(r.Context(), editionKey{}, first))
		}
		notFound.ServeHTTP(w, r)
	}))
}

// articlePattern is the article route: its pages vary by prompt state.
const articlePattern = "GET /{yyyy}/{mm}/{dd}/{slug}"

// cacheKey keeps only the query parameters pages read, so tracking
// parameters or random strings cannot fill the cache with copies.
func cacheKey(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return r.URL.Path
	}
	if p := r.URL.Query().Get("page"); p != "" && p != "1" {
		return r.URL.Path + "?page=" + p
	}
	return r.URL.Path
}

// cached serves a page from the cache, rendering and storing it on a miss.
func (s *Site) cached(render func(r *http.Request) (*page, error)) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		// The generation is read before the prompt snapshot, so that a page
		// rendered with prompts that were replaced meanwhile is not kept.
		gen := s.cache.generation()
		key := s.hostKeyPrefix(r) + cacheKey(r)
		var rs readerState
		withPrompts := false
		if s.prompts != nil && promptPatterns[r.Pattern] {
			if rs = s.prompts.readerFromRequest(r, s.now()); rs.snap.Active() {
				withPrompts = true
				key += variantSuffix[rs.code]
				rs.shown = &[]revenue.Shown{}
				r = r.WithContext(context.WithValue(r.Context(), readerKey{}, rs))
			}
		}
		info := pageInfoFrom(r.Context())
		var e *entry
		if info == nil {
			e = s.cache.get(key)
		}
		if e == nil {
			p, err := render(r)
			if err == nil && withPrompts {
				p.deps = append(p.deps, depPrompts)
				p.shown = *rs.shown
			}
			if err == nil && info != nil {
				info.Deps = p.deps
			}
			var rd *redirect
			if errors.As(err, &rd) {
				http.Redirect(w, r, rd.to, http.StatusMovedPermanently)
				return nil
			}
			if err != nil {
				return err
			}
			e = s.build(key, p, s.cache)
			e.route = r.Pattern
			s.cache.put(e, gen)
		}
		if withPrompts {
			if r.Method == http.MethodGet {
				var buf [160]byte
				if v := s.prompts.served(buf[:0], e, rs, s.now()); v != nil {
					http.SetCookie(w, s.prompts.cookie(string(v)))
				}
			}
			serveEntryVary(w, r, e, promptCacheControl, promptVary)
			return nil
		}
		serveEntry(w, r, e, cacheControl)
		return nil
	}
}

var (
	cacheControl = []string{"public, max-age=60, stale-while-revalidate=300, stale-if-error=86400"}
	varyEncoding = []string{"Accept-Encoding"}
	// contentEncodings are the Content-Encoding values, by coding.
	contentEncodings = [httpx.NumEncodings][]string{nil, {"gzip"}, {"br"}, {"zstd"}}
)

// build is build with the site's clock and its settings' last change.
func (s *Site) build(key string, p *page, c *pageCache) *entry {
	floor := time.Unix(0, s.settingsAt.Load())
	if slices.Contains(p.deps, depPrompts) {
		if t := time.Unix(0, s.promptsAt.Load()); t.After(floor) {
			floor = t
		}
	}
	return build(key, p, c, s.now(), floor)
}

// serveEntry writes a cached page in the coding the client prefers, or 304
// when the client already has it.
func serveEntry(w http.ResponseWriter, r *http.Request, e *entry, cc []string) {
	serveEntryVary(w, r, e, cc, varyEncoding)
}

// serveEntryVary is serveEntry with the Vary header given.
func serveEntryVary(w http.ResponseWriter, r *http.Request, e *entry, cc, vary []string) {
	h := w.Header()
	rep, enc := e.representation(httpx.Negotiate(r.Header["Accept-Encoding"]))
	h["Cache-Control"] = cc
	h["Vary"] = vary
	h["Etag"] = rep.etag
	h["Last-Modified"] = e.lastMod
	if notModified(e, rep.etag[0], r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Type"] = e.contentType
	if enc != httpx.Identity {
		h["Content-Encoding"] = contentEncodings[enc]
	}
	h["Content-Length"] = rep.length
	if r.Method == http.MethodHead {
		return
	}
	w.Write(rep.body)
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// pageNumber reads ?page=, 1 when absent. Anything but a small positive
// number is a bad request.
func pageNumber(r *http.Request) (int, error) {
	v := r.URL.Query().Get("page")
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1_000_000 || len(v) > 7 {
		return 0, httpx.BadRequest(fmt.Sprintf("Page %q is not a page number.", truncate(v, 20)))
	}
	return n, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// pager describes a page of a list.
type pager struct {
	Page, Last int
	Path       string
}

func (p pager) Prev() string { return pageURL(p.Path, p.Page-1) }
func (p pager) Next() string { return pageURL(p.Path, p.Page+1) }

func pageURL(path string, n int) string {
	if n <= 1 {
		return path
	}
	if strings.Contains(path, "?") {
		return path + "&page=" + strconv.Itoa(n)
	}
	return path + "?page=" + strconv.Itoa(n)
}

func newPager(path string, page, total int) (pager, error) {
	last := max(1, (total+PageSize-1)/PageSize)
	if page > last {
		return pager{}, httpx.NotFound()
	}
	return pager{Page: page, Last: last, Path: path}, nil
}

// InvalidateKeys drops the pages that depend on any of keys, as the change
// feed names them (store.Key*); store.KeyEverything drops every page. It
// returns how many pages it dropped.
func (s *Site) InvalidateKeys(keys ...string) int {
	if slices.Contains(keys, depPrompts) {
		s.promptsAt.Store(s.now().UnixNano())
	}
	if slices.Contains(keys, store.KeyRedirects) {
		s.dropRedirects()
	}
	if slices.Contains(keys, store.KeyEverything) {
		n := s.cache.len() + s.searchCache.len()
		s.PurgeCache()
		return n
	}
	return s.cache.invalidate(keys...) + s.searchCache.invalidate(keys...)
}

// CachedPages returns how many pages the cache holds and their bytes.
func (s *Site) CachedPages() (pages, bytes int) {
	s.cache.mu.RLock()
	defer s.cache.mu.RUnlock()
	return len(s.cache.entries), s.cache.bytes
}

// PurgeCache drops every cached page.
func (s *Site) PurgeCache() {
	s.settingsAt.Store(s.now().UnixNano())
	s.dropNav()
	s.dropRedirects()
	s.cache.purge()
	s.searchCache.purge()
}

// navSections is the navigation as read in one generation.
type navSections struct {
	gen   uint64
	list  []content.Section
	names content.NameForms     // of sections, tags and authors, per language
	menus map[string][]menuLink // the footer menu, per language
}

func (s *Site) dropNav() { s.navGen.Add(1) }

// navList returns the sections for the navigation, from memory when they
// were read since the last change. A list read while a change was dropping
// the old one carries the old generation and is never used.
func (s *Site) navList(ctx context.Context) ([]content.Section, error) {
	gen := s.navGen.Load()
	if p := s.sections.Load(); p != nil && p.gen == gen {
		return p.list, nil
	}
	secs, err := s.db.Sections(ctx)
	if err != nil {
		return nil, err
	}
	names, err := s.db.NameForms(ctx)
	if err != nil {
		return nil, err
	}
	menus, err := s.loadMenus(ctx)
	if err != nil {
		return nil, err
	}
	s.sections.Store(&navSections{gen: gen, list: secs, names: names, menus: menus})
	return secs, nil
}

// Dependency keys recorded by cached pages: the change feed's names for
// what a change touched (see store.KeyArticle).
const depAll = store.KeyLists // every list: home, feeds, sitemaps, search

var (
	depArticle = store.KeyArticle
	depSection = store.KeySection
	depTag     = store.KeyTag
	depAuthor  = store.KeyAuthor
)

func articleDeps(deps []string, list []*content.Article) []string {
	for _, a := range list {
		deps = append(deps, depArticle(a.ID))
	}
	return deps
}

// mainLanguage is lang when the catalogs speak it, else their first: the
// site's editions and words need a language they have.
func mainLanguage(lang string) string {
	if i18n.Supported(lang) {
		return lang
	}
	return i18n.Languages[0]
}
