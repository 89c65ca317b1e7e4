-- The services each consent version names, a row each, so that a service leader's list
-- finds the logs of its services by an index: it had matched the consents' text of
-- services with LIKE, reading every consent of the tenant at each view. The consent's
-- own `services` column stays what is read with a log; these rows are written beside it.
CREATE TABLE relay_consent_services (
    log_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    tenant_id TEXT NOT NULL,
    service_slug TEXT NOT NULL,
    PRIMARY KEY (log_id, version, service_slug),
    FOREIGN KEY (log_id, version) REFERENCES relay_consents(log_id, version) ON DELETE CASCADE
);
CREATE INDEX relay_consent_services_service ON relay_consent_services (tenant_id, service_slug);

-- The logs held in a service, for the same list. Built in the migration's transaction
-- (seconds at national scale); a large installation may build it CONCURRENTLY first
-- (README, "PostgreSQL").
CREATE INDEX IF NOT EXISTS relay_logs_holder_service ON relay_logs (tenant_id, holder_service);
