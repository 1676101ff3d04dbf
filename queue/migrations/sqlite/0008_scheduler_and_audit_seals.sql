-- The audit trail's seals, the scheduler's state and lock, and evidence files that retention may empty.
-- depends: 0005_watch_list
--
-- audit_seals: the hash chain over audit_events, written by the sealer (robots audit seal, and the
-- scheduler every minute), never by the workers: their hot paths stay as they are. seq is the
-- position in the chain (1, 2, 3, ... without gaps); item_hash chains the events of one subject
-- (an item, or "general" for events about no item); chain_hash chains every seal.
-- See robots/audit/__init__.py.

CREATE TABLE audit_seals (
    seq        INTEGER PRIMARY KEY,
    event_id   INTEGER NOT NULL UNIQUE,
    subject    TEXT NOT NULL,
    item_hash  TEXT NOT NULL CHECK (length(item_hash) = 64),
    chain_hash TEXT NOT NULL CHECK (length(chain_hash) = 64),
    sealed_at  TEXT NOT NULL
);
CREATE INDEX ix_audit_seals_subject ON audit_seals (subject, seq);

CREATE TRIGGER audit_seals_no_update BEFORE UPDATE ON audit_seals
BEGIN SELECT RAISE(ABORT, 'audit_seals is append-only'); END;
CREATE TRIGGER audit_seals_no_delete BEFORE DELETE ON audit_seals
BEGIN SELECT RAISE(ABORT, 'audit_seals is append-only'); END;

-- Evidence files: retention empties the content of old ones (content NULL, deleted_at set, once);
-- nothing else about a stored file ever changes, and no row is ever deleted.
ALTER TABLE work_item_files ADD COLUMN deleted_at TEXT;

CREATE TRIGGER work_item_files_purge_only BEFORE UPDATE ON work_item_files
WHEN NEW.content IS NOT NULL OR NEW.deleted_at IS NULL OR OLD.deleted_at IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.item_id IS NOT OLD.item_id OR NEW.name IS NOT OLD.name
  OR NEW.content_type IS NOT OLD.content_type OR NEW.size IS NOT OLD.size OR NEW.sha256 IS NOT OLD.sha256
  OR NEW.created_at IS NOT OLD.created_at OR NEW.created_by IS NOT OLD.created_by
BEGIN SELECT RAISE(ABORT, 'work_item_files: only retention may change a file, by deleting its content once'); END;
CREATE TRIGGER work_item_files_no_delete BEFORE DELETE ON work_item_files
BEGIN SELECT RAISE(ABORT, 'work_item_files: rows are never deleted (retention deletes the content)'); END;

-- When each schedule last fired (or was taken as fired: the first start, a missed run made up for).
CREATE TABLE schedule_state (
    name         TEXT PRIMARY KEY,
    last_fire_at TEXT NOT NULL,
    last_run_id  TEXT,
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL
);

-- The one active scheduler. On SQLite this row is the lock (a lease renewed by heartbeats, taken
-- over when it expires); on PostgreSQL an advisory lock is, and the row shows who holds it.
CREATE TABLE scheduler_lock (
    name         TEXT PRIMARY KEY,
    holder       TEXT NOT NULL,
    acquired_at  TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);

-- The schedules the active scheduler loaded (one row): a scheduler that loads a different
-- conf/schedules.toml records the change as an audit event (schedules_changed).
CREATE TABLE scheduler_config (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    sha256      TEXT NOT NULL,
    definitions TEXT NOT NULL,
    loaded_at   TEXT NOT NULL,
    loaded_by   TEXT NOT NULL
);
