// Package admin is the newsroom's web UI: sign-in, sessions, roles, the
// article editor, photos, users and settings. It is server-rendered and works
// with JavaScript off; every state-changing request is CSRF-checked.
package admin

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/mail"
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
	// Preview renders an article, saved or not, through the public site's
	// article template; nil: previews show the body in the admin's style.
	Preview ArticlePreviewer
	// Catalog holds the admin's words in every language; nil: the admin
	// builds its own (the catalogs are complete, so its fallback language
	// does not matter).
	Catalog *i18n.Catalog
}

// ArticlePreviewer renders an article as the public site would, for the
// editor's preview.
type ArticlePreviewer interface {
	PreviewArticle(r *http.Request, a *content.Article) ([]byte, error)
}

// Admin serves /admin/.
type Admin struct {
	db         *store.Store
	content    *content.Service
	images     Images
	preview    ArticlePreviewer
	log        *slog.Logger
	views      langViews
	catalog    *i18n.Catalog
	adapter    *httpx.Adapter
	secure     bool
	baseURL    string
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
	// transferReceipt makes the receipt of a bank transfer marked
	// received; see SetTransferReceipts.
	transferReceipt func(store.ReceivedTransfer) (mail.Message, error)
	// shownZone is the newsroom's time zone as last read, by newPage,
	// for the templates' dates: every page reads it before it renders.
	shownZone atomic.Pointer[time.Location]
}

