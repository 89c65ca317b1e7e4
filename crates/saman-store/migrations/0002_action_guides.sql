-- The action guide: guides with levels 0-3 and ordered steps, and the tenant's
-- child welfare contacts for worried readers.

ALTER TABLE tenants ADD COLUMN child_welfare_slug TEXT;
ALTER TABLE tenants ADD COLUMN child_welfare_out_of_hours_slug TEXT;

CREATE TABLE guides (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    area TEXT NOT NULL,
    owner_slug TEXT,
    review_date TEXT,
    status TEXT NOT NULL,
    UNIQUE (tenant_id, slug)
);

CREATE TABLE guide_texts (
    guide_id TEXT NOT NULL REFERENCES guides(id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (guide_id, lang)
);

CREATE TABLE guide_levels (
    guide_id TEXT NOT NULL REFERENCES guides(id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    level BIGINT NOT NULL,
    name_nb TEXT,
    name_nn TEXT,
    PRIMARY KEY (guide_id, level)
);

-- position orders the steps within their level.
CREATE TABLE guide_steps (
    id TEXT PRIMARY KEY,
    guide_id TEXT NOT NULL REFERENCES guides(id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    level BIGINT NOT NULL,
    position BIGINT NOT NULL,
    responsible_role TEXT NOT NULL,
    deadline_days BIGINT,
    urgent BIGINT NOT NULL,
    tools TEXT NOT NULL,
    relies_on TEXT NOT NULL,
    UNIQUE (guide_id, slug)
);
CREATE INDEX guide_steps_tenant ON guide_steps (tenant_id);

-- questions: one per line.
CREATE TABLE step_texts (
    step_id TEXT NOT NULL REFERENCES guide_steps(id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    responsible TEXT NOT NULL,
    deadline TEXT,
    questions TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (step_id, lang)
);
CREATE INDEX step_texts_tenant ON step_texts (tenant_id);

-- target_kind: step, level or outcome; target: the step slug, level number or outcome key.
CREATE TABLE step_decisions (
    step_id TEXT NOT NULL REFERENCES guide_steps(id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    target_kind TEXT NOT NULL,
    target TEXT NOT NULL,
    label_nb TEXT,
    label_nn TEXT,
    PRIMARY KEY (step_id, position)
);
CREATE INDEX step_decisions_tenant ON step_decisions (tenant_id);
