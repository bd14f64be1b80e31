-- +goose Up
-- The chat toolbar page (聊天工具欄): recent questions of groups where nothing
-- can answer by itself, kept a week and at most 200 a chat, so that staff
-- see them with a suggested script inside the group chat. message_key is the
-- message's dedupe key: a redelivered message is noted once.
CREATE TABLE toolbar_questions (
    id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    message_key    VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    chat_id        VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    member_id      VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    member_name    VARCHAR(64)  NOT NULL DEFAULT '',
    text           TEXT         NOT NULL,
    asked_at       DATETIME(6)  NOT NULL,
    sent_at        DATETIME(6)  NULL,
    sent_by        VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    sent_script_id BIGINT       NULL,
    created_at     DATETIME(6)  NOT NULL,
    UNIQUE KEY toolbar_questions_message_key (message_key),
    KEY toolbar_questions_chat (chat_id, asked_at),
    KEY toolbar_questions_asked (asked_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every answer staff sent from the toolbar page. send_key makes a repeated
-- report of one send a no-op.
CREATE TABLE toolbar_sends (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    send_key    VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    chat_id     VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    message_key VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    script_id   BIGINT       NOT NULL,
    variant     INT          NOT NULL DEFAULT 0,
    user_id     VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    hit_id      BIGINT       NULL,
    sent_at     DATETIME(6)  NOT NULL,
    UNIQUE KEY toolbar_sends_send_key (send_key),
    KEY toolbar_sends_chat (chat_id, sent_at),
    KEY toolbar_sends_at (sent_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE toolbar_sends;
DROP TABLE toolbar_questions;
