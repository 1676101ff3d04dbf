-- The operations dashboard's statements for SQLite (robots/web/dashboard.py). Times are UTC text;
-- the dashboard buckets the hourly / daily rows into Copenhagen days and months itself.

-- name: done_since
-- Items the robot finished (a caseworker's "done by hand" is not the robot's).
SELECT queue, count(*) AS n FROM audit_events
WHERE at >= :since AND queue IS NOT NULL AND to_status = 'done' AND from_status = 'in_progress'
GROUP BY queue;

-- name: failed_attempts_since
-- Application errors (retried, or given up), lost leases: each a failed attempt.
SELECT queue, count(*) AS n FROM audit_events
WHERE at >= :since AND queue IS NOT NULL
  AND (action IN ('retry_scheduled', 'lease_expired') OR (action = 'failed' AND reason = 'retries_exhausted'))
GROUP BY queue;

-- name: outcomes_by_hour
-- Per queue and UTC hour: items the robot finished (done), items that went to a person (manual),
-- failed attempts (application errors and lost leases).
SELECT queue, substr(at, 1, 13) AS bucket,
       sum(CASE WHEN to_status = 'done' AND from_status = 'in_progress' THEN 1 ELSE 0 END) AS done,
       sum(CASE WHEN to_status = 'manual' AND from_status IS NOT 'manual' THEN 1 ELSE 0 END) AS manual,
       sum(CASE WHEN action IN ('retry_scheduled', 'lease_expired') AND to_status = 'new' THEN 1 ELSE 0 END) AS failed
FROM audit_events
WHERE at >= :since AND queue IS NOT NULL
  AND (to_status IN ('done', 'manual') OR action IN ('retry_scheduled', 'lease_expired'))
GROUP BY queue, bucket;

-- name: processing_seconds
-- How long the robot worked on each item it finished (its last attempt: claim to done).
SELECT (julianday(finished_at) - julianday(started_at)) * 86400.0 AS seconds FROM work_items
WHERE status = 'done' AND finished_at >= :since AND started_at IS NOT NULL AND resolution IS NULL
ORDER BY finished_at DESC LIMIT :limit;
