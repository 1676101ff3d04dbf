-- The flex wage watch list's statements for SQLite (robots/watchlist.py). Parameters are :named;
-- times are UTC text like the queue's.

-- name: active
SELECT id, cpr, reason, added_by, added_at FROM watch_list
WHERE cpr = :cpr AND removed_at IS NULL;

-- name: list_active
SELECT id, cpr, reason, added_by, added_at FROM watch_list
WHERE removed_at IS NULL ORDER BY added_at, id;

-- name: insert
INSERT INTO watch_list (cpr, reason, added_by, added_at)
VALUES (:cpr, :reason, :actor, :now)
ON CONFLICT (cpr) WHERE removed_at IS NULL DO NOTHING
RETURNING id, cpr, reason, added_by, added_at;

-- name: remove
UPDATE watch_list SET removed_by = :actor, removed_at = :now, removed_reason = :reason
WHERE cpr = :cpr AND removed_at IS NULL
RETURNING id, cpr, reason, added_by, added_at;
