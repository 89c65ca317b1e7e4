-- The relay log (stafettlogg). Its rules, storage and encryption live in the crate
-- saman-relay; the schema is here so one runner migrates everything.
--
-- Every column that could identify a child or say anything about them (names,
-- identity numbers, birth dates, the concern, every text) holds a value sealed with
-- XChaCha20-Poly1305 under the platform key, bound to its row and column; identity
-- numbers are also kept as keyed hashes (HMAC) so a login can find its logs. What
-- stays plain is what the lists and reminders need: states, dates of evaluations and
-- consents, service slugs, account ids.

ALTER TABLE tenants ADD COLUMN relay_youth_consent_age BIGINT NOT NULL DEFAULT 16;
ALTER TABLE tenants ADD COLUMN relay_retention_days BIGINT NOT NULL DEFAULT 180;
ALTER TABLE tenants ADD COLUMN relay_privacy_slug TEXT;

CREATE TABLE relay_logs (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    -- draft (waiting for consent), active, closed
    state TEXT NOT NULL,
    -- relay (a relay log) or plan (an individual plan with a child coordinator)
    kind TEXT NOT NULL,
    -- Sealed JSON: the child's name, birth date, identity number, pregnancy.
    child TEXT NOT NULL,
    -- Keyed hash of the child's identity number (NULL if none was given).
    child_pid_key TEXT,
    -- Sealed: what the concern is about.
    concern TEXT NOT NULL,
    level BIGINT NOT NULL,
    holder_id TEXT NOT NULL REFERENCES accounts(id),
    holder_service TEXT NOT NULL,
    -- The child coordinator of an individual plan, and the service they work in.
    coordinator_id TEXT REFERENCES accounts(id),
    coordinator_service TEXT,
    created_by TEXT NOT NULL REFERENCES accounts(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- Bumped by every change to the log's own fields: a form carries the revision it
    -- was made from, so concurrent edits never silently overwrite each other.
    revision BIGINT NOT NULL,
    closed_at TEXT,
    close_reason TEXT,
    -- Sealed.
    closing_note TEXT,
    -- Deleted by `saman purge` from this time.
    purge_after TEXT,
    UNIQUE (tenant_id, id)
);
CREATE INDEX relay_logs_holder ON relay_logs (tenant_id, holder_id);
CREATE INDEX relay_logs_child ON relay_logs (tenant_id, child_pid_key);
CREATE INDEX relay_logs_purge ON relay_logs (purge_after);

-- The guardians named on a log; they log in with ID-porten and are found by the keyed
-- hash of their identity number.
CREATE TABLE relay_guardians (
    log_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    -- Sealed JSON: name and identity number.
    person TEXT NOT NULL,
    pid_key TEXT NOT NULL,
    PRIMARY KEY (log_id, position),
    FOREIGN KEY (tenant_id, log_id) REFERENCES relay_logs(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX relay_guardians_pid ON relay_guardians (tenant_id, pid_key);

-- Professionals taking part: each in one service, reading or also writing. The
-- consent decides whether that service may take part at all.
CREATE TABLE relay_participants (
    log_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    service_slug TEXT NOT NULL,
    can_write BIGINT NOT NULL,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (log_id, account_id),
    FOREIGN KEY (tenant_id, log_id) REFERENCES relay_logs(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX relay_participants_account ON relay_participants (tenant_id, account_id);

-- Versions of the consent. A requested version waits for the consenter's approval
-- and gives no access until given; the newest given version decides access.
CREATE TABLE relay_consents (
    log_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    -- requested, given, declined
    status TEXT NOT NULL,
    -- guardians, youth, pregnant
    consenter TEXT NOT NULL,
    -- Service slugs, comma-separated.
    services TEXT NOT NULL,
    -- Sealed: what the consent covers.
    covers TEXT NOT NULL,
    -- 1 if it also covers moving the log to an individual plan.
    covers_plan BIGINT NOT NULL DEFAULT 0,
    -- digital or paper
    given_how TEXT,
    given_by TEXT REFERENCES accounts(id),
    -- Sealed: who signed the paper form.
    signed_by TEXT,
    scan_file_id TEXT,
    given_on TEXT,
    ends_on TEXT,
    withdrawn_on TEXT,
    withdrawn_by TEXT,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    PRIMARY KEY (log_id, version),
    FOREIGN KEY (tenant_id, log_id) REFERENCES relay_logs(tenant_id, id) ON DELETE CASCADE
);

-- What the log holds: goals, measures, evaluations, meetings, notes, the child's own
-- voice, messages, and the history of level and holder.
CREATE TABLE relay_entries (
    id TEXT PRIMARY KEY,
    log_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    -- The entry's place in its log, in the order written.
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    -- A measure's goal; an evaluation's measure.
    parent_id TEXT,
    author_id TEXT REFERENCES accounts(id),
    -- The role the author wrote as, and their service (empty for families).
    author_role TEXT NOT NULL,
    author_service TEXT NOT NULL,
    -- Sealed JSON: the entry's fields.
    body TEXT NOT NULL,
    -- A measure's evaluation date, for the lists of what is due.
    due_on TEXT,
    created_at TEXT NOT NULL,
    FOREIGN KEY (tenant_id, log_id) REFERENCES relay_logs(tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX relay_entries_log ON relay_entries (log_id, seq);
-- A measure's evaluations, and an evaluation's measure.
CREATE INDEX relay_entries_parent ON relay_entries (parent_id);

-- Handing the baton on: the current holder keeps it until the successor accepts.
CREATE TABLE relay_handovers (
    id TEXT PRIMARY KEY,
    log_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    from_id TEXT NOT NULL REFERENCES accounts(id),
    to_id TEXT NOT NULL REFERENCES accounts(id),
    to_service TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    -- accepted, declined, withdrawn; NULL while pending
    outcome TEXT,
    answered_at TEXT,
    FOREIGN KEY (tenant_id, log_id) REFERENCES relay_logs(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX relay_handovers_to ON relay_handovers (tenant_id, to_id, outcome);

-- Files of a log (a scanned consent form, the archive printout), sealed.
CREATE TABLE relay_files (
    id TEXT PRIMARY KEY,
    log_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    -- consent-scan or archive
    purpose TEXT NOT NULL,
    -- Sealed: the file's name and bytes (base64 inside the seal).
    name TEXT NOT NULL,
    content TEXT NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    FOREIGN KEY (tenant_id, log_id) REFERENCES relay_logs(tenant_id, id) ON DELETE CASCADE
);

-- What a person should know about the logs they take part in: on their start page,
-- and by e-mail (at once, or in a daily digest). Holds no personal data: a kind and a
-- log's id. One of a kind per person, log and day.
CREATE TABLE relay_notifications (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    log_id TEXT NOT NULL,
    -- entry, handover, consent-requested, consent-expiring, consent-expired,
    -- evaluation-overdue
    kind TEXT NOT NULL,
    day TEXT NOT NULL,
    created_at TEXT NOT NULL,
    seen_at TEXT,
    mailed_at TEXT,
    UNIQUE (account_id, log_id, kind, day)
);
CREATE INDEX relay_notifications_mail ON relay_notifications (mailed_at, account_id);

-- 1: mail notifications once a day; 0: as they come.
ALTER TABLE accounts ADD COLUMN relay_digest BIGINT NOT NULL DEFAULT 0;

-- The guardians' and youth's access log reads the audit log by log.
CREATE INDEX audit_log_target ON audit_log (tenant_id, target);
