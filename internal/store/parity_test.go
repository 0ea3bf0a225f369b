package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

// parityCorpus is a small newsroom in two languages. Some stories clearly
// own a word (in the headline, the dek and the body); others mention it once.
var parityCorpus = []struct{ slug, lang, headline, dek, body string }{
	{"flood-main", "en", "Flood waters rise in river town", "Residents evacuated as the river floods",
		"The flood reached the town centre overnight. Flood defences failed in two places and the flood is still rising."},
	{"flood-aid", "en", "Aid arrives for families", "Volunteers deliver food and blankets",
		"Help came a week after the flood, when the roads opened again."},
	{"flood-insurance", "en", "Insurers count the cost", "Premiums may rise",
		"Claims after the floods are expected to reach a record."},
	{"election-main", "en", "Election results contested", "Opposition alleges fraud in the election",
		"Observers said the election was marred by irregularities, and the election commission promised a recount."},
	{"election-mayor", "en", "New mayor sworn in", "A narrow win",
		"The mayor won the election by a few hundred votes."},
	{"election-turnout", "en", "Turnout falls", "Fewer voters than ever",
		"Fewer voters took part in the regional elections this year."},
	{"budget", "en", "City council approves budget", "Spending rises",
		"The council voted on the budget after a speech by the mayor."},
	{"harbour", "en", "Harbour reopens after storm", "Boats return",
		"Fishing boats returned to the harbour on Monday."},
	{"storm", "en", "Storm warning for the coast", "Gales expected",
		"A storm is expected to reach the harbour town by night. The council opened shelters."},
	{"football", "en", "Local club wins the cup", "A late goal",
		"Supporters celebrated in the streets until dawn, and the council paid for the parade."},
	{"messenger", "en", "Messenger blocked nationwide", "The regulator acts",
		"The regulator blocked access to the messenger for millions of users."},
	{"press", "en", "Press freedom index published", "The country falls again",
		"Journalists face growing pressure from the authorities; the council denied any part in it."},
	{"schools", "en", "Council closes schools for the summer", "Exams are over",
		"Pupils left their classrooms on Friday."},
	{"railway", "en", "Railway strike ends", "Trains run again",
		"Trains ran on time after the strike ended at midnight."},
	{"museum", "en", "Council museum returns looted art", "Paintings go home",
		"The museum handed back twelve paintings."},
	{"vybory-main", "ru", "Выборы в городской совет", "Итоги выборов оспорены",
		"На выборах победили независимые кандидаты. Выборы прошли при низкой явке, но выборы признаны состоявшимися."},
	{"vybory-nablyudateli", "ru", "Наблюдатели сообщили о нарушениях", "Жалобы поданы в комиссию",
		"Нарушения на выборах зафиксированы в трёх округах."},
	{"vybory-yavka", "ru", "Явка снизилась", "Голосовали немногие",
		"На региональных выборах проголосовала треть избирателей."},
	{"blokirovka-main", "ru", "Блокировка мессенджера", "Роскомнадзор ограничил доступ к мессенджеру",
		"Блокировка мессенджера затронула миллионы пользователей, блокировка продолжается."},
	{"blokirovka-vpn", "ru", "Спрос на VPN вырос", "Пользователи ищут обходные пути",
		"После блокировки сервисы VPN стали популярнее."},
	{"navodnenie", "ru", "Наводнение в городе", "Вода поднялась на два метра",
		"Наводнение затопило набережную, наводнение продолжается."},
	{"navodnenie-pomosh", "ru", "Помощь пострадавшим", "Волонтёры привезли еду",
		"Пострадавшим от наводнения раздали одеяла."},
	{"byudzhet", "ru", "Совет утвердил бюджет", "Расходы растут",
		"Бюджет города вырос на десять процентов."},
	{"shtorm", "ru", "Шторм у побережья", "Ветер усилился",
		"Шторм закрыл порт на два дня."},
	{"port", "ru", "Порт снова открыт", "Рыбаки вернулись",
		"Рыбаки вернулись в порт после шторма, полиция проверила причалы."},
	{"futbol", "ru", "Местный клуб выиграл кубок", "Гол на последней минуте",
		"Болельщики праздновали до утра, полиция следила за порядком."},
	{"zhurnalisty", "ru", "Полиция задержала журналистов", "Причины не объяснили",
		"Полиция задержала журналистов у здания суда."},
	{"sud", "ru", "Полиция оцепила здание суда", "Защита просила время",
		"Заседание перенесли на следующую неделю."},
	{"shkoly", "ru", "Школы закрылись на лето", "Экзамены позади",
		"Ученики разъехались на каникулы, у школ дежурила полиция."},
	{"metro", "ru", "Полиция закрыла станцию метро", "Открытие прошло без мэра",
		"Станция открылась с опозданием на год."},
}

