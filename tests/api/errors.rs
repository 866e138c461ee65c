//! Bad input: each refusal is an Atlas error with the right status and errorCode, and leaves the store as it was.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

struct Fixture {
    server: TestServer,
    /// A pending invitation in PA, one in PB, and an org invitation in O1.
    in_pa: String,
    in_pb: String,
    in_o1: String,
}

async fn fixture() -> Fixture {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let create = |path: String, body: Value| {
        let owner = &owner;
        async move {
            let r = owner.post(&path, &body).await;
            assert_eq!(r.status, 200, "{}", r.text);
            r.json()["id"].as_str().unwrap().to_string()
        }
    };
    let in_pa = create(
        format!("/api/atlas/v2/groups/{PA}/invites"),
        json!({"username": "alice@example.com", "roles": ["GROUP_READ_ONLY"]}),
    )
    .await;
    let in_pb = create(
        format!("/api/atlas/v2/groups/{PB}/invites"),
        json!({"username": "bob@example.com", "roles": ["GROUP_READ_ONLY"]}),
    )
    .await;
    let in_o1 = create(
        format!("/api/atlas/v2/orgs/{O1}/invites"),
        json!({"username": "carol@example.com", "roles": ["ORG_MEMBER"]}),
    )
    .await;
    Fixture { server, in_pa, in_pb, in_o1 }
}

/// Sends `call` as `key`, asserts the Atlas error, and that nothing in the store changed.
async fn refused(fx: &Fixture, key: &Key, call: Call, status: u16, code: &str) {
    let before = fx.server.snapshot().await;
    let description = format!("{} {}", call.method, call.path);
    let response = fx.server.as_(key).call(call).await;
    assert_eq!(
        (response.status, response.error_code()),
        (status, code.to_string()),
        "{description}: {}",
        response.text
    );
    response.assert_error(status, code);
    assert_eq!(fx.server.snapshot().await, before, "{description} changed the store");
}

fn post(path: &str, body: Value) -> Call {
    Call::new(Method::POST, path).json(&body)
}

fn patch(path: &str, body: Value) -> Call {
    Call::new(Method::PATCH, path).json(&body)
}

#[tokio::test]
async fn malformed_path_ids() {
    let fx = fixture().await;
    let upper = fx.in_pa.to_uppercase();
    let cases = [
        (format!("/api/atlas/v2/groups/{PA}/invites/{upper}"), "INVALID_INVITATION_ID"),
        (format!("/api/atlas/v2/groups/{PA}/invites/{}", &fx.in_pa[..23]), "INVALID_INVITATION_ID"),
        (format!("/api/atlas/v2/groups/{PA}/invites/{}0", fx.in_pa), "INVALID_INVITATION_ID"),
        (format!("/api/atlas/v2/groups/{PA}/invites/zzzzzzzzzzzzzzzzzzzzzzzz"), "INVALID_INVITATION_ID"),
        ("/api/atlas/v2/groups/6F00000000000000000000A1/invites".to_string(), "INVALID_GROUP_ID"),
        ("/api/atlas/v2/groups/nothex/invites".to_string(), "INVALID_GROUP_ID"),
        ("/api/atlas/v2/orgs/6f000000000000000000001/invites".to_string(), "INVALID_ORG_ID"),
    ];
    for (path, code) in cases {
        refused(&fx, &OWNER, Call::new(Method::GET, &path), 404, code).await;
        let write = if path.ends_with("/invites") {
            post(&path, json!({"username": "x@example.com", "roles": ["ORG_MEMBER"]}))
        } else {
            Call::new(Method::DELETE, &path)
        };
        refused(&fx, &OWNER, write, 404, code).await;
    }
}

