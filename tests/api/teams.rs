//! The Teams operations, team members and project teams, on the same records as the users and invitations.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

const V2023: &str = "application/vnd.atlas.2023-01-01+json";
const V2025: &str = "application/vnd.atlas.2025-02-19+json";
const DAY: i64 = 86_400;

async fn send(client: &Client, version: &str, method: Method, path: &str, body: Option<Value>) -> Response {
    let mut call = Call::new(method, path).accept(Some(version));
    if let Some(body) = body {
        call = call.json(&body);
        call.content_type = Some(version.to_string());
    }
    client.call(call).await
}

fn org_teams() -> String {
    format!("/api/atlas/v2/orgs/{O1}/teams")
}

fn group_teams(project: &str) -> String {
    format!("/api/atlas/v2/groups/{project}/teams")
}

async fn create_team(client: &Client, name: &str, usernames: &[&str]) -> Response {
    send(client, V2023, Method::POST, &org_teams(), Some(json!({"name": name, "usernames": usernames}))).await
}

async fn created_team_id(client: &Client, name: &str, usernames: &[&str]) -> String {
    let response = create_team(client, name, usernames).await;
    assert_eq!(response.status, 201, "{}", response.text);
    response.json()["id"].as_str().unwrap().to_string()
}

async fn user_id(client: &Client, username: &str) -> String {
    let list =
        send(client, V2025, Method::GET, &format!("/api/atlas/v2/orgs/{O1}/users?username={username}"), None).await;
    list.json()["results"][0]["id"].as_str().unwrap().to_string()
}

async fn create_org_user(client: &Client, username: &str) -> String {
    let body = json!({"username": username, "roles": {"orgRoles": ["ORG_MEMBER"]}});
    let response = send(client, V2025, Method::POST, &format!("/api/atlas/v2/orgs/{O1}/users"), Some(body)).await;
    assert_eq!(response.status, 201, "{}", response.text);
    response.json()["id"].as_str().unwrap().to_string()
}

async fn project_users(client: &Client, query: &str) -> Value {
    send(client, V2025, Method::GET, &format!("/api/atlas/v2/groups/{PB}/users{query}"), None).await.json()
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list["results"].as_array().unwrap().iter().map(|item| item[key].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn teams_are_created_read_renamed_and_deleted() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let created = create_team(&owner, "sre", &[MEMBER]).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.header("content-type"), Some("application/vnd.atlas.2023-01-01+json;charset=utf-8"));
    assert_eq!(created.header("ratelimit-limit"), Some("1200"));
    let id = created.json()["id"].as_str().unwrap().to_string();
    let href = format!("{}{}/{id}", server.base, org_teams());
    assert_eq!(
        created.json(),
        json!({"id": id, "links": [{"href": href, "rel": "self"}], "name": "sre", "usernames": [MEMBER]})
    );
    // As recorded: the Location leaves out the API prefix.
    assert_eq!(created.header("location"), Some(format!("{}/orgs/{O1}/teams/{id}", server.base).as_str()));

    let expected = json!({"id": id, "links": [{"href": href, "rel": "self"}], "name": "sre"});
    let member = server.as_(&O1_MEMBER);
    let by_id = send(&member, V2023, Method::GET, &format!("{}/{id}", org_teams()), None).await;
    assert_eq!((by_id.status, by_id.json()), (200, expected.clone()));
    let by_name = send(&member, V2023, Method::GET, &format!("{}/byName/sre", org_teams()), None).await;
    assert_eq!((by_name.status, by_name.json()), (200, expected));

    let list = send(&member, V2023, Method::GET, &org_teams(), None).await.json();
    assert_eq!(ids(&list, "name"), ["platform", "sre"]);
    assert_eq!(list["totalCount"], 2);
    let self_link = format!("{}{}?includeCount=true&pageNum=1&itemsPerPage=100", server.base, org_teams());
    assert_eq!(list["links"], json!([{"href": self_link, "rel": "self"}]));

    let renamed =
        send(&owner, V2023, Method::PATCH, &format!("{}/{id}", org_teams()), Some(json!({"name": "sre-2"}))).await;
    assert_eq!((renamed.status, renamed.json()["name"].clone()), (200, json!("sre-2")));
    let taken =
        send(&owner, V2023, Method::PATCH, &format!("{}/{id}", org_teams()), Some(json!({"name": "platform"}))).await;
    taken.assert_error(409, "TEAM_NAME_NOT_AVAILABLE");

    // The member was on the team; deleting it takes the membership with it.
    let member_id = user_id(&owner, MEMBER).await;
    let before = send(&owner, V2025, Method::GET, &format!("/api/atlas/v2/orgs/{O1}/users/{member_id}"), None).await;
    assert_eq!(before.json()["teamIds"], json!([id]));
    assert_eq!(send(&owner, V2023, Method::DELETE, &format!("{}/{id}", org_teams()), None).await.status, 204);
    send(&owner, V2023, Method::GET, &format!("{}/{id}", org_teams()), None).await.assert_error(404, "TEAM_NOT_FOUND");
    let after = send(&owner, V2025, Method::GET, &format!("/api/atlas/v2/orgs/{O1}/users/{member_id}"), None).await;
    assert_eq!(after.json()["teamIds"], json!([]));
}

