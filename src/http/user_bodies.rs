//! Request bodies of the MongoDB Cloud users operations and `POST /users`, read as strictly as the invitation
//! bodies (`bodies`): unknown and read-only attributes are refused.

use serde_json::{Map, Value};

use super::bodies::{object, reject_unknown, string, strings};
use super::error::ApiError;
use crate::domain::accounts::{AccountInput, RoleAssignmentInput};
use crate::domain::invitation::GroupRoleAssignmentInput;
use crate::domain::users::{OrgUserInput, OrgUserUpdate, ProjectUserInput};

/// OrgUserRequest: `{username, roles: {orgRoles, groupRoleAssignments}, teamIds}`.
pub fn org_user(body: Value) -> Result<OrgUserInput, ApiError> {
    let mut fields = object(body)?;
    reject_unknown(&fields, &["roles", "teamIds", "username"], "")?;
    let (org_roles, group_role_assignments) = match fields.remove("roles") {
        Some(roles) => org_user_roles(roles)?,
        None => return Err(ApiError::missing_attribute("roles")),
    };
    Ok(OrgUserInput {
        username: fields.remove("username").map(|v| string(v, "username")).transpose()?,
        org_roles,
        group_role_assignments,
        team_ids: fields.remove("teamIds").map(|v| strings(v, "teamIds")).transpose()?,
    })
}

/// OrgUserUpdateRequest: any of `roles` and `teamIds`; `roles`, when sent, names `orgRoles`.
pub fn org_user_update(body: Value) -> Result<OrgUserUpdate, ApiError> {
    let mut fields = object(body)?;
    reject_unknown(&fields, &["roles", "teamIds"], "")?;
    let (org_roles, group_role_assignments) = match fields.remove("roles") {
        Some(roles) => org_user_roles(roles)?,
        None => (None, None),
    };
    Ok(OrgUserUpdate {
        org_roles,
        group_role_assignments,
        team_ids: fields.remove("teamIds").map(|v| strings(v, "teamIds")).transpose()?,
    })
}

/// OrgUserRolesRequest: `orgRoles` required, `groupRoleAssignments` `[{groupId, groupRoles}]`.
type OrgUserRoles = (Option<Vec<String>>, Option<Vec<GroupRoleAssignmentInput>>);

fn org_user_roles(value: Value) -> Result<OrgUserRoles, ApiError> {
    let Value::Object(mut fields) = value else { return Err(ApiError::invalid_json_attribute("roles")) };
    reject_unknown(&fields, &["groupRoleAssignments", "orgRoles"], "roles.")?;
    let org_roles = fields
        .remove("orgRoles")
        .ok_or_else(|| ApiError::missing_attribute("roles.orgRoles"))
        .and_then(|v| strings(v, "roles.orgRoles"))?;
    let assignments = fields.remove("groupRoleAssignments").map(group_role_assignments).transpose()?;
    Ok((Some(org_roles), assignments))
}

fn group_role_assignments(value: Value) -> Result<Vec<GroupRoleAssignmentInput>, ApiError> {
    const ATTRIBUTE: &str = "roles.groupRoleAssignments";
    let Value::Array(items) = value else { return Err(ApiError::invalid_json_attribute(ATTRIBUTE)) };
    items
        .into_iter()
        .map(|item| {
            let Value::Object(mut fields) = item else { return Err(ApiError::invalid_json_attribute(ATTRIBUTE)) };
            reject_unknown(&fields, &["groupId", "groupRoles"], "roles.groupRoleAssignments.")?;
            let group_id = fields
                .remove("groupId")
                .ok_or_else(|| ApiError::missing_attribute("roles.groupRoleAssignments.groupId"))
                .and_then(|v| string(v, "roles.groupRoleAssignments.groupId"))?;
            let roles = fields
                .remove("groupRoles")
                .map(|v| strings(v, "roles.groupRoleAssignments.groupRoles"))
                .transpose()?
                .unwrap_or_default();
            Ok(GroupRoleAssignmentInput { group_id, roles })
        })
        .collect()
}

/// GroupUserRequest: `{username, roles}`.
pub fn project_user(body: Value) -> Result<ProjectUserInput, ApiError> {
    let mut fields = object(body)?;
    reject_unknown(&fields, &["roles", "username"], "")?;
    Ok(ProjectUserInput {
        username: fields.remove("username").map(|v| string(v, "username")).transpose()?,
        roles: fields.remove("roles").map(|v| strings(v, "roles")).transpose()?,
    })
}

