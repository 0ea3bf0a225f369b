package mail_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/web"
)

var tokenInMail = regexp.MustCompile(`/newsletter/confirm\?t=(\S+)`)

// confirmToken subscribes email and returns the token mailed to it,
// read from the outbox as the worker would send it.
func confirmToken(t *testing.T, st *store.Store, n *mail.Newsletters, now time.Time, email string) string {
	t.Helper()
	ctx := context.Background()
	if err := n.RequestSubscription(ctx, email, "en", []string{"daily"}); err != nil {
		t.Fatal(err)
	}
	out, err := st.ClaimMail(ctx, now.Add(time.Hour), time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		if o.To == email {
			if m := tokenInMail.FindStringSubmatch(o.Text); m != nil {
				return m[1]
			}
		}
	}
	t.Fatalf("no confirmation mail to %s", email)
	return ""
}

func TestConfirmationLink(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			node, _ := e.open(t)
			st := node()
			now := time.Now()
			clock := func() time.Time { return now }
			n, err := mail.NewNewsletters(mail.NewslettersConfig{Store: st, Keys: testKeys(t), Web: web.FS,
				BaseURL: "https://news.example.org", Now: clock})
			if err != nil {
				t.Fatal(err)
			}

			tok := confirmToken(t, st, n, now, "a@example.org")
			for _, bad := range []string{"", "x", tok[:len(tok)-1], strings.Replace(tok, "0", "1", 1) + "x"} {
				if _, err := n.Confirm(ctx, bad); !errors.Is(err, mail.ErrBadToken) {
					t.Errorf("Confirm(%q) = %v, want ErrBadToken", bad, err)
				}
			}
			lists, err := n.Confirm(ctx, tok)
			if err != nil || len(lists) != 1 || lists[0] != "daily" {
				t.Fatalf("Confirm = %v, %v", lists, err)
			}
			if _, err := n.Confirm(ctx, tok); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("second use of the link: %v, want ErrNotFound", err)
			}

			late := confirmToken(t, st, n, now, "b@example.org")
			now = now.Add(mail.ConfirmLifetime + time.Minute)
			if _, err := n.Confirm(ctx, late); !errors.Is(err, mail.ErrBadToken) {
				t.Fatalf("expired link: %v, want ErrBadToken", err)
			}
			counts, err := st.SubscriberCounts(ctx)
			if err != nil || counts["daily"] != 1 {
				t.Fatalf("confirmed subscribers %v, %v; want 1", counts, err)
			}
		})
	}
}

// Asking again for the same address sends no new confirmation at once:
// the form cannot be used to flood someone's inbox.
func TestSubscribeResendsAfterAWhile(t *testing.T) {
	ctx := context.Background()
	node, _ := engines[0].open(t)
	st := node()
	now := time.Now()
	for _, tc := range []struct {
		at   time.Duration
		want bool
	}{
		{0, true},
		{time.Minute, false},
		{store.ResendAfter - time.Second, false},
		{store.ResendAfter + time.Second, true},
		{store.ResendAfter + 2*time.Second, false},
	} {
		need, err := st.Subscribe(ctx, "a@example.org", "en", []string{"daily"}, "h", now.Add(tc.at))
		if err != nil || need != tc.want {
			t.Errorf("Subscribe at +%s: need confirmation %v, %v; want %v", tc.at, need, err, tc.want)
		}
	}
}
