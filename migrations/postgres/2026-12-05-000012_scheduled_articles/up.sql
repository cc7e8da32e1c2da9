-- An article may wait for its publication time: `scheduled`.
ALTER TABLE articles DROP CONSTRAINT articles_status_check;
ALTER TABLE articles ADD CONSTRAINT articles_status_check
    CHECK (status IN ('draft','scheduled','published','archived'));
-- What the scheduler looks for, in the order it publishes.
CREATE INDEX articles_scheduled_idx ON articles (published_at, id) WHERE status = 'scheduled';
