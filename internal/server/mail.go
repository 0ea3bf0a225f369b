package server

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/secret"
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
	from := cmp.Or(srv.cfg.MailFrom, "newsroom@localhost.localdomain")
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
