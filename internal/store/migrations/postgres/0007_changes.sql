-- The change feed: every write that changes what a public page shows
-- appends a row in its own transaction. Nodes follow it by sequence and
-- drop the cached pages named by keys (space-separated; see changes.go).
-- Writers take a transaction-level advisory lock and number rows MAX + 1
-- under it, so rows become visible in sequence order without gaps and a
-- follower never skips one.
CREATE TABLE changes (
    seq  BIGINT PRIMARY KEY, -- 1, 2, 3…: no gaps (see recordChange)
    keys TEXT NOT NULL,
    at   BIGINT NOT NULL
);
CREATE INDEX changes_at ON changes (at);
