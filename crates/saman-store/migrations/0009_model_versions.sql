-- The living model: every saved state of an object of the model is a version, kept.
-- The tables the public site reads (items, item_texts, …) hold each object's live
-- version, or its newest when it is not published; the versions hold the rest.

-- An object of the model with a stable id (for items, items.id).
CREATE TABLE model_objects (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    -- The newest version's number: a save names the number it was based on, and a
    -- save based on an older one is a conflict.
    head BIGINT NOT NULL,
    -- The version the public sees; NULL when the object is not published.
    live BIGINT,
    deleted_at TEXT
);
CREATE INDEX model_objects_tenant ON model_objects (tenant_id, kind);

CREATE TABLE model_versions (
    object_id TEXT NOT NULL REFERENCES model_objects(id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    number BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    -- The account that saved it; NULL for an import from the command line.
    author_id TEXT,
    -- create, edit, restore, import or baseline (the state when history began).
    change TEXT NOT NULL,
    -- For a restore: the version restored.
    restored_from BIGINT,
    comment TEXT,
    -- The object as JSON, without file contents.
    content TEXT NOT NULL,
    -- The object's files as JSON: file name to the SHA-256 of its content in model_files.
    files TEXT NOT NULL,
    -- When this version first went live.
    published_at TEXT,
    published_by TEXT,
    PRIMARY KEY (object_id, number)
);
CREATE INDEX model_versions_tenant ON model_versions (tenant_id);

-- File contents of every version, stored once per tenant and content.
CREATE TABLE model_files (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL,
    content ${bytes} NOT NULL,
    PRIMARY KEY (tenant_id, sha256)
);

-- A reminder sent for an item's review date: once per item and date, whichever
-- instance runs the daily job first.
CREATE TABLE review_reminders (
    object_id TEXT NOT NULL REFERENCES model_objects(id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    review_date TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (object_id, review_date)
);
