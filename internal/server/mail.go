package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/secret"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/web"
)

// buildMail gives the store the box that seals e-mail addresses, and
// makes the outbox's worker when an SMTP server is configured.
func (srv *Server) buildMail() error {
	srv.Store.SetSealer(secret.NewBox(srv.Keys))
	cfg, ok := srv.cfg.SMTP()
	if !ok {
		return nil
	}
	// config.Parse sets a From address; a Config built by hand may not.
	from := cmp.Or(srv.cfg.MailFrom, config.DefaultMailFrom(srv.cfg.BaseURL))
	sender, err := mail.NewSender(cfg, from)
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	srv.Mail = &mail.Worker{
		Outbox:    srv.Store,
		Transport: sender,
		Log:       srv.log.With("job", "mail"),
		Rate:      srv.cfg.MailRate,
	}
	srv.log.Info("sending mail", "smtp", cfg.String(), "from", from, "rate", srv.cfg.MailRate)
	return nil
}

// RunMail sends the outbox until ctx ends. Without an SMTP server it says
// so once: mail is kept in the outbox and goes out once one is configured.
func (srv *Server) RunMail(ctx context.Context) {
	if srv.Mail == nil {
		srv.log.Warn("mail is not being sent: no --smtp-url configured; messages wait in the outbox")
		return
	}
	srv.Mail.Run(ctx, time.Second)
}

// buildNewsletters wires the newsletters to the store, the site's settings
// and the admin. Each newsletter's footer lists the site's addresses
// (primary, mirrors, onion), which readers need when one is blocked.
func (srv *Server) buildNewsletters() error {
	n, err := mail.NewNewsletters(mail.NewslettersConfig{
		Store:    srv.Store,
		Keys:     srv.Keys,
		Web:      web.FS,
		BaseURL:  srv.cfg.BaseURL,
		SiteName: func() string { return srv.Site.Settings().Name },
		Lang:     func() string { return srv.Site.Settings().Lang },
		Mirrors:  srv.Site.Hosts().MirrorList,
	})
	if err != nil {
		return err
	}
	srv.Newsletters = n
	return srv.Admin.SetNewsletters(n, web.FS)
}

// DigestHour is the hour (UTC) after which the day's digest goes out.
const DigestHour = 18

// SendDailyDigest sends the digest of now's day (UTC) if it is past
// DigestHour: the articles published since yesterday's digest hour, to
// the daily list. The send is
// claimed in the database, so however many nodes and restarts run this,
// the digest goes out once; later calls return store.ErrAlreadySent.
func (srv *Server) SendDailyDigest(ctx context.Context, now time.Time) (int, error) {
	now = now.UTC()
	if now.Hour() < DigestHour {
		return 0, nil
	}
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if sent, err := srv.Store.NewsletterSent(ctx, "daily", mail.DigestKey(day)); err != nil || sent {
		return 0, err
	}
	// The 24 hours up to today's digest hour, so that what is published
	// in the evening goes into tomorrow's digest instead of none.
	since := day.Add(DigestHour*time.Hour - 24*time.Hour)
	arts, err := srv.Store.ListArticles(ctx, store.ListQuery{Since: since, Limit: 50})
	if err != nil {
		return 0, err
	}
	return srv.Newsletters.SendDigest(ctx, day, arts)
}

// scheduledNewsletters sends the newsletter issues whose scheduled time
// has come. Every node runs it; each issue is claimed in the database, so
// it goes out once.
func (srv *Server) scheduledNewsletters(ctx context.Context) {
	if srv.Newsletters == nil {
		return
	}
	n, err := srv.Newsletters.SendDue(ctx)
	if err != nil && ctx.Err() == nil {
		srv.log.Error("scheduled newsletters", "err", err)
	}
	if n > 0 {
		srv.log.Info("scheduled newsletters queued", "recipients", n)
	}
}

// dailyDigest is SendDailyDigest as a background job.
func (srv *Server) dailyDigest(ctx context.Context, now time.Time) {
	n, err := srv.SendDailyDigest(ctx, now)
	switch {
	case errors.Is(err, store.ErrAlreadySent):
		// another node sent it a moment ago
	case err != nil && ctx.Err() == nil:
		srv.log.Error("daily digest", "err", err)
	case n > 0:
		srv.log.Info("daily digest queued", "recipients", n)
	}
}
