package importer

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
)

// WordPress reads a WordPress export (WXR 1.1 or 1.2, as Tools → Export
// writes it) into an Archive, streaming: the file is read twice, token by
// token, first for its authors, categories and attachments, then for its
// posts and pages, one at a time. The first reading checks the whole file,
// so a file broken anywhere is reported with its line before anything is
// stored.
type WordPress struct {
	Archive *Archive
	// UploadsDir is a copy of the site's wp-content/uploads ("" for none).
	UploadsDir string
	Images     Images // where photos are stored: media.Dir
}

// The namespaces the export's elements are read under, whatever version
// of the export wrote them.
const (
	nsWXR     = "urn:samizdat:wxr"
	nsExcerpt = "urn:samizdat:wxr-excerpt"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
)

// wxrNames maps the export's versioned namespaces to fixed ones.
type wxrNames struct{ d *xml.Decoder }

func (n wxrNames) Token() (xml.Token, error) {
	t, err := n.d.Token()
	switch e := t.(type) {
	case xml.StartElement:
		e.Name.Space = wxrSpace(e.Name.Space)
		for i := range e.Attr {
			e.Attr[i].Name.Space = wxrSpace(e.Attr[i].Name.Space)
		}
		return e, err
	case xml.EndElement:
		e.Name.Space = wxrSpace(e.Name.Space)
		return e, err
	}
	return t, err
}

func wxrSpace(s string) string {
	if rest, ok := strings.CutPrefix(s, "http://wordpress.org/export/"); ok {
		if strings.HasSuffix(rest, "/excerpt/") {
			return nsExcerpt
		}
		return nsWXR
	}
	return s
}

type wxrAuthor struct {
	ID          string `xml:"urn:samizdat:wxr author_id"`
	Login       string `xml:"urn:samizdat:wxr author_login"`
	DisplayName string `xml:"urn:samizdat:wxr author_display_name"`
	First       string `xml:"urn:samizdat:wxr author_first_name"`
	Last        string `xml:"urn:samizdat:wxr author_last_name"`
}

type wxrCategory struct {
	ID       string `xml:"urn:samizdat:wxr term_id"`
	Nicename string `xml:"urn:samizdat:wxr category_nicename"`
	Parent   string `xml:"urn:samizdat:wxr category_parent"`
	Name     string `xml:"urn:samizdat:wxr cat_name"`
}

type wxrTag struct {
	ID   string `xml:"urn:samizdat:wxr term_id"`
	Slug string `xml:"urn:samizdat:wxr tag_slug"`
	Name string `xml:"urn:samizdat:wxr tag_name"`
}

type wxrItem struct {
	Title         string `xml:"title"`
	Link          string `xml:"link"`
	Creator       string `xml:"http://purl.org/dc/elements/1.1/ creator"`
	Content       string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
	Excerpt       string `xml:"urn:samizdat:wxr-excerpt encoded"`
	ID            string `xml:"urn:samizdat:wxr post_id"`
	Date          string `xml:"urn:samizdat:wxr post_date"`
	DateGMT       string `xml:"urn:samizdat:wxr post_date_gmt"`
	Name          string `xml:"urn:samizdat:wxr post_name"`
	Status        string `xml:"urn:samizdat:wxr status"`
	Type          string `xml:"urn:samizdat:wxr post_type"`
	MenuOrder     int    `xml:"urn:samizdat:wxr menu_order"`
	AttachmentURL string `xml:"urn:samizdat:wxr attachment_url"`
	Categories    []struct {
		Domain   string `xml:"domain,attr"`
		Nicename string `xml:"nicename,attr"`
		Name     string `xml:",chardata"`
	} `xml:"category"`
	Meta []struct {
		Key   string `xml:"urn:samizdat:wxr meta_key"`
		Value string `xml:"urn:samizdat:wxr meta_value"`
	} `xml:"urn:samizdat:wxr postmeta"`
	Comments []struct{} `xml:"urn:samizdat:wxr comment"`
}

func (it *wxrItem) meta(key string) string {
	for _, m := range it.Meta {
		if m.Key == key {
			return m.Value
		}
	}
	return ""
}

type attachment struct{ file, url, alt, caption string }

