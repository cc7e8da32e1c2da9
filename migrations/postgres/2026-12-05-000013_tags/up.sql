-- Tags: a newsroom's own keywords, ordered on each article (the first is its primary tag).
CREATE TABLE tags (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    description TEXT,
    name_folded TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX tags_name_folded_idx ON tags (name_folded, id);

CREATE TABLE article_tags (
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_tag_id_idx ON article_tags (tag_id, article_id);

-- The relations kept in each article's row gain a fourth list, its tag ids in order:
-- `[[author, …], [meeting_id, …], [[media_id, caption], …], [tag_id, …]]`. Rows written before
-- read as having no tags.
CREATE OR REPLACE FUNCTION article_relations(article BIGINT) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT '['
        || COALESCE((SELECT json_agg(r.name ORDER BY r.position)::text
            FROM article_authors r WHERE r.article_id = article), '[]') || ','
        || COALESCE((SELECT json_agg(r.meeting_id ORDER BY r.position)::text
            FROM article_meetings r WHERE r.article_id = article), '[]') || ','
        || COALESCE((SELECT json_agg(json_build_array(r.media_id, r.caption) ORDER BY r.position)::text
            FROM article_media r WHERE r.article_id = article), '[]') || ','
        || COALESCE((SELECT json_agg(r.tag_id ORDER BY r.position)::text
            FROM article_tags r WHERE r.article_id = article), '[]')
        || ']'
$$;

CREATE TRIGGER article_tags_relations AFTER INSERT OR UPDATE OR DELETE ON article_tags
    FOR EACH ROW EXECUTE FUNCTION article_relations_write();
