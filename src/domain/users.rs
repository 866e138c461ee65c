//! People as the MongoDB Cloud users API shows them (https://www.mongodb.com/docs/api/doc/atlas-admin-api-v2/,
//! tag "MongoDB Cloud Users"): an org's members are ACTIVE users, and each org invitation is a user of its own
//! that is PENDING until it expires (INVITATION_EXPIRED) or is declined (INVITATION_REJECTED). Project
//! invitations made through the deprecated invitation operations are not users; the org invitation made with
//! one is. The rules of changing a user's roles, projects and teams live here too.

use std::collections::BTreeMap;

use crate::clock::UnixSeconds;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::ObjectId;
use crate::domain::invitation::{
    self, GroupRoleAssignment, GroupRoleAssignmentInput, INVITATION_LIFETIME, Invitation, InvitationKind, OrgContext,
};
use crate::domain::model::{Profile, Project};
use crate::domain::roles::{ORG_MEMBER, RoleCatalog};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MembershipStatus {
    Active,
    Pending,
    InvitationExpired,
    InvitationRejected,
}

impl MembershipStatus {
    pub const ALL: [MembershipStatus; 4] = [
        MembershipStatus::Active,
        MembershipStatus::Pending,
        MembershipStatus::InvitationExpired,
        MembershipStatus::InvitationRejected,
    ];
    /// What lists and reads show when no status is asked for (Atlas spec, `orgMembershipStatuses`).
    pub const DEFAULT: [MembershipStatus; 2] = [MembershipStatus::Active, MembershipStatus::Pending];

    pub fn as_str(self) -> &'static str {
        match self {
            MembershipStatus::Active => "ACTIVE",
            MembershipStatus::Pending => "PENDING",
            MembershipStatus::InvitationExpired => "INVITATION_EXPIRED",
            MembershipStatus::InvitationRejected => "INVITATION_REJECTED",
        }
    }

    pub fn parse(text: &str) -> Option<MembershipStatus> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }

    /// The status an org invitation gives its user at `now`.
    pub fn of_invitation(invitation: &Invitation, now: UnixSeconds) -> MembershipStatus {
        if invitation.declined_at.is_some() {
            MembershipStatus::InvitationRejected
        } else if invitation.is_pending(now) {
            MembershipStatus::Pending
        } else {
            MembershipStatus::InvitationExpired
        }
    }
}

/// An active member of one org: the roles held there and in its projects, and its teams the member is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: ObjectId,
    pub username: String,
    pub profile: Profile,
    pub created_at: UnixSeconds,
    pub last_auth: UnixSeconds,
    pub org_roles: Vec<String>,
    /// project of this org → roles
    pub project_roles: BTreeMap<ObjectId, Vec<String>>,
    pub team_ids: Vec<ObjectId>,
}

/// What the users API says beyond roles: an account's profile, or the invitation that makes a pending user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    Member { profile: Profile, created_at: UnixSeconds, last_auth: UnixSeconds },
    Invited(Invitation),
}

/// One person as an org sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUser {
    pub id: ObjectId,
    pub username: String,
    pub status: MembershipStatus,
    pub org_roles: Vec<String>,
    pub project_roles: Vec<GroupRoleAssignment>,
    pub team_ids: Vec<ObjectId>,
    pub standing: Standing,
}

impl OrgUser {
    pub fn active(member: Member) -> OrgUser {
        OrgUser {
            id: member.user_id,
            username: member.username,
            status: MembershipStatus::Active,
            org_roles: member.org_roles,
            project_roles: member
                .project_roles
                .into_iter()
                .map(|(group_id, roles)| GroupRoleAssignment { group_id, roles })
                .collect(),
            team_ids: member.team_ids,
            standing: Standing::Member {
                profile: member.profile,
                created_at: member.created_at,
                last_auth: member.last_auth,
            },
        }
    }

    /// The user an org invitation makes.
    pub fn invited(invitation: Invitation, now: UnixSeconds) -> OrgUser {
        OrgUser {
            id: invitation.user_id,
            username: invitation.username.clone(),
            status: MembershipStatus::of_invitation(&invitation, now),
            org_roles: invitation.roles.clone(),
            project_roles: invitation.group_role_assignments.clone(),
            team_ids: invitation.team_ids.clone(),
            standing: Standing::Invited(invitation),
        }
    }

    pub fn invitation(&self) -> Option<&Invitation> {
        match &self.standing {
            Standing::Invited(invitation) => Some(invitation),
            Standing::Member { .. } => None,
        }
    }

