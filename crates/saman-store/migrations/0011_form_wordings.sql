-- A tenant's own wording of a fillable form's texts (title, intro, labels, hints,
-- options), replacing Saman's; versioned like the rest of the model (kind "form").
CREATE TABLE form_wordings (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    form_key TEXT NOT NULL,
    status TEXT NOT NULL,
    -- The texts as JSON: {"nb": {text key: text}, "nn": {…}}.
    texts TEXT NOT NULL,
    UNIQUE (tenant_id, form_key)
);
