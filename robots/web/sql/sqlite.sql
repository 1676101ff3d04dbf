-- The caseworker desk's statements for SQLite (robots/web). Parameters are :named; times are UTC
-- text like the queue's. Statements with {placeholders} are completed from the fragments below.

-- name: user_insert
INSERT INTO users (name, full_name, password_hash, created_at, created_by)
VALUES (:name, :full_name, :password_hash, :now, :actor)
RETURNING id;

-- name: user_role_insert
INSERT INTO user_roles (user_id, role) VALUES (:user_id, :role);

-- name: user_process_insert
INSERT INTO user_processes (user_id, process) VALUES (:user_id, :process);

-- name: user_by_name
SELECT u.id, u.name, u.full_name, u.password_hash, u.created_at, u.created_by, u.disabled_at,
       (SELECT group_concat(role, ',') FROM user_roles r WHERE r.user_id = u.id) AS roles,
       (SELECT group_concat(process, ',') FROM user_processes p WHERE p.user_id = u.id) AS processes
FROM users u WHERE u.name = :name;

-- name: user_list
SELECT u.id, u.name, u.full_name, u.password_hash, u.created_at, u.created_by, u.disabled_at,
       (SELECT group_concat(role, ',') FROM user_roles r WHERE r.user_id = u.id) AS roles,
       (SELECT group_concat(process, ',') FROM user_processes p WHERE p.user_id = u.id) AS processes
FROM users u ORDER BY u.name;

-- name: user_disable
UPDATE users SET disabled_at = :now, disabled_by = :actor
WHERE name = :name AND disabled_at IS NULL
RETURNING id;

-- name: user_set_password
UPDATE users SET password_hash = :password_hash WHERE id = :user_id;

-- name: session_insert
INSERT INTO user_sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at)
VALUES (:token_hash, :user_id, :csrf_token, :now, :now, :expires_at);

-- name: session_user
SELECT u.id, u.name, u.full_name, u.password_hash, u.created_at, u.created_by, u.disabled_at,
       (SELECT group_concat(role, ',') FROM user_roles r WHERE r.user_id = u.id) AS roles,
       (SELECT group_concat(process, ',') FROM user_processes p WHERE p.user_id = u.id) AS processes,
       s.csrf_token, s.last_seen_at, s.expires_at
FROM user_sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = :token_hash AND s.expires_at > :now AND u.disabled_at IS NULL;

-- name: session_touch
UPDATE user_sessions SET last_seen_at = :now, expires_at = :expires_at WHERE token_hash = :token_hash;

-- name: session_delete
DELETE FROM user_sessions WHERE token_hash = :token_hash;

-- name: sessions_delete_user
DELETE FROM user_sessions WHERE user_id = :user_id;

-- name: sessions_delete_expired
DELETE FROM user_sessions WHERE expires_at <= :now;

-- The list of manual items -------------------------------------------------------------------

-- name: manual_page
-- One page of the list, and the Excel export (the same rows in the same order, a larger limit).
SELECT id, queue, reference, manual_reason, error_message, assigned_to, created_at, updated_at,
       json_extract(payload, '$.cpr') AS cpr, json_extract(payload, '$.name') AS name,
       json_extract(payload, '$.organisation') AS organisation,
       coalesce(json_extract(payload, '$.period'), json_extract(payload, '$.income_month'),
             json_extract(payload, '$.run_period')) AS period,
       {key} AS sort_key
FROM work_items
WHERE status = 'manual'{where}
ORDER BY {key} {direction}, id {direction}
LIMIT :limit;

-- name: manual_counts
SELECT manual_reason AS reason, count(*) AS n
FROM work_items
WHERE status = 'manual'{where}
GROUP BY manual_reason;

-- name: reason_counts
-- The same counts from the table the triggers of migration 0007 keep (no filter but the queues).
SELECT manual_reason AS reason, sum(n) AS n
FROM desk_reason_counts
WHERE n > 0{where}
GROUP BY manual_reason;

-- name: manual_organisations
SELECT DISTINCT json_extract(payload, '$.organisation') AS value FROM work_items
WHERE status = 'manual' AND json_extract(payload, '$.organisation') IS NOT NULL
ORDER BY 1 LIMIT 500;

-- name: manual_periods
SELECT DISTINCT coalesce(json_extract(payload, '$.period'), json_extract(payload, '$.income_month'),
             json_extract(payload, '$.run_period')) AS value
