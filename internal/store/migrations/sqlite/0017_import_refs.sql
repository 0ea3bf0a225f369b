-- What an import made from a source's own items: a WordPress or Ghost
-- post, page, author, category or tag (kind) by the id the source gave it,
-- the row made here for it and a hash of what was imported, so a second
-- run updates what changed and never makes anything twice.
CREATE TABLE import_refs (
    source      TEXT NOT NULL,    -- 'wordpress', 'ghost'
    kind        TEXT NOT NULL,    -- 'post', 'page', 'author', 'section', 'member'
    source_id   TEXT NOT NULL,
    local_id    INTEGER NOT NULL,
    hash        TEXT NOT NULL DEFAULT '',
    imported_at INTEGER NOT NULL,
    PRIMARY KEY (source, kind, source_id)
);

-- A supporter's customer at Stripe, from an imported members list, for
-- reconciling their payments there with the ledger here.
ALTER TABLE supporters ADD COLUMN stripe_customer_id TEXT NOT NULL DEFAULT '';
