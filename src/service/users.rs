//! The MongoDB Cloud users operations, on the same records as the invitations: an org's users are its members
//! and its org invitations (domain::users). Every change to a user runs in one write transaction that first
//! locks the user's row, so two concurrent role changes never lose one another ("This operation is atomic" —
//! Atlas spec, addOrgRole).

use super::invitations::{Origin, insert_checked};
use super::{ProjectScope, Service, ServiceResult};
use crate::clock::UnixSeconds;
use crate::domain::events::{self, Actor, Event, EventType};
use crate::domain::invitation::OrgContext;
use crate::domain::teams;
use crate::domain::username::normalize;
use crate::domain::users::{
    self, Assignment, MembershipStatus, OrgUser, OrgUserInput, OrgUserUpdate, ProjectUserInput, ProjectUserPlan,
    Standing,
};
use crate::domain::{DomainError, DomainResult, Invitation, ObjectId, Org, Principal, RoleCatalog};
use crate::store::{MembershipScope, WriteTx};

/// Which users a list or a read shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserQuery {
    /// Compared without regard to case.
    pub username: Option<String>,
    pub statuses: Vec<MembershipStatus>,
}

impl Default for UserQuery {
    fn default() -> Self {
        UserQuery { username: None, statuses: MembershipStatus::DEFAULT.to_vec() }
    }
}

impl UserQuery {
    /// Active users only: what the deprecated versions show.
    pub fn active() -> UserQuery {
        UserQuery { username: None, statuses: vec![MembershipStatus::Active] }
    }

    pub(super) fn admits(&self, user: &OrgUser) -> bool {
        self.statuses.contains(&user.status)
            && self.username.as_deref().is_none_or(|name| normalize(name) == normalize(&user.username))
    }
}

/// How a project lists its users (listGroupUsers' flags).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProjectListing {
    /// Also the org's owners and read-only members, with the roles those give them in every project.
    pub include_org_users: bool,
    /// Also the members of the project's teams, with the roles their teams hold there.
    pub flatten_teams: bool,
}

/// A user as one project sees them: the person and their roles there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectUser {
    pub user: OrgUser,
    pub roles: Vec<String>,
}

impl Service {
    // --- org users ---

    pub async fn list_org_users(&self, org: &Org, query: &UserQuery) -> ServiceResult<Vec<OrgUser>> {
        let (members, invitations) = self.store.read().await?.org_people(&org.id).await?;
        let people = users::org_users(members, invitations, self.now());
        Ok(people.into_iter().filter(|user| query.admits(user)).collect())
    }

    pub async fn org_user(&self, org: &Org, user_id: &ObjectId, query: &UserQuery) -> ServiceResult<OrgUser> {
        let found = self.list_org_users(org, query).await?.into_iter().find(|user| user.id == *user_id);
        Ok(found.ok_or(DomainError::UserNotInOrg { user_id: *user_id, org_id: org.id })?)
    }

    /// createOrgUser: an org invitation, shown as the pending user it makes. "A conflict, if and only if, there
    /// is an existing PENDING or ACTIVE user"; an expired one is replaced (Atlas spec).
    pub async fn create_org_user(
        &self,
        catalog: &RoleCatalog,
        principal: &Principal,
        org: &Org,
        input: OrgUserInput,
    ) -> ServiceResult<OrgUser> {
        let existing = match input.username.as_deref() {
            Some(username) => {
                let query = UserQuery { username: Some(username.to_string()), ..UserQuery::default() };
                self.list_org_users(org, &query).await?.into_iter().next()
            }
            None => None,
        };
        if let Some(user) = existing {
            return Err(match user.status {
                MembershipStatus::Active => DomainError::AlreadyInOrg { username: user.username, org_id: org.id },
                _ => DomainError::AlreadyInvited { username: user.username, scope_id: org.id },
            }
            .into());
        }
        let invitation = self.create_org_invitation(catalog, principal, org, input.into()).await?;
        Ok(OrgUser::invited(invitation, self.now()))
    }

    /// updateOrgUser: only the fields sent change.
    pub async fn update_org_user(
        &self,
        actor: &Actor,
        catalog: &RoleCatalog,
        org: &Org,
        user_id: &ObjectId,
        update: OrgUserUpdate,
    ) -> ServiceResult<OrgUser> {
        self.change_org_user(actor, org, user_id, |current, ctx| users::update_org_user(catalog, ctx, current, update))
            .await
    }

