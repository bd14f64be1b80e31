-- +goose Up
-- Questions nothing answered, counted per day (Asia/Shanghai), so reports
-- can give the auto-reply hit rate of a period: answers are in script_hits.
CREATE TABLE script_unanswered_days (
    day   TEXT    NOT NULL PRIMARY KEY,
    asked INTEGER NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE script_unanswered_days;
