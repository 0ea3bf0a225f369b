package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/revenue/btcpay"
	"github.com/samizdat-press/samizdat/internal/testpeer"
)

// BenchmarkWebhookIngest posts signed Stripe webhooks to a real server on
// loopback (fasthttp, SQLite): each event is verified, stored in the inbox
// and written to the ledger in one transaction before the 200. The
// events/s metric is the figure the issue asks for (at least 2,000).
func BenchmarkWebhookIngest(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := b.TempDir()
	const secret = "whsec_bench"
	cfg := config.Config{DB: filepath.Join(dir, "bench.db"), Media: filepath.Join(dir, "media"), BaseURL: "http://127.0.0.1",
		DataKey: "0202020202020202020202020202020202020202020202020202020202020202", CacheMB: 0, JobsEvery: time.Hour,
		Revenue: config.Revenue{StripeSecretKey: "sk_test_bench", StripeWebhookSecret: secret, StripeAPIURL: "http://127.0.0.1:9",
			Currencies: "eur", MinAmount: 2, PledgeDays: 14}}
	srv, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(ctx, ln)
	url := "http://" + ln.Addr().String() + "/webhooks/stripe"
	seq := postWebhooks(b, url, func(i int64) (body []byte, header, value string) {
		body = []byte(fmt.Sprintf(`{"id":"evt_b%d","object":"event","created":%d,"type":"checkout.session.completed","data":{"object":{"id":"cs_%d","mode":"payment","payment_status":"paid","payment_intent":"pi_b%d","amount_total":%d,"currency":"eur","metadata":{"variant":"2"}}}}`,
			i, time.Now().Unix(), i, i, 500+i%1000))
		return body, "Stripe-Signature", webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret}).Header
	})
	if _, n, err := srv.Store.LedgerTotals(context.Background()); err != nil || int64(n) != seq {
		b.Errorf("ledger holds %d entries for %d events (%v): exactly-once broken", n, seq, err)
	}
}

// BenchmarkBTCPayWebhookIngest posts signed InvoiceSettled webhooks to a
// real server on loopback (SQLite). Each is verified, read back from
// BTCPay (the fake, whose answers are checked against BTCPay's API
// description), stored in the inbox and written to the ledger in one
// transaction before the 200. events/s is the figure (≥ 2,000).
func BenchmarkBTCPayWebhookIngest(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := b.TempDir()
	f := testpeer.NewBTCPayFake(b)
	const secret = "btcpay-bench"
	cfg := config.Config{DB: filepath.Join(dir, "bench.db"), Media: filepath.Join(dir, "media"), BaseURL: "http://127.0.0.1",
		DataKey: "0202020202020202020202020202020202020202020202020202020202020202", CacheMB: 0, JobsEvery: time.Hour,
		Revenue: config.Revenue{BTCPayURL: f.URL, BTCPayStoreID: f.StoreID, BTCPayAPIKey: f.APIKey, BTCPayWebhookSecret: secret,
			ProviderCheck: time.Hour, Currencies: "eur", MinAmount: 2, PledgeDays: 14}}
	srv, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	// One checkout of ours and one settled invoice per event, made before
	// the clock starts.
	bodies := make([][]byte, b.N)
	for i := range b.N {
		id := fmt.Sprintf("co-bench-%d", i)
		if err := srv.Store.CreateCheckout(ctx, revenue.Checkout{ID: id, Provider: btcpay.Name, Frequency: revenue.OneTime,
			Amount: int64(500 + i%1000), Currency: "eur"}, nil); err != nil {
			b.Fatal(err)
		}
		// Created before the daily reconciliation's window, which the
		// server runs once at start: it would list them all.
		inv := f.AddInvoice(testpeer.FakeInvoice{Amount: fmt.Sprintf("%d.00", 5+i%10), Currency: "EUR", Status: "Settled",
			Metadata: map[string]any{"orderId": id}, CreatedTime: time.Now().AddDate(0, 0, -8).Unix()})
		bodies[i] = f.WebhookBody("InvoiceSettled", inv)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(ctx, ln)
	url := "http://" + ln.Addr().String() + "/webhooks/btcpay"
	seq := postWebhooks(b, url, func(i int64) (body []byte, header, value string) {
		body = bodies[i-1]
		return body, "BTCPay-Sig", testpeer.SignBTCPay(secret, body)
	})
	if _, n, err := srv.Store.LedgerTotals(context.Background()); err != nil || int64(n) != seq {
		b.Errorf("ledger holds %d entries for %d events (%v): exactly-once broken", n, seq, err)
	}
}

// postWebhooks posts b.N signed webhooks to url from 4 goroutines per CPU
// on keep-alive connections, each answered 200 before the next, and
// reports events/s. event makes the i-th (from 1) delivery: its body and
// signature header. It returns how many were posted.
func postWebhooks(b *testing.B, url string, event func(i int64) (body []byte, header, value string)) int64 {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var seq atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body, header, value := event(seq.Add(1))
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.Header.Set(header, value)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body) // so the connection is kept alive
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
	return seq.Load()
}
