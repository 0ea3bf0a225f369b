// Package server is the composition root: config -> store -> services ->
// routes -> http.Server. It is the only package that knows every other one.
package server

import (
	"cmp"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/admin"
	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/demo"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/media"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/secret"
	"github.com/samizdat-press/samizdat/internal/site"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/web"
)

// Server is a running samizdat.
type Server struct {
	cfg     config.Config
	log     *slog.Logger
	Store   *store.Store
	Content *content.Service
	Site    *site.Site
	Media   *media.Dir
	Admin   *admin.Admin
	Keys    *secret.Keys // derives every signing and sealing key
	// Funding lists what counts toward the monthly goal: manual entries
	// here; the payments ledger adds itself.
	Funding []revenue.FundingSource
	// Conversions reports gifts per prompt variant; nil until a ledger exists.
	Conversions revenue.ConversionSource
	Prompts     *revenue.Catalog  // the running donation prompts
	Counters    *revenue.Counters // prompt impressions, clicks, snoozes not yet stored
	meterMu     sync.Mutex        // guards lastMeter: jobs may run on more than one goroutine
	lastMeter   revenue.Meter     // the goal meter as the jobs last saw it
	Support     *site.Support
	handler     http.Handler
	metrics     *httpx.Metrics

	// Mail sends the outbox; nil when no SMTP server is configured.
	Mail        *mail.Worker
	Newsletters *mail.Newsletters // subscriptions, article sends, the daily digest
}

// New opens the database, loads demo content when asked, and builds the
// routes. The caller must Close the Server.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*Server, error) {
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	srv := &Server{cfg: cfg, log: log, Store: st}
	if err := srv.build(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return srv, nil
}

func (srv *Server) build(ctx context.Context) error {
	keys, err := srv.cfg.Keys()
	if err != nil {
		return err
	}
	srv.Keys = keys
	if err := srv.buildMail(); err != nil {
		return err
	}
	md, err := media.NewDir(srv.cfg.Media)
	if err != nil {
		return err
	}
	srv.Media = md
	srv.Content = content.NewService(srv.Store, content.NewRenderer())
	if srv.cfg.Demo {
		loaded, err := demo.Load(ctx, srv.Store, srv.Content, md)
		if err != nil {
			return fmt.Errorf("demo content: %w", err)
		}
		if loaded > 0 {
			srv.log.Info("demo content loaded", "articles", loaded)
		}
	}
	settings, err := srv.settings(ctx)
	if err != nil {
		return err
	}
	hosts, err := srv.hosts()
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	st, err := site.New(site.Config{
		Settings:   settings,
		Reader:     srv.Store,
		Media:      mediaFiles{md},
		Web:        web.FS,
		Log:        srv.log,
		Registry:   reg,
		CacheBytes: srv.cfg.CacheMB << 20,
		Hosts:      hosts,
	})
	if err != nil {
		return err
	}
	srv.Site = st
	if err := srv.buildPrompts(ctx); err != nil {
		return err
	}
	srv.Content.OnChange(func(ctx context.Context, c content.Change) {
		keys := st.Invalidate(c)
		srv.announce(ctx, strings.Join(keys, " "))
	})

	trusted, err := srv.cfg.TrustedProxies()
	if err != nil {
		return err
	}
	adm, err := admin.New(admin.Config{
		Store: srv.Store, Content: srv.Content, Images: md, Web: web.FS, Log: srv.log,
		BaseURL: srv.cfg.BaseURL, SiteName: settings.Name, AssetURL: st.AssetURL,
		ClientIP: httpx.ClientIP{Trusted: trusted},
		OnSettings: func(ctx context.Context) {
			srv.reloadSettings(ctx)
			srv.announce(ctx, announceSettings)
		},
		Revenue: srv.adminRevenue(),
	})
	if err != nil {
		return err
	}
	srv.Admin = adm
	if err := srv.buildNewsletters(); err != nil {
		return err
	}

	mux := http.NewServeMux()
	st.Routes(mux)
	srv.Support = site.NewSupport(st, srv.supportConfig())
	srv.Support.Routes(mux)
	st.NewsletterRoutes(mux, srv.Newsletters)
	adm.Register(mux)
	mux.Handle("GET /healthz", st.Adapter().Handle(srv.healthz))
	if err := srv.reachRoutes(mux); err != nil {
		return err
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv.metrics = httpx.NewMetrics(reg)
	srv.handler = srv.metrics.Wrap(httpx.SecurityHeaders(st.HostCheck(mux)))
	return nil
}

// mediaFiles adapts media.Dir to the site's MediaFiles.
type mediaFiles struct{ d *media.Dir }

func (m mediaFiles) Open(key, name string) (fs.File, error) { return m.d.Open(key, name) }

func (srv *Server) settings(ctx context.Context) (site.Settings, error) {
	s := site.Settings{BaseURL: srv.cfg.BaseURL}
	var err error
	for _, kv := range []struct {
		key, def string
		dst      *string
	}{
		{"site.name", "samizdat", &s.Name},
		{"site.description", "Independent journalism, funded by readers.", &s.Description},
		{"site.lang", "en", &s.Lang},
	} {
		if *kv.dst, err = srv.Store.Setting(ctx, kv.key, kv.def); err != nil {
			return s, err
		}
	}
	logo, err := srv.Store.Setting(ctx, "site.logo", "")
	if err != nil {
		return s, err
	}
	var key string
	if n, _ := fmt.Sscanf(logo, "%s %d %d", &key, &s.Logo.Width, &s.Logo.Height); n == 3 {
		s.Logo.URL = fmt.Sprintf("/media/%s/%d.jpg", key, s.Logo.Width)
	}
	return s, nil
}

// Handler is the whole site, for tests and for Run.
func (srv *Server) Handler() http.Handler { return srv.handler }

func (srv *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	err := srv.Store.Ping(ctx)
	// Pooled connections die with the database and answer only "bad
	// connection"; each failed ping drops one, and a new connection says
	// why (refused, timed out).
	for i := 0; i < 4 && errors.Is(err, driver.ErrBadConn); i++ {
		err = srv.Store.Ping(ctx)
	}
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		// The innermost cause ("connection refused") says why without
		// repeating connection details.
		cause := err
		for u := errors.Unwrap(cause); u != nil; u = errors.Unwrap(cause) {
			cause = u
		}
		fmt.Fprintf(w, "database %s: unavailable: %v\n", srv.Store.Engine(), cause)
		srv.log.Warn("health check failed", "err", err)
		return nil
	}
	fmt.Fprintf(w, "ok\ndatabase %s: ok\n", srv.Store.Engine())
	return nil
}

