//! Operator actions on the store: the directory (orgs, projects, teams, users), API keys, and accepting an
//! invitation on the invitee's behalf. Used by `atlas-invites admin`, fixture files and the first-start
//! bootstrap; every check here guards the store, not an HTTP caller.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::{Context, bail, ensure};

use crate::auth::digest::{self, Algorithm};
use crate::auth::oauth;
use crate::clock::SharedClock;
use crate::domain::access::parse_access_list_entry;
use crate::domain::ids::{is_object_id, new_object_id};
use crate::domain::username;
use crate::domain::{ApiKeyRecord, Org, Project, RoleCatalog, ServiceAccount, Team, User};
use crate::store::Store;

pub struct Admin {
    store: Arc<dyn Store>,
    clock: SharedClock,
}

/// What a credential (API key or service account) is given: its org, roles, and the networks it may call from.
#[derive(Debug, Clone, Default)]
pub struct Grants {
    pub org_id: String,
    pub org_roles: Vec<String>,
    /// project id → project roles
    pub project_roles: BTreeMap<String, Vec<String>>,
    /// Addresses or CIDR blocks; empty means anywhere.
    pub access_list: Vec<String>,
}

/// A new API key and the private key that exists only in this value: the store keeps digest hashes.
pub struct IssuedKey {
    pub record: ApiKeyRecord,
    pub private_key: String,
}

