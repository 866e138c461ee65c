//! Who may call what: every operation for every kind of key, on its own project and org, a sibling project,
//! and the other org's project and org.

use reqwest::Method;
use serde_json::json;

use crate::support::*;

/// The six operations of one scope (`/groups/{id}` or `/orgs/{id}`), aimed at `invitation_id`.
fn operations(scope: &str, invitation_id: &str, project: bool, username: &str) -> Vec<Call> {
    let collection = format!("/api/atlas/v2/{scope}/invites");
    let item = format!("{collection}/{invitation_id}");
    let roles = if project { json!(["GROUP_READ_ONLY"]) } else { json!(["ORG_MEMBER"]) };
    vec![
        Call::new(Method::POST, &collection).json(&json!({"username": username, "roles": roles})),
        Call::new(Method::GET, &collection),
        Call::new(Method::GET, &item),
        Call::new(Method::PATCH, &item).json(&json!({"roles": roles})),
        Call::new(Method::PATCH, &collection).json(&json!({"username": username, "roles": roles})),
        Call::new(Method::DELETE, &item),
    ]
}

async fn pending(server: &TestServer, scope: &str, username: &str, project: bool) -> String {
    let roles = if project { json!(["GROUP_OWNER"]) } else { json!(["ORG_MEMBER"]) };
    let owner = if scope.contains(O2) || scope.contains(PC) { server.as_(&O2_OWNER) } else { server.as_(&OWNER) };
    let response =
        owner.post(&format!("/api/atlas/v2/{scope}/invites"), &json!({"username": username, "roles": roles})).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json()["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_authorization_matrix() {
    let server = TestServer::start().await;
    let scopes = [
        (format!("groups/{PA}"), true),
        (format!("groups/{PB}"), true),
        (format!("groups/{PC}"), true),
        (format!("orgs/{O1}"), false),
        (format!("orgs/{O2}"), false),
    ];
    // (key, expected outcome per scope above): "OK" or the 401 errorCode.
    let matrix: [(&Key, [&str; 5]); 7] = [
        (&OWNER, ["OK", "OK", "USER_CANNOT_ACCESS_GROUP", "OK", "USER_UNAUTHORIZED"]),
        (
            &PA_OWNER,
            ["OK", "USER_CANNOT_ACCESS_GROUP", "USER_CANNOT_ACCESS_GROUP", "USER_UNAUTHORIZED", "USER_UNAUTHORIZED"],
        ),
        (
            &PB_OWNER,
            ["USER_CANNOT_ACCESS_GROUP", "OK", "USER_CANNOT_ACCESS_GROUP", "USER_UNAUTHORIZED", "USER_UNAUTHORIZED"],
        ),
        (
            &PA_READER,
            [
                "USER_UNAUTHORIZED",
                "USER_CANNOT_ACCESS_GROUP",
                "USER_CANNOT_ACCESS_GROUP",
                "USER_UNAUTHORIZED",
                "USER_UNAUTHORIZED",
            ],
        ),
        (
            &O1_MEMBER,
            [
                "USER_CANNOT_ACCESS_GROUP",
                "USER_CANNOT_ACCESS_GROUP",
                "USER_CANNOT_ACCESS_GROUP",
                "USER_UNAUTHORIZED",
                "USER_UNAUTHORIZED",
            ],
        ),
        (
            &O1_READER,
            [
                "USER_UNAUTHORIZED",
                "USER_UNAUTHORIZED",
                "USER_CANNOT_ACCESS_GROUP",
                "USER_UNAUTHORIZED",
                "USER_UNAUTHORIZED",
            ],
        ),
        (&O2_OWNER, ["USER_CANNOT_ACCESS_GROUP", "USER_CANNOT_ACCESS_GROUP", "OK", "USER_UNAUTHORIZED", "OK"]),
    ];
    for (k, (key, outcomes)) in matrix.iter().enumerate() {
        for (s, ((scope, project), expected)) in scopes.iter().zip(outcomes).enumerate() {
            let victim = format!("victim-{k}-{s}@example.com");
            let invitation_id = pending(&server, scope, &victim, *project).await;
            let newcomer = format!("new-{k}-{s}@example.com");
            let client = server.as_(key);
            if *expected == "OK" {
                // POST invites the newcomer, whom PATCH by username then selects.
                let mut statuses = Vec::new();
                for call in operations(scope, &invitation_id, *project, &newcomer) {
                    statuses.push(client.call(call).await.status);
                }
                assert_eq!(statuses, vec![200, 200, 200, 200, 200, 204], "{} on {scope}", key.public);
            } else {
                for call in operations(scope, &invitation_id, *project, &victim) {
                    let description = format!("{} {} {}", key.public, call.method, call.path);
                    let before = server.snapshot().await;
                    let response = client.call(call).await;
                    assert_eq!(
                        (response.status, response.error_code()),
                        (401, expected.to_string()),
                        "{description}: {}",
                        response.text
                    );
                    assert!(response.header("www-authenticate").is_none(), "authorization failures carry no challenge");
                    assert_eq!(server.snapshot().await, before, "{description} changed the store");
                }
            }
        }
    }
}

#[tokio::test]
async fn a_pending_invitation_grants_nothing_until_accepted() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    owner
        .post(
            &format!("/api/atlas/v2/groups/{PA}/invites"),
            &json!({"username": "pending@example.com", "roles": ["GROUP_OWNER"]}),
        )
        .await;
    let user = owner.get("/api/atlas/v2/users/byName/pending@example.com").await;
    user.assert_error(404, "USERNAME_NOT_FOUND");
}

