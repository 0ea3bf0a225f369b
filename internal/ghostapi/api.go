// Package ghostapi is a read-only Ghost Content API over the store, so
// Ghost front-ends, apps and integrations (and @tryghost/content-api)
// work unchanged. It holds no SQL: it lists from a snapshot of the store,
// answers filters in memory, and keeps whole responses until the change
// feed says what they show changed.
package ghostapi

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/store"
)

// Prefix is where the API lives, as on Ghost.
const Prefix = "/ghost/api/content/"

// Limits of a page of results: Ghost's default, the most a number asks
// for, and what limit=all is capped at so one request cannot read a whole
// archive of bodies.
const (
	defaultLimit = 15
	maxLimit     = 100
	maxAll       = 1000
	maxCached    = 4096 // responses kept; past it the cache starts over
)

// Store is what the API reads.
type Store interface {
	ArticleIndex(ctx context.Context) ([]store.IndexedArticle, error)
	ArticleByID(ctx context.Context, id int64) (*content.Article, error)
	Authors(ctx context.Context) ([]content.Author, error)
	Tags(ctx context.Context) ([]content.Tag, error)
	Sections(ctx context.Context) ([]content.Section, error)
	LivePages(ctx context.Context) ([]*content.Page, error)
	MenuPages(ctx context.Context, lang string) ([]*content.Page, error)
	LivePins(ctx context.Context, section int64, lang string) ([]store.FrontPin, error)
	ImportedIDs(ctx context.Context, source, kind string) (map[int64]string, error)
	APIKeys(ctx context.Context) ([]store.APIKey, error)
	ImagesByKey(ctx context.Context, keys []string) (map[string]content.Image, error)
}

// Site is what settings show.
type Site struct {
	Name, Description, Lang string
	BaseURL                 string // absolute, no trailing slash
	Logo                    string // root-relative, or ""
	Timezone                string
}

// Config is what New needs.
type Config struct {
	Store Store
	Site  func() Site
	Log   *slog.Logger
}

// API serves the Content API.
type API struct {
	cfg  Config
	keys atomic.Pointer[[][]byte] // SHA-256 of every working key

	mu      sync.Mutex
	gen     uint64 // bumped by every Invalidate
	snap    *snapshot
	loading chan struct{} // closed when the snapshot being read is ready
	cache   map[string]*Answer
}

// Answer is a cached response body, with its compressed forms made on
// first demand: what the fast path sends to a client that accepts them.
type Answer struct {
	mu   sync.Mutex
	reps [httpx.NumEncodings][]byte
}

// Body is the answer in coding enc.
func (an *Answer) Body(enc httpx.Encoding) []byte {
	an.mu.Lock()
	defer an.mu.Unlock()
	if an.reps[enc] == nil {
		an.reps[enc] = httpx.Compress(enc, httpx.Fast, an.reps[httpx.Identity])
	}
	return an.reps[enc]
}

// New builds the API and reads the keys.
func New(ctx context.Context, cfg Config) (*API, error) {
	a := &API{cfg: cfg, cache: map[string]*Answer{}}
	if err := a.ReloadKeys(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// ReloadKeys reads the working keys again: after store.KeyAPIKeys came
// through the change feed, so a revoked key is refused on every node.
func (a *API) ReloadKeys(ctx context.Context) error {
	list, err := a.cfg.Store.APIKeys(ctx)
	if err != nil {
		return fmt.Errorf("content api keys: %w", err)
	}
	var hashes [][]byte
	for _, k := range list {
		if k.Revoked() {
			continue
		}
		h, err := hex.DecodeString(k.Hash)
		if err != nil {
			return fmt.Errorf("content api key %q: bad hash: %w", k.Name, err)
		}
		hashes = append(hashes, h)
	}
	a.keys.Store(&hashes)
	return nil
}

// Invalidate drops every response and the snapshot: any change to
// articles, pages, tags, authors, fronts or settings may show in a list.
func (a *API) Invalidate() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gen++
	a.snap = nil
	clear(a.cache)
}

// validKey reports whether key is a working key, comparing its hash with
// every working key's in constant time.
func (a *API) validKey(key string) bool {
	if len(key) != 26 {
		return false
	}
	want, _ := hex.DecodeString(store.HashAPIKey(key))
	ok := 0
	for _, h := range *a.keys.Load() {
		ok |= subtle.ConstantTimeCompare(h, want)
	}
	return ok == 1
}

// apiError is one of Ghost's errors.
type apiError struct {
	status        int
	typ, msg, ctx string
	code          string
}

func (e *apiError) Error() string { return e.msg }

func (e *apiError) body() []byte {
	var id [16]byte
	_, _ = rand.Read(id[:])
	u := fmt.Sprintf("%x-%x-%x-%x-%x", id[0:4], id[4:6], id[6:8], id[8:10], id[10:16])
	b, _ := json.Marshal(map[string]any{"errors": []map[string]any{{
		"message": e.msg, "context": nullable(e.ctx), "type": e.typ, "details": nil, "property": nil,
		"help": nil, "code": nullable(e.code), "id": u, "ghostErrorCode": nil,
	}}})
	return b
}

var (
	errNoKey = &apiError{status: http.StatusForbidden, typ: "NoPermissionError", msg: "Authorization failed",
		ctx: "Unable to determine the authenticated member or integration. Check the supplied Content API Key and ensure cookies are being passed through if member auth is failing."}
	errBadKey = &apiError{status: http.StatusUnauthorized, typ: "UnauthorizedError", msg: "Unknown Content API Key",
		code: "UNKNOWN_CONTENT_API_KEY"}
)

func notFound(what string) *apiError {
	return &apiError{status: http.StatusNotFound, typ: "NotFoundError", msg: "Resource not found error, cannot read " + what + "."}
}

func badRequest(msg, ctx string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: "BadRequestError", msg: msg, ctx: ctx}
}

