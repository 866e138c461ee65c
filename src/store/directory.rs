//! Organizations, projects, teams, users and their memberships.

use std::collections::BTreeMap;
use std::ops::DerefMut;

use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use super::dialect::RowLock;
use sqlx::Row;

use super::{Db, StoreError, StoreResult, WriteTx, id, int, json, text, to_json, unmatchable};
use crate::clock::UnixSeconds;
use crate::domain::invitation::InviteeStanding;
use crate::domain::users::Member;
use crate::domain::{ObjectId, Org, Profile, Project, Team, User};

/// The two kinds of membership that carry roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipScope {
    Org,
    Project,
}

impl MembershipScope {
    fn table(self) -> &'static str {
        match self {
            MembershipScope::Org => "org_memberships",
            MembershipScope::Project => "project_memberships",
        }
    }

    fn column(self) -> &'static str {
        match self {
            MembershipScope::Org => "org_id",
            MembershipScope::Project => "project_id",
        }
    }
}

fn org_from_row(row: &AnyRow) -> StoreResult<Org> {
    Ok(Org {
        id: id(row, "id")?,
        name: text(row, "name")?,
        created_at: int(row, "created_at")?,
        api_access_list_required: int(row, "api_access_list_required")? != 0,
    })
}

fn project_from_row(row: &AnyRow) -> StoreResult<Project> {
    Ok(Project {
        id: id(row, "id")?,
        org_id: id(row, "org_id")?,
        name: text(row, "name")?,
        created_at: int(row, "created_at")?,
    })
}

pub(super) fn team_from_row(row: &AnyRow) -> StoreResult<Team> {
    Ok(Team { id: id(row, "id")?, org_id: id(row, "org_id")?, name: text(row, "name")? })
}

fn profile_from_row(row: &AnyRow) -> StoreResult<Profile> {
    Ok(Profile {
        first_name: text(row, "first_name")?,
        last_name: text(row, "last_name")?,
        country: text(row, "country")?,
        mobile_number: row.try_get("mobile_number").map_err(|e| StoreError::Other(format!("mobile_number: {e}")))?,
    })
}

fn optional_int(row: &AnyRow, column: &str) -> StoreResult<Option<i64>> {
    row.try_get(column).map_err(|e| StoreError::Other(format!("column {column}: {e}")))
}

const USER_COLUMNS: &str =
    "id, username, created_at, first_name, last_name, country, mobile_number, activated_at, last_auth";

pub(super) const ORG_COLUMNS: &str = "id, name, created_at, api_access_list_required";
const PROJECT_COLUMNS: &str = "id, org_id, name, created_at";

impl<C: DerefMut<Target = AnyConnection>> Db<C> {
    pub async fn org(&mut self, org_id: &ObjectId) -> StoreResult<Option<Org>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {ORG_COLUMNS} FROM orgs WHERE id = $1")))
            .bind(org_id.to_string())
            .fetch_optional(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        row.as_ref().map(org_from_row).transpose()
    }

    pub async fn orgs(&mut self) -> StoreResult<Vec<Org>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {ORG_COLUMNS} FROM orgs ORDER BY id")))
            .fetch_all(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        rows.iter().map(org_from_row).collect()
    }

    pub async fn project(&mut self, project_id: &ObjectId) -> StoreResult<Option<Project>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE id = $1")))
            .bind(project_id.to_string())
            .fetch_optional(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        row.as_ref().map(project_from_row).transpose()
    }