impl Admin {
    pub fn new(store: Arc<dyn Store>, clock: SharedClock) -> Self {
        Admin { store, clock }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn id_or_new(&self, id: Option<String>) -> anyhow::Result<String> {
        match id {
            Some(id) if is_object_id(&id) => Ok(id),
            Some(id) => bail!("{id:?} is not an id: 24 lowercase hexadecimal characters expected"),
            None => Ok(new_object_id(self.clock.now())),
        }
    }

    async fn existing_org(&self, org_id: &str) -> anyhow::Result<Org> {
        self.store.org(org_id).await?.with_context(|| format!("no organization with id {org_id}"))
    }

    /// Creates the org, or renames the one with that id. `api_access_list_required` None keeps the setting.
    pub async fn put_org(
        &self,
        id: Option<String>,
        name: &str,
        api_access_list_required: Option<bool>,
    ) -> anyhow::Result<Org> {
        ensure!(!name.trim().is_empty(), "an organization needs a name");
        let id = self.id_or_new(id)?;
        let existing = self.store.org(&id).await?;
        let org = Org {
            id,
            name: name.to_string(),
            created_at: existing.as_ref().map_or(self.clock.now(), |o| o.created_at),
            api_access_list_required: api_access_list_required
                .unwrap_or_else(|| existing.is_some_and(|o| o.api_access_list_required)),
        };
        self.store.upsert_org(&org).await?;
        Ok(org)
    }

    pub async fn put_project(&self, org_id: &str, id: Option<String>, name: &str) -> anyhow::Result<Project> {
        ensure!(!name.trim().is_empty(), "a project needs a name");
        self.existing_org(org_id).await?;
        let id = self.id_or_new(id)?;
        let existing = self.store.project(&id).await?;
        if let Some(existing) = &existing {
            ensure!(existing.org_id == org_id, "project {id} belongs to organization {}", existing.org_id);
        }
        let created_at = existing.map_or(self.clock.now(), |p| p.created_at);
        let project = Project { id, org_id: org_id.to_string(), name: name.to_string(), created_at };
        self.store.upsert_project(&project).await?;
        Ok(project)
    }

    pub async fn put_team(&self, org_id: &str, id: Option<String>, name: &str) -> anyhow::Result<Team> {
        ensure!(!name.trim().is_empty(), "a team needs a name");
        self.existing_org(org_id).await?;
        let id = self.id_or_new(id)?;
        if let Some(existing) = self.store.team(&id).await? {
            ensure!(existing.org_id == org_id, "team {id} belongs to organization {}", existing.org_id);
        }
        let team = Team { id, org_id: org_id.to_string(), name: name.to_string() };
        self.store.upsert_team(&team).await?;
        Ok(team)
    }

    /// Creates or updates a member with exactly these memberships.
    pub async fn put_user(
        &self,
        username: &str,
        org_roles: BTreeMap<String, Vec<String>>,
        project_roles: BTreeMap<String, Vec<String>>,
        team_ids: Vec<String>,
    ) -> anyhow::Result<User> {
        username::validate(username).map_err(|e| anyhow::anyhow!("{username:?}: {}", e.detail))?;
        for (org_id, roles) in &org_roles {
            self.existing_org(org_id).await?;
            check_roles(roles, RoleCatalog::any_knows_org_role, "organization")?;
        }
        for (project_id, roles) in &project_roles {
            let project =
                self.store.project(project_id).await?.with_context(|| format!("no project with id {project_id}"))?;
            ensure!(
                org_roles.contains_key(&project.org_id),
                "{username} needs a role in organization {} to join project {project_id}",
                project.org_id
            );
            check_roles(roles, RoleCatalog::any_knows_project_role, "project")?;
        }
        for team_id in &team_ids {
            let team = self.store.team(team_id).await?.with_context(|| format!("no team with id {team_id}"))?;
            ensure!(
                org_roles.contains_key(&team.org_id),
                "{username} needs a role in organization {} to join team {team_id}",
                team.org_id
            );
        }
        let now = self.clock.now();
        let user = User {
            id: new_object_id(now),
            username: username.to_string(),
            created_at: now,
            org_roles,
            project_roles,
            team_ids,
        };
        Ok(self.store.upsert_user(&user).await?)
    }

    /// Creates an API key, or replaces the one with this public key. Keys without a given public or private
    /// key get generated ones in Atlas's shapes (8 lowercase letters; a UUID).
    pub async fn put_api_key(
        &self,
        grants: Grants,
        public_key: Option<String>,
        private_key: Option<String>,
        description: &str,
    ) -> anyhow::Result<IssuedKey> {
        self.check_grants(&grants).await?;
        let public_key = public_key.unwrap_or_else(generate_public_key);
        ensure!(
            !public_key.is_empty()
                && public_key.len() <= 64
                && public_key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "a public key is 1 to 64 letters, digits, '-' or '_'"
        );
        let private_key = private_key.unwrap_or_else(generate_private_key);
        ensure!(
            private_key.len() >= 8 && private_key.len() <= 128 && private_key.is_ascii(),
            "a private key is 8 to 128 ASCII characters"
        );
        let existing = self.store.api_key(&public_key).await?;
        let now = self.clock.now();
        let Grants { org_id, org_roles, project_roles, access_list } = grants;
        let record = ApiKeyRecord {
            id: existing.as_ref().map_or_else(|| new_object_id(now), |k| k.id.clone()),
            public_key: public_key.clone(),
            org_id,
            description: description.to_string(),
            ha1_md5: digest::ha1(Algorithm::Md5, &public_key, &private_key),
            ha1_sha256: digest::ha1(Algorithm::Sha256, &public_key, &private_key),
            org_roles,
            project_roles,
            access_list,
            created_at: existing.map_or(now, |k| k.created_at),
        };
        self.store.upsert_api_key(&record).await?;
        Ok(IssuedKey { record, private_key })
    }

    /// Roles and networks a credential of `org_id` may be given: roles of the Atlas lists, projects of that org,
    /// well-formed access-list entries.
    async fn check_grants(&self, grants: &Grants) -> anyhow::Result<()> {
        let Grants { org_id, org_roles, project_roles, access_list } = grants;
        self.existing_org(org_id).await?;
        check_roles(org_roles, RoleCatalog::any_knows_org_role, "organization")?;
        ensure!(!org_roles.is_empty(), "a credential needs at least one organization role");
        for (project_id, roles) in project_roles {
            let project =
                self.store.project(project_id).await?.with_context(|| format!("no project with id {project_id}"))?;
            ensure!(&project.org_id == org_id, "project {project_id} is not in organization {org_id}");
            check_roles(roles, RoleCatalog::any_knows_project_role, "project")?;
        }
        for entry in access_list {
            ensure!(parse_access_list_entry(entry).is_some(), "{entry:?} is not an IP address or CIDR block");
        }
        Ok(())
    }

    /// Creates a service account, or replaces the one with this client id. Without a client id or secret,
    /// Atlas-shaped ones are generated (`mdb_sa_id_…`, `mdb_sa_sk_…`); only the secret's hash is stored.
    pub async fn put_service_account(
        &self,
        grants: Grants,
        client_id: Option<String>,
        secret: Option<String>,
        description: &str,
    ) -> anyhow::Result<(ServiceAccount, String)> {
        self.check_grants(&grants).await?;
        let Grants { org_id, org_roles, project_roles, access_list } = grants;
        let now = self.clock.now();
        let client_id = client_id.unwrap_or_else(|| oauth::generate_client_id(now));
        ensure!(
            client_id.len() <= 128 && !client_id.is_empty() && !client_id.contains(':') && client_id.is_ascii(),
            "a client id is 1 to 128 ASCII characters without ':'"
        );
        let secret = secret.unwrap_or_else(oauth::generate_secret);
        ensure!(secret.len() >= 16 && secret.len() <= 256, "a client secret is 16 to 256 characters");
        let existing = self.store.service_account(&client_id).await?;
        let account = ServiceAccount {
            client_id,
            org_id,
            description: description.to_string(),
            secret_sha256: oauth::hash_secret(&secret),
            org_roles,
            project_roles,
            access_list,
            created_at: existing.map_or(now, |a| a.created_at),
        };
        self.store.upsert_service_account(&account).await?;
        Ok((account, secret))
    }

    /// On a store without any organization, creates one with a project and an Organization Owner key, so a first
    /// start can be called at once. Returns None when the store already holds data.
    pub async fn bootstrap_if_empty(&self) -> anyhow::Result<Option<(Org, Project, IssuedKey)>> {
        if !self.store.orgs().await?.is_empty() {
            return Ok(None);
        }
        let org = self.put_org(None, "Default Organization", None).await?;
        let project = self.put_project(&org.id, None, "Project 0").await?;
        let key = self
            .put_api_key(
                Grants { org_id: org.id.clone(), org_roles: vec!["ORG_OWNER".into()], ..Grants::default() },
                None,
                None,
                "created at first start",
            )
            .await?;
        Ok(Some((org, project, key)))
    }
}

fn check_roles(roles: &[String], known: impl Fn(&str) -> bool, kind: &str) -> anyhow::Result<()> {
    match roles.iter().find(|r| !known(r)) {
        Some(bad) => bail!("{bad} is not an Atlas or Cloud Manager {kind} role"),
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
