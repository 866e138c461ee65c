//! The one error type of the API. Every refusal — from the wire rules, authentication, the domain or the
//! store — is an `ApiError`; `http::respond` turns it into the Atlas error body in one place.
//!
//! Codes, statuses and detail texts follow the Atlas API error catalogue
//! (https://www.mongodb.com/docs/atlas/reference/api-errors/) and observed responses
//! (shared/atlas-recordings). Codes Atlas does not document are marked "project-defined".

use crate::domain::InvitationKind;
use serde_json::{Value, json};

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

    // --- 400 ---
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
    pub fn validation_error(message: &str) -> Self {
        Self::new(
            400,
            "VALIDATION_ERROR",
            format!("The request content produced the validation error: {message}."),
            vec![json!(message)],
        )
    }
    pub fn invalid_username(username: &str) -> Self {
        Self::new(
            400,
            "INVALID_USERNAME",
            "The specified username is not a valid email address.",
            vec![json!(username)],
        )
    }
    pub fn invalid_role_for_group(role: &str, group_id: &str) -> Self {
        Self::new(
            400,
            "INVALID_ROLE_FOR_GROUP",
            format!("Role {role} is invalid for group {group_id}."),
            vec![json!(role), json!(group_id)],
        )
    }
    pub fn invalid_role_for_org(role: &str, org_id: &str) -> Self {
        Self::new(
            400,
            "INVALID_ROLE_FOR_ORG",
            format!("Role {role} invalid for organization {org_id}."),
            vec![json!(role), json!(org_id)],
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
    pub fn max_pending_invitations(scope: InvitationKind, limit: usize) -> Self {
        let (code, what) = match scope {
            InvitationKind::Project => ("MAX_USERS_PER_GROUP_EXCEEDED", "project"),
            InvitationKind::Org => ("MAX_USERS_PER_ORG_EXCEEDED", "organization"),
        };
        Self::new(
            400,
            code,
            format!("Cannot have more than {limit} users and pending invitations in one {what}."),
            vec![json!(limit)],
        )
    }

    // --- 401 ---
    /// Authenticated, but the key's roles do not allow the operation (Atlas lists authorization failures as 401).
    pub fn user_unauthorized() -> Self {
        Self::new(401, "USER_UNAUTHORIZED", "Current user is not authorized to perform this action.", vec![])
    }
    /// The key belongs to another organization or has no access to the project (seen from real Atlas).
    pub fn user_cannot_access_group() -> Self {
        Self::new(401, "USER_CANNOT_ACCESS_GROUP", "User cannot access this group.", vec![])
    }

    // --- 403 ---
    pub fn ip_address_not_on_access_list(address: std::net::IpAddr) -> Self {
        Self::new(
            403,
            "IP_ADDRESS_NOT_ON_ACCESS_LIST",
            format!("IP address {address} is not allowed to access this resource."),
            vec![json!(address.to_string())],
        )
    }
    pub fn org_requires_access_list(address: std::net::IpAddr) -> Self {
        Self::new(
            403,
            "ORG_REQUIRES_ACCESS_LIST",
            "This organization requires access through an access list of ip ranges.",
            vec![json!(address.to_string())],
        )
    }

    // --- 404 ---
    pub fn resource_not_found(path: &str) -> Self {
        Self::new(404, "RESOURCE_NOT_FOUND", format!("Cannot find resource {path}."), vec![json!(path)])
    }
    pub fn group_not_found(group_id: &str) -> Self {
        Self::new(404, "GROUP_NOT_FOUND", format!("No group with ID {group_id} exists."), vec![json!(group_id)])
    }
    pub fn org_not_found(org_id: &str) -> Self {
        Self::new(404, "ORG_NOT_FOUND", format!("No organization with ID {org_id} exists."), vec![json!(org_id)])
    }
    pub fn invalid_group_id(group_id: &str) -> Self {
        Self::new(
            404,
            "INVALID_GROUP_ID",
            format!("An invalid group ID {group_id} was specified."),
            vec![json!(group_id)],
        )
    }
    pub fn invalid_org_id(org_id: &str) -> Self {
        Self::new(
            404,
            "INVALID_ORG_ID",
            format!("An invalid organization ID {org_id} was specified."),
            vec![json!(org_id)],
        )
    }
    pub fn invalid_invitation_id(invitation_id: &str) -> Self {
        Self::new(
            404,
            "INVALID_INVITATION_ID",
            format!("An invalid invitation ID {invitation_id} was specified."),
            vec![json!(invitation_id)],
        )
    }
    /// PATCH by username when no pending invitation has that username (project-defined code).
    pub fn invitation_not_found_for_username(username: &str) -> Self {
        Self::new(
            404,
            "INVITATION_NOT_FOUND",
            format!("No pending invitation for username {username} exists."),
            vec![json!(username)],
        )
    }
    /// teamIds naming a team outside the organization (project-defined code).
    pub fn team_not_found(team_id: &str, org_id: &str) -> Self {
        Self::new(
            404,
            "TEAM_NOT_FOUND",
            format!("No team with ID {team_id} exists in organization {org_id}."),
            vec![json!(team_id), json!(org_id)],
        )
    }
    pub fn username_not_found(username: &str) -> Self {
        Self::new(404, "USERNAME_NOT_FOUND", format!("No user with username {username} exists."), vec![json!(username)])
    }

    // --- 405, 406, 409, 410, 413, 415, 500 ---
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
    /// One pending invitation per (project or org, username); see docs/DECISIONS.md (project-defined code).
    pub fn user_already_invited(username: &str, scope_id: &str) -> Self {
        Self::new(
            409,
            "USER_ALREADY_INVITED",
            format!("User {username} already has a pending invitation to {scope_id}."),
            vec![json!(username), json!(scope_id)],
        )
    }
    pub fn user_already_in_group(username: &str, group_id: &str) -> Self {
        Self::new(
            409,
            "USER_ALREADY_IN_GROUP",
            format!("User {username} is already in group {group_id}."),
            vec![json!(username), json!(group_id)],
        )
    }
    /// Mirror of USER_ALREADY_IN_GROUP for organizations (project-defined code).
    pub fn user_already_in_org(username: &str, org_id: &str) -> Self {
        Self::new(
            409,
            "USER_ALREADY_IN_ORG",
            format!("User {username} is already in organization {org_id}."),
            vec![json!(username), json!(org_id)],
        )
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
    pub fn service_unavailable() -> Self {
        Self::new(503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable. Retry later.", vec![])
    }

    /// A generic error for a status produced outside the handlers (framework or transport layers).
    pub fn for_status(status: u16, method: &str, path: &str) -> Self {
        match status {
            404 => Self::resource_not_found(path),
            405 => Self::method_not_allowed(method, path),
            413 => Self::payload_too_large(crate::http::MAX_BODY_BYTES),
            415 => Self::unsupported_media_type(""),
            400..=499 => Self::new(status, "INVALID_REQUEST", "The request is invalid.", vec![]),
            503 => Self::service_unavailable(),
            _ => Self::unexpected(),
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

impl std::error::Error for ApiError {}
