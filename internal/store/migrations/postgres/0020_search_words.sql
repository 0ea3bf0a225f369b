-- PostgreSQL's index finds a prefix's words itself; search_words is kept,
-- empty, so that both engines have the same tables, as migrate-db and
-- restore copy them (SQLite fills it at start).
CREATE TABLE search_words (word TEXT PRIMARY KEY);

-- The headline (weight A) and dek (weight B) alone, to score candidates by
-- where the reader's words are: search holds the body's positions too and
-- is read out of TOAST, this one is small enough to stay in the row.
ALTER TABLE articles ADD COLUMN search_hd tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector(CASE lang WHEN 'ru' THEN 'russian'::regconfig WHEN 'en' THEN 'english'::regconfig
        ELSE 'simple'::regconfig END, headline), 'A') ||
    setweight(to_tsvector(CASE lang WHEN 'ru' THEN 'russian'::regconfig WHEN 'en' THEN 'english'::regconfig
        ELSE 'simple'::regconfig END, dek), 'B')
) STORED;
