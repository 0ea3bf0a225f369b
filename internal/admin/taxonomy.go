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
func checkName(errs map[string]string, field, label, v string, max int) {
	switch {
	case !utf8.ValidString(v):
		errs[field] = label + " is not valid text."
	case v == "":
		errs[field] = label + " is required."
	case utf8.RuneCountInString(v) > max:
		errs[field] = fmt.Sprintf("%s is too long (%d characters, at most %d).", label, utf8.RuneCountInString(v), max)
	}
}

// taxonomyFailed turns what the store or content validation refused into
// messages next to the fields, without replacing a message already there.
// what names the thing for a slug conflict ("section", "byline"). It
// reports whether err was such a refusal.
func taxonomyFailed(errs map[string]string, err error, what string) bool {
	if fe, ok := errors.AsType[content.FieldErrors](err); ok {
		labels := map[string]string{"name": "Name", "slug": "Slug", "bio": "Biography"}
		for field, msg := range fe {
			if _, set := errs[field]; set {
				continue
			}
			label := labels[field]
			if label == "" {
				label = field
			}
			if strings.HasPrefix(msg, "is ") || strings.HasPrefix(msg, "must ") || strings.HasPrefix(msg, "can ") ||
				strings.HasPrefix(msg, "needs ") {
				errs[field] = label + " " + msg + "."
			} else {
				errs[field] = label + ": " + msg + "."
			}
		}
		return true
	}
	if errors.Is(err, store.ErrConflict) {
		errs["slug"] = fmt.Sprintf("Another %s already has this slug. Choose another.", what)
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

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// Sections.

// sectionForm is a section form as typed.
type sectionForm struct {
	ID                int64 // 0 for the new-section form
	Name, Slug, Order string
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
	d := &sectionsData{page: a.newPage(r, "Sections")}
	if errs != nil {
		d.Errors = errs
	}
	for _, s := range secs {
		n, err := a.db.SectionArticleCount(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		row := sectionRow{Section: s, Articles: n, Form: sectionForm{ID: s.ID, Name: s.Name, Slug: s.Slug, Order: strconv.Itoa(s.Order)}}
		if failed != nil && failed.ID == s.ID {
			row.Form, row.Failed = *failed, true
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
func readSectionForm(r *http.Request, id int64, errs map[string]string) (sectionForm, content.Section) {
	f := sectionForm{ID: id, Name: oneLine(r.PostFormValue("name")), Order: strings.TrimSpace(r.PostFormValue("order"))}
	f.Slug = slugOrName(r.PostFormValue("slug"), f.Name)
	sec := content.Section{ID: id, Name: f.Name, Slug: f.Slug}
	checkName(errs, "name", "Name", f.Name, maxTaxonomyName)
	if f.Order != "" {
		n, err := strconv.Atoi(f.Order)
		if err != nil || n < -maxSectionOrder || n > maxSectionOrder {
			errs["order"] = fmt.Sprintf("Order must be a whole number between %d and %d, such as 10.", -maxSectionOrder, maxSectionOrder)
		}
		sec.Order = n
	}
	taxonomyFailed(errs, content.ValidateSection(&sec), "section")
	return f, sec
}

func (a *Admin) createSection(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	errs := map[string]string{}
	f, sec := readSectionForm(r, 0, errs)
	if len(errs) == 0 {
		err := a.db.CreateSection(ctx, &sec)
		if err == nil {
			a.siteChanged(ctx) // fronts list and sitemaps name the sections
			http.Redirect(w, r, "/admin/sections?done=Saved", http.StatusSeeOther)
			return nil
		}
		if !taxonomyFailed(errs, err, "section") {
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
	f, sec := readSectionForm(r, id, errs)
	if len(errs) == 0 {
		err := a.db.UpdateSection(ctx, sec)
		if errors.Is(err, store.ErrNotFound) {
			return httpx.NotFound()
		}
		if err == nil {
			a.siteChanged(ctx)
			http.Redirect(w, r, "/admin/sections?done=Saved", http.StatusSeeOther)
			return nil
		}
		if !taxonomyFailed(errs, err, "section") {
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
		articles := plural(n, "article", "articles")
		d.Errors["form"] = fmt.Sprintf("The section “%s” still has %s, so it was not deleted: move its %s first (choose another section for each of them in the editor).",
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
	Tag    store.TagCount
	Name   string // what the rename form shows
	Failed bool
}

type tagsData struct {
	page
	Tags []tagRow
}

func (a *Admin) tagsPage(r *http.Request, failedID int64, typed string, errs map[string]string) (*tagsData, error) {
	tags, err := a.db.TagsWithCounts(r.Context())
	if err != nil {
		return nil, err
	}
	d := &tagsData{page: a.newPage(r, "Tags")}
	if errs != nil {
		d.Errors = errs
	}
	for _, t := range tags {
		row := tagRow{Tag: t, Name: t.Name}
		if t.ID == failedID {
			row.Name, row.Failed = typed, true
		}
		d.Tags = append(d.Tags, row)
	}
	if failedID != 0 && !slices.ContainsFunc(d.Tags, func(t tagRow) bool { return t.Failed }) {
		return nil, httpx.NotFound()
	}
	return d, nil
}

func (a *Admin) listTags(w http.ResponseWriter, r *http.Request) error {
	d, err := a.tagsPage(r, 0, "", nil)
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
	name := oneLine(r.PostFormValue("name"))
	errs := map[string]string{}
	checkName(errs, "name", "Name", name, maxTagName)
	if len(errs) == 0 {
		err := a.db.UpdateTag(ctx, id, name)
		if errors.Is(err, store.ErrNotFound) {
			return httpx.NotFound()
		}
		if errors.Is(err, store.ErrConflict) {
			errs["name"] = fmt.Sprintf("Another tag already has the address /tag/%s/. Choose another name.", content.Slugify(name))
		} else if err == nil {
			a.siteChanged(ctx)
			http.Redirect(w, r, "/admin/tags?done=Saved", http.StatusSeeOther)
			return nil
		} else if !taxonomyFailed(errs, err, "tag") {
			return err
		}
	}
	d, err := a.tagsPage(r, id, name, errs)
	if err != nil {
		return err
	}
	return a.render(w, http.StatusUnprocessableEntity, "tags", d)
}

// Authors: the bylines articles carry, separate from newsroom accounts.

type authorForm struct {
	ID              int64 // 0 for the new-byline form
	Name, Slug, Bio string
}

type authorRow struct {
	content.Author
	Form   authorForm
	Failed bool
}

type authorsData struct {
	page
	Authors   []authorRow
	New       authorForm
	NewFailed bool
}

func (a *Admin) authorsPage(r *http.Request, failed *authorForm, errs map[string]string) (*authorsData, error) {
	authors, err := a.db.Authors(r.Context())
	if err != nil {
		return nil, err
	}
	d := &authorsData{page: a.newPage(r, "Authors")}
	if errs != nil {
		d.Errors = errs
	}
	for _, au := range authors {
		row := authorRow{Author: au, Form: authorForm{ID: au.ID, Name: au.Name, Slug: au.Slug, Bio: au.Bio}}
		if failed != nil && failed.ID == au.ID {
			row.Form, row.Failed = *failed, true
		}
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

func readAuthorForm(r *http.Request, id int64, errs map[string]string) (authorForm, content.Author) {
	f := authorForm{ID: id, Name: oneLine(r.PostFormValue("name")),
		Bio: strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("bio"), "\r\n", "\n"))}
	f.Slug = slugOrName(r.PostFormValue("slug"), f.Name)
	checkName(errs, "name", "Name", f.Name, maxTaxonomyName)
	switch {
	case !utf8.ValidString(f.Bio):
		errs["bio"] = "Biography is not valid text."
	case utf8.RuneCountInString(f.Bio) > maxAuthorBio:
		errs["bio"] = fmt.Sprintf("Biography is too long (%d characters, at most %d).", utf8.RuneCountInString(f.Bio), maxAuthorBio)
	}
	au := content.Author{ID: id, Name: f.Name, Slug: f.Slug, Bio: f.Bio}
	taxonomyFailed(errs, content.ValidateAuthor(&au), "byline")
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
	f, au := readAuthorForm(r, 0, errs)
	if len(errs) == 0 {
		// A new byline is on no page yet: the site's cache stays.
		err := a.db.CreateAuthor(r.Context(), &au)
		if err == nil {
			http.Redirect(w, r, "/admin/authors?done=Saved", http.StatusSeeOther)
			return nil
		}
		if !taxonomyFailed(errs, err, "byline") {
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
	f, au := readAuthorForm(r, id, errs)
	if len(errs) == 0 {
		err := a.db.UpdateAuthor(ctx, au)
		if errors.Is(err, store.ErrNotFound) {
			return httpx.NotFound()
		}
		if err == nil {
			a.siteChanged(ctx)
			http.Redirect(w, r, "/admin/authors?done=Saved", http.StatusSeeOther)
			return nil
		}
		if !taxonomyFailed(errs, err, "byline") {
			return err
		}
	}
	return a.authorsRefused(w, r, f, errs)
}
