-- The sitemap lists every live article: this index holds all it reads, so
-- listing 50,000 articles never touches the rows (and their bodies).
CREATE INDEX articles_sitemap ON articles (live_at, id, slug, published_at, updated_at) WHERE live_at IS NOT NULL;
