-- Reader revenue I: manual funding entries toward the monthly goal (the
-- goal itself is in settings), campaigns, prompts and their copy variants,
-- and aggregated prompt counters (no reader identifiers, no addresses).

CREATE TABLE funding_entries (
    id         INTEGER PRIMARY KEY,
    month      TEXT NOT NULL,              -- "2006-01"
    amount     INTEGER NOT NULL CHECK (amount >= 0), -- minor units
    currency   TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX funding_entries_month ON funding_entries (month, currency);

CREATE TABLE campaigns (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER,                    -- NULL: open-ended
    created_at INTEGER NOT NULL,
    CHECK (ends_at IS NULL OR ends_at > starts_at)
);

CREATE TABLE prompts (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    placement   TEXT NOT NULL CHECK (placement IN ('top', 'end', 'inline')),
    paragraph   INTEGER NOT NULL DEFAULT 0,
    amounts     TEXT NOT NULL,             -- major units, "5,10,20"
    frequency   TEXT NOT NULL,
    audience    TEXT NOT NULL,
    thank_you   TEXT NOT NULL DEFAULT '',
    min_read    INTEGER NOT NULL DEFAULT 0,
    sections    TEXT NOT NULL DEFAULT '',  -- slugs, space-separated; empty: all
    languages   TEXT NOT NULL DEFAULT '',  -- codes, space-separated; empty: all
    cap         TEXT NOT NULL,
    priority    INTEGER NOT NULL DEFAULT 0,
    show_meter  INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX prompts_campaign ON prompts (campaign_id);

CREATE TABLE prompt_variants (
    id        INTEGER PRIMARY KEY,
    prompt_id INTEGER NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,
    slot      INTEGER NOT NULL,
    title     TEXT NOT NULL,
    body      TEXT NOT NULL,
    body_html TEXT NOT NULL,
    button    TEXT NOT NULL,
    snooze    TEXT NOT NULL,
    weight    INTEGER NOT NULL,
    UNIQUE (prompt_id, slot)
);

-- Counters outlive their variants (no foreign key): reports keep history.
CREATE TABLE prompt_counts (
    day         TEXT NOT NULL,             -- UTC "2006-01-02"
    variant_id  INTEGER NOT NULL,
    impressions INTEGER NOT NULL DEFAULT 0,
    clicks      INTEGER NOT NULL DEFAULT 0,
    snoozes     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, variant_id)
);
