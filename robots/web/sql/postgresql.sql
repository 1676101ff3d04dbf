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
SELECT id, queue, reference, manual_reason, error_message, assigned_to, created_at, updated_at,
       payload ->> 'cpr' AS cpr, payload ->> 'name' AS name, payload ->> 'organisation' AS organisation,
       coalesce(payload ->> 'period', payload ->> 'income_month', payload ->> 'run_period') AS period,
       {key} AS sort_key
FROM work_items
WHERE status = 'manual'{where}
ORDER BY {key} {direction}, id {direction}
LIMIT %(limit)s;

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

-- name: manual_export
SELECT id, queue, reference, manual_reason, error_message, assigned_to, created_at, updated_at,
       payload ->> 'cpr' AS cpr, payload ->> 'name' AS name, payload ->> 'organisation' AS organisation,
       coalesce(payload ->> 'period', payload ->> 'income_month', payload ->> 'run_period') AS period
FROM work_items
WHERE status = 'manual'{where}
ORDER BY {key} {direction}, id {direction}
LIMIT %(limit)s;

-- name: manual_organisations
SELECT DISTINCT payload ->> 'organisation' AS value FROM work_items
WHERE status = 'manual' AND payload ->> 'organisation' IS NOT NULL
ORDER BY 1 LIMIT 500;

-- name: manual_periods
SELECT DISTINCT coalesce(payload ->> 'period', payload ->> 'income_month', payload ->> 'run_period') AS value FROM work_items
WHERE status = 'manual' AND coalesce(payload ->> 'period', payload ->> 'income_month', payload ->> 'run_period') IS NOT NULL
ORDER BY 1 DESC LIMIT 500;

-- Filter fragments (each starts with AND) ----------------------------------------------------

-- name: filter_queues
 AND queue = ANY(%(queues)s::text[])

-- name: filter_reason
 AND manual_reason = %(reason)s

-- name: filter_organisation
 AND payload ->> 'organisation' = %(organisation)s

-- name: filter_period
 AND coalesce(payload ->> 'period', payload ->> 'income_month', payload ->> 'run_period') = %(period)s

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
