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
