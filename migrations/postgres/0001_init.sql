-- Organizations, their projects and teams, members, API keys and pending invitations.
-- Times are Unix seconds (Atlas shows every timestamp to the second); role lists are JSON arrays kept as TEXT,
-- so the Rust mapping is the same as SQLite's. Text columns use the "C" collation: ORDER BY then compares bytes,
-- as SQLite's BINARY collation does, whatever the database's default locale.
-- Same tables, keys and indexes as migrations/sqlite/0001_init.sql.

CREATE TABLE orgs (
    id         TEXT COLLATE "C" PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE projects (
    id         TEXT COLLATE "C" PRIMARY KEY,
    org_id     TEXT COLLATE "C" NOT NULL REFERENCES orgs (id),
    name       TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX projects_by_org ON projects (org_id);

CREATE TABLE teams (
    id     TEXT COLLATE "C" PRIMARY KEY,
    org_id TEXT COLLATE "C" NOT NULL REFERENCES orgs (id),
    name   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX teams_by_org ON teams (org_id);

CREATE TABLE users (
    id            TEXT COLLATE "C" PRIMARY KEY,
    username      TEXT COLLATE "C" NOT NULL,
    username_norm TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at    BIGINT NOT NULL
);

CREATE TABLE org_memberships (
    org_id  TEXT COLLATE "C" NOT NULL REFERENCES orgs (id),
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    roles   TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);

CREATE TABLE project_memberships (
    project_id TEXT COLLATE "C" NOT NULL REFERENCES projects (id),
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    roles      TEXT NOT NULL,
    PRIMARY KEY (project_id, user_id)
);

CREATE TABLE team_memberships (
    team_id TEXT COLLATE "C" NOT NULL REFERENCES teams (id),
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    PRIMARY KEY (team_id, user_id)
);

-- Digest needs a password-equivalent: only H(publicKey:realm:privateKey) is kept, never the private key.
CREATE TABLE api_keys (
    id            TEXT COLLATE "C" PRIMARY KEY,
    public_key    TEXT COLLATE "C" NOT NULL UNIQUE,
    org_id        TEXT COLLATE "C" NOT NULL REFERENCES orgs (id),
    description   TEXT NOT NULL,
    ha1_md5       TEXT NOT NULL,
    ha1_sha256    TEXT NOT NULL,
    org_roles     TEXT NOT NULL,
    project_roles TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE invitations (
    id                     TEXT COLLATE "C" PRIMARY KEY,
    kind                   TEXT NOT NULL CHECK (kind IN ('PROJECT', 'ORG')),
    org_id                 TEXT COLLATE "C" NOT NULL REFERENCES orgs (id),
    project_id             TEXT COLLATE "C" REFERENCES projects (id),
    username               TEXT COLLATE "C" NOT NULL,
    username_norm          TEXT COLLATE "C" NOT NULL,
    roles                  TEXT NOT NULL,
    team_ids               TEXT NOT NULL,
    group_role_assignments TEXT NOT NULL,
    inviter_username       TEXT NOT NULL,
    created_at             BIGINT NOT NULL,
    expires_at             BIGINT NOT NULL,
    CHECK ((kind = 'PROJECT') = (project_id IS NOT NULL))
);
-- One invitation per (project, username) and per (org, username): the store, not a read-then-write, keeps
-- concurrent creates from making two. Inserts also lock the scope's row (see src/store/postgres.rs), so the
-- per-scope limit holds under READ COMMITTED.
CREATE UNIQUE INDEX one_project_invitation_per_user ON invitations (project_id, username_norm) WHERE kind = 'PROJECT';
CREATE UNIQUE INDEX one_org_invitation_per_user ON invitations (org_id, username_norm) WHERE kind = 'ORG';
