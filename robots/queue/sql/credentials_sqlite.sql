-- name: upsert
INSERT INTO credentials (name, username, ciphertext, allowed, changed_at, changed_by)
VALUES (:name, :username, :ciphertext, :allowed, :now, :actor)
ON CONFLICT (name) DO UPDATE SET username = excluded.username, ciphertext = excluded.ciphertext,
    allowed = excluded.allowed, changed_at = excluded.changed_at, changed_by = excluded.changed_by;

-- name: get
SELECT name, username, ciphertext, allowed, changed_at, changed_by FROM credentials WHERE name = :name;

-- name: list
SELECT name, username, ciphertext, allowed, changed_at, changed_by FROM credentials ORDER BY name;

-- name: set_ciphertext
UPDATE credentials SET ciphertext = :ciphertext WHERE name = :name;
