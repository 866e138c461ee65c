//! Rate limits and API access lists.

use atlas_invites::ServerOptions;
use atlas_invites::domain::ratelimit::Quota;
use atlas_invites::http::Limits;
use serde_json::json;

use crate::support::*;

fn small_limits() -> ServerOptions {
    ServerOptions {
        limits: Limits {
            project_invitations: Quota { capacity: 10, refill_per_minute: 5 },
            org_invitations: Quota { capacity: 4, refill_per_minute: 2 },
            failed_auth_per_minute: 5,
            ..Limits::default()
        },
        ..ServerOptions::default()
    }
}

#[tokio::test]
async fn atlas_limits_and_headers_by_default() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let first = owner.get(&format!("/api/atlas/v2/groups/{PA}/invites")).await;
    let second = owner.get(&format!("/api/atlas/v2/groups/{PA}/invites")).await;
    assert_eq!((first.header("ratelimit-limit"), first.header("ratelimit-remaining")), (Some("1200"), Some("1199")));
    assert_eq!(second.header("ratelimit-remaining"), Some("1198"));
    let org = owner.get(&format!("/api/atlas/v2/orgs/{O1}/invites")).await;
    assert_eq!((org.header("ratelimit-limit"), org.header("ratelimit-remaining")), (Some("500"), Some("499")));
    let challenge = server.anonymous().get(&format!("/api/atlas/v2/groups/{PA}/invites")).await;
    assert!(challenge.header("ratelimit-limit").is_none(), "challenges carry no rate-limit headers");
    let third = owner.get(&format!("/api/atlas/v2/groups/{PA}/invites")).await;
    assert_eq!(third.header("ratelimit-remaining"), Some("1197"), "the challenge spent nothing");
}

#[tokio::test]
async fn an_empty_bucket_answers_429_until_it_refills() {
    let server = TestServer::start_with(small_limits()).await;
    let owner = server.as_(&OWNER);
    let path = format!("/api/atlas/v2/groups/{PA}/invites");
    for _ in 0..10 {
        assert_eq!(owner.get(&path).await.status, 200);
    }
    let before = server.snapshot().await;
    let limited = owner.post(&path, &json!({"username": "late@example.com", "roles": ["GROUP_OWNER"]})).await;
    limited.assert_error(429, "RATE_LIMITED_TOKEN_BUCKET");
    assert_eq!(limited.header("retry-after"), Some("12"));
    assert_eq!(limited.header("ratelimit-remaining"), Some("0"));
    assert_eq!(limited.json()["parameters"], json!(["api/atlas/v2/groups", 12, 10, 5, 60]));
    assert_eq!(server.snapshot().await, before, "a limited request changes nothing");
    // Another project's bucket and the org bucket are separate.
    assert_eq!(owner.get(&format!("/api/atlas/v2/groups/{PB}/invites")).await.status, 200);
    assert_eq!(owner.get(&format!("/api/atlas/v2/orgs/{O1}/invites")).await.status, 200);
    server.clock.advance(60);
    for _ in 0..5 {
        assert_eq!(owner.get(&path).await.status, 200);
    }
    owner.get(&path).await.assert_error(429, "RATE_LIMITED_TOKEN_BUCKET");
}

#[tokio::test]
async fn repeated_failed_authentication_is_slowed_down() {
    let server = TestServer::start_with(small_limits()).await;
    let wrong = Key { public: OWNER.public, private: "guess" };
    for _ in 0..5 {
        assert_eq!(server.as_(&wrong).get(&format!("/api/atlas/v2/groups/{PA}/invites")).await.status, 401);
    }
    let blocked = server.as_(&OWNER).get(&format!("/api/atlas/v2/groups/{PA}/invites")).await;
    blocked.assert_error(429, "RATE_LIMITED");
    assert!(blocked.header("retry-after").is_some());
    // Other addresses are not affected, and unauthenticated legs never counted.
    assert_eq!(
        server.as_from(&OWNER, "127.0.0.3").get(&format!("/api/atlas/v2/groups/{PA}/invites")).await.status,
        200
    );
    server.clock.advance(60);
    assert_eq!(server.as_(&OWNER).get(&format!("/api/atlas/v2/groups/{PA}/invites")).await.status, 200);
}

#[tokio::test]
async fn api_access_lists() {
    let server = TestServer::start().await;
    let path = format!("/api/atlas/v2/groups/{PA}/invites");
    assert_eq!(server.as_from(&LISTED_PA_OWNER, "127.0.0.2").get(&path).await.status, 200);
    let before = server.snapshot().await;
    let outside = server
        .as_(&LISTED_PA_OWNER)
        .post(&path, &json!({"username": "ip@example.com", "roles": ["GROUP_OWNER"]}))
        .await;
    outside.assert_error(403, "IP_ADDRESS_NOT_ON_ACCESS_LIST");
    assert_eq!(outside.json()["parameters"], json!(["127.0.0.1"]));
    assert_eq!(server.snapshot().await, before);

    // X-Forwarded-For is ignored without a trusted proxy.
    let call = Call::new(reqwest::Method::GET, &path);
    let client = server.as_(&LISTED_PA_OWNER);
    let challenge = client.send(&call, None).await;
    let authorization = answer_challenge(&challenge, LISTED_PA_OWNER.public, LISTED_PA_OWNER.private, &call);
    let spoofed = reqwest::Client::new()
        .get(format!("{}{path}", server.base))
        .header("accept", V2)
        .header("authorization", authorization)
        .header("x-forwarded-for", "127.0.0.2")
        .send()
        .await
        .unwrap();
    assert_eq!(spoofed.status(), 403);

    // An org that requires access lists refuses its keys without one.
    let o3 = format!("/api/atlas/v2/orgs/{O3}/invites");
    server.as_(&O3_OWNER).get(&o3).await.assert_error(403, "ORG_REQUIRES_ACCESS_LIST");
    assert_eq!(server.as_(&O3_LISTED).get(&o3).await.status, 200);
}

