-- +goose Up
-- Live QR codes (群活码): a stable landing page in front of one WeCom join
-- way whose chat_id_list is a window over an ordered pool of groups. The
-- switch to the next group is a conditional UPDATE on current_chat_id, so
-- replicas move a code at most once per group. rev changes with anything
-- the landing page shows; version with the operators' edits.
CREATE TABLE livecodes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    code            TEXT     NOT NULL,
    name            TEXT     NOT NULL,
    state           TEXT     NOT NULL,
    store_id        INTEGER  NOT NULL DEFAULT 0,
    threshold       INTEGER  NOT NULL,
    alert_remaining INTEGER  NOT NULL DEFAULT 1,
    fallback_text   TEXT     NOT NULL DEFAULT '',
    auto_create     BOOLEAN  NOT NULL DEFAULT 0,
    room_base_name  TEXT     NOT NULL DEFAULT '',
    room_base_id    INTEGER  NOT NULL DEFAULT 0,
    enabled         BOOLEAN  NOT NULL DEFAULT 1,
    config_id       TEXT     NOT NULL DEFAULT '',
    qr_code         TEXT     NOT NULL DEFAULT '',
    qr_checked_at   DATETIME NULL,
    pushed_config   TEXT     NOT NULL DEFAULT '',
    current_chat_id TEXT     NOT NULL DEFAULT '',
    status          TEXT     NOT NULL DEFAULT 'ok',
    status_detail   TEXT     NOT NULL DEFAULT '',
    rev             INTEGER  NOT NULL DEFAULT 1,
    version         INTEGER  NOT NULL DEFAULT 1,
    created_by      TEXT     NOT NULL DEFAULT '',
    updated_by      TEXT     NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE UNIQUE INDEX livecodes_code ON livecodes (code);
CREATE UNIQUE INDEX livecodes_state ON livecodes (state);

-- A group belongs to at most one live code's pool.
CREATE TABLE livecode_pool (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    code_id  INTEGER  NOT NULL,
    chat_id  TEXT     NOT NULL,
    position INTEGER  NOT NULL,
    source   TEXT     NOT NULL DEFAULT 'operator',
    added_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX livecode_pool_chat ON livecode_pool (chat_id);
CREATE INDEX livecode_pool_code ON livecode_pool (code_id, position);

-- Every move of a code from one group to the next.
CREATE TABLE livecode_switches (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    code_id      INTEGER  NOT NULL,
    from_chat_id TEXT     NOT NULL,
    to_chat_id   TEXT     NOT NULL,
    reason       TEXT     NOT NULL,
    at           DATETIME NOT NULL
);
CREATE INDEX livecode_switches_code ON livecode_switches (code_id, id);

-- Daily counters of group live codes (kind group) and contact codes (kind
-- contact); day is YYYY-MM-DD in the configured time zone.
CREATE TABLE livecode_stats (
    kind    TEXT    NOT NULL,
    code_id INTEGER NOT NULL,
    day     TEXT    NOT NULL,
    views   INTEGER NOT NULL DEFAULT 0,
    joins   INTEGER NOT NULL DEFAULT 0,
    leaves  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, code_id, day)
);

-- Alerts for operators; open_key holds one open alert per code, kind and
-- group (repeats are counted on it) and is NULL once acknowledged.
CREATE TABLE livecode_alerts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    code_kind   TEXT     NOT NULL,
    code_id     INTEGER  NOT NULL,
    kind        TEXT     NOT NULL,
    chat_id     TEXT     NOT NULL DEFAULT '',
    message     TEXT     NOT NULL,
    occurrences INTEGER  NOT NULL DEFAULT 1,
    open_key    TEXT     NULL,
    first_at    DATETIME NOT NULL,
    last_at     DATETIME NOT NULL,
    acked_at    DATETIME NULL,
    acked_by    TEXT     NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX livecode_alerts_open ON livecode_alerts (open_key);
CREATE INDEX livecode_alerts_code ON livecode_alerts (code_id, id);

-- Contact live codes (渠道活码): a 联系我 contact way with a State; new
-- contacts through it are tagged with tag_ids (JSON) and counted.
CREATE TABLE contact_codes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT     NOT NULL,
    state       TEXT     NOT NULL,
    type        INTEGER  NOT NULL,
    user_ids    TEXT     NOT NULL,
    tag_ids     TEXT     NOT NULL,
    skip_verify BOOLEAN  NOT NULL DEFAULT 1,
    remark      TEXT     NOT NULL DEFAULT '',
    store_id    INTEGER  NOT NULL DEFAULT 0,
    config_id   TEXT     NOT NULL DEFAULT '',
    qr_code     TEXT     NOT NULL DEFAULT '',
    version     INTEGER  NOT NULL DEFAULT 1,
    created_by  TEXT     NOT NULL DEFAULT '',
    updated_by  TEXT     NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX contact_codes_state ON contact_codes (state);

-- Each new contact through a contact code, once (a redelivered event is a
-- no-op).
CREATE TABLE contact_code_joins (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    code_id          INTEGER  NOT NULL,
    user_id          TEXT     NOT NULL,
    external_user_id TEXT     NOT NULL,
    joined_at        DATETIME NOT NULL
);
CREATE UNIQUE INDEX contact_code_joins_once ON contact_code_joins (code_id, user_id, external_user_id);

-- +goose Down
DROP TABLE contact_code_joins;
DROP TABLE contact_codes;
DROP TABLE livecode_alerts;
DROP TABLE livecode_stats;
DROP TABLE livecode_switches;
DROP TABLE livecode_pool;
DROP TABLE livecodes;