#[tokio::test]
async fn strict_tenancy_answers_an_inaccessible_target_exactly_as_a_missing_one() {
    let options = atlas_invites::ServerOptions { strict_tenancy: true, ..atlas_invites::ServerOptions::default() };
    let server = TestServer::start_with(options).await;
    let missing_project = "6f00000000000000000000ff";
    let missing_org = "6f0000000000000000000fff";
    let same = |a: &Response, b: &Response, hidden: &str, missing: &str| {
        assert_eq!(a.status, b.status);
        assert_eq!(a.text.replace(hidden, missing), b.text, "the answers tell the ids apart");
    };
    let outsider = server.as_(&O2_OWNER);
    for path in ["/api/atlas/v2/groups/{}/invites", "/api/atlas/v2/groups/{}/events", "/api/atlas/v2/groups/{}/teams"] {
        let hidden = outsider.get(&path.replace("{}", PA)).await;
        let missing = outsider.get(&path.replace("{}", missing_project)).await;
        hidden.assert_error(404, "GROUP_NOT_FOUND");
        same(&hidden, &missing, PA, missing_project);
    }
    for path in ["/api/atlas/v2/orgs/{}/invites", "/api/atlas/v2/orgs/{}/teams", "/api/atlas/v2/orgs/{}/events"] {
        let hidden = outsider.get(&path.replace("{}", O1)).await;
        let missing = outsider.get(&path.replace("{}", missing_org)).await;
        hidden.assert_error(404, "ORG_NOT_FOUND");
        same(&hidden, &missing, O1, missing_org);
    }
    // Inside the caller's own org, a project it holds no role in is hidden too; one it may read but not change
    // is still refused as Atlas refuses it.
    server.as_(&PA_OWNER).get(&format!("/api/atlas/v2/groups/{PB}/invites")).await.assert_error(404, "GROUP_NOT_FOUND");
    let body = serde_json::json!({"username": "x@example.com", "roles": ["GROUP_READ_ONLY"]});
    let reader = server.as_(&PA_READER).post(&format!("/api/atlas/v2/groups/{PA}/invites"), &body).await;
    reader.assert_error(401, "USER_UNAUTHORIZED");
}
