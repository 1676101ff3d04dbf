-- The desk's list of manual items moves off work_items into a table of its own, kept by the desk
-- trigger of migrations 0007/0011, so the robots' hot path stops paying for the desk's indexes.
-- See docs/architecture.md "PostgreSQL claim path".
--
-- Every UPDATE of a work item opens every index of work_items, builds each one's predicate and
-- expressions and tests them on both rows, even when no entry is written: the eight partial desk
-- indexes (status = 'manual') cost about 45 us of server CPU on each complete-and-claim (measured:
-- machine CPU per item 9 % lower without them, 1 worker, 3 runs each, and 8 % more items/s with 4).
-- desk_items holds one row per item in manual handling with the columns the desk filters and sorts
-- on; the desk joins work_items by id for the rest. The trigger fires only when an item enters,
-- leaves or changes while in manual handling (its WHEN clause is unchanged), in the same
-- transaction as the change, so the list is never behind the items. (SQLite keeps the partial
-- indexes on work_items: it evaluates a partial index's predicate per row, with no per-statement
-- set-up, and its single-worker target is met.)
-- depends: 0011_claim_without_convoys

CREATE TABLE desk_items (
    id            bigint PRIMARY KEY,
    queue         text NOT NULL,
    reference     text NOT NULL,
    manual_reason text,
    assigned_to   text,
    created_at    timestamptz NOT NULL,
    organisation  text,
    period        text
);

INSERT INTO desk_items (id, queue, reference, manual_reason, assigned_to, created_at, organisation, period)
SELECT id, queue, reference, manual_reason, assigned_to, created_at, payload ->> 'organisation',
       coalesce(payload ->> 'period', payload ->> 'income_month', payload ->> 'run_period')
FROM work_items WHERE status = 'manual';

DROP INDEX ix_desk_created;
DROP INDEX ix_desk_queue_created;
DROP INDEX ix_desk_reason;
DROP INDEX ix_desk_counts;
DROP INDEX ix_desk_assignee;
DROP INDEX ix_desk_reference;
DROP INDEX ix_desk_organisation;
DROP INDEX ix_desk_period;

CREATE INDEX ix_desk_created ON desk_items (created_at, id);
CREATE INDEX ix_desk_queue_created ON desk_items (queue, created_at, id);
CREATE INDEX ix_desk_reason ON desk_items (manual_reason, id);
CREATE INDEX ix_desk_counts ON desk_items (queue, manual_reason, assigned_to, created_at);
CREATE INDEX ix_desk_assignee ON desk_items ((coalesce(assigned_to, '')), id);
CREATE INDEX ix_desk_reference ON desk_items (reference, id);
CREATE INDEX ix_desk_organisation ON desk_items (organisation);
CREATE INDEX ix_desk_period ON desk_items (period);

CREATE OR REPLACE FUNCTION desk_count_manual() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = 'manual' THEN
        IF NEW.status = 'manual' THEN  -- still on the desk: keep its row and its reason's count current
            IF OLD.queue IS DISTINCT FROM NEW.queue OR OLD.manual_reason IS DISTINCT FROM NEW.manual_reason THEN
                UPDATE desk_reason_counts SET n = n - 1
                WHERE queue = OLD.queue AND manual_reason = coalesce(OLD.manual_reason, '');
                INSERT INTO desk_reason_counts (queue, manual_reason, n) VALUES (NEW.queue, coalesce(NEW.manual_reason, ''), 1)
                ON CONFLICT (queue, manual_reason) DO UPDATE SET n = desk_reason_counts.n + 1;
            END IF;
            IF (OLD.queue, OLD.reference, OLD.manual_reason, OLD.assigned_to, OLD.created_at, OLD.payload)
               IS DISTINCT FROM (NEW.queue, NEW.reference, NEW.manual_reason, NEW.assigned_to, NEW.created_at, NEW.payload) THEN
                UPDATE desk_items
                SET queue = NEW.queue, reference = NEW.reference, manual_reason = NEW.manual_reason,
                    assigned_to = NEW.assigned_to, created_at = NEW.created_at,
                    organisation = NEW.payload ->> 'organisation',
                    period = coalesce(NEW.payload ->> 'period', NEW.payload ->> 'income_month', NEW.payload ->> 'run_period')
                WHERE id = NEW.id;
            END IF;
            RETURN NULL;
        END IF;
        UPDATE desk_reason_counts SET n = n - 1  -- leaving the desk
        WHERE queue = OLD.queue AND manual_reason = coalesce(OLD.manual_reason, '');
        DELETE FROM desk_items WHERE id = OLD.id;
        RETURN NULL;
    END IF;
    IF NEW.status = 'manual' THEN  -- arriving on the desk
        INSERT INTO desk_reason_counts (queue, manual_reason, n) VALUES (NEW.queue, coalesce(NEW.manual_reason, ''), 1)
        ON CONFLICT (queue, manual_reason) DO UPDATE SET n = desk_reason_counts.n + 1;
        INSERT INTO desk_items (id, queue, reference, manual_reason, assigned_to, created_at, organisation, period)
        VALUES (NEW.id, NEW.queue, NEW.reference, NEW.manual_reason, NEW.assigned_to, NEW.created_at,
                NEW.payload ->> 'organisation',
                coalesce(NEW.payload ->> 'period', NEW.payload ->> 'income_month', NEW.payload ->> 'run_period'));
    END IF;
    RETURN NULL;
END $$;
