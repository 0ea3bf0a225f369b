-- Mail: the outbox every mail goes through, and newsletters (subscribers,
-- and one row per send so a digest goes out once across nodes).
-- Addresses are personal data: stored sealed (secret.Box), found by their
-- keyed lookup hash, never in clear text.

CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    recipient       BLOB NOT NULL, -- sealed address
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL DEFAULT '',
    headers         TEXT NOT NULL DEFAULT '{}', -- JSON object
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    claim_token     TEXT,    -- the node sending it now
    claimed_until   INTEGER, -- its lease: after this another node may take it
    sent_at         INTEGER,
    failed_at       INTEGER, -- given up after too many attempts
    last_error      TEXT NOT NULL DEFAULT '' -- with the address scrubbed
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

CREATE TABLE newsletter_subscribers (
    id              INTEGER PRIMARY KEY,
    list            TEXT NOT NULL,
    email           BLOB NOT NULL, -- sealed address
    email_lookup    BLOB NOT NULL, -- keyed hash of the normalized address
    status          TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed')),
    confirm_hash    TEXT,          -- SHA-256 of the pending confirmation token; NULL once used
    created_at      INTEGER NOT NULL,
    confirmed_at    INTEGER,
    unsubscribed_at INTEGER,
    UNIQUE (list, email_lookup)
);
CREATE INDEX newsletter_subscribers_confirm ON newsletter_subscribers (confirm_hash);

CREATE TABLE newsletter_sends (
    id         INTEGER PRIMARY KEY,
    list       TEXT NOT NULL,
    key        TEXT NOT NULL, -- "digest:2026-11-29", "article:42"
    article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    recipients INTEGER NOT NULL DEFAULT 0,
    UNIQUE (list, key)
);
