//! The MongoDB Cloud users operations and the deprecated `/users` calls, on the same records as the
//! invitations.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

const V2025: &str = "application/vnd.atlas.2025-02-19+json";
const DAY: i64 = 86_400;

async fn send(client: &Client, method: Method, path: &str, body: Option<Value>) -> Response {
    let mut call = Call::new(method, path).accept(Some(V2025));
    if let Some(body) = body {
        call = call.json(&body);
        call.content_type = Some(V2025.to_string());
    }
    client.call(call).await
}

async fn get(client: &Client, path: &str) -> Response {
    send(client, Method::GET, path, None).await
}

async fn post(client: &Client, path: &str, body: Value) -> Response {
    send(client, Method::POST, path, Some(body)).await
}

fn org_users() -> String {
    format!("/api/atlas/v2/orgs/{O1}/users")
}

fn group_users(project: &str) -> String {
    format!("/api/atlas/v2/groups/{project}/users")
}

/// Creates a pending org user and returns its id.
async fn create_org_user(client: &Client, username: &str, org_roles: &[&str]) -> String {
    let response = post(client, &org_users(), json!({"username": username, "roles": {"orgRoles": org_roles}})).await;
    assert_eq!(response.status, 201, "{}", response.text);
    response.json()["id"].as_str().unwrap().to_string()
}

fn usernames(list: &Value) -> Vec<String> {
    list["results"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap().to_string()).collect()
}

async fn member_id(client: &Client) -> String {
    let list = get(client, &format!("{}?username={MEMBER}", org_users())).await.json();
    list["results"][0]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn an_org_invitation_is_a_pending_user_and_members_are_active() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let invited = owner
        .post(
            &format!("/api/atlas/v2/orgs/{O1}/invites"),
            &json!({"username": "pending@example.com", "roles": ["ORG_READ_ONLY"], "teamIds": [T1]}),
        )
        .await;
    assert_eq!(invited.status, 200, "{}", invited.text);

    let response = get(&owner, &org_users()).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.header("content-type"), Some("application/vnd.atlas.2025-02-19+json;charset=utf-8"));
    assert_eq!(response.header("ratelimit-limit"), Some("500"));
    assert_eq!(response.header("deprecation"), None);
    let list = response.json();
    assert_eq!(list["totalCount"], 2);
    assert_eq!(
        list["links"],
        json!([{"href": format!("{}{}?includeCount=true&pageNum=1&itemsPerPage=100", server.base, org_users()), "rel": "self"}])
    );
    let member = &list["results"][0];
    let keys: Vec<&str> = member.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "country",
            "createdAt",
            "firstName",
            "id",
            "lastAuth",
            "lastName",
            "mobileNumber",
            "orgMembershipStatus",
            "roles",
            "teamIds",
            "username"
        ]
    );
    assert_eq!(member["orgMembershipStatus"], "ACTIVE");
    assert_eq!(member["mobileNumber"], Value::Null);
    assert_eq!(member["firstName"], "member");
    assert_eq!(
        member["roles"],
        json!({"groupRoleAssignments": [{"groupId": PA, "groupRoles": ["GROUP_READ_ONLY"]}], "orgRoles": ["ORG_MEMBER"]})
    );
    let pending = &list["results"][1];
    assert_eq!(
        pending,
        &json!({
            "id": pending["id"],
            "invitationCreatedAt": "2026-08-10T03:03:37Z",
            "invitationExpiresAt": "2026-09-09T03:03:37Z",
            "inviterUsername": OWNER.public,
            "orgMembershipStatus": "PENDING",
            "roles": {"groupRoleAssignments": [], "orgRoles": ["ORG_READ_ONLY"]},
            "teamIds": [T1],
            "username": "pending@example.com",
        })
    );
    assert_ne!(pending["id"], invited.json()["id"], "the pending user is the person, not the invitation");

    // The same person through getOrgUser; a member of the org may read.
    let id = pending["id"].as_str().unwrap();
    let read = get(&server.as_(&O1_MEMBER), &format!("{}/{id}", org_users())).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(&read.json(), pending);

    // Deleting the invitation removes the pending user.
    let invitation_id = invited.json()["id"].as_str().unwrap().to_string();
    assert_eq!(owner.delete(&format!("/api/atlas/v2/orgs/{O1}/invites/{invitation_id}")).await.status, 204);
    get(&owner, &format!("{}/{id}", org_users())).await.assert_error(404, "USER_NOT_IN_ORG");
}

