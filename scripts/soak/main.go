// Command soak is the load side of scripts/bench-soak.sh.
//
//	soak urls -base URL -n 1000 > urls.txt
//
// lists n distinct URLs of a running site, in the mix readers and crawlers
// ask for: the home page, section fronts and their later pages, articles,
// tag and author pages, feeds, sitemaps and searches.
//
//	soak load -base URL -urls urls.txt -rate R -duration D [-conns 64] [-pid PID]
//
// requests the URLs in turn over keep-alive connections. With -rate 0 it
// is closed-loop, as fast as the connections go (saturation); with a rate
// it is open-loop: requests are scheduled at that rate whatever the server
// does, and each latency is measured from the scheduled time, so a stall
// counts for every request it delays. With -pid it samples the server's
// resident memory every 5 s. It prints one JSON object.
//
//	soak visible -bin samizdat -db DSN -nodes URL,URL [-n 50]
//
// imports an article with `samizdat import markdown` (a process of its
// own) n times, and times how long each takes to show on every node's
// cached home page, from the command's start and from its exit.
package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("soak: ")
	if len(os.Args) < 2 {
		log.Fatal("usage: soak urls|load|visible [flags]")
	}
	var err error
	switch os.Args[1] {
	case "urls":
		err = urlsCmd(os.Args[2:])
	case "load":
		err = loadCmd(os.Args[2:])
	case "visible":
		err = visibleCmd(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		log.Fatal(err)
	}
}

var client = &http.Client{
	Transport: &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true},
	Timeout:   30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

