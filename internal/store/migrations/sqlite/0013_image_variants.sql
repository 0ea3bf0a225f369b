-- Which files a lead image has besides its JPEG widths: "webp" (a WebP
-- variant beside every JPEG one) and "crops" (the 1:1, 4:3 and 16:9 centre
-- crops for structured data), comma-separated. Images stored before have
-- neither; the server's start-up backfill makes them and records them here.
ALTER TABLE articles ADD COLUMN image_variants TEXT NOT NULL DEFAULT '';
