package admin

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/store"
)

// publishLayout is how an <input type=datetime-local> sent a time, which
// a form made before the date and time fields may still send (read in the
// newsroom's time zone).
const publishLayout = "2006-01-02T15:04"

// Limits on the editor form beyond what content validates.
const (
	maxArticleRequest = 25 << 20 // the whole form, photo included
	maxTags           = 30
	maxTagName        = 100
)

// previewRenderer renders page previews exactly as a save would.
var previewRenderer = content.NewRenderer()

// articleForm is the editor form as typed, kept whole so that nothing is
// lost when a save fails.
type articleForm struct {
	Headline, Dek, Slug, Body string
	Tags                      string // comma-separated names
	Lang                      string
	Status                    content.Status
	PublishDate, PublishClock string // dateLayout and clockLayout, in the newsroom's zone
	Section                   int64
	Authors                   []int64
	Alt, Credit, Caption      string
	Version                   int
	Upload                    string // sealed photo uploaded with an earlier, unsaved submission
	RemoveImage               bool
	Action                    string
	BodyImage                 bodyImageForm // an image uploaded for the body
}

func formFromArticle(art *content.Article, z *time.Location) articleForm {
	f := articleForm{
		Headline: art.Headline, Dek: art.Dek, Slug: art.Slug, Body: art.Body, Lang: art.Lang, Status: art.Status,
		Section: art.Section.ID, Alt: art.Image.Alt, Credit: art.Image.Credit, Caption: art.Image.Caption,
		Version: art.Version,
	}
	f.PublishDate, f.PublishClock = localFields(art.PublishedAt, z)
	names := make([]string, len(art.Tags))
	for i, t := range art.Tags {
		names[i] = t.Name
	}
	f.Tags = strings.Join(names, ", ")
	for _, au := range art.Authors {
		f.Authors = append(f.Authors, au.ID)
	}
	return f
}

// readArticleForm reads the submitted form. The request must be parsed.
func readArticleForm(r *http.Request) articleForm {
	v := func(name string) string { return strings.ReplaceAll(r.PostFormValue(name), "\r\n", "\n") }
	f := articleForm{
		Headline: v("headline"), Dek: v("dek"), Slug: strings.TrimSpace(v("slug")), Body: v("body"), Tags: v("tags"),
		Lang: v("lang"), Status: content.Status(v("status")),
		PublishDate: strings.TrimSpace(v("publish_date")), PublishClock: strings.TrimSpace(v("publish_time")),
		Section: int64Param(v("section")), Alt: v("image_alt"), Credit: v("image_credit"), Caption: v("image_caption"),
		Upload: v("image_upload"), RemoveImage: v("image_remove") != "", Action: v("action"),
		BodyImage: bodyImageForm{Alt: v("body_image_alt"), Credit: v("body_image_credit"), Caption: v("body_image_caption")},
	}
	if f.Status == "" {
		f.Status = content.StatusDraft
	}
	if at := strings.TrimSpace(v("publish_at")); at != "" && f.PublishDate == "" && f.PublishClock == "" {
		// The single field of an older form: "2024-05-14T09:30".
		f.PublishDate, f.PublishClock, _ = strings.Cut(at, "T")
		if len(f.PublishClock) > 5 {
			f.PublishClock = f.PublishClock[:5] // seconds, which no one types
		}
	}
	f.Version, _ = strconv.Atoi(v("version"))
	for _, s := range r.PostForm["authors"] {
		if id := int64Param(s); id > 0 && !slices.Contains(f.Authors, id) {
			f.Authors = append(f.Authors, id)
		}
	}
	return f
}

// slugLocked reports whether the article's address is fixed: once it has
// been published, links to it exist and must keep working.
func slugLocked(art *content.Article) bool {
	return art != nil && !art.PublishedAt.IsZero() &&
		(art.Status == content.StatusPublished || art.Status == content.StatusUnpublished)
}

// editData is the editor page.
type editData struct {
	page
	New        bool
	Article    *content.Article // as stored; nil for a new article
	Form       articleForm
	Action     string
	SlugLocked bool
	ReadOnly   bool
	Image      content.Image // the photo the article has or will have
	ImageURL   string
	Zone       string // the newsroom's time zone, which the form's times are in
	// ImageNotice says that readers get the photo as JPEG only, and why.
	ImageNotice string
	Sections    []option
	Authors     []option
	Statuses    []option
	Langs       []option
	Preview     template.HTML // sanitized by the content renderer
	ShowPreview bool
	// Words and Minutes count the body as typed.
	Words, Minutes int
	// PreviewDoc is the whole public page as readers will see it, for the
	// preview frames' srcdoc; empty without a site to render it.
	PreviewDoc  string
	Theirs      *content.Article // the version saved by someone else, on a conflict
	TheirEditor string
	CanCorrect  bool
	Correction  string
	// Translations are the article's linked versions in other languages;
	// TranslationRef the other article as typed in the link form.
	Translations   []content.Translation
	TranslationRef string
	// Autosave offers the writer's unsaved changes, newer than the saved
	// version, back; nil if there are none.
	Autosave *autosaveOffer
	// AutosaveURL is where the editor's script autosaves; empty: no autosave.
	AutosaveURL string

	sections []content.Section
	authors  []content.Author
	// webpFailed is why this request's upload has no WebP versions.
	webpFailed string
}

