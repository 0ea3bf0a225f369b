package storetest

import (
	"errors"
	"testing"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

// accept invites email with role and accepts the invitation as name.
func (f *fixture) accept(t *testing.T, email, name string, role account.Role) account.User {
	t.Helper()
	token := "invite-" + email
	if err := f.st.CreateInvite(f.ctx, account.Invite{TokenHash: token, Email: email, Role: role,
		CreatedAt: base, ExpiresAt: base.Add(account.InviteLifetime)}); err != nil {
		t.Fatalf("CreateInvite(%s): %v", email, err)
	}
	u, err := f.st.AcceptInvite(f.ctx, token, name, "$argon2id$x")
	if err != nil {
		t.Fatalf("AcceptInvite(%s): %v", email, err)
	}
	return u
}

// testAuthorProfiles: an account that writes gets a byline linked to it
// when it accepts its invitation; profiles link and unlink, keep their
// photo and links; tags keep a description.
func testAuthorProfiles(t *testing.T, f *fixture) {
	f.author(t, "mara-lind", "Mara Lind") // a byline of the same name already exists
	t.Run("InviteCreatesLinkedAuthor", func(t *testing.T) {
		for _, tc := range []struct {
			email, name string
			role        account.Role
			wantSlug    string // "" for no profile
			wantName    string
		}{
			{"editor@example.org", "Mara Lind", account.RoleEditor, "mara-lind-2", "Mara Lind"},
			{"writer@example.org", "Иван Петров", account.RoleAuthor, "ivan-petrov", "Иван Петров"},
			{"chief@example.org", "", account.RoleAdmin, "chief", "chief"},
			{"money@example.org", "Rita Revenue", account.RoleRevenue, "", ""},
		} {
			u := f.accept(t, tc.email, tc.name, tc.role)
			got, err := f.st.AuthorByUser(f.ctx, u.ID)
			if tc.wantSlug == "" {
				wantErr(t, "AuthorByUser("+tc.email+")", err, store.ErrNotFound)
				continue
			}
			if err != nil {
				t.Errorf("AuthorByUser(%s): %v", tc.email, err)
				continue
			}
			if got.Slug != tc.wantSlug || got.Name != tc.wantName || got.UserID != u.ID {
				t.Errorf("%s: profile %+v, want slug %s, name %s, user %d", tc.email, got, tc.wantSlug, tc.wantName, u.ID)
			}
			all, err := f.st.Authors(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, a := range all {
				found = found || a == got
			}
			if !found {
				t.Errorf("%s: profile %+v not among the bylines %v", tc.email, got, authorSlugs(all))
			}
		}
	})
	t.Run("LinkUnlink", func(t *testing.T) {
		mara, err := f.st.AuthorBySlug(f.ctx, "mara-lind")
		if err != nil {
			t.Fatal(err)
		}
		u, err := f.st.UserByEmail(f.ctx, "money@example.org")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.st.LinkAuthor(f.ctx, mara.ID, u.ID); err != nil {
			t.Fatalf("LinkAuthor: %v", err)
		}
		if got, err := f.st.AuthorByUser(f.ctx, u.ID); err != nil || got.ID != mara.ID {
			t.Errorf("AuthorByUser after linking: %+v, %v; want %s", got, err, mara.Slug)
		}
		editor, err := f.st.UserByEmail(f.ctx, "editor@example.org")
		if err != nil {
			t.Fatal(err)
		}
		wantErr(t, "LinkAuthor to an account with a profile", f.st.LinkAuthor(f.ctx, mara.ID, editor.ID), store.ErrConflict)
		wantErr(t, "LinkAuthor to no account", f.st.LinkAuthor(f.ctx, mara.ID, 999999), store.ErrNotFound)
		wantErr(t, "LinkAuthor of no author", f.st.LinkAuthor(f.ctx, 999999, u.ID), store.ErrNotFound)
		if err := f.st.LinkAuthor(f.ctx, mara.ID, 0); err != nil {
			t.Fatalf("unlink: %v", err)
		}
		wantErr(t, "AuthorByUser after unlinking", func() error { _, err := f.st.AuthorByUser(f.ctx, u.ID); return err }(), store.ErrNotFound)
	})
	t.Run("Profile", func(t *testing.T) {
		mara, err := f.st.AuthorBySlug(f.ctx, "mara-lind")
		if err != nil {
			t.Fatal(err)
		}
		mara.Bio, mara.PhotoKey, mara.Links = "Covers the coast.", "mara-1a2b3c4d", "https://example.org/mara\nmailto:mara@example.org"
		if err := f.st.UpdateAuthorProfile(f.ctx, mara); err != nil {
			t.Fatalf("UpdateAuthorProfile: %v", err)
		}
		got, err := f.st.AuthorBySlug(f.ctx, "mara-lind")
		if err != nil || got != mara {
			t.Errorf("AuthorBySlug after the save: %+v, %v; want %+v", got, err, mara)
		}
		bad := mara
		bad.Links = "https://example.org/ok\njavascript:alert(1)"
		err = f.st.UpdateAuthorProfile(f.ctx, bad)
		wantErr(t, "UpdateAuthorProfile with a javascript: link", err, content.ErrInvalid)
		if le, ok := errors.AsType[*content.LinkError](err); !ok || le.Line != 2 {
			t.Errorf("UpdateAuthorProfile with a javascript: link: %v, want a LinkError on line 2", err)
		}
		nameless := mara
		nameless.Name = " "
		wantErr(t, "UpdateAuthorProfile without a name", f.st.UpdateAuthorProfile(f.ctx, nameless), content.ErrInvalid)
		wantErr(t, "UpdateAuthorProfile of no author", f.st.UpdateAuthorProfile(f.ctx, content.Author{ID: 999999, Name: "X"}), store.ErrNotFound)
	})
	t.Run("TagDescription", func(t *testing.T) {
		f.create(t, spec{slug: "tagged", section: f.section(t, "news", "News", 0), tags: []string{"Harbour"}})
		tag, err := f.st.TagBySlug(f.ctx, "harbour")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.st.SetTagDescription(f.ctx, tag.ID, "Boats, fish and the people who work there."); err != nil {
			t.Fatalf("SetTagDescription: %v", err)
		}
		got, err := f.st.TagBySlug(f.ctx, "harbour")
		if err != nil || got.Description != "Boats, fish and the people who work there." {
			t.Errorf("TagBySlug after SetTagDescription: %+v, %v", got, err)
		}
		wantErr(t, "SetTagDescription of no tag", f.st.SetTagDescription(f.ctx, 999999, "x"), store.ErrNotFound)
	})
}