#[tokio::test]
async fn lists_filter_by_status_and_username_and_page() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    for n in 0..3 {
        create_org_user(&owner, &format!("user{n}@example.com"), &["ORG_MEMBER"]).await;
    }
    server.clock.advance(30 * DAY);
    create_org_user(&owner, "fresh@example.com", &["ORG_MEMBER"]).await;

    let default = get(&owner, &org_users()).await.json();
    assert_eq!(usernames(&default), ["fresh@example.com", MEMBER], "expired users are left out by default");
    let expired = get(&owner, &format!("{}?orgMembershipStatuses=INVITATION_EXPIRED", org_users())).await.json();
    assert_eq!(usernames(&expired), ["user0@example.com", "user1@example.com", "user2@example.com"]);
    assert_eq!(expired["results"][0]["orgMembershipStatus"], "INVITATION_EXPIRED");
    let both = format!(
        "{}?orgMembershipStatuses=PENDING&orgMembershipStatuses=ACTIVE&username=FRESH@example.com",
        org_users()
    );
    assert_eq!(usernames(&get(&owner, &both).await.json()), ["fresh@example.com"]);

    let page = get(&owner, &format!("{}?orgMembershipStatus=INVITATION_EXPIRED&itemsPerPage=2&pageNum=2", org_users()))
        .await
        .json();
    assert_eq!(usernames(&page), ["user2@example.com"]);
    assert_eq!(page["totalCount"], 3);
    let rels: Vec<&str> = page["links"].as_array().unwrap().iter().map(|l| l["rel"].as_str().unwrap()).collect();
    assert_eq!(rels, ["previous", "self"]);
    let first = get(
        &owner,
        &format!("{}?orgMembershipStatus=INVITATION_EXPIRED&itemsPerPage=2&includeCount=false", org_users()),
    )
    .await
    .json();
    assert_eq!(first["links"][1]["rel"], "next");
    assert!(first.get("totalCount").is_none());

    for bad in [
        "itemsPerPage=0",
        "itemsPerPage=501",
        "pageNum=0",
        "includeCount=maybe",
        "orgMembershipStatus=GONE",
        "orgMembershipStatus=ACTIVE&orgMembershipStatuses=PENDING",
    ] {
        get(&owner, &format!("{}?{bad}", org_users())).await.assert_error(400, "INVALID_QUERY_PARAMETER");
    }
}

#[tokio::test]
async fn the_2023_version_shows_and_removes_active_users_only_and_new_operations_refuse_it() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let pending = create_org_user(&owner, "pending@example.com", &["ORG_MEMBER"]).await;

    let old = owner.get(&format!("{}?orgMembershipStatuses=PENDING", org_users())).await;
    assert_eq!(old.status, 200, "{}", old.text);
    assert_eq!(old.header("content-type"), Some("application/vnd.atlas.2023-01-01+json;charset=utf-8"));
    assert_eq!(old.header("deprecation"), Some("Wed, 19 Feb 2025 00:00:00 GMT"));
    assert_eq!(old.header("sunset"), Some("Thu, 1 Jul 2027 00:00:00 GMT"));
    let old = old.json();
    assert_eq!(usernames(&old), [MEMBER]);
    // In the CloudAppUser shape of that version's SDKs (PaginatedAppUser).
    assert_eq!(old["results"][0]["emailAddress"], MEMBER);
    assert_eq!(
        old["results"][0]["roles"],
        json!([{"orgId": O1, "roleName": "ORG_MEMBER"}, {"groupId": PA, "roleName": "GROUP_READ_ONLY"}])
    );
    owner.delete(&format!("{}/{pending}", org_users())).await.assert_error(404, "USER_NOT_IN_ORG");
    assert_eq!(usernames(&get(&owner, &format!("{}?username=pending@example.com", org_users())).await.json()).len(), 1);

    let before = server.snapshot().await;
    let refused = owner
        .call(
            Call::new(Method::POST, &org_users())
                .json(&json!({"username": "x@example.com", "roles": {"orgRoles": ["ORG_MEMBER"]}})),
        )
        .await;
    refused.assert_error(406, "INVALID_VERSION_DATE");
    owner.get(&format!("{}/{pending}", org_users())).await.assert_error(406, "INVALID_VERSION_DATE");
    owner.get(&group_users(PA)).await.assert_error(406, "INVALID_VERSION_DATE");
    assert_eq!(server.snapshot().await, before);

    // From 2025-02-19 on, a pending user is removed with its invitation.
    assert_eq!(send(&owner, Method::DELETE, &format!("{}/{pending}", org_users()), None).await.status, 204);
    assert_eq!(owner.get(&format!("/api/atlas/v2/orgs/{O1}/invites")).await.json(), json!([]));
}

