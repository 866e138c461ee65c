//! What the rules refuse. A closed set: each variant says what went wrong in the domain's own words; how it is
//! shown to an API client (status, Atlas error code, detail text) is the HTTP layer's business
//! (`http::error`), and the admin command line prints the sentence below.

use std::net::IpAddr;

use crate::domain::ids::ObjectId;
use crate::domain::model::InvitationKind;

/// Which kind of id a malformed or unknown id was meant to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Project,
    Org,
    Invitation,
    User,
    Team,
    Event,
}

impl IdKind {
    fn noun(self) -> &'static str {
        match self {
            IdKind::Project => "project",
            IdKind::Org => "organization",
            IdKind::Invitation => "invitation",
            IdKind::User => "user",
            IdKind::Team => "team",
            IdKind::Event => "event",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    // --- the request itself ---
    #[error("{0} is required")]
    MissingAttribute(&'static str),
    #[error("{0}")]
    Invalid(String),
    #[error("{0:?} is not a valid email address")]
    InvalidUsername(String),
    #[error("{role} is not a project role that can be granted in project {project_id}")]
    InvalidProjectRole { role: String, project_id: String },
    #[error("{role} is not an organization role that can be granted in organization {org_id}")]
    InvalidOrgRole { role: String, org_id: String },
    #[error("{id:?} is not a valid {} id", .kind.noun())]
    MalformedId { kind: IdKind, id: String },

    // --- what the request names does not exist (or is not the caller's to know about) ---
    #[error("there is no project with id {0}")]
    ProjectNotFound(ObjectId),
    #[error("there is no organization with id {0}")]
    OrgNotFound(ObjectId),
    #[error("there is no pending invitation with id {0}")]
    InvitationNotFound(ObjectId),
    #[error("there is no pending invitation for {0}")]
    NoInvitationForUsername(String),
    #[error("the invitation link is not valid: the invitation was accepted, declined, deleted, renewed or has expired")]
    LinkNotValid,
    #[error("there is no team with id {team_id} in organization {org_id}")]
    TeamNotFound { team_id: String, org_id: ObjectId },
    #[error("there is no team named {0:?}")]
    TeamNameNotFound(String),
    #[error("there is no event with id {0}")]
    EventNotFound(ObjectId),
    #[error("there is no user {0}")]
    UsernameNotFound(String),
    #[error("there is no user with id {0}")]
    UserNotFound(ObjectId),
    #[error("user {user_id} is not in organization {org_id}")]
    UserNotInOrg { user_id: ObjectId, org_id: ObjectId },
    #[error("user {user_id} is not in project {project_id}")]
    UserNotInProject { user_id: ObjectId, project_id: ObjectId },
    #[error("{username} is not an active or pending user of organization {org_id}")]
    UsernameNotInOrg { username: String, org_id: ObjectId },
    #[error("user {user_id} is not on team {team_id}")]
    NotInTeam { user_id: ObjectId, team_id: ObjectId },
    #[error("team {team_id} is not assigned to project {project_id}")]
    TeamNotInProject { team_id: ObjectId, project_id: ObjectId },

    // --- conflicts with what exists ---
    #[error("{username} already has a pending invitation to {scope_id}")]
    AlreadyInvited { username: String, scope_id: ObjectId },
    #[error("{username} is already a member of project {project_id}")]
    AlreadyInProject { username: String, project_id: ObjectId },
    #[error("{username} is already a member of organization {org_id}")]
    AlreadyInOrg { username: String, org_id: ObjectId },
    #[error("{0} already has a MongoDB Cloud account")]
    AccountExists(String),
    #[error("the user already holds role {0}")]
    RoleAlreadyAssigned(String),
    #[error("the user does not hold role {0}")]
    RoleNotAssigned(String),
    #[error("a user must keep at least one role")]
    LastRole,
    #[error("the {} already holds {limit} users and pending invitations", .kind.scope_noun())]
    TooManyPending { kind: InvitationKind, limit: usize },
    #[error("organization {org_id} already has a team named {name:?}")]
    TeamNameTaken { name: String, org_id: ObjectId },
    #[error("user {user_id} is already on team {team_id}")]
    AlreadyInTeam { user_id: ObjectId, team_id: ObjectId },
    #[error("team {team_id} is already assigned to project {project_id}")]
    TeamAlreadyInProject { team_id: ObjectId, project_id: ObjectId },
    #[error("team {0} is still assigned to a project; remove it from its projects first")]
    TeamStillAssigned(ObjectId),
    #[error("user {0} has not accepted the invitation to the organization yet")]
    PendingUserNotAllowed(ObjectId),
    #[error("a team needs at least one user")]
    EmptyTeam,
    #[error("a team assigned to a project keeps at least one role there")]
    NoRolesInAssignment,
    #[error("team {team_id} already has {limit} users")]
    TeamFull { team_id: ObjectId, limit: usize },
    #[error("organization {org_id} already has {limit} teams")]
    TooManyTeams { org_id: ObjectId, limit: usize },
    #[error("project {project_id} already has {limit} teams")]
    TooManyProjectTeams { project_id: ObjectId, limit: usize },

    // --- the caller's rights ---
    #[error("the credential's roles do not allow this")]
    Unauthorized,
    #[error("the credential cannot access this project")]
    CannotAccessProject,
    #[error("calls from {0} are not on the credential's API access list")]
    AddressNotOnAccessList(IpAddr),
    #[error("the organization requires an API access list, and the credential has none (called from {0})")]
    OrgRequiresAccessList(IpAddr),
}

pub type DomainResult<T> = Result<T, DomainError>;