    /// The user's roles in one project of the org: held (active) or to be granted on acceptance (pending).
    pub fn roles_in(&self, project_id: &ObjectId) -> Option<&[String]> {
        self.project_roles.iter().find(|a| a.group_id == *project_id).map(|a| a.roles.as_slice())
    }
}

/// Everyone an org knows, one entry per person, ordered by username: its members, and the users its org
/// invitations make (lapsed ones included; a member's own invitation, if any, is not shown twice).
pub fn org_users(members: Vec<Member>, invitations: Vec<Invitation>, now: UnixSeconds) -> Vec<OrgUser> {
    let mut users: Vec<OrgUser> = members.into_iter().map(OrgUser::active).collect();
    // The org invitation made with a deprecated project invitation is not a user ("This resource cannot be used
    // to view details about users invited via the deprecated Invite One MongoDB Cloud User to Join One Project
    // endpoint" — Atlas spec, listOrgUsers).
    for invitation in invitations.into_iter().filter(|i| i.kind == InvitationKind::Org && !i.companion) {
        if !users.iter().any(|u| u.id == invitation.user_id) {
            users.push(OrgUser::invited(invitation, now));
        }
    }
    users.sort_by(|a, b| a.username.to_ascii_lowercase().cmp(&b.username.to_ascii_lowercase()).then(a.id.cmp(&b.id)));
    users
}

/// createOrgUser's body: `{username, roles: {orgRoles, groupRoleAssignments}, teamIds}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgUserInput {
    pub username: Option<String>,
    pub org_roles: Option<Vec<String>>,
    pub group_role_assignments: Option<Vec<GroupRoleAssignmentInput>>,
    pub team_ids: Option<Vec<String>>,
}

impl From<OrgUserInput> for invitation::OrgInvitationInput {
    fn from(input: OrgUserInput) -> Self {
        invitation::OrgInvitationInput {
            username: input.username,
            roles: input.org_roles,
            team_ids: input.team_ids,
            group_role_assignments: input.group_role_assignments,
        }
    }
}

/// updateOrgUser's body: only the fields sent change ("Supplying a field with an empty value will reset that
/// field on the user" — Atlas spec). `roles`, when sent, must name the org roles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgUserUpdate {
    pub org_roles: Option<Vec<String>>,
    pub group_role_assignments: Option<Vec<GroupRoleAssignmentInput>>,
    pub team_ids: Option<Vec<String>>,
}

/// What a user is to become in one org: org roles, the roles in each of its projects, its teams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub org_roles: Vec<String>,
    pub project_roles: Vec<GroupRoleAssignment>,
    pub team_ids: Vec<ObjectId>,
}

pub fn update_org_user(
    catalog: &RoleCatalog,
    ctx: &OrgContext<'_>,
    current: &OrgUser,
    update: OrgUserUpdate,
) -> DomainResult<Assignment> {
    let org_roles = match update.org_roles {
        Some(roles) => invitation::org_roles(catalog, Some(roles), &ctx.org.id)?,
        None => current.org_roles.clone(),
    };
    let project_roles = match update.group_role_assignments {
        Some(assignments) => invitation::group_role_assignments(catalog, ctx, assignments)?,
        None => current.project_roles.clone(),
    };
    let team_ids = match update.team_ids {
        Some(ids) => invitation::team_ids(ctx, ids)?,
        None => current.team_ids.clone(),
    };
    Ok(Assignment { org_roles, project_roles, team_ids })
}

/// The one org role an `:addRole`/`:removeRole` body names, checked against the catalog.
pub fn one_org_role(catalog: &RoleCatalog, role: Option<String>, org_id: &ObjectId) -> DomainResult<String> {
    let role = role.ok_or(DomainError::MissingAttribute("orgRole"))?;
    Ok(invitation::org_roles(catalog, Some(vec![role]), org_id)?.remove(0))
}

/// The one project role an `:addRole`/`:removeRole` body names.
pub fn one_project_role(catalog: &RoleCatalog, role: Option<String>, project_id: &ObjectId) -> DomainResult<String> {
    let role = role.ok_or(DomainError::MissingAttribute("groupRole"))?;
    Ok(invitation::project_roles(catalog, Some(vec![role]), &project_id.to_string())?.remove(0))
}

/// A full set of project roles (`PUT …/roles`), at least one.
pub fn project_role_set(
    catalog: &RoleCatalog,
    roles: Option<Vec<String>>,
    project_id: &ObjectId,
) -> DomainResult<Vec<String>> {
    invitation::project_roles(catalog, roles, &project_id.to_string())
}

