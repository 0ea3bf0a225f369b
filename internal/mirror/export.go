package mirror

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

// Source lists what the export must include; the store satisfies it.
type Source interface {
	Sections(ctx context.Context) ([]content.Section, error)
	Authors(ctx context.Context) ([]content.Author, error)
	Tags(ctx context.Context) ([]content.Tag, error)
	CountArticles(ctx context.Context, q store.ListQuery) (int, error)
	ListArticles(ctx context.Context, q store.ListQuery) ([]*content.Article, error)
}

// File is a file the caller adds to the export as it is, such as the
// pages that replace those needing the server.
type File struct {
	Path string // URL path, such as "/support" or "/robots.txt"
	Body []byte
}

// Options configure Export.
type Options struct {
	// Handler is the site itself: every page is rendered by a request
	// through it, so the copy is byte for byte what the server sends.
	Handler  http.Handler
	BaseURL  string // the Host of those requests, and the manifest's base
	Source   Source
	Out      string
	Force    bool // replace a non-empty directory that is not an export
	Key      ed25519.PrivateKey
	Extra    []File
	Workers  int                   // 0: one per CPU
	Progress func(done, total int) // called from one goroutine at a time
	// Create opens a file for writing; nil is os.Create. Tests inject a
	// failing writer here to stand for a full disk.
	Create func(name string) (io.WriteCloser, error)
	// StallAfter, when positive, blocks the export after writing that many
	// files until ctx ends: tests use it to kill an export midway.
	StallAfter int
	OnStall    func()
	PageSize   int // articles per list page; the site's PageSize
}

// Result counts what an export did.
type Result struct {
	Files   int   // in the export
	Written int   // new or changed, written
	Linked  int   // unchanged, kept (hard-linked from the previous export)
	Removed int   // in the previous export, gone from this one
	Bytes   int64 // size of all files
}

// Manifest is manifest.json: every file of the export with its size and
// SHA-256, signed by manifest.sig.
type Manifest struct {
	Generator string  `json:"generator"`
	Version   int     `json:"version"`
	BaseURL   string  `json:"base_url"`
	Created   string  `json:"created"`
	Files     []Entry `json:"files"`
}

// Entry is one file in the manifest.
type Entry struct {
	Path   string `json:"path"` // slash-separated, relative to the export root
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

const (
	manifestName = "manifest.json"
	sigName      = "manifest.sig"
	generator    = "samizdat"
	// PubKeyPath is where the export and the server publish the public key.
	PubKeyPath = "/.well-known/samizdat-mirror.pub"
)

// ErrNotExport is returned for a non-empty directory that holds no export.
var ErrNotExport = errors.New("is not empty and holds no samizdat export; use --force to replace its contents")

// job is one URL to render.
type job struct {
	url      string // path and query, as requested from the site
	optional bool   // a 404 means "not part of the site" rather than an error
}

var (
	// pageLinkRE finds links to later pages of a list, which in the copy
	// are directories: /news/?page=2 becomes /news/page/2/.
	pageLinkRE = regexp.MustCompile(`href="(/(?:[^"?#]*/)?)\?page=(\d+)"`)
)

// Export writes the public site into opt.Out. It builds the new copy
// beside the old one, hard-linking files whose content has not changed,
// and swaps the two directories at the end, so a failed or killed export
// leaves the previous one whole and being served.
func Export(ctx context.Context, opt Options) (Result, error) {
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.PageSize <= 0 {
		return Result{}, errors.New("export: page size not set")
	}
	if opt.Create == nil {
		opt.Create = func(name string) (io.WriteCloser, error) { return os.Create(name) }
	}
	out, err := filepath.Abs(opt.Out)
	if err != nil {
		return Result{}, err
	}
	prev, err := previous(out, opt.Force)
	if err != nil {
		return Result{}, err
	}
	staging := sibling(out, "new")
	if err := recoverSwap(out); err != nil {
		return Result{}, err
	}
	// What a killed export left behind is never served: start afresh.
	if err := os.RemoveAll(staging); err != nil {
		return Result{}, fmt.Errorf("export: remove the unfinished export %s: %w", staging, err)
	}
	if err := os.MkdirAll(staging, 0o755); err != nil {
		return Result{}, fmt.Errorf("export: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(staging)
		}
	}()

	w := &writer{opt: opt, out: out, staging: staging, prev: prev, done: map[string]bool{}, ctx: ctx}
	jobs, err := plan(ctx, opt, w)
	if err != nil {
		return Result{}, err
	}
	// The caller's files replace the site's pages at the same place (the
	// live /support needs the server; the copy's does not).
	extra := map[string]bool{}
	for _, f := range opt.Extra {
		extra[filePath(f.Path)] = true
	}
	jobs = slices.DeleteFunc(jobs, func(j job) bool { return extra[filePath(j.url)] })
	w.mu.Lock()
	w.total += len(jobs) + len(opt.Extra) + 1
	w.mu.Unlock()
	for _, f := range opt.Extra {
		if err := w.put(f.Path, f.Body); err != nil {
			return Result{}, err
		}
	}
	if err := w.put(PubKeyPath, PublicKeyText(opt.Key.Public().(ed25519.PublicKey))); err != nil {
		return Result{}, err
	}
	if err := w.run(ctx, jobs); err != nil {
		return Result{}, err
	}
	// The assets the pages use, found while writing them.
	if err := w.run(ctx, w.assetJobs()); err != nil {
		return Result{}, err
	}
	if err := w.finish(); err != nil {
		return Result{}, err
	}
	if err := swap(staging, out); err != nil {
		return Result{}, err
	}
	ok = true
	// staging now holds the previous export; its unchanged files live on
	// as hard links in the new one.
	if err := os.RemoveAll(staging); err != nil {
		return w.res, fmt.Errorf("export: remove the previous export: %w", err)
	}
	for p := range prev {
		if !w.done[p] {
			w.res.Removed++
		}
	}
	return w.res, nil
}

// sibling is a hidden directory beside out, on the same file system, so
// that renames and hard links between them work.
func sibling(out, what string) string {
	return filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".samizdat-"+what)
}

