package server_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/server"
	"github.com/samizdat-press/samizdat/internal/testpeer"
)

// offsite records the pages a browser tried to open on other hosts: the
// payment provider's, which the test machine cannot reach.
type offsite struct {
	mu   sync.Mutex
	urls []string
}

func (o *offsite) listen(t *testing.T, ctx context.Context) {
	t.Helper()
	err := chromedp.Listen(ctx, func(ev any) {
		var u string
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if e.Request != nil {
				u = e.Request.URL
			}
		case *page.EventFrameNavigated:
			if e.Frame != nil {
				u = e.Frame.UnreachableURL
			}
		}
		if strings.HasPrefix(u, "https://") {
			o.mu.Lock()
			o.urls = append(o.urls, u)
			o.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// wait returns the first off-site URL seen, waiting up to 10 s.
func (o *offsite) wait(t *testing.T) string {
	t.Helper()
	for range 200 {
		o.mu.Lock()
		if len(o.urls) > 0 {
			u := o.urls[0]
			o.urls = nil
			o.mu.Unlock()
			return u
		}
		o.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the browser was not sent to the payment provider")
	return ""
}

type browserCookie struct {
	Name     string `json:"name"`
	Value    string `json:"value"`
	HTTPOnly bool   `json:"httpOnly"`
}

// cookies reads the browser's cookies for base, HttpOnly ones included.
func cookies(t *testing.T, ctx context.Context, base string) map[string]browserCookie {
	t.Helper()
	var res struct {
		Cookies []browserCookie `json:"cookies"`
	}
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		return tg.Call(ctx, "Network.getCookies", map[string]any{"urls": []string{base + "/support"}}, &res)
	}))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]browserCookie{}
	for _, c := range res.Cookies {
		out[c.Name] = c
	}
	return out
}

var signinLinkRe = regexp.MustCompile(`http://\S+/support/signin/\S+`)

