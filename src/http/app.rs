//! What every handler and layer of the HTTP surface shares: the application state, the options, and what a
//! matched route is.

use std::sync::Arc;

use ipnet::IpNet;

use super::error::ApiError;
use super::surface::Surface;
use super::versions::ApiVersion;
use crate::domain::ratelimit::Quota;
use crate::domain::{DomainError, IdKind, ObjectId};
use crate::service::Service;

/// Invitation bodies are a few hundred bytes; anything near this limit is not a real request.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How the HTTP layer behaves beyond the service it calls.
#[derive(Debug, Clone, Default)]
pub struct HttpOptions {
    pub limits: Limits,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpNet>,
}

#[derive(Clone)]
pub struct AppState {
    pub service: Arc<Service>,
    pub options: Arc<HttpOptions>,
}

/// What a matched route is, attached by the router for the layers that run around its handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub surface: Surface,
    pub resource: Resource,
    /// The operation's versions on the versioned surface (`versions`), oldest first.
    pub versions: &'static [ApiVersion],
}

/// The resources the server serves, as Atlas's rate limits group them: invitations per project and per org,
/// the MongoDB Cloud users per project, per org and per caller (`/users`), teams per org (with their users) and
/// per project, events per org and per project; the directory (orgs, projects) is not limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    ProjectInvitations,
    OrgInvitations,
    ProjectUsers,
    OrgUsers,
    Users,
    OrgTeams,
    ProjectTeams,
    OrgEvents,
    ProjectEvents,
    Directory,
}

/// The rate limits a server enforces. Defaults are Atlas's for the invitation endpoint sets
/// (https://www.mongodb.com/docs/atlas/api/api-rate-limit/).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub project_invitations: Quota,
    pub org_invitations: Quota,
    pub project_users: Quota,
    pub org_users: Quota,
    pub users: Quota,
    /// Each org's teams and each project's teams (recorded: Ratelimit-Limit 1200 on both, separate buckets).
    pub teams: Quota,
    /// Each org's and each project's events (recorded: Ratelimit-Limit 500 and 300).
    pub org_events: Quota,
    pub project_events: Quota,
    /// Failed authentications allowed per client address and minute, so secrets cannot be guessed quickly.
    pub failed_auth_per_minute: u32,
    /// Atlas's invitations per client address and minute (10 on Atlas); off unless set, as a test suite calls
    /// from one address.
    pub invitations_per_address_per_minute: Option<u32>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            project_invitations: Quota { capacity: 1200, refill_per_minute: 500 },
            org_invitations: Quota { capacity: 500, refill_per_minute: 250 },
            // "MongoDB Cloud Users": GROUP, ORGANIZATION and USER scopes (recorded: Ratelimit-Limit 1200, 500, 2500).
            project_users: Quota { capacity: 1200, refill_per_minute: 500 },
            org_users: Quota { capacity: 500, refill_per_minute: 250 },
            users: Quota { capacity: 2500, refill_per_minute: 2000 },
            teams: Quota { capacity: 1200, refill_per_minute: 500 },
            org_events: Quota { capacity: 500, refill_per_minute: 250 },
            project_events: Quota { capacity: 300, refill_per_minute: 150 },
            failed_auth_per_minute: 60,
            invitations_per_address_per_minute: None,
        }
    }
}

/// A path id, parsed where it enters. A malformed one is answered like Atlas (404 INVALID_GROUP_ID and the
/// like), after authentication, as every check of a request is.
pub fn path_id(raw: &str, kind: IdKind) -> Result<ObjectId, ApiError> {
    ObjectId::parse(raw).ok_or_else(|| DomainError::MalformedId { kind, id: raw.to_string() }.into())
}
