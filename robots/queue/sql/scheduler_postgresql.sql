-- The scheduler's state, lock and look-ups, PostgreSQL (see robots/scheduling/).

-- name: state_all
SELECT name, last_fire_at, last_run_id, updated_at, updated_by FROM schedule_state ORDER BY name;

-- name: state_set
INSERT INTO schedule_state (name, last_fire_at, last_run_id, updated_at, updated_by)
VALUES (%(name)s, %(last_fire_at)s, NULL, now(), %(actor)s)
ON CONFLICT (name) DO UPDATE SET last_fire_at = excluded.last_fire_at, updated_at = excluded.updated_at,
    updated_by = excluded.updated_by;

-- name: state_run
UPDATE schedule_state SET last_run_id = %(run_id)s, updated_at = now() WHERE name = %(name)s;

-- name: lock_try
-- Session-level: held until released or until the session ends (a killed scheduler's ends at once).
SELECT pg_try_advisory_lock(%(key)s) AS ok;

-- name: lock_unlock
SELECT pg_advisory_unlock(%(key)s) AS ok;

-- name: lock_show
INSERT INTO scheduler_lock (name, holder, acquired_at, heartbeat_at, expires_at)
VALUES ('scheduler', %(holder)s, now(), now(), now() + make_interval(secs => %(lease)s))
ON CONFLICT (name) DO UPDATE SET
    acquired_at = CASE WHEN scheduler_lock.holder = excluded.holder THEN scheduler_lock.acquired_at
                       ELSE excluded.acquired_at END,
    holder = excluded.holder, heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at
RETURNING holder;

-- name: lock_release
UPDATE scheduler_lock SET expires_at = now() WHERE name = 'scheduler' AND holder = %(holder)s;

-- name: lock_get
SELECT holder, acquired_at, heartbeat_at, expires_at FROM scheduler_lock WHERE name = 'scheduler';

-- name: due_items
SELECT count(*) AS n FROM work_items
WHERE queue = %(queue)s AND status = 'new' AND (not_before IS NULL OR not_before <= now());

-- name: running_workers
-- Step workers of a process still running (heartbeat recent), started by anyone but this scheduler.
SELECT count(*) AS n FROM runs
WHERE process = %(process)s AND parent_id IS NOT NULL AND status = 'running' AND started_by <> %(me)s
  AND heartbeat_at > now() - make_interval(secs => %(recent)s);

-- name: config_get
SELECT sha256, definitions, loaded_at, loaded_by FROM scheduler_config WHERE id = 1;

-- name: config_set
INSERT INTO scheduler_config (id, sha256, definitions, loaded_at, loaded_by)
VALUES (1, %(sha256)s, %(definitions)s::jsonb, now(), %(actor)s)
ON CONFLICT (id) DO UPDATE SET sha256 = excluded.sha256, definitions = excluded.definitions,
    loaded_at = excluded.loaded_at, loaded_by = excluded.loaded_by;
