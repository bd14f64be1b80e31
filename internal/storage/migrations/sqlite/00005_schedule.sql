-- +goose Up
-- Scheduled tasks (定时任务). What a task sends (audience, content,
-- recipients, webhook) is JSON text in spec: the scheduler reads whole tasks,
-- so only what it filters on is a column of its own.
CREATE TABLE schedule_tasks (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT     NOT NULL,
    kind          TEXT     NOT NULL,
    cron          TEXT     NOT NULL,
    time_zone     TEXT     NOT NULL,
    grace_minutes INTEGER  NOT NULL DEFAULT 10,
    status        TEXT     NOT NULL,
    spec          TEXT     NOT NULL,
    version       INTEGER  NOT NULL DEFAULT 1,
    active_since  DATETIME NOT NULL,
    created_by    TEXT     NOT NULL DEFAULT '',
    updated_by    TEXT     NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    deleted_at    DATETIME NULL
);
CREATE INDEX schedule_tasks_status ON schedule_tasks (deleted_at, status);

-- One row whose version every change to a task (and every "run now") bumps:
-- running bots poll it every second to notice changes.
CREATE TABLE schedule_state (
    id      INTEGER PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 0
);
INSERT INTO schedule_state (id, version) VALUES (1, 0);

-- Every run of a task. The unique key is the claim: of several replicas,
-- the one whose insert of (task, scheduled time) succeeds runs that
-- occurrence. Manual runs ("run now") have manual = 1 and their own times.
CREATE TABLE schedule_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id      INTEGER  NOT NULL,
    task_name    TEXT     NOT NULL DEFAULT '',
    kind         TEXT     NOT NULL,
    manual       BOOLEAN  NOT NULL DEFAULT 0,
    run_trigger  TEXT     NOT NULL,
    scheduled_at DATETIME NOT NULL,
    status       TEXT     NOT NULL,
    runner       TEXT     NOT NULL DEFAULT '',
    actor        TEXT     NOT NULL DEFAULT '',
    started_at   DATETIME NULL,
    finished_at  DATETIME NULL,
    summary      TEXT     NOT NULL DEFAULT '',
    sent         TEXT     NOT NULL,
    warnings     TEXT     NOT NULL,
    error_text   TEXT     NOT NULL,
    created_at   DATETIME NOT NULL
);
CREATE UNIQUE INDEX schedule_runs_occurrence ON schedule_runs (task_id, scheduled_at, manual);
CREATE INDEX schedule_runs_task ON schedule_runs (task_id, id);
CREATE INDEX schedule_runs_status ON schedule_runs (status, started_at);

-- The outcome of a run in each group it aimed at: queued, waiting for the
-- owner's confirmation (群发), sent, failed or skipped (a dismissed group).
CREATE TABLE schedule_run_targets (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id        INTEGER  NOT NULL,
    chat_id       TEXT     NOT NULL,
    chat_name     TEXT     NOT NULL DEFAULT '',
    owner_userid  TEXT     NOT NULL DEFAULT '',
    outbox_id     INTEGER  NULL,
    msgid         TEXT     NOT NULL DEFAULT '',
    status        TEXT     NOT NULL,
    detail        TEXT     NOT NULL DEFAULT '',
    sent_at       DATETIME NULL,
    next_check_at DATETIME NULL,
    updated_at    DATETIME NOT NULL
);
CREATE UNIQUE INDEX schedule_run_targets_chat ON schedule_run_targets (run_id, chat_id);
CREATE INDEX schedule_run_targets_check ON schedule_run_targets (status, next_check_at);

-- +goose Down
DROP TABLE schedule_run_targets;
DROP TABLE schedule_runs;
DROP TABLE schedule_state;
DROP TABLE schedule_tasks;