// previous reads the previous export's manifest, if out holds one. An
// empty or missing directory has none; anything else is refused unless
// force.
func previous(out string, force bool) (map[string]Entry, error) {
	entries, err := os.ReadDir(out)
	if errors.Is(err, fs.ErrNotExist) {
		// An interrupted swap on a system without an atomic exchange may
		// have left the export aside: recoverSwap puts it back.
		if _, err := os.Stat(sibling(out, "old")); err == nil {
			if err := recoverSwap(out); err != nil {
				return nil, err
			}
			return previous(out, force)
		}
		return map[string]Entry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if len(entries) == 0 {
		return map[string]Entry{}, nil
	}
	m, err := readManifest(out)
	if err != nil {
		if force {
			return map[string]Entry{}, nil
		}
		return nil, fmt.Errorf("export: %s %w", out, ErrNotExport)
	}
	prev := make(map[string]Entry, len(m.Files))
	for _, e := range m.Files {
		prev[e.Path] = e
	}
	return prev, nil
}

func readManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", manifestName, err)
	}
	if m.Generator != generator {
		return nil, fmt.Errorf("%s: not written by samizdat", manifestName)
	}
	return &m, nil
}

// plan lists every public URL: the fixed pages, every list page of every
// section, topic and author, and every article. Articles come from the
// sitemap the site renders (which the export writes anyway), not from
// paging through the articles table: a list query reads each row whole,
// bodies included, and paging through 100,000 rows that way costs minutes.
func plan(ctx context.Context, opt Options, w *writer) ([]job, error) {
	src := opt.Source
	jobs := []job{{url: "/"}, {url: "/feed.xml"}, {url: "/atom.xml"}, {url: "/feed.json"},
		{url: "/news-sitemap.xml"}, {url: "/robots.txt"}, {url: "/mirrors"}, {url: "/mirrors.txt"}}
	lists := map[string]store.ListQuery{}
	secs, err := src.Sections(ctx)
	if err != nil {
		return nil, fmt.Errorf("export: sections: %w", err)
	}
	for _, s := range secs {
		lists["/"+s.Slug+"/"] = store.ListQuery{SectionID: s.ID}
		jobs = append(jobs, job{url: "/" + s.Slug + "/feed.xml"})
	}
	tags, err := src.Tags(ctx)
	if err != nil {
		return nil, fmt.Errorf("export: tags: %w", err)
	}
	for _, t := range tags {
		lists["/tag/"+t.Slug+"/"] = store.ListQuery{TagID: t.ID}
	}
	authors, err := src.Authors(ctx)
	if err != nil {
		return nil, fmt.Errorf("export: authors: %w", err)
	}
	for _, a := range authors {
		lists["/author/"+a.Slug+"/"] = store.ListQuery{AuthorID: a.ID}
	}
	urls, err := w.sitemap(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range urls {
		q, isList := lists[u]
		if u == "/" || !strings.HasPrefix(u, "/") {
			continue
		}
		jobs = append(jobs, job{url: u})
		if !isList {
			continue
		}
		n, err := src.CountArticles(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("export: count articles: %w", err)
		}
		for p := 2; p <= (n+opt.PageSize-1)/opt.PageSize; p++ {
			jobs = append(jobs, job{url: u + "?page=" + strconv.Itoa(p)})
		}
	}
	return jobs, nil
}

var locRE = regexp.MustCompile(`<loc>([^<]+)</loc>`)

// sitemap writes /sitemap.xml and, for a large site, its parts, and returns
// the paths they list.
func (w *writer) sitemap(ctx context.Context) ([]string, error) {
	body, err := w.fetch(ctx, job{url: "/sitemap.xml"})
	if err != nil {
		return nil, err
	}
	if err := w.put("/sitemap.xml", body); err != nil {
		return nil, err
	}
	docs := [][]byte{body}
	if bytes.Contains(body, []byte("<sitemapindex")) {
		docs = nil
		for _, m := range locRE.FindAllSubmatch(body, -1) {
			p, ok := strings.CutPrefix(string(m[1]), w.opt.BaseURL)
			if !ok {
				return nil, fmt.Errorf("export: sitemap part %s is not under %s", m[1], w.opt.BaseURL)
			}
			part, err := w.fetch(ctx, job{url: p})
			if err != nil {
				return nil, err
			}
			if err := w.put(p, part); err != nil {
				return nil, err
			}
			docs = append(docs, part)
		}
	}
	var urls []string
	for _, d := range docs {
		for _, m := range locRE.FindAllSubmatch(d, -1) {
			if p, ok := strings.CutPrefix(string(m[1]), w.opt.BaseURL); ok {
				urls = append(urls, p)
			}
		}
	}
	return urls, nil
}

// writer renders jobs into the staging directory.
type writer struct {
	opt           Options
	out, staging  string
	prev          map[string]Entry
	mu            sync.Mutex
	done          map[string]bool // file paths written
	entries       []Entry
	assets        map[string]bool
	res           Result
	count, total  int
	stallNotified bool
	ctx           context.Context
}

// filePath maps a URL to the file a static server answers it from:
// directories get index.html, later list pages become /page/N/.
func filePath(u string) string {
	p, q, _ := strings.Cut(u, "?")
	if n, ok := strings.CutPrefix(q, "page="); ok {
		p = p + "page/" + n + "/"
	}
	if strings.HasSuffix(p, "/") {
		return strings.TrimPrefix(p, "/") + "index.html"
	}
	if path.Ext(path.Base(p)) != "" {
		return strings.TrimPrefix(p, "/")
	}
	// Articles and other pages without an extension: a directory index, so
	// /2026/10/03/slug is answered by any static host.
	return strings.TrimPrefix(p, "/") + "/index.html"
}

func (w *writer) run(ctx context.Context, jobs []job) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan job)
	errc := make(chan error, w.opt.Workers)
	var wg sync.WaitGroup
	for range w.opt.Workers {
		wg.Go(func() {
			for j := range ch {
				if err := w.render(ctx, j); err != nil {
					errc <- err
					cancel()
					return
				}
			}
		})
	}