// checkKey refuses a request without a working key.
func (a *API) checkKey(key string) *apiError {
	if key == "" {
		return errNoKey
	}
	if !a.validKey(key) {
		return errBadKey
	}
	return nil
}

// cacheKey is the path and every parameter but the key, sorted: the same
// question from any client shares one answer.
func cacheKey(path string, q url.Values) string {
	if _, ok := q["key"]; ok {
		q = maps.Clone(q)
		delete(q, "key")
	}
	return path + "?" + q.Encode()
}

// Cached returns the cached answer for a request, when there is one and
// the key works: what the fast path serves.
func (a *API) Cached(path, rawQuery string) (*Answer, bool) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil || a.checkKey(q.Get("key")) != nil {
		return nil, false
	}
	k := cacheKey(path, q)
	a.mu.Lock()
	b, ok := a.cache[k]
	a.mu.Unlock()
	return b, ok
}

// ServeHTTP answers GET requests under Prefix.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	SetHeaders(w.Header())
	if !strings.HasSuffix(r.URL.Path, "/") {
		// As Ghost: the canonical address ends in a slash.
		u := *r.URL
		u.Path += "/"
		http.Redirect(w, r, u.RequestURI(), http.StatusMovedPermanently)
		return
	}
	q := r.URL.Query()
	if e := a.checkKey(q.Get("key")); e != nil {
		writeError(w, e)
		return
	}
	k := cacheKey(r.URL.Path, q)
	a.mu.Lock()
	an, ok := a.cache[k]
	gen := a.gen
	a.mu.Unlock()
	var b []byte
	if ok {
		b = an.Body(httpx.Identity)
	} else {
		var err error
		b, err = a.answer(r.Context(), r.URL.Path, q)
		var ae *apiError
		if errors.As(err, &ae) {
			writeError(w, ae)
			return
		}
		if err != nil {
			a.cfg.Log.ErrorContext(r.Context(), "content api", "path", r.URL.Path, "err", err)
			writeError(w, &apiError{status: http.StatusInternalServerError, typ: "InternalServerError", msg: "The server has encountered an error."})
			return
		}
		a.mu.Lock()
		if a.gen == gen {
			if len(a.cache) >= maxCached {
				clear(a.cache)
			}
			an := &Answer{}
			an.reps[httpx.Identity] = b
			a.cache[k] = an
		}
		a.mu.Unlock()
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

// Headers are what every answer carries: JSON, any origin may read it (as
// Ghost's Content API allows), and no shared cache keeps it, since the key
// decides who may read.
var Headers = [][2]string{
	{"Content-Type", "application/json; charset=utf-8"},
	{"Access-Control-Allow-Origin", "*"},
	{"Cache-Control", "private, no-cache"},
	{"Vary", "Accept-Encoding"},
}

// Preflight answers a browser's CORS preflight: any origin may send a GET
// with the headers Ghost's clients add (Accept-Version, the members'
// Authorization, which is ignored here).
func Preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Accept-Version, Authorization, Content-Type")
	h.Set("Access-Control-Max-Age", "86400")
	h.Set("Vary", "Origin, Access-Control-Request-Headers")
	w.WriteHeader(http.StatusNoContent)
}

