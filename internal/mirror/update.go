package mirror

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// update brings the export up to date by rendering only what changed
// since the previous one:
//
//  1. the sitemaps, the fixed pages (home, feeds), any new page, and every
//     article saved since the previous export began (by revision number)
//     or whose date of change in the sitemap moved;
//  2. then the pages that show one of those articles: when only its card
//     changed, the new card is put in place of the old one in each; when
//     it entered, left or moved in a list (or was edited while the
//     previous export ran), every page of those lists is rendered again.
//
// Changed files go to a pending directory. The standby copy (the export
// before the previous one, sharing unchanged files with it by hard link)
// is then brought up to the new state and swapped in: readers see the
// old copy or the new one, and a failure before the swap leaves the
// served copy as it was.
func update(ctx context.Context, opt Options, out string, st *state) (Result, error) {
	rev0, first0, err := opt.Source.RevisionsSince(ctx, st.Rev0)
	if err != nil {
		return Result{}, fmt.Errorf("export: %w", err)
	}
	if rev0 < st.Rev1 {
		// Fewer revisions than the previous export saw: the database was
		// restored or replaced. Only a full export can be trusted.
		return full(ctx, opt, out)
	}
	pending := sibling(out, "pending")
	if err := os.RemoveAll(pending); err != nil {
		return Result{}, fmt.Errorf("export: %w", err)
	}
	if err := os.MkdirAll(pending, 0o755); err != nil {
		return Result{}, fmt.Errorf("export: %w", err)
	}
	defer os.RemoveAll(pending)

	w := newWriter(ctx, opt, out, nil, st.Keys)
	w.prevFiles = st.Files
	w.trusted, _ = trustedAt(out)
	w.pending = pending
	w.cards = map[string][]byte{}
	w.newCards = map[string][]byte{}
	w.res.Updated = true
	base, err := w.plan(ctx)
	if err != nil {
		return Result{}, err
	}
	oldIdx := make(map[string]int32, len(st.Pages))
	for i := range st.Pages {
		oldIdx[st.Pages[i].URL] = int32(i)
	}
	seen := make([]bool, len(st.Pages))
	rendered := map[string]bool{}

	var first []job
	for _, j := range base {
		i, ok := oldIdx[j.url]
		if ok {
			seen[i] = true
		}
		if j.always || !ok || st.Pages[i].changed(w.lastmod[j.url], first0) {
			first = append(first, j)
		}
	}
	if err := w.run(ctx, first); err != nil {
		return Result{}, err
	}
	for _, j := range first {
		rendered[j.url] = true
	}

	// What the changed articles touch, by key: dirty keys call for pages
	// to be rendered again, card keys for the new card to replace the old.
	dirty, card := map[string]bool{}, map[string]bool{}
	structural := false
	touch := func(p *statePage, keys []string) {
		structural = true
		if p.Self >= 0 {
			dirty[keys[p.Self]] = true
		}
		for _, k := range p.Lists {
			dirty[keys[k]] = true
		}
	}
	for i := range st.Pages {
		if p := &st.Pages[i]; !seen[i] && p.Self >= 0 {
			touch(p, st.Keys) // gone: unpublished, deleted or moved
		}
	}
	keys := w.keys.list // the previous export's keys and those new pages brought
	for _, j := range first {
		n := w.pages[j.url]
		if n == nil || n.Self < 0 {
			continue
		}
		i, ok := oldIdx[j.url]
		if !ok {
			touch(n, keys)
			continue
		}
		p := &st.Pages[i]
		switch {
		case racy(first0[n.Article], st) || n.Order != p.Order || !slices.Equal(names(keys, n.Lists), names(st.Keys, p.Lists)):
			touch(p, st.Keys)
			touch(n, keys)
		case n.Summary != p.Summary:
			card[st.Keys[p.Self]] = true
			w.newCards[p.Summary] = w.cards[j.url]
		}
	}

	// The later pages of each list: as they were, unless an article
	// entered, left or moved in one.
	var later []job
	if structural {
		if later, err = w.listPages(ctx); err != nil {
			return Result{}, err
		}
	} else {
		for i := range st.Pages {
			u := st.Pages[i].URL
			if root, _, ok := strings.Cut(u, "?page="); ok && w.hasList(root) {
				later = append(later, job{url: u})
			}
		}
	}
	for _, j := range later {
		if i, ok := oldIdx[j.url]; ok {
			seen[i] = true
		}
	}

	hasFile := make([]bool, len(st.Pages))
	for _, f := range st.Files {
		if f.Page >= 0 {
			hasFile[f.Page] = true
		}
	}
	const clean, patch, render = 0, 1, 2
	level := make([]uint8, len(st.Keys))
	if len(dirty)+len(card) > 0 {
		for i, k := range st.Keys {
			switch {
			case dirty[k]:
				level[i] = render
			case card[k] && opt.CardStart != "":
				level[i] = patch
			case card[k]:
				level[i] = render
			}
		}
	}
	var second []job
	for _, j := range slices.Concat(base, later) {
		if rendered[j.url] {
			continue
		}
		i, ok := oldIdx[j.url]
		if !ok || !hasFile[i] {
			second = append(second, j)
			continue
		}
		need := uint8(clean)
		for _, d := range st.Pages[i].Deps {
			need = max(need, level[d])
		}
		switch need {
		case render:
			second = append(second, j)
		case patch:
			second = append(second, job{url: j.url, patch: &st.Pages[i]})
		}
	}
	if err := w.run(ctx, second); err != nil {
		return Result{}, err
	}
	for _, j := range second {
		rendered[j.url] = true
	}

	// Assets: those the rendered pages use that the copy lacks.
	if err := w.run(ctx, w.assetJobs(func(a string) bool { _, ok := w.previous(filePath(a)); return ok })); err != nil {
		return Result{}, err
	}

	// The new copy: the previous export's files that are kept, and what
	// was rendered.
	referenced := make([]bool, len(w.keys.list))
	var kept []statePage
	renum := make([]int32, len(st.Pages)) // old page number -> new, or -1
	for i := range st.Pages {
		p := &st.Pages[i]
		renum[i] = -1
		if seen[i] && !rendered[p.URL] {
			renum[i] = int32(len(kept))
			kept = append(kept, *p)
			for _, a := range p.Assets {
				referenced[a] = true
			}
		}
	}
	for _, p := range w.pages {
		for _, a := range p.Assets {
			referenced[a] = true
		}
	}
	written := make(map[string]bool, len(w.entries))
	for _, e := range w.entries {
		written[e.Path] = true
	}
	var keptFiles []stateFile
	var removed []string
	for _, f := range st.Files {
		if written[f.Path] {
			continue
		}
		switch {
		case f.Page >= 0 && renum[f.Page] >= 0:
			f.Page = renum[f.Page]
			keptFiles = append(keptFiles, f)
		case f.Asset >= 0 && referenced[f.Asset]:
			keptFiles = append(keptFiles, f)
		default:
			removed = append(removed, f.Path)
		}
	}
	if bad := w.altered(keptFiles); len(bad) > 0 {
		// Files of the copy were changed after it was signed. Rendering
		// everything again writes them anew (full links only intact files).
		os.RemoveAll(pending)
		res, err := full(ctx, opt, out)
		res.Altered = bad
		return res, err
	}
	for _, f := range keptFiles {
		w.res.Files++
		w.res.Linked++
		w.res.Bytes += f.Size
	}
	w.res.Removed = len(removed)
	rev1, _, err := opt.Source.RevisionsSince(ctx, math.MaxInt64)
	if err != nil {
		return w.res, fmt.Errorf("export: %w", err)
	}
	next := w.state(rev0, rev1, "", kept, keptFiles, w.entries)
	entries := make([]Entry, len(next.Files))
	for i, f := range next.Files {
		entries[i] = f.Entry
	}

	sb := sibling(out, "standby")
	if err := w.bringUp(sb, st.StandbyDiff, entries, removed); err != nil {
		return w.res, err
	}
	if next.Live, err = w.finish(sb, entries); err != nil {
		return w.res, err
	}
	next.Standby = st.Live
	next.StandbyDiff = append(slices.Clip(w.written), removed...)
	if err := saveState(out, next, true); err != nil {
		return w.res, err
	}
	if err := swap(sb, out); err != nil {
		return w.res, err
	}
	if err := os.Rename(statePath(out)+"-next", statePath(out)); err != nil {
		return w.res, fmt.Errorf("export: save the page descriptions: %w", err)
	}
	return w.res, nil
}

