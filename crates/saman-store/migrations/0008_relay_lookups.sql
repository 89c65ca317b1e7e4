-- A log's pending handover is looked up with the log on every read.
CREATE INDEX relay_handovers_log ON relay_handovers (log_id, outcome);
