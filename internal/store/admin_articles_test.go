package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

func TestAdminArticles(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	now := time.Date(2024, 5, 14, 12, 0, 0, 0, time.UTC)
	clock := now
	st.SetClock(func() time.Time { return clock })
	svc := content.NewService(st, content.NewRenderer())

	news := content.Section{Slug: "news", Name: "News"}
	culture := content.Section{Slug: "culture", Name: "Culture", Order: 1}
	for _, s := range []*content.Section{&news, &culture} {
		if err := st.CreateSection(ctx, s); err != nil {
			t.Fatalf("CreateSection: %v", err)
		}
	}
	anna := content.Author{Slug: "anna", Name: "Anna"}
	if err := st.CreateAuthor(ctx, &anna); err != nil {
		t.Fatalf("CreateAuthor: %v", err)
	}
	var users []int64
	for _, email := range []string{"one@example.org", "two@example.org"} {
		u := account.User{Email: email, Role: account.RoleAuthor}
		if err := st.CreateUser(ctx, &u); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		users = append(users, u.ID)
	}

	// 60 articles, one second apart: every third published, every
	// fifth in Culture, even ones by Anna, the first 10 created by user two.
	for i := range 60 {
		clock = now.Add(time.Duration(i) * time.Second)
		a := &content.Article{Headline: fmt.Sprintf("Story %02d", i), Lang: "en", Status: content.StatusDraft,
			Section: news, CreatedBy: users[0]}
		if i%3 == 0 {
			a.Status, a.PublishedAt = content.StatusPublished, clock
		}
		if i%5 == 0 {
			a.Section = culture
		}
		if i%2 == 0 {
			a.Authors = []content.Author{anna}
		}
		if i < 10 {
			a.CreatedBy = users[1]
		}
		if i == 7 {
			a.Headline = `50% off_the "ferry"`
			a.Status = content.StatusScheduled
			a.PublishedAt = now.Add(time.Hour)
		}
		if err := svc.Create(ctx, a); err != nil {
			t.Fatalf("Create %d: %v", i, err)
		}
	}

	headlines := func(list []*content.Article) []string {
		var out []string
		for _, a := range list {
			out = append(out, a.Headline)
		}
		return out
	}
	tests := []struct {
		name  string
		q     store.AdminQuery
		total int
		first []string // the first headlines of the page
		count int      // length of the page
	}{
		{"all, newest first", store.AdminQuery{}, 60, []string{"Story 59", "Story 58"}, 50},
		{"second page", store.AdminQuery{Offset: 50}, 60, []string{"Story 09", "Story 08"}, 10},
		{"small pages", store.AdminQuery{Limit: 5, Offset: 5}, 60, []string{"Story 54"}, 5},
		{"published", store.AdminQuery{Status: content.StatusPublished}, 20, []string{"Story 57", "Story 54"}, 20},
		{"scheduled", store.AdminQuery{Status: content.StatusScheduled}, 1, []string{`50% off_the "ferry"`}, 1},
		{"section", store.AdminQuery{SectionID: culture.ID}, 12, []string{"Story 55", "Story 50"}, 12},
		{"byline", store.AdminQuery{AuthorID: anna.ID}, 30, []string{"Story 58", "Story 56"}, 30},
		{"created by", store.AdminQuery{CreatedBy: users[1]}, 10, []string{"Story 09"}, 10},
		{"headline words", store.AdminQuery{Q: "story 1"}, 10, []string{"Story 19", "Story 18"}, 10},
		{"case folded", store.AdminQuery{Q: "STORY 42"}, 1, []string{"Story 42"}, 1},
		{"percent is literal", store.AdminQuery{Q: "50%"}, 1, []string{`50% off_the "ferry"`}, 1},
		{"underscore is literal", store.AdminQuery{Q: "f_t"}, 1, []string{`50% off_the "ferry"`}, 1},
		{"wildcards match nothing else", store.AdminQuery{Q: "%"}, 1, nil, 1},
		// Published (i%3), Culture (i%5) and by Anna (even): 0 and 30.
		{"combined", store.AdminQuery{Status: content.StatusPublished, SectionID: culture.ID, AuthorID: anna.ID}, 2,
			[]string{"Story 30", "Story 00"}, 2},
		{"nothing", store.AdminQuery{Q: "absent"}, 0, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list, total, err := st.AdminArticles(ctx, tc.q)
			if err != nil {
				t.Fatalf("AdminArticles: %v", err)
			}
			got := headlines(list)
			if total != tc.total || len(list) != tc.count {
				t.Fatalf("got %d articles of %d, want %d of %d: %q", len(list), total, tc.count, tc.total, got)
			}
			if len(got) < len(tc.first) || !slices.Equal(got[:len(tc.first)], tc.first) {
				t.Errorf("got %q, want it to start with %q", got, tc.first)
			}
		})
	}

	list, _, err := st.AdminArticles(ctx, store.AdminQuery{AuthorID: anna.ID, Limit: 1})
	if err != nil {
		t.Fatalf("AdminArticles: %v", err)
	}
	if len(list) != 1 || len(list[0].Authors) != 1 || list[0].Authors[0].Name != "Anna" || list[0].Section.Name == "" {
		t.Errorf("got %+v, want bylines and section loaded", list[0])
	}
	if list[0].CreatedBy != users[0] {
		t.Errorf("CreatedBy: got %d, want %d", list[0].CreatedBy, users[0])
	}
}
