DROP TABLE article_revisions;
