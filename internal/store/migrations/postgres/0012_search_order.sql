-- SQLite's 0012 re-keys its full-text index in publication order.
-- PostgreSQL's index needs no change; the migration keeps the two engines'
-- schema versions in step, as migrate-db and restore require.
SELECT 1;
