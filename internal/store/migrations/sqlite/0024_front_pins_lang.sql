-- Each edition curates its own fronts: the English and the Russian home
-- (and each section's front in either language) have pins of their own.
-- SQLite cannot change a primary key, so the table is made again with the
-- edition's language in its key; the pins made before editions had fronts
-- of their own belong to the site's main language.
CREATE TABLE front_pins_new (
    section_id INTEGER NOT NULL,
    position   INTEGER NOT NULL CHECK (position >= 0),
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    expires_at INTEGER,
    lang       TEXT NOT NULL,
    PRIMARY KEY (lang, section_id, position)
);
INSERT INTO front_pins_new (section_id, position, article_id, expires_at, lang)
SELECT section_id, position, article_id, expires_at,
       COALESCE((SELECT value FROM settings WHERE key = 'site.lang'), 'en')
FROM front_pins;
DROP TABLE front_pins;
ALTER TABLE front_pins_new RENAME TO front_pins;
CREATE INDEX front_pins_expires ON front_pins (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX front_pins_article ON front_pins (article_id);
