package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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

// russianFunctionWords and russianVocabulary are the Russian edition's
// synthetic words: the same ranks as the English lists (word i translates
// word i), so that a Russian search meets as many matches as its English
// counterpart; the vocabulary is inflected, as Russian text is, so search
// must stem to find it.
var russianFunctionWords = strings.Fields(`и в не на что с по к как из за от о у для это был была были но а же его её они кто
было бы будет более чем когда также уже так то все он она мы вы их ещё только если`)

var russianVocabulary = strings.Fields(`правительства министерство суда судья выборы голосования подсчёт комиссии парламента
депутат губернатора мэр региона города деревни границы энергии цены тарифы бюджета контракт тендера моста дороги
больницы школы учитель врача медсестра журналисты редактор газеты телеканала канала блогер мессенджера интернета
цензуры блокировки VPN зеркало протеста митинг ареста задержания приговор апелляции адвоката прокурора свидетеля
доказательства документа утечки расследования компании владелец директора акционер офшора счёта перевода платежа
зарплаты пенсии инфляции рубля валюты эмиграции диаспоры беженцев миграции паспорта визы семьи дома зимой отопления
воды электричества завода рабочих профсоюза забастовки соглашения заявление интервью источника чиновник представитель
доклада данных опроса процентов миллионов миллиардов тысяч недели месяца года утром вечером вчера сегодня позже
раньше несмотря потому хотя пока после перед во-время против между внутри без публичной частной местной национальной
независимой государственной безопасности`)

// Generate writes n synthetic but realistically shaped articles (around 800
// words, sections, tags, several authors) for benchmarks, in English. It
// returns the number written.
func Generate(ctx context.Context, st Store, articles interface {
	Create(ctx context.Context, a *content.Article) error
}, n int, seed uint64, progress func(done int)) (int, error) {
	return GenerateMixed(ctx, st, articles, n, seed, 0, progress)
}

// GenerateMixed is Generate with a share of the articles (0 to 1) in
// Russian, for the two editions' benchmarks.
func GenerateMixed(ctx context.Context, st Store, articles interface {
	Create(ctx context.Context, a *content.Article) error
}, n int, seed uint64, russianShare float64, progress func(done int)) (int, error) {
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
	en := tongue{lang: "en", vocab: vocabulary, lex: newLexicon(rng, functionWords, vocabulary,
		strings.Fields("ka ro mi len dor vas ta ni sel bur gan os tiv pel ar mun zo ek ras vel"))}
	var ru tongue
	if russianShare > 0 {
		ru = tongue{lang: "ru", vocab: russianVocabulary, lex: newLexicon(rng, russianFunctionWords, russianVocabulary,
			strings.Fields("ка ро ми лен дор вас та ни сел бур ган ос тив пел ар мун зо эк рас вел"))}
	}
	start := time.Now().UTC().Add(-time.Duration(n) * 10 * time.Minute)
	for i := range n {
		if err := ctx.Err(); err != nil {
			return i, err
		}
		tg := en
		if russianShare > 0 && rng.Float64() < russianShare {
			tg = ru
		}
		a := &content.Article{
			Headline: tg.sentence(rng, 8+rng.IntN(6)),
			Dek:      tg.sentence(rng, 20+rng.IntN(10)),
			Body:     tg.body(rng, 800),
			Lang:     tg.lang,
			Status:   content.StatusPublished,
			Section:  secs[rng.IntN(len(secs))],
			Authors:  []content.Author{authors[rng.IntN(len(authors))]},
			// Ten minutes apart, so 100,000 articles span about two years.
			PublishedAt: start.Add(time.Duration(i) * 10 * time.Minute).Truncate(time.Second),
		}
		a.Slug = fmt.Sprintf("%s-%d", content.Slugify(a.Headline), i)
		if tg.lang != "en" {
			a.Slug = fmt.Sprintf("%s-statya-%d", tg.lang, i)
		}
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

func newLexicon(rng *rand.Rand, function, vocab, syll []string) *lexicon {
	words := append(append([]string{}, function...), vocab...)
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
	return capitalize(strings.Join(ws, " "))
}

// tongue is one language's synthetic words.
type tongue struct {
	lang  string
	vocab []string
	lex   *lexicon
}

// sentence draws newsroom words evenly: headlines and deks.
func (tg tongue) sentence(rng *rand.Rand, words int) string {
	ws := make([]string, words)
	for i := range ws {
		ws[i] = tg.vocab[rng.IntN(len(tg.vocab))]
	}
	return capitalize(strings.Join(ws, " "))
}

func (tg tongue) body(rng *rand.Rand, words int) string {
	var b strings.Builder
	written := 0
	for p := 0; written < words; p++ {
		if p > 0 && p%4 == 0 {
			b.WriteString("## " + tg.sentence(rng, 4+rng.IntN(4)) + "\n\n")
		}
		for range 3 + rng.IntN(3) {
			n := 10 + rng.IntN(16)
			b.WriteString(tg.lex.sentence(n) + ". ")
			written += n
		}
		b.WriteString("\n\n")
	}
	return b.String()
}

// capitalize upper-cases the first letter, in any script.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
