//! The same invitations through the legacy Atlas v1.0 paths and the Cloud Manager public API v1.0.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

const V1: &str = "/api/atlas/v1.0";
const CM: &str = "/api/public/v1.0";

/// Unversioned surfaces take `Accept: application/json` (their docs' examples).
fn plain(method: Method, path: &str) -> Call {
    Call::new(method, path).accept(Some("application/json"))
}

async fn send(client: &Client, method: Method, path: &str, body: Option<Value>) -> Response {
    let mut call = plain(method, path);
    if let Some(body) = body {
        call = call.raw(Some("application/json"), body.to_string().as_bytes());
    }
    client.call(call).await
}

#[tokio::test]
async fn every_operation_on_the_unversioned_surfaces() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    for (prefix, created_status) in [(V1, 200), (CM, 201)] {
        let user = format!("{}@example.com", if prefix == V1 { "v1" } else { "cm" });
        let project = format!("{prefix}/groups/{PA}/invites");
        let created =
            send(&owner, Method::POST, &project, Some(json!({"username": user, "roles": ["GROUP_READ_ONLY"]}))).await;
        assert_eq!(created.status, created_status, "{prefix}: {}", created.text);
        assert_eq!(created.header("content-type"), Some("application/json"));
        assert!(created.header("deprecation").is_none());
        let id = created.json()["id"].as_str().unwrap().to_string();
        assert_eq!(created.json()["groupId"], PA);
        assert_eq!(send(&owner, Method::GET, &project, None).await.json().as_array().unwrap().len(), 1);
        assert_eq!(
            send(&owner, Method::GET, &format!("{project}?username={user}"), None).await.json()[0]["id"],
            json!(id)
        );
        assert_eq!(send(&owner, Method::GET, &format!("{project}/{id}"), None).await.json()["id"], json!(id));
        let patched =
            send(&owner, Method::PATCH, &format!("{project}/{id}"), Some(json!({"roles": ["GROUP_OWNER"]}))).await;
        assert_eq!(patched.json()["roles"], json!(["GROUP_OWNER"]));
        let by_name =
            send(&owner, Method::PATCH, &project, Some(json!({"username": user, "roles": ["GROUP_READ_ONLY"]}))).await;
        assert_eq!(by_name.json()["roles"], json!(["GROUP_READ_ONLY"]));
        let deleted = send(&owner, Method::DELETE, &format!("{project}/{id}"), None).await;
        assert_eq!((deleted.status, deleted.text.as_str()), (204, ""));

        let org = format!("{prefix}/orgs/{O1}/invites");
        let org_user = format!("org-{user}");
        let created = send(
            &owner,
            Method::POST,
            &org,
            Some(json!({"username": org_user, "roles": ["ORG_MEMBER"], "teamIds": [T1]})),
        )
        .await;
        assert_eq!(created.status, created_status, "{}", created.text);
        let invitation = created.json();
        assert!(invitation.get("groupRoleAssignments").is_none(), "v1.0 org invitations have no groupRoleAssignments");
        assert_eq!((invitation["orgName"].clone(), invitation["teamIds"].clone()), (json!("Acme"), json!([T1])));
        let id = invitation["id"].as_str().unwrap();
        assert_eq!(send(&owner, Method::GET, &format!("{org}/{id}"), None).await.json(), invitation);
        let patched =
            send(&owner, Method::PATCH, &format!("{org}/{id}"), Some(json!({"roles": ["ORG_READ_ONLY"]}))).await;
        assert_eq!(patched.json()["roles"], json!(["ORG_READ_ONLY"]));
        let by_name =
            send(&owner, Method::PATCH, &org, Some(json!({"username": org_user, "roles": ["ORG_OWNER"]}))).await;
        assert_eq!(by_name.json()["roles"], json!(["ORG_OWNER"]));
        assert_eq!(
            send(&owner, Method::GET, &format!("{org}?username={org_user}"), None).await.json(),
            json!([by_name.json()])
        );
        assert_eq!(send(&owner, Method::DELETE, &format!("{org}/{id}"), None).await.status, 204);
        let refused = send(
            &owner,
            Method::POST,
            &org,
            Some(json!({"username": "x@example.com", "roles": ["ORG_MEMBER"], "groupRoleAssignments": []})),
        )
        .await;
        refused.assert_error(400, "INVALID_ATTRIBUTE");
    }
}