#[tokio::test]
async fn refused_team_requests_change_nothing() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let before = server.snapshot().await;
    let cases: Vec<(Response, u16, &str)> = vec![
        (create_team(&owner, "empty", &[]).await, 400, "CANNOT_CREATE_EMPTY_TEAM"),
        (create_team(&owner, "strangers", &["nobody@example.com"]).await, 404, "USER_NOT_IN_ORG"),
        (create_team(&owner, "platform", &[MEMBER]).await, 409, "TEAM_NAME_NOT_AVAILABLE"),
        (create_team(&owner, "twice", &[MEMBER, "MEMBER@acme.test"]).await, 400, "VALIDATION_ERROR"),
        (
            send(&owner, V2023, Method::POST, &org_teams(), Some(json!({"usernames": [MEMBER]}))).await,
            400,
            "MISSING_ATTRIBUTE",
        ),
        (
            send(
                &owner,
                V2023,
                Method::POST,
                &org_teams(),
                Some(json!({"name": "x", "usernames": [MEMBER], "id": T1})),
            )
            .await,
            400,
            "INVALID_ATTRIBUTE",
        ),
        (create_team(&server.as_(&O1_MEMBER), "members", &[MEMBER]).await, 401, "USER_UNAUTHORIZED"),
        (create_team(&server.as_(&O2_OWNER), "foreign", &[MEMBER]).await, 401, "USER_UNAUTHORIZED"),
        (send(&owner, V2023, Method::GET, &format!("{}/nope", org_teams()), None).await, 404, "INVALID_TEAM_ID"),
        // Another org's team is answered exactly as a missing one.
        (send(&owner, V2023, Method::GET, &format!("{}/{T2}", org_teams()), None).await, 404, "TEAM_NOT_FOUND"),
        (send(&owner, V2023, Method::DELETE, &format!("{}/{T2}", org_teams()), None).await, 404, "TEAM_NOT_FOUND"),
        (
            send(&owner, V2023, Method::GET, &format!("{}/byName/nope", org_teams()), None).await,
            404,
            "TEAM_NAME_NOT_FOUND",
        ),
        (
            send(&owner, V2023, Method::PATCH, &format!("{}/{T1}", org_teams()), Some(json!({"name": " "}))).await,
            400,
            "VALIDATION_ERROR",
        ),
    ];
    for (response, status, code) in cases {
        response.assert_error(status, code);
    }
    assert_eq!(server.snapshot().await, before, "a refused request changed the store");
}

