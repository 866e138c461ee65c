//! Invitations: what a valid one looks like, how it changes, when it lapses and what accepting it grants.

use std::collections::HashSet;

use crate::clock::UnixSeconds;
use crate::domain::ids::{is_object_id, new_object_id};
use crate::domain::model::{Org, Project};
use crate::domain::roles::{ORG_MEMBER, RoleCatalog};
use crate::domain::username;
use crate::error::ApiError;

/// "Users have 30 days to accept an invitation"; recorded responses show expiresAt = createdAt + 30 days.
pub const INVITATION_LIFETIME: i64 = 30 * 24 * 60 * 60;
/// Atlas allows 500 users per project and per organization; pending invitations count toward it.
pub const MAX_PENDING_PER_SCOPE: usize = 500;
/// Bounds on list-valued fields, so one request cannot ask for unbounded work.
const MAX_ROLES: usize = 32;
const MAX_TEAMS: usize = 100;
const MAX_GROUP_ASSIGNMENTS: usize = 100;

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
}

/// Project roles an org invitation grants in one project on acceptance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRoleAssignment {
    pub group_id: String,
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: String,
    pub kind: InvitationKind,
    pub org_id: String,
    /// Set for project invitations only.
    pub project_id: Option<String>,
    pub username: String,
    pub roles: Vec<String>,
    /// Org invitations only: teams joined on acceptance.
    pub team_ids: Vec<String>,
    /// Org invitations only: project roles granted on acceptance.
    pub group_role_assignments: Vec<GroupRoleAssignment>,
    pub inviter_username: String,
    pub created_at: UnixSeconds,
    pub expires_at: UnixSeconds,
}

impl Invitation {
    /// Expired invitations are treated as gone: not listed, not readable, not updatable, and replaced by a new
    /// invitation for the same username.
    pub fn is_pending(&self, now: UnixSeconds) -> bool {
        now < self.expires_at
    }

    /// The project or org the invitation belongs to.
    pub fn scope_id(&self) -> &str {
        self.project_id.as_deref().unwrap_or(&self.org_id)
    }
}

/// A project invitation request as sent (absent fields are `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectInvitationInput {
    pub username: Option<String>,
    pub roles: Option<Vec<String>>,
}

/// An org invitation request as sent (absent fields are `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgInvitationInput {
    pub username: Option<String>,
    pub roles: Option<Vec<String>>,
    pub team_ids: Option<Vec<String>>,
    pub group_role_assignments: Option<Vec<GroupRoleAssignment>>,
}

/// What the invitee already is in the target scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InviteeStanding {
    pub org_member: bool,
    pub project_member: bool,
}

/// An organization with the ids of its projects and teams, which org invitations may refer to.
pub struct OrgContext<'a> {
    pub org: &'a Org,
    pub project_ids: &'a [String],
    pub team_ids: &'a [String],
}

/// A new project invitation and, when the invitee is not yet in the project's org, the org invitation Atlas
/// creates with it ("deleting a project invitation does not delete an organization invitation even if they
/// were created together" — Atlas spec, deleteGroupInvite).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProjectInvitation {
    pub invitation: Invitation,
    pub companion_org_invitation: Option<Invitation>,
}

pub fn plan_project_invitation(
    catalog: &RoleCatalog,
    project: &Project,
    input: ProjectInvitationInput,
    inviter: &str,
    standing: InviteeStanding,
    now: UnixSeconds,
) -> Result<NewProjectInvitation, ApiError> {
    let username = required_username(input.username)?;
    let roles = project_roles(catalog, input.roles, &project.id)?;
    if standing.project_member {
        return Err(ApiError::user_already_in_group(&username, &project.id));
    }
    let invitation = Invitation {
        id: new_object_id(now),
        kind: InvitationKind::Project,
        org_id: project.org_id.clone(),
        project_id: Some(project.id.clone()),
        username,
        roles,
        team_ids: vec![],
        group_role_assignments: vec![],
        inviter_username: inviter.to_string(),
        created_at: now,
        expires_at: now + INVITATION_LIFETIME,
    };
    let companion_org_invitation = (!standing.org_member).then(|| Invitation {
        id: new_object_id(now),
        kind: InvitationKind::Org,
        project_id: None,
        roles: vec![ORG_MEMBER.to_string()],
        ..invitation.clone()
    });
    Ok(NewProjectInvitation { invitation, companion_org_invitation })
}

