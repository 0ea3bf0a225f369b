-- Phrases through word pairs (store/pairs.go): the full-text index gains a
-- column of each article's adjacent word pairs, the index of headlines and
-- deks one for each, and neither keeps a copy of the text. The start-up
-- check that follows the migrations (finishStems) makes them again, with
-- the pairs, as it does when an index is missing.
DROP TRIGGER IF EXISTS articles_fts_insert;
DROP TRIGGER IF EXISTS articles_fts_delete;
DROP TRIGGER IF EXISTS articles_fts_update;
DROP TABLE IF EXISTS articles_fts;
DROP TRIGGER IF EXISTS articles_fts_hd_insert;
DROP TRIGGER IF EXISTS articles_fts_hd_delete;
DROP TRIGGER IF EXISTS articles_fts_hd_update;
DROP TABLE IF EXISTS articles_fts_hd;
