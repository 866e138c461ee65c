//! The invitation operations: each takes the caller, checks the path ids and the caller's rights, applies the
//! domain rules and persists the result. Handlers for every API surface call these; none of them repeats a rule.

use std::sync::Arc;

use crate::clock::SharedClock;
use crate::domain::ids::{is_object_id, new_object_id};
use crate::domain::invitation::{
    self, InviteeStanding, MAX_PENDING_PER_SCOPE, OrgContext, OrgInvitationInput, ProjectInvitationInput,
};
use crate::domain::username::normalize;
use crate::domain::{Invitation, InvitationKind, Org, Principal, Project, RoleCatalog, User};
use crate::error::ApiError;
use crate::store::{Store, StoreError};

pub struct InvitationService {
    store: Arc<dyn Store>,
    clock: SharedClock,
}

/// A project the caller may manage invitations of, with its org (invitation bodies show both names).
pub struct ProjectScope {
    pub project: Project,
    pub org: Org,
}

impl InvitationService {
    pub fn new(store: Arc<dyn Store>, clock: SharedClock) -> Self {
        InvitationService { store, clock }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Checks, in Atlas's order: the id's shape (404 INVALID_GROUP_ID), the project's existence
    /// (404 GROUP_NOT_FOUND, as real Atlas answers an authenticated caller), then the caller's rights (401).
    pub async fn project_scope(
        &self,
        principal: &Principal,
        group_id: &str,
        catalog: &RoleCatalog,
    ) -> Result<ProjectScope, ApiError> {
        let project = self.readable_project(principal, group_id).await?;
        principal.authorize_project_invitations(&project, catalog)?;
        let org = self.store.org(&project.org_id).await.map_err(internal)?.ok_or_else(ApiError::unexpected)?;
        Ok(ProjectScope { project, org })
    }

    /// The project itself, for callers who may see it.
    pub async fn readable_project(&self, principal: &Principal, group_id: &str) -> Result<Project, ApiError> {
        if !is_object_id(group_id) {
            return Err(ApiError::invalid_group_id(group_id));
        }
        let project =
            self.store.project(group_id).await.map_err(internal)?.ok_or_else(|| ApiError::group_not_found(group_id))?;
        principal.authorize_project_read(&project)?;
        Ok(project)
    }

    pub async fn org_scope(&self, principal: &Principal, org_id: &str) -> Result<Org, ApiError> {
        let org = self.readable_org(principal, org_id).await?;
        principal.authorize_org_invitations(&org.id)?;
        Ok(org)
    }

    pub async fn readable_org(&self, principal: &Principal, org_id: &str) -> Result<Org, ApiError> {
        if !is_object_id(org_id) {
            return Err(ApiError::invalid_org_id(org_id));
        }
        let org = self.store.org(org_id).await.map_err(internal)?.ok_or_else(|| ApiError::org_not_found(org_id))?;
        principal.authorize_org_read(&org.id)?;
        Ok(org)
    }

    // --- project invitations ---

    pub async fn list_project_invitations(
        &self,
        scope: &ProjectScope,
        username: Option<&str>,
    ) -> Result<Vec<Invitation>, ApiError> {
        let filter = username.map(normalize);
        self.store
            .invitations(InvitationKind::Project, &scope.project.id, filter.as_deref(), self.now())
            .await
            .map_err(internal)
    }

    pub async fn project_invitation(&self, scope: &ProjectScope, invitation_id: &str) -> Result<Invitation, ApiError> {
        self.pending(InvitationKind::Project, &scope.project.id, invitation_id).await
    }

    pub async fn create_project_invitation(
        &self,
        catalog: &RoleCatalog,
        principal: &Principal,
        scope: &ProjectScope,
        input: ProjectInvitationInput,
    ) -> Result<Invitation, ApiError> {
        let now = self.now();
        let standing = match &input.username {
            Some(username) => self.standing(&scope.org.id, Some(&scope.project.id), username).await?,
            None => InviteeStanding::default(),
        };
        let planned =
            invitation::plan_project_invitation(catalog, &scope.project, input, &principal.name, standing, now)?;
        self.store
            .insert_project_invitation(&planned, now)
            .await
            .map_err(|e| creation_error(e, &planned.invitation))?;
        Ok(planned.invitation)
    }

    pub async fn update_project_invitation(
        &self,
        catalog: &RoleCatalog,
        scope: &ProjectScope,
        invitation_id: &str,
        roles: Option<Vec<String>>,
    ) -> Result<Invitation, ApiError> {
        let current = self.project_invitation(scope, invitation_id).await?;
        let updated = invitation::update_project_invitation(catalog, &current, roles)?;
        self.persist_update(updated).await
    }

    /// PATCH on the collection: the invitation is the pending one with that username.
    pub async fn update_project_invitation_by_username(
        &self,
        catalog: &RoleCatalog,
        scope: &ProjectScope,
        input: ProjectInvitationInput,
    ) -> Result<Invitation, ApiError> {
        let current = self.pending_by_username(InvitationKind::Project, &scope.project.id, input.username).await?;
        let updated = invitation::update_project_invitation(catalog, &current, input.roles)?;
        self.persist_update(updated).await
    }

    pub async fn delete_project_invitation(&self, scope: &ProjectScope, invitation_id: &str) -> Result<(), ApiError> {
        self.delete(InvitationKind::Project, &scope.project.id, invitation_id).await
    }

    // --- org invitations ---

    pub async fn list_org_invitations(&self, org: &Org, username: Option<&str>) -> Result<Vec<Invitation>, ApiError> {
        let filter = username.map(normalize);
        self.store.invitations(InvitationKind::Org, &org.id, filter.as_deref(), self.now()).await.map_err(internal)
    }

    pub async fn org_invitation(&self, org: &Org, invitation_id: &str) -> Result<Invitation, ApiError> {
        self.pending(InvitationKind::Org, &org.id, invitation_id).await
    }

    pub async fn create_org_invitation(
        &self,
        catalog: &RoleCatalog,
        principal: &Principal,
        org: &Org,
        input: OrgInvitationInput,
    ) -> Result<Invitation, ApiError> {
        let now = self.now();
        let standing = match &input.username {
            Some(username) => self.standing(&org.id, None, username).await?,
            None => InviteeStanding::default(),
        };
        let (project_ids, team_ids) = self.org_contents(org).await?;
        let ctx = OrgContext { org, project_ids: &project_ids, team_ids: &team_ids };
        let planned = invitation::plan_org_invitation(catalog, &ctx, input, &principal.name, standing, now)?;
        self.store.insert_org_invitation(&planned, now).await.map_err(|e| creation_error(e, &planned))?;
        Ok(planned)
    }

    pub async fn update_org_invitation(
        &self,
        catalog: &RoleCatalog,
        org: &Org,
        invitation_id: &str,
        input: OrgInvitationInput,
    ) -> Result<Invitation, ApiError> {
        let current = self.org_invitation(org, invitation_id).await?;
        self.apply_org_update(catalog, org, current, input).await
    }

    pub async fn update_org_invitation_by_username(
        &self,
        catalog: &RoleCatalog,
        org: &Org,
        mut input: OrgInvitationInput,
    ) -> Result<Invitation, ApiError> {
        let current = self.pending_by_username(InvitationKind::Org, &org.id, input.username.take()).await?;
        self.apply_org_update(catalog, org, current, input).await
    }

    pub async fn delete_org_invitation(&self, org: &Org, invitation_id: &str) -> Result<(), ApiError> {
        self.delete(InvitationKind::Org, &org.id, invitation_id).await
    }

    // --- acceptance and supporting reads ---

    /// The invitee accepts: the grants are applied and the invitation is gone, in one transaction.
    pub async fn accept_invitation(&self, invitation_id: &str) -> Result<Invitation, ApiError> {
        let now = self.now();
        if !is_object_id(invitation_id) {
            return Err(ApiError::invalid_invitation_id(invitation_id));
        }
        self.store
            .accept_invitation(invitation_id, &new_object_id(now), now)
            .await
            .map_err(internal)?
            .ok_or_else(|| ApiError::invalid_invitation_id(invitation_id))
    }

    /// A user the caller's organization knows: members of it only, so usernames of other orgs stay private.
    pub async fn user_by_username(&self, principal: &Principal, username: &str) -> Result<User, ApiError> {
        let user = self.store.user_by_username(&normalize(username)).await.map_err(internal)?;
        match user {
            Some(user) if user.org_roles.contains_key(&principal.org_id) => Ok(user),
            _ => Err(ApiError::username_not_found(username)),
        }
    }

    // --- shared steps ---

    async fn standing(
        &self,
        org_id: &str,
        project_id: Option<&str>,
        username: &str,
    ) -> Result<InviteeStanding, ApiError> {
        let membership = self.store.membership(org_id, project_id, &normalize(username)).await.map_err(internal)?;
        Ok(InviteeStanding { org_member: membership.org_member, project_member: membership.project_member })
    }

    async fn org_contents(&self, org: &Org) -> Result<(Vec<String>, Vec<String>), ApiError> {
        let projects = self.store.projects(Some(&org.id)).await.map_err(internal)?;
        let teams = self.store.teams(Some(&org.id)).await.map_err(internal)?;
        Ok((projects.into_iter().map(|p| p.id).collect(), teams.into_iter().map(|t| t.id).collect()))
    }

    async fn apply_org_update(
        &self,
        catalog: &RoleCatalog,
        org: &Org,
        current: Invitation,
        input: OrgInvitationInput,
    ) -> Result<Invitation, ApiError> {
        let (project_ids, team_ids) = self.org_contents(org).await?;
        let ctx = OrgContext { org, project_ids: &project_ids, team_ids: &team_ids };
        let updated = invitation::update_org_invitation(catalog, &ctx, &current, input)?;
        self.persist_update(updated).await
    }

    /// An invitation id from another scope, of the other kind, expired or malformed is answered exactly like one
    /// that never existed (404 INVALID_INVITATION_ID, seen from Atlas after acceptance).
    async fn pending(&self, kind: InvitationKind, scope_id: &str, invitation_id: &str) -> Result<Invitation, ApiError> {
        if !is_object_id(invitation_id) {
            return Err(ApiError::invalid_invitation_id(invitation_id));
        }
        self.store
            .invitation(kind, scope_id, invitation_id, self.now())
            .await
            .map_err(internal)?
            .ok_or_else(|| ApiError::invalid_invitation_id(invitation_id))
    }

    async fn pending_by_username(
        &self,
        kind: InvitationKind,
        scope_id: &str,
        username: Option<String>,
    ) -> Result<Invitation, ApiError> {
        let username = username.ok_or_else(|| ApiError::missing_attribute("username"))?;
        self.store
            .invitation_by_username(kind, scope_id, &normalize(&username), self.now())
            .await
            .map_err(internal)?
            .ok_or_else(|| ApiError::invitation_not_found_for_username(&username))
    }

    async fn persist_update(&self, updated: Invitation) -> Result<Invitation, ApiError> {
        if self.store.update_invitation(&updated, self.now()).await.map_err(internal)? {
            Ok(updated)
        } else {
            // Deleted, accepted or expired between the read and the write.
            Err(ApiError::invalid_invitation_id(&updated.id))
        }
    }

    async fn delete(&self, kind: InvitationKind, scope_id: &str, invitation_id: &str) -> Result<(), ApiError> {
        if !is_object_id(invitation_id) {
            return Err(ApiError::invalid_invitation_id(invitation_id));
        }
        if self.store.delete_invitation(kind, scope_id, invitation_id, self.now()).await.map_err(internal)? {
            Ok(())
        } else {
            Err(ApiError::invalid_invitation_id(invitation_id))
        }
    }
}

fn creation_error(err: StoreError, invitation: &Invitation) -> ApiError {
    match err {
        StoreError::Conflict => ApiError::user_already_invited(&invitation.username, invitation.scope_id()),
        StoreError::LimitReached(full) => ApiError::max_pending_invitations(full, MAX_PENDING_PER_SCOPE),
        other => internal(other),
    }
}

/// Store failures are logged here and reach the client only as a generic 500 (or 503 when the database is
/// unreachable): no SQL or driver text leaves the server.
pub fn internal(err: StoreError) -> ApiError {
    tracing::error!(error = %err, "store failure");
    match err {
        StoreError::Unavailable(_) => ApiError::service_unavailable(),
        _ => ApiError::unexpected(),
    }
}
