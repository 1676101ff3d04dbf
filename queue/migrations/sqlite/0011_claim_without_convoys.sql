-- Work items are never deleted (cancel them instead), on both backends: the audit trail's events
-- point at them. (The PostgreSQL migration of the same name also reworks its claim; SQLite's single
-- writer has no lock convoys to avoid.)
-- depends: 0010_alerts

CREATE TRIGGER work_items_never_deleted BEFORE DELETE ON work_items
BEGIN
    SELECT RAISE(ABORT, 'work_items: items are never deleted (cancel them instead)');
END;
