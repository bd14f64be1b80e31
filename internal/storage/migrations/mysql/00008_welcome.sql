-- +goose Up
-- Welcome rules (歡迎語) for new contacts (channel contact, matched on the
-- contact way's State and the staff member) and for Official Account
-- followers (channel wechat, matched on the QR scene). Attachments are JSON.
CREATE TABLE welcome_rules (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name          VARCHAR(64)  NOT NULL,
    channel       VARCHAR(16)  NOT NULL,
    state_match   VARCHAR(16)  NOT NULL DEFAULT '',
    state         VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    staff_user_id VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    is_default    BOOLEAN      NOT NULL DEFAULT 0,
    priority      INT          NOT NULL DEFAULT 0,
    text          TEXT         NOT NULL,
    attachments   MEDIUMTEXT   NOT NULL,
    enabled       BOOLEAN      NOT NULL DEFAULT 1,
    created_at    DATETIME(6)  NOT NULL,
    updated_at    DATETIME(6)  NOT NULL,
    KEY welcome_rules_channel (channel, enabled)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every welcome decided: sent (queued), skipped and why, with its latency.
-- event_key makes a redelivered event a no-op.
CREATE TABLE welcome_records (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_key     VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    kind          VARCHAR(16)  NOT NULL,
    target        VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    state         VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    staff_user_id VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    rule_id       BIGINT       NULL,
    outcome       VARCHAR(32)  NOT NULL,
    detail        VARCHAR(1024) NOT NULL DEFAULT '',
    outbox_key    VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    event_at      DATETIME(6)  NULL,
    received_at   DATETIME(6)  NULL,
    decided_at    DATETIME(6)  NOT NULL,
    latency_us    BIGINT       NOT NULL DEFAULT 0,
    UNIQUE KEY welcome_records_event_key (event_key),
    KEY welcome_records_kind (kind, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- WeCom's group welcome templates (入群歡迎語素材) as qunbot created them,
-- with WeCom's template_id and the result of the last comparison.
CREATE TABLE welcome_group_templates (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    template_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    name        VARCHAR(64)  NOT NULL,
    text        TEXT         NOT NULL,
    attachment  TEXT         NOT NULL,
    notify      BOOLEAN      NOT NULL DEFAULT 1,
    sync_state  VARCHAR(16)  NOT NULL DEFAULT 'unchecked',
    sync_detail VARCHAR(1024) NOT NULL DEFAULT '',
    synced_at   DATETIME(6)  NULL,
    created_at  DATETIME(6)  NOT NULL,
    updated_at  DATETIME(6)  NOT NULL,
    UNIQUE KEY welcome_group_templates_template_id (template_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The welcome the bot says in a group when members join (rules, benefits);
-- chat_id '' is the default for groups without their own.
CREATE TABLE welcome_group_texts (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    chat_id    VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    text       TEXT         NOT NULL,
    enabled    BOOLEAN      NOT NULL DEFAULT 1,
    created_at DATETIME(6)  NOT NULL,
    updated_at DATETIME(6)  NOT NULL,
    UNIQUE KEY welcome_group_texts_chat (chat_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Members who joined a group and wait for the batched welcome. A join stays
-- unbatched (batch_id NULL) until its chat's window closes and one welcome
-- names everyone who joined within it.
CREATE TABLE welcome_group_joins (
    id        BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    chat_id   VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    member_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    joined_at DATETIME(6)  NOT NULL,
    batch_id  BIGINT       NULL,
    UNIQUE KEY welcome_group_joins_once (chat_id, member_id, joined_at),
    KEY welcome_group_joins_open (batch_id, chat_id, joined_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE welcome_group_joins;
DROP TABLE welcome_group_texts;
DROP TABLE welcome_group_templates;
DROP TABLE welcome_records;
DROP TABLE welcome_rules;
