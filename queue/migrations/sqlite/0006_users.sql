-- People at the desk: users with an argon2 password hash, their roles, the processes a caseworker
-- is assigned to, and server-side sessions (the cookie holds a random token; only its SHA-256 is
-- stored, so a copy of the database signs nobody in). A user is disabled, never deleted.
-- depends: 0005_watch_list

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
    full_name     TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2%'),
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    disabled_at   TEXT,
    disabled_by   TEXT
);

CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users (id),
    role    TEXT NOT NULL CHECK (role IN ('caseworker', 'operator', 'auditor', 'admin')),
    PRIMARY KEY (user_id, role)
);

CREATE TABLE user_processes (
    user_id INTEGER NOT NULL REFERENCES users (id),
    process TEXT NOT NULL CHECK (length(process) > 0),
    PRIMARY KEY (user_id, process)
);

CREATE TABLE user_sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX ix_user_sessions_user ON user_sessions (user_id);
CREATE INDEX ix_user_sessions_expires ON user_sessions (expires_at);
