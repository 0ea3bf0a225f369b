package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
)

// MediaImage is one image of the media library.
type MediaImage struct {
	Image     content.Image // Alt, Credit, Caption: as uploaded
	FileName  string
	CreatedAt time.Time
	Uses      []MediaUse
}

// MediaUse is an article that shows an image.
type MediaUse struct {
	ArticleID int64
	Headline  string
	Lead      bool // the lead photo; otherwise a figure in the body
}

// MediaQuery selects a page of the media library.
type MediaQuery struct {
	Search        string // in alt text, credit, caption, file name and key
	Limit, Offset int
}

// SaveMediaImage adds an uploaded image to the media library. The same
// image uploaded again (the same key) keeps the words it was first given,
// unless it had none.
func (s *Store) SaveMediaImage(ctx context.Context, im content.Image, fileName string, by int64) error {
	var creator any
	if by != 0 {
		creator = by
	}
	_, err := s.write.ExecContext(ctx, s.dialect.rebind(`INSERT INTO media_images
		(image_key, width, height, widths, variants, alt, credit, caption, file_name, created_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (image_key) DO UPDATE SET width = excluded.width, height = excluded.height,
			widths = excluded.widths, variants = excluded.variants,
			alt = CASE WHEN media_images.alt = '' THEN excluded.alt ELSE media_images.alt END,
			credit = CASE WHEN media_images.credit = '' THEN excluded.credit ELSE media_images.credit END,
			caption = CASE WHEN media_images.caption = '' THEN excluded.caption ELSE media_images.caption END,
			file_name = CASE WHEN media_images.file_name = '' THEN excluded.file_name ELSE media_images.file_name END`),
		im.Key, im.Width, im.Height, joinInts(im.Widths), im.Variants(), strings.TrimSpace(im.Alt), strings.TrimSpace(im.Credit),
		strings.TrimSpace(im.Caption), fileName, s.now().UTC().Unix(), creator)
	if err != nil {
		return fmt.Errorf("media image %s: %w", im.Key, err)
	}
	return nil
}

const mediaColumns = `image_key, width, height, widths, variants, alt, credit, caption, file_name, created_at`

func scanMedia(row scanner) (MediaImage, error) {
	var m MediaImage
	var widths, variants string
	var at int64
	if err := row.Scan(&m.Image.Key, &m.Image.Width, &m.Image.Height, &widths, &variants, &m.Image.Alt, &m.Image.Credit,
		&m.Image.Caption, &m.FileName, &at); err != nil {
		return m, err
	}
	for w := range strings.SplitSeq(widths, ",") {
		if n, err := strconv.Atoi(w); err == nil {
			m.Image.Widths = append(m.Image.Widths, n)
		}
	}
	m.Image.SetVariants(variants)
	m.CreatedAt = time.Unix(at, 0).UTC()
	return m, nil
}

// ImagesByKey returns the media library's images with the keys; keys it
// does not have are left out. It is content.BodyImages, which renders
// figures in bodies.
func (s *Store) ImagesByKey(ctx context.Context, keys []string) (map[string]content.Image, error) {
	out := map[string]content.Image{}
	if len(keys) == 0 {
		return out, nil
	}
	q := `SELECT ` + mediaColumns + ` FROM media_images WHERE image_key IN (?` + strings.Repeat(", ?", len(keys)-1) + `)`
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("media images: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMedia(rows)
		if err != nil {
			return nil, fmt.Errorf("media images: %w", err)
		}
		out[m.Image.Key] = m.Image
	}
	return out, rows.Err()
}

// MediaImages lists a page of the media library, newest first, each image
// with the articles that show it, and how many images match in all.
func (s *Store) MediaImages(ctx context.Context, q MediaQuery) ([]MediaImage, int, error) {
	where, args := "", []any{}
	if term := strings.ToLower(strings.TrimSpace(q.Search)); term != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(term) + "%"
		where = ` WHERE LOWER(alt) LIKE ? ESCAPE '\' OR LOWER(credit) LIKE ? ESCAPE '\' OR LOWER(caption) LIKE ? ESCAPE '\'
			OR LOWER(file_name) LIKE ? ESCAPE '\' OR image_key LIKE ? ESCAPE '\'`
		args = append(args, like, like, like, like, like)
	}
	var total int
	if err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM media_images`+where), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("media images: %w", err)
	}
	limit := q.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT `+mediaColumns+` FROM media_images`+where+
		` ORDER BY created_at DESC, image_key LIMIT ? OFFSET ?`), append(args, limit, max(q.Offset, 0))...)
	if err != nil {
		return nil, 0, fmt.Errorf("media images: %w", err)
	}
	var out []MediaImage
	index := map[string]int{}
	for rows.Next() {
		m, err := scanMedia(rows)
		if err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("media images: %w", err)
		}
		index[m.Image.Key] = len(out)
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("media images: %w", err)
	}
	if len(out) == 0 {
		return out, total, nil
	}
	keys := make([]any, 0, len(out))
	for _, m := range out {
		keys = append(keys, m.Image.Key)
	}
	uses, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT m.image_key, a.id, a.headline, m.is_lead
		FROM article_media m JOIN articles a ON a.id = m.article_id
		WHERE m.image_key IN (?`+strings.Repeat(", ?", len(keys)-1)+`) ORDER BY m.image_key, a.id DESC`), keys...)
	if err != nil {
		return nil, 0, fmt.Errorf("media uses: %w", err)
	}
	defer uses.Close()
	for uses.Next() {
		var key string
		var u MediaUse
		var lead int
		if err := uses.Scan(&key, &u.ArticleID, &u.Headline, &lead); err != nil {
			return nil, 0, fmt.Errorf("media uses: %w", err)
		}
		u.Lead = lead == 1
		i := index[key]
		out[i].Uses = append(out[i].Uses, u)
	}
	return out, total, uses.Err()
}

// writeMediaUses records which images the article shows, in its save's
// transaction.
func (s *Store) writeMediaUses(ctx context.Context, tx *sql.Tx, a *content.Article) error {
	if _, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM article_media WHERE article_id = ?`), a.ID); err != nil {
		return fmt.Errorf("article %q: media: %w", a.Slug, err)
	}
	uses := map[string]int{}
	for _, k := range content.BodyImageKeys(a.Body) {
		uses[k] = 0
	}
	if a.Image.Present() {
		uses[a.Image.Key] = 1
	}
	for k, lead := range uses {
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO article_media (article_id, image_key, is_lead) VALUES (?, ?, ?)`),
			a.ID, k, lead); err != nil {
			return fmt.Errorf("article %q: media %s: %w", a.Slug, k, err)
		}
	}
	return nil
}
