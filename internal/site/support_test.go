package site

import (
	"bytes"
	"context"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/samizdat-press/samizdat/internal/httpx"
	smail "github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/revenue/banktransfer"
	"github.com/samizdat-press/samizdat/internal/revenue/stripe"
	"github.com/samizdat-press/samizdat/internal/secret"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/testpeer"
	"github.com/samizdat-press/samizdat/internal/wire/wiretest"
	"github.com/samizdat-press/samizdat/web"
)

const whsec = "whsec_support_test"

// mailbox stands in for the mail outbox, which another package owns: it
// records the mails the support pages queue.
type mailbox struct {
	mu   sync.Mutex
	msgs []smail.Message
}

func (m *mailbox) EnqueueMail(_ context.Context, msgs ...smail.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, msgs...)
	return nil
}

type supportFixture struct {
	st   *store.Store
	sp   *Support
	h    *wiretest.Server // the support routes, served as production serves them
	mail *mailbox
	logs *bytes.Buffer
}

// newSupportFixture serves the support pages on a real SQLite store, with
// Stripe at apiURL (stripe-mock, or a closed port) and bank transfer.
func newSupportFixture(t *testing.T, apiURL string) *supportFixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})
	s, err := New(Config{Settings: Settings{Name: "Test", BaseURL: "http://127.0.0.1"}, Reader: st, Web: web.FS, Log: log, Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := secret.NewKeys(bytes.Repeat([]byte{7}, 32))
	st.SetSealer(secret.NewBox(keys)) // the outbox, where staff's bank receipts go
	mb := &mailbox{}
	sp := NewSupport(s, SupportConfig{
		Store: st, Keys: keys, Currencies: []string{"eur", "usd"}, Mail: mb,
		Providers: []revenue.Provider{
			stripe.New(stripe.Config{SecretKey: "sk_test_1", WebhookSecret: whsec, APIURL: apiURL}),
			&banktransfer.Provider{Details: func(ctx context.Context) (string, error) { return st.Setting(ctx, "bank.details", "") }},
		},
	})
	mux := http.NewServeMux()
	sp.Routes(mux)
	return &supportFixture{st: st, sp: sp, h: wiretest.Start(t, httpx.SecurityHeaders(mux), nil), mail: mb, logs: logs}
}

func (f *supportFixture) do(t *testing.T, method, path string, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if method == http.MethodPost {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	return f.h.Do(t, r)
}

func signed(payload []byte) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: whsec}).Header
}

func stripeEvent(id, typ, obj string) []byte {
	return []byte(`{"id":"` + id + `","object":"event","created":` + strconv.FormatInt(time.Now().Unix(), 10) +
		`,"type":"` + typ + `","data":{"object":` + obj + `}}`)
}

func (f *supportFixture) deliver(t *testing.T, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/webhooks/stripe", bytes.NewReader(body))
	r.Header.Set("Stripe-Signature", signed(body))
	return f.h.Do(t, r)
}

func (f *supportFixture) nothingStored(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if n, _ := f.st.WebhookCount(ctx, "stripe"); n != 0 {
		t.Errorf("inbox holds %d events, want 0", n)
	}
	if _, n, _ := f.st.LedgerTotals(ctx); n != 0 {
		t.Errorf("ledger holds %d entries, want 0", n)
	}
}

func TestWebhookRefusals(t *testing.T) {
	f := newSupportFixture(t, "")
	body := stripeEvent("evt_1", "charge.refunded", `{"id":"ch_1","amount_refunded":100,"currency":"eur"}`)
	big := stripeEvent("evt_2", "customer.created", `{"id":"cus_1","pad":"`+strings.Repeat("x", 1<<20)+`"}`)
	tests := []struct {
		name   string
		body   []byte
		sig    string
		path   string
		status int
	}{
		{"no signature", body, "", "/webhooks/stripe", http.StatusBadRequest},
		{"wrong secret", body, webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: "whsec_x"}).Header, "/webhooks/stripe", http.StatusBadRequest},
		{"signature of another body", body, signed([]byte(`{}`)), "/webhooks/stripe", http.StatusBadRequest},
		{"body over 1 MB", big, signed(big), "/webhooks/stripe", http.StatusRequestEntityTooLarge},
		{"unknown provider", body, signed(body), "/webhooks/paypal", http.StatusNotFound},
		{"provider without webhooks", body, signed(body), "/webhooks/bank", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, tt.path, bytes.NewReader(tt.body))
			if tt.sig != "" {
				r.Header.Set("Stripe-Signature", tt.sig)
			}
			w := f.h.Do(t, r)
			if w.Code != tt.status {
				t.Errorf("status = %d, want %d", w.Code, tt.status)
			}
			f.nothingStored(t)
		})
	}
}

