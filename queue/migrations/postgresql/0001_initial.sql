-- Work-item queue, PostgreSQL.
-- depends:

CREATE TABLE queues (
    name                text PRIMARY KEY,
    description         text NOT NULL DEFAULT '',
    max_attempts        integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    lease_seconds       double precision NOT NULL DEFAULT 300 CHECK (lease_seconds > 0),
    backoff_seconds     double precision NOT NULL DEFAULT 30 CHECK (backoff_seconds >= 0),
    backoff_max_seconds double precision NOT NULL DEFAULT 3600 CHECK (backoff_max_seconds >= 0),
    on_lease_expiry     text NOT NULL DEFAULT 'retry' CHECK (on_lease_expiry IN ('retry', 'manual')),
    sla_seconds         double precision,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE work_items (
    id               bigserial PRIMARY KEY,
    queue            text NOT NULL REFERENCES queues (name),
    reference        text NOT NULL CHECK (length(reference) > 0),
    payload          jsonb NOT NULL DEFAULT '{}',
    priority         integer NOT NULL DEFAULT 0,
    status           text NOT NULL DEFAULT 'new'
                     CHECK (status IN ('new', 'in_progress', 'done', 'manual', 'cancelled')),
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL CHECK (max_attempts >= 1),
    not_before       timestamptz,
    deadline         timestamptz,
    lease_owner      text,
    lease_expires_at timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    created_by       text NOT NULL,
    started_at       timestamptz,
    finished_at      timestamptz,
    output           jsonb,
    error_kind       text CHECK (error_kind IN ('business', 'application')),
    error_code       text,
    error_message    text,
    parent_id        bigint REFERENCES work_items (id),
    run_id           text,
    manual_reason    text,
    assigned_to      text,
    resolution       text,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (queue, reference)
);

CREATE INDEX ix_work_items_claim ON work_items (queue, priority DESC, deadline ASC NULLS LAST, id)
    WHERE status = 'new';
CREATE INDEX ix_work_items_leases ON work_items (lease_expires_at) WHERE status = 'in_progress';
CREATE INDEX ix_work_items_status ON work_items (queue, status);
CREATE INDEX ix_work_items_parent ON work_items (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE audit_events (
    id          bigserial PRIMARY KEY,
    item_id     bigint REFERENCES work_items (id),
    queue       text,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    action      text NOT NULL,
    from_status text,
    to_status   text,
    reason      text,
    detail      jsonb
);
CREATE INDEX ix_audit_events_item ON audit_events (item_id, id);
CREATE INDEX ix_audit_events_at ON audit_events (at);

CREATE FUNCTION robots_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION robots_append_only();

CREATE TABLE work_item_files (
    id           bigserial PRIMARY KEY,
    item_id      bigint NOT NULL REFERENCES work_items (id),
    name         text NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL,
    sha256       text NOT NULL,
    content      bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL
);
CREATE INDEX ix_work_item_files_item ON work_item_files (item_id);
