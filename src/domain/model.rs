//! The things invitations refer to: organizations, their projects and teams, users, and the credentials that
//! call the API.

use std::collections::BTreeMap;

use crate::clock::UnixSeconds;
use crate::domain::ids::ObjectId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub id: ObjectId,
    pub name: String,
    pub created_at: UnixSeconds,
    /// When set, credentials of the org without an API access list may not call the API.
    pub api_access_list_required: bool,
}

/// Atlas calls projects "groups" on the wire; the ids are the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: ObjectId,
    pub org_id: ObjectId,
    pub name: String,
    pub created_at: UnixSeconds,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: ObjectId,
    pub org_id: ObjectId,
    pub name: String,
}

/// A MongoDB Cloud user who has joined (accepted an invitation or was created by an operator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: ObjectId,
    pub username: String,
    pub created_at: UnixSeconds,
    /// org id → org roles
    pub org_roles: BTreeMap<ObjectId, Vec<String>>,
    /// project id → project roles
    pub project_roles: BTreeMap<ObjectId, Vec<String>>,
    pub team_ids: Vec<ObjectId>,
}

/// What a credential (API key or service account) may do and from where: roles in its one organization and
/// per project, and the networks it may call from (empty: anywhere, unless the org requires a list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    pub org_roles: Vec<String>,
    pub project_roles: BTreeMap<ObjectId, Vec<String>>,
    /// CIDR blocks or single addresses, as given.
    pub access_list: Vec<String>,
}

/// A programmatic API key. The private key is never stored: only the digest HA1 values derived from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ObjectId,
    pub public_key: String,
    pub org_id: ObjectId,
    pub description: String,
    pub ha1_md5: String,
    pub ha1_sha256: String,
    pub grants: Grants,
    pub created_at: UnixSeconds,
}

/// A service account: OAuth 2.0 client credentials with the same kinds of grants as an API key. Only a hash of
/// its secret is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccount {
    pub client_id: String,
    pub org_id: ObjectId,
    pub description: String,
    pub secret_sha256: String,
    pub grants: Grants,
    pub created_at: UnixSeconds,
}

/// Which kind of scope an invitation is to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvitationKind {
    /// An invitation to a project ("group" on the wire).
    Project,
    /// An invitation to an organization.
    Org,
}

impl InvitationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationKind::Project => "PROJECT",
            InvitationKind::Org => "ORG",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "PROJECT" => Some(InvitationKind::Project),
            "ORG" => Some(InvitationKind::Org),
            _ => None,
        }
    }

    pub fn scope_noun(self) -> &'static str {
        match self {
            InvitationKind::Project => "project",
            InvitationKind::Org => "organization",
        }
    }
}
