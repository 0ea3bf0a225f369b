package mirror

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// A copy on disk can be changed after it was signed: a deploy tool, an
// editor or an intruder writing into a file in place. An export must never
// sign such a file again on the strength of the previous manifest, so
// before it keeps a file (or links it as unchanged) it checks that the file
// is still the one that export wrote:
//
//   - with the page descriptions beside the copy, whose file is written
//     after every file of the copy, a kept file must have the size the
//     manifest says and a status-change time (ctime) no later than theirs.
//     Writing into a file, truncating it, or setting its times back with
//     touch all move its ctime to now, and ctime cannot be set by hand; so
//     this catches every change short of one by someone who also rewrites
//     the descriptions or the clock. It costs a stat a file.
//   - without them, the file is hashed.
//
// `samizdat verify` hashes every file whatever happened.

// trustedAt is when the page descriptions of the copy in out were written:
// no file of that copy was rightly changed after it. ok is false without
// them.
func trustedAt(out string) (t time.Time, ok bool) {
	fi, err := os.Stat(statePath(out))
	if err != nil {
		return time.Time{}, false
	}
	return fi.ModTime(), true
}

// intact reports whether the file at rel in the served copy is still e.
func (w *writer) intact(rel string, e Entry) bool {
	p := filepath.Join(w.out, filepath.FromSlash(rel))
	fi, err := os.Lstat(p)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != e.Size {
		return false
	}
	if w.trusted.IsZero() {
		f, err := os.Open(p)
		if err != nil {
			return false
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return false
		}
		return hex.EncodeToString(h.Sum(nil)) == e.SHA256
	}
	return !changeTime(fi).After(w.trusted)
}

// altered returns the files among kept that are no longer what the
// manifest says, checking them on the writer's workers.
func (w *writer) altered(kept []stateFile) []string {
	var (
		mu  sync.Mutex
		bad []string
		wg  sync.WaitGroup
	)
	n := max(1, w.opt.Workers)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := i; j < len(kept); j += n {
				if !w.intact(kept[j].Path, kept[j].Entry) {
					mu.Lock()
					bad = append(bad, kept[j].Path)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return bad
}
