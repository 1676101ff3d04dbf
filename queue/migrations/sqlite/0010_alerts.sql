-- Alerts: one open alert per rule and subject until someone acknowledges it or it resolves.
-- depends: 0009_credentials

CREATE TABLE alerts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    rule             TEXT NOT NULL,
    subject          TEXT NOT NULL,
    message          TEXT NOT NULL,
    opened_at        TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL,
    occurrences      INTEGER NOT NULL DEFAULT 1,
    notified         TEXT NOT NULL DEFAULT '[]',
    acknowledged_at  TEXT,
    acknowledged_by  TEXT,
    resolved_at      TEXT
);
CREATE UNIQUE INDEX ux_alerts_open ON alerts (rule, subject)
    WHERE acknowledged_at IS NULL AND resolved_at IS NULL;
CREATE INDEX ix_alerts_opened ON alerts (opened_at);
