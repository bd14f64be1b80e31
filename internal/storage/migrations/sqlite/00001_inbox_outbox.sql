-- +goose Up
-- Every accepted callback, stored before it is answered. dedupe_key makes a
-- redelivered callback a no-op.
CREATE TABLE inbox_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    source          TEXT     NOT NULL,
    kind            TEXT     NOT NULL,
    dedupe_key      TEXT     NOT NULL,
    payload         TEXT     NOT NULL,
    state           TEXT     NOT NULL DEFAULT 'pending',
    attempts        INTEGER  NOT NULL DEFAULT 0,
    next_attempt_at DATETIME NOT NULL,
    locked_until    DATETIME NULL,
    last_error      TEXT     NOT NULL DEFAULT '',
    received_at     DATETIME NOT NULL,
    handled_at      DATETIME NULL
);
CREATE UNIQUE INDEX inbox_events_dedupe_key ON inbox_events (dedupe_key);
CREATE INDEX inbox_events_due ON inbox_events (state, next_attempt_at);
CREATE INDEX inbox_events_kind ON inbox_events (kind, received_at);

-- Every intended send. idempotency_key makes a second intent to send the same
-- thing a no-op.
CREATE TABLE outbox_messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT     NOT NULL,
    api             TEXT     NOT NULL,
    payload         TEXT     NOT NULL,
    priority        INTEGER  NOT NULL DEFAULT 0,
    state           TEXT     NOT NULL DEFAULT 'pending',
    attempts        INTEGER  NOT NULL DEFAULT 0,
    max_attempts    INTEGER  NOT NULL DEFAULT 8,
    next_attempt_at DATETIME NOT NULL,
    locked_until    DATETIME NULL,
    last_error      TEXT     NOT NULL DEFAULT '',
    response        TEXT     NOT NULL DEFAULT '',
    source_event_id INTEGER  NULL,
    created_at      DATETIME NOT NULL,
    sent_at         DATETIME NULL
);
CREATE UNIQUE INDEX outbox_messages_idempotency_key ON outbox_messages (idempotency_key);
CREATE INDEX outbox_messages_due ON outbox_messages (state, next_attempt_at);

-- +goose Down
DROP TABLE outbox_messages;
DROP TABLE inbox_events;
