//! Operator actions: the directory (orgs, projects, teams, users), API keys and service accounts, and the
//! first-start bootstrap. Used by `atlas-invites admin`, fixture files and `serve`; every check here guards
//! the store, not an HTTP caller, and refusals are domain errors the command line prints as sentences.

use std::collections::BTreeMap;

use super::{Service, ServiceResult};
use crate::auth::digest::{self, Algorithm};
use crate::auth::oauth;
use crate::domain::access::parse_access_list_entry;
use crate::domain::username::{self, normalize};
use crate::domain::{
    ApiKey, DomainError, Grants, Invitation, InvitationKind, ObjectId, Org, Project, RoleCatalog, ServiceAccount, Team,
    User,
};
use crate::state::FixtureLock;
use crate::store::MembershipScope;

/// A new API key and the private key that exists only in this value: the store keeps digest hashes.
pub struct IssuedKey {
    pub record: ApiKey,
    pub private_key: String,
}

/// A pending invitation with the org and (for project invitations) the project it belongs to.
pub struct InvitationListing {
    pub invitation: Invitation,
    pub org: Org,
    pub project: Option<Project>,
}

fn invalid(sentence: String) -> DomainError {
    DomainError::Invalid(sentence)
}

fn ensure(condition: bool, sentence: impl FnOnce() -> String) -> ServiceResult<()> {
    if condition { Ok(()) } else { Err(invalid(sentence()).into()) }
}

impl Service {
    async fn existing_org(&self, org_id: &ObjectId) -> ServiceResult<Org> {
        Ok(self.store.read().await?.org(org_id).await?.ok_or(DomainError::OrgNotFound(*org_id))?)
    }

    /// Creates the org, or renames the one with that id. `api_access_list_required` None keeps the setting.
    pub async fn put_org(
        &self,
        id: Option<ObjectId>,
        name: &str,
        api_access_list_required: Option<bool>,
    ) -> ServiceResult<Org> {
        ensure(!name.trim().is_empty(), || "an organization needs a name".into())?;
        let id = id.unwrap_or_else(|| ObjectId::new(self.now()));
        let mut db = self.store.read().await?;
        let existing = db.org(&id).await?;
        let org = Org {
            id,
            name: name.to_string(),
            created_at: existing.as_ref().map_or(self.now(), |o| o.created_at),
            api_access_list_required: api_access_list_required
                .unwrap_or_else(|| existing.is_some_and(|o| o.api_access_list_required)),
        };
        db.upsert_org(&org).await?;
        Ok(org)
    }

    pub async fn put_project(&self, org_id: &ObjectId, id: Option<ObjectId>, name: &str) -> ServiceResult<Project> {
        ensure(!name.trim().is_empty(), || "a project needs a name".into())?;
        self.existing_org(org_id).await?;
        let id = id.unwrap_or_else(|| ObjectId::new(self.now()));
        let mut db = self.store.read().await?;
        let existing = db.project(&id).await?;
        if let Some(existing) = &existing {
            ensure(existing.org_id == *org_id, || format!("project {id} belongs to organization {}", existing.org_id))?;
        }
        let created_at = existing.map_or(self.now(), |p| p.created_at);
        let project = Project { id, org_id: *org_id, name: name.to_string(), created_at };
        db.upsert_project(&project).await?;
        Ok(project)
    }

    /// Creates the team (empty: fixtures and the command line add members through the users) or renames it,
    /// under the Teams API's rules for names and the org's team limit.
    pub async fn put_team(&self, org_id: &ObjectId, id: Option<ObjectId>, name: &str) -> ServiceResult<Team> {
        let org = self.existing_org(org_id).await?;
        let id = id.unwrap_or_else(|| ObjectId::new(self.now()));
        if let Some(existing) = self.store.read().await?.team(&id).await? {
            ensure(existing.org_id == *org_id, || format!("team {id} belongs to organization {}", existing.org_id))?;
        }
        self.put_named_team(&org, id, name).await
    }

