-- +goose Up
-- The script library (话术库). Lists and nested values (keywords, replies,
-- scope) are JSON text: the engine loads whole scripts and compiles them, so
-- only what the store filters or sorts on is a column of its own.
CREATE TABLE script_categories (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT     NOT NULL,
    sort       INTEGER  NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX script_categories_name ON script_categories (name);

CREATE TABLE scripts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    category_id      INTEGER  NOT NULL DEFAULT 0,
    title            TEXT     NOT NULL,
    keywords         TEXT     NOT NULL,
    match_mode       TEXT     NOT NULL,
    pattern          TEXT     NOT NULL DEFAULT '',
    replies          TEXT     NOT NULL,
    reply_order      TEXT     NOT NULL,
    scope            TEXT     NOT NULL,
    priority         INTEGER  NOT NULL DEFAULT 0,
    active_hours     TEXT     NOT NULL DEFAULT '',
    time_zone        TEXT     NOT NULL DEFAULT '',
    cooldown_minutes INTEGER  NOT NULL DEFAULT 0,
    member_limit     INTEGER  NOT NULL DEFAULT 0,
    enabled          BOOLEAN  NOT NULL DEFAULT 1,
    version          INTEGER  NOT NULL DEFAULT 1,
    hit_count        INTEGER  NOT NULL DEFAULT 0,
    created_by       TEXT     NOT NULL DEFAULT '',
    updated_by       TEXT     NOT NULL DEFAULT '',
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL,
    deleted_at       DATETIME NULL
);
CREATE INDEX scripts_category ON scripts (deleted_at, category_id);

-- Every change to a script: who, when, what it was before and after.
CREATE TABLE script_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    script_id   INTEGER  NOT NULL,
    version     INTEGER  NOT NULL,
    action      TEXT     NOT NULL,
    actor       TEXT     NOT NULL DEFAULT '',
    at          DATETIME NOT NULL,
    before_json TEXT     NOT NULL,
    after_json  TEXT     NOT NULL
);
CREATE INDEX script_history_script ON script_history (script_id, id);

-- One row whose version every change bumps in its own transaction: a running
-- bot polls it to notice changes.
CREATE TABLE script_library (
    id      INTEGER PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 0
);
INSERT INTO script_library (id, version) VALUES (1, 0);

-- Every answer: which script answered which message. Cooldowns and member
-- limits are counted here so that they hold across replicas. A message is
-- answered once (message_key is NULL when the channel gives no key).
CREATE TABLE script_hits (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    script_id   INTEGER  NOT NULL,
    channel     TEXT     NOT NULL,
    chat_id     TEXT     NOT NULL DEFAULT '',
    member_id   TEXT     NOT NULL DEFAULT '',
    message_key TEXT     NULL,
    variant     INTEGER  NOT NULL DEFAULT 0,
    latency_us  INTEGER  NOT NULL DEFAULT 0,
    at          DATETIME NOT NULL
);
CREATE UNIQUE INDEX script_hits_message_key ON script_hits (message_key);
CREATE INDEX script_hits_chat ON script_hits (script_id, chat_id, at);
CREATE INDEX script_hits_member ON script_hits (script_id, member_id, at);
CREATE INDEX script_hits_at ON script_hits (at);

-- Questions nothing answered (待补充), one row per normalised text.
CREATE TABLE script_questions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    text_hash     TEXT     NOT NULL,
    normalized    TEXT     NOT NULL,
    asked         INTEGER  NOT NULL DEFAULT 0,
    examples      TEXT     NOT NULL,
    chat_ids      TEXT     NOT NULL,
    state         TEXT     NOT NULL DEFAULT 'open',
    script_id     INTEGER  NULL,
    resolved_by   TEXT     NOT NULL DEFAULT '',
    first_seen_at DATETIME NOT NULL,
    last_seen_at  DATETIME NOT NULL,
    resolved_at   DATETIME NULL
);
CREATE UNIQUE INDEX script_questions_text_hash ON script_questions (text_hash);
CREATE INDEX script_questions_queue ON script_questions (state, asked);

-- +goose Down
DROP TABLE script_questions;
DROP TABLE script_hits;
DROP TABLE script_library;
DROP TABLE script_history;
DROP TABLE scripts;
DROP TABLE script_categories;
