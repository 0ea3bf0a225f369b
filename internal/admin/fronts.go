package admin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/store"
)

// frontChoices is how many articles each slot's list offers besides the
// pinned ones: the newest published, or those a search found.
const frontChoices = 40

// frontsRoutes curate the home page and the section fronts.
func (a *Admin) frontsRoutes() []Route {
	return []Route{
		{Pattern: "GET /admin/fronts", Perm: account.PublishArticles, handler: a.frontsPage},
		{Pattern: "POST /admin/fronts", Perm: account.PublishArticles, handler: a.saveFront},
	}
}

// frontSlot is one position of a front as the form shows it.
type frontSlot struct {
	Position    int
	Label       string
	ArticleID   int64
	Date, Clock string   // the expiry, in the newsroom's zone
	Options     []option // the articles to choose from, the chosen one selected
	State       string   // why a stored pin is not shown, if it is not
	Error       string
}

// Field names the slot's inputs.
func (s frontSlot) Field(name string) string { return name + strconv.Itoa(s.Position) }

type frontsData struct {
	page
	Front    int64  // store.HomeFront or a section's ID
	Edition  string // the language whose edition of the front this is
	Fronts   []option
	Editions []option
	Q        string
	Zone     string
	Slots    []frontSlot
	Action   string
}

// frontsPage shows the pins of an edition's front, and a search that
// fills the lists.
func (a *Admin) frontsPage(w http.ResponseWriter, r *http.Request) error {
	front := int64Param(r.URL.Query().Get("front"))
	d, err := a.frontsData(r, front, r.URL.Query().Get("lang"), strings.TrimSpace(r.URL.Query().Get("q")))
	if err != nil {
		return err
	}
	pins, err := a.db.FrontPins(r.Context(), front, d.Edition)
	if err != nil {
		return err
	}
	z := a.zone(r.Context())
	now := a.now()
	loc := a.loc(r)
	for _, p := range pins {
		if p.Position >= len(d.Slots) {
			continue
		}
		s := &d.Slots[p.Position]
		if !p.ExpiresAt.IsZero() && !p.ExpiresAt.After(now) {
			// Offered empty: saving the form drops the expired pin rather
			// than refusing its past time.
			headline := ""
			if p.Article != nil {
				headline = p.Article.Headline
			}
			s.State = loc.T("expired: %s, pinned until %s", headline, loc.DateTimeIn(p.ExpiresAt, z))
			continue
		}
		s.ArticleID = p.ArticleID
		s.Date, s.Clock = localFields(p.ExpiresAt, z)
		switch {
		case p.Article == nil || !p.Article.Live(now):
			s.State = loc.T("not shown: not published")
		case p.Article.Lang != d.Edition:
			// Its language was changed after it was pinned.
			s.State = loc.T("not shown: in another language")
		}
	}
	if err := a.fillChoices(r, d, pins); err != nil {
		return err
	}
	return a.render(w, http.StatusOK, "fronts", d)
}

// frontsData is the page around the slots, for lang's edition of front
// (404 for a section or a language that does not exist; no lang: the
// site's main language).
func (a *Admin) frontsData(r *http.Request, front int64, lang, q string) (*frontsData, error) {
	ctx := r.Context()
	loc := a.loc(r)
	if lang == "" {
		lang = a.mainLang(ctx)
	}
	if !i18n.Supported(lang) {
		return nil, httpx.NotFound()
	}
	sections, err := a.db.Sections(ctx)
	if err != nil {
		return nil, err
	}
	d := &frontsData{page: a.newPage(r, loc.T("Front pages")), Front: front, Edition: lang, Q: q, Zone: a.zone(ctx).String(),
		Fronts: []option{{Value: "0", Label: loc.T("Home page"), Selected: front == store.HomeFront}}}
	for _, l := range i18n.Languages {
		d.Editions = append(d.Editions, option{Value: l, Label: a.catalog.Locale(l).Name(), Selected: l == lang})
	}
	found := front == store.HomeFront
	for _, s := range sections {
		d.Fronts = append(d.Fronts, option{Value: strconv.FormatInt(s.ID, 10), Label: s.Name, Selected: s.ID == front})
		found = found || s.ID == front
	}
	if !found {
		return nil, httpx.NotFound()
	}
	d.Action = "/admin/fronts?front=" + strconv.FormatInt(front, 10) + "&lang=" + url.QueryEscape(lang)
	if q != "" {
		d.Action += "&q=" + url.QueryEscape(q)
	}
	for pos := 0; pos <= store.MaxTopStories; pos++ {
		label := loc.T("Lead story")
		if pos > 0 {
			label = loc.T("Top story %d", pos)
		}
		d.Slots = append(d.Slots, frontSlot{Position: pos, Label: label})
	}
	return d, nil
}

