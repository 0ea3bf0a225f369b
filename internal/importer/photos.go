package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"net/url"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/media"
)

// Photos finds the old site's images among the files given with an import
// (a copy of WordPress's wp-content/uploads, Ghost's content directory)
// and stores them as this site's media, so that no imported page loads
// anything from the old host.
type Photos struct {
	Root   *os.Root // the files; nil when none were given
	Marker string   // where uploads start in an image's URL: "/wp-content/uploads/"
	// Original names the file a resized copy was made from.
	Original func(rel string) string
	// Hosts are the old site's host names: links there become paths here,
	// which the import's redirects lead on.
	Hosts  []string
	Images Images // nil in a dry run: images are found, not stored
	// Bodies is the width of the variant a body image shows (the widest
	// not wider).
	Bodies int

	saved map[string]stored
}

type stored struct {
	key   string
	saved media.Saved
	err   error
}

// NewPhotos returns Photos reading files under dir ("" for none).
func NewPhotos(dir, marker string, original func(string) string, hosts []string, images Images) (*Photos, error) {
	p := &Photos{Marker: marker, Original: original, Hosts: hosts, Images: images, Bodies: 960, saved: map[string]stored{}}
	if dir != "" {
		root, err := os.OpenRoot(dir)
		if err != nil {
			return nil, fmt.Errorf("images directory: %w", err)
		}
		p.Root = root
	}
	return p, nil
}

// Close releases the directory.
func (p *Photos) Close() error {
	if p == nil || p.Root == nil {
		return nil
	}
	return p.Root.Close()
}

// rel is the uploads-relative path of an image src, or "".
func (p *Photos) rel(src string) string {
	src = strings.Replace(src, "__GHOST_URL__", "http://ghost.invalid", 1)
	u, err := url.Parse(strings.TrimSpace(src))
	if err != nil {
		return ""
	}
	rel := u.Path
	if i := strings.Index(rel, p.Marker); i >= 0 {
		rel = rel[i+len(p.Marker):]
	} else if u.Scheme != "" || u.Host != "" || strings.HasPrefix(rel, "/") {
		return "" // not one of the old site's uploads
	}
	rel = path.Clean(rel)
	if rel == "." || strings.HasPrefix(rel, "../") || rel == ".." {
		return ""
	}
	return rel
}

// locate finds the file of src: the named file, or the original a resized
// copy was made from.
func (p *Photos) locate(src string) (string, os.FileInfo, bool) {
	if p == nil || p.Root == nil {
		return "", nil, false
	}
	rel := p.rel(src)
	if rel == "" {
		return "", nil, false
	}
	names := []string{rel}
	if p.Original != nil {
		names = append(names, p.Original(rel))
	}
	for _, name := range names {
		if info, err := p.Root.Stat(name); err == nil && info.Mode().IsRegular() {
			return name, info, true
		}
	}
	return "", nil, false
}

// fingerprint names the file an image src resolves to, for an item's
// hash: a file added, replaced or removed later changes the item.
func (p *Photos) fingerprint(src string) string {
	name, info, ok := p.locate(src)
	if !ok {
		return "missing"
	}
	return name + ":" + strconv.FormatInt(info.Size(), 10) + ":" + strconv.FormatInt(info.ModTime().Unix(), 10)
}

var errMissing = errors.New("not found among the files given")

// store stores the image of src (once a run), returning its media key.
func (p *Photos) store(src string) (string, media.Saved, error) {
	name, info, ok := p.locate(src)
	if !ok {
		return "", media.Saved{}, errMissing
	}
	if s, ok := p.saved[name]; ok {
		return s.key, s.saved, s.err
	}
	sum := sha256.Sum256([]byte(name + "\x00" + strconv.FormatInt(info.Size(), 10)))
	base := content.Slugify(strings.TrimSuffix(path.Base(name), path.Ext(name)))
	base = strings.Trim(truncate(base, 40), "-")
	if base == "" {
		base = "image"
	}
	key := "imp-" + base + "-" + hex.EncodeToString(sum[:5])
	s := stored{key: key}
	s.saved, s.err = p.save(name, info, key)
	p.saved[name] = s
	return s.key, s.saved, s.err
}

func (p *Photos) save(name string, info os.FileInfo, key string) (media.Saved, error) {
	if info.Size() > MaxImageSize {
		return media.Saved{}, fmt.Errorf("%s is %d bytes; at most %d", name, info.Size(), MaxImageSize)
	}
	f, err := p.Root.Open(name)
	if err != nil {
		return media.Saved{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxImageSize+1))
	if err != nil {
		return media.Saved{}, err
	}
	img, err := media.DecodeUpload(data)
	if err != nil {
		return media.Saved{}, fmt.Errorf("%s: %w", name, err)
	}
	if p.Images == nil { // a dry run: checked, not stored
		b := img.Bounds()
		return media.Saved{Widths: []int{b.Dx()}, Width: b.Dx(), Height: b.Dy()}, nil
	}
	return p.Images.SaveVariants(key, img)
}