func TestWebhookExactlyOnce(t *testing.T) {
	f := newSupportFixture(t, "")
	ctx := context.Background()
	const email = "donor.secret@example.org"
	body := stripeEvent("evt_once", "checkout.session.completed",
		`{"id":"cs_1","mode":"payment","payment_status":"paid","payment_intent":"pi_1","amount_total":1500,"currency":"eur","customer_details":{"email":"`+email+`"}}`)
	for i, want := range []string{"ok", "duplicate", "duplicate"} {
		w := f.deliver(t, body)
		if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != want {
			t.Errorf("delivery %d: %d %q, want 200 %q", i+1, w.Code, w.Body.String(), want)
		}
	}
	totals, n, _ := f.st.LedgerTotals(ctx)
	if n != 1 || totals["gift eur"] != 1500 {
		t.Errorf("ledger = %v in %d entries, want one gift of 1500", totals, n)
	}
	unknown := stripeEvent("evt_unknown", "customer.created", `{"id":"cus_9"}`)
	if w := f.deliver(t, unknown); w.Code != http.StatusOK {
		t.Errorf("unknown event: %d, want 200 (kept, ignored)", w.Code)
	}
	if c, _ := f.st.WebhookCount(ctx, "stripe"); c != 2 {
		t.Errorf("inbox holds %d, want 2", c)
	}
	if strings.Contains(f.logs.String(), email) {
		t.Error("the donor's e-mail appears in the logs")
	}
}

func form(v map[string]string) string {
	u := url.Values{}
	for k, x := range v {
		u.Set(k, x)
	}
	return u.Encode()
}

func TestSupportPage(t *testing.T) {
	f := newSupportFixture(t, "")
	t.Run("prompt link presets the form", func(t *testing.T) {
		w := f.do(t, "GET", "/support?frequency=annual&amounts=7,70,700&campaign=3&prompt=4&variant=5", "")
		b := w.Body.String()
		for _, want := range []string{`value="annual" checked`, `name="amount" value="70" checked`, `value="700"`,
			`name="campaign" value="3"`, `name="variant" value="5"`} {
			if !strings.Contains(b, want) {
				t.Errorf("page lacks %s", want)
			}
		}
	})
	t.Run("odd links fall back to defaults", func(t *testing.T) {
		b := f.do(t, "GET", "/support?frequency=weekly&amounts=5,x&campaign=-1&variant=abc", "").Body.String()
		if !strings.Contains(b, `value="monthly" checked`) || !strings.Contains(b, `name="amount" value="10" checked`) ||
			!strings.Contains(b, `name="campaign" value=""`) {
			t.Error("defaults not used for a bad link")
		}
	})
	bad := []struct {
		name, custom, want string
	}{
		{"under the minimum", "1.50", "The smallest gift is €2."},
		{"not a number", "ten", "is not an amount"},
		{"absurdly large", "99999999", "That is more than €100,000."},
		{"negative", "-5", "is not an amount"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			w := f.do(t, "POST", "/support", form(map[string]string{"frequency": "one-time", "amount": "custom", "custom": tt.custom,
				"currency": "eur", "method": "stripe", "email": "keep@example.org", "variant": "5"}))
			b := w.Body.String()
			if w.Code != http.StatusUnprocessableEntity || !strings.Contains(b, tt.want) {
				t.Errorf("status %d, want 422 with %q", w.Code, tt.want)
			}
			if !strings.Contains(b, `value="`+tt.custom+`"`) || !strings.Contains(b, `value="keep@example.org"`) ||
				!strings.Contains(b, `value="one-time" checked`) || !strings.Contains(b, `name="variant" value="5"`) {
				t.Error("the form did not keep what was typed")
			}
		})
	}
	t.Run("cross-origin POST refused", func(t *testing.T) {
		w := f.do(t, "POST", "/support", form(map[string]string{"amount": "10", "method": "bank"}), "Sec-Fetch-Site", "cross-site")
		if w.Code != http.StatusForbidden {
			t.Errorf("status = %d, want 403", w.Code)
		}
	})
}

