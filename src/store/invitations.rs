//! Invitations. Reads see pending (neither expired at `now` nor declined) invitations only; the partial unique indexes keep one
//! invitation per (project, username) and per (org, username), so concurrent creates cannot make two.

use std::ops::DerefMut;

use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use super::dialect::RowLock;
use sqlx::Row;

use super::{Db, StoreError, StoreResult, WriteTx, id, int, json, optional_id, text, to_json, unmatchable};
use crate::clock::UnixSeconds;
use crate::domain::username::normalize;
use crate::domain::users::Member;
use crate::domain::{GroupRoleAssignment, Invitation, InvitationKind, ObjectId};

/// `group_role_assignments` as stored: a JSON array of these.
#[derive(Serialize, Deserialize)]
struct StoredAssignment {
    group_id: ObjectId,
    roles: Vec<String>,
}

const COLUMNS: &str = "id, kind, org_id, project_id, username, username_norm, roles, team_ids, \
     group_role_assignments, inviter_username, created_at, expires_at, user_id, companion, declined_at";

fn invitation_from_row(row: &AnyRow) -> StoreResult<Invitation> {
    let kind = text(row, "kind")?;
    let assignments: Vec<StoredAssignment> = json(row, "group_role_assignments")?;
    Ok(Invitation {
        id: id(row, "id")?,
        kind: InvitationKind::parse(&kind).ok_or_else(|| StoreError::Other(format!("unknown kind {kind}")))?,
        user_id: id(row, "user_id")?,
        companion: int(row, "companion")? != 0,
        org_id: id(row, "org_id")?,
        project_id: optional_id(row, "project_id")?,
        username: text(row, "username")?,
        roles: json(row, "roles")?,
        team_ids: json(row, "team_ids")?,
        group_role_assignments: assignments
            .into_iter()
            .map(|a| GroupRoleAssignment { group_id: a.group_id, roles: a.roles })
            .collect(),
        inviter_username: text(row, "inviter_username")?,
        created_at: int(row, "created_at")?,
        expires_at: int(row, "expires_at")?,
        declined_at: row.try_get("declined_at").map_err(|e| StoreError::Other(format!("column declined_at: {e}")))?,
    })
}

fn assignments_json(invitation: &Invitation) -> String {
    let stored: Vec<StoredAssignment> = invitation
        .group_role_assignments
        .iter()
        .map(|a| StoredAssignment { group_id: a.group_id, roles: a.roles.clone() })
        .collect();
    to_json(&stored)
}

/// The column an invitation kind is scoped by, and the table of that scope.
fn scope_column(kind: InvitationKind) -> &'static str {
    match kind {
        InvitationKind::Project => "project_id",
        InvitationKind::Org => "org_id",
    }
}

fn scope_table(kind: InvitationKind) -> &'static str {
    match kind {
        InvitationKind::Project => "projects",
        InvitationKind::Org => "orgs",
    }
}

