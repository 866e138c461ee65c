//! The invitee's side, as a test harness drives it: the link's token shows, accepts or declines the invitation
//! (`/api/invitee/invitations/{token}`), and every view of the store agrees at once.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

const V2025: &str = "application/vnd.atlas.2025-02-19+json";
const DAY: i64 = 86_400;

async fn token_of(server: &TestServer, invitation_id: &str) -> String {
    let invitation = server.service.any_invitation(&object_id(invitation_id)).await.unwrap();
    server.service.link_token(&invitation)
}

async fn invitee(server: &TestServer, method: Method, path: &str) -> Response {
    server.anonymous().call(Call::new(method, &format!("/api/invitee/invitations/{path}")).accept(None)).await
}

async fn post_users_api(client: &Client, path: &str, body: &Value) -> Response {
    client.call(Call::new(Method::POST, path).json(body).accept(Some(V2025))).await
}

async fn invite_to_org(client: &Client, username: &str) -> Response {
    client
        .post(&format!("/api/atlas/v2/orgs/{O1}/invites"), &json!({"username": username, "roles": ["ORG_MEMBER"]}))
        .await
}

async fn users_api(client: &Client, path: &str) -> Value {
    let response = client.call(Call::new(Method::GET, path).accept(Some(V2025))).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json()
}

#[tokio::test]
async fn accepting_through_the_link_makes_an_active_member_everywhere_at_once() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let body = json!({"username": "joiner@example.com", "roles": ["ORG_READ_ONLY"], "teamIds": [T1],
                      "groupRoleAssignments": [{"groupId": PB, "roles": ["GROUP_CLUSTER_MANAGER"]}]});
    let invited = owner.post(&format!("/api/atlas/v2/orgs/{O1}/invites"), &body).await;
    assert_eq!(invited.status, 200, "{}", invited.text);
    let invitation_id = invited.json()["id"].as_str().unwrap().to_string();
    let token = token_of(&server, &invitation_id).await;

    let shown = invitee(&server, Method::GET, &token).await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    let shown = shown.json();
    assert_eq!((shown["state"].clone(), shown["orgName"].clone()), (json!("PENDING"), json!("Acme")));
    assert_eq!(shown["inviterUsername"], OWNER.public);

    let accepted = invitee(&server, Method::POST, &format!("{token}:accept")).await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    assert_eq!(accepted.json()["state"], "ACCEPTED");

    // The invitation is gone from the invitation operations ...
    let item = format!("/api/atlas/v2/orgs/{O1}/invites/{invitation_id}");
    owner.get(&item).await.assert_error(404, "INVALID_INVITATION_ID");
    // ... the person is an active member with the invited roles, projects and teams ...
    let users = users_api(&owner, &format!("/api/atlas/v2/orgs/{O1}/users?username=joiner@example.com")).await;
    let user = &users["results"][0];
    assert_eq!(user["orgMembershipStatus"], "ACTIVE");
    assert_eq!(
        user["roles"],
        json!({"groupRoleAssignments": [{"groupId": PB, "groupRoles": ["GROUP_CLUSTER_MANAGER"]}], "orgRoles": ["ORG_READ_ONLY"]})
    );
    let team = users_api(&owner, &format!("/api/atlas/v2/orgs/{O1}/teams/{T1}/users")).await;
    assert_eq!(team["results"][0]["username"], "joiner@example.com");
    let by_name = owner.get("/api/atlas/v2/users/byName/joiner@example.com").await.json();
    assert_eq!(by_name["teamIds"], json!([T1]));
    // ... and the link works once.
    invitee(&server, Method::POST, &format!("{token}:accept")).await.assert_error(404, "INVITATION_LINK_NOT_VALID");
    invitee(&server, Method::GET, &token).await.assert_error(404, "INVITATION_LINK_NOT_VALID");
}