feed:
	for _, j := range jobs {
		select {
		case ch <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(ch)
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
	}
	return ctx.Err()
}

// recorder is a minimal ResponseWriter: the export needs only the status
// and the body.
type recorder struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) WriteHeader(s int) {
	if r.status == 0 {
		r.status = s
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

func (w *writer) render(ctx context.Context, j job) error {
	body, err := w.fetch(ctx, j)
	if err != nil || body == nil {
		return err
	}
	return w.put(j.url, body)
}

// fetch renders one URL through the site, rewrites list-page links and
// notes the assets the response uses; nil for an optional URL the site
// does not have.
func (w *writer) fetch(ctx context.Context, j job) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.opt.BaseURL+j.url, nil)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", j.url, err)
	}
	rec := &recorder{h: http.Header{}}
	w.opt.Handler.ServeHTTP(rec, req)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch {
	case rec.status == http.StatusNotFound && j.optional:
		return nil, nil
	case rec.status != http.StatusOK:
		return nil, fmt.Errorf("export %s: the site answered %d", j.url, rec.status)
	}
	body := rec.body.Bytes()
	ctype := rec.h.Get("Content-Type")
	if strings.HasPrefix(ctype, "text/html") && bytes.Contains(body, []byte("?page=")) {
		body = pageLinkRE.ReplaceAll(body, []byte(`href="${1}page/${2}/"`))
	}
	if strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "xml") || strings.Contains(ctype, "json") {
		w.noteAssets(body)
	}
	return body, nil
}