FROM work_items
WHERE status = 'manual' AND coalesce(json_extract(payload, '$.period'), json_extract(payload, '$.income_month'),
             json_extract(payload, '$.run_period')) IS NOT NULL
ORDER BY 1 DESC LIMIT 500;

-- Filter fragments (each starts with AND) ----------------------------------------------------

-- name: filter_queues
 AND queue IN (SELECT value FROM json_each(:queues))

-- name: filter_reason
 AND manual_reason = :reason

-- name: filter_organisation
 AND json_extract(payload, '$.organisation') = :organisation

-- name: filter_period
 AND coalesce(json_extract(payload, '$.period'), json_extract(payload, '$.income_month'),
             json_extract(payload, '$.run_period')) = :period

-- name: filter_older_than
 AND created_at <= :created_before

-- name: filter_assignee
 AND assigned_to = :assignee

-- name: filter_unassigned
 AND assigned_to IS NULL

-- Sort keys and keyset conditions ------------------------------------------------------------

-- name: key_created
created_at

-- name: key_reason
manual_reason

-- name: key_reference
reference

-- name: key_assignee
coalesce(assigned_to, '')

-- name: keyset_after
 AND ({key}, id) > (:cursor_key, :cursor_id)

-- name: keyset_before
 AND ({key}, id) < (:cursor_key, :cursor_id)

-- =============================================================================================
-- Auditor pages (robots/web/audit_views.py, run_views.py).
-- =============================================================================================

-- name: audit_events_page
-- One page of the event search, newest first (or oldest first from a keyset, then reversed).
SELECT e.id, e.item_id, e.queue, e.at, e.actor, e.action, e.from_status, e.to_status, e.reason, e.detail,
       w.reference, s.seq AS seal_seq, s.chain_hash
FROM audit_events e
LEFT JOIN work_items w ON w.id = e.item_id
LEFT JOIN audit_seals s ON s.event_id = e.id
WHERE 1 = 1{where}
ORDER BY e.id {direction}
LIMIT :limit;

-- name: audit_f_process
-- Events of the process's items, and events about no item whose detail names the process.
 AND (e.queue IN (SELECT value FROM json_each(:queues))
      OR (e.item_id IS NULL AND json_extract(e.detail, '$.process') = :process))

-- name: audit_f_reference
-- Items whose business reference is, or begins with, what was typed.
 AND e.item_id IN (SELECT id FROM work_items WHERE substr(reference, 1, length(:reference)) = :reference)

-- name: audit_f_item
 AND e.item_id = :item_id

-- name: audit_f_actor
-- A desk user by name (desk:<name>), any actor as written, or a run and its steps' workers by run id.
 AND (e.actor = :actor OR e.actor = 'desk:' || :actor
      OR substr(e.actor, 1, length(:actor) + 1) IN (:actor || '/', :actor || '.'))

-- name: audit_f_from
 AND e.at >= :start

-- name: audit_f_to
 AND e.at < :end

-- name: audit_f_before
 AND e.id < :before

-- name: audit_f_after
 AND e.id > :after

-- name: audit_runs
SELECT * FROM runs
WHERE parent_id IS NULL{where}
ORDER BY started_at DESC, id DESC
LIMIT :limit;

-- name: audit_rf_process
 AND process = :process

-- name: audit_rf_status
 AND status = :status

-- name: audit_rf_from
 AND started_at >= :start

-- name: audit_rf_to
 AND started_at < :end

-- name: audit_run_items
-- The items a run's workers touched (actor "<run id>/<host>:<pid>", or a step's "<run id>.<step>/..."),
-- each with the run's last state change of it (its outcome in this run); keyset by item id.
SELECT r.item_id, w.queue, w.reference, w.status, w.manual_reason, r.events,
       l.at AS last_at, l.action AS last_action, l.from_status AS last_from, l.to_status AS last_to,
       l.reason AS last_reason
FROM (SELECT item_id, count(*) AS events,
             coalesce(max(CASE WHEN to_status IS NOT NULL AND (from_status IS NULL OR from_status <> to_status)
                               THEN id END), max(id)) AS last_id
      FROM audit_events
      WHERE at >= :start AND at <= :end AND item_id IS NOT NULL AND item_id > :after
        AND (substr(actor, 1, length(:run_prefix)) = :run_prefix
             OR substr(actor, 1, length(:step_prefix)) = :step_prefix)
      GROUP BY item_id) r
JOIN work_items w ON w.id = r.item_id
JOIN audit_events l ON l.id = r.last_id
ORDER BY r.item_id
LIMIT :limit;
