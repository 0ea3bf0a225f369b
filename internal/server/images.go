package server

import (
	"context"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
)

// BackfillImages makes the WebP variants and crops that lead images
// stored before the site made them lack, from their JPEG variants, and
// records them: the pages then offer WebP and the crops. It runs once, at
// start-up, one image at a time (an image's WebP widths two at a time),
// so that it takes at most about one CPU from the site; ctx ends it
// between images. Images whose WebP variants cannot be made keep their
// JPEG ones and are tried again at the next start.
func (srv *Server) BackfillImages(ctx context.Context) (done int) {
	if srv.Media == nil {
		return 0
	}
	imgs, err := srv.Store.ImagesLacking(ctx)
	if err != nil {
		if ctx.Err() == nil {
			srv.log.Error("image backfill", "err", err)
		}
		return 0
	}
	if len(imgs) == 0 {
		return 0
	}
	start := time.Now()
	srv.log.Info("image backfill: making WebP variants and crops", "images", len(imgs))
	for _, im := range imgs {
		if ctx.Err() != nil {
			break
		}
		saved, err := srv.Media.Complete(im.Key, im.Widths, im.Width, im.Height, im.WebP, im.Crops)
		if err != nil {
			srv.log.Warn("image backfill", "key", im.Key, "err", err)
			continue
		}
		if saved.WebPErr != nil {
			srv.log.Warn("image backfill: WebP versions could not be made; readers get JPEG", "key", im.Key, "err", saved.WebPErr)
		}
		next := content.Image{WebP: saved.WebP, Crops: saved.Crops}
		if next.Variants() == im.Variants() {
			continue
		}
		if err := srv.Store.SetImageVariants(ctx, im.Key, next.Variants()); err != nil {
			if ctx.Err() == nil {
				srv.log.Error("image backfill", "key", im.Key, "err", err)
			}
			continue
		}
		done++
	}
	srv.log.Info("image backfill done", "images", done, "of", len(imgs), "took", time.Since(start).Round(time.Millisecond))
	return done
}
