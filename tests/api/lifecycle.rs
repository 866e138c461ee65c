//! Time, acceptance, concurrency and restarts: what happens to an invitation after it is made.

use std::process::Command;

use serde_json::{Value, json};

use crate::support::*;

const DAY: i64 = 86_400;

fn invites(scope: &str) -> String {
    format!("/api/atlas/v2/{scope}/invites")
}

async fn create(client: &Client, scope: &str, body: Value) -> String {
    let response = client.post(&invites(scope), &body).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json()["id"].as_str().unwrap().to_string()
}

fn service(server: &TestServer) -> std::sync::Arc<atlas_invites::service::Service> {
    server.service.clone()
}

#[tokio::test]
async fn invitations_lapse_after_thirty_days_and_can_then_be_renewed() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let scope = format!("groups/{PA}");
    let id = create(&owner, &scope, json!({"username": "late@example.com", "roles": ["GROUP_OWNER"]})).await;
    let item = format!("{}/{id}", invites(&scope));

    server.clock.advance(30 * DAY - 1);
    assert_eq!(owner.get(&item).await.status, 200, "still pending one second before expiry");
    server.clock.advance(1);
    owner.get(&item).await.assert_error(404, "INVALID_INVITATION_ID");
    assert_eq!(owner.get(&invites(&scope)).await.json(), json!([]), "expired invitations are not listed");
    owner.patch(&item, &json!({"roles": ["GROUP_READ_ONLY"]})).await.assert_error(404, "INVALID_INVITATION_ID");
    owner
        .patch(&invites(&scope), &json!({"username": "late@example.com", "roles": ["GROUP_READ_ONLY"]}))
        .await
        .assert_error(404, "INVITATION_NOT_FOUND");
    assert!(
        service(&server).accept_invitation(&object_id(&id)).await.is_err(),
        "an expired invitation cannot be accepted"
    );

    // The username is free again: a new invitation replaces the lapsed one.
    let renewed =
        owner.post(&invites(&scope), &json!({"username": "late@example.com", "roles": ["GROUP_OWNER"]})).await;
    assert_eq!(renewed.status, 200, "{}", renewed.text);
    assert_ne!(renewed.json()["id"], json!(id));
    assert_eq!(renewed.json()["createdAt"], "2026-09-09T03:03:37Z");
}

#[tokio::test]
async fn accepting_grants_the_roles_and_removes_the_invitation() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let org_id = create(
        &owner,
        &format!("orgs/{O1}"),
        json!({"username": "joiner@example.com", "roles": ["ORG_READ_ONLY"], "teamIds": [T1],
               "groupRoleAssignments": [{"groupId": PB, "roles": ["GROUP_CLUSTER_MANAGER"]}]}),
    )
    .await;
    let project_id =
        create(&owner, &format!("groups/{PA}"), json!({"username": "joiner@example.com", "roles": ["GROUP_OWNER"]}))
            .await;

    let accepted = service(&server).accept_invitation(&object_id(&project_id)).await.unwrap();
    assert_eq!(accepted.username, "joiner@example.com");
    let project_item = format!("{}/{project_id}", invites(&format!("groups/{PA}")));
    owner.get(&project_item).await.assert_error(404, "INVALID_INVITATION_ID");
    owner.delete(&project_item).await.assert_error(404, "INVALID_INVITATION_ID");
    owner.patch(&project_item, &json!({"roles": ["GROUP_OWNER"]})).await.assert_error(404, "INVALID_INVITATION_ID");
    assert!(service(&server).accept_invitation(&object_id(&project_id)).await.is_err(), "accepted once only");

    // The org invitation is still pending; accepting it adds its roles, teams and projects.
    service(&server).accept_invitation(&object_id(&org_id)).await.unwrap();
    let user = owner.get("/api/atlas/v2/users/byName/joiner@example.com").await.json();
    let roles = user["roles"].as_array().unwrap();
    for expected in [
        json!({"orgId": O1, "roleName": "ORG_MEMBER"}),
        json!({"orgId": O1, "roleName": "ORG_READ_ONLY"}),
        json!({"groupId": PA, "roleName": "GROUP_OWNER"}),
        json!({"groupId": PB, "roleName": "GROUP_CLUSTER_MANAGER"}),
    ] {
        assert!(roles.contains(&expected), "{expected} missing from {user}");
    }
    assert_eq!(user["teamIds"], json!([T1]));
    // Now a member, the user cannot be invited to the project again.
    owner
        .post(&invites(&format!("groups/{PA}")), &json!({"username": "joiner@example.com", "roles": ["GROUP_OWNER"]}))
        .await
        .assert_error(409, "USER_ALREADY_IN_GROUP");
}