    /// Creates or updates a member with exactly these memberships.
    pub async fn put_user(
        &self,
        username: &str,
        org_roles: BTreeMap<ObjectId, Vec<String>>,
        project_roles: BTreeMap<ObjectId, Vec<String>>,
        team_ids: Vec<ObjectId>,
    ) -> ServiceResult<User> {
        username::validate(username)?;
        let mut db = self.store.read().await?;
        for (org_id, roles) in &org_roles {
            db.org(org_id).await?.ok_or(DomainError::OrgNotFound(*org_id))?;
            check_roles(roles, RoleCatalog::any_knows_org_role, "organization")?;
        }
        for (project_id, roles) in &project_roles {
            let project = db.project(project_id).await?.ok_or(DomainError::ProjectNotFound(*project_id))?;
            ensure(org_roles.contains_key(&project.org_id), || {
                format!("{username} needs a role in organization {} to join project {project_id}", project.org_id)
            })?;
            check_roles(roles, RoleCatalog::any_knows_project_role, "project")?;
        }
        for team_id in &team_ids {
            let team = db.team(team_id).await?.ok_or_else(|| invalid(format!("there is no team with id {team_id}")))?;
            ensure(org_roles.contains_key(&team.org_id), || {
                format!("{username} needs a role in organization {} to join team {team_id}", team.org_id)
            })?;
        }
        drop(db);
        let now = self.now();
        let norm = normalize(username);
        let mut tx = self.store.write().await?;
        let user_id = tx.lock_user(&ObjectId::new(now), username, &norm, now).await?;
        tx.set_username(&user_id, username).await?;
        tx.activate_user(&user_id, now).await?;
        tx.clear_memberships(&user_id).await?;
        for (org_id, roles) in &org_roles {
            tx.set_member_roles(MembershipScope::Org, org_id, &user_id, roles).await?;
        }
        for (project_id, roles) in &project_roles {
            tx.set_member_roles(MembershipScope::Project, project_id, &user_id, roles).await?;
        }
        for team_id in &team_ids {
            tx.add_team_member(team_id, &user_id).await?;
        }
        let user = tx.user_by_username(&norm).await?;
        tx.commit().await?;
        Ok(user.ok_or_else(|| invalid(format!("{username} could not be stored")))?)
    }

    /// Creates an API key, or replaces the one with this public key. Keys without a given public or private
    /// key get generated ones in Atlas's shapes (8 lowercase letters; a UUID).
    pub async fn put_api_key(
        &self,
        org_id: &ObjectId,
        grants: Grants,
        public_key: Option<String>,
        private_key: Option<String>,
        description: &str,
    ) -> ServiceResult<IssuedKey> {
        self.check_grants(org_id, &grants).await?;
        let public_key = public_key.unwrap_or_else(generate_public_key);
        ensure(
            !public_key.is_empty()
                && public_key.len() <= 64
                && public_key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            || "a public key is 1 to 64 letters, digits, '-' or '_'".into(),
        )?;
        let private_key = private_key.unwrap_or_else(generate_private_key);
        ensure(private_key.len() >= 8 && private_key.len() <= 128 && private_key.is_ascii(), || {
            "a private key is 8 to 128 ASCII characters".into()
        })?;
        let mut db = self.store.read().await?;
        let existing = db.api_key(&public_key).await?.map(|(key, _)| key);
        let now = self.now();
        let record = ApiKey {
            id: existing.as_ref().map_or_else(|| ObjectId::new(now), |k| k.id),
            public_key: public_key.clone(),
            org_id: *org_id,
            description: description.to_string(),
            ha1_md5: digest::ha1(Algorithm::Md5, &public_key, &private_key),
            ha1_sha256: digest::ha1(Algorithm::Sha256, &public_key, &private_key),
            grants,
            created_at: existing.map_or(now, |k| k.created_at),
        };
        db.upsert_api_key(&record).await?;
        Ok(IssuedKey { record, private_key })
    }

    /// Roles and networks a credential of `org_id` may be given: roles of the Atlas lists, projects of that org,
    /// well-formed access-list entries.
    async fn check_grants(&self, org_id: &ObjectId, grants: &Grants) -> ServiceResult<()> {
        self.existing_org(org_id).await?;
        check_roles(&grants.org_roles, RoleCatalog::any_knows_org_role, "organization")?;
        ensure(!grants.org_roles.is_empty(), || "a credential needs at least one organization role".into())?;
        let mut db = self.store.read().await?;
        for (project_id, roles) in &grants.project_roles {
            let project = db.project(project_id).await?.ok_or(DomainError::ProjectNotFound(*project_id))?;
            ensure(project.org_id == *org_id, || format!("project {project_id} is not in organization {org_id}"))?;
            check_roles(roles, RoleCatalog::any_knows_project_role, "project")?;
        }
        for entry in &grants.access_list {
            ensure(parse_access_list_entry(entry).is_some(), || {
                format!("{entry:?} is not an IP address or CIDR block")
            })?;
        }
        Ok(())
    }