var languageNames = map[string]string{"en": "English", "ru": "Русский"}

func (a *Admin) editPage(r *http.Request, stored *content.Article, f articleForm) (*editData, error) {
	ctx := r.Context()
	u := sessionFrom(ctx).user
	sections, err := a.db.Sections(ctx)
	if err != nil {
		return nil, err
	}
	authors, err := a.db.Authors(ctx)
	if err != nil {
		return nil, err
	}
	loc := a.loc(r)
	d := &editData{page: a.newPage(r, loc.T("New article")), New: stored == nil, Article: stored, Form: f,
		Action: "/admin/articles/new", SlugLocked: slugLocked(stored), sections: sections, authors: authors,
		Zone: a.zone(ctx).String()}
	if stored != nil {
		d.Title = loc.T("Edit: %s", stored.Headline)
		d.Action = fmt.Sprintf("/admin/articles/%d", stored.ID)
		d.ReadOnly = !canEdit(u, stored)
		d.CanCorrect = u.Role.Can(account.PublishArticles) && slugLocked(stored)
		d.Translations = otherTranslations(stored)
		d.setImage(stored.Image)
		if !d.ReadOnly {
			d.AutosaveURL = fmt.Sprintf("/admin/articles/%d/autosave", stored.ID)
		}
	}
	d.Sections = sectionOptions(sections, f.Section, loc.T("Choose a section"))
	d.Authors = authorOptions(authors, f.Authors)
	allowed := allowedStatuses(u)
	if f.Status.Valid() && !slices.Contains(allowed, f.Status) {
		allowed = append([]content.Status{f.Status}, allowed...) // shown read-only
	}
	d.Statuses = statusOptions(loc, allowed, f.Status)
	for _, l := range content.Languages {
		d.Langs = append(d.Langs, option{Value: l, Label: languageNames[l], Selected: l == f.Lang})
	}
	return d, nil
}

// counted is d with the body's words counted, just before it is shown.
// WordsPerMinute is the reading speed the counts assume.
func (d *editData) WordsPerMinute() int { return content.WordsPerMinute }

func (d *editData) counted() *editData {
	d.Words, d.Minutes = content.DraftCounts(d.Form.Body)
	return d
}

func (d *editData) setImage(img content.Image) {
	d.Image, d.ImageURL = img, imageURL(img)
}

func (a *Admin) newArticle(w http.ResponseWriter, r *http.Request) error {
	d, err := a.editPage(r, nil, articleForm{Lang: content.Languages[0], Status: content.StatusDraft})
	if err != nil {
		return err
	}
	return a.render(w, http.StatusOK, "article_edit", d.counted())
}

func (a *Admin) editArticle(w http.ResponseWriter, r *http.Request) error {
	art, err := a.articleFor(r, false)
	if err != nil {
		return err
	}
	d, err := a.editPage(r, art, formFromArticle(art, a.zone(r.Context())))
	if err != nil {
		return err
	}
	d.ImageNotice = imageNotice(a.loc(r), art.Image, r.URL.Query().Get("webp"))
	if err := a.withAutosave(r, d, r.URL.Query().Get("restore") == "autosave"); err != nil {
		return err
	}
	if err := a.withInsert(r, d, r.URL.Query().Get("insert")); err != nil {
		return err
	}
	if d.ReadOnly {
		loc := a.loc(r)
		d.Errors["form"] = loc.T("This article is %s: you can read it here, and an editor can change it.", loc.T("status."+string(art.Status)))
	}
	return a.render(w, http.StatusOK, "article_edit", d.counted())
}

// parseArticleRequest parses the editor's multipart form within its limit.
func (a *Admin) parseArticleRequest(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxArticleRequest)
	err := r.ParseMultipartForm(1 << 20)
	if err == nil || errors.Is(err, http.ErrNotMultipart) {
		return nil
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return &httpx.Error{Status: http.StatusRequestEntityTooLarge,
			Message: a.loc(r).T("The form with its photo is larger than 25 MB, so nothing was saved. Go back and choose a smaller photo.")}
	}
	return httpx.BadRequest(a.loc(r).T("The form did not arrive completely, so nothing was saved. Go back and try again."))
}

