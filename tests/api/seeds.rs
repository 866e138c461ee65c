//! The curl commands of the documentation pages the product was born from (tests/seeds), pointed at the
//! server, with the real curl's digest implementation.

use std::process::Command;

use serde_json::{Value, json};

use crate::support::*;

/// Runs curl off the runtime's thread, which also serves the requests.
async fn run_curl(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || Command::new("curl").args(args).output().expect("curl runs")).await.unwrap()
}

/// Runs curl as the seed pages do (`--digest --include`), returning status line, headers and body.
async fn curl(server: &TestServer, key: &Key, args: &[&str], path: &str) -> (u16, String, String) {
    let credentials = format!("{}:{}", key.public, key.private);
    let mut all: Vec<String> = ["--silent", "--show-error", "--user", &credentials, "--digest", "--include"]
        .iter()
        .chain(args)
        .map(|a| a.to_string())
        .collect();
    all.push(format!("{}{path}", server.base));
    let output = run_curl(all).await;
    assert!(output.status.success(), "curl failed: {}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).unwrap();
    // --include prints the 401 leg too; the last response is the answer.
    let last = text.rfind("HTTP/1.1 ").map(|i| &text[i..]).unwrap_or(&text);
    let (head, body) = last.split_once("\r\n\r\n").unwrap_or((last, ""));
    let status = head[9..12].parse().unwrap();
    (status, head.to_string(), body.to_string())
}

async fn invitation(server: &TestServer, scope: &str, body: Value) -> String {
    let response = server.as_(&OWNER).post(&format!("/api/atlas/v2/{scope}/invites"), &body).await;
    response.json()["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn delete_one_project_invitation() {
    let server = TestServer::start().await;
    let id =
        invitation(&server, &format!("groups/{PA}"), json!({"username": "s1@example.com", "roles": ["GROUP_OWNER"]}))
            .await;
    let (status, head, body) = curl(
        &server,
        &OWNER,
        &["--header", "Accept: application/vnd.atlas.2023-02-01+json", "-X", "DELETE"],
        &format!("/api/atlas/v2/groups/{PA}/invites/{id}"),
    )
    .await;
    assert_eq!((status, body.as_str()), (204, ""), "{head}");
    assert!(head.to_ascii_lowercase().contains("deprecation: wed, 4 oct 2023 00:00:00 gmt"), "{head}");
    server
        .as_(&OWNER)
        .get(&format!("/api/atlas/v2/groups/{PA}/invites/{id}"))
        .await
        .assert_error(404, "INVALID_INVITATION_ID");
}

#[tokio::test]
async fn delete_one_organization_invitation() {
    let server = TestServer::start().await;
    let id = invitation(&server, &format!("orgs/{O1}"), json!({"username": "s2@example.com", "roles": ["ORG_MEMBER"]}))
        .await;
    let (status, _, body) = curl(
        &server,
        &OWNER,
        &["--header", "Accept: application/vnd.atlas.2024-10-23+json", "-X", "DELETE"],
        &format!("/api/atlas/v2/orgs/{O1}/invites/{id}"),
    )
    .await;
    assert_eq!((status, body.as_str()), (204, ""));
}

#[tokio::test]
async fn update_one_project_invitation_by_id() {
    let server = TestServer::start().await;
    let id =
        invitation(&server, &format!("groups/{PA}"), json!({"username": "s3@example.com", "roles": ["GROUP_OWNER"]}))
            .await;
    let (status, head, body) = curl(
        &server,
        &OWNER,
        &[
            "--header",
            "Accept: application/vnd.atlas.2023-01-01+json",
            "--header",
            "Content-Type: application/json",
            "-X",
            "PATCH",
            "-d",
            r#"{ "roles": [ "GROUP_BACKUP_MANAGER" ] }"#,
        ],
        &format!("/api/atlas/v2/groups/{PA}/invites/{id}"),
    )
    .await;
    assert_eq!(status, 200, "{head}\n{body}");
    let updated: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((updated["id"].clone(), updated["roles"].clone()), (json!(id), json!(["GROUP_BACKUP_MANAGER"])));
    for field in ["createdAt", "expiresAt", "groupId", "groupName", "inviterUsername", "username"] {
        assert!(updated.get(field).is_some(), "{field} missing from {body}");
    }
}

#[tokio::test]
async fn return_all_project_invitations_pretty() {
    let server = TestServer::start().await;
    invitation(
        &server,
        &format!("groups/{PA}"),
        json!({"username": "s4@example.com", "roles": ["GROUP_BACKUP_MANAGER"]}),
    )
    .await;
    let (status, head, body) = curl(
        &server,
        &OWNER,
        &["--header", "Accept: application/vnd.atlas.2023-01-01+json", "-X", "GET"],
        &format!("/api/atlas/v2/groups/{PA}/invites?pretty=true"),
    )
    .await;
    assert_eq!(status, 200, "{head}");
    assert!(body.starts_with("[ {\n  \"createdAt\" : "), "{body}");
    let listed: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(listed[0]["username"], "s4@example.com");
}

#[tokio::test]
async fn curl_without_credentials_gets_the_atlas_challenge() {
    let server = TestServer::start().await;
    let url = format!("{}/api/atlas/v2/groups/{PA}/invites", server.base);
    let args = ["--silent", "--include", "--header", "Accept: application/vnd.atlas.2023-01-01+json", &url];
    let output = run_curl(args.iter().map(|a| a.to_string()).collect()).await;
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("HTTP/1.1 401"), "{text}");
    assert!(text.contains("\"errorCode\" : \"UNEXPECTED_ERROR\""), "{text}");
}

#[tokio::test]
async fn cloud_manager_delete_one_project_invitation() {
    let server = TestServer::start().await;
    let id =
        invitation(&server, &format!("groups/{PA}"), json!({"username": "s5@example.com", "roles": ["GROUP_OWNER"]}))
            .await;
    let accept = ["--header", "Accept: application/json", "--request", "DELETE"];
    // The page's example URL says `/invitations/`, which is not a path of the API (its resource line says
    // `/invites/`): answered like any unknown path.
    let (status, _, body) =
        curl(&server, &OWNER, &accept, &format!("/api/public/v1.0/groups/{PA}/invitations/{id}")).await;
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("RESOURCE_NOT_FOUND"), "{body}");
    let (status, head, body) =
        curl(&server, &OWNER, &accept, &format!("/api/public/v1.0/groups/{PA}/invites/{id}")).await;
    assert_eq!((status, body.as_str()), (204, ""), "{head}");
    assert!(head.to_ascii_lowercase().contains("content-type: application/json"), "{head}");
}
