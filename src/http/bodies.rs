//! Request bodies, read strictly: Atlas rejects unknown and read-only attributes rather than ignoring them
//! (Atlas Admin API reference, "invalid fields are rejected"), so a client's typo or an attempt to set `id`,
//! `createdAt` or `inviterUsername` is a 400 INVALID_ATTRIBUTE and changes nothing.

use serde_json::{Map, Value};

use super::error::ApiError;
use crate::domain::invitation::{GroupRoleAssignmentInput, OrgInvitationInput, ProjectInvitationInput};

/// Whether the body names the invitee (create, PATCH by username) or must not (PATCH by id).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Username {
    Expected,
    Forbidden,
}

/// GroupInvitationRequest / GroupInvitationUpdateRequest.
pub fn project_invitation(body: Value, username: Username) -> Result<ProjectInvitationInput, ApiError> {
    let mut fields = object(body)?;
    let allowed: &[&str] = match username {
        Username::Expected => &["roles", "username"],
        Username::Forbidden => &["roles"],
    };
    reject_unknown(&fields, allowed, "")?;
    Ok(ProjectInvitationInput {
        username: fields.remove("username").map(|v| string(v, "username")).transpose()?,
        roles: fields.remove("roles").map(|v| strings(v, "roles")).transpose()?,
    })
}

/// OrganizationInvitationRequest / OrganizationInvitationUpdateRequest. `groupRoleAssignments` exists on v2 only.
pub fn org_invitation(body: Value, username: Username, assignments: bool) -> Result<OrgInvitationInput, ApiError> {
    let mut fields = object(body)?;
    let mut allowed = vec!["roles", "teamIds"];
    if username == Username::Expected {
        allowed.push("username");
    }
    if assignments {
        allowed.push("groupRoleAssignments");
    }
    reject_unknown(&fields, &allowed, "")?;
    Ok(OrgInvitationInput {
        username: fields.remove("username").map(|v| string(v, "username")).transpose()?,
        roles: fields.remove("roles").map(|v| strings(v, "roles")).transpose()?,
        team_ids: fields.remove("teamIds").map(|v| strings(v, "teamIds")).transpose()?,
        group_role_assignments: fields.remove("groupRoleAssignments").map(group_role_assignments).transpose()?,
    })
}

pub(super) fn object(body: Value) -> Result<Map<String, Value>, ApiError> {
    match body {
        Value::Object(fields) => Ok(fields),
        _ => Err(ApiError::invalid_json()),
    }
}

pub(super) fn reject_unknown(fields: &Map<String, Value>, allowed: &[&str], prefix: &str) -> Result<(), ApiError> {
    match fields.keys().find(|name| !allowed.contains(&name.as_str())) {
        Some(name) => Err(ApiError::invalid_attribute(&format!("{prefix}{name}"))),
        None => Ok(()),
    }
}

pub(super) fn string(value: Value, attribute: &str) -> Result<String, ApiError> {
    match value {
        Value::String(s) => Ok(s),
        _ => Err(ApiError::invalid_json_attribute(attribute)),
    }
}

pub(super) fn strings(value: Value, attribute: &str) -> Result<Vec<String>, ApiError> {
    match value {
        Value::Array(items) => items.into_iter().map(|item| string(item, attribute)).collect(),
        _ => Err(ApiError::invalid_json_attribute(attribute)),
    }
}

/// `[{groupId, roles[]}]` — the request shape; responses use `{groupId, groupRole}` (Atlas spec).
fn group_role_assignments(value: Value) -> Result<Vec<GroupRoleAssignmentInput>, ApiError> {
    const ATTRIBUTE: &str = "groupRoleAssignments";
    let Value::Array(items) = value else {
        return Err(ApiError::invalid_json_attribute(ATTRIBUTE));
    };
    items
        .into_iter()
        .map(|item| {
            let Value::Object(mut fields) = item else {
                return Err(ApiError::invalid_json_attribute(ATTRIBUTE));
            };
            reject_unknown(&fields, &["groupId", "roles"], "groupRoleAssignments.")?;
            let group_id = fields
                .remove("groupId")
                .ok_or_else(|| ApiError::missing_attribute("groupRoleAssignments.groupId"))
                .and_then(|v| string(v, "groupRoleAssignments.groupId"))?;
            let roles = fields
                .remove("roles")
                .map(|v| strings(v, "groupRoleAssignments.roles"))
                .transpose()?
                .unwrap_or_default();
            Ok(GroupRoleAssignmentInput { group_id, roles })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn code<T>(result: Result<T, ApiError>) -> (&'static str, Value) {
        let err = result.err().expect("refused");
        (err.error_code, err.parameters.first().cloned().unwrap_or(Value::Null))
    }

    #[test]
    fn unknown_and_read_only_fields_are_refused() {
        for field in ["id", "createdAt", "expiresAt", "inviterUsername", "groupId", "groupName", "links", "isAdmin"] {
            let body = json!({"username": "a@example.com", "roles": ["GROUP_OWNER"], field: "x"});
            assert_eq!(code(project_invitation(body, Username::Expected)), ("INVALID_ATTRIBUTE", json!(field)));
        }
        let patch = json!({"roles": ["GROUP_OWNER"], "username": "evil@example.com"});
        assert_eq!(code(project_invitation(patch, Username::Forbidden)), ("INVALID_ATTRIBUTE", json!("username")));
        let org = json!({"username": "a@example.com", "roles": ["ORG_MEMBER"], "orgName": "x"});
        assert_eq!(code(org_invitation(org, Username::Expected, true)), ("INVALID_ATTRIBUTE", json!("orgName")));
    }

    #[test]
    fn wrong_types_are_refused() {
        assert_eq!(
            code(project_invitation(json!({"roles": "GROUP_OWNER"}), Username::Expected)).0,
            "INVALID_JSON_ATTRIBUTE"
        );
        assert_eq!(code(project_invitation(json!({"roles": [1, 2]}), Username::Expected)).0, "INVALID_JSON_ATTRIBUTE");
        assert_eq!(code(project_invitation(json!({"roles": null}), Username::Expected)).0, "INVALID_JSON_ATTRIBUTE");
        assert_eq!(code(project_invitation(json!({"username": 7}), Username::Expected)).0, "INVALID_JSON_ATTRIBUTE");
        assert_eq!(code(project_invitation(json!([]), Username::Expected)).0, "INVALID_JSON");
        let nested = json!({"groupRoleAssignments": [{"groupId": "x", "role": "GROUP_OWNER"}]});
        assert_eq!(
            code(org_invitation(nested, Username::Forbidden, true)),
            ("INVALID_ATTRIBUTE", json!("groupRoleAssignments.role"))
        );
    }

    #[test]
    fn absent_fields_stay_absent() {
        let input = org_invitation(json!({"roles": ["ORG_MEMBER"]}), Username::Forbidden, true).unwrap();
        assert_eq!(input.team_ids, None);
        assert_eq!(input.group_role_assignments, None);
    }
}
