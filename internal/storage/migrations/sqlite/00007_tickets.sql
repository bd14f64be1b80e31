-- +goose Up
-- Escalation tickets (工单): one per complaint, with the tier's deadlines.
-- The SLA sweeper reads tickets by next_check_at (NULL once nothing is left
-- to check), so that index is the only one it needs.
CREATE TABLE tickets (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    complaint_key   TEXT     NOT NULL,
    chat_id         TEXT     NOT NULL DEFAULT '',
    chat_name       TEXT     NOT NULL DEFAULT '',
    member_id       TEXT     NOT NULL DEFAULT '',
    member_name     TEXT     NOT NULL DEFAULT '',
    phone           TEXT     NOT NULL DEFAULT '',
    posted_at       DATETIME NOT NULL,
    content         TEXT     NOT NULL,
    context         TEXT     NOT NULL DEFAULT '',
    tier            TEXT     NOT NULL,
    tier_name       TEXT     NOT NULL DEFAULT '',
    ack_minutes     INTEGER  NOT NULL,
    resolve_minutes INTEGER  NOT NULL,
    reaction        TEXT     NOT NULL DEFAULT '',
    action_taken    TEXT     NOT NULL DEFAULT '',
    store_id        INTEGER  NOT NULL DEFAULT 0,
    store_name      TEXT     NOT NULL DEFAULT '',
    state           TEXT     NOT NULL,
    level           INTEGER  NOT NULL DEFAULT 0,
    level_name      TEXT     NOT NULL DEFAULT '',
    escalations     INTEGER  NOT NULL DEFAULT 0,
    ack_due_at      DATETIME NOT NULL,
    resolve_due_at  DATETIME NOT NULL,
    next_check_at   DATETIME NULL,
    acked_at        DATETIME NULL,
    acked_by        TEXT     NOT NULL DEFAULT '',
    resolved_at     DATETIME NULL,
    resolved_by     TEXT     NOT NULL DEFAULT '',
    closed_at       DATETIME NULL,
    ack_met         BOOLEAN  NULL,
    resolve_met     BOOLEAN  NULL,
    group_reply     TEXT     NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE UNIQUE INDEX tickets_complaint_key ON tickets (complaint_key);
CREATE INDEX tickets_next_check ON tickets (next_check_at);
CREATE INDEX tickets_store ON tickets (store_id, state, id);
CREATE INDEX tickets_posted ON tickets (posted_at);

-- The audit trail: every change to a ticket, who made it and what it was
-- before and after.
CREATE TABLE ticket_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id   INTEGER  NOT NULL,
    actor       TEXT     NOT NULL DEFAULT '',
    action      TEXT     NOT NULL,
    before_json TEXT     NOT NULL DEFAULT '',
    after_json  TEXT     NOT NULL DEFAULT '',
    note        TEXT     NOT NULL DEFAULT '',
    at          DATETIME NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

CREATE TABLE ticket_comments (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER  NOT NULL,
    author    TEXT     NOT NULL DEFAULT '',
    body      TEXT     NOT NULL,
    at        DATETIME NOT NULL
);
CREATE INDEX ticket_comments_ticket ON ticket_comments (ticket_id, id);

-- Notifications waiting to be sent, one row per recipient and ticket. A
-- flush gathers a recipient's pending rows into one outbox message, so a
-- burst of tickets never exceeds WeCom's 30 app messages a minute to one
-- person. recipient is "app:<userid>", "webhook:<key>" or "mail:<address>".
CREATE TABLE ticket_notices (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id  INTEGER  NOT NULL DEFAULT 0,
    recipient  TEXT     NOT NULL,
    kind       TEXT     NOT NULL,
    title      TEXT     NOT NULL DEFAULT '',
    text       TEXT     NOT NULL,
    dedupe_key TEXT     NULL,
    state      TEXT     NOT NULL DEFAULT 'pending',
    outbox_id  INTEGER  NULL,
    created_at DATETIME NOT NULL,
    batched_at DATETIME NULL
);
CREATE UNIQUE INDEX ticket_notices_dedupe ON ticket_notices (dedupe_key);
CREATE INDEX ticket_notices_queue ON ticket_notices (state, recipient, id);
CREATE INDEX ticket_notices_recipient ON ticket_notices (recipient, state, id);

-- Staff commands sent to the app (接单 T123 …), each recorded once by its
-- message id with what it did.
CREATE TABLE ticket_commands (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    msg_id    TEXT     NOT NULL,
    user_id   TEXT     NOT NULL DEFAULT '',
    content   TEXT     NOT NULL,
    ticket_id INTEGER  NOT NULL DEFAULT 0,
    result    TEXT     NOT NULL,
    answer    TEXT     NOT NULL DEFAULT '',
    at        DATETIME NOT NULL
);
CREATE UNIQUE INDEX ticket_commands_msg_id ON ticket_commands (msg_id);

-- +goose Down
DROP TABLE ticket_commands;
DROP TABLE ticket_notices;
DROP TABLE ticket_comments;
DROP TABLE ticket_events;
DROP TABLE tickets;
