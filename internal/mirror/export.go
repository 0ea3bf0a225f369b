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
	"github.com/samizdat-press/samizdat/internal/i18n"
	"io"
	"io/fs"
	"math"
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
	"sync/atomic"
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
	// RevisionsSince returns the number of the newest saved revision of
	// any article and, for each article saved after revision after, the
	// number of its first revision since.
	RevisionsSince(ctx context.Context, after int64) (last int64, first map[int64]int64, err error)
}

// File is a file the caller adds to the export as it is, such as the
// pages that replace those needing the server.
type File struct {
	Path string // URL path, such as "/support" or "/robots.txt"
	Body []byte
}

// Options configure Export.
// Edition is one language of the site and the path prefix it is served
// under: "" for the main language, "/ru" for another.
type Edition struct{ Prefix, Lang string }

// EditionsOf are the editions of a site whose main language is main: it
// at the root, every other language of the catalogs under its code.
func EditionsOf(main string) []Edition {
	eds := []Edition{{Lang: main}}
	for _, l := range i18n.Languages {
		if l != main {
			eds = append(eds, Edition{Prefix: i18n.EditionPrefix(l, main), Lang: l})
		}
	}
	return eds
}

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
	// Editions are the site's languages and their path prefixes, the main
	// one ("" prefix) first. Section fronts list their edition's language
	// only. Empty: one edition of every language.
	Editions []Edition
	// Inspect, when set, gives each page's request a context in which the
	// site describes the page (PageInfo). The export keeps those
	// descriptions beside the copy, and the next export re-renders only
	// the pages that show what changed since.
	Inspect func(ctx context.Context) (context.Context, func() PageInfo)
	// Fingerprint names everything besides articles that shapes the
	// pages: the program, the settings, sections, tags and authors. When
	// it differs from the previous export's, every page is rendered.
	Fingerprint string
	// Full renders every page even when the previous export could be
	// updated.
	Full bool
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// CardStart and CardEnd delimit an article's card in the pages that
	// list it (see PageInfo.Card). When an edit changes only an article's
	// card, an update puts the new card in place of the old one in those
	// pages instead of rendering them again. Empty: it renders them.
	CardStart, CardEnd string
	// Unpatchable are markers of pages that show an article other than
	// as its card (a lead story, a card whose photo loads at once): a page
	// holding one is rendered again rather than patched, since a patch
	// would leave that copy stale.
	Unpatchable []string
}

// PageInfo describes a rendered page; see site.PageInfo, whose fields are
// the same.
type PageInfo struct {
	Deps    []string
	Self    string
	Article int64
	Card    []byte
	Lists   []string
	Order   int64
}

// Result counts what an export did.
type Result struct {
	Files    int   // in the export
	Written  int   // new or changed, written
	Linked   int   // unchanged, kept (hard-linked from the previous export)
	Removed  int   // in the previous export, gone from this one
	Bytes    int64 // size of all files
	Rendered int   // pages and files rendered through the site, or patched
	Patched  int   // of those, pages patched with an article's new card
	Updated  bool  // only what changed since the previous export was rendered
	// Altered lists files of the copy found changed since it was signed;
	// the export then rendered every page again, and wrote them anew.
	Altered []string
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
	always   bool   // rendered by every export: home, feeds and the like
	// patch, on an update, is the page as the previous export rendered
	// it: its file is to be patched with new cards rather than rendered.
	patch *statePage
}

var (
	// pageLinkRE finds links to later pages of a list, which in the copy
	// are directories: /news/?page=2 becomes /news/page/2/.
	pageLinkRE = regexp.MustCompile(`href="(/(?:[^"?#]*/)?)\?page=(\d+)"`)
)

