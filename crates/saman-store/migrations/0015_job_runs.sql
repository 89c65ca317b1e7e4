-- Scheduled jobs run once however many instances run them: an instance claims a job's
-- run for its period (a day, a minute) by inserting its row; a claim whose instance died
-- before finishing may be taken over once it is old.
CREATE TABLE job_runs (
    job TEXT NOT NULL,
    period TEXT NOT NULL,
    instance TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    PRIMARY KEY (job, period)
);