#[tokio::test]
async fn concurrent_creates_for_one_username_make_exactly_one_invitation() {
    let server = TestServer::start().await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let client = server.as_(&OWNER);
        tasks.push(tokio::spawn(async move {
            client
                .post(
                    &invites(&format!("groups/{PA}")),
                    &json!({"username": "race@example.com", "roles": ["GROUP_OWNER"]}),
                )
                .await
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        let response = task.await.unwrap();
        if response.status != 200 {
            response.assert_error(409, "USER_ALREADY_INVITED");
        }
        statuses.push(response.status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    let owner = server.as_(&OWNER);
    assert_eq!(
        owner
            .get(&format!("{}?username=race@example.com", invites(&format!("groups/{PA}"))))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        owner
            .get(&format!("{}?username=race@example.com", invites(&format!("orgs/{O1}"))))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn accept_racing_delete_has_one_winner() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    for round in 0..10 {
        let username = format!("contested{round}@example.com");
        let id = create(&owner, &format!("groups/{PA}"), json!({"username": username, "roles": ["GROUP_OWNER"]})).await;
        let accept = {
            let service = service(&server);
            let id = id.clone();
            tokio::spawn(async move { service.accept_invitation(&object_id(&id)).await.is_ok() })
        };
        let delete = {
            let client = server.as_(&OWNER);
            let path = format!("{}/{id}", invites(&format!("groups/{PA}")));
            tokio::spawn(async move { client.delete(&path).await.status })
        };
        let (accepted, deleted) = (accept.await.unwrap(), delete.await.unwrap());
        assert!(accepted != (deleted == 204), "round {round}: accepted={accepted}, delete status={deleted}");
        let member = owner.get(&format!("/api/atlas/v2/users/byName/{username}")).await.status == 200;
        assert_eq!(member, accepted, "membership exists exactly when accept won");
    }
}

#[tokio::test]
async fn data_survives_a_restart() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let id = create(
        &owner,
        &format!("orgs/{O1}"),
        json!({"username": "durable@example.com", "roles": ["ORG_MEMBER"], "teamIds": [T1]}),
    )
    .await;
    let before = owner.get(&format!("{}/{id}", invites(&format!("orgs/{O1}")))).await.json();
    let server = server.restart().await;
    let after = server.as_(&OWNER).get(&format!("{}/{id}", invites(&format!("orgs/{O1}")))).await;
    assert_eq!(after.status, 200, "{}", after.text);
    assert_eq!(after.json(), before);
}

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_atlas-invites"))
}

fn admin_json(database_url: &str, args: &[&str]) -> Value {
    let output = binary().args(["admin", "--database-url", database_url, "--json"]).args(args).output().unwrap();
    assert!(output.status.success(), "admin {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test]
async fn the_admin_command_manages_the_same_store() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(&dir, "admin.db").await;
    let org = admin_json(&url, &["create-org", "--name", "Initech"]);
    let org_id = org["id"].as_str().unwrap();
    let project = admin_json(&url, &["create-project", "--org", org_id, "--name", "tps"]);
    let project_id = project["id"].as_str().unwrap();
    let key = admin_json(&url, &["create-api-key", "--org", org_id, "--org-role", "ORG_OWNER"]);
    assert!(key["privateKey"].as_str().is_some_and(|k| k.len() == 36));
    let listed = admin_json(&url, &["list", "api-keys"]);
    assert!(listed[0].get("privateKey").is_none(), "private keys are never stored");
    let refused = binary()
        .args(["admin", "--database-url", &url, "create-project", "--org", "6f00000000000000000000ff", "--name", "x"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    admin_json(
        &url,
        &["create-user", "--username", "peter@initech.test", "--org-role", &format!("{org_id}=ORG_MEMBER")],
    );
    let users = admin_json(&url, &["list", "users"]);
    assert_eq!(users[0]["orgRoles"][org_id], json!(["ORG_MEMBER"]));
    let _ = project_id;
}

#[tokio::test]
async fn serving_with_a_fixture_file_is_idempotent_and_prints_the_address() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = dir.path().join("fixtures.yaml");
    std::fs::write(&fixture, FIXTURE).unwrap();
    let url = fresh_database_url(&dir, "serve.db").await;
    for _ in 0..2 {
        let mut child = binary()
            .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url, "--fixtures"])
            .arg(&fixture)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let address = loop {
            line.clear();
            assert_ne!(std::io::BufRead::read_line(&mut stdout, &mut line).unwrap(), 0, "server exited early");
            if let Some(address) = line.trim().strip_prefix("listening on ") {
                break address.to_string();
            }
        };
        let response = reqwest::get(format!("{address}/api/atlas/v2/orgs/{O1}/invites")).await.unwrap();
        assert_eq!(response.status(), 401);
        child.kill().unwrap();
        child.wait().unwrap();
    }
    let orgs = admin_json(&url, &["list", "orgs"]);
    assert_eq!(orgs.as_array().unwrap().len(), 3, "applying the fixture twice made no duplicates: {orgs}");
    assert_eq!(admin_json(&url, &["list", "api-keys"]).as_array().unwrap().len(), 11);
}

#[tokio::test]
async fn the_store_is_durable_and_holds_no_private_keys() {
    let server = TestServer::start().await;
    if postgres_url().is_some() {
        return postgres_is_durable_and_holds_no_private_keys(&server).await;
    }
    let settings = server.store.dialect().durability_settings(server.store.pool()).await.unwrap();
    let expected = vec![("journal_mode", "wal".to_string()), ("synchronous", "2".to_string())];
    assert_eq!(settings, expected, "WAL with synchronous=FULL");
    let path = server.database_url.trim_start_matches("sqlite://");
    let mut bytes = std::fs::read(path).unwrap();
    bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
    let contents = String::from_utf8_lossy(&bytes);
    for key in [&OWNER, &PA_OWNER, &PB_OWNER, &PA_READER, &O1_MEMBER, &O1_READER, &O2_OWNER] {
        assert!(contents.contains(key.public), "the public key is stored");
        assert!(!contents.contains(key.private), "the private key of {} is in the database file", key.public);
    }
}

async fn postgres_is_durable_and_holds_no_private_keys(server: &TestServer) {
    let settings = server.store.dialect().durability_settings(server.store.pool()).await.unwrap();
    let on = |name| (name, "on".to_string());
    assert_eq!(
        settings,
        vec![on("fsync"), on("synchronous_commit"), on("full_page_writes")],
        "fsync, synchronous_commit and full_page_writes on"
    );
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&server.database_url).await.unwrap();
    let rows: Vec<String> = sqlx::query_scalar("SELECT k::text FROM api_keys k").fetch_all(&mut conn).await.unwrap();
    let contents = rows.join("\n");
    for key in [&OWNER, &PA_OWNER, &PB_OWNER, &PA_READER, &O1_MEMBER, &O1_READER, &O2_OWNER] {
        assert!(contents.contains(key.public), "the public key is stored");
        assert!(!contents.contains(key.private), "the private key of {} is in the api_keys table", key.public);
    }
}

#[tokio::test]
async fn concurrent_patch_and_delete_leave_the_invitation_deleted_or_updated_never_half() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    for round in 0..10 {
        let scope = format!("orgs/{O1}");
        let id = create(
            &owner,
            &scope,
            json!({"username": format!("pd{round}@example.com"), "roles": ["ORG_MEMBER"], "teamIds": [T1]}),
        )
        .await;
        let item = format!("{}/{id}", invites(&scope));
        let patch = {
            let (client, item) = (server.as_(&OWNER), item.clone());
            tokio::spawn(async move {
                client.patch(&item, &json!({"roles": ["ORG_READ_ONLY"], "teamIds": []})).await.status
            })
        };
        let delete = {
            let (client, item) = (server.as_(&OWNER), item.clone());
            tokio::spawn(async move { client.delete(&item).await.status })
        };
        let outcome = (patch.await.unwrap(), delete.await.unwrap());
        assert!(outcome == (200, 204) || outcome == (404, 204), "round {round}: {outcome:?}");
        owner.get(&item).await.assert_error(404, "INVALID_INVITATION_ID");
    }
}

#[tokio::test]
async fn concurrent_patches_of_one_invitation_both_apply() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let scope = format!("orgs/{O1}");
    for round in 0..10 {
        let body = json!({"username": format!("pp{round}@example.com"), "roles": ["ORG_MEMBER"]});
        let item = format!("{}/{}", invites(&scope), create(&owner, &scope, body).await);
        let patch = |body: Value| {
            let (client, item) = (server.as_(&OWNER), item.clone());
            tokio::spawn(async move { client.patch(&item, &body).await.status })
        };
        let teams = patch(json!({"roles": ["ORG_MEMBER"], "teamIds": [T1]}));
        let projects = patch(
            json!({"roles": ["ORG_MEMBER"], "groupRoleAssignments": [{"groupId": PA, "roles": ["GROUP_READ_ONLY"]}]}),
        );
        assert_eq!((teams.await.unwrap(), projects.await.unwrap()), (200, 200), "round {round}");
        let now = owner.get(&item).await.json();
        assert_eq!(now["teamIds"], json!([T1]), "round {round}: the teams change was lost: {now}");
        assert_eq!(
            now["groupRoleAssignments"],
            json!([{"groupId": PA, "groupRole": "GROUP_READ_ONLY"}]),
            "round {round}: the projects change was lost: {now}"
        );
    }
}

