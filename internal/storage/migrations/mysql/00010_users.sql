-- +goose Up
-- Console users, their sessions and API tokens, failed logins for rate
-- limiting, and the audit log of every change made through the console.
CREATE TABLE users (
    id                   BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username             VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    display_name         VARCHAR(64)  NOT NULL DEFAULT '',
    role                 VARCHAR(16)  NOT NULL,
    store_ids            TEXT         NOT NULL,
    password_hash        VARCHAR(255) NOT NULL,
    must_change_password BOOLEAN      NOT NULL DEFAULT 0,
    disabled             BOOLEAN      NOT NULL DEFAULT 0,
    last_login_at        DATETIME(6)  NULL,
    created_at           DATETIME(6)  NOT NULL,
    updated_at           DATETIME(6)  NOT NULL,
    UNIQUE KEY users_username (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A session is known by the SHA-256 of its cookie value, so a leaked table
-- does not hand out live sessions.
CREATE TABLE user_sessions (
    id          BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    token_hash  CHAR(64)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id     BIGINT      NOT NULL,
    csrf_token  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    expires_at  DATETIME(6) NOT NULL,
    UNIQUE KEY user_sessions_token (token_hash),
    KEY user_sessions_user (user_id),
    KEY user_sessions_expiry (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE api_tokens (
    id           BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name         VARCHAR(64) NOT NULL,
    token_hash   CHAR(64)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    prefix       VARCHAR(16) NOT NULL,
    user_id      BIGINT      NOT NULL,
    created_at   DATETIME(6) NOT NULL,
    last_used_at DATETIME(6) NULL,
    revoked_at   DATETIME(6) NULL,
    UNIQUE KEY api_tokens_hash (token_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Failed logins per key (a username or a client address) per window.
CREATE TABLE login_failures (
    key_name     VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    window_start DATETIME(6)  NOT NULL,
    failures     INT          NOT NULL,
    PRIMARY KEY (key_name, window_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE audit_log (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at          DATETIME(6)  NOT NULL,
    actor       VARCHAR(64)  NOT NULL,
    action      VARCHAR(191) NOT NULL,
    object      VARCHAR(191) NOT NULL DEFAULT '',
    status      INT          NOT NULL DEFAULT 0,
    before_json MEDIUMTEXT   NOT NULL,
    after_json  MEDIUMTEXT   NOT NULL,
    KEY audit_log_at (at),
    KEY audit_log_actor (actor, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE audit_log;
DROP TABLE login_failures;
DROP TABLE api_tokens;
DROP TABLE user_sessions;
DROP TABLE users;
