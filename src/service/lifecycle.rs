//! What happens to an invitation after it is made: the invitee accepts or declines it, through the link's
//! token (the invitee page, the test-harness endpoint) or by id (`atlas-invites admin`). Atlas lets only a
//! person do this (https://www.mongodb.com/docs/atlas/invitations/); this server lets tests do it too.

use super::{Service, ServiceResult};
use crate::auth::links::LinkSigner;
use crate::clock::UnixSeconds;
use crate::domain::events::{Actor, Event, EventType};
use crate::domain::invitation::{self, Invitation, InvitationKind};
use crate::domain::username::normalize;
use crate::domain::{DomainError, ObjectId, Org, Project};
use crate::store::{MembershipScope, WriteTx};

/// What a link leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    /// A pending invitation, with the org (and project) it is to.
    Pending {
        invitation: Invitation,
        org: Org,
        project: Option<Project>,
    },
    Expired(Invitation),
    Declined(Invitation),
    /// Accepted, deleted, replaced by a newer invitation, or never issued: nothing to act on.
    Gone,
}

impl Service {
    /// The token of the invitation's link (see auth::links).
    pub fn link_token(&self, invitation: &Invitation) -> String {
        self.verifier.links().token(&invitation.id, invitation.created_at)
    }

    /// What the link's token names, as the invitee page shows it.
    pub async fn link_target(&self, token: &str) -> ServiceResult<LinkTarget> {
        let Some(invitation) = self.linked_invitation(token).await? else { return Ok(LinkTarget::Gone) };
        let now = self.now();
        if invitation.declined_at.is_some() {
            return Ok(LinkTarget::Declined(invitation));
        }
        if !invitation.is_pending(now) {
            return Ok(LinkTarget::Expired(invitation));
        }
        let mut db = self.store.read().await?;
        let org = db.org(&invitation.org_id).await?.ok_or(DomainError::OrgNotFound(invitation.org_id))?;
        let project = match invitation.project_id {
            Some(project_id) => db.project(&project_id).await?,
            None => None,
        };
        Ok(LinkTarget::Pending { invitation, org, project })
    }

    pub async fn accept_by_link(&self, token: &str) -> ServiceResult<Invitation> {
        let invitation = self.pending_linked_invitation(token).await?;
        self.accept(&invitation.id, Acceptor::Invitee).await
    }

    pub async fn decline_by_link(&self, token: &str) -> ServiceResult<Invitation> {
        let invitation = self.pending_linked_invitation(token).await?;
        self.decline_invitation(&invitation.id).await
    }

    async fn linked_invitation(&self, token: &str) -> ServiceResult<Option<Invitation>> {
        let Some(invitation_id) = LinkSigner::invitation_id(token) else { return Ok(None) };
        let invitation = self.store.read().await?.invitation_in_any_state(&invitation_id).await?;
        Ok(invitation.filter(|i| self.verifier.links().matches(token, &i.id, i.created_at)))
    }

    /// The pending invitation a token names; any other token is answered as an unknown invitation.
    async fn pending_linked_invitation(&self, token: &str) -> ServiceResult<Invitation> {
        let now = self.now();
        let found = self.linked_invitation(token).await?.filter(|invitation| invitation.is_pending(now));
        Ok(found.ok_or(DomainError::LinkNotValid)?)
    }

    /// The invitee accepts: the grants are applied and the invitation is gone, in one transaction; exactly one of
    /// a concurrent accept and delete wins. A project invitation takes its companion org invitation with it
    /// (the person has joined the org), granting that one's roles too.
    pub async fn accept_invitation(&self, invitation_id: &ObjectId) -> ServiceResult<Invitation> {
        self.accept(invitation_id, Acceptor::Operator).await
    }

