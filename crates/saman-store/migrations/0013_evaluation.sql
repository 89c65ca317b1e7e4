-- Documenting and evaluating the work (see saman_domain::evaluation): the figures are
-- computed from the relay logs' metadata, never from their texts.

-- The child's age band when the log was opened (the birth date itself is sealed).
ALTER TABLE relay_logs ADD COLUMN age_band TEXT NOT NULL DEFAULT 'ukjent';

-- What the figures need of a log, kept when the log is purged after its retention
-- period: dates, states, level, service and age band as JSON. It holds no id of the
-- log, no account and no text, so it cannot be linked back to the log or the child.
CREATE TABLE relay_log_facts (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    facts TEXT NOT NULL
);
CREATE INDEX relay_log_facts_tenant ON relay_log_facts (tenant_id);

-- The figures read a tenant's measures, evaluations and voices at once.
CREATE INDEX relay_entries_tenant_kind ON relay_entries (tenant_id, kind);
CREATE INDEX relay_consents_tenant ON relay_consents (tenant_id);
CREATE INDEX relay_handovers_tenant ON relay_handovers (tenant_id);

-- Counts below this are shown as "under 5" (or the tenant's number).
ALTER TABLE tenants ADD COLUMN evaluation_threshold BIGINT NOT NULL DEFAULT 5;
-- The figures the tenant publishes on its public "how we work" page, as JSON keys.
ALTER TABLE tenants ADD COLUMN evaluation_public TEXT NOT NULL DEFAULT '[]';