#[tokio::test]
async fn a_second_server_on_one_sqlite_file_refuses_to_start() {
    if postgres_url().is_some() {
        return; // replicas on PostgreSQL share their request state: tests/replicas.rs
    }
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(&dir, "shared.db").await;
    let mut first = binary()
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(first.stdout.take().unwrap());
    let mut line = String::new();
    while !line.starts_with("listening on ") {
        line.clear();
        assert_ne!(std::io::BufRead::read_line(&mut stdout, &mut line).unwrap(), 0, "the first server exited early");
    }
    let second = binary().args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url]).output().unwrap();
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(!second.status.success(), "the second server started");
    let message = String::from_utf8_lossy(&second.stderr);
    assert!(message.contains("another atlas-invites server is already serving"), "{message}");
    // The admin command still works beside a running server, and a server starts once the first has gone.
    let again = binary()
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url])
        .stdout(std::process::Stdio::piped())
        .spawn();
    let mut again = again.unwrap();
    let mut stdout = std::io::BufReader::new(again.stdout.take().unwrap());
    line.clear();
    while !line.starts_with("listening on ") {
        line.clear();
        assert_ne!(std::io::BufRead::read_line(&mut stdout, &mut line).unwrap(), 0, "the server did not start again");
    }
    assert!(admin_json(&url, &["list", "orgs"]).is_array());
    again.kill().unwrap();
    again.wait().unwrap();
}

