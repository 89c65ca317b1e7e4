-- Saman's first schema. Portable SQL for SQLite and PostgreSQL: ids are text (UUIDs
-- made by the application), dates and times are ISO 8601 text in UTC, lists of keys
-- are comma-separated text, and ${bytes} becomes BLOB or BYTEA.
-- Every table of tenant data carries tenant_id.

CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    default_lang TEXT NOT NULL,
    municipality_numbers TEXT NOT NULL,
    primary_colour TEXT,
    contact_email TEXT,
    logo_file_name TEXT,
    logo ${bytes},
    -- Raised by every import, so that cached copies of the model know they are stale.
    model_version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE tenant_texts (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    name TEXT NOT NULL,
    model_name TEXT NOT NULL,
    intro TEXT NOT NULL,
    level_municipality TEXT,
    level_service TEXT,
    level_individual TEXT,
    PRIMARY KEY (tenant_id, lang)
);

CREATE TABLE tenant_about (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (tenant_id, lang)
);

CREATE TABLE priorities (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    position BIGINT NOT NULL,
    label_nb TEXT,
    label_nn TEXT,
    PRIMARY KEY (tenant_id, key)
);

CREATE TABLE items (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    kind TEXT NOT NULL,
    levels TEXT NOT NULL,
    target_groups TEXT NOT NULL,
    prevention TEXT NOT NULL,
    owner_slug TEXT,
    review_date TEXT,
    status TEXT NOT NULL,
    priorities TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    address TEXT,
    web TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, slug)
);

CREATE TABLE item_texts (
    item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL,
    opening_hours TEXT,
    PRIMARY KEY (item_id, lang)
);
CREATE INDEX item_texts_tenant ON item_texts (tenant_id);

CREATE TABLE relations (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    from_item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    to_item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (from_item_id, kind, to_item_id)
);
CREATE INDEX relations_tenant ON relations (tenant_id);
CREATE INDEX relations_to ON relations (to_item_id);

CREATE TABLE attachments (
    item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    position BIGINT NOT NULL,
    title_nb TEXT,
    title_nn TEXT,
    content ${bytes} NOT NULL,
    PRIMARY KEY (item_id, file_name)
);
CREATE INDEX attachments_tenant ON attachments (tenant_id);

CREATE TABLE timeline_entries (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    entry_date TEXT NOT NULL,
    status TEXT NOT NULL,
    UNIQUE (tenant_id, slug)
);

CREATE TABLE timeline_texts (
    entry_id TEXT NOT NULL REFERENCES timeline_entries(id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (entry_id, lang)
);
CREATE INDEX timeline_texts_tenant ON timeline_texts (tenant_id);
