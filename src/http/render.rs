//! Entities as Atlas writes them: compact JSON with keys in alphabetical order (serde_json's map is sorted),
//! timestamps to the second with `Z`, and no `links` on invitations (recorded Atlas responses carry none).

use serde_json::{Value, json};

use crate::clock::UnixSeconds;
use crate::domain::events::{Actor, Event};
use crate::domain::teams::ProjectTeam;
use crate::domain::users::{OrgUser, Standing};
use crate::domain::{Invitation, ObjectId, Org, Project, Team, User};
use crate::service::ProjectUser;

pub fn timestamp(at: UnixSeconds) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// GroupInvitation.
pub fn project_invitation(invitation: &Invitation, project: &Project) -> Value {
    json!({
        "createdAt": timestamp(invitation.created_at),
        "expiresAt": timestamp(invitation.expires_at),
        "groupId": project.id,
        "groupName": project.name,
        "id": invitation.id,
        "inviterUsername": invitation.inviter_username,
        "roles": invitation.roles,
        "username": invitation.username,
    })
}

/// OrganizationInvitation: `groupRoleAssignments` and `teamIds` always present, `[]` when empty; one
/// `{groupId, groupRole}` item per granted role (the spec's GroupRole shape).
pub fn org_invitation(invitation: &Invitation, org: &Org, with_group_role_assignments: bool) -> Value {
    let group_roles: Vec<Value> = invitation
        .group_role_assignments
        .iter()
        .flat_map(|a| a.roles.iter().map(move |role| json!({ "groupId": a.group_id, "groupRole": role })))
        .collect();
    let mut body = json!({
        "createdAt": timestamp(invitation.created_at),
        "expiresAt": timestamp(invitation.expires_at),
        "groupRoleAssignments": group_roles,
        "id": invitation.id,
        "inviterUsername": invitation.inviter_username,
        "orgId": org.id,
        "orgName": org.name,
        "roles": invitation.roles,
        "teamIds": invitation.team_ids,
        "username": invitation.username,
    });
    if !with_group_role_assignments {
        body.as_object_mut().expect("an object").remove("groupRoleAssignments");
    }
    body
}

/// AtlasOrganization.
pub fn org(org: &Org) -> Value {
    json!({ "id": org.id, "isDeleted": false, "name": org.name })
}

/// Group (a project), as GET /groups/{groupId} shows it.
pub fn project(project: &Project) -> Value {
    json!({
        "clusterCount": 0,
        "created": timestamp(project.created_at),
        "id": project.id,
        "name": project.name,
        "orgId": project.org_id,
        "withDefaultAlertsSettings": true,
    })
}

/// CloudAppUser (the deprecated `/users` calls), limited to the roles held in `org_id` and its projects, with
/// the three links Atlas sends (recorded: iam/atlasusers). `lastAuth` and `mobileNumber` appear when known.
pub fn user(user: &User, org_id: &ObjectId, org_project_ids: &[ObjectId], base_url: &str) -> Value {
    let mut roles: Vec<Value> = user
        .org_roles
        .get(org_id)
        .into_iter()
        .flatten()
        .map(|role| json!({ "orgId": org_id, "roleName": role }))
        .collect();
    for (project_id, project_roles) in &user.project_roles {
        if org_project_ids.contains(project_id) {
            roles.extend(project_roles.iter().map(|role| json!({ "groupId": project_id, "roleName": role })));
        }
    }
    let href = format!("{base_url}/api/atlas/v2/users/{}", user.id);
    let mut body = json!({
        "country": user.profile.country,
        "createdAt": timestamp(user.activated_at.unwrap_or(user.created_at)),
        "emailAddress": user.username,
        "firstName": user.profile.first_name,
        "id": user.id,
        "lastName": user.profile.last_name,
        "links": [
            { "href": href, "rel": "self" },
            { "href": format!("{href}/whitelist"), "rel": "https://cloud.mongodb.com/whitelist" },
            { "href": format!("{href}/accessList"), "rel": "https://cloud.mongodb.com/accessList" },
        ],
        "roles": roles,
        "teamIds": user.team_ids,
        "username": user.username,
    });
    let fields = body.as_object_mut().expect("an object");
    if let Some(last_auth) = user.last_auth {
        fields.insert("lastAuth".into(), json!(timestamp(last_auth)));
    }
    if let Some(mobile) = &user.profile.mobile_number {
        fields.insert("mobileNumber".into(), json!(mobile));
    }
    body
}

