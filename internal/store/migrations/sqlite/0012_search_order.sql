-- Search in publication order. The full-text index's rowid becomes the
-- article's search key, for live and scheduled articles only: its
-- language's number (en 0, ru 1, any other 8) times 10^18, plus the time it
-- went live times 10^8, plus its id. Within one language, rowid order is
-- publication order: the index walks an edition's matches newest first and
-- stops at the SearchCap newest, instead of collecting every match of a
-- common word (86,000 of 100,000 articles for "energy") to find them. The
-- index is made again, keyed anew, by the start-up check that follows the
-- migrations (finishStems).
ALTER TABLE articles ADD COLUMN search_key INTEGER
    GENERATED ALWAYS AS (CASE WHEN live_at IS NULL THEN NULL
        ELSE (CASE lang WHEN 'en' THEN 0 WHEN 'ru' THEN 1 ELSE 8 END) * 1000000000000000000 + live_at * 100000000 + id END) VIRTUAL;
CREATE UNIQUE INDEX articles_search_key ON articles (search_key) WHERE search_key IS NOT NULL;
DROP TRIGGER IF EXISTS articles_fts_insert;
DROP TRIGGER IF EXISTS articles_fts_delete;
DROP TRIGGER IF EXISTS articles_fts_update;
DROP TABLE IF EXISTS articles_fts;
