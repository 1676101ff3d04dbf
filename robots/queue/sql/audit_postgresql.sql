-- The audit trail's seals and exports, PostgreSQL (see robots/audit/).

-- name: seal_head
SELECT seq, event_id, chain_hash FROM audit_seals ORDER BY seq DESC LIMIT 1;

-- name: max_sealed_event
SELECT coalesce(max(event_id), 0) AS max_id FROM audit_seals;

-- name: seal_lock
-- One sealer at a time (the scheduler's, an operator's robots audit seal): the chain has one order.
SELECT pg_advisory_xact_lock(%(key)s);

-- name: snapshot
-- The events committed now, and the transactions in flight that may still commit lower ids.
SELECT pg_current_snapshot()::text AS snapshot, (SELECT coalesce(max(id), 0) FROM audit_events) AS max_id;

-- name: in_flight
-- Transaction ids are per server: those known to belong to sessions on other databases do not count.
SELECT count(*) AS n FROM pg_snapshot_xip(%(snapshot)s::pg_snapshot) AS x
WHERE pg_xact_status(x) = 'in progress'
  AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                  WHERE a.backend_xid IS NOT NULL AND a.datname IS DISTINCT FROM current_database()
                    AND a.backend_xid::text = (x::text::bigint %% 4294967296)::text);

-- name: unsealed_events
SELECT e.* FROM audit_events e
WHERE e.id > %(after)s AND e.id <= %(until)s
  AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id)
ORDER BY e.id
LIMIT %(limit)s;

-- name: subject_heads
SELECT subject, item_hash FROM audit_seals
WHERE seq IN (SELECT max(seq) FROM audit_seals WHERE subject = ANY(%(subjects)s) GROUP BY subject);

-- name: insert_seals
-- A batch of seals in one statement (arrays of equal length, in chain order).
INSERT INTO audit_seals (seq, event_id, subject, item_hash, chain_hash, sealed_at)
SELECT seq, event_id, subject, item_hash, chain_hash, %(sealed_at)s
FROM unnest(%(seqs)s::bigint[], %(event_ids)s::bigint[], %(subjects)s::text[], %(item_hashes)s::text[],
            %(chain_hashes)s::text[]) AS s (seq, event_id, subject, item_hash, chain_hash);

-- name: seals_page
SELECT s.seq, s.event_id AS seal_event_id, s.subject, s.item_hash, s.chain_hash, s.sealed_at,
       e.id, e.item_id, e.queue, e.at, e.actor, e.action, e.from_status, e.to_status, e.reason, e.detail
FROM audit_seals s LEFT JOIN audit_events e ON e.id = s.event_id
WHERE s.seq > %(after)s
ORDER BY s.seq
LIMIT %(limit)s;

-- name: subject_seals
SELECT s.seq, s.event_id AS seal_event_id, s.subject, s.item_hash, s.chain_hash, s.sealed_at,
       e.id, e.item_id, e.queue, e.at, e.actor, e.action, e.from_status, e.to_status, e.reason, e.detail
FROM audit_seals s LEFT JOIN audit_events e ON e.id = s.event_id
WHERE s.subject = %(subject)s
ORDER BY s.seq;

-- name: event_stats
SELECT count(*) AS n, coalesce(max(id), 0) AS max_id FROM audit_events;

-- name: unsealed_after
SELECT count(*) AS n, min(id) AS first_id, max(id) AS last_id FROM audit_events e
WHERE e.id > %(after)s AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id);

-- name: unsealed_below
SELECT e.id FROM audit_events e
WHERE e.id < %(below)s AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id)
ORDER BY e.id
LIMIT %(limit)s;

-- name: unsealed_of_item
SELECT e.id FROM audit_events e
WHERE e.item_id = %(item_id)s AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id)
ORDER BY e.id;

-- name: export_events
SELECT e.id, e.item_id, e.queue, e.at, e.actor, e.action, e.from_status, e.to_status, e.reason, e.detail,
       w.reference, s.seq AS seal_seq, s.chain_hash
FROM audit_events e
LEFT JOIN work_items w ON w.id = e.item_id
LEFT JOIN audit_seals s ON s.event_id = e.id
WHERE e.at >= %(start)s AND e.at < %(end)s
  AND (%(process)s::text IS NULL
       OR e.queue = ANY(%(queues)s::text[])
       OR (e.item_id IS NULL AND e.detail->>'process' = %(process)s::text))
ORDER BY e.id;

-- name: expired_files
-- Evidence of cases finished (done or cancelled) before the cut-off, content not yet deleted.
SELECT f.id, f.item_id, f.name, f.size, f.sha256 FROM work_item_files f
JOIN work_items w ON w.id = f.item_id
WHERE f.deleted_at IS NULL AND w.status IN ('done', 'cancelled') AND w.finished_at < %(cutoff)s
ORDER BY f.item_id, f.id
LIMIT %(limit)s;

-- name: purge_file
UPDATE work_item_files SET content = NULL, deleted_at = %(now)s WHERE id = %(id)s AND deleted_at IS NULL;

-- name: expired_runs
SELECT id, process, artifacts_dir, finished_at FROM runs
WHERE parent_id IS NULL AND status <> 'running' AND finished_at < %(cutoff)s AND artifacts_dir IS NOT NULL
ORDER BY started_at, id;
