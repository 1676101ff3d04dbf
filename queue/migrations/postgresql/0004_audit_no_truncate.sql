-- The audit trail is append-only against TRUNCATE too: row triggers do not fire on TRUNCATE, so a
-- statement trigger refuses it. (SQLite has no TRUNCATE; its DELETE trigger covers "DELETE FROM".)
-- depends: 0003_lease_index

CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION robots_append_only();
