package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

// This file is what the WordPress and Ghost importers share: each reads
// its export into Docs, and an Archive stores them, once.

// Item kinds, as recorded in the store's import references.
const (
	KindPost    = "post"
	KindPage    = "page"
	KindAuthor  = "author"
	KindSection = "section"
)

// Doc is one post or page of an imported site, read in full.
type Doc struct {
	Kind        string // KindPost or KindPage
	SourceID    string // the source's own id: WordPress's post ID, Ghost's post id
	Where       string `json:"-"` // where it is in the export, for messages: "line 120", "db[0].data.posts[3]"
	Title       string
	Slug        string // as the source had it; made a valid slug here
	Dek         string
	HTML        string // the body as HTML, source markup already read (WordPressHTML)
	Status      content.Status
	PublishedAt time.Time
	CreatedAt   time.Time
	Lang        string
	Section     *Term // the section of a post
	Tags        []Term
	Authors     []Person
	Lead        *Photo
	MenuOrder   int
	// OldPaths are the old site's paths of the item: each gets a redirect
	// to its new address once it is live.
	OldPaths []string
}

// Term is a category or tag of the source site.
type Term struct {
	SourceID string
	Slug     string
	Name     string
	OldPaths []string // its archive pages on the old site
}

// Person is an author of the source site.
type Person struct {
	SourceID string
	Slug     string
	Name     string
	Bio      string
	OldPaths []string
}

// Photo is a lead photo of the source site.
type Photo struct {
	Src     string // as the export names it: a URL or an uploads-relative path
	Alt     string
	Caption string
}

// Store is what an Archive reads and writes: *store.Store.
type Store interface {
	ImportRef(ctx context.Context, source, kind, sourceID string) (store.ImportRef, error)
	PutImportRef(ctx context.Context, r store.ImportRef) error
	SaveImportedArticles(ctx context.Context, source string, items []store.ImportedArticle) error
	ArticleByID(ctx context.Context, id int64) (*content.Article, error)
	ArticleSlugTaken(ctx context.Context, slug string) (bool, error)
	Sections(ctx context.Context) ([]content.Section, error)
	SectionBySlug(ctx context.Context, slug string) (content.Section, error)
	CreateSection(ctx context.Context, sec *content.Section) error
	AuthorBySlug(ctx context.Context, slug string) (content.Author, error)
	CreateAuthor(ctx context.Context, a *content.Author) error
}

// Redirects stores the old site's addresses: the store.
type Redirects interface {
	PutRedirect(ctx context.Context, from, to, source string) error
}

// Archive stores the Docs of one import run. It is not safe for
// concurrent use: an import is one sequence of items.
type Archive struct {
	Source    string // "wordpress" or "ghost"
	Store     Store
	Pages     Pages     // nil: pages are skipped
	Redirects Redirects // nil: no redirects are written
	Renderer  *content.Renderer
	Photos    *Photos // nil: every image is missing
	Lang      string  // of items that name none
	MainLang  string  // the site's main language, whose pages have no /{lang}/ prefix
	// DryRun reads and checks everything and writes nothing.
	DryRun bool
	Report *Report

	sections   map[string]content.Section // by source id
	authors    map[string]content.Author  // by source id
	redirected map[string]bool
	claimed    map[string]bool // slugs taken by articles not yet stored (a dry run: all)
	batch      []pending       // articles waiting for one transaction
	order      int
}

// Prepare makes the archive ready; call it before Put.
func (a *Archive) Prepare(ctx context.Context) error {
	if a.Report == nil {
		a.Report = NewReport(a.Source)
	}
	a.sections = map[string]content.Section{}
	a.authors = map[string]content.Author{}
	a.redirected = map[string]bool{}
	a.claimed = map[string]bool{}
	secs, err := a.Store.Sections(ctx)
	if err != nil {
		return err
	}
	for _, s := range secs {
		a.order = max(a.order, s.Order+1)
	}
	return nil
}

