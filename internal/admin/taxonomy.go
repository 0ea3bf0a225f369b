package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/store"
)

// Limits on the taxonomy forms beyond what content validates.
const (
	maxTaxonomyName = 100
	maxAuthorBio    = 2000
	maxSectionOrder = 10000
)

// taxonomyRoutes manage sections, tags and authors (bylines, which are not
// accounts).
func (a *Admin) taxonomyRoutes() []Route {
	return []Route{
		{Pattern: "GET /admin/sections", Perm: account.ManageTaxonomy, handler: a.listSections},
		{Pattern: "POST /admin/sections", Perm: account.ManageTaxonomy, handler: a.createSection},
		{Pattern: "POST /admin/sections/{id}", Perm: account.ManageTaxonomy, handler: a.saveSection},
		{Pattern: "GET /admin/tags", Perm: account.ManageTaxonomy, handler: a.listTags},
		{Pattern: "POST /admin/tags/{id}", Perm: account.ManageTaxonomy, handler: a.saveTag},
		{Pattern: "GET /admin/authors", Perm: account.ManageTaxonomy, handler: a.listAuthors},
		{Pattern: "POST /admin/authors", Perm: account.ManageTaxonomy, handler: a.createAuthor},
		{Pattern: "POST /admin/authors/{id}", Perm: account.ManageTaxonomy, handler: a.saveAuthor},
	}
}

// siteChanged tells the public site that its cached pages may be stale.
//
// Section, tag and byline names and addresses appear on many cached pages
// (article pages, fronts, feeds, sitemaps), and the admin has no handle on
// the site or its page cache. OnSettings reloads the site's settings and
// purges the whole page cache, which is exactly what a taxonomy change
// needs; such changes are rare, so dropping every page is cheap enough.
func (a *Admin) siteChanged(ctx context.Context) {
	if a.onSettings != nil {
		a.onSettings(ctx)
	}
}

// pathID reads the {id} of the path; anything but a positive number is 404.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, httpx.NotFound()
	}
	return id, nil
}

// oneLine trims s and collapses its runs of white space, line breaks
// included, to single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// checkName records in errs what is wrong with a required short name.
func checkName(loc *i18n.Locale, errs map[string]string, field, label, v string, max int) {
	switch {
	case !utf8.ValidString(v):
		errs[field] = loc.T("%s is not valid text.", label)
	case v == "":
		errs[field] = loc.T("%s is required.", label)
	case utf8.RuneCountInString(v) > max:
		errs[field] = tooLong(loc, label, utf8.RuneCountInString(v), max)
	}
}

// tooLong says that a field is too long. The counts are written without
// digit grouping: people compare them with the field's limit, not read them
// as amounts.
func tooLong(loc *i18n.Locale, label string, n, max int) string {
	return loc.T("%s is too long (%s characters, at most %s).", label, strconv.Itoa(n), strconv.Itoa(max))
}

// taxonomyFailed turns what the store or content validation refused into
// messages next to the fields, without replacing a message already there.
// taken is the message for a slug another entry has. It reports whether err
// was such a refusal. Content validation's own words stay in English: that
// package speaks no language but the code's.
func taxonomyFailed(loc *i18n.Locale, errs map[string]string, err error, taken string) bool {
	if fe, ok := errors.AsType[content.FieldErrors](err); ok {
		labels := map[string]string{"name": loc.T("Name"), "slug": loc.T("Slug"), "bio": loc.T("Biography")}
		for field, msg := range fe {
			if _, set := errs[field]; set {
				continue
			}
			label := labels[field]
			if label == "" {
				label = field
			}
			errs[field] = fieldProblem(loc, label, msg)
		}
		return true
	}
	if errors.Is(err, store.ErrConflict) {
		errs["slug"] = taken
		return true
	}
	return false
}

// slugOrName is the slug as typed, or one made from the name when the
// field was left empty.
func slugOrName(slug, name string) string {
	if slug = strings.TrimSpace(slug); slug != "" {
		return slug
	}
	return content.Slugify(name)
}