// fillChoices gives every slot its list: "none", the pinned articles and
// the newest published (of the section, on a section's front) or those
// whose headline matches the search.
func (a *Admin) fillChoices(r *http.Request, d *frontsData, pins []store.FrontPin) error {
	q := store.AdminQuery{Q: d.Q, Status: content.StatusPublished, Lang: d.Edition, Limit: frontChoices}
	if d.Front != store.HomeFront && d.Q == "" {
		q.SectionID = d.Front
	}
	list, _, err := a.db.AdminArticles(r.Context(), q)
	if err != nil {
		return err
	}
	if id, err := strconv.ParseInt(d.Q, 10, 64); err == nil && id > 0 {
		// A number is the article's ID, as its admin address shows it.
		if art, err := a.db.ArticleByID(r.Context(), id); err == nil {
			list = append([]*content.Article{art}, list...)
		}
	}
	choices := make([]*content.Article, 0, len(pins)+len(list))
	seen := map[int64]bool{}
	for _, p := range pins {
		if p.Article != nil && !seen[p.ArticleID] {
			seen[p.ArticleID] = true
			choices = append(choices, p.Article)
		}
	}
	// An ID typed or chosen before a failed save stays in its list.
	for _, s := range d.Slots {
		if s.ArticleID != 0 && !seen[s.ArticleID] {
			if art, err := a.db.ArticleByID(r.Context(), s.ArticleID); err == nil {
				seen[art.ID] = true
				choices = append(choices, art)
			}
		}
	}
	for _, art := range list {
		if !seen[art.ID] {
			seen[art.ID] = true
			choices = append(choices, art)
		}
	}
	loc := a.loc(r)
	for i := range d.Slots {
		s := &d.Slots[i]
		s.Options = []option{{Value: "", Label: loc.T("none: the newest"), Selected: s.ArticleID == 0}}
		for _, art := range choices {
			label := fmt.Sprintf("%s — %s (%d)", art.Headline, art.Section.Name, art.ID)
			if art.Status != content.StatusPublished {
				label += " · " + loc.T("status."+string(art.Status))
			}
			s.Options = append(s.Options, option{Value: strconv.FormatInt(art.ID, 10), Label: label, Selected: art.ID == s.ArticleID})
		}
	}
	return nil
}

// saveFront replaces a front's pins with the form's. A slot names its
// article by the list or by the number typed in its ID field (which wins,
// so that an article outside the list can be pinned with JavaScript off).
func (a *Admin) saveFront(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	front := int64Param(r.PostFormValue("front"))
	d, err := a.frontsData(r, front, r.PostFormValue("lang"), strings.TrimSpace(r.PostFormValue("q")))
	if err != nil {
		return err
	}
	loc := a.loc(r)
	z := a.zone(ctx)
	now := a.now()
	var pins []store.FrontPin
	used := map[int64]bool{}
	bad := false
	for i := range d.Slots {
		s := &d.Slots[i]
		s.ArticleID = int64Param(r.PostFormValue(s.Field("article")))
		if typed := strings.TrimSpace(r.PostFormValue(s.Field("id"))); typed != "" {
			s.ArticleID = int64Param(typed)
			if s.ArticleID == 0 {
				s.Error = loc.T("No article has the ID %s.", typed)
			}
		}
		s.Date = strings.TrimSpace(r.PostFormValue(s.Field("until_date")))
		s.Clock = strings.TrimSpace(r.PostFormValue(s.Field("until_time")))
		if s.ArticleID == 0 {
			bad = bad || s.Error != ""
			continue
		}
		art, err := a.db.ArticleByID(ctx, s.ArticleID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			s.Error = loc.T("No article has the ID %s.", strconv.FormatInt(s.ArticleID, 10))
		case err != nil:
			return err
		case art.Lang != d.Edition:
			s.Error = loc.T("“%s” is in another language: pin it on the fronts of its own edition (%s).",
				art.Headline, a.catalog.Locale(art.Lang).Name())
		}
		if used[s.ArticleID] && s.Error == "" {
			s.Error = loc.T("This article is already pinned on this front.")
		}
		used[s.ArticleID] = true
		var until time.Time
		switch {
		case s.Error != "":
		case s.Date == "" && s.Clock == "":
		case s.Date == "" || s.Clock == "":
			s.Error = loc.T("Enter a date with the time.")
		default:
			t, err := parseLocal(s.Date, s.Clock, z)
			switch {
			case errors.Is(err, errNoSuchTime):
				s.Error = gapMessage(loc, s.Date, s.Clock, z)
			case err != nil && strings.HasPrefix(err.Error(), "date"):
				s.Error = loc.T("Enter the date as yyyy-mm-dd, such as 2024-05-14.")
			case err != nil:
				s.Error = loc.T("Enter the time as hh:mm on a 24-hour clock, such as 09:30 or 18:05.")
			case !t.After(now):
				s.Error = loc.T("This time has already passed: %s.", loc.DateTimeIn(t, z))
			default:
				until = t.UTC()
			}
		}
		bad = bad || s.Error != ""
		pins = append(pins, store.FrontPin{Position: s.Position, ArticleID: s.ArticleID, ExpiresAt: until})
	}
	if bad {
		if err := a.fillChoices(r, d, nil); err != nil {
			return err
		}
		d.Errors["form"] = loc.T("Please correct the marked fields.")
		return a.render(w, http.StatusUnprocessableEntity, "fronts", d)
	}
	if err := a.db.SetFrontPins(ctx, front, d.Edition, pins); err != nil {
		return err
	}
	http.Redirect(w, r, d.Action+"&done="+url.QueryEscape("Front saved"), http.StatusSeeOther)
	return nil
}
