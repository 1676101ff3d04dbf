-- name: open
INSERT INTO alerts (rule, subject, message, opened_at, last_seen_at)
VALUES (%(rule)s, %(subject)s, %(message)s, now(), now())
ON CONFLICT (rule, subject) WHERE acknowledged_at IS NULL AND resolved_at IS NULL
DO UPDATE SET occurrences = alerts.occurrences + 1, last_seen_at = excluded.last_seen_at
RETURNING id, occurrences;

-- name: set_notified
UPDATE alerts SET notified = %(notified)s::jsonb WHERE id = %(id)s;

-- name: acknowledge
UPDATE alerts SET acknowledged_at = now(), acknowledged_by = %(actor)s
WHERE id = %(id)s AND acknowledged_at IS NULL AND resolved_at IS NULL
RETURNING id;

-- name: resolve
UPDATE alerts SET resolved_at = now()
WHERE rule = %(rule)s AND subject = %(subject)s AND acknowledged_at IS NULL AND resolved_at IS NULL
RETURNING id;

-- name: list
SELECT id, rule, subject, message, opened_at, last_seen_at, occurrences, notified::text AS notified,
       acknowledged_at, acknowledged_by, resolved_at
FROM alerts WHERE (%(open_only)s = 0 OR (acknowledged_at IS NULL AND resolved_at IS NULL))
ORDER BY id DESC LIMIT %(limit)s;

-- name: oldest_new
SELECT queue, min(created_at) AS oldest FROM work_items WHERE status = 'new' GROUP BY queue;

-- name: manual_since
SELECT queue, count(*) AS n FROM audit_events
WHERE to_status = 'manual' AND from_status IS DISTINCT FROM 'manual' AND at >= %(since)s AND queue IS NOT NULL
GROUP BY queue;
