-- +goose Up
-- Complaint detection rules (tiers, lexicons, cues, settings) as one JSON
-- document per saved version; the highest version is in force and every
-- complaint names the version it was decided with.
CREATE TABLE complaint_rules (
    version    INTEGER  PRIMARY KEY,
    rules      TEXT     NOT NULL,
    actor      TEXT     NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);

-- One row per message judged a complaint (message_key is the inbox dedupe
-- key, so a redelivered message is recorded once). decision and context
-- are JSON: the classifier's evidence and the chat's preceding messages.
CREATE TABLE complaints (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    message_key        TEXT     NOT NULL,
    chat_id            TEXT     NOT NULL,
    chat_name          TEXT     NOT NULL DEFAULT '',
    member_id          TEXT     NOT NULL,
    member_name        TEXT     NOT NULL DEFAULT '',
    text               TEXT     NOT NULL,
    tier               TEXT     NOT NULL,
    base_tier          TEXT     NOT NULL,
    score              INTEGER  NOT NULL DEFAULT 0,
    categories         TEXT     NOT NULL DEFAULT '',
    sla_minutes        INTEGER  NOT NULL DEFAULT 0,
    rules_version      INTEGER  NOT NULL DEFAULT 0,
    decision           TEXT     NOT NULL,
    context            TEXT     NOT NULL,
    echo_count         INTEGER  NOT NULL DEFAULT 0,
    defend_count       INTEGER  NOT NULL DEFAULT 0,
    spread_count       INTEGER  NOT NULL DEFAULT 0,
    raised_at          DATETIME NULL,
    notified_at        DATETIME NULL,
    raised_notified_at DATETIME NULL,
    posted_at          DATETIME NOT NULL,
    created_at         DATETIME NOT NULL
);
CREATE UNIQUE INDEX complaints_message_key ON complaints (message_key);
CREATE INDEX complaints_chat ON complaints (chat_id, posted_at);
CREATE INDEX complaints_member ON complaints (chat_id, member_id, posted_at);
CREATE INDEX complaints_tier ON complaints (tier, posted_at);
CREATE INDEX complaints_posted ON complaints (posted_at);

-- The group's reaction to a complaint (车友倾向): one row per later message
-- of another member read as echo, defend or spread.
CREATE TABLE complaint_reactions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    complaint_id INTEGER  NOT NULL,
    message_key  TEXT     NOT NULL,
    member_id    TEXT     NOT NULL,
    member_name  TEXT     NOT NULL DEFAULT '',
    kind         TEXT     NOT NULL,
    text         TEXT     NOT NULL,
    terms        TEXT     NOT NULL DEFAULT '',
    posted_at    DATETIME NOT NULL,
    created_at   DATETIME NOT NULL
);
CREATE UNIQUE INDEX complaint_reactions_message ON complaint_reactions (complaint_id, message_key);
CREATE INDEX complaint_reactions_kind ON complaint_reactions (complaint_id, kind, member_id);

-- Group rules (群规): detectors and ladder settings as one JSON document
-- per saved version, like complaint_rules.
CREATE TABLE governance_rules (
    version    INTEGER  PRIMARY KEY,
    rules      TEXT     NOT NULL,
    actor      TEXT     NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);

-- Members the group rules never act on (白名单); chat_id '' means every
-- group.
CREATE TABLE governance_allowlist (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id  TEXT     NOT NULL,
    chat_id    TEXT     NOT NULL DEFAULT '',
    note       TEXT     NOT NULL DEFAULT '',
    created_by TEXT     NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX governance_allowlist_member ON governance_allowlist (member_id, chat_id);

-- Every step of the ladder per member and group: warning, final warning,
-- removal request, announcement, and what became of it. step_key makes a
-- redelivered message take its step once.
CREATE TABLE governance_records (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    step_key    TEXT     NOT NULL,
    chat_id     TEXT     NOT NULL,
    member_id   TEXT     NOT NULL,
    member_name TEXT     NOT NULL DEFAULT '',
    violation   TEXT     NOT NULL,
    evidence    TEXT     NOT NULL DEFAULT '',
    message_key TEXT     NOT NULL DEFAULT '',
    step        TEXT     NOT NULL,
    outcome     TEXT     NOT NULL,
    detail      TEXT     NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX governance_records_step ON governance_records (step_key);
CREATE INDEX governance_records_member ON governance_records (chat_id, member_id, created_at);
CREATE INDEX governance_records_created ON governance_records (created_at);

-- Messages and negative messages per group per day, for early warning.
CREATE TABLE governance_daily (
    chat_id  TEXT    NOT NULL,
    day      TEXT    NOT NULL,
    total    INTEGER NOT NULL DEFAULT 0,
    negative INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (chat_id, day)
);

-- Early-warning alerts (三级预警), one per group, day and level.
CREATE TABLE governance_alerts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id       TEXT     NOT NULL,
    day           TEXT     NOT NULL,
    level         INTEGER  NOT NULL,
    reason        TEXT     NOT NULL,
    total         INTEGER  NOT NULL DEFAULT 0,
    negative      INTEGER  NOT NULL DEFAULT 0,
    prev_negative INTEGER  NOT NULL DEFAULT 0,
    created_at    DATETIME NOT NULL
);
CREATE UNIQUE INDEX governance_alerts_day ON governance_alerts (chat_id, day, level);
CREATE INDEX governance_alerts_created ON governance_alerts (created_at);

-- +goose Down
DROP TABLE governance_alerts;
DROP TABLE governance_daily;
DROP TABLE governance_records;
DROP TABLE governance_allowlist;
DROP TABLE governance_rules;
DROP TABLE complaint_reactions;
DROP TABLE complaints;
DROP TABLE complaint_rules;
