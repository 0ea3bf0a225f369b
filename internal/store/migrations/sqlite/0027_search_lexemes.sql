-- PostgreSQL's 0027 adds a search table of its own (as SQLite's full-text
-- index is SQLite's own); the migration keeps the two engines' schema
-- versions in step, as migrate-db and restore require.
SELECT 1;
