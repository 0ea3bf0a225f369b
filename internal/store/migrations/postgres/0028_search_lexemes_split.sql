-- Scoring without weights (store/search_pg.go). A candidate scores by
-- where the reader's words are, headline or dek, and testing a weighted
-- tsquery ('court':A) against search_hd cost about 2.6 µs an article, four
-- tests for two words, where the same test without a weight costs a tenth
-- of that. search_lexemes now keeps the headline's lexemes and the dek's
-- apart, without weights and with their positions (a phrase is tested
-- there too), in place of its copy of search_hd.
--
-- search_query is a reader's tsquery source normalized in each
-- configuration an article can be indexed with, ORed, each different
-- normalization once (store/search_pg.go): the three read most English
-- words alike ('court' | 'court' | 'court'), and every branch is tested
-- again on each candidate a word is not in. Immutable, as
-- to_tsquery(regconfig, text) is, so it is worked out as the query is
-- planned; PL/pgSQL, as a SQL function's body would be planned again at
-- each call (four times as long).
CREATE OR REPLACE FUNCTION search_query(src text) RETURNS tsquery LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    e tsquery := to_tsquery('english', src);
    r tsquery := to_tsquery('russian', src);
    s tsquery := to_tsquery('simple', src);
BEGIN
    IF e = r THEN
        IF e = s THEN
            RETURN e;
        END IF;
        RETURN e || s;
    END IF;
    IF e = s OR r = s THEN
        RETURN e || r;
    END IF;
    RETURN e || r || s;
END
$$;

-- The table only ever holds what the articles make, so it is made again,
-- packed, rather than each of its rows rewritten in place; its indexes are
-- built once it is full.
DROP TABLE search_lexemes;

CREATE TABLE search_lexemes (
    article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    live_at    BIGINT,
    lang       TEXT NOT NULL,
    lexemes    TSVECTOR NOT NULL,
    headline   TSVECTOR NOT NULL,
    dek        TSVECTOR NOT NULL
) WITH (toast_tuple_target = 8160);
ALTER TABLE search_lexemes ALTER COLUMN lexemes SET STORAGE MAIN,
    ALTER COLUMN headline SET STORAGE MAIN, ALTER COLUMN dek SET STORAGE MAIN;

CREATE OR REPLACE FUNCTION search_lexemes_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_lexemes (article_id, live_at, lang, lexemes, headline, dek)
    VALUES (NEW.id, NEW.live_at, NEW.lang, strip(NEW.search),
        setweight(ts_filter(NEW.search_hd, '{a}'), 'D'), setweight(ts_filter(NEW.search_hd, '{b}'), 'D'))
    ON CONFLICT (article_id) DO UPDATE
        SET live_at = EXCLUDED.live_at, lang = EXCLUDED.lang, lexemes = EXCLUDED.lexemes,
            headline = EXCLUDED.headline, dek = EXCLUDED.dek;
    RETURN NULL;
END
$$;

INSERT INTO search_lexemes (article_id, live_at, lang, lexemes, headline, dek)
    SELECT id, live_at, lang, strip(search),
        setweight(ts_filter(search_hd, '{a}'), 'D'), setweight(ts_filter(search_hd, '{b}'), 'D')
    FROM articles;

CREATE INDEX search_lexemes_live ON search_lexemes (live_at, lang) WHERE live_at IS NOT NULL;
CREATE INDEX search_lexemes_gin ON search_lexemes USING GIN (lexemes);

-- A new table has no statistics: without them the planner reads a common
-- word's matches through the GIN index (400 ms) until autovacuum comes by.
ANALYZE search_lexemes;
