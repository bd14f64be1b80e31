-- +goose Up
-- Console users, their sessions and API tokens, failed logins for rate
-- limiting, and the audit log of every change made through the console.
CREATE TABLE users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    username             TEXT     NOT NULL,
    display_name         TEXT     NOT NULL DEFAULT '',
    role                 TEXT     NOT NULL,
    store_ids            TEXT     NOT NULL DEFAULT '[]',
    password_hash        TEXT     NOT NULL,
    must_change_password BOOLEAN  NOT NULL DEFAULT 0,
    disabled             BOOLEAN  NOT NULL DEFAULT 0,
    last_login_at        DATETIME NULL,
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (username);

-- A session is known by the SHA-256 of its cookie value, so a leaked table
-- does not hand out live sessions.
CREATE TABLE user_sessions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash  TEXT     NOT NULL,
    user_id     INTEGER  NOT NULL,
    csrf_token  TEXT     NOT NULL,
    created_at  DATETIME NOT NULL,
    expires_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX user_sessions_token ON user_sessions (token_hash);
CREATE INDEX user_sessions_user ON user_sessions (user_id);
CREATE INDEX user_sessions_expiry ON user_sessions (expires_at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT     NOT NULL,
    token_hash   TEXT     NOT NULL,
    prefix       TEXT     NOT NULL,
    user_id      INTEGER  NOT NULL,
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME NULL,
    revoked_at   DATETIME NULL
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);

-- Failed logins per key (a username or a client address) per window.
CREATE TABLE login_failures (
    key_name     TEXT     NOT NULL,
    window_start DATETIME NOT NULL,
    failures     INTEGER  NOT NULL,
    PRIMARY KEY (key_name, window_start)
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          DATETIME NOT NULL,
    actor       TEXT     NOT NULL,
    action      TEXT     NOT NULL,
    object      TEXT     NOT NULL DEFAULT '',
    status      INTEGER  NOT NULL DEFAULT 0,
    before_json TEXT     NOT NULL DEFAULT '',
    after_json  TEXT     NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, at);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE login_failures;
DROP TABLE api_tokens;
DROP TABLE user_sessions;
DROP TABLE users;