#[tokio::test]
async fn active_and_pending_users_join_and_leave_teams() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let member_id = user_id(&owner, MEMBER).await;
    let pending_id = create_org_user(&owner, "pending@example.com").await;
    let team = format!("{}/{T1}", org_teams());

    for id in [&member_id, &pending_id] {
        let added = send(&owner, V2025, Method::POST, &format!("{team}:addUser"), Some(json!({"id": id}))).await;
        assert_eq!(added.status, 200, "{}", added.text);
        assert_eq!(added.header("content-type"), Some("application/vnd.atlas.2025-02-19+json;charset=utf-8"));
        assert_eq!(added.json()["id"], json!(id));
        assert_eq!(added.json()["teamIds"], json!([T1]));
    }
    // The pending user's place on the team is its invitation's: the invitation operations show it too.
    let invites = owner.get(&format!("/api/atlas/v2/orgs/{O1}/invites")).await.json();
    assert_eq!(invites[0]["teamIds"], json!([T1]));

    let list = send(&owner, V2025, Method::GET, &format!("{team}/users"), None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let list = list.json();
    assert_eq!(ids(&list, "username"), [MEMBER, "pending@example.com"]);
    let self_link = format!("{}{team}/users?pageNum=1&itemsPerPage=100", server.base);
    assert_eq!(
        (list["links"].clone(), list["totalCount"].clone()),
        (json!([{"href": self_link, "rel": "self"}]), json!(2))
    );
    let pending_only =
        send(&owner, V2025, Method::GET, &format!("{team}/users?orgMembershipStatus=PENDING"), None).await;
    assert_eq!(ids(&pending_only.json(), "id"), [pending_id.as_str()]);
    let by_id = send(&owner, V2025, Method::GET, &format!("{team}/users?userId={member_id}"), None).await;
    assert_eq!(ids(&by_id.json(), "id"), [member_id.as_str()]);
    // The deprecated version shows the active members only, as CloudAppUser.
    let old = send(&owner, V2023, Method::GET, &format!("{team}/users"), None).await;
    assert_eq!(old.header("deprecation"), Some("Wed, 19 Feb 2025 00:00:00 GMT"));
    let old = old.json();
    assert_eq!(ids(&old, "emailAddress"), [MEMBER]);
    assert_eq!(old["results"][0]["links"].as_array().unwrap().len(), 1, "list items carry their self link only");

    let before = server.snapshot().await;
    let again = send(&owner, V2025, Method::POST, &format!("{team}:addUser"), Some(json!({"id": member_id}))).await;
    again.assert_error(409, "USER_ALREADY_IN_TEAM");
    let deprecated =
        send(&owner, V2023, Method::POST, &format!("{team}/users"), Some(json!([{"id": pending_id}]))).await;
    deprecated.assert_error(404, "CANNOT_ADD_PENDING_USER");
    let foreign =
        send(&owner, V2025, Method::POST, &format!("{}/{T2}:addUser", org_teams()), Some(json!({"id": member_id})))
            .await;
    foreign.assert_error(404, "TEAM_NOT_FOUND");
    let unknown = send(&owner, V2025, Method::POST, &format!("{team}:addUser"), Some(json!({"id": T2}))).await;
    unknown.assert_error(404, "USER_NOT_IN_ORG");
    let reader =
        send(&server.as_(&O1_READER), V2025, Method::POST, &format!("{team}:addUser"), Some(json!({"id": member_id})))
            .await;
    reader.assert_error(401, "USER_UNAUTHORIZED");
    let old_version =
        send(&owner, V2023, Method::POST, &format!("{team}:addUser"), Some(json!({"id": member_id}))).await;
    assert_eq!(old_version.status, 406, "addOrgTeamUser exists from 2025-02-19 on");
    assert_eq!(server.snapshot().await, before, "a refused request changed the store");

    let removed =
        send(&owner, V2025, Method::POST, &format!("{team}:removeUser"), Some(json!({"id": pending_id}))).await;
    assert_eq!((removed.status, removed.json()["teamIds"].clone()), (200, json!([])));
    let gone = send(&owner, V2025, Method::POST, &format!("{team}:removeUser"), Some(json!({"id": pending_id}))).await;
    gone.assert_error(404, "USER_NOT_IN_TEAM");

    // The deprecated pair, for active members.
    let removed = send(&owner, V2023, Method::DELETE, &format!("{team}/users/{member_id}"), None).await;
    assert_eq!(removed.status, 204, "{}", removed.text);
    let added = send(&owner, V2023, Method::POST, &format!("{team}/users"), Some(json!([{"id": member_id}]))).await;
    assert_eq!(added.status, 200, "{}", added.text);
    let added = added.json();
    assert_eq!(ids(&added, "id"), [member_id.as_str()]);
    assert_eq!(added["results"][0]["teamIds"], json!([T1]));
    assert_eq!(
        added["results"][0]["roles"],
        json!([{"orgId": O1, "roleName": "ORG_MEMBER"}, {"groupId": PA, "roleName": "GROUP_READ_ONLY"}])
    );

    // An expired invitation is no longer the org's user.
    server.clock.advance(31 * DAY);
    let lapsed = send(&owner, V2025, Method::POST, &format!("{team}:addUser"), Some(json!({"id": pending_id}))).await;
    lapsed.assert_error(404, "USER_NOT_IN_ORG");
}

