-- The services of the consents recorded before migration 0018, a row each (the relay
-- log writes them beside each new consent since). `services` is ",slug,slug,".
INSERT INTO relay_consent_services (log_id, version, tenant_id, service_slug)
SELECT c.log_id, c.version, c.tenant_id, s.slug
FROM relay_consents c, unnest(string_to_array(c.services, ',')) AS s(slug)
WHERE s.slug <> '';
