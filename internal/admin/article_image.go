package admin

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/media"
)

// decodeUpload checks and decodes an uploaded photo: its type by content,
// matching its file name. A photo within the limits can still take a few
// hundred megabytes to decode, so two are decoded at a time at most.
func (a *Admin) decodeUpload(name string, data []byte) (image.Image, error) {
	a.uploads <- struct{}{}
	defer func() { <-a.uploads }()
	return media.CheckUpload(name, data)
}

var imageKeyRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,100}$`)

// imageKey names an upload after its article and its content, so a changed
// photo gets a new URL and the same photo uploaded twice the same one.
func imageKey(slug string, data []byte) string {
	base := content.Slugify(slug)
	if len(base) > 80 {
		base = strings.TrimRight(base[:80], "-")
	}
	if base == "" {
		base = "photo"
	}
	sum := sha256.Sum256(data)
	return base + "-" + hex.EncodeToString(sum[:4])
}

// imageURL is the smallest variant of img, for the editor's thumbnail.
func imageURL(img content.Image) string {
	if !img.Present() {
		return ""
	}
	w := img.Width
	if len(img.Widths) > 0 {
		w = img.Widths[0]
	}
	return "/media/" + img.Key + "/" + media.VariantName(w)
}

// A photo uploaded with a submission that was not saved (a preview, a
// validation error, a conflict) travels back in the form, sealed with the
// session's CSRF token, so the writer need not choose the file again.
func sealUpload(img content.Image, secret string) string {
	payload := strings.Join([]string{img.Key, strconv.Itoa(img.Width), strconv.Itoa(img.Height), joinWidths(img.Widths), img.Variants()}, "|")
	return payload + "|" + uploadMAC(payload, secret)
}

func uploadMAC(payload, secret string) string {
	m := hmac.New(sha256.New, []byte("samizdat upload\x00"+secret))
	m.Write([]byte(payload))
	return hex.EncodeToString(m.Sum(nil))
}

func openUpload(token, secret string) (content.Image, bool) {
	i := strings.LastIndexByte(token, '|')
	if token == "" || secret == "" || i < 0 || !hmac.Equal([]byte(token[i+1:]), []byte(uploadMAC(token[:i], secret))) {
		return content.Image{}, false
	}
	parts := strings.Split(token[:i], "|")
	// Four parts: sealed before WebP variants and crops were recorded.
	if len(parts) < 4 || len(parts) > 5 || !imageKeyRe.MatchString(parts[0]) {
		return content.Image{}, false
	}
	img := content.Image{Key: parts[0]}
	if len(parts) == 5 {
		img.SetVariants(parts[4])
	}
	img.Width, _ = strconv.Atoi(parts[1])
	img.Height, _ = strconv.Atoi(parts[2])
	for w := range strings.SplitSeq(parts[3], ",") {
		if n, err := strconv.Atoi(w); err == nil && n > 0 {
			img.Widths = append(img.Widths, n)
		}
	}
	if img.Width <= 0 || img.Height <= 0 || len(img.Widths) == 0 {
		return content.Image{}, false
	}
	return img, true
}

func joinWidths(ws []int) string {
	s := make([]string, len(ws))
	for i, w := range ws {
		s[i] = strconv.Itoa(w)
	}
	return strings.Join(s, ",")
}

// articleImage decides the article's photo: a new upload, else one uploaded
// with an earlier unsaved submission, else the stored one. A rejected
// upload is a field error; the photo the article had stays.
func (a *Admin) articleImage(r *http.Request, d *editData) (content.Image, error) {
	f := &d.Form
	secret := sessionFrom(r.Context()).session.CSRFToken
	var img content.Image
	if d.Article != nil {
		img = d.Article.Image
	}
	if up, ok := openUpload(f.Upload, secret); ok {
		img = up
	} else {
		f.Upload = ""
	}
	if f.RemoveImage {
		img, f.Upload = content.Image{}, ""
	}
	file, header, err := r.FormFile("image")
	switch {
	case errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart):
	case err != nil:
		d.Errors["image"] = a.loc(r).T("The photo did not arrive completely. Choose it again.")
	default:
		defer file.Close()
		data, err := io.ReadAll(io.LimitReader(file, media.MaxUploadBytes+1))
		if err != nil {
			d.Errors["image"] = a.loc(r).T("The photo did not arrive completely. Choose it again.")
			break
		}
		decoded, err := a.decodeUpload(header.Filename, data)
		if err != nil {
			d.Errors["image"] = a.loc(r).T("Photo not accepted: %s", err.Error())
			break
		}
		key := imageKey(f.Slug, data)
		saved, err := a.images.SaveVariants(key, decoded)
		if err != nil {
			return img, err
		}
		if len(saved.Widths) == 0 {
			d.Errors["image"] = a.loc(r).T("Photo not accepted: it is too small to show.")
			break
		}
		if saved.WebPErr != nil {
			// The photo is kept: the JPEG variants serve every reader.
			a.log.Warn("webp variants not made", "key", key, "err", saved.WebPErr)
			d.ImageNotice = webpNotice(a.loc(r), saved.WebPErr.Error())
			d.webpFailed = saved.WebPErr.Error()
		}
		img = content.Image{Key: key, Widths: saved.Widths, Width: saved.Width, Height: saved.Height,
			WebP: saved.WebP, Crops: saved.Crops}
		f.Upload, f.RemoveImage = sealUpload(img, secret), false
	}
	if !img.Present() {
		return content.Image{}, nil
	}
	img.Alt, img.Credit, img.Caption = strings.TrimSpace(f.Alt), strings.TrimSpace(f.Credit), strings.TrimSpace(f.Caption)
	if header != nil && f.Upload != "" {
		// A new upload joins the media library, with its words.
		if err := a.db.SaveMediaImage(r.Context(), img, header.Filename, sessionFrom(r.Context()).user.ID); err != nil {
			return img, err
		}
	}
	return img, nil
}

// webpNotice tells the editor that a photo is served as JPEG only because
// its WebP versions could not be made, and why.
func webpNotice(loc *i18n.Locale, why string) string {
	if r := []rune(why); len(r) > 200 {
		why = string(r[:200]) + "…"
	}
	return loc.T("WebP versions of this photo could not be made: %s; readers get JPEG.", why)
}

// imageNotice is the note beside a stored photo without WebP versions:
// why, when the save that stored it just said so (webp, from the
// redirect), else that readers get JPEG.
func imageNotice(loc *i18n.Locale, img content.Image, webp string) string {
	switch {
	case !img.Present() || img.WebP:
		return ""
	case webp != "":
		return webpNotice(loc, webp)
	}
	return loc.T("This photo has no WebP versions: readers get JPEG.")
}