func (w *writer) noteAssets(body []byte) {
	found := findAssets(body)
	if len(found) == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.assets == nil {
		w.assets = map[string]bool{}
	}
	for _, a := range found {
		if !w.assets[string(a)] {
			w.assets[string(a)] = true
		}
	}
}

func (w *writer) assetJobs() []job {
	w.mu.Lock()
	defer w.mu.Unlock()
	jobs := make([]job, 0, len(w.assets))
	for a := range w.assets {
		// Optional: an address in an article's text may look like one.
		jobs = append(jobs, job{url: a, optional: true})
	}
	slices.SortFunc(jobs, func(a, b job) int { return strings.Compare(a.url, b.url) })
	w.total += len(jobs)
	return jobs
}

// findAssets returns the /static/DIR/FILE and /media/DIR/FILE paths in
// body. It scans by hand: a regular expression over every page cost a
// tenth of the export's time.
func findAssets(body []byte) [][]byte {
	var out [][]byte
	for _, prefix := range [][]byte{[]byte("/static/"), []byte("/media/")} {
		rest := body
		for {
			i := bytes.Index(rest, prefix)
			if i < 0 {
				break
			}
			start := i
			j := i + len(prefix)
			dir := segment(rest[j:])
			if dir > 0 && j+dir < len(rest) && rest[j+dir] == '/' {
				if file := segment(rest[j+dir+1:]); file > 0 {
					end := j + dir + 1 + file
					out = append(out, rest[start:end])
					rest = rest[end:]
					continue
				}
			}
			rest = rest[j:]
		}
	}
	return out
}

// segment is the length of the path segment at the start of b: letters,
// digits, '.', '_' and '-'.
func segment(b []byte) int {
	n := 0
	for n < len(b) {
		c := b[n]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' {
			n++
			continue
		}
		break
	}
	return n
}

// put stores one file: a hard link to the previous export's copy when
// the content is the same, else a new file.
func (w *writer) put(u string, body []byte) error {
	rel := filePath(u)
	sum := sha256.Sum256(body)
	e := Entry{Path: rel, Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:])}
	dst := filepath.Join(w.staging, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("export %s: %w", rel, err)
	}
	linked := false
	if old, ok := w.prev[rel]; ok && old == e {
		if err := os.Link(filepath.Join(w.out, filepath.FromSlash(rel)), dst); err == nil {
			linked = true
		}
	}
	if !linked {
		if err := w.write(dst, body); err != nil {
			return fmt.Errorf("export %s: %w", rel, err)
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done[rel] {
		return fmt.Errorf("export: two URLs map to the file %s", rel)
	}
	w.done[rel] = true
	w.entries = append(w.entries, e)
	w.res.Files++
	w.res.Bytes += e.Size
	if linked {
		w.res.Linked++
	} else {
		w.res.Written++
	}
	w.count++
	if w.opt.Progress != nil {
		w.opt.Progress(w.count, max(w.total, w.count))
	}
	if w.opt.StallAfter > 0 && w.count >= w.opt.StallAfter && !w.stallNotified {
		w.stallNotified = true
		if w.opt.OnStall != nil {
			w.opt.OnStall()
		}
		w.mu.Unlock()
		<-w.ctx.Done() // until the process is killed
		w.mu.Lock()
		return w.ctx.Err()
	}
	return nil
}

func (w *writer) write(dst string, body []byte) error {
	f, err := w.opt.Create(dst)
	if err != nil {
		return err
	}
	if _, err := f.Write(body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// finish writes the manifest, sorted so the same site gives the same
// manifest, and its signature.
func (w *writer) finish() error {
	slices.SortFunc(w.entries, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
	m := Manifest{Generator: generator, Version: 1, BaseURL: w.opt.BaseURL,
		Created: time.Now().UTC().Format(time.RFC3339), Files: w.entries}
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return fmt.Errorf("export: manifest: %w", err)
	}
	b = append(b, '\n')
	if err := w.write(filepath.Join(w.staging, manifestName), b); err != nil {
		return fmt.Errorf("export: write %s: %w", manifestName, err)
	}
	sig := base64.StdEncoding.EncodeToString(ed25519.Sign(w.opt.Key, b)) + "\n"
	if err := w.write(filepath.Join(w.staging, sigName), []byte(sig)); err != nil {
		return fmt.Errorf("export: write %s: %w", sigName, err)
	}
	return nil
}
