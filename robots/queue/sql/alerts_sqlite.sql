-- name: open
INSERT INTO alerts (rule, subject, message, opened_at, last_seen_at)
VALUES (:rule, :subject, :message, :now, :now)
ON CONFLICT (rule, subject) WHERE acknowledged_at IS NULL AND resolved_at IS NULL
DO UPDATE SET occurrences = alerts.occurrences + 1, last_seen_at = excluded.last_seen_at
RETURNING id, occurrences;

-- name: set_notified
UPDATE alerts SET notified = :notified WHERE id = :id;

-- name: acknowledge
UPDATE alerts SET acknowledged_at = :now, acknowledged_by = :actor
WHERE id = :id AND acknowledged_at IS NULL AND resolved_at IS NULL
RETURNING id;

-- name: resolve
UPDATE alerts SET resolved_at = :now
WHERE rule = :rule AND subject = :subject AND acknowledged_at IS NULL AND resolved_at IS NULL
RETURNING id;

-- name: list
SELECT * FROM alerts WHERE (:open_only = 0 OR (acknowledged_at IS NULL AND resolved_at IS NULL))
ORDER BY id DESC LIMIT :limit;

-- name: oldest_new
SELECT queue, min(created_at) AS oldest FROM work_items WHERE status = 'new' GROUP BY queue;

-- name: manual_since
SELECT queue, count(*) AS n FROM audit_events
WHERE to_status = 'manual' AND from_status IS NOT 'manual' AND at >= :since AND queue IS NOT NULL
GROUP BY queue;
