-- +goose Up
-- The script library (话术库). Lists and nested values (keywords, replies,
-- scope) are JSON text: the engine loads whole scripts and compiles them, so
-- only what the store filters or sorts on is a column of its own.
CREATE TABLE script_categories (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name       VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    sort       INT          NOT NULL DEFAULT 0,
    created_at DATETIME(6)  NOT NULL,
    updated_at DATETIME(6)  NOT NULL,
    UNIQUE KEY script_categories_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE scripts (
    id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    category_id      BIGINT       NOT NULL DEFAULT 0,
    title            VARCHAR(128) NOT NULL,
    keywords         TEXT         NOT NULL,
    match_mode       VARCHAR(16)  NOT NULL,
    pattern          VARCHAR(1024) NOT NULL DEFAULT '',
    replies          MEDIUMTEXT   NOT NULL,
    reply_order      VARCHAR(16)  NOT NULL,
    scope            MEDIUMTEXT   NOT NULL,
    priority         INT          NOT NULL DEFAULT 0,
    active_hours     VARCHAR(16)  NOT NULL DEFAULT '',
    time_zone        VARCHAR(64)  NOT NULL DEFAULT '',
    cooldown_minutes INT          NOT NULL DEFAULT 0,
    member_limit     INT          NOT NULL DEFAULT 0,
    enabled          BOOLEAN      NOT NULL DEFAULT 1,
    version          BIGINT       NOT NULL DEFAULT 1,
    hit_count        BIGINT       NOT NULL DEFAULT 0,
    created_by       VARCHAR(64)  NOT NULL DEFAULT '',
    updated_by       VARCHAR(64)  NOT NULL DEFAULT '',
    created_at       DATETIME(6)  NOT NULL,
    updated_at       DATETIME(6)  NOT NULL,
    deleted_at       DATETIME(6)  NULL,
    KEY scripts_category (deleted_at, category_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every change to a script: who, when, what it was before and after.
CREATE TABLE script_history (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    script_id   BIGINT       NOT NULL,
    version     BIGINT       NOT NULL,
    action      VARCHAR(16)  NOT NULL,
    actor       VARCHAR(64)  NOT NULL DEFAULT '',
    at          DATETIME(6)  NOT NULL,
    before_json MEDIUMTEXT   NOT NULL,
    after_json  MEDIUMTEXT   NOT NULL,
    KEY script_history_script (script_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row whose version every change bumps in its own transaction: a running
-- bot polls it to notice changes.
CREATE TABLE script_library (
    id      INT    NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO script_library (id, version) VALUES (1, 0);

-- Every answer: which script answered which message. Cooldowns and member
-- limits are counted here so that they hold across replicas. A message is
-- answered once (message_key is NULL when the channel gives no key).
CREATE TABLE script_hits (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    script_id   BIGINT       NOT NULL,
    channel     VARCHAR(16)  NOT NULL,
    chat_id     VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    member_id   VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    message_key VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    variant     INT          NOT NULL DEFAULT 0,
    latency_us  BIGINT       NOT NULL DEFAULT 0,
    at          DATETIME(6)  NOT NULL,
    UNIQUE KEY script_hits_message_key (message_key),
    KEY script_hits_chat (script_id, chat_id, at),
    KEY script_hits_member (script_id, member_id, at),
    KEY script_hits_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Questions nothing answered (待补充), one row per normalised text (keyed by
-- its SHA-256, since the text may be longer than an index allows).
CREATE TABLE script_questions (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    text_hash     CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    normalized    VARCHAR(1024) NOT NULL,
    asked         BIGINT       NOT NULL DEFAULT 0,
    examples      TEXT         NOT NULL,
    chat_ids      TEXT         NOT NULL,
    state         VARCHAR(16)  NOT NULL DEFAULT 'open',
    script_id     BIGINT       NULL,
    resolved_by   VARCHAR(64)  NOT NULL DEFAULT '',
    first_seen_at DATETIME(6)  NOT NULL,
    last_seen_at  DATETIME(6)  NOT NULL,
    resolved_at   DATETIME(6)  NULL,
    UNIQUE KEY script_questions_text_hash (text_hash),
    KEY script_questions_queue (state, asked)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE script_questions;
DROP TABLE script_hits;
DROP TABLE script_library;
DROP TABLE script_history;
DROP TABLE scripts;
DROP TABLE script_categories;
