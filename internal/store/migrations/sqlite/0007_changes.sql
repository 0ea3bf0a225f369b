-- The change feed: every write that changes what a public page shows
-- appends a row in its own transaction. Nodes follow it by sequence and
-- drop the cached pages named by keys (space-separated; see changes.go).
CREATE TABLE changes (
    seq  INTEGER PRIMARY KEY, -- 1, 2, 3…: no gaps (see recordChange)
    keys TEXT NOT NULL,
    at   INTEGER NOT NULL
);
CREATE INDEX changes_at ON changes (at);
