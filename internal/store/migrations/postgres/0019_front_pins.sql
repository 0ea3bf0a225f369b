-- Front pages an editor curates: a lead (position 0) and top stories
-- (1, 2, ...) pinned on the home (section_id 0) or a section's front, each
-- until an optional expiry (NULL: until unpinned). A pin whose article is
-- not live, or whose time has passed, is ignored by the pages.
CREATE TABLE front_pins (
    section_id BIGINT NOT NULL,
    position   INTEGER NOT NULL CHECK (position >= 0),
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    expires_at BIGINT,
    PRIMARY KEY (section_id, position)
);
CREATE INDEX front_pins_expires ON front_pins (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX front_pins_article ON front_pins (article_id);

-- The admin dashboard: drafts and review requests by last change, the
-- scheduled queue by time, recent corrections.
CREATE INDEX articles_status_updated ON articles (status, updated_at);
CREATE INDEX articles_status_published ON articles (status, published_at);
CREATE INDEX corrections_created ON corrections (created_at);
CREATE INDEX mail_outbox_failed ON mail_outbox (failed_at) WHERE failed_at IS NOT NULL;

-- A section's front says what the section is about, under its name.
ALTER TABLE sections ADD COLUMN description TEXT NOT NULL DEFAULT '';
