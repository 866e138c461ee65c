//! Teams, their members and their project roles, on the same records as the users: an active member's place
//! on a team is a team membership, a pending user's is its invitation's `teamIds` (domain::teams). Changes
//! to one org's teams take turns on the org's row lock, so the limits they check hold under concurrency.

use super::users::{UserQuery, locked_org_user, write_assignment};
use super::{ProjectScope, Service, ServiceResult};
use crate::clock::UnixSeconds;
use crate::domain::events::{Actor, Event, EventType};
use crate::domain::teams::{self, ProjectTeam, TeamInput, TeamRoleInput};
use crate::domain::username::normalize;
use crate::domain::users::{self, Assignment, MembershipStatus, OrgUser};
use crate::domain::{DomainError, InvitationKind, ObjectId, Org, RoleCatalog, Team};
use crate::store::{StoreError, WriteTx};

/// A team as createOrgTeam answers it: with the usernames it starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTeam {
    pub team: Team,
    pub usernames: Vec<String>,
}

impl Service {
    // --- org teams ---

    /// The org's teams by name (docs/DECISIONS.md).
    pub async fn list_org_teams(&self, org: &Org) -> ServiceResult<Vec<Team>> {
        let mut teams = self.store.read().await?.teams(Some(&org.id)).await?;
        teams.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.id.cmp(&b.id)));
        Ok(teams)
    }

    /// The org's team; another org's is answered exactly like a missing one.
    pub async fn org_team(&self, org: &Org, team_id: &ObjectId) -> ServiceResult<Team> {
        let team = self.store.read().await?.team(team_id).await?.filter(|team| team.org_id == org.id);
        Ok(team.ok_or_else(|| not_found(team_id, org))?)
    }

    pub async fn org_team_by_name(&self, org: &Org, name: &str) -> ServiceResult<Team> {
        let team = self.store.read().await?.team_by_name(&org.id, name).await?;
        Ok(team.ok_or_else(|| DomainError::TeamNameNotFound(name.to_string()))?)
    }

    /// createOrgTeam: a named team with at least one of the org's active or pending users.
    pub async fn create_team(&self, actor: &Actor, org: &Org, input: TeamInput) -> ServiceResult<NewTeam> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        tx.lock_scope(InvitationKind::Org, &org.id).await?;
        let existing = tx.teams(Some(&org.id)).await?;
        let name = teams::team_name(input.name, &existing, &org.id)?;
        teams::check_team_room(existing.len(), &org.id)?;
        let team = Team { id: ObjectId::new(now), org_id: org.id, name };
        let usernames = input.usernames;
        let founders = teams::founding_members(usernames.clone(), &org_users(&mut tx, org, now).await?, &team)?;
        // Under the founders' row locks their teams are read again, so no concurrent change of theirs is lost.
        for founder in &founders {
            tx.lock_user(&founder.id, &founder.username, &normalize(&founder.username), now).await?;
        }
        let founders = teams::founding_members(usernames, &org_users(&mut tx, org, now).await?, &team)?;
        insert_named(&mut tx, &team).await?;
        tx.insert_event(&Event::about_team(EventType::TeamCreated, actor, org.id, None, team.id, now)).await?;
        let mut usernames = Vec::with_capacity(founders.len());
        for (size, founder) in founders.into_iter().enumerate() {
            usernames.push(founder.username.clone());
            let team_ids = teams::join(Some(&founder), &team, size, &founder.id)?;
            write_assignment(&mut tx, actor, &org.id, with_teams(&founder, team_ids), founder, now).await?;
        }
        tx.commit().await?;
        Ok(NewTeam { team, usernames })
    }

    /// renameOrgTeam: the name must be free in the org.
    pub async fn rename_team(
        &self,
        actor: &Actor,
        org: &Org,
        team_id: &ObjectId,
        name: Option<String>,
    ) -> ServiceResult<Team> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        tx.lock_scope(InvitationKind::Org, &org.id).await?;
        let team = team_in(&mut tx, org, team_id).await?;
        let others: Vec<Team> = tx.teams(Some(&org.id)).await?.into_iter().filter(|t| t.id != team.id).collect();
        let name = teams::team_name(name, &others, &org.id)?;
        match tx.rename_team(&team.id, &name).await {
            Err(StoreError::Conflict) => return Err(DomainError::TeamNameTaken { name, org_id: org.id }.into()),
            other => other?,
        }
        tx.insert_event(&Event::about_team(EventType::TeamNameChanged, actor, org.id, None, team.id, now)).await?;
        tx.commit().await?;
        Ok(Team { name, ..team })
    }

    /// deleteOrgTeam: only a team no project holds; its members and pending users leave it.
    pub async fn delete_team(&self, actor: &Actor, org: &Org, team_id: &ObjectId) -> ServiceResult<()> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        tx.lock_scope(InvitationKind::Org, &org.id).await?;
        let team = team_in(&mut tx, org, team_id).await?;
        if tx.team_has_projects(&team.id).await? {
            return Err(DomainError::TeamStillAssigned(team.id).into());
        }
        // Members leave with the team's memberships (REMOVED_FROM_TEAM each, then TEAM_DELETED, as recorded);
        // pending and lapsed users' invitations forget it.
        let (invited, members): (Vec<OrgUser>, Vec<OrgUser>) = org_users(&mut tx, org, now)
            .await?
            .into_iter()
            .filter(|user| user.team_ids.contains(&team.id))
            .partition(|user| user.invitation().is_some());
        for member in &members {
            let left = Event::about_user(EventType::RemovedFromTeam, actor, org.id, None, &member.username, now);
            tx.insert_event(&left).await?;
        }
        for user in invited {
            let Some(user) = locked_org_user(&mut tx, &org.id, &user.id, now).await? else { continue };
            let team_ids = user.team_ids.iter().copied().filter(|id| *id != team.id).collect();
            write_assignment(&mut tx, actor, &org.id, with_teams(&user, team_ids), user, now).await?;
        }
        tx.delete_team(&team.id).await?;
        tx.insert_event(&Event::about_team(EventType::TeamDeleted, actor, org.id, None, team.id, now)).await?;
        tx.commit().await?;
        Ok(())
    }

    // --- team members ---

    /// The team's users the query admits (listTeamUsers).
    pub async fn list_team_users(
        &self,
        org: &Org,
        team_id: &ObjectId,
        query: &UserQuery,
    ) -> ServiceResult<Vec<OrgUser>> {
        let team = self.org_team(org, team_id).await?;
        let people = self.list_org_users(org, query).await?;
        Ok(people.into_iter().filter(|user| user.team_ids.contains(&team.id)).collect())
    }

    /// addOrgTeamUser (an active or pending user) and the deprecated addTeamUsers (active users only, all or
    /// none): the users join the team; the answer is each user as it now is.
    pub async fn add_team_users(
        &self,
        actor: &Actor,
        org: &Org,
        team_id: &ObjectId,
        user_ids: &[ObjectId],
        pending_allowed: bool,
    ) -> ServiceResult<Vec<OrgUser>> {
        if user_ids.is_empty() {
            return Err(DomainError::MissingAttribute("id").into());
        }
        let now = self.now();
        let mut tx = self.store.write().await?;
        tx.lock_scope(InvitationKind::Org, &org.id).await?;
        let team = team_in(&mut tx, org, team_id).await?;
        let mut size = team_size(&mut tx, org, &team, now).await?;
        let mut joined = Vec::with_capacity(user_ids.len());
        for user_id in user_ids {
            let user = locked_org_user(&mut tx, &org.id, user_id, now).await?;
            if !pending_allowed && user.as_ref().is_some_and(|u| u.status == MembershipStatus::Pending) {
                return Err(DomainError::PendingUserNotAllowed(*user_id).into());
            }
            let team_ids = teams::join(user.as_ref(), &team, size, user_id)?;
            let user = user.expect("join admits only an existing user");
            joined.push(write_assignment(&mut tx, actor, &org.id, with_teams(&user, team_ids), user, now).await?);
            size += 1;
        }
        tx.commit().await?;
        Ok(joined)
    }

    /// removeOrgTeamUser and the deprecated removeUserFromTeam: the user leaves the team.
    pub async fn remove_team_user(
        &self,
        actor: &Actor,
        org: &Org,
        team_id: &ObjectId,
        user_id: &ObjectId,
    ) -> ServiceResult<OrgUser> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        tx.lock_scope(InvitationKind::Org, &org.id).await?;
        let team = team_in(&mut tx, org, team_id).await?;
        let user = locked_org_user(&mut tx, &org.id, user_id, now).await?;
        let team_ids = teams::leave(user.as_ref(), &team, user_id)?;
        let user = user.expect("leave admits only an existing user");
        let left = write_assignment(&mut tx, actor, &org.id, with_teams(&user, team_ids), user, now).await?;
        tx.commit().await?;
        Ok(left)
    }

    // --- project teams ---

    pub async fn list_project_teams(&self, scope: &ProjectScope) -> ServiceResult<Vec<ProjectTeam>> {
        Ok(self.store.read().await?.project_teams(&scope.project.id).await?)
    }

    pub async fn project_team(&self, scope: &ProjectScope, team_id: &ObjectId) -> ServiceResult<ProjectTeam> {
        let assigned = self.list_project_teams(scope).await?.into_iter().find(|t| t.team_id == *team_id);
        Ok(assigned.ok_or(DomainError::TeamNotInProject { team_id: *team_id, project_id: scope.project.id })?)
    }

    /// addGroupTeams: the teams join the project with their roles; the answer is every team of the project.
    pub async fn add_project_teams(
        &self,
        actor: &Actor,
        catalog: &RoleCatalog,
        scope: &ProjectScope,
        inputs: Vec<TeamRoleInput>,
    ) -> ServiceResult<Vec<ProjectTeam>> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        tx.lock_scope(InvitationKind::Project, &scope.project.id).await?;
        let org_teams = tx.teams(Some(&scope.org.id)).await?;
        let current = tx.project_teams(&scope.project.id).await?;
        for assigned in teams::assign_teams(catalog, &scope.project, &org_teams, &current, inputs)? {
            tx.set_project_team(&scope.project.id, &assigned).await?;
            let added = project_team_event(EventType::TeamAddedToGroup, actor, scope, assigned.team_id, now);
            tx.insert_event(&added).await?;
        }
        let all = tx.project_teams(&scope.project.id).await?;
        tx.commit().await?;
        Ok(all)
    }

    /// updateGroupTeam: the team's roles in the project become exactly these; the answer is every team of the
    /// project, as addGroupTeams answers.
    pub async fn update_project_team(
        &self,
        actor: &Actor,
        catalog: &RoleCatalog,
        scope: &ProjectScope,
        team_id: &ObjectId,
        role_names: Option<Vec<String>>,
    ) -> ServiceResult<Vec<ProjectTeam>> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        tx.lock_scope(InvitationKind::Project, &scope.project.id).await?;
        let current = tx.project_teams(&scope.project.id).await?;
        let roles = teams::new_team_roles(catalog, &scope.project, &current, team_id, role_names)?;
        tx.set_project_team(&scope.project.id, &ProjectTeam { team_id: *team_id, roles }).await?;
        tx.insert_event(&project_team_event(EventType::TeamRolesModified, actor, scope, *team_id, now)).await?;
        let all = tx.project_teams(&scope.project.id).await?;
        tx.commit().await?;
        Ok(all)
    }

    pub async fn remove_project_team(
        &self,
        actor: &Actor,
        scope: &ProjectScope,
        team_id: &ObjectId,
    ) -> ServiceResult<()> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        tx.lock_scope(InvitationKind::Project, &scope.project.id).await?;
        let current = tx.project_teams(&scope.project.id).await?;
        if !current.iter().any(|t| t.team_id == *team_id) {
            return Err(DomainError::TeamNotInProject { team_id: *team_id, project_id: scope.project.id }.into());
        }
        tx.remove_project_team(&scope.project.id, team_id).await?;
        tx.insert_event(&project_team_event(EventType::TeamRemovedFromGroup, actor, scope, *team_id, now)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The admin command line's and fixtures' team: created empty or renamed, under the API's name rules.
    pub(super) async fn put_named_team(&self, org: &Org, id: ObjectId, name: &str) -> ServiceResult<Team> {
        let mut tx = self.store.write().await?;
        tx.lock_scope(InvitationKind::Org, &org.id).await?;
        let existing = tx.teams(Some(&org.id)).await?;
        let others: Vec<Team> = existing.iter().filter(|t| t.id != id).cloned().collect();
        let name = teams::team_name(Some(name.to_string()), &others, &org.id)?;
        let team = Team { id, org_id: org.id, name };
        if existing.iter().any(|t| t.id == id) {
            tx.rename_team(&id, &team.name).await?;
        } else {
            teams::check_team_room(existing.len(), &org.id)?;
            insert_named(&mut tx, &team).await?;
        }
        tx.commit().await?;
        Ok(team)
    }
}

