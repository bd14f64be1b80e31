-- +goose Up
-- Complaint detection rules (tiers, lexicons, cues, settings) as one JSON
-- document per saved version; the highest version is in force and every
-- complaint names the version it was decided with.
CREATE TABLE complaint_rules (
    version    BIGINT      NOT NULL PRIMARY KEY,
    rules      MEDIUMTEXT  NOT NULL,
    actor      VARCHAR(64) NOT NULL DEFAULT '',
    created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per message judged a complaint (message_key is the inbox dedupe
-- key, so a redelivered message is recorded once). decision and context
-- are JSON: the classifier's evidence and the chat's preceding messages.
CREATE TABLE complaints (
    id                 BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    message_key        VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    chat_id            VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    chat_name          VARCHAR(128) NOT NULL DEFAULT '',
    member_id          VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    member_name        VARCHAR(128) NOT NULL DEFAULT '',
    text               TEXT         NOT NULL,
    tier               VARCHAR(16)  NOT NULL,
    base_tier          VARCHAR(16)  NOT NULL,
    score              INT          NOT NULL DEFAULT 0,
    categories         VARCHAR(255) NOT NULL DEFAULT '',
    sla_minutes        INT          NOT NULL DEFAULT 0,
    rules_version      BIGINT       NOT NULL DEFAULT 0,
    decision           MEDIUMTEXT   NOT NULL,
    context            MEDIUMTEXT   NOT NULL,
    echo_count         INT          NOT NULL DEFAULT 0,
    defend_count       INT          NOT NULL DEFAULT 0,
    spread_count       INT          NOT NULL DEFAULT 0,
    raised_at          DATETIME(6)  NULL,
    notified_at        DATETIME(6)  NULL,
    raised_notified_at DATETIME(6)  NULL,
    posted_at          DATETIME(6)  NOT NULL,
    created_at         DATETIME(6)  NOT NULL,
    UNIQUE KEY complaints_message_key (message_key),
    KEY complaints_chat (chat_id, posted_at),
    KEY complaints_member (chat_id, member_id, posted_at),
    KEY complaints_tier (tier, posted_at),
    KEY complaints_posted (posted_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The group's reaction to a complaint (车友倾向): one row per later message
-- of another member read as echo, defend or spread.
CREATE TABLE complaint_reactions (
    id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    complaint_id BIGINT       NOT NULL,
    message_key  VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    member_id    VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    member_name  VARCHAR(128) NOT NULL DEFAULT '',
    kind         VARCHAR(16)  NOT NULL,
    text         TEXT         NOT NULL,
    terms        VARCHAR(255) NOT NULL DEFAULT '',
    posted_at    DATETIME(6)  NOT NULL,
    created_at   DATETIME(6)  NOT NULL,
    UNIQUE KEY complaint_reactions_message (complaint_id, message_key),
    KEY complaint_reactions_kind (complaint_id, kind, member_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Group rules (群规): detectors and ladder settings as one JSON document
-- per saved version, like complaint_rules.
CREATE TABLE governance_rules (
    version    BIGINT      NOT NULL PRIMARY KEY,
    rules      MEDIUMTEXT  NOT NULL,
    actor      VARCHAR(64) NOT NULL DEFAULT '',
    created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Members the group rules never act on (白名单); chat_id '' means every
-- group.
CREATE TABLE governance_allowlist (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    member_id  VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    chat_id    VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    note       VARCHAR(255) NOT NULL DEFAULT '',
    created_by VARCHAR(64)  NOT NULL DEFAULT '',
    created_at DATETIME(6)  NOT NULL,
    UNIQUE KEY governance_allowlist_member (member_id, chat_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every step of the ladder per member and group: warning, final warning,
-- removal request, announcement, and what became of it. step_key makes a
-- redelivered message take its step once.
CREATE TABLE governance_records (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    step_key    VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    chat_id     VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    member_id   VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    member_name VARCHAR(128) NOT NULL DEFAULT '',
    violation   VARCHAR(16)  NOT NULL,
    evidence    TEXT         NOT NULL,
    message_key VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    step        VARCHAR(32)  NOT NULL,
    outcome     VARCHAR(32)  NOT NULL,
    detail      TEXT         NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    UNIQUE KEY governance_records_step (step_key),
    KEY governance_records_member (chat_id, member_id, created_at),
    KEY governance_records_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Messages and negative messages per group per day, for early warning.
CREATE TABLE governance_daily (
    chat_id  VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    day      CHAR(10)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    total    BIGINT       NOT NULL DEFAULT 0,
    negative BIGINT       NOT NULL DEFAULT 0,
    PRIMARY KEY (chat_id, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Early-warning alerts (三级预警), one per group, day and level.
CREATE TABLE governance_alerts (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    chat_id       VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    day           CHAR(10)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    level         INT          NOT NULL,
    reason        VARCHAR(255) NOT NULL,
    total         BIGINT       NOT NULL DEFAULT 0,
    negative      BIGINT       NOT NULL DEFAULT 0,
    prev_negative BIGINT       NOT NULL DEFAULT 0,
    created_at    DATETIME(6)  NOT NULL,
    UNIQUE KEY governance_alerts_day (chat_id, day, level),
    KEY governance_alerts_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE governance_alerts;
DROP TABLE governance_daily;
DROP TABLE governance_records;
DROP TABLE governance_allowlist;
DROP TABLE governance_rules;
DROP TABLE complaint_reactions;
DROP TABLE complaints;
DROP TABLE complaint_rules;
