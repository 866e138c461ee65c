//! The wire rules shared by every operation: version negotiation, sunset, envelope, pretty, headers.

use reqwest::Method;
use serde_json::json;

use crate::support::*;

fn list_path() -> String {
    format!("/api/atlas/v2/groups/{PA}/invites")
}

#[tokio::test]
async fn accept_header_version_negotiation() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    // A date after the only version resolves to it (the spec's own samples send 2025-03-12).
    for accept in [
        "application/vnd.atlas.2023-01-01+json",
        "application/vnd.atlas.2025-03-12+json",
        "application/vnd.atlas.2023-02-01+json",
    ] {
        let response = owner.call(Call::new(Method::GET, &list_path()).accept(Some(accept))).await;
        assert_eq!(response.status, 200, "{accept}");
        assert_eq!(response.header("content-type"), Some("application/vnd.atlas.2023-01-01+json;charset=utf-8"));
    }
    for accept in [
        Some("application/vnd.atlas.2022-12-31+json"),
        Some("application/vnd.atlas.1999-01-01+json"),
        Some("application/vnd.atlas.2023-13-45+json"),
        Some("application/vnd.atlas.preview+json"),
        Some("application/json"),
        Some("application/xml"),
        Some("*/*"),
        None,
    ] {
        let response = owner.call(Call::new(Method::GET, &list_path()).accept(accept)).await;
        response.assert_error(406, "INVALID_VERSION_DATE");
        assert_eq!(response.json()["detail"], "Invalid accept header or version date.");
    }
    // Even a write with the wrong version changes nothing.
    let before = server.snapshot().await;
    let call = Call::new(Method::POST, &list_path())
        .json(&json!({"username": "v@example.com", "roles": ["GROUP_OWNER"]}))
        .accept(Some("application/json"));
    owner.call(call).await.assert_error(406, "INVALID_VERSION_DATE");
    assert_eq!(server.snapshot().await, before);
}

#[tokio::test]
async fn after_the_sunset_the_version_is_gone() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    server.clock.set(time::macros::datetime!(2027-06-30 23:59:59 UTC).unix_timestamp());
    assert_eq!(owner.get(&list_path()).await.status, 200);
    server.clock.advance(1);
    let gone = owner.get(&list_path()).await;
    gone.assert_error(410, "VERSION_GONE");
    assert_eq!(gone.json()["parameters"], json!(["2023-01-01", format!("api/atlas/v2/groups/{PA}/invites")]));
    owner.get(&format!("/api/atlas/v2/orgs/{O1}/invites")).await.assert_error(410, "VERSION_GONE");
    // Resources that are not deprecated keep working.
    assert_eq!(owner.get(&format!("/api/atlas/v2/orgs/{O1}")).await.status, 200);
}

#[tokio::test]
async fn deprecation_headers_only_on_deprecated_resources() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let org = owner.get(&format!("/api/atlas/v2/orgs/{O1}")).await;
    assert!(org.header("deprecation").is_none() && org.header("sunset").is_none());
    let invites = owner.get(&format!("/api/atlas/v2/orgs/{O1}/invites")).await;
    assert_eq!(invites.header("deprecation"), Some("Wed, 19 Feb 2025 00:00:00 GMT"));
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "strict-origin-when-cross-origin"),
        ("x-permitted-cross-domain-policies", "none"),
    ] {
        assert_eq!(invites.header(name), Some(value));
    }
    assert!(invites.header("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn pretty_is_atlas_style_and_compact_is_the_default() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let created = owner
        .post(
            &format!("/api/atlas/v2/orgs/{O1}/invites?pretty=true"),
            &json!({"username": "p@example.com", "roles": ["ORG_MEMBER"]}),
        )
        .await;
    assert_eq!(created.status, 200);
    let expected = format!(
        "{{\n  \"createdAt\" : \"2026-08-10T03:03:37Z\",\n  \"expiresAt\" : \"2026-09-09T03:03:37Z\",\n  \"groupRoleAssignments\" : [ ],\n  \"id\" : \"{}\",\n  \"inviterUsername\" : \"acmeownr\",\n  \"orgId\" : \"{O1}\",\n  \"orgName\" : \"Acme\",\n  \"roles\" : [ \"ORG_MEMBER\" ],\n  \"teamIds\" : [ ],\n  \"username\" : \"p@example.com\"\n}}",
        created.json()["id"].as_str().unwrap()
    );
    assert_eq!(created.text, expected);
    let listed = owner.get(&format!("/api/atlas/v2/orgs/{O1}/invites")).await;
    assert!(!listed.text.contains('\n') && !listed.text.ends_with('\n'));
    let error = owner.get(&format!("/api/atlas/v2/orgs/{O1}/invites/6f00000000000000000000ee?pretty=true")).await;
    assert!(error.text.starts_with("{\n  \"detail\" : "), "{}", error.text);
    owner.get(&format!("{}?pretty=maybe", list_path())).await.assert_error(400, "INVALID_QUERY_PARAMETER");
}

#[tokio::test]
async fn envelope_moves_the_status_into_the_body() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let created = owner
        .post(
            &format!("{}?envelope=true", list_path()),
            &json!({"username": "e@example.com", "roles": ["GROUP_OWNER"]}),
        )
        .await;
    assert_eq!(created.status, 200);
    let body = created.json();
    assert_eq!(body["status"], 200);
    assert_eq!(body["content"]["username"], "e@example.com");
    let id = body["content"]["id"].as_str().unwrap().to_string();
    let listed = owner.get(&format!("{}?envelope=true", list_path())).await.json();
    assert_eq!((listed["status"].clone(), listed["content"][0]["id"].clone()), (json!(200), json!(id)));
    let missing = owner.get(&format!("{}/6f00000000000000000000ee?envelope=true", list_path())).await;
    assert_eq!(missing.status, 200);
    assert_eq!(
        (missing.json()["status"].clone(), missing.json()["content"]["errorCode"].clone()),
        (json!(404), json!("INVALID_INVITATION_ID"))
    );
    let deleted = owner.delete(&format!("{}/{id}?envelope=true&pretty=true", list_path())).await;
    assert_eq!((deleted.status, deleted.text.as_str()), (200, "{\n  \"status\" : 204\n}"));
    // The digest challenge is never enveloped: clients need the real 401 to authenticate.
    assert_eq!(server.anonymous().get(&format!("{}?envelope=true", list_path())).await.status, 401);
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let server = TestServer::start().await;
    let response = server.as_(&OWNER).call(Call::new(Method::HEAD, &list_path())).await;
    assert_eq!((response.status, response.text.as_str()), (200, ""));
    assert_eq!(response.header("content-type"), Some("application/vnd.atlas.2023-01-01+json;charset=utf-8"));
}

#[tokio::test]
async fn the_server_serves_its_own_openapi_document() {
    let server = TestServer::start().await;
    let response = server.anonymous().call(Call::new(Method::GET, "/openapi.yaml").accept(None)).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.text, include_str!("../../openapi/atlas-invites.yaml"));
}
