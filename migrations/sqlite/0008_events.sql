-- The audit events of the Events API: written in the same transaction as the change they record, listed
-- newest first per org and per project.
CREATE TABLE events (
    id              TEXT PRIMARY KEY,
    event_type      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    org_id          TEXT NOT NULL REFERENCES orgs (id),
    project_id      TEXT REFERENCES projects (id),
    actor_kind      TEXT NOT NULL CHECK (actor_kind IN ('CREDENTIAL', 'PERSON', 'OPERATOR')),
    actor_id        TEXT,
    actor_name      TEXT,
    remote_address  TEXT,
    target_username TEXT,
    team_id         TEXT
);
CREATE INDEX events_by_org ON events (org_id, created_at);
CREATE INDEX events_by_project ON events (project_id, created_at);
