-- The single-item hot path without lock convoys: what the claim may skip, and costs it paid
-- on every statement that changed nothing. See docs/architecture.md "PostgreSQL claim path".
-- depends: 0010_alerts

-- 1. A row no one else is changing right now. FOR UPDATE SKIP LOCKED skips rows locked by running
-- transactions, but a row that a transaction updated and committed after this statement's snapshot
-- (another worker's claim, committed while this statement ran or waited) is still visible as 'new':
-- LockRows follows it to its latest version, locks that (the other worker's in-progress item),
-- finds it no longer matches, skips it, and keeps the lock until this transaction commits. The
-- other worker, finishing that item at once, then waits for this transaction (Lock:transactionid),
-- its own snapshot ages while it waits, and it does the same to others: a convoy (measured: 0.7 of
-- 4 workers waiting, all the time). So the claim first looks only at rows whose xmax (the last
-- transaction to update or lock the visible version) is none, is the transaction that wrote the
-- version (a visible version's writer has finished, and so has its lock), or is more than 1,000
-- transactions old; it falls back to plain SKIP LOCKED when that finds nothing: no claimable row is
-- out of reach, and one that another short-lived transaction locked without changing it (a
-- rolled-back claim, a file attached) is passed over for at most the next 1,000 transactions.
CREATE FUNCTION robots_untouched(row_xmin xid, row_xmax xid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT row_xmax = '0'::xid OR row_xmax = row_xmin OR age(row_xmax) > 1000
$$;

-- 2. The audit events' foreign key to work_items: its check ran a query per event and took a
-- FOR KEY SHARE lock on the item (a WAL record, and an xmax on every new item, which rule 1 would
-- then have to look past). Events are written only by the statements that change the item, in the
-- same transaction; work items are never deleted (this trigger), so no event can lose its item.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_item_id_fkey;
CREATE FUNCTION robots_items_never_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'work_items: items are never deleted (cancel them instead)';
END $$;
CREATE TRIGGER work_items_never_deleted BEFORE DELETE ON work_items
    FOR EACH ROW EXECUTE FUNCTION robots_items_never_deleted();
CREATE TRIGGER work_items_no_truncate BEFORE TRUNCATE ON work_items
    FOR EACH STATEMENT EXECUTE FUNCTION robots_items_never_deleted();

-- 3. work_items' CHECK constraints as domains. PostgreSQL re-reads every CHECK constraint of a
-- table from its stored text on every UPDATE statement and tests it on every row, changed or not
-- (a tenth of the claim's server time); a domain's check is compiled once per session and tested
-- only where a value is assigned. Same rules, same error class (check_violation). Changing the
-- types rewrites the table once.
-- 4. The desk's count trigger: PostgreSQL also compiles a trigger's WHEN clause from its text on
-- every UPDATE statement, so the clause is now the one test that matters for robots (neither side
-- manual: no call) and the finer tests moved into the function.
CREATE DOMAIN robots_item_status AS text
    CHECK (VALUE IN ('new', 'in_progress', 'done', 'manual', 'cancelled'));
CREATE DOMAIN robots_error_kind AS text CHECK (VALUE IN ('business', 'application'));
CREATE DOMAIN robots_reference AS text CHECK (length(VALUE) > 0);
CREATE DOMAIN robots_max_attempts AS integer CHECK (VALUE >= 1);

DROP TRIGGER desk_count_insert ON work_items;
DROP TRIGGER desk_count_update ON work_items;
ALTER TABLE work_items
    DROP CONSTRAINT work_items_status_check,
    DROP CONSTRAINT work_items_error_kind_check,
    DROP CONSTRAINT work_items_reference_check,
    DROP CONSTRAINT work_items_max_attempts_check,
    ALTER COLUMN status TYPE robots_item_status,
    ALTER COLUMN error_kind TYPE robots_error_kind,
    ALTER COLUMN reference TYPE robots_reference,
    ALTER COLUMN max_attempts TYPE robots_max_attempts;

CREATE OR REPLACE FUNCTION desk_count_manual() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.status IS NOT DISTINCT FROM NEW.status
           AND OLD.manual_reason IS NOT DISTINCT FROM NEW.manual_reason
           AND OLD.queue IS NOT DISTINCT FROM NEW.queue THEN
            RETURN NULL;
        END IF;
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
    FOR EACH ROW WHEN (OLD.status = 'manual' OR NEW.status = 'manual') EXECUTE FUNCTION desk_count_manual();
