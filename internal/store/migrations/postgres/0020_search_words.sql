-- The archive's words, as written (lowercased), for prefix search, as on
-- SQLite (see its migration of the same number): "electi*" is searched as
-- the OR of the words that start with "electi". The configurations' own
-- prefix match would stem "electi" to a prefix that "election"'s lexeme
-- does not start with. Byte order ("C"), so that a prefix is a range of the
-- key. Filled for the articles already stored by the start-up check.
CREATE TABLE search_words (word TEXT COLLATE "C" PRIMARY KEY);

-- The headline (weight A) and dek (weight B) alone, to score candidates by
-- where the reader's words are: search holds the body's positions too and
-- is read out of TOAST, this one is small enough to stay in the row.
ALTER TABLE articles ADD COLUMN search_hd tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector(CASE lang WHEN 'ru' THEN 'russian'::regconfig WHEN 'en' THEN 'english'::regconfig
        ELSE 'simple'::regconfig END, headline), 'A') ||
    setweight(to_tsvector(CASE lang WHEN 'ru' THEN 'russian'::regconfig WHEN 'en' THEN 'english'::regconfig
        ELSE 'simple'::regconfig END, dek), 'B')
) STORED;