// TestProviderUnreachable: Stripe does not answer; the reader gets a
// friendly error and nothing is recorded as paid.
func TestSupportProviderUnreachable(t *testing.T) {
	f := newSupportFixture(t, "http://127.0.0.1:"+strconv.Itoa(testpeer.FreePort(t)))
	w := f.do(t, "POST", "/support", form(map[string]string{"frequency": "monthly", "amount": "10", "currency": "eur", "method": "stripe"}))
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "nothing was charged") {
		t.Errorf("status %d, body lacks the friendly error", w.Code)
	}
	if _, n, _ := f.st.LedgerTotals(context.Background()); n != 0 {
		t.Errorf("ledger holds %d entries after a failed checkout", n)
	}
}

func TestSupportCheckoutStripeMock(t *testing.T) {
	sm := testpeer.Stripe(t)
	f := newSupportFixture(t, sm.URL)
	w := f.do(t, "POST", "/support", form(map[string]string{"frequency": "monthly", "amount": "5", "currency": "eur", "method": "stripe",
		"campaign": "1", "prompt": "2", "variant": "3"}))
	loc := w.Header().Get("Location")
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "https://") {
		t.Fatalf("status %d Location %q, want 303 to the Stripe checkout", w.Code, loc)
	}
}

func TestBankPledge(t *testing.T) {
	f := newSupportFixture(t, "")
	ctx := context.Background()
	w := f.do(t, "POST", "/support", form(map[string]string{"frequency": "one-time", "amount": "custom", "custom": "12.50", "currency": "eur", "method": "bank"}))
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Choose a payment method") {
		t.Errorf("without bank details: status %d, want 422: bank transfer is not offered", w.Code)
	}
	if strings.Contains(f.do(t, "GET", "/support", "").Body.String(), `value="bank"`) {
		t.Error("bank transfer offered without account details")
	}
	if err := f.st.SetSetting(ctx, "bank.details", "Holder: Samizdat e.V.\nIBAN: DE00 1234"); err != nil {
		t.Fatal(err)
	}
	w = f.do(t, "POST", "/support", form(map[string]string{"frequency": "one-time", "amount": "custom", "custom": "12.50", "currency": "eur", "method": "bank", "variant": "8"}))
	loc := w.Header().Get("Location")
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/support/pledge/SZ-") {
		t.Fatalf("status %d Location %q", w.Code, loc)
	}
	ref := strings.TrimPrefix(loc, "/support/pledge/")
	b := f.do(t, "GET", loc, "").Body.String()
	if !strings.Contains(b, ref) || !strings.Contains(b, "IBAN: DE00 1234") || !strings.Contains(b, "€12.50") {
		t.Errorf("pledge page lacks the reference, details or amount:\n%s", b)
	}
	p, err := f.st.PledgeByReference(ctx, ref)
	if err != nil || p.Attribution.Variant != 8 || p.Amount != 1250 {
		t.Fatalf("pledge = %+v, %v", p, err)
	}
	if ok, err := f.st.ReceivePledge(ctx, p.ID, 0); !ok || err != nil {
		t.Fatalf("ReceivePledge = %v, %v", ok, err)
	}
	if got, _ := f.st.Funding(ctx, time.Now(), "eur"); got != 1250 {
		t.Errorf("Funding = %d, want 1250", got)
	}
}

