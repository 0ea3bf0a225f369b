package server_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/samizdat-press/samizdat/internal/store"
)

const (
	crashSecret = "whsec_crash_test"
	crashKey    = "0101010101010101010101010101010101010101010101010101010101010101"
)

// revenueNode is a `samizdat serve` process with Stripe webhooks on; kill
// stops it with SIGKILL, as a crash or an OOM killer would.
type revenueNode struct {
	base string
	cmd  *exec.Cmd
	log  *bytes.Buffer
	mu   sync.Mutex
}

func startRevenueNode(t *testing.T, db, bin string) *revenueNode {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	n := &revenueNode{base: "http://" + addr, log: &bytes.Buffer{}}
	args := []string{"serve", "--db", db, "--addr", addr, "--media", filepath.Join(filepath.Dir(db), "media"),
		"--log-level", "WARN", "--data-key", crashKey, "--cache-mb", "0",
		"--stripe-secret-key", "sk_test_crash", "--stripe-webhook-secret", crashSecret,
		// Never called here: webhooks need no outgoing request.
		"--stripe-api-url", "http://127.0.0.1:9"}
	if bin != "" {
		n.cmd = exec.Command(bin, args...)
	} else {
		n.cmd = exec.Command(os.Args[0], "-test.run=^$")
		n.cmd.Env = append(os.Environ(), "SAMIZDAT_TEST_EXEC="+strings.Join(args, "\x1f"))
	}
	stderr, _ := n.cmd.StderrPipe()
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			n.mu.Lock()
			n.log.WriteString(sc.Text() + "\n")
			n.mu.Unlock()
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(n.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return n
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	n.kill()
	t.Fatalf("node did not start:\n%s", n.log.String())
	return nil
}

func (n *revenueNode) kill() {
	n.cmd.Process.Kill() // SIGKILL: no shutdown, no flush
	n.cmd.Wait()
}

// crashEvents builds the unique events of the test and the ledger totals
// they must produce: one-time gifts, subscription invoices, and refunds
// that Stripe reports as cumulative totals (two events for some payments,
// which may arrive in either order: the larger total wins).
func crashEvents(unique int) (events [][]byte, gifts, refunds int64) {
	rng := rand.New(rand.NewPCG(6, 6))
	now := time.Now().Unix()
	var paid []string
	refundMax := map[string]int64{}
	for i := range unique {
		id := fmt.Sprintf("evt_%06d", i)
		var obj, typ string
		switch k := rng.IntN(10); {
		case k < 6 || len(paid) == 0:
			amount := int64(200 + rng.IntN(9800))
			pi := fmt.Sprintf("pi_%06d", i)
			paid = append(paid, pi)
			gifts += amount
			typ = "checkout.session.completed"
			obj = fmt.Sprintf(`{"id":"cs_%d","object":"checkout.session","mode":"payment","payment_status":"paid","payment_intent":"%s","amount_total":%d,"currency":"eur","metadata":{"variant":"%d"}}`,
				i, pi, amount, 1+rng.IntN(3))
		case k < 9:
			amount := int64(500 + 100*rng.IntN(20))
			gifts += amount
			typ = "invoice.paid"
			obj = fmt.Sprintf(`{"id":"in_%06d","object":"invoice","customer":"cus_%d","amount_paid":%d,"currency":"eur","parent":{"subscription_details":{"subscription":"sub_%d","metadata":{"frequency":"monthly"}}},"lines":{"data":[{"period":{"end":%d}}]}}`,
				i, i%50, amount, i%50, now+30*86400)
		default:
			pi := paid[rng.IntN(len(paid))]
			total := int64(50 * (1 + rng.IntN(4)))
			if total > refundMax[pi] {
				refundMax[pi] = total
			}
			typ = "charge.refunded"
			obj = fmt.Sprintf(`{"id":"ch_%s","object":"charge","amount_refunded":%d,"currency":"eur","payment_intent":"%s"}`, pi, total, pi)
		}
		events = append(events, []byte(fmt.Sprintf(`{"id":"%s","object":"event","created":%d,"type":"%s","data":{"object":%s}}`, id, now+int64(i), typ, obj)))
	}
	for _, v := range refundMax {
		refunds -= v
	}
	return events, gifts, refunds
}

// TestLedgerCrashSafety delivers 10,000 webhooks (30% duplicates, shuffled)
// to a real server process that is killed with SIGKILL several times and
// restarted. Deliveries that fail are retried, as Stripe does. The ledger
// must end exactly at the expected sums: no gift lost, none doubled.
func TestLedgerCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	const deliveries = 10_000
	unique := deliveries * 10 / 13 // 30% more deliveries than events
	events, wantGifts, wantRefunds := crashEvents(unique)
	order := make([]int, 0, deliveries)
	for i := range events {
		order = append(order, i)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for len(order) < deliveries {
		order = append(order, rng.IntN(len(events)))
	}
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })

	db := filepath.Join(t.TempDir(), "crash.db")
	// The server processes are this test binary, run as samizdat; under
	// the race detector they are built without it, since what is tested
	// here is the crash, and instrumented SQLite would take minutes.
	bin := ""
	if crashRace {
		bin = filepath.Join(t.TempDir(), "samizdat")
		if out, err := exec.Command("go", "build", "-o", bin, "github.com/samizdat-press/samizdat/cmd/samizdat").CombinedOutput(); err != nil {
			t.Fatalf("build samizdat: %v\n%s", err, out)
		}
	}
	var node atomic.Pointer[revenueNode]
	node.Store(startRevenueNode(t, db, bin))
	defer func() { node.Load().kill() }()

	var next, done, kills atomic.Int64
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	deliver := func(body []byte) {
		for attempt := 0; ; attempt++ {
			if attempt > 2000 {
				t.Errorf("a delivery never succeeded")
				return
			}
			sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: crashSecret}).Header
			req, _ := http.NewRequest(http.MethodPost, node.Load().base+"/webhooks/stripe", bytes.NewReader(body))
			req.Header.Set("Stripe-Signature", sig)
			resp, err := client.Do(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return
				}
				if resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusRequestEntityTooLarge {
					t.Errorf("delivery refused: %d", resp.StatusCode)
					return
				}
			}
			time.Sleep(10 * time.Millisecond) // the server is down: retry, as Stripe would
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The killer: SIGKILL at several points of the run, then restart.
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		for _, at := range []int64{1200, 3300, 5600, 8100} {
			for done.Load() < at {
				select {
				case <-ctx.Done():
					return
				case <-time.After(2 * time.Millisecond):
				}
			}
			old := node.Load()
			old.kill()
			kills.Add(1)
			node.Store(startRevenueNode(t, db, bin))
		}
	}()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(order)) {
					return
				}
				deliver(events[order[i]])
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	cancel()
	<-killed
	if k := kills.Load(); k < 3 {
		t.Errorf("the server was killed %d times, want several", k)
	}
	node.Load().kill()

	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	totals, _, err := st.LedgerTotals(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if totals["gift eur"] != wantGifts || totals["refund eur"] != wantRefunds {
		t.Errorf("ledger: gifts %d, refunds %d; want exactly %d and %d", totals["gift eur"], totals["refund eur"], wantGifts, wantRefunds)
	}
	if n, _ := st.WebhookCount(context.Background(), "stripe"); n != len(events) {
		t.Errorf("inbox holds %d events, want %d", n, len(events))
	}
	t.Logf("%d deliveries of %d events, %d kills: gifts %d, refunds %d", deliveries, len(events), kills.Load(), wantGifts, wantRefunds)
}
