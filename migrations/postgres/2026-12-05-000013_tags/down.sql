DROP TRIGGER article_tags_relations ON article_tags;
DROP TABLE article_tags;
DROP TABLE tags;
CREATE OR REPLACE FUNCTION article_relations(article BIGINT) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT '['
        || COALESCE((SELECT json_agg(r.name ORDER BY r.position)::text
            FROM article_authors r WHERE r.article_id = article), '[]') || ','
        || COALESCE((SELECT json_agg(r.meeting_id ORDER BY r.position)::text
            FROM article_meetings r WHERE r.article_id = article), '[]') || ','
        || COALESCE((SELECT json_agg(json_build_array(r.media_id, r.caption) ORDER BY r.position)::text
            FROM article_media r WHERE r.article_id = article), '[]')
        || ']'
$$;
UPDATE articles SET relations = article_relations(id);