#[tokio::test]
async fn create_org_user_conflicts_with_pending_and_active_users_and_replaces_expired_ones() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let first = create_org_user(&owner, "again@example.com", &["ORG_MEMBER"]).await;
    let listed = owner.get(&format!("/api/atlas/v2/orgs/{O1}/invites")).await.json();
    assert_eq!(listed[0]["username"], "again@example.com", "the invitation operations see it");

    let before = server.snapshot().await;
    let body = |name: &str| json!({"username": name, "roles": {"orgRoles": ["ORG_MEMBER"]}});
    post(&owner, &org_users(), body("AGAIN@example.com")).await.assert_error(409, "USER_ALREADY_INVITED");
    post(&owner, &org_users(), body(MEMBER)).await.assert_error(409, "USER_ALREADY_IN_ORG");
    post(&owner, &org_users(), json!({"username": "x@example.com"})).await.assert_error(400, "MISSING_ATTRIBUTE");
    post(&owner, &org_users(), json!({"username": "x@example.com", "roles": {"orgRoles": ["GROUP_OWNER"]}}))
        .await
        .assert_error(400, "INVALID_ROLE_FOR_ORG");
    post(&owner, &org_users(), json!({"username": "x@example.com", "roles": {"orgRoles": ["ORG_MEMBER"]}, "id": "x"}))
        .await
        .assert_error(400, "INVALID_ATTRIBUTE");
    post(&server.as_(&O1_MEMBER), &org_users(), body("x@example.com")).await.assert_error(401, "USER_UNAUTHORIZED");
    assert_eq!(server.snapshot().await, before, "refusals change nothing");

    server.clock.advance(30 * DAY);
    let renewed = create_org_user(&owner, "again@example.com", &["ORG_READ_ONLY"]).await;
    assert_eq!(renewed, first, "an expired user is replaced, and stays the same person");
    let user = get(&owner, &format!("{}/{renewed}", org_users())).await.json();
    assert_eq!(user["orgMembershipStatus"], "PENDING");
    assert_eq!(user["invitationExpiresAt"], "2026-10-09T03:03:37Z");
}

