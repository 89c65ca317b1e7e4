-- Building on another municipality's model: a tenant offers its whole model, or single
-- guides, to the platform's other tenants, who copy them in as drafts. Only what is
-- published is ever offered.
ALTER TABLE tenants ADD COLUMN model_shared BIGINT NOT NULL DEFAULT 0;
ALTER TABLE model_objects ADD COLUMN shared BIGINT NOT NULL DEFAULT 0;
-- Where a copied object came from: the tenant (its slug then), the object and the
-- version copied.
ALTER TABLE model_objects ADD COLUMN copied_from_tenant TEXT;
ALTER TABLE model_objects ADD COLUMN copied_from_object TEXT;
ALTER TABLE model_objects ADD COLUMN copied_from_version BIGINT;

-- The municipality's own part of the accessibility statement (edited with its settings).
ALTER TABLE tenants ADD COLUMN a11y_date TEXT;
ALTER TABLE tenants ADD COLUMN a11y_statement_url TEXT;
ALTER TABLE tenant_texts ADD COLUMN a11y_shortcomings TEXT NOT NULL DEFAULT '';