impl<C: DerefMut<Target = AnyConnection>> Db<C> {
    /// The pending invitation `invitation_id` of this kind in this project or org.
    pub async fn invitation(
        &mut self,
        kind: InvitationKind,
        scope_id: &ObjectId,
        invitation_id: &ObjectId,
        now: UnixSeconds,
    ) -> StoreResult<Option<Invitation>> {
        let scope = scope_column(kind);
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM invitations WHERE id = $1 AND kind = $2 AND {scope} = $3 AND expires_at > $4 AND declined_at IS NULL"
        )))
        .bind(invitation_id.to_string())
        .bind(kind.as_str())
        .bind(scope_id.to_string())
        .bind(now)
        .fetch_optional(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        row.as_ref().map(invitation_from_row).transpose()
    }

    /// Any pending invitation by id, whatever its scope (for operators accepting on the invitee's behalf).
    /// The invitation with this id whatever its state (expired and declined included).
    pub async fn invitation_in_any_state(&mut self, invitation_id: &ObjectId) -> StoreResult<Option<Invitation>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM invitations WHERE id = $1")))
            .bind(invitation_id.to_string())
            .fetch_optional(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        row.as_ref().map(invitation_from_row).transpose()
    }

    pub async fn invitation_by_id(
        &mut self,
        invitation_id: &ObjectId,
        now: UnixSeconds,
    ) -> StoreResult<Option<Invitation>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM invitations WHERE id = $1 AND expires_at > $2 AND declined_at IS NULL"
        )))
        .bind(invitation_id.to_string())
        .bind(now)
        .fetch_optional(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        row.as_ref().map(invitation_from_row).transpose()
    }

    /// The scope's pending invitations, oldest first, optionally only the one for a (normalized) username.
    pub async fn invitations(
        &mut self,
        kind: InvitationKind,
        scope_id: &ObjectId,
        username_norm: Option<&str>,
        now: UnixSeconds,
    ) -> StoreResult<Vec<Invitation>> {
        if username_norm.is_some_and(unmatchable) {
            return Ok(Vec::new());
        }
        let scope = scope_column(kind);
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM invitations \
             WHERE kind = $1 AND {scope} = $2 AND expires_at > $3 AND declined_at IS NULL AND ($4 IS NULL OR username_norm = $4) \
             ORDER BY created_at, id"
        )))
        .bind(kind.as_str())
        .bind(scope_id.to_string())
        .bind(now)
        .bind(username_norm)
        .fetch_all(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        rows.iter().map(invitation_from_row).collect()
    }

    /// The org's invitations, lapsed ones included (the users API shows them as expired users).
    pub async fn org_invitations_with_lapsed(&mut self, org_id: &ObjectId) -> StoreResult<Vec<Invitation>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM invitations WHERE kind = 'ORG' AND org_id = $1 ORDER BY created_at, id"
        )))
        .bind(org_id.to_string())
        .fetch_all(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        rows.iter().map(invitation_from_row).collect()
    }

    /// Everything the users API shows of an org: its members, and its org invitations, lapsed ones included.
    pub async fn org_people(&mut self, org_id: &ObjectId) -> StoreResult<(Vec<Member>, Vec<Invitation>)> {
        Ok((self.org_members(org_id).await?, self.org_invitations_with_lapsed(org_id).await?))
    }

    /// Writes the mutable fields (roles, teams, project assignments) of a still-pending invitation in its
    /// scope. False when it is gone (deleted, accepted or expired meanwhile). One statement: on PostgreSQL a
    /// concurrent delete or accept is waited for and the WHERE clause re-checked.
    pub async fn update_invitation(&mut self, invitation: &Invitation, now: UnixSeconds) -> StoreResult<bool> {
        let scope = scope_column(invitation.kind);
        let updated = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE invitations SET roles = $1, team_ids = $2, group_role_assignments = $3 \
             WHERE id = $4 AND kind = $5 AND {scope} = $6 AND expires_at > $7 AND declined_at IS NULL"
        )))
        .bind(to_json(&invitation.roles))
        .bind(to_json(&invitation.team_ids))
        .bind(assignments_json(invitation))
        .bind(invitation.id.to_string())
        .bind(invitation.kind.as_str())
        .bind(invitation.scope_id().to_string())
        .bind(now)
        .execute(self.conn())
        .await
        .map_err(|e| self.fail(e))?
        .rows_affected();
        Ok(updated == 1)
    }

    /// Deletes a pending invitation of this kind in its scope. False when there is none. One statement: if an
    /// accept holds the row, this waits and then finds it gone.
    pub async fn delete_invitation(
        &mut self,
        kind: InvitationKind,
        scope_id: &ObjectId,
        invitation_id: &ObjectId,
        now: UnixSeconds,
    ) -> StoreResult<bool> {
        let scope = scope_column(kind);
        let deleted = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM invitations WHERE id = $1 AND kind = $2 AND {scope} = $3 AND expires_at > $4 AND declined_at IS NULL"
        )))
        .bind(invitation_id.to_string())
        .bind(kind.as_str())
        .bind(scope_id.to_string())
        .bind(now)
        .execute(self.conn())
        .await
        .map_err(|e| self.fail(e))?
        .rows_affected();
        Ok(deleted == 1)
    }
}