// TestBrowserSupportJourney: a reader arrives from a prompt, chooses 5 a
// month and is sent to the Stripe checkout (stripe-mock's); Stripe's
// webhooks arrive out of order; the ledger, the goal meter's figure and
// the supporter cookie are right; later the supporter signs in with the
// link from the mail (read from mailpit), sees the gift and opens the
// portal.
func TestBrowserSupportJourney(t *testing.T) {
	testpeer.NeedChromium(t)
	sm := testpeer.Stripe(t)
	pit := testpeer.StartMailpit(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	const whsec = "whsec_journey"
	logs := &browserLog{}
	srv, err := server.New(ctx, config.Config{DB: filepath.Join(dir, "samizdat.db"), Media: filepath.Join(dir, "media"),
		BaseURL: base, CacheMB: 16, JobsEvery: time.Hour, SMTPURL: pit.SMTPURL(), MailFrom: "desk@example.org", MailRate: 100,
		DataKey: "0303030303030303030303030303030303030303030303030303030303030303",
		Revenue: config.Revenue{StripeSecretKey: "sk_test_journey", StripeWebhookSecret: whsec, StripeAPIURL: sm.URL,
			Currencies: "eur", MinAmount: 2, PledgeDays: 14}},
		slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	serveCtx, stopServe := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(serveCtx, ln) }()
	t.Cleanup(func() {
		stopServe()
		if err := <-served; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Serve: %v", err)
		}
		srv.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})

	browserCtx := testpeer.Chromium(t, ctx,
		// Only the site is reachable: the provider's pages fail to load,
		// and the test reads where the browser was sent.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"))
	readerCtx, cancelReader := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	defer cancelReader()
	away := &offsite{}
	away.listen(t, readerCtx)

	// The prompt's link: monthly, amounts 5, 10, 20; the reader picks 5.
	err = chromedp.Do(readerCtx,
		chromedp.Navigate(base+"/support?frequency=monthly&amounts=5,10,20&campaign=1&prompt=2&variant=3"),
		chromedp.WaitVisible(chromedp.CSS(`form.support-form`)),
		chromedp.Click(chromedp.CSS(`input[name=amount][value="5"]`)),
		chromedp.Click(chromedp.CSS(`input[name=method][value=stripe]`)),
		chromedp.Click(chromedp.CSS(`form.support-form button[type=submit]`)),
	)
	if err != nil {
		t.Fatalf("fill the support form: %v", err)
	}
	checkoutURL := away.wait(t)
	if !strings.Contains(checkoutURL, "stripe.com") {
		t.Errorf("sent to %q, want the Stripe checkout URL stripe-mock returned", checkoutURL)
	}
	coID, session, err := srv.Store.LatestCheckout(ctx)
	if err != nil || session == "" {
		t.Fatalf("checkout not recorded: %q %q %v", coID, session, err)
	}
	if total, _ := srv.Store.Funding(ctx, time.Now(), "eur"); total != 0 {
		t.Errorf("funding %d before any payment, want 0: nothing is paid until Stripe says so", total)
	}

	// Stripe's webhooks, signed as Stripe signs them; invoice.paid first.
	const email = "journey.reader@example.org"
	now := time.Now().Unix()
	deliver := func(id, typ, obj string) {
		body := []byte(fmt.Sprintf(`{"id":"%s","object":"event","created":%d,"type":"%s","data":{"object":%s}}`, id, now, typ, obj))
		sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: whsec}).Header
		req, _ := http.NewRequest(http.MethodPost, base+"/webhooks/stripe", bytes.NewReader(body))
		req.Header.Set("Stripe-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("webhook %s: %d", typ, resp.StatusCode)
		}
	}
	deliver("evt_j_inv", "invoice.paid", fmt.Sprintf(`{"id":"in_j1","object":"invoice","customer":"cus_j","customer_email":"%s","amount_paid":500,"currency":"eur","parent":{"subscription_details":{"subscription":"sub_j","metadata":{"checkout":"%s","frequency":"monthly","campaign":"1","prompt":"2","variant":"3"}}},"lines":{"data":[{"period":{"end":%d}}]}}`,
		email, coID, now+30*86400))
	deliver("evt_j_cs", "checkout.session.completed", fmt.Sprintf(`{"id":"%s","object":"checkout.session","mode":"subscription","payment_status":"paid","client_reference_id":"%s","customer":"cus_j","subscription":"sub_j","amount_total":500,"currency":"eur","customer_details":{"email":"%s"},"metadata":{"checkout":"%s","frequency":"monthly","campaign":"1","prompt":"2","variant":"3"}}`,
		session, coID, email, coID))
	deliver("evt_j_cs", "checkout.session.completed", `{"id":"replayed"}`) // a replay: changes nothing

	totals, n, err := srv.Store.LedgerTotals(ctx)
	if err != nil || n != 1 || totals["gift eur"] != 500 {
		t.Errorf("ledger = %v in %d entries (%v), want one gift of 500", totals, n, err)
	}
	if funding, _ := srv.Store.Funding(ctx, time.Now(), "eur"); funding != 500 {
		t.Errorf("goal meter's funding = %d, want 500", funding)
	}
	// The goal itself (currency "EUR", every funding source) counts it.
	if g, err := srv.Goal(ctx); err != nil {
		t.Errorf("goal: %v", err)
	} else if covered, err := g.Covered(ctx, revenue.MonthStart(time.Now())); err != nil || covered != 500 {
		t.Errorf("goal covers %d (%v) of this month, want the 500 just given", covered, err)
	}
	if conv, _ := srv.Store.Conversions(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Hour)); len(conv) != 1 || conv[0].Variant != 3 {
		t.Errorf("conversions = %+v, want one for variant 3", conv)
	}
	sub, err := srv.Store.RecurringGift(ctx, "stripe", "sub_j")
	if err != nil || sub.Status != revenue.StatusActive || sub.Frequency != revenue.Monthly || sub.Amount != 500 {
		t.Errorf("subscription = %+v, %v", sub, err)
	}

	// Back from Stripe: the thanks page marks the reader a supporter.
	marks := revenue.NewSupporterMarks(srv.Keys)
	if err := chromedp.Do(readerCtx, chromedp.Navigate(base+"/support/thanks?session="+session),
		chromedp.WaitVisible(chromedp.CSS(`main h1`))); err != nil {
		t.Fatal(err)
	}
	c, ok := cookies(t, readerCtx, base)[revenue.SupporterCookie]
	if !ok || !c.HTTPOnly || !marks.Valid(c.Value, time.Now()) {
		t.Errorf("supporter cookie after the gift = %+v (present %v), want a valid HttpOnly mark", c, ok)
	}

	// Months later, on another device: sign in by the e-mailed link.
	laterCtx, cancelLater := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	defer cancelLater()
	away2 := &offsite{}
	away2.listen(t, laterCtx)
	err = chromedp.Do(laterCtx,
		chromedp.Navigate(base+"/support/signin"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.Click(chromedp.CSS(`form.support-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`p[role=status]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	var link string
	for range 100 { // the mail worker sends every second
		if msgs := pit.MessagesTo(t, email); len(msgs) > 0 {
			link = signinLinkRe.FindString(pit.Message(t, msgs[0].ID).Text)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if link == "" {
		t.Fatal("no sign-in mail with a link reached mailpit")
	}
	if _, ok := cookies(t, laterCtx, base)[revenue.SupporterCookie]; ok {
		t.Fatal("the new device has the supporter cookie before signing in")
	}
	err = chromedp.Do(laterCtx,
		chromedp.Navigate(link),
		chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/support/me/manage"]`)),
	)
	if err != nil {
		text, _ := browserText(laterCtx)
		t.Fatalf("sign in by link: %v\n%s", err, text)
	}
	text, _ := browserText(laterCtx)
	for _, want := range []string{"€5", "monthly", "active", email} {
		if !strings.Contains(text, want) {
			t.Errorf("supporter page lacks %q:\n%s", want, text)
		}
	}
	// The prompts read this cookie: with it, they are gone.
	if c, ok := cookies(t, laterCtx, base)[revenue.SupporterCookie]; !ok || !marks.Valid(c.Value, time.Now()) {
		t.Error("no valid supporter cookie after signing in: prompts would still show")
	}
	if err := chromedp.Do(laterCtx, chromedp.Click(chromedp.CSS(`form[action="/support/me/manage"] button`))); err != nil {
		t.Fatal(err)
	}
	// stripe-mock's portal is on a host real Stripe does not use, so the
	// site offers it as a link rather than a redirect the page's
	// form-action would refuse; real Stripe's billing.stripe.com is a
	// redirect.
	if err := chromedp.Do(laterCtx, chromedp.WaitVisible(chromedp.CSS(`main a[href^="https://"]`)),
		chromedp.Click(chromedp.CSS(`main a[href^="https://"]`))); err != nil {
		t.Fatal(err)
	}
	if portal := away2.wait(t); !strings.Contains(portal, "stripe") {
		t.Errorf("manage sent the supporter to %q, want the Stripe portal", portal)
	}
}
