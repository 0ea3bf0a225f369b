package admin

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/store"
)

// campaignForm is a campaign as typed: dates as "2006-01-02", UTC, the
// end date inclusive (the campaign runs to the end of that day).
type campaignFormData struct {
	ID     int64
	Name   string
	Starts string
	Ends   string
}

type campaignListData struct {
	page
	Campaigns []campaignRow
}

type campaignRow struct {
	revenue.Campaign
	Running bool
	Prompts []*revenue.Prompt
}

func (a *Admin) campaignList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cs, err := a.db.Campaigns(ctx)
	if err != nil {
		return err
	}
	d := &campaignListData{page: a.newPage(r, a.loc(r).T("Campaigns"))}
	for _, c := range cs {
		ps, err := a.db.CampaignPrompts(ctx, c.ID)
		if err != nil {
			return err
		}
		d.Campaigns = append(d.Campaigns, campaignRow{Campaign: c, Running: c.Running(a.now()), Prompts: ps})
	}
	return a.renderRevenue(w, http.StatusOK, "campaigns", d)
}

type campaignEditData struct {
	page
	Form    campaignFormData
	Prompts []*revenue.Prompt
}

func (a *Admin) campaignForm(w http.ResponseWriter, r *http.Request) error {
	d := &campaignEditData{page: a.newPage(r, a.loc(r).T("New campaign"))}
	if r.PathValue("id") == "" {
		d.Form.Starts = a.now().UTC().Format("2006-01-02")
		return a.renderRevenue(w, http.StatusOK, "campaign", d)
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := a.db.Campaign(r.Context(), id)
	if err != nil {
		return notFoundOr(err)
	}
	d.Title = a.loc(r).T("Campaign: %s", c.Name)
	d.Form = campaignFormData{ID: c.ID, Name: c.Name, Starts: c.Starts.UTC().Format("2006-01-02")}
	if !c.Ends.IsZero() {
		d.Form.Ends = c.Ends.Add(-24 * time.Hour).UTC().Format("2006-01-02")
	}
	if d.Prompts, err = a.db.CampaignPrompts(r.Context(), id); err != nil {
		return err
	}
	return a.renderRevenue(w, http.StatusOK, "campaign", d)
}

// saveCampaign creates or updates a campaign. An end date before the start
// is refused with the form as typed.
func (a *Admin) saveCampaign(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f := campaignFormData{Name: oneLine(r.PostFormValue("name")), Starts: strings.TrimSpace(r.PostFormValue("starts")),
		Ends: strings.TrimSpace(r.PostFormValue("ends"))}
	if r.PathValue("id") != "" {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if _, err := a.db.Campaign(ctx, id); err != nil {
			return notFoundOr(err)
		}
		f.ID = id
	}
	c := revenue.Campaign{ID: f.ID, Name: f.Name}
	errs := map[string]string{}
	var err error
	if c.Starts, err = time.Parse("2006-01-02", f.Starts); err != nil {
		errs["starts"] = a.loc(r).T("Give the start date as YYYY-MM-DD.")
	}
	if f.Ends != "" {
		end, err := time.Parse("2006-01-02", f.Ends)
		if err != nil {
			errs["ends"] = a.loc(r).T("Give the end date as YYYY-MM-DD, or leave it empty for no end.")
		} else {
			c.Ends = end.Add(24 * time.Hour) // the end date is the campaign's last day
		}
	}
	if len(errs) == 0 {
		errs = c.Validate()
	}
	if len(errs) > 0 {
		d := &campaignEditData{page: a.newPage(r, a.loc(r).T("Campaign")), Form: f}
		d.Errors = errs
		if f.ID != 0 {
			if d.Prompts, err = a.db.CampaignPrompts(ctx, f.ID); err != nil {
				return err
			}
		}
		return a.renderRevenue(w, http.StatusUnprocessableEntity, "campaign", d)
	}
	if err := a.db.SaveCampaign(ctx, &c); err != nil {
		return err
	}
	a.revenueChanged(ctx)
	http.Redirect(w, r, fmt.Sprintf("/admin/revenue/campaigns/%d?done=Campaign+saved", c.ID), http.StatusSeeOther)
	return nil
}

func (a *Admin) deleteCampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := a.db.DeleteCampaign(r.Context(), id); err != nil {
		return notFoundOr(err)
	}
	a.revenueChanged(r.Context())
	http.Redirect(w, r, "/admin/revenue/campaigns?done=Campaign+deleted", http.StatusSeeOther)
	return nil
}

