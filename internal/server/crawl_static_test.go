package server

import (
	"net/http"
	"net/url"
	"testing"
)

// CrawlStatic crawls a static copy of the site served at serverURL, whose
// absolute links (canonical, feeds, sitemaps) use base, with the checks of
// the live crawl: every link works, nothing loads from another host, no
// inline script, no form that needs JavaScript. It returns the number of
// HTML pages. Exported for the export tests in package server_test.
func CrawlStatic(t *testing.T, serverURL, base string, starts ...string) (pages int, seen map[string]bool) {
	server, _ := url.Parse(serverURL)
	b, _ := url.Parse(base)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	c := &crawler{t: t, client: client, server: server, base: b, seen: map[string]bool{}, from: map[string]string{}}
	root, _ := url.Parse(serverURL + "/")
	for _, p := range starts {
		c.add(root, p)
	}
	c.run(50000)
	return c.pages, c.seen
}
