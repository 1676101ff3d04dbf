-- The queue's statements for PostgreSQL. Parameters are %(named)s. Hot paths are one statement
-- each (one round trip, autocommit): the claim, its events and a completion travel together.

-- name: define_queue
INSERT INTO queues (name, description, max_attempts, lease_seconds, backoff_seconds,
                    backoff_max_seconds, on_lease_expiry, sla_seconds, updated_at)
VALUES (%(name)s, %(description)s, %(max_attempts)s, %(lease_seconds)s, %(backoff_seconds)s,
        %(backoff_max_seconds)s, %(on_lease_expiry)s, %(sla_seconds)s, now())
ON CONFLICT (name) DO UPDATE SET
    description = excluded.description, max_attempts = excluded.max_attempts,
    lease_seconds = excluded.lease_seconds, backoff_seconds = excluded.backoff_seconds,
    backoff_max_seconds = excluded.backoff_max_seconds, on_lease_expiry = excluded.on_lease_expiry,
    sla_seconds = excluded.sla_seconds, updated_at = excluded.updated_at;

-- name: get_queue
SELECT * FROM queues WHERE name = %(name)s;

-- name: list_queues
SELECT * FROM queues ORDER BY name;

-- name: insert_items
WITH input AS (
    SELECT * FROM unnest(
        %(references)s::text[], %(payloads)s::jsonb[], %(priorities)s::int[], %(max_attempts)s::int[],
        %(not_befores)s::timestamptz[], %(deadlines)s::timestamptz[], %(parent_ids)s::bigint[],
        %(run_ids)s::text[]
    ) WITH ORDINALITY AS i (reference, payload, priority, max_attempts, not_before, deadline,
                            parent_id, run_id, n)
), inserted AS (
    INSERT INTO work_items (queue, reference, payload, priority, max_attempts, not_before, deadline,
                            created_by, parent_id, run_id)
    SELECT %(queue)s, reference, payload, priority, max_attempts, not_before, deadline,
           %(actor)s, parent_id, run_id
    FROM input ORDER BY n
    ON CONFLICT (queue, reference) DO NOTHING
    RETURNING id, reference, parent_id
), events AS (
    INSERT INTO audit_events (item_id, queue, actor, action, to_status, detail)
    SELECT id, %(queue)s, %(actor)s, 'created', 'new',
           CASE WHEN parent_id IS NULL THEN NULL ELSE jsonb_build_object('parent_id', parent_id) END
    FROM inserted ORDER BY id
)
SELECT id, reference FROM inserted;

-- name: insert_event
INSERT INTO audit_events (item_id, queue, actor, action, from_status, to_status, reason, detail)
VALUES (%(item_id)s, %(queue)s, %(actor)s, %(action)s, %(from_status)s, %(to_status)s, %(reason)s,
        %(detail)s)
RETURNING *;

-- name: claim
-- untouched: rows no transaction is changing now, tried first (robots_untouched in migration 0011
-- says why: no lock convoys); anything: plain SKIP LOCKED, only when untouched found nothing.
WITH untouched AS (
    SELECT w.id FROM work_items w
    WHERE w.queue = %(queue)s AND w.status = 'new' AND (w.not_before IS NULL OR w.not_before <= now())
      AND robots_untouched(w.xmin, w.xmax)
    ORDER BY w.priority DESC, w.deadline ASC NULLS LAST, w.id
    LIMIT %(limit)s
    FOR UPDATE OF w SKIP LOCKED
), anything AS (
    SELECT id FROM work_items
    WHERE queue = %(queue)s AND status = 'new' AND (not_before IS NULL OR not_before <= now())
      AND NOT EXISTS (SELECT FROM untouched)
    ORDER BY priority DESC, deadline ASC NULLS LAST, id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), next AS (
    SELECT id FROM untouched UNION ALL SELECT id FROM anything
), claimed AS (
    UPDATE work_items w
    SET status = 'in_progress', attempts = w.attempts + 1, lease_owner = %(worker)s,
        lease_expires_at = now() + make_interval(secs => %(lease)s), started_at = now(),
        updated_at = now()
    FROM next WHERE w.id = next.id
    RETURNING w.*
), events AS (
    INSERT INTO audit_events (item_id, queue, actor, action, from_status, to_status, reason)
    SELECT id, queue, %(worker)s, 'claimed', 'new', 'in_progress', 'attempt ' || attempts FROM claimed
)
SELECT * FROM claimed ORDER BY priority DESC, deadline ASC NULLS LAST, id;

-- name: complete
WITH done AS (
    UPDATE work_items
    SET status = 'done', output = %(output)s, finished_at = now(), updated_at = now(),
        lease_owner = NULL, lease_expires_at = NULL,
        error_kind = NULL, error_code = NULL, error_message = NULL, manual_reason = NULL
    WHERE id = %(id)s AND status = 'in_progress' AND lease_owner = %(worker)s
    RETURNING *
), events AS (
    INSERT INTO audit_events (item_id, queue, actor, action, from_status, to_status)
    SELECT id, queue, %(worker)s, 'completed', 'in_progress', 'done' FROM done
)
SELECT * FROM done;

