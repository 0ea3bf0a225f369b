-- Reader revenue: supporters, checkouts, bank pledges, subscriptions, the
-- append-only ledger and the webhook inbox that makes it exactly-once.

-- A supporter is an e-mail address, sealed (AES-GCM) and found by a keyed
-- hash of it: the address itself is never stored in clear.
CREATE TABLE supporters (
    id           INTEGER PRIMARY KEY,
    email_lookup BLOB NOT NULL UNIQUE,
    email_sealed BLOB NOT NULL,
    created_at   INTEGER NOT NULL
);

-- Single-use sign-in links, stored as a hash of the token.
CREATE TABLE supporter_tokens (
    token_hash   TEXT PRIMARY KEY,
    supporter_id INTEGER NOT NULL REFERENCES supporters(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER
);

-- A checkout is written before the provider is called: its id is the
-- idempotency key, and it keeps the attribution whatever order the
-- provider's events arrive in.
CREATE TABLE checkouts (
    id           TEXT PRIMARY KEY,
    provider     TEXT NOT NULL,
    frequency    TEXT NOT NULL,
    amount       INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    campaign_id  INTEGER NOT NULL DEFAULT 0,
    prompt_id    INTEGER NOT NULL DEFAULT 0,
    variant_id   INTEGER NOT NULL DEFAULT 0,
    receipt      INTEGER NOT NULL DEFAULT 0,
    supporter_id INTEGER REFERENCES supporters(id) ON DELETE SET NULL,
    provider_ref TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL
);

-- Bank transfer pledges: a reader promises a transfer with a reference;
-- staff mark it received, or it expires.
CREATE TABLE pledges (
    id           INTEGER PRIMARY KEY,
    reference    TEXT NOT NULL UNIQUE,
    frequency    TEXT NOT NULL,
    amount       INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    campaign_id  INTEGER NOT NULL DEFAULT 0,
    prompt_id    INTEGER NOT NULL DEFAULT 0,
    variant_id   INTEGER NOT NULL DEFAULT 0,
    supporter_id INTEGER REFERENCES supporters(id) ON DELETE SET NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'received', 'expired')),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    received_at  INTEGER,
    received_by  INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX pledges_open ON pledges (status, expires_at);

CREATE TABLE subscriptions (
    id            INTEGER PRIMARY KEY,
    provider      TEXT NOT NULL,
    ref           TEXT NOT NULL,
    customer_ref  TEXT NOT NULL DEFAULT '',
    checkout_id   TEXT NOT NULL DEFAULT '',
    supporter_id  INTEGER REFERENCES supporters(id) ON DELETE SET NULL,
    status        TEXT NOT NULL,
    frequency     TEXT NOT NULL,
    amount        INTEGER NOT NULL,
    currency      TEXT NOT NULL,
    campaign_id   INTEGER NOT NULL DEFAULT 0,
    prompt_id     INTEGER NOT NULL DEFAULT 0,
    variant_id    INTEGER NOT NULL DEFAULT 0,
    started_at    INTEGER NOT NULL,
    ended_at      INTEGER,
    next_renewal  INTEGER,
    status_at     INTEGER NOT NULL, -- time of the provider event that set status
    UNIQUE (provider, ref)
);

-- Append-only: rows are inserted, never updated or deleted. Amounts are
-- minor units: positive for gifts, negative for refunds and disputes.
CREATE TABLE ledger_entries (
    id               INTEGER PRIMARY KEY,
    provider         TEXT NOT NULL,
    ref              TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('gift', 'refund', 'dispute')),
    frequency        TEXT NOT NULL,
    amount           INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    at               INTEGER NOT NULL,
    campaign_id      INTEGER NOT NULL DEFAULT 0,
    prompt_id        INTEGER NOT NULL DEFAULT 0,
    variant_id       INTEGER NOT NULL DEFAULT 0,
    supporter_id     INTEGER REFERENCES supporters(id) ON DELETE SET NULL,
    subscription_ref TEXT NOT NULL DEFAULT '',
    payment_ref      TEXT NOT NULL DEFAULT '', -- the charge a refund or dispute is against
    UNIQUE (provider, ref)
);
CREATE INDEX ledger_entries_at ON ledger_entries (at);

-- Every webhook delivery that verified, once per (provider, event id); the
-- payload is sealed, since it may carry a donor's e-mail.
CREATE TABLE webhook_inbox (
    provider       TEXT NOT NULL,
    event_id       TEXT NOT NULL,
    type           TEXT NOT NULL,
    received_at    INTEGER NOT NULL,
    handled        INTEGER NOT NULL, -- 0: kept but ignored (unknown type)
    payload_sealed BLOB NOT NULL,
    PRIMARY KEY (provider, event_id)
);
