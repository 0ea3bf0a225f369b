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
