-- Nothing to add on SQLite: it keeps NULLs first in ascending order, so the existing
-- (published_at, id) and (status, published_at, id) indexes read backwards already give
-- "latest first, undated last" (the PostgreSQL migration of the same name adds its own).
SELECT 1;