pub fn plan_org_invitation(
    catalog: &RoleCatalog,
    ctx: &OrgContext<'_>,
    input: OrgInvitationInput,
    inviter: &str,
    standing: InviteeStanding,
    now: UnixSeconds,
) -> Result<Invitation, ApiError> {
    let username = required_username(input.username)?;
    let roles = org_roles(catalog, input.roles, &ctx.org.id)?;
    let team_ids = team_ids(ctx, input.team_ids.unwrap_or_default())?;
    let group_role_assignments =
        group_role_assignments(catalog, ctx, input.group_role_assignments.unwrap_or_default())?;
    if standing.org_member {
        return Err(ApiError::user_already_in_org(&username, &ctx.org.id));
    }
    Ok(Invitation {
        id: new_object_id(now),
        kind: InvitationKind::Org,
        org_id: ctx.org.id.clone(),
        project_id: None,
        username,
        roles,
        team_ids,
        group_role_assignments,
        inviter_username: inviter.to_string(),
        created_at: now,
        expires_at: now + INVITATION_LIFETIME,
    })
}

/// PATCH on a project invitation replaces its roles; nothing else changes (createdAt and expiresAt included).
pub fn update_project_invitation(
    catalog: &RoleCatalog,
    invitation: &Invitation,
    roles: Option<Vec<String>>,
) -> Result<Invitation, ApiError> {
    let roles = project_roles(catalog, roles, invitation.scope_id())?;
    Ok(Invitation { roles, ..invitation.clone() })
}

/// PATCH on an org invitation replaces each field it carries (roles are required, as in the v1.0 docs);
/// fields it omits keep their value.
pub fn update_org_invitation(
    catalog: &RoleCatalog,
    ctx: &OrgContext<'_>,
    invitation: &Invitation,
    input: OrgInvitationInput,
) -> Result<Invitation, ApiError> {
    let roles = org_roles(catalog, input.roles, &ctx.org.id)?;
    let team_ids = match input.team_ids {
        Some(ids) => team_ids(ctx, ids)?,
        None => invitation.team_ids.clone(),
    };
    let group_role_assignments = match input.group_role_assignments {
        Some(assignments) => group_role_assignments(catalog, ctx, assignments)?,
        None => invitation.group_role_assignments.clone(),
    };
    Ok(Invitation { roles, team_ids, group_role_assignments, ..invitation.clone() })
}

/// What accepting an invitation grants. The invitation itself is deleted ("When an invite is accepted, Atlas
/// deletes the underlying invitation" — Terraform provider's user-management guide).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptance {
    pub username: String,
    pub org_id: String,
    /// Added to the user's org roles; joining a project makes the user an org member.
    pub org_roles: Vec<String>,
    pub project_roles: Vec<(String, Vec<String>)>,
    pub team_ids: Vec<String>,
}

pub fn acceptance(invitation: &Invitation) -> Acceptance {
    match invitation.kind {
        InvitationKind::Org => Acceptance {
            username: invitation.username.clone(),
            org_id: invitation.org_id.clone(),
            org_roles: invitation.roles.clone(),
            project_roles: invitation
                .group_role_assignments
                .iter()
                .map(|a| (a.group_id.clone(), a.roles.clone()))
                .collect(),
            team_ids: invitation.team_ids.clone(),
        },
        InvitationKind::Project => Acceptance {
            username: invitation.username.clone(),
            org_id: invitation.org_id.clone(),
            org_roles: vec![ORG_MEMBER.to_string()],
            project_roles: vec![(invitation.scope_id().to_string(), invitation.roles.clone())],
            team_ids: vec![],
        },
    }
}

fn required_username(username: Option<String>) -> Result<String, ApiError> {
    let username = username.ok_or_else(|| ApiError::missing_attribute("username"))?;
    username::validate(&username)?;
    Ok(username)
}

fn role_list(roles: Option<Vec<String>>) -> Result<Vec<String>, ApiError> {
    let roles = roles.filter(|r| !r.is_empty()).ok_or_else(|| ApiError::missing_attribute("roles"))?;
    if roles.len() > MAX_ROLES {
        return Err(ApiError::validation_error(&format!("roles may hold at most {MAX_ROLES} values")));
    }
    ensure_unique("roles", &roles)?;
    Ok(roles)
}

fn project_roles(catalog: &RoleCatalog, roles: Option<Vec<String>>, group_id: &str) -> Result<Vec<String>, ApiError> {
    let roles = role_list(roles)?;
    match roles.iter().find(|r| !catalog.is_project_role(r)) {
        Some(bad) => Err(ApiError::invalid_role_for_group(bad, group_id)),
        None => Ok(roles),
    }
}

fn org_roles(catalog: &RoleCatalog, roles: Option<Vec<String>>, org_id: &str) -> Result<Vec<String>, ApiError> {
    let roles = role_list(roles)?;
    match roles.iter().find(|r| !catalog.is_org_role(r)) {
        Some(bad) => Err(ApiError::invalid_role_for_org(bad, org_id)),
        None => Ok(roles),
    }
}

