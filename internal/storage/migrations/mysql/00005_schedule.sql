-- +goose Up
-- Scheduled tasks (定时任务). What a task sends (audience, content,
-- recipients, webhook) is JSON text in spec: the scheduler reads whole tasks,
-- so only what it filters on is a column of its own.
CREATE TABLE schedule_tasks (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name          VARCHAR(128) NOT NULL,
    kind          VARCHAR(32)  NOT NULL,
    cron          VARCHAR(128) NOT NULL,
    time_zone     VARCHAR(64)  NOT NULL,
    grace_minutes INT          NOT NULL DEFAULT 10,
    status        VARCHAR(16)  NOT NULL,
    spec          MEDIUMTEXT   NOT NULL,
    version       BIGINT       NOT NULL DEFAULT 1,
    active_since  DATETIME(6)  NOT NULL,
    created_by    VARCHAR(64)  NOT NULL DEFAULT '',
    updated_by    VARCHAR(64)  NOT NULL DEFAULT '',
    created_at    DATETIME(6)  NOT NULL,
    updated_at    DATETIME(6)  NOT NULL,
    deleted_at    DATETIME(6)  NULL,
    KEY schedule_tasks_status (deleted_at, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row whose version every change to a task (and every "run now") bumps:
-- running bots poll it every second to notice changes.
CREATE TABLE schedule_state (
    id      INT    NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO schedule_state (id, version) VALUES (1, 0);

-- Every run of a task. The unique key is the claim: of several replicas,
-- the one whose insert of (task, scheduled time) succeeds runs that
-- occurrence. Manual runs ("run now") have manual = 1 and their own times.
CREATE TABLE schedule_runs (
    id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    task_id      BIGINT       NOT NULL,
    task_name    VARCHAR(128) NOT NULL DEFAULT '',
    kind         VARCHAR(32)  NOT NULL,
    manual       BOOLEAN      NOT NULL DEFAULT 0,
    run_trigger  VARCHAR(16)  NOT NULL,
    scheduled_at DATETIME(6)  NOT NULL,
    status       VARCHAR(16)  NOT NULL,
    runner       VARCHAR(128) NOT NULL DEFAULT '',
    actor        VARCHAR(64)  NOT NULL DEFAULT '',
    started_at   DATETIME(6)  NULL,
    finished_at  DATETIME(6)  NULL,
    summary      VARCHAR(1024) NOT NULL DEFAULT '',
    sent         MEDIUMTEXT   NOT NULL,
    warnings     MEDIUMTEXT   NOT NULL,
    error_text   TEXT         NOT NULL,
    created_at   DATETIME(6)  NOT NULL,
    UNIQUE KEY schedule_runs_occurrence (task_id, scheduled_at, manual),
    KEY schedule_runs_task (task_id, id),
    KEY schedule_runs_status (status, started_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The outcome of a run in each group it aimed at: queued, waiting for the
-- owner's confirmation (群发), sent, failed or skipped (a dismissed group).
CREATE TABLE schedule_run_targets (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    run_id        BIGINT       NOT NULL,
    chat_id       VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    chat_name     VARCHAR(128) NOT NULL DEFAULT '',
    owner_userid  VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    outbox_id     BIGINT       NULL,
    msgid         VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    status        VARCHAR(16)  NOT NULL,
    detail        VARCHAR(512) NOT NULL DEFAULT '',
    sent_at       DATETIME(6)  NULL,
    next_check_at DATETIME(6)  NULL,
    updated_at    DATETIME(6)  NOT NULL,
    UNIQUE KEY schedule_run_targets_chat (run_id, chat_id),
    KEY schedule_run_targets_check (status, next_check_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE schedule_run_targets;
DROP TABLE schedule_runs;
DROP TABLE schedule_state;
DROP TABLE schedule_tasks;
