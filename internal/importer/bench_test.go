package importer_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/importer/wxrgen"
)

// BenchmarkWordPressImport imports a generated export of 10,000 posts
// (SAMIZDAT_BENCH_POSTS to change it) into a fresh SQLite database, and
// reports posts a second. scripts/bench-import.sh measures the CLI's
// throughput and peak memory on the same file.
func BenchmarkWordPressImport(b *testing.B) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	file := filepath.Join(b.TempDir(), "export.xml")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	if err := wxrgen.Write(f, n, 1); err != nil {
		b.Fatal(err)
	}
	f.Close()
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		s := newSite(b, engines()[0])
		b.StartTimer()
		start := time.Now()
		rep, err := s.importWP(b, file, "", false)
		if err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		if c := rep.Counts["post"]; c.Created != n-n/100 {
			b.Fatalf("created %d posts, want %d", c.Created, n-n/100)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/elapsed.Seconds(), "posts/s")
}
