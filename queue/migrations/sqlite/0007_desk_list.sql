-- The caseworker desk's list of manual items (robots/web/sql/sqlite.sql): one partial index per sort
-- order (key, id) for keyset paging, a covering index for the counts per reason, and the payload's
-- organisation and period for the filters. Partial (status = 'manual'): items the robots move
-- through new/in_progress/done never enter them.
-- depends: 0006_users

CREATE INDEX ix_desk_created ON work_items (created_at, id) WHERE status = 'manual';
CREATE INDEX ix_desk_queue_created ON work_items (queue, created_at, id) WHERE status = 'manual';
CREATE INDEX ix_desk_reason ON work_items (manual_reason, id) WHERE status = 'manual';
CREATE INDEX ix_desk_counts ON work_items (queue, manual_reason, assigned_to, created_at) WHERE status = 'manual';
CREATE INDEX ix_desk_assignee ON work_items (coalesce(assigned_to, ''), id) WHERE status = 'manual';
CREATE INDEX ix_desk_reference ON work_items (reference, id) WHERE status = 'manual';
CREATE INDEX ix_desk_organisation ON work_items (json_extract(payload, '$.organisation')) WHERE status = 'manual';
CREATE INDEX ix_desk_period ON work_items (coalesce(json_extract(payload, '$.period'), json_extract(payload, '$.income_month'),
             json_extract(payload, '$.run_period')))
    WHERE status = 'manual';

-- Manual items per queue and reason, kept by triggers as items enter and leave manual handling, so
-- the desk's counts per reason (unfiltered, or by process) cost a handful of rows, not a count of
-- every manual item. The triggers fire only when an item enters or leaves 'manual' (or changes
-- reason or queue while there): the robots' claim and complete never touch this table.
CREATE TABLE desk_reason_counts (
    queue         TEXT NOT NULL,
    manual_reason TEXT NOT NULL,
    n             INTEGER NOT NULL,
    PRIMARY KEY (queue, manual_reason)
);
INSERT INTO desk_reason_counts (queue, manual_reason, n)
SELECT queue, coalesce(manual_reason, ''), count(*) FROM work_items WHERE status = 'manual' GROUP BY 1, 2;

CREATE TRIGGER desk_count_insert AFTER INSERT ON work_items WHEN NEW.status = 'manual'
BEGIN
    INSERT INTO desk_reason_counts (queue, manual_reason, n) VALUES (NEW.queue, coalesce(NEW.manual_reason, ''), 1)
    ON CONFLICT (queue, manual_reason) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER desk_count_leave AFTER UPDATE ON work_items
WHEN OLD.status = 'manual' AND (NEW.status IS NOT 'manual' OR NEW.manual_reason IS NOT OLD.manual_reason
                                OR NEW.queue IS NOT OLD.queue)
BEGIN
    UPDATE desk_reason_counts SET n = n - 1 WHERE queue = OLD.queue AND manual_reason = coalesce(OLD.manual_reason, '');
END;

CREATE TRIGGER desk_count_enter AFTER UPDATE ON work_items
WHEN NEW.status = 'manual' AND (OLD.status IS NOT 'manual' OR NEW.manual_reason IS NOT OLD.manual_reason
                                OR NEW.queue IS NOT OLD.queue)
BEGIN
    INSERT INTO desk_reason_counts (queue, manual_reason, n) VALUES (NEW.queue, coalesce(NEW.manual_reason, ''), 1)
    ON CONFLICT (queue, manual_reason) DO UPDATE SET n = n + 1;
END;
