DROP TRIGGER article_media_relations ON article_media;
DROP TRIGGER article_meetings_relations ON article_meetings;
DROP TRIGGER article_authors_relations ON article_authors;
DROP FUNCTION article_relations_write();
ALTER TABLE articles DROP COLUMN relations;
DROP FUNCTION article_relations(BIGINT);
