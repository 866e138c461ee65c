//! Fixture files: a declarative YAML description of orgs, projects, teams, members, API keys and service
//! accounts, applied at start so test suites get stable ids and credentials. Applying a file twice leaves the
//! store as once.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use crate::domain::{Grants, ObjectId};
use crate::service::Service;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FixtureFile {
    #[serde(default)]
    pub orgs: Vec<OrgFixture>,
    #[serde(default)]
    pub users: Vec<UserFixture>,
    #[serde(default)]
    pub api_keys: Vec<ApiKeyFixture>,
    #[serde(default)]
    pub service_accounts: Vec<ServiceAccountFixture>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OrgFixture {
    pub id: Option<ObjectId>,
    pub name: String,
    /// Credentials without an API access list may not call the API.
    pub api_access_list_required: Option<bool>,
    #[serde(default)]
    pub projects: Vec<NamedFixture>,
    #[serde(default)]
    pub teams: Vec<NamedFixture>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedFixture {
    pub id: Option<ObjectId>,
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UserFixture {
    pub username: String,
    #[serde(default)]
    pub org_roles: BTreeMap<ObjectId, Vec<String>>,
    #[serde(default)]
    pub project_roles: BTreeMap<ObjectId, Vec<String>>,
    #[serde(default)]
    pub team_ids: Vec<ObjectId>,
}

/// What an API key or a service account entry grants, and to which org.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantsFixture {
    pub org: ObjectId,
    #[serde(default)]
    pub org_roles: Vec<String>,
    #[serde(default)]
    pub project_roles: BTreeMap<ObjectId, Vec<String>>,
    /// CIDR blocks or addresses the credential may call from.
    #[serde(default)]
    pub access_list: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Whatever else the entry holds: refused, as everywhere else in the file (serde cannot deny unknown
    /// fields through a flattened struct, so they are collected here and named in the error).
    #[serde(flatten)]
    unknown: BTreeMap<String, serde_yaml_ng::Value>,
}

impl GrantsFixture {
    fn grants(&self, entry: &str) -> anyhow::Result<Grants> {
        if let Some(field) = self.unknown.keys().next() {
            anyhow::bail!("{entry}: unknown field `{field}`");
        }
        Ok(Grants {
            org_roles: self.org_roles.clone(),
            project_roles: self.project_roles.clone(),
            access_list: self.access_list.clone(),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyFixture {
    pub public_key: String,
    pub private_key: String,
    #[serde(flatten)]
    pub grants: GrantsFixture,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccountFixture {
    pub client_id: String,
    pub client_secret: String,
    #[serde(flatten)]
    pub grants: GrantsFixture,
}

/// What a fixture file put in the store.
#[derive(Debug, Default)]
pub struct Applied {
    pub orgs: usize,
    pub projects: usize,
    pub teams: usize,
    pub users: usize,
    pub api_keys: usize,
    pub service_accounts: usize,
}

impl std::fmt::Display for Applied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} orgs, {} projects, {} teams, {} users, {} API keys, {} service accounts",
            self.orgs, self.projects, self.teams, self.users, self.api_keys, self.service_accounts
        )
    }
}

pub fn parse(text: &str) -> anyhow::Result<FixtureFile> {
    Ok(serde_yaml_ng::from_str(text)?)
}

pub async fn apply_file(service: &Service, path: &Path) -> anyhow::Result<Applied> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading fixture file {}", path.display()))?;
    let fixtures = parse(&text).with_context(|| format!("parsing fixture file {}", path.display()))?;
    apply(service, &fixtures).await.with_context(|| format!("applying fixture file {}", path.display()))
}

/// Entries without an id are matched by name (orgs) or by name within their org (projects, teams), so a file
/// without ids is idempotent too.
pub async fn apply(service: &Service, fixtures: &FixtureFile) -> anyhow::Result<Applied> {
    // Replicas starting together with the same file apply it one after the other, so name matching cannot
    // race into duplicates.
    let _lock = service.fixture_lock().await?;
    let mut applied = Applied::default();
    for org_fixture in &fixtures.orgs {
        let existing_orgs = service.orgs().await?;
        let org_id = org_fixture.id.or_else(|| existing_orgs.iter().find(|o| o.name == org_fixture.name).map(|o| o.id));
        let org = service
            .put_org(org_id, &org_fixture.name, org_fixture.api_access_list_required)
            .await
            .with_context(|| format!("org {}", org_fixture.name))?;
        applied.orgs += 1;
        let projects = service.projects(Some(&org.id)).await?;
        for project in &org_fixture.projects {
            let id = project.id.or_else(|| projects.iter().find(|p| p.name == project.name).map(|p| p.id));
            service
                .put_project(&org.id, id, &project.name)
                .await
                .with_context(|| format!("project {}", project.name))?;
            applied.projects += 1;
        }
        let teams = service.teams(Some(&org.id)).await?;
        for team in &org_fixture.teams {
            let id = team.id.or_else(|| teams.iter().find(|t| t.name == team.name).map(|t| t.id));
            service.put_team(&org.id, id, &team.name).await.with_context(|| format!("team {}", team.name))?;
            applied.teams += 1;
        }
    }
    for user in &fixtures.users {
        service
            .put_user(&user.username, user.org_roles.clone(), user.project_roles.clone(), user.team_ids.clone())
            .await
            .with_context(|| format!("user {}", user.username))?;
        applied.users += 1;
    }
    for key in &fixtures.api_keys {
        let entry = format!("API key {}", key.public_key);
        let description = key.grants.description.as_deref().unwrap_or("fixture");
        service
            .put_api_key(
                &key.grants.org,
                key.grants.grants(&entry)?,
                Some(key.public_key.clone()),
                Some(key.private_key.clone()),
                description,
            )
            .await
            .with_context(|| entry.clone())?;
        applied.api_keys += 1;
    }
    for account in &fixtures.service_accounts {
        let entry = format!("service account {}", account.client_id);
        let description = account.grants.description.as_deref().unwrap_or("fixture");
        service
            .put_service_account(
                &account.grants.org,
                account.grants.grants(&entry)?,
                Some(account.client_id.clone()),
                Some(account.client_secret.clone()),
                description,
            )
            .await
            .with_context(|| entry.clone())?;
        applied.service_accounts += 1;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_entries_refuse_unknown_fields() {
        let file = parse(
            "apiKeys: [{ publicKey: k, privateKey: secret-1234, org: 6f0000000000000000000001, orgRole: [ORG_OWNER] }]",
        )
        .unwrap();
        let err = file.api_keys[0].grants.grants("API key k").unwrap_err().to_string();
        assert_eq!(err, "API key k: unknown field `orgRole`");
        assert!(parse("orgs: [{ name: a, id: NOT-AN-ID }]").is_err());
        assert!(parse("orgs: [{ name: a, color: red }]").is_err());
    }
}
