package admin

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/revenue"
)

// TestAdminLanguagePerAccount: an account that chose Russian reads the
// admin in Russian; one that chose nothing reads it in the site's main
// language, as does the sign-in page.
func TestAdminLanguagePerAccount(t *testing.T) {
	e := newEnv(t)
	ed := e.client(account.RoleEditor)

	w := ed.get("/admin/")
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, `<html lang="en">`, ">Articles<")

	w = ed.get("/admin/account")
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, "Admin language", `<option value="en" lang="en" selected>English</option>`, `<option value="ru" lang="ru">Русский</option>`)

	tests := []struct {
		name, lang string
		status     int
	}{
		{"unknown language", "de", http.StatusUnprocessableEntity},
		{"empty", "", http.StatusUnprocessableEntity},
		{"Russian", "ru", http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ed.postForm("/admin/account", url.Values{"lang": {tt.lang}})
			wantStatus(t, w, tt.status)
			if tt.status == http.StatusUnprocessableEntity {
				wantBody(t, w, "Choose a language from the list.")
				if u, _ := e.st.UserByID(e.ctx, ed.u.ID); u.Lang != "" {
					t.Errorf("a refused choice stored %q", u.Lang)
				}
			}
		})
	}
	if u, err := e.st.UserByID(e.ctx, ed.u.ID); err != nil || u.Lang != "ru" {
		t.Fatalf("stored language = %q, %v; want ru", u.Lang, err)
	}

	w = ed.get("/admin/account?done=Language+saved.")
	wantBody(t, w, `<html lang="ru">`, "Язык сохранён.", "Язык редакции", `<option value="ru" lang="ru" selected>Русский</option>`)
	w = ed.get("/admin/")
	wantBody(t, w, `<html lang="ru">`, ">Статьи<", "Редакция", "Выйти")
	lackBody(t, w, ">Articles<", "Sign out")

	// Another account, without a choice, follows the site's main language;
	// so does the sign-in page. The Russian account keeps Russian when the
	// site is English, and an English one English when it is Russian.
	other := e.client(account.RoleAuthor)
	wantBody(t, other.get("/admin/"), `<html lang="en">`, "Sign out")
	if err := e.st.SetSetting(e.ctx, "site.lang", "ru"); err != nil {
		t.Fatal(err)
	}
	wantBody(t, other.get("/admin/"), `<html lang="ru">`, "Выйти")
	anon := &client{e: e, token: "no-such-session"}
	w = anon.get("/admin/signin")
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, `<html lang="ru">`, "<h1>Войти</h1>", "Электронная почта")
	if err := e.st.SetUserLang(e.ctx, other.u.ID, "en"); err != nil {
		t.Fatal(err)
	}
	wantBody(t, other.get("/admin/"), `<html lang="en">`, "Sign out")
	if err := e.st.SetSetting(e.ctx, "site.lang", "en"); err != nil {
		t.Fatal(err)
	}
	wantBody(t, ed.get("/admin/"), `<html lang="ru">`)
}

var (
	tagRe  = regexp.MustCompile(`(?s)<[^>]*>`)
	attrRe = regexp.MustCompile(`\b(?:aria-label|alt|title)="([^"]*)"`)
)

// pageText is what a reader of the page reads: its text and the labels
// of its attributes, with the test's own data (which is not the admin's
// words) taken out.
func pageText(body string, data ...string) string {
	var b strings.Builder
	for _, m := range attrRe.FindAllStringSubmatch(body, -1) {
		b.WriteString(m[1] + "\n")
	}
	b.WriteString(tagRe.ReplaceAllString(body, "\n"))
	text := html.UnescapeString(b.String())
	for _, d := range data {
		text = strings.ReplaceAll(text, d, " ")
	}
	return text
}