    async fn accept(&self, invitation_id: &ObjectId, acceptor: Acceptor) -> ServiceResult<Invitation> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let invitation = locked_pending(&mut tx, invitation_id, now).await?;
        let mut accepted = vec![invitation.clone()];
        if let Some(companion) = companion_of(&mut tx, &invitation, now).await? {
            accepted.extend(tx.lock_pending_invitation(&companion.id, now).await?);
        }
        let user_id =
            tx.lock_user(&invitation.user_id, &invitation.username, &normalize(&invitation.username), now).await?;
        tx.activate_user(&user_id, now).await?;
        let actor = match acceptor {
            Acceptor::Invitee => Actor::Person { user_id, username: invitation.username.clone() },
            Acceptor::Operator => Actor::Operator,
        };
        let joined = |event_type, project_id| {
            Event::about_user(event_type, &actor, invitation.org_id, project_id, &invitation.username, now)
        };
        for one in &accepted {
            let granted = invitation::acceptance(one);
            if grant(&mut tx, MembershipScope::Org, &granted.org_id, &user_id, &granted.org_roles).await? {
                tx.insert_event(&joined(EventType::JoinedOrg, None)).await?;
            }
            for (project_id, roles) in &granted.project_roles {
                if grant(&mut tx, MembershipScope::Project, project_id, &user_id, roles).await? {
                    tx.insert_event(&joined(EventType::JoinedGroup, Some(*project_id))).await?;
                }
            }
            for team_id in &granted.team_ids {
                tx.add_team_member(team_id, &user_id).await?;
                tx.insert_event(&joined(EventType::JoinedTeam, None)).await?;
            }
            tx.remove_invitation(&one.id).await?;
        }
        tx.commit().await?;
        Ok(invitation)
    }

    /// The invitee declines: an org invitation stays as the INVITATION_REJECTED user it makes (until a new
    /// invitation replaces it); a project invitation goes, and its companion org invitation is declined with it.
    pub async fn decline_invitation(&self, invitation_id: &ObjectId) -> ServiceResult<Invitation> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let invitation = locked_pending(&mut tx, invitation_id, now).await?;
        let declined_org_invitation = match invitation.kind {
            InvitationKind::Org => Some(invitation.clone()),
            InvitationKind::Project => {
                tx.remove_invitation(&invitation.id).await?;
                companion_of(&mut tx, &invitation, now).await?
            }
        };
        if let Some(org_invitation) = declined_org_invitation {
            tx.rewrite_invitation(&Invitation { declined_at: Some(now), ..org_invitation }).await?;
        }
        tx.commit().await?;
        Ok(Invitation { declined_at: Some(now), ..invitation })
    }
}

/// The pending invitation, under its row lock: a concurrent accept, decline or delete waits, then finds it gone.
async fn locked_pending(tx: &mut WriteTx, invitation_id: &ObjectId, now: UnixSeconds) -> ServiceResult<Invitation> {
    Ok(tx.lock_pending_invitation(invitation_id, now).await?.ok_or(DomainError::InvitationNotFound(*invitation_id))?)
}

/// The pending org invitation made together with a project invitation, if it is still a companion.
async fn companion_of(
    tx: &mut WriteTx,
    invitation: &Invitation,
    now: UnixSeconds,
) -> ServiceResult<Option<Invitation>> {
    if invitation.kind != InvitationKind::Project {
        return Ok(None);
    }
    let norm = normalize(&invitation.username);
    let org_invitations = tx.invitations(InvitationKind::Org, &invitation.org_id, Some(&norm), now).await?;
    Ok(org_invitations.into_iter().find(|candidate| candidate.companion))
}

/// Who accepts: the person through the link, or an operator on their behalf (`atlas-invites admin`).
#[derive(Clone, Copy)]
enum Acceptor {
    Invitee,
    Operator,
}

/// Adds the roles to the user's membership of the org or project; true when that made the user a member.
async fn grant(
    tx: &mut WriteTx,
    scope: MembershipScope,
    scope_id: &ObjectId,
    user_id: &ObjectId,
    roles: &[String],
) -> ServiceResult<bool> {
    let held = tx.member_roles(scope, scope_id, user_id).await?;
    let merged = invitation::merge_roles(held.as_deref().unwrap_or_default(), roles);
    tx.set_member_roles(scope, scope_id, user_id, &merged).await?;
    Ok(held.is_none())
}
