DROP INDEX articles_scheduled_idx;
UPDATE articles SET status = 'draft' WHERE status = 'scheduled';
ALTER TABLE articles DROP CONSTRAINT articles_status_check;
ALTER TABLE articles ADD CONSTRAINT articles_status_check
    CHECK (status IN ('draft','published','archived'));
