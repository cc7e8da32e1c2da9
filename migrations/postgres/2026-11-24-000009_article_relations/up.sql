-- An article's authors, meetings and gallery, each in order, as one JSON text kept in its row:
-- `[[author, …], [meeting_id, …], [[media_id, caption], …]]`. The triggers below keep it in step
-- with article_authors, article_meetings and article_media, whatever writes them (the API, an
-- import, the demo data), so that reading an article, or a page of them, is reading rows.
CREATE FUNCTION article_relations(article BIGINT) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT '['
        || COALESCE((SELECT json_agg(r.name ORDER BY r.position)::text
            FROM article_authors r WHERE r.article_id = article), '[]') || ','
        || COALESCE((SELECT json_agg(r.meeting_id ORDER BY r.position)::text
            FROM article_meetings r WHERE r.article_id = article), '[]') || ','
        || COALESCE((SELECT json_agg(json_build_array(r.media_id, r.caption) ORDER BY r.position)::text
            FROM article_media r WHERE r.article_id = article), '[]')
        || ']'
$$;

ALTER TABLE articles ADD COLUMN relations TEXT NOT NULL DEFAULT '[[],[],[]]';
UPDATE articles SET relations = article_relations(id);

CREATE FUNCTION article_relations_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE articles SET relations = article_relations(OLD.article_id) WHERE id = OLD.article_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.article_id <> OLD.article_id) THEN
        UPDATE articles SET relations = article_relations(NEW.article_id) WHERE id = NEW.article_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER article_authors_relations AFTER INSERT OR UPDATE OR DELETE ON article_authors
    FOR EACH ROW EXECUTE FUNCTION article_relations_write();
CREATE TRIGGER article_meetings_relations AFTER INSERT OR UPDATE OR DELETE ON article_meetings
    FOR EACH ROW EXECUTE FUNCTION article_relations_write();
CREATE TRIGGER article_media_relations AFTER INSERT OR UPDATE OR DELETE ON article_media
    FOR EACH ROW EXECUTE FUNCTION article_relations_write();
