//! Teams (https://www.mongodb.com/docs/atlas/access/manage-teams-in-orgs/; Atlas spec tag "Teams"): named groups
//! of an org's users. A team assigned to a project holds project roles there, and every member holds them
//! too. Members are the org's active users (team memberships) and its pending users (their invitation's
//! `teamIds`, which become memberships on acceptance).

use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::ObjectId;
use crate::domain::invitation;
use crate::domain::model::{Project, Team};
use crate::domain::roles::RoleCatalog;
use crate::domain::username::normalize;
use crate::domain::users::{MembershipStatus, OrgUser};

/// Atlas limits (https://www.mongodb.com/docs/atlas/reference/atlas-limits/; Atlas spec, createOrgTeam,
/// addGroupTeams and addTeamUsers): 250 teams an org, 100 teams a project, 250 users a team.
pub const MAX_TEAMS_PER_ORG: usize = 250;
pub const MAX_TEAMS_PER_PROJECT: usize = 100;
pub const MAX_USERS_PER_TEAM: usize = 250;
/// Longer names are not a real team's; Atlas's UI caps team names well below this.
const MAX_NAME_CHARS: usize = 255;

/// A team's place in one project: the roles its members hold there, in the order they were written ("roles
/// read back exactly as written").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectTeam {
    pub team_id: ObjectId,
    pub roles: Vec<String>,
}

/// createOrgTeam's body: `{name, usernames}`, both required.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamInput {
    pub name: Option<String>,
    pub usernames: Option<Vec<String>>,
}

/// One `{teamId, roleNames}` of addGroupTeams, or the `roleNames` of updateGroupTeam.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamRoleInput {
    pub team_id: Option<String>,
    pub role_names: Option<Vec<String>>,
}

/// A team name: required, not blank, unique in its org (`others` are the org's other teams).
pub fn team_name(name: Option<String>, others: &[Team], org_id: &ObjectId) -> DomainResult<String> {
    let name = name.ok_or(DomainError::MissingAttribute("name"))?;
    if name.trim().is_empty() {
        return Err(DomainError::Invalid("name must not be empty".into()));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(DomainError::Invalid(format!("name may hold at most {MAX_NAME_CHARS} characters")));
    }
    if others.iter().any(|team| team.name == name) {
        return Err(DomainError::TeamNameTaken { name, org_id: *org_id });
    }
    Ok(name)
}

/// Whether the org may have one more team.
pub fn check_team_room(org_teams: usize, org_id: &ObjectId) -> DomainResult<()> {
    if org_teams >= MAX_TEAMS_PER_ORG {
        return Err(DomainError::TooManyTeams { org_id: *org_id, limit: MAX_TEAMS_PER_ORG });
    }
    Ok(())
}

/// The users a new team starts with, found among the org's users by username: at least one ("A team must
/// contain at least one user" — CANNOT_CREATE_EMPTY_TEAM), each an active or pending user of the org.
pub fn founding_members(
    usernames: Option<Vec<String>>,
    org_users: &[OrgUser],
    team: &Team,
) -> DomainResult<Vec<OrgUser>> {
    let usernames = usernames.unwrap_or_default();
    if usernames.is_empty() {
        return Err(DomainError::EmptyTeam);
    }
    if usernames.len() > MAX_USERS_PER_TEAM {
        return Err(DomainError::TeamFull { team_id: team.id, limit: MAX_USERS_PER_TEAM });
    }
    let mut members: Vec<OrgUser> = Vec::with_capacity(usernames.len());
    for username in usernames {
        let found = org_users
            .iter()
            .find(|user| is_current(user) && normalize(&user.username) == normalize(&username))
            .ok_or_else(|| DomainError::UsernameNotInOrg { username: username.clone(), org_id: team.org_id })?;
        if members.iter().any(|m| m.id == found.id) {
            return Err(DomainError::Invalid("usernames must not contain duplicate values".into()));
        }
        members.push(found.clone());
    }
    Ok(members)
}

/// Only active and pending users belong to an org: "A user whose only organization invitation has EXPIRED or
/// been REJECTED is treated as not belonging to the organization (USER_NOT_IN_ORG)" (Atlas spec, addOrgTeamUser).
fn is_current(user: &OrgUser) -> bool {
    matches!(user.status, MembershipStatus::Active | MembershipStatus::Pending)
}