impl WriteTx {
    /// Makes creates of one project or org take turns until commit, so the pending count they read is exact;
    /// a missing scope row is left to the foreign key.
    pub async fn lock_scope(&mut self, kind: InvitationKind, scope_id: &ObjectId) -> StoreResult<()> {
        if let Some(lock) = self.dialect.lock_suffix(RowLock::NoKeyUpdate) {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT 1 AS locked FROM {} WHERE id = $1{lock}",
                scope_table(kind)
            )))
            .bind(scope_id.to_string())
            .fetch_optional(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        }
        Ok(())
    }

    /// Removes an expired invitation for the username in the scope, so a new one can replace it.
    pub async fn delete_lapsed_invitation(
        &mut self,
        kind: InvitationKind,
        scope_id: &ObjectId,
        username_norm: &str,
        now: UnixSeconds,
    ) -> StoreResult<()> {
        let scope = scope_column(kind);
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM invitations WHERE kind = $1 AND {scope} = $2 AND username_norm = $3 AND (expires_at <= $4 OR declined_at IS NOT NULL)"
        )))
        .bind(kind.as_str())
        .bind(scope_id.to_string())
        .bind(username_norm)
        .bind(now)
        .execute(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        Ok(())
    }

    pub async fn pending_count(
        &mut self,
        kind: InvitationKind,
        scope_id: &ObjectId,
        now: UnixSeconds,
    ) -> StoreResult<usize> {
        let scope = scope_column(kind);
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS pending FROM invitations WHERE kind = $1 AND {scope} = $2 AND expires_at > $3 AND declined_at IS NULL"
        )))
        .bind(kind.as_str())
        .bind(scope_id.to_string())
        .bind(now)
        .fetch_one(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        Ok(usize::try_from(int(&row, "pending")?).unwrap_or_default())
    }

    /// Inserts the invitation. When the scope already has one for the username: `StoreError::Conflict`, or with
    /// `keep_existing` nothing (false) — a statement that does not fail, so the transaction goes on.
    pub async fn insert_invitation(&mut self, invitation: &Invitation, keep_existing: bool) -> StoreResult<bool> {
        let on_conflict = if keep_existing { " ON CONFLICT DO NOTHING" } else { "" };
        let inserted = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO invitations ({COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15){on_conflict}"
        )))
        .bind(invitation.id.to_string())
        .bind(invitation.kind.as_str())
        .bind(invitation.org_id.to_string())
        .bind(invitation.project_id.map(|p| p.to_string()))
        .bind(&invitation.username)
        .bind(normalize(&invitation.username))
        .bind(to_json(&invitation.roles))
        .bind(to_json(&invitation.team_ids))
        .bind(assignments_json(invitation))
        .bind(&invitation.inviter_username)
        .bind(invitation.created_at)
        .bind(invitation.expires_at)
        .bind(invitation.user_id.to_string())
        .bind(i64::from(invitation.companion))
        .bind(invitation.declined_at)
        .execute(self.conn())
        .await
        .map_err(|e| self.fail(e))?
        .rows_affected();
        Ok(inserted == 1)
    }

    /// The pending invitation, locked until commit: a concurrent delete (or second accept) waits and then
    /// finds no row, so exactly one of them wins.
    pub async fn lock_pending_invitation(
        &mut self,
        invitation_id: &ObjectId,
        now: UnixSeconds,
    ) -> StoreResult<Option<Invitation>> {
        let lock = self.dialect.lock_suffix(RowLock::Update).unwrap_or_default();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM invitations WHERE id = $1 AND expires_at > $2 AND declined_at IS NULL{lock}"
        )))
        .bind(invitation_id.to_string())
        .bind(now)
        .fetch_optional(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        row.as_ref().map(invitation_from_row).transpose()
    }

    /// Rewrites every field of the invitation `invitation.id` but its identity (kind, scope, username, user):
    /// a takeover makes it a new invitation in all but its id; a declined one keeps the moment it was declined.
    pub async fn rewrite_invitation(&mut self, invitation: &Invitation) -> StoreResult<()> {
        sqlx::query(
            "UPDATE invitations SET roles = $2, team_ids = $3, group_role_assignments = $4, inviter_username = $5, \
               created_at = $6, expires_at = $7, companion = $8, declined_at = $9 WHERE id = $1",
        )
        .bind(invitation.id.to_string())
        .bind(to_json(&invitation.roles))
        .bind(to_json(&invitation.team_ids))
        .bind(assignments_json(invitation))
        .bind(&invitation.inviter_username)
        .bind(invitation.created_at)
        .bind(invitation.expires_at)
        .bind(i64::from(invitation.companion))
        .bind(invitation.declined_at)
        .execute(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        Ok(())
    }

    pub async fn remove_invitation(&mut self, invitation_id: &ObjectId) -> StoreResult<()> {
        sqlx::query("DELETE FROM invitations WHERE id = $1")
            .bind(invitation_id.to_string())
            .execute(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(())
    }
}
