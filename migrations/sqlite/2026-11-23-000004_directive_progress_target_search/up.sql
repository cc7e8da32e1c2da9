-- What the progress of a directive and the search of targets are computed from.
--
-- completed_on / cancelled_on: the calendar date in Vietnam on which a directive was completed or
-- cancelled, written by the write path beside completed_at. Progress compares them with bound dates
-- (never with SQL date functions, which differ between the backends).
-- Vietnam has kept UTC+7 without daylight saving since 1975, so the backfill adds seven hours.
ALTER TABLE directives ADD COLUMN completed_on DATE;
ALTER TABLE directives ADD COLUMN cancelled_on DATE;
UPDATE directives SET completed_at = updated_at WHERE status = 'done' AND completed_at IS NULL;
UPDATE directives SET completed_at = NULL WHERE status <> 'done';
UPDATE directives SET completed_on = date(completed_at, '+7 hours')
    WHERE completed_at IS NOT NULL;
UPDATE directives SET cancelled_on = date(updated_at, '+7 hours')
    WHERE status = 'cancelled';

-- Directives still to be done, by deadline: `progress=overdue|due_soon|on_track` in due-date order.
CREATE INDEX directives_pending_due_date_idx ON directives (due_date, id)
    WHERE status IN ('open', 'in_progress');
-- Everything the progress buckets read, so a summary reads the index alone.
CREATE INDEX directives_progress_idx ON directives (status, due_date, completed_on, cancelled_on);

-- The indicator folded for search (lower case, no diacritics, đ as d); the application folds it on
-- every write and fills rows left empty here when it migrates.
ALTER TABLE targets ADD COLUMN indicator_folded TEXT NOT NULL DEFAULT '';
CREATE INDEX targets_period_end_idx ON targets (period_end, id);
