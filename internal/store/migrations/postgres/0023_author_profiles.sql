-- Author profiles: a byline may belong to a newsroom account (at most one
-- byline per account; the byline stays when the account is deleted), and
-- has a photo (a media library key, '' for none) and links (absolute
-- http(s) or mailto: URLs, one a line, in the order shown). A tag's front
-- says what the tag is about, under its name.
ALTER TABLE authors ADD COLUMN user_id BIGINT REFERENCES users(id) ON DELETE SET NULL;
CREATE UNIQUE INDEX authors_user ON authors (user_id);
ALTER TABLE authors ADD COLUMN photo_key TEXT NOT NULL DEFAULT '';
ALTER TABLE authors ADD COLUMN links TEXT NOT NULL DEFAULT '';
ALTER TABLE tags ADD COLUMN description TEXT NOT NULL DEFAULT '';
