-- +goose Up
-- The outbox worker claims the highest priority first, then the longest due.
-- With only (state, next_attempt_at) every claim sorts the whole due backlog
-- (a broadcast to hundreds of groups); this index returns rows in claim order.
-- MariaDB 10.8+ and MySQL 8 keep the DESC; older servers ignore it and stay correct.
CREATE INDEX outbox_messages_claim ON outbox_messages (state, priority DESC, next_attempt_at);

-- +goose Down
DROP INDEX outbox_messages_claim ON outbox_messages;
