-- Phrases through word pairs (store/pairs.go, and SQLite's migration of the
-- same number): search_pairs holds each article's adjacent lexemes as one
-- lexeme, "border villag", at the first one's position, so a phrase of two
-- words is one GIN lookup instead of a test of both words' positions in
-- every article that has both. Lexemes a stop word apart carry the
-- distance, "state 2 emerg", as the configuration's own phrase query
-- ('state' <2> 'emerg') keeps it. The parser never makes a lexeme with a
-- space, so a pair cannot be taken for a word.
CREATE FUNCTION search_pairs_vector(cfg regconfig, t text) RETURNS tsvector
IMMUTABLE STRICT PARALLEL SAFE LANGUAGE sql AS $$
    SELECT coalesce(string_agg('''' || replace(replace(
            w.lexeme || ' ' || CASE WHEN w.next = w.pos + 1 THEN '' ELSE (w.next - w.pos)::text || ' ' END || w.next_lexeme,
            '\', '\\'), '''', '''''') || ''':' || w.pos, ' '), '')::tsvector
    FROM (SELECT l.pos, l.lexeme,
                 lead(l.pos) OVER (ORDER BY l.pos, l.lexeme) AS next,
                 lead(l.lexeme) OVER (ORDER BY l.pos, l.lexeme) AS next_lexeme
          FROM (SELECT u.lexeme, unnest(u.positions) AS pos FROM unnest(to_tsvector(cfg, t)) u) l) w
    WHERE w.next > w.pos
$$;

ALTER TABLE articles ADD COLUMN search_pairs tsvector GENERATED ALWAYS AS (
    search_pairs_vector(CASE lang WHEN 'ru' THEN 'russian'::regconfig WHEN 'en' THEN 'english'::regconfig
        ELSE 'simple'::regconfig END, headline) ||
    search_pairs_vector(CASE lang WHEN 'ru' THEN 'russian'::regconfig WHEN 'en' THEN 'english'::regconfig
        ELSE 'simple'::regconfig END, dek) ||
    search_pairs_vector(CASE lang WHEN 'ru' THEN 'russian'::regconfig WHEN 'en' THEN 'english'::regconfig
        ELSE 'simple'::regconfig END, body_text)
) STORED;
CREATE INDEX articles_search_pairs ON articles USING GIN (search_pairs);
