-- Content API keys (the Ghost Content API at /ghost/api/content/): a
-- front-end or an app sends one as ?key=. Only a SHA-256 of the key is
-- kept; hint is its last four digits, so an admin can tell keys apart.
-- A revoked key stays, with revoked_at set, so the list shows what was
-- refused and a name is never silently reused for another key.
CREATE TABLE api_keys (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    key_hash   TEXT NOT NULL UNIQUE,
    hint       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