// SetHeaders sets Headers on h.
func SetHeaders(h http.Header) {
	for _, kv := range Headers {
		h.Set(kv[0], kv[1])
	}
}

func writeError(w http.ResponseWriter, e *apiError) {
	b := e.body()
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(e.status)
	_, _ = w.Write(b)
}

// snapshot returns the current snapshot, reading it when dropped. One
// request reads it while the others that need it wait: after a change,
// every client's next request would otherwise read the archive at once.
func (a *API) snapshot(ctx context.Context) (*snapshot, error) {
	for {
		a.mu.Lock()
		if sn := a.snap; sn != nil {
			a.mu.Unlock()
			return sn, nil
		}
		if ch := a.loading; ch != nil {
			a.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		ch := make(chan struct{})
		a.loading = ch
		gen := a.gen
		a.mu.Unlock()
		sn, err := a.load(ctx)
		a.mu.Lock()
		a.loading = nil
		if err == nil && a.gen == gen {
			a.snap = sn
		}
		a.mu.Unlock()
		close(ch)
		// A snapshot read across a change is still newer than the
		// request: it answers it, and is not kept.
		return sn, err
	}
}

// answer builds the body for path.
func (a *API) answer(ctx context.Context, path string, q url.Values) ([]byte, error) {
	rest := strings.Trim(strings.TrimPrefix(path, Prefix), "/")
	parts := strings.Split(rest, "/")
	resource := parts[0]
	var lookup string // "" browse, else "slug:x" or "id:x"
	switch {
	case len(parts) == 1:
	case len(parts) == 2 && resource != "settings":
		lookup = "id:" + parts[1]
	case len(parts) == 3 && parts[1] == "slug" && resource != "settings":
		lookup = "slug:" + parts[2]
	default:
		return nil, notFound("resource")
	}
	sn, err := a.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	opts, err := parseOptions(q)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	switch resource {
	case "posts":
		out, err = a.browsePosts(ctx, sn, opts, lookup)
	case "pages":
		out, err = a.browsePages(sn, opts, lookup)
	case "tags":
		out, err = a.browseTerms(sn.tags, sn.tagBy, "tags", "tag", opts, lookup)
	case "authors":
		out, err = a.browseTerms(sn.authors, sn.authBy, "authors", "author", opts, lookup)
	case "settings":
		out = a.settings(sn)
	default:
		return nil, notFound("resource")
	}
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("content api: encode: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// options are a browse's parameters.
type options struct {
	include  map[string]bool
	fields   []string
	formats  map[string]bool
	limit    int
	all      bool
	page     int
	order    []orderBy
	filter   node
	filterSr string
}

type orderBy struct {
	field string
	desc  bool
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseOptions(q url.Values) (options, error) {
	o := options{include: map[string]bool{}, formats: map[string]bool{}, limit: defaultLimit, page: 1}
	for _, v := range splitList(q.Get("include")) {
		o.include[v] = true
	}
	o.fields = splitList(q.Get("fields"))
	for _, v := range splitList(q.Get("formats")) {
		if v != "html" && v != "plaintext" {
			continue // mobiledoc and lexical are the admin API's
		}
		o.formats[v] = true
	}
	if len(o.formats) == 0 {
		o.formats["html"] = true
	}
	switch l := q.Get("limit"); l {
	case "":
	case "all":
		o.all, o.limit = true, maxAll
	default:
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return o, badRequest("Validation (isInt) failed for limit", "limit must be a positive number or all, not "+strconv.Quote(l))
		}
		o.limit = min(n, maxLimit)
	}
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return o, badRequest("Validation (isInt) failed for page", "page must be a positive number, not "+strconv.Quote(p))
		}
		o.page = n
	}
	for _, part := range splitList(q.Get("order")) {
		f := strings.Fields(part)
		ob := orderBy{field: strings.ToLower(f[0])}
		if len(f) > 1 {
			switch strings.ToLower(f[1]) {
			case "desc":
				ob.desc = true
			case "asc":
			default:
				return o, badRequest("Invalid order", "order direction must be asc or desc, not "+strconv.Quote(f[1]))
			}
		}
		if len(f) > 2 {
			return o, badRequest("Invalid order", "write order as field direction, such as published_at desc")
		}
		o.order = append(o.order, ob)
	}
	o.filterSr = q.Get("filter")
	return o, nil
}

// parseFilter parses the filter against a resource's fields.
func (o *options) parseFilter(fields map[string]bool) error {
	n, err := parseFilter(o.filterSr, fields)
	if err != nil {
		return badRequest("Error parsing filter", err.Error())
	}
	o.filter = n
	return nil
}

// pagination cuts a page out of n items and says so as Ghost does.
func (o options) pagination(n int) (from, to int, meta map[string]any) {
	pages := max(1, (n+o.limit-1)/o.limit)
	from = min(n, (o.page-1)*o.limit)
	to = min(n, from+o.limit)
	var next, prev any
	if o.page < pages {
		next = o.page + 1
	}
	if o.page > 1 {
		prev = o.page - 1
	}
	var limit any = o.limit
	if o.all {
		limit = "all"
	}
	return from, to, map[string]any{"pagination": map[string]any{
		"page": o.page, "limit": limit, "pages": pages, "total": n, "next": next, "prev": prev,
	}}
}

// pick keeps the asked-for fields of an item; no fields keeps them all.
func pick(m map[string]any, fields []string) map[string]any {
	if len(fields) == 0 {
		return m
	}
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		if v, ok := m[f]; ok {
			out[f] = v
		}
	}
	return out
}

