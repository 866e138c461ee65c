-- Service accounts (OAuth 2.0 client credentials), their access tokens, API access lists, and the server's
-- own secrets (digest nonce and token signing keys), shared by every process on this database.

ALTER TABLE orgs ADD COLUMN api_access_list_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN access_list TEXT NOT NULL DEFAULT '[]';

-- Only a SHA-256 of the client secret is kept.
CREATE TABLE service_accounts (
    client_id     TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs (id),
    description   TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL,
    org_roles     TEXT NOT NULL,
    project_roles TEXT NOT NULL,
    access_list   TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

-- One row per issued token, so revocation and account deletion take effect at once on every replica.
CREATE TABLE access_tokens (
    jti        TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL,
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX access_tokens_by_client ON access_tokens (client_id, expires_at);

CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