-- name: complete_many
-- Several items done in one statement, all or nothing: the UPDATE runs only when the worker
-- holds every one of them (else no row comes back and nothing changed).
WITH input AS (
    SELECT * FROM unnest(%(ids)s::bigint[], %(outputs)s::jsonb[]) AS t(id, output)
), held AS (
    SELECT w.id FROM work_items w JOIN input USING (id)
    WHERE w.status = 'in_progress' AND w.lease_owner = %(worker)s
    FOR UPDATE OF w
), all_held AS (
    SELECT (SELECT count(*) FROM held) = (SELECT count(DISTINCT id) FROM input) AS ok
), done AS (
    UPDATE work_items w
    SET status = 'done', output = input.output, finished_at = now(), updated_at = now(),
        lease_owner = NULL, lease_expires_at = NULL,
        error_kind = NULL, error_code = NULL, error_message = NULL, manual_reason = NULL
    FROM input, all_held
    WHERE all_held.ok AND w.id = input.id AND w.id IN (SELECT id FROM held)
    RETURNING w.*
), events AS (
    INSERT INTO audit_events (item_id, queue, actor, action, from_status, to_status)
    SELECT id, queue, %(worker)s, 'completed', 'in_progress', 'done' FROM done ORDER BY id
)
SELECT * FROM done ORDER BY id;

-- name: complete_and_claim
-- One UPDATE writes both rows (the completed item and the next one) and one INSERT both events
-- (completed, then claimed): half the executor set-up of an UPDATE + INSERT per row. No row: the
-- worker did not hold the item (LeaseLost). One row with a NULL id: done, and no untouched item
-- to claim; the caller then claims with the plain SKIP LOCKED fallback (claim), in a transaction
-- of its own, which keeps that rarely needed half of the claim out of this plan (20 plan nodes
-- to set up and tear down on every item instead of 28). The lease is the caller's, else this process's
-- cached queue settings, else the queues table.
WITH done AS (
    SELECT id, queue FROM work_items
    WHERE id = %(id)s AND status = 'in_progress' AND lease_owner = %(worker)s
    FOR UPDATE
), untouched AS (
    SELECT w.id FROM work_items w
    WHERE w.queue = (SELECT queue FROM done) AND w.status = 'new' AND (w.not_before IS NULL OR w.not_before <= now())
      AND robots_untouched(w.xmin, w.xmax)
    ORDER BY w.priority DESC, w.deadline ASC NULLS LAST, w.id
    LIMIT 1
    FOR UPDATE OF w SKIP LOCKED
), lease AS (
    SELECT coalesce(%(lease)s::float8, (%(cached_leases)s::jsonb ->> done.queue)::float8,
                    (SELECT q.lease_seconds FROM queues q WHERE q.name = done.queue)) AS secs
    FROM done
), changed AS (
    UPDATE work_items w
    SET status = CASE WHEN w.id = done.id THEN 'done' ELSE 'in_progress' END,
        attempts = CASE WHEN w.id = done.id THEN w.attempts ELSE w.attempts + 1 END,
        output = CASE WHEN w.id = done.id THEN %(output)s ELSE w.output END,
        finished_at = CASE WHEN w.id = done.id THEN now() ELSE w.finished_at END,
        started_at = CASE WHEN w.id = done.id THEN w.started_at ELSE now() END,
        lease_owner = CASE WHEN w.id = done.id THEN NULL ELSE %(worker)s END,
        lease_expires_at = CASE WHEN w.id = done.id THEN NULL
                                ELSE now() + make_interval(secs => (SELECT secs FROM lease)) END,
        error_kind = CASE WHEN w.id = done.id THEN NULL ELSE w.error_kind END,
        error_code = CASE WHEN w.id = done.id THEN NULL ELSE w.error_code END,
        error_message = CASE WHEN w.id = done.id THEN NULL ELSE w.error_message END,
        manual_reason = CASE WHEN w.id = done.id THEN NULL ELSE w.manual_reason END,
        updated_at = now()
    FROM done
    WHERE w.id = done.id OR w.id = (SELECT id FROM untouched)
    RETURNING w.*, w.id = done.id AS is_done
), events AS (
    INSERT INTO audit_events (item_id, queue, actor, action, from_status, to_status, reason)
    SELECT id, queue, %(worker)s,
           CASE WHEN is_done THEN 'completed' ELSE 'claimed' END,
           CASE WHEN is_done THEN 'in_progress' ELSE 'new' END,
           CASE WHEN is_done THEN 'done' ELSE 'in_progress' END,
           CASE WHEN is_done THEN NULL ELSE 'attempt ' || attempts END
    FROM changed ORDER BY NOT is_done
)
SELECT c.*, done.queue AS done_queue FROM done LEFT JOIN changed c ON NOT c.is_done;

