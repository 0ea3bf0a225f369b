-- Russian words are found by their stems: SQLite's full-text tokenizer
-- stems English only, so the index reads each article's text as the store
-- writes it for the index, its Cyrillic words replaced by their Snowball
-- stems (content.IndexText). NULL marks a row still to be written.
ALTER TABLE articles ADD COLUMN search_headline TEXT;
ALTER TABLE articles ADD COLUMN search_dek TEXT;
ALTER TABLE articles ADD COLUMN search_body TEXT;

-- The index is made again, with the stems, by the store once it has
-- written them (store/stems.go: searchIndexDDL): filling them with the
-- old triggers in place would index every article twice.
DROP TRIGGER articles_fts_insert;
DROP TRIGGER articles_fts_delete;
DROP TRIGGER articles_fts_update;
DROP TABLE articles_fts;

-- An edition's search walks live articles newest first and keeps its
-- language's: with the language in the index it never reads an article's
-- row (where lang sits behind the bodies, in overflow pages).
DROP INDEX articles_live;
CREATE INDEX articles_live ON articles (live_at, lang) WHERE live_at IS NOT NULL;

-- The articles whose index text is still to be written: empty once it is,
-- so checking at every start costs nothing however large the archive.
CREATE INDEX articles_search_pending ON articles (id) WHERE search_headline IS NULL;
