-- The lease index, keyed on the lease itself instead of the status.
-- depends: 0002_runs
--
-- With "WHERE status = 'in_progress'" the planner may answer "id = $1 AND status = 'in_progress'"
-- (complete, heartbeat, complete-and-claim) by scanning this whole index instead of the primary key:
-- it does whenever ANALYZE last ran while nothing was in progress (the statistics then promise an
-- empty index), and the index holds an entry for every lease taken since the last VACUUM. A lease is
-- set exactly while an item is in progress, so the reaper's "status = 'in_progress' AND
-- lease_expires_at < now()" still uses this index, and lookups by id no longer can.

DROP INDEX ix_work_items_leases;
CREATE INDEX ix_work_items_leases ON work_items (lease_expires_at) WHERE lease_expires_at IS NOT NULL;
