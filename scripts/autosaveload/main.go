// Command autosaveload is the load side of scripts/bench-autosave.sh: a
// newsroom of editors autosaving drafts through the real HTTP endpoint, as
// the editor's script does.
//
//	autosaveload -base URL -article PATH -editors 20 -every 1s -email 'autosave%02d@bench.example' -password P [-ready FILE]
//
// Each editor signs in at /admin/signin, opens the editor of the published
// article at PATH and of another article of the first page of the admin's
// list, and then autosaves one of the two in turn every -every (their
// starts spread over the interval), each time with new typing, the
// session's cookie and its CSRF token in X-CSRF-Token, form-encoded like
// the browser. Once every editor is autosaving it creates -ready. It stops
// on SIGINT or SIGTERM (or after -max) and prints one JSON object: the
// autosaves sent, how many were answered 200, their rate and latency.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/signal"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

var (
	csrfRe     = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	versionRe  = regexp.MustCompile(`name="version" value="([0-9]+)"`)
	headlineRe = regexp.MustCompile(`name="headline" type="text"[^>]* value="([^"]*)"`)
	slugRe     = regexp.MustCompile(`name="slug" type="text"[^>]* value="([^"]*)"`)
	bodyRe     = regexp.MustCompile(`(?s)<textarea id="body" name="body"[^>]*>(.*?)</textarea>`)
	sectionRe  = regexp.MustCompile(`<option value="([0-9]+)" selected>`)
	listIDRe   = regexp.MustCompile(`href="/admin/articles/([0-9]+)"`)
)

// draft is what an editor's form holds of one article.
type draft struct {
	id                      string
	version, headline, body string
	section                 string
}

