-- +goose Up
-- The chat toolbar page (聊天工具欄): recent questions of groups where nothing
-- can answer by itself, kept a week and at most 200 a chat, so that staff
-- see them with a suggested script inside the group chat. message_key is the
-- message's dedupe key: a redelivered message is noted once.
CREATE TABLE toolbar_questions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    message_key    TEXT     NOT NULL,
    chat_id        TEXT     NOT NULL,
    member_id      TEXT     NOT NULL DEFAULT '',
    member_name    TEXT     NOT NULL DEFAULT '',
    text           TEXT     NOT NULL,
    asked_at       DATETIME NOT NULL,
    sent_at        DATETIME NULL,
    sent_by        TEXT     NOT NULL DEFAULT '',
    sent_script_id INTEGER  NULL,
    created_at     DATETIME NOT NULL
);
CREATE UNIQUE INDEX toolbar_questions_message_key ON toolbar_questions (message_key);
CREATE INDEX toolbar_questions_chat ON toolbar_questions (chat_id, asked_at);
CREATE INDEX toolbar_questions_asked ON toolbar_questions (asked_at);

-- Every answer staff sent from the toolbar page. send_key makes a repeated
-- report of one send a no-op.
CREATE TABLE toolbar_sends (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    send_key    TEXT     NOT NULL,
    chat_id     TEXT     NOT NULL,
    message_key TEXT     NOT NULL DEFAULT '',
    script_id   INTEGER  NOT NULL,
    variant     INTEGER  NOT NULL DEFAULT 0,
    user_id     TEXT     NOT NULL,
    hit_id      INTEGER  NULL,
    sent_at     DATETIME NOT NULL
);
CREATE UNIQUE INDEX toolbar_sends_send_key ON toolbar_sends (send_key);
CREATE INDEX toolbar_sends_chat ON toolbar_sends (chat_id, sent_at);
CREATE INDEX toolbar_sends_at ON toolbar_sends (sent_at);

-- +goose Down
DROP TABLE toolbar_sends;
DROP TABLE toolbar_questions;
