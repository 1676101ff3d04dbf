-- The scheduler's state, lock and look-ups, SQLite (see robots/scheduling/). Times are UTC text.

-- name: state_all
SELECT name, last_fire_at, last_run_id, updated_at, updated_by FROM schedule_state ORDER BY name;

-- name: state_set
INSERT INTO schedule_state (name, last_fire_at, last_run_id, updated_at, updated_by)
VALUES (:name, :last_fire_at, NULL, :now, :actor)
ON CONFLICT (name) DO UPDATE SET last_fire_at = excluded.last_fire_at, updated_at = excluded.updated_at,
    updated_by = excluded.updated_by;

-- name: state_run
UPDATE schedule_state SET last_run_id = :run_id, updated_at = :now WHERE name = :name;

-- name: lock_take
-- Take the lease when it is free, expired, or already ours (then it is renewed).
INSERT INTO scheduler_lock (name, holder, acquired_at, heartbeat_at, expires_at)
VALUES ('scheduler', :holder, :now, :now, :until)
ON CONFLICT (name) DO UPDATE SET
    acquired_at = CASE WHEN scheduler_lock.holder = excluded.holder THEN scheduler_lock.acquired_at
                       ELSE excluded.acquired_at END,
    holder = excluded.holder, heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at
WHERE scheduler_lock.holder = excluded.holder OR scheduler_lock.expires_at < excluded.heartbeat_at
RETURNING holder;

-- name: lock_renew
UPDATE scheduler_lock SET heartbeat_at = :now, expires_at = :until
WHERE name = 'scheduler' AND holder = :holder
RETURNING holder;

-- name: lock_release
UPDATE scheduler_lock SET expires_at = :now WHERE name = 'scheduler' AND holder = :holder;

-- name: lock_get
SELECT holder, acquired_at, heartbeat_at, expires_at FROM scheduler_lock WHERE name = 'scheduler';

-- name: due_items
SELECT count(*) AS n FROM work_items
WHERE queue = :queue AND status = 'new' AND (not_before IS NULL OR not_before <= :now);

-- name: running_workers
-- Step workers of a process still running (heartbeat recent), started by anyone but :me.
SELECT count(*) AS n FROM runs
WHERE process = :process AND parent_id IS NOT NULL AND status = 'running' AND started_by <> :me
  AND heartbeat_at > :since;

-- name: config_get
SELECT sha256, definitions, loaded_at, loaded_by FROM scheduler_config WHERE id = 1;

-- name: config_set
INSERT INTO scheduler_config (id, sha256, definitions, loaded_at, loaded_by)
VALUES (1, :sha256, :definitions, :now, :actor)
ON CONFLICT (id) DO UPDATE SET sha256 = excluded.sha256, definitions = excluded.definitions,
    loaded_at = excluded.loaded_at, loaded_by = excluded.loaded_by;
