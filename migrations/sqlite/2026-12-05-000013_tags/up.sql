-- Tags: a newsroom's own keywords, ordered on each article (the first is its primary tag).
CREATE TABLE tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
DROP VIEW article_relations;
CREATE VIEW article_relations AS
SELECT a.id AS article_id, '['
    || (SELECT json_group_array(o.name) FROM (SELECT r.name FROM article_authors r
        WHERE r.article_id = a.id ORDER BY r.position) o) || ','
    || (SELECT json_group_array(o.meeting_id) FROM (SELECT r.meeting_id FROM article_meetings r
        WHERE r.article_id = a.id ORDER BY r.position) o) || ','
    || (SELECT json_group_array(json(o.item)) FROM (SELECT json_array(r.media_id, r.caption) AS item
        FROM article_media r WHERE r.article_id = a.id ORDER BY r.position) o) || ','
    || (SELECT json_group_array(o.tag_id) FROM (SELECT r.tag_id FROM article_tags r
        WHERE r.article_id = a.id ORDER BY r.position) o)
    || ']' AS relations
FROM articles a;

CREATE TRIGGER article_tags_relations_insert AFTER INSERT ON article_tags BEGIN
    UPDATE articles SET relations = (SELECT v.relations FROM article_relations v
        WHERE v.article_id = articles.id) WHERE id = NEW.article_id;
END;

CREATE TRIGGER article_tags_relations_delete AFTER DELETE ON article_tags BEGIN
    UPDATE articles SET relations = (SELECT v.relations FROM article_relations v
        WHERE v.article_id = articles.id) WHERE id = OLD.article_id;
END;

CREATE TRIGGER article_tags_relations_update AFTER UPDATE ON article_tags BEGIN
    UPDATE articles SET relations = (SELECT v.relations FROM article_relations v
        WHERE v.article_id = articles.id) WHERE id IN (OLD.article_id, NEW.article_id);
END;
