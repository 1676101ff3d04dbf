-- The flex wage watch list's statements for PostgreSQL (robots/watchlist.py). Parameters are
-- %(named)s; times come from the transaction's clock.

-- name: active
SELECT id, cpr, reason, added_by, added_at FROM watch_list
WHERE cpr = %(cpr)s AND removed_at IS NULL;

-- name: list_active
SELECT id, cpr, reason, added_by, added_at FROM watch_list
WHERE removed_at IS NULL ORDER BY added_at, id;

-- name: insert
INSERT INTO watch_list (cpr, reason, added_by, added_at)
VALUES (%(cpr)s, %(reason)s, %(actor)s, %(now)s)
ON CONFLICT (cpr) WHERE removed_at IS NULL DO NOTHING
RETURNING id, cpr, reason, added_by, added_at;

-- name: remove
UPDATE watch_list SET removed_by = %(actor)s, removed_at = %(now)s, removed_reason = %(reason)s
WHERE cpr = %(cpr)s AND removed_at IS NULL
RETURNING id, cpr, reason, added_by, added_at;