/// A CloudAppUser as an item of a list (recorded: iam/atlasteamusers/TestAtlasTeamUsers/Add): only its self
/// link.
pub fn user_list_item(user: &User, org_id: &ObjectId, org_project_ids: &[ObjectId], base_url: &str) -> Value {
    let mut body = self::user(user, org_id, org_project_ids, base_url);
    if let Some(links) = body.get_mut("links").and_then(Value::as_array_mut) {
        links.truncate(1);
    }
    body
}

/// An event (recorded: generic/events/TestEvents): who acted (`apiKeyId`, `publicKey`, `remoteAddress` for a
/// credential; `userId`, `username` for a person; `isGlobalAdmin: true` for this server's operator), on whom or
/// which team. Org lists write `orgId`, project lists do not; an event outside any project links to
/// `/groups/null/events/{id}`, exactly as Atlas does.
pub fn event(event: &Event, with_org: bool, base_url: &str) -> Value {
    let group = event.project_id.map_or_else(|| "null".to_string(), |id| id.to_string());
    let href = format!("{base_url}/api/atlas/v2/groups/{group}/events/{}", event.id);
    let mut body = json!({
        "created": timestamp(event.created_at),
        "eventTypeName": event.event_type.as_str(),
        "id": event.id,
        "isGlobalAdmin": event.actor == Actor::Operator,
        "links": [{ "href": href, "rel": "self" }],
    });
    let fields = body.as_object_mut().expect("an object");
    if with_org {
        fields.insert("orgId".into(), json!(event.org_id));
    }
    if let Some(project_id) = event.project_id {
        fields.insert("groupId".into(), json!(project_id));
    }
    match &event.actor {
        Actor::Credential { api_key_id, public_key, remote_address } => {
            if let Some(id) = api_key_id {
                fields.insert("apiKeyId".into(), json!(id));
            }
            fields.insert("publicKey".into(), json!(public_key));
            if let Some(address) = remote_address {
                fields.insert("remoteAddress".into(), json!(address.to_string()));
            }
        }
        Actor::Person { user_id, username } => {
            fields.insert("userId".into(), json!(user_id));
            fields.insert("username".into(), json!(username));
        }
        Actor::Operator => {}
    }
    if let Some(username) = &event.target_username {
        fields.insert("targetUsername".into(), json!(username));
    }
    if let Some(team_id) = event.team_id {
        fields.insert("teamId".into(), json!(team_id));
    }
    body
}

/// TeamResponse (recorded: iam/atlasteams/TestAtlasTeams/Describe_By_ID): id, self link, name.
pub fn team(team: &Team, base_url: &str) -> Value {
    let href = format!("{base_url}/api/atlas/v2/orgs/{}/teams/{}", team.org_id, team.id);
    json!({ "id": team.id, "links": [{ "href": href, "rel": "self" }], "name": team.name })
}

/// Team as createOrgTeam answers it (recorded: iam/atlasteams/TestAtlasTeams/Create): with its usernames.
pub fn new_team(team: &Team, usernames: &[String], base_url: &str) -> Value {
    let mut body = self::team(team, base_url);
    body.as_object_mut().expect("an object").insert("usernames".into(), json!(usernames));
    body
}

/// TeamRole (recorded: iam/atlasprojectteams/TestAtlasProjectTeams/List): roles as written, self link.
pub fn project_team(project_id: &ObjectId, assigned: &ProjectTeam, base_url: &str) -> Value {
    let href = format!("{base_url}/api/atlas/v2/groups/{project_id}/teams/{}", assigned.team_id);
    json!({ "links": [{ "href": href, "rel": "self" }], "roleNames": assigned.roles, "teamId": assigned.team_id })
}

/// OrgUserResponse (recorded: iam/atlasorgs/TestAtlasOrgs/List_Org_Users): active users carry their profile
/// (`mobileNumber` written as null when unknown), pending and expired ones their invitation.
pub fn org_user(user: &OrgUser) -> Value {
    let assignments: Vec<Value> =
        user.project_roles.iter().map(|a| json!({ "groupId": a.group_id, "groupRoles": a.roles })).collect();
    let mut body = person(user, json!({ "groupRoleAssignments": assignments, "orgRoles": user.org_roles }));
    body.as_object_mut().expect("an object").insert("teamIds".into(), json!(user.team_ids));
    body
}

/// GroupUserResponse (recorded: iam/atlasprojects/TestAtlasProjects/Users): the roles in the project, no teams.
pub fn project_user(user: &ProjectUser) -> Value {
    person(&user.user, json!(user.roles))
}