// wxrSite is what the first reading learns.
type wxrSite struct {
	lang        string
	hosts       []string
	authors     map[string]wxrAuthor   // by login
	byName      map[string]wxrAuthor   // by display name
	categories  map[string]wxrCategory // by nicename
	tags        []wxrTag
	attachments map[string]attachment // by post ID
}

// ImportFile imports the export at name.
func (w *WordPress) ImportFile(ctx context.Context, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	if looks := Sniff(head[:n]); looks != LooksWordPress {
		hint := "export it in WordPress under Tools → Export → All content"
		if looks == LooksGhost {
			hint = "use samizdat import ghost"
		}
		return wrongFile(name, looks, LooksWordPress, hint)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	site, err := w.scan(f, name)
	if err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	a := w.Archive
	if a.Photos, err = NewPhotos(w.UploadsDir, "/wp-content/uploads/", WordPressOriginal, site.hosts, storeUnlessDry(a, w.Images)); err != nil {
		return err
	}
	defer a.Photos.Close()
	if a.Lang == "" {
		a.Lang = "en"
		if content.ValidLanguage(site.lang) {
			a.Lang = site.lang // the export's <language>
		}
	}
	if err := a.Prepare(ctx); err != nil {
		return err
	}
	if err := w.items(ctx, f, name, site); err != nil {
		return err
	}
	var tags []Term
	for _, t := range site.tags {
		tags = append(tags, Term{Slug: t.Slug, Name: t.Name, OldPaths: []string{"/tag/" + t.Slug + "/", "/tag/" + t.Slug + "/feed/"}})
	}
	if err := a.TermRedirects(ctx, tags); err != nil {
		return err
	}
	return a.SiteRedirect(ctx, "/feed/", "/feed.xml")
}

// decoder reads an export with its namespaces fixed; pos gives the line.
func decoder(r io.Reader) (*xml.Decoder, func() int) {
	raw := xml.NewDecoder(r)
	raw.Strict = true
	raw.CharsetReader = func(charset string, in io.Reader) (io.Reader, error) {
		if strings.EqualFold(charset, "utf-8") || strings.EqualFold(charset, "utf8") {
			return in, nil
		}
		return nil, fmt.Errorf("the export is in %s; WordPress writes UTF-8", charset)
	}
	d := xml.NewTokenDecoder(wxrNames{raw})
	return d, func() int { line, _ := raw.InputPos(); return line }
}

func xmlLine(err error, pos func() int) int {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return se.Line
	}
	return pos()
}

// scan is the first reading: the site, its authors and terms, and its
// attachments; every item is read through, which checks the whole file.
func (w *WordPress) scan(r io.Reader, name string) (*wxrSite, error) {
	site := &wxrSite{authors: map[string]wxrAuthor{}, byName: map[string]wxrAuthor{},
		categories: map[string]wxrCategory{}, attachments: map[string]attachment{}}
	d, pos := decoder(r)
	sawVersion := false
	depth := 0
	for {
		t, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &LineError{File: name, Line: xmlLine(err, pos), Err: err}
		}
		switch e := t.(type) {
		case xml.EndElement:
			depth--
		case xml.StartElement:
			depth++
			var err error
			switch {
			case depth == 3 && e.Name.Space == nsWXR && e.Name.Local == "wxr_version":
				sawVersion = true
				err = d.Skip()
			case depth == 3 && e.Name.Local == "language":
				var s string
				err = d.DecodeElement(&s, &e)
				site.lang, _, _ = strings.Cut(strings.ToLower(strings.TrimSpace(s)), "-")
			case depth == 3 && e.Name.Space == nsWXR && (e.Name.Local == "base_site_url" || e.Name.Local == "base_blog_url"):
				var s string
				err = d.DecodeElement(&s, &e)
				if u, perr := url.Parse(strings.TrimSpace(s)); perr == nil && u.Hostname() != "" {
					site.hosts = append(site.hosts, u.Hostname())
				}
			case depth == 3 && e.Name.Space == nsWXR && e.Name.Local == "author":
				var au wxrAuthor
				err = d.DecodeElement(&au, &e)
				site.authors[au.Login] = au
				site.byName[au.DisplayName] = au
			case depth == 3 && e.Name.Space == nsWXR && e.Name.Local == "category":
				var c wxrCategory
				err = d.DecodeElement(&c, &e)
				site.categories[c.Nicename] = c
			case depth == 3 && e.Name.Space == nsWXR && e.Name.Local == "tag":
				var t wxrTag
				err = d.DecodeElement(&t, &e)
				site.tags = append(site.tags, t)
			case depth == 3 && e.Name.Local == "item":
				var it struct {
					ID            string `xml:"urn:samizdat:wxr post_id"`
					Type          string `xml:"urn:samizdat:wxr post_type"`
					Title         string `xml:"title"`
					Excerpt       string `xml:"urn:samizdat:wxr-excerpt encoded"`
					AttachmentURL string `xml:"urn:samizdat:wxr attachment_url"`
					Meta          []struct {
						Key   string `xml:"urn:samizdat:wxr meta_key"`
						Value string `xml:"urn:samizdat:wxr meta_value"`
					} `xml:"urn:samizdat:wxr postmeta"`
				}
				err = d.DecodeElement(&it, &e)
				if err == nil && it.Type == "attachment" {
					at := attachment{url: strings.TrimSpace(it.AttachmentURL), caption: it.Excerpt}
					for _, m := range it.Meta {
						switch m.Key {
						case "_wp_attached_file":
							at.file = strings.TrimSpace(m.Value)
						case "_wp_attachment_image_alt":
							at.alt = m.Value
						}
					}
					if at.alt == "" {
						at.alt = it.Title
					}
					site.attachments[it.ID] = at
				}
			case depth == 1 && e.Name.Local != "rss":
				return nil, &LineError{File: name, Line: pos(), Err: fmt.Errorf("<%s> is not a WordPress export", e.Name.Local)}
			default:
				continue
			}
			depth--
			if err != nil {
				return nil, &LineError{File: name, Line: xmlLine(err, pos), Err: err}
			}
		}
	}
	if !sawVersion {
		return nil, wrongFile(name, LooksRSS, LooksWordPress, "it has no <wp:wxr_version>; export it in WordPress under Tools → Export")
	}
	return site, nil
}

