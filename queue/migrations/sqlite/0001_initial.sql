-- Work-item queue, SQLite. Times are UTC text 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (sortable as text).
-- depends:

CREATE TABLE queues (
    name                TEXT PRIMARY KEY,
    description         TEXT NOT NULL DEFAULT '',
    max_attempts        INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    lease_seconds       REAL NOT NULL DEFAULT 300 CHECK (lease_seconds > 0),
    backoff_seconds     REAL NOT NULL DEFAULT 30 CHECK (backoff_seconds >= 0),
    backoff_max_seconds REAL NOT NULL DEFAULT 3600 CHECK (backoff_max_seconds >= 0),
    on_lease_expiry     TEXT NOT NULL DEFAULT 'retry' CHECK (on_lease_expiry IN ('retry', 'manual')),
    sla_seconds         REAL,
    updated_at          TEXT NOT NULL
);

CREATE TABLE work_items (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    queue            TEXT NOT NULL REFERENCES queues (name),
    reference        TEXT NOT NULL CHECK (length(reference) > 0),
    payload          TEXT NOT NULL DEFAULT '{}',
    priority         INTEGER NOT NULL DEFAULT 0,
    status           TEXT NOT NULL DEFAULT 'new'
                     CHECK (status IN ('new', 'in_progress', 'done', 'manual', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL CHECK (max_attempts >= 1),
    not_before       TEXT,
    deadline         TEXT,
    lease_owner      TEXT,
    lease_expires_at TEXT,
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    started_at       TEXT,
    finished_at      TEXT,
    output           TEXT,
    error_kind       TEXT CHECK (error_kind IN ('business', 'application')),
    error_code       TEXT,
    error_message    TEXT,
    parent_id        INTEGER REFERENCES work_items (id),
    run_id           TEXT,
    manual_reason    TEXT,
    assigned_to      TEXT,
    resolution       TEXT,
    updated_at       TEXT NOT NULL,
    UNIQUE (queue, reference)
);

-- The claim path: new items of a queue in claim order. Partial, so done items cost nothing.
CREATE INDEX ix_work_items_claim ON work_items (queue, priority DESC, coalesce(deadline, '9999'), id)
    WHERE status = 'new';
CREATE INDEX ix_work_items_leases ON work_items (lease_expires_at) WHERE status = 'in_progress';
CREATE INDEX ix_work_items_status ON work_items (queue, status);
CREATE INDEX ix_work_items_parent ON work_items (parent_id) WHERE parent_id IS NOT NULL;

-- Append-only audit trail: every state change of an item, every decision of a person.
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id     INTEGER REFERENCES work_items (id),
    queue       TEXT,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    reason      TEXT,
    detail      TEXT
);
CREATE INDEX ix_audit_events_item ON audit_events (item_id, id);
CREATE INDEX ix_audit_events_at ON audit_events (at);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

-- Evidence and produced documents, stored with the item so they are transactional and shared.
CREATE TABLE work_item_files (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id      INTEGER NOT NULL REFERENCES work_items (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    content      BLOB,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL
);
CREATE INDEX ix_work_item_files_item ON work_item_files (item_id);
