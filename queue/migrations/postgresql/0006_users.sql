-- People at the desk: users with an argon2 password hash, their roles, the processes a caseworker
-- is assigned to, and server-side sessions (the cookie holds a random token; only its SHA-256 is
-- stored, so a copy of the database signs nobody in). A user is disabled, never deleted.
-- depends: 0005_watch_list

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
    full_name     text NOT NULL DEFAULT '',
    password_hash text NOT NULL CHECK (password_hash LIKE '$argon2%'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text NOT NULL,
    disabled_at   timestamptz,
    disabled_by   text
);

CREATE TABLE user_roles (
    user_id bigint NOT NULL REFERENCES users (id),
    role    text NOT NULL CHECK (role IN ('caseworker', 'operator', 'auditor', 'admin')),
    PRIMARY KEY (user_id, role)
);

CREATE TABLE user_processes (
    user_id bigint NOT NULL REFERENCES users (id),
    process text NOT NULL CHECK (length(process) > 0),
    PRIMARY KEY (user_id, process)
);

CREATE TABLE user_sessions (
    token_hash   text PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id),
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX ix_user_sessions_user ON user_sessions (user_id);
CREATE INDEX ix_user_sessions_expires ON user_sessions (expires_at);
