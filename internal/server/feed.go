package server

import (
	"context"
	"time"

	"github.com/samizdat-press/samizdat/internal/store"
)

// The node follows the database's change feed (store.Feed): every write
// that changes what a public page shows, made by this process, the CLI or
// another node, is a row there, and applyChanges drops exactly the cached
// pages it names. This process's own writes are applied before they
// return; others' within feedPoll at worst, at once on PostgreSQL.

// feedPoll is how often a node reads the feed whatever it was told: on
// SQLite the only way to hear of another process's writes, on PostgreSQL a
// safety net under LISTEN/NOTIFY.
func feedPoll(engine string) time.Duration {
	if engine == "sqlite" {
		return 200 * time.Millisecond
	}
	return time.Second
}

// buildFeed starts following the feed at its newest row, before anything
// is cached.
func (srv *Server) buildFeed(ctx context.Context) error {
	f, err := srv.Store.NewFeed(ctx, srv.applyChanges, func(err error) {
		srv.log.Warn("follow the change feed", "err", err)
	})
	if err != nil {
		return err
	}
	srv.feed = f
	return nil
}

// applyChanges drops the pages the changes name. It runs on one goroutine
// at a time and must not write to the store (a write catches the feed up).
func (srv *Server) applyChanges(ctx context.Context, changes []store.Change) {
	var keys []string
	settings, prompts, apiKeys, content := false, false, false, false
	for _, c := range changes {
		for _, k := range c.Keys {
			if k == store.KeyAPIKeys {
				apiKeys = true
				continue
			}
			content = true
			switch k {
			case store.KeySettings:
				settings = true
			case store.KeyPrompts:
				prompts = true
			default:
				keys = append(keys, k)
			}
		}
	}
	if srv.GhostAPI != nil {
		// The Content API's answers are few and cheap to make again: any
		// change of what the site shows drops them all.
		if content {
			srv.GhostAPI.Invalidate()
		}
		if apiKeys {
			if err := srv.GhostAPI.ReloadKeys(ctx); err != nil && ctx.Err() == nil {
				srv.log.Error("reload content api keys", "err", err)
			}
		}
	}
	n := 0
	if settings {
		// Every page shows the settings; the goal is among them.
		srv.reloadSettings(ctx)
		prompts = true
	} else if len(keys) > 0 {
		n = srv.Site.InvalidateKeys(keys...)
	}
	if prompts && srv.Prompts != nil {
		if _, err := srv.Prompts.Reload(ctx, time.Now()); err != nil && ctx.Err() == nil {
			srv.log.Error("reload prompts", "err", err)
		}
		srv.Site.InvalidatePrompts()
	}
	srv.log.Debug("change feed applied", "changes", len(changes), "pages", n, "settings", settings, "prompts", prompts)
}

// ChangeFeedPosition is the sequence number of the last change this node
// applied, for tests and the write-to-visible benchmark.
func (srv *Server) ChangeFeedPosition() int64 { return srv.feed.Last() }