// body is how an image of a body is shown: the widest variant no wider
// than Bodies.
func (p *Photos) body(key string, s media.Saved) ImageRef {
	w := s.Widths[0]
	for _, x := range s.Widths {
		if x <= p.Bodies {
			w = x
		}
	}
	return ImageRef{Src: "/media/" + key + "/" + media.VariantName(w), Width: w, Height: max(1, s.Height*w/max(1, s.Width))}
}

// link makes a link to the old site a path here.
func (p *Photos) link(href string) string {
	if p == nil {
		return href
	}
	if rest, ok := strings.CutPrefix(href, "__GHOST_URL__"); ok {
		if rest == "" {
			return "/"
		}
		return rest
	}
	u, err := url.Parse(href)
	if err != nil || u.Host == "" {
		return href
	}
	for _, h := range p.Hosts {
		if strings.EqualFold(u.Hostname(), h) {
			out := u.EscapedPath()
			if out == "" {
				out = "/"
			}
			if u.RawQuery != "" {
				out += "?" + u.RawQuery
			}
			if u.Fragment != "" {
				out += "#" + u.EscapedFragment()
			}
			return out
		}
	}
	return href
}

// bodyImage resolves the images of d's body, reporting those that are
// there but cannot be used.
func (a *Archive) bodyImage(d *Doc) ImageFunc {
	return func(src string) (ImageRef, bool) {
		if a.Photos == nil {
			return ImageRef{}, false
		}
		key, s, err := a.Photos.store(src)
		if err != nil {
			if !errors.Is(err, errMissing) {
				a.Report.note(d, "image "+src+" could not be used: "+err.Error())
			}
			return ImageRef{}, false
		}
		if len(s.Widths) == 0 {
			return ImageRef{}, false
		}
		return a.Photos.body(key, s), true
	}
}

// leadImage stores d's lead photo; a photo that cannot be found is
// reported and the article stored without it.
func (a *Archive) leadImage(d *Doc, headline string) content.Image {
	if a.Photos == nil {
		a.Report.missing(d, d.Lead.Src)
		return content.Image{}
	}
	key, s, err := a.Photos.store(d.Lead.Src)
	if err != nil || len(s.Widths) == 0 {
		if err == nil || errors.Is(err, errMissing) {
			a.Report.missing(d, d.Lead.Src)
		} else {
			a.Report.note(d, "lead photo "+d.Lead.Src+" could not be used: "+err.Error())
		}
		return content.Image{}
	}
	img := content.Image{
		Key: key, Widths: s.Widths, Width: s.Width, Height: s.Height, WebP: s.WebP, Crops: s.Crops,
		Alt:     plain(a.Renderer, d.Lead.Alt, content.MaxCaption),
		Caption: plain(a.Renderer, d.Lead.Caption, content.MaxCaption),
	}
	if img.Alt == "" {
		img.Alt = img.Caption
	}
	if img.Alt == "" {
		img.Alt = headline // the store refuses a photo nobody described
	}
	return img
}

// termSlug is a source's slug made valid here, or the name's slug.
func termSlug(slug, name string) string {
	if s, err := url.PathUnescape(slug); err == nil {
		slug = s
	}
	slug = strings.TrimSpace(slug)
	if content.ValidSlug(slug) {
		return slug
	}
	if s := content.Slugify(slug); s != "" {
		return s
	}
	return content.Slugify(name)
}

var (
	wpSizeRe    = regexp.MustCompile(`-(?:\d+x\d+|scaled|rotated)(\.[A-Za-z0-9]+)$`)
	ghostSizeRe = regexp.MustCompile(`^(?:size/w\d+(?:h\d+)?/)?(?:format/[a-z0-9]+/)?`)
)

// WordPressOriginal names the upload a resized copy was made from:
// 2024/05/photo-300x200.jpg is 2024/05/photo.jpg.
func WordPressOriginal(rel string) string { return wpSizeRe.ReplaceAllString(rel, "$1") }

// GhostOriginal names the image a resized copy was made from:
// size/w600/2024/05/photo.jpg is 2024/05/photo.jpg.
func GhostOriginal(rel string) string { return ghostSizeRe.ReplaceAllString(rel, "") }

func mediaSaved(img content.Image) media.Saved {
	return media.Saved{Widths: img.Widths, Width: img.Width, Height: img.Height}
}

func htmlAttr(s string) string { return html.EscapeString(s) }
