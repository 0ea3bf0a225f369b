package mirror

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// update brings the export up to date by rendering only what changed
// since the previous one:
//
//  1. the sitemaps, the fixed pages (home, feeds) and any page that is
//     new, and every article whose date of change moved;
//  2. then every page that shows one of those articles, when what it shows
//     of it (the card) changed; and every page of the lists an article
//     entered, left or moved in, when it did.
//
// Changed files go to a pending directory. The standby copy (the export
// before the previous one, sharing unchanged files with it by hard link)
// is then brought up to the new state and swapped in: readers see the
// old copy or the new one, and a failure before the swap leaves the
// served copy as it was.
func update(ctx context.Context, opt Options, out string, st *state) (Result, error) {
	started := opt.Now()
	prev := make(map[string]Entry, len(st.Files))
	for _, e := range st.Files {
		prev[e.Path] = e
	}
	pending := sibling(out, "pending")
	if err := os.RemoveAll(pending); err != nil {
		return Result{}, fmt.Errorf("export: %w", err)
	}
	if err := os.MkdirAll(pending, 0o755); err != nil {
		return Result{}, fmt.Errorf("export: %w", err)
	}
	defer os.RemoveAll(pending)

	w := newWriter(ctx, opt, out, prev, st.Keys)
	w.pending = pending
	w.res.Updated = true
	jobs, err := w.plan(ctx)
	if err != nil {
		return Result{}, err
	}
	old := make(map[string]*statePage, len(st.Pages))
	for i := range st.Pages {
		old[st.Pages[i].URL] = &st.Pages[i]
	}
	inPlan := make(map[string]bool, len(jobs))
	for _, j := range jobs {
		inPlan[j.url] = true
	}

	var first []job
	for _, j := range jobs {
		p := old[j.url]
		if j.always || p == nil || p.changed(w.lastmod[j.url], st.Started) {
			first = append(first, j)
		}
	}
	if err := w.run(ctx, first); err != nil {
		return Result{}, err
	}

	// What the changed articles touch, by key. The writer's key table
	// extends the previous export's with the keys new pages brought.
	st.Keys = w.keys.list
	dirty := map[string]bool{}
	keyOf := func(n uint32) string { return st.Keys[n] }
	touch := func(p *statePage) {
		if p.Self >= 0 {
			dirty[keyOf(uint32(p.Self))] = true
		}
		for _, k := range p.Lists {
			dirty[keyOf(k)] = true
		}
	}
	for u, p := range old {
		if !inPlan[u] {
			touch(p) // gone: unpublished, deleted or moved
		}
	}
	w.mu.Lock()
	for _, j := range first {
		n := w.pages[j.url]
		if n == nil || n.Self < 0 {
			continue
		}
		p := old[j.url]
		if p == nil {
			touch(n)
			continue
		}
		if n.Summary != p.Summary {
			dirty[keyOf(uint32(p.Self))] = true
		}
		if st.editedDuring(n.LastMod) || n.Order != p.Order || !slices.Equal(names(w.keys.list, n.Lists), names(st.Keys, p.Lists)) {
			touch(p)
			touch(n)
		}
	}
	w.mu.Unlock()

	rendered := make(map[string]bool, len(first))
	for _, j := range first {
		rendered[j.url] = true
	}
	var second []job
	for _, j := range jobs {
		if rendered[j.url] {
			continue
		}
		p := old[j.url]
		if _, kept := prev[filePath(j.url)]; !kept || p == nil || showsAny(p, st.Keys, dirty) {
			second = append(second, j)
		}
	}
	if err := w.run(ctx, second); err != nil {
		return Result{}, err
	}
	for _, j := range second {
		rendered[j.url] = true
	}

	// Assets: those of the pages kept, plus those the new pages use that
	// the copy lacks.
	w.mu.Lock()
	for _, j := range jobs {
		if p := old[j.url]; p != nil && !rendered[j.url] {
			for _, a := range p.Assets {
				w.assets[st.Keys[a]] = true
			}
		}
	}
	w.mu.Unlock()
	if err := w.run(ctx, w.assetJobs(func(a string) bool { _, ok := prev[filePath(a)]; return ok })); err != nil {
		return Result{}, err
	}

	// The new manifest: what was rendered, and the previous entries of
	// the pages and assets kept.
	files := make(map[string]Entry, len(prev))
	for _, e := range w.entries {
		files[e.Path] = e
	}
	keep := func(path string) {
		if _, ok := files[path]; !ok {
			if e, ok := prev[path]; ok {
				files[path] = e
				w.res.Files++
				w.res.Linked++
				w.res.Bytes += e.Size
			}
		}
	}
	for _, j := range jobs {
		if !rendered[j.url] {
			keep(filePath(j.url))
			w.pages[j.url] = old[j.url]
		}
	}
	for a := range w.assets {
		keep(filePath(a))
	}
	var removed []string
	for p := range prev {
		if _, ok := files[p]; !ok {
			removed = append(removed, p)
		}
	}
	w.res.Removed = len(removed)
	entries := make([]Entry, 0, len(files))
	for _, e := range files {
		entries = append(entries, e)
	}
	w.entries = entries
	entries = w.sortedEntries()

	sb := sibling(out, "standby")
	if err := w.bringUp(sb, st.StandbyDiff, files, removed); err != nil {
		return w.res, err
	}
	sig, err := w.finish(sb, entries)
	if err != nil {
		return w.res, err
	}
	next := w.state(entries, started, sig)
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

func names(keys []string, ids []uint32) []string {
	out := make([]string, len(ids))
	for i, n := range ids {
		out[i] = keys[n]
	}
	slices.Sort(out)
	return out
}

// showsAny reports whether p depends on any dirty key.
func showsAny(p *statePage, keys []string, dirty map[string]bool) bool {
	for _, d := range p.Deps {
		if dirty[keys[d]] {
			return true
		}
	}
	return false
}

// bringUp makes the standby copy hold files: at every path where it may
// differ from the live copy (what the previous export changed) or where
// this export changes the live copy, it takes the new file from pending,
// a hard link to the live copy's, or nothing. Its manifest goes first, so
// that a standby copy left half-done is never taken for a finished one.
func (w *writer) bringUp(sb string, mayDiffer []string, files map[string]Entry, removed []string) error {
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
		if _, ok := files[rel]; !ok {
			if err := removeFile(sb, dst); err != nil {
				return fmt.Errorf("export: standby copy: %w", err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("export: standby copy: %w", err)
		}
		if src, ok := w.pendingFiles[rel]; ok {
			if err := os.Rename(src, dst); err != nil {
				return fmt.Errorf("export: standby copy: %w", err)
			}
			continue
		}
		// The same as the live copy's: a link to it, put in place by a
		// rename, so the standby's old file (perhaps a link shared with an
		// older copy) is replaced, never written into.
		tmp := dst + ".samizdat-link"
		os.Remove(tmp)
		if err := os.Link(filepath.Join(w.out, filepath.FromSlash(rel)), tmp); err != nil {
			return fmt.Errorf("export: standby copy: %w", err)
		}
		if err := os.Rename(tmp, dst); err != nil {
			return fmt.Errorf("export: standby copy: %w", err)
		}
	}
	return nil
}
