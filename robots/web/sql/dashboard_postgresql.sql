-- The operations dashboard's statements for PostgreSQL (robots/web/dashboard.py). The dashboard
-- buckets the hourly / daily rows into Copenhagen days and months itself, as on SQLite.

-- name: done_since
-- Items the robot finished (a caseworker's "done by hand" is not the robot's).
SELECT queue, count(*) AS n FROM audit_events
WHERE at >= %(since)s AND queue IS NOT NULL AND to_status = 'done' AND from_status = 'in_progress'
GROUP BY queue;

-- name: failed_attempts_since
-- Application errors (retried, or given up), lost leases: each a failed attempt.
SELECT queue, count(*) AS n FROM audit_events
WHERE at >= %(since)s AND queue IS NOT NULL
  AND (action IN ('retry_scheduled', 'lease_expired') OR (action = 'failed' AND reason = 'retries_exhausted'))
GROUP BY queue;

-- name: outcomes_by_hour
SELECT queue, to_char(date_trunc('hour', at AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24') AS bucket,
       count(*) FILTER (WHERE to_status = 'done' AND from_status = 'in_progress') AS done,
       count(*) FILTER (WHERE to_status = 'manual' AND from_status IS DISTINCT FROM 'manual') AS manual,
       count(*) FILTER (WHERE action IN ('retry_scheduled', 'lease_expired') AND to_status = 'new') AS failed
FROM audit_events
WHERE at >= %(since)s AND queue IS NOT NULL
  AND (to_status IN ('done', 'manual') OR action IN ('retry_scheduled', 'lease_expired'))
GROUP BY queue, bucket;

-- name: processing_seconds
SELECT extract(epoch FROM finished_at - started_at)::float8 AS seconds FROM work_items
WHERE status = 'done' AND finished_at >= %(since)s AND started_at IS NOT NULL AND resolution IS NULL
ORDER BY finished_at DESC LIMIT %(limit)s;
