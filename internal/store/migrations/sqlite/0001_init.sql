-- The publish pillar: sections, authors, tags, articles and their links.
-- Times are Unix seconds (UTC), computed in Go, so the SQL stays portable.

CREATE TABLE sections (
    id       INTEGER PRIMARY KEY,
    slug     TEXT NOT NULL UNIQUE,
    name     TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE authors (
    id   INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    bio  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE tags (
    id   INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    slug          TEXT NOT NULL UNIQUE,
    headline      TEXT NOT NULL,
    dek           TEXT NOT NULL DEFAULT '',
    body          TEXT NOT NULL DEFAULT '',
    body_html     TEXT NOT NULL DEFAULT '',
    body_text     TEXT NOT NULL DEFAULT '',
    lang          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'review', 'scheduled', 'published', 'unpublished')),
    section_id    INTEGER NOT NULL REFERENCES sections(id),
    image_key     TEXT NOT NULL DEFAULT '',
    image_width   INTEGER NOT NULL DEFAULT 0,
    image_height  INTEGER NOT NULL DEFAULT 0,
    image_widths  TEXT NOT NULL DEFAULT '',
    image_alt     TEXT NOT NULL DEFAULT '',
    image_credit  TEXT NOT NULL DEFAULT '',
    image_caption TEXT NOT NULL DEFAULT '',
    published_at  INTEGER,
    -- live_at is published_at while the article is published, NULL otherwise.
    -- Every public list reads it, so one index serves each list.
    live_at       INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX articles_live ON articles (live_at) WHERE live_at IS NOT NULL;
CREATE INDEX articles_section_live ON articles (section_id, live_at) WHERE live_at IS NOT NULL;

CREATE TABLE article_authors (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    author_id  INTEGER NOT NULL REFERENCES authors(id),
    position   INTEGER NOT NULL,
    live_at    INTEGER,
    PRIMARY KEY (article_id, author_id)
);
CREATE INDEX article_authors_live ON article_authors (author_id, live_at) WHERE live_at IS NOT NULL;

CREATE TABLE article_tags (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tags(id),
    live_at    INTEGER,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_live ON article_tags (tag_id, live_at) WHERE live_at IS NOT NULL;

CREATE TABLE corrections (
    id         INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    text       TEXT NOT NULL
);
CREATE INDEX corrections_article ON corrections (article_id);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Search: an external-content FTS5 index over the article columns, kept in
-- step by triggers. porter stems English; unicode61 folds case for Cyrillic.
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    headline, dek, body_text,
    content = 'articles', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, headline, dek, body_text) VALUES (new.id, new.headline, new.dek, new.body_text);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, headline, dek, body_text) VALUES ('delete', old.id, old.headline, old.dek, old.body_text);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF headline, dek, body_text ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, headline, dek, body_text) VALUES ('delete', old.id, old.headline, old.dek, old.body_text);
    INSERT INTO articles_fts (rowid, headline, dek, body_text) VALUES (new.id, new.headline, new.dek, new.body_text);
END;