func TestSupporterSignin(t *testing.T) {
	f := newSupportFixture(t, "")
	const email = "reader@example.org"
	body := stripeEvent("evt_s", "checkout.session.completed",
		`{"id":"cs_s","mode":"payment","payment_status":"paid","payment_intent":"pi_s","amount_total":900,"currency":"eur","customer_details":{"email":"`+email+`"}}`)
	if w := f.deliver(t, body); w.Code != 200 {
		t.Fatal(w.Code)
	}
	// Unknown addresses get the same answer and no mail.
	for _, addr := range []string{"nobody@example.org", email} {
		w := f.do(t, "POST", "/support/signin", form(map[string]string{"email": addr}))
		if w.Code != 200 || !strings.Contains(w.Body.String(), "a sign-in link is on its way") {
			t.Errorf("%s: status %d", addr, w.Code)
		}
	}
	for range 5 { // a flood of requests: at most 3 links in 15 minutes
		f.do(t, "POST", "/support/signin", form(map[string]string{"email": email}))
	}
	if len(f.mail.msgs) != 3 {
		t.Errorf("%d sign-in mails after 6 requests, want 3", len(f.mail.msgs))
	}
	if len(f.mail.msgs) == 0 || f.mail.msgs[0].To != email || f.mail.msgs[0].Kind != "signin" {
		t.Fatalf("mails = %+v, want one sign-in mail to the supporter", f.mail.msgs)
	}
	link := ""
	for _, l := range strings.Fields(f.mail.msgs[0].Text) {
		if strings.Contains(l, "/support/signin/") {
			link = strings.TrimPrefix(l, "http://127.0.0.1")
		}
	}
	if w := f.do(t, "GET", link, ""); w.Code != 200 || !strings.Contains(w.Body.String(), `method="post"`) {
		t.Errorf("GET of the link must only show a button: %d", w.Code)
	}
	w := f.do(t, "POST", link, "")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/support/me" {
		t.Fatalf("sign-in: %d %q", w.Code, w.Header().Get("Location"))
	}
	var cookies []string
	for _, c := range w.Result().Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
			t.Errorf("cookie %s lacks HttpOnly or SameSite=Lax", c.Name)
		}
	}
	if !strings.Contains(strings.Join(cookies, ";"), revenue.SupporterCookie+"=") {
		t.Errorf("cookies %v lack the supporter cookie", cookies)
	}
	if again := f.do(t, "POST", link, ""); again.Code != http.StatusGone {
		t.Errorf("second use of the link: %d, want 410", again.Code)
	}
	me := f.do(t, "GET", "/support/me", "", "Cookie", strings.Join(cookies, "; "))
	if me.Code != 200 || !strings.Contains(me.Body.String(), "€9") || !strings.Contains(me.Body.String(), email) {
		t.Errorf("supporter page: %d\n%s", me.Code, me.Body.String())
	}
	if w := f.do(t, "GET", "/support/me", ""); w.Code != http.StatusSeeOther {
		t.Errorf("signed out /support/me: %d, want a redirect to sign-in", w.Code)
	}

	// Signing out ends the session on the server: a copy of the cookie
	// (another device, a stolen one) no longer signs anyone in.
	out := f.do(t, "POST", "/support/signout", "", "Cookie", strings.Join(cookies, "; "))
	if out.Code != http.StatusSeeOther {
		t.Fatalf("sign out: %d", out.Code)
	}
	if w := f.do(t, "GET", "/support/me", "", "Cookie", strings.Join(cookies, "; ")); w.Code != http.StatusSeeOther || strings.Contains(w.Body.String(), email) {
		t.Errorf("/support/me with the cookie kept from before signing out: %d, want a redirect to sign-in", w.Code)
	}
	_ = io.Discard
}