// racy reports whether an article whose first revision since the
// previous export began is rev was saved while that export rendered: some
// pages may show it as it was, others as it became.
func racy(rev int64, st *state) bool { return rev > 0 && rev <= st.Rev1 }

func names(keys []string, ids []uint32) []string {
	out := make([]string, len(ids))
	for i, n := range ids {
		out[i] = keys[n]
	}
	slices.Sort(out)
	return out
}

// patchCards makes the page p describes from the previous export's file
// by putting each changed article's new card in place of its old one.
// It returns nil when it cannot be sure the result is what rendering the
// page would give: the file is not the one the manifest lists, or holds
// no card that changed.
func (w *writer) patchCards(u string) []byte {
	rel := filePath(u)
	e, ok := w.previous(rel)
	if !ok {
		return nil
	}
	old, err := os.ReadFile(filepath.Join(w.out, filepath.FromSlash(rel)))
	if err != nil || int64(len(old)) != e.Size {
		return nil
	}
	if sum := sha256.Sum256(old); hex.EncodeToString(sum[:]) != e.SHA256 {
		return nil
	}
	for _, m := range w.opt.Unpatchable {
		if bytes.Contains(old, []byte(m)) {
			return nil
		}
	}
	start, end := []byte(w.opt.CardStart), []byte(w.opt.CardEnd)
	out := make([]byte, 0, len(old)+1024)
	rest, replaced := old, 0
	for {
		i := bytes.Index(rest, start)
		if i < 0 {
			break
		}
		j := bytes.Index(rest[i:], end)
		if j < 0 {
			break
		}
		block := rest[i : i+j+len(end)]
		out = append(out, rest[:i]...)
		if nc, ok := w.newCards[cardSum(block)]; ok {
			out = append(out, nc...)
			replaced++
		} else {
			out = append(out, block...)
		}
		rest = rest[i+j+len(end):]
	}
	if replaced == 0 {
		return nil
	}
	return append(out, rest...)
}