// New parses the admin templates.
func New(cfg Config) (*Admin, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &Admin{
		db: cfg.Store, content: cfg.Content, images: cfg.Images, preview: cfg.Preview, log: cfg.Log,
		secure: len(cfg.BaseURL) > 8 && cfg.BaseURL[:8] == "https://", baseURL: cfg.BaseURL, siteName: cfg.SiteName,
		now: cfg.Now, onSettings: cfg.OnSettings, assetURL: cfg.AssetURL, uploads: make(chan struct{}, 2),
		clientIP: cfg.ClientIP, hashes: newHashGate(cfg.HashConcurrency, cfg.HashWait), catalog: cfg.Catalog,
	}
	if a.catalog == nil {
		a.catalog = i18n.New(i18n.Languages[0])
	}
	v, err := a.parseViews(cfg.Web, "templates/admin/pages/*.html", nil)
	if err != nil {
		return nil, err
	}
	a.views = v
	if cfg.Revenue != nil {
		if a.rev, err = newRevenueAdmin(a, cfg); err != nil {
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
	for _, area := range [][]Route{a.authRoutes(), a.accountRoutes(), a.articleRoutes(), a.autosaveRoutes(), a.mediaRoutes(), a.taxonomyRoutes(), a.profileRoutes(), a.settingsRoutes(),
		a.revenueRoutes(), a.paymentsRoutes(), a.newsletterRoutes(), a.pageRoutes(), a.frontsRoutes(), a.apiKeyRoutes()} {
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

// langViews are the same pages parsed once per language, each with the
// template functions that speak it, as the reader site does: a partial then
// needs no locale in its data.
type langViews map[string]*view.Set

// parseViews parses the admin layout, its partials and the pages matched by
// pages in every language; extra adds functions a group of pages needs.
func (a *Admin) parseViews(web fs.FS, pages string, extra template.FuncMap) (langViews, error) {
	lv := langViews{}
	for _, lang := range i18n.Languages {
		funcs := a.funcs(lang)
		for k, f := range extra {
			funcs[k] = f
		}
		v, err := view.Parse(web, funcs, "admin.html",
			[]string{"templates/admin/admin.html", "templates/admin/partials/*.html"}, pages)
		if err != nil {
			return nil, fmt.Errorf("admin pages in %s: %w", lang, err)
		}
		lv[lang] = v
	}
	return lv, nil
}

// render renders the page in the language of its data (see page.Lang).
func (lv langViews) render(name string, data any) ([]byte, error) {
	lang := i18n.Languages[0]
	if l, ok := data.(interface{ pageLanguage() string }); ok && lv[l.pageLanguage()] != nil {
		lang = l.pageLanguage()
	}
	return lv[lang].Render(name, data)
}

func (a *Admin) funcs(lang string) template.FuncMap {
	loc := a.catalog.Locale(lang)
	return template.FuncMap{
		"t":          loc.T,
		"date":       func(t time.Time) string { return loc.DateTimeIn(t, a.shownZone.Load()) },
		"month":      loc.MonthYear,
		"monthshort": loc.MonthShort,
		"status":     func(s content.Status) string { return loc.T("status." + string(s)) },
		"role":       func(r account.Role) string { return loc.T("role." + string(r)) },
		"langname":   func(l string) string { return a.catalog.Locale(l).Name() },
		"iso":        func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"can":        func(u *account.User, p string) bool { return u != nil && u.Role.Can(account.Permission(p)) },
		"roles":      func() []account.Role { return account.Roles },
		"statuses":   func() []content.Status { return content.Statuses },
		"asset":      func(name string) string { return a.assetURL(name) },
		"money":      money,
	}
}

// page is the data every admin page shares.
type page struct {
	Lang     string // of the page: the account's choice, or the site's main language
	Title    string
	SiteName string
	User     *account.User
	CSRF     string
	Flash    string
	Errors   map[string]string
	// Warnings are shown on every page to the staff who can act on them:
	// a payment provider that is not offered because its API fails.
	Warnings []string
}

func (p page) pageLanguage() string { return p.Lang }

// newPage is the data every page shares; title must already be in the
// page's language (a.loc(r).T).
func (a *Admin) newPage(r *http.Request, title string) page {
	loc := a.loc(r)
	p := page{Lang: loc.Lang(), Title: title, SiteName: a.siteName, Errors: map[string]string{}}
	// Read each time: an admin may rename the site in the settings.
	if name, err := a.db.Setting(r.Context(), "site.name", a.siteName); err == nil {
		p.SiteName = name
	}
	a.shownZone.Store(a.zone(r.Context()))
	if s := sessionFrom(r.Context()); s != nil {
		p.User = &s.user
		p.CSRF = s.session.CSRFToken
	}
	if c, err := r.Cookie(preCSRFCookie); err == nil && p.CSRF == "" {
		p.CSRF = c.Value
	}
	// A redirect names what was done by a catalog key; anything else in
	// the URL was made for this request and is shown as it is.
	p.Flash = fixedMessage(loc, r.URL.Query().Get("done"))
	if p.User != nil && p.User.Role.Can(account.ManageRevenue) {
		if ps, err := a.db.ProviderStatuses(r.Context()); err == nil {
			for _, s := range ps {
				if !s.Healthy {
					p.Warnings = append(p.Warnings, loc.T("Payments by %s are not offered to readers: %s", s.Provider, s.Problem))
				}
			}
		}
	}
	return p
}

// mainLang is the site's main language, the admin's when an account has
// chosen none and before sign-in.
func (a *Admin) mainLang(ctx context.Context) string {
	lang, err := a.db.Setting(ctx, settingLang, i18n.Languages[0])
	if err != nil || !i18n.Supported(lang) {
		return i18n.Languages[0]
	}
	return lang
}

type locKey struct{}

// withLocale remembers the request's language once its account is known,
// so that pages, messages and errors agree without reading it again.
func (a *Admin) withLocale(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), locKey{}, a.localeOf(r)))
}

// localeOf is the language of the signed-in account, or the site's.
func (a *Admin) localeOf(r *http.Request) *i18n.Locale {
	if s := sessionFrom(r.Context()); s != nil && i18n.Supported(s.user.Lang) {
		return a.catalog.Locale(s.user.Lang)
	}
	return a.catalog.Locale(a.mainLang(r.Context()))
}

// loc is the request's language.
func (a *Admin) loc(r *http.Request) *i18n.Locale {
	if l, ok := r.Context().Value(locKey{}).(*i18n.Locale); ok {
		return l
	}
	return a.localeOf(r)
}

// render writes an admin page with status.
func (a *Admin) render(w http.ResponseWriter, status int, name string, data any) error {
	b, err := a.views.render(name, data)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

func (a *Admin) errorPage(w http.ResponseWriter, r *http.Request, status int, message string) {
	// The adapter hands over the request as it arrived, before the session
	// was loaded: find the account's language again, so that a Russian
	// editor's 404 is in Russian. The session stays out of the page data,
	// as it always has for error pages.
	if sessionFrom(r.Context()) == nil {
		if s, err := a.loadSession(r); err == nil && s != nil && i18n.Supported(s.user.Lang) {
			r = r.WithContext(context.WithValue(r.Context(), locKey{}, a.catalog.Locale(s.user.Lang)))
		}
	}
	loc := a.loc(r)
	// Messages from the catalog are shown in the page's language; the rest
	// were made for this request and are already in it.
	message = fixedMessage(loc, message)
	p := a.newPage(r, errorTitle(loc, status))
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

// fixedMessage is msg in loc's language when it is a catalog message that
// takes no arguments (one that does could only come out garbled), and msg
// itself otherwise.
func fixedMessage(loc *i18n.Locale, msg string) string {
	if loc.Known(msg) && !strings.Contains(msg, "%") {
		return loc.T(msg)
	}
	return msg
}

// errorTitle is an error page's title.
func errorTitle(loc *i18n.Locale, status int) string {
	switch status {
	case http.StatusNotFound:
		return loc.T("Not found")
	case http.StatusForbidden:
		return loc.T("Not allowed")
	}
	return loc.T("Error %d", status)
}
