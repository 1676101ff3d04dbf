-- The flex wage watch list (obsliste): citizens the robot must not look at, kept by caseworkers.
-- depends: 0004_audit_no_truncate
-- A removal keeps the row (removed_at/by/reason): the table holds the whole history, and every
-- change is also an event in audit_events (CPR masked there). At most one active entry per CPR.

CREATE TABLE watch_list (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    cpr            TEXT NOT NULL CHECK (length(cpr) = 11 AND substr(cpr, 7, 1) = '-'),
    reason         TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    added_by       TEXT NOT NULL,
    added_at       TEXT NOT NULL,
    removed_by     TEXT,
    removed_at     TEXT,
    removed_reason TEXT,
    CHECK ((removed_at IS NULL) = (removed_by IS NULL))
);
CREATE UNIQUE INDEX ux_watch_list_active ON watch_list (cpr) WHERE removed_at IS NULL;