// Run stores the Docs that produce emits, in order. Each is prepared (its
// body read and cleaned, its photos stored, its HTML rendered) on
// produce's goroutine while the ones before it are being stored: reading
// and writing an export take about as long as each other. An item that
// cannot be stored is reported and skipped; the error returned is what
// stopped the whole import (the file, the database, the context).
func (a *Archive) Run(ctx context.Context, produce func(ctx context.Context, emit func(*Doc) error) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan *prepared, 32)
	var perr error
	go func() {
		defer close(ch)
		perr = produce(ctx, func(d *Doc) error {
			select {
			case ch <- a.prepare(ctx, d):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	var serr error
	for p := range ch {
		if serr == nil {
			if serr = a.put(ctx, p); serr != nil {
				cancel() // and read the rest through, so produce ends
			}
		}
	}
	if serr == nil {
		serr = a.Flush(ctx)
	}
	if serr != nil {
		return serr
	}
	return perr
}

// batchSize is how many articles are stored in one transaction.
const batchSize = 64

// pending is an article waiting for the next batch.
type pending struct {
	d       *Doc
	created bool
	item    store.ImportedArticle
}

// Flush stores the articles waiting for a batch. A batch that fails on an
// item (a slug taken meanwhile) is stored again one article at a time,
// so only that item is reported and skipped.
func (a *Archive) Flush(ctx context.Context) error {
	batch := a.batch
	a.batch = nil
	clear(a.claimed)
	if len(batch) == 0 {
		return nil
	}
	items := make([]store.ImportedArticle, len(batch))
	for i := range batch {
		items[i] = batch[i].item
	}
	err := a.Store.SaveImportedArticles(ctx, a.Source, items)
	if err == nil {
		for i := range batch {
			batch[i].item = items[i]
			if err := a.stored(ctx, &batch[i]); err != nil {
				return err
			}
		}
		return nil
	}
	if !errors.Is(err, content.ErrInvalid) && !errors.Is(err, store.ErrConflict) {
		return err
	}
	for i := range batch {
		one := []store.ImportedArticle{batch[i].item}
		if err := a.Store.SaveImportedArticles(ctx, a.Source, one); err != nil {
			if errors.Is(err, content.ErrInvalid) || errors.Is(err, store.ErrConflict) {
				a.Report.fail(batch[i].d, err)
				continue
			}
			return err
		}
		batch[i].item = one[0]
		if err := a.stored(ctx, &batch[i]); err != nil {
			return err
		}
	}
	return nil
}

// stored counts an article stored and writes the redirects of its terms.
func (a *Archive) stored(ctx context.Context, p *pending) error {
	counts := a.Report.counts(KindPost)
	if p.created {
		counts.Created++
	} else {
		counts.Updated++
	}
	for _, r := range p.item.Refused {
		a.Report.note(p.d, "old address not redirected: "+r)
	}
	art := p.item.Article
	if art.Status == content.StatusPublished || art.Status == content.StatusScheduled {
		a.Report.addRedirects(p.item.Written)
		return a.TermRedirects(ctx, p.d.Tags)
	}
	return nil
}

// Put prepares and stores one Doc: created the first time, updated when
// it changed since the last import, left alone otherwise. Articles wait
// for a batch: call Flush after the last Put.
func (a *Archive) Put(ctx context.Context, d *Doc) error {
	return a.put(ctx, a.prepare(ctx, d))
}

// prepared is a Doc made ready to store.
type prepared struct {
	d         *Doc
	sum       string
	ref       store.ImportRef
	found     bool // an earlier import stored it
	unchanged bool // and nothing changed since
	err       error
	body      string
	bodyHTML  string
	bodyText  string
	lead      content.Image
}

// prepare does what storing a Doc needs that does not depend on the items
// before it.
func (a *Archive) prepare(ctx context.Context, d *Doc) *prepared {
	p := &prepared{d: d, sum: a.hash(d)}
	ref, err := a.Store.ImportRef(ctx, a.Source, d.Kind, d.SourceID)
	switch {
	case err == nil:
		p.ref, p.found, p.unchanged = ref, true, ref.Hash == p.sum
		if p.unchanged {
			return p
		}
	case !errors.Is(err, store.ErrNotFound):
		p.err = err
		return p
	}
	body, missing := CleanBody(a.Renderer, d.HTML, a.bodyImage(d), a.Photos.link)
	for _, m := range missing {
		a.Report.missing(d, m)
	}
	p.body = stripControls(body)
	if d.Lead != nil {
		title := strings.TrimSpace(d.Title)
		if title == "" {
			title = "(untitled)"
		}
		p.lead = a.leadImage(d, title)
	}
	if d.Kind == KindPost {
		if p.bodyHTML, p.bodyText, err = a.Renderer.Render(p.body); err != nil {
			p.err = itemErr(err)
		}
	}
	return p
}

func (a *Archive) put(ctx context.Context, p *prepared) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := p.err
	if err == nil {
		switch p.d.Kind {
		case KindPost:
			err = a.putArticle(ctx, p)
		case KindPage:
			err = a.putPage(ctx, p)
		default:
			return fmt.Errorf("import: unknown kind %q", p.d.Kind)
		}
	}
	var ie *itemError
	if errors.As(err, &ie) {
		a.Report.fail(p.d, ie.err)
		return nil
	}
	return err
}

// stripControls removes control characters but tab and newline, as the
// content service does: they have no place in prose.
func stripControls(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// itemError is a problem with one item, reported and skipped.
type itemError struct{ err error }

func (e *itemError) Error() string { return e.err.Error() }

func itemErr(err error) error { return &itemError{err} }

var imgSrcRe = regexp.MustCompile(`(?i)<img\s[^>]*?src\s*=\s*["']([^"']+)["']`)

// hash is the fingerprint of what the Doc would store, the files of its
// images included (found or not): a second run with the same export and
// the same files changes nothing.
func (a *Archive) hash(d *Doc) string {
	h := sha256.New()
	json.NewEncoder(h).Encode(d)
	srcs := imgSrcRe.FindAllStringSubmatch(d.HTML, -1)
	if d.Lead != nil {
		srcs = append(srcs, []string{"", d.Lead.Src})
	}
	for _, s := range srcs {
		fmt.Fprintf(h, "%s=%s\n", s[1], a.Photos.fingerprint(s[1]))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func (a *Archive) putArticle(ctx context.Context, p *prepared) error {
	d := p.d
	counts := a.Report.counts(KindPost)
	if p.unchanged {
		counts.Unchanged++
		return nil
	}
	var old *content.Article
	var err error
	if p.found {
		old, err = a.Store.ArticleByID(ctx, p.ref.LocalID)
		if errors.Is(err, store.ErrNotFound) {
			a.Report.skip(d, "deleted here since an earlier import")
			return nil
		}
		if err != nil {
			return err
		}
	}
	art := &content.Article{
		Headline: strings.TrimSpace(stripControls(d.Title)),
		Dek:      plain(a.Renderer, d.Dek, content.MaxDek),
		Lang:     a.lang(d),
		Status:   d.Status,
	}
	if art.Headline == "" {
		art.Headline = "(untitled)"
		a.Report.note(d, "had no title: stored as “(untitled)”")
	}
	if d.Status == content.StatusPublished || d.Status == content.StatusScheduled {
		art.PublishedAt = d.PublishedAt.UTC().Truncate(time.Second)
	}
	if !d.CreatedAt.IsZero() {
		art.CreatedAt = d.CreatedAt.UTC().Truncate(time.Second)
	}
	if art.Status != content.StatusDraft && art.PublishedAt.IsZero() {
		art.Status = content.StatusDraft
		a.Report.note(d, "has no publication date: stored as a draft")
	}
	if art.Section, err = a.section(ctx, d); err != nil {
		return err
	}
	for _, p := range d.Authors {
		au, err := a.author(ctx, p)
		if err != nil {
			return err
		}
		if !containsAuthor(art.Authors, au.ID) {
			art.Authors = append(art.Authors, au)
		}
	}
	for _, t := range d.Tags {
		slug := termSlug(t.Slug, t.Name)
		if slug == "" {
			continue
		}
		art.Tags = append(art.Tags, content.Tag{Slug: slug, Name: strings.TrimSpace(t.Name)})
	}
	art.Body, art.BodyHTML, art.BodyText, art.Image = p.body, p.bodyHTML, p.bodyText, p.lead
	if old != nil {
		art.ID, art.Version, art.CreatedAt, art.CreatedBy, art.Slug = old.ID, old.Version, old.CreatedAt, old.CreatedBy, old.Slug
		if art.Status == content.StatusDraft && old.Status != content.StatusDraft {
			// Unpublished at the source: off the site, its address kept.
			art.Status, art.PublishedAt = content.StatusUnpublished, old.PublishedAt
		}
	} else {
		if art.Slug, err = a.freeSlug(ctx, d, itemSlug(d)); err != nil {
			return err
		}
	}
	if err := art.Validate(); err != nil {
		return itemErr(err)
	}
	if a.DryRun {
		a.claimed[art.Slug] = true
		if old != nil {
			counts.Updated++
		} else {
			counts.Created++
		}
		if art.Status == content.StatusPublished || art.Status == content.StatusScheduled {
			a.Report.addRedirects(len(d.OldPaths))
			return a.TermRedirects(ctx, d.Tags)
		}
		return nil
	}
	var froms []string
	if a.Redirects != nil {
		froms = d.OldPaths
	}
	a.claimed[art.Slug] = true
	a.batch = append(a.batch, pending{d: d, created: old == nil, item: store.ImportedArticle{Article: art, Froms: froms,
		Ref: store.ImportRef{Source: a.Source, Kind: KindPost, SourceID: d.SourceID, Hash: p.sum}}})
	if len(a.batch) >= batchSize {
		return a.Flush(ctx)
	}
	return nil
}

func containsAuthor(list []content.Author, id int64) bool {
	for _, a := range list {
		if a.ID == id && id != 0 {
			return true
		}
	}
	return false
}

func (a *Archive) lang(d *Doc) string {
	if content.ValidLanguage(d.Lang) {
		return d.Lang
	}
	return a.Lang
}

// itemSlug is the Doc's slug made valid here: percent-encoded and
// non-Latin slugs (WordPress keeps Cyrillic ones encoded) are decoded and
// transliterated.
func itemSlug(d *Doc) string {
	if s := termSlug(d.Slug, ""); s != "" {
		return s
	}
	if s := content.Slugify(d.Title); s != "" {
		return s
	}
	return d.Kind + "-" + content.Slugify(d.SourceID)
}

// freeSlug returns slug, or slug-2, slug-3… when an article here has it
// (another item of the export, or one written here): the change of slug
// is reported.
func (a *Archive) freeSlug(ctx context.Context, d *Doc, slug string) (string, error) {
	base := slug
	for n := 2; ; n++ {
		taken := a.claimed[slug]
		if !taken {
			var err error
			if taken, err = a.Store.ArticleSlugTaken(ctx, slug); err != nil {
				return "", err
			}
		}
		if !taken {
			break
		}
		suffix := "-" + strconv.Itoa(n)
		slug = strings.TrimRight(truncate(base, content.MaxSlug-len(suffix)), "-") + suffix
	}
	if slug != base {
		a.Report.rename(Renamed{Item: describe(d), From: base, To: slug})
	}
	return slug, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// section finds or makes the section of a post.
func (a *Archive) section(ctx context.Context, d *Doc) (content.Section, error) {
	t := d.Section
	if t == nil {
		t = &Term{SourceID: "uncategorized", Slug: "uncategorized", Name: "Uncategorized"}
	}
	if sec, ok := a.sections[t.SourceID]; ok {
		return sec, nil
	}
	sec, err := a.findSection(ctx, t)
	if err != nil {
		return sec, err
	}
	a.sections[t.SourceID] = sec
	for _, p := range t.OldPaths {
		to := "/" + sec.Slug + "/"
		if strings.HasSuffix(p, "/feed/") {
			to = "/" + sec.Slug + "/feed.xml"
		}
		if err := a.redirect(ctx, p, to); err != nil {
			return sec, err
		}
	}
	return sec, nil
}

func (a *Archive) findSection(ctx context.Context, t *Term) (content.Section, error) {
	ref, err := a.Store.ImportRef(ctx, a.Source, KindSection, t.SourceID)
	if err == nil {
		secs, err := a.Store.Sections(ctx)
		if err != nil {
			return content.Section{}, err
		}
		for _, s := range secs {
			if s.ID == ref.LocalID {
				return s, nil
			}
		}
		// Deleted here since: found again by slug, or made again.
	} else if !errors.Is(err, store.ErrNotFound) {
		return content.Section{}, err
	}
	slug := termSlug(t.Slug, t.Name)
	if slug == "" {
		slug = "archive"
	}
	sec, err := a.Store.SectionBySlug(ctx, slug)
	if err == nil {
		return sec, a.putRef(ctx, KindSection, t.SourceID, sec.ID)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return sec, err
	}
	name := strings.TrimSpace(t.Name)
	if name == "" {
		name = slug
	}
	sec = content.Section{Slug: slug, Name: name, Order: a.order}
	if content.ValidateSection(&sec) != nil {
		// A reserved word or a language code (/feed/, /ru/) cannot be a
		// section's address here.
		sec.Slug = slug + "-section"
		a.Report.rename(Renamed{Item: "section " + name, From: slug, To: sec.Slug})
		if s, err := a.Store.SectionBySlug(ctx, sec.Slug); err == nil {
			return s, a.putRef(ctx, KindSection, t.SourceID, s.ID)
		}
	}
	a.Report.counts(KindSection).Created++
	if a.DryRun {
		sec.ID = -int64(len(a.sections) + 1)
		return sec, nil
	}
	err = a.Store.CreateSection(ctx, &sec)
	if errors.Is(err, store.ErrConflict) && !strings.HasSuffix(sec.Slug, "-section") {
		// A static page has the address /slug/ already.
		a.Report.rename(Renamed{Item: "section " + name, From: sec.Slug, To: sec.Slug + "-section"})
		sec.Slug += "-section"
		if s, err := a.Store.SectionBySlug(ctx, sec.Slug); err == nil {
			return s, a.putRef(ctx, KindSection, t.SourceID, s.ID)
		}
		err = a.Store.CreateSection(ctx, &sec)
	}
	if err != nil {
		if errors.Is(err, content.ErrInvalid) || errors.Is(err, store.ErrConflict) {
			return sec, itemErr(fmt.Errorf("section %q: %w", name, err))
		}
		return sec, err
	}
	a.order++
	return sec, a.putRef(ctx, KindSection, t.SourceID, sec.ID)
}

func (a *Archive) putRef(ctx context.Context, kind, id string, local int64) error {
	if a.DryRun {
		return nil
	}
	return a.Store.PutImportRef(ctx, store.ImportRef{Source: a.Source, Kind: kind, SourceID: id, LocalID: local})
}

// author finds or makes a byline.
func (a *Archive) author(ctx context.Context, p Person) (content.Author, error) {
	if au, ok := a.authors[p.SourceID]; ok {
		return au, nil
	}
	slug := termSlug(p.Slug, p.Name)
	if slug == "" {
		slug = "author-" + content.Slugify(p.SourceID)
	}
	name := strings.TrimSpace(p.Name)
	if name == "" {
		name = slug
	}
	au, err := a.Store.AuthorBySlug(ctx, slug)
	switch {
	case err == nil:
		a.Report.counts(KindAuthor).Unchanged++
	case !errors.Is(err, store.ErrNotFound):
		return au, err
	default:
		au = content.Author{Slug: slug, Name: name, Bio: plain(a.Renderer, p.Bio, 2000)}
		a.Report.counts(KindAuthor).Created++
		if a.DryRun {
			au.ID = -int64(len(a.authors) + 1)
		} else if err := a.Store.CreateAuthor(ctx, &au); err != nil {
			if errors.Is(err, content.ErrInvalid) {
				return au, itemErr(fmt.Errorf("author %q: %w", name, err))
			}
			return au, err
		}
		if err := a.putRef(ctx, KindAuthor, p.SourceID, au.ID); err != nil {
			return au, err
		}
	}
	a.authors[p.SourceID] = au
	for _, old := range p.OldPaths {
		if err := a.redirect(ctx, old, "/author/"+au.Slug+"/"); err != nil {
			return au, err
		}
	}
	return au, nil
}

// redirect stores one old address, once a run; an address that already
// is the new one is left alone (a redirect to itself would loop).
func (a *Archive) redirect(ctx context.Context, from, to string) error {
	nf, err := store.NormalizeRedirectFrom(from)
	if err != nil {
		a.Report.addNote("old address " + from + " not redirected: " + err.Error())
		return nil
	}
	if nt, err := store.NormalizeRedirectFrom(to); (err == nil && nt == nf) || a.redirected[nf] {
		return nil
	}
	a.redirected[nf] = true
	if a.DryRun || a.Redirects == nil {
		a.Report.addRedirects(1)
		return nil
	}
	err = a.Redirects.PutRedirect(ctx, from, to, a.Source)
	if errors.Is(err, store.ErrInvalidRedirect) {
		// A loop through a redirect made here: the newsroom's stands.
		a.Report.addNote("old address " + from + " not redirected: " + err.Error())
		return nil
	}
	if err != nil {
		return fmt.Errorf("redirect %s: %w", from, err)
	}
	a.Report.addRedirects(1)
	return nil
}

// TermRedirects stores the redirects of the old site's archive pages of
// tags, whose new pages exist once an article carries the tag.
func (a *Archive) TermRedirects(ctx context.Context, tags []Term) error {
	for _, t := range tags {
		slug := termSlug(t.Slug, t.Name)
		if slug == "" {
			continue
		}
		for _, p := range t.OldPaths {
			if err := a.redirect(ctx, p, "/tag/"+slug+"/"); err != nil {
				return err
			}
		}
	}
	return nil
}

// SiteRedirect stores one redirect of the old site's own (its feed).
func (a *Archive) SiteRedirect(ctx context.Context, from, to string) error {
	return a.redirect(ctx, from, to)
}

// plain is the text of an HTML fragment (an excerpt, a caption), at most
// max characters.
func plain(r *content.Renderer, s string, max int) string {
	t := content.PlainText(r.Sanitize(s))
	if rs := []rune(t); len(rs) > max {
		t = string(rs[:max-1]) + "…"
	}
	return t
}