// promptFormData is a prompt as typed, so a refused form keeps every value.
type promptFormData struct {
	ID, CampaignID                         int64
	Name, Placement, Paragraph, Amounts    string
	Frequency, Audience, ThankYou, MinRead string
	Sections, Languages                    []string
	Cap, Priority, SnoozeDays              string
	ShowMeter                              bool
	Variants                               [revenue.MaxVariants]variantFormData
}

type variantFormData struct {
	Slot                        int
	Title, Body, Button, Snooze string
	Weight                      string
}

func promptToForm(p *revenue.Prompt) promptFormData {
	f := promptFormData{ID: p.ID, CampaignID: p.CampaignID, Name: p.Name, Placement: string(p.Placement),
		Paragraph: strconv.Itoa(p.Paragraph), Amounts: revenue.JoinAmounts(p.Amounts), Frequency: string(p.Frequency),
		Audience: string(p.Audience), ThankYou: p.ThankYou, MinRead: strconv.Itoa(p.MinRead), Sections: p.Sections,
		Languages: p.Languages, Cap: string(p.Cap), Priority: strconv.Itoa(p.Priority), ShowMeter: p.ShowMeter,
		SnoozeDays: strconv.Itoa(int(p.Snooze() / (24 * time.Hour)))}
	for i := range f.Variants {
		f.Variants[i] = variantFormData{Slot: i, Weight: "0"}
	}
	for _, v := range p.Variants {
		if v.Slot >= 0 && v.Slot < revenue.MaxVariants {
			f.Variants[v.Slot] = variantFormData{Slot: v.Slot, Title: v.Title, Body: v.Body, Button: v.Button, Snooze: v.Snooze, Weight: strconv.Itoa(v.Weight)}
		}
	}
	return f
}

type promptEditData struct {
	page
	Form       promptFormData
	Campaign   revenue.Campaign
	Placements []option
	Freqs      []option
	Audiences  []option
	Caps       []option
	Sections   []option
	Langs      []option
	Previews   []promptPreview
}

// promptPreview is one variant shown on a sample article.
type promptPreview struct {
	Label    string
	Headline string
	Before   template.HTML // the sample body up to the prompt
	Prompt   template.HTML
	After    template.HTML
	Top      bool
}

