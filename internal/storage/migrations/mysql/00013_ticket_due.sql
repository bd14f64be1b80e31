-- +goose Up
-- The overdue filter (inbox, dashboard) counts through these instead of
-- reading every open ticket.
CREATE INDEX tickets_ack_due ON tickets (state, ack_due_at);
CREATE INDEX tickets_resolve_due ON tickets (state, resolve_due_at);

-- +goose Down
DROP INDEX tickets_resolve_due ON tickets;
DROP INDEX tickets_ack_due ON tickets;