// Run serves on the configured address until ctx is cancelled, then stops
// accepting connections and lets requests in flight finish.
func (srv *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", srv.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", srv.cfg.Addr, err)
	}
	return srv.Serve(ctx, ln)
}

// Serve is Run on a listener the caller opened. Connections are served by
// fasthttp: cached public pages are answered from memory on its fast path,
// everything else by the net/http handlers through an adaptor.
func (srv *Server) Serve(ctx context.Context, ln net.Listener) error {
	fast := srv.Site.FastPath()
	full := fasthttpadaptor.NewFastHTTPHandler(srv.handler)
	fs := &fasthttp.Server{
		Handler: func(c *fasthttp.RequestCtx) {
			start := time.Now()
			if route, status, ok := fast.Serve(c); ok {
				srv.metrics.Observe(route, status, time.Since(start))
				return
			}
			full(c)
		},
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		ReadBufferSize:        16 << 10, // the longest request head accepted
		MaxRequestBodySize:    32 << 20, // photo uploads
		NoDefaultServerHeader: true,
		CloseOnShutdown:       true,
		Logger:                fastLogger{srv.log},
	}
	errc := make(chan error, 1)
	go func() { errc <- fs.Serve(ln) }()
	jobs, stopJobs := context.WithCancel(ctx)
	jobsDone := make(chan struct{})
	go func() {
		defer close(jobsDone)
		srv.RunJobs(jobs, cmp.Or(srv.cfg.JobsEvery, 5*time.Second))
	}()
	listenDone := make(chan struct{})
	go func() {
		defer close(listenDone)
		srv.Listen(jobs)
	}()
	mailDone := make(chan struct{})
	go func() {
		defer close(mailDone)
		srv.RunMail(jobs)
	}()
	srv.log.Info("serving", "addr", ln.Addr().String(), "base_url", srv.cfg.BaseURL, "db", srv.Store.Engine())
	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
	}
	stopJobs()
	<-jobsDone
	<-listenDone
	<-mailDone
	if serveErr != nil {
		srv.flushPromptCounts(context.Background())
		return fmt.Errorf("serve: %w", serveErr)
	}
	srv.log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := fs.ShutdownWithContext(shutdownCtx)
	// After the last request: the impressions counted in memory are stored.
	srv.flushPromptCounts(shutdownCtx)
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return <-errc
}

// fastLogger sends fasthttp's messages to slog.
type fastLogger struct{ log *slog.Logger }

func (l fastLogger) Printf(format string, args ...any) { l.log.Warn(fmt.Sprintf(format, args...)) }

// Close releases the database.
func (srv *Server) Close() error { return srv.Store.Close() }

// RunJobs runs the background work every interval until ctx ends:
// scheduled articles go live, and expired sessions are removed.
func (srv *Server) RunJobs(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := srv.Content.PublishDue(ctx); err != nil && ctx.Err() == nil {
			srv.log.Error("publish scheduled articles", "err", err)
		} else if n > 0 {
			srv.log.Info("published scheduled articles", "count", n)
		}
		if err := srv.Store.DeleteExpiredSessions(ctx, time.Now(), account.SessionIdle); err != nil && ctx.Err() == nil {
			srv.log.Error("delete expired sessions", "err", err)
		}
		srv.promptJobs(ctx)
		srv.expirePledges(ctx)
		srv.dailyDigest(ctx, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// announceSettings is announced when the site's settings change.
const announceSettings = "settings"

// announce tells the other nodes sharing the database which cached pages
// to drop. Failing to announce is logged, not returned: the change itself
// is saved, and other nodes' pages expire on their own.
func (srv *Server) announce(ctx context.Context, payload string) {
	if err := srv.Store.Announce(context.WithoutCancel(ctx), payload); err != nil {
		srv.log.Warn("announce change to other nodes", "err", err)
	}
}

func (srv *Server) reloadSettings(ctx context.Context) {
	s, err := srv.settings(ctx)
	if err != nil {
		srv.log.Error("reload site settings", "err", err)
		return
	}
	srv.Site.SetSettings(s)
}

// Listen applies other nodes' announcements until ctx ends: dropping the
// cached pages they name, or reloading the settings.
func (srv *Server) Listen(ctx context.Context) {
	srv.Store.Listen(ctx, func(payload string) {
		if payload == announceSettings {
			srv.reloadSettings(ctx)
			return
		}
		srv.Site.InvalidateKeys(strings.Fields(payload)...)
	}, func(err error) {
		srv.log.Warn("waiting for other nodes' changes", "err", err)
	})
}
