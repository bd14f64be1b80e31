-- +goose Up
-- Questions nothing answered, counted per day (Asia/Shanghai), so reports
-- can give the auto-reply hit rate of a period: answers are in script_hits.
CREATE TABLE script_unanswered_days (
    day   CHAR(10) CHARACTER SET ascii NOT NULL PRIMARY KEY,
    asked BIGINT   NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE script_unanswered_days;
