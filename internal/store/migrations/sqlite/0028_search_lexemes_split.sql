-- PostgreSQL's 0028 remakes its own search table (search_lexemes); the
-- migration keeps the two engines' schema versions in step, as migrate-db
-- and restore require.
SELECT 1;