#[tokio::test]
async fn unknown_foreign_and_wrong_kind_invitation_ids_look_alike() {
    let fx = fixture().await;
    let unknown = "6f00000000000000000000ee";
    for id in [unknown, fx.in_pb.as_str(), fx.in_o1.as_str()] {
        let path = format!("/api/atlas/v2/groups/{PA}/invites/{id}");
        refused(&fx, &OWNER, Call::new(Method::GET, &path), 404, "INVALID_INVITATION_ID").await;
        refused(&fx, &OWNER, patch(&path, json!({"roles": ["GROUP_OWNER"]})), 404, "INVALID_INVITATION_ID").await;
        refused(&fx, &OWNER, Call::new(Method::DELETE, &path), 404, "INVALID_INVITATION_ID").await;
    }
    let path = format!("/api/atlas/v2/orgs/{O1}/invites/{}", fx.in_pa);
    refused(&fx, &OWNER, Call::new(Method::DELETE, &path), 404, "INVALID_INVITATION_ID").await;
    // The same answer, byte for byte apart from the id, for a foreign id and a random one.
    let owner = fx.server.as_(&OWNER);
    let foreign = owner.get(&format!("/api/atlas/v2/groups/{PA}/invites/{}", fx.in_pb)).await;
    let random = owner.get(&format!("/api/atlas/v2/groups/{PA}/invites/{unknown}")).await;
    assert_eq!(foreign.text.replace(&fx.in_pb, "ID"), random.text.replace(unknown, "ID"));
}

#[tokio::test]
async fn unknown_scopes() {
    let fx = fixture().await;
    refused(
        &fx,
        &OWNER,
        Call::new(Method::GET, "/api/atlas/v2/groups/6f00000000000000000000ff/invites"),
        404,
        "GROUP_NOT_FOUND",
    )
    .await;
    refused(
        &fx,
        &OWNER,
        Call::new(Method::GET, "/api/atlas/v2/orgs/6f00000000000000000000ff/invites"),
        404,
        "ORG_NOT_FOUND",
    )
    .await;
    let body = json!({"username": "x@example.com", "roles": ["GROUP_OWNER"]});
    refused(&fx, &OWNER, post("/api/atlas/v2/groups/6f00000000000000000000ff/invites", body), 404, "GROUP_NOT_FOUND")
        .await;
}