#[tokio::test]
async fn update_changes_only_the_fields_sent_for_pending_and_active_users() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let pending = create_org_user(&owner, "p@example.com", &["ORG_MEMBER"]).await;
    let item = format!("{}/{pending}", org_users());
    let teams = send(&owner, Method::PATCH, &item, Some(json!({"teamIds": [T1]}))).await;
    assert_eq!(teams.status, 200, "{}", teams.text);
    assert_eq!(teams.json()["teamIds"], json!([T1]));
    assert_eq!(teams.json()["roles"]["orgRoles"], json!(["ORG_MEMBER"]), "roles were not sent");
    let roles = json!({"roles": {"orgRoles": ["ORG_READ_ONLY"], "groupRoleAssignments": [{"groupId": PB, "groupRoles": ["GROUP_OWNER"]}]}});
    let changed = send(&owner, Method::PATCH, &item, Some(roles)).await.json();
    assert_eq!(changed["teamIds"], json!([T1]), "teams were not sent");
    let invitation = &owner.get(&format!("/api/atlas/v2/orgs/{O1}/invites")).await.json()[0];
    assert_eq!(invitation["roles"], json!(["ORG_READ_ONLY"]));
    assert_eq!(invitation["groupRoleAssignments"], json!([{"groupId": PB, "groupRole": "GROUP_OWNER"}]));

    let member = member_id(&owner).await;
    let member_item = format!("{}/{member}", org_users());
    let updated = send(&owner, Method::PATCH, &member_item, Some(json!({"teamIds": [T1]}))).await.json();
    assert_eq!(updated["teamIds"], json!([T1]));
    assert_eq!(updated["roles"]["groupRoleAssignments"], json!([{"groupId": PA, "groupRoles": ["GROUP_READ_ONLY"]}]));

    let before = server.snapshot().await;
    send(&owner, Method::PATCH, &member_item, Some(json!({"teamIds": [T2]}))).await.assert_error(404, "TEAM_NOT_FOUND");
    send(&owner, Method::PATCH, &member_item, Some(json!({"roles": {"orgRoles": []}})))
        .await
        .assert_error(400, "MISSING_ATTRIBUTE");
    send(&owner, Method::PATCH, &member_item, Some(json!({"username": "x@example.com"})))
        .await
        .assert_error(400, "INVALID_ATTRIBUTE");
    assert_eq!(server.snapshot().await, before);

    let put = owner
        .call(Call::new(Method::PUT, &format!("{member_item}/roles")).json(&json!({"orgRoles": ["ORG_GROUP_CREATOR"]})))
        .await;
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(put.json(), json!({"orgRoles": ["ORG_GROUP_CREATOR"]}));
    assert_eq!(put.header("deprecation"), Some("Wed, 19 Feb 2025 00:00:00 GMT"));
}

#[tokio::test]
async fn roles_are_added_and_removed_one_at_a_time() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let member = member_id(&owner).await;
    let action = |verb: &str| format!("{}/{member}:{verb}", org_users());
    let added = post(&owner, &action("addRole"), json!({"orgRole": "ORG_READ_ONLY"})).await;
    assert_eq!(added.status, 200, "{}", added.text);
    assert_eq!(added.json()["roles"]["orgRoles"], json!(["ORG_MEMBER", "ORG_READ_ONLY"]));
    let removed = post(&owner, &action("removeRole"), json!({"orgRole": "ORG_MEMBER"})).await;
    assert_eq!(removed.json()["roles"]["orgRoles"], json!(["ORG_READ_ONLY"]));

    let before = server.snapshot().await;
    post(&owner, &action("addRole"), json!({"orgRole": "ORG_READ_ONLY"}))
        .await
        .assert_error(409, "ROLE_ALREADY_ASSIGNED");
    post(&owner, &action("removeRole"), json!({"orgRole": "ORG_OWNER"})).await.assert_error(400, "ROLE_NOT_ASSIGNED");
    post(&owner, &action("removeRole"), json!({"orgRole": "ORG_READ_ONLY"}))
        .await
        .assert_error(400, "CANNOT_REMOVE_LAST_ROLE");
    post(&owner, &action("addRole"), json!({"orgRole": "GROUP_OWNER"})).await.assert_error(400, "INVALID_ROLE_FOR_ORG");
    post(&owner, &action("addRole"), json!({})).await.assert_error(400, "MISSING_ATTRIBUTE");
    post(&owner, &action("renameRole"), json!({"orgRole": "ORG_OWNER"})).await.assert_error(404, "RESOURCE_NOT_FOUND");
    post(&owner, &format!("{}/nope:addRole", org_users()), json!({"orgRole": "ORG_OWNER"}))
        .await
        .assert_error(404, "INVALID_USER_ID");
    assert_eq!(server.snapshot().await, before);

    // Project roles, on a pending user: the invitation's assignment changes.
    let pending = create_org_user(&owner, "p@example.com", &["ORG_MEMBER"]).await;
    let added =
        post(&owner, &group_users(PA), json!({"username": "p@example.com", "roles": ["GROUP_READ_ONLY"]})).await;
    assert_eq!(added.status, 201, "{}", added.text);
    let project_action = |verb: &str| format!("{}/{pending}:{verb}", group_users(PA));
    let more = post(&owner, &project_action("addRole"), json!({"groupRole": "GROUP_OWNER"})).await.json();
    assert_eq!(more["roles"], json!(["GROUP_READ_ONLY", "GROUP_OWNER"]));
    post(&owner, &project_action("removeRole"), json!({"groupRole": "GROUP_OWNER"})).await;
    post(&owner, &project_action("removeRole"), json!({"groupRole": "GROUP_READ_ONLY"}))
        .await
        .assert_error(400, "CANNOT_REMOVE_LAST_ROLE");
    let invitation = &owner.get(&format!("/api/atlas/v2/orgs/{O1}/invites")).await.json()[0];
    assert_eq!(invitation["groupRoleAssignments"], json!([{"groupId": PA, "groupRole": "GROUP_READ_ONLY"}]));
}

