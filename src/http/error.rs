//! The Atlas error body, and the one mapping from domain refusals and store failures to it. Every Atlas error
//! code the server sends is named in this file.
//!
//! Codes, statuses and detail texts follow the Atlas API error catalogue
//! (https://www.mongodb.com/docs/atlas/reference/api-errors/) and observed responses (tests/recordings).
//! Codes Atlas does not document are marked "project-defined" (docs/DECISIONS.md).

use serde_json::{Value, json};

use crate::domain::{DomainError, IdKind, InvitationKind};
use crate::service;
use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub error_code: &'static str,
    pub detail: String,
    pub parameters: Vec<Value>,
    /// Seconds to wait before retrying, sent as `Retry-After` (rate limits).
    pub retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: u16, error_code: &'static str, detail: impl Into<String>, parameters: Vec<Value>) -> Self {
        ApiError { status, error_code, detail: detail.into(), parameters, retry_after: None }
    }

    /// The Atlas error body: compact, keys in alphabetical order (recorded GROUP_NOT_FOUND response).
    pub fn body(&self) -> Value {
        json!({
            "detail": self.detail,
            "error": self.status,
            "errorCode": self.error_code,
            "parameters": self.parameters,
            "reason": reason_phrase(self.status),
        })
    }

    // --- refusals of the wire layer: the request's form, before any rule applies ---

    pub fn malformed_json() -> Self {
        Self::new(400, "MALFORMED_JSON", "Received JSON is malformed.", vec![])
    }
    /// Well-formed JSON of the wrong shape (not an object, say).
    pub fn invalid_json() -> Self {
        Self::new(400, "INVALID_JSON", "Received JSON does not match expected format.", vec![])
    }
    pub fn invalid_json_attribute(attribute: &str) -> Self {
        Self::new(
            400,
            "INVALID_JSON_ATTRIBUTE",
            format!("Received JSON for the {attribute} attribute does not match expected format."),
            vec![json!(attribute)],
        )
    }
    /// Atlas rejects unknown and read-only fields instead of ignoring them.
    pub fn invalid_attribute(attribute: &str) -> Self {
        Self::new(400, "INVALID_ATTRIBUTE", format!("Invalid attribute {attribute} specified."), vec![json!(attribute)])
    }
    pub fn missing_attribute(attribute: &str) -> Self {
        Self::new(
            400,
            "MISSING_ATTRIBUTE",
            format!("The required attribute {attribute} was not specified."),
            vec![json!(attribute)],
        )
    }
    pub fn invalid_query_parameter(name: &str) -> Self {
        Self::new(
            400,
            "INVALID_QUERY_PARAMETER",
            format!("Invalid query parameter {name} specified."),
            vec![json!(name)],
        )
    }
    pub fn resource_not_found(path: &str) -> Self {
        Self::new(404, "RESOURCE_NOT_FOUND", format!("Cannot find resource {path}."), vec![json!(path)])
    }
    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        Self::new(
            405,
            "METHOD_NOT_ALLOWED",
            format!("Method {method} is not allowed on resource {path}."),
            vec![json!(method), json!(path)],
        )
    }
    pub fn invalid_version_date() -> Self {
        Self::new(406, "INVALID_VERSION_DATE", "Invalid accept header or version date.", vec![])
    }
    /// The resource's only version is past its sunset date; path has no leading slash, as Atlas prints it.
    pub fn version_gone(version: &str, path: &str) -> Self {
        let path = path.trim_start_matches('/');
        Self::new(
            410,
            "VERSION_GONE",
            format!("Version {version} of {path} is no longer available."),
            vec![json!(version), json!(path)],
        )
    }
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            413,
            "PAYLOAD_TOO_LARGE",
            format!("The request body exceeds the limit of {limit} bytes."),
            vec![json!(limit)],
        )
    }
    pub fn unsupported_media_type(content_type: &str) -> Self {
        Self::new(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            format!("Content type {content_type} is not supported; send application/json."),
            vec![json!(content_type)],
        )
    }
    /// Atlas's token-bucket body (https://www.mongodb.com/docs/atlas/api/api-rate-limit/), with its mixed
    /// string and number parameters.
    pub fn rate_limited(resource: &str, retry_after: u64, capacity: u32, refill_per_minute: u32) -> Self {
        Self::new(
            429,
            "RATE_LIMITED_TOKEN_BUCKET",
            format!(
                "Rate limit exceeded for {resource}. Please retry after {retry_after} seconds. Request capacity: \
                 {capacity}. Refill rate: {refill_per_minute} per 60 seconds."
            ),
            vec![json!(resource), json!(retry_after), json!(capacity), json!(refill_per_minute), json!(60)],
        )
        .retrying_after(retry_after)
    }
    pub fn invitations_rate_limited(per_minute: u32) -> Self {
        Self::new(
            400,
            "INVITATIONS_RATE_LIMITED_IP",
            format!("Rate limit of {per_minute} invitations per 1 minutes exceeded."),
            vec![json!(per_minute), json!(1)],
        )
    }
    /// Too many failed authentications from one address (Atlas's legacy RATE_LIMITED shape).
    pub fn too_many_failed_authentications(per_minute: u32, retry_after: u64) -> Self {
        Self::new(
            429,
            "RATE_LIMITED",
            format!("Resource authentication is limited to {per_minute} failed requests every 1 minutes."),
            vec![json!("authentication"), json!(per_minute), json!(1), json!(retry_after)],
        )
        .retrying_after(retry_after)
    }
    fn retrying_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }
    pub fn unexpected() -> Self {
        Self::new(500, "UNEXPECTED_ERROR", "Unexpected error.", vec![])
    }
    /// The store did not answer in time (it is down or overloaded): the client may retry soon (RFC 9110
    /// §10.2.3, Retry-After with 503).
    pub fn service_unavailable() -> Self {
        Self::new(503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable. Retry later.", vec![])
            .retrying_after(5)
    }
    /// Project-defined code: more than one Authorization header.
    pub fn ambiguous_authorization() -> Self {
        Self::new(400, "AMBIGUOUS_AUTHORIZATION", "The request carries more than one Authorization header.", vec![])
    }
    /// Project-defined code: RFC 7616 §3.4.6.
    pub fn digest_uri_mismatch() -> Self {
        Self::new(400, "DIGEST_URI_MISMATCH", "The digest uri does not name the request's target.", vec![])
    }
    /// Project-defined code: a JSON object naming one attribute twice is ambiguous (which one counts?).
    pub fn duplicate_attribute(attribute: &str) -> Self {
        Self::new(
            400,
            "DUPLICATE_ATTRIBUTE",
            format!("The attribute {attribute} appears more than once in the request body."),
            vec![json!(attribute)],
        )
    }
    /// A 4xx produced by the framework without a more specific Atlas code.
    pub fn invalid_request(status: u16) -> Self {
        Self::new(status, "INVALID_REQUEST", "The request is invalid.", vec![])
    }
}