#[tokio::test]
async fn project_teams_give_their_members_roles() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let team_id = created_team_id(&owner, "data", &[MEMBER]).await;
    let roles = json!(["GROUP_READ_ONLY", "GROUP_DATA_ACCESS_READ_ONLY"]);
    let added =
        send(&owner, V2023, Method::POST, &group_teams(PB), Some(json!([{"teamId": team_id, "roleNames": roles}])))
            .await;
    assert_eq!(added.status, 200, "{}", added.text);
    let item_link = format!("{}{}/{team_id}", server.base, group_teams(PB));
    let expected_item = json!({"links": [{"href": item_link, "rel": "self"}], "roleNames": roles, "teamId": team_id});
    let self_link = format!("{}{}?pageNum=1&itemsPerPage=100", server.base, group_teams(PB));
    assert_eq!(
        added.json(),
        json!({"links": [{"href": self_link, "rel": "self"}], "results": [expected_item], "totalCount": 1})
    );

    let reader = server.as_(&O1_READER);
    let list = send(&reader, V2023, Method::GET, &group_teams(PB), None).await.json();
    assert_eq!(list["results"], json!([expected_item]));
    let one = send(&reader, V2023, Method::GET, &format!("{}/{team_id}", group_teams(PB)), None).await;
    assert_eq!((one.status, one.json()), (200, expected_item));

    // Roles read back exactly as written, order included.
    let written = json!(["GROUP_DATA_ACCESS_READ_WRITE", "GROUP_CLUSTER_MANAGER"]);
    let updated = send(
        &owner,
        V2023,
        Method::PATCH,
        &format!("{}/{team_id}", group_teams(PB)),
        Some(json!({"roleNames": written})),
    )
    .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.json()["results"][0]["roleNames"], written);

    // The member holds the team's roles in PB: listGroupUsers shows them with flattenTeams.
    assert_eq!(project_users(&owner, "").await["totalCount"], 0);
    let flattened = project_users(&owner, "?flattenTeams=true").await;
    assert_eq!(ids(&flattened, "username"), [MEMBER]);
    assert_eq!(flattened["results"][0]["roles"], written);

    let before = server.snapshot().await;
    let again = send(
        &owner,
        V2023,
        Method::POST,
        &group_teams(PB),
        Some(json!([{"teamId": team_id, "roleNames": ["GROUP_OWNER"]}])),
    )
    .await;
    again.assert_error(409, "TEAM_EXISTS_IN_GROUP");
    let foreign = send(
        &owner,
        V2023,
        Method::POST,
        &group_teams(PB),
        Some(json!([{"teamId": T2, "roleNames": ["GROUP_OWNER"]}])),
    )
    .await;
    foreign.assert_error(404, "TEAM_NOT_FOUND");
    let bad_role = send(
        &owner,
        V2023,
        Method::POST,
        &group_teams(PA),
        Some(json!([{"teamId": team_id, "roleNames": ["ORG_OWNER"]}])),
    )
    .await;
    bad_role.assert_error(400, "INVALID_ROLE_FOR_GROUP");
    let emptied =
        send(&owner, V2023, Method::PATCH, &format!("{}/{team_id}", group_teams(PB)), Some(json!({"roleNames": []})))
            .await;
    emptied.assert_error(403, "NO_ROLES_IN_ASSIGNMENT");
    let unassigned = send(&owner, V2023, Method::GET, &format!("{}/{team_id}", group_teams(PA)), None).await;
    unassigned.assert_error(404, "TEAM_NOT_IN_GROUP");
    let not_owner = send(
        &server.as_(&PA_READER),
        V2023,
        Method::POST,
        &group_teams(PA),
        Some(json!([{"teamId": team_id, "roleNames": ["GROUP_READ_ONLY"]}])),
    )
    .await;
    not_owner.assert_error(401, "USER_UNAUTHORIZED");
    let other_org = send(&owner, V2023, Method::GET, &group_teams(PC), None).await;
    assert_eq!(other_org.status, 401, "{}", other_org.text);
    let still_assigned = send(&owner, V2023, Method::DELETE, &format!("{}/{team_id}", org_teams()), None).await;
    still_assigned.assert_error(404, "CANNOT_DELETE_TEAM_ASSIGNED_TO_PROJECT");
    assert_eq!(server.snapshot().await, before, "a refused request changed the store");

    let removed = send(&owner, V2023, Method::DELETE, &format!("{}/{team_id}", group_teams(PB)), None).await;
    assert_eq!(removed.status, 204, "{}", removed.text);
    assert_eq!(project_users(&owner, "?flattenTeams=true").await["totalCount"], 0);
    assert_eq!(send(&owner, V2023, Method::DELETE, &format!("{}/{team_id}", org_teams()), None).await.status, 204);
}

