package ghostapi

import (
	"context"
	"crypto/sha1"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/media"
	"github.com/samizdat-press/samizdat/internal/store"
)

// Kind markers in the first byte of a derived id, so a post and a tag with
// the same local number never share an id.
const (
	kindPost   = 0x01
	kindPage   = 0x02
	kindTag    = 0x03
	kindAuthor = 0x04
)

// localID is the 24-hex-digit id of an item that did not come from Ghost:
// its kind's byte, then its local id, zero-padded. Ghost's own ids start
// with a timestamp (0x5…, 0x6…), so the two never meet.
func localID(kind byte, id int64) string {
	return fmt.Sprintf("%02x%022x", kind, id)
}

// uuidFor is a stable UUID (version 5 layout) for an item: Ghost clients
// key caches by it.
func uuidFor(kind byte, id int64) string {
	sum := sha1.Sum([]byte("samizdat:" + strconv.Itoa(int(kind)) + ":" + strconv.FormatInt(id, 10)))
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}

// post is a live article as filters see it.
type post struct {
	store.IndexedArticle
	gid, uuid     string
	featured      bool
	primaryTag    string
	tags, authors []string // slugs, primary first
}

func (p *post) values(field string) []string {
	switch field {
	case "id":
		return []string{p.gid}
	case "uuid":
		return []string{p.uuid}
	case "slug":
		return []string{p.Slug}
	case "title":
		return []string{p.Title}
	case "tags":
		return p.tags
	case "authors":
		return p.authors
	case "primary_tag":
		if p.primaryTag == "" {
			return nil
		}
		return []string{p.primaryTag}
	case "primary_author":
		if len(p.authors) == 0 {
			return nil
		}
		return p.authors[:1]
	case "featured":
		return []string{strconv.FormatBool(p.featured)}
	case "visibility":
		return []string{"public"}
	case "status":
		return []string{"published"}
	case "published_at":
		return []string{p.PublishedAt.Format(time.RFC3339)}
	case "updated_at":
		return []string{p.UpdatedAt.Format(time.RFC3339)}
	case "created_at":
		return []string{p.CreatedAt.Format(time.RFC3339)}
	}
	return nil
}

var postFields = map[string]bool{"id": true, "uuid": true, "slug": true, "title": true, "tags": true, "authors": true,
	"primary_tag": true, "primary_author": true, "featured": true, "visibility": true, "status": true,
	"published_at": true, "updated_at": true, "created_at": true}

// page is a live static page as filters see it.
type page struct {
	*content.Page
	gid, uuid string
}

func (p *page) values(field string) []string {
	switch field {
	case "id":
		return []string{p.gid}
	case "uuid":
		return []string{p.uuid}
	case "slug":
		return []string{p.Slug}
	case "title":
		return []string{p.Title}
	case "featured":
		return []string{"false"}
	case "visibility":
		return []string{"public"}
	case "status":
		return []string{"published"}
	case "published_at", "created_at":
		return []string{p.CreatedAt.Format(time.RFC3339)}
	case "updated_at":
		return []string{p.UpdatedAt.Format(time.RFC3339)}
	}
	return nil
}

// term is a tag or an author.
type term struct {
	id                     int64
	gid                    string
	slug, name, descr, bio string
	image                  content.Image // an author's photo
	website                string        // an author's first web link
	posts                  int
	kind                   byte
}

func (t *term) values(field string) []string {
	switch field {
	case "id":
		return []string{t.gid}
	case "slug":
		return []string{t.slug}
	case "name":
		return []string{t.name}
	case "visibility":
		return []string{"public"}
	}
	return nil
}

var pageFields = postFields
var termFields = map[string]bool{"id": true, "slug": true, "name": true, "visibility": true}

// snapshot is everything the API lists, read once and kept until the
// change feed says something changed.
type snapshot struct {
	posts   []*post
	pages   []*page
	tags    []*term
	authors []*term
	postBy  map[string]*post // by slug and by id
	pageBy  map[string]*page
	tagBy   map[string]*term
	authBy  map[string]*term
	menu    []*content.Page
}

