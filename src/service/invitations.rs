//! The invitation operations: the 12 Atlas operations (on every API surface) and accepting on the invitee's
//! behalf.

use super::{Error, ProjectScope, Service, ServiceResult};
use crate::clock::UnixSeconds;
use crate::domain::events::{Actor, Event, EventType};
use crate::domain::invitation::{
    self, InviteeStanding, NewProjectInvitation, OrgContext, OrgInvitationInput, ProjectInvitationInput,
};
use crate::domain::username::normalize;
use crate::domain::users;
use crate::domain::{DomainError, DomainResult, Invitation, InvitationKind, ObjectId, Org, Principal, RoleCatalog};
use crate::store::{StoreError, WriteTx};

impl Service {
    // --- project invitations ---

    pub async fn list_project_invitations(
        &self,
        scope: &ProjectScope,
        username: Option<&str>,
    ) -> ServiceResult<Vec<Invitation>> {
        self.list(InvitationKind::Project, &scope.project.id, username).await
    }

    pub async fn project_invitation(
        &self,
        scope: &ProjectScope,
        invitation_id: &ObjectId,
    ) -> ServiceResult<Invitation> {
        self.pending(InvitationKind::Project, &scope.project.id, invitation_id).await
    }

    pub async fn create_project_invitation(
        &self,
        catalog: &RoleCatalog,
        principal: &Principal,
        scope: &ProjectScope,
        input: ProjectInvitationInput,
    ) -> ServiceResult<Invitation> {
        let now = self.now();
        let standing = self.standing(&scope.org.id, Some(&scope.project.id), input.username.as_deref()).await?;
        let planned =
            invitation::plan_project_invitation(catalog, &scope.project, input, &principal.name, standing, now)?;
        let NewProjectInvitation { invitation, companion_org_invitation } = planned;
        let mut tx = self.store.write().await?;
        // The project's lock is taken before the org's, here and everywhere.
        let invitation = insert_checked(&mut tx, &Actor::of(principal), invitation, now, Origin::Explicit).await?;
        if let Some(companion) = companion_org_invitation {
            insert_checked(&mut tx, &Actor::of(principal), companion, now, Origin::Companion).await?;
        }
        tx.commit().await?;
        Ok(invitation)
    }

    pub async fn update_project_invitation(
        &self,
        catalog: &RoleCatalog,
        scope: &ProjectScope,
        invitation_id: &ObjectId,
        roles: Option<Vec<String>>,
    ) -> ServiceResult<Invitation> {
        let target = Target::Id(*invitation_id);
        self.update_locked(&scope.org, InvitationKind::Project, &scope.project.id, target, |current, _| {
            invitation::update_project_invitation(catalog, current, roles)
        })
        .await
    }

    /// PATCH on the collection: the invitation is the pending one with that username.
    pub async fn update_project_invitation_by_username(
        &self,
        catalog: &RoleCatalog,
        scope: &ProjectScope,
        input: ProjectInvitationInput,
    ) -> ServiceResult<Invitation> {
        let target = Target::Username(input.username);
        self.update_locked(&scope.org, InvitationKind::Project, &scope.project.id, target, |current, _| {
            invitation::update_project_invitation(catalog, current, input.roles)
        })
        .await
    }

    pub async fn delete_project_invitation(&self, scope: &ProjectScope, invitation_id: &ObjectId) -> ServiceResult<()> {
        self.delete(InvitationKind::Project, &scope.project.id, invitation_id).await
    }

    // --- org invitations ---

    pub async fn list_org_invitations(&self, org: &Org, username: Option<&str>) -> ServiceResult<Vec<Invitation>> {
        self.list(InvitationKind::Org, &org.id, username).await
    }

    pub async fn org_invitation(&self, org: &Org, invitation_id: &ObjectId) -> ServiceResult<Invitation> {
        self.pending(InvitationKind::Org, &org.id, invitation_id).await
    }

    pub async fn create_org_invitation(
        &self,
        catalog: &RoleCatalog,
        principal: &Principal,
        org: &Org,
        input: OrgInvitationInput,
    ) -> ServiceResult<Invitation> {
        let now = self.now();
        let standing = self.standing(&org.id, None, input.username.as_deref()).await?;
        let (project_ids, team_ids) = self.org_contents(org).await?;
        let ctx = OrgContext { org, project_ids: &project_ids, team_ids: &team_ids };
        let planned = invitation::plan_org_invitation(catalog, &ctx, input, &principal.name, standing, now)?;
        let mut tx = self.store.write().await?;
        let invitation = insert_checked(&mut tx, &Actor::of(principal), planned, now, Origin::Explicit).await?;
        tx.commit().await?;
        Ok(invitation)
    }

