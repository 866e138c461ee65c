//! HTTP Digest as Atlas does it: the exact challenge, replay and stale nonces, and interoperability with an
//! independent client implementation.

use reqwest::Method;
use serde_json::json;

use crate::support::*;

const CHALLENGE_BODY: &str = "{\n  \"error\" : 401,\n  \"reason\" : \"Unauthorized\",\n  \"detail\" : \"You are not authorized for this resource.\",\n  \"errorCode\" : \"UNEXPECTED_ERROR\"\n}";

fn list_call() -> Call {
    Call::new(Method::GET, &format!("/api/atlas/v2/groups/{PA}/invites"))
}

fn create_call(username: &str) -> Call {
    Call::new(Method::POST, &format!("/api/atlas/v2/groups/{PA}/invites"))
        .json(&json!({"username": username, "roles": ["GROUP_OWNER"]}))
}

#[track_caller]
fn assert_challenge(response: &Response, stale: bool) {
    assert_eq!(response.status, 401);
    assert_eq!(response.text, CHALLENGE_BODY);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let header = response.header("www-authenticate").expect("challenge");
    let nonce = header
        .strip_prefix("Digest realm=\"MMS Public API\", domain=\"\", nonce=\"")
        .and_then(|rest| rest.split_once('"'))
        .map(|(nonce, rest)| {
            assert_eq!(rest, format!(", algorithm=MD5, qop=\"auth\", stale={stale}"));
            nonce
        })
        .unwrap_or_else(|| panic!("challenge not in Atlas's shape: {header}"));
    assert!(!nonce.contains(", ") && nonce.len() >= 32, "{nonce}");
    assert_eq!(response.headers.get_all("www-authenticate").iter().count(), 1, "one challenge only");
    for absent in ["x-error-code", "ratelimit-limit", "x-mongodb-service-version"] {
        assert!(response.header(absent).is_none(), "{absent} on a challenge");
    }
}

#[tokio::test]
async fn every_unauthenticated_request_gets_a_fresh_atlas_challenge_and_changes_nothing() {
    let server = TestServer::start().await;
    let anonymous = server.anonymous();
    let before = server.snapshot().await;
    let mut nonces = std::collections::HashSet::new();
    for _ in 0..20 {
        let response = anonymous.call(create_call("anon@example.com")).await;
        assert_challenge(&response, false);
        nonces.insert(response.header("www-authenticate").unwrap().to_string());
    }
    assert_eq!(nonces.len(), 20, "a new nonce every time");
    assert_challenge(&anonymous.get("/no/such/path").await, false);
    assert_eq!(server.snapshot().await, before);
}

#[tokio::test]
async fn wrong_credentials_look_the_same_whatever_is_wrong() {
    let server = TestServer::start().await;
    let wrong_private = Key { public: OWNER.public, private: "not-the-private-key" };
    let unknown_public = Key { public: "nosuchky", private: OWNER.private };
    let crossed = Key { public: PA_OWNER.public, private: OWNER.private };
    let before = server.snapshot().await;
    for key in [&wrong_private, &unknown_public, &crossed] {
        assert_challenge(&server.as_(key).call(create_call("x@example.com")).await, false);
    }
    assert_eq!(server.snapshot().await, before);
}