// saveArticle creates or updates an article, or previews it. Whatever
// happens, what the writer typed comes back in the form.
func (a *Admin) saveArticle(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s := sessionFrom(ctx)
	var stored *content.Article
	if r.PathValue("id") != "" {
		var err error
		if stored, err = a.articleFor(r, true); err != nil {
			return err
		}
	}
	if err := a.parseArticleRequest(w, r); err != nil {
		return err
	}
	f := readArticleForm(r)
	if !slices.Contains(allowedStatuses(s.user), f.Status) {
		return errForbidden(a.loc(r).T("Your role cannot set the status “%s”: save as draft or review, and an editor will publish. Nothing was saved.", f.Status))
	}
	if stored != nil && r.PostFormValue("version") == "" {
		return httpx.BadRequest(a.loc(r).T("The form is missing its version number, so nothing was saved. Reload the page and try again."))
	}
	if slugLocked(stored) {
		f.Slug = stored.Slug
	} else if f.Slug == "" {
		f.Slug = content.Slugify(f.Headline)
	} else if slug := content.Slugify(f.Slug); slug != "" {
		f.Slug = slug
	}
	d, err := a.editPage(r, stored, f)
	if err != nil {
		return err
	}
	art, err := a.articleFromForm(r, d)
	if err != nil {
		return err
	}
	if d.Form.Action == "preview" {
		html, text, err := a.content.RenderBody(r.Context(), strings.TrimSpace(d.Form.Body))
		if err != nil {
			return err
		}
		d.Preview, d.ShowPreview = template.HTML(html), true
		if err := a.readerPreview(r, d, art, html, text); err != nil {
			return err
		}
		return a.render(w, http.StatusOK, "article_edit", d.counted())
	}
	if len(d.Errors) > 0 {
		addFieldErrors(a.loc(r), d.Errors, art.Validate())
		return a.render(w, http.StatusUnprocessableEntity, "article_edit", d.counted())
	}
	if stored == nil {
		art.CreatedBy = s.user.ID
		err = a.content.Create(ctx, art)
	} else {
		err = a.content.Update(ctx, art)
	}
	if err == nil {
		to := fmt.Sprintf("/admin/articles/%d?done=Saved", art.ID)
		if d.webpFailed != "" {
			to += "&webp=" + url.QueryEscape(d.webpFailed)
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}
	return a.saveFailed(w, r, d, err)
}

// saveFailed shows why a save failed, with the form as typed.
func (a *Admin) saveFailed(w http.ResponseWriter, r *http.Request, d *editData, err error) error {
	loc := a.loc(r)
	if _, ok := errors.AsType[content.FieldErrors](err); ok {
		addFieldErrors(loc, d.Errors, err)
		return a.render(w, http.StatusUnprocessableEntity, "article_edit", d.counted())
	}
	if errors.Is(err, store.ErrConflict) && strings.Contains(err.Error(), "slug") {
		d.Errors["slug"] = loc.T("Another article already has this address. Change the slug.")
		return a.render(w, http.StatusUnprocessableEntity, "article_edit", d.counted())
	}
	if errors.Is(err, store.ErrConflict) && d.Article != nil {
		theirs, err := a.db.ArticleByID(r.Context(), d.Article.ID)
		if err != nil {
			return err
		}
		if rev, err := a.db.Revision(r.Context(), theirs.ID, theirs.Version); err == nil {
			d.TheirEditor = rev.Editor
		}
		d.Theirs = theirs
		d.Form.Version = theirs.Version
		d.Errors["form"] = loc.T("Someone else saved this article while you were editing it, so your changes were not saved. Your version is in the form; theirs is shown beside it. Copy what you need from theirs, then save again to replace it.")
		return a.render(w, http.StatusConflict, "article_edit", d.counted())
	}
	if errors.Is(err, content.ErrInvalid) {
		// The store refuses a tag with no letters; the form checks first.
		d.Errors["tags"] = loc.T("Tags: each tag needs letters or digits.")
		return a.render(w, http.StatusUnprocessableEntity, "article_edit", d.counted())
	}
	return err
}

// articleFromForm builds the article to save from the form, recording
// problems the content validation cannot see in d.Errors.
func (a *Admin) articleFromForm(r *http.Request, d *editData) (*content.Article, error) {
	if err := a.bodyUpload(r, d); err != nil {
		return nil, err
	}
	f, errs := &d.Form, d.Errors
	loc := a.loc(r)
	art := &content.Article{}
	if d.Article != nil {
		c := *d.Article // keeps ID, CreatedBy, CreatedAt, corrections
		art = &c
	}
	art.Headline, art.Dek, art.Body, art.Slug, art.Lang, art.Status = f.Headline, f.Dek, f.Body, f.Slug, f.Lang, f.Status
	art.Version, art.EditedBy = f.Version, sessionFrom(r.Context()).user.ID

	art.Section = content.Section{}
	if f.Section != 0 {
		i := slices.IndexFunc(d.sections, func(s content.Section) bool { return s.ID == f.Section })
		if i < 0 {
			errs["section"] = loc.T("Choose a section from the list.")
		} else {
			art.Section = d.sections[i]
		}
	}
	art.Authors = nil
	for _, id := range f.Authors {
		i := slices.IndexFunc(d.authors, func(au content.Author) bool { return au.ID == id })
		if i < 0 {
			errs["authors"] = loc.T("Choose bylines from the list.")
			continue
		}
		art.Authors = append(art.Authors, d.authors[i])
	}
	art.Tags = parseTags(loc, f.Tags, errs)
	art.PublishedAt = a.publishTime(loc, a.zone(r.Context()), d.Article, f, errs)

	img, err := a.articleImage(r, d)
	if err != nil {
		return nil, err
	}
	art.Image = img
	d.setImage(img)
	return art, nil
}

func parseTags(loc *i18n.Locale, s string, errs map[string]string) []content.Tag {
	var tags []content.Tag
	seen := map[string]bool{}
	for name := range strings.SplitSeq(s, ",") {
		name = strings.Join(strings.Fields(name), " ")
		if name == "" {
			continue
		}
		slug := content.Slugify(name)
		switch {
		case slug == "":
			errs["tags"] = loc.T("The tag “%s” has no letters or digits.", name)
		case utf8.RuneCountInString(name) > maxTagName:
			errs["tags"] = loc.T("A tag can be at most %d characters long.", maxTagName)
		case !seen[slug]:
			seen[slug] = true
			tags = append(tags, content.Tag{Name: name})
		}
	}
	if len(tags) > maxTags {
		errs["tags"] = loc.T("At most %d tags, please (you have %d).", maxTags, len(tags))
	}
	return tags
}

// publishTime reads the publication time, typed in the newsroom's zone
// z. A time left as shown keeps its stored seconds; a published article
// keeps its time if the fields are cleared, so its address does not change.
func (a *Admin) publishTime(loc *i18n.Locale, z *time.Location, stored *content.Article, f *articleForm, errs map[string]string) time.Time {
	var t time.Time
	switch {
	case f.PublishDate == "" && f.PublishClock == "":
	case f.PublishDate == "" || f.PublishClock == "":
		errs["publish_at"] = loc.T("Enter a date with the time.")
		return time.Time{}
	default:
		var err error
		t, err = parseLocal(f.PublishDate, f.PublishClock, z)
		switch {
		case errors.Is(err, errNoSuchTime):
			errs["publish_at"] = gapMessage(loc, f.PublishDate, f.PublishClock, z)
			return time.Time{}
		case err != nil && strings.HasPrefix(err.Error(), "date"):
			errs["publish_at"] = loc.T("Enter the date as yyyy-mm-dd, such as 2024-05-14.")
			return time.Time{}
		case err != nil:
			errs["publish_at"] = loc.T("Enter the time as hh:mm on a 24-hour clock, such as 09:30 or 18:05.")
			return time.Time{}
		}
		t = t.UTC()
	}
	if stored != nil && !stored.PublishedAt.IsZero() {
		if t.Equal(stored.PublishedAt.Truncate(time.Minute)) || t.IsZero() && slugLocked(stored) && f.Status == content.StatusPublished {
			t = stored.PublishedAt
		}
	}
	if f.Status == content.StatusScheduled && !t.IsZero() && !t.After(a.now()) {
		errs["publish_at"] = loc.T("A scheduled article needs a time in the future. To publish now, choose the status published.")
	}
	return t
}

// formFields maps the names content validation uses to the form's.
var formFields = map[string]string{
	"published_at": "publish_at", "alt": "image_alt", "caption": "image_caption", "credit": "image_credit",
}

var fieldLabels = map[string]string{
	"headline": "Headline", "dek": "Dek", "slug": "Slug", "body": "Body", "section": "Section", "lang": "Language",
	"status": "Status", "publish_at": "Publication time", "image_alt": "Alt text", "image_caption": "Caption",
	"image_credit": "Credit",
}

// addFieldErrors adds content validation errors to errs, as sentences,
// without replacing a more precise message already there.
func addFieldErrors(loc *i18n.Locale, errs map[string]string, err error) {
	fe, ok := errors.AsType[content.FieldErrors](err)
	if !ok {
		return
	}
	for field, msg := range fe {
		if f, ok := formFields[field]; ok {
			field = f
		}
		if _, set := errs[field]; set {
			continue
		}
		label := field
		if l := fieldLabels[field]; l != "" {
			label = loc.T(l)
		}
		errs[field] = fieldProblem(loc, label, msg)
	}
}
