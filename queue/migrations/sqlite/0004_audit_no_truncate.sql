-- Kept in step with PostgreSQL's 0004 (a TRUNCATE guard on audit_events). SQLite has no TRUNCATE:
-- "DELETE FROM audit_events" already meets the delete trigger of 0001, so nothing changes here.
-- depends: 0003_lease_index

DROP TRIGGER IF EXISTS audit_events_no_truncate;  -- no such trigger on SQLite: a statement yoyo can run