    /// Every project, or those of one org.
    pub async fn projects(&mut self, org_id: Option<&ObjectId>) -> StoreResult<Vec<Project>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PROJECT_COLUMNS} FROM projects WHERE $1 IS NULL OR org_id = $1 ORDER BY id"
        )))
        .bind(org_id.map(ObjectId::to_string))
        .fetch_all(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        rows.iter().map(project_from_row).collect()
    }

    pub async fn team(&mut self, team_id: &ObjectId) -> StoreResult<Option<Team>> {
        let row = sqlx::query("SELECT id, org_id, name FROM teams WHERE id = $1")
            .bind(team_id.to_string())
            .fetch_optional(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        row.as_ref().map(team_from_row).transpose()
    }

    /// Every team, or those of one org.
    pub async fn teams(&mut self, org_id: Option<&ObjectId>) -> StoreResult<Vec<Team>> {
        let rows = sqlx::query("SELECT id, org_id, name FROM teams WHERE $1 IS NULL OR org_id = $1 ORDER BY id")
            .bind(org_id.map(ObjectId::to_string))
            .fetch_all(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        rows.iter().map(team_from_row).collect()
    }

    pub async fn user_by_username(&mut self, username_norm: &str) -> StoreResult<Option<User>> {
        if unmatchable(username_norm) {
            return Ok(None);
        }
        let row =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE username_norm = $1")))
                .bind(username_norm)
                .fetch_optional(self.conn())
                .await
                .map_err(|e| self.fail(e))?;
        match row {
            Some(row) => Ok(Some(self.user_from_row(&row).await?)),
            None => Ok(None),
        }
    }

    pub async fn user(&mut self, user_id: &ObjectId) -> StoreResult<Option<User>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")))
            .bind(user_id.to_string())
            .fetch_optional(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        match row {
            Some(row) => Ok(Some(self.user_from_row(&row).await?)),
            None => Ok(None),
        }
    }

    async fn user_from_row(&mut self, row: &AnyRow) -> StoreResult<User> {
        let user_id = id(row, "id")?;
        Ok(User {
            id: user_id,
            username: text(row, "username")?,
            created_at: int(row, "created_at")?,
            profile: profile_from_row(row)?,
            activated_at: optional_int(row, "activated_at")?,
            last_auth: optional_int(row, "last_auth")?,
            org_roles: self.roles_by_scope(MembershipScope::Org, &user_id).await?,
            project_roles: self.roles_by_scope(MembershipScope::Project, &user_id).await?,
            team_ids: self.team_ids_of(&user_id).await?,
        })
    }

    /// The org's members, with their roles in it and its projects and the org's teams they are on.
    pub async fn org_members(&mut self, org_id: &ObjectId) -> StoreResult<Vec<Member>> {
        let org = org_id.to_string();
        let rows = sqlx::query(
            "SELECT u.id, u.username, u.first_name, u.last_name, u.country, u.mobile_number, \
               COALESCE(u.activated_at, u.created_at) AS created_at, COALESCE(u.last_auth, u.created_at) AS last_auth, \
               m.roles \
             FROM org_memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1",
        )
        .bind(&org)
        .fetch_all(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        let mut members = Vec::with_capacity(rows.len());
        for row in &rows {
            members.push(Member {
                user_id: id(row, "id")?,
                username: text(row, "username")?,
                profile: profile_from_row(row)?,
                created_at: int(row, "created_at")?,
                last_auth: int(row, "last_auth")?,
                org_roles: json(row, "roles")?,
                project_roles: BTreeMap::new(),
                team_ids: Vec::new(),
            });
        }
        let project_rows = sqlx::query(
            "SELECT pm.user_id, pm.project_id, pm.roles FROM project_memberships pm \
             JOIN projects p ON p.id = pm.project_id WHERE p.org_id = $1 ORDER BY pm.project_id",
        )
        .bind(&org)
        .fetch_all(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        for row in &project_rows {
            let user_id = id(row, "user_id")?;
            if let Some(member) = members.iter_mut().find(|m| m.user_id == user_id) {
                member.project_roles.insert(id(row, "project_id")?, json(row, "roles")?);
            }
        }
        let team_rows = sqlx::query(
            "SELECT tm.user_id, tm.team_id FROM team_memberships tm JOIN teams t ON t.id = tm.team_id \
             WHERE t.org_id = $1 ORDER BY tm.team_id",
        )
        .bind(&org)
        .fetch_all(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        for row in &team_rows {
            let user_id = id(row, "user_id")?;
            if let Some(member) = members.iter_mut().find(|m| m.user_id == user_id) {
                member.team_ids.push(id(row, "team_id")?);
            }
        }
        Ok(members)
    }

    /// Every user, by username.
    pub async fn users(&mut self) -> StoreResult<Vec<User>> {
        let names: Vec<String> = sqlx::query_scalar("SELECT username_norm FROM users ORDER BY username_norm")
            .fetch_all(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        let mut users = Vec::with_capacity(names.len());
        for name in names {
            users.extend(self.user_by_username(&name).await?);
        }
        Ok(users)
    }

    async fn roles_by_scope(
        &mut self,
        scope: MembershipScope,
        user_id: &ObjectId,
    ) -> StoreResult<BTreeMap<ObjectId, Vec<String>>> {
        let (table, column) = (scope.table(), scope.column());
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {column} AS scope_id, roles FROM {table} WHERE user_id = $1"
        )))
        .bind(user_id.to_string())
        .fetch_all(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        rows.iter().map(|row| Ok((id(row, "scope_id")?, json(row, "roles")?))).collect()
    }

    async fn team_ids_of(&mut self, user_id: &ObjectId) -> StoreResult<Vec<ObjectId>> {
        let rows = sqlx::query("SELECT team_id FROM team_memberships WHERE user_id = $1 ORDER BY team_id")
            .bind(user_id.to_string())
            .fetch_all(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        rows.iter().map(|row| id(row, "team_id")).collect()
    }

    /// Whether the username already belongs to the org and (when given) the project.
    pub async fn standing(
        &mut self,
        org_id: &ObjectId,
        project_id: Option<&ObjectId>,
        username_norm: &str,
    ) -> StoreResult<InviteeStanding> {
        if unmatchable(username_norm) {
            return Ok(InviteeStanding::default());
        }
        let row = sqlx::query(
            "SELECT (SELECT id FROM users WHERE username_norm = $3) AS user_id, \
               CASE WHEN EXISTS (SELECT 1 FROM org_memberships m JOIN users u ON u.id = m.user_id \
                       WHERE m.org_id = $1 AND u.username_norm = $3) THEN 1 ELSE 0 END AS org_member, \
               CASE WHEN EXISTS (SELECT 1 FROM project_memberships m JOIN users u ON u.id = m.user_id \
                       WHERE m.project_id = $2 AND u.username_norm = $3) THEN 1 ELSE 0 END AS project_member",
        )
        .bind(org_id.to_string())
        .bind(project_id.map(ObjectId::to_string))
        .bind(username_norm)
        .fetch_one(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        Ok(InviteeStanding {
            user_id: super::optional_id(&row, "user_id")?,
            org_member: int(&row, "org_member")? != 0,
            project_member: int(&row, "project_member")? != 0,
        })
    }

    // Upserts keyed by id, so applying the same fixture twice changes nothing.

    pub async fn upsert_org(&mut self, org: &Org) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO orgs (id, name, created_at, api_access_list_required) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
               api_access_list_required = excluded.api_access_list_required",
        )
        .bind(org.id.to_string())
        .bind(&org.name)
        .bind(org.created_at)
        .bind(i64::from(org.api_access_list_required))
        .execute(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        Ok(())
    }

    pub async fn upsert_project(&mut self, project: &Project) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO projects (id, org_id, name, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, org_id = excluded.org_id",
        )
        .bind(project.id.to_string())
        .bind(project.org_id.to_string())
        .bind(&project.name)
        .bind(project.created_at)
        .execute(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        Ok(())
    }
}

impl WriteTx {
    /// The id of the user with this username, inserting it with `id_if_new` first if there is none. On
    /// PostgreSQL the user's row stays locked until commit: everything that writes a user's memberships takes
    /// this lock first, so role merges are never lost.
    pub async fn lock_user(
        &mut self,
        id_if_new: &ObjectId,
        username: &str,
        username_norm: &str,
        now: UnixSeconds,
    ) -> StoreResult<ObjectId> {
        sqlx::query(
            "INSERT INTO users (id, username, username_norm, created_at, first_name) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (username_norm) DO NOTHING",
        )
        .bind(id_if_new.to_string())
        .bind(username)
        .bind(username_norm)
        .bind(now)
        // Until the person says otherwise, the users API shows the address's local part as the first name.
        .bind(Profile::from_username(username).first_name)
        .execute(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        let lock = self.dialect.lock_suffix(RowLock::Update).unwrap_or_default();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT id FROM users WHERE username_norm = $1{lock}")))
            .bind(username_norm)
            .fetch_one(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        id(&row, "id")
    }

    /// Makes the user's account, if it has none yet, and records this as its latest sign-in.
    pub async fn activate_user(&mut self, user_id: &ObjectId, now: UnixSeconds) -> StoreResult<()> {
        sqlx::query("UPDATE users SET activated_at = COALESCE(activated_at, $2), last_auth = $2 WHERE id = $1")
            .bind(user_id.to_string())
            .bind(now)
            .execute(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// Makes the user's account without a sign-in (an operator or `POST /users` made it).
    pub async fn open_account(&mut self, user_id: &ObjectId, now: UnixSeconds) -> StoreResult<()> {
        sqlx::query("UPDATE users SET activated_at = COALESCE(activated_at, $2) WHERE id = $1")
            .bind(user_id.to_string())
            .bind(now)
            .execute(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    pub async fn set_profile(&mut self, user_id: &ObjectId, profile: &Profile) -> StoreResult<()> {
        sqlx::query("UPDATE users SET first_name = $2, last_name = $3, country = $4, mobile_number = $5 WHERE id = $1")
            .bind(user_id.to_string())
            .bind(&profile.first_name)
            .bind(&profile.last_name)
            .bind(&profile.country)
            .bind(profile.mobile_number.clone())
            .execute(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// Takes the user out of the org: its membership, its roles in the org's projects, its place on the org's
    /// teams.
    pub async fn remove_from_org(&mut self, org_id: &ObjectId, user_id: &ObjectId) -> StoreResult<()> {
        for sql in [
            "DELETE FROM org_memberships WHERE org_id = $1 AND user_id = $2",
            "DELETE FROM project_memberships WHERE user_id = $2 \
               AND project_id IN (SELECT id FROM projects WHERE org_id = $1)",
            "DELETE FROM team_memberships WHERE user_id = $2 AND team_id IN (SELECT id FROM teams WHERE org_id = $1)",
        ] {
            sqlx::query(sql)
                .bind(org_id.to_string())
                .bind(user_id.to_string())
                .execute(self.conn())
                .await
                .map_err(|e| self.fail(e))?;
        }
        Ok(())
    }

    /// Replaces the user's roles in the org's projects with exactly these.
    pub async fn set_project_roles_in_org(
        &mut self,
        org_id: &ObjectId,
        user_id: &ObjectId,
        assignments: &[crate::domain::GroupRoleAssignment],
    ) -> StoreResult<()> {
        sqlx::query(
            "DELETE FROM project_memberships WHERE user_id = $2 AND project_id IN (SELECT id FROM projects WHERE org_id = $1)",
        )
        .bind(org_id.to_string())
        .bind(user_id.to_string())
        .execute(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        for assignment in assignments {
            self.set_member_roles(MembershipScope::Project, &assignment.group_id, user_id, &assignment.roles).await?;
        }
        Ok(())
    }

    /// Replaces the org's teams the user is on with exactly these.
    pub async fn set_teams_in_org(
        &mut self,
        org_id: &ObjectId,
        user_id: &ObjectId,
        team_ids: &[ObjectId],
    ) -> StoreResult<()> {
        sqlx::query(
            "DELETE FROM team_memberships WHERE user_id = $2 AND team_id IN (SELECT id FROM teams WHERE org_id = $1)",
        )
        .bind(org_id.to_string())
        .bind(user_id.to_string())
        .execute(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        for team_id in team_ids {
            self.add_team_member(team_id, user_id).await?;
        }
        Ok(())
    }

    /// Ends the user's membership of one project or org (its roles there).
    pub async fn remove_membership(
        &mut self,
        scope: MembershipScope,
        scope_id: &ObjectId,
        user_id: &ObjectId,
    ) -> StoreResult<()> {
        let (table, column) = (scope.table(), scope.column());
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE {column} = $1 AND user_id = $2")))
            .bind(scope_id.to_string())
            .bind(user_id.to_string())
            .execute(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// Renames the user (its username's spelling) — the row is the one `lock_user` found.
    pub async fn set_username(&mut self, user_id: &ObjectId, username: &str) -> StoreResult<()> {
        sqlx::query("UPDATE users SET username = $2 WHERE id = $1")
            .bind(user_id.to_string())
            .bind(username)
            .execute(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// Removes every org, project and team membership of the user.
    pub async fn clear_memberships(&mut self, user_id: &ObjectId) -> StoreResult<()> {
        for table in ["org_memberships", "project_memberships", "team_memberships"] {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE user_id = $1")))
                .bind(user_id.to_string())
                .execute(self.conn())
                .await
                .map_err(|e| self.fail(e))?;
        }
        Ok(())
    }

    /// The roles the user holds in the org or project, if a member.
    pub async fn member_roles(
        &mut self,
        scope: MembershipScope,
        scope_id: &ObjectId,
        user_id: &ObjectId,
    ) -> StoreResult<Option<Vec<String>>> {
        let (table, column) = (scope.table(), scope.column());
        let row =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT roles FROM {table} WHERE {column} = $1 AND user_id = $2")))
                .bind(scope_id.to_string())
                .bind(user_id.to_string())
                .fetch_optional(self.conn())
                .await
                .map_err(|e| self.fail(e))?;
        row.as_ref().map(|row| json(row, "roles")).transpose()
    }

    /// Makes the user a member of the org or project with exactly these roles.
    pub async fn set_member_roles(
        &mut self,
        scope: MembershipScope,
        scope_id: &ObjectId,
        user_id: &ObjectId,
        roles: &[String],
    ) -> StoreResult<()> {
        let (table, column) = (scope.table(), scope.column());
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {table} ({column}, user_id, roles) VALUES ($1, $2, $3) \
             ON CONFLICT ({column}, user_id) DO UPDATE SET roles = excluded.roles"
        )))
        .bind(scope_id.to_string())
        .bind(user_id.to_string())
        .bind(to_json(roles))
        .execute(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        Ok(())
    }

    pub async fn add_team_member(&mut self, team_id: &ObjectId, user_id: &ObjectId) -> StoreResult<()> {
        sqlx::query("INSERT INTO team_memberships (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(team_id.to_string())
            .bind(user_id.to_string())
            .execute(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(())
    }
}