    pub async fn add_org_role(
        &self,
        actor: &Actor,
        catalog: &RoleCatalog,
        org: &Org,
        user_id: &ObjectId,
        role: Option<String>,
    ) -> ServiceResult<OrgUser> {
        let role = users::one_org_role(catalog, role, &org.id)?;
        self.change_org_roles(actor, org, user_id, |held| users::add_role(held, &role)).await
    }

    pub async fn remove_org_role(
        &self,
        actor: &Actor,
        catalog: &RoleCatalog,
        org: &Org,
        user_id: &ObjectId,
        role: Option<String>,
    ) -> ServiceResult<OrgUser> {
        let role = users::one_org_role(catalog, role, &org.id)?;
        self.change_org_roles(actor, org, user_id, |held| users::remove_role(held, &role)).await
    }

    /// removeOrgUser: a member leaves the org (and its projects and teams); a pending or expired user's
    /// invitation is deleted. `active_only` is the 2023-01-01 version, which sees members only.
    pub async fn remove_org_user(
        &self,
        actor: &Actor,
        org: &Org,
        user_id: &ObjectId,
        active_only: bool,
    ) -> ServiceResult<()> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let user = locked_org_user(&mut tx, &org.id, user_id, now)
            .await?
            .filter(|user| !active_only || user.status == MembershipStatus::Active)
            .ok_or(DomainError::UserNotInOrg { user_id: *user_id, org_id: org.id })?;
        match &user.standing {
            Standing::Member { .. } => {
                tx.remove_from_org(&org.id, user_id).await?;
                let removed = Event::about_user(EventType::RemovedFromOrg, actor, org.id, None, &user.username, now);
                tx.insert_event(&removed).await?;
            }
            // Atlas writes no event when an invitation is deleted (recorded events).
            Standing::Invited(invitation) => tx.remove_invitation(&invitation.id).await?,
        }
        tx.commit().await?;
        Ok(())
    }

    // --- project users ---

    /// The project's users: everyone of its org with a role in it (pending users with one on acceptance); with
    /// `flatten_teams` also through the project's teams; with `include_org_users` the org's owners and read-only
    /// members by the roles those give.
    pub async fn list_project_users(
        &self,
        scope: &ProjectScope,
        query: &UserQuery,
        listing: ProjectListing,
    ) -> ServiceResult<Vec<ProjectUser>> {
        let people = self.list_org_users(&scope.org, query).await?;
        let project_id = scope.project.id;
        let project_teams =
            if listing.flatten_teams { self.store.read().await?.project_teams(&project_id).await? } else { Vec::new() };
        Ok(people
            .into_iter()
            .filter_map(|user| {
                let mut roles = user.roles_in(&project_id).map(<[String]>::to_vec).unwrap_or_default();
                for role in teams::roles_through_teams(&project_teams, &user.team_ids) {
                    if !roles.contains(&role) {
                        roles.push(role);
                    }
                }
                if roles.is_empty() && listing.include_org_users && user.status == MembershipStatus::Active {
                    roles = users::implicit_project_roles(&user.org_roles);
                }
                (!roles.is_empty()).then_some(ProjectUser { user, roles })
            })
            .collect())
    }

    pub async fn project_user(&self, scope: &ProjectScope, user_id: &ObjectId) -> ServiceResult<ProjectUser> {
        let user = self.org_user(&scope.org, user_id, &UserQuery::default()).await.ok();
        let found = user.and_then(|user| {
            let roles = user.roles_in(&scope.project.id)?.to_vec();
            Some(ProjectUser { user, roles })
        });
        Ok(found.ok_or(DomainError::UserNotInProject { user_id: *user_id, project_id: scope.project.id })?)
    }

    /// addGroupUsers: an active member is granted the roles at once, a pending user's invitation gains the
    /// project, anyone else gets an org invitation that covers it (domain::users::plan_project_user).
    pub async fn add_project_user(
        &self,
        catalog: &RoleCatalog,
        principal: &Principal,
        scope: &ProjectScope,
        input: ProjectUserInput,
    ) -> ServiceResult<ProjectUser> {
        let (now, actor) = (self.now(), Actor::of(principal));
        let (username, roles) = users::project_user_request(catalog, &scope.project, input)?;
        let mut tx = self.store.write().await?;
        tx.lock_scope(crate::domain::InvitationKind::Org, &scope.org.id).await?;
        let user_id = tx.lock_user(&ObjectId::new(now), &username, &normalize(&username), now).await?;
        let existing = org_user_in(&mut tx, &scope.org.id, &user_id, now).await?;
        let plan = users::plan_project_user(
            &scope.project,
            username.clone(),
            roles,
            existing.as_ref(),
            user_id,
            &principal.name,
            now,
        )?;
        let user = match plan {
            ProjectUserPlan::Grant { user_id, roles } => {
                tx.set_member_roles(MembershipScope::Project, &scope.project.id, &user_id, &roles).await?;
                let joined = Event::about_user(
                    EventType::JoinedGroup,
                    &actor,
                    scope.org.id,
                    Some(scope.project.id),
                    &username,
                    now,
                );
                tx.insert_event(&joined).await?;
                let current = existing.expect("a grant is planned for an existing member");
                granted(current, &scope.project.id, roles)
            }
            ProjectUserPlan::ExtendInvitation(invitation) => {
                tx.rewrite_invitation(&invitation).await?;
                OrgUser::invited(invitation, now)
            }
            ProjectUserPlan::Invite(invitation) => {
                OrgUser::invited(insert_checked(&mut tx, &actor, invitation, now, Origin::Explicit).await?, now)
            }
        };
        tx.commit().await?;
        let roles = user.roles_in(&scope.project.id).map(<[String]>::to_vec).unwrap_or_default();
        Ok(ProjectUser { user, roles })
    }

    /// removeGroupUser: the user's roles in the project go; a pending user keeps the org invitation.
    pub async fn remove_project_user(
        &self,
        actor: &Actor,
        scope: &ProjectScope,
        user_id: &ObjectId,
    ) -> ServiceResult<()> {
        self.change_project_roles(actor, scope, user_id, |_| Ok(None)).await.map(|_| ())
    }

    /// updateGroupUserRoles (`PUT …/roles`): the roles in the project become exactly these.
    pub async fn set_project_user_roles(
        &self,
        actor: &Actor,
        catalog: &RoleCatalog,
        scope: &ProjectScope,
        user_id: &ObjectId,
        roles: Option<Vec<String>>,
    ) -> ServiceResult<ProjectUser> {
        let roles = users::project_role_set(catalog, roles, &scope.project.id)?;
        self.change_project_roles(actor, scope, user_id, |_| Ok(Some(roles))).await
    }

    pub async fn add_project_role(
        &self,
        actor: &Actor,
        catalog: &RoleCatalog,
        scope: &ProjectScope,
        user_id: &ObjectId,
        role: Option<String>,
    ) -> ServiceResult<ProjectUser> {
        let role = users::one_project_role(catalog, role, &scope.project.id)?;
        self.change_project_roles(actor, scope, user_id, |held| users::add_role(held, &role).map(Some)).await
    }

    pub async fn remove_project_role(
        &self,
        actor: &Actor,
        catalog: &RoleCatalog,
        scope: &ProjectScope,
        user_id: &ObjectId,
        role: Option<String>,
    ) -> ServiceResult<ProjectUser> {
        let role = users::one_project_role(catalog, role, &scope.project.id)?;
        self.change_project_roles(actor, scope, user_id, |held| users::remove_role(held, &role).map(Some)).await
    }

    // --- shared steps ---

    async fn change_org_roles(
        &self,
        actor: &Actor,
        org: &Org,
        user_id: &ObjectId,
        change: impl FnOnce(&[String]) -> DomainResult<Vec<String>>,
    ) -> ServiceResult<OrgUser> {
        self.change_org_user(actor, org, user_id, |current, _| {
            Ok(Assignment {
                org_roles: change(&current.org_roles)?,
                project_roles: current.project_roles.clone(),
                team_ids: current.team_ids.clone(),
            })
        })
        .await
    }

    async fn change_project_roles(
        &self,
        actor: &Actor,
        scope: &ProjectScope,
        user_id: &ObjectId,
        change: impl FnOnce(&[String]) -> DomainResult<Option<Vec<String>>>,
    ) -> ServiceResult<ProjectUser> {
        let project_id = scope.project.id;
        let not_in_project = DomainError::UserNotInProject { user_id: *user_id, project_id };
        let mut roles = Vec::new();
        let user = self
            .change_org_user(actor, &scope.org, user_id, |current, _| {
                let held = current.roles_in(&project_id).ok_or(not_in_project.clone())?;
                let changed = change(held)?;
                roles = changed.clone().unwrap_or_default();
                Ok(users::with_project_roles(current, &project_id, changed))
            })
            .await
            .map_err(|err| match err {
                // A user of another org, or none: the same answer as for a user outside the project.
                super::Error::Domain(DomainError::UserNotInOrg { .. }) => not_in_project.clone().into(),
                other => other,
            })?;
        Ok(ProjectUser { user, roles })
    }

    /// Reads a pending or active user under its row lock, decides what it becomes, and writes that: a member's
    /// roles, projects and teams, or a pending user's invitation.
    async fn change_org_user(
        &self,
        actor: &Actor,
        org: &Org,
        user_id: &ObjectId,
        decide: impl FnOnce(&OrgUser, &OrgContext<'_>) -> DomainResult<Assignment>,
    ) -> ServiceResult<OrgUser> {
        let now = self.now();
        let not_found = DomainError::UserNotInOrg { user_id: *user_id, org_id: org.id };
        let mut tx = self.store.write().await?;
        let current = locked_org_user(&mut tx, &org.id, user_id, now)
            .await?
            .filter(|user| MembershipStatus::DEFAULT.contains(&user.status))
            .ok_or(not_found)?;
        let project_ids: Vec<ObjectId> = tx.projects(Some(&org.id)).await?.into_iter().map(|p| p.id).collect();
        let team_ids: Vec<ObjectId> = tx.teams(Some(&org.id)).await?.into_iter().map(|t| t.id).collect();
        let ctx = OrgContext { org, project_ids: &project_ids, team_ids: &team_ids };
        let assignment = decide(&current, &ctx)?;
        let changed = write_assignment(&mut tx, actor, &org.id, assignment, current, now).await?;
        tx.commit().await?;
        Ok(changed)
    }
}