/// The team ids the user is to be on after joining `team`: refused for users outside the org, users already on
/// it, and a full team (`team_size` members now).
pub fn join(user: Option<&OrgUser>, team: &Team, team_size: usize, user_id: &ObjectId) -> DomainResult<Vec<ObjectId>> {
    let user = user
        .filter(|user| is_current(user))
        .ok_or(DomainError::UserNotInOrg { user_id: *user_id, org_id: team.org_id })?;
    if user.team_ids.contains(&team.id) {
        return Err(DomainError::AlreadyInTeam { user_id: *user_id, team_id: team.id });
    }
    if team_size >= MAX_USERS_PER_TEAM {
        return Err(DomainError::TeamFull { team_id: team.id, limit: MAX_USERS_PER_TEAM });
    }
    Ok(user.team_ids.iter().copied().chain([team.id]).collect())
}

/// The team ids the user is to be on after leaving `team`.
pub fn leave(user: Option<&OrgUser>, team: &Team, user_id: &ObjectId) -> DomainResult<Vec<ObjectId>> {
    let user = user
        .filter(|user| is_current(user))
        .ok_or(DomainError::UserNotInOrg { user_id: *user_id, org_id: team.org_id })?;
    if !user.team_ids.contains(&team.id) {
        return Err(DomainError::NotInTeam { user_id: *user_id, team_id: team.id });
    }
    Ok(user.team_ids.iter().copied().filter(|id| *id != team.id).collect())
}

/// The roles a team is to hold in a project: at least one, each a project role, no repeats.
pub fn team_roles(
    catalog: &RoleCatalog,
    project: &Project,
    role_names: Option<Vec<String>>,
) -> DomainResult<Vec<String>> {
    let role_names = role_names.filter(|roles| !roles.is_empty()).ok_or(DomainError::MissingAttribute("roleNames"))?;
    invitation::project_roles(catalog, Some(role_names), &project.id.to_string())
}

/// updateGroupTeam's roles: as `team_roles`, except that emptying them is "You cannot remove all project roles
/// a team has" (NO_ROLES_IN_ASSIGNMENT); the team must be in the project.
pub fn new_team_roles(
    catalog: &RoleCatalog,
    project: &Project,
    current: &[ProjectTeam],
    team_id: &ObjectId,
    role_names: Option<Vec<String>>,
) -> DomainResult<Vec<String>> {
    if !current.iter().any(|assigned| assigned.team_id == *team_id) {
        return Err(DomainError::TeamNotInProject { team_id: *team_id, project_id: project.id });
    }
    if role_names.as_ref().is_some_and(Vec::is_empty) {
        return Err(DomainError::NoRolesInAssignment);
    }
    team_roles(catalog, project, role_names)
}

/// What addGroupTeams makes of its body: each team of the project's org once, with valid roles, none assigned to
/// the project already ("Cannot add a team that already exists in group" — TEAM_EXISTS_IN_GROUP); the project
/// may hold at most 100 teams.
pub fn assign_teams(
    catalog: &RoleCatalog,
    project: &Project,
    org_teams: &[Team],
    current: &[ProjectTeam],
    inputs: Vec<TeamRoleInput>,
) -> DomainResult<Vec<ProjectTeam>> {
    if inputs.is_empty() {
        return Err(DomainError::MissingAttribute("teamId"));
    }
    let mut assigned: Vec<ProjectTeam> = Vec::with_capacity(inputs.len());
    for input in inputs {
        let text = input.team_id.ok_or(DomainError::MissingAttribute("teamId"))?;
        let team_id = org_team(org_teams, &text, &project.org_id)?;
        if assigned.iter().chain(current).any(|a| a.team_id == team_id) {
            return Err(DomainError::TeamAlreadyInProject { team_id, project_id: project.id });
        }
        assigned.push(ProjectTeam { team_id, roles: team_roles(catalog, project, input.role_names)? });
    }
    if current.len() + assigned.len() > MAX_TEAMS_PER_PROJECT {
        return Err(DomainError::TooManyProjectTeams { project_id: project.id, limit: MAX_TEAMS_PER_PROJECT });
    }
    Ok(assigned)
}

/// A team id of the org; any other id (malformed, unknown, another org's) is the same "no such team".
fn org_team(org_teams: &[Team], text: &str, org_id: &ObjectId) -> DomainResult<ObjectId> {
    ObjectId::parse(text)
        .filter(|id| org_teams.iter().any(|team| team.id == *id))
        .ok_or_else(|| DomainError::TeamNotFound { team_id: text.to_string(), org_id: *org_id })
}

