-- Every version of an article as it was written: its fields as the API showed them (JSON), when,
-- and by whom. Kept whole, one row per version.
CREATE TABLE article_revisions (
    id BIGSERIAL PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    changed_by_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    content TEXT NOT NULL,
    UNIQUE (article_id, version)
);