fn person(user: &OrgUser, roles: Value) -> Value {
    let mut body = json!({
        "id": user.id,
        "orgMembershipStatus": user.status.as_str(),
        "roles": roles,
        "username": user.username,
    });
    let fields = body.as_object_mut().expect("an object");
    match &user.standing {
        Standing::Member { profile, created_at, last_auth } => {
            fields.insert("country".into(), json!(profile.country));
            fields.insert("createdAt".into(), json!(timestamp(*created_at)));
            fields.insert("firstName".into(), json!(profile.first_name));
            fields.insert("lastAuth".into(), json!(timestamp(*last_auth)));
            fields.insert("lastName".into(), json!(profile.last_name));
            fields.insert("mobileNumber".into(), json!(profile.mobile_number));
        }
        Standing::Invited(invitation) => {
            fields.insert("invitationCreatedAt".into(), json!(timestamp(invitation.created_at)));
            // "null for rejected invitations" (Atlas spec, OrgUserResponse.invitationExpiresAt).
            let expires_at = invitation.declined_at.is_none().then(|| timestamp(invitation.expires_at));
            fields.insert("invitationExpiresAt".into(), json!(expires_at));
            fields.insert("inviterUsername".into(), json!(invitation.inviter_username));
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::InvitationKind;

    #[test]
    fn project_invitation_is_byte_identical_to_the_recorded_atlas_body() {
        let id = |text: &str| ObjectId::parse(text).unwrap();
        let project = Project {
            id: id("6a793fd0c0eb9e7a177181d4"),
            org_id: id("a0123456789abcdef012345a"),
            name: "invitations-e2e-233".into(),
            created_at: 0,
        };
        let created = time::macros::datetime!(2026-08-10 03:04:53 UTC).unix_timestamp();
        let invitation = Invitation {
            id: id("6a793fd52c88faeba59bd5d0"),
            kind: InvitationKind::Project,
            user_id: id("6a793fd52c88faeba59bd5d1"),
            companion: false,
            org_id: project.org_id,
            project_id: Some(project.id),
            username: "test-738@mongodb.com".into(),
            roles: vec!["GROUP_READ_ONLY".into()],
            team_ids: vec![],
            group_role_assignments: vec![],
            inviter_username: "nmtxqlkl".into(),
            created_at: created,
            expires_at: created + 30 * 86_400,
            declined_at: None,
        };
        // tests/recordings/iam/atlasprojectinvitations/TestAtlasProjectInvitations/Describe
        let recorded = r#"{"createdAt":"2026-08-10T03:04:53Z","expiresAt":"2026-09-09T03:04:53Z","groupId":"6a793fd0c0eb9e7a177181d4","groupName":"invitations-e2e-233","id":"6a793fd52c88faeba59bd5d0","inviterUsername":"nmtxqlkl","roles":["GROUP_READ_ONLY"],"username":"test-738@mongodb.com"}"#;
        assert_eq!(project_invitation(&invitation, &project).to_string(), recorded);

        let org = Org {
            id: id("a0123456789abcdef012345a"),
            name: "Atlas CLI E2E".into(),
            created_at: 0,
            api_access_list_required: false,
        };
        let org_invitation_value = org_invitation(
            &Invitation { kind: InvitationKind::Org, project_id: None, roles: vec!["ORG_MEMBER".into()], ..invitation },
            &org,
            true,
        );
        let recorded_org = r#"{"createdAt":"2026-08-10T03:04:53Z","expiresAt":"2026-09-09T03:04:53Z","groupRoleAssignments":[],"id":"6a793fd52c88faeba59bd5d0","inviterUsername":"nmtxqlkl","orgId":"a0123456789abcdef012345a","orgName":"Atlas CLI E2E","roles":["ORG_MEMBER"],"teamIds":[],"username":"test-738@mongodb.com"}"#;
        assert_eq!(org_invitation_value.to_string(), recorded_org);
    }

    fn at(text: &str) -> UnixSeconds {
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap().unix_timestamp()
    }

    fn andrea() -> crate::domain::users::Member {
        let id = |text: &str| ObjectId::parse(text).unwrap();
        crate::domain::users::Member {
            user_id: id("5e4bc367c6b0f41bb9bbb178"),
            username: "andrea.angiolillo@mongodb.com".into(),
            profile: crate::domain::Profile {
                first_name: "Andrea".into(),
                last_name: "Angiolillo".into(),
                country: "IE".into(),
                mobile_number: None,
            },
            created_at: at("2020-02-18T10:58:47Z"),
            last_auth: at("2026-08-08T18:15:51Z"),
            org_roles: vec!["ORG_OWNER".into()],
            project_roles: [(id("b0123456789abcdef012345b"), vec!["GROUP_OWNER".into()])].into(),
            team_ids: vec![],
        }
    }

    #[test]
    fn users_are_byte_identical_to_the_recorded_atlas_bodies() {
        // tests/recordings/iam/atlasteams/TestAtlasTeams/Create/GET_api_atlas_v2_orgs_…_users_1 (the one item)
        let recorded = r#"{"country":"IE","createdAt":"2020-02-18T10:58:47Z","firstName":"Andrea","id":"5e4bc367c6b0f41bb9bbb178","lastAuth":"2026-08-08T18:15:51Z","lastName":"Angiolillo","mobileNumber":null,"orgMembershipStatus":"ACTIVE","roles":{"groupRoleAssignments":[{"groupId":"b0123456789abcdef012345b","groupRoles":["GROUP_OWNER"]}],"orgRoles":["ORG_OWNER"]},"teamIds":[],"username":"andrea.angiolillo@mongodb.com"}"#;
        assert_eq!(org_user(&OrgUser::active(andrea())).to_string(), recorded);
        // tests/recordings/iam/atlasprojects/TestAtlasProjects/Users: the same shape with the project's roles.
        let in_project = ProjectUser { user: OrgUser::active(andrea()), roles: vec!["GROUP_OWNER".into()] };
        let recorded_project = r#"{"country":"IE","createdAt":"2020-02-18T10:58:47Z","firstName":"Andrea","id":"5e4bc367c6b0f41bb9bbb178","lastAuth":"2026-08-08T18:15:51Z","lastName":"Angiolillo","mobileNumber":null,"orgMembershipStatus":"ACTIVE","roles":["GROUP_OWNER"],"username":"andrea.angiolillo@mongodb.com"}"#;
        assert_eq!(project_user(&in_project).to_string(), recorded_project);
    }

    #[test]
    fn list_items_of_accounts_are_byte_identical_to_the_recorded_atlas_body() {
        let id = |text: &str| ObjectId::parse(text).unwrap();
        let member = andrea();
        let team = id("6a79404ec0eb9e7a1771aa1d");
        let user = User {
            id: member.user_id,
            username: member.username.clone(),
            created_at: member.created_at,
            profile: member.profile.clone(),
            activated_at: Some(member.created_at),
            last_auth: Some(member.last_auth),
            org_roles: [(id("a0123456789abcdef012345a"), vec!["ORG_OWNER".into()])].into(),
            project_roles: [(id("b0123456789abcdef012345b"), vec!["GROUP_OWNER".into()])].into(),
            team_ids: vec![team],
        };
        // tests/recordings/iam/atlasteamusers/TestAtlasTeamUsers/Add (the second item; Atlas lists org roles first
        // for the other one, which this server does for every item)
        let recorded = r#"{"country":"IE","createdAt":"2020-02-18T10:58:47Z","emailAddress":"andrea.angiolillo@mongodb.com","firstName":"Andrea","id":"5e4bc367c6b0f41bb9bbb178","lastAuth":"2026-08-08T18:15:51Z","lastName":"Angiolillo","links":[{"href":"http://localhost:8080/api/atlas/v2/users/5e4bc367c6b0f41bb9bbb178","rel":"self"}],"roles":[{"orgId":"a0123456789abcdef012345a","roleName":"ORG_OWNER"},{"groupId":"b0123456789abcdef012345b","roleName":"GROUP_OWNER"}],"teamIds":["6a79404ec0eb9e7a1771aa1d"],"username":"andrea.angiolillo@mongodb.com"}"#;
        let item = user_list_item(
            &user,
            &id("a0123456789abcdef012345a"),
            &[id("b0123456789abcdef012345b")],
            "http://localhost:8080",
        );
        assert_eq!(item.to_string(), recorded);
    }

    #[test]
    fn events_are_byte_identical_to_the_recorded_atlas_bodies() {
        let id = |text: &str| ObjectId::parse(text).unwrap();
        let actor = Actor::Credential {
            api_key_id: Some(id("6835e821c794bf2ac0a9ec73")),
            public_key: "nmtxqlkl".into(),
            remote_address: Some("52.190.182.226".parse().unwrap()),
        };
        let created = at("2026-08-10T03:06:18Z");
        let removed = Event {
            id: id("6a79402ac0eb9e7a17719de9"),
            ..Event::about_team(
                crate::domain::events::EventType::TeamRemovedFromGroup,
                &actor,
                id("a0123456789abcdef012345a"),
                Some(id("6a794012c0eb9e7a17719684")),
                id("6a79401b2c88faeba59be48c"),
                created,
            )
        };
        // tests/recordings/generic/events/TestEvents/List_Organization_Events (one item of the org's list)
        let recorded = r#"{"apiKeyId":"6835e821c794bf2ac0a9ec73","created":"2026-08-10T03:06:18Z","eventTypeName":"TEAM_REMOVED_FROM_GROUP","groupId":"6a794012c0eb9e7a17719684","id":"6a79402ac0eb9e7a17719de9","isGlobalAdmin":false,"links":[{"href":"http://localhost:8080/api/atlas/v2/groups/6a794012c0eb9e7a17719684/events/6a79402ac0eb9e7a17719de9","rel":"self"}],"orgId":"a0123456789abcdef012345a","publicKey":"nmtxqlkl","remoteAddress":"52.190.182.226","teamId":"6a79401b2c88faeba59be48c"}"#;
        assert_eq!(event(&removed, true, "http://localhost:8080").to_string(), recorded);
        let invited = Event {
            id: id("6a793fd52c88faeba59bd5d4"),
            ..Event::about_user(
                crate::domain::events::EventType::InvitedToOrg,
                &actor,
                id("a0123456789abcdef012345a"),
                None,
                "test-738@mongodb.com",
                at("2026-08-10T03:04:53Z"),
            )
        };
        let recorded_invited = r#"{"apiKeyId":"6835e821c794bf2ac0a9ec73","created":"2026-08-10T03:04:53Z","eventTypeName":"INVITED_TO_ORG","id":"6a793fd52c88faeba59bd5d4","isGlobalAdmin":false,"links":[{"href":"http://localhost:8080/api/atlas/v2/groups/null/events/6a793fd52c88faeba59bd5d4","rel":"self"}],"orgId":"a0123456789abcdef012345a","publicKey":"nmtxqlkl","remoteAddress":"52.190.182.226","targetUsername":"test-738@mongodb.com"}"#;
        assert_eq!(event(&invited, true, "http://localhost:8080").to_string(), recorded_invited);
    }

    #[test]
    fn teams_are_byte_identical_to_the_recorded_atlas_bodies() {
        let id = |text: &str| ObjectId::parse(text).unwrap();
        let team = Team {
            id: id("6a794032c0eb9e7a1771a2dd"),
            org_id: id("a0123456789abcdef012345a"),
            name: "teams643".into(),
        };
        let base = "http://localhost:8080";
        // tests/recordings/iam/atlasteams/TestAtlasTeams/Describe_By_ID and Create
        let recorded = r#"{"id":"6a794032c0eb9e7a1771a2dd","links":[{"href":"http://localhost:8080/api/atlas/v2/orgs/a0123456789abcdef012345a/teams/6a794032c0eb9e7a1771a2dd","rel":"self"}],"name":"teams643"}"#;
        assert_eq!(self::team(&team, base).to_string(), recorded);
        let recorded_new = r#"{"id":"6a794032c0eb9e7a1771a2dd","links":[{"href":"http://localhost:8080/api/atlas/v2/orgs/a0123456789abcdef012345a/teams/6a794032c0eb9e7a1771a2dd","rel":"self"}],"name":"teams643","usernames":["andrea.angiolillo@mongodb.com"]}"#;
        assert_eq!(new_team(&team, &["andrea.angiolillo@mongodb.com".into()], base).to_string(), recorded_new);
        // tests/recordings/iam/atlasprojectteams/TestAtlasProjectTeams/List (one item)
        let assigned = ProjectTeam {
            team_id: id("6a79401b2c88faeba59be48c"),
            roles: vec!["GROUP_READ_ONLY".into(), "GROUP_DATA_ACCESS_READ_ONLY".into()],
        };
        let recorded_role = r#"{"links":[{"href":"http://localhost:8080/api/atlas/v2/groups/6a794012c0eb9e7a17719684/teams/6a79401b2c88faeba59be48c","rel":"self"}],"roleNames":["GROUP_READ_ONLY","GROUP_DATA_ACCESS_READ_ONLY"],"teamId":"6a79401b2c88faeba59be48c"}"#;
        assert_eq!(project_team(&id("6a794012c0eb9e7a17719684"), &assigned, base).to_string(), recorded_role);
    }
}