#[tokio::test]
async fn declining_makes_a_rejected_user_that_a_new_invitation_replaces() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let body = json!({"username": "no@example.com", "roles": {"orgRoles": ["ORG_MEMBER"]}});
    let created = post_users_api(&owner, &format!("/api/atlas/v2/orgs/{O1}/users"), &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let user_id = created.json()["id"].as_str().unwrap().to_string();
    let invitation = owner.get(&format!("/api/atlas/v2/orgs/{O1}/invites")).await.json()[0].clone();
    let token = token_of(&server, invitation["id"].as_str().unwrap()).await;

    let declined = invitee(&server, Method::POST, &format!("{token}:decline")).await;
    assert_eq!((declined.status, declined.json()["state"].clone()), (200, json!("DECLINED")));
    assert_eq!(owner.get(&format!("/api/atlas/v2/orgs/{O1}/invites")).await.json(), json!([]));
    let rejected =
        users_api(&owner, &format!("/api/atlas/v2/orgs/{O1}/users?orgMembershipStatus=INVITATION_REJECTED")).await;
    assert_eq!(rejected["results"][0]["id"], json!(user_id));
    assert_eq!(rejected["results"][0]["invitationExpiresAt"], Value::Null, "null for rejected invitations");
    let default = users_api(&owner, &format!("/api/atlas/v2/orgs/{O1}/users?username=no@example.com")).await;
    assert_eq!(default["totalCount"], 0, "lists show active and pending users by default");
    let shown = invitee(&server, Method::GET, &token).await;
    assert_eq!(shown.json()["state"], "DECLINED");
    invitee(&server, Method::POST, &format!("{token}:accept")).await.assert_error(404, "INVITATION_LINK_NOT_VALID");

    // "Replaces INVITATION_EXPIRED and INVITATION_REJECTED user with the same email" (spec, createOrgUser).
    let again = post_users_api(&owner, &format!("/api/atlas/v2/orgs/{O1}/users"), &body).await;
    assert_eq!(again.status, 201, "{}", again.text);
    assert_eq!(
        (again.json()["id"].clone(), again.json()["orgMembershipStatus"].clone()),
        (json!(user_id), json!("PENDING"))
    );
}

#[tokio::test]
async fn accepting_a_project_invitation_consumes_its_companion_org_invitation() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let body = json!({"username": "new@example.com", "roles": ["GROUP_OWNER"]});
    let invited = owner.post(&format!("/api/atlas/v2/groups/{PA}/invites"), &body).await;
    assert_eq!(invited.status, 200, "{}", invited.text);
    let org_invites = owner.get(&format!("/api/atlas/v2/orgs/{O1}/invites")).await.json();
    assert_eq!(org_invites.as_array().unwrap().len(), 1, "the companion org invitation: {org_invites}");

    let token = token_of(&server, invited.json()["id"].as_str().unwrap()).await;
    let accepted = invitee(&server, Method::POST, &format!("{token}:accept")).await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    assert_eq!(owner.get(&format!("/api/atlas/v2/orgs/{O1}/invites")).await.json(), json!([]));
    let user = owner.get("/api/atlas/v2/users/byName/new@example.com").await.json();
    assert_eq!(
        user["roles"],
        json!([{"orgId": O1, "roleName": "ORG_MEMBER"}, {"groupId": PA, "roleName": "GROUP_OWNER"}])
    );
}

#[tokio::test]
async fn links_of_expired_renewed_and_forged_invitations_do_nothing() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let first = invite_to_org(&owner, "late@example.com").await.json()["id"].as_str().unwrap().to_string();
    let token = token_of(&server, &first).await;
    let forged = format!("{}.{}", first, "A".repeat(43));
    invitee(&server, Method::GET, &forged).await.assert_error(404, "INVITATION_LINK_NOT_VALID");
    invitee(&server, Method::POST, &format!("{forged}:accept")).await.assert_error(404, "INVITATION_LINK_NOT_VALID");
    invitee(&server, Method::POST, "nonsense:accept").await.assert_error(404, "INVITATION_LINK_NOT_VALID");

    server.clock.advance(30 * DAY);
    let before = server.snapshot().await;
    assert_eq!(invitee(&server, Method::GET, &token).await.json()["state"], "EXPIRED");
    invitee(&server, Method::POST, &format!("{token}:accept")).await.assert_error(404, "INVITATION_LINK_NOT_VALID");
    invitee(&server, Method::POST, &format!("{token}:decline")).await.assert_error(404, "INVITATION_LINK_NOT_VALID");
    assert_eq!(server.snapshot().await, before, "a refused link changed the store");

    // A new invitation replaces the expired one; the old link does not take it.
    let renewed = invite_to_org(&owner, "late@example.com").await;
    assert_eq!(renewed.status, 200, "{}", renewed.text);
    invitee(&server, Method::POST, &format!("{token}:accept")).await.assert_error(404, "INVITATION_LINK_NOT_VALID");
    let fresh = token_of(&server, renewed.json()["id"].as_str().unwrap()).await;
    assert_ne!(fresh, token);
    assert_eq!(invitee(&server, Method::POST, &format!("{fresh}:accept")).await.status, 200);
}