// Export writes the public site into opt.Out, signed. When the previous
// export left its page descriptions (see Options.Inspect) and nothing but
// articles changed since, it renders only the pages that show what
// changed (update); otherwise every page (full). Either way the new copy
// is assembled away from the one being served and swapped in at the end,
// so a failed or killed export leaves the previous one whole and served.
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
	if opt.Now == nil {
		opt.Now = time.Now
	}
	out, err := filepath.Abs(opt.Out)
	if err != nil {
		return Result{}, err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return Result{}, fmt.Errorf("export: %w", err)
	}
	unlock, err := lock(out)
	if err != nil {
		return Result{}, err
	}
	defer unlock()
	if err := recoverSwap(out); err != nil {
		return Result{}, err
	}
	// What a killed export left behind is never served: start afresh.
	if err := os.RemoveAll(sibling(out, "new")); err != nil {
		return Result{}, fmt.Errorf("export: remove the unfinished export: %w", err)
	}
	if !opt.Full && opt.Inspect != nil {
		if st := loadState(out, opt); st != nil {
			return update(ctx, opt, out, st)
		}
	}
	return full(ctx, opt, out)
}

// full renders every page into a new copy beside the old one, hard-linking
// files whose content has not changed, and swaps the two directories.
func full(ctx context.Context, opt Options, out string) (Result, error) {
	prev, err := previous(out, opt.Force)
	if err != nil {
		return Result{}, err
	}
	staging := sibling(out, "new")
	if err := os.MkdirAll(staging, 0o755); err != nil {
		return Result{}, fmt.Errorf("export: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(staging)
		}
	}()
	rev0, _, err := opt.Source.RevisionsSince(ctx, math.MaxInt64)
	if err != nil {
		return Result{}, fmt.Errorf("export: %w", err)
	}
	w := newWriter(ctx, opt, out, prev, nil)
	w.trusted, _ = trustedAt(out)
	w.staging = staging
	jobs, err := w.plan(ctx)
	if err != nil {
		return Result{}, err
	}
	later, err := w.listPages(ctx)
	if err != nil {
		return Result{}, err
	}
	jobs = append(jobs, later...)
	if err := w.run(ctx, jobs); err != nil {
		return Result{}, err
	}
	// The assets the pages use, found while writing them.
	if err := w.run(ctx, w.assetJobs(nil)); err != nil {
		return Result{}, err
	}
	entries := w.sortedEntries()
	sig, err := w.finish(staging, entries)
	if err != nil {
		return Result{}, err
	}
	rev1, _, err := opt.Source.RevisionsSince(ctx, math.MaxInt64)
	if err != nil {
		return Result{}, fmt.Errorf("export: %w", err)
	}
	prevSig, _ := os.ReadFile(filepath.Join(out, sigName))
	if err := swap(staging, out); err != nil {
		return Result{}, err
	}
	ok = true
	var removed []string
	for p := range prev {
		if !w.done[p] {
			removed = append(removed, p)
		}
	}
	w.res.Removed = len(removed)
	// staging now holds the previous export, whose unchanged files live
	// on as hard links in the new one. It becomes the standby copy that
	// the next export brings up to date and swaps in; without a previous
	// export, the standby is a hard-linked copy of this one.
	sb := sibling(out, "standby")
	if err := os.RemoveAll(sb); err != nil {
		return w.res, fmt.Errorf("export: remove the old standby copy: %w", err)
	}
	if opt.Inspect == nil || !linksWork(out) {
		// Without page descriptions, or on a file system without hard
		// links, there is no update to prepare for: every export is full.
		os.Remove(statePath(out))
		if err := os.RemoveAll(staging); err != nil {
			return w.res, fmt.Errorf("export: remove the previous export: %w", err)
		}
		return w.res, nil
	}
	st := w.state(rev0, rev1, sig, nil, nil, entries)
	if len(prev) > 0 && len(prevSig) > 0 {
		if err := os.Rename(staging, sb); err != nil {
			return w.res, fmt.Errorf("export: keep the previous export as the standby copy: %w", err)
		}
		st.Standby = string(prevSig)
		st.StandbyDiff = append(w.written, removed...)
	} else {
		if err := os.RemoveAll(staging); err != nil {
			return w.res, fmt.Errorf("export: remove the previous export: %w", err)
		}
		if err := linkTree(out, sb); err != nil {
			return w.res, err
		}
		st.Standby = sig
	}
	if err := saveState(out, st, false); err != nil {
		return w.res, err
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

// plan writes the sitemaps, the caller's files and the public key, and
// lists every other public URL: the fixed pages, every list page of every
// section, topic and author, and every article. Articles come from the
// sitemap the site renders (which the export writes anyway), not from
// paging through the articles table: a list query reads each row whole,
// bodies included, and paging through 100,000 rows that way costs minutes.
func (w *writer) plan(ctx context.Context) ([]job, error) {
	opt := w.opt
	src := opt.Source
	jobs := []job{{url: "/news-sitemap.xml"}, {url: "/robots.txt"}, {url: "/mirrors.txt"}}
	eds := opt.Editions
	if len(eds) == 0 {
		eds = []Edition{{}}
	}
	lists := map[string]store.ListQuery{}
	secs, err := src.Sections(ctx)
	if err != nil {
		return nil, fmt.Errorf("export: sections: %w", err)
	}
	for _, ed := range eds {
		p := ed.Prefix
		jobs = append(jobs, job{url: p + "/"}, job{url: p + "/feed.xml"}, job{url: p + "/atom.xml"}, job{url: p + "/feed.json"}, job{url: p + "/mirrors"})
		for _, s := range secs {
			lists[p+"/"+s.Slug+"/"] = store.ListQuery{SectionID: s.ID, Lang: ed.Lang}
			jobs = append(jobs, job{url: p + "/" + s.Slug + "/feed.xml"})
		}
	}
	for i := range jobs {
		jobs[i].always = true
	}
	tags, err := src.Tags(ctx)
	if err != nil {
		return nil, fmt.Errorf("export: tags: %w", err)
	}
	for _, ed := range eds {
		for _, t := range tags {
			lists[ed.Prefix+"/tag/"+t.Slug+"/"] = store.ListQuery{TagID: t.ID}
		}
	}
	authors, err := src.Authors(ctx)
	if err != nil {
		return nil, fmt.Errorf("export: authors: %w", err)
	}
	for _, ed := range eds {
		for _, a := range authors {
			lists[ed.Prefix+"/author/"+a.Slug+"/"] = store.ListQuery{AuthorID: a.ID}
		}
	}
	urls, err := w.sitemap(ctx)
	if err != nil {
		return nil, err
	}
	w.lists = map[string]store.ListQuery{}
	planned := map[string]bool{}
	for _, j := range jobs {
		planned[j.url] = true
	}
	for _, u := range urls {
		if planned[u] || !strings.HasPrefix(u, "/") {
			continue
		}
		jobs = append(jobs, job{url: u})
		if q, ok := lists[u]; ok {
			w.lists[u] = q
		}
	}
	jobs = w.dropExtras(jobs)
	w.mu.Lock()
	w.total += len(opt.Extra) + 1
	w.mu.Unlock()
	for _, f := range opt.Extra {
		if err := w.put(f.Path, f.Body); err != nil {
			return nil, err
		}
	}
	if err := w.put(PubKeyPath, PublicKeyText(opt.Key.Public().(ed25519.PublicKey))); err != nil {
		return nil, err
	}
	return jobs, nil
}

// listPages lists the later pages of every list the sitemap names, by
// counting the articles in each.
func (w *writer) listPages(ctx context.Context) ([]job, error) {
	var jobs []job
	for u, q := range w.lists {
		n, err := w.opt.Source.CountArticles(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("export: count articles: %w", err)
		}
		for p := 2; p <= (n+w.opt.PageSize-1)/w.opt.PageSize; p++ {
			jobs = append(jobs, job{url: u + "?page=" + strconv.Itoa(p)})
		}
	}
	return w.dropExtras(jobs), nil
}

// dropExtras leaves out the pages that the caller's files replace at the
// same place (the live /support needs the server; the copy's does not).
func (w *writer) dropExtras(jobs []job) []job {
	extra := map[string]bool{}
	for _, f := range w.opt.Extra {
		extra[filePath(f.Path)] = true
	}
	return slices.DeleteFunc(jobs, func(j job) bool { return extra[filePath(j.url)] })
}

// scanSitemap calls fn with every address in a sitemap and its date of
// change, if it has one. It scans by hand: at 100,000 articles a regular
// expression took a third of an update's time.
func scanSitemap(doc []byte, fn func(loc, lastmod []byte)) {
	const locOpen, locClose, modOpen, modClose = "<loc>", "</loc>", "<lastmod>", "</lastmod>"
	for {
		i := bytes.Index(doc, []byte(locOpen))
		if i < 0 {
			return
		}
		doc = doc[i+len(locOpen):]
		j := bytes.Index(doc, []byte(locClose))
		if j < 0 {
			return
		}
		loc := doc[:j]
		doc = doc[j+len(locClose):]
		rest := bytes.TrimLeft(doc, " \t\r\n")
		var mod []byte
		if m, ok := bytes.CutPrefix(rest, []byte(modOpen)); ok {
			if k := bytes.Index(m, []byte(modClose)); k >= 0 {
				mod = m[:k]
				doc = m[k+len(modClose):]
			}
		}
		fn(loc, mod)
	}
}

// sitemap writes /sitemap.xml and, for a large site, its parts, and returns
// the paths they list. It notes each one's date of change, by which an
// update tells the articles edited since the previous export.
func (w *writer) sitemap(ctx context.Context) ([]string, error) {
	body, err := w.render(ctx, job{url: "/sitemap.xml"})
	if err != nil {
		return nil, err
	}
	docs := [][]byte{body}
	if bytes.Contains(body, []byte("<sitemapindex")) {
		docs = nil
		var parts []string
		var bad error
		scanSitemap(body, func(loc, _ []byte) {
			p, ok := strings.CutPrefix(string(loc), w.opt.BaseURL)
			if !ok {
				bad = fmt.Errorf("export: sitemap part %s is not under %s", loc, w.opt.BaseURL)
			}
			parts = append(parts, p)
		})
		if bad != nil {
			return nil, bad
		}
		// The parts of a large site take a while each: render them at once.
		bodies := make([][]byte, len(parts))
		var wg sync.WaitGroup
		errs := make([]error, len(parts))
		for i, p := range parts {
			wg.Go(func() { bodies[i], errs[i] = w.render(ctx, job{url: p}) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		docs = bodies
	}
	var urls []string
	base := []byte(w.opt.BaseURL)
	for _, d := range docs {
		scanSitemap(d, func(loc, mod []byte) {
			if rest, ok := bytes.CutPrefix(loc, base); ok {
				p := string(rest)
				urls = append(urls, p)
				if len(mod) > 0 {
					w.lastmod[p] = string(mod)
				}
			}
		})
	}
	return urls, nil
}

// writer renders jobs: into the staging directory of a full export, or
// into the pending directory of an update.
type writer struct {
	opt     Options
	out     string
	staging string // full: the new copy, built beside out
	pending string // update: changed files, numbered, until they are moved into the standby copy
	prev    map[string]Entry
	ctx     context.Context

	mu            sync.Mutex
	done          map[string]bool // file paths written
	entries       []Entry
	written       []string          // paths whose content is new
	pendingFiles  map[string]string // update: path -> its file in pending
	assets        map[string]bool
	lastmod       map[string]string // article path -> date of change, from the sitemap
	pages         map[string]*statePage
	keys          *interner
	res           Result
	count, total  int
	stallNotified bool
	seq           atomic.Int64               // names pending files
	cards         map[string][]byte          // update: the cards of the articles rendered, by URL
	lists         map[string]store.ListQuery // the first page of every list -> its articles
	urlOf         map[string]string          // file path -> the URL rendered into it
	prevFiles     []stateFile                // update: the previous export's files, by path
	newCards      map[string][]byte          // update: an old card's sum -> the article's new card
	trusted       time.Time                  // see intact; zero: hash files before trusting them
}

func (w *writer) hasList(u string) bool { _, ok := w.lists[u]; return ok }

// previous returns the previous export's entry for a file.
func (w *writer) previous(rel string) (Entry, bool) {
	if w.prev != nil {
		e, ok := w.prev[rel]
		return e, ok
	}
	i, ok := slices.BinarySearchFunc(w.prevFiles, rel, func(f stateFile, p string) int { return strings.Compare(f.Path, p) })
	if !ok {
		return Entry{}, false
	}
	return w.prevFiles[i].Entry, true
}

func newWriter(ctx context.Context, opt Options, out string, prev map[string]Entry, keys []string) *writer {
	return &writer{opt: opt, out: out, prev: prev, ctx: ctx, done: map[string]bool{},
		pendingFiles: map[string]string{}, assets: map[string]bool{}, lastmod: map[string]string{},
		pages: map[string]*statePage{}, keys: newInterner(keys), urlOf: map[string]string{}}
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
	w.mu.Lock()
	w.total += len(jobs)
	w.mu.Unlock()
	ch := make(chan job)
	errc := make(chan error, w.opt.Workers)
	var wg sync.WaitGroup
	for range w.opt.Workers {
		wg.Go(func() {
			for j := range ch {
				if _, err := w.render(ctx, j); err != nil {
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

// render renders one URL through the site and stores the result,
// returning the body (nil for an optional URL the site does not have).
func (w *writer) render(ctx context.Context, j job) ([]byte, error) {
	if j.patch != nil {
		if body := w.patchCards(j.url); body != nil {
			p := *j.patch
			w.mu.Lock()
			w.pages[j.url] = &p
			w.res.Patched++
			w.mu.Unlock()
			return body, w.put(j.url, body)
		}
	}
	get := func() PageInfo { return PageInfo{} }
	rctx := ctx
	if w.opt.Inspect != nil {
		rctx, get = w.opt.Inspect(ctx)
	}
	body, err := w.fetch(rctx, j)
	if err != nil || body == nil {
		return nil, err
	}
	w.record(j.url, get(), body)
	return body, w.put(j.url, body)
}

// fetch renders one URL through the site and rewrites list-page links;
// nil for an optional URL the site does not have.
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
	return body, nil
}

// record keeps what the next export needs to know of a page: what it
// shows, and the assets it uses.
func (w *writer) record(u string, info PageInfo, body []byte) {
	var found [][]byte
	if !strings.HasPrefix(u, "/static/") && !strings.HasPrefix(u, "/media/") {
		found = findAssets(body)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, a := range found {
		w.assets[string(a)] = true
	}
	if w.opt.Inspect == nil || strings.HasPrefix(u, "/static/") || strings.HasPrefix(u, "/media/") {
		return
	}
	p := &statePage{URL: u, Self: -1, Article: info.Article, Order: info.Order, LastMod: w.lastmod[u]}
	if info.Card != nil {
		p.Summary = cardSum(info.Card)
		if w.cards != nil {
			w.cards[u] = info.Card
		}
	}
	p.Deps = w.keys.all(info.Deps)
	p.Lists = w.keys.all(info.Lists)
	if info.Self != "" {
		p.Self = int32(w.keys.id(info.Self))
	}
	if len(found) > 0 {
		as := make([]string, len(found))
		for i, a := range found {
			as[i] = string(a)
		}
		slices.Sort(as)
		p.Assets = w.keys.all(slices.Compact(as))
	}
	w.pages[u] = p
}

// assetJobs lists the assets the rendered pages use, less those keep
// says are there already.
func (w *writer) assetJobs(keep func(path string) bool) []job {
	w.mu.Lock()
	defer w.mu.Unlock()
	jobs := make([]job, 0, len(w.assets))
	for a := range w.assets {
		if keep != nil && keep(a) {
			continue
		}
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

// put stores one file. A full export hard-links the previous export's
// copy when the content is the same, else writes a new file; an update
// writes only new content, into the pending directory.
func (w *writer) put(u string, body []byte) error {
	rel := filePath(u)
	sum := sha256.Sum256(body)
	e := Entry{Path: rel, Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:])}
	old, had := w.previous(rel)
	same := had && old == e && w.intact(rel, old) // the manifest says so, and the file still does
	linked, pending := false, ""
	switch {
	case w.pending != "" && same:
		linked = true
	case w.pending != "":
		pending = filepath.Join(w.pending, strconv.FormatInt(w.seq.Add(1), 10))
		if err := w.write(pending, body); err != nil {
			return fmt.Errorf("export %s: %w", rel, err)
		}
	default:
		dst := filepath.Join(w.staging, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("export %s: %w", rel, err)
		}
		if same {
			if err := os.Link(filepath.Join(w.out, filepath.FromSlash(rel)), dst); err == nil {
				linked = true
			}
		}
		if !linked {
			if err := w.write(dst, body); err != nil {
				return fmt.Errorf("export %s: %w", rel, err)
			}
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done[rel] {
		return fmt.Errorf("export: two URLs map to the file %s", rel)
	}
	w.done[rel] = true
	w.urlOf[rel] = u
	w.entries = append(w.entries, e)
	w.res.Files++
	w.res.Rendered++
	w.res.Bytes += e.Size
	if linked {
		w.res.Linked++
	} else {
		w.res.Written++
		w.written = append(w.written, rel)
		if pending != "" {
			w.pendingFiles[rel] = pending
		}
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

// sortedEntries are the files written, sorted so that the same site gives
// the same manifest.
func (w *writer) sortedEntries() []Entry {
	slices.SortFunc(w.entries, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
	return w.entries
}

// finish writes the manifest of entries and its signature into dir, and
// returns the signature file's text.
func (w *writer) finish(dir string, entries []Entry) (string, error) {
	b, err := encodeManifest(Manifest{Generator: generator, Version: 1, BaseURL: w.opt.BaseURL,
		Created: w.opt.Now().UTC().Format(time.RFC3339), Files: entries})
	if err != nil {
		return "", fmt.Errorf("export: manifest: %w", err)
	}
	if err := w.write(filepath.Join(dir, manifestName), b); err != nil {
		return "", fmt.Errorf("export: write %s: %w", manifestName, err)
	}
	sig := base64.StdEncoding.EncodeToString(ed25519.Sign(w.opt.Key, b)) + "\n"
	if err := w.write(filepath.Join(dir, sigName), []byte(sig)); err != nil {
		return "", fmt.Errorf("export: write %s: %w", sigName, err)
	}
	return sig, nil
}

// encodeManifest writes m as JSON with one file to a line, which diffs
// well and, at 120,000 files, takes a tenth of the time of
// json.MarshalIndent.
func encodeManifest(m Manifest) ([]byte, error) {
	files := m.Files
	m.Files = nil
	head, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	// {"generator":...,"files":null} -> {"generator":...,"files":[
	head, ok := bytes.CutSuffix(head, []byte(`null}`))
	if !ok {
		return nil, errors.New("unexpected manifest header")
	}
	b := make([]byte, 0, len(head)+len(files)*140+4)
	b = append(b, head...)
	b = append(b, '[')
	for i, e := range files {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n{\"path\":"...)
		b = appendJSONString(b, e.Path)
		b = append(b, `,"size":`...)
		b = strconv.AppendInt(b, e.Size, 10)
		b = append(b, `,"sha256":`...)
		b = appendJSONString(b, e.SHA256)
		b = append(b, '}')
	}
	b = append(b, "\n]}\n"...)
	return b, nil
}

// appendJSONString appends s as a JSON string: as it is when it holds
// only printable ASCII that needs no escape, as encoding/json writes it
// otherwise.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
