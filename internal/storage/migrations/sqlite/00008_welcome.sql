-- +goose Up
-- Welcome rules (歡迎語) for new contacts (channel contact, matched on the
-- contact way's State and the staff member) and for Official Account
-- followers (channel wechat, matched on the QR scene). Attachments are JSON.
CREATE TABLE welcome_rules (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT     NOT NULL,
    channel       TEXT     NOT NULL,
    state_match   TEXT     NOT NULL DEFAULT '',
    state         TEXT     NOT NULL DEFAULT '',
    staff_user_id TEXT     NOT NULL DEFAULT '',
    is_default    BOOLEAN  NOT NULL DEFAULT 0,
    priority      INTEGER  NOT NULL DEFAULT 0,
    text          TEXT     NOT NULL,
    attachments   TEXT     NOT NULL,
    enabled       BOOLEAN  NOT NULL DEFAULT 1,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE INDEX welcome_rules_channel ON welcome_rules (channel, enabled);

-- Every welcome decided: sent (queued), skipped and why, with its latency.
-- event_key makes a redelivered event a no-op.
CREATE TABLE welcome_records (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    event_key     TEXT     NOT NULL,
    kind          TEXT     NOT NULL,
    target        TEXT     NOT NULL DEFAULT '',
    state         TEXT     NOT NULL DEFAULT '',
    staff_user_id TEXT     NOT NULL DEFAULT '',
    rule_id       INTEGER  NULL,
    outcome       TEXT     NOT NULL,
    detail        TEXT     NOT NULL DEFAULT '',
    outbox_key    TEXT     NOT NULL DEFAULT '',
    event_at      DATETIME NULL,
    received_at   DATETIME NULL,
    decided_at    DATETIME NOT NULL,
    latency_us    INTEGER  NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX welcome_records_event_key ON welcome_records (event_key);
CREATE INDEX welcome_records_kind ON welcome_records (kind, id);

-- WeCom's group welcome templates (入群歡迎語素材) as qunbot created them,
-- with WeCom's template_id and the result of the last comparison.
CREATE TABLE welcome_group_templates (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    template_id TEXT     NOT NULL,
    name        TEXT     NOT NULL,
    text        TEXT     NOT NULL,
    attachment  TEXT     NOT NULL,
    notify      BOOLEAN  NOT NULL DEFAULT 1,
    sync_state  TEXT     NOT NULL DEFAULT 'unchecked',
    sync_detail TEXT     NOT NULL DEFAULT '',
    synced_at   DATETIME NULL,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX welcome_group_templates_template_id ON welcome_group_templates (template_id);

-- The welcome the bot says in a group when members join (rules, benefits);
-- chat_id '' is the default for groups without their own.
CREATE TABLE welcome_group_texts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id    TEXT     NOT NULL,
    text       TEXT     NOT NULL,
    enabled    BOOLEAN  NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX welcome_group_texts_chat ON welcome_group_texts (chat_id);

-- Members who joined a group and wait for the batched welcome. A join stays
-- unbatched (batch_id NULL) until its chat's window closes and one welcome
-- names everyone who joined within it.
CREATE TABLE welcome_group_joins (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id   TEXT     NOT NULL,
    member_id TEXT     NOT NULL,
    joined_at DATETIME NOT NULL,
    batch_id  INTEGER  NULL
);
CREATE UNIQUE INDEX welcome_group_joins_once ON welcome_group_joins (chat_id, member_id, joined_at);
CREATE INDEX welcome_group_joins_open ON welcome_group_joins (batch_id, chat_id, joined_at);

-- +goose Down
DROP TABLE welcome_group_joins;
DROP TABLE welcome_group_texts;
DROP TABLE welcome_group_templates;
DROP TABLE welcome_records;
DROP TABLE welcome_rules;
