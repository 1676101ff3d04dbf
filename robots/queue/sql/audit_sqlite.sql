-- The audit trail's seals and exports, SQLite (see robots/audit/). Times are UTC text.

-- name: seal_head
SELECT seq, event_id, chain_hash FROM audit_seals ORDER BY seq DESC LIMIT 1;

-- name: max_sealed_event
SELECT coalesce(max(event_id), 0) AS max_id FROM audit_seals;

-- name: unsealed_events
SELECT e.* FROM audit_events e
WHERE e.id > :after AND e.id <= :until
  AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id)
ORDER BY e.id
LIMIT :limit;

-- name: subject_heads
SELECT subject, item_hash FROM audit_seals
WHERE seq IN (SELECT max(seq) FROM audit_seals
              WHERE subject IN (SELECT value FROM json_each(:subjects)) GROUP BY subject);

-- name: insert_seal
INSERT INTO audit_seals (seq, event_id, subject, item_hash, chain_hash, sealed_at)
VALUES (:seq, :event_id, :subject, :item_hash, :chain_hash, :sealed_at);

-- name: seals_page
SELECT s.seq, s.event_id AS seal_event_id, s.subject, s.item_hash, s.chain_hash, s.sealed_at,
       e.id, e.item_id, e.queue, e.at, e.actor, e.action, e.from_status, e.to_status, e.reason, e.detail
FROM audit_seals s LEFT JOIN audit_events e ON e.id = s.event_id
WHERE s.seq > :after
ORDER BY s.seq
LIMIT :limit;

-- name: subject_seals
SELECT s.seq, s.event_id AS seal_event_id, s.subject, s.item_hash, s.chain_hash, s.sealed_at,
       e.id, e.item_id, e.queue, e.at, e.actor, e.action, e.from_status, e.to_status, e.reason, e.detail
FROM audit_seals s LEFT JOIN audit_events e ON e.id = s.event_id
WHERE s.subject = :subject
ORDER BY s.seq;

-- name: event_stats
SELECT count(*) AS n, coalesce(max(id), 0) AS max_id FROM audit_events;

-- name: unsealed_after
SELECT count(*) AS n, min(id) AS first_id, max(id) AS last_id FROM audit_events e
WHERE e.id > :after AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id);

-- name: unsealed_below
SELECT e.id FROM audit_events e
WHERE e.id < :below AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id)
ORDER BY e.id
LIMIT :limit;

-- name: unsealed_of_item
SELECT e.id FROM audit_events e
WHERE e.item_id = :item_id AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id)
ORDER BY e.id;

-- name: id_gaps
-- Ids missing between existing events: AUTOINCREMENT never reuses an id and a rolled-back insert
-- gives its id back, so on SQLite a gap is an event that was deleted.
SELECT prev + 1 AS first_id, id - 1 AS last_id FROM (
    SELECT id, lag(id, 1, 0) OVER (ORDER BY id) AS prev FROM audit_events
) WHERE id - prev > 1
ORDER BY id
LIMIT :limit;

-- name: id_sequence
SELECT seq FROM sqlite_sequence WHERE name = 'audit_events';

-- name: export_events
SELECT e.id, e.item_id, e.queue, e.at, e.actor, e.action, e.from_status, e.to_status, e.reason, e.detail,
       w.reference, s.seq AS seal_seq, s.chain_hash
FROM audit_events e
LEFT JOIN work_items w ON w.id = e.item_id
LEFT JOIN audit_seals s ON s.event_id = e.id
WHERE e.at >= :start AND e.at < :end
  AND (:process IS NULL
       OR e.queue IN (SELECT value FROM json_each(:queues))
       OR (e.item_id IS NULL AND json_extract(e.detail, '$.process') = :process))
ORDER BY e.id;

-- name: expired_files
-- Evidence of cases finished (done or cancelled) before the cut-off, content not yet deleted.
SELECT f.id, f.item_id, f.name, f.size, f.sha256 FROM work_item_files f
JOIN work_items w ON w.id = f.item_id
WHERE f.deleted_at IS NULL AND w.status IN ('done', 'cancelled') AND w.finished_at < :cutoff
ORDER BY f.item_id, f.id
LIMIT :limit;

-- name: purge_file
UPDATE work_item_files SET content = NULL, deleted_at = :now WHERE id = :id AND deleted_at IS NULL;

-- name: expired_runs
SELECT id, process, artifacts_dir, finished_at FROM runs
WHERE parent_id IS NULL AND status <> 'running' AND finished_at < :cutoff AND artifacts_dir IS NOT NULL
ORDER BY started_at, id;