fn team_ids(ctx: &OrgContext<'_>, ids: Vec<String>) -> Result<Vec<String>, ApiError> {
    if ids.len() > MAX_TEAMS {
        return Err(ApiError::validation_error(&format!("teamIds may hold at most {MAX_TEAMS} values")));
    }
    ensure_unique("teamIds", &ids)?;
    match ids.iter().find(|id| !is_object_id(id) || !ctx.team_ids.contains(id)) {
        Some(bad) => Err(ApiError::team_not_found(bad, &ctx.org.id)),
        None => Ok(ids),
    }
}

/// Each project named must belong to the invitation's org; a project of another org is answered exactly like
/// one that does not exist, so the request reveals nothing about other orgs.
fn group_role_assignments(
    catalog: &RoleCatalog,
    ctx: &OrgContext<'_>,
    assignments: Vec<GroupRoleAssignment>,
) -> Result<Vec<GroupRoleAssignment>, ApiError> {
    if assignments.len() > MAX_GROUP_ASSIGNMENTS {
        return Err(ApiError::validation_error(&format!(
            "groupRoleAssignments may hold at most {MAX_GROUP_ASSIGNMENTS} values"
        )));
    }
    let group_ids: Vec<String> = assignments.iter().map(|a| a.group_id.clone()).collect();
    ensure_unique("groupRoleAssignments.groupId", &group_ids)?;
    assignments
        .into_iter()
        .map(|assignment| {
            if !is_object_id(&assignment.group_id) {
                return Err(ApiError::invalid_group_id(&assignment.group_id));
            }
            if !ctx.project_ids.contains(&assignment.group_id) {
                return Err(ApiError::group_not_found(&assignment.group_id));
            }
            let roles = project_roles(catalog, Some(assignment.roles), &assignment.group_id)?;
            Ok(GroupRoleAssignment { group_id: assignment.group_id, roles })
        })
        .collect()
}

