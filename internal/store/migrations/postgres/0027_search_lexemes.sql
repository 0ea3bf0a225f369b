-- Words searched without reading the articles' tsvectors (store/search_pg.go):
-- testing a candidate against articles.search reads it out of TOAST, about
-- 8 µs an article, and a common word needs the newest thousand matches.
-- search_lexemes keeps, a row an article, its lexemes without positions
-- (strip(articles.search)) and its headline-and-dek tsvector, in the row,
-- uncompressed (toast_tuple_target: a row stays as it is up to a page), in
-- a table of its own, so that keeping them in the row does not push the
-- articles' other columns out of theirs. A query of words is then a test
-- of the row's sorted lexemes (newest first through search_lexemes_live),
-- or a GIN lookup for a rare word. Phrases need positions: they are
-- searched in articles, through the pairs.
--
-- It is PostgreSQL's own, as SQLite's full-text index is SQLite's: kept by
-- a trigger, left out by migrate-db and backups, written again as the
-- articles are copied in.
CREATE TABLE search_lexemes (
    article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    live_at    BIGINT,
    lang       TEXT NOT NULL,
    lexemes    TSVECTOR NOT NULL,
    search_hd  TSVECTOR NOT NULL
) WITH (toast_tuple_target = 8160);
ALTER TABLE search_lexemes ALTER COLUMN lexemes SET STORAGE MAIN, ALTER COLUMN search_hd SET STORAGE MAIN;
CREATE INDEX search_lexemes_live ON search_lexemes (live_at, lang) WHERE live_at IS NOT NULL;
CREATE INDEX search_lexemes_gin ON search_lexemes USING GIN (lexemes);

CREATE FUNCTION search_lexemes_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_lexemes (article_id, live_at, lang, lexemes, search_hd)
    VALUES (NEW.id, NEW.live_at, NEW.lang, strip(NEW.search), NEW.search_hd)
    ON CONFLICT (article_id) DO UPDATE
        SET live_at = EXCLUDED.live_at, lang = EXCLUDED.lang, lexemes = EXCLUDED.lexemes, search_hd = EXCLUDED.search_hd;
    RETURN NULL;
END
$$;
CREATE TRIGGER search_lexemes_insert AFTER INSERT ON articles FOR EACH ROW EXECUTE FUNCTION search_lexemes_write();
CREATE TRIGGER search_lexemes_update AFTER UPDATE OF headline, dek, body_text, lang, live_at ON articles
    FOR EACH ROW EXECUTE FUNCTION search_lexemes_write();

INSERT INTO search_lexemes (article_id, live_at, lang, lexemes, search_hd)
    SELECT id, live_at, lang, strip(search), search_hd FROM articles;
