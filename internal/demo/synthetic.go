package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
)

// functionWords come first in the Zipf ranking: the most frequent words.
var functionWords = strings.Fields(`the of and to a in that is was for on with as by at from it this were are has had
be not but or which after their said his her they who have been would will more than its when also over into`)

// vocabulary for synthetic articles: newsroom words, so that search and
// stemming work on them as on real text.
var vocabulary = strings.Fields(`government ministry court judge election vote count commission parliament deputy governor mayor region city
village border energy price tariff budget contract tender bridge road hospital school teacher doctor nurse
journalist editor newspaper broadcaster channel blogger messenger internet censorship blocking VPN mirror
protest rally arrest detention sentence appeal lawyer prosecutor witness evidence document leak investigation
company owner director shareholder offshore account transfer payment salary pension inflation rouble currency
exile diaspora refugee migration passport visa family home winter heating water electricity factory worker
union strike agreement statement interview source official spokesperson report data survey percent million
billion thousand week month year morning evening yesterday today later earlier despite because although while
after before during against between within without public private local national independent state security`)

// Generate writes n synthetic but realistically shaped articles (around 800
// words, sections, tags, several authors) for benchmarks. It returns the
// number written.
func Generate(ctx context.Context, st Store, articles interface {
	Create(ctx context.Context, a *content.Article) error
}, n int, seed uint64, progress func(done int)) (int, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	secs, err := st.Sections(ctx)
	if err != nil {
		return 0, err
	}
	if len(secs) == 0 {
		for i, name := range []string{"News", "Investigations", "Politics", "Economy", "Opinion", "Culture"} {
			sec := content.Section{Slug: strings.ToLower(name), Name: name, Order: i}
			if err := st.CreateSection(ctx, &sec); err != nil {
				return 0, err
			}
			secs = append(secs, sec)
		}
		if err := st.SetSetting(ctx, "site.name", "Synthetic Ledger"); err != nil {
			return 0, err
		}
	}
	var authors []content.Author
	for i := range 40 {
		a := content.Author{Slug: fmt.Sprintf("reporter-%02d", i), Name: fmt.Sprintf("Reporter %02d", i), Bio: "A synthetic reporter."}
		if existing, err := st.AuthorBySlug(ctx, a.Slug); err == nil {
			a = existing
		} else if err := st.CreateAuthor(ctx, &a); err != nil {
			return 0, err
		}
		authors = append(authors, a)
	}
	tags := make([]string, 200)
	for i := range tags {
		tags[i] = fmt.Sprintf("%s-%s", vocabulary[rng.IntN(len(vocabulary))], vocabulary[rng.IntN(len(vocabulary))])
	}
	lex := newLexicon(rng)
	start := time.Now().UTC().Add(-time.Duration(n) * 10 * time.Minute)
	for i := range n {
		if err := ctx.Err(); err != nil {
			return i, err
		}
		a := &content.Article{
			Headline: sentence(rng, 8+rng.IntN(6)),
			Dek:      sentence(rng, 20+rng.IntN(10)),
			Body:     body(rng, lex, 800),
			Lang:     "en",
			Status:   content.StatusPublished,
			Section:  secs[rng.IntN(len(secs))],
			Authors:  []content.Author{authors[rng.IntN(len(authors))]},
			// Ten minutes apart, so 100,000 articles span about two years.
			PublishedAt: start.Add(time.Duration(i) * 10 * time.Minute).Truncate(time.Second),
		}
		a.Slug = fmt.Sprintf("%s-%d", content.Slugify(a.Headline), i)
		if len(a.Slug) > 100 {
			a.Slug = a.Slug[len(a.Slug)-100:]
			a.Slug = strings.TrimLeft(a.Slug, "-")
		}
		a.CreatedAt, a.UpdatedAt = a.PublishedAt, a.PublishedAt
		for range 1 + rng.IntN(3) {
			t := tags[rng.IntN(len(tags))]
			a.Tags = append(a.Tags, content.Tag{Slug: content.Slugify(t), Name: strings.ReplaceAll(t, "-", " ")})
		}
		if err := articles.Create(ctx, a); err != nil {
			return i, fmt.Errorf("synthetic article %d: %w", i, err)
		}
		if progress != nil && (i+1)%1000 == 0 {
			progress(i + 1)
		}
	}
	return n, nil
}

// lexicon is every word synthetic text uses, most frequent first: function
// words, newsroom words, then a long tail of made-up names and terms. Words
// are drawn with Zipf's law, as in real prose, so a rare word is found in few
// articles and a search for it behaves as on a real archive.
type lexicon struct {
	words []string
	zipf  *rand.Zipf
}

func newLexicon(rng *rand.Rand) *lexicon {
	syll := strings.Fields("ka ro mi len dor vas ta ni sel bur gan os tiv pel ar mun zo ek ras vel")
	words := append(append([]string{}, functionWords...), vocabulary...)
	for i := range 6000 {
		w := syll[i%len(syll)] + syll[(i/len(syll))%len(syll)] + syll[(i/(len(syll)*len(syll)))%len(syll)]
		words = append(words, w)
	}
	return &lexicon{words: words, zipf: rand.NewZipf(rng, 1.07, 2, uint64(len(words)-1))}
}

func (l *lexicon) word() string { return l.words[l.zipf.Uint64()] }

func (l *lexicon) sentence(words int) string {
	ws := make([]string, words)
	for i := range ws {
		ws[i] = l.word()
	}
	s := strings.Join(ws, " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

func sentence(rng *rand.Rand, words int) string {
	ws := make([]string, words)
	for i := range ws {
		ws[i] = vocabulary[rng.IntN(len(vocabulary))]
	}
	s := strings.Join(ws, " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

func body(rng *rand.Rand, lex *lexicon, words int) string {
	var b strings.Builder
	written := 0
	for p := 0; written < words; p++ {
		if p > 0 && p%4 == 0 {
			b.WriteString("## " + sentence(rng, 4+rng.IntN(4)) + "\n\n")
		}
		for range 3 + rng.IntN(3) {
			n := 10 + rng.IntN(16)
			b.WriteString(lex.sentence(n) + ". ")
			written += n
		}
		b.WriteString("\n\n")
	}
	return b.String()
}
