package admin

import (
	"errors"
	"io"
	"net/http"
	pathpkg "path"
	"strings"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/media"
)

// figureMarker is where an uploaded body image goes: the first line that
// is only this; without one, the figure goes at the end of the body.
const figureMarker = "[[image]]"

// bodyImageForm is the editor's "image in the body" upload as typed.
type bodyImageForm struct {
	Alt, Credit, Caption string
}

// insertFigure puts the figure line for img into body at the marker, or
// at the end.
func insertFigure(body string, img content.Image) string {
	line := content.FigureMarkdown(img)
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == figureMarker {
			lines[i] = line
			return strings.Join(lines, "\n")
		}
	}
	body = strings.TrimRight(body, "\n ")
	if body == "" {
		return line + "\n"
	}
	return body + "\n\n" + line + "\n"
}

// bodyUpload stores an image uploaded for the body into the media library
// and inserts its figure into the form's body. Alt text is required: an
// image without it is not stored and the field says so; everything else
// typed stays in the form.
func (a *Admin) bodyUpload(r *http.Request, d *editData) error {
	f := &d.Form
	loc := a.loc(r)
	file, header, err := r.FormFile("body_image")
	switch {
	case errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart):
		return nil
	case err != nil:
		d.Errors["body_image"] = loc.T("The image did not arrive completely. Choose it again.")
		return nil
	}
	defer file.Close()
	if strings.TrimSpace(f.BodyImage.Alt) == "" {
		d.Errors["body_image_alt"] = loc.T("Describe what the image shows: an image in the body needs alt text. Then choose the file again.")
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(file, media.MaxUploadBytes+1))
	if err != nil {
		d.Errors["body_image"] = loc.T("The image did not arrive completely. Choose it again.")
		return nil
	}
	decoded, err := a.decodeUpload(header.Filename, data)
	if err != nil {
		d.Errors["body_image"] = loc.T("Image not accepted: %s", err.Error())
		return nil
	}
	base := strings.TrimSuffix(pathpkg.Base(header.Filename), pathpkg.Ext(header.Filename))
	if content.Slugify(base) == "" {
		base = f.Slug
	}
	key := imageKey(base, data)
	saved, err := a.images.SaveVariants(key, decoded)
	if err != nil {
		return err
	}
	if len(saved.Widths) == 0 {
		d.Errors["body_image"] = loc.T("Image not accepted: it is too small to show.")
		return nil
	}
	if saved.WebPErr != nil {
		a.log.Warn("webp variants not made", "key", key, "err", saved.WebPErr)
	}
	img := content.Image{Key: key, Widths: saved.Widths, Width: saved.Width, Height: saved.Height, WebP: saved.WebP, Crops: saved.Crops,
		Alt: strings.TrimSpace(f.BodyImage.Alt), Credit: strings.TrimSpace(f.BodyImage.Credit), Caption: strings.TrimSpace(f.BodyImage.Caption)}
	if err := a.db.SaveMediaImage(r.Context(), img, pathpkg.Base(header.Filename), sessionFrom(r.Context()).user.ID); err != nil {
		return err
	}
	f.Body = insertFigure(f.Body, img)
	f.BodyImage = bodyImageForm{}
	return nil
}
