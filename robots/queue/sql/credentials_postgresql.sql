-- name: upsert
INSERT INTO credentials (name, username, ciphertext, allowed, changed_at, changed_by)
VALUES (%(name)s, %(username)s, %(ciphertext)s, %(allowed)s::jsonb, %(now)s, %(actor)s)
ON CONFLICT (name) DO UPDATE SET username = excluded.username, ciphertext = excluded.ciphertext,
    allowed = excluded.allowed, changed_at = excluded.changed_at, changed_by = excluded.changed_by;

-- name: get
SELECT name, username, ciphertext, allowed::text AS allowed, changed_at, changed_by FROM credentials
WHERE name = %(name)s;

-- name: list
SELECT name, username, ciphertext, allowed::text AS allowed, changed_at, changed_by FROM credentials ORDER BY name;

-- name: set_ciphertext
UPDATE credentials SET ciphertext = %(ciphertext)s WHERE name = %(name)s;