func (a *API) load(ctx context.Context) (*snapshot, error) {
	idx, err := a.cfg.Store.ArticleIndex(ctx)
	if err != nil {
		return nil, err
	}
	refs := map[string]map[int64]string{}
	for _, kind := range []string{"post", "page", "author", "section"} {
		if refs[kind], err = a.cfg.Store.ImportedIDs(ctx, "ghost", kind); err != nil {
			return nil, err
		}
	}
	pins, err := a.cfg.Store.LivePins(ctx, store.HomeFront, "")
	if err != nil {
		return nil, err
	}
	featured := map[int64]bool{}
	for _, p := range pins {
		featured[p.ArticleID] = true
	}
	sn := &snapshot{postBy: map[string]*post{}, pageBy: map[string]*page{}, tagBy: map[string]*term{}, authBy: map[string]*term{}}
	tagCount, authCount := map[string]int{}, map[string]int{}
	for _, ia := range idx {
		p := &post{IndexedArticle: ia, featured: featured[ia.ID], uuid: uuidFor(kindPost, ia.ID)}
		p.gid = refs["post"][ia.ID]
		if p.gid == "" {
			p.gid = localID(kindPost, ia.ID)
		}
		// The primary tag is the one named like the section (a Ghost
		// import makes the primary tag the section), else the first.
		for _, t := range ia.Tags {
			if t == ia.SectionSlug {
				p.primaryTag = t
			}
		}
		if p.primaryTag == "" && len(ia.Tags) > 0 {
			p.primaryTag = ia.Tags[0]
		}
		if p.primaryTag != "" {
			p.tags = append(p.tags, p.primaryTag)
		}
		for _, t := range ia.Tags {
			if t != p.primaryTag {
				p.tags = append(p.tags, t)
			}
			tagCount[t]++
		}
		p.authors = ia.Authors
		for _, au := range ia.Authors {
			authCount[au]++
		}
		sn.posts = append(sn.posts, p)
		sn.postBy["slug:"+p.Slug] = p
		sn.postBy["id:"+p.gid] = p
	}
	sections, err := a.cfg.Store.Sections(ctx)
	if err != nil {
		return nil, err
	}
	secBySlug := map[string]content.Section{}
	for _, s := range sections {
		secBySlug[s.Slug] = s
	}
	tags, err := a.cfg.Store.Tags(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tags {
		tr := &term{id: t.ID, slug: t.Slug, name: t.Name, descr: t.Description, posts: tagCount[t.Slug], kind: kindTag}
		// A Ghost tag became a section and a tag of the same slug: the
		// section keeps the Ghost id, and describes the tag unless the
		// tag has its own description.
		if s, ok := secBySlug[t.Slug]; ok {
			tr.gid = refs["section"][s.ID]
			if tr.descr == "" {
				tr.descr = s.Description
			}
		}
		if tr.gid == "" {
			tr.gid = localID(kindTag, t.ID)
		}
		sn.tags = append(sn.tags, tr)
		sn.tagBy["slug:"+tr.slug] = tr
		sn.tagBy["id:"+tr.gid] = tr
	}
	authors, err := a.cfg.Store.Authors(ctx)
	if err != nil {
		return nil, err
	}
	var photoKeys []string
	for _, au := range authors {
		if au.PhotoKey != "" {
			photoKeys = append(photoKeys, au.PhotoKey)
		}
	}
	photos, err := a.cfg.Store.ImagesByKey(ctx, photoKeys)
	if err != nil {
		return nil, err
	}
	for _, au := range authors {
		tr := &term{id: au.ID, slug: au.Slug, name: au.Name, bio: au.Bio, posts: authCount[au.Slug], kind: kindAuthor,
			gid: refs["author"][au.ID], image: photos[au.PhotoKey], website: firstWebLink(au)}
		if tr.gid == "" {
			tr.gid = localID(kindAuthor, au.ID)
		}
		sn.authors = append(sn.authors, tr)
		sn.authBy["slug:"+tr.slug] = tr
		sn.authBy["id:"+tr.gid] = tr
	}
	pages, err := a.cfg.Store.LivePages(ctx)
	if err != nil {
		return nil, err
	}
	for _, pg := range pages {
		p := &page{Page: pg, gid: refs["page"][pg.ID], uuid: uuidFor(kindPage, pg.ID)}
		if p.gid == "" {
			p.gid = localID(kindPage, pg.ID)
		}
		sn.pages = append(sn.pages, p)
		// Two editions may share a slug: the main edition's wins.
		if q, ok := sn.pageBy["slug:"+p.Slug]; !ok || q.Lang != a.cfg.Site().Lang {
			sn.pageBy["slug:"+p.Slug] = p
		}
		sn.pageBy["id:"+p.gid] = p
	}
	if sn.menu, err = a.cfg.Store.MenuPages(ctx, a.cfg.Site().Lang); err != nil {
		return nil, err
	}
	return sn, nil
}

// ghostTime is how Ghost writes a time: milliseconds and an offset.
func ghostTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000-07:00")
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// readingTime is Ghost's: 275 words a minute, at least one.
func readingTime(text string) int {
	words := len(strings.Fields(text))
	return max(1, int(math.Round(float64(words)/275)))
}

// excerptOf is Ghost's generated excerpt: the custom one, or the start of
// the text, 500 characters at most.
func excerptOf(custom, text string) string {
	if custom != "" {
		return custom
	}
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= 500 {
		return text
	}
	r := []rune(text)
	return string(r[:500])
}

func (a *API) imageURL(im content.Image) any {
	if im.Key == "" || len(im.Widths) == 0 {
		return nil
	}
	best := 0
	for _, w := range im.Widths {
		best = max(best, w)
	}
	return a.cfg.Site().BaseURL + "/media/" + im.Key + "/" + media.VariantName(best)
}

// firstWebLink is an author's first http(s) link, Ghost's website; "" for
// none.
func firstWebLink(au content.Author) string {
	for _, l := range au.LinkList() {
		if lower := strings.ToLower(l); strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") {
			return l
		}
	}
	return ""
}