// items is the second reading: every post and page, each stored once it
// is read in full.
func (w *WordPress) items(ctx context.Context, r io.Reader, name string, site *wxrSite) error {
	return w.Archive.Run(ctx, func(ctx context.Context, emit func(*Doc) error) error {
		return w.read(ctx, r, name, site, emit)
	})
}

func (w *WordPress) read(ctx context.Context, r io.Reader, name string, site *wxrSite, emit func(*Doc) error) error {
	d, pos := decoder(r)
	a := w.Archive
	depth := 0
	for {
		t, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &LineError{File: name, Line: xmlLine(err, pos), Err: err}
		}
		switch e := t.(type) {
		case xml.EndElement:
			depth--
		case xml.StartElement:
			depth++
			if depth != 3 || e.Name.Local != "item" {
				continue
			}
			line := pos()
			var it wxrItem
			if err := d.DecodeElement(&it, &e); err != nil {
				return &LineError{File: name, Line: xmlLine(err, pos), Err: err}
			}
			depth--
			a.Report.Ignore("comments", len(it.Comments))
			doc := w.doc(&it, site, line)
			if doc == nil {
				continue
			}
			if err := emit(doc); err != nil {
				return err
			}
		}
	}
}

// doc makes a Doc of an item, or counts why it is not one.
func (w *WordPress) doc(it *wxrItem, site *wxrSite, line int) *Doc {
	a := w.Archive
	var kind string
	switch it.Type {
	case "post":
		kind = KindPost
	case "page":
		kind = KindPage
	case "attachment":
		a.Report.Ignore("attachments (used as photos, not as items)", 1)
		return nil
	case "nav_menu_item":
		a.Report.Ignore("menu items", 1)
		return nil
	default:
		a.Report.Ignore("items of type "+it.Type, 1)
		return nil
	}
	d := &Doc{Kind: kind, SourceID: strings.TrimSpace(it.ID), Where: fmt.Sprintf("line %d", line),
		Title: strings.TrimSpace(it.Title), Slug: strings.TrimSpace(it.Name), Dek: it.Excerpt, MenuOrder: it.MenuOrder}
	switch it.Status {
	case "publish":
		d.Status = content.StatusPublished
	case "future":
		d.Status = content.StatusScheduled
	case "draft", "pending", "private":
		d.Status = content.StatusDraft
	default:
		a.Report.Skip(fmt.Sprintf("%ss with status %q", kind, it.Status))
		return nil
	}
	d.PublishedAt = wpTime(it.DateGMT, it.Date)
	d.CreatedAt = d.PublishedAt
	d.HTML = WordPressHTML(it.Content, a.Report.Dropped)
	if au, ok := site.authors[it.Creator]; ok || it.Creator != "" {
		if !ok {
			au, ok = site.byName[it.Creator]
		}
		p := Person{SourceID: it.Creator, Name: it.Creator}
		if ok {
			p.Name = strings.TrimSpace(au.DisplayName)
			if p.Name == "" {
				p.Name = strings.TrimSpace(au.First + " " + au.Last)
			}
			if p.Name == "" {
				p.Name = au.Login
			}
			p.SourceID = au.Login
		}
		p.Slug = content.Slugify(p.Name)
		p.OldPaths = []string{"/author/" + url.PathEscape(strings.ToLower(strings.ReplaceAll(p.SourceID, " ", "-"))) + "/"}
		d.Authors = []Person{p}
	}
	first := true
	for _, c := range it.Categories {
		switch c.Domain {
		case "category":
			if !first {
				continue // a post is in one section: its first category's
			}
			first = false
			d.Section, d.Tags = wpSection(c.Nicename, strings.TrimSpace(c.Name), site, d.Tags)
		case "post_tag":
			d.Tags = append(d.Tags, Term{SourceID: c.Nicename, Slug: c.Nicename, Name: strings.TrimSpace(c.Name)})
		}
	}
	if id := strings.TrimSpace(it.meta("_thumbnail_id")); id != "" {
		if at, ok := site.attachments[id]; ok {
			src := at.file
			if src == "" {
				src = at.url
			}
			d.Lead = &Photo{Src: src, Alt: at.alt, Caption: at.caption}
		} else {
			a.Report.missing(d, "featured image (attachment "+id+" is not in the export)")
		}
	}
	if d.Status != content.StatusDraft {
		if u, err := url.Parse(strings.TrimSpace(it.Link)); err == nil && u.EscapedPath() != "" {
			p := u.EscapedPath()
			if u.RawQuery != "" {
				p += "?" + u.RawQuery
			}
			d.OldPaths = append(d.OldPaths, p)
		}
		if kind == KindPost {
			d.OldPaths = append(d.OldPaths, "/?p="+d.SourceID)
		} else {
			d.OldPaths = append(d.OldPaths, "/?page_id="+d.SourceID)
		}
	}
	return d
}

