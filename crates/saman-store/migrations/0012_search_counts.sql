-- How often each search was made per month, and how often it found nothing: for
-- editors, to learn what content is missing. Nothing here says who searched or when
-- (only the month).
CREATE TABLE search_counts (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    -- YYYY-MM
    month TEXT NOT NULL,
    query TEXT NOT NULL,
    searches BIGINT NOT NULL,
    without_results BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, month, query)
);

-- The tenant's own groups of words that mean the same to the search, as JSON
-- ([["PP-tenesta", "PPT"], …]); edited with its settings.
ALTER TABLE tenants ADD COLUMN search_synonyms TEXT NOT NULL DEFAULT '[]';
