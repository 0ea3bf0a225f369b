package site

import (
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
)

// A page's Last-Modified is the newest modification time of what it shows
// where the page code knows it: an article's page its own and its related
// articles' times, a list or a feed the newest of its articles', and
// otherwise the time its entry was built. Content times are the same on
// every node and after a restart, so a cached answer says what an uncached
// one says. Two floors cover changes that have no content time: no page is
// older than the last change to the site's settings (Site.settingsAt), and
// no page with prompts older than the last change to the prompts or their
// goal (Site.promptsAt). What they do not cover is a list shrinking (an
// article unpublished) to articles all older than the client's date: a
// client revalidating with If-Modified-Since alone keeps its copy until the
// list gains a newer article; If-None-Match, which browsers send with it
// and which takes precedence, is exact.

// newestUpdate is the latest modification among articles.
func newestUpdate(t time.Time, lists ...[]*content.Article) time.Time {
	for _, list := range lists {
		for _, a := range list {
			if a != nil && a.Modified().After(t) {
				t = a.Modified()
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