// wpSection makes the section of a post from its first category: nested
// categories map to their top-level ancestor, the section, and the
// categories below it become tags of the post.
func wpSection(nicename, name string, site *wxrSite, tags []Term) (*Term, []Term) {
	if nicename == "" {
		nicename = content.Slugify(name)
	}
	if nicename == "" {
		return nil, tags // Uncategorized
	}
	chain := []wxrCategory{}
	seen := map[string]bool{}
	for n := nicename; n != "" && !seen[n]; {
		seen[n] = true
		c, ok := site.categories[n]
		if !ok {
			if n == nicename {
				c = wxrCategory{Nicename: nicename, Name: name}
			} else {
				break
			}
		}
		chain = append([]wxrCategory{c}, chain...)
		n = c.Parent
	}
	top := chain[0]
	path := "/category/" + top.Nicename + "/"
	sec := &Term{SourceID: top.Nicename, Slug: top.Nicename, Name: top.Name, OldPaths: []string{path, path + "feed/"}}
	for _, c := range chain[1:] {
		path += c.Nicename + "/"
		tags = append(tags, Term{SourceID: c.Nicename, Slug: c.Nicename, Name: c.Name, OldPaths: []string{path}})
	}
	return sec, tags
}

// wpTime reads the GMT date of a post, or its local date when WordPress
// left the GMT one unset (drafts).
func wpTime(gmt, local string) time.Time {
	for _, s := range []string{gmt, local} {
		t, err := time.Parse("2006-01-02 15:04:05", strings.TrimSpace(s))
		if err == nil && t.Year() > 1 {
			return t.UTC()
		}
	}
	return time.Time{}
}

// storeUnlessDry is where photos go: nowhere in a dry run.
func storeUnlessDry(a *Archive, im Images) Images {
	if a.DryRun {
		return nil
	}
	return im
}
