package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
)

// Ghost reads a Ghost 4–6 JSON export (Settings → Labs → Export) into an
// Archive, streaming: the file is read twice with a token decoder, first
// for its tags, authors and the tables joining them to posts (and to
// check the whole file), then for its posts, one at a time.
type Ghost struct {
	Archive *Archive
	// ContentDir is a copy of Ghost's content directory, whose images/
	// holds the uploaded photos ("" for none).
	ContentDir string
	Images     Images
}

// ghostID is an id, a string since Ghost 1 and a number before.
type ghostID string

func (id *ghostID) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*id = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*id = ghostID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*id = ghostID(n.String())
	return nil
}

type ghostPost struct {
	ID                  ghostID `json:"id"`
	Title               string  `json:"title"`
	Slug                string  `json:"slug"`
	HTML                *string `json:"html"`
	FeatureImage        string  `json:"feature_image"`
	FeatureImageAlt     string  `json:"feature_image_alt"`
	FeatureImageCaption string  `json:"feature_image_caption"`
	Type                string  `json:"type"`
	Status              string  `json:"status"`
	Visibility          string  `json:"visibility"`
	CustomExcerpt       string  `json:"custom_excerpt"`
	PublishedAt         string  `json:"published_at"`
	CreatedAt           string  `json:"created_at"`
}

type ghostMeta struct {
	PostID              ghostID `json:"post_id"`
	FeatureImageAlt     string  `json:"feature_image_alt"`
	FeatureImageCaption string  `json:"feature_image_caption"`
}

type ghostTag struct {
	ID         ghostID `json:"id"`
	Name       string  `json:"name"`
	Slug       string  `json:"slug"`
	Visibility string  `json:"visibility"`
}

type ghostUser struct {
	ID   ghostID `json:"id"`
	Name string  `json:"name"`
	Slug string  `json:"slug"`
	Bio  string  `json:"bio"`
}

type ghostLink struct {
	PostID    ghostID `json:"post_id"`
	TagID     ghostID `json:"tag_id"`
	AuthorID  ghostID `json:"author_id"`
	SortOrder int     `json:"sort_order"`
}

type ghostSetting struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// ghostSite is what the first reading learns.
type ghostSite struct {
	tags    map[ghostID]ghostTag
	users   map[ghostID]ghostUser
	meta    map[ghostID]ghostMeta
	postTag map[ghostID][]ghostLink
	postBy  map[ghostID][]ghostLink
	locale  string
	posts   int
}

// PathError is a broken JSON export, with the path of the value at fault.
type PathError struct {
	File string
	Path string // db[0].data.posts[3].title
	Err  error
}

func (e *PathError) Error() string { return fmt.Sprintf("%s: at %s: %v", e.File, e.Path, e.Err) }

func (e *PathError) Unwrap() error { return e.Err }

// ImportFile imports the export at name.
func (g *Ghost) ImportFile(ctx context.Context, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	if looks := Sniff(head[:n]); looks != LooksGhost {
		hint := "export it in Ghost under Settings → Labs → Export your content"
		switch looks {
		case LooksWordPress:
			hint = "use samizdat import wordpress"
		case LooksCSV:
			hint = "a members CSV goes with --members"
		}
		return wrongFile(name, looks, LooksGhost, hint)
	}
	site := &ghostSite{tags: map[ghostID]ghostTag{}, users: map[ghostID]ghostUser{}, meta: map[ghostID]ghostMeta{},
		postTag: map[ghostID][]ghostLink{}, postBy: map[ghostID][]ghostLink{}}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if err := walkGhost(f, name, func(table, path string, d *json.Decoder) (bool, error) {
		return site.read(table, path, d)
	}); err != nil {
		return err
	}
	a := g.Archive
	if a.Photos, err = NewPhotos(imagesDir(g.ContentDir), "/content/images/", GhostOriginal, nil, storeUnlessDry(a, g.Images)); err != nil {
		return err
	}
	defer a.Photos.Close()
	if a.Lang == "" {
		a.Lang = "en"
		if l, _, _ := strings.Cut(strings.ToLower(site.locale), "-"); content.ValidLanguage(l) {
			a.Lang = l
		}
	}
	if err := a.Prepare(ctx); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	var tags []Term
	for _, t := range site.tags {
		if t.Visibility != "internal" && !strings.HasPrefix(t.Name, "#") {
			tags = append(tags, Term{Slug: t.Slug, Name: t.Name, OldPaths: []string{"/tag/" + t.Slug + "/", "/tag/" + t.Slug + "/rss/"}})
		}
	}
	err = a.Run(ctx, func(ctx context.Context, emit func(*Doc) error) error {
		return g.posts(f, name, site, emit)
	})
	if err != nil {
		return err
	}
	slices.SortFunc(tags, func(x, y Term) int { return strings.Compare(x.Slug, y.Slug) })
	if err := a.TermRedirects(ctx, tags); err != nil {
		return err
	}
	return a.SiteRedirect(ctx, "/rss/", "/feed.xml")
}

