-- The Cyrillic stems SQLite's search indexes (see the SQLite migration of
-- the same number). PostgreSQL stems Russian itself (the 'russian' text
-- search configuration) and does not read them; they are kept so that both
-- engines hold the same rows, as migrate-db copies them.
ALTER TABLE articles ADD COLUMN stems_headline TEXT;
ALTER TABLE articles ADD COLUMN stems_dek TEXT;
ALTER TABLE articles ADD COLUMN stems_body TEXT;
