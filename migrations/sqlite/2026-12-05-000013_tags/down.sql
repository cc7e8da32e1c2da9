DROP TRIGGER article_tags_relations_insert;
DROP TRIGGER article_tags_relations_delete;
DROP TRIGGER article_tags_relations_update;
DROP TABLE article_tags;
DROP TABLE tags;
DROP VIEW article_relations;
CREATE VIEW article_relations AS
SELECT a.id AS article_id, '['
    || (SELECT json_group_array(o.name) FROM (SELECT r.name FROM article_authors r
        WHERE r.article_id = a.id ORDER BY r.position) o) || ','
    || (SELECT json_group_array(o.meeting_id) FROM (SELECT r.meeting_id FROM article_meetings r
        WHERE r.article_id = a.id ORDER BY r.position) o) || ','
    || (SELECT json_group_array(json(o.item)) FROM (SELECT json_array(r.media_id, r.caption) AS item
        FROM article_media r WHERE r.article_id = a.id ORDER BY r.position) o)
    || ']' AS relations
FROM articles a;
UPDATE articles SET relations = (SELECT v.relations FROM article_relations v WHERE v.article_id = articles.id);
