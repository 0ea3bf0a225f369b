package server_test

import (
	"bufio"
	"context"
	"fmt"
	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/server"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/cli"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/store/pgtest"
)

// TestMain lets the test binary act as `samizdat`, so that tests can start
// real, separate server processes (nodes) of the code under test.
func TestMain(m *testing.M) {
	if args := os.Getenv("SAMIZDAT_TEST_EXEC"); args != "" {
		ctx, stop := signalContext()
		err := cli.Run(ctx, strings.Split(args, "\x1f"), os.Stdin, os.Stdout, os.Stderr, os.Getenv)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "samizdat:", err)
			os.Exit(cli.ExitCode(err))
		}
		os.Exit(0)
	}
	code := m.Run()
	server.RemoveDemoTemplate()
	os.Exit(code)
}

// node is a `samizdat serve` process.
type node struct {
	base string
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  strings.Builder

	stopOnce sync.Once
}

// stop interrupts the node, as Ctrl-C or SIGTERM would, and waits for it
// to exit (killing it after 10 s). Stopping a stopped node does nothing.
func (n *node) stop(t testing.TB) {
	n.stopOnce.Do(func() {
		n.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { n.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("node %s did not stop within 10 s of an interrupt", n.base)
			n.cmd.Process.Kill()
			<-done
		}
	})
}

func (n *node) logText() string { n.mu.Lock(); defer n.mu.Unlock(); return n.log.String() }

