-- +goose Up
-- The directory: stores (门店), their staff and the escalation chain, and the
-- WeCom customer groups (客户群) with the store each belongs to.
CREATE TABLE stores (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    code        TEXT     NOT NULL,
    name        TEXT     NOT NULL,
    region      TEXT     NOT NULL DEFAULT '',
    webhook_key TEXT     NOT NULL DEFAULT '',
    email       TEXT     NOT NULL DEFAULT '',
    active      BOOLEAN  NOT NULL DEFAULT 1,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX stores_code ON stores (code);
CREATE INDEX stores_region ON stores (region);

-- wecom_user_id is NULL for staff without a WeCom account (they cannot be
-- notified in WeCom), so that the unique index only holds between set values.
CREATE TABLE staff (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT     NOT NULL,
    wecom_user_id TEXT     NULL,
    role          TEXT     NOT NULL,
    store_id      INTEGER  NOT NULL DEFAULT 0,
    region        TEXT     NOT NULL DEFAULT '',
    email         TEXT     NOT NULL DEFAULT '',
    phone         TEXT     NOT NULL DEFAULT '',
    on_duty       BOOLEAN  NOT NULL DEFAULT 0,
    active        BOOLEAN  NOT NULL DEFAULT 1,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE UNIQUE INDEX staff_wecom_user_id ON staff (wecom_user_id);
CREATE INDEX staff_store ON staff (store_id, role, active);
CREATE INDEX staff_region ON staff (role, region, active);

-- Customer groups as WeCom reports them. created_at is WeCom's create_time;
-- recorded_at is when qunbot first saw the group. reconcile_due_at asks the
-- worker to re-read the group from WeCom (a few seconds after an event);
-- reconcile_claim names the worker that holds it, so a new event during a
-- reconcile asks for another one.
CREATE TABLE customer_groups (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id          TEXT     NOT NULL,
    name             TEXT     NOT NULL DEFAULT '',
    owner_user_id    TEXT     NOT NULL DEFAULT '',
    store_id         INTEGER  NOT NULL DEFAULT 0,
    member_count     INTEGER  NOT NULL DEFAULT 0,
    member_version   TEXT     NOT NULL DEFAULT '',
    notice           TEXT     NOT NULL DEFAULT '',
    created_at       DATETIME NULL,
    dismissed        BOOLEAN  NOT NULL DEFAULT 0,
    dismissed_at     DATETIME NULL,
    synced_at        DATETIME NULL,
    reconcile_due_at DATETIME NULL,
    reconcile_claim  TEXT     NULL,
    recorded_at      DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL
);
CREATE UNIQUE INDEX customer_groups_chat_id ON customer_groups (chat_id);
CREATE INDEX customer_groups_store ON customer_groups (store_id, dismissed);
CREATE INDEX customer_groups_reconcile ON customer_groups (reconcile_due_at);

-- Operators' tags of a group, one row each, so that selecting groups by tag
-- is an indexed query.
CREATE TABLE group_tags (
    chat_id TEXT NOT NULL,
    tag     TEXT NOT NULL,
    PRIMARY KEY (chat_id, tag)
);
CREATE INDEX group_tags_tag ON group_tags (tag, chat_id);

-- Membership events whose count change was applied, by inbox dedupe key: an
-- event handled twice changes the count once. Pruned after a week.
CREATE TABLE group_events (
    dedupe_key TEXT     NOT NULL PRIMARY KEY,
    chat_id    TEXT     NOT NULL,
    applied_at DATETIME NOT NULL
);
CREATE INDEX group_events_applied ON group_events (applied_at);

-- +goose Down
DROP TABLE group_events;
DROP TABLE group_tags;
DROP TABLE customer_groups;
DROP TABLE staff;
DROP TABLE stores;
