-- The archive's words, as written (lowercased), for prefix search: "harb*"
-- is searched as the OR of the words that start with "harb", since FTS5's
-- own prefix query merges the lists of every such word before it answers
-- (230 ms for "th*" at 100,000 articles). Written with each article; a word
-- is never taken out, as a word no article has any more matches nothing.
-- Filled for the articles already stored by the start-up check.
CREATE TABLE search_words (word TEXT PRIMARY KEY) WITHOUT ROWID;
