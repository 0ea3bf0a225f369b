-- Russian words are found by their stems: SQLite's full-text tokenizer
-- stems English only, so the store writes each article's Cyrillic stems
-- (Snowball, content.Stems) beside its text, and the index covers both.
-- NULL marks a row whose stems are still to be written.
ALTER TABLE articles ADD COLUMN stems_headline TEXT;
ALTER TABLE articles ADD COLUMN stems_dek TEXT;
ALTER TABLE articles ADD COLUMN stems_body TEXT;

-- The index is made again, with the stems, by the store once it has
-- written them (store/stems.go: searchIndexDDL): filling them with the
-- old triggers in place would index every article twice.
DROP TRIGGER articles_fts_insert;
DROP TRIGGER articles_fts_delete;
DROP TRIGGER articles_fts_update;
DROP TABLE articles_fts;
