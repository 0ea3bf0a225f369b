package site

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/store"
)

// PromptsConfig wires reader revenue's donation prompts into the site.
type PromptsConfig struct {
	Catalog  *revenue.Catalog // the running prompts
	State    *revenue.StateCodec
	Marks    *revenue.SupporterMarks
	Counters *revenue.Counters
	// Goal returns the funding goal, for prompts that show the meter.
	Goal func(ctx context.Context) (revenue.Goal, error)
	// Secure makes the prompt cookie Secure (the site is on https).
	Secure bool
}

// prompts is the site's prompt machinery; nil until EnablePrompts.
type prompts struct {
	PromptsConfig
	frags map[string]*template.Template // the prompt partials per language, to render an inline prompt into an article body
}

// EnablePrompts turns donation prompts on. Call it before serving.
func (s *Site) EnablePrompts(cfg PromptsConfig, web fs.FS) error {
	frags := map[string]*template.Template{}
	for _, lang := range i18n.Languages {
		t, err := template.New("prompts").Funcs(s.funcs(lang)).ParseFS(web, "templates/partials/prompts.html")
		if err != nil {
			return fmt.Errorf("parse prompt templates: %w", err)
		}
		frags[lang] = t
	}
	s.prompts = &prompts{PromptsConfig: cfg, frags: frags}
	return nil
}

// fragsFor returns the prompt partials in lang, English when it has none.
func (p *prompts) fragsFor(lang string) *template.Template {
	if t, ok := p.frags[lang]; ok {
		return t
	}
	return p.frags[i18n.Languages[0]]
}

// InvalidatePrompts drops every cached page that shows a prompt: after the
// running prompts or the goal changed.
func (s *Site) InvalidatePrompts() {
	s.promptsAt.Store(s.now().UnixNano())
	s.cache.invalidate(depPrompts)
}

// depPrompts is the dependency of every page rendered with prompts.
const depPrompts = store.KeyPrompts

// variantSuffix[code] ends the cache key of an article page rendered for
// the page variant code: "\x00" cannot occur in a request path.
var variantSuffix = func() []string {
	s := make([]string, revenue.VariantCodes)
	for i := range s {
		s[i] = "\x00v" + strconv.Itoa(i)
	}
	return s
}()

// isArticlePath reports whether p has the article URL's shape: four
// non-empty segments, no trailing slash. The fast path uses it to decide,
// before any lookup, whether a page varies by prompt state.
func isArticlePath(p []byte) bool {
	if len(p) < 8 || p[0] != '/' || p[len(p)-1] == '/' {
		return false
	}
	return bytes.Count(p, []byte{'/'}) == 4 && !bytes.Contains(p, []byte("//"))
}

// readerState is a request's prompt state: the cookie as read (empty if
// absent, tampered or malformed) and the page variant it maps to.
type readerState struct {
	snap  *revenue.Snapshot
	state revenue.State
	code  int
	// shown collects the prompts a page shows while it renders, for the
	// cache entry (set by cached).
	shown *[]revenue.Shown
}

// promptPatterns are the routes whose pages carry prompts (articles all
// placements, the fronts the top banner), and so vary by reader state.
// The fast path recognizes their paths by shape: see isPromptPath.
var promptPatterns = func() map[string]bool {
	m := map[string]bool{articlePattern: true}
	for _, p := range []string{"GET /{$}", "GET /{section}/{$}", "GET /tag/{slug}/{$}", "GET /author/{slug}/{$}"} {
		for _, e := range editionPatterns(p) {
			m[e] = true
		}
	}
	return m
}()

// isPromptPath reports whether p may be a page of promptPatterns: an
// article's shape, or a front's (ending in "/"). Other paths ending in "/"
// are not cached under a variant key, so looking them up only misses.
func isPromptPath(p []byte) bool {
	return isArticlePath(p) || len(p) > 0 && p[len(p)-1] == '/'
}

// setPrompts puts the prompts on the page, and the script that makes
// "Remind me later" work without a reload when there is one to snooze.
func (l *layout) setPrompts(pb *promptBlocks, script string) {
	if pb == nil {
		return
	}
	l.Prompts = pb
	if pb.Top != nil && pb.Top.Snooze != "" || pb.End != nil && pb.End.Snooze != "" || pb.inlineSnooze {
		l.Script = script
	}
}