func get(u string) (int, []byte, error) {
	resp, err := client.Get(u)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// locs returns the <loc>s of a sitemap or sitemap index.
func locs(u string) ([]string, error) {
	code, b, err := get(u)
	if err != nil || code != 200 {
		return nil, fmt.Errorf("GET %s: %d %v", u, code, err)
	}
	var doc struct {
		URLs []struct {
			Loc string `xml:"loc"`
		} `xml:"url"`
		Maps []struct {
			Loc string `xml:"loc"`
		} `xml:"sitemap"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	var out []string
	for _, l := range doc.URLs {
		out = append(out, l.Loc)
	}
	for _, m := range doc.Maps {
		more, err := locs(m.Loc)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

func urlsCmd(args []string) error {
	fs := flag.NewFlagSet("urls", flag.ExitOnError)
	base := fs.String("base", "http://127.0.0.1:18080", "the running site")
	n := fs.Int("n", 1000, "how many distinct URLs")
	fs.Parse(args)
	all, err := locs(*base + "/sitemap.xml")
	if err != nil {
		return err
	}
	var fronts, articles, others []string
	for _, l := range all {
		u, err := url.Parse(l)
		if err != nil {
			continue
		}
		p := u.RequestURI()
		switch {
		case strings.Count(p, "/") == 2 && strings.HasSuffix(p, "/") && !strings.HasPrefix(p, "/tag/") && !strings.HasPrefix(p, "/author/"):
			fronts = append(fronts, p)
		case len(p) > 11 && p[1] >= '0' && p[1] <= '9':
			articles = append(articles, p)
		case p != "/":
			others = append(others, p) // tags, authors
		}
	}
	mix := []string{"/", "/feed.xml", "/atom.xml", "/feed.json", "/sitemap.xml", "/news-sitemap.xml", "/robots.txt"}
	for _, f := range fronts {
		mix = append(mix, f, f+"?page=2", f+"?page=3", f+"feed.xml")
	}
	words := []string{"court", "election", "budget", "border", "energy", "hospital", "strike", "journalist", "censorship", "pension",
		"%22border+village%22", "court+appeal", "energy+tariff", "exile", "protest", "mirror", "blocking", "teacher", "winter", "inflation"}
	for _, w := range words {
		mix = append(mix, "/search?q="+w)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
	rng.Shuffle(len(articles), func(i, j int) { articles[i], articles[j] = articles[j], articles[i] })
	// A tenth tags and authors, the rest articles: what readers open most.
	for _, p := range others[:min(len(others), *n/10)] {
		mix = append(mix, p)
	}
	for _, p := range articles {
		if len(mix) >= *n {
			break
		}
		mix = append(mix, p)
	}
	slices.Sort(mix)
	mix = slices.Compact(mix)
	if len(mix) < *n {
		log.Printf("the site has only %d URLs of the mix, fewer than %d", len(mix), *n)
	}
	for _, p := range mix[:min(len(mix), *n)] {
		fmt.Println(p)
	}
	return nil
}

// rss returns the resident memory of pid in bytes.
func rss(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return kb << 10
		}
	}
	return 0
}

type loadResult struct {
	Rate       float64 `json:"rate"` // achieved requests/s
	Target     float64 `json:"target_rate"`
	Seconds    float64 `json:"seconds"`
	Requests   int64   `json:"requests"`
	Errors     int64   `json:"errors"`
	Late       int64   `json:"late"` // scheduled requests no connection could take in time
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	P999ms     float64 `json:"p999_ms"`
	MaxMs      float64 `json:"max_ms"`
	FirstError string  `json:"first_error,omitempty"`
	RSSMinute  int64   `json:"rss_1min_bytes,omitempty"`
	RSSEnd     int64   `json:"rss_end_bytes,omitempty"`
	RSSMax     int64   `json:"rss_max_after_1min_bytes,omitempty"`
	RSSMin     int64   `json:"rss_min_after_1min_bytes,omitempty"`
	RSSSamples []int64 `json:"rss_samples_mb,omitempty"`
	// Timeline is each 10-second window's p99 and worst latency in ms.
	Timeline    []string `json:"timeline_p99_max_ms,omitempty"`
	Connections int      `json:"connections"`
}

func loadCmd(args []string) error {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	base := fs.String("base", "http://127.0.0.1:18080", "the running site")
	list := fs.String("urls", "urls.txt", "file of paths, one a line")
	rate := fs.Float64("rate", 0, "requests per second; 0: as fast as the connections go")
	dur := fs.Duration("duration", 20*time.Second, "how long")
	conns := fs.Int("conns", 64, "keep-alive connections")
	pid := fs.Int("pid", 0, "server process whose memory to sample")
	fs.Parse(args)
	b, err := os.ReadFile(*list)
	if err != nil {
		return err
	}
	paths := strings.Fields(string(b))
	if len(paths) == 0 {
		return fmt.Errorf("%s lists no URLs", *list)
	}
	// Each connection its own transport, so they stay separate.
	clients := make([]*http.Client, *conns)
	for i := range clients {
		clients[i] = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	start := time.Now()
	var (
		next     atomic.Int64
		errs     atomic.Int64
		late     atomic.Int64
		mu       sync.Mutex
		all      = newHistogram(10 * time.Microsecond)
		windows  []*histogram // each 10-second window's, to see when the tail happens
		firstErr atomic.Value
	)
	do := func(c *http.Client, p string, from time.Time) {
		req, _ := http.NewRequest("GET", *base+p, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := c.Do(req)
		ok := err == nil
		if ok {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			// Every URL of the list exists: anything but 2xx, 3xx or 304 is an error.
			ok = resp.StatusCode < 400
			if !ok {
				err = fmt.Errorf("GET %s: %d", p, resp.StatusCode)
			}
		}
		d := time.Since(from)
		if !ok {
			errs.Add(1)
			firstErr.CompareAndSwap(nil, err.Error())
		}
		w := int(from.Sub(start) / (10 * time.Second))
		mu.Lock()
		all.add(d)
		for len(windows) <= w {
			windows = append(windows, newHistogram(100*time.Microsecond))
		}
		windows[w].add(d)
		mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	var samples []int64
	var sampleWG sync.WaitGroup
	if *pid > 0 {
		sampleWG.Add(1)
		go func() {
			defer sampleWG.Done()
			t := time.NewTicker(5 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					samples = append(samples, rss(*pid))
					return
				case <-t.C:
					samples = append(samples, rss(*pid))
				}
			}
		}()
	}
	var wg sync.WaitGroup
	if *rate <= 0 {
		for _, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					i := next.Add(1)
					do(c, paths[int(i)%len(paths)], time.Now())
				}
			}()
		}
	} else {
		type job struct {
			path string
			at   time.Time
		}
		jobs := make(chan job, *conns)
		for _, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range jobs {
					do(c, j.path, j.at)
				}
			}()
		}
		interval := time.Duration(float64(time.Second) / *rate)
		for k := int64(0); ; k++ {
			at := start.Add(time.Duration(k) * interval)
			if d := time.Until(at); d > 0 {
				select {
				case <-ctx.Done():
				case <-time.After(d):
				}
			}
			if ctx.Err() != nil {
				break
			}
			select {
			case jobs <- job{paths[int(k)%len(paths)], at}:
			default:
				// Every connection is busy and the queue is full: the
				// request waits, and its wait counts in its latency.
				late.Add(1)
				jobs <- job{paths[int(k)%len(paths)], at}
			}
		}
		close(jobs)
	}
	wg.Wait()
	cancel()
	sampleWG.Wait()
	secs := time.Since(start).Seconds()
	var timeline []string
	for i, h := range windows {
		timeline = append(timeline, fmt.Sprintf("%ds:%.1f/%.0f", i*10, h.quantile(0.99), h.maxMs()))
	}
	res := loadResult{Rate: float64(all.n) / secs, Target: *rate, Seconds: secs, Requests: all.n, Errors: errs.Load(),
		Late: late.Load(), Timeline: timeline, P50ms: all.quantile(0.50), P99ms: all.quantile(0.99), P999ms: all.quantile(0.999),
		MaxMs: all.maxMs(), Connections: *conns}
	if v, ok := firstErr.Load().(string); ok {
		res.FirstError = v
	}
	for i, s := range samples {
		res.RSSSamples = append(res.RSSSamples, s>>20)
		if at := time.Duration(i+1) * 5 * time.Second; at >= time.Minute {
			if res.RSSMinute == 0 {
				res.RSSMinute = s
			}
			res.RSSMax = max(res.RSSMax, s)
			if res.RSSMin == 0 || s < res.RSSMin {
				res.RSSMin = s
			}
		}
	}
	if len(samples) > 0 {
		res.RSSEnd = samples[len(samples)-1]
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// histogram counts latencies in fixed buckets up to 2 s, so that a long
// soak keeps a fixed amount of memory and the generator's own pauses
// (growing a slice of millions) stay out of what it measures.
type histogram struct {
	width   time.Duration
	n       int64
	buckets []int64
	over    int64 // beyond the last bucket
	max     time.Duration
}

// newHistogram counts in buckets of width up to 2 s.
func newHistogram(width time.Duration) *histogram {
	return &histogram{width: width, buckets: make([]int64, 2*time.Second/width)}
}

func (h *histogram) add(d time.Duration) {
	h.n++
	h.max = max(h.max, d)
	if i := int(d / h.width); i < len(h.buckets) {
		h.buckets[i]++
	} else {
		h.over++
	}
}

func (h *histogram) maxMs() float64 { return float64(h.max.Microseconds()) / 1000 }

// quantile returns the latency below which fraction q of requests fell, in ms.
func (h *histogram) quantile(q float64) float64 {
	want := int64(q * float64(h.n))
	var seen int64
	for i, c := range h.buckets {
		if seen += c; seen > want {
			return float64(time.Duration(i+1)*h.width) / float64(time.Millisecond)
		}
	}
	return h.maxMs()
}

type visibleResult struct {
	Runs         int     `json:"runs"`
	FromStartP50 float64 `json:"from_start_p50_ms"`
	FromStartP99 float64 `json:"from_start_p99_ms"`
	FromExitP50  float64 `json:"from_exit_p50_ms"`
	FromExitP99  float64 `json:"from_exit_p99_ms"`
	Worst        float64 `json:"worst_ms"`
}

func visibleCmd(args []string) error {
	fs := flag.NewFlagSet("visible", flag.ExitOnError)
	bin := fs.String("bin", "samizdat", "the samizdat binary")
	dsn := fs.String("db", "", "the database the nodes share")
	nodes := fs.String("nodes", "", "comma-separated base URLs of the nodes")
	section := fs.String("section", "news", "section of the imported articles")
	n := fs.Int("n", 50, "imports")
	fs.Parse(args)
	bases := strings.Split(*nodes, ",")
	dir, err := os.MkdirTemp("", "soak-visible-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var fromStart, fromExit []float64
	for i := range *n {
		for _, b := range bases {
			get(b + "/") // cached on every node
			get(b + "/")
		}
		headline := fmt.Sprintf("Visibility check %d of %d at %d", i+1, *n, time.Now().UnixNano())
		sub := filepath.Join(dir, strconv.Itoa(i))
		os.MkdirAll(sub, 0o755)
		md := fmt.Sprintf("---\ntitle: %q\ndate: %s\nsection: %s\n---\nChecking how fast a change reaches every node.\n",
			headline, time.Now().Add(-time.Minute).UTC().Format(time.RFC3339), *section)
		if err := os.WriteFile(filepath.Join(sub, "check.md"), []byte(md), 0o644); err != nil {
			return err
		}
		start := time.Now()
		out, err := exec.Command(*bin, "import", "markdown", sub, "--db", *dsn).CombinedOutput()
		if err != nil {
			return fmt.Errorf("import: %v\n%s", err, out)
		}
		exited := time.Now()
		for _, b := range bases {
			for {
				if _, body, _ := get(b + "/"); strings.Contains(string(body), headline) {
					break
				}
				if time.Since(start) > 10*time.Second {
					return fmt.Errorf("%s: not visible 10 s after the import", b)
				}
				time.Sleep(2 * time.Millisecond)
			}
		}
		fromStart = append(fromStart, float64(time.Since(start).Microseconds())/1000)
		fromExit = append(fromExit, float64(time.Since(exited).Microseconds())/1000)
	}
	slices.Sort(fromStart)
	slices.Sort(fromExit)
	q := func(s []float64, f float64) float64 { return s[min(len(s)-1, int(f*float64(len(s))))] }
	return json.NewEncoder(os.Stdout).Encode(visibleResult{Runs: len(fromStart),
		FromStartP50: q(fromStart, 0.5), FromStartP99: q(fromStart, 0.99), FromExitP50: q(fromExit, 0.5), FromExitP99: q(fromExit, 0.99),
		Worst: fromStart[len(fromStart)-1]})
}