func (a *API) browsePosts(ctx context.Context, sn *snapshot, o options, lookup string) (map[string]any, error) {
	var list []*post
	if lookup != "" {
		p := sn.postBy[lookup]
		if p == nil {
			return nil, notFound("post")
		}
		list = []*post{p}
	} else {
		if err := o.parseFilter(postFields); err != nil {
			return nil, err
		}
		for _, p := range sn.posts {
			if o.filter == nil || o.filter.match(p) {
				list = append(list, p)
			}
		}
		if err := sortBy(list, o.order, postOrder); err != nil {
			return nil, err
		}
	}
	from, to, meta := o.pagination(len(list))
	items := make([]map[string]any, 0, to-from)
	for _, p := range list[from:to] {
		art, err := a.cfg.Store.ArticleByID(ctx, p.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue // unpublished since the snapshot; the feed drops it soon
		}
		if err != nil {
			return nil, err
		}
		items = append(items, pick(a.postJSON(sn, p, art, o), o.fields))
	}
	out := map[string]any{"posts": items}
	if lookup == "" {
		out["meta"] = meta
	}
	return out, nil
}

func (a *API) postJSON(sn *snapshot, p *post, art *content.Article, o options) map[string]any {
	base := a.cfg.Site().BaseURL
	m := map[string]any{
		"id": p.gid, "uuid": p.uuid, "title": art.Headline, "slug": art.Slug,
		"comment_id": p.gid, "feature_image": a.imageURL(art.Image), "feature_image_alt": nullable(art.Image.Alt),
		"feature_image_caption": nullable(art.Image.Caption), "featured": p.featured, "visibility": "public",
		"created_at": ghostTime(art.CreatedAt), "updated_at": ghostTime(art.UpdatedAt), "published_at": ghostTime(art.PublishedAt),
		"custom_excerpt": nullable(art.Dek), "codeinjection_head": nil, "codeinjection_foot": nil, "custom_template": nil,
		"canonical_url": nil, "url": base + art.Path(), "excerpt": excerptOf(art.Dek, art.BodyText),
		"reading_time": readingTime(art.BodyText), "access": true, "comments": false,
		"og_image": nil, "og_title": nil, "og_description": nil, "twitter_image": nil, "twitter_title": nil,
		"twitter_description": nil, "meta_title": nil, "meta_description": nullable(art.Dek), "email_subject": nil,
		"frontmatter": nil,
	}
	if o.formats["html"] {
		m["html"] = art.BodyHTML
	}
	if o.formats["plaintext"] {
		m["plaintext"] = art.BodyText
	}
	if o.include["tags"] {
		tags := make([]map[string]any, 0, len(p.tags))
		for _, slug := range p.tags {
			if t := sn.tagBy["slug:"+slug]; t != nil {
				tags = append(tags, a.termJSON(t, "tag", o))
			}
		}
		m["tags"] = tags
		m["primary_tag"] = nil
		if len(tags) > 0 {
			m["primary_tag"] = tags[0]
		}
	}
	if o.include["authors"] {
		authors := make([]map[string]any, 0, len(p.authors))
		for _, slug := range p.authors {
			if t := sn.authBy["slug:"+slug]; t != nil {
				authors = append(authors, a.termJSON(t, "author", o))
			}
		}
		m["authors"] = authors
		m["primary_author"] = nil
		if len(authors) > 0 {
			m["primary_author"] = authors[0]
		}
	}
	return m
}

