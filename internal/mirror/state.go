package mirror

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// state is what an export leaves beside the copy for the next one: what
// every page shows, and which files the standby copy may lack. It is kept
// outside the copy, so mirrors never publish it.
type state struct {
	Fingerprint string
	BaseURL     string
	PageSize    int
	// Rev0 and Rev1 are the newest article revision when the export began
	// and when it had rendered every page: an article saved in between
	// may show in some pages as it was and in others as it became.
	Rev0, Rev1 int64
	Live       string // manifest.sig of the copy this describes
	Standby    string // manifest.sig of the standby copy
	// StandbyDiff are the paths at which the standby copy may differ from
	// the live one: what the last export changed or removed.
	StandbyDiff []string
	Keys        []string // dependency keys and asset paths, by number
	Pages       []statePage
	Files       []stateFile // the live copy's manifest entries, by path
}

// stateFile is a manifest entry and what put it there.
type stateFile struct {
	Entry
	Page  int32 // the page rendered into it, by index in Pages; -1 for none
	Asset int32 // for an asset, its path's key number; -1 for others
}

// statePage is one rendered page: what it shows, by key numbers.
type statePage struct {
	URL     string
	Deps    []uint32
	Assets  []uint32
	Self    int32 // an article's own key; -1 on other pages
	Article int64 // and its number
	Summary string
	Lists   []uint32
	Order   int64
	LastMod string // from the sitemap; articles only
}

// changed reports whether the article p describes changed since the
// export that described it: its date of change moved in the sitemap, or
// it was saved since that export began (first: the number of its first
// revision since, by article).
func (p *statePage) changed(lastmod string, first map[int64]int64) bool {
	if p.Self < 0 {
		return false
	}
	_, saved := first[p.Article]
	return saved || lastmod != p.LastMod
}

// interner numbers strings.
type interner struct {
	ids  map[string]uint32
	list []string
}

func newInterner(keys []string) *interner {
	in := &interner{ids: make(map[string]uint32, len(keys)), list: keys}
	for i, k := range keys {
		in.ids[k] = uint32(i)
	}
	return in
}

// id numbers k; the caller holds the writer's lock.
func (in *interner) id(k string) uint32 {
	if n, ok := in.ids[k]; ok {
		return n
	}
	n := uint32(len(in.list))
	in.list = append(in.list, k)
	in.ids[k] = n
	return n
}

func (in *interner) all(keys []string) []uint32 {
	if len(keys) == 0 {
		return nil
	}
	out := make([]uint32, len(keys))
	for i, k := range keys {
		out[i] = in.id(k)
	}
	return out
}

func statePath(out string) string { return sibling(out, "state") }

// state describes the copy the writer made: kept are the previous
// export's pages that were not rendered again, and keptFiles their files
// and the assets kept, with the page numbers of that export; entries are
// the files written or rendered now.
func (w *writer) state(rev0, rev1 int64, sig string, kept []statePage, keptFiles []stateFile, entries []Entry) *state {
	st := &state{Fingerprint: w.opt.Fingerprint, BaseURL: w.opt.BaseURL,
		PageSize: w.opt.PageSize, Rev0: rev0, Rev1: rev1, Live: sig}
	st.Pages = make([]statePage, 0, len(kept)+len(w.pages))
	for _, p := range kept {
		st.Pages = append(st.Pages, p)
	}
	byURL := make(map[string]int32, len(w.pages))
	for u, p := range w.pages {
		byURL[u] = int32(len(st.Pages))
		st.Pages = append(st.Pages, *p)
	}
	made := make([]stateFile, 0, len(entries))
	for _, e := range entries {
		f := stateFile{Entry: e, Page: -1, Asset: -1}
		if i, ok := byURL[w.urlOf[e.Path]]; ok {
			f.Page = i
		} else if strings.HasPrefix(e.Path, "static/") || strings.HasPrefix(e.Path, "media/") {
			f.Asset = int32(w.keys.id("/" + e.Path))
		}
		made = append(made, f)
	}
	byPath := func(a, b stateFile) int { return strings.Compare(a.Path, b.Path) }
	slices.SortFunc(made, byPath)
	// keptFiles are in order already: merge rather than sort 100,000 paths.
	files := make([]stateFile, 0, len(keptFiles)+len(made))
	i, j := 0, 0
	for i < len(keptFiles) || j < len(made) {
		if j == len(made) || (i < len(keptFiles) && keptFiles[i].Path < made[j].Path) {
			files = append(files, keptFiles[i])
			i++
		} else {
			files = append(files, made[j])
			j++
		}
	}
	st.Files = files
	st.Keys = w.keys.list
	return st
}

// saveState writes st beside out. With next, it writes it under a second
// name, for an update to rename once its copy is swapped in.
func saveState(out string, st *state, next bool) error {
	name := statePath(out)
	if next {
		name += "-next"
	}
	tmp := name + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("export: save the page descriptions: %w", err)
	}
	err = encodeState(bufio.NewWriterSize(f, 1<<20), st)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("export: save the page descriptions: %w", err)
	}
	return nil
}

// loadState returns the previous export's state when an update can start
// from it: it describes the copy being served, with the same settings,
// and the standby copy is the one it names. Anything else means a full
// export.
func loadState(out string, opt Options) *state {
	live, err := os.ReadFile(filepath.Join(out, sigName))
	if err != nil {
		return nil
	}
	standby, err := os.ReadFile(filepath.Join(sibling(out, "standby"), sigName))
	if err != nil {
		return nil
	}
	// An update killed after its swap left its state under the second
	// name: it describes the copy being served.
	for _, name := range []string{statePath(out), statePath(out) + "-next"} {
		st, err := readState(name)
		if err != nil {
			continue
		}
		if st.Fingerprint == opt.Fingerprint && st.BaseURL == opt.BaseURL &&
			st.PageSize == opt.PageSize && st.Live == string(live) && st.Standby == string(standby) {
			return st
		}
	}
	return nil
}

func readState(name string) (*state, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return decodeState(string(b))
}

// linksWork reports whether files in out can be hard-linked beside it, as
// the standby copy needs.
func linksWork(out string) bool {
	probe := sibling(out, "link-probe")
	os.Remove(probe)
	if err := os.Link(filepath.Join(out, manifestName), probe); err != nil {
		return false
	}
	os.Remove(probe)
	return true
}

// linkTree makes dst a copy of src in which every file is a hard link.
func linkTree(src, dst string) error {
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.Mkdir(to, 0o755)
		}
		return os.Link(p, to)
	})
	if err != nil {
		os.RemoveAll(dst)
		return fmt.Errorf("export: make the standby copy: %w", err)
	}
	return nil
}

// removeFile removes dst and the directories it leaves empty, up to root.
func removeFile(root, dst string) error {
	if err := os.Remove(dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for dir := filepath.Dir(dst); strings.HasPrefix(dir, root+string(filepath.Separator)); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break // not empty
		}
	}
	return nil
}

// cardSum identifies an article's card.
func cardSum(card []byte) string {
	sum := sha256.Sum256(card)
	return hex.EncodeToString(sum[:16])
}
