-- "My logs" finds a person's logs by each way they take part, each by an index of its
-- own (as holder, coordinator, participant, successor; as child or guardian), not by
-- reading every log of the tenant. The coordinator's was missing.
--
-- Migrations run in a transaction, so these are built without CONCURRENTLY: writes to
-- the two tables wait while they are built (seconds at national scale). A large
-- PostgreSQL installation can build them first with CREATE INDEX CONCURRENTLY and the
-- same definitions; then they are kept as they are (README, "PostgreSQL").
CREATE INDEX IF NOT EXISTS relay_logs_coordinator ON relay_logs (tenant_id, coordinator_id);

-- A list of logs counts each one's overdue measures: found by their log and date,
-- without reading the log's other entries.
CREATE INDEX IF NOT EXISTS relay_entries_measures_due ON relay_entries (log_id, due_on) WHERE kind = 'measure';