// englishOnly are the catalog's English messages that read differently in
// Russian: none of them belongs on a Russian page. Messages with
// arguments are left out (their fixed parts are other messages' words),
// and so are the languages' names, which each language writes its own way.
func englishOnly(c *i18n.Catalog) map[string]*regexp.Regexp {
	en, ru := c.Locale("en"), c.Locale("ru")
	out := map[string]*regexp.Regexp{}
	for _, k := range i18n.Keys() {
		if strings.Contains(k, "%") || strings.HasPrefix(k, "language.") || strings.HasPrefix(k, "date.") && !strings.HasPrefix(k, "date.month.") {
			continue
		}
		e := en.T(k)
		if e == ru.T(k) || strings.Contains(e, "%") || len(strings.TrimSpace(e)) < 2 {
			continue
		}
		pat := regexp.QuoteMeta(strings.TrimSpace(e))
		if first := strings.TrimSpace(e)[0]; first >= 'A' && first <= 'z' {
			pat = `\b` + pat
		}
		if last := strings.TrimSpace(e)[len(strings.TrimSpace(e))-1]; last >= 'A' && last <= 'z' {
			pat += `\b`
		}
		out[e] = regexp.MustCompile(pat)
	}
	return out
}

// wantRussian fails the test unless w has the status and is a Russian page
// with none of the catalog's English-only messages.
func wantRussian(t *testing.T, w *httptest.ResponseRecorder, status int, data ...string) {
	t.Helper()
	wantStatus(t, w, status)
	wantBody(t, w, `<html lang="ru">`)
	text := pageText(w.Body.String(), data...)
	for msg, re := range englishOnly(i18n.New("en")) {
		if loc := re.FindStringIndex(text); loc != nil {
			from, to := max(loc[0]-40, 0), min(loc[1]+40, len(text))
			t.Errorf("English %q on the Russian page: …%s…", msg, strings.Join(strings.Fields(text[from:to]), " "))
		}
	}
}

// TestRussianPagesHaveNoEnglish renders the pages a Russian editor uses
// most and looks for every English-only message of the catalog in them.
func TestRussianPagesHaveNoEnglish(t *testing.T) {
	e := newEnv(t)
	ed := e.client(account.RoleEditor)
	if err := e.st.SetUserLang(e.ctx, ed.u.ID, "ru"); err != nil {
		t.Fatal(err)
	}
	pub := time.Date(2026, 3, 4, 9, 30, 0, 0, time.UTC)
	ru := e.create(&content.Article{Headline: "Паром снова ходит", Dek: "Спустя три недели", Body: "Паром *снова* ходит.",
		Slug: "parom", Lang: "ru", Status: content.StatusPublished, PublishedAt: pub, Authors: []content.Author{e.anna}})
	en := e.create(&content.Article{Headline: "Паром (английская версия)", Slug: "ferry", Lang: "en", Status: content.StatusDraft})
	if err := e.st.LinkTranslation(e.ctx, ru.ID, en.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.st.AddCorrection(e.ctx, ru.ID, &content.Correction{Text: "Исправлена дата."}); err != nil {
		t.Fatal(err)
	}
	// The test's data, in English on purpose: not the admin's words.
	data := []string{ed.u.Email, "/author/", "Test", e.news.Name, e.culture.Name, e.anna.Name, e.boris.Name, "Markdown", "UTC", "JPEG", "PNG", "WebP"}
	pages := []struct{ name, path string }{
		{"dashboard", "/admin/"},
		{"article list", "/admin/articles"},
		{"article list, filtered", "/admin/articles?status=published&q=%D0%9F"},
		{"edit page", path(ru, "")},
		{"edit page with a flash", path(ru, "?done=Saved")},
		{"new article", "/admin/articles/new"},
		{"revisions", path(ru, "/revisions")},
		{"account", "/admin/account"},
		{"sections", "/admin/sections"},
		{"tags", "/admin/tags"},
		{"authors", "/admin/authors"},
		{"author profile", fmt.Sprintf("/admin/authors/%d/profile", e.anna.ID)},
		{"media library for a profile", fmt.Sprintf("/admin/media?author=%d", e.anna.ID)},
		{"password", "/admin/password"},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) { wantRussian(t, ed.get(p.path), http.StatusOK, data...) })
	}
	t.Run("not found", func(t *testing.T) { wantRussian(t, ed.get("/admin/articles/999"), http.StatusNotFound, data...) })
	// A second version, saved through the Russian editor, and the changes.
	w := ed.post(path(ru, ""), url.Values{"headline": {"Паром ходит снова"}, "dek": {"Спустя три недели"}, "body": {"Паром *снова* ходит."},
		"slug": {"parom"}, "section": {strconv.FormatInt(e.news.ID, 10)}, "lang": {"ru"}, "status": {"published"},
		"publish_at": {"2026-03-04T09:30"}, "authors": {strconv.FormatInt(e.anna.ID, 10)}, "version": {"1"}, "action": {"save"}}, nil)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", w.Code, w.Body)
	}
	t.Run("changes", func(t *testing.T) {
		w := ed.get(path(ru, "/diff?from=1&to=2"))
		wantRussian(t, w, http.StatusOK, data...)
		wantBody(t, w, "Паром ходит снова", "<h2>Заголовок</h2>")
	})
	// A refused translation link and a refused save speak Russian too.
	w = ed.postForm(path(ru, "/translation"), url.Values{"translation": {strconv.FormatInt(ru.ID, 10)}})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantBody(t, w, "Это та же самая статья")
	w = ed.get(path(ru, ""))
	wantBody(t, w, i18n.New("en").Locale("ru").DateTime(e.article(ru.ID).UpdatedAt), "Перевод", "Отвязать", "Исправления", "опубликована")
}

