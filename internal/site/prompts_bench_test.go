package site

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/secret"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/web"
)

// benchPromptSite is a site with one article, and prompts when withPrompts:
// a top banner capped once a day and an end-of-article appeal, as in the demo.
func benchPromptSite(b *testing.B, withPrompts bool) (*Site, string, *secret.Keys) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	svc := content.NewService(st, content.NewRenderer())
	sec := content.Section{Slug: "news", Name: "News"}
	if err := st.CreateSection(ctx, &sec); err != nil {
		b.Fatal(err)
	}
	a := &content.Article{Headline: "Bridge tender annulled", Dek: "The ministry did not comment.",
		Body: string(bytes.Repeat([]byte("The tender was annulled after an inquiry into the bids.\n\n"), 30)),
		Lang: "en", Status: content.StatusPublished, Section: sec, PublishedAt: time.Now().Add(-time.Hour)}
	if err := svc.Create(ctx, a); err != nil {
		b.Fatal(err)
	}
	s, err := New(Config{Settings: Settings{Name: "Bench", Lang: "en", BaseURL: "http://127.0.0.1"}, Reader: st, Web: web.FS,
		Log: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(), CacheBytes: 8 << 20})
	if err != nil {
		b.Fatal(err)
	}
	keys, _ := secret.NewKeys(bytes.Repeat([]byte{3}, secret.KeySize))
	if withPrompts {
		c := revenue.Campaign{Name: "Winter", Starts: time.Now().AddDate(0, -1, 0)}
		if err := st.SaveCampaign(ctx, &c); err != nil {
			b.Fatal(err)
		}
		for _, p := range []*revenue.Prompt{
			{CampaignID: c.ID, Name: "Banner", Placement: revenue.TopBanner, Amounts: []int64{5}, Frequency: revenue.Monthly,
				Audience: revenue.NonSupporters, Cap: revenue.OnceADay,
				Variants: []revenue.Variant{{Slot: 0, Title: "Enjoying ad-free journalism?", BodyHTML: "<p>Running without ads costs us 10,000 a month.</p>", Button: "Support us", Snooze: "Remind me later", Weight: 1}}},
			{CampaignID: c.ID, Name: "Appeal", Placement: revenue.EndOfArticle, Amounts: []int64{2, 5, 10}, Frequency: revenue.Monthly,
				Audience: revenue.NonSupporters, Cap: revenue.EveryPage,
				Variants: []revenue.Variant{{Slot: 0, Title: "Help us fill the gap", BodyHTML: "<p>Support us monthly from just 2.</p>", Button: "Support us monthly from 2", Snooze: "Not ready to support today? Remind me later", Weight: 1}}},
		} {
			if err := st.SavePrompt(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
		cat := revenue.NewCatalog(st)
		if _, err := cat.Reload(ctx, time.Now()); err != nil {
			b.Fatal(err)
		}
		if err := s.EnablePrompts(PromptsConfig{Catalog: cat, State: revenue.NewStateCodec(keys), Marks: revenue.NewSupporterMarks(keys),
			Counters: revenue.NewCounters()}, web.FS); err != nil {
			b.Fatal(err)
		}
	}
	return s, a.Path(), keys
}

// BenchmarkFastPathArticle is the cost of serving a cached article from
// the fast path, without prompts and with them, for a first-time reader
// (no cookie: the page shows both prompts and sets the state cookie) and a
// returning reader (a state cookie to verify and renew).
func BenchmarkFastPathArticle(b *testing.B) {
	for _, tc := range []struct {
		name    string
		prompts bool
		cookie  bool
		accept  string // Accept-Encoding
	}{
		{"no-prompts", false, false, "gzip"},
		{"no-prompts-br", false, false, "gzip, deflate, br, zstd"},
		{"no-prompts-zstd", false, false, "zstd, gzip"},
		{"prompts-new-reader", true, false, "gzip"},
		{"prompts-returning-reader", true, true, "gzip"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, path, _ := benchPromptSite(b, tc.prompts)
			mux := http.NewServeMux()
			s.Routes(mux)
			// Fill the cache through the full path, and keep the cookie.
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			var cookie string
			if tc.cookie {
				for _, c := range rec.Result().Cookies() {
					cookie = c.Value
				}
				// The returning reader's variant (banner capped) is cached too.
				req := httptest.NewRequest("GET", path, nil)
				req.AddCookie(&http.Cookie{Name: revenue.PromptCookie, Value: cookie})
				mux.ServeHTTP(httptest.NewRecorder(), req)
			}
			fp := s.FastPath()
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var ctx fasthttp.RequestCtx
				for pb.Next() {
					ctx.Request.Reset()
					ctx.Response.Reset()
					ctx.Request.Header.SetMethod("GET")
					ctx.Request.SetRequestURI(path)
					ctx.Request.Header.SetHost("127.0.0.1") // the site's own name: others are refused
					ctx.Request.Header.Set("Accept-Encoding", tc.accept)
					if cookie != "" {
						ctx.Request.Header.SetCookie(revenue.PromptCookie, cookie)
					}
					if _, status, ok := fp.Serve(&ctx); !ok || status != 200 {
						b.Fatalf("fast path: ok=%v status=%d", ok, status)
					}
				}
			})
		})
	}
}

func TestPromptCookieAttrsMatch(t *testing.T) {
	if promptCookieMaxAgeText != strconv.Itoa(promptCookieMaxAge) {
		t.Errorf("the fast path's Max-Age %s differs from %d", promptCookieMaxAgeText, promptCookieMaxAge)
	}
}
