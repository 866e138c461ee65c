//! Invitations: what a valid one looks like, how it changes, when it lapses and what accepting it grants.

use std::collections::HashSet;

use crate::clock::UnixSeconds;
use crate::domain::error::{DomainError, DomainResult, IdKind};
use crate::domain::ids::ObjectId;
pub use crate::domain::model::InvitationKind;
use crate::domain::model::{Org, Project};
use crate::domain::roles::{ORG_MEMBER, RoleCatalog};
use crate::domain::username;

/// "Users have 30 days to accept an invitation"; recorded responses show expiresAt = createdAt + 30 days.
pub const INVITATION_LIFETIME: i64 = 30 * 24 * 60 * 60;
/// Atlas allows 500 users per project and per organization; pending invitations count toward it.
pub const MAX_PENDING_PER_SCOPE: usize = 500;
/// Bounds on list-valued fields, so one request cannot ask for unbounded work.
const MAX_ROLES: usize = 32;
const MAX_TEAMS: usize = 100;
const MAX_GROUP_ASSIGNMENTS: usize = 100;

/// Project roles an org invitation grants in one project on acceptance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRoleAssignment {
    pub group_id: ObjectId,
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: ObjectId,
    pub kind: InvitationKind,
    /// The invited person: the pending user the users API shows for an org invitation.
    pub user_id: ObjectId,
    /// An org invitation made together with a project invitation, which an explicit org invitation for the
    /// same username takes over.
    pub companion: bool,
    pub org_id: ObjectId,
    /// Set for project invitations only.
    pub project_id: Option<ObjectId>,
    pub username: String,
    pub roles: Vec<String>,
    /// Org invitations only: teams joined on acceptance.
    pub team_ids: Vec<ObjectId>,
    /// Org invitations only: project roles granted on acceptance.
    pub group_role_assignments: Vec<GroupRoleAssignment>,
    pub inviter_username: String,
    pub created_at: UnixSeconds,
    pub expires_at: UnixSeconds,
    /// When the invitee declined: the invitation is no longer pending, and its user is INVITATION_REJECTED.
    pub declined_at: Option<UnixSeconds>,
}

impl Invitation {
    /// Expired invitations are treated as gone: not listed, not readable, not updatable, and replaced by a new
    /// invitation for the same username.
    pub fn is_pending(&self, now: UnixSeconds) -> bool {
        self.declined_at.is_none() && now < self.expires_at
    }

    /// The project or org the invitation belongs to.
    pub fn scope_id(&self) -> ObjectId {
        self.project_id.unwrap_or(self.org_id)
    }
}

/// A project invitation request as sent (absent fields are `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectInvitationInput {
    pub username: Option<String>,
    pub roles: Option<Vec<String>>,
}

/// `{groupId, roles}` as a request sends it: the id is checked with the rest of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRoleAssignmentInput {
    pub group_id: String,
    pub roles: Vec<String>,
}

/// An org invitation request as sent (absent fields are `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgInvitationInput {
    pub username: Option<String>,
    pub roles: Option<Vec<String>>,
    pub team_ids: Option<Vec<String>>,
    pub group_role_assignments: Option<Vec<GroupRoleAssignmentInput>>,
}

/// Who the invitee already is: their user id if the username is known, and whether they belong to the target
/// org and project.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InviteeStanding {
    pub user_id: Option<ObjectId>,
    pub org_member: bool,
    pub project_member: bool,
}

impl InviteeStanding {
    /// The invitee's user id: theirs, or a new one for a username never seen.
    pub fn user_id_or_new(&self, now: UnixSeconds) -> ObjectId {
        self.user_id.unwrap_or_else(|| ObjectId::new(now))
    }
}