    /// Creates a service account, or replaces the one with this client id. Without a client id or secret,
    /// Atlas-shaped ones are generated (`mdb_sa_id_…`, `mdb_sa_sk_…`); only the secret's hash is stored.
    pub async fn put_service_account(
        &self,
        org_id: &ObjectId,
        grants: Grants,
        client_id: Option<String>,
        secret: Option<String>,
        description: &str,
    ) -> ServiceResult<(ServiceAccount, String)> {
        self.check_grants(org_id, &grants).await?;
        let now = self.now();
        let client_id = client_id.unwrap_or_else(|| oauth::generate_client_id(now));
        ensure(
            client_id.len() <= 128 && !client_id.is_empty() && !client_id.contains(':') && client_id.is_ascii(),
            || "a client id is 1 to 128 ASCII characters without ':'".into(),
        )?;
        let secret = secret.unwrap_or_else(oauth::generate_secret);
        ensure(secret.len() >= 16 && secret.len() <= 256, || "a client secret is 16 to 256 characters".into())?;
        let mut db = self.store.read().await?;
        let existing = db.service_account(&client_id).await?.map(|(account, _)| account);
        let account = ServiceAccount {
            client_id,
            org_id: *org_id,
            description: description.to_string(),
            secret_sha256: oauth::hash_secret(&secret),
            grants,
            created_at: existing.map_or(now, |a| a.created_at),
        };
        db.upsert_service_account(&account).await?;
        Ok((account, secret))
    }

    /// Deletes a service account; its tokens stop working at once. False when there was none.
    pub async fn delete_service_account(&self, client_id: &str) -> ServiceResult<bool> {
        let mut tx = self.store.write().await?;
        let deleted = tx.delete_service_account(client_id).await?;
        tx.commit().await?;
        Ok(deleted)
    }

    /// On a store without any organization, creates one with a project and an Organization Owner key, so a first
    /// start can be called at once. Returns None when the store already holds data.
    pub async fn bootstrap_if_empty(&self) -> ServiceResult<Option<(Org, Project, IssuedKey)>> {
        if !self.store.read().await?.orgs().await?.is_empty() {
            return Ok(None);
        }
        let org = self.put_org(None, "Default Organization", None).await?;
        let project = self.put_project(&org.id, None, "Project 0").await?;
        let owner = Grants { org_roles: vec!["ORG_OWNER".into()], ..Grants::default() };
        let key = self.put_api_key(&org.id, owner, None, None, "created at first start").await?;
        Ok(Some((org, project, key)))
    }

    /// Held while a fixture file is applied, so replicas starting together apply it one after the other.
    pub async fn fixture_lock(&self) -> ServiceResult<FixtureLock> {
        Ok(self.state.fixture_lock().await?)
    }

    // --- what the store holds, for operators ---

    pub async fn orgs(&self) -> ServiceResult<Vec<Org>> {
        Ok(self.store.read().await?.orgs().await?)
    }

    pub async fn projects(&self, org_id: Option<&ObjectId>) -> ServiceResult<Vec<Project>> {
        Ok(self.store.read().await?.projects(org_id).await?)
    }

    pub async fn teams(&self, org_id: Option<&ObjectId>) -> ServiceResult<Vec<Team>> {
        Ok(self.store.read().await?.teams(org_id).await?)
    }

    pub async fn users(&self) -> ServiceResult<Vec<User>> {
        Ok(self.store.read().await?.users().await?)
    }

    pub async fn api_keys(&self) -> ServiceResult<Vec<ApiKey>> {
        Ok(self.store.read().await?.api_keys().await?)
    }

    pub async fn service_accounts(&self) -> ServiceResult<Vec<ServiceAccount>> {
        Ok(self.store.read().await?.service_accounts().await?)
    }

    /// Every pending invitation, org by org: the org's own, then each project's.
    pub async fn all_invitations(&self) -> ServiceResult<Vec<InvitationListing>> {
        let now = self.now();
        let mut db = self.store.read().await?;
        let mut all = Vec::new();
        for org in db.orgs().await? {
            for invitation in db.invitations(InvitationKind::Org, &org.id, None, now).await? {
                all.push(InvitationListing { invitation, org: org.clone(), project: None });
            }
            for project in db.projects(Some(&org.id)).await? {
                for invitation in db.invitations(InvitationKind::Project, &project.id, None, now).await? {
                    all.push(InvitationListing { invitation, org: org.clone(), project: Some(project.clone()) });
                }
            }
        }
        Ok(all)
    }
}

fn check_roles(roles: &[String], known: impl Fn(&str) -> bool, kind: &str) -> ServiceResult<()> {
    match roles.iter().find(|r| !known(r)) {
        Some(bad) => Err(invalid(format!("{bad} is not an Atlas or Cloud Manager {kind} role")).into()),
        None => Ok(()),
    }
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes
}

fn generate_public_key() -> String {
    random_bytes::<8>().iter().map(|b| (b'a' + b % 26) as char).collect()
}

fn generate_private_key() -> String {
    let mut bytes = random_bytes::<16>();
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // UUID version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex = hex::encode(bytes);
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}