func (a *Admin) promptEditData(r *http.Request, f promptFormData) (*promptEditData, error) {
	ctx := r.Context()
	loc := a.loc(r)
	d := &promptEditData{page: a.newPage(r, loc.T("Prompt")), Form: f}
	c, err := a.db.Campaign(ctx, f.CampaignID)
	if err != nil {
		return nil, notFoundOr(err)
	}
	d.Campaign = c
	for _, p := range revenue.Placements {
		d.Placements = append(d.Placements, option{Value: string(p), Label: loc.T(p.Label()), Selected: string(p) == f.Placement})
	}
	for _, fr := range []revenue.Frequency{revenue.Monthly, revenue.OneTime, revenue.Annual} {
		d.Freqs = append(d.Freqs, option{Value: string(fr), Label: loc.T("frequency." + string(fr)), Selected: string(fr) == f.Frequency})
	}
	for _, au := range revenue.Audiences {
		d.Audiences = append(d.Audiences, option{Value: string(au), Label: loc.T("audience." + string(au)), Selected: string(au) == f.Audience})
	}
	capLabels := map[revenue.Cap]string{revenue.EveryPage: loc.T("Every page"), revenue.OnceADay: loc.T("Once a day"), revenue.OnceAWeek: loc.T("Once a week")}
	for _, cp := range revenue.Caps {
		d.Caps = append(d.Caps, option{Value: string(cp), Label: capLabels[cp], Selected: string(cp) == f.Cap})
	}
	secs, err := a.db.Sections(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range secs {
		d.Sections = append(d.Sections, option{Value: s.Slug, Label: s.Name, Selected: slices.Contains(f.Sections, s.Slug)})
	}
	for _, l := range content.Languages {
		d.Langs = append(d.Langs, option{Value: l, Label: languageNames[l], Selected: slices.Contains(f.Languages, l)})
	}
	return d, nil
}

func (a *Admin) promptForm(w http.ResponseWriter, r *http.Request) error {
	var f promptFormData
	if r.PathValue("id") == "" {
		cid, err := strconv.ParseInt(r.URL.Query().Get("campaign"), 10, 64)
		if err != nil {
			return notFoundOr(store.ErrNotFound)
		}
		// A prompt that names no language is shown in the main language:
		// its default labels are in it.
		main := a.catalog.Locale(a.mainLang(r.Context()))
		f = promptToForm(&revenue.Prompt{CampaignID: cid, Placement: revenue.EndOfArticle, Amounts: []int64{2, 5, 10},
			Frequency: revenue.Monthly, Audience: revenue.NonSupporters, Cap: revenue.EveryPage,
			Variants: []revenue.Variant{{Slot: 0, Button: main.T("Support us"), Snooze: main.T("Remind me later"), Weight: 1}}})
		f.Paragraph = "3"
	} else {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		p, err := a.db.Prompt(r.Context(), id)
		if err != nil {
			return notFoundOr(err)
		}
		f = promptToForm(p)
	}
	d, err := a.promptEditData(r, f)
	if err != nil {
		return err
	}
	if f.ID != 0 {
		d.Title = "Prompt: " + f.Name
		if p, errs := a.formToPrompt(f); len(errs) == 0 {
			if d.Previews, err = a.previews(r, p); err != nil {
				return err
			}
		}
	}
	return a.renderRevenue(w, http.StatusOK, "prompt", d)
}

func readPromptForm(r *http.Request) promptFormData {
	f := promptFormData{Name: oneLine(r.PostFormValue("name")), Placement: r.PostFormValue("placement"),
		Paragraph: strings.TrimSpace(r.PostFormValue("paragraph")), Amounts: strings.TrimSpace(r.PostFormValue("amounts")),
		Frequency: r.PostFormValue("frequency"), Audience: r.PostFormValue("audience"), ThankYou: oneLine(r.PostFormValue("thank_you")),
		MinRead: strings.TrimSpace(r.PostFormValue("min_read")), Sections: r.PostForm["sections"], Languages: r.PostForm["languages"],
		Cap: r.PostFormValue("cap"), Priority: strings.TrimSpace(r.PostFormValue("priority")), ShowMeter: r.PostFormValue("show_meter") != "",
		SnoozeDays: strings.TrimSpace(r.PostFormValue("snooze_days"))}
	f.CampaignID, _ = strconv.ParseInt(r.PostFormValue("campaign"), 10, 64)
	for i := range f.Variants {
		p := fmt.Sprintf("v%d_", i)
		f.Variants[i] = variantFormData{Slot: i, Title: oneLine(r.PostFormValue(p + "title")),
			Body:   strings.TrimSpace(strings.ReplaceAll(r.PostFormValue(p+"body"), "\r\n", "\n")),
			Button: oneLine(r.PostFormValue(p + "button")), Snooze: oneLine(r.PostFormValue(p + "snooze")),
			Weight: strings.TrimSpace(r.PostFormValue(p + "weight"))}
	}
	return f
}

// formToPrompt checks the typed prompt and renders its copy's Markdown
// through the article sanitizer.
func (a *Admin) formToPrompt(f promptFormData) (*revenue.Prompt, map[string]string) {
	errs := map[string]string{}
	num := func(field, s, msg string) int {
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			errs[field] = msg
		}
		return n
	}
	p := &revenue.Prompt{ID: f.ID, CampaignID: f.CampaignID, Name: f.Name, Placement: revenue.Placement(f.Placement),
		Frequency: revenue.Frequency(f.Frequency), Audience: revenue.Audience(f.Audience), ThankYou: f.ThankYou,
		Cap: revenue.Cap(f.Cap), ShowMeter: f.ShowMeter, Sections: f.Sections, Languages: f.Languages}
	p.Paragraph = num("paragraph", f.Paragraph, "Give the paragraph as a number.")
	p.MinRead = num("min_read", f.MinRead, "Give the articles read as a number.")
	p.Priority = num("priority", f.Priority, "Give the priority as a number.")
	p.SnoozeDays = num("snooze_days", f.SnoozeDays, "Give the days \"Remind me later\" lasts as a number.")
	amounts, err := revenue.ParseAmounts(f.Amounts)
	if err != nil {
		errs["amounts"] = "Suggested amounts are whole numbers separated by commas, e.g. 5, 10, 20: " + err.Error() + "."
	}
	p.Amounts = amounts
	for _, l := range p.Languages {
		if !content.ValidLanguage(l) {
			errs["languages"] = "Choose languages from the list."
		}
	}
	for i, v := range f.Variants {
		w := num(fmt.Sprintf("v%d_weight", i), v.Weight, "Give the weight as a number from 0 to 100.")
		if v.Title == "" && v.Body == "" && v.Button == "" && w == 0 {
			continue
		}
		html, _, err := a.rev.renderer.Render(v.Body)
		if err != nil {
			errs[fmt.Sprintf("v%d_body", i)] = "The body could not be read as Markdown."
		}
		p.Variants = append(p.Variants, revenue.Variant{Slot: i, Title: v.Title, Body: v.Body, BodyHTML: html,
			Button: v.Button, Snooze: v.Snooze, Weight: w})
	}
	for k, v := range p.Validate() {
		if _, ok := errs[k]; !ok {
			errs[k] = v
		}
	}
	return p, errs
}