// TestDynamicLabelsAreInTheCatalog covers the keys the templates and
// handlers build at run time, which the catalog's scan of literal keys
// cannot see.
func TestDynamicLabelsAreInTheCatalog(t *testing.T) {
	loc := i18n.New("en").Locale("ru")
	var keys []string
	for _, l := range fieldLabels {
		keys = append(keys, l)
	}
	for _, f := range revisionFields(loc, &content.Article{Status: content.StatusDraft}) {
		keys = append(keys, f[0])
	}
	for _, s := range content.Statuses {
		keys = append(keys, "status."+string(s))
	}
	for _, r := range account.Roles {
		keys = append(keys, "role."+string(r))
	}
	for _, p := range revenue.Placements {
		keys = append(keys, p.Label())
	}
	for _, a := range revenue.Audiences {
		keys = append(keys, "audience."+string(a))
	}
	for _, l := range mail.Lists {
		keys = append(keys, l.Name, l.Info)
	}
	// Flashes: the redirects name what was done by its key.
	keys = append(keys, "Saved", "Saved.", "Deleted", "Correction added.", "Password changed. Every other session was signed out.",
		"Language saved.", "Translation linked.", "Translation unlinked.", "Goal saved", "Entry recorded", "Entry deleted",
		"Campaign saved", "Campaign deleted", "Prompt saved", "Prompt deleted",
		// Refusals made before the account is known, translated by the error page.
		"Your session has ended. Sign in again; what you typed was not saved.", "Your role does not allow this.",
		"This form expired or came from another site. Reload the page and try again.")
	for _, k := range keys {
		if !loc.Known(k) {
			t.Errorf("%q is not in the catalog", k)
		}
	}
}

