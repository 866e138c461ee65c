//! Every domain error's Atlas status and code, and what store failures reveal.

use super::*;
use crate::domain::ObjectId;

/// Every variant, with the status and code it must map to. The match below has no wildcard, so a new
/// variant does not compile until it is listed here.
fn expected(err: &DomainError) -> (u16, &'static str) {
    use DomainError::*;
    match err {
        MissingAttribute(_) => (400, "MISSING_ATTRIBUTE"),
        Invalid(_) => (400, "VALIDATION_ERROR"),
        InvalidUsername(_) => (400, "INVALID_USERNAME"),
        InvalidProjectRole { .. } => (400, "INVALID_ROLE_FOR_GROUP"),
        InvalidOrgRole { .. } => (400, "INVALID_ROLE_FOR_ORG"),
        MalformedId { kind: IdKind::Project, .. } => (404, "INVALID_GROUP_ID"),
        MalformedId { kind: IdKind::Org, .. } => (404, "INVALID_ORG_ID"),
        MalformedId { kind: IdKind::Invitation, .. } => (404, "INVALID_INVITATION_ID"),
        MalformedId { kind: IdKind::User, .. } => (404, "INVALID_USER_ID"),
        ProjectNotFound(_) => (404, "GROUP_NOT_FOUND"),
        OrgNotFound(_) => (404, "ORG_NOT_FOUND"),
        InvitationNotFound(_) => (404, "INVALID_INVITATION_ID"),
        NoInvitationForUsername(_) => (404, "INVITATION_NOT_FOUND"),
        LinkNotValid => (404, "INVITATION_LINK_NOT_VALID"),
        EventNotFound(_) => (404, "EVENT_NOT_FOUND"),
        MalformedId { kind: IdKind::Event, .. } => (404, "INVALID_EVENT_ID"),
        TeamNotFound { .. } => (404, "TEAM_NOT_FOUND"),
        UsernameNotFound(_) => (404, "USERNAME_NOT_FOUND"),
        UserNotFound(_) => (404, "USER_NOT_FOUND"),
        UserNotInOrg { .. } => (404, "USER_NOT_IN_ORG"),
        UserNotInProject { .. } => (404, "USER_NOT_IN_GROUP"),
        RoleAlreadyAssigned(_) => (409, "ROLE_ALREADY_ASSIGNED"),
        RoleNotAssigned(_) => (400, "ROLE_NOT_ASSIGNED"),
        LastRole => (400, "CANNOT_REMOVE_LAST_ROLE"),
        AlreadyInvited { .. } => (409, "USER_ALREADY_INVITED"),
        AlreadyInProject { .. } => (409, "USER_ALREADY_IN_GROUP"),
        AlreadyInOrg { .. } => (409, "USER_ALREADY_IN_ORG"),
        AccountExists(_) => (409, "USER_ALREADY_EXISTS"),
        TeamNameNotFound(_) => (404, "TEAM_NAME_NOT_FOUND"),
        MalformedId { kind: IdKind::Team, .. } => (404, "INVALID_TEAM_ID"),
        TeamNameTaken { .. } => (409, "TEAM_NAME_NOT_AVAILABLE"),
        EmptyTeam => (400, "CANNOT_CREATE_EMPTY_TEAM"),
        AlreadyInTeam { .. } => (409, "USER_ALREADY_IN_TEAM"),
        NotInTeam { .. } => (404, "USER_NOT_IN_TEAM"),
        PendingUserNotAllowed(_) => (404, "CANNOT_ADD_PENDING_USER"),
        TeamAlreadyInProject { .. } => (409, "TEAM_EXISTS_IN_GROUP"),
        TeamNotInProject { .. } => (404, "TEAM_NOT_IN_GROUP"),
        NoRolesInAssignment => (403, "NO_ROLES_IN_ASSIGNMENT"),
        TeamStillAssigned(_) => (404, "CANNOT_DELETE_TEAM_ASSIGNED_TO_PROJECT"),
        TooManyTeams { .. } => (400, "MAX_TEAMS_PER_ORG_EXCEEDED"),
        TooManyProjectTeams { .. } => (400, "MAX_TEAMS_PER_GROUP_EXCEEDED"),
        TeamFull { .. } => (400, "MAX_USERS_PER_TEAM_EXCEEDED"),
        UsernameNotInOrg { .. } => (404, "USER_NOT_IN_ORG"),
        TooManyPending { kind: InvitationKind::Project, .. } => (400, "MAX_USERS_PER_GROUP_EXCEEDED"),
        TooManyPending { kind: InvitationKind::Org, .. } => (400, "MAX_USERS_PER_ORG_EXCEEDED"),
        Unauthorized => (401, "USER_UNAUTHORIZED"),
        CannotAccessProject => (401, "USER_CANNOT_ACCESS_GROUP"),
        AddressNotOnAccessList(_) => (403, "IP_ADDRESS_NOT_ON_ACCESS_LIST"),
        OrgRequiresAccessList(_) => (403, "ORG_REQUIRES_ACCESS_LIST"),
    }
}

