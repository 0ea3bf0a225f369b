// Command exportbench prepares the export benchmark of scripts/bench.sh:
//
//	exportbench hugo-site --db FILE --out DIR
//
// writes the articles of a samizdat database as a Hugo site (Markdown with
// front matter, and templates with a "Read more" list from Hugo's
// related-content feature), to compare `samizdat export` with Hugo on the
// same content;
//
//	exportbench touch --db FILE
//
// edits one article, as an editor would, before timing a re-export.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

func main() {
	if len(os.Args) < 2 {
		log.Fatal("usage: exportbench hugo-site|touch --db FILE [--out DIR]")
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	db := fs.String("db", "", "samizdat database")
	out := fs.String("out", "", "directory for the Hugo site")
	what := fs.String("what", "headline", "touch: what to edit, headline (shown wherever the article is listed) or body (its own page only)")
	fs.Parse(os.Args[2:])
	var err error
	switch os.Args[1] {
	case "hugo-site":
		err = run(context.Background(), *db, *out)
	case "touch":
		err = touch(context.Background(), *db, *what)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		log.Fatal(err)
	}
}

// touch edits the newest article through the content service, as the
// admin does: its headline, which every page listing it shows (on a
// generated archive, thousands of "Read more" lists), or its body, a
// correction that shows on its own page only.
func touch(ctx context.Context, db, what string) error {
	st, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.ListArticles(ctx, store.ListQuery{Limit: 1})
	if err != nil || len(list) == 0 {
		return fmt.Errorf("no article to change: %v", err)
	}
	a, err := st.ArticleBySlug(ctx, list[0].Slug)
	if err != nil {
		return err
	}
	stamp := time.Now().UTC().Format("15:04:05")
	switch what {
	case "headline":
		a.Headline = "Updated " + stamp + ": " + strings.TrimSpace(strings.SplitN(a.Headline, ": ", 2)[len(strings.SplitN(a.Headline, ": ", 2))-1])
	case "body":
		a.Body += "\n\n*Correction, " + stamp + ":* an earlier version gave the wrong date."
	default:
		return fmt.Errorf("touch --what %q: want headline or body", what)
	}
	if err := content.NewService(st, content.NewRenderer()).Update(ctx, a); err != nil {
		return err
	}
	fmt.Println("changed the", what, "of", a.Path())
	return nil
}

func run(ctx context.Context, db, out string) error {
	st, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	for name, body := range files {
		p := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return err
		}
	}
	total, err := st.CountArticles(ctx, store.ListQuery{})
	if err != nil {
		return err
	}
	const batch = 1000
	n := 0
	for off := 0; off < total; off += batch {
		list, err := st.ListArticles(ctx, store.ListQuery{Limit: batch, Offset: off, Full: true})
		if err != nil {
			return err
		}
		for _, s := range list {
			a, err := st.ArticleBySlug(ctx, s.Slug) // with tags
			if err != nil {
				return err
			}
			var tags, authors []string
			for _, t := range a.Tags {
				tags = append(tags, strconv.Quote(t.Name))
			}
			for _, au := range a.Authors {
				authors = append(authors, strconv.Quote(au.Name))
			}
			var b strings.Builder
			fmt.Fprintf(&b, "---\ntitle: %s\ndescription: %s\ndate: %s\nslug: %s\ntags: [%s]\nauthors: [%s]\n---\n\n%s\n",
				strconv.Quote(a.Headline), strconv.Quote(a.Dek), a.PublishedAt.UTC().Format(time.RFC3339), a.Slug,
				strings.Join(tags, ", "), strings.Join(authors, ", "), a.Body)
			p := filepath.Join(out, "content", a.Section.Slug, a.Slug+".md")
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
				return err
			}
			n++
		}
	}
	fmt.Printf("wrote %d pages\n", n)
	return nil
}

// files are the site's configuration and templates: an article page with
// a "Read more" list of four related pages (tags first, then date), and
// paginated lists, as samizdat's pages have.
var files = map[string]string{
	"hugo.toml": `baseURL = "https://news.example/"
title = "Bench"
disableKinds = ["RSS"]
[pagination]
  pagerSize = 20
[taxonomies]
  tag = "tags"
  author = "authors"
[related]
  includeNewer = true
  threshold = 80
  toLower = false
  [[related.indices]]
    name = "tags"
    weight = 100
  [[related.indices]]
    name = "date"
    weight = 10
`,
	"layouts/baseof.html": `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title>
<link rel="canonical" href="{{ .Permalink }}"></head><body><header><a href="/">Bench</a></header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
`,
	"layouts/single.html": `{{ define "main" }}<article><h1>{{ .Title }}</h1><p>{{ .Description }}</p>
<p>{{ .Date.Format "2 January 2006" }} {{ range .Params.authors }}{{ . }} {{ end }}</p>
{{ .Content }}
<p>{{ range .GetTerms "tags" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p></article>
{{ with .Site.RegularPages.Related . | first 4 }}<aside><h2>Read more</h2><ul>
{{ range . }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul></aside>{{ end }}
{{ end }}
`,
	"layouts/list.html": `{{ define "main" }}<h1>{{ .Title }}</h1><ul>
{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Description }}</li>{{ end }}</ul>
{{ with .Paginator }}{{ if .HasPrev }}<a href="{{ .Prev.URL }}">Newer</a>{{ end }} {{ if .HasNext }}<a href="{{ .Next.URL }}">Older</a>{{ end }}{{ end }}
{{ end }}
`,
}
