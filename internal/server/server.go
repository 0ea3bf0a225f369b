// Package server is the composition root: config -> store -> services ->
// routes -> http.Server. It is the only package that knows every other one.
package server

import (
	"cmp"
	"context"
	"crypto/subtle"
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

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/admin"
	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/demo"
	"github.com/samizdat-press/samizdat/internal/ghostapi"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/media"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/secret"
	"github.com/samizdat-press/samizdat/internal/site"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/wire"
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
	// Providers are the enabled payment providers; Health hides those
	// whose API does not answer.
	Providers []revenue.Provider
	Health    *revenue.Health
	started   time.Time // when New built the server
	handler   http.Handler
	metrics   *httpx.Metrics
	// metricsHandler is Prometheus's page: on --metrics-addr, or on the
	// site's address to a scraper with --metrics-token; never public.
	metricsHandler http.Handler
	feed           *store.Feed // the change feed, as this node follows it

	// Mail sends the outbox; nil when no SMTP server is configured.
	Mail        *mail.Worker
	Newsletters *mail.Newsletters // subscriptions, article sends, the daily digest
	GhostAPI    *ghostapi.API     // the Ghost Content API under /ghost/api/content/
}

// New opens the database, loads demo content when asked, and builds the
// routes. The caller must Close the Server.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*Server, error) {
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	srv := &Server{cfg: cfg, log: log, Store: st, started: time.Now()}
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
	if err := srv.buildFeed(ctx); err != nil {
		return err
	}

	trusted, err := srv.cfg.TrustedProxies()
	if err != nil {
		return err
	}
	adm, err := admin.New(admin.Config{
		Store: srv.Store, Content: srv.Content, Images: md, Web: web.FS, Log: srv.log, Preview: st,
		BaseURL: srv.cfg.BaseURL, SiteName: settings.Name, AssetURL: st.AssetURL,
		ClientIP: httpx.ClientIP{Trusted: trusted},
		Revenue:  srv.adminRevenue(),
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
	if err := srv.buildProviders(); err != nil {
		return err
	}
	srv.Support = site.NewSupport(st, srv.supportConfig())
	adm.SetTransferReceipts(srv.Support.TransferReceipt)
	srv.Support.Routes(mux)
	st.NewsletterRoutes(mux, srv.Newsletters)
	adm.Register(mux)
	if err := srv.buildGhostAPI(ctx, mux); err != nil {
		return err
	}
	mux.Handle("GET /healthz", st.Adapter().Handle(srv.healthz))
	if err := srv.reachRoutes(mux); err != nil {
		return err
	}
	srv.metricsHandler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	mux.Handle("GET /metrics", st.Adapter().Handle(srv.metricsWithToken))
	srv.metrics = httpx.NewMetrics(reg)
	h := httpx.SecurityHeaders(st.HostCheck(st.StrictSlash(mux)))
	if strings.HasPrefix(srv.cfg.BaseURL, "https://") {
		h = httpx.StrictTransport(h)
	}
	srv.handler = srv.metrics.Wrap(httpx.Compression(h), mux)
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
	if s.Zone, err = srv.Store.TimeZone(ctx); err != nil {
		return s, err
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

// metricsWithToken serves the metrics to a request carrying the token as
// "Authorization: Bearer TOKEN"; to anyone else the page does not exist.
func (srv *Server) metricsWithToken(w http.ResponseWriter, r *http.Request) error {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || srv.cfg.MetricsToken == "" || subtle.ConstantTimeCompare([]byte(got), []byte(srv.cfg.MetricsToken)) != 1 {
		return httpx.NotFound()
	}
	w.Header().Set("Cache-Control", "no-store")
	srv.metricsHandler.ServeHTTP(w, r)
	return nil
}

// serveMetrics serves /metrics alone on --metrics-addr until ctx ends.
func (srv *Server) serveMetrics(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", srv.metricsHandler)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		hs.Close()
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve metrics: %w", err)
	}
	return nil
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
// everything else by the net/http handlers (see package wire).
func (srv *Server) Serve(ctx context.Context, ln net.Listener) error {
	fs := wire.NewServer(wire.Config{
		Handler: srv.handler,
		Fast:    newFastPaths(srv.GhostAPI, srv.Site.Hosts(), srv.Site.FastPath(), strings.HasPrefix(srv.cfg.BaseURL, "https://")),
		Observe: srv.metrics.Observe,
		Log:     srv.log,
		Base:    context.WithoutCancel(ctx),
	})
	errc := make(chan error, 2)
	go func() { errc <- fs.Serve(ln) }()
	metricsCtx, stopMetrics := context.WithCancel(ctx)
	defer stopMetrics()
	if srv.cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", srv.cfg.MetricsAddr)
		if err != nil {
			fs.Shutdown()
			return fmt.Errorf("listen on --metrics-addr %s: %w", srv.cfg.MetricsAddr, err)
		}
		srv.log.Info("serving metrics", "addr", mln.Addr().String())
		go func() {
			if err := srv.serveMetrics(metricsCtx, mln); err != nil {
				errc <- err
			}
		}()
	}
	jobs, stopJobs := context.WithCancel(ctx)
	jobsDone := make(chan struct{})
	go func() {
		defer close(jobsDone)
		srv.RunJobs(jobs, cmp.Or(srv.cfg.JobsEvery, 5*time.Second))
	}()
	checksDone := make(chan struct{})
	go func() {
		defer close(checksDone)
		srv.RunProviderChecks(jobs, cmp.Or(srv.cfg.Revenue.ProviderCheck, 20*time.Second))
	}()
	feedDone := make(chan struct{})
	go func() {
		defer close(feedDone)
		srv.feed.Run(jobs, feedPoll(srv.Store.Engine()))
	}()
	mailDone := make(chan struct{})
	go func() {
		defer close(mailDone)
		srv.RunMail(jobs)
	}()
	imagesDone := make(chan struct{})
	go func() {
		defer close(imagesDone)
		srv.BackfillImages(jobs)
	}()
	srv.log.Info("serving", "addr", ln.Addr().String(), "base_url", srv.cfg.BaseURL, "db", srv.Store.Engine())
	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
	}
	stopJobs()
	<-jobsDone
	<-checksDone
	<-feedDone
	<-mailDone
	<-imagesDone
	if serveErr != nil {
		fs.Shutdown() // when the metrics listener failed, the site's still runs
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

// Close releases the database.
func (srv *Server) Close() error {
	if srv.feed != nil {
		srv.feed.Close()
	}
	return srv.Store.Close()
}

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
		if err := srv.Store.PruneChanges(ctx); err != nil && ctx.Err() == nil {
			srv.log.Error("prune the change feed", "err", err)
		}
		srv.promptJobs(ctx)
		srv.expirePledges(ctx)
		srv.cryptoRenewals(ctx, time.Now())
		srv.lapseStandingOrders(ctx, time.Now())
		srv.reconcileDaily(ctx, time.Now())
		srv.dailyDigest(ctx, time.Now())
		srv.scheduledNewsletters(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
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
