-- Each edition curates its own fronts: the English and the Russian home
-- (and each section's front in either language) have pins of their own.
-- The edition's language joins the primary key; the pins made before
-- editions had fronts of their own belong to the site's main language.
ALTER TABLE front_pins ADD COLUMN lang TEXT;
UPDATE front_pins SET lang = COALESCE((SELECT value FROM settings WHERE key = 'site.lang'), 'en');
ALTER TABLE front_pins ALTER COLUMN lang SET NOT NULL;
ALTER TABLE front_pins DROP CONSTRAINT front_pins_pkey;
ALTER TABLE front_pins ADD PRIMARY KEY (lang, section_id, position);
