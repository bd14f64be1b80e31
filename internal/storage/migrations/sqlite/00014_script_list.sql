-- +goose Up
-- Lists page through live scripts by id without reading their bodies.
CREATE INDEX scripts_live ON scripts (deleted_at, id);

-- +goose Down
DROP INDEX scripts_live;