type readerKey struct{}

// reader maps the raw cookie values to the reader's page variant.
func (p *prompts) reader(stateCookie, supporterCookie []byte, now time.Time) readerState {
	rs := readerState{snap: p.Catalog.Snapshot()}
	if len(stateCookie) > 0 {
		if st, ok := p.State.Decode(stateCookie); ok {
			rs.state = st
		}
	}
	sup := len(supporterCookie) > 0 && p.Marks.Valid(string(supporterCookie), now)
	_, rs.code = rs.snap.View(rs.state, sup, now)
	return rs
}

// readerFromRequest is reader for a net/http request.
func (p *prompts) readerFromRequest(r *http.Request, now time.Time) readerState {
	var st, sup []byte
	if c, err := r.Cookie(revenue.PromptCookie); err == nil {
		st = []byte(c.Value)
	}
	if c, err := r.Cookie(revenue.SupporterCookie); err == nil {
		sup = []byte(c.Value)
	}
	return p.reader(st, sup, now)
}

// served counts the impressions of the prompts on e, served to a reader
// in state rs, and returns the reader's new state cookie value, or nil
// when the cookie need not change. The value is appended to dst: with a
// buffer on the caller's stack, the fast path does not allocate.
func (p *prompts) served(dst []byte, e *entry, rs readerState, now time.Time) []byte {
	for _, sh := range e.shown {
		if !sh.ThankYou {
			p.Counters.Add(sh.Variant, revenue.Impression, now, 1)
		}
	}
	if rs.state == (revenue.State{}) {
		// A reader without a (valid) cookie: the new state depends only on
		// the page and the minute, so it is signed once a minute per page.
		minute := now.Unix() / 60
		if m := e.newReader.Load(); m != nil && m.minute == minute && m.snap == rs.snap {
			return append(dst, m.value...)
		}
		st, changed := nextState(e, rs, now)
		m := &cookieMemo{minute: minute, snap: rs.snap}
		if changed {
			m.value = p.State.AppendEncode(nil, &st)
		}
		e.newReader.Store(m)
		return append(dst, m.value...)
	}
	st, changed := nextState(e, rs, now)
	if !changed {
		return nil
	}
	return p.State.AppendEncode(dst, &st)
}

// cookieMemo is the cookie value of a reader without a cookie after
// seeing a page, for one minute (nil: no cookie needed).
type cookieMemo struct {
	minute int64
	snap   *revenue.Snapshot
	value  []byte
}

// nextState is the reader's state after seeing e: the frequency caps of
// what was shown, and the articles read this month. The count is kept
// only as far as the running prompts' thresholds need it ("at least 3"),
// and not at all when no prompt targets by it: the cookie holds no more
// reading history than the prompts use, and needs no rewriting on every
// view. Hold expiries are rounded up to the minute.
func nextState(e *entry, rs readerState, now time.Time) (revenue.State, bool) {
	old := rs.state
	old.Prune(now)
	st := old
	if top := rs.snap.MaxThreshold(); top > 0 && e.route == articlePattern { // articles read, not fronts
		if m := revenue.MonthOf(now); st.Month != m {
			st.Month, st.Read = m, 0
		}
		if st.Read < top {
			st.Read++
		}
	}
	for _, sh := range e.shown {
		if d := sh.Cap.Period(); d > 0 && !sh.ThankYou {
			until := now.Add(d).Add(time.Minute - 1).Truncate(time.Minute)
			st.Hold(sh.Placement, sh.Prompt, until)
		}
	}
	return st, st != old
}

// promptCookieMaxAge keeps the cookie past the longest snooze (and
// promptCookieMaxAgeText is the same number, for the fast path's header).
const (
	promptCookieMaxAge     = int(revenue.MaxSnooze/time.Second) + 31*86400
	promptCookieMaxAgeText = "10454400"
)