#[tokio::test]
async fn a_replayed_authorization_is_refused_and_acts_once() {
    let server = TestServer::start().await;
    let client = server.as_(&OWNER);
    let call = create_call("replay@example.com");
    let challenge = client.send(&call, None).await;
    let authorization = answer_challenge(&challenge, OWNER.public, OWNER.private, &call);
    assert_eq!(client.send(&call, Some(&authorization)).await.status, 200);
    let replay = client.send(&call, Some(&authorization)).await;
    assert_challenge(&replay, false);
    let listed = client.get(&format!("/api/atlas/v2/groups/{PA}/invites?username=replay@example.com")).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn one_nonce_serves_increasing_counts_only() {
    let server = TestServer::start().await;
    let client = server.as_(&OWNER);
    let call = list_call();
    let challenge = client.send(&call, None).await;
    let header = challenge.header("www-authenticate").unwrap();
    let mut prompt = digest_auth::parse(header).unwrap();
    let context = digest_auth::AuthContext::new(OWNER.public, OWNER.private, &call.path);
    let first = prompt.respond(&context).unwrap().to_header_string(); // nc=00000001
    let second = prompt.respond(&context).unwrap().to_header_string(); // nc=00000002
    let third = prompt.respond(&context).unwrap().to_header_string(); // nc=00000003
    assert!(second.contains("nc=00000002"), "{second}");
    assert_eq!(client.send(&call, Some(&second)).await.status, 200);
    assert_challenge(&client.send(&call, Some(&first)).await, false);
    assert_eq!(client.send(&call, Some(&third)).await.status, 200, "curl and python-requests reuse a nonce with nc+1");
}

#[tokio::test]
async fn expired_nonces_are_stale_only_for_the_right_credentials() {
    let server = TestServer::start().await;
    let client = server.as_(&OWNER);
    let call = list_call();
    let challenge = client.send(&call, None).await;
    let right = answer_challenge(&challenge, OWNER.public, OWNER.private, &call);
    let wrong = answer_challenge(&challenge, OWNER.public, "wrong-private-key", &call);
    server.clock.advance(301);
    assert_challenge(&client.send(&call, Some(&right)).await, true);
    assert_challenge(&client.send(&call, Some(&wrong)).await, false);
    // A full handshake after the stale answer works again.
    assert_eq!(client.call(list_call()).await.status, 200);
}

#[tokio::test]
async fn nonces_must_come_from_this_server_and_answers_from_this_request() {
    let server = TestServer::start().await;
    let client = server.as_(&OWNER);
    let call = list_call();
    // A well-formed nonce minted with another key.
    let other = TestServer::start().await;
    let foreign_challenge = other.anonymous().send(&call, None).await;
    let forged = answer_challenge(&foreign_challenge, OWNER.public, OWNER.private, &call);
    assert_challenge(&client.send(&call, Some(&forged)).await, false);
    // An answer computed for another path: 400, as RFC 7616 §3.4.6 says.
    let challenge = client.send(&call, None).await;
    let elsewhere = Call::new(Method::GET, &format!("/api/atlas/v2/groups/{PB}/invites"));
    let for_pb = answer_challenge(&challenge, OWNER.public, OWNER.private, &elsewhere);
    client.send(&call, Some(&for_pb)).await.assert_error(400, "DIGEST_URI_MISMATCH");
    // Garbage and other schemes.
    for header in ["Digest", "Digest username=", "Basic YWNtZW93bnI6eA==", &"x".repeat(5000)] {
        assert_challenge(&client.send(&call, Some(header)).await, false);
    }
}

#[tokio::test]
async fn sha_256_answers_are_accepted() {
    let server = TestServer::start().await;
    let client = server.as_(&OWNER);
    let call = list_call();
    let challenge = client.send(&call, None).await;
    let header = challenge.header("www-authenticate").unwrap().replace("algorithm=MD5", "algorithm=SHA-256");
    let mut prompt = digest_auth::parse(&header).unwrap();
    let authorization = prompt
        .respond(&digest_auth::AuthContext::new(OWNER.public, OWNER.private, &call.path))
        .unwrap()
        .to_header_string();
    assert!(authorization.contains("SHA-256"), "{authorization}");
    assert_eq!(client.send(&call, Some(&authorization)).await.status, 200);
}

#[tokio::test]
async fn an_authorization_captured_before_a_restart_is_refused_after_it() {
    let server = TestServer::start().await;
    let call = create_call("captured@example.com");
    let client = server.as_(&OWNER);
    let challenge = client.send(&call, None).await;
    let authorization = answer_challenge(&challenge, OWNER.public, OWNER.private, &call);
    assert_eq!(client.send(&call, Some(&authorization)).await.status, 200);

    let server = server.restart().await;
    let client = server.as_(&OWNER);
    let before = server.snapshot().await;
    let replay = client.send(&call, Some(&authorization)).await;
    assert_eq!(replay.status, 401, "{}", replay.text);
    assert_eq!(server.snapshot().await, before, "the replayed request changed the store");
    // A fresh challenge works as before.
    let list = client.get(&format!("/api/atlas/v2/groups/{PA}/invites?username=captured@example.com")).await;
    assert_eq!(list.json().as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn ambiguous_credentials_are_refused_and_change_nothing() {
    let server = TestServer::start().await;
    let client = server.as_(&OWNER);
    let before = server.snapshot().await;

    // A digest answer signed for another path than the request's (RFC 7616 §3.4.6: 400).
    let call = create_call("moved@example.com");
    let elsewhere = Call { path: format!("/api/atlas/v2/groups/{PB}/invites"), ..create_call("moved@example.com") };
    let challenge = client.send(&call, None).await;
    let signed_elsewhere = answer_challenge(&challenge, OWNER.public, OWNER.private, &elsewhere);
    client.send(&call, Some(&signed_elsewhere)).await.assert_error(400, "DIGEST_URI_MISMATCH");

    // Two Authorization headers, a Bearer and a Digest.
    let challenge = client.send(&call, None).await;
    let digest = answer_challenge(&challenge, OWNER.public, OWNER.private, &call);
    let response = reqwest::Client::new()
        .post(format!("{}{}", server.base, call.path))
        .header("Accept", "application/vnd.atlas.2023-01-01+json")
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer not-a-token")
        .header("Authorization", digest)
        .body(call.body.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errorCode"], "AMBIGUOUS_AUTHORIZATION");

    // The same attribute twice in one body.
    let twice = br#"{"username":"twice@example.com","roles":["GROUP_READ_ONLY"],"roles":["GROUP_OWNER"]}"#;
    let call =
        Call::new(Method::POST, &format!("/api/atlas/v2/groups/{PA}/invites")).raw(Some("application/json"), twice);
    client.call(call).await.assert_error(400, "DUPLICATE_ATTRIBUTE");
    assert_eq!(server.snapshot().await, before, "an ambiguous request changed the store");
}
