-- The caseworker desk's list of manual items (robots/web/sql/postgresql.sql): one partial index per
-- sort order (key, id) for keyset paging, a covering index for the counts per reason (index-only
-- scans), and the payload's organisation and period for the filters. Partial (status = 'manual'):
-- items the robots move through new/in_progress/done never enter them.
-- depends: 0006_users

CREATE INDEX ix_desk_created ON work_items (created_at, id) WHERE status = 'manual';
CREATE INDEX ix_desk_queue_created ON work_items (queue, created_at, id) WHERE status = 'manual';
CREATE INDEX ix_desk_reason ON work_items (manual_reason, id) WHERE status = 'manual';
CREATE INDEX ix_desk_counts ON work_items (queue, manual_reason, assigned_to, created_at) WHERE status = 'manual';
CREATE INDEX ix_desk_assignee ON work_items ((coalesce(assigned_to, '')), id) WHERE status = 'manual';
CREATE INDEX ix_desk_reference ON work_items (reference, id) WHERE status = 'manual';
CREATE INDEX ix_desk_organisation ON work_items ((payload ->> 'organisation')) WHERE status = 'manual';
CREATE INDEX ix_desk_period ON work_items ((coalesce(payload ->> 'period', payload ->> 'income_month', payload ->> 'run_period')))
    WHERE status = 'manual';

-- Manual items per queue and reason, kept by triggers as items enter and leave manual handling, so
-- the desk's counts per reason (unfiltered, or by process) cost a handful of rows, not a count of
-- every manual item. The triggers fire only when an item enters or leaves 'manual' (or changes
-- reason or queue while there): the robots' claim and complete never call the function.
CREATE TABLE desk_reason_counts (
    queue         text NOT NULL,
    manual_reason text NOT NULL,
    n             bigint NOT NULL,
    PRIMARY KEY (queue, manual_reason)
);
INSERT INTO desk_reason_counts (queue, manual_reason, n)
SELECT queue, coalesce(manual_reason, ''), count(*) FROM work_items WHERE status = 'manual' GROUP BY 1, 2;

CREATE FUNCTION desk_count_manual() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.status = 'manual' THEN
            UPDATE desk_reason_counts SET n = n - 1
            WHERE queue = OLD.queue AND manual_reason = coalesce(OLD.manual_reason, '');
        END IF;
    END IF;
    IF NEW.status = 'manual' THEN
        INSERT INTO desk_reason_counts (queue, manual_reason, n) VALUES (NEW.queue, coalesce(NEW.manual_reason, ''), 1)
        ON CONFLICT (queue, manual_reason) DO UPDATE SET n = desk_reason_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER desk_count_insert AFTER INSERT ON work_items
    FOR EACH ROW WHEN (NEW.status = 'manual') EXECUTE FUNCTION desk_count_manual();
CREATE TRIGGER desk_count_update AFTER UPDATE ON work_items
    FOR EACH ROW WHEN ((OLD.status = 'manual' OR NEW.status = 'manual')
                       AND (OLD.status IS DISTINCT FROM NEW.status
                            OR OLD.manual_reason IS DISTINCT FROM NEW.manual_reason
                            OR OLD.queue IS DISTINCT FROM NEW.queue))
    EXECUTE FUNCTION desk_count_manual();
