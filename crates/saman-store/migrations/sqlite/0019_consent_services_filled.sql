-- The services of the consents recorded before migration 0018, a row each (the relay
-- log writes them beside each new consent since). `services` is ",slug,slug,", split
-- here one slug at a time.
WITH RECURSIVE split(log_id, version, tenant_id, slug, rest) AS (
    SELECT log_id, version, tenant_id, '', substr(services, 2) FROM relay_consents
    UNION ALL
    SELECT log_id, version, tenant_id, substr(rest, 1, instr(rest, ',') - 1),
           substr(rest, instr(rest, ',') + 1)
    FROM split WHERE instr(rest, ',') > 0
)
INSERT INTO relay_consent_services (log_id, version, tenant_id, service_slug)
SELECT log_id, version, tenant_id, slug FROM split WHERE slug <> '';