/// The one mapping from what the rules refuse to what Atlas answers.
impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        use DomainError::*;
        match err {
            MissingAttribute(attribute) => ApiError::missing_attribute(attribute),
            Invalid(message) => ApiError::new(
                400,
                "VALIDATION_ERROR",
                format!("The request content produced the validation error: {message}."),
                vec![json!(message)],
            ),
            InvalidUsername(username) => ApiError::new(
                400,
                "INVALID_USERNAME",
                "The specified username is not a valid email address.",
                vec![json!(username)],
            ),
            InvalidProjectRole { role, project_id } => ApiError::new(
                400,
                "INVALID_ROLE_FOR_GROUP",
                format!("Role {role} is invalid for group {project_id}."),
                vec![json!(role), json!(project_id)],
            ),
            InvalidOrgRole { role, org_id } => ApiError::new(
                400,
                "INVALID_ROLE_FOR_ORG",
                format!("Role {role} invalid for organization {org_id}."),
                vec![json!(role), json!(org_id)],
            ),
            MalformedId { kind: IdKind::Project, id } => ApiError::new(
                404,
                "INVALID_GROUP_ID",
                format!("An invalid group ID {id} was specified."),
                vec![json!(id)],
            ),
            MalformedId { kind: IdKind::Org, id } => ApiError::new(
                404,
                "INVALID_ORG_ID",
                format!("An invalid organization ID {id} was specified."),
                vec![json!(id)],
            ),
            MalformedId { kind: IdKind::Invitation, id } => invalid_invitation_id(&id),
            // Shaped like its siblings INVALID_GROUP_ID and INVALID_ORG_ID.
            MalformedId { kind: IdKind::User, id } => ApiError::new(
                404,
                "INVALID_USER_ID",
                format!("An invalid user ID {id} was specified."),
                vec![json!(id)],
            ),
            // Atlas answers an invitation that is gone (accepted, deleted, expired) as an invalid id.
            InvitationNotFound(id) => invalid_invitation_id(&id.to_string()),
            ProjectNotFound(id) => ApiError::new(
                404,
                "GROUP_NOT_FOUND",
                format!("No group with ID {id} exists."),
                vec![json!(id.to_string())],
            ),
            OrgNotFound(id) => ApiError::new(
                404,
                "ORG_NOT_FOUND",
                format!("No organization with ID {id} exists."),
                vec![json!(id.to_string())],
            ),
            // PATCH by username when no pending invitation has that username (project-defined code).
            NoInvitationForUsername(username) => ApiError::new(
                404,
                "INVITATION_NOT_FOUND",
                format!("No pending invitation for username {username} exists."),
                vec![json!(username)],
            ),
            // Events: shaped like the catalogue's other missing and malformed ids (project-defined codes).
            EventNotFound(id) => ApiError::new(
                404,
                "EVENT_NOT_FOUND",
                format!("No event with ID {id} exists."),
                vec![json!(id.to_string())],
            ),
            MalformedId { kind: IdKind::Event, id } => ApiError::new(
                404,
                "INVALID_EVENT_ID",
                format!("An invalid event ID {id} was specified."),
                vec![json!(id)],
            ),
            // The invitee link's token names no pending invitation (project-defined code).
            LinkNotValid => ApiError::new(
                404,
                "INVITATION_LINK_NOT_VALID",
                "The invitation link is not valid: the invitation was accepted, declined, deleted, renewed or has expired.",
                vec![],
            ),
            // Teams: codes and texts of the Atlas API error catalogue
            // (https://www.mongodb.com/docs/atlas/reference/api-errors/) unless marked project-defined.
            TeamNotFound { team_id, org_id } => ApiError::new(
                404,
                "TEAM_NOT_FOUND",
                format!("No team with ID {team_id} exists in organization {org_id}."),
                vec![json!(team_id), json!(org_id.to_string())],
            ),
            TeamNameNotFound(name) => ApiError::new(
                404,
                "TEAM_NAME_NOT_FOUND",
                format!("No team with name \"{name}\" exists."),
                vec![json!(name)],
            ),
            MalformedId { kind: IdKind::Team, id } => ApiError::new(
                404,
                "INVALID_TEAM_ID",
                format!("An invalid team ID {id} was specified."),
                vec![json!(id)],
            ),
            TeamNameTaken { name, org_id } => ApiError::new(
                409,
                "TEAM_NAME_NOT_AVAILABLE",
                format!("Cannot create a team named {name} in organization {org_id}."),
                vec![json!(name), json!(org_id.to_string())],
            ),
            EmptyTeam => ApiError::new(
                400,
                "CANNOT_CREATE_EMPTY_TEAM",
                "A team must contain at least one user. Add a user to your team to continue.",
                vec![],
            ),
            AlreadyInTeam { user_id, team_id } => ApiError::new(
                409,
                "USER_ALREADY_IN_TEAM",
                format!("The user with ID {user_id} in team {team_id} already exists."),
                vec![json!(user_id.to_string()), json!(team_id.to_string())],
            ),
            // Project-defined: the catalogue has no code for removing a user who is not on the team.
            NotInTeam { user_id, team_id } => ApiError::new(
                404,
                "USER_NOT_IN_TEAM",
                format!("User {user_id} is not in team {team_id}."),
                vec![json!(user_id.to_string()), json!(team_id.to_string())],
            ),
            PendingUserNotAllowed(user_id) => ApiError::new(
                404,
                "CANNOT_ADD_PENDING_USER",
                "The user cannot be added to any group or teams in this organization as it is a pending user/the \
                 user has not accepted the invite to this organization.",
                vec![json!(user_id.to_string())],
            ),
            TeamAlreadyInProject { team_id, project_id } => ApiError::new(
                409,
                "TEAM_EXISTS_IN_GROUP",
                "Cannot add a team that already exists in group.",
                vec![json!(team_id.to_string()), json!(project_id.to_string())],
            ),
            TeamNotInProject { team_id, project_id } => ApiError::new(
                404,
                "TEAM_NOT_IN_GROUP",
                "The team in your request is not assigned to this group.",
                vec![json!(team_id.to_string()), json!(project_id.to_string())],
            ),
            NoRolesInAssignment => {
                ApiError::new(403, "NO_ROLES_IN_ASSIGNMENT", "You cannot remove all project roles a team has.", vec![])
            }
            // The catalogue lists this code with 404; the Terraform provider matches the code to remove the team
            // from its projects and retry (internal/service/team/resource_team.go).
            TeamStillAssigned(team_id) => ApiError::new(
                404,
                "CANNOT_DELETE_TEAM_ASSIGNED_TO_PROJECT",
                "You cannot delete a team that has at least one project assigned to it. Make sure to remove the team \
                 from all project before deleting it.",
                vec![json!(team_id.to_string())],
            ),
            TooManyTeams { org_id, limit } => ApiError::new(
                400,
                "MAX_TEAMS_PER_ORG_EXCEEDED",
                format!(
                    "Maximum number of teams per organization ({limit}) in {org_id} exceeded while trying to add team."
                ),
                vec![json!(limit), json!(org_id.to_string())],
            ),
            TooManyProjectTeams { project_id, limit } => ApiError::new(
                400,
                "MAX_TEAMS_PER_GROUP_EXCEEDED",
                format!(
                    "Maximum number of teams per group ({limit}) in {project_id} exceeded while trying to add teams."
                ),
                vec![json!(limit), json!(project_id.to_string())],
            ),
            TeamFull { team_id, limit } => ApiError::new(
                400,
                "MAX_USERS_PER_TEAM_EXCEEDED",
                format!("Maximum number of users per team ({limit}) in {team_id} exceeded while trying to add users."),
                vec![json!(limit), json!(team_id.to_string())],
            ),
            UsernameNotInOrg { username, org_id } => ApiError::new(
                404,
                "USER_NOT_IN_ORG",
                format!("User {username} is not in organization {org_id}."),
                vec![json!(username), json!(org_id.to_string())],
            ),
            UsernameNotFound(username) => ApiError::new(
                404,
                "USERNAME_NOT_FOUND",
                format!("No user with username {username} exists."),
                vec![json!(username)],
            ),
            UserNotFound(id) => ApiError::new(
                404,
                "USER_NOT_FOUND",
                format!("No user with ID {id} exists."),
                vec![json!(id.to_string())],
            ),
            UserNotInOrg { user_id, org_id } => ApiError::new(
                404,
                "USER_NOT_IN_ORG",
                format!("User {user_id} is not in organization {org_id}."),
                vec![json!(user_id.to_string()), json!(org_id.to_string())],
            ),
            UserNotInProject { user_id, project_id } => ApiError::new(
                404,
                "USER_NOT_IN_GROUP",
                format!("User {user_id} is not in group {project_id}."),
                vec![json!(user_id.to_string()), json!(project_id.to_string())],
            ),
            // Adding a role the user holds changes nothing, so it is a conflict (the spec lists 409 for
            // addOrgRole); removing one it does not hold, or its last, is refused (project-defined codes).
            RoleAlreadyAssigned(role) => ApiError::new(
                409,
                "ROLE_ALREADY_ASSIGNED",
                format!("The user already has the role {role}."),
                vec![json!(role)],
            ),
            RoleNotAssigned(role) => ApiError::new(
                400,
                "ROLE_NOT_ASSIGNED",
                format!("The user does not have the role {role}."),
                vec![json!(role)],
            ),
            LastRole => ApiError::new(
                400,
                "CANNOT_REMOVE_LAST_ROLE",
                "A user must have at least one role at all times.",
                vec![],
            ),
            // One pending invitation per (project or org, username); see docs/DECISIONS.md (project-defined code).
            AlreadyInvited { username, scope_id } => ApiError::new(
                409,
                "USER_ALREADY_INVITED",
                format!("User {username} already has a pending invitation to {scope_id}."),
                vec![json!(username), json!(scope_id.to_string())],
            ),
            AlreadyInProject { username, project_id } => ApiError::new(
                409,
                "USER_ALREADY_IN_GROUP",
                format!("User {username} is already in group {project_id}."),
                vec![json!(username), json!(project_id.to_string())],
            ),
            // Atlas API error catalogue: 409 USER_ALREADY_EXISTS.
            AccountExists(username) => ApiError::new(
                409,
                "USER_ALREADY_EXISTS",
                format!("A user with username {username} already exists."),
                vec![json!(username)],
            ),
            // Mirror of USER_ALREADY_IN_GROUP for organizations (project-defined code).
            AlreadyInOrg { username, org_id } => ApiError::new(
                409,
                "USER_ALREADY_IN_ORG",
                format!("User {username} is already in organization {org_id}."),
                vec![json!(username), json!(org_id.to_string())],
            ),
            TooManyPending { kind, limit } => {
                let (code, what) = match kind {
                    InvitationKind::Project => ("MAX_USERS_PER_GROUP_EXCEEDED", "project"),
                    InvitationKind::Org => ("MAX_USERS_PER_ORG_EXCEEDED", "organization"),
                };
                ApiError::new(
                    400,
                    code,
                    format!("Cannot have more than {limit} users and pending invitations in one {what}."),
                    vec![json!(limit)],
                )
            }
            // Authenticated, but the roles do not allow the operation (Atlas lists authorization failures as 401).
            Unauthorized => ApiError::new(
                401,
                "USER_UNAUTHORIZED",
                "Current user is not authorized to perform this action.",
                vec![],
            ),
            // The key belongs to another organization or has no access to the project (seen from real Atlas).
            CannotAccessProject => {
                ApiError::new(401, "USER_CANNOT_ACCESS_GROUP", "User cannot access this group.", vec![])
            }
            AddressNotOnAccessList(address) => ApiError::new(
                403,
                "IP_ADDRESS_NOT_ON_ACCESS_LIST",
                format!("IP address {address} is not allowed to access this resource."),
                vec![json!(address.to_string())],
            ),
            OrgRequiresAccessList(address) => ApiError::new(
                403,
                "ORG_REQUIRES_ACCESS_LIST",
                "This organization requires access through an access list of ip ranges.",
                vec![json!(address.to_string())],
            ),
        }
    }
}

fn invalid_invitation_id(id: &str) -> ApiError {
    ApiError::new(
        404,
        "INVALID_INVITATION_ID",
        format!("An invalid invitation ID {id} was specified."),
        vec![json!(id)],
    )
}

/// Store failures are logged here and reach the client only as a generic 500 (or 503 when the database is
/// unreachable): no SQL or driver text leaves the server.
impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        tracing::error!(error = %err, "store failure");
        match err {
            StoreError::Unavailable(_) => ApiError::service_unavailable(),
            _ => ApiError::unexpected(),
        }
    }
}

impl From<service::Error> for ApiError {
    fn from(err: service::Error) -> Self {
        match err {
            service::Error::Domain(err) => err.into(),
            service::Error::Store(err) => err.into(),
        }
    }
}

/// The reason phrases Atlas puts in `reason`.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        410 => "Gone",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.error_code, self.detail)
    }
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