func (p *prompts) cookie(value string) *http.Cookie {
	return &http.Cookie{Name: revenue.PromptCookie, Value: value, Path: "/", MaxAge: promptCookieMaxAge,
		HttpOnly: true, Secure: p.Secure, SameSite: http.SameSiteLaxMode}
}

// Pages with prompts may differ per reader: browsers must ask again (a
// cheap 304 while the variant is the same) and shared caches must keep
// them apart by cookie, or a reader back from "Remind me later" would see
// the prompt again from the browser's cache.
var (
	promptCacheControl = []string{"no-cache"}
	promptVary         = []string{"Accept-Encoding, Cookie"}
)

// promptBlocks is what an article page shows of the prompts.
type promptBlocks struct {
	Top, End *promptView
	Body     template.HTML // the article body with the inline prompt in it; empty: no inline prompt
	// inlineSnooze says the inline prompt has a snooze button.
	inlineSnooze bool
}

// promptView is one prompt on a page, for the "prompt" template. It holds
// nothing about the reader: the page is cached for everyone in its variant.
type promptView struct {
	Placement string
	Prompt    int64
	Variant   int64
	Title     string
	Body      template.HTML
	Button    string
	GoURL     string
	Snooze    string
	Return    string
	ThankYou  string
	Meter     *revenue.Meter
	lang      string // of the page: the partial's words
}

// articlePrompts chooses the prompts of an article page.
func (s *Site) articlePrompts(r *http.Request, a *content.Article) (*promptBlocks, error) {
	page := revenue.PageInfo{Path: a.Path(), Section: a.Section.Slug, Lang: a.Lang, MainLang: s.conf().Lang, Article: true}
	return s.choosePrompts(r, page, a.BodyHTML)
}

// choosePrompts chooses a page's prompts for the reader's page variant
// (from the request's context, set by cached) and records them as shown.
// body is the article's sanitized body, for the inline placement.
func (s *Site) choosePrompts(r *http.Request, page revenue.PageInfo, body string) (*promptBlocks, error) {
	rs, ok := r.Context().Value(readerKey{}).(readerState)
	if s.prompts == nil || !ok || !rs.snap.Active() {
		return nil, nil
	}
	view := rs.snap.ViewOf(rs.code)
	chosen := revenue.Choose(rs.snap.Prompts, page, view)
	if len(chosen) == 0 {
		return &promptBlocks{Body: s.inlineSpot(rs, page, view, body)}, nil
	}
	var meter *revenue.Meter
	b := &promptBlocks{}
	for _, pl := range revenue.Placements {
		c, ok := chosen[pl]
		if !ok {
			continue
		}
		v := &promptView{Placement: string(pl), Prompt: c.Prompt.ID, Return: page.Path + spotFragment[pl], lang: page.Lang}
		if c.ThankYou {
			v.ThankYou = c.Prompt.ThankYou
		} else {
			v.Variant = c.Variant.ID
			v.Title, v.Body, v.Button = c.Variant.Title, template.HTML(c.Variant.BodyHTML), c.Variant.Button // sanitized at save
			v.GoURL = "/prompts/go/" + strconv.FormatInt(c.Variant.ID, 10)
			v.Snooze = c.Variant.Snooze
			if c.Prompt.ShowMeter && s.prompts.Goal != nil {
				if meter == nil {
					g, err := s.prompts.Goal(r.Context())
					if err != nil {
						return nil, err
					}
					g.Now = s.now
					m, err := g.Meter(r.Context())
					if err != nil {
						return nil, err
					}
					meter = &m
				}
				v.Meter = meter
			}
		}
		switch pl {
		case revenue.TopBanner:
			b.Top = v
		case revenue.EndOfArticle:
			b.End = v
		case revenue.Inline:
			withPrompt, ok, err := s.insertInline(body, c.Prompt.Paragraph, v)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue // a body shorter than the paragraph: no inline prompt, nothing counted
			}
			b.Body, b.inlineSnooze = withPrompt, v.Snooze != ""
		}
		if rs.shown != nil {
			*rs.shown = append(*rs.shown, revenue.Shown{Placement: pl, Prompt: c.Prompt.ID, Variant: v.Variant, Cap: c.Prompt.Cap, ThankYou: c.ThankYou})
		}
	}
	if b.Body == "" {
		b.Body = s.inlineSpot(rs, page, view, body)
	}
	return b, nil
}