func (a *API) browsePages(sn *snapshot, o options, lookup string) (map[string]any, error) {
	var list []*page
	if lookup != "" {
		p := sn.pageBy[lookup]
		if p == nil {
			return nil, notFound("page")
		}
		list = []*page{p}
	} else {
		if err := o.parseFilter(pageFields); err != nil {
			return nil, err
		}
		for _, p := range sn.pages {
			if o.filter == nil || o.filter.match(p) {
				list = append(list, p)
			}
		}
		if err := sortBy(list, o.order, pageOrder); err != nil {
			return nil, err
		}
	}
	from, to, meta := o.pagination(len(list))
	base, main := a.cfg.Site().BaseURL, a.cfg.Site().Lang
	items := make([]map[string]any, 0, to-from)
	for _, p := range list[from:to] {
		text := plainText(p.BodyHTML)
		m := map[string]any{
			"id": p.gid, "uuid": p.uuid, "title": p.Title, "slug": p.Slug, "comment_id": p.gid,
			"feature_image": nil, "feature_image_alt": nil, "feature_image_caption": nil, "featured": false,
			"visibility": "public", "created_at": ghostTime(p.CreatedAt), "updated_at": ghostTime(p.UpdatedAt),
			"published_at": ghostTime(p.CreatedAt), "custom_excerpt": nil, "codeinjection_head": nil,
			"codeinjection_foot": nil, "custom_template": nil, "canonical_url": nil, "url": base + p.Path(main),
			"excerpt": excerptOf("", text), "reading_time": readingTime(text), "access": true, "comments": false,
			"og_image": nil, "og_title": nil, "og_description": nil, "twitter_image": nil, "twitter_title": nil,
			"twitter_description": nil, "meta_title": nil, "meta_description": nil, "frontmatter": nil,
		}
		if o.formats["html"] {
			m["html"] = p.BodyHTML
		}
		if o.formats["plaintext"] {
			m["plaintext"] = text
		}
		if o.include["tags"] {
			m["tags"], m["primary_tag"] = []any{}, nil
		}
		if o.include["authors"] {
			m["authors"], m["primary_author"] = []any{}, nil
		}
		items = append(items, pick(m, o.fields))
	}
	out := map[string]any{"pages": items}
	if lookup == "" {
		out["meta"] = meta
	}
	return out, nil
}

func (a *API) browseTerms(all []*term, by map[string]*term, plural, singular string, o options, lookup string) (map[string]any, error) {
	var list []*term
	if lookup != "" {
		t := by[lookup]
		if t == nil {
			return nil, notFound(singular)
		}
		list = []*term{t}
	} else {
		if err := o.parseFilter(termFields); err != nil {
			return nil, err
		}
		for _, t := range all {
			if o.filter == nil || o.filter.match(t) {
				list = append(list, t)
			}
		}
		order := o.order
		if len(order) == 0 {
			order = []orderBy{{field: "name"}}
		}
		if err := sortBy(list, order, termOrder); err != nil {
			return nil, err
		}
	}
	from, to, meta := o.pagination(len(list))
	items := make([]map[string]any, 0, to-from)
	for _, t := range list[from:to] {
		items = append(items, pick(a.termJSON(t, singular, o), o.fields))
	}
	out := map[string]any{plural: items}
	if lookup == "" {
		out["meta"] = meta
	}
	return out, nil
}

func (a *API) termJSON(t *term, singular string, o options) map[string]any {
	base := a.cfg.Site().BaseURL
	var m map[string]any
	if t.kind == kindTag {
		m = map[string]any{
			"id": t.gid, "name": t.name, "slug": t.slug, "description": nullable(t.descr), "feature_image": nil,
			"visibility": "public", "og_image": nil, "og_title": nil, "og_description": nil, "twitter_image": nil,
			"twitter_title": nil, "twitter_description": nil, "meta_title": nil, "meta_description": nil,
			"codeinjection_head": nil, "codeinjection_foot": nil, "canonical_url": nil, "accent_color": nil,
			"url": base + "/tag/" + t.slug + "/",
		}
	} else {
		m = map[string]any{
			"id": t.gid, "name": t.name, "slug": t.slug, "profile_image": a.imageURL(t.image), "cover_image": nil,
			"bio": nullable(t.bio), "website": nullable(t.website), "location": nil, "facebook": nil, "twitter": nil,
			"meta_title": nil, "meta_description": nil, "url": base + "/author/" + t.slug + "/",
		}
	}
	if o.include["count.posts"] {
		m["count"] = map[string]any{"posts": t.posts}
	}
	return m
}

