package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/samizdat-press/samizdat/internal/content"
)

// ImagesLacking lists the lead images, one per key, that lack WebP
// variants or crops: those stored before the site made them, or whose
// WebP variants could not be made. Only Key, Width, Height, Widths, WebP
// and Crops are set.
func (s *Store) ImagesLacking(ctx context.Context) ([]content.Image, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT image_key, MAX(image_width), MAX(image_height), MAX(image_widths), MIN(image_variants)
		FROM articles WHERE image_key <> '' AND image_variants <> 'webp,crops'
		GROUP BY image_key ORDER BY image_key`)
	if err != nil {
		return nil, fmt.Errorf("images lacking variants: %w", err)
	}
	defer rows.Close()
	var out []content.Image
	for rows.Next() {
		var im content.Image
		var widths, variants string
		if err := rows.Scan(&im.Key, &im.Width, &im.Height, &widths, &variants); err != nil {
			return nil, fmt.Errorf("images lacking variants: %w", err)
		}
		for w := range strings.SplitSeq(widths, ",") {
			if n, err := strconv.Atoi(w); err == nil {
				im.Widths = append(im.Widths, n)
			}
		}
		im.SetVariants(variants)
		out = append(out, im)
	}
	return out, rows.Err()
}

// SetImageVariants records what files the image key now has besides its
// JPEG widths (content.Image.Variants), on every article that shows it,
// without a new version or revision: the article did not change, only
// how its photo is served. The pages that show those articles are dropped
// from every node's cache.
func (s *Store) SetImageVariants(ctx context.Context, key, variants string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE media_images SET variants = ? WHERE image_key = ?`), variants, key); err != nil {
			return fmt.Errorf("image %s: %w", key, err)
		}
		rows, err := tx.QueryContext(ctx, s.dialect.rebind(`SELECT id FROM articles WHERE image_key = ? AND image_variants <> ?`), key, variants)
		if err != nil {
			return fmt.Errorf("image %s: %w", key, err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("image %s: %w", key, err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("image %s: %w", key, err)
		}
		if len(ids) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE articles SET image_variants = ? WHERE image_key = ?`), variants, key); err != nil {
			return fmt.Errorf("image %s: %w", key, err)
		}
		var keys []string
		for _, id := range ids {
			k, err := s.articleKeysTx(ctx, tx, id)
			if err != nil {
				return err
			}
			keys = append(keys, k...)
		}
		return s.recordChange(ctx, tx, keys...)
	})
}