#[tokio::test]
async fn one_invitation_is_one_record_on_every_surface() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let v2 = format!("/api/atlas/v2/groups/{PA}/invites");
    let created =
        owner.post(&v2, &json!({"username": "shared@example.com", "roles": ["GROUP_READ_ONLY"]})).await.json();
    let id = created["id"].as_str().unwrap();
    for prefix in [V1, CM] {
        assert_eq!(
            send(&owner, Method::GET, &format!("{prefix}/groups/{PA}/invites/{id}"), None).await.json(),
            created
        );
    }
    send(&owner, Method::PATCH, &format!("{CM}/groups/{PA}/invites/{id}"), Some(json!({"roles": ["GROUP_OWNER"]})))
        .await;
    assert_eq!(owner.get(&format!("{v2}/{id}")).await.json()["roles"], json!(["GROUP_OWNER"]));
    assert_eq!(send(&owner, Method::DELETE, &format!("{V1}/groups/{PA}/invites/{id}"), None).await.status, 204);
    owner.get(&format!("{v2}/{id}")).await.assert_error(404, "INVALID_INVITATION_ID");
    send(&owner, Method::GET, &format!("{CM}/groups/{PA}/invites/{id}"), None)
        .await
        .assert_error(404, "INVALID_INVITATION_ID");

    // An org invitation made on v2 with project assignments shows without them on v1.0, and keeps them.
    let org_v2 = format!("/api/atlas/v2/orgs/{O1}/invites");
    let made = owner
        .post(
            &org_v2,
            &json!({"username": "assigned@example.com", "roles": ["ORG_MEMBER"],
                               "groupRoleAssignments": [{"groupId": PA, "roles": ["GROUP_READ_ONLY"]}]}),
        )
        .await
        .json();
    let org_id = made["id"].as_str().unwrap();
    let on_v1 = send(
        &owner,
        Method::PATCH,
        &format!("{V1}/orgs/{O1}/invites/{org_id}"),
        Some(json!({"roles": ["ORG_READ_ONLY"]})),
    )
    .await
    .json();
    assert!(on_v1.get("groupRoleAssignments").is_none());
    let again = owner.get(&format!("{org_v2}/{org_id}")).await.json();
    assert_eq!(again["groupRoleAssignments"], made["groupRoleAssignments"]);
}

#[tokio::test]
async fn cloud_manager_roles_and_role_requirements() {
    let server = TestServer::start().await;
    let admin = server.as_(&PA_USER_ADMIN);
    let cm = format!("{CM}/groups/{PA}/invites");
    let created = send(
        &admin,
        Method::POST,
        &cm,
        Some(json!({"username": "ops@example.com", "roles": ["GROUP_AUTOMATION_ADMIN"]})),
    )
    .await;
    assert_eq!(created.status, 201, "Project User Admin may invite in Cloud Manager: {}", created.text);
    // The same key is no Project Owner for Atlas.
    let before = server.snapshot().await;
    let atlas = admin
        .post(
            &format!("/api/atlas/v2/groups/{PA}/invites"),
            &json!({"username": "a@example.com", "roles": ["GROUP_READ_ONLY"]}),
        )
        .await;
    atlas.assert_error(401, "USER_UNAUTHORIZED");
    // Cloud Manager roles are not Atlas roles, and the other way round.
    let owner = server.as_(&OWNER);
    owner
        .post(
            &format!("/api/atlas/v2/groups/{PA}/invites"),
            &json!({"username": "b@example.com", "roles": ["GROUP_AUTOMATION_ADMIN"]}),
        )
        .await
        .assert_error(400, "INVALID_ROLE_FOR_GROUP");
    send(&owner, Method::POST, &cm, Some(json!({"username": "c@example.com", "roles": ["GROUP_CLUSTER_MANAGER"]})))
        .await
        .assert_error(400, "INVALID_ROLE_FOR_GROUP");
    send(
        &owner,
        Method::POST,
        &format!("{CM}/orgs/{O1}/invites"),
        Some(json!({"username": "d@example.com", "roles": ["ORG_STREAM_PROCESSING_ADMIN"]})),
    )
    .await
    .assert_error(400, "INVALID_ROLE_FOR_ORG");
    // Org invitations need Organization Owner everywhere.
    send(&admin, Method::GET, &format!("{CM}/orgs/{O1}/invites"), None).await.assert_error(401, "USER_UNAUTHORIZED");
    assert_eq!(server.snapshot().await, before);
}

#[tokio::test]
async fn unversioned_surfaces_need_no_version_and_do_not_expire() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    for prefix in [V1, CM] {
        let path = format!("{prefix}/groups/{PA}/invites");
        assert_eq!(owner.call(Call::new(Method::GET, &path).accept(None)).await.status, 200);
        server.clock.set(time::macros::datetime!(2027-07-02 00:00:00 UTC).unix_timestamp());
        assert_eq!(owner.call(plain(Method::GET, &path)).await.status, 200, "{prefix} has no sunset");
        server.clock.set(T0);
    }
    // The Cloud Manager docs' `/invitations/` example path is not a real one.
    let typo = format!("{CM}/groups/{PA}/invitations/6f00000000000000000000ee");
    send(&owner, Method::DELETE, &typo, None).await.assert_error(404, "RESOURCE_NOT_FOUND");
}

#[tokio::test]
async fn pretty_and_envelope_work_on_cloud_manager_too() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let path = format!("{CM}/groups/{PA}/invites?pretty=true&envelope=true");
    let created =
        send(&owner, Method::POST, &path, Some(json!({"username": "pe@example.com", "roles": ["GROUP_READ_ONLY"]})))
            .await;
    assert_eq!(created.status, 200, "enveloped: {}", created.text);
    assert!(created.text.starts_with("{\n  \"content\" : {\n    \"createdAt\" : "), "{}", created.text);
    assert_eq!(created.json()["status"], 201);
    let id = created.json()["content"]["id"].as_str().unwrap().to_string();
    let deleted = send(&owner, Method::DELETE, &format!("{CM}/groups/{PA}/invites/{id}?envelope=true"), None).await;
    assert_eq!((deleted.status, deleted.json()), (200, json!({"status": 204})));
}