// posts is the second reading: every post and page, each emitted once it
// is read in full.
func (g *Ghost) posts(f io.Reader, name string, site *ghostSite, emit func(*Doc) error) error {
	a := g.Archive
	return walkGhost(f, name, func(table, path string, d *json.Decoder) (bool, error) {
		if table != "posts" {
			return false, nil
		}
		return true, eachElement(d, name, path, func(i int, p string) error {
			var post ghostPost
			if err := d.Decode(&post); err != nil {
				var te *json.UnmarshalTypeError
				if errors.As(err, &te) {
					// The value was read through: the next post is
					// still there to import.
					a.Report.Fail(fmt.Sprintf("%s: at %s.%s: %v", name, p, te.Field, err))
					return nil
				}
				return &PathError{File: name, Path: p, Err: err}
			}
			doc := g.doc(&post, site, p)
			if doc == nil {
				return nil
			}
			return emit(doc)
		})
	})
}

func imagesDir(contentDir string) string {
	if contentDir == "" {
		return ""
	}
	return strings.TrimRight(contentDir, "/") + "/images"
}

// read keeps the tables the posts are joined with.
func (s *ghostSite) read(table, path string, d *json.Decoder) (bool, error) {
	switch table {
	case "posts":
		// Read through one by one, for the path of a post that breaks.
		return true, eachElement(d, "", path, func(i int, p string) error {
			s.posts++
			return syntaxAt(p, d, skipValue(d))
		})
	case "tags":
		return true, decodeEach(d, path, func(t ghostTag) { s.tags[t.ID] = t })
	case "users":
		return true, decodeEach(d, path, func(u ghostUser) { s.users[u.ID] = u })
	case "posts_meta":
		return true, decodeEach(d, path, func(m ghostMeta) { s.meta[m.PostID] = m })
	case "posts_tags":
		return true, decodeEach(d, path, func(l ghostLink) { s.postTag[l.PostID] = append(s.postTag[l.PostID], l) })
	case "posts_authors":
		return true, decodeEach(d, path, func(l ghostLink) { s.postBy[l.PostID] = append(s.postBy[l.PostID], l) })
	case "settings":
		return true, decodeEach(d, path, func(st ghostSetting) {
			if st.Key == "locale" {
				json.Unmarshal(st.Value, &s.locale)
			}
		})
	}
	return false, nil
}

func decodeEach[T any](d *json.Decoder, path string, keep func(T)) error {
	return eachElement(d, "", path, func(i int, p string) error {
		var v T
		if err := d.Decode(&v); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) && te.Field != "" {
				p += "." + te.Field
			}
			return &PathError{Path: p, Err: err}
		}
		keep(v)
		return nil
	})
}

// walkGhost walks an export to each table of db[0].data (or of data, as
// exports before Ghost 1 have it) and gives each to table, which reads it
// and returns true or leaves it to be read through.
func walkGhost(r io.Reader, name string, table func(table, path string, d *json.Decoder) (bool, error)) error {
	d := json.NewDecoder(r)
	d.UseNumber()
	err := walkObject(d, "", func(key, path string) (bool, error) {
		switch key {
		case "db":
			return true, eachElement(d, name, path, func(i int, p string) error {
				if i > 0 {
					return skipValue(d)
				}
				return walkObject(d, p, func(key, path string) (bool, error) {
					if key != "data" {
						return false, nil
					}
					return true, walkObject(d, path, func(key, path string) (bool, error) { return table(key, path, d) })
				})
			})
		case "data":
			return true, walkObject(d, path, func(key, path string) (bool, error) { return table(key, path, d) })
		}
		return false, nil
	})
	var pe *PathError
	if errors.As(err, &pe) {
		pe.File = name
		return pe
	}
	if err != nil {
		return &PathError{File: name, Path: "(top)", Err: err}
	}
	return nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// walkObject reads an object, giving each key to fn, which reads its
// value or returns false to have it read through.
func walkObject(d *json.Decoder, path string, fn func(key, path string) (bool, error)) error {
	if err := expectDelim(d, path, '{'); err != nil {
		return err
	}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return syntaxAt(path, d, err)
		}
		key, _ := t.(string)
		p := joinPath(path, key)
		done, err := fn(key, p)
		if err != nil {
			return err
		}
		if !done {
			if err := skipValue(d); err != nil {
				return syntaxAt(p, d, err)
			}
		}
	}
	_, err := d.Token()
	return syntaxAt(path, d, err)
}