func startNode(t testing.TB, dsn string) *node {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	n := &node{base: "http://" + addr}
	args := []string{"serve", "--db", dsn, "--addr", addr, "--media", t.TempDir(), "--jobs-every", "200ms", "--log-level", "INFO"}
	n.cmd = exec.Command(os.Args[0], "-test.run=^$")
	n.cmd.Env = append(os.Environ(), "SAMIZDAT_TEST_EXEC="+strings.Join(args, "\x1f"))
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
	t.Cleanup(func() {
		n.stop(t)
		if t.Failed() {
			t.Logf("node %s log:\n%s", n.base, n.logText())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(n.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return n
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("node %s did not start:\n%s", n.base, n.logText())
	return nil
}

func fetch(t testing.TB, c *http.Client, url string) (int, string) {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// seedCluster makes a section, a byline and an editor account.
func seedCluster(t testing.TB, dsn string) (content.Section, content.Author) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sec := content.Section{Slug: "news", Name: "News"}
	au := content.Author{Slug: "mara-lind", Name: "Mara Lind"}
	hash, _ := account.HashPassword("correct horse battery staple")
	if err := st.CreateSection(ctx, &sec); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateAuthor(ctx, &au); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, &account.User{Email: "editor@example.org", Role: account.RoleEditor, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	return sec, au
}

// TestTwoNodesShareChanges: an article published through node A is served
// by node B within a second, though B had the home page cached; a scheduled
// article goes live once, whichever node's scheduler gets there first.
func TestTwoNodesShareChanges(t *testing.T) {
	dsn := pgtest.Database(t)
	sec, au := seedCluster(t, dsn)
	a, b := startNode(t, dsn), startNode(t, dsn)

	// B caches its home page.
	for range 2 {
		if code, _ := fetch(t, nil, b.base+"/"); code != 200 {
			t.Fatalf("node B home: %d", code)
		}
	}

	// The editor signs in on A and publishes.
	jar, _ := cookiejar.New(nil)
	ca := &http.Client{Jar: jar}
	_, page := fetch(t, ca, a.base+"/admin/signin")
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the sign-in page")
	}
	resp, err := ca.PostForm(a.base+"/admin/signin", url.Values{"csrf": {m[1]}, "email": {"editor@example.org"},
		"password": {"correct horse battery staple"}, "next": {"/admin/"}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("sign in on A: %v %v", err, resp)
	}
	resp.Body.Close()
	_, page = fetch(t, ca, a.base+"/admin/articles/new")
	if m = csrfRe.FindStringSubmatch(page); m == nil {
		t.Fatalf("no CSRF token on the editor:\n%s", page)
	}
	form := url.Values{"csrf": {m[1]}, "headline": {"Ferry to Solvik resumes after three weeks"}, "dek": {"The crossing reopened."},
		"body": {"The ferry *sails* again."}, "section": {fmt.Sprint(sec.ID)}, "authors": {fmt.Sprint(au.ID)}, "lang": {"en"},
		"status": {"published"}, "version": {"0"}, "action": {"save"}, "tags": {"transport"}}
	resp, err = ca.PostForm(a.base+"/admin/articles/new", form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Saved") {
		t.Fatalf("publish on A: %d\n%s", resp.StatusCode, body)
	}
	published := time.Now()
	var seen time.Duration
	for {
		if _, home := fetch(t, nil, b.base+"/"); strings.Contains(home, "Ferry to Solvik resumes") {
			seen = time.Since(published)
			break
		}
		if time.Since(published) > 5*time.Second {
			t.Fatal("node B still serves the old home page 5 s after node A published")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if seen > time.Second {
		t.Errorf("node B served the new article after %s, want within 1 s", seen)
	}
	t.Logf("published on A, visible on B after %s", seen.Round(time.Millisecond))

	// A scheduled article: both nodes' schedulers run every 200 ms.
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := content.NewService(st, content.NewRenderer())
	sched := &content.Article{Headline: "Budget vote moved to Friday", Body: "The vote moves.", Lang: "en",
		Status: content.StatusScheduled, Section: sec, PublishedAt: time.Now().Add(time.Second).UTC().Truncate(time.Second)}
	if err := svc.Create(ctx, sched); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, ha := fetch(t, nil, a.base+"/")
		_, hb := fetch(t, nil, b.base+"/")
		if strings.Contains(ha, "Budget vote moved") && strings.Contains(hb, "Budget vote moved") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the scheduled article did not go live on both nodes within 10 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(600 * time.Millisecond) // a few more scheduler rounds on both nodes
	count := strings.Count(a.logText(), "published scheduled articles") + strings.Count(b.logText(), "published scheduled articles")
	if count != 1 {
		t.Errorf("scheduled article published %d times across the nodes, want exactly once", count)
	}
}

// proxy is a TCP relay to PostgreSQL that the test can cut and restore, as
// if the database stopped and came back.
type proxy struct {
	addr, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{addr: ln.Addr().String(), target: target}
	p.serve(ln)
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) restart(t *testing.T) {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("restart proxy: %v", err)
	}
	p.serve(ln)
}

// TestDatabaseOutage: with PostgreSQL gone, cached pages are still served,
// pages that need the database fail fast with 503, /healthz says why, and
// everything recovers without a restart when the database is back.
func TestDatabaseOutage(t *testing.T) {
	dsn := pgtest.Database(t)
	seedCluster(t, dsn)
	u, _ := url.Parse(dsn)
	px := newProxy(t, u.Host)
	u.Host = px.addr
	n := startNode(t, u.String())

	if code, _ := fetch(t, nil, n.base+"/"); code != 200 { // cached now
		t.Fatalf("home: %d", code)
	}
	px.stop()

	start := time.Now()
	code, body := fetch(t, nil, n.base+"/news/")
	if code != http.StatusServiceUnavailable {
		t.Errorf("section page with the database down: %d, want 503\n%s", code, body)
	}
	if d := time.Since(start); d > 6*time.Second {
		t.Errorf("the 503 took %s; want a quick answer", d)
	}
	if code, _ := fetch(t, nil, n.base+"/"); code != 200 {
		t.Errorf("cached home page with the database down: %d, want 200", code)
	}
	code, body = fetch(t, nil, n.base+"/healthz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "database postgres: unavailable") || !strings.Contains(body, "connection refused") {
		t.Errorf("healthz with the database down: %d %q, want 503 naming the database", code, body)
	}
	if strings.Contains(n.logText(), "password=") {
		t.Error("a password reached the log")
	}

	// While the node cannot reach the database (nor hear its
	// notifications), an article is published directly: after the outage
	// the node catches up from the change feed's sequence.
	func() {
		st, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		sec, err := st.SectionBySlug(context.Background(), "news")
		if err != nil {
			t.Fatal(err)
		}
		missed := &content.Article{Headline: "Written while the node was cut off", Body: "Meanwhile.", Lang: "en",
			Status: content.StatusPublished, Section: sec, PublishedAt: time.Now().Add(-time.Minute).UTC().Truncate(time.Second)}
		if err := content.NewService(st, content.NewRenderer()).Create(context.Background(), missed); err != nil {
			t.Fatal(err)
		}
	}()
	px.restart(t)
	deadline := time.Now().Add(15 * time.Second)
	for {
		c1, _ := fetch(t, nil, n.base+"/news/")
		c2, _ := fetch(t, nil, n.base+"/healthz")
		if c1 == 200 && c2 == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not recovered 15 s after the database came back: section %d, healthz %d", c1, c2)
		}
		time.Sleep(100 * time.Millisecond)
	}
	back := time.Now()
	for {
		if _, home := fetch(t, nil, n.base+"/"); strings.Contains(home, "Written while the node was cut off") {
			break
		}
		if time.Since(back) > 5*time.Second {
			t.Fatal("the cached home page lacks the article written during the outage 5 s after the node recovered")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("caught up %s after recovering", time.Since(back).Round(time.Millisecond))
}

// BenchmarkPublishToOtherNode measures how long an article published on one
// node (this process) takes to appear on another node's cached home page:
// 100 publishes, median and worst. It needs PostgreSQL (SAMIZDAT_BENCH_POSTGRES
// or SAMIZDAT_TEST_POSTGRES, a server where it may create a database).
func BenchmarkPublishToOtherNode(b *testing.B) {
	if u := os.Getenv("SAMIZDAT_BENCH_POSTGRES"); u != "" {
		os.Setenv("SAMIZDAT_TEST_POSTGRES", u)
	}
	dsn := pgtest.Database(b)
	sec, _ := seedCluster(b, dsn)
	nodeB := startNode(b, dsn)
	ctx := context.Background()
	srvA, err := server.New(ctx, config.Config{DB: dsn, Media: b.TempDir(), BaseURL: "http://127.0.0.1:1", CacheMB: 8}, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer srvA.Close()
	var times []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ { // make bench runs it with -benchtime=100x
		fetch(b, nil, nodeB.base+"/") // B has the home page cached
		headline := fmt.Sprintf("Propagation check number %d", i)
		a := &content.Article{Headline: headline, Body: "Checking.", Lang: "en", Status: content.StatusPublished, Section: sec,
			PublishedAt: time.Now().Add(-time.Second).UTC().Truncate(time.Second)}
		start := time.Now()
		if err := srvA.Content.Create(ctx, a); err != nil {
			b.Fatal(err)
		}
		for _, home := fetch(b, nil, nodeB.base+"/"); !strings.Contains(home, headline); _, home = fetch(b, nil, nodeB.base+"/") {
			if time.Since(start) > 5*time.Second {
				b.Fatalf("article %d not visible on the other node after 5 s", i)
			}
			time.Sleep(time.Millisecond)
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	if len(times) > 0 {
		b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
		b.ReportMetric(float64(times[len(times)-1].Microseconds())/1000, "worst-ms")
		b.ReportMetric(float64(len(times)), "publishes")
	}
}
