-- The audit trail's seals, the scheduler's state and lock, and evidence files that retention may empty.
-- depends: 0005_watch_list
--
-- audit_seals: the hash chain over audit_events, written by the sealer (robots audit seal, and the
-- scheduler every minute), never by the workers: their hot paths stay as they are. seq is the
-- position in the chain (1, 2, 3, ... without gaps); item_hash chains the events of one subject
-- (an item, or "general" for events about no item); chain_hash chains every seal.
-- See robots/audit/__init__.py.

CREATE TABLE audit_seals (
    seq        bigint PRIMARY KEY,
    event_id   bigint NOT NULL UNIQUE,
    subject    text NOT NULL,
    item_hash  text NOT NULL CHECK (length(item_hash) = 64),
    chain_hash text NOT NULL CHECK (length(chain_hash) = 64),
    sealed_at  timestamptz NOT NULL
);
CREATE INDEX ix_audit_seals_subject ON audit_seals (subject, seq);

CREATE TRIGGER audit_seals_append_only BEFORE UPDATE OR DELETE ON audit_seals
    FOR EACH ROW EXECUTE FUNCTION robots_append_only();
CREATE TRIGGER audit_seals_no_truncate BEFORE TRUNCATE ON audit_seals
    FOR EACH STATEMENT EXECUTE FUNCTION robots_append_only();

-- Evidence files: retention empties the content of old ones (content NULL, deleted_at set, once);
-- nothing else about a stored file ever changes, and no row is ever deleted.
ALTER TABLE work_item_files ADD COLUMN deleted_at timestamptz;

CREATE FUNCTION robots_files_purge_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'work_item_files: rows are never deleted (retention deletes the content)';
    END IF;
    IF NEW.content IS NOT NULL OR NEW.deleted_at IS NULL OR OLD.deleted_at IS NOT NULL
       OR (NEW.id, NEW.item_id, NEW.name, NEW.content_type, NEW.size, NEW.sha256, NEW.created_at, NEW.created_by)
          IS DISTINCT FROM
          (OLD.id, OLD.item_id, OLD.name, OLD.content_type, OLD.size, OLD.sha256, OLD.created_at, OLD.created_by)
    THEN
        RAISE EXCEPTION 'work_item_files: only retention may change a file, by deleting its content once';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER work_item_files_purge_only BEFORE UPDATE OR DELETE ON work_item_files
    FOR EACH ROW EXECUTE FUNCTION robots_files_purge_only();
CREATE TRIGGER work_item_files_no_truncate BEFORE TRUNCATE ON work_item_files
    FOR EACH STATEMENT EXECUTE FUNCTION robots_append_only();

-- When each schedule last fired (or was taken as fired: the first start, a missed run made up for).
CREATE TABLE schedule_state (
    name         text PRIMARY KEY,
    last_fire_at timestamptz NOT NULL,
    last_run_id  text,
    updated_at   timestamptz NOT NULL,
    updated_by   text NOT NULL
);

-- The one active scheduler. On PostgreSQL an advisory lock held by the active scheduler's session
-- is the lock; this row shows who holds it. (On SQLite the row itself is the lock, as a lease.)
CREATE TABLE scheduler_lock (
    name         text PRIMARY KEY,
    holder       text NOT NULL,
    acquired_at  timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);

-- The schedules the active scheduler loaded (one row): a scheduler that loads a different
-- conf/schedules.toml records the change as an audit event (schedules_changed).
CREATE TABLE scheduler_config (
    id          integer PRIMARY KEY CHECK (id = 1),
    sha256      text NOT NULL,
    definitions jsonb NOT NULL,
    loaded_at   timestamptz NOT NULL,
    loaded_by   text NOT NULL
);