// Names per language. A section, tag or byline is entered with one name;
// each edition may show another form of it (Новости for News). A field per
// language keeps the form simple: an empty one shows the name as entered.

// nameField is the name of an entry in one language, as stored or typed.
type nameField struct {
	Lang, Value string
}

// nameFields are the entry's name forms, one field per language.
func nameFields(forms content.NameForms, kind content.NameKind, id int64) []nameField {
	out := make([]nameField, len(i18n.Languages))
	for i, lang := range i18n.Languages {
		out[i] = nameField{Lang: lang, Value: forms[content.NameKey{Kind: kind, ID: id, Lang: lang}]}
	}
	return out
}

// nameFieldKey is the form field, and the error key, of the name in lang.
func nameFieldKey(lang string) string { return "name_" + lang }

// readNameFields reads the name forms a row sent, recording problems in
// errs. A form that sent no field for a language leaves that name alone.
func (a *Admin) readNameFields(r *http.Request, errs map[string]string) []nameField {
	loc := a.loc(r)
	var out []nameField
	for _, lang := range i18n.Languages {
		key := nameFieldKey(lang)
		if !r.PostForm.Has(key) {
			continue
		}
		v := oneLine(r.PostFormValue(key))
		label := loc.T("Name in %s", a.catalog.Locale(lang).Name())
		switch {
		case !utf8.ValidString(v):
			errs[key] = loc.T("%s is not valid text.", label)
		case utf8.RuneCountInString(v) > maxTaxonomyName:
			errs[key] = tooLong(loc, label, utf8.RuneCountInString(v), maxTaxonomyName)
		}
		out = append(out, nameField{Lang: lang, Value: v})
	}
	return out
}

// typedNames shows what was typed in place of the stored forms.
func typedNames(stored, typed []nameField) []nameField {
	out := slices.Clone(stored)
	for _, t := range typed {
		for i := range out {
			if out[i].Lang == t.Lang {
				out[i].Value = t.Value
			}
		}
	}
	return out
}

// saveNames stores the name forms typed for an entry; an empty one removes
// the form.
func (a *Admin) saveNames(ctx context.Context, kind content.NameKind, id int64, names []nameField) error {
	for _, n := range names {
		if err := a.db.SetNameForm(ctx, content.NameKey{Kind: kind, ID: id, Lang: n.Lang}, n.Value); err != nil {
			return fmt.Errorf("name of %s %d in %s: %w", kind, id, n.Lang, err)
		}
	}
	return nil
}

// Sections.

// sectionForm is a section form as typed.
type sectionForm struct {
	ID                int64 // 0 for the new-section form
	Name, Slug, Order string
	Description       string
	Names             []nameField // in each language; only for existing sections
}

type sectionRow struct {
	content.Section
	Articles int
	Form     sectionForm // what the row's form shows
	Failed   bool        // the row's form was submitted and refused: page.Errors are its
}

type sectionsData struct {
	page
	Sections  []sectionRow
	New       sectionForm
	NewFailed bool
}

