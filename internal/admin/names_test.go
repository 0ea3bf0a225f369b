package admin

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
)

// TestNameFormsPerLanguage saves the names of a section, a tag and a byline
// in each language through their rows' forms.
func TestNameFormsPerLanguage(t *testing.T) {
	e := newTaxEnv(t)
	ed := e.signIn(account.RoleEditor)
	news := e.section("news", "News")
	e.article("One", news, "Elections")
	tag := e.tagID("elections")
	anna := content.Author{Name: "Anna Petrova", Slug: "anna"}
	if err := e.st.CreateAuthor(e.ctx, &anna); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		kind   content.NameKind
		id     int64
		page   string
		fields []string // besides the row's own
	}{
		{"section", content.NameSection, news.ID, "/admin/sections", []string{"name", "News", "slug", "news", "order", "0"}},
		{"tag", content.NameTag, tag, "/admin/tags", []string{"name", "Elections"}},
		{"author", content.NameAuthor, anna.ID, "/admin/authors", []string{"name", "Anna Petrova", "slug", "anna", "bio", ""}},
	}
	ruName := map[content.NameKind]string{content.NameSection: "Новости", content.NameTag: "Выборы", content.NameAuthor: "Анна Петрова"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := fmt.Sprintf("%s/%d", tt.page, tt.id)
			key := content.NameKey{Kind: tt.kind, ID: tt.id, Lang: "ru"}

			w := ed.post(target, append(tt.fields, "name_ru", "  "+ruName[tt.kind]+" ", "name_en", "")...)
			expectRedirect(t, w, tt.page+"?done=Saved")
			forms, err := e.st.NameForms(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := forms[key]; got != ruName[tt.kind] {
				t.Errorf("NameForms[%v] = %q, want %q", key, got, ruName[tt.kind])
			}
			if _, ok := forms[content.NameKey{Kind: tt.kind, ID: tt.id, Lang: "en"}]; ok {
				t.Errorf("an empty field stored a name form")
			}
			w = ed.get(tt.page)
			expectBody(t, w, "Name in Русский", `name="name_ru"`, `value="`+ruName[tt.kind]+`"`, "Name in English")

			// Too long: refused next to the field, what was typed kept, nothing stored.
			long := strings.Repeat("ы", 101)
			w = ed.post(target, append(tt.fields, "name_ru", long)...)
			expectStatus(t, w, http.StatusUnprocessableEntity)
			expectBody(t, w, "Name in Русский is too long (101 characters, at most 100).", `value="`+long+`"`, `aria-invalid="true"`)
			if forms, _ := e.st.NameForms(e.ctx); forms[key] != ruName[tt.kind] {
				t.Errorf("a refused form changed the name form to %q", forms[key])
			}

			// Emptied, the form is removed: the edition shows the name as entered.
			expectRedirect(t, ed.post(target, append(tt.fields, "name_ru", "")...), tt.page+"?done=Saved")
			if forms, _ := e.st.NameForms(e.ctx); forms[key] != "" {
				t.Errorf("an emptied field kept the name form %q", forms[key])
			}
			// A form without the fields (an older page) leaves names alone.
			if err := e.st.SetNameForm(e.ctx, key, ruName[tt.kind]); err != nil {
				t.Fatal(err)
			}
			expectRedirect(t, ed.post(target, tt.fields...), tt.page+"?done=Saved")
			if forms, _ := e.st.NameForms(e.ctx); forms[key] != ruName[tt.kind] {
				t.Errorf("a form without name fields removed the name form")
			}
		})
	}
}
