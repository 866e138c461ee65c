//! Request bodies of the Teams operations (Atlas spec schemas Team, TeamUpdate, TeamRole, AddUserToTeam,
//! AddOrRemoveUserFromTeam), read as strictly as the invitation bodies (`bodies`): unknown and read-only
//! attributes (`id`, `links`) are refused.

use serde_json::Value;

use super::bodies::{object, reject_unknown, string, strings};
use super::error::ApiError;
use crate::domain::teams::{TeamInput, TeamRoleInput};

/// Team: `{name, usernames}`.
pub fn team(body: Value) -> Result<TeamInput, ApiError> {
    let mut fields = object(body)?;
    reject_unknown(&fields, &["name", "usernames"], "")?;
    Ok(TeamInput {
        name: fields.remove("name").map(|v| string(v, "name")).transpose()?,
        usernames: fields.remove("usernames").map(|v| strings(v, "usernames")).transpose()?,
    })
}

/// TeamUpdate: `{name}`.
pub fn team_name(body: Value) -> Result<Option<String>, ApiError> {
    let mut fields = object(body)?;
    reject_unknown(&fields, &["name"], "")?;
    fields.remove("name").map(|v| string(v, "name")).transpose()
}

/// addGroupTeams: an array of TeamRole `{teamId, roleNames}`.
pub fn team_roles(body: Value) -> Result<Vec<TeamRoleInput>, ApiError> {
    let Value::Array(items) = body else { return Err(ApiError::invalid_json()) };
    items.into_iter().map(team_role).collect()
}

/// updateGroupTeam: one TeamRole. Its `teamId`, when sent, must be the path's team (the spec marks it required,
/// the path names the team already).
pub fn team_role_update(body: Value, team_id: &str) -> Result<Option<Vec<String>>, ApiError> {
    let input = team_role(body)?;
    if input.team_id.as_deref().is_some_and(|sent| sent != team_id) {
        return Err(ApiError::invalid_attribute("teamId"));
    }
    Ok(input.role_names)
}

fn team_role(item: Value) -> Result<TeamRoleInput, ApiError> {
    let mut fields = object(item)?;
    reject_unknown(&fields, &["roleNames", "teamId"], "")?;
    Ok(TeamRoleInput {
        team_id: fields.remove("teamId").map(|v| string(v, "teamId")).transpose()?,
        role_names: fields.remove("roleNames").map(|v| strings(v, "roleNames")).transpose()?,
    })
}

/// AddOrRemoveUserFromTeam: `{id}`.
pub fn user_id(body: Value) -> Result<String, ApiError> {
    let mut fields = object(body)?;
    reject_unknown(&fields, &["id"], "")?;
    fields.remove("id").ok_or_else(|| ApiError::missing_attribute("id")).and_then(|v| string(v, "id"))
}

/// The deprecated addTeamUsers: an array of AddUserToTeam `{id}`.
pub fn user_ids(body: Value) -> Result<Vec<String>, ApiError> {
    let Value::Array(items) = body else { return Err(ApiError::invalid_json()) };
    items.into_iter().map(user_id).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn team_bodies_refuse_read_only_and_unknown_attributes() {
        let refused = |result: Result<TeamInput, ApiError>| result.unwrap_err().error_code;
        assert_eq!(refused(team(json!({ "name": "Ops", "id": "6f0000000000000000000001" }))), "INVALID_ATTRIBUTE");
        assert_eq!(refused(team(json!({ "name": 7 }))), "INVALID_JSON_ATTRIBUTE");
        let input = team(json!({ "name": "Ops", "usernames": ["a@example.com"] })).unwrap();
        assert_eq!(input.usernames, Some(vec!["a@example.com".to_string()]));
    }

    #[test]
    fn a_role_update_may_repeat_its_team_but_not_name_another() {
        let team_id = "6f0000000000000000000001";
        let roles = team_role_update(json!({ "teamId": team_id, "roleNames": ["GROUP_READ_ONLY"] }), team_id);
        assert_eq!(roles.unwrap(), Some(vec!["GROUP_READ_ONLY".to_string()]));
        let other = team_role_update(json!({ "teamId": "6f0000000000000000000002", "roleNames": [] }), team_id);
        assert_eq!(other.unwrap_err().error_code, "INVALID_ATTRIBUTE");
        assert_eq!(user_ids(json!({ "id": team_id })).unwrap_err().error_code, "INVALID_JSON");
    }
}
