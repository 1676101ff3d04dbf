-- Run records: one row per execution of a process step (and one parent row per `robots run`).
-- depends: 0001_initial

CREATE TABLE runs (
    id            TEXT PRIMARY KEY,
    parent_id     TEXT REFERENCES runs (id),
    process       TEXT NOT NULL,
    step          TEXT,
    host          TEXT NOT NULL,
    pid           INTEGER,
    trigger       TEXT NOT NULL,
    started_by    TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'stopped', 'failed')),
    stop_reason   TEXT,
    started_at    TEXT NOT NULL,
    heartbeat_at  TEXT NOT NULL,
    finished_at   TEXT,
    counts        TEXT NOT NULL DEFAULT '{}',
    artifacts_dir TEXT,
    stop_requested INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_runs_started ON runs (started_at);
CREATE INDEX ix_runs_parent ON runs (parent_id) WHERE parent_id IS NOT NULL;
