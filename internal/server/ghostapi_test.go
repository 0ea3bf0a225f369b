package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/store/pgtest"
)

// ghostSite is a running server with a small archive: three posts in two
// sections, two authors, tags, a page in the footer menu, a lead story on
// the home front, and a Content API key.
type ghostSite struct {
	base, key string
	srv       *Server
	posts     map[string]*content.Article
	log       *lockedBuffer // everything the server logged, at debug level
}

// lockedBuffer is a log destination the server's goroutines share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startGhostSite(t *testing.T, engine string) *ghostSite {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "db")
	if engine == "postgres" {
		if os.Getenv("SAMIZDAT_TEST_POSTGRES") == "" {
			t.Skip("SAMIZDAT_TEST_POSTGRES is not set: no PostgreSQL to run on")
		}
		db = pgtest.Database(t)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &lockedBuffer{}
	srv, err := New(ctx, config.Config{DB: db, Media: filepath.Join(dir, "media"), BaseURL: base,
		CacheMB: 8, JobsEvery: time.Hour}, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	gs := &ghostSite{base: base, srv: srv, posts: map[string]*content.Article{}, log: logs}
	news, culture := content.Section{Slug: "news", Name: "News"}, content.Section{Slug: "culture", Name: "Culture"}
	for _, s := range []*content.Section{&news, &culture} {
		if err := srv.Store.CreateSection(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	anna, boris := content.Author{Slug: "anna", Name: "Anna Petrova", Bio: "Courts."}, content.Author{Slug: "boris", Name: "Boris"}
	for _, a := range []*content.Author{&anna, &boris} {
		if err := srv.Store.CreateAuthor(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []struct {
		slug, head string
		sec        content.Section
		by         []content.Author
		tags       []string
		at         string
	}{
		{"tender", "Bridge tender annulled", news, []content.Author{anna}, []string{"news", "courts"}, "2023-06-01T10:00:00Z"},
		{"election", "Election results disputed", news, []content.Author{boris, anna}, []string{"news", "elections"}, "2024-02-10T09:00:00Z"},
		{"theatre", "A theatre reopens", culture, []content.Author{boris}, []string{"culture"}, "2024-05-05T18:30:00Z"},
	} {
		at, _ := time.Parse(time.RFC3339, a.at)
		art := &content.Article{Slug: a.slug, Headline: a.head, Dek: "Dek of " + a.slug, Body: "The **" + a.slug + "** story, in words.",
			Lang: "en", Status: content.StatusPublished, Section: a.sec, Authors: a.by, PublishedAt: at}
		for _, tg := range a.tags {
			art.Tags = append(art.Tags, content.Tag{Slug: tg, Name: strings.ToUpper(tg[:1]) + tg[1:]})
		}
		if err := srv.Content.Create(ctx, art); err != nil {
			t.Fatal(err)
		}
		gs.posts[a.slug] = art
	}
	if err := srv.Store.SetFrontPins(ctx, store.HomeFront, "en", []store.FrontPin{{Position: 0, ArticleID: gs.posts["theatre"].ID}}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Store.CreatePage(ctx, &content.Page{Slug: "about", Lang: "en", Title: "About us", Body: "We are *independent*.",
		Status: content.StatusPublished, MenuOrder: 1}); err != nil {
		t.Fatal(err)
	}
	if gs.key, _, err = srv.Store.CreateAPIKey(ctx, "Front-end"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		srv.Close()
	})
	// The writes above reach the API through the feed: wait for it.
	gs.waitFeed(t)
	return gs
}

func (gs *ghostSite) waitFeed(t *testing.T) {
	t.Helper()
	newest, err := gs.srv.Store.NewestChange(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); gs.srv.ChangeFeedPosition() < newest; {
		if time.Now().After(deadline) {
			t.Fatalf("the change feed did not reach %d", newest)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// api GETs path (with the key unless it sets its own) and decodes JSON.
func (gs *ghostSite) api(t *testing.T, path string, params url.Values) (int, map[string]any, string) {
	t.Helper()
	if params == nil {
		params = url.Values{}
	}
	if _, ok := params["key"]; !ok {
		params.Set("key", gs.key)
	}
	resp, body := get(t, gs.base+"/ghost/api/content/"+path+"?"+params.Encode(), nil)
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("%s: Access-Control-Allow-Origin %q, want *", path, got)
	}
	var m map[string]any
	if resp.StatusCode != 301 {
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("%s: %v in %s", path, err, body)
		}
	}
	return resp.StatusCode, m, string(body)
}

func list(m map[string]any, key string) []map[string]any {
	raw, _ := m[key].([]any)
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i], _ = r.(map[string]any)
	}
	return out
}

func slugs(items []map[string]any) string {
	var s []string
	for _, it := range items {
		s = append(s, fmt.Sprint(it["slug"]))
	}
	return strings.Join(s, ",")
}

func forEngines(t *testing.T, fn func(t *testing.T, gs *ghostSite)) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { fn(t, startGhostSite(t, engine)) })
	}
}

var (
	ghostID   = regexp.MustCompile(`^[0-9a-f]{24}$`)
	ghostDate = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$`)
	uuidRe    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

func TestGhostAPIShapes(t *testing.T) {
	forEngines(t, func(t *testing.T, gs *ghostSite) {
		code, m, body := gs.api(t, "posts/", url.Values{"include": {"tags,authors"}})
		if code != 200 {
			t.Fatalf("posts: %d %s", code, body)
		}
		posts := list(m, "posts")
		if slugs(posts) != "theatre,election,tender" {
			t.Fatalf("posts %s, want newest first", slugs(posts))
		}
		p := posts[1]
		for _, f := range []string{"id", "uuid", "slug", "title", "html", "excerpt", "custom_excerpt", "feature_image",
			"feature_image_alt", "feature_image_caption", "featured", "visibility", "created_at", "updated_at", "published_at",
			"url", "reading_time", "primary_tag", "primary_author", "tags", "authors", "og_image", "twitter_title"} {
			if _, ok := p[f]; !ok {
				t.Errorf("post has no %q: %v", f, p)
			}
		}
		if _, ok := p["plaintext"]; ok {
			t.Error("plaintext sent without formats=plaintext")
		}
		if !ghostID.MatchString(fmt.Sprint(p["id"])) || !uuidRe.MatchString(fmt.Sprint(p["uuid"])) {
			t.Errorf("id %v uuid %v, want 24 hex digits and a UUID", p["id"], p["uuid"])
		}
		if p["id"] != fmt.Sprintf("01%022x", gs.posts["election"].ID) {
			t.Errorf("id %v, want the local id, zero-padded after the post marker", p["id"])
		}
		if p["published_at"] != "2024-02-10T09:00:00.000+00:00" || !ghostDate.MatchString(fmt.Sprint(p["updated_at"])) {
			t.Errorf("dates %v %v, want Ghost's ISO 8601 with offset", p["published_at"], p["updated_at"])
		}
		if p["url"] != gs.base+"/2024/02/10/election" || p["visibility"] != "public" || p["custom_excerpt"] != "Dek of election" ||
			!strings.Contains(fmt.Sprint(p["html"]), "<strong>election</strong>") || p["reading_time"] != float64(1) {
			t.Errorf("post fields: %v", p)
		}
		pa, _ := p["primary_author"].(map[string]any)
		pt, _ := p["primary_tag"].(map[string]any)
		if pa["slug"] != "boris" || pt["slug"] != "news" || len(p["authors"].([]any)) != 2 || pt["url"] != gs.base+"/tag/news/" {
			t.Errorf("primary_author %v primary_tag %v authors %v", pa, pt, p["authors"])
		}
		if posts[0]["featured"] != true || p["featured"] != false {
			t.Errorf("featured: %v %v, want the home front's lead only", posts[0]["featured"], p["featured"])
		}
		meta := m["meta"].(map[string]any)["pagination"].(map[string]any)
		if fmt.Sprint(meta) != "map[limit:15 next:<nil> page:1 pages:1 prev:<nil> total:3]" {
			t.Errorf("pagination %v", meta)
		}

		// Read by slug and by id: one object, no meta.
		code, m, _ = gs.api(t, "posts/slug/tender/", nil)
		if code != 200 || len(list(m, "posts")) != 1 || m["meta"] != nil {
			t.Errorf("read by slug: %d %v", code, m)
		}
		id := list(m, "posts")[0]["id"].(string)
		if code, m, _ = gs.api(t, "posts/"+id+"/", nil); code != 200 || list(m, "posts")[0]["slug"] != "tender" {
			t.Errorf("read by id: %d %v", code, m)
		}

		code, m, _ = gs.api(t, "pages/", nil)
		pg := list(m, "pages")
		if code != 200 || len(pg) != 1 || pg[0]["slug"] != "about" || pg[0]["url"] != gs.base+"/about/" ||
			!strings.Contains(fmt.Sprint(pg[0]["html"]), "<em>independent</em>") || !ghostID.MatchString(fmt.Sprint(pg[0]["id"])) {
			t.Errorf("pages: %d %v", code, m)
		}
		if code, m, _ = gs.api(t, "pages/slug/about/", nil); code != 200 || list(m, "pages")[0]["title"] != "About us" {
			t.Errorf("page by slug: %d %v", code, m)
		}

		code, m, _ = gs.api(t, "tags/", url.Values{"include": {"count.posts"}})
		tags := list(m, "tags")
		if code != 200 || slugs(tags) != "courts,culture,elections,news" {
			t.Fatalf("tags: %d %s", code, slugs(tags))
		}
		news := tags[3]
		if news["name"] != "News" || news["visibility"] != "public" || news["url"] != gs.base+"/tag/news/" ||
			fmt.Sprint(news["count"]) != "map[posts:2]" || !ghostID.MatchString(fmt.Sprint(news["id"])) {
			t.Errorf("tag: %v", news)
		}
		for _, f := range []string{"description", "feature_image"} {
			if _, ok := news[f]; !ok {
				t.Errorf("tag has no %q", f)
			}
		}

		code, m, _ = gs.api(t, "authors/", url.Values{"include": {"count.posts"}})
		authors := list(m, "authors")
		if code != 200 || slugs(authors) != "anna,boris" {
			t.Fatalf("authors: %d %s", code, slugs(authors))
		}
		an := authors[0]
		if an["name"] != "Anna Petrova" || an["bio"] != "Courts." || an["url"] != gs.base+"/author/anna/" || fmt.Sprint(an["count"]) != "map[posts:2]" {
			t.Errorf("author: %v", an)
		}
		for _, f := range []string{"profile_image", "website", "location"} {
			if _, ok := an[f]; !ok {
				t.Errorf("author has no %q", f)
			}
		}
		if code, m, _ = gs.api(t, "authors/slug/boris/", nil); code != 200 || list(m, "authors")[0]["name"] != "Boris" {
			t.Errorf("author by slug: %d %v", code, m)
		}

		code, m, _ = gs.api(t, "settings/", nil)
		s, _ := m["settings"].(map[string]any)
		nav, _ := s["navigation"].([]any)
		if code != 200 || s["title"] == "" || s["lang"] != "en" || s["url"] != gs.base+"/" || len(nav) != 1 ||
			fmt.Sprint(nav[0]) != "map[label:About us url:"+gs.base+"/about/]" {
			t.Errorf("settings: %d %v", code, m)
		}
		for _, f := range []string{"description", "logo", "icon", "accent_color", "timezone", "secondary_navigation"} {
			if _, ok := s[f]; !ok {
				t.Errorf("settings has no %q", f)
			}
		}
	})
}

func TestGhostAPIParameters(t *testing.T) {
	forEngines(t, func(t *testing.T, gs *ghostSite) {
		for _, c := range []struct {
			name   string
			path   string
			params url.Values
			want   string // slugs in order
			pages  string // the pagination, when checked
		}{
			{"limit and page 1", "posts/", url.Values{"limit": {"2"}}, "theatre,election", "map[limit:2 next:2 page:1 pages:2 prev:<nil> total:3]"},
			{"page 2", "posts/", url.Values{"limit": {"2"}, "page": {"2"}}, "tender", "map[limit:2 next:<nil> page:2 pages:2 prev:1 total:3]"},
			{"limit all", "posts/", url.Values{"limit": {"all"}}, "theatre,election,tender", "map[limit:all next:<nil> page:1 pages:1 prev:<nil> total:3]"},
			{"order title asc", "posts/", url.Values{"order": {"title asc"}}, "theatre,tender,election", ""},
			{"order published_at asc", "posts/", url.Values{"order": {"published_at asc"}}, "tender,election,theatre", ""},
			{"tag", "posts/", url.Values{"filter": {"tag:news"}}, "election,tender", "map[limit:15 next:<nil> page:1 pages:1 prev:<nil> total:2]"},
			{"tags list", "posts/", url.Values{"filter": {"tags:[courts,culture]"}}, "theatre,tender", ""},
			{"author", "posts/", url.Values{"filter": {"author:anna"}}, "election,tender", ""},
			{"authors list", "posts/", url.Values{"filter": {"authors:[boris]"}}, "theatre,election", ""},
			{"primary_tag", "posts/", url.Values{"filter": {"primary_tag:culture"}}, "theatre", ""},
			{"primary_author", "posts/", url.Values{"filter": {"primary_author:anna"}}, "tender", ""},
			{"featured true", "posts/", url.Values{"filter": {"featured:true"}}, "theatre", ""},
			{"featured false", "posts/", url.Values{"filter": {"featured:false"}}, "election,tender", ""},
			{"slug", "posts/", url.Values{"filter": {"slug:tender"}}, "tender", ""},
			{"slug list", "posts/", url.Values{"filter": {"slug:[tender,theatre]"}}, "theatre,tender", ""},
			{"published after", "posts/", url.Values{"filter": {"published_at:>'2024-01-01'"}}, "theatre,election", ""},
			{"published on or after", "posts/", url.Values{"filter": {"published_at:>='2024-05-05 18:30:00'"}}, "theatre", ""},
			{"published before", "posts/", url.Values{"filter": {"published_at:<'2024-01-01'"}}, "tender", ""},
			{"published on or before", "posts/", url.Values{"filter": {"published_at:<='2024-02-10T09:00:00Z'"}}, "election,tender", ""},
			{"and", "posts/", url.Values{"filter": {"tag:news+author:boris"}}, "election", ""},
			{"or", "posts/", url.Values{"filter": {"tag:culture,tag:courts"}}, "theatre,tender", ""},
			{"negation", "posts/", url.Values{"filter": {"tag:-news"}}, "theatre", ""},
			{"negated list", "posts/", url.Values{"filter": {"slug:-[tender,theatre]"}}, "election", ""},
			{"not prefix and parentheses", "posts/", url.Values{"filter": {"-(tag:culture,author:anna)"}}, "", ""},
			{"tags filtered", "tags/", url.Values{"filter": {"slug:[news,culture]"}}, "culture,news", ""},
			{"tags ordered by posts", "tags/", url.Values{"include": {"count.posts"}, "order": {"count.posts desc, name asc"}}, "news,courts,culture,elections", ""},
			{"authors limited", "authors/", url.Values{"limit": {"1"}, "page": {"2"}}, "boris", "map[limit:1 next:<nil> page:2 pages:2 prev:1 total:2]"},
		} {
			t.Run(c.name, func(t *testing.T) {
				code, m, body := gs.api(t, c.path, c.params)
				if code != 200 {
					t.Fatalf("%d %s", code, body)
				}
				key := strings.Trim(c.path, "/")
				if got := slugs(list(m, key)); got != c.want {
					t.Errorf("got %q, want %q", got, c.want)
				}
				if c.pages != "" {
					if got := fmt.Sprint(m["meta"].(map[string]any)["pagination"]); got != c.pages {
						t.Errorf("pagination %s, want %s", got, c.pages)
					}
				}
			})
		}

		// fields keeps only what was asked; formats adds plaintext.
		_, m, _ := gs.api(t, "posts/", url.Values{"fields": {"title,slug"}, "limit": {"1"}})
		if p := list(m, "posts")[0]; len(p) != 2 || p["slug"] != "theatre" {
			t.Errorf("fields=title,slug: %v", p)
		}
		_, m, _ = gs.api(t, "posts/slug/tender/", url.Values{"formats": {"html,plaintext"}})
		if p := list(m, "posts")[0]; !strings.Contains(fmt.Sprint(p["plaintext"]), "tender story") || p["html"] == nil {
			t.Errorf("formats=html,plaintext: %v", p)
		}
		_, m, _ = gs.api(t, "posts/slug/tender/", url.Values{"formats": {"plaintext"}})
		if p := list(m, "posts")[0]; p["html"] != nil {
			t.Errorf("formats=plaintext still sent html")
		}
		// Without include, no tags or authors.
		_, m, _ = gs.api(t, "posts/slug/tender/", nil)
		if p := list(m, "posts")[0]; p["tags"] != nil || p["primary_author"] != nil {
			t.Errorf("tags without include: %v", p)
		}
		// A browser's preflight for the client's Accept-Version header.
		req, _ := http.NewRequest("OPTIONS", gs.base+"/ghost/api/content/posts/", nil)
		req.Header.Set("Origin", "https://front.example")
		req.Header.Set("Access-Control-Request-Method", "GET")
		req.Header.Set("Access-Control-Request-Headers", "accept-version")
		if resp, err := http.DefaultClient.Do(req); err != nil {
			t.Fatal(err)
		} else if resp.Body.Close(); resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
			!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Accept-Version") {
			t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
		}
		// The API's root is the API's 404, in JSON.
		if code, _, body := gs.api(t, "", nil); code != 404 || errorOf(t, body)["type"] != "NotFoundError" {
			t.Errorf("the root: %d %s", code, body)
		}
		// No trailing slash: redirected, as Ghost does, with the query.
		resp, _ := get(t, gs.base+"/ghost/api/content/posts?key="+gs.key, nil)
		if resp.StatusCode != 301 || resp.Header.Get("Location") != "/ghost/api/content/posts/?key="+gs.key {
			t.Errorf("no slash: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

func errorOf(t *testing.T, body string) map[string]any {
	t.Helper()
	var m struct{ Errors []map[string]any }
	if err := json.Unmarshal([]byte(body), &m); err != nil || len(m.Errors) != 1 {
		t.Fatalf("error body %s: %v", body, err)
	}
	e := m.Errors[0]
	for _, f := range []string{"message", "context", "type", "details", "property", "help", "code", "id", "ghostErrorCode"} {
		if _, ok := e[f]; !ok {
			t.Errorf("error has no %q: %s", f, body)
		}
	}
	return e
}

func TestGhostAPIErrors(t *testing.T) {
	forEngines(t, func(t *testing.T, gs *ghostSite) {
		for _, c := range []struct {
			name    string
			path    string
			params  url.Values
			code    int
			typ     string
			message string
		}{
			{"missing key", "posts/", url.Values{"key": {""}}, 403, "NoPermissionError", "Authorization failed"},
			{"unknown key", "posts/", url.Values{"key": {strings.Repeat("ab", 13)}}, 401, "UnauthorizedError", "Unknown Content API Key"},
			{"short key", "posts/", url.Values{"key": {"abc"}}, 401, "UnauthorizedError", "Unknown Content API Key"},
			{"missing slug", "posts/slug/nope/", nil, 404, "NotFoundError", "Resource not found error, cannot read post."},
			{"missing id", "posts/0123456789abcdef01234567/", nil, 404, "NotFoundError", "Resource not found error, cannot read post."},
			{"missing tag", "tags/slug/nope/", nil, 404, "NotFoundError", "Resource not found error, cannot read tag."},
			{"unknown resource", "members/", nil, 404, "NotFoundError", ""},
			{"bad filter", "posts/", url.Values{"filter": {"tag:"}}, 400, "BadRequestError", "Error parsing filter"},
			{"unknown filter field", "posts/", url.Values{"filter": {"colour:red"}}, 400, "BadRequestError", "Error parsing filter"},
			{"unclosed list", "posts/", url.Values{"filter": {"tags:[a,b"}}, 400, "BadRequestError", "Error parsing filter"},
			{"bad date", "posts/", url.Values{"filter": {"published_at:>soon"}}, 400, "BadRequestError", "Error parsing filter"},
			{"bad limit", "posts/", url.Values{"limit": {"-1"}}, 400, "BadRequestError", ""},
			{"bad order", "posts/", url.Values{"order": {"colour asc"}}, 400, "BadRequestError", "Invalid order"},
		} {
			t.Run(c.name, func(t *testing.T) {
				code, _, body := gs.api(t, c.path, c.params)
				if code != c.code {
					t.Fatalf("%d %s, want %d", code, body, c.code)
				}
				e := errorOf(t, body)
				if e["type"] != c.typ || !strings.HasPrefix(fmt.Sprint(e["message"]), c.message) {
					t.Errorf("error %v, want %s %q", e, c.typ, c.message)
				}
			})
		}
		// The parser says where and what.
		_, _, body := gs.api(t, "posts/", url.Values{"filter": {"tag:news+colour:red"}})
		if e := errorOf(t, body); !strings.Contains(fmt.Sprint(e["context"]), `character 10: unknown field "colour"`) {
			t.Errorf("bad filter context %v", e["context"])
		}
	})
}

// TestGhostAPICacheAndRevoke: the second identical request is answered
// from the cache (on the fast path), a change drops it, and a revoked key
// is refused at once even for cached answers.
func TestGhostAPICacheAndRevoke(t *testing.T) {
	forEngines(t, func(t *testing.T, gs *ghostSite) {
		q := url.Values{"limit": {"15"}, "include": {"tags,authors"}}
		_, _, first := gs.api(t, "posts/", q)
		_, _, again := gs.api(t, "posts/", q)
		if first != again {
			t.Error("the cached answer differs from the first")
		}
		if _, hit := gs.srv.GhostAPI.Cached("/ghost/api/content/posts/", q.Encode()+"&key="+gs.key); !hit {
			t.Error("the answer was not cached")
		}
		// The fast path's answer carries the full path's headers.
		u := gs.base + "/ghost/api/content/posts/?" + q.Encode() + "&key=" + gs.key + "&order=title+asc"
		full, _ := get(t, u, nil)
		fast, _ := get(t, u, nil)
		for _, h := range []string{"Content-Type", "Access-Control-Allow-Origin", "Cache-Control", "Vary", "Content-Security-Policy",
			"X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Permissions-Policy"} {
			if full.Header.Get(h) == "" || full.Header.Get(h) != fast.Header.Get(h) {
				t.Errorf("%s: full path %q, cached %q", h, full.Header.Get(h), fast.Header.Get(h))
			}
		}
		// A client that takes gzip gets the cached answer compressed.
		resp, gz := get(t, gs.base+"/ghost/api/content/posts/?"+q.Encode()+"&key="+gs.key, map[string]string{"Accept-Encoding": "gzip"})
		if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("cached, gzip: %v", resp.Header)
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		if plain, err := io.ReadAll(zr); err != nil || string(plain) != first {
			t.Errorf("the gzip answer is not the answer: %v", err)
		}
		// Another site's name gets no answer, cached or not.
		req, _ := http.NewRequest("GET", gs.base+"/ghost/api/content/posts/?"+q.Encode()+"&key="+gs.key, nil)
		req.Host = "evil.example"
		if resp, err := http.DefaultClient.Do(req); err != nil {
			t.Fatal(err)
		} else if resp.Body.Close(); resp.StatusCode == http.StatusOK {
			t.Error("an unknown Host got the cached answer")
		}
		a := gs.posts["tender"]
		a.Headline = "Bridge tender annulled again"
		if err := gs.srv.Content.Update(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		gs.waitFeed(t)
		_, m, _ := gs.api(t, "posts/slug/tender/", nil)
		if got := list(m, "posts")[0]["title"]; got != "Bridge tender annulled again" {
			t.Errorf("after an edit the title is %v", got)
		}
		if _, err := gs.srv.Store.RevokeAPIKey(context.Background(), "Front-end"); err != nil {
			t.Fatal(err)
		}
		gs.waitFeed(t)
		code, _, body := gs.api(t, "posts/", q)
		if code != 401 || errorOf(t, body)["message"] != "Unknown Content API Key" {
			t.Errorf("revoked key: %d %s", code, body)
		}
		// Nothing the server logged names a key.
		if logs := gs.log.String(); strings.Contains(logs, gs.key) || strings.Contains(logs, "key=") {
			t.Errorf("a key reached the logs:\n%s", logs)
		}
	})
}

// TestGhostAPIImportedIDs: what came from Ghost keeps Ghost's ids, so a
// front-end's stored links and caches still name the same posts.
func TestGhostAPIImportedIDs(t *testing.T) {
	forEngines(t, func(t *testing.T, gs *ghostSite) {
		ctx := context.Background()
		anna, err := gs.srv.Store.AuthorBySlug(ctx, "anna")
		if err != nil {
			t.Fatal(err)
		}
		news, err := gs.srv.Store.SectionBySlug(ctx, "news")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []store.ImportRef{
			{Source: "ghost", Kind: "post", SourceID: "5f1a2b3c4d5e6f7a8b9c0d1e", LocalID: gs.posts["tender"].ID},
			{Source: "ghost", Kind: "author", SourceID: "5f00000000000000000000aa", LocalID: anna.ID},
			{Source: "ghost", Kind: "section", SourceID: "5f00000000000000000000bb", LocalID: news.ID},
			{Source: "wordpress", Kind: "post", SourceID: "123", LocalID: gs.posts["election"].ID},
		} {
			if err := gs.srv.Store.PutImportRef(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		code, m, body := gs.api(t, "posts/5f1a2b3c4d5e6f7a8b9c0d1e/", url.Values{"include": {"authors,tags"}})
		if code != 200 {
			t.Fatalf("read by the Ghost id: %d %s", code, body)
		}
		p := list(m, "posts")[0]
		if p["slug"] != "tender" || p["id"] != "5f1a2b3c4d5e6f7a8b9c0d1e" {
			t.Errorf("post %v %v", p["slug"], p["id"])
		}
		if pa := p["primary_author"].(map[string]any); pa["id"] != "5f00000000000000000000aa" {
			t.Errorf("author id %v, want Ghost's", pa["id"])
		}
		if pt := p["primary_tag"].(map[string]any); pt["id"] != "5f00000000000000000000bb" {
			t.Errorf("tag id %v, want the Ghost tag's that became the section", pt["id"])
		}
		_, m, _ = gs.api(t, "posts/slug/election/", nil)
		if id := list(m, "posts")[0]["id"]; id != fmt.Sprintf("01%022x", gs.posts["election"].ID) {
			t.Errorf("a WordPress post's id %v, want the local one", id)
		}
		if code, _, _ := gs.api(t, fmt.Sprintf("posts/01%022x/", gs.posts["tender"].ID), nil); code != 404 {
			t.Errorf("the local id of an imported post: %d, want 404 (it has Ghost's)", code)
		}
		if code, m, _ = gs.api(t, "authors/5f00000000000000000000aa/", nil); code != 200 || list(m, "authors")[0]["slug"] != "anna" {
			t.Errorf("author by Ghost id: %d %v", code, m)
		}
		if code, m, _ = gs.api(t, "posts/", url.Values{"filter": {"id:5f1a2b3c4d5e6f7a8b9c0d1e"}}); code != 200 || slugs(list(m, "posts")) != "tender" {
			t.Errorf("filter id: %d %v", code, m)
		}
	})
}

// TestGhostAPIAuthorProfileAndTagDescription: an author's photo, biography
// and first web link are Ghost's profile_image, bio and website; a tag's
// description is its description, the change reaching the API through the
// feed.
func TestGhostAPIAuthorProfileAndTagDescription(t *testing.T) {
	forEngines(t, func(t *testing.T, gs *ghostSite) {
		ctx := context.Background()
		st := gs.srv.Store
		photo := content.Image{Key: "anna-1a2b3c4d", Width: 1200, Height: 1200, Widths: []int{480, 1200}}
		if err := st.SaveMediaImage(ctx, photo, "anna.jpg", 0); err != nil {
			t.Fatal(err)
		}
		anna, err := st.AuthorBySlug(ctx, "anna")
		if err != nil {
			t.Fatal(err)
		}
		anna.Bio, anna.PhotoKey, anna.Links = "Courts and prisons.", photo.Key, "mailto:anna@example.org\nhttps://anna.example/\nhttps://social.example/@anna"
		if err := st.UpdateAuthorProfile(ctx, anna); err != nil {
			t.Fatal(err)
		}
		courts, err := st.TagBySlug(ctx, "courts")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetTagDescription(ctx, courts.ID, "Trials and appeals."); err != nil {
			t.Fatal(err)
		}
		gs.waitFeed(t)

		code, m, body := gs.api(t, "authors/slug/anna/", nil)
		if code != 200 {
			t.Fatalf("author: %d %s", code, body)
		}
		an := list(m, "authors")[0]
		if an["profile_image"] != gs.base+"/media/"+photo.Key+"/1200.jpg" || an["bio"] != "Courts and prisons." || an["website"] != "https://anna.example/" {
			t.Errorf("author profile: %v", an)
		}
		if code, m, _ = gs.api(t, "authors/slug/boris/", nil); code != 200 || list(m, "authors")[0]["profile_image"] != nil || list(m, "authors")[0]["website"] != nil {
			t.Errorf("an author without a photo or links: %d %v", code, m)
		}
		if code, m, _ = gs.api(t, "tags/slug/courts/", nil); code != 200 || list(m, "tags")[0]["description"] != "Trials and appeals." {
			t.Errorf("tag description: %d %v", code, m)
		}
		if code, m, _ = gs.api(t, "tags/slug/elections/", nil); code != 200 || list(m, "tags")[0]["description"] != nil {
			t.Errorf("a tag without a description: %d %v", code, m)
		}
	})
}
