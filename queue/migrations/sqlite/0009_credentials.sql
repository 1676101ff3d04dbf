-- Credentials for the legacy systems: the secret encrypted (Fernet, key outside the database),
-- the processes allowed to read it (JSON list), who changed it last and when.
-- depends: 0004_audit_no_truncate

CREATE TABLE credentials (
    name        TEXT PRIMARY KEY CHECK (length(name) > 0),
    username    TEXT NOT NULL,
    ciphertext  TEXT NOT NULL,
    allowed     TEXT NOT NULL DEFAULT '[]',
    changed_at  TEXT NOT NULL,
    changed_by  TEXT NOT NULL
);
