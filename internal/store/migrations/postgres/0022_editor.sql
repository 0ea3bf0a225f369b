-- Drafts the editor saves by itself while someone types: one per article
-- and account, kept apart from article_revisions so that an autosave never
-- bumps the article's version, never reaches a public page and never makes
-- a static export think the article changed.
CREATE TABLE article_autosaves (
    article_id   BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    base_version INTEGER NOT NULL, -- the saved version the writer started from
    created_at   BIGINT NOT NULL,
    snapshot     TEXT NOT NULL, -- JSON, as in article_revisions
    PRIMARY KEY (article_id, user_id)
);

-- The media library: every stored image, with the words it was uploaded
-- with, so that it can be found again and put into a body as a figure.
CREATE TABLE media_images (
    image_key  TEXT PRIMARY KEY,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    widths     TEXT NOT NULL,
    variants   TEXT NOT NULL DEFAULT '',
    alt        TEXT NOT NULL DEFAULT '',
    credit     TEXT NOT NULL DEFAULT '',
    caption    TEXT NOT NULL DEFAULT '',
    file_name  TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX media_images_created ON media_images (created_at);

-- Where each image is used: as an article's lead photo or in its body.
CREATE TABLE article_media (
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    image_key  TEXT NOT NULL,
    is_lead    INTEGER NOT NULL DEFAULT 0, -- 1: the lead photo
    PRIMARY KEY (article_id, image_key)
);
CREATE INDEX article_media_key ON article_media (image_key);

-- The lead photos stored before the library.
INSERT INTO media_images (image_key, width, height, widths, variants, alt, credit, caption, created_at)
    SELECT image_key, MAX(image_width), MAX(image_height), MAX(image_widths), MIN(image_variants),
        MAX(image_alt), MAX(image_credit), MAX(image_caption), MIN(created_at)
    FROM articles WHERE image_key <> '' GROUP BY image_key;
INSERT INTO article_media (article_id, image_key, is_lead)
    SELECT id, image_key, 1 FROM articles WHERE image_key <> '';

-- The newsroom's article list, newest first, whole or by status or by the
-- account that created the articles: without these it sorted every article.
CREATE INDEX articles_admin_created ON articles (created_at, id);
CREATE INDEX articles_admin_status_created ON articles (status, created_at, id);
CREATE INDEX articles_admin_creator_created ON articles (created_by, created_at, id);
