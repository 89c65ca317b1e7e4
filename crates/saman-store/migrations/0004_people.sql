-- People, sessions, audit and outbox, for both databases. Ids are text UUIDs made by
-- the application and times ISO 8601 text in UTC, as in the first schema; flags are
-- 0/1 integers so one query serves both databases. The audit log is made
-- append-only by each database's own triggers in the next migration.

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    -- Lower-cased; NULL for a family account known only by its identity number.
    email TEXT UNIQUE,
    name TEXT NOT NULL,
    -- Argon2id in PHC string form; NULL when the account has no local password.
    password_hash TEXT,
    -- The national identity number from ID-porten, for guardians and youth.
    pid TEXT UNIQUE,
    language TEXT NOT NULL DEFAULT 'nb',
    -- Base32 TOTP secret; NULL until two-step login is set up.
    totp_secret TEXT,
    -- The last TOTP time step used, so a code cannot be used twice.
    totp_last_step BIGINT,
    active BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE recovery_codes (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at TEXT,
    PRIMARY KEY (account_id, code_hash)
);

-- A role of an account in a tenant; the platform administrator's tenant_id is ''.
CREATE TABLE account_roles (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (account_id, tenant_id, role)
);

-- The services (items of kind tjeneste) an employee or service leader belongs to.
CREATE TABLE account_services (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    service_slug TEXT NOT NULL,
    PRIMARY KEY (account_id, tenant_id, service_slug)
);

CREATE TABLE sessions (
    -- SHA-256 of the cookie's random value: a database leak gives no usable session.
    id_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    -- The tenant the session was opened at ('' for the platform), for audit.
    tenant_id TEXT NOT NULL,
    -- 1 once the second step is done (or not required).
    complete BIGINT NOT NULL,
    -- How the person logged in: password, oidc, idporten.
    method TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- One-time tokens (invites, password resets), stored as hashes.
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    created_at TEXT NOT NULL
);

-- The audit log: append-only, one hash chain per tenant ('' is the platform's chain).
CREATE TABLE audit_log (
    tenant_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at TEXT NOT NULL,
    actor_id TEXT,
    actor_role TEXT,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    outcome TEXT NOT NULL,
    address TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_log_at ON audit_log (tenant_id, at);

-- The head of each chain: locked by the writer, so rows of one tenant chain in order.
CREATE TABLE audit_heads (
    tenant_id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

-- Mail waiting to be sent, written in the same transaction as what it is about.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    -- While a sender works on a mail, no other instance takes it.
    locked_until TEXT,
    sent_at TEXT,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);

-- Login attempts, for rate limits shared by every instance.
CREATE TABLE login_attempts (
    key TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_attempts_key ON login_attempts (key, at);

-- OpenID Connect logins in progress: state, nonce and PKCE verifier.
CREATE TABLE oidc_flows (
    state TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    lang TEXT NOT NULL,
    created_at TEXT NOT NULL
);
