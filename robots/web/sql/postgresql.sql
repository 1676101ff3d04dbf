-- The caseworker desk's statements for PostgreSQL (robots/web). Parameters are %(named)s.
-- Statements with {placeholders} are completed from the fragments below.

-- name: user_insert
INSERT INTO users (name, full_name, password_hash, created_at, created_by)
VALUES (%(name)s, %(full_name)s, %(password_hash)s, %(now)s, %(actor)s)
RETURNING id;

-- name: user_role_insert
INSERT INTO user_roles (user_id, role) VALUES (%(user_id)s, %(role)s);

-- name: user_process_insert
INSERT INTO user_processes (user_id, process) VALUES (%(user_id)s, %(process)s);

-- name: user_by_name
SELECT u.id, u.name, u.full_name, u.password_hash, u.created_at, u.created_by, u.disabled_at,
       (SELECT string_agg(role, ',' ORDER BY role) FROM user_roles r WHERE r.user_id = u.id) AS roles,
       (SELECT string_agg(process, ',' ORDER BY process) FROM user_processes p WHERE p.user_id = u.id) AS processes
FROM users u WHERE u.name = %(name)s;

-- name: user_list
SELECT u.id, u.name, u.full_name, u.password_hash, u.created_at, u.created_by, u.disabled_at,
       (SELECT string_agg(role, ',' ORDER BY role) FROM user_roles r WHERE r.user_id = u.id) AS roles,
       (SELECT string_agg(process, ',' ORDER BY process) FROM user_processes p WHERE p.user_id = u.id) AS processes
FROM users u ORDER BY u.name;

-- name: user_disable
UPDATE users SET disabled_at = %(now)s, disabled_by = %(actor)s
WHERE name = %(name)s AND disabled_at IS NULL
RETURNING id;

-- name: user_set_password
UPDATE users SET password_hash = %(password_hash)s WHERE id = %(user_id)s;

-- name: session_insert
INSERT INTO user_sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at)
VALUES (%(token_hash)s, %(user_id)s, %(csrf_token)s, %(now)s, %(now)s, %(expires_at)s);

-- name: session_user
SELECT u.id, u.name, u.full_name, u.password_hash, u.created_at, u.created_by, u.disabled_at,
       (SELECT string_agg(role, ',' ORDER BY role) FROM user_roles r WHERE r.user_id = u.id) AS roles,
       (SELECT string_agg(process, ',' ORDER BY process) FROM user_processes p WHERE p.user_id = u.id) AS processes,
       s.csrf_token, s.last_seen_at, s.expires_at
FROM user_sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = %(token_hash)s AND s.expires_at > %(now)s AND u.disabled_at IS NULL;

-- name: session_touch
UPDATE user_sessions SET last_seen_at = %(now)s, expires_at = %(expires_at)s WHERE token_hash = %(token_hash)s;

-- name: session_delete
DELETE FROM user_sessions WHERE token_hash = %(token_hash)s;

-- name: sessions_delete_user
DELETE FROM user_sessions WHERE user_id = %(user_id)s;

-- name: sessions_delete_expired
DELETE FROM user_sessions WHERE expires_at <= %(now)s;

-- The list of manual items -------------------------------------------------------------------

-- name: manual_page
-- One page of the list, and the Excel export (the same rows in the same order, a larger limit).
-- The page's ids from desk_items (migration 0012: the desk's own table and indexes, kept by the
-- desk trigger), then the rest of each row from work_items.
SELECT w.id, w.queue, w.reference, w.manual_reason, w.error_message, w.assigned_to, w.created_at, w.updated_at,
       w.payload ->> 'cpr' AS cpr, w.payload ->> 'name' AS name, d.organisation, d.period, d.sort_key
FROM (SELECT id, organisation, period, {key} AS sort_key
      FROM desk_items
      WHERE true{where}
      ORDER BY {key} {direction}, id {direction}
      LIMIT %(limit)s) d
JOIN work_items w ON w.id = d.id
ORDER BY d.sort_key {direction}, d.id {direction};

-- name: manual_counts
SELECT manual_reason AS reason, count(*) AS n
FROM desk_items
WHERE true{where}
GROUP BY manual_reason;

-- name: reason_counts
-- The same counts from the table the triggers of migration 0007 keep (no filter but the queues).
SELECT manual_reason AS reason, sum(n) AS n
FROM desk_reason_counts
WHERE n > 0{where}
GROUP BY manual_reason;

-- name: manual_organisations
SELECT DISTINCT organisation AS value FROM desk_items
WHERE organisation IS NOT NULL
ORDER BY 1 LIMIT 500;

-- name: manual_periods
SELECT DISTINCT period AS value FROM desk_items
WHERE period IS NOT NULL
ORDER BY 1 DESC LIMIT 500;

-- Filter fragments (each starts with AND; on desk_items) ------------------------------------

-- name: filter_queues
 AND queue = ANY(%(queues)s::text[])

-- name: filter_reason
 AND manual_reason = %(reason)s

-- name: filter_organisation
 AND organisation = %(organisation)s

-- name: filter_period
 AND period = %(period)s

-- name: filter_older_than
 AND created_at <= %(created_before)s

-- name: filter_assignee
 AND assigned_to = %(assignee)s

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
 AND ({key}, id) > (%(cursor_key)s, %(cursor_id)s)

-- name: keyset_before
 AND ({key}, id) < (%(cursor_key)s, %(cursor_id)s)

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
LIMIT %(limit)s;

-- name: audit_f_process
-- Events of the process's items, and events about no item whose detail names the process.
 AND (e.queue = ANY(%(queues)s::text[])
      OR (e.item_id IS NULL AND e.detail ->> 'process' = %(process)s::text))

-- name: audit_f_reference
-- Items whose business reference is, or begins with, what was typed.
 AND e.item_id IN (SELECT id FROM work_items WHERE starts_with(reference, %(reference)s::text))

-- name: audit_f_item
 AND e.item_id = %(item_id)s

-- name: audit_f_actor
-- A desk user by name (desk:<name>), any actor as written, or a run and its steps' workers by run id.
 AND (e.actor = %(actor)s::text OR e.actor = 'desk:' || %(actor)s::text
      OR starts_with(e.actor, %(actor)s::text || '/') OR starts_with(e.actor, %(actor)s::text || '.'))

-- name: audit_f_from
 AND e.at >= %(start)s

-- name: audit_f_to
 AND e.at < %(end)s

-- name: audit_f_before
 AND e.id < %(before)s

-- name: audit_f_after
 AND e.id > %(after)s

-- name: audit_runs
SELECT * FROM runs
WHERE parent_id IS NULL{where}
ORDER BY started_at DESC, id DESC
LIMIT %(limit)s;

-- name: audit_rf_process
 AND process = %(process)s

-- name: audit_rf_status
 AND status = %(status)s

-- name: audit_rf_from
 AND started_at >= %(start)s

-- name: audit_rf_to
 AND started_at < %(end)s

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
      WHERE at >= %(start)s AND at <= %(end)s AND item_id IS NOT NULL AND item_id > %(after)s
        AND (starts_with(actor, %(run_prefix)s::text) OR starts_with(actor, %(step_prefix)s::text))
      GROUP BY item_id) r
JOIN work_items w ON w.id = r.item_id
JOIN audit_events l ON l.id = r.last_id
ORDER BY r.item_id
LIMIT %(limit)s;
