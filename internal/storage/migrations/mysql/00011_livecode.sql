-- +goose Up
-- Live QR codes (群活码): a stable landing page in front of one WeCom join
-- way whose chat_id_list is a window over an ordered pool of groups. The
-- switch to the next group is a conditional UPDATE on current_chat_id, so
-- replicas move a code at most once per group. rev changes with anything
-- the landing page shows; version with the operators' edits.
CREATE TABLE livecodes (
    id              BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    code            VARCHAR(32)   CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    name            VARCHAR(64)   NOT NULL,
    state           VARCHAR(64)   CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    store_id        BIGINT        NOT NULL DEFAULT 0,
    threshold       INT           NOT NULL,
    alert_remaining INT           NOT NULL DEFAULT 1,
    fallback_text   VARCHAR(512)  NOT NULL DEFAULT '',
    auto_create     BOOLEAN       NOT NULL DEFAULT 0,
    room_base_name  VARCHAR(64)   NOT NULL DEFAULT '',
    room_base_id    INT           NOT NULL DEFAULT 0,
    enabled         BOOLEAN       NOT NULL DEFAULT 1,
    config_id       VARCHAR(64)   CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    qr_code         VARCHAR(512)  NOT NULL DEFAULT '',
    qr_checked_at   DATETIME(6)   NULL,
    pushed_config   TEXT          NOT NULL,
    current_chat_id VARCHAR(128)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    status          VARCHAR(16)   NOT NULL DEFAULT 'ok',
    status_detail   VARCHAR(512)  NOT NULL DEFAULT '',
    rev             BIGINT        NOT NULL DEFAULT 1,
    version         BIGINT        NOT NULL DEFAULT 1,
    created_by      VARCHAR(64)   NOT NULL DEFAULT '',
    updated_by      VARCHAR(64)   NOT NULL DEFAULT '',
    created_at      DATETIME(6)   NOT NULL,
    updated_at      DATETIME(6)   NOT NULL,
    UNIQUE KEY livecodes_code (code),
    UNIQUE KEY livecodes_state (state)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A group belongs to at most one live code's pool.
CREATE TABLE livecode_pool (
    id       BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    code_id  BIGINT       NOT NULL,
    chat_id  VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    position INT          NOT NULL,
    source   VARCHAR(16)  NOT NULL DEFAULT 'operator',
    added_at DATETIME(6)  NOT NULL,
    UNIQUE KEY livecode_pool_chat (chat_id),
    KEY livecode_pool_code (code_id, position)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every move of a code from one group to the next.
CREATE TABLE livecode_switches (
    id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    code_id      BIGINT       NOT NULL,
    from_chat_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    to_chat_id   VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    reason       VARCHAR(64)  NOT NULL,
    at           DATETIME(6)  NOT NULL,
    KEY livecode_switches_code (code_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Daily counters of group live codes (kind group) and contact codes (kind
-- contact); day is YYYY-MM-DD in the configured time zone.
CREATE TABLE livecode_stats (
    kind    VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    code_id BIGINT      NOT NULL,
    day     CHAR(10)    CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    views   BIGINT      NOT NULL DEFAULT 0,
    joins   BIGINT      NOT NULL DEFAULT 0,
    leaves  BIGINT      NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, code_id, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Alerts for operators; open_key holds one open alert per code, kind and
-- group (repeats are counted on it) and is NULL once acknowledged.
CREATE TABLE livecode_alerts (
    id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    code_kind   VARCHAR(16)   NOT NULL,
    code_id     BIGINT        NOT NULL,
    kind        VARCHAR(32)   NOT NULL,
    chat_id     VARCHAR(128)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    message     VARCHAR(1024) NOT NULL,
    occurrences INT           NOT NULL DEFAULT 1,
    open_key    VARCHAR(191)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    first_at    DATETIME(6)   NOT NULL,
    last_at     DATETIME(6)   NOT NULL,
    acked_at    DATETIME(6)   NULL,
    acked_by    VARCHAR(64)   NOT NULL DEFAULT '',
    UNIQUE KEY livecode_alerts_open (open_key),
    KEY livecode_alerts_code (code_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Contact live codes (渠道活码): a 联系我 contact way with a State; new
-- contacts through it are tagged with tag_ids (JSON) and counted.
CREATE TABLE contact_codes (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name        VARCHAR(64)  NOT NULL,
    state       VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    type        INT          NOT NULL,
    user_ids    TEXT         NOT NULL,
    tag_ids     TEXT         NOT NULL,
    skip_verify BOOLEAN      NOT NULL DEFAULT 1,
    remark      VARCHAR(64)  NOT NULL DEFAULT '',
    store_id    BIGINT       NOT NULL DEFAULT 0,
    config_id   VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    qr_code     VARCHAR(512) NOT NULL DEFAULT '',
    version     BIGINT       NOT NULL DEFAULT 1,
    created_by  VARCHAR(64)  NOT NULL DEFAULT '',
    updated_by  VARCHAR(64)  NOT NULL DEFAULT '',
    created_at  DATETIME(6)  NOT NULL,
    updated_at  DATETIME(6)  NOT NULL,
    UNIQUE KEY contact_codes_state (state)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Each new contact through a contact code, once (a redelivered event is a
-- no-op).
CREATE TABLE contact_code_joins (
    id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    code_id          BIGINT       NOT NULL,
    user_id          VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    external_user_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    joined_at        DATETIME(6)  NOT NULL,
    UNIQUE KEY contact_code_joins_once (code_id, user_id, external_user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE contact_code_joins;
DROP TABLE contact_codes;
DROP TABLE livecode_alerts;
DROP TABLE livecode_stats;
DROP TABLE livecode_switches;
DROP TABLE livecode_pool;
DROP TABLE livecodes;