fn project_team_event(
    event_type: EventType,
    actor: &Actor,
    scope: &ProjectScope,
    team_id: ObjectId,
    now: UnixSeconds,
) -> Event {
    Event::about_team(event_type, actor, scope.org.id, Some(scope.project.id), team_id, now)
}

fn not_found(team_id: &ObjectId, org: &Org) -> DomainError {
    DomainError::TeamNotFound { team_id: team_id.to_string(), org_id: org.id }
}

async fn team_in(tx: &mut WriteTx, org: &Org, team_id: &ObjectId) -> ServiceResult<Team> {
    let team = tx.team(team_id).await?.filter(|team| team.org_id == org.id);
    Ok(team.ok_or_else(|| not_found(team_id, org))?)
}

/// A concurrent create of the same name that won the unique index is the same conflict as one read before.
async fn insert_named(tx: &mut WriteTx, team: &Team) -> ServiceResult<()> {
    match tx.insert_team(team).await {
        Err(StoreError::Conflict) => {
            Err(DomainError::TeamNameTaken { name: team.name.clone(), org_id: team.org_id }.into())
        }
        other => Ok(other?),
    }
}

async fn org_users(tx: &mut WriteTx, org: &Org, now: UnixSeconds) -> ServiceResult<Vec<OrgUser>> {
    let (members, invitations) = tx.org_people(&org.id).await?;
    Ok(users::org_users(members, invitations, now))
}

/// How many of the org's active and pending users are on the team.
async fn team_size(tx: &mut WriteTx, org: &Org, team: &Team, now: UnixSeconds) -> ServiceResult<usize> {
    let people = org_users(tx, org, now).await?;
    Ok(people.iter().filter(|u| UserQuery::default().admits(u) && u.team_ids.contains(&team.id)).count())
}

/// What the user is to become: on exactly these teams, with its roles and projects as they are.
fn with_teams(user: &OrgUser, team_ids: Vec<ObjectId>) -> Assignment {
    Assignment { org_roles: user.org_roles.clone(), project_roles: user.project_roles.clone(), team_ids }
}
