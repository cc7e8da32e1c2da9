-- The default article order (latest first, undated last) as indexes, with and without the
-- status filter that anonymous readers get, so a page is read in order instead of sorted.
CREATE INDEX articles_published_desc_idx ON articles (published_at DESC NULLS LAST, id DESC);
CREATE INDEX articles_status_published_desc_idx ON articles (status, published_at DESC NULLS LAST, id DESC);
