-- Service accounts (OAuth 2.0 client credentials), their access tokens, API access lists, and the server's
-- own secrets (digest nonce and token signing keys), shared by every process on this database.
-- Same as migrations/sqlite/0002_service_accounts_and_access_lists.sql; flags are BIGINT 0/1 as on SQLite, so
-- the SQL and the Rust mapping are the same on both backends.

ALTER TABLE orgs ADD COLUMN api_access_list_required BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN access_list TEXT NOT NULL DEFAULT '[]';

-- Only a SHA-256 of the client secret is kept.
CREATE TABLE service_accounts (
    client_id     TEXT COLLATE "C" PRIMARY KEY,
    org_id        TEXT COLLATE "C" NOT NULL REFERENCES orgs (id),
    description   TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL,
    org_roles     TEXT NOT NULL,
    project_roles TEXT NOT NULL,
    access_list   TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

-- One row per issued token, so revocation and account deletion take effect at once on every replica.
CREATE TABLE access_tokens (
    jti        TEXT COLLATE "C" PRIMARY KEY,
    client_id  TEXT COLLATE "C" NOT NULL,
    issued_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX access_tokens_by_client ON access_tokens (client_id, expires_at);

CREATE TABLE server_secrets (
    name  TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL
);