/// An organization with the ids of its projects and teams, which org invitations may refer to.
pub struct OrgContext<'a> {
    pub org: &'a Org,
    pub project_ids: &'a [ObjectId],
    pub team_ids: &'a [ObjectId],
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
) -> DomainResult<NewProjectInvitation> {
    let username = required_username(input.username)?;
    let roles = project_roles(catalog, input.roles, &project.id.to_string())?;
    if standing.project_member {
        return Err(DomainError::AlreadyInProject { username, project_id: project.id });
    }
    let invitation = Invitation {
        id: ObjectId::new(now),
        kind: InvitationKind::Project,
        user_id: standing.user_id_or_new(now),
        companion: false,
        org_id: project.org_id,
        project_id: Some(project.id),
        username,
        roles,
        team_ids: vec![],
        group_role_assignments: vec![],
        inviter_username: inviter.to_string(),
        created_at: now,
        expires_at: now + INVITATION_LIFETIME,
        declined_at: None,
    };
    let companion_org_invitation = (!standing.org_member).then(|| Invitation {
        id: ObjectId::new(now),
        kind: InvitationKind::Org,
        companion: true,
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
) -> DomainResult<Invitation> {
    let username = required_username(input.username)?;
    let roles = org_roles(catalog, input.roles, &ctx.org.id)?;
    let team_ids = team_ids(ctx, input.team_ids.unwrap_or_default())?;
    let group_role_assignments =
        group_role_assignments(catalog, ctx, input.group_role_assignments.unwrap_or_default())?;
    if standing.org_member {
        return Err(DomainError::AlreadyInOrg { username, org_id: ctx.org.id });
    }
    Ok(Invitation {
        id: ObjectId::new(now),
        kind: InvitationKind::Org,
        user_id: standing.user_id_or_new(now),
        companion: false,
        org_id: ctx.org.id,
        project_id: None,
        username,
        roles,
        team_ids,
        group_role_assignments,
        inviter_username: inviter.to_string(),
        created_at: now,
        expires_at: now + INVITATION_LIFETIME,
        declined_at: None,
    })
}

/// Atlas's cap on users and pending invitations in one project or org, checked against the pending count the
/// store reads inside the creating transaction.
pub fn ensure_capacity(kind: InvitationKind, pending: usize) -> DomainResult<()> {
    if pending < MAX_PENDING_PER_SCOPE {
        Ok(())
    } else {
        Err(DomainError::TooManyPending { kind, limit: MAX_PENDING_PER_SCOPE })
    }
}

/// PATCH on a project invitation replaces its roles; nothing else changes (createdAt and expiresAt included).
pub fn update_project_invitation(
    catalog: &RoleCatalog,
    invitation: &Invitation,
    roles: Option<Vec<String>>,
) -> DomainResult<Invitation> {
    let roles = project_roles(catalog, roles, &invitation.scope_id().to_string())?;
    Ok(Invitation { roles, ..invitation.clone() })
}

/// PATCH on an org invitation replaces each field it carries (roles are required, as in the v1.0 docs);
/// fields it omits keep their value.
pub fn update_org_invitation(
    catalog: &RoleCatalog,
    ctx: &OrgContext<'_>,
    invitation: &Invitation,
    input: OrgInvitationInput,
) -> DomainResult<Invitation> {
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
    pub org_id: ObjectId,
    /// Added to the user's org roles; joining a project makes the user an org member.
    pub org_roles: Vec<String>,
    pub project_roles: Vec<(ObjectId, Vec<String>)>,
    pub team_ids: Vec<ObjectId>,
}

pub fn acceptance(invitation: &Invitation) -> Acceptance {
    match invitation.kind {
        InvitationKind::Org => Acceptance {
            username: invitation.username.clone(),
            org_id: invitation.org_id,
            org_roles: invitation.roles.clone(),
            project_roles: invitation.group_role_assignments.iter().map(|a| (a.group_id, a.roles.clone())).collect(),
            team_ids: invitation.team_ids.clone(),
        },
        InvitationKind::Project => Acceptance {
            username: invitation.username.clone(),
            org_id: invitation.org_id,
            org_roles: vec![ORG_MEMBER.to_string()],
            project_roles: vec![(invitation.scope_id(), invitation.roles.clone())],
            team_ids: vec![],
        },
    }
}

/// Granting adds roles: a member keeps the roles it held and gains the new ones, in the order first granted.
pub fn merge_roles(held: &[String], granted: &[String]) -> Vec<String> {
    let mut merged = held.to_vec();
    for role in granted {
        if !merged.contains(role) {
            merged.push(role.clone());
        }
    }
    merged
}

pub(super) fn required_username(username: Option<String>) -> DomainResult<String> {
    let username = username.ok_or(DomainError::MissingAttribute("username"))?;
    username::validate(&username)?;
    Ok(username)
}

fn role_list(roles: Option<Vec<String>>) -> DomainResult<Vec<String>> {
    let roles = roles.filter(|r| !r.is_empty()).ok_or(DomainError::MissingAttribute("roles"))?;
    if roles.len() > MAX_ROLES {
        return Err(DomainError::Invalid(format!("roles may hold at most {MAX_ROLES} values")));
    }
    ensure_unique("roles", &roles)?;
    Ok(roles)
}

pub(super) fn project_roles(
    catalog: &RoleCatalog,
    roles: Option<Vec<String>>,
    project_id: &str,
) -> DomainResult<Vec<String>> {
    let roles = role_list(roles)?;
    match roles.iter().find(|r| !catalog.is_project_role(r)) {
        Some(bad) => Err(DomainError::InvalidProjectRole { role: bad.clone(), project_id: project_id.to_string() }),
        None => Ok(roles),
    }
}

pub(super) fn org_roles(
    catalog: &RoleCatalog,
    roles: Option<Vec<String>>,
    org_id: &ObjectId,
) -> DomainResult<Vec<String>> {
    let roles = role_list(roles)?;
    match roles.iter().find(|r| !catalog.is_org_role(r)) {
        Some(bad) => Err(DomainError::InvalidOrgRole { role: bad.clone(), org_id: org_id.to_string() }),
        None => Ok(roles),
    }
}

pub(super) fn team_ids(ctx: &OrgContext<'_>, ids: Vec<String>) -> DomainResult<Vec<ObjectId>> {
    if ids.len() > MAX_TEAMS {
        return Err(DomainError::Invalid(format!("teamIds may hold at most {MAX_TEAMS} values")));
    }
    ensure_unique("teamIds", &ids)?;
    ids.iter()
        .map(|text| match ObjectId::parse(text) {
            Some(id) if ctx.team_ids.contains(&id) => Ok(id),
            _ => Err(DomainError::TeamNotFound { team_id: text.clone(), org_id: ctx.org.id }),
        })
        .collect()
}

/// Each project named must belong to the invitation's org; a project of another org is answered exactly like
/// one that does not exist, so the request reveals nothing about other orgs.
pub(super) fn group_role_assignments(
    catalog: &RoleCatalog,
    ctx: &OrgContext<'_>,
    assignments: Vec<GroupRoleAssignmentInput>,
) -> DomainResult<Vec<GroupRoleAssignment>> {
    if assignments.len() > MAX_GROUP_ASSIGNMENTS {
        return Err(DomainError::Invalid(format!(
            "groupRoleAssignments may hold at most {MAX_GROUP_ASSIGNMENTS} values"
        )));
    }
    let group_ids: Vec<String> = assignments.iter().map(|a| a.group_id.clone()).collect();
    ensure_unique("groupRoleAssignments.groupId", &group_ids)?;
    assignments
        .into_iter()
        .map(|assignment| {
            let group_id = ObjectId::parse(&assignment.group_id)
                .ok_or(DomainError::MalformedId { kind: IdKind::Project, id: assignment.group_id.clone() })?;
            if !ctx.project_ids.contains(&group_id) {
                return Err(DomainError::ProjectNotFound(group_id));
            }
            let roles = project_roles(catalog, Some(assignment.roles), &assignment.group_id)?;
            Ok(GroupRoleAssignment { group_id, roles })
        })
        .collect()
}

fn ensure_unique(field: &str, values: &[String]) -> DomainResult<()> {
    let mut seen = HashSet::new();
    if values.iter().all(|v| seen.insert(v)) {
        Ok(())
    } else {
        Err(DomainError::Invalid(format!("{field} must not contain duplicate values")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixSeconds = 1_786_330_017; // 2026-08-10T03:26:57Z

    fn id(text: &str) -> ObjectId {
        ObjectId::parse(text).unwrap()
    }

    fn acme() -> Org {
        Org { id: id("6f0000000000000000000001"), name: "Acme".into(), created_at: 0, api_access_list_required: false }
    }

    fn prod() -> Project {
        Project { id: id("6f00000000000000000000a1"), org_id: acme().id, name: "acme-prod".into(), created_at: 0 }
    }

    fn strings(values: &[&str]) -> Option<Vec<String>> {
        Some(values.iter().map(|v| v.to_string()).collect())
    }

    fn project_input(username: &str, roles: &[&str]) -> ProjectInvitationInput {
        ProjectInvitationInput { username: Some(username.into()), roles: strings(roles) }
    }

    fn plan(input: ProjectInvitationInput, standing: InviteeStanding) -> DomainResult<NewProjectInvitation> {
        plan_project_invitation(&RoleCatalog::ATLAS, &prod(), input, "acmeownr", standing, NOW)
    }

    #[test]
    fn project_invitation_expires_in_30_days_and_brings_an_org_invitation_for_outsiders() {
        let planned = plan(project_input("new@example.com", &["GROUP_READ_ONLY"]), InviteeStanding::default()).unwrap();
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
        let member = InviteeStanding { org_member: true, ..InviteeStanding::default() };
        let planned = plan(project_input("m@example.com", &["GROUP_OWNER"]), member).unwrap();
        assert!(planned.companion_org_invitation.is_none());
        let in_project = InviteeStanding { org_member: true, project_member: true, user_id: None };
        let err = plan(project_input("m@example.com", &["GROUP_OWNER"]), in_project).unwrap_err();
        assert_eq!(err, DomainError::AlreadyInProject { username: "m@example.com".into(), project_id: prod().id });
    }

    #[test]
    fn project_roles_are_checked() {
        let invalid = |role: &str| DomainError::InvalidProjectRole {
            role: role.into(),
            project_id: "6f00000000000000000000a1".into(),
        };
        let cases: Vec<(&[&str], DomainError)> = vec![
            (&[], DomainError::MissingAttribute("roles")),
            (&["ORG_OWNER"], invalid("ORG_OWNER")),
            (&["GROUP_SUPERUSER"], invalid("GROUP_SUPERUSER")),
            (&["GROUP_OWNER", "GROUP_OWNER"], DomainError::Invalid("roles must not contain duplicate values".into())),
        ];
        for (roles, expected) in cases {
            let err = plan(project_input("a@example.com", roles), InviteeStanding::default()).unwrap_err();
            assert_eq!(err, expected, "{roles:?}");
        }
        let missing = ProjectInvitationInput { username: Some("a@example.com".into()), roles: None };
        assert_eq!(plan(missing, InviteeStanding::default()).unwrap_err(), DomainError::MissingAttribute("roles"));
    }

    #[test]
    fn org_invitations_may_only_point_inside_their_org() {
        let org = acme();
        let projects = vec![prod().id];
        let teams = vec![id("6f00000000000000000000c1")];
        let ctx = OrgContext { org: &org, project_ids: &projects, team_ids: &teams };
        let input = |team: &str, group: &str, role: &str| OrgInvitationInput {
            username: Some("o@example.com".into()),
            roles: strings(&["ORG_MEMBER"]),
            team_ids: strings(&[team]),
            group_role_assignments: Some(vec![GroupRoleAssignmentInput {
                group_id: group.into(),
                roles: vec![role.into()],
            }]),
        };
        let plan_org =
            |input| plan_org_invitation(&RoleCatalog::ATLAS, &ctx, input, "k", InviteeStanding::default(), NOW);
        let team = "6f00000000000000000000c1";
        let project = "6f00000000000000000000a1";
        assert!(plan_org(input(team, project, "GROUP_READ_ONLY")).is_ok());
        let cases = [
            (
                input("6f00000000000000000000c9", project, "GROUP_READ_ONLY"),
                DomainError::TeamNotFound { team_id: "6f00000000000000000000c9".into(), org_id: org.id },
            ),
            (
                input(team, "6f00000000000000000000b1", "GROUP_READ_ONLY"),
                DomainError::ProjectNotFound(id("6f00000000000000000000b1")),
            ),
            (
                input(team, "not-an-id", "GROUP_READ_ONLY"),
                DomainError::MalformedId { kind: IdKind::Project, id: "not-an-id".into() },
            ),
            (
                input(team, project, "ORG_OWNER"),
                DomainError::InvalidProjectRole { role: "ORG_OWNER".into(), project_id: project.into() },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(plan_org(input).unwrap_err(), expected);
        }
    }

    #[test]
    fn updates_replace_roles_and_keep_times() {
        let planned = plan(project_input("u@example.com", &["GROUP_READ_ONLY"]), InviteeStanding::default()).unwrap();
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
        let planned = plan(project_input("e@example.com", &["GROUP_READ_ONLY"]), InviteeStanding::default()).unwrap();
        let inv = planned.invitation;
        assert!(inv.is_pending(inv.expires_at - 1));
        assert!(!inv.is_pending(inv.expires_at));
    }

    #[test]
    fn the_pending_cap_counts_every_pending_invitation() {
        assert_eq!(ensure_capacity(InvitationKind::Org, MAX_PENDING_PER_SCOPE - 1), Ok(()));
        assert_eq!(
            ensure_capacity(InvitationKind::Project, MAX_PENDING_PER_SCOPE),
            Err(DomainError::TooManyPending { kind: InvitationKind::Project, limit: MAX_PENDING_PER_SCOPE })
        );
    }

    #[test]
    fn accepting_a_project_invitation_joins_the_org_as_member() {
        let planned = plan(project_input("j@example.com", &["GROUP_OWNER"]), InviteeStanding::default()).unwrap();
        let granted = acceptance(&planned.invitation);
        assert_eq!(granted.org_roles, vec!["ORG_MEMBER"]);
        assert_eq!(granted.project_roles, vec![(prod().id, vec!["GROUP_OWNER".to_string()])]);
    }

    #[test]
    fn granting_adds_roles_without_repeating_them() {
        let held = vec!["ORG_MEMBER".to_string()];
        let granted = vec!["ORG_READ_ONLY".to_string(), "ORG_MEMBER".to_string()];
        assert_eq!(merge_roles(&held, &granted), vec!["ORG_MEMBER", "ORG_READ_ONLY"]);
    }
}
