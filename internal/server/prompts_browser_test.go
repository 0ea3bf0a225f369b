package server

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/testpeer"
)

// TestBrowserPromptJourney is the snooze journey in headless Chromium with
// JavaScript on: "Remind me later" hides the appeal without a reload, the
// appeal stays away for 7 days and comes back; a supporter never sees it.
func TestBrowserPromptJourney(t *testing.T) {
	testpeer.NeedChromium(t)
	ps := startPromptSite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	browserCtx := testpeer.Chromium(t, ctx)
	page := ps.base + ps.article.Path()
	present := func(ctx context.Context, sel string) bool {
		t.Helper()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector(`+"`"+sel+"`"+`) !== null`))
		if err != nil {
			t.Fatalf("query %s: %v", sel, err)
		}
		return ok
	}

	reader, cancelReader := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	defer cancelReader()
	err := chromedp.Do(reader,
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS(`.prompt-end .prompt-snooze button`)),
		// A mark that a reload would wipe out.
		chromedp.Evaluate[chromedp.Void](`window.stillHere = true`),
		chromedp.Click(chromedp.CSS(`.prompt-end .prompt-snooze button`)),
		chromedp.WaitNotVisible(chromedp.CSS(`.prompt-end`)),
	)
	if err != nil {
		t.Fatalf("snooze with JavaScript on: %v", err)
	}
	still, err := chromedp.Run(reader, chromedp.Evaluate[bool](`window.stillHere === true`))
	if err != nil || !still {
		t.Errorf("the page reloaded on Remind me later (%v)", err)
	}
	if loc, _ := chromedp.Run(reader, chromedp.Location()); loc != page {
		t.Errorf("after snoozing at %q, want %q", loc, page)
	}
	if err := chromedp.Do(reader, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`article.story`))); err != nil {
		t.Fatal(err)
	}
	if present(reader, ".prompt-end") {
		t.Fatal("the appeal is back on the next page view")
	}
	ps.clock.Advance(revenue.DefaultSnooze - time.Hour)
	if err := chromedp.Do(reader, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`article.story`))); err != nil {
		t.Fatal(err)
	}
	if present(reader, ".prompt-end") {
		t.Fatal("the appeal is back before 7 days")
	}
	ps.clock.Advance(2 * time.Hour)
	if err := chromedp.Do(reader, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`.prompt-end`))); err != nil {
		t.Fatalf("the appeal did not come back after 7 days: %v", err)
	}

	sup, cancelSup := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	defer cancelSup()
	mark := revenue.NewSupporterMarks(ps.srv.Keys).Value(ps.clock.Now().AddDate(1, 0, 0))
	err = chromedp.Do(sup,
		chromedp.Navigate(ps.base+"/robots.txt"), // a page without prompts, to set the cookie on
		chromedp.Evaluate[chromedp.Void](`document.cookie = "`+revenue.SupporterCookie+`=`+mark+`; path=/"`),
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS(`article.story`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if present(sup, ".prompt-end") || !present(sup, ".prompt-thanks") {
		t.Error("a supporter sees the appeal, or no thank-you line")
	}
}
