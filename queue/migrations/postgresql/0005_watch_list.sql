-- The flex wage watch list (obsliste): citizens the robot must not look at, kept by caseworkers.
-- depends: 0004_audit_no_truncate
-- A removal keeps the row (removed_at/by/reason): the table holds the whole history, and every
-- change is also an event in audit_events (CPR masked there). At most one active entry per CPR.

CREATE TABLE watch_list (
    id             bigserial PRIMARY KEY,
    cpr            text NOT NULL CHECK (cpr ~ '^[0-9]{6}-[0-9]{4}$'),
    reason         text NOT NULL CHECK (length(btrim(reason)) > 0),
    added_by       text NOT NULL,
    added_at       timestamptz NOT NULL,
    removed_by     text,
    removed_at     timestamptz,
    removed_reason text,
    CHECK ((removed_at IS NULL) = (removed_by IS NULL))
);
CREATE UNIQUE INDEX ux_watch_list_active ON watch_list (cpr) WHERE removed_at IS NULL;
