-- +goose Up
-- Escalation tickets (工单): one per complaint, with the tier's deadlines.
-- The SLA sweeper reads tickets by next_check_at (NULL once nothing is left
-- to check), so that index is the only one it needs.
CREATE TABLE tickets (
    id              BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    complaint_key   VARCHAR(191)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    chat_id         VARCHAR(128)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    chat_name       VARCHAR(128)  NOT NULL DEFAULT '',
    member_id       VARCHAR(128)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    member_name     VARCHAR(128)  NOT NULL DEFAULT '',
    phone           VARCHAR(32)   NOT NULL DEFAULT '',
    posted_at       DATETIME(6)   NOT NULL,
    content         TEXT          NOT NULL,
    context         MEDIUMTEXT    NOT NULL,
    tier            VARCHAR(16)   NOT NULL,
    tier_name       VARCHAR(32)   NOT NULL DEFAULT '',
    ack_minutes     INT           NOT NULL,
    resolve_minutes INT           NOT NULL,
    reaction        VARCHAR(32)   NOT NULL DEFAULT '',
    action_taken    TEXT          NOT NULL,
    store_id        BIGINT        NOT NULL DEFAULT 0,
    store_name      VARCHAR(128)  NOT NULL DEFAULT '',
    state           VARCHAR(16)   NOT NULL,
    level           INT           NOT NULL DEFAULT 0,
    level_name      VARCHAR(64)   NOT NULL DEFAULT '',
    escalations     INT           NOT NULL DEFAULT 0,
    ack_due_at      DATETIME(6)   NOT NULL,
    resolve_due_at  DATETIME(6)   NOT NULL,
    next_check_at   DATETIME(6)   NULL,
    acked_at        DATETIME(6)   NULL,
    acked_by        VARCHAR(64)   NOT NULL DEFAULT '',
    resolved_at     DATETIME(6)   NULL,
    resolved_by     VARCHAR(64)   NOT NULL DEFAULT '',
    closed_at       DATETIME(6)   NULL,
    ack_met         BOOLEAN       NULL,
    resolve_met     BOOLEAN       NULL,
    group_reply     VARCHAR(16)   NOT NULL DEFAULT '',
    created_at      DATETIME(6)   NOT NULL,
    updated_at      DATETIME(6)   NOT NULL,
    UNIQUE KEY tickets_complaint_key (complaint_key),
    KEY tickets_next_check (next_check_at),
    KEY tickets_store (store_id, state, id),
    KEY tickets_posted (posted_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The audit trail: every change to a ticket, who made it and what it was
-- before and after.
CREATE TABLE ticket_events (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id   BIGINT       NOT NULL,
    actor       VARCHAR(64)  NOT NULL DEFAULT '',
    action      VARCHAR(32)  NOT NULL,
    before_json TEXT         NOT NULL,
    after_json  TEXT         NOT NULL,
    note        TEXT         NOT NULL,
    at          DATETIME(6)  NOT NULL,
    KEY ticket_events_ticket (ticket_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE ticket_comments (
    id        BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id BIGINT       NOT NULL,
    author    VARCHAR(64)  NOT NULL DEFAULT '',
    body      TEXT         NOT NULL,
    at        DATETIME(6)  NOT NULL,
    KEY ticket_comments_ticket (ticket_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Notifications waiting to be sent, one row per recipient and ticket. A
-- flush gathers a recipient's pending rows into one outbox message, so a
-- burst of tickets never exceeds WeCom's 30 app messages a minute to one
-- person. recipient is "app:<userid>", "webhook:<key>" or "mail:<address>".
CREATE TABLE ticket_notices (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id  BIGINT       NOT NULL DEFAULT 0,
    recipient  VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    kind       VARCHAR(16)  NOT NULL,
    title      VARCHAR(128) NOT NULL DEFAULT '',
    text       TEXT         NOT NULL,
    dedupe_key VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    state      VARCHAR(16)  NOT NULL DEFAULT 'pending',
    outbox_id  BIGINT       NULL,
    created_at DATETIME(6)  NOT NULL,
    batched_at DATETIME(6)  NULL,
    UNIQUE KEY ticket_notices_dedupe (dedupe_key),
    KEY ticket_notices_queue (state, recipient, id),
    KEY ticket_notices_recipient (recipient, state, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Staff commands sent to the app (接单 T123 …), each recorded once by its
-- message id with what it did.
CREATE TABLE ticket_commands (
    id        BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    msg_id    VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    user_id   VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    content   TEXT         NOT NULL,
    ticket_id BIGINT       NOT NULL DEFAULT 0,
    result    VARCHAR(32)  NOT NULL,
    answer    TEXT         NOT NULL,
    at        DATETIME(6)  NOT NULL,
    UNIQUE KEY ticket_commands_msg_id (msg_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE ticket_commands;
DROP TABLE ticket_notices;
DROP TABLE ticket_comments;
DROP TABLE ticket_events;
DROP TABLE tickets;
