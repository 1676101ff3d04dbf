-- Credentials for the legacy systems: the secret encrypted (Fernet, key outside the database),
-- the processes allowed to read it (JSON list), who changed it last and when.
-- depends: 0004_audit_no_truncate

CREATE TABLE credentials (
    name        text PRIMARY KEY CHECK (length(name) > 0),
    username    text NOT NULL,
    ciphertext  text NOT NULL,
    allowed     jsonb NOT NULL DEFAULT '[]',
    changed_at  timestamptz NOT NULL,
    changed_by  text NOT NULL
);
