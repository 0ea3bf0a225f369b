-- A supporter's sign-in, held on the server so that signing out ends it
-- everywhere: the cookie carries a random token, this table its hash.
CREATE TABLE supporter_sessions (
    token_hash   TEXT PRIMARY KEY,
    supporter_id INTEGER NOT NULL REFERENCES supporters(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX supporter_sessions_expires ON supporter_sessions (expires_at);
