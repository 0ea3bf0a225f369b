package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/store/pgtest"
)

// fillPromptTables puts a row in each of reader revenue I's tables, for
// the copy tests.
func fillPromptTables(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	month := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if err := st.AddManualEntry(ctx, &revenue.ManualEntry{Month: month, Amount: 50000, Currency: "EUR", Note: "Grant «Свобода»"}); err != nil {
		t.Fatal(err)
	}
	c := revenue.Campaign{Name: "Winter", Starts: month}
	if err := st.SaveCampaign(ctx, &c); err != nil {
		t.Fatal(err)
	}
	p := samplePrompt(c.ID)
	if err := st.SavePrompt(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := st.AddPromptCounts(ctx, []revenue.Count{{Day: "2026-11-02", Variant: p.Variants[0].ID, Impressions: 3, Clicks: 1}}); err != nil {
		t.Fatal(err)
	}
}

func samplePrompt(campaign int64) *revenue.Prompt {
	return &revenue.Prompt{CampaignID: campaign, Name: "Appeal", Placement: revenue.EndOfArticle, Amounts: []int64{2, 5, 10},
		Frequency: revenue.Monthly, Audience: revenue.NonSupporters, Cap: revenue.EveryPage, Sections: []string{"news"}, Languages: []string{"en"},
		Variants: []revenue.Variant{
			{Slot: 0, Title: "Help", Body: "*Body*", BodyHTML: "<p><em>Body</em></p>", Button: "Give", Snooze: "Later", Weight: 2},
			{Slot: 1, Title: "Help us", Body: "B", BodyHTML: "<p>B</p>", Button: "Support", Weight: 1},
		}}
}

func testPromptStore(t *testing.T, st *store.Store) {
	ctx := context.Background()
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	month := revenue.MonthStart(now)

	// Manual funding adds up per month and currency.
	for _, e := range []revenue.ManualEntry{
		{Month: month, Amount: 1000, Currency: "EUR"}, {Month: month, Amount: 250, Currency: "EUR"},
		{Month: month, Amount: 999, Currency: "USD"}, {Month: month.AddDate(0, -1, 0), Amount: 7, Currency: "EUR"},
	} {
		if err := st.AddManualEntry(ctx, &e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.ManualFunding().Funding(ctx, month, "EUR")
	if err != nil || got != 1250 {
		t.Errorf("manual funding = %d, %v; want 1250", got, err)
	}

	// An end before the start is refused by the database too.
	bad := revenue.Campaign{Name: "Backwards", Starts: now, Ends: now.Add(-time.Hour)}
	if err := st.SaveCampaign(ctx, &bad); err == nil {
		t.Error("campaign ending before it starts was stored")
	}
	running := revenue.Campaign{Name: "Now", Starts: now.Add(-time.Hour), Ends: now.Add(time.Hour)}
	past := revenue.Campaign{Name: "Past", Starts: now.Add(-48 * time.Hour), Ends: now.Add(-24 * time.Hour)}
	for _, c := range []*revenue.Campaign{&running, &past} {
		if err := st.SaveCampaign(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	p := samplePrompt(running.ID)
	if err := st.SavePrompt(ctx, p); err != nil {
		t.Fatal(err)
	}
	old := samplePrompt(past.ID)
	if err := st.SavePrompt(ctx, old); err != nil {
		t.Fatal(err)
	}
	firstID := p.Variants[0].ID
	p.Variants[0].Title = "Edited"
	if err := st.SavePrompt(ctx, p); err != nil {
		t.Fatal(err)
	}
	if p.Variants[0].ID != firstID {
		t.Errorf("variant ID changed on edit: %d -> %d", firstID, p.Variants[0].ID)
	}
	run, err := st.RunningPrompts(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(run) != 1 || run[0].ID != p.ID || len(run[0].Variants) != 2 || run[0].Variants[0].Title != "Edited" ||
		run[0].Sections[0] != "news" || run[0].Amounts[2] != 10 {
		t.Errorf("running prompts = %+v", run)
	}

	// Counters add up across flushes (as from several nodes).
	v := p.Variants[0].ID
	for range 3 {
		if err := st.AddPromptCounts(ctx, []revenue.Count{{Day: "2026-11-15", Variant: v, Impressions: 10, Clicks: 2, Snoozes: 1}}); err != nil {
			t.Fatal(err)
		}
	}
	counts, err := st.PromptCounts(ctx, month, month.AddDate(0, 1, 0))
	if err != nil || len(counts) != 1 || counts[0].Impressions != 30 || counts[0].Clicks != 6 || counts[0].Snoozes != 3 {
		t.Errorf("counts = %+v, %v", counts, err)
	}

	if err := st.DeleteCampaign(ctx, running.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Prompt(ctx, p.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("prompt of deleted campaign: %v", err)
	}
}

func TestPromptStoreSQLite(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir()+"/p.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	testPromptStore(t, st)
}

func TestPromptStorePostgres(t *testing.T) {
	st, err := store.Open(context.Background(), pgtest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	testPromptStore(t, st)
}
