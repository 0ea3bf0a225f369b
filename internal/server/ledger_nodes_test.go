package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/server"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/store/pgtest"
)

const nodesSecret = "whsec_nodes_test"

// startPostgresNode runs a server.Server on dsn, served by the real Serve
// on its own loopback listener; it returns the node's base URL.
func startPostgresNode(t *testing.T, dsn string) (string, *server.Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, config.Config{DB: dsn, Media: filepath.Join(t.TempDir(), "media"), BaseURL: base,
		DataKey: crashKey, CacheMB: 0, JobsEvery: time.Hour,
		Revenue: config.Revenue{StripeSecretKey: "sk_test_nodes", StripeWebhookSecret: nodesSecret,
			// Never called: webhooks need no outgoing request.
			StripeAPIURL: "http://127.0.0.1:9", Currencies: "eur", MinAmount: 2, PledgeDays: 14}},
		slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		ln.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve returned %v after shutdown, want nil", err)
		}
		srv.Close()
	})
	return base, srv
}

// postStripe delivers one signed Stripe event and returns the status.
func postStripe(c *http.Client, base string, body []byte) (int, error) {
	sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: nodesSecret}).Header
	req, err := http.NewRequest(http.MethodPost, base+"/webhooks/stripe", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Stripe-Signature", sig)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestSimultaneousCumulativeRefundsAcrossTwoPostgresNodes: 200 simultaneous
// cumulative refunds across two PostgreSQL nodes book exactly. For each of
// 200 charges, Stripe's two charge.refunded events ("300 refunded so far",
// "500 refunded so far") reach the two nodes at the same moment, one each.
// Each node reads what is already refunded and books the difference; unless
// the two are serialized per payment, both read 0 and book 300 + 500.
func TestSimultaneousCumulativeRefundsAcrossTwoPostgresNodes(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Database(t) // skips, naming SAMIZDAT_TEST_POSTGRES, without a server
	baseA, srvA := startPostgresNode(t, dsn)
	baseB, _ := startPostgresNode(t, dsn)
	bases := []string{baseA, baseB}

	const charges = 200
	now := time.Now().Unix()
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2 * charges}}
	t.Cleanup(client.CloseIdleConnections)
	event := func(id, typ, obj string) []byte {
		return []byte(fmt.Sprintf(`{"id":"%s","object":"event","created":%d,"type":"%s","data":{"object":%s}}`, id, now, typ, obj))
	}
	pi := func(i int) string { return fmt.Sprintf("pi_nodes_%03d", i) }
	want := map[string]int64{}
	type delivery struct {
		node string // base URL
		body []byte
	}
	var deliveries []delivery
	for i := range charges {
		// The gift first, so that each refund finds its payment.
		gift := event(fmt.Sprintf("evt_gift_%03d", i), "checkout.session.completed",
			fmt.Sprintf(`{"id":"cs_%03d","object":"checkout.session","mode":"payment","payment_status":"paid","payment_intent":"%s","amount_total":1000,"currency":"eur"}`, i, pi(i)))
		if code, err := postStripe(client, bases[i%2], gift); err != nil || code != http.StatusOK {
			t.Fatalf("gift %d: %d, %v", i, code, err)
		}
		small, large := int64(100+i%5*50), int64(500+i%3*100)
		want[pi(i)] = large
		refund := func(n int, total int64) []byte {
			return event(fmt.Sprintf("evt_refund_%03d_%d", i, n), "charge.refunded",
				fmt.Sprintf(`{"id":"ch_nodes_%03d","object":"charge","amount":1000,"amount_refunded":%d,"currency":"eur","payment_intent":"%s"}`, i, total, pi(i)))
		}
		// The larger total goes to node A for even charges, to node B for odd.
		deliveries = append(deliveries, delivery{bases[i%2], refund(1, small)}, delivery{bases[(i+1)%2], refund(2, large)})
	}

	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, d := range deliveries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if code, err := postStripe(client, d.node, d.body); err != nil || code != http.StatusOK {
				t.Errorf("refund to %s: %d, %v", d.node, code, err)
			}
		}()
	}
	close(start)
	wg.Wait()

	entries, err := srvA.Store.Entries(context.Background(), store.LedgerQuery{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, e := range entries {
		if e.Kind == revenue.Refund {
			got[e.PaymentRef] -= e.Amount
		}
	}
	wrong := 0
	for ref, total := range want {
		if got[ref] != total {
			wrong++
			if wrong <= 5 {
				t.Errorf("%s: refunded %d, want %d (the larger cumulative total)", ref, got[ref], total)
			}
		}
	}
	if wrong > 0 {
		t.Errorf("%d of %d charges refunded wrong across two nodes", wrong, charges)
	}
}