fn ensure_unique(field: &str, values: &[String]) -> Result<(), ApiError> {
    let mut seen = HashSet::new();
    if values.iter().all(|v| seen.insert(v)) {
        Ok(())
    } else {
        Err(ApiError::validation_error(&format!("{field} must not contain duplicate values")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixSeconds = 1_786_330_017; // 2026-08-10T03:26:57Z

    fn acme() -> Org {
        Org {
            id: "6f0000000000000000000001".into(),
            name: "Acme".into(),
            created_at: 0,
            api_access_list_required: false,
        }
    }

    fn prod() -> Project {
        Project { id: "6f00000000000000000000a1".into(), org_id: acme().id, name: "acme-prod".into(), created_at: 0 }
    }

    fn strings(values: &[&str]) -> Option<Vec<String>> {
        Some(values.iter().map(|v| v.to_string()).collect())
    }

    fn project_input(username: &str, roles: &[&str]) -> ProjectInvitationInput {
        ProjectInvitationInput { username: Some(username.into()), roles: strings(roles) }
    }

    #[test]
    fn project_invitation_expires_in_30_days_and_brings_an_org_invitation_for_outsiders() {
        let planned = plan_project_invitation(
            &RoleCatalog::ATLAS,
            &prod(),
            project_input("new@example.com", &["GROUP_READ_ONLY"]),
            "acmeownr",
            InviteeStanding::default(),
            NOW,
        )
        .unwrap();
        let inv = &planned.invitation;
        assert_eq!(inv.expires_at - inv.created_at, 30 * 86_400);
        assert_eq!(inv.inviter_username, "acmeownr");
        let org_inv = planned.companion_org_invitation.expect("outsider gets an org invitation");
        assert_eq!(org_inv.kind, InvitationKind::Org);
        assert_eq!(org_inv.roles, vec!["ORG_MEMBER"]);
        assert_ne!(org_inv.id, inv.id);
    }

    #[test]
    fn org_members_get_no_companion_and_project_members_cannot_be_invited() {
        let member = InviteeStanding { org_member: true, project_member: false };
        let planned = plan_project_invitation(
            &RoleCatalog::ATLAS,
            &prod(),
            project_input("m@example.com", &["GROUP_OWNER"]),
            "k",
            member,
            NOW,
        )
        .unwrap();
        assert!(planned.companion_org_invitation.is_none());
        let in_project = InviteeStanding { org_member: true, project_member: true };
        let err = plan_project_invitation(
            &RoleCatalog::ATLAS,
            &prod(),
            project_input("m@example.com", &["GROUP_OWNER"]),
            "k",
            in_project,
            NOW,
        )
        .unwrap_err();
        assert_eq!(err.error_code, "USER_ALREADY_IN_GROUP");
    }

    #[test]
    fn project_roles_are_checked() {
        let cases: &[(&[&str], &str)] = &[
            (&[], "MISSING_ATTRIBUTE"),
            (&["ORG_OWNER"], "INVALID_ROLE_FOR_GROUP"),
            (&["GROUP_SUPERUSER"], "INVALID_ROLE_FOR_GROUP"),
            (&["GROUP_OWNER", "GROUP_OWNER"], "VALIDATION_ERROR"),
        ];
        for (roles, code) in cases {
            let err = plan_project_invitation(
                &RoleCatalog::ATLAS,
                &prod(),
                project_input("a@example.com", roles),
                "k",
                InviteeStanding::default(),
                NOW,
            )
            .unwrap_err();
            assert_eq!(err.error_code, *code, "{roles:?}");
        }
        let missing = ProjectInvitationInput { username: Some("a@example.com".into()), roles: None };
        let err = plan_project_invitation(&RoleCatalog::ATLAS, &prod(), missing, "k", InviteeStanding::default(), NOW)
            .unwrap_err();
        assert_eq!((err.error_code, err.parameters[0].as_str()), ("MISSING_ATTRIBUTE", Some("roles")));
    }

    #[test]
    fn org_invitations_may_only_point_inside_their_org() {
        let org = acme();
        let projects = vec![prod().id];
        let teams = vec!["6f00000000000000000000c1".to_string()];
        let ctx = OrgContext { org: &org, project_ids: &projects, team_ids: &teams };
        let input = |team: &str, group: &str, role: &str| OrgInvitationInput {
            username: Some("o@example.com".into()),
            roles: strings(&["ORG_MEMBER"]),
            team_ids: strings(&[team]),
            group_role_assignments: Some(vec![GroupRoleAssignment {
                group_id: group.into(),
                roles: vec![role.into()],
            }]),
        };
        let ok = plan_org_invitation(
            &RoleCatalog::ATLAS,
            &ctx,
            input(&teams[0], &projects[0], "GROUP_READ_ONLY"),
            "k",
            InviteeStanding::default(),
            NOW,
        );
        assert!(ok.is_ok());
        for (team, group, role, code) in [
            ("6f00000000000000000000c9", projects[0].as_str(), "GROUP_READ_ONLY", "TEAM_NOT_FOUND"),
            (teams[0].as_str(), "6f00000000000000000000b1", "GROUP_READ_ONLY", "GROUP_NOT_FOUND"),
            (teams[0].as_str(), "not-an-id", "GROUP_READ_ONLY", "INVALID_GROUP_ID"),
            (teams[0].as_str(), projects[0].as_str(), "ORG_OWNER", "INVALID_ROLE_FOR_GROUP"),
        ] {
            let err = plan_org_invitation(
                &RoleCatalog::ATLAS,
                &ctx,
                input(team, group, role),
                "k",
                InviteeStanding::default(),
                NOW,
            )
            .unwrap_err();
            assert_eq!(err.error_code, code);
        }
    }

    #[test]
    fn updates_replace_roles_and_keep_times() {
        let planned = plan_project_invitation(
            &RoleCatalog::ATLAS,
            &prod(),
            project_input("u@example.com", &["GROUP_READ_ONLY"]),
            "k",
            InviteeStanding::default(),
            NOW,
        )
        .unwrap();
        let updated =
            update_project_invitation(&RoleCatalog::ATLAS, &planned.invitation, strings(&["GROUP_CLUSTER_MANAGER"]))
                .unwrap();
        assert_eq!(updated.roles, vec!["GROUP_CLUSTER_MANAGER"]);
        assert_eq!(
            (updated.created_at, updated.expires_at),
            (planned.invitation.created_at, planned.invitation.expires_at)
        );
    }

    #[test]
    fn pending_until_the_expiry_second() {
        let planned = plan_project_invitation(
            &RoleCatalog::ATLAS,
            &prod(),
            project_input("e@example.com", &["GROUP_READ_ONLY"]),
            "k",
            InviteeStanding::default(),
            NOW,
        )
        .unwrap();
        let inv = planned.invitation;
        assert!(inv.is_pending(inv.expires_at - 1));
        assert!(!inv.is_pending(inv.expires_at));
    }

    #[test]
    fn accepting_a_project_invitation_joins_the_org_as_member() {
        let planned = plan_project_invitation(
            &RoleCatalog::ATLAS,
            &prod(),
            project_input("j@example.com", &["GROUP_OWNER"]),
            "k",
            InviteeStanding::default(),
            NOW,
        )
        .unwrap();
        let granted = acceptance(&planned.invitation);
        assert_eq!(granted.org_roles, vec!["ORG_MEMBER"]);
        assert_eq!(granted.project_roles, vec![(prod().id, vec!["GROUP_OWNER".to_string()])]);
    }
}