    pub async fn update_org_invitation(
        &self,
        catalog: &RoleCatalog,
        org: &Org,
        invitation_id: &ObjectId,
        input: OrgInvitationInput,
    ) -> ServiceResult<Invitation> {
        self.update_locked(org, InvitationKind::Org, &org.id, Target::Id(*invitation_id), |current, ctx| {
            invitation::update_org_invitation(catalog, ctx, current, input)
        })
        .await
    }

    pub async fn update_org_invitation_by_username(
        &self,
        catalog: &RoleCatalog,
        org: &Org,
        mut input: OrgInvitationInput,
    ) -> ServiceResult<Invitation> {
        let target = Target::Username(input.username.take());
        self.update_locked(org, InvitationKind::Org, &org.id, target, |current, ctx| {
            invitation::update_org_invitation(catalog, ctx, current, input)
        })
        .await
    }

    pub async fn delete_org_invitation(&self, org: &Org, invitation_id: &ObjectId) -> ServiceResult<()> {
        self.delete(InvitationKind::Org, &org.id, invitation_id).await
    }

    /// Any pending invitation by id, whatever its scope (operators see every org).
    pub async fn any_invitation(&self, invitation_id: &ObjectId) -> ServiceResult<Invitation> {
        self.store
            .read()
            .await?
            .invitation_by_id(invitation_id, self.now())
            .await?
            .ok_or(Error::Domain(DomainError::InvitationNotFound(*invitation_id)))
    }

    // --- shared steps ---

    /// `?username=` filters by exact username, compared without regard to case.
    async fn list(
        &self,
        kind: InvitationKind,
        scope_id: &ObjectId,
        username: Option<&str>,
    ) -> ServiceResult<Vec<Invitation>> {
        let filter = username.map(normalize);
        Ok(self.store.read().await?.invitations(kind, scope_id, filter.as_deref(), self.now()).await?)
    }

    async fn standing(
        &self,
        org_id: &ObjectId,
        project_id: Option<&ObjectId>,
        username: Option<&str>,
    ) -> ServiceResult<InviteeStanding> {
        let Some(username) = username else { return Ok(InviteeStanding::default()) };
        Ok(self.store.read().await?.standing(org_id, project_id, &normalize(username)).await?)
    }

    pub(super) async fn org_contents(&self, org: &Org) -> ServiceResult<(Vec<ObjectId>, Vec<ObjectId>)> {
        let mut db = self.store.read().await?;
        let projects = db.projects(Some(&org.id)).await?;
        let teams = db.teams(Some(&org.id)).await?;
        Ok((projects.into_iter().map(|p| p.id).collect(), teams.into_iter().map(|t| t.id).collect()))
    }

    /// An invitation id from another scope, of the other kind, or expired is answered exactly like one that
    /// never existed (404 INVALID_INVITATION_ID, seen from Atlas after acceptance).
    async fn pending(
        &self,
        kind: InvitationKind,
        scope_id: &ObjectId,
        invitation_id: &ObjectId,
    ) -> ServiceResult<Invitation> {
        self.store
            .read()
            .await?
            .invitation(kind, scope_id, invitation_id, self.now())
            .await?
            .ok_or(Error::Domain(DomainError::InvitationNotFound(*invitation_id)))
    }

    /// A PATCH as one read-modify-write: the pending invitation (by id, or the one with that username) is read
    /// under its row lock in a write transaction, changed and written, so two concurrent PATCHes both apply.
    async fn update_locked(
        &self,
        org: &Org,
        kind: InvitationKind,
        scope_id: &ObjectId,
        target: Target,
        change: impl FnOnce(&Invitation, &OrgContext<'_>) -> DomainResult<Invitation>,
    ) -> ServiceResult<Invitation> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let invitation_id = match target {
            Target::Id(id) => id,
            Target::Username(username) => {
                let username = username.ok_or(DomainError::MissingAttribute("username"))?;
                let found = tx.invitations(kind, scope_id, Some(&normalize(&username)), now).await?.into_iter().next();
                found.ok_or(DomainError::NoInvitationForUsername(username))?.id
            }
        };
        // Another scope's, the other kind's or an expired id is answered as one that never existed.
        let current = tx
            .lock_pending_invitation(&invitation_id, now)
            .await?
            .filter(|found| found.kind == kind && found.scope_id() == *scope_id)
            .ok_or(DomainError::InvitationNotFound(invitation_id))?;
        // Only an org invitation names projects and teams that must be the org's.
        let (project_ids, team_ids): (Vec<ObjectId>, Vec<ObjectId>) = match kind {
            InvitationKind::Org => (
                tx.projects(Some(&org.id)).await?.into_iter().map(|p| p.id).collect(),
                tx.teams(Some(&org.id)).await?.into_iter().map(|t| t.id).collect(),
            ),
            InvitationKind::Project => (Vec::new(), Vec::new()),
        };
        let updated = change(&current, &OrgContext { org, project_ids: &project_ids, team_ids: &team_ids })?;
        if !tx.update_invitation(&updated, now).await? {
            return Err(DomainError::InvitationNotFound(updated.id).into());
        }
        tx.commit().await?;
        Ok(updated)
    }

