-- Which account a login at a tenant's own directory belongs to: the provider's issuer
-- and its subject, linked the first time the person logs in with a verified e-mail
-- address that an administrator gave a role.
CREATE TABLE account_subjects (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (issuer, subject)
);

-- A login flow belongs to the browser that started it: the hash of a cookie's value.
ALTER TABLE oidc_flows ADD COLUMN browser_hash TEXT NOT NULL DEFAULT '';