func (a *API) settings(sn *snapshot) map[string]any {
	s := a.cfg.Site()
	nav := make([]map[string]any, 0, len(sn.menu))
	for _, p := range sn.menu {
		nav = append(nav, map[string]any{"label": p.Title, "url": s.BaseURL + p.Path(s.Lang)})
	}
	var logo any
	if s.Logo != "" {
		logo = s.BaseURL + s.Logo
	}
	return map[string]any{"settings": map[string]any{
		"title": s.Name, "description": s.Description, "logo": logo, "icon": s.BaseURL + "/favicon.ico",
		"accent_color": nil, "cover_image": nil, "facebook": nil, "twitter": nil, "lang": s.Lang, "locale": s.Lang,
		"timezone": cmp.Or(s.Timezone, "Etc/UTC"), "codeinjection_head": nil, "codeinjection_foot": nil,
		"navigation": nav, "secondary_navigation": []any{}, "meta_title": nil, "meta_description": nil,
		"og_image": nil, "og_title": nil, "og_description": nil, "twitter_image": nil, "twitter_title": nil,
		"twitter_description": nil, "members_support_address": nil, "url": s.BaseURL + "/",
	}, "meta": map[string]any{}}
}

// The fields each kind can be ordered by.
var (
	postOrder = map[string]func(x, y *post) int{
		"published_at": func(x, y *post) int { return x.PublishedAt.Compare(y.PublishedAt) },
		"updated_at":   func(x, y *post) int { return x.UpdatedAt.Compare(y.UpdatedAt) },
		"created_at":   func(x, y *post) int { return x.CreatedAt.Compare(y.CreatedAt) },
		"title":        func(x, y *post) int { return strings.Compare(strings.ToLower(x.Title), strings.ToLower(y.Title)) },
		"slug":         func(x, y *post) int { return strings.Compare(x.Slug, y.Slug) },
		"id":           func(x, y *post) int { return strings.Compare(x.gid, y.gid) },
		"featured":     func(x, y *post) int { return boolCmp(x.featured, y.featured) },
	}
	pageOrder = map[string]func(x, y *page) int{
		"published_at": func(x, y *page) int { return x.CreatedAt.Compare(y.CreatedAt) },
		"created_at":   func(x, y *page) int { return x.CreatedAt.Compare(y.CreatedAt) },
		"updated_at":   func(x, y *page) int { return x.UpdatedAt.Compare(y.UpdatedAt) },
		"title":        func(x, y *page) int { return strings.Compare(strings.ToLower(x.Title), strings.ToLower(y.Title)) },
		"slug":         func(x, y *page) int { return strings.Compare(x.Slug, y.Slug) },
		"id":           func(x, y *page) int { return strings.Compare(x.gid, y.gid) },
	}
	termOrder = map[string]func(x, y *term) int{
		"name":        func(x, y *term) int { return strings.Compare(strings.ToLower(x.name), strings.ToLower(y.name)) },
		"slug":        func(x, y *term) int { return strings.Compare(x.slug, y.slug) },
		"id":          func(x, y *term) int { return strings.Compare(x.gid, y.gid) },
		"count.posts": func(x, y *term) int { return cmp.Compare(x.posts, y.posts) },
	}
)

func boolCmp(x, y bool) int {
	switch {
	case x == y:
		return 0
	case x:
		return 1
	}
	return -1
}

// sortBy orders list by order, keeping the list's own order (newest
// first) among equals; no order keeps it as it is.
func sortBy[T any](list []T, order []orderBy, by map[string]func(x, y T) int) error {
	if len(order) == 0 {
		return nil
	}
	cmps := make([]func(x, y T) int, len(order))
	for i, ob := range order {
		f, ok := by[ob.field]
		if !ok {
			return badRequest("Invalid order", fmt.Sprintf("cannot order by %q", ob.field))
		}
		if ob.desc {
			cmps[i] = func(x, y T) int { return f(y, x) }
		} else {
			cmps[i] = f
		}
	}
	slices.SortStableFunc(list, func(x, y T) int {
		for _, c := range cmps {
			if r := c(x, y); r != 0 {
				return r
			}
		}
		return 0
	})
	return nil
}
