//! MongoDB Cloud accounts made through the deprecated `POST /users` (Atlas spec, createUser): "Creates one
//! MongoDB Cloud user account… MongoDB Cloud sends an email to the users you specify, inviting them to join the
//! project. Invited users don't have access to the project until they accept the invitation." So the account
//! holds no roles; the roles asked for become one invitation to the caller's org.

use crate::domain::error::{DomainError, DomainResult, IdKind};
use crate::domain::ids::ObjectId;
use crate::domain::invitation::{GroupRoleAssignmentInput, OrgInvitationInput};
use crate::domain::model::{Org, Profile, User};
use crate::domain::roles::ORG_MEMBER;
use crate::domain::username;

/// The spec's `password` has `minLength: 8`. It is checked and then dropped: this server signs nobody in.
const MIN_PASSWORD_LENGTH: usize = 8;

/// One `{orgId | groupId, roleName}` of a CloudAppUser body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleAssignmentInput {
    pub org_id: Option<String>,
    pub group_id: Option<String>,
    pub role_name: Option<String>,
}

/// A CloudAppUser body as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountInput {
    pub username: Option<String>,
    pub password: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub country: Option<String>,
    pub mobile_number: Option<String>,
    pub roles: Vec<RoleAssignmentInput>,
}

/// A checked account request: who, their profile, and the org invitation their roles make (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub username: String,
    pub profile: Profile,
    pub invitation: Option<OrgInvitationInput>,
}

pub fn plan_account(input: AccountInput, org: &Org) -> DomainResult<NewAccount> {
    let username = input.username.ok_or(DomainError::MissingAttribute("username"))?;
    username::validate(&username)?;
    let password = input.password.ok_or(DomainError::MissingAttribute("password"))?;
    if password.chars().count() < MIN_PASSWORD_LENGTH {
        return Err(DomainError::Invalid(format!("password must be at least {MIN_PASSWORD_LENGTH} characters")));
    }
    let first_name = required_text(input.first_name, "firstName")?;
    let last_name = required_text(input.last_name, "lastName")?;
    let country = input.country.unwrap_or_else(|| "US".to_string());
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(DomainError::Invalid(format!("country {country:?} is not an ISO 3166-1 alpha-2 code")));
    }
    let mut org_roles = Vec::new();
    let mut assignments: Vec<GroupRoleAssignmentInput> = Vec::new();
    for role in input.roles {
        let name = role.role_name.ok_or(DomainError::MissingAttribute("roles.roleName"))?;
        match (role.org_id, role.group_id) {
            (Some(org_id), None) => {
                // Roles in another org are not the caller's to give; answered as for a missing org.
                let id = ObjectId::parse(&org_id).ok_or(DomainError::MalformedId { kind: IdKind::Org, id: org_id })?;
                if id != org.id {
                    return Err(DomainError::OrgNotFound(id));
                }
                org_roles.push(name);
            }
            (None, Some(group_id)) => match assignments.iter_mut().find(|a| a.group_id == group_id) {
                Some(assignment) => assignment.roles.push(name),
                None => assignments.push(GroupRoleAssignmentInput { group_id, roles: vec![name] }),
            },
            _ => return Err(DomainError::Invalid("each role names exactly one of orgId and groupId".into())),
        }
    }
    let invitation = (!org_roles.is_empty() || !assignments.is_empty()).then(|| OrgInvitationInput {
        username: Some(username.clone()),
        roles: Some(if org_roles.is_empty() { vec![ORG_MEMBER.to_string()] } else { org_roles }),
        team_ids: None,
        group_role_assignments: Some(assignments),
    });
    let profile = Profile { first_name, last_name, country, mobile_number: input.mobile_number };
    Ok(NewAccount { username, profile, invitation })
}

/// Whether the person has a MongoDB Cloud account already: made one, or belongs somewhere.
pub fn has_account(user: &User) -> bool {
    user.activated_at.is_some() || !user.org_roles.is_empty() || !user.project_roles.is_empty()
}

fn required_text(value: Option<String>, attribute: &'static str) -> DomainResult<String> {
    value.filter(|v| !v.trim().is_empty()).ok_or(DomainError::MissingAttribute(attribute))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Org {
        Org {
            id: ObjectId::parse("6f0000000000000000000001").unwrap(),
            name: "o".into(),
            created_at: 0,
            api_access_list_required: false,
        }
    }

    fn input() -> AccountInput {
        AccountInput {
            username: Some("new@example.com".into()),
            password: Some("correct horse".into()),
            first_name: Some("New".into()),
            last_name: Some("Person".into()),
            country: Some("IE".into()),
            mobile_number: None,
            roles: vec![],
        }
    }

    #[test]
    fn roles_become_one_org_invitation() {
        let mut with_roles = input();
        with_roles.roles = vec![
            RoleAssignmentInput {
                org_id: None,
                group_id: Some("6f00000000000000000000a1".into()),
                role_name: Some("GROUP_READ_ONLY".into()),
            },
            RoleAssignmentInput {
                org_id: None,
                group_id: Some("6f00000000000000000000a1".into()),
                role_name: Some("GROUP_OWNER".into()),
            },
        ];
        let planned = plan_account(with_roles, &org()).unwrap();
        let invitation = planned.invitation.expect("an invitation");
        assert_eq!(invitation.roles, Some(vec![ORG_MEMBER.to_string()]));
        assert_eq!(invitation.group_role_assignments.unwrap()[0].roles, vec!["GROUP_READ_ONLY", "GROUP_OWNER"]);
        assert_eq!(plan_account(input(), &org()).unwrap().invitation, None);
    }

    #[test]
    fn bad_accounts_are_refused() {
        let short = AccountInput { password: Some("short".into()), ..input() };
        assert!(matches!(plan_account(short, &org()), Err(DomainError::Invalid(_))));
        let nameless = AccountInput { first_name: Some(" ".into()), ..input() };
        assert_eq!(plan_account(nameless, &org()), Err(DomainError::MissingAttribute("firstName")));
        let lower = AccountInput { country: Some("ie".into()), ..input() };
        assert!(matches!(plan_account(lower, &org()), Err(DomainError::Invalid(_))));
        let mut foreign = input();
        foreign.roles = vec![RoleAssignmentInput {
            org_id: Some("6f0000000000000000000002".into()),
            group_id: None,
            role_name: Some("ORG_OWNER".into()),
        }];
        assert!(matches!(plan_account(foreign, &org()), Err(DomainError::OrgNotFound(_))));
    }
}