// bringUp makes the standby copy hold entries: at every path where it may
// differ from the live copy (what the previous export changed) or where
// this export changes the live copy, it takes the new file from pending,
// a hard link to the live copy's, or nothing. Its manifest goes first, so
// that a standby copy left half-done is never taken for a finished one.
func (w *writer) bringUp(sb string, mayDiffer []string, entries []Entry, removed []string) error {
	for _, name := range []string{sigName, manifestName} {
		if err := os.Remove(filepath.Join(sb, name)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("export: standby copy: %w", err)
		}
	}
	fix := slices.Concat(mayDiffer, w.written, removed)
	slices.Sort(fix)
	fix = slices.Compact(fix)
	for _, rel := range fix {
		if rel == manifestName || rel == sigName {
			continue
		}
		dst := filepath.Join(sb, filepath.FromSlash(rel))
		if _, ok := slices.BinarySearchFunc(entries, rel, func(e Entry, p string) int { return strings.Compare(e.Path, p) }); !ok {
			if err := removeFile(sb, dst); err != nil {
				return fmt.Errorf("export: standby copy: %w", err)
			}
			continue
		}
		src, ok := w.pendingFiles[rel]
		if !ok {
			// The same as the live copy's: a link to it, put in place by
			// a rename, so the standby's old file (perhaps a link shared
			// with an older copy) is replaced, never written into.
			src = filepath.Join(w.pending, "link")
			os.Remove(src)
			if err := os.Link(filepath.Join(w.out, filepath.FromSlash(rel)), src); err != nil {
				return fmt.Errorf("export: standby copy: %w", err)
			}
		}
		err := os.Rename(src, dst)
		if errors.Is(err, fs.ErrNotExist) {
			// A new directory, such as a new article's.
			if err = os.MkdirAll(filepath.Dir(dst), 0o755); err == nil {
				err = os.Rename(src, dst)
			}
		}
		if err != nil {
			return fmt.Errorf("export: standby copy: %w", err)
		}
	}
	return nil
}