fn every_variant() -> Vec<DomainError> {
    use DomainError::*;
    let id = ObjectId::parse("6f0000000000000000000001").unwrap();
    let address: std::net::IpAddr = "192.0.2.1".parse().unwrap();
    let mut all = vec![
        MissingAttribute("roles"),
        Invalid("roles must not contain duplicate values".into()),
        InvalidUsername("bob".into()),
        InvalidProjectRole { role: "X".into(), project_id: id.to_string() },
        InvalidOrgRole { role: "X".into(), org_id: id.to_string() },
        ProjectNotFound(id),
        OrgNotFound(id),
        InvitationNotFound(id),
        NoInvitationForUsername("a@example.com".into()),
        LinkNotValid,
        EventNotFound(id),
        TeamNotFound { team_id: "x".into(), org_id: id },
        UsernameNotFound("a@example.com".into()),
        UserNotFound(id),
        UserNotInOrg { user_id: id, org_id: id },
        UserNotInProject { user_id: id, project_id: id },
        RoleAlreadyAssigned("ORG_OWNER".into()),
        RoleNotAssigned("ORG_OWNER".into()),
        LastRole,
        AlreadyInvited { username: "a@example.com".into(), scope_id: id },
        AlreadyInProject { username: "a@example.com".into(), project_id: id },
        AlreadyInOrg { username: "a@example.com".into(), org_id: id },
        AccountExists("a@example.com".into()),
        TeamNameNotFound("Ops".into()),
        TeamNameTaken { name: "Ops".into(), org_id: id },
        EmptyTeam,
        AlreadyInTeam { user_id: id, team_id: id },
        NotInTeam { user_id: id, team_id: id },
        PendingUserNotAllowed(id),
        TeamAlreadyInProject { team_id: id, project_id: id },
        TeamNotInProject { team_id: id, project_id: id },
        NoRolesInAssignment,
        TeamStillAssigned(id),
        TooManyTeams { org_id: id, limit: 250 },
        TooManyProjectTeams { project_id: id, limit: 100 },
        TeamFull { team_id: id, limit: 250 },
        UsernameNotInOrg { username: "a@example.com".into(), org_id: id },
        Unauthorized,
        CannotAccessProject,
        AddressNotOnAccessList(address),
        OrgRequiresAccessList(address),
    ];
    for kind in [IdKind::Project, IdKind::Org, IdKind::Invitation, IdKind::User, IdKind::Team, IdKind::Event] {
        all.push(MalformedId { kind, id: "nope".into() });
    }
    for kind in [InvitationKind::Project, InvitationKind::Org] {
        all.push(TooManyPending { kind, limit: 500 });
    }
    all
}

#[test]
fn every_domain_error_maps_to_its_atlas_status_and_code() {
    for err in every_variant() {
        let (status, code) = expected(&err);
        let api = ApiError::from(err.clone());
        assert_eq!((api.status, api.error_code), (status, code), "{err:?}");
        let body = api.body();
        assert_eq!(body["error"], status);
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()) && body["parameters"].is_array());
        assert_ne!(reason_phrase(status), "Error", "{status} has a reason phrase");
        assert!(!err.to_string().is_empty(), "the admin command line has a sentence for {err:?}");
    }
}

#[test]
fn store_failures_say_nothing_of_the_database() {
    let unavailable = ApiError::from(StoreError::Unavailable("connection refused to 10.0.0.5".into()));
    assert_eq!((unavailable.status, unavailable.error_code), (503, "SERVICE_UNAVAILABLE"));
    assert_eq!(unavailable.retry_after, Some(5), "a 503 says when to retry");
    let other = ApiError::from(StoreError::Other("syntax error at or near SELECT".into()));
    assert_eq!((other.status, other.error_code), (500, "UNEXPECTED_ERROR"));
    assert!(!other.detail.contains("SELECT"));
}