// spotFragment is where "Remind me later" returns a reader without
// JavaScript to: the place the prompt was, which the page keeps marked
// after the prompt is gone (the top banner's is the top of the page).
var spotFragment = map[revenue.Placement]string{
	revenue.EndOfArticle: "#end-spot",
	revenue.Inline:       "#inline-spot",
}

// inlineSpotMark marks the inline prompt's place in the body.
const inlineSpotMark = `<span id="inline-spot"></span>`

// inlineSpot is the body with the inline placement's mark where a held
// (snoozed or capped) inline prompt would have been, so the reader who
// snoozed it lands back at the paragraph they were reading; "" when there
// is no such place.
func (s *Site) inlineSpot(rs readerState, page revenue.PageInfo, view revenue.ReaderView, body string) template.HTML {
	i := revenue.Inline.Index()
	if body == "" || !view.Hidden[i] {
		return ""
	}
	view.Hidden[i] = false
	c, ok := revenue.Choose(rs.snap.Prompts, page, view)[revenue.Inline]
	if !ok {
		return ""
	}
	at, ok := afterParagraph(body, c.Prompt.Paragraph)
	if !ok {
		return ""
	}
	return template.HTML(body[:at] + inlineSpotMark + body[at:]) // body sanitized at save
}

// afterParagraph is the offset just after the n-th paragraph of a body,
// or false when the body has no paragraph after it (the end-of-article
// placement's place).
func afterParagraph(body string, n int) (int, bool) {
	at := 0
	for range n {
		i := strings.Index(body[at:], "</p>")
		if i < 0 {
			return 0, false
		}
		at += i + len("</p>")
	}
	return at, strings.TrimSpace(body[at:]) != ""
}

// insertInline puts the prompt after the n-th paragraph of a sanitized body.
func (s *Site) insertInline(body string, n int, v *promptView) (template.HTML, bool, error) {
	at, ok := afterParagraph(body, n)
	if !ok {
		return "", false, nil
	}
	var buf bytes.Buffer
	if err := s.prompts.fragsFor(v.lang).ExecuteTemplate(&buf, "prompt", v); err != nil {
		return "", false, fmt.Errorf("render inline prompt: %w", err)
	}
	return template.HTML(body[:at] + "\n" + inlineSpotMark + buf.String() + body[at:]), true, nil // body sanitized at save
}

// RenderPrompt renders one prompt variant as readers would see it, for the
// admin's preview.
func (s *Site) RenderPrompt(p *revenue.Prompt, v *revenue.Variant, m *revenue.Meter) (template.HTML, error) {
	if s.prompts == nil {
		return "", fmt.Errorf("prompts are not enabled")
	}
	pv := &promptView{Placement: string(p.Placement), Prompt: p.ID, Variant: v.ID, Title: v.Title, Body: template.HTML(v.BodyHTML),
		Button: v.Button, GoURL: revenue.SupportURL(p, v), Snooze: v.Snooze, Return: "/"}
	if p.ShowMeter {
		pv.Meter = m
	}
	var buf bytes.Buffer
	lang := s.conf().Lang // a prompt in one language is previewed in it
	if len(p.Languages) == 1 {
		lang = p.Languages[0]
	}
	if err := s.prompts.fragsFor(lang).ExecuteTemplate(&buf, "prompt", pv); err != nil {
		return "", fmt.Errorf("render prompt preview: %w", err)
	}
	return template.HTML(buf.String()), nil
}

// promptRoutes are the prompts' public URLs.
func (s *Site) promptRoutes(mux *http.ServeMux) {
	cop := http.NewCrossOriginProtection()
	mux.Handle("POST /prompts/snooze", cop.Handler(s.adapter.Handle(s.snooze)))
	mux.Handle("GET /prompts/go/{variant}", s.adapter.Handle(s.promptGo))
}