// TestReceiptOptIn: a receipt goes out only when the donor ticked the box.
func TestReceiptOptIn(t *testing.T) {
	f := newSupportFixture(t, "")
	ctx := context.Background()
	for _, c := range []revenue.Checkout{
		{ID: "co-receipt", Provider: "stripe", Frequency: revenue.OneTime, Amount: 700, Currency: "eur", Receipt: true},
		{ID: "co-none", Provider: "stripe", Frequency: revenue.OneTime, Amount: 700, Currency: "eur"},
	} {
		if err := f.st.CreateCheckout(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
		body := stripeEvent("evt_"+c.ID, "checkout.session.completed", `{"id":"cs_`+c.ID+`","mode":"payment","payment_status":"paid","client_reference_id":"`+c.ID+
			`","payment_intent":"pi_`+c.ID+`","amount_total":700,"currency":"eur","customer_details":{"email":"`+c.ID+`@example.org"}}`)
		if w := f.deliver(t, body); w.Code != http.StatusOK {
			t.Fatalf("%s: %d", c.ID, w.Code)
		}
	}
	if len(f.mail.msgs) != 1 || f.mail.msgs[0].To != "co-receipt@example.org" || f.mail.msgs[0].Kind != "receipt" ||
		!strings.Contains(f.mail.msgs[0].Text, "€7") {
		t.Errorf("mails = %+v, want one receipt to the donor who asked", f.mail.msgs)
	}
}

// TestSupportInRussian: the Russian edition's support page speaks Russian,
// and a donor who gave from it gets the receipt in Russian.
func TestSupportInRussian(t *testing.T) {
	f := newSupportFixture(t, "")
	w := f.do(t, http.MethodGet, "/ru/support", "")
	if w.Code != http.StatusOK {
		t.Fatalf("GET /ru/support: %d", w.Code)
	}
	doc := parseHTML(t, w.Body.String())
	if len(findAll(doc, "html", hasAttr("lang", "ru"))) != 1 {
		t.Error(`/ru/support: want <html lang="ru">`)
	}
	if len(findAll(doc, "form", hasAttr("action", "/ru/support"))) != 1 {
		t.Error("/ru/support: the form does not post to the Russian edition")
	}
	text := visibleText(doc)
	for _, e := range i18n.Fragments("en") {
		if strings.Contains(text, e) {
			t.Errorf("/ru/support shows the English %q", e)
		}
	}
	// A bad amount is explained in Russian, with what was typed kept.
	w = f.do(t, http.MethodPost, "/ru/support", "frequency=one-time&amount=custom&custom=abc&currency=eur&method=bank")
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "«abc» — это не сумма") {
		t.Errorf("bad amount on /ru/support: status %d, want 422 with the Russian explanation", w.Code)
	}

	ctx := context.Background()
	c := revenue.Checkout{ID: "co-ru", Provider: "stripe", Frequency: revenue.Monthly, Amount: 700, Currency: "eur", Receipt: true, Lang: "ru"}
	if err := f.st.CreateCheckout(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	body := stripeEvent("evt_co-ru", "checkout.session.completed", `{"id":"cs_co-ru","mode":"payment","payment_status":"paid","client_reference_id":"co-ru",`+
		`"payment_intent":"pi_co-ru","amount_total":700,"currency":"eur","customer_details":{"email":"donor@example.org"}}`)
	if w := f.deliver(t, body); w.Code != http.StatusOK {
		t.Fatalf("webhook: %d", w.Code)
	}
	if len(f.mail.msgs) != 1 {
		t.Fatalf("mails: %d, want the receipt", len(f.mail.msgs))
	}
	m := f.mail.msgs[0]
	month := i18n.New("en").Locale("ru").Date(time.Now())
	for _, want := range []string{"Спасибо.", "7\u00a0€", month} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("receipt lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.HasPrefix(m.Subject, "Спасибо, что поддерживаете") || !strings.Contains(m.HTML, `lang="ru"`) {
		t.Errorf("receipt subject %q / html lang: want Russian", m.Subject)
	}
	for _, e := range i18n.Fragments("en") {
		if strings.Contains(m.Text, e) {
			t.Errorf("the Russian receipt has the English %q", e)
		}
	}
}

// TestAmountsShowCurrency: every amount a reader is asked to choose names
// its currency, written as the page's language writes money.
func TestAmountsShowCurrency(t *testing.T) {
	f := newSupportFixture(t, "")
	tests := []struct {
		path string
		want []string
	}{
		{"/support?amounts=5,10,20", []string{"> €5</label>", "> €10</label>", "> €20</label>", "Other amount (at least €2)"}},
		{"/ru/support?amounts=5,10,1000", []string{"> 5\u00a0€</label>", "> 1\u00a0000\u00a0€</label>", "Другая сумма (не меньше 2\u00a0€)"}},
		{"/support?amounts=5&currency=usd", []string{"> $5</label>", "(at least $2)"}},
	}
	for _, tc := range tests {
		b := f.do(t, http.MethodGet, tc.path, "").Body.String()
		for _, w := range tc.want {
			if !strings.Contains(b, w) {
				t.Errorf("GET %s: page lacks %q", tc.path, w)
			}
		}
	}
}
