-- Run records: one row per execution of a process step (and one parent row per `robots run`).
-- depends: 0001_initial

CREATE TABLE runs (
    id            text PRIMARY KEY,
    parent_id     text REFERENCES runs (id),
    process       text NOT NULL,
    step          text,
    host          text NOT NULL,
    pid           integer,
    trigger       text NOT NULL,
    started_by    text NOT NULL,
    status        text NOT NULL CHECK (status IN ('running', 'succeeded', 'stopped', 'failed')),
    stop_reason   text,
    started_at    timestamptz NOT NULL,
    heartbeat_at  timestamptz NOT NULL,
    finished_at   timestamptz,
    counts        jsonb NOT NULL DEFAULT '{}',
    artifacts_dir text,
    stop_requested boolean NOT NULL DEFAULT false
);
CREATE INDEX ix_runs_started ON runs (started_at);
CREATE INDEX ix_runs_parent ON runs (parent_id) WHERE parent_id IS NOT NULL;
