-- The queue's statements for SQLite. Parameters are :named. Times are UTC text (see migrations).

-- name: define_queue
INSERT INTO queues (name, description, max_attempts, lease_seconds, backoff_seconds,
                    backoff_max_seconds, on_lease_expiry, sla_seconds, updated_at)
VALUES (:name, :description, :max_attempts, :lease_seconds, :backoff_seconds,
        :backoff_max_seconds, :on_lease_expiry, :sla_seconds, :now)
ON CONFLICT (name) DO UPDATE SET
    description = excluded.description, max_attempts = excluded.max_attempts,
    lease_seconds = excluded.lease_seconds, backoff_seconds = excluded.backoff_seconds,
    backoff_max_seconds = excluded.backoff_max_seconds, on_lease_expiry = excluded.on_lease_expiry,
    sla_seconds = excluded.sla_seconds, updated_at = excluded.updated_at;

-- name: get_queue
SELECT * FROM queues WHERE name = :name;

-- name: list_queues
SELECT * FROM queues ORDER BY name;

-- name: insert_item
INSERT INTO work_items (queue, reference, payload, priority, max_attempts, not_before, deadline,
                        created_at, created_by, parent_id, run_id, updated_at)
VALUES (:queue, :reference, :payload, :priority, :max_attempts, :not_before, :deadline,
        :now, :actor, :parent_id, :run_id, :now)
ON CONFLICT (queue, reference) DO NOTHING
RETURNING id;

-- name: insert_event
INSERT INTO audit_events (item_id, queue, at, actor, action, from_status, to_status, reason, detail)
VALUES (:item_id, :queue, :at, :actor, :action, :from_status, :to_status, :reason, :detail)
RETURNING id;

-- name: claim
UPDATE work_items
SET status = 'in_progress', attempts = attempts + 1, lease_owner = :worker,
    lease_expires_at = :lease_until, started_at = :now, updated_at = :now
WHERE id IN (
    SELECT id FROM work_items
    WHERE queue = :queue AND status = 'new' AND (not_before IS NULL OR not_before <= :now)
    ORDER BY priority DESC, coalesce(deadline, '9999'), id
    LIMIT :limit
)
RETURNING *;

-- name: complete
UPDATE work_items
SET status = 'done', output = :output, finished_at = :now, updated_at = :now,
    lease_owner = NULL, lease_expires_at = NULL,
    error_kind = NULL, error_code = NULL, error_message = NULL, manual_reason = NULL
WHERE id = :id AND status = 'in_progress' AND lease_owner = :worker
RETURNING *;

-- name: complete_returning_queue
UPDATE work_items
SET status = 'done', output = :output, finished_at = :now, updated_at = :now,
    lease_owner = NULL, lease_expires_at = NULL,
    error_kind = NULL, error_code = NULL, error_message = NULL, manual_reason = NULL
WHERE id = :id AND status = 'in_progress' AND lease_owner = :worker
RETURNING queue;

-- name: insert_completed_event
INSERT INTO audit_events (item_id, queue, at, actor, action, from_status, to_status, reason, detail)
VALUES (:id, :queue, :at, :worker, 'completed', 'in_progress', 'done', NULL, NULL);

-- name: insert_completed_and_claimed_events
INSERT INTO audit_events (item_id, queue, at, actor, action, from_status, to_status, reason, detail)
VALUES (:id, :queue, :at, :worker, 'completed', 'in_progress', 'done', NULL, NULL),
       (:next_id, :queue, :at, :worker, 'claimed', 'new', 'in_progress', :reason, NULL);

-- name: heartbeat
UPDATE work_items SET lease_expires_at = :lease_until
WHERE id = :id AND status = 'in_progress' AND lease_owner = :worker
RETURNING lease_expires_at;

-- name: lock_item
SELECT * FROM work_items WHERE id = :id;

-- name: update_item
UPDATE work_items
SET status = :status, attempts = :attempts, payload = :payload, not_before = :not_before,
    lease_owner = :lease_owner, lease_expires_at = :lease_expires_at, finished_at = :finished_at,
    error_kind = :error_kind, error_code = :error_code, error_message = :error_message,
    manual_reason = :manual_reason, assigned_to = :assigned_to, resolution = :resolution,
    updated_at = :now
WHERE id = :id AND status = :expected_status
RETURNING *;

-- name: expired_items
SELECT id FROM work_items
WHERE status = 'in_progress' AND lease_expires_at < :now AND (:queue IS NULL OR queue = :queue)
ORDER BY lease_expires_at
LIMIT :limit;

-- name: insert_file
INSERT INTO work_item_files (item_id, name, content_type, size, sha256, content, created_at, created_by)
VALUES (:item_id, :name, :content_type, :size, :sha256, :content, :now, :actor)
RETURNING id, item_id, name, size, sha256, content_type, created_at;

-- name: get_item
SELECT * FROM work_items WHERE id = :id;

-- name: find_item
SELECT * FROM work_items WHERE queue = :queue AND reference = :reference;

-- name: list_items
SELECT * FROM work_items
WHERE (:queue IS NULL OR queue = :queue) AND (:status IS NULL OR status = :status)
  AND (:reason IS NULL OR manual_reason = :reason)
ORDER BY id DESC
LIMIT :limit OFFSET :offset;

-- name: children
SELECT * FROM work_items WHERE parent_id = :id ORDER BY id;

-- name: stats
SELECT q.name AS queue, w.status AS status, count(w.id) AS n
FROM queues q LEFT JOIN work_items w ON w.queue = q.name
WHERE (:queue IS NULL OR q.name = :queue)
GROUP BY q.name, w.status
ORDER BY q.name;

-- name: item_events
SELECT * FROM audit_events WHERE item_id = :item_id ORDER BY id LIMIT :limit;

-- name: all_events
SELECT * FROM audit_events ORDER BY id LIMIT :limit;

-- name: list_files
SELECT id, item_id, name, size, sha256, content_type, created_at
FROM work_item_files WHERE item_id = :item_id ORDER BY id;

-- name: file_content
SELECT content FROM work_item_files WHERE id = :id;

-- name: run_insert
INSERT INTO runs (id, parent_id, process, step, host, pid, trigger, started_by, status, started_at,
                  heartbeat_at, counts, artifacts_dir)
VALUES (:id, :parent_id, :process, :step, :host, :pid, :trigger, :started_by, 'running', :now, :now,
        '{}', :artifacts_dir)
RETURNING *;

-- name: run_update
UPDATE runs SET counts = :counts, heartbeat_at = :now,
    status = coalesce(:status, status), stop_reason = coalesce(:stop_reason, stop_reason),
    finished_at = CASE WHEN :status IS NULL THEN finished_at ELSE :now END
WHERE id = :id
RETURNING *;

-- name: run_request_stop
UPDATE runs SET stop_requested = 1 WHERE (id = :id OR parent_id = :id) AND status = 'running'
RETURNING id;

-- name: run_get
SELECT * FROM runs WHERE id = :id;

-- name: run_children
SELECT * FROM runs WHERE parent_id = :id ORDER BY started_at, id;

-- name: run_list
SELECT * FROM runs
WHERE (:process IS NULL OR process = :process) AND (:status IS NULL OR status = :status)
  AND (:top_level = 0 OR parent_id IS NULL)
ORDER BY started_at DESC, id DESC
LIMIT :limit;

-- name: next_due
SELECT min(coalesce(not_before, :now)) AS due FROM work_items WHERE queue = :queue AND status = 'new';
