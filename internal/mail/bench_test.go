package mail_test

import (
	"context"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/testpeer"
)

// BenchmarkEnqueue is the cost of putting one mail in the outbox (sealing
// its address included), in batches of 100 as a newsletter send does.
func BenchmarkEnqueue(b *testing.B) {
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			node, _ := e.open(b)
			st := node()
			batch := msgs(100, "Bench")
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i += 100 {
				if err := st.EnqueueMail(ctx, batch...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDeliver is the worker end to end into a real SMTP server
// (mailpit): claim, send, mark sent. Reported as messages per second.
func BenchmarkDeliver(b *testing.B) {
	pit := testpeer.StartMailpit(b)
	node, _ := engines[0].open(b)
	st := node()
	ctx := context.Background()
	for i := 0; i < b.N; i += 100 {
		if err := st.EnqueueMail(ctx, msgs(min(100, b.N-i), "Deliver")...); err != nil {
			b.Fatal(err)
		}
	}
	c := newClock()
	w := newWorker(b, st, pit.SMTPURL(), 100, c)
	b.ResetTimer()
	start := time.Now()
	sent := 0
	for sent < b.N {
		n, err := w.RunOnce(ctx)
		if err != nil {
			b.Fatal(err)
		}
		sent += n
		c.Add(time.Second)
	}
	b.ReportMetric(float64(sent)/time.Since(start).Seconds(), "msgs/s")
}