/// The user's assignment with the roles in one project replaced (`None`: the project removed).
pub fn with_project_roles(current: &OrgUser, project_id: &ObjectId, roles: Option<Vec<String>>) -> Assignment {
    let mut project_roles: Vec<GroupRoleAssignment> =
        current.project_roles.iter().filter(|a| a.group_id != *project_id).cloned().collect();
    if let Some(roles) = roles {
        project_roles.push(GroupRoleAssignment { group_id: *project_id, roles });
    }
    Assignment { org_roles: current.org_roles.clone(), project_roles, team_ids: current.team_ids.clone() }
}

/// The roles an org role gives in every project of the org without a role of its own there (Atlas docs,
/// https://www.mongodb.com/docs/atlas/reference/user-roles/: Organization Owner has Project Owner access to all
/// projects; Organization Read Only has Project Read Only access) — what `includeOrgUsers` shows.
pub fn implicit_project_roles(org_roles: &[String]) -> Vec<String> {
    let mut implied = Vec::new();
    if org_roles.iter().any(|r| r == crate::domain::roles::ORG_OWNER) {
        implied.push(crate::domain::roles::GROUP_OWNER.to_string());
    } else if org_roles.iter().any(|r| r == crate::domain::roles::ORG_READ_ONLY) {
        implied.push("GROUP_READ_ONLY".to_string());
    }
    implied
}

/// Adds one role ("This operation is atomic" — Atlas spec): refused when already held.
pub fn add_role(held: &[String], role: &str) -> DomainResult<Vec<String>> {
    if held.iter().any(|r| r == role) {
        return Err(DomainError::RoleAlreadyAssigned(role.to_string()));
    }
    Ok(held.iter().cloned().chain([role.to_string()]).collect())
}

/// Removes one role: "A user must have at least one role at all times" (Atlas spec, removeOrgRole).
pub fn remove_role(held: &[String], role: &str) -> DomainResult<Vec<String>> {
    if !held.iter().any(|r| r == role) {
        return Err(DomainError::RoleNotAssigned(role.to_string()));
    }
    let left: Vec<String> = held.iter().filter(|r| *r != role).cloned().collect();
    if left.is_empty() { Err(DomainError::LastRole) } else { Ok(left) }
}

/// addGroupUsers' body: `{username, roles}`, both required, roles at least one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectUserInput {
    pub username: Option<String>,
    pub roles: Option<Vec<String>>,
}

/// What adding a user to a project does, by who the username is in the project's org (Atlas spec,
/// addGroupUsers): an active member is granted the roles at once; a pending invitee's invitation gains the
/// project; anyone else gets one org invitation that covers the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectUserPlan {
    Grant { user_id: ObjectId, roles: Vec<String> },
    ExtendInvitation(Invitation),
    Invite(Invitation),
}

/// The username's validated form and roles, checked before the store is asked who the username is.
pub fn project_user_request(
    catalog: &RoleCatalog,
    project: &Project,
    input: ProjectUserInput,
) -> DomainResult<(String, Vec<String>)> {
    let username = invitation::required_username(input.username)?;
    let roles = invitation::project_roles(catalog, input.roles, &project.id.to_string())?;
    Ok((username, roles))
}

pub fn plan_project_user(
    project: &Project,
    username: String,
    roles: Vec<String>,
    existing: Option<&OrgUser>,
    invitee_id: ObjectId,
    inviter: &str,
    now: UnixSeconds,
) -> DomainResult<ProjectUserPlan> {
    let already = || DomainError::AlreadyInProject { username: username.clone(), project_id: project.id };
    match existing {
        Some(user) if user.status == MembershipStatus::Active => match user.roles_in(&project.id) {
            Some(_) => Err(already()),
            None => Ok(ProjectUserPlan::Grant { user_id: user.id, roles }),
        },
        Some(user @ OrgUser { status: MembershipStatus::Pending, standing: Standing::Invited(invitation), .. }) => {
            if user.roles_in(&project.id).is_some() {
                return Err(already());
            }
            let mut extended = invitation.clone();
            extended.group_role_assignments.push(GroupRoleAssignment { group_id: project.id, roles });
            Ok(ProjectUserPlan::ExtendInvitation(extended))
        }
        // Nobody, or an expired or declined invitation, which a new one replaces.
        _ => Ok(ProjectUserPlan::Invite(Invitation {
            id: ObjectId::new(now),
            kind: InvitationKind::Org,
            user_id: existing.map_or(invitee_id, |user| user.id),
            companion: false,
            org_id: project.org_id,
            project_id: None,
            username,
            roles: vec![ORG_MEMBER.to_string()],
            team_ids: vec![],
            group_role_assignments: vec![GroupRoleAssignment { group_id: project.id, roles }],
            inviter_username: inviter.to_string(),
            created_at: now,
            expires_at: now + INVITATION_LIFETIME,
            declined_at: None,
        })),
    }
}

