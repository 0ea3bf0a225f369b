-- Two editions (issue: two languages throughout).

-- A section's, tag's or author's name in a language other than the one it
-- was entered in: News / Новости. The row's own name serves every language
-- without one here.
CREATE TABLE name_forms (
    kind   TEXT NOT NULL CHECK (kind IN ('section', 'tag', 'author')),
    ref_id INTEGER NOT NULL,
    lang   TEXT NOT NULL,
    name   TEXT NOT NULL,
    PRIMARY KEY (kind, ref_id, lang)
);

-- Articles that translate each other share a group; a group holds at most
-- one article per language (checked when linking).
CREATE TABLE article_translations (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    grp        INTEGER NOT NULL
);
CREATE INDEX article_translations_grp ON article_translations (grp);

-- The language a reader or an editor used, for the mails and pages they get.
ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT '';
ALTER TABLE newsletter_subscribers ADD COLUMN lang TEXT NOT NULL DEFAULT '';
ALTER TABLE checkouts ADD COLUMN lang TEXT NOT NULL DEFAULT '';

-- An edition's lists: its home and feeds, its section fronts.
CREATE INDEX articles_lang_live ON articles (lang, live_at) WHERE live_at IS NOT NULL;
CREATE INDEX articles_section_lang_live ON articles (section_id, lang, live_at) WHERE live_at IS NOT NULL;