// snooze is "Remind me later": it holds the prompt's placement for the
// reader until the snooze expires, in the signed cookie, and answers 303
// back to the page (JavaScript off), or 204 to the script (JavaScript on).
// A cross-origin POST is refused by CrossOriginProtection: a plain form on
// the same site passes, another site cannot snooze prompts for a reader.
func (s *Site) snooze(w http.ResponseWriter, r *http.Request) error {
	if s.prompts == nil {
		return httpx.NotFound()
	}
	if err := httpx.ParseForm(w, r, 4<<10); err != nil {
		return err
	}
	now := s.now()
	back := safeReturn(r.PostFormValue("return"))
	rs := s.prompts.readerFromRequest(r, now)
	promptID, _ := strconv.ParseInt(r.PostFormValue("prompt"), 10, 64)
	variantID, _ := strconv.ParseInt(r.PostFormValue("variant"), 10, 64)
	var found *revenue.Prompt
	for _, p := range rs.snap.Prompts {
		if p.ID == promptID {
			found = p
		}
	}
	d := revenue.DefaultSnooze
	if found != nil {
		d = found.Snooze() // the newsroom chooses how long, per prompt
	}
	w.Header().Set("Cache-Control", "no-store")
	if found != nil {
		st := rs.state
		st.Prune(now)
		st.Hold(found.Placement, found.ID, now.Add(d))
		if st.Month == 0 {
			st.Month = revenue.MonthOf(now)
		}
		http.SetCookie(w, s.prompts.cookie(s.prompts.State.Encode(st)))
		for _, v := range found.Variants {
			if v.ID == variantID {
				s.prompts.Counters.Add(v.ID, revenue.Snooze, now, 1)
			}
		}
	}
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"snoozed":%t,"days":%d}`+"\n", found != nil, int(d/(24*time.Hour)))
		return nil
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// safeReturn accepts only a root-relative path on this site; anything
// else (another host, a scheme, "//host", backslashes) goes home.
func safeReturn(v string) string {
	if v == "" || v[0] != '/' || strings.HasPrefix(v, "//") || strings.ContainsAny(v, "\\\r\n\t") || len(v) > 1000 {
		return "/"
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	if fragmentRE.MatchString(u.Fragment) {
		return u.EscapedPath() + "#" + u.Fragment
	}
	return u.EscapedPath()
}

// fragmentRE is a fragment "Remind me later" may return to: an id this
// site writes, nothing a link could use to inject anything.
var fragmentRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,40}$`)

// promptGo counts a button click and sends the reader to the support page
// with the prompt's amounts, frequency and attribution. The redirect is
// not cached (each click counts); its target is the same URL for every
// reader of a variant, so the support page can be cached.
func (s *Site) promptGo(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	id, err := strconv.ParseInt(r.PathValue("variant"), 10, 64)
	if err != nil || s.prompts == nil {
		http.Redirect(w, r, "/support", http.StatusSeeOther)
		return nil
	}
	for _, p := range s.prompts.Catalog.Snapshot().Prompts {
		for i := range p.Variants {
			if v := &p.Variants[i]; v.ID == id {
				s.prompts.Counters.Add(id, revenue.Click, s.now(), 1)
				http.Redirect(w, r, revenue.SupportURL(p, v), http.StatusSeeOther)
				return nil
			}
		}
	}
	// A campaign that ended while the page was open: still help the reader give.
	http.Redirect(w, r, "/support", http.StatusSeeOther)
	return nil
}

// SetClock replaces the site's clock. Call it before serving: tests pass a
// clock they move themselves.
func (s *Site) SetClock(now func() time.Time) { s.now = now }

// GoalMeter is what readers may see of the funding goal this month, for
// the support page, which renders it with {{template "goal-meter" .}}
// (web/templates/partials/prompts.html). Without a goal it is hidden.
func (s *Site) GoalMeter(ctx context.Context) (revenue.Meter, error) {
	if s.prompts == nil || s.prompts.Goal == nil {
		return revenue.Meter{Mode: revenue.ShowHidden}, nil
	}
	g, err := s.prompts.Goal(ctx)
	if err != nil {
		return revenue.Meter{}, err
	}
	g.Now = s.now
	return g.Meter(ctx)
}
