-- Request state every replica must agree on: rate-limit buckets and digest nonce uses (replay detection).

CREATE TABLE rate_buckets (
    key        TEXT COLLATE "C" PRIMARY KEY,
    tokens     DOUBLE PRECISION NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE digest_nonce_uses (
    nonce      TEXT COLLATE "C" PRIMARY KEY,
    last_nc    BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX digest_nonce_uses_by_expiry ON digest_nonce_uses (expires_at);
