package server

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/admin"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/demo"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/site"
	"github.com/samizdat-press/samizdat/web"
)

// buildPrompts wires the funding goal and the donation prompts: the
// running prompts are loaded now and then on every jobs tick.
func (srv *Server) buildPrompts(ctx context.Context) error {
	if srv.cfg.Demo {
		added, err := demo.LoadRevenue(ctx, srv.Store, content.NewRenderer(), time.Now())
		if err != nil {
			return fmt.Errorf("demo campaign: %w", err)
		}
		if added {
			srv.log.Info("demo funding goal and campaign loaded")
		}
	}
	// Manual entries (offline gifts, grants) and the payments ledger.
	srv.Funding = append(srv.Funding, srv.Store.ManualFunding(), srv.Store)
	srv.Conversions = srv.Store
	srv.Prompts = revenue.NewCatalog(srv.Store)
	srv.Counters = revenue.NewCounters()
	if _, err := srv.Prompts.Reload(ctx, time.Now()); err != nil {
		return err
	}
	if srv.cfg.Static {
		// A static copy has no server to count a click or keep a snooze;
		// its support page says how to give instead.
		return nil
	}
	return srv.Site.EnablePrompts(site.PromptsConfig{
		Catalog:  srv.Prompts,
		State:    revenue.NewStateCodec(srv.Keys),
		Marks:    revenue.NewSupporterMarks(srv.Keys),
		Counters: srv.Counters,
		Goal:     srv.Goal,
		Secure:   strings.HasPrefix(srv.cfg.BaseURL, "https://"),
	}, web.FS)
}

// Goal is the funding goal as revenue staff set it, with every funding
// source: what the prompts, the support page and the reports show.
func (srv *Server) Goal(ctx context.Context) (revenue.Goal, error) {
	return revenue.LoadGoal(ctx, srv.Store, srv.Funding)
}

// promptJobs reloads the running prompts (campaigns start and end, other
// nodes edit them) and stores the counters.
func (srv *Server) promptJobs(ctx context.Context) {
	if changed, err := srv.Prompts.Reload(ctx, time.Now()); err != nil && ctx.Err() == nil {
		srv.log.Error("reload prompts", "err", err)
	} else if changed {
		srv.Site.InvalidatePrompts()
	}
	srv.refreshMeter(ctx)
	srv.flushPromptCounts(ctx)
}

// refreshMeter drops the pages showing the goal meter when what it shows
// has moved: gifts arrive through webhooks, bank transfers and manual
// entries on any node, and each node notices on its own next tick.
func (srv *Server) refreshMeter(ctx context.Context) {
	g, err := srv.Goal(ctx)
	if err != nil {
		if ctx.Err() == nil {
			srv.log.Error("read funding goal", "err", err)
		}
		return
	}
	m, err := g.Meter(ctx)
	if err != nil {
		if ctx.Err() == nil {
			srv.log.Error("read funding goal", "err", err)
		}
		return
	}
	srv.meterMu.Lock()
	defer srv.meterMu.Unlock()
	if m != srv.lastMeter {
		if srv.lastMeter != (revenue.Meter{}) {
			srv.Site.InvalidatePrompts()
		}
		srv.lastMeter = m
	}
}

func (srv *Server) flushPromptCounts(ctx context.Context) {
	if err := srv.Counters.Flush(context.WithoutCancel(ctx), srv.Store); err != nil {
		srv.log.Error("store prompt counters", "err", err)
	}
}

// adminRevenue is what the admin's revenue pages need.
func (srv *Server) adminRevenue() *admin.RevenueConfig {
	return &admin.RevenueConfig{
		Goal:        srv.Goal,
		Conversions: func() revenue.ConversionSource { return srv.Conversions },
		Counters:    srv.Counters,
		Preview:     srv.Site.RenderPrompt,
	}
}