// TestRussianAdminAndRevenuePages: the pages of admins and of the revenue
// desk, in Russian.
func TestRussianAdminAndRevenuePages(t *testing.T) {
	e := revenueEnv(t)
	u := e.tAuthUser(account.RoleAdmin, "")
	if err := e.st.SetUserLang(e.ctx, u.ID, "ru"); err != nil {
		t.Fatal(err)
	}
	b := e.tAuthSession(u)
	if englishOnly(i18n.New("en")); len(englishOnly(i18n.New("en"))) < 200 {
		t.Fatalf("the catalog check no longer finds the admin's words")
	}
	w := b.post("/admin/revenue/campaigns", url.Values{"name": {"Весенний сбор"}, "starts": {"2030-03-01"}, "ends": {""}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("create campaign: %d\n%s", w.Code, w.Body)
	}
	campaign := w.Header().Get("Location")
	campaign = campaign[:strings.IndexByte(campaign, '?')]
	data := []string{u.Email, u.Name, "Test", "EUR", "CSV", "MRR", "IBAN", "Markdown", "UTC", "JPEG", "PNG", "WebP"}
	for _, p := range []string{"/admin/", "/admin/users", "/admin/settings", "/admin/revenue", "/admin/revenue/campaigns", campaign,
		"/admin/revenue/prompts/new?campaign=" + campaign[strings.LastIndexByte(campaign, '/')+1:], "/admin/revenue/reports",
		"/admin/payments", "/admin/payments/settings"} {
		t.Run(p, func(t *testing.T) { wantRussian(t, b.get(p), http.StatusOK, data...) })
	}
	// A refused form: the messages next to the fields are Russian too.
	w = b.post("/admin/revenue/goal", url.Values{"target": {"много"}, "currency": {"евро"}, "mode": {"x"}})
	wantRussian(t, w, http.StatusUnprocessableEntity, data...)
	tAuthBody(t, w, "Укажите цель на месяц суммой")
}

func TestRussianNewslettersPage(t *testing.T) {
	e := newsletterEnv(t)
	u := e.tAuthUser(account.RoleEditor, "")
	if err := e.st.SetUserLang(e.ctx, u.ID, "ru"); err != nil {
		t.Fatal(err)
	}
	b := e.tAuthSession(u)
	w := b.get("/admin/newsletters")
	wantRussian(t, w, http.StatusOK, u.Email, u.Name, "Test")
	tAuthBody(t, w, "Срочные новости", "подтверждённый подписчик")

	// Composing, a refused form, the draft with its preview, the
	// confirmation and the list of sends: all in Russian.
	wantRussian(t, b.get("/admin/newsletters/new"), http.StatusOK, u.Email, u.Name, "Test", "Markdown", "English")
	w = b.post("/admin/newsletters/new", url.Values{"list": {"breaking"}, "lang": {"ru"}, "intro": {"Текст"}})
	wantRussian(t, w, http.StatusUnprocessableEntity, u.Email, u.Name, "Test", "Markdown", "English")
	tAuthBody(t, w, "Напишите тему")
	w = b.post("/admin/newsletters/new", url.Values{"list": {"breaking"}, "lang": {"ru"}, "subject": {"Главное"}, "intro": {"Текст."}})
	tAuthStatus(t, w, http.StatusSeeOther)
	page := strings.SplitN(w.Header().Get("Location"), "?", 2)[0]
	for _, p := range []string{page, page + "/confirm"} {
		t.Run(p, func(t *testing.T) {
			wantRussian(t, b.get(p), http.StatusOK, u.Email, u.Name, "Test", "Markdown", "English", "https://news.example.org", "UTC")
		})
	}
	tAuthBody(t, b.get(page+"/confirm"), "подписчиков на этом языке")
	wantRussian(t, b.get("/admin/newsletters"), http.StatusOK, u.Email, u.Name, "Test")
}

// TestRussianFieldMessages: what content validation refuses is said in
// Russian next to the field, for the editor and the taxonomy forms alike.
func TestRussianFieldMessages(t *testing.T) {
	e := newTaxEnv(t)
	ed := e.signIn(account.RoleEditor)
	if err := e.st.SetUserLang(e.ctx, ed.id, "ru"); err != nil {
		t.Fatal(err)
	}
	u, err := e.st.UserByID(e.ctx, ed.id)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		fields []string
		want   []string
	}{
		{"reserved slug, bad order", []string{"name", "Админка", "slug", "admin", "order", "x"},
			[]string{"Слаг: адрес «admin» занят самим сайтом.", "Порядок — целое число от"}},
		{"no name", []string{"name", "", "slug", "Bad Slug"},
			[]string{"Название: обязательное поле.", "Слаг: только строчные латинские буквы, цифры и дефисы."}},
		{"too long", []string{"name", strings.Repeat("я", 101)},
			[]string{"Название: слишком длинно (знаков: 101, можно не больше 100)."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ed.post("/admin/sections", tt.fields...)
			wantRussian(t, w, http.StatusUnprocessableEntity, "Test", u.Email, "«admin»", `value="admin"`)
			tAuthBody(t, w, tt.want...)
		})
	}
}
