-- Teams as the Teams API serves them: a name is unique in its org, and a team assigned to a project holds
-- project roles there, which its members share (role lists are JSON arrays, kept in the order written).

CREATE UNIQUE INDEX one_team_name_per_org ON teams (org_id, name);

CREATE TABLE project_teams (
    project_id TEXT COLLATE "C" NOT NULL REFERENCES projects (id),
    team_id    TEXT COLLATE "C" NOT NULL REFERENCES teams (id),
    roles      TEXT NOT NULL,
    PRIMARY KEY (project_id, team_id)
);
CREATE INDEX project_teams_by_team ON project_teams (team_id);
