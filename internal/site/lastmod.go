package site

import (
	"strings"
	"sync"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
)

// A page's Last-Modified is the newest modification time of what it shows
// where the page code knows it (an article's, the articles of a list or a
// feed), and otherwise the time its entry was built. Content times alone
// would not move when a page changes for another reason, an article
// dropped from a list, a tag renamed, the site's settings edited, and a
// client revalidating with If-Modified-Since alone would be told its old
// copy is current; so no page is older than the last change this node heard
// of to what it lists (changeTimes: the lists, its section, tag or author;
// article keys count by the articles' own times), to the prompts it shows,
// or to the settings (Site.settingsAt). An article's page counts only its
// own and its related articles' times, the prompts and the settings: its
// section's and tags' keys change with every article saved in them.

// maxChangeTimes bounds the dependencies whose last change is remembered.
// Past it the record starts again from a floor of that moment: every page
// built after is newer, which is never wrong, only less precise.
const maxChangeTimes = 16384

// changeTimes remembers when each dependency last changed, as the change
// feed told this node.
type changeTimes struct {
	mu    sync.RWMutex
	at    map[string]time.Time
	floor time.Time // when the record last started again
}

// changed records that keys changed at t.
func (c *changeTimes) changed(t time.Time, keys ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.at)+len(keys) > maxChangeTimes {
		c.at, c.floor = nil, t
	}
	if len(keys) > maxChangeTimes {
		return
	}
	if c.at == nil {
		c.at = make(map[string]time.Time, len(keys))
	}
	for _, k := range keys {
		c.at[k] = t
	}
}

// reset forgets every change: after a purge, every page is newer anyway.
func (c *changeTimes) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = nil
}

// latest is the last change to any of deps, or the record's floor.
// Article keys are left out, their own times count instead; with
// onlyPrompts, every key but the prompts'.
func (c *changeTimes) latest(deps []string, onlyPrompts bool) time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t := c.floor
	for _, d := range deps {
		if strings.HasPrefix(d, "a:") || (onlyPrompts && d != depPrompts) {
			continue
		}
		if at, ok := c.at[d]; ok && at.After(t) {
			t = at
		}
	}
	return t
}

// newestUpdate is the latest modification among articles.
func newestUpdate(t time.Time, lists ...[]*content.Article) time.Time {
	for _, list := range lists {
		for _, a := range list {
			if a != nil && a.UpdatedAt.After(t) {
				t = a.UpdatedAt
			}
		}
	}
	return t
}

// modifiedAt sets the page's modification time, if it has a page.
func modifiedAt(p *page, err error, t time.Time) (*page, error) {
	if p != nil {
		p.modified = t
	}
	return p, err
}
