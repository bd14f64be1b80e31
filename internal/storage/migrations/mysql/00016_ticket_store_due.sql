-- +goose Up
-- Store staff's overdue filter: each way of being late read within the
-- staff's stores, not across every store's late tickets.
CREATE INDEX tickets_store_ack_due ON tickets (store_id, state, ack_due_at);
CREATE INDEX tickets_store_resolve_due ON tickets (store_id, state, resolve_due_at);

-- +goose Down
DROP INDEX tickets_store_resolve_due ON tickets;
DROP INDEX tickets_store_ack_due ON tickets;
