-- Static pages (About, How to give safely) and redirects from old URLs
-- (imports from WordPress and Ghost, or typed by an editor).

-- A page lives at /{slug}/ in the main edition and /{lang}/{slug}/ in the
-- other; a slug is unique per language. translation_of is 0 or the page
-- this one translates: the first page of the group, so a group is that
-- page and the pages pointing at it (one per language, checked on save).
-- No foreign key on it: the store checks it, and a copy inserts rows in ID
-- order, which a translation may not follow.
CREATE TABLE pages (
    id             INTEGER PRIMARY KEY,
    slug           TEXT NOT NULL,
    lang           TEXT NOT NULL,
    title          TEXT NOT NULL,
    body           TEXT NOT NULL DEFAULT '',
    body_html      TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    menu_order     INTEGER NOT NULL DEFAULT 0,
    translation_of INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    UNIQUE (lang, slug)
);
CREATE INDEX pages_menu ON pages (lang, menu_order) WHERE menu_order > 0;
CREATE INDEX pages_translation ON pages (translation_of) WHERE translation_of <> 0;

-- Every save of a page, as for articles.
CREATE TABLE page_revisions (
    id         INTEGER PRIMARY KEY,
    page_id    INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    user_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    snapshot   TEXT NOT NULL, -- JSON of the page's editable fields
    UNIQUE (page_id, version)
);

-- A 301 from an old path ("/old/slug/", or "/?p=123": the path and the one
-- query parameter that names the old post) to a path on this site or an
-- absolute https URL.
CREATE TABLE redirects (
    from_path  TEXT PRIMARY KEY,
    to_path    TEXT NOT NULL,
    source     TEXT NOT NULL DEFAULT 'admin',
    created_at INTEGER NOT NULL
);