/// The explicit org invitation for a username whose only pending org invitation came with a project
/// invitation takes that one over: its roles, projects and teams become the request's, and it runs 30 days from
/// now, as a new invitation would.
pub fn take_over_companion(companion: &Invitation, planned: Invitation) -> Invitation {
    Invitation { id: companion.id, user_id: companion.user_id, companion: false, ..planned }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> ObjectId {
        ObjectId::parse(text).unwrap()
    }

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    const NOW: UnixSeconds = 1_786_331_017;

    fn invitation(username: &str, expires_at: UnixSeconds) -> Invitation {
        Invitation {
            id: ObjectId::new(NOW),
            kind: InvitationKind::Org,
            user_id: ObjectId::new(NOW),
            companion: false,
            org_id: id("6f0000000000000000000001"),
            project_id: None,
            username: username.into(),
            roles: strings(&["ORG_MEMBER"]),
            team_ids: vec![],
            group_role_assignments: vec![],
            inviter_username: "k".into(),
            created_at: NOW,
            expires_at,
            declined_at: None,
        }
    }

    fn member(username: &str) -> Member {
        Member {
            user_id: ObjectId::new(NOW),
            username: username.into(),
            profile: Profile::from_username(username),
            created_at: NOW,
            last_auth: NOW,
            org_roles: strings(&["ORG_OWNER"]),
            project_roles: BTreeMap::new(),
            team_ids: vec![],
        }
    }

    #[test]
    fn invitations_are_pending_then_expired_and_sorted_with_members() {
        let users = org_users(
            vec![member("Bob@example.com")],
            vec![invitation("carol@example.com", NOW + 10), invitation("alice@example.com", NOW)],
            NOW,
        );
        let seen: Vec<(&str, MembershipStatus)> = users.iter().map(|u| (u.username.as_str(), u.status)).collect();
        assert_eq!(
            seen,
            vec![
                ("alice@example.com", MembershipStatus::InvitationExpired),
                ("Bob@example.com", MembershipStatus::Active),
                ("carol@example.com", MembershipStatus::Pending),
            ]
        );
    }

    #[test]
    fn roles_change_one_at_a_time_and_one_always_stays() {
        let held = strings(&["ORG_MEMBER"]);
        assert_eq!(add_role(&held, "ORG_READ_ONLY").unwrap(), strings(&["ORG_MEMBER", "ORG_READ_ONLY"]));
        assert_eq!(add_role(&held, "ORG_MEMBER"), Err(DomainError::RoleAlreadyAssigned("ORG_MEMBER".into())));
        assert_eq!(remove_role(&held, "ORG_MEMBER"), Err(DomainError::LastRole));
        assert_eq!(remove_role(&held, "ORG_OWNER"), Err(DomainError::RoleNotAssigned("ORG_OWNER".into())));
    }

    #[test]
    fn adding_to_a_project_depends_on_who_the_username_is() {
        let project = Project {
            id: id("6f00000000000000000000a1"),
            org_id: id("6f0000000000000000000001"),
            name: "p".into(),
            created_at: 0,
        };
        let roles = strings(&["GROUP_READ_ONLY"]);
        let plan = |existing: Option<&OrgUser>| {
            plan_project_user(&project, "u@example.com".into(), roles.clone(), existing, ObjectId::new(NOW), "k", NOW)
        };
        let active = OrgUser::active(member("u@example.com"));
        assert!(matches!(plan(Some(&active)), Ok(ProjectUserPlan::Grant { .. })));
        let pending = OrgUser::invited(invitation("u@example.com", NOW + 10), NOW);
        let Ok(ProjectUserPlan::ExtendInvitation(extended)) = plan(Some(&pending)) else { panic!("extends") };
        assert_eq!(extended.group_role_assignments[0].group_id, project.id);
        let Ok(ProjectUserPlan::Invite(new)) = plan(None) else { panic!("invites") };
        assert_eq!((new.kind, new.roles.clone()), (InvitationKind::Org, strings(&["ORG_MEMBER"])));
        let expired = OrgUser::invited(invitation("u@example.com", NOW), NOW);
        let Ok(ProjectUserPlan::Invite(renewed)) = plan(Some(&expired)) else { panic!("replaces") };
        assert_eq!(renewed.user_id, expired.id, "the same person");
        let in_project = OrgUser::invited(extended, NOW);
        assert!(matches!(plan(Some(&in_project)), Err(DomainError::AlreadyInProject { .. })));
    }
}
