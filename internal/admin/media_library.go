package admin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

const mediaPerPage = 40

func (a *Admin) mediaRoutes() []Route {
	return []Route{
		{Pattern: "GET /admin/media", Perm: account.EditOwnArticles, handler: a.mediaLibrary},
	}
}

// mediaItem is one image of the library as the page shows it.
type mediaItem struct {
	store.MediaImage
	Thumb    string
	Markdown string // the figure line to paste into a body
	Insert   string // the editor with this image inserted; empty without an article
	Use      string // the author profile with this photo chosen; empty without an author
}

type mediaData struct {
	page
	Items   []mediaItem
	Q       string
	Total   int
	Article *content.Article // the article an image is chosen for, if any
	Author  *content.Author  // the author profile a photo is chosen for, if any
	PrevURL string
	NextURL string
}

// mediaLibrary lists every stored image with where it is used, searchable
// by its words; given an article, each image can be inserted into it.
func (a *Admin) mediaLibrary(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	loc := a.loc(r)
	qs := r.URL.Query()
	d := &mediaData{page: a.newPage(r, loc.T("Media library")), Q: strings.TrimSpace(qs.Get("q"))}
	if id := int64Param(qs.Get("article")); id > 0 {
		art, err := a.db.ArticleByID(ctx, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil && canEdit(sessionFrom(ctx).user, art) {
			d.Article = art
		}
	}
	if id := int64Param(qs.Get("author")); id > 0 && d.Article == nil {
		au, err := a.db.AuthorByID(ctx, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil && canEditProfile(sessionFrom(ctx).user, au) {
			d.Author = &au
		}
	}
	pg := max(int(int64Param(qs.Get("page"))), 1)
	list, total, err := a.db.MediaImages(ctx, store.MediaQuery{Search: d.Q, Limit: mediaPerPage, Offset: (pg - 1) * mediaPerPage})
	if err != nil {
		return err
	}
	d.Total = total
	for _, m := range list {
		it := mediaItem{MediaImage: m, Thumb: imageURL(m.Image), Markdown: content.FigureMarkdown(m.Image)}
		if d.Article != nil {
			it.Insert = fmt.Sprintf("/admin/articles/%d?insert=%s#body", d.Article.ID, url.QueryEscape(m.Image.Key))
		}
		if d.Author != nil {
			it.Use = fmt.Sprintf("/admin/authors/%d/profile?photo=%s", d.Author.ID, url.QueryEscape(m.Image.Key))
		}
		d.Items = append(d.Items, it)
	}
	page := func(n int) string {
		v := url.Values{}
		if d.Q != "" {
			v.Set("q", d.Q)
		}
		if d.Article != nil {
			v.Set("article", fmt.Sprint(d.Article.ID))
		}
		if d.Author != nil {
			v.Set("author", fmt.Sprint(d.Author.ID))
		}
		v.Set("page", fmt.Sprint(n))
		return "/admin/media?" + v.Encode()
	}
	if pg > 1 {
		d.PrevURL = page(pg - 1)
	}
	if pg*mediaPerPage < total {
		d.NextURL = page(pg + 1)
	}
	return a.render(w, http.StatusOK, "media", d)
}

// withInsert adds the library image named by key to the form's body, at
// the marker or the end, starting from the writer's autosave when it is
// newer than the saved version, so that nothing typed is lost.
func (a *Admin) withInsert(r *http.Request, d *editData, key string) error {
	if d.Article == nil || d.ReadOnly || key == "" {
		return nil
	}
	images, err := a.db.ImagesByKey(r.Context(), []string{key})
	if err != nil {
		return err
	}
	img, ok := images[key]
	loc := a.loc(r)
	if !ok {
		d.Errors["body"] = loc.T("That image is not in the media library any more. Choose another.")
		return nil
	}
	if d.Autosave != nil {
		if err := a.withAutosave(r, d, true); err != nil {
			return err
		}
		d.Autosave = nil
	}
	d.Form.Body = insertFigure(d.Form.Body, img)
	d.Flash = loc.T("The image is in the body now, at the marker or at the end. Save to keep it.")
	return nil
}
