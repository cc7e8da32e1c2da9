DROP INDEX targets_period_end_idx;
ALTER TABLE targets DROP COLUMN indicator_folded;
DROP INDEX directives_progress_idx;
DROP INDEX directives_pending_due_date_idx;
ALTER TABLE directives DROP COLUMN cancelled_on;
ALTER TABLE directives DROP COLUMN completed_on;
