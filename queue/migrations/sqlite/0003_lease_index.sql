-- The lease index, keyed on the lease itself instead of the status (as on PostgreSQL, see there):
-- a lease is set exactly while an item is in progress, and lookups by id then never pick this index.
-- depends: 0002_runs

DROP INDEX ix_work_items_leases;
CREATE INDEX ix_work_items_leases ON work_items (lease_expires_at) WHERE lease_expires_at IS NOT NULL;