#[tokio::test]
async fn bodies_that_are_not_invitation_requests() {
    let fx = fixture().await;
    let path = format!("/api/atlas/v2/groups/{PA}/invites");
    let raw = |content_type: Option<&str>, body: &[u8]| Call::new(Method::POST, &path).raw(content_type, body);
    refused(&fx, &OWNER, raw(Some("application/json"), b"{\"username\":"), 400, "MALFORMED_JSON").await;
    refused(&fx, &OWNER, raw(Some("application/json"), b""), 400, "MALFORMED_JSON").await;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    refused(&fx, &OWNER, raw(Some("application/json"), deep.as_bytes()), 413, "PAYLOAD_TOO_LARGE").await;
    let nested = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    refused(&fx, &OWNER, raw(Some("application/json"), nested.as_bytes()), 400, "MALFORMED_JSON").await;
    refused(&fx, &OWNER, raw(Some("application/json"), b"[]"), 400, "INVALID_JSON").await;
    refused(&fx, &OWNER, raw(Some("text/plain"), b"{}"), 415, "UNSUPPORTED_MEDIA_TYPE").await;
    refused(&fx, &OWNER, raw(Some("application/x-www-form-urlencoded"), b"username=x"), 415, "UNSUPPORTED_MEDIA_TYPE")
        .await;
    refused(&fx, &OWNER, raw(None, b"{}"), 415, "UNSUPPORTED_MEDIA_TYPE").await;
    let big = format!("{{\"username\":\"{}\"}}", "a".repeat(70_000));
    refused(&fx, &OWNER, raw(Some("application/json"), big.as_bytes()), 413, "PAYLOAD_TOO_LARGE").await;
    // Both media types Atlas accepts for bodies work.
    let ok = fx
        .server
        .as_(&OWNER)
        .call(raw(Some("application/json"), br#"{"username":"json@example.com","roles":["GROUP_OWNER"]}"#))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
}

#[tokio::test]
async fn attributes() {
    let fx = fixture().await;
    let path = format!("/api/atlas/v2/groups/{PA}/invites");
    let by_id = format!("/api/atlas/v2/groups/{PA}/invites/{}", fx.in_pa);
    let org = format!("/api/atlas/v2/orgs/{O1}/invites");
    let cases: Vec<(Call, u16, &str)> = vec![
        (post(&path, json!({"username": "d@example.com", "roles": "GROUP_OWNER"})), 400, "INVALID_JSON_ATTRIBUTE"),
        (post(&path, json!({"username": "d@example.com", "roles": [1, 2]})), 400, "INVALID_JSON_ATTRIBUTE"),
        (post(&path, json!({"username": "d@example.com", "roles": null})), 400, "INVALID_JSON_ATTRIBUTE"),
        (post(&path, json!({"username": ["d@example.com"], "roles": ["GROUP_OWNER"]})), 400, "INVALID_JSON_ATTRIBUTE"),
        (
            post(&path, json!({"username": "d@example.com", "roles": ["GROUP_OWNER"], "isAdmin": true})),
            400,
            "INVALID_ATTRIBUTE",
        ),
        (
            post(&path, json!({"username": "d@example.com", "roles": ["GROUP_OWNER"], "id": fx.in_pa})),
            400,
            "INVALID_ATTRIBUTE",
        ),
        (
            post(&path, json!({"username": "d@example.com", "roles": ["GROUP_OWNER"], "inviterUsername": "me"})),
            400,
            "INVALID_ATTRIBUTE",
        ),
        (
            post(
                &path,
                json!({"username": "d@example.com", "roles": ["GROUP_OWNER"], "expiresAt": "2030-01-01T00:00:00Z"}),
            ),
            400,
            "INVALID_ATTRIBUTE",
        ),
        (
            post(&path, json!({"username": "d@example.com", "roles": ["GROUP_OWNER"], "groupId": PB})),
            400,
            "INVALID_ATTRIBUTE",
        ),
        (patch(&by_id, json!({"roles": ["GROUP_OWNER"], "username": "evil@example.com"})), 400, "INVALID_ATTRIBUTE"),
        (
            patch(&by_id, json!({"roles": ["GROUP_OWNER"], "createdAt": "2020-01-01T00:00:00Z"})),
            400,
            "INVALID_ATTRIBUTE",
        ),
        (
            post(&org, json!({"username": "d@example.com", "roles": ["ORG_MEMBER"], "orgId": O2})),
            400,
            "INVALID_ATTRIBUTE",
        ),
        (post(&path, json!({"roles": ["GROUP_OWNER"]})), 400, "MISSING_ATTRIBUTE"),
        (post(&path, json!({"username": "d@example.com"})), 400, "MISSING_ATTRIBUTE"),
        (post(&path, json!({"username": "d@example.com", "roles": []})), 400, "MISSING_ATTRIBUTE"),
        (patch(&by_id, json!({})), 400, "MISSING_ATTRIBUTE"),
        (patch(&path, json!({"roles": ["GROUP_OWNER"]})), 400, "MISSING_ATTRIBUTE"),
        (post(&path, json!({"username": "bob", "roles": ["GROUP_OWNER"]})), 400, "INVALID_USERNAME"),
        (
            post(&path, json!({"username": "a'; DROP TABLE invitations;--@x.com", "roles": ["GROUP_OWNER"]})),
            400,
            "INVALID_USERNAME",
        ),
        (post(&path, json!({"username": "üser@example.com", "roles": ["GROUP_OWNER"]})), 400, "INVALID_USERNAME"),
        (
            post(&path, json!({"username": format!("{}@example.com", "a".repeat(65)), "roles": ["GROUP_OWNER"]})),
            400,
            "INVALID_USERNAME",
        ),
        (post(&path, json!({"username": "a\u{0}b@example.com", "roles": ["GROUP_OWNER"]})), 400, "INVALID_USERNAME"),
        (
            post(&path, json!({"username": "d@example.com", "roles": ["GROUP_SUPERUSER"]})),
            400,
            "INVALID_ROLE_FOR_GROUP",
        ),
        (post(&path, json!({"username": "d@example.com", "roles": ["ORG_OWNER"]})), 400, "INVALID_ROLE_FOR_GROUP"),
        (
            post(&path, json!({"username": "d@example.com", "roles": ["GROUP_OWNER", "GROUP_OWNER"]})),
            400,
            "VALIDATION_ERROR",
        ),
        (post(&path, json!({"username": "d@example.com", "roles": vec!["GROUP_OWNER"; 40]})), 400, "VALIDATION_ERROR"),
        (patch(&by_id, json!({"roles": ["ORG_MEMBER"]})), 400, "INVALID_ROLE_FOR_GROUP"),
        (post(&org, json!({"username": "d@example.com", "roles": ["GROUP_OWNER"]})), 400, "INVALID_ROLE_FOR_ORG"),
        (
            post(&org, json!({"username": "d@example.com", "roles": ["ORG_MEMBER"], "teamIds": [T2]})),
            404,
            "TEAM_NOT_FOUND",
        ),
        (
            post(&org, json!({"username": "d@example.com", "roles": ["ORG_MEMBER"], "teamIds": [T1, T1]})),
            400,
            "VALIDATION_ERROR",
        ),
        (
            post(
                &org,
                json!({"username": "d@example.com", "roles": ["ORG_MEMBER"], "groupRoleAssignments": [{"groupId": PC, "roles": ["GROUP_OWNER"]}]}),
            ),
            404,
            "GROUP_NOT_FOUND",
        ),
        (
            post(
                &org,
                json!({"username": "d@example.com", "roles": ["ORG_MEMBER"], "groupRoleAssignments": [{"groupId": PA, "roles": ["ORG_OWNER"]}]}),
            ),
            400,
            "INVALID_ROLE_FOR_GROUP",
        ),
        (
            post(
                &org,
                json!({"username": "d@example.com", "roles": ["ORG_MEMBER"], "groupRoleAssignments": [{"groupId": PA, "roles": []}]}),
            ),
            400,
            "MISSING_ATTRIBUTE",
        ),
        (
            post(
                &org,
                json!({"username": "d@example.com", "roles": ["ORG_MEMBER"], "groupRoleAssignments": [{"roles": ["GROUP_OWNER"]}]}),
            ),
            400,
            "MISSING_ATTRIBUTE",
        ),
        (
            patch(
                &format!("/api/atlas/v2/orgs/{O1}/invites/{}", fx.in_o1),
                json!({"roles": ["ORG_MEMBER"], "teamIds": [T2]}),
            ),
            404,
            "TEAM_NOT_FOUND",
        ),
    ];
    for (call, status, code) in cases {
        refused(&fx, &OWNER, call, status, code).await;
    }
}

#[tokio::test]
async fn conflicts_with_what_exists() {
    let fx = fixture().await;
    let path = format!("/api/atlas/v2/groups/{PA}/invites");
    refused(
        &fx,
        &OWNER,
        post(&path, json!({"username": "alice@example.com", "roles": ["GROUP_OWNER"]})),
        409,
        "USER_ALREADY_INVITED",
    )
    .await;
    refused(
        &fx,
        &OWNER,
        post(&path, json!({"username": "ALICE@example.com", "roles": ["GROUP_OWNER"]})),
        409,
        "USER_ALREADY_INVITED",
    )
    .await;
    refused(
        &fx,
        &OWNER,
        post(&path, json!({"username": MEMBER, "roles": ["GROUP_OWNER"]})),
        409,
        "USER_ALREADY_IN_GROUP",
    )
    .await;
    let org = format!("/api/atlas/v2/orgs/{O1}/invites");
    refused(
        &fx,
        &OWNER,
        post(&org, json!({"username": "carol@example.com", "roles": ["ORG_MEMBER"]})),
        409,
        "USER_ALREADY_INVITED",
    )
    .await;
    refused(&fx, &OWNER, post(&org, json!({"username": MEMBER, "roles": ["ORG_MEMBER"]})), 409, "USER_ALREADY_IN_ORG")
        .await;
    refused(
        &fx,
        &OWNER,
        patch(&path, json!({"username": "nobody@example.com", "roles": ["GROUP_OWNER"]})),
        404,
        "INVITATION_NOT_FOUND",
    )
    .await;
    refused(
        &fx,
        &OWNER,
        patch(&path, json!({"username": "bob@example.com", "roles": ["GROUP_OWNER"]})),
        404,
        "INVITATION_NOT_FOUND",
    )
    .await;
}

#[tokio::test]
async fn pending_invitations_per_scope_are_capped_at_atlas_user_limit() {
    let fx = fixture().await;
    let now = T0;
    // Fill PB up to the limit through the store (499 more besides bob's), as 499 API calls would.
    let project = fx.server.store.read().await.unwrap().project(&object_id(PB)).await.unwrap().unwrap();
    let mut tx = fx.server.store.write().await.unwrap();
    for n in 0..499 {
        let planned = atlas_invites::domain::invitation::plan_project_invitation(
            &atlas_invites::domain::RoleCatalog::ATLAS,
            &project,
            atlas_invites::domain::invitation::ProjectInvitationInput {
                username: Some(format!("filler{n}@example.com")),
                roles: Some(vec!["GROUP_READ_ONLY".into()]),
            },
            "acmeownr",
            atlas_invites::domain::invitation::InviteeStanding { org_member: true, ..Default::default() },
            now,
        )
        .unwrap();
        insert_with_user(&mut tx, planned.invitation).await;
    }
    tx.commit().await.unwrap();
    let path = format!("/api/atlas/v2/groups/{PB}/invites");
    refused(
        &fx,
        &OWNER,
        post(&path, json!({"username": "one-too-many@example.com", "roles": ["GROUP_OWNER"]})),
        400,
        "MAX_USERS_PER_GROUP_EXCEEDED",
    )
    .await;
}

#[tokio::test]
async fn unknown_paths_and_methods() {
    let fx = fixture().await;
    // The Cloud Manager docs' `/invitations/` typo is not a real path.
    let typo = format!("/api/atlas/v2/groups/{PA}/invitations/{}", fx.in_pa);
    refused(&fx, &OWNER, Call::new(Method::DELETE, &typo), 404, "RESOURCE_NOT_FOUND").await;
    refused(
        &fx,
        &OWNER,
        Call::new(Method::GET, &format!("/api/atlas/v2/groups/{PA}/invites/{}/", fx.in_pa)),
        404,
        "RESOURCE_NOT_FOUND",
    )
    .await;
    refused(&fx, &OWNER, Call::new(Method::GET, "/nothing/here"), 404, "RESOURCE_NOT_FOUND").await;
    let put = Call::new(Method::PUT, &format!("/api/atlas/v2/groups/{PA}/invites")).json(&json!({}));
    let response = fx.server.as_(&OWNER).call(put).await;
    response.assert_error(405, "METHOD_NOT_ALLOWED");
    assert!(response.header("allow").is_some_and(|allow| allow.contains("PATCH")));
    refused(
        &fx,
        &OWNER,
        Call::new(Method::POST, &format!("/api/atlas/v2/groups/{PA}/invites/{}", fx.in_pa)),
        405,
        "METHOD_NOT_ALLOWED",
    )
    .await;
}

#[tokio::test]
async fn a_full_org_refuses_the_org_invitation_a_project_invitation_brings() {
    let fx = fixture().await;
    // O1 holds carol's and the companions of alice's and bob's invitations; fill it to 500.
    let mut tx = fx.server.store.write().await.unwrap();
    for n in 0..497 {
        let invitation = atlas_invites::domain::Invitation {
            id: atlas_invites::domain::ObjectId::new(T0),
            kind: atlas_invites::domain::InvitationKind::Org,
            user_id: atlas_invites::domain::ObjectId::new(T0),
            companion: false,
            org_id: object_id(O1),
            project_id: None,
            username: format!("org-filler{n}@example.com"),
            roles: vec!["ORG_MEMBER".into()],
            team_ids: vec![],
            group_role_assignments: vec![],
            inviter_username: "acmeownr".into(),
            created_at: T0,
            expires_at: T0 + 30 * 86_400,
            declined_at: None,
        };
        insert_with_user(&mut tx, invitation).await;
    }
    tx.commit().await.unwrap();
    let path = format!("/api/atlas/v2/groups/{PA}/invites");
    refused(
        &fx,
        &OWNER,
        post(&path, json!({"username": "outsider@example.com", "roles": ["GROUP_OWNER"]})),
        400,
        "MAX_USERS_PER_ORG_EXCEEDED",
    )
    .await;
    // A member of the org needs no org invitation, so the project still takes them.
    let member = fx
        .server
        .as_(&OWNER)
        .post(&format!("/api/atlas/v2/groups/{PB}/invites"), &json!({"username": MEMBER, "roles": ["GROUP_OWNER"]}))
        .await;
    assert_eq!(member.status, 200, "{}", member.text);
}

/// Stores an invitation directly, with the user row it names, as the invitation operations would.
async fn insert_with_user(tx: &mut atlas_invites::store::WriteTx, mut invitation: atlas_invites::domain::Invitation) {
    let norm = invitation.username.to_ascii_lowercase();
    invitation.user_id = tx.lock_user(&invitation.user_id, &invitation.username, &norm, T0).await.unwrap();
    tx.insert_invitation(&invitation, false).await.unwrap();
}
