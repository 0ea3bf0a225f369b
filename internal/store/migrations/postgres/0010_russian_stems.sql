-- The text SQLite's search indexes, Cyrillic words stemmed (see the SQLite migration of
-- the same number). PostgreSQL stems Russian itself (the 'russian' text
-- search configuration) and does not read them; they are kept so that both
-- engines hold the same rows, as migrate-db copies them.
ALTER TABLE articles ADD COLUMN search_headline TEXT;
ALTER TABLE articles ADD COLUMN search_dek TEXT;
ALTER TABLE articles ADD COLUMN search_body TEXT;

-- The articles whose index text is still to be written: empty once it is,
-- so checking at every start costs nothing however large the archive.
CREATE INDEX articles_search_pending ON articles (id) WHERE search_headline IS NULL;