    async fn delete(&self, kind: InvitationKind, scope_id: &ObjectId, invitation_id: &ObjectId) -> ServiceResult<()> {
        if self.store.read().await?.delete_invitation(kind, scope_id, invitation_id, self.now()).await? {
            Ok(())
        } else {
            Err(DomainError::InvitationNotFound(*invitation_id).into())
        }
    }
}

/// Which pending invitation a PATCH names: by id, or (on the collection) by username.
enum Target {
    Id(ObjectId),
    Username(Option<String>),
}

/// Where a new invitation comes from, which decides what an existing pending one for the same scope and
/// username means.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    /// Asked for (a project or an org invitation): it conflicts with a pending one, except that an org
    /// invitation takes over a pending companion.
    Explicit,
    /// The org invitation made with a project invitation: a pending org invitation is kept as it is, and the
    /// project invitation goes ahead.
    Companion,
}

/// Inserts one invitation in `tx` as `place` does, with the event Atlas writes for it (INVITED_TO_ORG, also
/// for a companion org invitation, or INVITED_TO_GROUP — recorded events). Returns the invitation as stored.
pub(super) async fn insert_checked(
    tx: &mut WriteTx,
    actor: &Actor,
    invitation: Invitation,
    now: UnixSeconds,
    origin: Origin,
) -> ServiceResult<Invitation> {
    let (stored, is_new) = place(tx, invitation, now, origin).await?;
    if is_new {
        let event_type = match stored.kind {
            InvitationKind::Org => EventType::InvitedToOrg,
            InvitationKind::Project => EventType::InvitedToGroup,
        };
        let event = Event::about_user(event_type, actor, stored.org_id, stored.project_id, &stored.username, now);
        tx.insert_event(&event).await?;
    }
    Ok(stored)
}

/// Inserts one invitation, replacing an expired or declined one for the same username, within the scope's cap
/// of users and pending invitations; the invited person's user row is made if the username is new. Returns the
/// invitation as stored (a companion taken over keeps its id and user) and whether it is a new invitation (a
/// companion that found a pending org invitation is not).
async fn place(
    tx: &mut WriteTx,
    mut invitation: Invitation,
    now: UnixSeconds,
    origin: Origin,
) -> ServiceResult<(Invitation, bool)> {
    let (kind, scope_id) = (invitation.kind, invitation.scope_id());
    let username_norm = normalize(&invitation.username);
    tx.lock_scope(kind, &scope_id).await?;
    invitation.user_id = tx.lock_user(&invitation.user_id, &invitation.username, &username_norm, now).await?;
    tx.delete_lapsed_invitation(kind, &scope_id, &username_norm, now).await?;
    let existing = tx.invitations(kind, &scope_id, Some(&username_norm), now).await?.into_iter().next();
    let conflict = || DomainError::AlreadyInvited { username: invitation.username.clone(), scope_id };
    match (existing, origin) {
        (Some(_), Origin::Companion) => return Ok((invitation, false)),
        (Some(taken), Origin::Explicit) if taken.companion => {
            let taken_over = users::take_over_companion(&taken, invitation);
            tx.rewrite_invitation(&taken_over).await?;
            return Ok((taken_over, true));
        }
        (Some(_), _) => return Err(conflict().into()),
        (None, _) => {}
    }
    invitation::ensure_capacity(kind, tx.pending_count(kind, &scope_id, now).await?)?;
    match tx.insert_invitation(&invitation, origin == Origin::Companion).await {
        Ok(inserted) => Ok((invitation, inserted)),
        // A concurrent create won the unique index (possible on PostgreSQL between the read and the insert).
        Err(StoreError::Conflict) => Err(conflict().into()),
        Err(other) => Err(other.into()),
    }
}