// eachElement reads an array, calling fn to read each element.
func eachElement(d *json.Decoder, name, path string, fn func(i int, path string) error) error {
	if err := expectDelim(d, path, '['); err != nil {
		return err
	}
	for i := 0; d.More(); i++ {
		if err := fn(i, path+"["+strconv.Itoa(i)+"]"); err != nil {
			return err
		}
	}
	_, err := d.Token()
	return syntaxAt(path, d, err)
}

func expectDelim(d *json.Decoder, path string, want json.Delim) error {
	t, err := d.Token()
	if err != nil {
		return syntaxAt(path, d, err)
	}
	if t != want {
		return &PathError{Path: path, Err: fmt.Errorf("want %s, found %v", kindOf(want), t)}
	}
	return nil
}

func kindOf(d json.Delim) string {
	if d == '{' {
		return "an object"
	}
	return "an array"
}

func syntaxAt(path string, d *json.Decoder, err error) error {
	if err == nil {
		return nil
	}
	var pe *PathError
	if errors.As(err, &pe) {
		return err
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if path == "" {
		path = "(top)"
	}
	return &PathError{Path: path, Err: fmt.Errorf("%w (byte %d)", err, d.InputOffset())}
}

// skipValue reads one value through, token by token.
func skipValue(d *json.Decoder) error {
	depth := 0
	for {
		t, err := d.Token()
		if err != nil {
			if err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// doc makes a Doc of a Ghost post or page, or counts why it is not one.
func (g *Ghost) doc(p *ghostPost, site *ghostSite, where string) *Doc {
	a := g.Archive
	kind := KindPost
	if p.Type == "page" {
		kind = KindPage
	}
	d := &Doc{Kind: kind, SourceID: string(p.ID), Where: where, Title: strings.TrimSpace(p.Title), Slug: p.Slug, Dek: p.CustomExcerpt}
	switch p.Status {
	case "published":
		d.Status = content.StatusPublished
	case "scheduled":
		d.Status = content.StatusScheduled
	case "draft":
		d.Status = content.StatusDraft
	case "sent":
		a.Report.Skip("email-only posts (sent as newsletters, never on the site)")
		return nil
	default:
		a.Report.Skip(fmt.Sprintf("%ss with status %q", kind, p.Status))
		return nil
	}
	if p.Visibility != "" && p.Visibility != "public" && d.Status != content.StatusDraft {
		// What was for members there is not made public here unasked.
		d.Status = content.StatusDraft
		a.Report.note(d, "was for "+p.Visibility+" members in Ghost: stored as a draft")
	}
	if p.HTML == nil {
		a.Report.note(d, "has no html in the export (exports before Ghost 4 may lack it): stored without a body")
	} else {
		d.HTML = *p.HTML
	}
	d.PublishedAt = ghostTime(p.PublishedAt)
	d.CreatedAt = ghostTime(p.CreatedAt)
	if p.FeatureImage != "" {
		ph := &Photo{Src: p.FeatureImage, Alt: p.FeatureImageAlt, Caption: p.FeatureImageCaption}
		if m, ok := site.meta[p.ID]; ok {
			ph.Alt = cmpOr(m.FeatureImageAlt, ph.Alt)
			ph.Caption = cmpOr(m.FeatureImageCaption, ph.Caption)
		}
		d.Lead = ph
	}
	links := slices.Clone(site.postTag[p.ID])
	slices.SortStableFunc(links, func(x, y ghostLink) int { return x.SortOrder - y.SortOrder })
	for _, l := range links {
		t, ok := site.tags[l.TagID]
		if !ok || t.Visibility == "internal" || strings.HasPrefix(t.Name, "#") {
			continue // internal tags organise the newsroom's work, not the site
		}
		if d.Section == nil {
			// Ghost's primary tag, the first, is the post's section.
			d.Section = &Term{SourceID: string(t.ID), Slug: t.Slug, Name: t.Name}
		}
		d.Tags = append(d.Tags, Term{SourceID: string(t.ID), Slug: t.Slug, Name: t.Name})
	}
	if d.Section == nil && kind == KindPost {
		d.Section = &Term{SourceID: "untagged", Slug: "archive", Name: "Archive"}
	}
	by := slices.Clone(site.postBy[p.ID])
	slices.SortStableFunc(by, func(x, y ghostLink) int { return x.SortOrder - y.SortOrder })
	for _, l := range by {
		if u, ok := site.users[l.AuthorID]; ok {
			d.Authors = append(d.Authors, Person{SourceID: string(u.ID), Slug: u.Slug, Name: u.Name, Bio: u.Bio,
				OldPaths: []string{"/author/" + u.Slug + "/", "/author/" + u.Slug + "/rss/"}})
		}
	}
	if d.Status != content.StatusDraft && p.Slug != "" {
		d.OldPaths = []string{"/" + p.Slug + "/", "/" + p.Slug + "/amp/"}
	}
	return d
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func ghostTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