#[tokio::test]
async fn an_accepted_invitation_makes_its_teams_memberships() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let invited = owner
        .post(
            &format!("/api/atlas/v2/orgs/{O1}/invites"),
            &json!({"username": "joiner@example.com", "roles": ["ORG_MEMBER"], "teamIds": [T1]}),
        )
        .await;
    assert_eq!(invited.status, 200, "{}", invited.text);
    let path = format!("{}/{T1}/users", org_teams());
    let pending = send(&owner, V2025, Method::GET, &path, None).await.json();
    assert_eq!(pending["results"][0]["orgMembershipStatus"], "PENDING");

    let invitation_id = invited.json()["id"].as_str().unwrap().to_string();
    server.service.accept_invitation(&object_id(&invitation_id)).await.unwrap();
    let joined = send(&owner, V2025, Method::GET, &path, None).await.json();
    assert_eq!(ids(&joined, "username"), ["joiner@example.com"]);
    assert_eq!(joined["results"][0]["orgMembershipStatus"], "ACTIVE");
    assert_eq!(joined["results"][0]["teamIds"], json!([T1]));
}

#[tokio::test]
async fn team_limits_are_atlas_limits() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let org = object_id(O1);
    // The fixture has one team; fill the org to 250 through the same service the admin command line uses.
    let mut team_ids = Vec::new();
    for n in 1..250 {
        team_ids.push(server.service.put_team(&org, None, &format!("team-{n:03}")).await.unwrap().id.to_string());
    }
    create_team(&owner, "one-too-many", &[MEMBER]).await.assert_error(400, "MAX_TEAMS_PER_ORG_EXCEEDED");

    let assign = |ids: &[String]| {
        json!(ids.iter().map(|id| json!({"teamId": id, "roleNames": ["GROUP_READ_ONLY"]})).collect::<Vec<_>>())
    };
    let hundred = send(&owner, V2023, Method::POST, &group_teams(PA), Some(assign(&team_ids[..100]))).await;
    assert_eq!((hundred.status, hundred.json()["totalCount"].clone()), (200, json!(100)), "{}", hundred.text);
    let over = send(&owner, V2023, Method::POST, &group_teams(PA), Some(assign(&team_ids[100..101]))).await;
    over.assert_error(400, "MAX_TEAMS_PER_GROUP_EXCEEDED");
}
