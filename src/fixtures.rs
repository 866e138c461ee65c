//! Fixture files: a declarative YAML description of orgs, projects, teams, members and API keys, applied at
//! start so test suites get stable ids and credentials. Applying a file twice leaves the store as once.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use crate::admin::{Admin, Grants};

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
    pub id: Option<String>,
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
    pub id: Option<String>,
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UserFixture {
    pub username: String,
    #[serde(default)]
    pub org_roles: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub project_roles: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub team_ids: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApiKeyFixture {
    pub public_key: String,
    pub private_key: String,
    pub org: String,
    #[serde(default)]
    pub org_roles: Vec<String>,
    #[serde(default)]
    pub project_roles: BTreeMap<String, Vec<String>>,
    /// CIDR blocks or addresses the key may call from.
    #[serde(default)]
    pub access_list: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceAccountFixture {
    pub client_id: String,
    pub client_secret: String,
    pub org: String,
    #[serde(default)]
    pub org_roles: Vec<String>,
    #[serde(default)]
    pub project_roles: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub access_list: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
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

pub fn parse(text: &str) -> anyhow::Result<FixtureFile> {
    Ok(serde_yaml_ng::from_str(text)?)
}

pub async fn apply_file(admin: &Admin, path: &Path) -> anyhow::Result<Applied> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading fixture file {}", path.display()))?;
    let fixtures = parse(&text).with_context(|| format!("parsing fixture file {}", path.display()))?;
    apply(admin, &fixtures).await.with_context(|| format!("applying fixture file {}", path.display()))
}

/// Entries without an id are matched by name (orgs) or by name within their org (projects, teams), so a file
/// without ids is idempotent too.
pub async fn apply(admin: &Admin, fixtures: &FixtureFile) -> anyhow::Result<Applied> {
    // Replicas starting together with the same file apply it one after the other, so name matching cannot
    // race into duplicates.
    let _lock = admin.store().fixture_lock().await?;
    let mut applied = Applied::default();
    for org_fixture in &fixtures.orgs {
        let existing_orgs = admin.store().orgs().await?;
        let org_id = org_fixture
            .id
            .clone()
            .or_else(|| existing_orgs.iter().find(|o| o.name == org_fixture.name).map(|o| o.id.clone()));
        let org = admin
            .put_org(org_id, &org_fixture.name, org_fixture.api_access_list_required)
            .await
            .with_context(|| format!("org {}", org_fixture.name))?;
        applied.orgs += 1;
        let projects = admin.store().projects(Some(&org.id)).await?;
        for project in &org_fixture.projects {
            let id =
                project.id.clone().or_else(|| projects.iter().find(|p| p.name == project.name).map(|p| p.id.clone()));
            admin.put_project(&org.id, id, &project.name).await.with_context(|| format!("project {}", project.name))?;
            applied.projects += 1;
        }
        let teams = admin.store().teams(Some(&org.id)).await?;
        for team in &org_fixture.teams {
            let id = team.id.clone().or_else(|| teams.iter().find(|t| t.name == team.name).map(|t| t.id.clone()));
            admin.put_team(&org.id, id, &team.name).await.with_context(|| format!("team {}", team.name))?;
            applied.teams += 1;
        }
    }
    for user in &fixtures.users {
        admin
            .put_user(&user.username, user.org_roles.clone(), user.project_roles.clone(), user.team_ids.clone())
            .await
            .with_context(|| format!("user {}", user.username))?;
        applied.users += 1;
    }
    for key in &fixtures.api_keys {
        admin
            .put_api_key(
                Grants {
                    org_id: key.org.clone(),
                    org_roles: key.org_roles.clone(),
                    project_roles: key.project_roles.clone(),
                    access_list: key.access_list.clone(),
                },
                Some(key.public_key.clone()),
                Some(key.private_key.clone()),
                key.description.as_deref().unwrap_or("fixture"),
            )
            .await
            .with_context(|| format!("API key {}", key.public_key))?;
        applied.api_keys += 1;
    }
    for account in &fixtures.service_accounts {
        admin
            .put_service_account(
                Grants {
                    org_id: account.org.clone(),
                    org_roles: account.org_roles.clone(),
                    project_roles: account.project_roles.clone(),
                    access_list: account.access_list.clone(),
                },
                Some(account.client_id.clone()),
                Some(account.client_secret.clone()),
                account.description.as_deref().unwrap_or("fixture"),
            )
            .await
            .with_context(|| format!("service account {}", account.client_id))?;
        applied.service_accounts += 1;
    }
    Ok(applied)
}