#[tokio::test]
async fn adding_a_user_to_a_project_grants_extends_or_invites() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let add = |name: &str, roles: Value| json!({"username": name, "roles": roles});

    // An active member of the org: granted at once.
    let granted = post(&owner, &group_users(PB), add(MEMBER, json!(["GROUP_OWNER"]))).await;
    assert_eq!(granted.status, 201, "{}", granted.text);
    assert_eq!(granted.json()["orgMembershipStatus"], "ACTIVE");
    assert_eq!(granted.json()["roles"], json!(["GROUP_OWNER"]));
    assert!(granted.json().get("teamIds").is_none(), "project users carry no teams");
    let member = granted.json()["id"].as_str().unwrap().to_string();

    // Nobody yet: one org invitation that covers the project.
    let invited =
        post(&server.as_(&PA_OWNER), &group_users(PA), add("new@example.com", json!(["GROUP_READ_ONLY"]))).await;
    assert_eq!(invited.status, 201, "{}", invited.text);
    assert_eq!(invited.json()["orgMembershipStatus"], "PENDING");
    let org_invites = owner.get(&format!("/api/atlas/v2/orgs/{O1}/invites")).await.json();
    assert_eq!(org_invites[0]["roles"], json!(["ORG_MEMBER"]));
    assert_eq!(org_invites[0]["groupRoleAssignments"], json!([{"groupId": PA, "groupRole": "GROUP_READ_ONLY"}]));
    assert_eq!(owner.get(&format!("/api/atlas/v2/groups/{PA}/invites")).await.json(), json!([]));

    // The pending user: the invitation gains the project.
    let extended = post(&owner, &group_users(PB), add("new@example.com", json!(["GROUP_OWNER"]))).await;
    assert_eq!(extended.status, 201, "{}", extended.text);
    assert_eq!(extended.json()["id"], invited.json()["id"]);
    let before = server.snapshot().await;
    post(&owner, &group_users(PB), add("new@example.com", json!(["GROUP_OWNER"])))
        .await
        .assert_error(409, "USER_ALREADY_IN_GROUP");
    post(&owner, &group_users(PB), add(MEMBER, json!(["GROUP_OWNER"])))
        .await
        .assert_error(409, "USER_ALREADY_IN_GROUP");
    post(&owner, &group_users(PB), add("x@example.com", json!([]))).await.assert_error(400, "MISSING_ATTRIBUTE");
    post(&owner, &group_users(PB), add("x@example.com", json!(["ORG_OWNER"])))
        .await
        .assert_error(400, "INVALID_ROLE_FOR_GROUP");
    post(&server.as_(&PA_READER), &group_users(PA), add("x@example.com", json!(["GROUP_OWNER"])))
        .await
        .assert_error(401, "USER_UNAUTHORIZED");
    assert_eq!(server.snapshot().await, before);

    let listed = get(&server.as_(&PA_READER), &group_users(PB)).await;
    listed.assert_error(401, "USER_CANNOT_ACCESS_GROUP");
    let pb = get(&owner, &group_users(PB)).await;
    assert_eq!(pb.header("ratelimit-limit"), Some("1200"));
    assert_eq!(usernames(&pb.json()), [MEMBER, "new@example.com"]);
    assert_eq!(
        pb.json()["links"][0]["href"],
        format!(
            "{}{}?flattenTeams=false&includeCount=true&includeOrgUsers=false&pageNum=1&itemsPerPage=100",
            server.base,
            group_users(PB)
        )
    );
    let with_org = get(&owner, &format!("{}?includeOrgUsers=true", group_users(PA))).await.json();
    assert_eq!(usernames(&with_org), [MEMBER, "new@example.com"], "the fixture has no human org owners");

    // Removing the project assignment leaves the org-level pending user in place.
    let pending = invited.json()["id"].as_str().unwrap().to_string();
    assert_eq!(send(&owner, Method::DELETE, &format!("{}/{pending}", group_users(PB)), None).await.status, 204);
    get(&owner, &format!("{}/{pending}", group_users(PB))).await.assert_error(404, "USER_NOT_IN_GROUP");
    let still = get(&owner, &format!("{}/{pending}", org_users())).await.json();
    assert_eq!(still["roles"]["groupRoleAssignments"], json!([{"groupId": PA, "groupRoles": ["GROUP_READ_ONLY"]}]));

    // An active member's project roles, replaced by the deprecated PUT, then removed.
    let put = owner
        .call(
            Call::new(Method::PUT, &format!("{}/{member}/roles", group_users(PB)))
                .json(&json!({"groupRoles": ["GROUP_READ_ONLY"]})),
        )
        .await;
    assert_eq!(put.json(), json!({"groupRoles": ["GROUP_READ_ONLY"]}));
    assert_eq!(get(&owner, &format!("{}/{member}", group_users(PB))).await.json()["roles"], json!(["GROUP_READ_ONLY"]));
    assert_eq!(send(&owner, Method::DELETE, &format!("{}/{member}", group_users(PB)), None).await.status, 204);
    let member_now = get(&owner, &format!("{}/{member}", org_users())).await.json();
    assert_eq!(member_now["orgMembershipStatus"], "ACTIVE", "leaving a project is not leaving the org");
}

