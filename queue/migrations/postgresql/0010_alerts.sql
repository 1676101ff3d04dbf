-- Alerts: one open alert per rule and subject until someone acknowledges it or it resolves.
-- depends: 0009_credentials

CREATE TABLE alerts (
    id               bigserial PRIMARY KEY,
    rule             text NOT NULL,
    subject          text NOT NULL,
    message          text NOT NULL,
    opened_at        timestamptz NOT NULL,
    last_seen_at     timestamptz NOT NULL,
    occurrences      integer NOT NULL DEFAULT 1,
    notified         jsonb NOT NULL DEFAULT '[]',
    acknowledged_at  timestamptz,
    acknowledged_by  text,
    resolved_at      timestamptz
);
CREATE UNIQUE INDEX ux_alerts_open ON alerts (rule, subject)
    WHERE acknowledged_at IS NULL AND resolved_at IS NULL;
CREATE INDEX ix_alerts_opened ON alerts (opened_at);
