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

/// What a MongoDB Cloud account says of its person (the users API shows it for active users).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub first_name: String,
    pub last_name: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub mobile_number: Option<String>,
}

impl Profile {
    /// The profile of someone who joined without giving one: the local part of the address as first name,
    /// and Atlas's default country.
    pub fn from_username(username: &str) -> Profile {
        let first_name = username.split('@').next().unwrap_or_default().to_string();
        Profile { first_name, last_name: String::new(), country: "US".into(), mobile_number: None }
    }
}

/// A MongoDB Cloud user: someone invited (then without an account until they accept) or with an account
/// (who accepted an invitation or was created by an operator). The id is the person's in every org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: ObjectId,
    pub username: String,
    pub created_at: UnixSeconds,
    pub profile: Profile,
    /// When the account was made; None while the person is only invited.
    pub activated_at: Option<UnixSeconds>,
    pub last_auth: Option<UnixSeconds>,
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