-- name: heartbeat
UPDATE work_items SET lease_expires_at = now() + make_interval(secs => %(lease)s)
WHERE id = %(id)s AND status = 'in_progress' AND lease_owner = %(worker)s
RETURNING lease_expires_at;

-- name: lock_item
SELECT *, now() AS db_now FROM work_items WHERE id = %(id)s FOR UPDATE;

-- name: update_item
UPDATE work_items
SET status = %(status)s, attempts = %(attempts)s, payload = %(payload)s, not_before = %(not_before)s,
    lease_owner = %(lease_owner)s, lease_expires_at = %(lease_expires_at)s,
    finished_at = %(finished_at)s, error_kind = %(error_kind)s, error_code = %(error_code)s,
    error_message = %(error_message)s, manual_reason = %(manual_reason)s,
    assigned_to = %(assigned_to)s, resolution = %(resolution)s, updated_at = now()
WHERE id = %(id)s AND status = %(expected_status)s
RETURNING *;

-- name: expired_items
SELECT id FROM work_items
WHERE status = 'in_progress' AND lease_expires_at < now()
  AND (%(queue)s::text IS NULL OR queue = %(queue)s::text)
ORDER BY lease_expires_at
LIMIT %(limit)s
FOR UPDATE SKIP LOCKED;

-- name: insert_file
INSERT INTO work_item_files (item_id, name, content_type, size, sha256, content, created_by)
VALUES (%(item_id)s, %(name)s, %(content_type)s, %(size)s, %(sha256)s, %(content)s, %(actor)s)
RETURNING id, item_id, name, size, sha256, content_type, created_at;

-- name: get_item
SELECT * FROM work_items WHERE id = %(id)s;

-- name: find_item
SELECT * FROM work_items WHERE queue = %(queue)s AND reference = %(reference)s;

-- name: list_items
SELECT * FROM work_items
WHERE (%(queue)s::text IS NULL OR queue = %(queue)s::text)
  AND (%(status)s::text IS NULL OR status = %(status)s::text)
  AND (%(reason)s::text IS NULL OR manual_reason = %(reason)s::text)
ORDER BY id DESC
LIMIT %(limit)s OFFSET %(offset)s;

-- name: children
SELECT * FROM work_items WHERE parent_id = %(id)s ORDER BY id;

-- name: stats
SELECT q.name AS queue, w.status AS status, count(w.id) AS n
FROM queues q LEFT JOIN work_items w ON w.queue = q.name
WHERE (%(queue)s::text IS NULL OR q.name = %(queue)s::text)
GROUP BY q.name, w.status
ORDER BY q.name;

-- name: item_events
SELECT * FROM audit_events WHERE item_id = %(item_id)s ORDER BY id LIMIT %(limit)s;

-- name: all_events
SELECT * FROM audit_events ORDER BY id LIMIT %(limit)s;

-- name: list_files
SELECT id, item_id, name, size, sha256, content_type, created_at
FROM work_item_files WHERE item_id = %(item_id)s ORDER BY id;

-- name: file_content
SELECT content FROM work_item_files WHERE id = %(id)s;

-- name: run_insert
INSERT INTO runs (id, parent_id, process, step, host, pid, trigger, started_by, status, started_at,
                  heartbeat_at, counts, artifacts_dir)
VALUES (%(id)s, %(parent_id)s, %(process)s, %(step)s, %(host)s, %(pid)s, %(trigger)s, %(started_by)s,
        'running', now(), now(), '{}', %(artifacts_dir)s)
RETURNING *;

-- name: run_update
UPDATE runs SET counts = %(counts)s, heartbeat_at = now(),
    status = coalesce(%(status)s, status), stop_reason = coalesce(%(stop_reason)s, stop_reason),
    finished_at = CASE WHEN %(status)s::text IS NULL THEN finished_at ELSE now() END
WHERE id = %(id)s
RETURNING *;

-- name: run_request_stop
UPDATE runs SET stop_requested = true WHERE (id = %(id)s OR parent_id = %(id)s) AND status = 'running'
RETURNING id;

-- name: run_get
SELECT * FROM runs WHERE id = %(id)s;

-- name: run_children
SELECT * FROM runs WHERE parent_id = %(id)s ORDER BY started_at, id;

-- name: run_list
SELECT * FROM runs
WHERE (%(process)s::text IS NULL OR process = %(process)s::text)
  AND (%(status)s::text IS NULL OR status = %(status)s::text)
  AND (%(top_level)s = 0 OR parent_id IS NULL)
ORDER BY started_at DESC, id DESC
LIMIT %(limit)s;

-- name: next_due
SELECT min(coalesce(not_before, now())) AS due FROM work_items WHERE queue = %(queue)s AND status = 'new';