// fillParity stores the corpus, each story an hour older than the one before.
func fillParity(t *testing.T, st *store.Store, now time.Time) {
	t.Helper()
	ctx := context.Background()
	st.SetClock(func() time.Time { return now })
	sec := content.Section{Slug: "news", Name: "News"}
	if err := st.CreateSection(ctx, &sec); err != nil {
		t.Fatalf("CreateSection: %v", err)
	}
	svc := content.NewService(st, content.NewRenderer())
	for i, c := range parityCorpus {
		a := &content.Article{Slug: c.slug, Headline: c.headline, Dek: c.dek, Body: c.body, Lang: c.lang,
			Status: content.StatusPublished, Section: sec, PublishedAt: now.Add(-time.Duration(i+1) * time.Hour)}
		if err := svc.Create(ctx, a); err != nil {
			t.Fatalf("Create(%q): %v", c.slug, err)
		}
	}
}

// TestSearchParity runs the same searches on SQLite (FTS5) and PostgreSQL
// (tsvector) over the same corpus: the top three results must be the same
// set, and where one story clearly owns the words, both must rank it first.
func TestSearchParity(t *testing.T) {
	pgServer(t)
	now := time.Date(2024, 5, 14, 12, 0, 0, 0, time.UTC)
	lite := openSQLite(t)
	fillParity(t, lite, now)
	pg := openPostgres(t)
	fillParity(t, pg, now)

	for _, tc := range []struct {
		query string
		best  string // the story that must rank first, if one clearly dominates
	}{
		{"flood", "flood-main"},
		{"floods", "flood-main"},
		{"election", "election-main"},
		{"elections", "election-main"},
		{"harbour", "harbour"},
		{"mayor", ""},
		{"storm harbour", ""},
		{"выборы", "vybory-main"},
		{"выборах", "vybory-main"},
		{"блокировки", "blokirovka-main"},
		{"мессенджеру", "blokirovka-main"},
		{"наводнения", "navodnenie"},
		{"шторм", ""},
		{"журналистов", "zhurnalisty"},
		{"council", ""},
		{"полиции", ""},
		{"полиция", ""},
		{`"election results"`, "election-main"},
		{`"блокировка мессенджера"`, "blokirovka-main"},
		{`"results election"`, ""},
		{"election -mayor", "election-main"},
		{"выборы -нарушения", "vybory-main"},
		{"zzzqqq", ""},
		// Prefixes: the words starting so.
		{"harb*", "harbour"},
		{"elect*", "election-main"},
		{"elect* -mayor", "election-main"},
		{"flo* river", "flood-main"},
		{`"election res*"`, "election-main"},
		{"выбор*", "vybory-main"},
		{"блокиров*", "blokirovka-main"},
		{"наводн*", "navodnenie"},
		{"zzz*", ""},
	} {
		t.Run(tc.query, func(t *testing.T) {
			q := content.ParseQuery(tc.query)
			got := map[string][]string{}
			for name, st := range map[string]*store.Store{"sqlite": lite, "postgres": pg} {
				hits, total, err := st.Search(context.Background(), q, 10, 0)
				if err != nil {
					t.Fatalf("%s: Search: %v", name, err)
				}
				if total < len(hits) {
					t.Errorf("%s: total %d < %d hits", name, total, len(hits))
				}
				var slugs []string
				for _, h := range hits {
					slugs = append(slugs, h.Article.Slug)
					if !strings.Contains(h.Snippet, store.MarkStart) || !strings.Contains(h.Snippet, store.MarkEnd) {
						t.Errorf("%s: %s: snippet without a marked match: %q", name, h.Article.Slug, h.Snippet)
					}
				}
				got[name] = slugs
				if tc.best != "" && (len(slugs) == 0 || slugs[0] != tc.best) {
					t.Errorf("%s: best hit: got %v, want %s first", name, slugs, tc.best)
				}
			}
			top := func(s []string) []string {
				s = slices.Clone(s[:min(3, len(s))])
				slices.Sort(s)
				return s
			}
			if l, p := top(got["sqlite"]), top(got["postgres"]); !slices.Equal(l, p) {
				t.Errorf("top 3 differ:\n  sqlite   %v\n  postgres %v", got["sqlite"], got["postgres"])
			}
			if !slices.Equal(sortedCopy(got["sqlite"]), sortedCopy(got["postgres"])) {
				t.Logf("all matches differ (allowed: the engines stem differently):\n  sqlite   %v\n  postgres %v", got["sqlite"], got["postgres"])
			}
			if testing.Verbose() {
				t.Log(fmt.Sprintf("sqlite %v / postgres %v", got["sqlite"], got["postgres"]))
			}
		})
	}
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