/// Writes what a user is to become in the org: a member's roles, projects and teams (with the events of the
/// change), or a pending user's invitation.
pub(super) async fn write_assignment(
    tx: &mut WriteTx,
    actor: &Actor,
    org_id: &ObjectId,
    assignment: Assignment,
    current: OrgUser,
    now: UnixSeconds,
) -> ServiceResult<OrgUser> {
    tx.insert_events(&events::membership_changes(actor, *org_id, &current, &assignment, now)).await?;
    Ok(match &current.standing {
        Standing::Member { .. } => {
            tx.set_member_roles(MembershipScope::Org, org_id, &current.id, &assignment.org_roles).await?;
            tx.set_project_roles_in_org(org_id, &current.id, &assignment.project_roles).await?;
            tx.set_teams_in_org(org_id, &current.id, &assignment.team_ids).await?;
            OrgUser {
                org_roles: assignment.org_roles,
                project_roles: assignment.project_roles,
                team_ids: assignment.team_ids,
                ..current
            }
        }
        Standing::Invited(invitation) => {
            let updated = Invitation {
                roles: assignment.org_roles,
                group_role_assignments: assignment.project_roles,
                team_ids: assignment.team_ids,
                ..invitation.clone()
            };
            tx.rewrite_invitation(&updated).await?;
            OrgUser::invited(updated, now)
        }
    })
}

/// The org's user `user_id` (lapsed ones included), after taking the user's row lock.
pub(super) async fn locked_org_user(
    tx: &mut WriteTx,
    org_id: &ObjectId,
    user_id: &ObjectId,
    now: UnixSeconds,
) -> ServiceResult<Option<OrgUser>> {
    let Some(user) = tx.user(user_id).await? else { return Ok(None) };
    tx.lock_user(user_id, &user.username, &normalize(&user.username), now).await?;
    org_user_in(tx, org_id, user_id, now).await
}

pub(super) async fn org_user_in(
    tx: &mut WriteTx,
    org_id: &ObjectId,
    user_id: &ObjectId,
    now: UnixSeconds,
) -> ServiceResult<Option<OrgUser>> {
    let (members, invitations) = tx.org_people(org_id).await?;
    Ok(users::org_users(members, invitations, now).into_iter().find(|user| user.id == *user_id))
}

/// A member after gaining roles in one project.
fn granted(current: OrgUser, project_id: &ObjectId, roles: Vec<String>) -> OrgUser {
    let assignment = users::with_project_roles(&current, project_id, Some(roles));
    OrgUser { project_roles: assignment.project_roles, ..current }
}
