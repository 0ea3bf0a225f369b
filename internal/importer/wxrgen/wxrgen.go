// Package wxrgen writes synthetic WordPress exports, for the import
// benchmark: posts with classic and block-editor bodies, nested
// categories, tags, authors, comments and [caption] shortcodes, as Tools →
// Export writes them. The same n and seed give the same file.
package wxrgen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"
)

var words = strings.Fields(`harbour council budget court ferry strike bridge river election
district mayor tender contract port minister report witness archive street winter
summer market school hospital road police protest vote commission ruling appeal`)

// Write writes an export of n posts (and one page per hundred posts).
func Write(w io.Writer, n int, seed uint64) error {
	b := bufio.NewWriterSize(w, 1<<16)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	fmt.Fprint(b, `<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Benchmark Gazette</title>
<link>https://bench.example.org</link>
<language>en-US</language>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://bench.example.org</wp:base_site_url>
<wp:base_blog_url>https://bench.example.org</wp:base_blog_url>
`)
	for i := range 20 {
		fmt.Fprintf(b, "<wp:author><wp:author_id>%d</wp:author_id><wp:author_login><![CDATA[writer%d]]></wp:author_login><wp:author_display_name><![CDATA[Writer %s %d]]></wp:author_display_name></wp:author>\n", i+1, i, title(words[i%len(words)]), i)
	}
	secs := []string{"news", "world", "culture", "business", "sport", "opinion"}
	for i, s := range secs {
		fmt.Fprintf(b, "<wp:category><wp:term_id>%d</wp:term_id><wp:category_nicename><![CDATA[%s]]></wp:category_nicename><wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[%s]]></wp:cat_name></wp:category>\n", i+1, s, title(s))
		fmt.Fprintf(b, "<wp:category><wp:term_id>%d</wp:term_id><wp:category_nicename><![CDATA[%s-local]]></wp:category_nicename><wp:category_parent><![CDATA[%s]]></wp:category_parent><wp:cat_name><![CDATA[%s local]]></wp:cat_name></wp:category>\n", i+100, s, s, title(s))
	}
	for i, t := range words {
		fmt.Fprintf(b, "<wp:tag><wp:term_id>%d</wp:term_id><wp:tag_slug><![CDATA[%s]]></wp:tag_slug><wp:tag_name><![CDATA[%s]]></wp:tag_name></wp:tag>\n", i+200, t, title(t))
	}
	start := time.Date(2015, 1, 1, 8, 0, 0, 0, time.UTC)
	for i := range n {
		at := start.Add(time.Duration(i) * 3 * time.Hour)
		headline := sentence(r, 6+r.IntN(6))
		slug := strings.ToLower(strings.ReplaceAll(strings.TrimSuffix(headline, "."), " ", "-")) + fmt.Sprint("-", i)
		kind := "post"
		if i%100 == 99 {
			kind = "page"
		}
		var body string
		if i%2 == 0 {
			body = classic(r)
		} else {
			body = blocks(r)
		}
		sec := secs[r.IntN(len(secs))]
		if r.IntN(3) == 0 {
			sec += "-local"
		}
		fmt.Fprintf(b, `<item>
<title><![CDATA[%s]]></title>
<link>https://bench.example.org/%s/%s/</link>
<dc:creator><![CDATA[writer%d]]></dc:creator>
<content:encoded><![CDATA[%s]]></content:encoded>
<excerpt:encoded><![CDATA[%s]]></excerpt:encoded>
<wp:post_id>%d</wp:post_id>
<wp:post_date><![CDATA[%s]]></wp:post_date>
<wp:post_date_gmt><![CDATA[%s]]></wp:post_date_gmt>
<wp:post_name><![CDATA[%s]]></wp:post_name>
<wp:status><![CDATA[publish]]></wp:status>
<wp:menu_order>0</wp:menu_order>
<wp:post_type><![CDATA[%s]]></wp:post_type>
<category domain="category" nicename="%s"><![CDATA[%s]]></category>
<category domain="post_tag" nicename="%s"><![CDATA[%s]]></category>
<category domain="post_tag" nicename="%s"><![CDATA[%s]]></category>
<wp:comment><wp:comment_id>%d</wp:comment_id><wp:comment_content><![CDATA[%s]]></wp:comment_content></wp:comment>
</item>
`, headline, at.Format("2006/01/02"), slug, r.IntN(20), body, sentence(r, 15), i+1000,
			at.Format("2006-01-02 15:04:05"), at.Format("2006-01-02 15:04:05"), slug, kind,
			sec, title(sec), words[i%len(words)], title(words[i%len(words)]), words[(i+7)%len(words)], title(words[(i+7)%len(words)]),
			i+1, sentence(r, 12))
	}
	fmt.Fprint(b, "</channel>\n</rss>\n")
	return b.Flush()
}

func title(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

func sentence(r *rand.Rand, n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = words[r.IntN(len(words))]
	}
	return title(strings.Join(ws, " ")) + "."
}

// classic is a classic-editor body: paragraphs parted by blank lines, a
// line break, a link and a [caption].
func classic(r *rand.Rand) string {
	var b strings.Builder
	for i := range 8 {
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(sentence(r, 20) + " " + sentence(r, 15))
		if i == 2 {
			b.WriteString("\n<a href=\"https://bench.example.org/2015/01/01/older/\">" + sentence(r, 3) + "</a>")
		}
		if i == 4 {
			b.WriteString("\n\n[caption id=\"attachment_1\" width=\"600\"]<img src=\"https://bench.example.org/wp-content/uploads/2015/01/photo.jpg\" alt=\"A photo\" width=\"600\" height=\"400\" /> " + sentence(r, 6) + "[/caption]")
		}
	}
	return b.String()
}

// blocks is a block-editor body.
func blocks(r *rand.Rand) string {
	var b strings.Builder
	for i := range 8 {
		b.WriteString("<!-- wp:paragraph -->\n<p>" + sentence(r, 20) + " <strong>" + sentence(r, 4) + "</strong> " + sentence(r, 12) + "</p>\n<!-- /wp:paragraph -->\n\n")
		if i == 3 {
			b.WriteString("<!-- wp:heading -->\n<h2 class=\"wp-block-heading\">" + sentence(r, 5) + "</h2>\n<!-- /wp:heading -->\n\n")
			b.WriteString("<!-- wp:list -->\n<ul><li>" + sentence(r, 5) + "</li><li>" + sentence(r, 6) + "</li></ul>\n<!-- /wp:list -->\n\n")
		}
	}
	return b.String()
}