#[tokio::test]
async fn a_trusted_proxy_names_the_client() {
    let server = TestServer::start_with(ServerOptions {
        trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
        ..ServerOptions::default()
    })
    .await;
    let path = format!("/api/atlas/v2/groups/{PA}/invites");
    let call = Call::new(reqwest::Method::GET, &path);
    let client = server.as_(&LISTED_PA_OWNER);
    for (forwarded, status) in [("127.0.0.2", 200), ("127.0.0.9", 403), ("127.0.0.2, 127.0.0.1", 200)] {
        let challenge = client.send(&call, None).await;
        let authorization = answer_challenge(&challenge, LISTED_PA_OWNER.public, LISTED_PA_OWNER.private, &call);
        let response = reqwest::Client::new()
            .get(format!("{}{path}", server.base))
            .header("accept", V2)
            .header("authorization", authorization)
            .header("x-forwarded-for", forwarded)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "X-Forwarded-For: {forwarded}");
    }
}

#[tokio::test]
async fn service_account_tokens_are_minted_anywhere_but_used_only_from_the_list() {
    let server = TestServer::start().await;
    let (status, body) = server.token_response_from(&SA_LISTED, Some("127.0.0.1")).await;
    assert_eq!(status, 200, "the token endpoint is not subject to the access list");
    let token = body["access_token"].as_str().unwrap();
    let path = format!("/api/atlas/v2/orgs/{O1}/invites");
    server.with_token(token).get(&path).await.assert_error(403, "IP_ADDRESS_NOT_ON_ACCESS_LIST");
    assert_eq!(server.with_token_from(token, "127.0.0.2").get(&path).await.status, 200);
}

#[tokio::test]
async fn the_per_address_invitation_limit_is_atlas_s_when_turned_on() {
    let options = ServerOptions {
        limits: Limits { invitations_per_address_per_minute: Some(3), ..Limits::default() },
        ..ServerOptions::default()
    };
    let server = TestServer::start_with(options).await;
    let owner = server.as_(&OWNER);
    let invite = |n: u32| json!({"username": format!("u{n}@example.com"), "roles": ["ORG_MEMBER"]});
    for n in 0..2 {
        assert_eq!(owner.post(&format!("/api/atlas/v2/orgs/{O1}/invites"), &invite(n)).await.status, 200);
    }
    let project = json!({"username": "p@example.com", "roles": ["GROUP_READ_ONLY"]});
    assert_eq!(owner.post(&format!("/api/atlas/v2/groups/{PA}/invites"), &project).await.status, 200);

    let before = server.snapshot().await;
    let refused = owner.post(&format!("/api/atlas/v2/orgs/{O1}/invites"), &invite(9)).await;
    refused.assert_error(400, "INVITATIONS_RATE_LIMITED_IP");
    assert_eq!(refused.json()["detail"], "Rate limit of 3 invitations per 1 minutes exceeded.");
    // Reads are not invitations.
    assert_eq!(owner.get(&format!("/api/atlas/v2/orgs/{O1}/invites")).await.status, 200);
    assert_eq!(server.snapshot().await, before, "a refused invitation changed the store");

    server.clock.advance(60);
    assert_eq!(owner.post(&format!("/api/atlas/v2/orgs/{O1}/invites"), &invite(9)).await.status, 200);
}

#[tokio::test]
async fn invitations_from_one_address_are_not_limited_by_default() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    for n in 0..12 {
        let body = json!({"username": format!("u{n}@example.com"), "roles": ["ORG_MEMBER"]});
        assert_eq!(owner.post(&format!("/api/atlas/v2/orgs/{O1}/invites"), &body).await.status, 200);
    }
}

#[tokio::test]
async fn only_requests_the_caller_may_make_spend_a_scope_s_bucket() {
    let server = TestServer::start_with(small_limits()).await;
    let outsider = server.as_(&O2_OWNER);
    for _ in 0..25 {
        let refused = outsider.get(&format!("/api/atlas/v2/groups/{PA}/invites")).await;
        assert_eq!(refused.status, 401, "{}", refused.text);
    }
    // A valid id of no project, and text that is no id, spend nothing and leave no bucket behind.
    for _ in 0..25 {
        let missing = server.as_(&OWNER).get("/api/atlas/v2/groups/6f00000000000000000000ff/invites").await;
        missing.assert_error(404, "GROUP_NOT_FOUND");
        let junk = server.as_(&OWNER).get(&format!("/api/atlas/v2/groups/{}/invites", "x".repeat(2000))).await;
        junk.assert_error(404, "INVALID_GROUP_ID");
        assert_eq!(junk.header("ratelimit-limit"), None);
    }
    let owner = server.as_(&OWNER);
    let served = owner.get(&format!("/api/atlas/v2/groups/{PA}/invites")).await;
    assert_eq!((served.status, served.header("ratelimit-remaining")), (200, Some("9")), "{}", served.text);
    if postgres_url().is_some() {
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rate_buckets WHERE key LIKE 'invites:%'")
            .fetch_one(server.store.pool())
            .await
            .unwrap();
        assert_eq!(rows, 1, "one bucket: the project the owner may use");
    }
}
