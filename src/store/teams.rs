//! Teams: their names, and the roles they hold in projects. Members are in `team_memberships` (directory).

use std::ops::DerefMut;

use sqlx::AnyConnection;

use super::directory::team_from_row;
use super::{Db, StoreResult, WriteTx, id, json, to_json, unmatchable};
use crate::domain::teams::ProjectTeam;
use crate::domain::{ObjectId, Team};

impl<C: DerefMut<Target = AnyConnection>> Db<C> {
    /// The org's team with this exact name.
    pub async fn team_by_name(&mut self, org_id: &ObjectId, name: &str) -> StoreResult<Option<Team>> {
        if unmatchable(name) {
            return Ok(None);
        }
        let row = sqlx::query("SELECT id, org_id, name FROM teams WHERE org_id = $1 AND name = $2")
            .bind(org_id.to_string())
            .bind(name)
            .fetch_optional(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        row.as_ref().map(team_from_row).transpose()
    }

    /// The teams assigned to the project, with their roles there.
    pub async fn project_teams(&mut self, project_id: &ObjectId) -> StoreResult<Vec<ProjectTeam>> {
        let rows = sqlx::query("SELECT team_id, roles FROM project_teams WHERE project_id = $1 ORDER BY team_id")
            .bind(project_id.to_string())
            .fetch_all(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        rows.iter().map(|row| Ok(ProjectTeam { team_id: id(row, "team_id")?, roles: json(row, "roles")? })).collect()
    }

    /// Whether the team is assigned to any project.
    pub async fn team_has_projects(&mut self, team_id: &ObjectId) -> StoreResult<bool> {
        let row = sqlx::query("SELECT 1 AS assigned FROM project_teams WHERE team_id = $1 LIMIT 1")
            .bind(team_id.to_string())
            .fetch_optional(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(row.is_some())
    }
}

impl WriteTx {
    /// A new team; `StoreError::Conflict` when the org has one of that name.
    pub async fn insert_team(&mut self, team: &Team) -> StoreResult<()> {
        sqlx::query("INSERT INTO teams (id, org_id, name) VALUES ($1, $2, $3)")
            .bind(team.id.to_string())
            .bind(team.org_id.to_string())
            .bind(&team.name)
            .execute(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// `StoreError::Conflict` when another team of the org has the name.
    pub async fn rename_team(&mut self, team_id: &ObjectId, name: &str) -> StoreResult<()> {
        sqlx::query("UPDATE teams SET name = $2 WHERE id = $1")
            .bind(team_id.to_string())
            .bind(name)
            .execute(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// Removes the team with its memberships and project roles.
    pub async fn delete_team(&mut self, team_id: &ObjectId) -> StoreResult<()> {
        for sql in [
            "DELETE FROM team_memberships WHERE team_id = $1",
            "DELETE FROM project_teams WHERE team_id = $1",
            "DELETE FROM teams WHERE id = $1",
        ] {
            sqlx::query(sql).bind(team_id.to_string()).execute(self.conn()).await.map_err(|e| self.fail(e))?;
        }
        Ok(())
    }

    /// Assigns the team to the project with exactly these roles.
    pub async fn set_project_team(&mut self, project_id: &ObjectId, assigned: &ProjectTeam) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO project_teams (project_id, team_id, roles) VALUES ($1, $2, $3) \
             ON CONFLICT (project_id, team_id) DO UPDATE SET roles = excluded.roles",
        )
        .bind(project_id.to_string())
        .bind(assigned.team_id.to_string())
        .bind(to_json(&assigned.roles))
        .execute(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        Ok(())
    }

    pub async fn remove_project_team(&mut self, project_id: &ObjectId, team_id: &ObjectId) -> StoreResult<()> {
        sqlx::query("DELETE FROM project_teams WHERE project_id = $1 AND team_id = $2")
            .bind(project_id.to_string())
            .bind(team_id.to_string())
            .execute(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(())
    }
}
