package demo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/samizdat-press/samizdat/internal/revenue"
)

// RevenueStore is what the demo's funding goal and campaign need.
type RevenueStore interface {
	Setting(ctx context.Context, key, def string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
	Campaigns(ctx context.Context) ([]revenue.Campaign, error)
	SaveCampaign(ctx context.Context, c *revenue.Campaign) error
	SavePrompt(ctx context.Context, p *revenue.Prompt) error
	AddManualEntry(ctx context.Context, e *revenue.ManualEntry) error
}

// Markdown renders prompt copy as the admin does (sanitized).
type Markdown interface {
	Render(markdown string) (html, text string, err error)
}

// LoadRevenue gives a database without campaigns the demo's funding goal
// (10,000 EUR a month, shown as a percentage), a grant toward it, and a
// running campaign with a top banner and an end-of-article appeal. It
// reports whether it added them.
func LoadRevenue(ctx context.Context, st RevenueStore, md Markdown, now time.Time) (bool, error) {
	cs, err := st.Campaigns(ctx)
	if err != nil || len(cs) > 0 {
		return false, err
	}
	month := revenue.MonthStart(now)
	for _, kv := range [][2]string{
		{revenue.SettingGoalTarget, strconv.Itoa(10_000_00)},
		{revenue.SettingGoalCurrency, "EUR"},
		{revenue.SettingGoalMode, string(revenue.ShowPercent)},
		// So the demo's support page offers a way to give without a card
		// network; the key is the one the payments admin edits.
		{"bank.details", "Account holder: The Northern Ledger Foundation (demo)\nIBAN: LT00 0000 0000 0000 0000 (not a real account)\nBank: Demo Bank, Vilnius\nReference: the pledge reference shown after you choose an amount"},
	} {
		if err := st.SetSetting(ctx, kv[0], kv[1]); err != nil {
			return false, err
		}
	}
	if err := st.AddManualEntry(ctx, &revenue.ManualEntry{Month: month, Amount: 3_150_00, Currency: "EUR",
		Note: "Press-freedom foundation, quarterly grant (demo)"}); err != nil {
		return false, err
	}
	c := revenue.Campaign{Name: "Ad-free and reader-funded", Starts: month.AddDate(0, -1, 0)}
	if err := st.SaveCampaign(ctx, &c); err != nil {
		return false, err
	}
	variant := func(slot int, title, body, button, snooze string, weight int) (revenue.Variant, error) {
		html, _, err := md.Render(body)
		return revenue.Variant{Slot: slot, Title: title, Body: body, BodyHTML: html, Button: button, Snooze: snooze, Weight: weight}, err
	}
	type spec struct {
		p        revenue.Prompt
		variants [][4]string
	}
	specs := []spec{
		{revenue.Prompt{Name: "Top banner", Placement: revenue.TopBanner, Amounts: []int64{5, 10, 20}, Frequency: revenue.Monthly,
			Audience: revenue.NonSupporters, Cap: revenue.OnceADay, Priority: 10,
			ThankYou: "Thank you for supporting us: you keep this newsroom free of ads and owners."},
			[][4]string{
				{"Enjoying ad-free journalism?", "We turned the ads off. Running without them costs us **€10,000 a month**, and readers like you fill the gap.", "Support us", "Remind me later"},
				{"No ads. No trackers. No owner.", "Our reporting is paid for by readers, not advertisers. Can you chip in?", "Chip in", "Remind me later"},
			}},
		{revenue.Prompt{Name: "End-of-article appeal", Placement: revenue.EndOfArticle, Amounts: []int64{2, 5, 10}, Frequency: revenue.Monthly,
			Audience: revenue.NonSupporters, Cap: revenue.EveryPage, Priority: 10, ShowMeter: true},
			[][4]string{
				{"Help us fill the gap", "Running ad-free costs us €10,000 a month. If everyone who read this article gave a little, we would be covered for a year.\n\nSupport us monthly from just €2. It takes a minute, and you can cancel at any time.", "Support us monthly from €2", "Not ready to support today? Remind me later"},
			}},
		// The Russian edition's own prompts: a prompt that names no
		// language is shown in the main language only.
		{revenue.Prompt{Name: "Top banner (Russian)", Placement: revenue.TopBanner, Amounts: []int64{5, 10, 20}, Frequency: revenue.Monthly,
			Audience: revenue.NonSupporters, Cap: revenue.OnceADay, Priority: 10, Languages: []string{"ru"},
			ThankYou: "Спасибо, что поддерживаете нас: благодаря вам у редакции нет ни рекламы, ни хозяев."},
			[][4]string{
				{"Журналистика без рекламы", "Мы отказались от рекламы. Работа без неё стоит нам **10 000 € в месяц**, и этот разрыв закрывают читатели.", "Поддержать нас", "Напомнить позже"},
			}},
		{revenue.Prompt{Name: "End-of-article appeal (Russian)", Placement: revenue.EndOfArticle, Amounts: []int64{2, 5, 10}, Frequency: revenue.Monthly,
			Audience: revenue.NonSupporters, Cap: revenue.EveryPage, Priority: 10, ShowMeter: true, Languages: []string{"ru"}},
			[][4]string{
				{"Помогите закрыть разрыв", "Работа без рекламы стоит нам 10 000 € в месяц. Если бы каждый, кто прочитал эту статью, дал немного, нам хватило бы на год.\n\nПоддерживайте нас ежемесячно — от 2 €. Это займёт минуту, отменить можно в любой момент.", "Поддерживать от 2 € в месяц", "Не готовы сегодня? Напомнить позже"},
			}},
	}
	for _, s := range specs {
		p := s.p
		p.CampaignID = c.ID
		for i, v := range s.variants {
			vv, err := variant(i, v[0], v[1], v[2], v[3], 1)
			if err != nil {
				return false, err
			}
			p.Variants = append(p.Variants, vv)
		}
		if errs := p.Validate(); len(errs) > 0 {
			return false, fmt.Errorf("demo prompt %q: %v", p.Name, errs)
		}
		if err := st.SavePrompt(ctx, &p); err != nil {
			return false, err
		}
	}
	return true, nil
}
