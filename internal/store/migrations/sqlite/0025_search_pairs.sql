-- Phrases through word pairs (store/pairs.go): the full-text index gains a
-- column of each article's adjacent word pairs, and keeps no copy of the
-- text. The start-up check that follows the migrations (finishStems) makes
-- it again, with the pairs, as it does when the index is missing.
DROP TRIGGER IF EXISTS articles_fts_insert;
DROP TRIGGER IF EXISTS articles_fts_delete;
DROP TRIGGER IF EXISTS articles_fts_update;
DROP TABLE IF EXISTS articles_fts;
