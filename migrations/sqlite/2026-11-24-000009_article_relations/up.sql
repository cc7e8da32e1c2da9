-- An article's authors, meetings and gallery, each in order, as one JSON text kept in its row:
-- `[[author, …], [meeting_id, …], [[media_id, caption], …]]`. The triggers below keep it in step
-- with article_authors, article_meetings and article_media, whatever writes them (the API, an
-- import, the demo data), so that reading an article, or a page of them, is reading rows.
--
-- Each list is aggregated from a subquery in position order rather than with an ORDER BY inside
-- the aggregate, which SQLite parses only from 3.44: a schema that older SQLite cannot parse
-- would make the whole database unreadable to the sqlite3 tools of most systems.
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

ALTER TABLE articles ADD COLUMN relations TEXT NOT NULL DEFAULT '[[],[],[]]';
UPDATE articles SET relations = (SELECT v.relations FROM article_relations v WHERE v.article_id = articles.id);

CREATE TRIGGER article_authors_relations_insert AFTER INSERT ON article_authors BEGIN
    UPDATE articles SET relations = (SELECT v.relations FROM article_relations v
        WHERE v.article_id = articles.id) WHERE id = NEW.article_id;
END;

CREATE TRIGGER article_authors_relations_delete AFTER DELETE ON article_authors BEGIN
    UPDATE articles SET relations = (SELECT v.relations FROM article_relations v
        WHERE v.article_id = articles.id) WHERE id = OLD.article_id;
END;

CREATE TRIGGER article_authors_relations_update AFTER UPDATE ON article_authors BEGIN
    UPDATE articles SET relations = (SELECT v.relations FROM article_relations v
        WHERE v.article_id = articles.id) WHERE id IN (OLD.article_id, NEW.article_id);
END;

CREATE TRIGGER article_meetings_relations_insert AFTER INSERT ON article_meetings BEGIN
    UPDATE articles SET relations = (SELECT v.relations FROM article_relations v
        WHERE v.article_id = articles.id) WHERE id = NEW.article_id;
END;

CREATE TRIGGER article_meetings_relations_delete AFTER DELETE ON article_meetings BEGIN
    UPDATE articles SET relations = (SELECT v.relations FROM article_relations v
        WHERE v.article_id = articles.id) WHERE id = OLD.article_id;
END;

CREATE TRIGGER article_meetings_relations_update AFTER UPDATE ON article_meetings BEGIN
    UPDATE articles SET relations = (SELECT v.relations FROM article_relations v
        WHERE v.article_id = articles.id) WHERE id IN (OLD.article_id, NEW.article_id);
END;

CREATE TRIGGER article_media_relations_insert AFTER INSERT ON article_media BEGIN
    UPDATE articles SET relations = (SELECT v.relations FROM article_relations v
        WHERE v.article_id = articles.id) WHERE id = NEW.article_id;
END;

CREATE TRIGGER article_media_relations_delete AFTER DELETE ON article_media BEGIN
    UPDATE articles SET relations = (SELECT v.relations FROM article_relations v
        WHERE v.article_id = articles.id) WHERE id = OLD.article_id;
END;

CREATE TRIGGER article_media_relations_update AFTER UPDATE ON article_media BEGIN
    UPDATE articles SET relations = (SELECT v.relations FROM article_relations v
        WHERE v.article_id = articles.id) WHERE id IN (OLD.article_id, NEW.article_id);
END;