#[tokio::test]
async fn a_project_invitation_then_an_org_invitation_for_the_same_person_both_work() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let project = owner
        .post(
            &format!("/api/atlas/v2/groups/{PA}/invites"),
            &json!({"username": "tf@example.com", "roles": ["GROUP_OWNER"]}),
        )
        .await;
    assert_eq!(project.status, 200, "{}", project.text);
    assert_eq!(usernames(&get(&owner, &org_users()).await.json()), [MEMBER], "a project invitation is not a user");

    let org = owner
        .post(
            &format!("/api/atlas/v2/orgs/{O1}/invites"),
            &json!({"username": "tf@example.com", "roles": ["ORG_READ_ONLY"]}),
        )
        .await;
    assert_eq!(org.status, 200, "{}", org.text);
    let org_invites = owner.get(&format!("/api/atlas/v2/orgs/{O1}/invites")).await.json();
    assert_eq!(org_invites.as_array().unwrap().len(), 1, "the companion was taken over");
    assert_eq!(org_invites[0]["roles"], json!(["ORG_READ_ONLY"]));
    let users = get(&owner, &org_users()).await.json();
    assert_eq!(usernames(&users), [MEMBER, "tf@example.com"]);
    owner
        .post(
            &format!("/api/atlas/v2/orgs/{O1}/invites"),
            &json!({"username": "tf@example.com", "roles": ["ORG_MEMBER"]}),
        )
        .await
        .assert_error(409, "USER_ALREADY_INVITED");
}

#[tokio::test]
async fn accepting_makes_the_pending_user_active_under_the_same_id() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let user = create_org_user(&owner, "joins@example.com", &["ORG_MEMBER"]).await;
    let invitation = owner.get(&format!("/api/atlas/v2/orgs/{O1}/invites")).await.json()[0]["id"].clone();
    server.clock.advance(60);
    server.service.accept_invitation(&object_id(invitation.as_str().unwrap())).await.unwrap();
    let active = get(&owner, &format!("{}/{user}", org_users())).await.json();
    assert_eq!(active["orgMembershipStatus"], "ACTIVE");
    assert_eq!(active["firstName"], "joins");
    assert_eq!(active["lastAuth"], "2026-08-10T03:04:37Z");
    assert!(active.get("invitationCreatedAt").is_none());
    let removed = send(&owner, Method::DELETE, &format!("{}/{user}", org_users()), None).await;
    assert_eq!(removed.status, 204);
    get(&owner, &format!("{}/{user}", org_users())).await.assert_error(404, "USER_NOT_IN_ORG");
}

