// Package admin is the newsroom's web UI: sign-in, sessions, roles, the
// article editor, photos, users and settings. It is server-rendered and works
// with JavaScript off; every state-changing request is CSRF-checked.
package admin

import (
	"cmp"
	"context"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/view"
)

// Config is what New needs.
type Config struct {
	Store    *store.Store
	Content  *content.Service
	Images   Images
	Web      fs.FS
	Log      *slog.Logger
	BaseURL  string // https:// makes cookies Secure
	SiteName string
	AssetURL func(name string) string // fingerprinted URL of a static file
	Now      func() time.Time
	// OnSettings is called after site settings change (the site reloads them).
	OnSettings func(ctx context.Context)
	// Revenue enables the funding goal, campaign and prompt pages; nil: off.
	Revenue *RevenueConfig
	// ClientIP finds the address the per-address sign-in limit counts
	// (behind --trusted-proxy, the client's rather than the proxy's).
	ClientIP httpx.ClientIP
	// HashConcurrency bounds the password hashes computed at once, on every
	// request path; each holds 64 MiB while it runs. Zero means 2.
	HashConcurrency int
	// HashWait is how long a request waits for a hashing slot before it is
	// answered 429 Too Many Requests. Zero means 2 seconds.
	HashWait time.Duration
}

// Admin serves /admin/.
type Admin struct {
	db         *store.Store
	content    *content.Service
	images     Images
	log        *slog.Logger
	views      *view.Set
	adapter    *httpx.Adapter
	secure     bool
	siteName   string
	now        func() time.Time
	onSettings func(ctx context.Context)
	assetURL   func(name string) string
	uploads    chan struct{} // photos being decoded
	rev        *revenueAdmin // nil without Config.Revenue
	// newsletters sends articles as newsletters; see SetNewsletters.
	newsletters *newsletterAdmin
	clientIP    httpx.ClientIP
	hashes      *hashGate // every password hash and check goes through it
}

// New parses the admin templates.
func New(cfg Config) (*Admin, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &Admin{
		db: cfg.Store, content: cfg.Content, images: cfg.Images, log: cfg.Log,
		secure: len(cfg.BaseURL) > 8 && cfg.BaseURL[:8] == "https://", siteName: cfg.SiteName,
		now: cfg.Now, onSettings: cfg.OnSettings, assetURL: cfg.AssetURL, uploads: make(chan struct{}, 2),
		clientIP: cfg.ClientIP, hashes: newHashGate(cfg.HashConcurrency, cfg.HashWait),
	}
	v, err := view.Parse(cfg.Web, a.funcs(), "admin.html",
		[]string{"templates/admin/admin.html", "templates/admin/partials/*.html"}, "templates/admin/pages/*.html")
	if err != nil {
		return nil, err
	}
	a.views = v
	if cfg.Revenue != nil {
		if a.rev, err = newRevenueAdmin(cfg); err != nil {
			return nil, err
		}
	}
	a.adapter = &httpx.Adapter{Log: cfg.Log, Page: a.errorPage}
	return a, nil
}

// SetClock replaces the admin's clock (sessions, sign-in waits); tests use
// it to control time. Call it before serving.
func (a *Admin) SetClock(now func() time.Time) { a.now = now }

// Route is one admin URL and the permission it needs. The table returned by
// Routes is the whole access policy of the admin, together with
// account.Role.Can and the per-article ownership check in canEdit.
type Route struct {
	Pattern string // as for http.ServeMux
	Perm    account.Permission
	Public  bool  // reachable signed out (sign-in, invitations)
	MaxBody int64 // request body limit; 0 means defaultMaxBody
	handler httpx.HandlerFunc
}

// Routes lists every admin route: each area of the admin lists its own.
func (a *Admin) Routes() []Route {
	var all []Route
	for _, area := range [][]Route{a.authRoutes(), a.articleRoutes(), a.taxonomyRoutes(), a.settingsRoutes(),
		a.revenueRoutes(), a.paymentsRoutes(), a.newsletterRoutes()} {
		all = append(all, area...)
	}
	return all
}

// Register adds the admin routes to mux, each behind its permission check.
func (a *Admin) Register(mux *http.ServeMux) {
	cop := http.NewCrossOriginProtection()
	for _, rt := range a.Routes() {
		h := rt.handler
		if !rt.Public {
			h = a.require(rt.Perm, h)
		} else {
			h = a.optionalSession(h)
		}
		h = limitBody(cmp.Or(rt.MaxBody, defaultMaxBody), h)
		mux.Handle(rt.Pattern, cop.Handler(noStore(a.adapter.Handle(h))))
	}
}

// defaultMaxBody bounds every admin form but the article editor's, which
// carries photos.
const defaultMaxBody = 1 << 20

// limitBody bounds the request body before anything reads it: the CSRF
// check parses the form, so the limit must come first.
func limitBody(n int64, next httpx.HandlerFunc) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, n)
		}
		return next(w, r)
	}
}

// noStore keeps admin pages out of every cache.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func (a *Admin) funcs() template.FuncMap {
	return template.FuncMap{
		"date":     func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
		"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"can":      func(u *account.User, p string) bool { return u != nil && u.Role.Can(account.Permission(p)) },
		"roles":    func() []account.Role { return account.Roles },
		"statuses": func() []content.Status { return content.Statuses },
		"asset":    func(name string) string { return a.assetURL(name) },
		"money":    money,
	}
}

// page is the data every admin page shares.
type page struct {
	Title    string
	SiteName string
	User     *account.User
	CSRF     string
	Flash    string
	Errors   map[string]string
}

func (a *Admin) newPage(r *http.Request, title string) page {
	p := page{Title: title, SiteName: a.siteName, Errors: map[string]string{}}
	// Read each time: an admin may rename the site in the settings.
	if name, err := a.db.Setting(r.Context(), "site.name", a.siteName); err == nil {
		p.SiteName = name
	}
	if s := sessionFrom(r.Context()); s != nil {
		p.User = &s.user
		p.CSRF = s.session.CSRFToken
	}
	if c, err := r.Cookie(preCSRFCookie); err == nil && p.CSRF == "" {
		p.CSRF = c.Value
	}
	p.Flash = r.URL.Query().Get("done")
	return p
}

// render writes an admin page with status.
func (a *Admin) render(w http.ResponseWriter, status int, name string, data any) error {
	b, err := a.views.Render(name, data)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

func (a *Admin) errorPage(w http.ResponseWriter, r *http.Request, status int, message string) {
	p := a.newPage(r, http.StatusText(status))
	data := struct {
		page
		Status  int
		Message string
	}{p, status, message}
	if err := a.render(w, status, "error", data); err != nil {
		a.log.Error("render admin error page", "err", err)
		http.Error(w, message, status)
	}
}

func (a *Admin) dashboard(w http.ResponseWriter, r *http.Request) error {
	return a.render(w, http.StatusOK, "dashboard", a.newPage(r, "Newsroom"))
}