// sectionsPage builds the sections page; failed, if not nil, is a refused
// form to show as typed with page.Errors next to its fields.
func (a *Admin) sectionsPage(r *http.Request, failed *sectionForm, errs map[string]string) (*sectionsData, error) {
	ctx := r.Context()
	secs, err := a.db.Sections(ctx)
	if err != nil {
		return nil, err
	}
	forms, err := a.db.NameForms(ctx)
	if err != nil {
		return nil, err
	}
	d := &sectionsData{page: a.newPage(r, a.loc(r).T("Sections"))}
	if errs != nil {
		d.Errors = errs
	}
	for _, s := range secs {
		n, err := a.db.SectionArticleCount(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		names := nameFields(forms, content.NameSection, s.ID)
		row := sectionRow{Section: s, Articles: n, Form: sectionForm{ID: s.ID, Name: s.Name, Slug: s.Slug, Order: strconv.Itoa(s.Order), Description: s.Description, Names: names}}
		if failed != nil && failed.ID == s.ID {
			row.Form, row.Failed = *failed, true
			row.Form.Names = typedNames(names, failed.Names)
		}
		d.Sections = append(d.Sections, row)
	}
	if failed != nil && failed.ID == 0 {
		d.New, d.NewFailed = *failed, true
	} else if failed != nil && !slices.ContainsFunc(d.Sections, func(s sectionRow) bool { return s.Failed }) {
		return nil, httpx.NotFound()
	}
	return d, nil
}

func (a *Admin) listSections(w http.ResponseWriter, r *http.Request) error {
	d, err := a.sectionsPage(r, nil, nil)
	if err != nil {
		return err
	}
	return a.render(w, http.StatusOK, "sections", d)
}

func (a *Admin) sectionsRefused(w http.ResponseWriter, r *http.Request, f sectionForm, errs map[string]string) error {
	d, err := a.sectionsPage(r, &f, errs)
	if err != nil {
		return err
	}
	return a.render(w, http.StatusUnprocessableEntity, "sections", d)
}

// readSectionForm reads a section form, recording in errs what content
// validation does not check.
func (a *Admin) readSectionForm(r *http.Request, loc *i18n.Locale, id int64, errs map[string]string) (sectionForm, content.Section) {
	f := sectionForm{ID: id, Name: oneLine(r.PostFormValue("name")), Order: strings.TrimSpace(r.PostFormValue("order")),
		Description: oneLine(r.PostFormValue("description"))}
	if id != 0 {
		f.Names = a.readNameFields(r, errs)
	}
	f.Slug = slugOrName(r.PostFormValue("slug"), f.Name)
	sec := content.Section{ID: id, Name: f.Name, Slug: f.Slug, Description: f.Description}
	checkName(loc, errs, "name", loc.T("Name"), f.Name, maxTaxonomyName)
	switch n := utf8.RuneCountInString(f.Description); {
	case !utf8.ValidString(f.Description):
		errs["description"] = loc.T("%s is not valid text.", loc.T("Description"))
	case n > maxSiteDescription:
		errs["description"] = tooLong(loc, loc.T("Description"), n, maxSiteDescription)
	}
	if f.Order != "" {
		n, err := strconv.Atoi(f.Order)
		if err != nil || n < -maxSectionOrder || n > maxSectionOrder {
			errs["order"] = loc.T("Order must be a whole number between %d and %d, such as 10.", -maxSectionOrder, maxSectionOrder)
		}
		sec.Order = n
	}
	taxonomyFailed(loc, errs, content.ValidateSection(&sec), loc.T("Another section already has this slug. Choose another."))
	return f, sec
}

func (a *Admin) createSection(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	errs := map[string]string{}
	f, sec := a.readSectionForm(r, a.loc(r), 0, errs)
	if len(errs) == 0 {
		err := a.db.CreateSection(ctx, &sec)
		if err == nil {
			a.siteChanged(ctx) // fronts list and sitemaps name the sections
			http.Redirect(w, r, "/admin/sections?done=Saved", http.StatusSeeOther)
			return nil
		}
		if !taxonomyFailed(a.loc(r), errs, err, a.loc(r).T("Another section already has this slug. Choose another.")) {
			return err
		}
	}
	return a.sectionsRefused(w, r, f, errs)
}

// saveSection updates a section, or deletes it when action=delete and no
// article is in it.
func (a *Admin) saveSection(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if r.PostFormValue("action") == "delete" {
		return a.deleteSection(w, r, id)
	}
	errs := map[string]string{}
	f, sec := a.readSectionForm(r, a.loc(r), id, errs)
	if len(errs) == 0 {
		err := a.db.UpdateSection(ctx, sec)
		if errors.Is(err, store.ErrNotFound) {
			return httpx.NotFound()
		}
		if err == nil {
			err = a.saveNames(ctx, content.NameSection, id, f.Names)
		}
		if err == nil {
			a.siteChanged(ctx)
			http.Redirect(w, r, "/admin/sections?done=Saved", http.StatusSeeOther)
			return nil
		}
		if !taxonomyFailed(a.loc(r), errs, err, a.loc(r).T("Another section already has this slug. Choose another.")) {
			return err
		}
	}
	return a.sectionsRefused(w, r, f, errs)
}

func (a *Admin) deleteSection(w http.ResponseWriter, r *http.Request, id int64) error {
	ctx := r.Context()
	err := a.db.DeleteSection(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return httpx.NotFound()
	}
	if errors.Is(err, store.ErrConflict) {
		n, err := a.db.SectionArticleCount(ctx, id)
		if err != nil {
			return err
		}
		d, err := a.sectionsPage(r, nil, nil)
		if err != nil {
			return err
		}
		name := ""
		for i := range d.Sections {
			if d.Sections[i].ID == id {
				d.Sections[i].Failed = true
				name = d.Sections[i].Name
			}
		}
		loc := a.loc(r)
		articles := loc.T("%d articles", n)
		d.Errors["form"] = loc.T("The section “%s” still has %s, so it was not deleted: move its %s first (choose another section for each of them in the editor).",
			name, articles, articles)
		return a.render(w, http.StatusUnprocessableEntity, "sections", d)
	}
	if err != nil {
		return err
	}
	a.siteChanged(ctx)
	http.Redirect(w, r, "/admin/sections?done=Deleted", http.StatusSeeOther)
	return nil
}

// Tags.

type tagRow struct {
	Tag         store.TagCount
	Name        string      // what the rename form shows
	Description string      // what its description field shows
	Names       []nameField // the name in each language
	Failed      bool
}

type tagsData struct {
	page
	Tags []tagRow
}

func (a *Admin) tagsPage(r *http.Request, failedID int64, typed, typedDesc string, typedForms []nameField, errs map[string]string) (*tagsData, error) {
	tags, err := a.db.TagsWithCounts(r.Context())
	if err != nil {
		return nil, err
	}
	forms, err := a.db.NameForms(r.Context())
	if err != nil {
		return nil, err
	}
	d := &tagsData{page: a.newPage(r, a.loc(r).T("Tags"))}
	if errs != nil {
		d.Errors = errs
	}
	for _, t := range tags {
		row := tagRow{Tag: t, Name: t.Name, Description: t.Description, Names: nameFields(forms, content.NameTag, t.ID)}
		if t.ID == failedID {
			row.Name, row.Description, row.Failed = typed, typedDesc, true
			row.Names = typedNames(row.Names, typedForms)
		}
		d.Tags = append(d.Tags, row)
	}
	if failedID != 0 && !slices.ContainsFunc(d.Tags, func(t tagRow) bool { return t.Failed }) {
		return nil, httpx.NotFound()
	}
	return d, nil
}

func (a *Admin) listTags(w http.ResponseWriter, r *http.Request) error {
	d, err := a.tagsPage(r, 0, "", "", nil, nil)
	if err != nil {
		return err
	}
	return a.render(w, http.StatusOK, "tags", d)
}

// saveTag renames a tag, or deletes it (taking it off every article) when
// action=delete. Writers add tags in the article editor.
func (a *Admin) saveTag(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if r.PostFormValue("action") == "delete" {
		err := a.db.DeleteTag(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return httpx.NotFound()
		}
		if err != nil {
			return err
		}
		a.siteChanged(ctx)
		http.Redirect(w, r, "/admin/tags?done=Deleted", http.StatusSeeOther)
		return nil
	}
	loc := a.loc(r)
	name := oneLine(r.PostFormValue("name"))
	errs := map[string]string{}
	checkName(loc, errs, "name", loc.T("Name"), name, maxTagName)
	names := a.readNameFields(r, errs)
	describe := r.PostForm.Has("description")
	desc := oneLine(r.PostFormValue("description"))
	switch n := utf8.RuneCountInString(desc); {
	case !utf8.ValidString(desc):
		errs["description"] = loc.T("%s is not valid text.", loc.T("Description"))
	case n > maxSiteDescription:
		errs["description"] = tooLong(loc, loc.T("Description"), n, maxSiteDescription)
	}
	if len(errs) == 0 {
		err := a.db.UpdateTag(ctx, id, name)
		if errors.Is(err, store.ErrNotFound) {
			return httpx.NotFound()
		}
		if err == nil {
			err = a.saveNames(ctx, content.NameTag, id, names)
		}
		if err == nil && describe {
			err = a.db.SetTagDescription(ctx, id, desc)
		}
		if errors.Is(err, store.ErrConflict) {
			errs["name"] = loc.T("Another tag already has the address /tag/%s/. Choose another name.", content.Slugify(name))
		} else if err == nil {
			a.siteChanged(ctx)
			http.Redirect(w, r, "/admin/tags?done=Saved", http.StatusSeeOther)
			return nil
		} else if !taxonomyFailed(loc, errs, err, loc.T("Another tag already has this slug. Choose another.")) {
			return err
		}
	}
	if !describe {
		t, err := a.tagByID(r, id)
		if err != nil {
			return err
		}
		desc = t.Description
	}
	d, err := a.tagsPage(r, id, name, desc, names, errs)
	if err != nil {
		return err
	}
	return a.render(w, http.StatusUnprocessableEntity, "tags", d)
}

// Authors: the bylines articles carry, separate from newsroom accounts.

type authorForm struct {
	ID              int64 // 0 for the new-byline form
	Name, Slug, Bio string
	Names           []nameField // in each language; only for existing bylines
	User            int64       // the account the profile is linked to; 0 for none
}

type authorRow struct {
	content.Author
	Form     authorForm
	Failed   bool
	Accounts []option // the account select, Form.User chosen
}

type authorsData struct {
	page
	Authors   []authorRow
	New       authorForm
	NewFailed bool
}

// accountOptions are the accounts a profile can be linked to, by address,
// after "no account"; the one chosen is selected.
func accountOptions(loc *i18n.Locale, users []account.User, chosen int64) []option {
	out := []option{{Value: "", Label: loc.T("No account"), Selected: chosen == 0}}
	for _, u := range users {
		label := u.Email
		if u.Name != "" {
			label = u.Name + " <" + u.Email + ">"
		}
		out = append(out, option{Value: strconv.FormatInt(u.ID, 10), Label: label, Selected: u.ID == chosen})
	}
	return out
}

func (a *Admin) authorsPage(r *http.Request, failed *authorForm, errs map[string]string) (*authorsData, error) {
	authors, err := a.db.Authors(r.Context())
	if err != nil {
		return nil, err
	}
	forms, err := a.db.NameForms(r.Context())
	if err != nil {
		return nil, err
	}
	users, err := a.db.Users(r.Context())
	if err != nil {
		return nil, err
	}
	d := &authorsData{page: a.newPage(r, a.loc(r).T("Authors"))}
	if errs != nil {
		d.Errors = errs
	}
	for _, au := range authors {
		names := nameFields(forms, content.NameAuthor, au.ID)
		row := authorRow{Author: au, Form: authorForm{ID: au.ID, Name: au.Name, Slug: au.Slug, Bio: au.Bio, Names: names, User: au.UserID}}
		if failed != nil && failed.ID == au.ID {
			row.Form, row.Failed = *failed, true
			row.Form.Names = typedNames(names, failed.Names)
		}
		row.Accounts = accountOptions(a.loc(r), users, row.Form.User)
		d.Authors = append(d.Authors, row)
	}
	if failed != nil && failed.ID == 0 {
		d.New, d.NewFailed = *failed, true
	} else if failed != nil && !slices.ContainsFunc(d.Authors, func(au authorRow) bool { return au.Failed }) {
		return nil, httpx.NotFound()
	}
	return d, nil
}

func (a *Admin) listAuthors(w http.ResponseWriter, r *http.Request) error {
	d, err := a.authorsPage(r, nil, nil)
	if err != nil {
		return err
	}
	return a.render(w, http.StatusOK, "authors", d)
}

func (a *Admin) readAuthorForm(r *http.Request, loc *i18n.Locale, id int64, errs map[string]string) (authorForm, content.Author) {
	f := authorForm{ID: id, Name: oneLine(r.PostFormValue("name")),
		Bio: strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("bio"), "\r\n", "\n"))}
	if id != 0 {
		f.Names = a.readNameFields(r, errs)
	}
	f.Slug = slugOrName(r.PostFormValue("slug"), f.Name)
	checkName(loc, errs, "name", loc.T("Name"), f.Name, maxTaxonomyName)
	if v := strings.TrimSpace(r.PostFormValue("user")); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err != nil || n <= 0 {
			errs["user"] = loc.T("Choose an account from the list.")
		} else {
			f.User = n
		}
	}
	switch {
	case !utf8.ValidString(f.Bio):
		errs["bio"] = loc.T("%s is not valid text.", loc.T("Biography"))
	case utf8.RuneCountInString(f.Bio) > maxAuthorBio:
		errs["bio"] = tooLong(loc, loc.T("Biography"), utf8.RuneCountInString(f.Bio), maxAuthorBio)
	}
	au := content.Author{ID: id, Name: f.Name, Slug: f.Slug, Bio: f.Bio}
	taxonomyFailed(loc, errs, content.ValidateAuthor(&au), loc.T("Another byline already has this slug. Choose another."))
	return f, au
}