#[tokio::test]
async fn the_command_line_helps_its_operator() {
    if postgres_url().is_some() {
        return; // about local files and processes; the store kind does not matter
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("ops.db").display());
    // A start that cannot listen leaves no database behind.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().to_string();
    let failed = binary().args(["serve", "--listen", &port, "--database-url", &url]).output().unwrap();
    assert!(!failed.status.success());
    assert!(!dir.path().join("ops.db").exists(), "a failed start left a database behind");
    // A store that cannot be opened is named.
    let nowhere = "sqlite:///nonexistent-directory/for-sure/x.db";
    let refused = binary().args(["admin", "list", "orgs", "--database-url", nowhere]).output().unwrap();
    assert!(String::from_utf8_lossy(&refused.stderr).contains("/nonexistent-directory/for-sure/x.db"));
    // Options go after the subcommand too; an unknown service account is an error.
    let org = admin_json(&url, &["create-org", "--name", "Initech"]);
    assert_eq!(admin_json(&url, &["list", "orgs", "--json"])[0]["id"], org["id"]);
    let unknown =
        binary().args(["admin", "--database-url", &url, "delete-service-account", "mdb_sa_id_nobody"]).output();
    assert!(!unknown.unwrap().status.success(), "deleting an unknown service account succeeded");
    // On a store that has keys, the start names the org and this binary in the command it suggests.
    admin_json(&url, &["create-api-key", "--org", org["id"].as_str().unwrap(), "--org-role", "ORG_OWNER"]);
    let mut server = binary()
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(server.stdout.take().unwrap());
    let mut banner = String::new();
    while !banner.contains("listening on ") {
        assert_ne!(std::io::BufRead::read_line(&mut stdout, &mut banner).unwrap(), 0, "the server exited early");
    }
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(banner.contains(&format!("--org {}", org["id"].as_str().unwrap())), "{banner}");
    assert!(banner.contains(env!("CARGO_BIN_EXE_atlas-invites")), "{banner}");
}