/// AddOrRemoveOrgRole `{orgRole}` / AddOrRemoveGroupRole `{groupRole}`: the one role named by `attribute`.
pub fn one_role(body: Value, attribute: &'static str) -> Result<Option<String>, ApiError> {
    let mut fields = object(body)?;
    reject_unknown(&fields, &[attribute], "")?;
    fields.remove(attribute).map(|v| string(v, attribute)).transpose()
}

/// UpdateOrgRolesForUser `{orgRoles}` / UpdateGroupRolesForUser `{groupRoles}` (`links` is read-only).
pub fn role_set(body: Value, attribute: &'static str) -> Result<Option<Vec<String>>, ApiError> {
    let mut fields = object(body)?;
    reject_unknown(&fields, &[attribute], "")?;
    fields.remove(attribute).map(|v| strings(v, attribute)).transpose()
}

/// CloudAppUser, as `POST /users` takes it. `emailAddress` is accepted for clients that send it beside
/// `username` (it is the same address).
pub fn account(body: Value) -> Result<AccountInput, ApiError> {
    let mut fields = object(body)?;
    let allowed = ["country", "emailAddress", "firstName", "lastName", "mobileNumber", "password", "roles", "username"];
    reject_unknown(&fields, &allowed, "")?;
    let text = |name: &str, fields: &mut Map<String, Value>| fields.remove(name).map(|v| string(v, name)).transpose();
    Ok(AccountInput {
        username: text("username", &mut fields)?.or(text("emailAddress", &mut fields)?),
        password: text("password", &mut fields)?,
        first_name: text("firstName", &mut fields)?,
        last_name: text("lastName", &mut fields)?,
        country: text("country", &mut fields)?,
        mobile_number: text("mobileNumber", &mut fields)?,
        roles: match fields.remove("roles") {
            Some(Value::Array(items)) => items.into_iter().map(role_assignment).collect::<Result<_, _>>()?,
            Some(_) => return Err(ApiError::invalid_json_attribute("roles")),
            None => vec![],
        },
    })
}

fn role_assignment(value: Value) -> Result<RoleAssignmentInput, ApiError> {
    let Value::Object(mut fields) = value else { return Err(ApiError::invalid_json_attribute("roles")) };
    reject_unknown(&fields, &["groupId", "orgId", "roleName"], "roles.")?;
    let mut text = |name: &str| fields.remove(name).map(|v| string(v, &format!("roles.{name}"))).transpose();
    Ok(RoleAssignmentInput { org_id: text("orgId")?, group_id: text("groupId")?, role_name: text("roleName")? })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn code<T: std::fmt::Debug>(result: Result<T, ApiError>) -> (&'static str, Value) {
        let err = result.expect_err("refused");
        (err.error_code, err.parameters.first().cloned().unwrap_or(Value::Null))
    }

    #[test]
    fn org_user_bodies_are_read_strictly() {
        let body = json!({"username": "a@example.com", "roles": {"orgRoles": ["ORG_MEMBER"],
            "groupRoleAssignments": [{"groupId": "6f00000000000000000000a1", "groupRoles": ["GROUP_OWNER"]}]}});
        let input = org_user(body).unwrap();
        assert_eq!(input.group_role_assignments.unwrap()[0].roles, vec!["GROUP_OWNER"]);
        assert_eq!(code(org_user(json!({"username": "a@example.com"}))), ("MISSING_ATTRIBUTE", json!("roles")));
        assert_eq!(
            code(org_user(json!({"username": "a@example.com", "roles": {"orgRoles": [], "x": 1}}))),
            ("INVALID_ATTRIBUTE", json!("roles.x"))
        );
        assert_eq!(
            code(org_user_update(json!({"username": "b@example.com"}))),
            ("INVALID_ATTRIBUTE", json!("username"))
        );
        assert_eq!(code(org_user_update(json!({"roles": {}}))), ("MISSING_ATTRIBUTE", json!("roles.orgRoles")));
        assert_eq!(org_user_update(json!({})).unwrap(), OrgUserUpdate::default());
    }

    #[test]
    fn role_bodies_name_one_attribute() {
        assert_eq!(one_role(json!({"orgRole": "ORG_OWNER"}), "orgRole").unwrap(), Some("ORG_OWNER".into()));
        assert_eq!(code(one_role(json!({"groupRole": "X"}), "orgRole")), ("INVALID_ATTRIBUTE", json!("groupRole")));
        assert_eq!(code(role_set(json!({"orgRoles": "X"}), "orgRoles")).0, "INVALID_JSON_ATTRIBUTE");
        assert_eq!(code(account(json!({"username": "a@example.com", "id": "x"}))), ("INVALID_ATTRIBUTE", json!("id")));
    }
}
