-- +goose Up
-- The directory: stores (门店), their staff and the escalation chain, and the
-- WeCom customer groups (客户群) with the store each belongs to.
CREATE TABLE stores (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    code        VARCHAR(32)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    name        VARCHAR(64)  NOT NULL,
    region      VARCHAR(64)  NOT NULL DEFAULT '',
    webhook_key VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    email       VARCHAR(254) NOT NULL DEFAULT '',
    active      BOOLEAN      NOT NULL DEFAULT 1,
    created_at  DATETIME(6)  NOT NULL,
    updated_at  DATETIME(6)  NOT NULL,
    UNIQUE KEY stores_code (code),
    KEY stores_region (region)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- wecom_user_id is NULL for staff without a WeCom account (they cannot be
-- notified in WeCom), so that the unique key only holds between set values.
CREATE TABLE staff (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name          VARCHAR(64)  NOT NULL,
    wecom_user_id VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    role          VARCHAR(16)  NOT NULL,
    store_id      BIGINT       NOT NULL DEFAULT 0,
    region        VARCHAR(64)  NOT NULL DEFAULT '',
    email         VARCHAR(254) NOT NULL DEFAULT '',
    phone         VARCHAR(32)  NOT NULL DEFAULT '',
    on_duty       BOOLEAN      NOT NULL DEFAULT 0,
    active        BOOLEAN      NOT NULL DEFAULT 1,
    created_at    DATETIME(6)  NOT NULL,
    updated_at    DATETIME(6)  NOT NULL,
    UNIQUE KEY staff_wecom_user_id (wecom_user_id),
    KEY staff_store (store_id, role, active),
    KEY staff_region (role, region, active)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Customer groups as WeCom reports them. created_at is WeCom's create_time;
-- recorded_at is when qunbot first saw the group. reconcile_due_at asks the
-- worker to re-read the group from WeCom (a few seconds after an event);
-- reconcile_claim names the worker that holds it, so a new event during a
-- reconcile asks for another one.
CREATE TABLE customer_groups (
    id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    chat_id          VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    name             VARCHAR(128) NOT NULL DEFAULT '',
    owner_user_id    VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    store_id         BIGINT       NOT NULL DEFAULT 0,
    member_count     INT          NOT NULL DEFAULT 0,
    member_version   VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    notice           TEXT         NOT NULL,
    created_at       DATETIME(6)  NULL,
    dismissed        BOOLEAN      NOT NULL DEFAULT 0,
    dismissed_at     DATETIME(6)  NULL,
    synced_at        DATETIME(6)  NULL,
    reconcile_due_at DATETIME(6)  NULL,
    reconcile_claim  VARCHAR(32)  CHARACTER SET ascii COLLATE ascii_bin NULL,
    recorded_at      DATETIME(6)  NOT NULL,
    updated_at       DATETIME(6)  NOT NULL,
    UNIQUE KEY customer_groups_chat_id (chat_id),
    KEY customer_groups_store (store_id, dismissed),
    KEY customer_groups_reconcile (reconcile_due_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Operators' tags of a group, one row each, so that selecting groups by tag
-- is an indexed query.
CREATE TABLE group_tags (
    chat_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    tag     VARCHAR(32)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    PRIMARY KEY (chat_id, tag),
    KEY group_tags_tag (tag, chat_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Membership events whose count change was applied, by inbox dedupe key: an
-- event handled twice changes the count once. Pruned after a week.
CREATE TABLE group_events (
    dedupe_key VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
    chat_id    VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    applied_at DATETIME(6)  NOT NULL,
    KEY group_events_applied (applied_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE group_events;
DROP TABLE group_tags;
DROP TABLE customer_groups;
DROP TABLE staff;
DROP TABLE stores;
