//! The deprecated `/users` calls (Atlas spec: createUser, getUser, getUserByName; sunset 2027-07-01): MongoDB
//! Cloud accounts, seen from the caller's organization.

use super::invitations::{Origin, insert_checked};
use super::users::UserQuery;
use super::{Service, ServiceResult};
use crate::domain::accounts::{self, AccountInput};
use crate::domain::events::Actor;
use crate::domain::invitation::{self, InviteeStanding, OrgContext};
use crate::domain::username::normalize;
use crate::domain::users::{MembershipStatus, OrgUser};
use crate::domain::{DomainError, ObjectId, Org, Principal, RoleCatalog, User};

impl Service {
    /// A user the caller's organization knows, with the ids of that org's projects: its members and its pending
    /// users only, so people of other orgs stay private.
    pub async fn user_by_username(
        &self,
        principal: &Principal,
        username: &str,
    ) -> ServiceResult<(User, Vec<ObjectId>)> {
        let user = self.store.read().await?.user_by_username(&normalize(username)).await?;
        match user {
            Some(user) if self.known_to_org(&principal.org, &user).await? => {
                self.with_org_projects(principal, user).await
            }
            _ => Err(DomainError::UsernameNotFound(username.to_string()).into()),
        }
    }

    pub async fn user_by_id(&self, principal: &Principal, user_id: &ObjectId) -> ServiceResult<(User, Vec<ObjectId>)> {
        let user = self.store.read().await?.user(user_id).await?;
        match user {
            Some(user) if self.known_to_org(&principal.org, &user).await? => {
                self.with_org_projects(principal, user).await
            }
            _ => Err(DomainError::UserNotFound(*user_id).into()),
        }
    }

    /// The accounts of some of the org's active users (the deprecated lists answer CloudAppUser), with the ids
    /// of the org's projects their roles are shown for.
    pub async fn accounts_of(&self, org: &Org, people: &[OrgUser]) -> ServiceResult<(Vec<User>, Vec<ObjectId>)> {
        let mut db = self.store.read().await?;
        let mut accounts = Vec::with_capacity(people.len());
        for person in people.iter().filter(|person| person.status == MembershipStatus::Active) {
            accounts.extend(db.user(&person.id).await?);
        }
        let project_ids = db.projects(Some(&org.id)).await?.into_iter().map(|p| p.id).collect();
        Ok((accounts, project_ids))
    }

    /// createUser: the account, with no roles; the roles asked for become one invitation to the caller's org,
    /// made in the same transaction. Organization Owners only, as for any invitation.
    pub async fn create_account(
        &self,
        catalog: &RoleCatalog,
        principal: &Principal,
        input: AccountInput,
    ) -> ServiceResult<User> {
        let org = &principal.org;
        principal.authorize_org_invitations(&org.id)?;
        let planned = accounts::plan_account(input, org)?;
        let (project_ids, team_ids) = self.org_contents(org).await?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        let username_norm = normalize(&planned.username);
        let user_id = tx.lock_user(&ObjectId::new(now), &planned.username, &username_norm, now).await?;
        let existing = tx.user(&user_id).await?.ok_or(DomainError::UserNotFound(user_id))?;
        if accounts::has_account(&existing) {
            return Err(DomainError::AccountExists(planned.username).into());
        }
        tx.set_profile(&user_id, &planned.profile).await?;
        tx.open_account(&user_id, now).await?;
        if let Some(input) = planned.invitation {
            let ctx = OrgContext { org, project_ids: &project_ids, team_ids: &team_ids };
            let standing = InviteeStanding { user_id: Some(user_id), org_member: false, project_member: false };
            let planned = invitation::plan_org_invitation(catalog, &ctx, input, &principal.name, standing, now)?;
            insert_checked(&mut tx, &Actor::of(principal), planned, now, Origin::Explicit).await?;
        }
        let created = tx.user(&user_id).await?.ok_or(DomainError::UserNotFound(user_id))?;
        tx.commit().await?;
        Ok(created)
    }

    /// Whether the person is a member or a pending user of the org.
    async fn known_to_org(&self, org: &Org, user: &User) -> ServiceResult<bool> {
        if user.org_roles.contains_key(&org.id) {
            return Ok(true);
        }
        let pending = UserQuery { username: None, statuses: vec![MembershipStatus::Pending] };
        Ok(self.list_org_users(org, &pending).await?.iter().any(|u| u.id == user.id))
    }

    async fn with_org_projects(&self, principal: &Principal, user: User) -> ServiceResult<(User, Vec<ObjectId>)> {
        let projects = self.store.read().await?.projects(Some(&principal.org.id)).await?;
        Ok((user, projects.into_iter().map(|p| p.id).collect()))
    }
}