// savePrompt previews (action=preview) or stores the prompt; a refused
// form keeps everything typed.
func (a *Admin) savePrompt(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f := readPromptForm(r)
	if r.PathValue("id") != "" {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		old, err := a.db.Prompt(ctx, id)
		if err != nil {
			return notFoundOr(err)
		}
		f.ID, f.CampaignID = id, old.CampaignID
	}
	p, errs := a.formToPrompt(f)
	d, err := a.promptEditData(r, f)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		d.Errors = errs
		return a.renderRevenue(w, http.StatusUnprocessableEntity, "prompt", d)
	}
	if r.PostFormValue("action") == "preview" {
		if d.Previews, err = a.previews(r, p); err != nil {
			return err
		}
		d.Flash = a.loc(r).T("Preview below; nothing is saved yet.")
		return a.renderRevenue(w, http.StatusOK, "prompt", d)
	}
	if err := a.db.SavePrompt(ctx, p); err != nil {
		return err
	}
	a.revenueChanged(ctx)
	http.Redirect(w, r, fmt.Sprintf("/admin/revenue/prompts/%d?done=Prompt+saved", p.ID), http.StatusSeeOther)
	return nil
}

func (a *Admin) deletePrompt(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := a.db.Prompt(r.Context(), id)
	if err != nil {
		return notFoundOr(err)
	}
	if err := a.db.DeletePrompt(r.Context(), id); err != nil {
		return notFoundOr(err)
	}
	a.revenueChanged(r.Context())
	http.Redirect(w, r, fmt.Sprintf("/admin/revenue/campaigns/%d?done=Prompt+deleted", p.CampaignID), http.StatusSeeOther)
	return nil
}

// previews shows each variant in use on the newest article (or a stand-in
// when there is none), where its placement puts it.
func (a *Admin) previews(r *http.Request, p *revenue.Prompt) ([]promptPreview, error) {
	ctx := r.Context()
	headline := "A sample article"
	body := "<p>The first paragraph of an article.</p>\n<p>The second paragraph.</p>\n<p>The third paragraph.</p>\n<p>The fourth paragraph.</p>"
	if list, err := a.db.ListArticles(ctx, store.ListQuery{Limit: 1, Full: true}); err == nil && len(list) > 0 {
		headline, body = list[0].Headline, list[0].BodyHTML
	}
	var meter *revenue.Meter
	if g, err := a.rev.Goal(ctx); err == nil {
		g.Now = a.now
		if m, err := g.Meter(ctx); err == nil {
			meter = &m
		}
	}
	var out []promptPreview
	for i := range p.Variants {
		v := &p.Variants[i]
		if v.Weight == 0 {
			continue
		}
		html, err := a.rev.Preview(p, v, meter)
		if err != nil {
			return nil, err
		}
		pv := promptPreview{Label: a.loc(r).T("Variant %s (weight %d)", string(rune('A'+v.Slot)), v.Weight), Headline: headline, Prompt: html}
		switch p.Placement {
		case revenue.TopBanner:
			pv.Top, pv.After = true, template.HTML(body) // sanitized at save
		case revenue.EndOfArticle:
			pv.Before = template.HTML(body)
		case revenue.Inline:
			at := 0
			for range p.Paragraph {
				j := strings.Index(body[at:], "</p>")
				if j < 0 {
					at = len(body)
					break
				}
				at += j + 4
			}
			pv.Before, pv.After = template.HTML(body[:at]), template.HTML(body[at:])
		}
		out = append(out, pv)
	}
	return out, nil
}
