-- +goose Up
-- The outbox worker claims the highest priority first, then the longest due.
-- With only (state, next_attempt_at) every claim sorts the whole due backlog
-- (a broadcast to hundreds of groups); this index returns rows in claim order.
CREATE INDEX outbox_messages_claim ON outbox_messages (state, priority DESC, next_attempt_at);

-- +goose Down
DROP INDEX outbox_messages_claim;
