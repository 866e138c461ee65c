//! Service accounts: the OAuth 2.0 token endpoints and bearer tokens, as Atlas runs them.

use reqwest::Method;
use serde_json::json;

use crate::support::*;

fn pa_invites() -> String {
    format!("/api/atlas/v2/groups/{PA}/invites")
}

#[tokio::test]
async fn a_token_authorizes_exactly_like_the_accounts_roles() {
    let server = TestServer::start().await;
    let (status, body) = server.token_response(&SA_PA).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["expires_in"].clone(), body["token_type"].clone()), (json!(3600), json!("Bearer")));
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3, "JWT-shaped, so the Atlas CLI reuses it");

    let client = server.with_token(token);
    let created =
        client.post(&pa_invites(), &json!({"username": "bearer@example.com", "roles": ["GROUP_OWNER"]})).await;
    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(created.json()["inviterUsername"], SA_PA.id, "the service account is the inviter");
    let before = server.snapshot().await;
    client.get(&format!("/api/atlas/v2/groups/{PB}/invites")).await.assert_error(401, "USER_CANNOT_ACCESS_GROUP");
    client.get(&format!("/api/atlas/v2/orgs/{O1}/invites")).await.assert_error(401, "USER_UNAUTHORIZED");
    assert_eq!(server.snapshot().await, before);
}

#[track_caller]
fn assert_bearer_refusal(response: &Response) {
    assert_eq!(response.status, 401, "{}", response.text);
    assert_eq!(response.header("www-authenticate"), Some("Bearer realm=\"MMS Public API\", error=\"invalid_token\""));
}

#[tokio::test]
async fn tokens_expire_after_an_hour() {
    let server = TestServer::start().await;
    let token = server.token(&SA_PA).await;
    let client = server.with_token(&token);
    server.clock.advance(3600);
    assert_eq!(client.get(&pa_invites()).await.status, 200, "valid for the whole hour");
    server.clock.advance(1);
    assert_bearer_refusal(&client.get(&pa_invites()).await);
}

#[tokio::test]
async fn revocation_takes_effect_at_once_and_only_for_the_owner() {
    let server = TestServer::start().await;
    let token = server.token(&SA_PA).await;
    let client = server.with_token(&token);
    assert_eq!(client.get(&pa_invites()).await.status, 200);

    let revoke = |account: &'static Account, token: String| {
        let base = server.base.clone();
        async move {
            reqwest::Client::new()
                .post(format!("{base}/api/oauth/revoke"))
                .basic_auth(form_encode(account.id), Some(form_encode(account.secret)))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("token={token}&token_type_hint=access_token"))
                .send()
                .await
                .unwrap()
        }
    };
    let foreign = revoke(&SA_PB, token.clone()).await;
    assert_eq!(foreign.status(), 400);
    assert_eq!(foreign.json::<serde_json::Value>().await.unwrap()["error"], "unauthorized_client");
    assert_eq!(client.get(&pa_invites()).await.status, 200, "another client cannot revoke it");

    assert_eq!(revoke(&SA_PA, token.clone()).await.status(), 200);
    assert_bearer_refusal(&client.get(&pa_invites()).await);
    assert_eq!(revoke(&SA_PA, token.clone()).await.status(), 200, "revoking twice is fine (RFC 7009)");
    assert_eq!(revoke(&SA_PA, "not-a-token".into()).await.status(), 200);
}

#[tokio::test]
async fn deleted_accounts_tampered_and_foreign_tokens_are_refused() {
    let server = TestServer::start().await;
    let token = server.token(&SA_PB).await;
    let mut flipped = token.clone().into_bytes();
    let last = flipped.len() - 2;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let other_server = TestServer::start().await;
    let foreign = other_server.token(&SA_PB).await;
    for bad in [String::from_utf8(flipped).unwrap(), foreign, "abc".to_string(), String::new()] {
        assert_bearer_refusal(&server.with_token(&bad).get(&format!("/api/atlas/v2/groups/{PB}/invites")).await);
    }
    let client = server.with_token(&token);
    assert_eq!(client.get(&format!("/api/atlas/v2/groups/{PB}/invites")).await.status, 200);
    assert!(server.service.delete_service_account(SA_PB.id).await.unwrap());
    assert_bearer_refusal(&client.get(&format!("/api/atlas/v2/groups/{PB}/invites")).await);
}

#[tokio::test]
async fn the_token_endpoint_speaks_rfc_6749() {
    let server = TestServer::start().await;
    let wrong = Account { id: SA_PA.id, secret: "mdb_sa_sk_wrong-secret-0123456789" };
    let unknown = Account { id: "mdb_sa_id_nobody", secret: SA_PA.secret };
    for account in [&wrong, &unknown] {
        let (status, body) = server.token_response(account).await;
        assert_eq!(
            (status, body),
            (401, json!({"error": "invalid_client", "error_description": "Invalid credentials provided."}))
        );
    }
    let post = |content_type: &'static str, body: &'static str, basic: bool| {
        let base = server.base.clone();
        async move {
            let mut request = reqwest::Client::new()
                .post(format!("{base}/api/oauth/token"))
                .header("content-type", content_type)
                .body(body);
            if basic {
                request = request.basic_auth(form_encode(SA_PA.id), Some(form_encode(SA_PA.secret)));
            }
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.json::<serde_json::Value>().await.unwrap())
        }
    };
    assert_eq!(post("application/x-www-form-urlencoded", "grant_type=client_credentials", false).await.0, 401);
    let (status, body) = post("application/x-www-form-urlencoded", "grant_type=password", true).await;
    assert_eq!((status, body["error"].clone()), (400, json!("unsupported_grant_type")));
    let (status, body) = post("application/x-www-form-urlencoded", "", true).await;
    assert_eq!((status, body["error"].clone()), (400, json!("invalid_request")));
    let (status, body) = post("application/json", r#"{"grant_type":"client_credentials"}"#, true).await;
    assert_eq!((status, body["error"].clone()), (400, json!("invalid_request")));
}

#[tokio::test]
async fn an_account_holds_at_most_100_live_tokens() {
    let server = TestServer::start().await;
    for _ in 0..100 {
        server.token(&SA_PA).await;
    }
    let (status, body) = server.token_response(&SA_PA).await;
    assert_eq!((status, body["error"].clone()), (403, json!("access_denied")));
    server.clock.advance(3601);
    assert_eq!(server.token_response(&SA_PA).await.0, 200, "expired tokens no longer count");
}

#[tokio::test]
async fn bearer_and_digest_requests_see_the_same_invitation() {
    let server = TestServer::start().await;
    let token = server.token(&SA_PA).await;
    let created = server
        .with_token(&token)
        .post(&pa_invites(), &json!({"username": "both@example.com", "roles": ["GROUP_READ_ONLY"]}))
        .await
        .json();
    let id = created["id"].as_str().unwrap();
    let seen = server.as_(&PA_OWNER).call(Call::new(Method::GET, &format!("{}/{id}", pa_invites()))).await;
    assert_eq!(seen.json(), created);
}
