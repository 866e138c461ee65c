//! The things invitations refer to: organizations, their projects and teams, users, and API keys.

use std::collections::BTreeMap;

use crate::clock::UnixSeconds;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub id: String,
    pub name: String,
    pub created_at: UnixSeconds,
    /// When set, credentials of the org without an API access list may not call the API.
    pub api_access_list_required: bool,
}

/// Atlas calls projects "groups" on the wire; the ids are the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub created_at: UnixSeconds,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: String,
    pub org_id: String,
    pub name: String,
}

/// A MongoDB Cloud user who has joined (accepted an invitation or was created by an operator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub username: String,
    pub created_at: UnixSeconds,
    /// org id → org roles
    pub org_roles: BTreeMap<String, Vec<String>>,
    /// project id → project roles
    pub project_roles: BTreeMap<String, Vec<String>>,
    pub team_ids: Vec<String>,
}

/// A programmatic API key. The private key is never stored: only the digest HA1 values derived from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: String,
    pub public_key: String,
    pub org_id: String,
    pub description: String,
    pub ha1_md5: String,
    pub ha1_sha256: String,
    pub org_roles: Vec<String>,
    /// project id → project roles
    pub project_roles: BTreeMap<String, Vec<String>>,
    /// CIDR blocks the key may call from; empty means anywhere (unless the org requires a list).
    pub access_list: Vec<String>,
    pub created_at: UnixSeconds,
}

/// A service account: OAuth 2.0 client credentials with the same kinds of roles as an API key. Only a hash of
/// its secret is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccount {
    pub client_id: String,
    pub org_id: String,
    pub description: String,
    pub secret_sha256: String,
    pub org_roles: Vec<String>,
    pub project_roles: BTreeMap<String, Vec<String>>,
    pub access_list: Vec<String>,
    pub created_at: UnixSeconds,
}