func (a *Admin) authorsRefused(w http.ResponseWriter, r *http.Request, f authorForm, errs map[string]string) error {
	d, err := a.authorsPage(r, &f, errs)
	if err != nil {
		return err
	}
	return a.render(w, http.StatusUnprocessableEntity, "authors", d)
}

func (a *Admin) createAuthor(w http.ResponseWriter, r *http.Request) error {
	errs := map[string]string{}
	f, au := a.readAuthorForm(r, a.loc(r), 0, errs)
	if len(errs) == 0 {
		// A new byline is on no page yet: the site's cache stays.
		err := a.db.CreateAuthor(r.Context(), &au)
		if err == nil {
			http.Redirect(w, r, "/admin/authors?done=Saved", http.StatusSeeOther)
			return nil
		}
		if !taxonomyFailed(a.loc(r), errs, err, a.loc(r).T("Another byline already has this slug. Choose another.")) {
			return err
		}
	}
	return a.authorsRefused(w, r, f, errs)
}

func (a *Admin) saveAuthor(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return err
	}
	errs := map[string]string{}
	f, au := a.readAuthorForm(r, a.loc(r), id, errs)
	stored, err := a.db.AuthorByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return httpx.NotFound()
	}
	if err != nil {
		return err
	}
	if !r.PostForm.Has("user") {
		// A form without the account select leaves the link alone.
		f.User = stored.UserID
	}
	if len(errs) == 0 && f.User != stored.UserID {
		err := a.db.LinkAuthor(ctx, id, f.User)
		switch {
		case errors.Is(err, store.ErrConflict):
			errs["user"] = a.loc(r).T("That account already has another author profile: unlink it there first.")
		case errors.Is(err, store.ErrNotFound): // the account, or the byline, was deleted meanwhile
			errs["user"] = a.loc(r).T("Choose an account from the list.")
		case err != nil:
			return err
		}
	}
	if len(errs) == 0 {
		err := a.db.UpdateAuthor(ctx, au)
		if errors.Is(err, store.ErrNotFound) {
			return httpx.NotFound()
		}
		if err == nil {
			err = a.saveNames(ctx, content.NameAuthor, id, f.Names)
		}
		if err == nil {
			a.siteChanged(ctx)
			http.Redirect(w, r, "/admin/authors?done=Saved", http.StatusSeeOther)
			return nil
		}
		if !taxonomyFailed(a.loc(r), errs, err, a.loc(r).T("Another byline already has this slug. Choose another.")) {
			return err
		}
	}
	return a.authorsRefused(w, r, f, errs)
}

// tagByID is the stored tag with the ID; none is 404.
func (a *Admin) tagByID(r *http.Request, id int64) (store.TagCount, error) {
	tags, err := a.db.TagsWithCounts(r.Context())
	if err != nil {
		return store.TagCount{}, err
	}
	for _, t := range tags {
		if t.ID == id {
			return t, nil
		}
	}
	return store.TagCount{}, httpx.NotFound()
}