#[tokio::test]
async fn callers_of_another_org_learn_nothing_about_its_users() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let member = member_id(&owner).await;
    let stranger = server.as_(&O2_OWNER);
    for user in [member.as_str(), "6f00000000000000000000ff"] {
        get(&stranger, &format!("{}/{user}", org_users())).await.assert_error(401, "USER_UNAUTHORIZED");
        send(&stranger, Method::DELETE, &format!("{}/{user}", org_users()), None)
            .await
            .assert_error(401, "USER_UNAUTHORIZED");
        get(&stranger, &format!("{}/{user}", group_users(PA))).await.assert_error(401, "USER_CANNOT_ACCESS_GROUP");
        stranger.get(&format!("/api/atlas/v2/users/{user}")).await.assert_error(404, "USER_NOT_FOUND");
    }
    get(&stranger, &org_users()).await.assert_error(401, "USER_UNAUTHORIZED");
    get(&owner, &format!("{}/6f00000000000000000000ff", org_users())).await.assert_error(404, "USER_NOT_IN_ORG");
    stranger.get(&format!("/api/atlas/v2/users/byName/{MEMBER}")).await.assert_error(404, "USERNAME_NOT_FOUND");
}

#[tokio::test]
async fn the_deprecated_users_calls_create_accounts_and_show_members_and_pending_users() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let account = json!({
        "username": "cli-test@example.com", "password": "a-long-password", "firstName": "Test", "lastName": "User",
        "country": "IE", "roles": [{"groupId": PA, "roleName": "GROUP_READ_ONLY"}],
    });
    let created = owner.post("/api/atlas/v2/users", &account).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let body = created.json();
    let id = body["id"].as_str().unwrap().to_string();
    assert_eq!(created.header("location"), Some(format!("{}/api/atlas/v1.0/users/{id}", server.base).as_str()));
    assert_eq!(created.header("deprecation"), Some("Wed, 19 Feb 2025 00:00:00 GMT"));
    assert_eq!(created.header("ratelimit-limit"), Some("2500"));
    assert_eq!(body["roles"], json!([]), "the roles wait for the invitation to be accepted");
    assert_eq!(body["links"][0], json!({"href": format!("{}/api/atlas/v2/users/{id}", server.base), "rel": "self"}));
    assert!(body.get("lastAuth").is_none() && body.get("mobileNumber").is_none());
    assert_eq!((body["firstName"].clone(), body["country"].clone()), (json!("Test"), json!("IE")));

    // The invitation its roles made is a pending user of the org, readable through /users too.
    let pending = get(&owner, &format!("{}?username=cli-test@example.com", org_users())).await.json();
    assert_eq!(pending["results"][0]["id"], json!(id));
    assert_eq!(
        pending["results"][0]["roles"]["groupRoleAssignments"],
        json!([{"groupId": PA, "groupRoles": ["GROUP_READ_ONLY"]}])
    );
    assert_eq!(owner.get(&format!("/api/atlas/v2/users/{id}")).await.json()["username"], "cli-test@example.com");
    let by_name = owner.get("/api/atlas/v2/users/byName/cli-test@example.com").await;
    assert_eq!(by_name.status, 200, "{}", by_name.text);

    let before = server.snapshot().await;
    owner.post("/api/atlas/v2/users", &account).await.assert_error(409, "USER_ALREADY_EXISTS");
    let short = json!({"username": "s@example.com", "password": "short", "firstName": "S", "lastName": "P"});
    owner.post("/api/atlas/v2/users", &short).await.assert_error(400, "VALIDATION_ERROR");
    server.as_(&O1_MEMBER).post("/api/atlas/v2/users", &account).await.assert_error(401, "USER_UNAUTHORIZED");
    assert_eq!(server.snapshot().await, before);

    let member = owner.get(&format!("/api/atlas/v2/users/byName/{MEMBER}")).await.json();
    assert_eq!(
        member["roles"],
        json!([{"orgId": O1, "roleName": "ORG_MEMBER"}, {"groupId": PA, "roleName": "GROUP_READ_ONLY"}])
    );
}
