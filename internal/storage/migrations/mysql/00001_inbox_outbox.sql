-- +goose Up
-- Every accepted callback, stored before it is answered. dedupe_key makes a
-- redelivered callback a no-op.
CREATE TABLE inbox_events (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    source          VARCHAR(16)  NOT NULL,
    kind            VARCHAR(96)  NOT NULL,
    dedupe_key      VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    payload         MEDIUMTEXT   NOT NULL,
    state           VARCHAR(16)  NOT NULL DEFAULT 'pending',
    attempts        INT          NOT NULL DEFAULT 0,
    next_attempt_at DATETIME(6)  NOT NULL,
    locked_until    DATETIME(6)  NULL,
    last_error      VARCHAR(2048) NOT NULL DEFAULT '',
    received_at     DATETIME(6)  NOT NULL,
    handled_at      DATETIME(6)  NULL,
    UNIQUE KEY inbox_events_dedupe_key (dedupe_key),
    KEY inbox_events_due (state, next_attempt_at),
    KEY inbox_events_kind (kind, received_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every intended send. idempotency_key makes a second intent to send the same
-- thing a no-op.
CREATE TABLE outbox_messages (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    idempotency_key VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    api             VARCHAR(64)  NOT NULL,
    payload         MEDIUMTEXT   NOT NULL,
    priority        INT          NOT NULL DEFAULT 0,
    state           VARCHAR(16)  NOT NULL DEFAULT 'pending',
    attempts        INT          NOT NULL DEFAULT 0,
    max_attempts    INT          NOT NULL DEFAULT 8,
    next_attempt_at DATETIME(6)  NOT NULL,
    locked_until    DATETIME(6)  NULL,
    last_error      VARCHAR(2048) NOT NULL DEFAULT '',
    response        VARCHAR(2048) NOT NULL DEFAULT '',
    source_event_id BIGINT       NULL,
    created_at      DATETIME(6)  NOT NULL,
    sent_at         DATETIME(6)  NULL,
    UNIQUE KEY outbox_messages_idempotency_key (idempotency_key),
    KEY outbox_messages_due (state, next_attempt_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE outbox_messages;
DROP TABLE inbox_events;
