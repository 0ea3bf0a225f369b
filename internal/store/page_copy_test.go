package store_test

import (
	"context"
	"testing"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

// fillPageTables puts rows in the pages, page_revisions and redirects
// tables of the copy test's site: a page and its translation, one of them
// saved twice, and a redirect of each source.
func fillPageTables(t *testing.T, st *store.Store, editorID int64) {
	t.Helper()
	ctx := context.Background()
	about := &content.Page{Slug: "about", Lang: "en", Title: "About us", Body: "We are **independent**.",
		Status: content.StatusPublished, MenuOrder: 1, EditedBy: editorID}
	if err := st.CreatePage(ctx, about); err != nil {
		t.Fatalf("CreatePage: %v", err)
	}
	about.Body += "\n\nSince 2019."
	if err := st.UpdatePage(ctx, about); err != nil {
		t.Fatalf("UpdatePage: %v", err)
	}
	ru := &content.Page{Slug: "o-nas", Lang: "ru", Title: "О нас", Body: "Мы независимы.",
		Status: content.StatusPublished, MenuOrder: 1, TranslationOf: about.ID}
	if err := st.CreatePage(ctx, ru); err != nil {
		t.Fatalf("CreatePage: %v", err)
	}
	for _, r := range [][3]string{{"/?p=12", "/about/", "wordpress"}, {"/old-about/", "/about/", "ghost"}, {"/donate", "/support", "admin"}} {
		if err := st.PutRedirect(ctx, r[0], r[1], r[2]); err != nil {
			t.Fatalf("PutRedirect: %v", err)
		}
	}
}

// comparePages has a copy's pages, their revisions and the redirects read
// back the same on both sides.
func comparePages(t *testing.T, compare func(what string, get func(*store.Store) (any, error))) {
	t.Helper()
	ctx := context.Background()
	compare("pages", func(s *store.Store) (any, error) {
		ps, err := s.Pages(ctx)
		if err == nil && len(ps) != 2 {
			t.Errorf("%d pages, want 2", len(ps))
		}
		return ps, err
	})
	compare("page revisions", func(s *store.Store) (any, error) {
		p, err := s.PageBySlug(ctx, "en", "about")
		if err != nil {
			return nil, err
		}
		revs, err := s.PageRevisions(ctx, p.ID)
		if err == nil && len(revs) != 2 {
			t.Errorf("%d revisions of the About page, want 2", len(revs))
		}
		return revs, err
	})
	compare("redirects", func(s *store.Store) (any, error) {
		rs, err := s.Redirects(ctx)
		if err == nil && len(rs) != 3 {
			t.Errorf("%d redirects, want 3", len(rs))
		}
		return rs, err
	})
}