/// The project roles a user holds through its teams, each once, in the order the teams grant them.
pub fn roles_through_teams(project_teams: &[ProjectTeam], team_ids: &[ObjectId]) -> Vec<String> {
    let mut roles: Vec<String> = Vec::new();
    for team in project_teams.iter().filter(|team| team_ids.contains(&team.team_id)) {
        for role in &team.roles {
            if !roles.contains(role) {
                roles.push(role.clone());
            }
        }
    }
    roles
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::roles::RoleCatalog;

    const ATLAS: RoleCatalog = RoleCatalog::ATLAS;

    fn id(n: u8) -> ObjectId {
        ObjectId::parse(&format!("6f00000000000000000000{n:02x}")).unwrap()
    }

    fn project() -> Project {
        Project { id: id(0xa1), org_id: id(1), name: "prod".into(), created_at: 0 }
    }

    fn team(n: u8) -> Team {
        Team { id: id(n), org_id: id(1), name: format!("team-{n}") }
    }

    fn input(team_id: ObjectId, roles: &[&str]) -> TeamRoleInput {
        TeamRoleInput {
            team_id: Some(team_id.to_string()),
            role_names: Some(roles.iter().map(|r| r.to_string()).collect()),
        }
    }

    #[test]
    fn names_are_required_and_unique_in_the_org() {
        let others = [team(0xc1)];
        assert_eq!(team_name(None, &others, &id(1)), Err(DomainError::MissingAttribute("name")));
        assert!(matches!(team_name(Some("  ".into()), &others, &id(1)), Err(DomainError::Invalid(_))));
        let taken = team_name(Some("team-193".into()), &others, &id(1));
        assert_eq!(taken, Err(DomainError::TeamNameTaken { name: "team-193".into(), org_id: id(1) }));
        assert_eq!(team_name(Some("Team-193".into()), &others, &id(1)), Ok("Team-193".into()));
        assert_eq!(
            check_team_room(MAX_TEAMS_PER_ORG, &id(1)),
            Err(DomainError::TooManyTeams { org_id: id(1), limit: 250 })
        );
    }

    #[test]
    fn a_project_takes_each_team_of_its_org_once() {
        let org_teams = [team(0xc1), team(0xc2)];
        let current = [ProjectTeam { team_id: id(0xc1), roles: vec!["GROUP_OWNER".into()] }];
        let assign = |inputs| assign_teams(&ATLAS, &project(), &org_teams, &current, inputs);
        let assigned = assign(vec![input(id(0xc2), &["GROUP_READ_ONLY", "GROUP_OWNER"])]).unwrap();
        assert_eq!(assigned[0].roles, ["GROUP_READ_ONLY", "GROUP_OWNER"], "roles keep the order written");
        let again = assign(vec![input(id(0xc1), &["GROUP_READ_ONLY"])]);
        assert_eq!(again, Err(DomainError::TeamAlreadyInProject { team_id: id(0xc1), project_id: id(0xa1) }));
        let foreign = assign(vec![input(id(0xc9), &["GROUP_READ_ONLY"])]);
        assert_eq!(foreign, Err(DomainError::TeamNotFound { team_id: id(0xc9).to_string(), org_id: id(1) }));
        assert_eq!(assign(vec![input(id(0xc2), &[])]), Err(DomainError::MissingAttribute("roleNames")));
        let emptied = new_team_roles(&ATLAS, &project(), &current, &id(0xc1), Some(vec![]));
        assert_eq!(emptied, Err(DomainError::NoRolesInAssignment));
    }

    #[test]
    fn members_hold_the_roles_of_their_teams() {
        let project_teams = [
            ProjectTeam { team_id: id(0xc1), roles: vec!["GROUP_READ_ONLY".into()] },
            ProjectTeam { team_id: id(0xc2), roles: vec!["GROUP_OWNER".into(), "GROUP_READ_ONLY".into()] },
        ];
        assert_eq!(roles_through_teams(&project_teams, &[id(0xc2), id(0xc1)]), ["GROUP_READ_ONLY", "GROUP_OWNER"]);
        assert!(roles_through_teams(&project_teams, &[id(0xc3)]).is_empty());
    }
}