type editor struct {
	c      *http.Client
	base   string
	csrf   string
	drafts []draft
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("autosaveload: ")
	base := flag.String("base", "http://127.0.0.1:18087", "the site")
	article := flag.String("article", "", "path of the published article whose page is benchmarked")
	editors := flag.Int("editors", 20, "editors autosaving at once")
	every := flag.Duration("every", time.Second, "how often each editor autosaves")
	email := flag.String("email", "autosave%02d@bench.example", "the editors' e-mail addresses, a pattern of their number")
	password := flag.String("password", "", "the editors' password")
	ready := flag.String("ready", "", "file to create once every editor is autosaving")
	maxRun := flag.Duration("max", 10*time.Minute, "stop after this long whatever happens")
	flag.Parse()
	if *article == "" || *password == "" || *editors < 1 || *every <= 0 {
		log.Fatal("need -article, -password, -editors >= 1 and -every > 0")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *maxRun)
	defer cancel()

	eds := make([]*editor, *editors)
	for i := range eds {
		ed, err := signIn(*base, fmt.Sprintf(*email, i+1), *password)
		if err != nil {
			log.Fatal(err)
		}
		eds[i] = ed
	}
	target, others, err := eds[0].articles(path.Base(strings.TrimRight(*article, "/")))
	if err != nil {
		log.Fatal(err)
	}
	for i, ed := range eds {
		for _, id := range []string{target, others[i%len(others)]} {
			d, err := ed.open(id)
			if err != nil {
				log.Fatal(err)
			}
			ed.drafts = append(ed.drafts, d)
		}
	}

	var mu sync.Mutex
	var lat []time.Duration
	sent, failed := 0, 0
	var wg sync.WaitGroup
	start := time.Now()
	for i, ed := range eds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select { // spread the editors' ticks over the interval
			case <-ctx.Done():
				return
			case <-time.After(time.Duration(i) * *every / time.Duration(len(eds))):
			}
			t := time.NewTicker(*every)
			defer t.Stop()
			for n := 0; ; n++ {
				d := ed.drafts[n%len(ed.drafts)]
				began := time.Now()
				err := ed.autosave(ctx, d, n)
				took := time.Since(began)
				if ctx.Err() != nil {
					return
				}
				mu.Lock()
				sent++
				if err != nil {
					failed++
					if failed <= 3 {
						log.Print(err)
					}
				} else {
					lat = append(lat, took)
				}
				mu.Unlock()
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
	if *ready != "" {
		if err := os.WriteFile(*ready, []byte("ready\n"), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	<-ctx.Done()
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	out := map[string]any{"editors": len(eds), "every_ms": every.Milliseconds(), "sent": sent, "ok": len(lat), "failed": failed,
		"per_second": float64(sent) / elapsed, "p50_ms": pct(0.5), "p99_ms": pct(0.99), "article_id": target}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		log.Fatal(err)
	}
}

func signIn(base, email, password string) (*editor, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	ed := &editor{base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		Transport:     &http.Transport{MaxIdleConnsPerHost: 2},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	page, err := ed.get("/admin/signin")
	if err != nil {
		return nil, err
	}
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		return nil, errors.New("the sign-in form has no CSRF token")
	}
	resp, err := ed.c.PostForm(base+"/admin/signin", url.Values{"csrf": {html.UnescapeString(m[1])}, "email": {email}, "password": {password}})
	if err != nil {
		return nil, fmt.Errorf("sign in %s: %w", email, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign in %s: status %d, want 303", email, resp.StatusCode)
	}
	return ed, nil
}

func (ed *editor) get(p string) (string, error) {
	resp, err := ed.c.Get(ed.base + p)
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", p, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", p, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: status %d", p, resp.StatusCode)
	}
	return string(b), nil
}

// articles finds, on the first page of the admin's list, the article whose
// slug is slug and the others.
func (ed *editor) articles(slug string) (target string, others []string, err error) {
	list, err := ed.get("/admin/articles")
	if err != nil {
		return "", nil, err
	}
	for _, m := range listIDRe.FindAllStringSubmatch(list, -1) {
		id := m[1]
		if target == "" {
			page, err := ed.get("/admin/articles/" + id)
			if err != nil {
				return "", nil, err
			}
			if s := slugRe.FindStringSubmatch(page); s != nil && html.UnescapeString(s[1]) == slug {
				target = id
				continue
			}
		}
		if !slices.Contains(others, id) {
			others = append(others, id)
		}
	}
	if target == "" {
		return "", nil, fmt.Errorf("no article with the slug %q on the first page of the admin's list", slug)
	}
	if len(others) == 0 {
		return "", nil, errors.New("no other article on the first page of the admin's list")
	}
	return target, others, nil
}

// open reads the editor of article id as the form holds it.
func (ed *editor) open(id string) (draft, error) {
	page, err := ed.get("/admin/articles/" + id)
	if err != nil {
		return draft{}, err
	}
	d := draft{id: id}
	for _, f := range []struct {
		re  *regexp.Regexp
		dst *string
	}{{csrfRe, &ed.csrf}, {versionRe, &d.version}, {headlineRe, &d.headline}, {bodyRe, &d.body}} {
		m := f.re.FindStringSubmatch(page)
		if m == nil {
			return d, fmt.Errorf("the editor of article %s lacks %s", id, f.re)
		}
		*f.dst = html.UnescapeString(m[1])
	}
	if m := sectionRe.FindStringSubmatch(page); m != nil {
		d.section = m[1]
	}
	if !strings.Contains(page, `data-autosave="/admin/articles/`+id+`/autosave"`) {
		return d, fmt.Errorf("the editor of article %s does not autosave", id)
	}
	return d, nil
}

// autosave sends the n-th typing of d, as the editor's script does.
func (ed *editor) autosave(ctx context.Context, d draft, n int) error {
	form := url.Values{"csrf": {ed.csrf}, "version": {d.version}, "headline": {d.headline}, "lang": {"en"},
		"section": {d.section}, "body": {d.body + "\n\nTyped, not saved: " + strconv.Itoa(n)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ed.base+"/admin/articles/"+d.id+"/autosave", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", ed.csrf)
	req.Header.Set("Accept", "application/json")
	resp, err := ed.c.Do(req)
	if err != nil {
		return fmt.Errorf("autosave of article %s: %w", d.id, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"saved"`) {
		return fmt.Errorf("autosave of article %s: status %d: %s", d.id, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return nil
}
